package boot

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/arch"
	"github.com/moat-dev/moat/sentry/control"
	"github.com/moat-dev/moat/sentry/fs/devpts"
	"github.com/moat-dev/moat/sentry/fs/host"
	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/vfs"
)

// The OCI lifecycle (runsc create, then start) runs the sentry with a
// control socket: build() prepares init and the sentry waits for the
// start request before init runs. `runsc do` has no control socket and
// init starts at once.

// controlFD is the listening control socket, -1 without one; exitFD a
// file where the sentry writes init's exit status when it ends.
var (
	controlFD = -1
	exitFD    = -1
	// pendingInit is init, built but not started yet (create mode).
	pendingInit *kernel.Task
	bootSpec    *specs.Spec
)

// SetControl makes the next Run serve the control socket listening on
// fd and defer init until its start request; exit, if not -1, is a file
// the sentry writes init's exit status to (as a decimal line) when it
// ends. runsc boot calls it before Run.
func SetControl(fd, exit int) {
	controlFD, exitFD = fd, exit
}

// startInit starts init, unless a control socket will start it. build
// calls it in place of init.Start().
func startInit(t *kernel.Task) {
	if controlFD < 0 {
		t.Start()
		return
	}
	pendingInit = t
}

// reportBootError tells runsc create why the sandbox could not start:
// the exit file gets "-" and the error, on two lines.
func reportBootError(err error) {
	if exitFD < 0 {
		return
	}
	unix.Pwrite(exitFD, []byte("-\n"+strings.ReplaceAll(err.Error(), "\n", " ")+"\n"), 0)
}

// controller implements control.Sandbox on a kernel.
type controller struct {
	k    *kernel.Kernel
	spec *specs.Spec
	log  *slog.Logger
	ext  *kernel.ExternalParent
	srv  *control.Server

	mu       sync.Mutex
	init     *kernel.Task
	started  bool
	paused   bool
	stopped  bool
	status   int
	consoles []*execConsole
}

// startControl starts serving the control socket for k, if there is
// one; it returns nil if not. Run calls it once build has succeeded.
func startControl(k *kernel.Kernel, spec *specs.Spec, log *slog.Logger) *controller {
	if controlFD < 0 {
		return nil
	}
	c := &controller{k: k, spec: spec, log: log, ext: k.NewExternalParent(), init: pendingInit}
	srv, err := control.NewServer(controlFD, c, log)
	if err != nil {
		log.Error("control socket", "err", err)
		// Without the socket nobody can start init: serve starts it
		// rather than hang.
		return c
	}
	c.srv = srv
	return c
}

// serve starts answering requests on the control socket. Run calls it
// only once the sentry's seccomp filter is installed: a request (exec,
// start) runs application code, which must never run in an unfiltered
// sentry; until then connections wait in the listen backlog.
func (c *controller) serve() {
	switch {
	case c == nil:
	case c.srv != nil:
		go c.srv.Serve()
	case c.init != nil:
		c.mu.Lock()
		c.started = true
		c.mu.Unlock()
		c.init.Start()
	}
}

// finish records init's exit status and lets requests in flight (a wait
// for init) answer before the sentry exits.
func (c *controller) finish(status int) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.stopped, c.status = true, status
	c.mu.Unlock()
	if exitFD >= 0 {
		unix.Pwrite(exitFD, []byte(strconv.Itoa(status)+"\n"), 0)
		unix.Close(exitFD)
	}
	if c.srv != nil {
		c.srv.Close(time.Second)
	}
}

// shellStatus converts a wait status into a shell-style exit status.
func shellStatus(ws uint32) int {
	if ws&0x7f != 0 {
		return 128 + int(ws&0x7f)
	}
	return int(ws >> 8 & 0xff)
}

func (c *controller) Start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started {
		return errors.New("container already started")
	}
	if c.init == nil {
		return errors.New("no init process")
	}
	c.started = true
	c.init.Start()
	return nil
}

func (c *controller) State() control.State {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := control.State{Status: control.StateCreated}
	switch {
	case c.stopped:
		st.Status, st.ExitStatus = control.StateStopped, c.status
	case c.paused:
		st.Status = control.StatePaused
	case c.started:
		st.Status = control.StateRunning
	}
	if c.init != nil {
		st.InitPID = c.init.ThreadGroup().ID
	}
	return st
}

func (c *controller) Signal(pid int32, sig int, all bool) error {
	if sig == int(unix.SIGWINCH) {
		c.resizeConsoles()
	}
	info := arch.SigInfo{Signo: int32(sig), Code: kernel.SI_USER}
	if all {
		for _, tg := range c.k.ThreadGroups() {
			if !tg.IsZombie() {
				tg.SendSignal(info)
			}
		}
		c.startIfKilled(sig)
		return nil
	}
	if pid == 0 {
		c.mu.Lock()
		init := c.init
		c.mu.Unlock()
		if init == nil {
			return unix.ESRCH
		}
		if sig == int(unix.SIGWINCH) && c.spec.Process != nil && c.spec.Process.Terminal {
			// The terminal's new size reaches the sandbox's console
			// through the sentry's own SIGWINCH handler, which signals
			// the foreground process group as a resize does.
			return unix.Kill(os.Getpid(), unix.SIGWINCH)
		}
		init.ThreadGroup().SendSignal(info)
		c.startIfKilled(sig)
		return nil
	}
	tg := c.k.ThreadGroupByID(pid)
	if tg == nil || tg.IsZombie() {
		return unix.ESRCH
	}
	tg.SendSignal(info)
	return nil
}

// startIfKilled starts a created container's init when a signal that
// ends it by default was queued for it: it dies at once, before running
// any code, as a runc container killed before start does.
func (c *controller) startIfKilled(sig int) {
	switch unix.Signal(sig) {
	case unix.SIGCHLD, unix.SIGCONT, unix.SIGURG, unix.SIGWINCH, unix.SIGSTOP, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU:
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.started && c.init != nil {
		c.started = true
		c.init.Start()
	}
}

func (c *controller) Wait(pid int32, stop <-chan struct{}) (int, error) {
	if pid == 0 || (c.init != nil && pid == c.init.ThreadGroup().ID) {
		select {
		case <-c.k.Done():
			return shellStatus(c.k.ExitStatus()), nil
		case <-stop:
			return 0, unix.EINTR
		}
	}
	ws, err := c.ext.Wait(pid, stop)
	if err == nil {
		c.closeConsole(pid)
	}
	if err != nil {
		if err == unix.ECHILD {
			return 0, fmt.Errorf("process %d was not started by exec or was already waited for: %w", pid, unix.ESRCH)
		}
		return 0, err
	}
	return shellStatus(ws), nil
}

func (c *controller) Ps() []control.Process {
	var out []control.Process
	for _, tg := range c.k.ThreadGroups() {
		p := control.Process{PID: tg.ID, PPID: tg.PPID(), Comm: tg.Comm(), State: "R"}
		if tg.IsZombie() {
			p.State = "Z"
		}
		tasks := tg.Tasks()
		p.Threads = len(tasks)
		if l := tg.Leader(); l != nil {
			p.UID = l.Creds().RealUID
		}
		p.CPUNanos = uint64(tg.CPUUsage().Total())
		out = append(out, p)
	}
	return out
}

func (c *controller) Stats() control.Stats {
	var st control.Stats
	for _, tg := range c.k.ThreadGroups() {
		if tg.IsZombie() {
			continue
		}
		st.Pids++
		st.CPUNanos += uint64(tg.CPUUsage().Total())
	}
	st.MemoryBytes = c.k.MemFile.UsedPages() * uint64(os.Getpagesize())
	st.Syscalls = c.k.Stats.Syscalls.Load()
	st.Faults = c.k.Stats.Faults.Load()
	return st
}

func (c *controller) Pause() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.started {
		return errors.New("container is not running")
	}
	if c.paused {
		return errors.New("container is already paused")
	}
	c.k.Freeze()
	c.paused = true
	return nil
}

func (c *controller) Resume() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.paused {
		return errors.New("container is not paused")
	}
	c.k.Thaw()
	c.paused = false
	return nil
}

// Exec starts p in the sandbox with stdio on fds.
func (c *controller) Exec(p *specs.Process, fds []int) (pid int32, err error) {
	owned := fds
	defer func() {
		for _, fd := range owned {
			unix.Close(fd)
		}
	}()
	c.mu.Lock()
	started, paused := c.started, c.paused
	c.mu.Unlock()
	switch {
	case !started:
		return 0, errors.New("container is not running")
	case paused:
		return 0, errors.New("container is paused")
	}
	switch {
	case p.Terminal && len(fds) != 1:
		return 0, fmt.Errorf("exec with a terminal needs 1 FD, got %d", len(fds))
	case !p.Terminal && len(fds) != 3:
		return 0, fmt.Errorf("exec needs 3 stdio FDs, got %d", len(fds))
	}
	creds, err := ProcessCreds(p)
	if err != nil {
		return 0, err
	}
	limits := kernel.DefaultLimits()
	if init := c.k.Init(); init != nil {
		limits = init.Limits()
	}
	for _, rl := range p.Rlimits {
		if r, ok := rlimitNames[rl.Type]; ok {
			limits[r] = kernel.Rlimit{Cur: rl.Soft, Max: rl.Hard}
		}
	}
	cwd := p.Cwd
	if cwd == "" {
		cwd = "/"
	}
	file := p.Args[0]
	if !strings.Contains(file, "/") {
		file = lookPath(c.k, creds, p.Env, file)
	}
	umask := uint32(0o022)
	if p.User.Umask != nil {
		umask = *p.User.Umask & 0o777
	}
	table := vfs.NewFDTable()
	var con *execConsole
	if p.Terminal {
		con, err = c.newConsole(creds, fds[0], table)
		if err != nil {
			table.CloseAll()
			return 0, fmt.Errorf("terminal: %w", err)
		}
	} else {
		for i, hfd := range fds {
			fl, err := unix.FcntlInt(uintptr(hfd), unix.F_GETFL, 0)
			if err != nil {
				fl = unix.O_RDWR
			}
			unix.CloseOnExec(hfd)
			f := vfs.NewFile(host.New(hfd), vfs.VirtualDentry{}, fl&(unix.O_ACCMODE|unix.O_APPEND))
			table.Set(i, f, false, 3)
			f.DecRef()
		}
	}
	owned = nil
	t, err := c.ext.CreateProcess(kernel.ProcessArgs{
		Path: file, Argv: p.Args, Envv: p.Env, Cwd: cwd, Creds: creds,
		Limits: limits, Umask: umask, FDs: table,
	})
	if err != nil {
		if con != nil {
			con.close()
		}
		return 0, execError(p.Args[0], err)
	}
	var oomScoreAdj *int
	if c.spec.Process != nil {
		oomScoreAdj = c.spec.Process.OOMScoreAdj
	}
	if err := applyProcess(t, p, oomScoreAdj); err != nil {
		// The task exists: it dies at once, before running any code.
		t.ThreadGroup().SendSignal(arch.SigInfo{Signo: int32(unix.SIGKILL), Code: kernel.SI_KERNEL})
		t.Start()
		if con != nil {
			con.close()
		}
		return 0, err
	}
	if con != nil {
		c.k.AttachTTY(t.ThreadGroup(), con.con.TTY())
		con.pid = t.ThreadGroup().ID
		con.start()
		c.mu.Lock()
		c.consoles = append(c.consoles, con)
		c.mu.Unlock()
	}
	t.Start()
	return t.ThreadGroup().ID, nil
}

// execConsole connects an exec'd process's sandbox terminal to a host
// terminal (the pty slave runsc made): keystrokes in, output out.
type execConsole struct {
	con    *devpts.Console
	hostFD int
	pid    int32
}

// newConsole makes a sandbox pseudoterminal whose slave is the stdio of
// the FD table and whose master is copied to and from hostFD.
func (c *controller) newConsole(creds *kernel.Creds, hostFD int, table *vfs.FDTable) (*execConsole, error) {
	var pts *devpts.FS
	r0 := &vfs.Resolver{Root: c.k.Root, Start: c.k.Root, FollowFinal: true}
	if vd, err := c.k.VFS.Resolve(r0, "/dev/pts"); err == nil {
		pts = devpts.FSOf(vd.Inode())
	}
	if pts == nil {
		pts = devpts.New()
	}
	con, err := pts.NewConsole(creds.RealUID, creds.RealGID)
	if err != nil {
		return nil, err
	}
	impl, err := con.OpenSlave(unix.O_RDWR)
	if err != nil {
		con.Close()
		return nil, err
	}
	r := &vfs.Resolver{Root: c.k.Root, Start: c.k.Root, FollowFinal: true}
	vd, err := c.k.VFS.Resolve(r, "/dev/pts/"+strconv.FormatUint(uint64(con.Index()), 10))
	if err != nil {
		vd = vfs.VirtualDentry{}
	}
	const oLargefile = 0x8000
	f := vfs.NewFile(impl, vd, unix.O_RDWR|oLargefile)
	for fd := 0; fd < 3; fd++ {
		table.Set(fd, f, false, 3)
	}
	f.DecRef()
	unix.CloseOnExec(hostFD)
	ec := &execConsole{con: con, hostFD: hostFD}
	ec.resize()
	return ec, nil
}

func (e *execConsole) resize() {
	if ws, err := unix.IoctlGetWinsize(e.hostFD, unix.TIOCGWINSZ); err == nil {
		e.con.SetWindowSize(devpts.Winsize{Row: ws.Row, Col: ws.Col, Xpixel: ws.Xpixel, Ypixel: ws.Ypixel})
	}
}

func (e *execConsole) start() {
	in, err := unix.Dup(e.hostFD)
	if err != nil {
		return
	}
	out, err := unix.Dup(e.hostFD)
	if err != nil {
		unix.Close(in)
		return
	}
	unix.CloseOnExec(in)
	unix.CloseOnExec(out)
	go consoleIn(e.con, in)
	go consoleOut(e.con, out)
}

func (e *execConsole) close() {
	e.con.Close()
	unix.Close(e.hostFD)
}

// closeConsole releases the terminal of exec'd process pid once it has
// been reaped: its output was drained when its last FD of the terminal
// closed. The host terminal FD and the copier of output go with it.
func (c *controller) closeConsole(pid int32) {
	c.mu.Lock()
	var found *execConsole
	for i, e := range c.consoles {
		if e.pid == pid {
			found = e
			c.consoles = append(c.consoles[:i], c.consoles[i+1:]...)
			break
		}
	}
	c.mu.Unlock()
	if found != nil {
		found.close()
	}
}

// resizeConsoles copies the host terminals' sizes to the exec'd
// processes' terminals.
func (c *controller) resizeConsoles() {
	c.mu.Lock()
	cons := append([]*execConsole(nil), c.consoles...)
	c.mu.Unlock()
	for _, e := range cons {
		e.resize()
	}
}

// consoleIn copies keystrokes from the host terminal fd into the
// sandbox terminal until the host side ends.
func consoleIn(con *devpts.Console, fd int) {
	defer unix.Close(fd)
	buf := make([]byte, 4096)
	for {
		n, err := unix.Read(fd, buf)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, -1)
			continue
		case err != nil || n == 0:
			return
		}
		if _, err := con.Write(buf[:n], nil); err != nil {
			return
		}
	}
}

// consoleOut copies the sandbox terminal's output to the host terminal
// fd; once the host side is gone, output is dropped so that the
// application never blocks on it.
func consoleOut(con *devpts.Console, fd int) {
	defer unix.Close(fd)
	buf := make([]byte, 32<<10)
	broken := false
	for {
		n, err := con.Read(buf, nil)
		if err != nil && err != unix.EIO {
			return
		}
		for off := 0; off < n && !broken; {
			m, err := unix.Write(fd, buf[off:n])
			switch {
			case err == unix.EINTR:
			case err == unix.EAGAIN:
				unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}, -1)
			case err != nil:
				broken = true
			default:
				off += m
			}
		}
		con.Done()
	}
}
