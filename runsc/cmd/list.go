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
)

// List implements `runsc list`: the containers under --root.
type List struct {
	conf   *config.Config
	format string
	quiet  bool
}

// NewList returns the list command.
func NewList(conf *config.Config) *List { return &List{conf: conf} }

// Name implements subcommands.Command.
func (*List) Name() string { return "list" }

// Synopsis implements subcommands.Command.
func (*List) Synopsis() string { return "list the containers" }

// Usage implements subcommands.Command.
func (*List) Usage() string {
	return "list [--format table|json] [--quiet]\n\nLists the containers under --root.\n"
}

// SetFlags implements subcommands.Command.
func (l *List) SetFlags(f *flag.FlagSet) {
	f.StringVar(&l.format, "format", "table", "output format: table or json")
	f.StringVar(&l.format, "f", "table", "same as --format")
	f.BoolVar(&l.quiet, "quiet", false, "print only the IDs")
	f.BoolVar(&l.quiet, "q", false, "same as --quiet")
}

// Execute implements subcommands.Command.
func (l *List) Execute(_ context.Context, f *flag.FlagSet, _ ...any) subcommands.ExitStatus {
	if f.NArg() != 0 {
		return Usagef("list: unexpected arguments %q", f.Args())
	}
	if l.format != "table" && l.format != "json" {
		return Usagef("list: invalid --format %q: must be table or json", l.format)
	}
	ids, err := container.List(l.conf.Root)
	if err != nil {
		return Failf(l.conf, "list: %v", err)
	}
	states := []stateJSON{}
	for _, id := range ids {
		c, err := container.Load(l.conf.Root, id)
		if err != nil {
			continue
		}
		states = append(states, toStateJSON(&c.State))
	}
	switch {
	case l.quiet:
		for _, s := range states {
			fmt.Println(s.ID)
		}
	case l.format == "json":
		out, _ := json.Marshal(states)
		fmt.Println(string(out))
	default:
		w := tabwriter.NewWriter(os.Stdout, 12, 1, 3, ' ', 0)
		fmt.Fprint(w, "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n")
		for _, s := range states {
			fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", s.ID, s.Pid, s.Status, s.Bundle, s.Created.Format(time.RFC3339Nano), s.Owner)
		}
		w.Flush()
	}
	return subcommands.ExitSuccess
}
