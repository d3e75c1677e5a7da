package cmd

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/google/subcommands"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/moat-dev/moat/runsc/config"
	"github.com/moat-dev/moat/runsc/container"
)

// Update implements `runsc update`: change a container's resource limits.
type Update struct {
	conf      *config.Config
	resources string
	memory    int64
	cpuShares uint64
	cpuQuota  int64
	cpuPeriod uint64
	pidsLimit int64
	cpusetCPU string
	cpusetMem string
}

// NewUpdate returns the update command.
func NewUpdate(conf *config.Config) *Update { return &Update{conf: conf} }

// Name implements subcommands.Command.
func (*Update) Name() string { return "update" }

// Synopsis implements subcommands.Command.
func (*Update) Synopsis() string { return "update a container's resource limits" }

// Usage implements subcommands.Command.
func (*Update) Usage() string {
	return `update [--resources FILE|-] [--memory N] [--cpu-shares N] [--cpu-quota N] [--cpu-period N] [--pids-limit N] [--cpuset-cpus S] [--cpuset-mems S] ID

Updates container ID's linux.resources, from JSON (an OCI LinuxResources
object, on stdin with -) and flags, applies them to its cgroups and keeps
them in its state.
`
}

// SetFlags implements subcommands.Command.
func (u *Update) SetFlags(f *flag.FlagSet) {
	f.StringVar(&u.resources, "resources", "", "`FILE` with the resources as JSON; - for stdin")
	f.StringVar(&u.resources, "r", "", "same as --resources")
	f.Int64Var(&u.memory, "memory", 0, "memory limit in bytes")
	f.Uint64Var(&u.cpuShares, "cpu-shares", 0, "CPU shares")
	f.Int64Var(&u.cpuQuota, "cpu-quota", 0, "CPU CFS quota in microseconds")
	f.Uint64Var(&u.cpuPeriod, "cpu-period", 0, "CPU CFS period in microseconds")
	f.Int64Var(&u.pidsLimit, "pids-limit", 0, "maximum number of processes")
	f.StringVar(&u.cpusetCPU, "cpuset-cpus", "", "CPUs to run on")
	f.StringVar(&u.cpusetMem, "cpuset-mems", "", "memory nodes to use")
}

// Execute implements subcommands.Command.
func (u *Update) Execute(_ context.Context, f *flag.FlagSet, _ ...any) subcommands.ExitStatus {
	id, err := oneID(f, "update")
	if err != nil {
		return Usagef("%v", err)
	}
	var res specs.LinuxResources
	if u.resources != "" {
		var r io.Reader = os.Stdin
		if u.resources != "-" {
			fh, err := os.Open(u.resources)
			if err != nil {
				return Failf(u.conf, "update %s: %v", id, err)
			}
			defer fh.Close()
			r = fh
		}
		data, err := io.ReadAll(io.LimitReader(r, 1<<20))
		if err != nil {
			return Failf(u.conf, "update %s: reading resources: %v", id, err)
		}
		if err := json.Unmarshal(data, &res); err != nil {
			return Failf(u.conf, "update %s: invalid resources JSON: %v", id, err)
		}
	}
	f.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "memory":
			res.Memory = orNew(res.Memory)
			res.Memory.Limit = &u.memory
		case "cpu-shares":
			res.CPU = orNew(res.CPU)
			res.CPU.Shares = &u.cpuShares
		case "cpu-quota":
			res.CPU = orNew(res.CPU)
			res.CPU.Quota = &u.cpuQuota
		case "cpu-period":
			res.CPU = orNew(res.CPU)
			res.CPU.Period = &u.cpuPeriod
		case "cpuset-cpus":
			res.CPU = orNew(res.CPU)
			res.CPU.Cpus = u.cpusetCPU
		case "cpuset-mems":
			res.CPU = orNew(res.CPU)
			res.CPU.Mems = u.cpusetMem
		case "pids-limit":
			res.Pids = &specs.LinuxPids{Limit: &u.pidsLimit}
		}
	})
	if err := updateContainer(u.conf, id, &res); err != nil {
		return Failf(u.conf, "update %s: %v", id, err)
	}
	return subcommands.ExitSuccess
}

func orNew[T any](p *T) *T {
	if p == nil {
		return new(T)
	}
	return p
}

func updateContainer(conf *config.Config, id string, res *specs.LinuxResources) error {
	c, err := loadContainer(conf, id, true)
	if err != nil {
		return err
	}
	defer c.Unlock()
	if c.State.Status == container.Stopped {
		return fmt.Errorf("container not running")
	}
	cur := c.State.Resources
	if cur == nil {
		cur = &specs.LinuxResources{}
	}
	if res.Memory != nil {
		cur.Memory = orNew(cur.Memory)
		if res.Memory.Limit != nil {
			cur.Memory.Limit = res.Memory.Limit
		}
		if res.Memory.Reservation != nil {
			cur.Memory.Reservation = res.Memory.Reservation
		}
		if res.Memory.Swap != nil {
			cur.Memory.Swap = res.Memory.Swap
		}
	}
	if res.CPU != nil {
		cur.CPU = orNew(cur.CPU)
		if res.CPU.Shares != nil {
			cur.CPU.Shares = res.CPU.Shares
		}
		if res.CPU.Quota != nil {
			cur.CPU.Quota = res.CPU.Quota
		}
		if res.CPU.Period != nil {
			cur.CPU.Period = res.CPU.Period
		}
		if res.CPU.Cpus != "" {
			cur.CPU.Cpus = res.CPU.Cpus
		}
		if res.CPU.Mems != "" {
			cur.CPU.Mems = res.CPU.Mems
		}
	}
	if res.Pids != nil {
		cur.Pids = res.Pids
	}
	if res.BlockIO != nil {
		cur.BlockIO = res.BlockIO
	}
	if err := container.SetResources(c.State.Cgroups, res); err != nil {
		return err
	}
	c.State.Resources = cur
	return c.Save()
}
