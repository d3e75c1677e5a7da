package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/subcommands"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/runsc/config"
	"github.com/moat-dev/moat/runsc/container"
	"github.com/moat-dev/moat/runsc/sandbox"
	"github.com/moat-dev/moat/sentry/control"
)

// Exec implements `runsc exec`: run a new process in a running container.
type Exec struct {
	conf          *config.Config
	process       string
	detach        bool
	pidFile       string
	consoleSocket string
	tty           bool
	cwd           string
	env           stringList
	user          string
	groups        stringList
	caps          stringList
	noNewPrivs    bool
}

// stringList collects a repeated flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// NewExec returns the exec command.
func NewExec(conf *config.Config) *Exec { return &Exec{conf: conf} }

// Name implements subcommands.Command.
func (*Exec) Name() string { return "exec" }

// Synopsis implements subcommands.Command.
func (*Exec) Synopsis() string { return "run a new process in a running container" }

// Usage implements subcommands.Command.
func (*Exec) Usage() string {
	return `exec [--process FILE.json] [--detach] [--pid-file FILE] [--console-socket SOCK] [-t] [--cwd DIR] [--env K=V]... [--user UID[:GID]] ID [CMD [ARGS...]]

Runs a process in container ID: the one described by --process (an OCI
process as JSON), or CMD with the container's environment, user and
working directory, changed by the flags. It gets runsc's stdio, or with
-t a terminal. Without --detach, runsc waits for it and exits with its
status. With --detach, runsc returns at once and --pid-file names a host
process that exits with the process's status.
`
}

// SetFlags implements subcommands.Command.
func (e *Exec) SetFlags(f *flag.FlagSet) {
	f.StringVar(&e.process, "process", "", "`FILE` with the process as OCI JSON")
	f.StringVar(&e.process, "p", "", "same as --process")
	f.BoolVar(&e.detach, "detach", false, "do not wait for the process")
	f.BoolVar(&e.detach, "d", false, "same as --detach")
	f.StringVar(&e.pidFile, "pid-file", "", "write the host PID of the process's waiter to `FILE`")
	f.StringVar(&e.consoleSocket, "console-socket", "", "unix socket `PATH` to send the terminal's master to")
	f.BoolVar(&e.tty, "tty", false, "give the process a terminal")
	f.BoolVar(&e.tty, "t", false, "same as --tty")
	f.StringVar(&e.cwd, "cwd", "", "working directory in the container")
	f.Var(&e.env, "env", "set `K=V` in the environment (repeatable)")
	f.Var(&e.env, "e", "same as --env")
	f.StringVar(&e.user, "user", "", "`UID[:GID]` to run as")
	f.StringVar(&e.user, "u", "", "same as --user")
	f.Var(&e.groups, "additional-gids", "an additional `GID` (repeatable)")
	f.Var(&e.groups, "g", "same as --additional-gids")
	f.Var(&e.caps, "cap", "add a capability (repeatable)")
	f.Var(&e.caps, "c", "same as --cap")
	f.BoolVar(&e.noNewPrivs, "no-new-privs", false, "set no_new_privs")
	f.String("process-label", "", "accepted for runc compatibility; ignored")
	f.String("apparmor", "", "accepted for runc compatibility; ignored")
	f.String("preserve-fds", "0", "accepted for runc compatibility; ignored")
	f.String("cgroup", "", "accepted for runc compatibility; ignored")
}

// Execute implements subcommands.Command.
func (e *Exec) Execute(_ context.Context, f *flag.FlagSet, _ ...any) subcommands.ExitStatus {
	if f.NArg() < 1 {
		return Usagef("exec: no container ID given")
	}
	id := f.Arg(0)
	c, err := loadContainer(e.conf, id, false)
	if err != nil {
		return Failf(e.conf, "exec %s: %v", id, err)
	}
	p, err := e.buildProcess(c, f.Args()[1:])
	if err != nil {
		return Failf(e.conf, "exec %s: %v", id, err)
	}
	if c.State.Status != container.Running {
		return Failf(e.conf, "exec %s: cannot exec in a %s container", id, c.State.Status)
	}
	if p.Terminal && e.consoleSocket == "" && e.detach {
		return Failf(e.conf, "exec %s: a terminal for a detached process needs --console-socket", id)
	}
	if !p.Terminal && e.consoleSocket != "" {
		return Failf(e.conf, "exec %s: --console-socket given but the process has no terminal", id)
	}

	var fds []int
	var restore func()
	switch {
	case p.Terminal && e.consoleSocket != "":
		master, slave, err := openPty()
		if err != nil {
			return Failf(e.conf, "exec %s: allocating a terminal: %v", id, err)
		}
		defer slave.Close()
		err = sendConsole(e.consoleSocket, master)
		master.Close()
		if err != nil {
			return Failf(e.conf, "exec %s: %v", id, err)
		}
		fds = []int{int(slave.Fd())}
	case p.Terminal:
		t, err := unix.IoctlGetTermios(0, unix.TCGETS)
		if err != nil {
			return Failf(e.conf, "exec %s: -t needs a terminal on stdin or --console-socket", id)
		}
		raw := *t
		makeRaw(&raw)
		unix.IoctlSetTermios(0, unix.TCSETS, &raw)
		restore = func() { unix.IoctlSetTermios(0, unix.TCSETS, t) }
		defer restore()
		fds = []int{0}
	default:
		fds = []int{0, 1, 2}
	}
	resp, err := control.Call(c.Dir, &control.Request{Method: control.MethodExec, Process: p}, fds, 60*time.Second)
	if err != nil {
		return Failf(e.conf, "exec %s: %v", id, err)
	}
	pid := resp.PID
	slog.Debug("exec'd", "pid", pid)

	if e.detach {
		w, err := startExecWaiter(e.conf, id, pid)
		if err != nil {
			return Failf(e.conf, "exec %s: starting the waiter: %v", id, err)
		}
		if err := container.WritePidFile(e.pidFile, w); err != nil {
			unix.Kill(w, unix.SIGKILL)
			return Failf(e.conf, "exec %s: --pid-file: %v", id, err)
		}
		return subcommands.ExitSuccess
	}
	if err := container.WritePidFile(e.pidFile, os.Getpid()); err != nil {
		return Failf(e.conf, "exec %s: --pid-file: %v", id, err)
	}
	stop := forwardToProcess(c.Dir, pid)
	code := waitExec(c.Dir, pid)
	stop()
	return subcommands.ExitStatus(code)
}

// buildProcess makes the process to run.
func (e *Exec) buildProcess(c *container.Container, args []string) (*specs.Process, error) {
	var p specs.Process
	if e.process != "" {
		if len(args) > 0 {
			return nil, errors.New("both --process and a command given")
		}
		var data []byte
		var err error
		if e.process == "-" {
			data, err = io.ReadAll(io.LimitReader(os.Stdin, container.MaxConfigSize))
		} else {
			data, err = os.ReadFile(e.process)
		}
		if err != nil {
			return nil, fmt.Errorf("--process: %w", err)
		}
		if err := json.Unmarshal(data, &p); err != nil {
			return nil, fmt.Errorf("--process %s: invalid JSON: %w", e.process, err)
		}
	} else {
		if len(args) == 0 {
			return nil, errors.New("no command given")
		}
		if c.State.Process != nil {
			p = *c.State.Process
			p.Env = append([]string(nil), p.Env...)
		}
		p.Args = args
		p.Terminal = e.tty
		p.ConsoleSize = nil
	}
	if e.cwd != "" {
		p.Cwd = e.cwd
	}
	if len(e.env) > 0 {
		p.Env = mergeEnv(p.Env, e.env)
	}
	if e.user != "" {
		u, g, hasG := strings.Cut(e.user, ":")
		uid, err := strconv.ParseUint(u, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("--user %q: want UID[:GID] in numbers", e.user)
		}
		p.User.UID = uint32(uid)
		if hasG {
			gid, err := strconv.ParseUint(g, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("--user %q: want UID[:GID] in numbers", e.user)
			}
			p.User.GID = uint32(gid)
		}
	}
	for _, g := range e.groups {
		gid, err := strconv.ParseUint(g, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("--additional-gids %q: not a number", g)
		}
		p.User.AdditionalGids = append(p.User.AdditionalGids, uint32(gid))
	}
	if len(e.caps) > 0 {
		// As runc: each added to the bounding, effective and permitted
		// sets, and to the ambient set if the process has inheritable
		// capabilities (ambient ones need them).
		c := specs.LinuxCapabilities{}
		if p.Capabilities != nil {
			c = *p.Capabilities
		}
		clone := func(s []string) []string { return append([]string(nil), s...) }
		c.Bounding, c.Effective, c.Permitted, c.Ambient = clone(c.Bounding), clone(c.Effective), clone(c.Permitted), clone(c.Ambient)
		for _, name := range e.caps {
			c.Bounding = append(c.Bounding, name)
			c.Effective = append(c.Effective, name)
			c.Permitted = append(c.Permitted, name)
			if len(c.Inheritable) > 0 {
				c.Ambient = append(c.Ambient, name)
			}
		}
		p.Capabilities = &c
	}
	if e.noNewPrivs {
		p.NoNewPrivileges = true
	}
	if p.Cwd == "" {
		p.Cwd = "/"
	}
	if err := container.ValidateProcess(&p); err != nil {
		return nil, err
	}
	return &p, nil
}

// forwardToProcess passes the signals runsc gets to the exec'd process.
func forwardToProcess(dir string, pid int32) (stop func()) {
	ch := make(chan os.Signal, 8)
	done := make(chan struct{})
	signal.Notify(ch, append(sandbox.ForwardedSignals, unix.SIGWINCH)...)
	go func() {
		for {
			select {
			case s := <-ch:
				control.Call(dir, &control.Request{Method: control.MethodSignal, PID: pid, Signal: int(s.(syscall.Signal))}, nil, 5*time.Second)
			case <-done:
				return
			}
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}

// waitExec waits for the exec'd process and returns its status; 137 if
// the sandbox went away (which kills every process in it).
func waitExec(dir string, pid int32) int {
	resp, err := control.Call(dir, &control.Request{Method: control.MethodWait, PID: pid}, nil, 0)
	if err != nil {
		slog.Debug("waiting for exec'd process", "pid", pid, "err", err)
		return 128 + int(unix.SIGKILL)
	}
	return resp.ExitStatus
}

// startExecWaiter starts `runsc wait-exec ID PID`, a host process that
// exits with the exec'd process's status, outliving this one.
func startExecWaiter(conf *config.Config, id string, pid int32) (int, error) {
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return 0, err
	}
	defer null.Close()
	cmd := &exec.Cmd{
		Path:        sandbox.DefaultExe,
		Args:        append(append([]string{"runsc-exec-waiter"}, conf.ToFlags()...), "wait-exec", id, strconv.Itoa(int(pid))),
		Stdin:       null,
		Stdout:      null,
		Stderr:      null,
		SysProcAttr: &syscall.SysProcAttr{Setsid: true},
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	pidOut := cmd.Process.Pid
	cmd.Process.Release()
	return pidOut, nil
}

// WaitExec implements `runsc wait-exec`, internal: wait for an exec'd
// process and exit with its status.
type WaitExec struct{ conf *config.Config }

// NewWaitExec returns the wait-exec command.
func NewWaitExec(conf *config.Config) *WaitExec { return &WaitExec{conf: conf} }

// Name implements subcommands.Command.
func (*WaitExec) Name() string { return "wait-exec" }

// Synopsis implements subcommands.Command.
func (*WaitExec) Synopsis() string {
	return "wait for an exec'd process and exit with its status (internal; started by runsc exec --detach)"
}

// Usage implements subcommands.Command.
func (*WaitExec) Usage() string { return "wait-exec ID PID\n" }

// SetFlags implements subcommands.Command.
func (*WaitExec) SetFlags(*flag.FlagSet) {}

// Execute implements subcommands.Command.
func (w *WaitExec) Execute(_ context.Context, f *flag.FlagSet, _ ...any) subcommands.ExitStatus {
	if f.NArg() != 2 {
		return Usagef("wait-exec: usage: runsc wait-exec ID PID")
	}
	pid, err := strconv.Atoi(f.Arg(1))
	if err != nil || pid <= 0 {
		return Usagef("wait-exec: invalid PID %q", f.Arg(1))
	}
	if err := container.ValidateID(f.Arg(0)); err != nil {
		return Usagef("wait-exec: %v", err)
	}
	return subcommands.ExitStatus(waitExec(container.Dir(w.conf.Root, f.Arg(0)), int32(pid)))
}
