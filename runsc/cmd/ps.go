package cmd

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/google/subcommands"

	"github.com/moat-dev/moat/runsc/config"
	"github.com/moat-dev/moat/runsc/container"
	"github.com/moat-dev/moat/sentry/control"
)

// Ps implements `runsc ps`: the processes of a container.
type Ps struct {
	conf   *config.Config
	format string
}

// NewPs returns the ps command.
func NewPs(conf *config.Config) *Ps { return &Ps{conf: conf} }

// Name implements subcommands.Command.
func (*Ps) Name() string { return "ps" }

// Synopsis implements subcommands.Command.
func (*Ps) Synopsis() string { return "list the processes of a container" }

// Usage implements subcommands.Command.
func (*Ps) Usage() string {
	return `ps [--format table|json] ID

With --format json, prints the host PIDs of the container as a JSON
array (the sandbox's: the sentry), as Docker and containerd expect. The
table lists the processes inside the sandbox, with their sandbox PIDs.
`
}

// SetFlags implements subcommands.Command.
func (p *Ps) SetFlags(f *flag.FlagSet) {
	f.StringVar(&p.format, "format", "table", "output format: table or json")
	f.StringVar(&p.format, "f", "table", "same as --format")
}

// Execute implements subcommands.Command.
func (p *Ps) Execute(_ context.Context, f *flag.FlagSet, _ ...any) subcommands.ExitStatus {
	// runc passes ps options after the ID; they are accepted and ignored.
	if f.NArg() < 1 {
		return Usagef("ps: no container ID given")
	}
	id := f.Arg(0)
	if p.format != "table" && p.format != "json" {
		return Usagef("ps: invalid --format %q: must be table or json", p.format)
	}
	c, err := loadContainer(p.conf, id, false)
	if err != nil {
		return Failf(p.conf, "ps %s: %v", id, err)
	}
	if p.format == "json" {
		pids := []int{}
		if c.State.Status != container.Stopped {
			pids = append(pids, c.State.Pid)
		}
		out, _ := json.Marshal(pids)
		fmt.Println(string(out))
		return subcommands.ExitSuccess
	}
	if c.State.Status == container.Stopped {
		return Failf(p.conf, "ps %s: container not running", id)
	}
	resp, err := control.Call(c.Dir, &control.Request{Method: control.MethodPs}, nil, 10*time.Second)
	if err != nil {
		return Failf(p.conf, "ps %s: %v", id, err)
	}
	w := tabwriter.NewWriter(os.Stdout, 6, 1, 2, ' ', 0)
	fmt.Fprint(w, "UID\tPID\tPPID\tTHREADS\tTIME\tSTAT\tCMD\n")
	for _, pr := range resp.Processes {
		d := time.Duration(pr.CPUNanos).Truncate(10 * time.Millisecond)
		fmt.Fprintf(w, "%d\t%d\t%d\t%d\t%s\t%s\t%s\n", pr.UID, pr.PID, pr.PPID, pr.Threads, d, pr.State, pr.Comm)
	}
	w.Flush()
	return subcommands.ExitSuccess
}
