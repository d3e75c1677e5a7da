package cmd

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"time"

	"github.com/google/subcommands"

	"github.com/moat-dev/moat/runsc/config"
	"github.com/moat-dev/moat/runsc/container"
	"github.com/moat-dev/moat/sentry/control"
)

// Events implements `runsc events`: a container's stats as JSON lines.
type Events struct {
	conf     *config.Config
	stats    bool
	interval time.Duration
}

// NewEvents returns the events command.
func NewEvents(conf *config.Config) *Events { return &Events{conf: conf} }

// Name implements subcommands.Command.
func (*Events) Name() string { return "events" }

// Synopsis implements subcommands.Command.
func (*Events) Synopsis() string { return "print a container's resource usage as JSON events" }

// Usage implements subcommands.Command.
func (*Events) Usage() string {
	return `events [--stats] [--interval DURATION] ID

Prints a stats event, {"type":"stats","id":ID,"data":{...}}, every
--interval (default 5s) until the container stops; with --stats, one
event and exit.
`
}

// SetFlags implements subcommands.Command.
func (e *Events) SetFlags(f *flag.FlagSet) {
	f.BoolVar(&e.stats, "stats", false, "print one stats event and exit")
	f.DurationVar(&e.interval, "interval", 5*time.Second, "time between stats events")
}

// event is one line of output, runc's shape.
type event struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Data any    `json:"data,omitempty"`
}

type statsData struct {
	CPU struct {
		Usage struct {
			Total  uint64 `json:"total"`
			Kernel uint64 `json:"kernel"`
			User   uint64 `json:"user"`
		} `json:"usage"`
	} `json:"cpu"`
	Memory struct {
		Usage struct {
			Usage uint64 `json:"usage"`
			Limit uint64 `json:"limit,omitempty"`
		} `json:"usage"`
	} `json:"memory"`
	Pids struct {
		Current uint64 `json:"current"`
		Limit   uint64 `json:"limit,omitempty"`
	} `json:"pids"`
	Sandbox *control.Stats `json:"sandbox,omitempty"`
}

// Execute implements subcommands.Command.
func (e *Events) Execute(_ context.Context, f *flag.FlagSet, _ ...any) subcommands.ExitStatus {
	id, err := oneID(f, "events")
	if err != nil {
		return Usagef("%v", err)
	}
	if e.interval <= 0 {
		return Usagef("events: --interval must be positive")
	}
	for {
		c, err := loadContainer(e.conf, id, false)
		if err != nil {
			return Failf(e.conf, "events %s: %v", id, err)
		}
		if c.State.Status == container.Stopped {
			if e.stats {
				return Failf(e.conf, "events %s: container not running", id)
			}
			return subcommands.ExitSuccess
		}
		st, err := stats(c)
		if err != nil {
			if e.stats {
				return Failf(e.conf, "events %s: %v", id, err)
			}
			return subcommands.ExitSuccess
		}
		out, _ := json.Marshal(event{Type: "stats", ID: id, Data: st})
		fmt.Println(string(out))
		if e.stats {
			return subcommands.ExitSuccess
		}
		time.Sleep(e.interval)
	}
}

// stats gathers a container's usage from the sandbox and its cgroups.
func stats(c *container.Container) (*statsData, error) {
	resp, err := control.Call(c.Dir, &control.Request{Method: control.MethodStats}, nil, 10*time.Second)
	if err != nil {
		return nil, err
	}
	var d statsData
	s := resp.Stats
	d.Sandbox = s
	d.CPU.Usage.Total = s.CPUNanos
	d.Memory.Usage.Usage = s.MemoryBytes
	d.Pids.Current = s.Pids
	cg := c.State.Cgroups
	if v, ok := container.ReadCgroupStat(cg, "cpuacct.usage"); ok {
		d.CPU.Usage.Total = v
	}
	if v, ok := container.ReadCgroupStat(cg, "memory.usage_in_bytes"); ok {
		d.Memory.Usage.Usage = v
	} else if v, ok := container.ReadCgroupStat(cg, "memory.current"); ok {
		d.Memory.Usage.Usage = v
	}
	if v, ok := container.ReadCgroupStat(cg, "memory.limit_in_bytes"); ok {
		d.Memory.Usage.Limit = v
	}
	if v, ok := container.ReadCgroupStat(cg, "pids.max"); ok {
		d.Pids.Limit = v
	}
	return &d, nil
}
