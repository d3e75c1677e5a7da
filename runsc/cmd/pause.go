package cmd

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/google/subcommands"

	"github.com/moat-dev/moat/runsc/config"
	"github.com/moat-dev/moat/runsc/container"
	"github.com/moat-dev/moat/sentry/control"
)

// Pause implements `runsc pause` and, with resume set, `runsc resume`.
type Pause struct {
	conf   *config.Config
	resume bool
}

// NewPause returns the pause command.
func NewPause(conf *config.Config) *Pause { return &Pause{conf: conf} }

// NewResume returns the resume command.
func NewResume(conf *config.Config) *Pause { return &Pause{conf: conf, resume: true} }

// Name implements subcommands.Command.
func (p *Pause) Name() string {
	if p.resume {
		return "resume"
	}
	return "pause"
}

// Synopsis implements subcommands.Command.
func (p *Pause) Synopsis() string {
	if p.resume {
		return "resume a paused container"
	}
	return "pause every process of a container"
}

// Usage implements subcommands.Command.
func (p *Pause) Usage() string {
	if p.resume {
		return "resume ID\n\nResumes the processes of paused container ID.\n"
	}
	return "pause ID\n\nFreezes every process of container ID until resume.\n"
}

// SetFlags implements subcommands.Command.
func (*Pause) SetFlags(*flag.FlagSet) {}

// Execute implements subcommands.Command.
func (p *Pause) Execute(_ context.Context, f *flag.FlagSet, _ ...any) subcommands.ExitStatus {
	id, err := oneID(f, p.Name())
	if err != nil {
		return Usagef("%v", err)
	}
	if err := p.do(id); err != nil {
		return Failf(p.conf, "%s %s: %v", p.Name(), id, err)
	}
	return subcommands.ExitSuccess
}

func (p *Pause) do(id string) error {
	c, err := loadContainer(p.conf, id, true)
	if err != nil {
		return err
	}
	defer c.Unlock()
	want, method, next := container.Running, control.MethodPause, container.Paused
	if p.resume {
		want, method, next = container.Paused, control.MethodResume, container.Running
	}
	if c.State.Status != want {
		return fmt.Errorf("container is %s, not %s", c.State.Status, want)
	}
	if _, err := control.Call(c.Dir, &control.Request{Method: method}, nil, 30*time.Second); err != nil {
		return err
	}
	c.State.Status = next
	return c.Save()
}
