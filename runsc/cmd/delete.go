package cmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/google/subcommands"

	"github.com/moat-dev/moat/runsc/config"
	"github.com/moat-dev/moat/runsc/container"
)

// Delete implements `runsc delete`: remove a container.
type Delete struct {
	conf  *config.Config
	force bool
}

// NewDelete returns the delete command.
func NewDelete(conf *config.Config) *Delete { return &Delete{conf: conf} }

// Name implements subcommands.Command.
func (*Delete) Name() string { return "delete" }

// Synopsis implements subcommands.Command.
func (*Delete) Synopsis() string { return "delete a container and everything it holds" }

// Usage implements subcommands.Command.
func (*Delete) Usage() string {
	return `delete [--force] ID...

Deletes stopped (or created) containers: runs their poststop hooks and
removes their state and cgroups. --force kills a running container
first, and succeeds for a container that does not exist.
`
}

// SetFlags implements subcommands.Command.
func (d *Delete) SetFlags(f *flag.FlagSet) {
	f.BoolVar(&d.force, "force", false, "kill the container if it runs; no error if it does not exist")
	f.BoolVar(&d.force, "f", false, "same as --force")
}

// Execute implements subcommands.Command.
func (d *Delete) Execute(_ context.Context, f *flag.FlagSet, _ ...any) subcommands.ExitStatus {
	if f.NArg() == 0 {
		return Usagef("delete: no container ID given")
	}
	status := subcommands.ExitSuccess
	for _, id := range f.Args() {
		if err := deleteContainer(d.conf, id, d.force); err != nil {
			status = Failf(d.conf, "delete %s: %v", id, err)
		}
	}
	return status
}

func deleteContainer(conf *config.Config, id string, force bool) error {
	c, err := loadContainer(conf, id, true)
	if err != nil {
		if errors.Is(err, container.ErrNotExist) {
			// A create that died half-way may have left a directory
			// without state.
			if container.ValidateID(id) == nil {
				os.RemoveAll(container.Dir(conf.Root, id))
			}
			if force {
				return nil
			}
		}
		return err
	}
	defer c.Unlock()
	switch c.State.Status {
	case container.Stopped:
		// init has exited, but the sentry may still be winding down.
		killHost(&c.State)
	case container.Created, container.Creating:
		killHost(&c.State)
	default:
		if !force {
			return fmt.Errorf("cannot delete a container that is not stopped: %s (use --force)", c.State.Status)
		}
		killHost(&c.State)
	}
	c.State.Status = container.Stopped
	if err := container.RunHooks("poststop", hooksOf(c.State.Hooks, "poststop"), c.State.OCIState()); err != nil {
		slog.Warn("poststop hook failed", "err", err)
	}
	container.RemoveCgroups(c.State.Cgroups)
	return c.Destroy()
}
