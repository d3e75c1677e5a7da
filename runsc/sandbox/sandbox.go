// Package sandbox starts the processes of a sandbox: the gofer, which
// serves the container's root filesystem, and the sentry (`runsc boot`),
// which runs the container. Both are re-execs of the runsc binary.
//
// The sentry receives:
//
//	fd 0, 1, 2  the caller's stdio
//	fd 3        its end of a SOCK_SEQPACKET socketpair whose other end is the
//	            gofer's fd 3 (`runsc gofer --io-fd 3`)
//	fd 4        the read end of a pipe carrying the OCI spec as JSON; the
//	            parent writes the spec and closes the write end, so the
//	            sentry reads to EOF (`runsc boot --gofer-fd 3 --spec-fd 4`)
package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/runsc/config"
	"github.com/moat-dev/moat/seccomp"
	"github.com/moat-dev/moat/sentry/boot"
)

// DefaultExe is the binary the sandbox processes run: runsc itself.
const DefaultExe = "/proc/self/exe"

// The FDs the children receive.
const (
	GoferIOFD    = 3 // in the gofer: its end of the socketpair
	SentryIOFD   = 3 // in the sentry: its end of the socketpair
	SentrySpecFD = 4 // in the sentry: the spec pipe
	SentryCtlFD  = 5 // in the sentry: the control socket (create)
	SentryExitFD = 6 // in the sentry: the exit-status file (create)
)

// Options adjust how Start runs the sandbox.
type Options struct {
	// Exe is the runsc binary to run; DefaultExe if empty.
	Exe string
	// Stdio is the sentry's stdin, stdout and stderr; the caller's if nil.
	Stdio [3]*os.File
	// Control, if set, is the listening control socket: the sentry
	// gets it as fd 5 (--control-fd 5) and waits for a start request
	// before running init (runsc create).
	Control *os.File
	// ExitFile, if set, is where the sentry writes init's exit status
	// when it ends; it gets it as fd 6 (--exit-fd 6).
	ExitFile *os.File
	// Detach lets the sandbox outlive the caller: no parent-death
	// signal, so that `runsc create` can exit and the sentry be
	// re-parented (to the shim, a subreaper).
	Detach bool
}

// Sandbox is a running sandbox.
type Sandbox struct {
	Gofer  *exec.Cmd
	Sentry *exec.Cmd

	// gone is the read end of a pipe whose only writer is the sentry
	// (--gone-fd): it reads EOF once the sentry's last thread is gone,
	// while the kernel still tears down its stubs; nil if detached.
	gone *os.File

	// spawners started the sentry and the gofer, with their final
	// capability bounding sets; their threads are their parents,
	// whose end would send them their parent-death signals.
	spawners [2]*seccomp.Spawner
}

func (s *Sandbox) closeSpawners() {
	for _, sp := range s.spawners {
		if sp != nil {
			sp.Close()
		}
	}
}

// Start starts the sentry running spec and the gofer serving spec.Root.
// On failure nothing is left running.
//
// The sentry starts first: its start-up is the longer, and it needs the
// gofer only once its platform is up. The spec is encoded and written
// while both processes start.
func Start(conf *config.Config, spec *specs.Spec, opts Options) (*Sandbox, error) {
	if spec.Root == nil || spec.Root.Path == "" {
		return nil, errors.New("spec has no root path")
	}
	exe := opts.Exe
	if exe == "" {
		exe = DefaultExe
	}
	stdio := opts.Stdio
	for i, def := range []*os.File{os.Stdin, os.Stdout, os.Stderr} {
		if stdio[i] == nil {
			stdio[i] = def
		}
	}

	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("creating gofer socket: %w", err)
	}
	goferEnd := os.NewFile(uintptr(fds[0]), "gofer-io")
	sentryEnd := os.NewFile(uintptr(fds[1]), "sentry-io")
	defer goferEnd.Close()
	defer sentryEnd.Close()

	// Each starts with the capability bounding set it keeps, from a
	// spawner of its own.
	readonly := goferReadonly(conf, spec)
	sb := &Sandbox{spawners: [2]*seccomp.Spawner{
		seccomp.NewSpawner(seccomp.SentryCapabilities(conf.Platform)),
		seccomp.NewSpawner(seccomp.GoferCapabilities(readonly)),
	}}
	if opts.Detach {
		// No parent-death signals: the spawners' threads may end.
		defer sb.closeSpawners()
	}

	// The sentry.
	specR, specW, err := os.Pipe()
	if err != nil {
		sb.closeSpawners()
		return nil, fmt.Errorf("creating spec pipe: %w", err)
	}
	defer specR.Close()
	sentryArgs := append(conf.ToFlags(), "boot", "--gofer-fd", fmt.Sprint(SentryIOFD), "--spec-fd", fmt.Sprint(SentrySpecFD))
	sentry := &exec.Cmd{
		Path:       exe,
		Args:       append([]string{"runsc-sandbox"}, sentryArgs...),
		Stdin:      stdio[0],
		Stdout:     stdio[1],
		Stderr:     stdio[2],
		ExtraFiles: []*os.File{sentryEnd, specR}, // fds 3 and 4
		SysProcAttr: &syscall.SysProcAttr{
			// A network namespace of its own too: the sentry's network
			// is its own stack, and hooks that configure the
			// container's netns (Docker's libnetwork-setkey) must not
			// reach the host's.
			Cloneflags: syscall.CLONE_NEWPID | syscall.CLONE_NEWNS | syscall.CLONE_NEWIPC | syscall.CLONE_NEWUTS | syscall.CLONE_NEWNET,
			// Its own session, so that signals reach it only through
			// the caller's forwarding, once each.
			Setsid:    true,
			Pdeathsig: syscall.SIGKILL,
		},
	}
	if opts.Control != nil {
		sentry.ExtraFiles = append(sentry.ExtraFiles, opts.Control) // fd 5
		sentry.Args = append(sentry.Args, "--control-fd", fmt.Sprint(SentryCtlFD))
		if opts.ExitFile != nil {
			sentry.ExtraFiles = append(sentry.ExtraFiles, opts.ExitFile) // fd 6
			sentry.Args = append(sentry.Args, "--exit-fd", fmt.Sprint(SentryExitFD))
		}
	}
	if opts.Detach {
		sentry.SysProcAttr.Pdeathsig = 0
	} else {
		// Wait ends the gofer as soon as the sentry is gone.
		goneR, goneW, err := os.Pipe()
		if err != nil {
			specW.Close()
			sb.closeSpawners()
			return nil, fmt.Errorf("creating sentry pipe: %w", err)
		}
		defer goneW.Close()
		sb.gone = goneR
		sentry.ExtraFiles = append(sentry.ExtraFiles, goneW)
		sentry.Args = append(sentry.Args, "--gone-fd", fmt.Sprint(2+len(sentry.ExtraFiles)))
	}
	slog.Debug("starting sentry", "args", sentry.Args)
	if err := sb.spawners[0].Start(sentry); err != nil {
		specW.Close()
		sb.closeSpawners()
		if sb.gone != nil {
			sb.gone.Close()
		}
		if errors.Is(err, unix.EPERM) {
			err = fmt.Errorf("%w (creating the sandbox's namespaces needs root)", err)
		}
		return nil, fmt.Errorf("starting sentry: %w", err)
	}
	sb.Sentry = sentry
	sentryEnd.Close()
	specR.Close()

	// The pipe may be smaller than the spec: write it while the sentry
	// reads. If the sentry dies first the write fails with EPIPE, and its
	// exit status tells the story; so does a spec that cannot be encoded
	// (the sentry finds it malformed).
	go func() {
		defer specW.Close()
		specJSON, err := json.Marshal(spec)
		if err != nil {
			slog.Error("encoding the spec", "err", err)
			return
		}
		if _, err := specW.Write(specJSON); err != nil {
			slog.Warn("writing the spec to the sentry", "err", err)
		}
	}()

	// The gofer.
	goferArgs := append(conf.ToFlags(), "gofer", "--root", spec.Root.Path, "--io-fd", fmt.Sprint(GoferIOFD))
	if readonly {
		goferArgs = append(goferArgs, "--readonly")
	}
	for _, src := range boot.GoferMounts(spec) {
		goferArgs = append(goferArgs, "--mount", src)
	}
	gofer := &exec.Cmd{
		Path:       exe,
		Args:       append([]string{"runsc-gofer"}, goferArgs...),
		Stderr:     os.Stderr,
		ExtraFiles: []*os.File{goferEnd}, // fd 3
		SysProcAttr: &syscall.SysProcAttr{
			// Its own session: terminal signals (^C) do not reach it;
			// the sandbox kills it when the sentry is done.
			Setsid:    true,
			Pdeathsig: syscall.SIGKILL,
		},
	}
	if opts.Detach {
		gofer.SysProcAttr.Pdeathsig = 0
		// The caller's stderr may be a pipe its caller reads to EOF
		// (containerd's shim does, for create with a terminal): the
		// long-lived gofer must not hold it. Its errors go to --log.
		if null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
			gofer.Stderr = null
			defer null.Close()
		}
	}
	slog.Debug("starting gofer", "args", gofer.Args)
	if err := sb.spawners[1].Start(gofer); err != nil {
		sentry.Process.Kill()
		err2 := sentry.Wait()
		slog.Debug("sentry exited", "status", err2)
		sb.closeSpawners()
		if sb.gone != nil {
			sb.gone.Close()
		}
		return nil, fmt.Errorf("starting gofer: %w", err)
	}
	goferEnd.Close()
	sb.Gofer = gofer

	if spec.Process != nil && spec.Process.OOMScoreAdj != nil {
		// As runc sets it on the container's process: here the host
		// processes that make up the sandbox. The sentry shows the
		// value inside.
		for _, pid := range []int{gofer.Process.Pid, sentry.Process.Pid} {
			p := fmt.Sprintf("/proc/%d/oom_score_adj", pid)
			if err := os.WriteFile(p, []byte(fmt.Sprint(*spec.Process.OOMScoreAdj)), 0); err != nil {
				slog.Warn("setting oom_score_adj", "pid", pid, "err", err)
			}
		}
	}
	return sb, nil
}

// goferReadonly reports whether the gofer may refuse every change: when
// the root is read-only, or when the rootfs overlay keeps the root's
// changes in memory and no writable bind mount needs the gofer to write.
func goferReadonly(conf *config.Config, spec *specs.Spec) bool {
	if spec.Root.Readonly {
		return true
	}
	if conf.Overlay == "none" {
		return false
	}
	for _, m := range spec.Mounts {
		bind := m.Type == "bind"
		ro := false
		for _, o := range m.Options {
			bind = bind || o == "bind" || o == "rbind"
			ro = ro || o == "ro"
		}
		if bind && !ro {
			return false
		}
	}
	return true
}

// killGofer kills and reaps the gofer. The sentry is gone or was never
// started, so the spawner's thread may end too.
func (s *Sandbox) killGofer() {
	defer s.closeSpawners()
	if s.Gofer == nil || s.Gofer.Process == nil {
		return
	}
	s.Gofer.Process.Kill()
	err := s.Gofer.Wait()
	slog.Debug("gofer exited", "status", err)
}

// Wait waits for the sentry to exit, then kills and reaps the gofer. It
// returns the sentry's exit code, or 128+N if signal N killed it.
func (s *Sandbox) Wait() (int, error) {
	if s.gone != nil {
		// The gofer serves nothing once the sentry's threads are
		// gone: it dies while the kernel reaps the sentry's stubs,
		// rather than after.
		go func() {
			var b [1]byte
			s.gone.Read(b[:])
			s.gone.Close()
			s.Gofer.Process.Kill()
		}()
	}
	err := s.Sentry.Wait()
	s.killGofer()
	st := s.Sentry.ProcessState
	if st == nil {
		return 1, fmt.Errorf("waiting for sentry: %w", err)
	}
	ws, ok := st.Sys().(syscall.WaitStatus)
	if !ok {
		return 1, fmt.Errorf("sentry: unexpected wait status %v", st)
	}
	code := ExitCode(ws)
	slog.Debug("sentry exited", "code", code)
	return code, nil
}

// ExitCode converts a wait status into a shell-style exit code.
func ExitCode(ws syscall.WaitStatus) int {
	switch {
	case ws.Exited():
		return ws.ExitStatus()
	case ws.Signaled():
		return 128 + int(ws.Signal())
	}
	return 1
}

// ForwardedSignals are the signals that ForwardSignals passes on.
var ForwardedSignals = []os.Signal{
	unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2,
}

// ForwardSignals passes each of ForwardedSignals that this process
// receives to the sentry, until the returned stop function is called.
func (s *Sandbox) ForwardSignals() (stop func()) {
	ch := make(chan os.Signal, 16)
	done := make(chan struct{})
	signal.Notify(ch, ForwardedSignals...)
	go func() {
		for {
			select {
			case sig := <-ch:
				slog.Debug("forwarding signal to sentry", "signal", sig)
				if err := s.Sentry.Process.Signal(sig); err != nil {
					slog.Debug("forwarding signal", "signal", sig, "err", err)
				}
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}
