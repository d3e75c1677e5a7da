package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/google/subcommands"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/runsc/config"
	"github.com/moat-dev/moat/sentry/boot"
)

// MaxSpecSize bounds the spec that boot reads.
const MaxSpecSize = 16 << 20

// Boot implements `runsc boot`, internal: run the sentry.
type Boot struct {
	conf      *config.Config
	goferFD   int
	specFD    int
	controlFD int
	exitFD    int
	goneFD    int
}

// NewBoot returns the boot command, using the global configuration conf.
func NewBoot(conf *config.Config) *Boot { return &Boot{conf: conf} }

// Name implements subcommands.Command.
func (*Boot) Name() string { return "boot" }

// Synopsis implements subcommands.Command.
func (*Boot) Synopsis() string { return "run the sentry (internal; started by runsc)" }

// Usage implements subcommands.Command.
func (*Boot) Usage() string {
	return `boot --gofer-fd N --spec-fd N [--control-fd N [--exit-fd N]]

Internal. Reads an OCI spec as JSON from the spec FD, to EOF, and runs the
sandbox's sentry with its files served by the gofer on the gofer FD.
`
}

// SetFlags implements subcommands.Command.
func (b *Boot) SetFlags(f *flag.FlagSet) {
	f.IntVar(&b.goferFD, "gofer-fd", -1, "`FD` of the socket connected to the gofer")
	f.IntVar(&b.specFD, "spec-fd", -1, "`FD` to read the OCI spec (JSON) from")
	f.IntVar(&b.controlFD, "control-fd", -1, "`FD` of the listening control socket; init waits for its start request (runsc create)")
	f.IntVar(&b.exitFD, "exit-fd", -1, "`FD` of a file to write init's exit status to (with --control-fd)")
	f.IntVar(&b.goneFD, "gone-fd", -1, "`FD` to hold open, and from the stubs, until the sentry is gone: its reader learns when")
}

// Execute implements subcommands.Command.
func (b *Boot) Execute(_ context.Context, f *flag.FlagSet, _ ...any) subcommands.ExitStatus {
	if f.NArg() != 0 {
		return Usagef("boot: unexpected arguments %q", f.Args())
	}
	if b.goferFD < 0 || b.specFD < 0 {
		return Usagef("boot: --gofer-fd and --spec-fd are required")
	}
	if b.goferFD == b.specFD || b.goferFD <= 2 || b.specFD <= 2 {
		return Usagef("boot: --gofer-fd %d and --spec-fd %d must be distinct and not stdio", b.goferFD, b.specFD)
	}
	if _, err := unix.FcntlInt(uintptr(b.goferFD), unix.F_GETFD, 0); err != nil {
		return Failf(b.conf, "boot: --gofer-fd %d: %v", b.goferFD, err)
	}
	// The stubs, which run application code, must not hold the gofer
	// connection (and the gofer sees it close when the sentry exits),
	// nor the spec pipe, read while the platform starts its first stub.
	unix.CloseOnExec(b.goferFD)
	unix.CloseOnExec(b.specFD)
	if b.goneFD >= 0 {
		if b.goneFD <= 2 || b.goneFD == b.goferFD || b.goneFD == b.specFD {
			return Usagef("boot: --gone-fd %d must be distinct from stdio and the other FDs", b.goneFD)
		}
		if _, err := unix.FcntlInt(uintptr(b.goneFD), unix.F_GETFD, 0); err != nil {
			return Failf(b.conf, "boot: --gone-fd %d: %v", b.goneFD, err)
		}
		// Held, never used: only the sentry's end closes it.
		unix.CloseOnExec(b.goneFD)
	}
	// The memory file and the platform do not depend on the spec:
	// they start while another goroutine reads and decodes it.
	type specResult struct {
		spec *specs.Spec
		err  error
	}
	specCh := make(chan specResult, 1)
	go func() {
		spec, err := ReadSpec(b.specFD)
		specCh <- specResult{spec, err}
	}()
	boot.Prestart(b.conf)
	r := <-specCh
	spec, err := r.spec, r.err
	if err != nil {
		return Failf(b.conf, "boot: %v", err)
	}
	if b.controlFD >= 0 {
		for _, fd := range []int{b.controlFD, b.exitFD} {
			if fd < 0 {
				continue
			}
			if fd <= 2 || fd == b.goferFD || fd == b.specFD {
				return Usagef("boot: --control-fd %d and --exit-fd %d must be distinct from stdio and the other FDs", b.controlFD, b.exitFD)
			}
			if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
				return Failf(b.conf, "boot: fd %d: %v", fd, err)
			}
			unix.CloseOnExec(fd)
		}
		boot.SetControl(b.controlFD, b.exitFD)
	}
	return subcommands.ExitStatus(boot.Run(b.conf, spec, b.goferFD, [3]int{0, 1, 2}))
}

// ReadSpec reads a JSON OCI spec from fd to EOF, closes fd, and checks
// that the spec has what the sentry needs: a process with arguments and a
// root.
func ReadSpec(fd int) (*specs.Spec, error) {
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
		return nil, fmt.Errorf("--spec-fd %d: %w", fd, err)
	}
	f := os.NewFile(uintptr(fd), "spec")
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSpecSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading spec: %w", err)
	}
	if len(data) > MaxSpecSize {
		return nil, fmt.Errorf("spec exceeds %d bytes", MaxSpecSize)
	}
	return ParseSpec(data)
}

// ParseSpec decodes and checks a JSON OCI spec.
func ParseSpec(data []byte) (*specs.Spec, error) {
	var spec specs.Spec
	if err := json.Unmarshal(data, &spec); err != nil {
		return nil, fmt.Errorf("malformed spec: %w", err)
	}
	switch {
	case spec.Process == nil:
		return nil, errors.New("malformed spec: no process")
	case len(spec.Process.Args) == 0 || spec.Process.Args[0] == "":
		return nil, errors.New("malformed spec: process.args is empty")
	case spec.Root == nil || spec.Root.Path == "":
		return nil, errors.New("malformed spec: no root.path")
	}
	return &spec, nil
}
