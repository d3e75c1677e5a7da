package cmd

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/subcommands"

	"github.com/moat-dev/moat/runsc/config"
	"github.com/moat-dev/moat/runsc/container"
	"github.com/moat-dev/moat/sentry/control"
)

// Start implements `runsc start`: run a created container's process.
type Start struct{ conf *config.Config }

// NewStart returns the start command.
func NewStart(conf *config.Config) *Start { return &Start{conf: conf} }

// Name implements subcommands.Command.
func (*Start) Name() string { return "start" }

// Synopsis implements subcommands.Command.
func (*Start) Synopsis() string { return "start a created container" }

// Usage implements subcommands.Command.
func (*Start) Usage() string { return "start ID\n\nRuns the process of created container ID.\n" }

// SetFlags implements subcommands.Command.
func (*Start) SetFlags(*flag.FlagSet) {}

// Execute implements subcommands.Command.
func (s *Start) Execute(_ context.Context, f *flag.FlagSet, _ ...any) subcommands.ExitStatus {
	id, err := oneID(f, "start")
	if err != nil {
		return Usagef("%v", err)
	}
	if err := startContainer(s.conf, id); err != nil {
		return Failf(s.conf, "start %s: %v", id, err)
	}
	return subcommands.ExitSuccess
}

func startContainer(conf *config.Config, id string) error {
	c, err := loadContainer(conf, id, true)
	if err != nil {
		return err
	}
	defer c.Unlock()
	switch c.State.Status {
	case container.Created:
	case container.Stopped:
		return fmt.Errorf("cannot start a container that has stopped")
	default:
		return fmt.Errorf("cannot start an already %s container", c.State.Status)
	}
	if err := container.RunHooks("startContainer", hooksOf(c.State.Hooks, "startContainer"), c.State.OCIState()); err != nil {
		return err
	}
	if _, err := control.Call(c.Dir, &control.Request{Method: control.MethodStart}, nil, 30*time.Second); err != nil {
		return err
	}
	c.State.Status = container.Running
	if err := c.Save(); err != nil {
		return err
	}
	if err := container.RunHooks("poststart", hooksOf(c.State.Hooks, "poststart"), c.State.OCIState()); err != nil {
		// The container runs: a failed poststart hook is only a warning.
		slog.Warn("poststart hook failed", "err", err)
	}
	return nil
}
