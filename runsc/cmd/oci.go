package cmd

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/runsc/config"
	"github.com/moat-dev/moat/runsc/container"
	"github.com/moat-dev/moat/runsc/sandbox"
	"github.com/moat-dev/moat/sentry/boot"
	"github.com/moat-dev/moat/sentry/control"
)

// SystemdCgroup is the global --systemd-cgroup flag: cgroupsPath is in
// systemd's slice:prefix:name form.
var SystemdCgroup bool

// readyTimeout bounds how long create waits for the sandbox to be ready.
const readyTimeout = 60 * time.Second

// createOptions are the inputs of create (and run).
type createOptions struct {
	bundle        string
	pidFile       string
	consoleSocket string
	// foreground: the caller (run) stays the sandbox's parent and waits
	// for it; its terminal, if any, is the container's.
	foreground bool
}

// created is a container whose sandbox is ready, not yet started.
type created struct {
	c  *container.Container
	sb *sandbox.Sandbox
	// exited is closed when the sentry has exited and code is set.
	exited chan struct{}
	code   int
	spec   *specs.Spec
}

// loadContainer loads id, reporting a clear error for unknown IDs.
func loadContainer(conf *config.Config, id string, lock bool) (*container.Container, error) {
	if lock {
		return container.LoadLocked(conf.Root, id)
	}
	return container.Load(conf.Root, id)
}

// oneID checks that the arguments are exactly a container ID.
func oneID(f interface {
	NArg() int
	Arg(int) string
}, cmd string) (string, error) {
	if f.NArg() != 1 {
		return "", fmt.Errorf("%s: expected exactly one container ID, got %d arguments", cmd, f.NArg())
	}
	return f.Arg(0), nil
}

// ownerName is the name of the user running runsc, for the state.
func ownerName() string {
	uid := strconv.Itoa(os.Getuid())
	if u, err := user.LookupId(uid); err == nil {
		return u.Username
	}
	return uid
}

// createContainer builds the sandbox for bundle as container id and
// waits until it is ready to start. On failure it leaves nothing behind.
func createContainer(conf *config.Config, id string, o createOptions) (_ *created, retErr error) {
	if err := container.ValidateID(id); err != nil {
		return nil, err
	}
	bundle, err := filepath.Abs(o.bundle)
	if err != nil {
		return nil, err
	}
	spec, err := container.LoadSpec(bundle)
	if err != nil {
		return nil, err
	}
	if spec.Process.Terminal && o.consoleSocket == "" && !o.foreground {
		return nil, errors.New("process.terminal is true: --console-socket is required")
	}
	if !spec.Process.Terminal && o.consoleSocket != "" {
		return nil, errors.New("--console-socket given but process.terminal is false")
	}
	if err := prepareSpec(spec); err != nil {
		return nil, err
	}

	c, err := container.Create(conf.Root, id)
	if err != nil {
		return nil, err
	}
	var sb *sandbox.Sandbox
	defer func() {
		if retErr != nil {
			if sb != nil {
				killSandbox(&c.State, sb)
			}
			leaveCgroups(c.State.Cgroups)
			container.RemoveCgroups(c.State.Cgroups)
			c.Destroy()
		}
	}()
	s := &c.State
	*s = container.State{
		OCIVersion: specs.Version, ID: id, Status: container.Creating, Bundle: bundle,
		Rootfs: spec.Root.Path, Annotations: spec.Annotations, Created: time.Now().UTC(),
		Owner: ownerName(), Process: spec.Process, Hooks: spec.Hooks,
	}
	if spec.Linux != nil {
		s.Resources = spec.Linux.Resources
	}
	if err := c.Save(); err != nil {
		return nil, err
	}

	lfd, err := control.Listen(c.Dir)
	if err != nil {
		return nil, err
	}
	ctl := os.NewFile(uintptr(lfd), "control")
	defer ctl.Close()
	exitFile, err := os.OpenFile(filepath.Join(c.Dir, container.ExitFile), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	defer exitFile.Close()

	opts := sandbox.Options{Control: ctl, ExitFile: exitFile, Detach: !o.foreground}
	if spec.Process.Terminal && o.consoleSocket != "" {
		master, slave, err := openPty()
		if err != nil {
			return nil, fmt.Errorf("allocating a terminal: %w", err)
		}
		defer slave.Close()
		err = sendConsole(o.consoleSocket, master)
		master.Close()
		if err != nil {
			return nil, err
		}
		opts.Stdio = [3]*os.File{slave, slave, slave}
	}

	// runsc joins the container's cgroups first: the sandbox's
	// processes (the sentry, its stubs and the gofer) start in them.
	s.Cgroups, err = applyCgroups(spec, id, s.Resources, []int{os.Getpid()})
	if err != nil {
		return nil, err
	}
	if err := c.Save(); err != nil {
		return nil, err
	}
	sb, err = sandbox.Start(conf, spec, opts)
	if err != nil {
		return nil, err
	}
	s.Pid = sb.Sentry.Process.Pid
	s.SentryStart, _, _ = container.ProcStart(s.Pid)
	s.GoferPid = sb.Gofer.Process.Pid
	s.GoferStart, _, _ = container.ProcStart(s.GoferPid)
	if err := c.Save(); err != nil {
		return nil, err
	}
	cr := &created{c: c, sb: sb, exited: make(chan struct{}), spec: spec}
	go func() {
		code, err := sb.Wait()
		if err != nil {
			slog.Debug("waiting for the sandbox", "err", err)
		}
		cr.code = code
		close(cr.exited)
	}()
	if err := waitReady(c.Dir, cr); err != nil {
		if msg := c.BootError(); msg != "" {
			return nil, errors.New(msg)
		}
		return nil, err
	}

	// The runtime environment exists: the hooks that run now.
	st := s.OCIState()
	if err := container.RunHooks("prestart", hooksOf(spec.Hooks, "prestart"), st); err != nil {
		return nil, err
	}
	if err := container.RunHooks("createRuntime", hooksOf(spec.Hooks, "createRuntime"), st); err != nil {
		return nil, err
	}
	if err := container.RunHooks("createContainer", hooksOf(spec.Hooks, "createContainer"), st); err != nil {
		return nil, err
	}
	s.Status = container.Created
	if err := c.Save(); err != nil {
		return nil, err
	}
	if err := container.WritePidFile(o.pidFile, s.Pid); err != nil {
		return nil, fmt.Errorf("--pid-file: %w", err)
	}
	c.Unlock()
	return cr, nil
}

// prepareSpec adjusts a bundle's spec for the sandbox and checks what
// it names on the host: the sources of bind mounts outside the root,
// which the gofer serves, must exist, as runc requires.
func prepareSpec(spec *specs.Spec) error {
	if spec.Process.Cwd == "" {
		spec.Process.Cwd = "/"
	}
	for _, src := range boot.GoferMounts(spec) {
		if _, err := os.Stat(src); err != nil {
			return fmt.Errorf("bind mount source: %w", err)
		}
	}
	return nil
}

// hooksOf returns the hooks of one kind.
func hooksOf(h *specs.Hooks, kind string) []specs.Hook {
	if h == nil {
		return nil
	}
	switch kind {
	case "prestart":
		return h.Prestart //nolint:staticcheck // deprecated, but Docker uses it
	case "createRuntime":
		return h.CreateRuntime
	case "createContainer":
		return h.CreateContainer
	case "startContainer":
		return h.StartContainer
	case "poststart":
		return h.Poststart
	case "poststop":
		return h.Poststop
	}
	return nil
}

// waitReady waits until the sandbox answers on its control socket, or
// fails if it exits first.
func waitReady(dir string, cr *created) error {
	ready := make(chan error, 1)
	go func() {
		_, err := control.Call(dir, &control.Request{Method: control.MethodPing}, nil, readyTimeout)
		ready <- err
	}()
	select {
	case err := <-ready:
		if err == nil {
			return nil
		}
		select {
		case <-cr.exited:
			return fmt.Errorf("the sandbox failed to start (exit status %d); see the log for its error", cr.code)
		case <-time.After(2 * time.Second):
		}
		return fmt.Errorf("the sandbox did not become ready: %w", err)
	case <-cr.exited:
		return fmt.Errorf("the sandbox failed to start (exit status %d); see the log for its error", cr.code)
	}
}

// killSandbox kills the sandbox's host processes and waits (a while) for
// them to go.
func killSandbox(s *container.State, sb *sandbox.Sandbox) {
	if sb != nil {
		if sb.Sentry != nil && sb.Sentry.Process != nil {
			sb.Sentry.Process.Kill()
		}
		if sb.Gofer != nil && sb.Gofer.Process != nil {
			sb.Gofer.Process.Kill()
		}
	}
	killHost(s)
}

// killHost SIGKILLs the state's sentry and gofer, if they are still the
// processes it started, and waits up to 5s for them to be gone.
func killHost(s *container.State) {
	procs := []struct {
		pid   int
		start uint64
	}{{s.Pid, s.SentryStart}, {s.GoferPid, s.GoferStart}}
	for _, p := range procs {
		if container.ProcessAlive(p.pid, p.start) {
			unix.Kill(p.pid, unix.SIGKILL)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for _, p := range procs {
		for container.ProcessAlive(p.pid, p.start) && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// openPty opens a host pseudoterminal pair: the master and the slave,
// the slave in raw mode: the sandbox's own terminal does the line
// discipline.
func openPty() (master, slave *os.File, err error) {
	mfd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	if err := unix.IoctlSetPointerInt(mfd, unix.TIOCSPTLCK, 0); err != nil {
		unix.Close(mfd)
		return nil, nil, fmt.Errorf("unlockpt: %w", err)
	}
	r, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(mfd), unix.TIOCGPTPEER, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC)
	sfd := int(r)
	if errno != 0 {
		// Older kernels: open it by name.
		n, err2 := unix.IoctlGetInt(mfd, unix.TIOCGPTN)
		if err2 != nil {
			unix.Close(mfd)
			return nil, nil, fmt.Errorf("ptsname: %w", err2)
		}
		sfd, err = unix.Open(fmt.Sprintf("/dev/pts/%d", n), unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
		if err != nil {
			unix.Close(mfd)
			return nil, nil, err
		}
	}
	unix.CloseOnExec(sfd)
	if t, err := unix.IoctlGetTermios(sfd, unix.TCGETS); err == nil {
		makeRaw(t)
		unix.IoctlSetTermios(sfd, unix.TCSETS, t)
	}
	return os.NewFile(uintptr(mfd), "/dev/ptmx"), os.NewFile(uintptr(sfd), "pty-slave"), nil
}

// makeRaw sets t as cfmakeraw does.
func makeRaw(t *unix.Termios) {
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
}

// sendConsole sends the pty master over the unix socket at path with
// SCM_RIGHTS, its name as the message, as runc does.
func sendConsole(path string, master *os.File) error {
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return fmt.Errorf("--console-socket: %w", err)
	}
	defer conn.Close()
	name := master.Name()
	if _, _, err := conn.WriteMsgUnix([]byte(name), unix.UnixRights(int(master.Fd())), nil); err != nil {
		return fmt.Errorf("--console-socket: sending the terminal: %w", err)
	}
	return nil
}

// signalNames maps names (without SIG) to numbers.
var signalNames = map[string]unix.Signal{
	"ABRT": unix.SIGABRT, "ALRM": unix.SIGALRM, "BUS": unix.SIGBUS, "CHLD": unix.SIGCHLD,
	"CLD": unix.SIGCHLD, "CONT": unix.SIGCONT, "FPE": unix.SIGFPE, "HUP": unix.SIGHUP,
	"ILL": unix.SIGILL, "INT": unix.SIGINT, "IO": unix.SIGIO, "IOT": unix.SIGIOT,
	"KILL": unix.SIGKILL, "PIPE": unix.SIGPIPE, "POLL": unix.SIGIO, "PROF": unix.SIGPROF,
	"PWR": unix.SIGPWR, "QUIT": unix.SIGQUIT, "SEGV": unix.SIGSEGV, "STKFLT": unix.SIGSTKFLT,
	"STOP": unix.SIGSTOP, "SYS": unix.SIGSYS, "TERM": unix.SIGTERM, "TRAP": unix.SIGTRAP,
	"TSTP": unix.SIGTSTP, "TTIN": unix.SIGTTIN, "TTOU": unix.SIGTTOU, "URG": unix.SIGURG,
	"USR1": unix.SIGUSR1, "USR2": unix.SIGUSR2, "VTALRM": unix.SIGVTALRM, "WINCH": unix.SIGWINCH,
	"XCPU": unix.SIGXCPU, "XFSZ": unix.SIGXFSZ,
}

// ParseSignal parses a signal given by number, name or SIG-name
// (also RTMIN+N).
func ParseSignal(s string) (unix.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 || n > 64 {
			return 0, fmt.Errorf("invalid signal number %d", n)
		}
		return unix.Signal(n), nil
	}
	name := strings.TrimPrefix(strings.ToUpper(s), "SIG")
	if sig, ok := signalNames[name]; ok {
		return sig, nil
	}
	if rest, ok := strings.CutPrefix(name, "RTMIN"); ok {
		off := 0
		if rest != "" {
			n, err := strconv.Atoi(rest)
			if err != nil || n < 0 {
				return 0, fmt.Errorf("unknown signal %q", s)
			}
			off = n
		}
		if 34+off <= 64 {
			return unix.Signal(34 + off), nil
		}
	}
	if rest, ok := strings.CutPrefix(name, "RTMAX"); ok {
		off := 0
		if rest != "" {
			n, err := strconv.Atoi(rest)
			if err != nil || n > 0 {
				return 0, fmt.Errorf("unknown signal %q", s)
			}
			off = n
		}
		if 64+off >= 34 {
			return unix.Signal(64 + off), nil
		}
	}
	return 0, fmt.Errorf("unknown signal %q", s)
}

// exitCodeOf turns a host wait status into a shell-style code.
func exitCodeOf(ws syscall.WaitStatus) int { return sandbox.ExitCode(ws) }

// sandboxGone reports whether an error from the control socket means the
// sandbox is gone.
func sandboxGone(err error) bool {
	var ce *control.Error
	return err != nil && !errors.As(err, &ce)
}

// applyCgroups puts pids in the cgroups the spec names, with its limits.
func applyCgroups(spec *specs.Spec, id string, res *specs.LinuxResources, pids []int) ([]string, error) {
	if spec.Linux == nil {
		return nil, nil
	}
	rel, err := container.CgroupPath(spec.Linux.CgroupsPath, id, SystemdCgroup)
	if err != nil {
		return nil, err
	}
	return container.JoinCgroups(rel, res, pids)
}

// leaveCgroups moves this process back to the root of each hierarchy of
// dirs, so that they can be removed.
func leaveCgroups(dirs []string) {
	for _, d := range dirs {
		rel, err := filepath.Rel(container.CgroupRoot, d)
		if err != nil {
			continue
		}
		root := container.CgroupRoot
		if !container.IsCgroup2() {
			root = filepath.Join(container.CgroupRoot, strings.SplitN(rel, "/", 2)[0])
		}
		os.WriteFile(filepath.Join(root, "cgroup.procs"), []byte(strconv.Itoa(os.Getpid())), 0)
	}
}
