package cmd

import (
	"context"
	"flag"
	"log/slog"

	"github.com/google/subcommands"
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/gofer"
	"github.com/moat-dev/moat/runsc/config"
)

// Gofer implements `runsc gofer`, internal: serve a root filesystem.
type Gofer struct {
	conf     *config.Config
	root     string
	ioFD     int
	readonly bool
	mounts   stringList
}

// NewGofer returns the gofer command, using the global configuration conf.
func NewGofer(conf *config.Config) *Gofer { return &Gofer{conf: conf} }

// Name implements subcommands.Command.
func (*Gofer) Name() string { return "gofer" }

// Synopsis implements subcommands.Command.
func (*Gofer) Synopsis() string {
	return "serve a root filesystem to the sentry (internal; started by runsc)"
}

// Usage implements subcommands.Command.
func (*Gofer) Usage() string {
	return `gofer --root DIR --io-fd N [--readonly] [--mount PATH]...

Internal. Serves the tree at DIR over the SOCK_SEQPACKET socket on FD N,
chrooted into DIR in its own mount namespace, until the socket closes.
Each --mount PATH (a bind mount's source outside DIR, file or directory)
is opened first and served as an extra tree, attached as 1, 2, ...
`
}

// SetFlags implements subcommands.Command.
func (g *Gofer) SetFlags(f *flag.FlagSet) {
	f.StringVar(&g.root, "root", "", "`DIR` to serve")
	f.IntVar(&g.ioFD, "io-fd", -1, "`FD` of the socket to serve on")
	f.BoolVar(&g.readonly, "readonly", false, "refuse every change to the tree with EROFS")
	f.Var(&g.mounts, "mount", "also serve `PATH`, a bind mount source (repeatable)")
}

// Execute implements subcommands.Command.
func (g *Gofer) Execute(_ context.Context, f *flag.FlagSet, _ ...any) subcommands.ExitStatus {
	if f.NArg() != 0 {
		return Usagef("gofer: unexpected arguments %q", f.Args())
	}
	if g.root == "" || g.ioFD < 0 {
		return Usagef("gofer: --root and --io-fd are required")
	}
	if _, err := unix.FcntlInt(uintptr(g.ioFD), unix.F_GETFD, 0); err != nil {
		return Failf(g.conf, "gofer: --io-fd %d: %v", g.ioFD, err)
	}
	// Every FID holds a host FD.
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
			slog.Debug("gofer: raising RLIMIT_NOFILE", "err", err)
		}
	}
	slog.Debug("gofer: serving", "root", g.root, "fd", g.ioFD, "readonly", g.readonly)
	if err := gofer.Serve(g.ioFD, g.root, g.readonly, gofer.WithMounts(g.mounts)); err != nil {
		return Failf(g.conf, "%v", err) // Serve's errors say "gofer: ..."
	}
	return subcommands.ExitSuccess
}
