package cmd

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/google/subcommands"

	"github.com/moat-dev/moat/runsc/config"
	"github.com/moat-dev/moat/runsc/container"
)

// State implements `runsc state`: print a container's state as JSON.
type State struct{ conf *config.Config }

// NewState returns the state command.
func NewState(conf *config.Config) *State { return &State{conf: conf} }

// Name implements subcommands.Command.
func (*State) Name() string { return "state" }

// Synopsis implements subcommands.Command.
func (*State) Synopsis() string { return "print the state of a container as JSON" }

// Usage implements subcommands.Command.
func (*State) Usage() string { return "state ID\n\nPrints container ID's state, as runc does.\n" }

// SetFlags implements subcommands.Command.
func (*State) SetFlags(*flag.FlagSet) {}

// stateJSON is `runsc state`'s output: runc's shape.
type stateJSON struct {
	OCIVersion  string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Pid         int               `json:"pid"`
	Status      string            `json:"status"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Created     time.Time         `json:"created"`
	Owner       string            `json:"owner"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

func toStateJSON(s *container.State) stateJSON {
	pid := s.Pid
	if s.Status == container.Stopped {
		pid = 0
	}
	return stateJSON{OCIVersion: s.OCIVersion, ID: s.ID, Pid: pid, Status: s.Status, Bundle: s.Bundle,
		Rootfs: s.Rootfs, Created: s.Created, Owner: s.Owner, Annotations: s.Annotations}
}

// Execute implements subcommands.Command.
func (st *State) Execute(_ context.Context, f *flag.FlagSet, _ ...any) subcommands.ExitStatus {
	id, err := oneID(f, "state")
	if err != nil {
		return Usagef("%v", err)
	}
	c, err := loadContainer(st.conf, id, false)
	if err != nil {
		return Failf(st.conf, "state %s: %v", id, err)
	}
	out, _ := json.MarshalIndent(toStateJSON(&c.State), "", "  ")
	fmt.Fprintln(os.Stdout, string(out))
	return subcommands.ExitSuccess
}
