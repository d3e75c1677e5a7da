// Package boot builds a sentry Kernel from an OCI spec and runs the
// container's init process until it exits.
package boot

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/moat-dev/moat/runsc/config"
)

// Run boots a sandbox for spec, serving its root filesystem from the gofer
// connected on goferFD, with the application's stdio on stdio. It returns
// the exit status for the sentry process: the init process's exit code, or
// 128+N if signal N killed it.
func Run(conf *config.Config, spec *specs.Spec, goferFD int, stdio [3]int) int {
	return 1
}
