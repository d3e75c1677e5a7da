// Package ptrace is the platform that runs application code in stub
// processes traced with PTRACE_SYSEMU, so that every application system
// call stops in the sentry instead of running on the host.
//
// Each address space is a stub process (its "control" stub) served by a
// goroutine locked to its own OS thread, because a tracee belongs to the
// thread that attached it. The control stub never runs application code:
// the sentry injects mmap, munmap and clone into it. Each application
// thread runs in a stub process of its own that shares the control stub's
// memory (clone with CLONE_VM); it is traced by the task goroutine's OS
// thread. New address spaces are forked from a pristine master stub.
package ptrace

import (
	"fmt"

	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/platform"
)

const (
	ptraceOptions = unix.PTRACE_O_TRACESYSGOOD | unix.PTRACE_O_EXITKILL
	// memFD is the memory file's FD number inside every stub.
	memFD = 0
	// interruptSignal stops a running stub thread; the sentry suppresses
	// it.
	interruptSignal = unix.SIGSTOP
)

// Platform is the ptrace platform.
type Platform struct {
	memfd  int
	master *tracer
}

// New starts the master stub. memfd is the memory file; it is the only
// FD that address spaces can map.
func New(memfd int) (*Platform, error) {
	stubfd, err := writeStub()
	if err != nil {
		return nil, err
	}
	defer unix.Close(stubfd)
	t := newTracer()
	p := &Platform{memfd: memfd, master: t}
	t.do(func() {
		err = t.startMaster(stubfd, memfd)
	})
	if err != nil {
		t.stop()
		return nil, err
	}
	return p, nil
}

// NewAddressSpace forks a fresh control stub from the master.
func (p *Platform) NewAddressSpace() (platform.AddressSpace, error) {
	var pid int
	var err error
	p.master.do(func() {
		pid, err = p.master.stub.clone(uintptr(unix.SIGCHLD))
	})
	if err != nil {
		return nil, fmt.Errorf("fork stub: %w", err)
	}
	t := newTracer()
	t.do(func() {
		t.stub, err = attach(pid)
	})
	if err != nil {
		unix.Kill(pid, unix.SIGKILL)
		t.stop()
		return nil, err
	}
	return &addressSpace{p: p, t: t}, nil
}

// NewContext returns a context with no stub thread yet; it gets one in
// the first address space it switches into.
func (p *Platform) NewContext() platform.Context {
	return &context{}
}

// tracer is a goroutine locked to one OS thread, the tracer of one stub.
type tracer struct {
	reqs chan func()
	stub *stubThread
	wg   sync.WaitGroup
}

func newTracer() *tracer {
	t := &tracer{reqs: make(chan func())}
	t.wg.Add(1)
	go func() {
		// Never unlocked: the thread exits with the goroutine, and
		// PTRACE_O_EXITKILL takes the stub with it.
		runtime.LockOSThread()
		defer t.wg.Done()
		for fn := range t.reqs {
			fn()
		}
	}()
	return t
}

// do runs fn on the tracer's thread and waits for it.
func (t *tracer) do(fn func()) {
	done := make(chan struct{})
	t.reqs <- func() { fn(); close(done) }
	<-done
}

func (t *tracer) stop() {
	close(t.reqs)
	t.wg.Wait()
}

// startMaster execs the stub image as a traced child and strips its
// address space down to the stub pages. Runs on the tracer's thread.
func (t *tracer) startMaster(stubfd, memfd int) error {
	path := fmt.Sprintf("/proc/self/fd/%d", stubfd)
	pid, err := syscall.ForkExec(path, []string{"moat-stub"}, &syscall.ProcAttr{
		Env:   []string{},
		Files: []uintptr{uintptr(memfd)},
		Sys:   &syscall.SysProcAttr{Ptrace: true, Pdeathsig: syscall.SIGKILL},
	})
	if err != nil {
		return fmt.Errorf("start stub: %w", err)
	}
	s := &stubThread{tid: pid}
	if err := s.waitStop(); err != nil {
		return err
	}
	if err := unix.PtraceSetOptions(pid, ptraceOptions); err != nil {
		unix.Kill(pid, unix.SIGKILL)
		return fmt.Errorf("stub PTRACE_SETOPTIONS: %w", err)
	}
	if err := s.saveRegs(); err != nil {
		unix.Kill(pid, unix.SIGKILL)
		return err
	}
	t.stub = s
	steps := []struct {
		name string
		nr   uintptr
		args []uintptr
	}{
		{"munmap low", unix.SYS_MUNMAP, []uintptr{0, StubAddr}},
		{"munmap high", unix.SYS_MUNMAP, []uintptr{StubAddr + StubSize, TaskSize - (StubAddr + StubSize)}},
		{"ignore SIGCHLD", unix.SYS_RT_SIGACTION, []uintptr{uintptr(unix.SIGCHLD), stubSigaction, 0, 8}},
	}
	for _, st := range steps {
		if _, err := s.inject(st.nr, st.args...); err != nil {
			unix.Kill(pid, unix.SIGKILL)
			return fmt.Errorf("stub %s: %w", st.name, err)
		}
	}
	return nil
}

// stubThread is one traced stub process.
type stubThread struct {
	tid int
	// regs is a register set valid for injecting calls.
	regs platform.Registers
}

// attach makes the calling thread the tracer of the self-stopped stub pid.
func attach(pid int) (*stubThread, error) {
	if err := unix.PtraceAttach(pid); err != nil {
		return nil, fmt.Errorf("attach stub %d: %w", pid, err)
	}
	s := &stubThread{tid: pid}
	if err := s.waitStop(); err != nil {
		return nil, err
	}
	if err := unix.PtraceSetOptions(pid, ptraceOptions); err != nil {
		s.kill()
		return nil, fmt.Errorf("stub PTRACE_SETOPTIONS: %w", err)
	}
	if err := s.saveRegs(); err != nil {
		s.kill()
		return nil, err
	}
	return s, nil
}

func (s *stubThread) saveRegs() error {
	if err := unix.PtraceGetRegs(s.tid, &s.regs); err != nil {
		return fmt.Errorf("stub PTRACE_GETREGS: %w", err)
	}
	return nil
}

// wait waits for the next state change of the stub.
func (s *stubThread) wait() (unix.WaitStatus, error) {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(s.tid, &ws, unix.WALL, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return ws, fmt.Errorf("wait for stub %d: %w", s.tid, err)
		}
		return ws, nil
	}
}

// waitStop waits until the stub is in a ptrace stop.
func (s *stubThread) waitStop() error {
	ws, err := s.wait()
	if err != nil {
		return err
	}
	if !ws.Stopped() {
		return fmt.Errorf("stub %d did not stop: status %#x", s.tid, uint32(ws))
	}
	return nil
}

func (s *stubThread) kill() {
	unix.Kill(s.tid, unix.SIGKILL)
	for {
		ws, err := s.wait()
		if err != nil || ws.Exited() || ws.Signaled() {
			return
		}
	}
}

// inject runs one host syscall in the stopped stub and returns its result.
func (s *stubThread) inject(nr uintptr, args ...uintptr) (uintptr, error) {
	return s.injectAt(stubSyscall, nr, args...)
}

func (s *stubThread) injectAt(ip uint64, nr uintptr, args ...uintptr) (uintptr, error) {
	regs := s.regs
	regs.Rip = ip
	regs.Rax = uint64(nr)
	regs.Orig_rax = ^uint64(0)
	var a [6]uint64
	for i, v := range args {
		a[i] = uint64(v)
	}
	regs.Rdi, regs.Rsi, regs.Rdx, regs.R10, regs.R8, regs.R9 = a[0], a[1], a[2], a[3], a[4], a[5]
	if err := unix.PtraceSetRegs(s.tid, &regs); err != nil {
		return 0, fmt.Errorf("PTRACE_SETREGS: %w", err)
	}
	sig := 0
	for {
		if err := unix.PtraceCont(s.tid, sig); err != nil {
			return 0, fmt.Errorf("PTRACE_CONT: %w", err)
		}
		ws, err := s.wait()
		if err != nil {
			return 0, err
		}
		if !ws.Stopped() {
			return 0, fmt.Errorf("stub %d died: status %#x", s.tid, uint32(ws))
		}
		if ws.StopSignal() == unix.SIGTRAP {
			break
		}
		// A stray stop (our own SIGSTOP, say): suppress and go on.
		sig = 0
	}
	if err := unix.PtraceGetRegs(s.tid, &regs); err != nil {
		return 0, fmt.Errorf("PTRACE_GETREGS: %w", err)
	}
	ret := regs.Rax
	if int64(ret) < 0 && int64(ret) > -4096 {
		return 0, unix.Errno(-int64(ret))
	}
	return uintptr(ret), nil
}

// clone injects a clone into the stub with the given flags and returns
// the child's PID. The child stops itself with SIGSTOP.
func (s *stubThread) clone(flags uintptr) (int, error) {
	pid, err := s.injectAt(stubClone, unix.SYS_CLONE, flags, 0, 0, 0, 0)
	return int(pid), err
}

// addressSpace is a control stub and its tracer.
type addressSpace struct {
	p        *Platform
	t        *tracer
	released atomic.Bool

	// threads maps the OS thread IDs of tracers to their stub threads in
	// this address space, so that a task changing its own mappings can
	// inject the call into its stopped stub thread without a hand-off
	// to the control tracer.
	threads sync.Map // int -> *stubThread
}

// inject runs a host syscall in the address space: in the caller's own
// stub thread if it has one here, else through the control stub.
func (as *addressSpace) inject(nr uintptr, args ...uintptr) (uintptr, error) {
	if s, ok := as.threads.Load(unix.Gettid()); ok {
		return s.(*stubThread).inject(nr, args...)
	}
	var ret uintptr
	var err error
	as.t.do(func() { ret, err = as.t.stub.inject(nr, args...) })
	return ret, err
}

// MapFile implements platform.AddressSpace.MapFile.
func (as *addressSpace) MapFile(addr uintptr, fd int, off uint64, length uint64, perms platform.AccessType) error {
	if fd != as.p.memfd {
		return fmt.Errorf("ptrace: can only map the memory file, not fd %d", fd)
	}
	if addr+uintptr(length) > StubAddr || addr+uintptr(length) < addr {
		return fmt.Errorf("ptrace: mapping %#x+%#x overlaps the stub", addr, length)
	}
	_, err := as.inject(unix.SYS_MMAP, addr, uintptr(length), uintptr(perms.Prot()),
		unix.MAP_SHARED|unix.MAP_FIXED, memFD, uintptr(off))
	if err != nil {
		return fmt.Errorf("stub mmap %#x+%#x: %w", addr, length, err)
	}
	return nil
}

// Unmap implements platform.AddressSpace.Unmap.
func (as *addressSpace) Unmap(addr uintptr, length uint64) {
	if addr >= StubAddr {
		return
	}
	if end := addr + uintptr(length); end > StubAddr || end < addr {
		length = uint64(StubAddr - addr)
	}
	as.inject(unix.SYS_MUNMAP, addr, uintptr(length))
}

// Release implements platform.AddressSpace.Release.
func (as *addressSpace) Release() {
	if as.released.Swap(true) {
		return
	}
	as.t.do(func() { as.t.stub.kill() })
	as.t.stop()
}

// newThread creates a stub thread sharing this address space and attaches
// it to the calling OS thread.
func (as *addressSpace) newThread() (*stubThread, error) {
	var pid int
	var err error
	as.t.do(func() {
		pid, err = as.t.stub.clone(unix.CLONE_VM | uintptr(unix.SIGCHLD))
	})
	if err != nil {
		return nil, fmt.Errorf("clone stub thread: %w", err)
	}
	return attach(pid)
}

// context runs one task's code in its own stub thread.
type context struct {
	as        *addressSpace
	stub      *stubThread
	tid       atomic.Int32 // stub thread to signal on Interrupt
	interrupt atomic.Bool
	pendingFP []byte
	osTID     int // the tracer thread
	// cpuBase is the CPU time of stub threads already gone.
	cpuBase atomic.Int64
}

// Switch implements platform.Context.Switch.
func (c *context) Switch(pas platform.AddressSpace, regs *platform.Registers) (platform.Event, error) {
	as := pas.(*addressSpace)
	if c.as != as {
		c.dropStub()
		s, err := as.newThread()
		if err != nil {
			return platform.Event{}, err
		}
		c.as, c.stub = as, s
		c.osTID = unix.Gettid()
		as.threads.Store(c.osTID, s)
		c.tid.Store(int32(s.tid))
		if c.pendingFP != nil {
			err := c.SetFPState(c.pendingFP)
			c.pendingFP = nil
			if err != nil {
				return platform.Event{}, err
			}
		}
	}
	if c.interrupt.Swap(false) {
		return platform.Event{Type: platform.EventInterrupted}, nil
	}
	tid := c.stub.tid
	if err := unix.PtraceSetRegs(tid, regs); err != nil {
		return platform.Event{}, fmt.Errorf("PTRACE_SETREGS: %w", err)
	}
	if err := ptraceSysemu(tid); err != nil {
		return platform.Event{}, fmt.Errorf("PTRACE_SYSEMU: %w", err)
	}
	ws, err := c.stub.wait()
	if err != nil {
		return platform.Event{}, err
	}
	if !ws.Stopped() {
		c.as.threads.Delete(c.osTID)
		c.stub = nil
		c.as = nil
		return platform.Event{}, fmt.Errorf("stub thread %d died: status %#x", tid, uint32(ws))
	}
	if err := unix.PtraceGetRegs(tid, regs); err != nil {
		return platform.Event{}, fmt.Errorf("PTRACE_GETREGS: %w", err)
	}
	if uint32(ws)>>8 == uint32(unix.SIGTRAP|0x80) {
		return platform.Event{Type: platform.EventSyscall}, nil
	}
	sig := ws.StopSignal()
	switch sig {
	case unix.SIGSEGV, unix.SIGBUS, unix.SIGILL, unix.SIGFPE, unix.SIGTRAP:
		var info siginfo
		if err := ptraceGetSiginfo(tid, &info); err != nil {
			return platform.Event{}, fmt.Errorf("PTRACE_GETSIGINFO: %w", err)
		}
		ev := platform.Event{Type: platform.EventSignal, Signo: int(sig), Code: info.Code, Addr: info.Addr}
		if sig == unix.SIGSEGV && info.Code > 0 {
			ev.Type = platform.EventFault
		}
		return ev, nil
	}
	c.interrupt.Store(false)
	return platform.Event{Type: platform.EventInterrupted}, nil
}

// ThreadBound implements platform.ThreadBound: the task's OS thread
// traces its stub thread.
func (c *context) ThreadBound() {}

// CPUTime implements platform.CPUClock: the CPU time of the stub
// processes that ran this thread's code.
func (c *context) CPUTime() time.Duration {
	d := time.Duration(c.cpuBase.Load())
	if tid := c.tid.Load(); tid != 0 {
		d += processCPUTime(int(tid))
	}
	return d
}

// processCPUTime reads the CPU clock of process pid.
func processCPUTime(pid int) time.Duration {
	var ts unix.Timespec
	clock := int32((^pid)<<3 | 2) // MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED)
	if err := unix.ClockGettime(clock, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

func (c *context) dropStub() {
	if c.stub != nil {
		c.cpuBase.Add(int64(processCPUTime(c.stub.tid)))
		c.as.threads.Delete(c.osTID)
		c.tid.Store(0)
		c.stub.kill()
		c.stub, c.as = nil, nil
	}
}

// ProbeWrite implements platform.FaultProber: it maps a read-only page at
// addr in the stub and single-steps the faulting instruction. A write
// faults again; a read completes. The page is removed afterwards and the
// caller's registers are untouched.
func (c *context) ProbeWrite(pas platform.AddressSpace, regs *platform.Registers, addr uint64) (bool, error) {
	as := pas.(*addressSpace)
	if c.as != as || c.stub == nil {
		return false, fmt.Errorf("ptrace: probe outside the current address space")
	}
	page := uintptr(addr &^ 0xfff)
	if page+0x1000 > StubAddr {
		return false, fmt.Errorf("ptrace: probe address %#x out of range", addr)
	}
	s := c.stub
	if _, err := s.inject(unix.SYS_MMAP, page, 0x1000, unix.PROT_READ, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_FIXED, ^uintptr(0), 0); err != nil {
		return false, err
	}
	defer s.inject(unix.SYS_MUNMAP, page, 0x1000)
	r := *regs
	if err := unix.PtraceSetRegs(s.tid, &r); err != nil {
		return false, err
	}
	if err := unix.PtraceSingleStep(s.tid); err != nil {
		return false, err
	}
	ws, err := s.wait()
	if err != nil {
		return false, err
	}
	return ws.Stopped() && ws.StopSignal() == unix.SIGSEGV, nil
}

// Interrupt implements platform.Context.Interrupt.
func (c *context) Interrupt() {
	c.interrupt.Store(true)
	if tid := c.tid.Load(); tid != 0 {
		unix.Kill(int(tid), interruptSignal)
	}
}

// Release implements platform.Context.Release.
func (c *context) Release() { c.dropStub() }

const ntX86Xstate = 0x202

// FPState implements platform.Context.FPState.
func (c *context) FPState() ([]byte, error) {
	if c.stub == nil {
		return c.pendingFP, nil
	}
	buf := make([]byte, 8192)
	iov := unix.Iovec{Base: &buf[0], Len: uint64(len(buf))}
	if _, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GETREGSET, uintptr(c.stub.tid), ntX86Xstate, uintptr(unsafe.Pointer(&iov)), 0, 0); e != 0 {
		return nil, fmt.Errorf("PTRACE_GETREGSET: %w", e)
	}
	return buf[:iov.Len], nil
}

// SetFPState implements platform.Context.SetFPState.
func (c *context) SetFPState(state []byte) error {
	if c.stub == nil {
		c.pendingFP = append([]byte(nil), state...)
		return nil
	}
	if len(state) == 0 {
		return nil
	}
	iov := unix.Iovec{Base: &state[0], Len: uint64(len(state))}
	if _, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_SETREGSET, uintptr(c.stub.tid), ntX86Xstate, uintptr(unsafe.Pointer(&iov)), 0, 0); e != 0 {
		return fmt.Errorf("PTRACE_SETREGSET: %w", e)
	}
	return nil
}

type siginfo struct {
	Signo int32
	Errno int32
	Code  int32
	_     int32
	Addr  uint64
	_     [104]byte
}

func ptraceSysemu(tid int) error {
	_, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_SYSEMU, uintptr(tid), 0, 0, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

func ptraceGetSiginfo(tid int, info *siginfo) error {
	_, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GETSIGINFO, uintptr(tid), 0, uintptr(unsafe.Pointer(info)), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}
