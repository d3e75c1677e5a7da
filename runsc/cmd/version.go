package cmd

import (
	"context"
	"flag"
	"fmt"

	"github.com/google/subcommands"
)

// Version implements `runsc version`.
type Version struct {
	// Version is the version string to print.
	Version string
}

// VersionString is what `runsc version` and `runsc --version` print.
func VersionString(v string) string { return "runsc version " + v }

// Name implements subcommands.Command.
func (*Version) Name() string { return "version" }

// Synopsis implements subcommands.Command.
func (*Version) Synopsis() string { return "print the runtime's version" }

// Usage implements subcommands.Command.
func (*Version) Usage() string { return "version\n" }

// SetFlags implements subcommands.Command.
func (*Version) SetFlags(*flag.FlagSet) {}

// Execute implements subcommands.Command.
func (v *Version) Execute(_ context.Context, f *flag.FlagSet, _ ...any) subcommands.ExitStatus {
	if f.NArg() != 0 {
		return Usagef("version: unexpected arguments %q", f.Args())
	}
	fmt.Println(VersionString(v.Version))
	return subcommands.ExitSuccess
}
