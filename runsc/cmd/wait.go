package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/google/subcommands"

	"github.com/moat-dev/moat/runsc/config"
	"github.com/moat-dev/moat/runsc/container"
	"github.com/moat-dev/moat/sentry/control"
)

// Wait implements `runsc wait`: wait for a container (or a process in
// it) to exit.
type Wait struct {
	conf *config.Config
	pid  int
}

// NewWait returns the wait command.
func NewWait(conf *config.Config) *Wait { return &Wait{conf: conf} }

// Name implements subcommands.Command.
func (*Wait) Name() string { return "wait" }

// Synopsis implements subcommands.Command.
func (*Wait) Synopsis() string { return "wait for a container to exit and report its exit status" }

// Usage implements subcommands.Command.
func (*Wait) Usage() string {
	return `wait [--pid N] ID

Waits for container ID's init process (or, with --pid, the exec'd
process with PID N in the sandbox) to exit, prints
{"id":ID,"exitStatus":N} and exits with that status.
`
}

// SetFlags implements subcommands.Command.
func (w *Wait) SetFlags(f *flag.FlagSet) {
	f.IntVar(&w.pid, "pid", 0, "wait for the exec'd process with this `PID` in the sandbox")
}

// Execute implements subcommands.Command.
func (w *Wait) Execute(_ context.Context, f *flag.FlagSet, _ ...any) subcommands.ExitStatus {
	id, err := oneID(f, "wait")
	if err != nil {
		return Usagef("%v", err)
	}
	code, err := waitContainer(w.conf, id, int32(w.pid))
	if err != nil {
		return Failf(w.conf, "wait %s: %v", id, err)
	}
	out, _ := json.Marshal(map[string]any{"id": id, "exitStatus": code})
	fmt.Println(string(out))
	return subcommands.ExitStatus(code)
}

// waitContainer waits for init (pid 0) or an exec'd process.
func waitContainer(conf *config.Config, id string, pid int32) (int, error) {
	c, err := loadContainer(conf, id, false)
	if err != nil {
		return 0, err
	}
	if c.State.Status != container.Stopped {
		resp, err := control.Call(c.Dir, &control.Request{Method: control.MethodWait, PID: pid}, nil, 0)
		if err == nil {
			return resp.ExitStatus, nil
		}
		if !sandboxGone(err) {
			return 0, err
		}
	}
	if pid != 0 {
		return 0, errors.New("the container has stopped")
	}
	// The sandbox is gone: its last words are in the exit file.
	for i := 0; i < 100; i++ {
		if err := c.Reload(); err != nil {
			return 0, err
		}
		if c.State.ExitStatus != nil {
			return *c.State.ExitStatus, nil
		}
		if c.SandboxAlive() {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		break
	}
	if c.State.ExitStatus != nil {
		return *c.State.ExitStatus, nil
	}
	return 0, errors.New("the container stopped without an exit status")
}
