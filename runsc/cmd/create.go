package cmd

import (
	"context"
	"flag"

	"github.com/google/subcommands"

	"github.com/moat-dev/moat/runsc/config"
)

// Create implements `runsc create`: build a container's sandbox from an
// OCI bundle, ready for start.
type Create struct {
	conf          *config.Config
	bundle        string
	pidFile       string
	consoleSocket string
}

// NewCreate returns the create command.
func NewCreate(conf *config.Config) *Create { return &Create{conf: conf} }

// Name implements subcommands.Command.
func (*Create) Name() string { return "create" }

// Synopsis implements subcommands.Command.
func (*Create) Synopsis() string { return "create a container from an OCI bundle, ready to start" }

// Usage implements subcommands.Command.
func (*Create) Usage() string {
	return `create [--bundle DIR] [--pid-file FILE] [--console-socket SOCK] ID

Creates container ID from the bundle (default: the current directory):
its gofer and sentry start, and the container's process waits for
'runsc start'. --pid-file gets the sandbox's host PID, a process that
exits with the container's exit status. With process.terminal, the
master of a new pseudoterminal is sent over --console-socket.
`
}

// SetFlags implements subcommands.Command.
func (c *Create) SetFlags(f *flag.FlagSet) {
	f.StringVar(&c.bundle, "bundle", ".", "path to the OCI bundle `DIR`")
	f.StringVar(&c.bundle, "b", ".", "same as --bundle")
	f.StringVar(&c.pidFile, "pid-file", "", "write the sandbox's host PID to `FILE`")
	f.StringVar(&c.consoleSocket, "console-socket", "", "unix socket `PATH` to send the terminal's master to")
	f.Bool("no-pivot", false, "accepted for runc compatibility; ignored")
	f.Bool("no-new-keyring", false, "accepted for runc compatibility; ignored")
	f.String("preserve-fds", "0", "accepted for runc compatibility; ignored")
}

// Execute implements subcommands.Command.
func (c *Create) Execute(_ context.Context, f *flag.FlagSet, _ ...any) subcommands.ExitStatus {
	id, err := oneID(f, "create")
	if err != nil {
		return Usagef("%v", err)
	}
	if _, err := createContainer(c.conf, id, createOptions{bundle: c.bundle, pidFile: c.pidFile, consoleSocket: c.consoleSocket}); err != nil {
		return Failf(c.conf, "create %s: %v", id, err)
	}
	return subcommands.ExitSuccess
}
