package cmd

import (
	"context"
	"flag"

	"github.com/google/subcommands"

	"github.com/moat-dev/moat/runsc/config"
	"github.com/moat-dev/moat/runsc/container"
)

// Run implements `runsc run`: create, start and wait for a container.
type Run struct {
	conf          *config.Config
	bundle        string
	pidFile       string
	consoleSocket string
	detach        bool
	keep          bool
}

// NewRun returns the run command.
func NewRun(conf *config.Config) *Run { return &Run{conf: conf} }

// Name implements subcommands.Command.
func (*Run) Name() string { return "run" }

// Synopsis implements subcommands.Command.
func (*Run) Synopsis() string { return "create and start a container, and wait for it" }

// Usage implements subcommands.Command.
func (*Run) Usage() string {
	return `run [--bundle DIR] [--pid-file FILE] [--console-socket SOCK] [--detach] [--keep] ID

Creates container ID from the bundle and starts it. Without --detach it
waits for the container, forwards signals to it, deletes it (unless
--keep) and exits with its exit status.
`
}

// SetFlags implements subcommands.Command.
func (r *Run) SetFlags(f *flag.FlagSet) {
	f.StringVar(&r.bundle, "bundle", ".", "path to the OCI bundle `DIR`")
	f.StringVar(&r.bundle, "b", ".", "same as --bundle")
	f.StringVar(&r.pidFile, "pid-file", "", "write the sandbox's host PID to `FILE`")
	f.StringVar(&r.consoleSocket, "console-socket", "", "unix socket `PATH` to send the terminal's master to")
	f.BoolVar(&r.detach, "detach", false, "return once the container has started")
	f.BoolVar(&r.detach, "d", false, "same as --detach")
	f.BoolVar(&r.keep, "keep", false, "do not delete the container after it exits")
	f.Bool("no-pivot", false, "accepted for runc compatibility; ignored")
	f.Bool("no-new-keyring", false, "accepted for runc compatibility; ignored")
}

// Execute implements subcommands.Command.
func (r *Run) Execute(_ context.Context, f *flag.FlagSet, _ ...any) subcommands.ExitStatus {
	id, err := oneID(f, "run")
	if err != nil {
		return Usagef("%v", err)
	}
	cr, err := createContainer(r.conf, id, createOptions{bundle: r.bundle, pidFile: r.pidFile,
		consoleSocket: r.consoleSocket, foreground: !r.detach})
	if err != nil {
		return Failf(r.conf, "run %s: %v", id, err)
	}
	if err := startContainer(r.conf, id); err != nil {
		killSandbox(&cr.c.State, cr.sb)
		deleteContainer(r.conf, id, true)
		return Failf(r.conf, "run %s: %v", id, err)
	}
	if r.detach {
		return subcommands.ExitSuccess
	}
	stop := cr.sb.ForwardSignals()
	<-cr.exited
	stop()
	code := cr.code
	if c, err := container.Load(r.conf.Root, id); err == nil && c.State.ExitStatus != nil {
		code = *c.State.ExitStatus
	}
	if !r.keep {
		if err := deleteContainer(r.conf, id, true); err != nil {
			Failf(r.conf, "run %s: deleting: %v", id, err)
		}
	}
	return subcommands.ExitStatus(code)
}
