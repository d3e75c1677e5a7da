package cmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/google/subcommands"
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/runsc/config"
	"github.com/moat-dev/moat/runsc/container"
	"github.com/moat-dev/moat/sentry/control"
)

// Kill implements `runsc kill`: signal a container's process.
type Kill struct {
	conf *config.Config
	all  bool
	pid  int
}

// NewKill returns the kill command.
func NewKill(conf *config.Config) *Kill { return &Kill{conf: conf} }

// Name implements subcommands.Command.
func (*Kill) Name() string { return "kill" }

// Synopsis implements subcommands.Command.
func (*Kill) Synopsis() string { return "send a signal to a container's processes" }

// Usage implements subcommands.Command.
func (*Kill) Usage() string {
	return `kill [--all] [--pid N] ID [SIGNAL]

Sends SIGNAL (a number or a name such as TERM or SIGKILL; default TERM)
to the init process of container ID, to every process of it with --all,
or to the process with PID N in the sandbox with --pid.
`
}

// SetFlags implements subcommands.Command.
func (k *Kill) SetFlags(f *flag.FlagSet) {
	f.BoolVar(&k.all, "all", false, "send the signal to every process of the container")
	f.BoolVar(&k.all, "a", false, "same as --all")
	f.IntVar(&k.pid, "pid", 0, "send the signal to the sandbox process with this `PID`")
}

// Execute implements subcommands.Command.
func (k *Kill) Execute(_ context.Context, f *flag.FlagSet, _ ...any) subcommands.ExitStatus {
	if f.NArg() < 1 || f.NArg() > 2 {
		return Usagef("kill: usage: runsc kill [--all] ID [SIGNAL]")
	}
	id := f.Arg(0)
	sig := unix.SIGTERM
	if f.NArg() == 2 {
		s, err := ParseSignal(f.Arg(1))
		if err != nil {
			return Usagef("kill: %v", err)
		}
		sig = s
	}
	if err := killContainer(k.conf, id, sig, k.all, int32(k.pid)); err != nil {
		return Failf(k.conf, "kill %s: %v", id, err)
	}
	return subcommands.ExitSuccess
}

func killContainer(conf *config.Config, id string, sig unix.Signal, all bool, pid int32) error {
	c, err := loadContainer(conf, id, false)
	if err != nil {
		return err
	}
	if c.State.Status == container.Stopped {
		return errors.New("container not running")
	}
	_, err = control.Call(c.Dir, &control.Request{Method: control.MethodSignal, Signal: int(sig), All: all, PID: pid}, nil, 10*time.Second)
	if err != nil && sandboxGone(err) {
		if sig == unix.SIGKILL && pid == 0 {
			// The sandbox does not answer: kill it from the host.
			killHost(&c.State)
			return nil
		}
		if !c.SandboxAlive() {
			return errors.New("container not running")
		}
		return fmt.Errorf("the sandbox does not answer: %w", err)
	}
	return err
}
