// Package cmd holds runsc's subcommands, one per file.
package cmd

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/google/subcommands"

	"github.com/moat-dev/moat/runsc/config"
)

// Failf reports a failure of the command: "runsc: <msg>" on stderr and,
// when logs go to a file (--log), an error record there too, where
// containerd and Docker look for it. It returns subcommands.ExitFailure.
func Failf(conf *config.Config, format string, args ...any) subcommands.ExitStatus {
	msg := fmt.Sprintf(format, args...)
	if conf != nil && conf.Log != "" {
		slog.Error(msg)
	}
	fmt.Fprintf(os.Stderr, "runsc: %s\n", msg)
	return subcommands.ExitFailure
}

// Usagef reports a usage error: "runsc: <msg>" on stderr. It returns
// subcommands.ExitUsageError (2).
func Usagef(format string, args ...any) subcommands.ExitStatus {
	fmt.Fprintf(os.Stderr, "runsc: %s\n", fmt.Sprintf(format, args...))
	return subcommands.ExitUsageError
}
