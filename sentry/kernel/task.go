package kernel

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/platform"
	"github.com/moat-dev/moat/platform/monotime"
	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/arch"
	"github.com/moat-dev/moat/sentry/mm"
	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

// FSContext is a task's root, working directory and umask, shared by
// CLONE_FS.
type FSContext struct {
	mu    sync.Mutex
	root  vfs.VirtualDentry
	cwd   vfs.VirtualDentry
	umask uint32
	refs  atomic.Int32
	// ns is the mount namespace the context counts as a user of.
	ns *vfs.MountNamespace
}

// NewFSContext returns a context with one reference, a user of root's
// mount namespace.
func NewFSContext(root, cwd vfs.VirtualDentry, umask uint32) *FSContext {
	f := &FSContext{root: root, cwd: cwd, umask: umask}
	f.refs.Store(1)
	if root.Mount != nil && root.Mount.NS != nil {
		f.ns = root.Mount.NS
		f.ns.IncUsers()
	}
	return f
}

// decRef drops a reference; the last one leaves the mount namespace.
func (f *FSContext) decRef(v *vfs.VFS) {
	if f.refs.Add(-1) == 0 && f.ns != nil {
		v.DecUsers(f.ns)
	}
}

// Root returns the root directory.
func (f *FSContext) Root() vfs.VirtualDentry { f.mu.Lock(); defer f.mu.Unlock(); return f.root }

// Cwd returns the working directory.
func (f *FSContext) Cwd() vfs.VirtualDentry { f.mu.Lock(); defer f.mu.Unlock(); return f.cwd }

// SetCwd changes the working directory.
func (f *FSContext) SetCwd(vd vfs.VirtualDentry) { f.mu.Lock(); f.cwd = vd; f.mu.Unlock() }

// SetRoot changes the root directory.
func (f *FSContext) SetRoot(vd vfs.VirtualDentry) { f.mu.Lock(); f.root = vd; f.mu.Unlock() }

// Umask returns the umask.
func (f *FSContext) Umask() uint32 { f.mu.Lock(); defer f.mu.Unlock(); return f.umask }

// SwapUmask sets the umask and returns the old one.
func (f *FSContext) SwapUmask(m uint32) uint32 {
	f.mu.Lock()
	defer f.mu.Unlock()
	old := f.umask
	f.umask = m & 0o777
	return old
}

func (f *FSContext) fork() *FSContext {
	f.mu.Lock()
	defer f.mu.Unlock()
	return NewFSContext(f.root, f.cwd, f.umask)
}

// FDTable is a vfs.FDTable shared by CLONE_FILES.
type FDTable struct {
	*vfs.FDTable
	refs atomic.Int32
}

func newFDTable(t *vfs.FDTable) *FDTable {
	f := &FDTable{FDTable: t}
	f.refs.Store(1)
	return f
}

func (f *FDTable) decRef() {
	if f.refs.Add(-1) == 0 {
		f.CloseAll()
	}
}

// Task is one application thread. Its goroutine runs the application
// through the platform and serves its system calls.
type Task struct {
	k  *Kernel
	ID int32
	tg *ThreadGroup

	// threadExited is set (under k.mu) once the thread has left its
	// group, for thread pidfds (PIDFD_THREAD); pidfdIno is the inode
	// number they show, set on first use.
	threadExited bool
	pidfdIno     atomic.Uint64

	mmMu sync.Mutex
	mm   *mm.MemoryManager

	fds   *FDTable
	fs    *FSContext
	creds atomic.Pointer[Creds]

	ctx  platform.Context
	Regs platform.Registers

	// Signal state, guarded by k.sigMu.
	sigMask uint64
	// realBlocked is the mask before rt_sigtimedwait unblocked its set:
	// signals in it are not discarded as ignored while the task waits.
	realBlocked   uint64
	savedMask     uint64
	haveSavedMask bool
	pending       sigQueue
	altStack      arch.SignalStack
	// sigQuiet is the signal lock's epoch after this task last found
	// no signal to handle, or 0 (see handleSignals). The task's own.
	sigQuiet uint64

	interrupt chan struct{}
	// killed is set when the task must exit at its next chance.
	killed atomic.Bool

	clearChildTID uint64
	robustList    uint64
	name          atomic.Pointer[string]

	exitCode int // exit(2) status, for a task leaving alone

	// vforkDone is closed when a vfork child execs or exits.
	vforkDone chan struct{}

	aff   affinity
	sched schedState
	// memPolicy is the thread's NUMA memory policy (set_mempolicy),
	// nil for the default.
	memPolicy atomic.Pointer[mm.Policy]
	// ioCtx is the thread's I/O context (its ioprio_set priority), nil
	// until it sets one; CLONE_IO threads share one.
	ioCtx atomic.Pointer[ioContext]
	// persona is the thread's execution domain and flags (personality).
	persona atomic.Uint32

	// pdeathSig is sent to the task when its parent process exits.
	pdeathSig atomic.Int32
	// sysNanos is the time the sentry spent serving the task, blocked
	// time excluded (its system time); blockedNanos is the blocked time
	// since the task last left application code. Only the task's
	// goroutine writes them.
	sysNanos atomic.Int64
	// faults counts the page faults the sentry served for the task,
	// nvcsw the times it waited.
	faults, nvcsw atomic.Uint64
	blockedNanos  int64
	// io counts the task's reads and writes (ioacct.go).
	io ioCounters
	// scArgs holds the arguments of the system call being handled: a
	// field, not a local, because handlers get a pointer to them, which
	// would move a local to the heap on every call.
	scArgs SyscallArgs
	// sigQueueWaiters wait for signals to be queued (signalfd).
	sigQueueWaiters waiter.Queue

	// faultInfo is the trap of the last fault, for its signal frame.
	faultInfo faultTrap

	syscallRestart bool
	// restartBlock continues a call interrupted with
	// ERESTART_RESTARTBLOCK (restart_syscall(2)).
	restartBlock func(t *Task) (uint64, error)
	lastFault    struct {
		addr, rip uint64
		write     bool
		// forkGen is the address space's ForkGen at the fault.
		forkGen uint64
	}
	startTime time.Time
}

// Kernel returns the task's kernel.
func (t *Task) Kernel() *Kernel { return t.k }

// ThreadGroup returns the task's thread group.
func (t *Task) ThreadGroup() *ThreadGroup { return t.tg }

// MM returns the task's memory manager.
func (t *Task) MM() *mm.MemoryManager {
	t.mmMu.Lock()
	defer t.mmMu.Unlock()
	return t.mm
}

// FDTable returns the task's FD table.
func (t *Task) FDTable() *FDTable { return t.fds }

// FSContext returns the task's root and cwd.
func (t *Task) FSContext() *FSContext { return t.fs }

// Creds returns the task's credentials. They must not be modified.
func (t *Task) Creds() *Creds { return t.creds.Load() }

// SetCreds replaces the task's credentials.
func (t *Task) SetCreds(c *Creds) { t.creds.Store(c) }

// Name returns the task's comm.
func (t *Task) Name() string { return *t.name.Load() }

// SetName sets the task's comm, truncated to 15 bytes.
func (t *Task) SetName(n string) {
	if len(n) > 15 {
		n = n[:15]
	}
	t.name.Store(&n)
}

// CopyIn reads application memory.
func (t *Task) CopyIn(addr uint64, dst []byte) (int, error) { return t.MM().CopyIn(addr, dst) }

// CopyOut writes application memory.
func (t *Task) CopyOut(addr uint64, src []byte) (int, error) { return t.MM().CopyOut(addr, src) }

// CopyInString reads a NUL-terminated string.
func (t *Task) CopyInString(addr uint64, max int) (string, error) {
	return t.MM().CopyInString(addr, max)
}

// Start runs the task's goroutine.
func (t *Task) Start() {
	go t.run()
}

// ErrNoReturn is returned by syscalls that set all registers themselves
// (execve, rt_sigreturn) or that end the task (exit).
var ErrNoReturn = errors.New("syscall does not return")

// Kernel-internal errnos that ask for a syscall to be restarted.
const (
	ERESTARTSYS           = unix.Errno(512)
	ERESTARTNOINTR        = unix.Errno(513)
	ERESTARTNOHAND        = unix.Errno(514)
	ERESTART_RESTARTBLOCK = unix.Errno(516)
)

// ErrInterrupted is returned by Block when a signal or exit interrupts it.
var ErrInterrupted = errors.New("interrupted")

const (
	segvMapErr = 1
	segvAccErr = 2
	busAdrErr  = 2
)

// yieldEvery is how often a task goroutine that never blocks passes
// through the Go scheduler (see run).
const yieldEvery = 5 * time.Millisecond

func (t *Task) run() {
	_, bound := t.ctx.(platform.ThreadBound)
	if bound {
		// Never unlocked: the thread exits with the goroutine.
		runtime.LockOSThread()
	}
	t.RegisterGoroutine()
	defer t.UnregisterGoroutine()
	defer t.exit()
	sysStart := monotime.Now()
	lastYield := sysStart
	for {
		// A task whose application makes calls that never block
		// never goes through the Go scheduler, and the runtime's
		// monitor preempts a goroutine that has not for 10 ms: by
		// signal, taking its P if it is in a host system call, and
		// then polling every 20 µs for a while, each time taking a
		// CPU from the application or the sentry. Yielding first
		// is far cheaper. (A thread-bound goroutine would hand its
		// thread over to yield, which costs what the preemption
		// does.)
		if !bound && time.Duration(sysStart-lastYield) > yieldEvery {
			runtime.Gosched()
			lastYield = sysStart
		}
		if t.handleSignals() {
			return
		}
		start := monotime.Now()
		t.addSysTime(time.Duration(start - sysStart))
		ev, err := t.ctx.Switch(t.MM().AddressSpace(), &t.Regs)
		sysStart = monotime.Now()
		t.k.Stats.SwitchNanos.Add(uint64(sysStart - start))
		if err != nil {
			t.k.Log.Error("platform switch failed", "tid", t.ID, "err", err)
			t.tg.groupExit(WaitStatusSignaled(int(unix.SIGKILL), false))
			return
		}
		switch ev.Type {
		case platform.EventSyscall:
			t.k.Stats.Syscalls.Add(1)
			t.patchSyscall(ev)
			t.syscall()
		case platform.EventFault:
			t.k.Stats.Faults.Add(1)
			t.faults.Add(1)
			t.fault(ev)
		case platform.EventSignal:
			if t.restartPatched(ev) {
				continue
			}
			t.k.Log.Debug("synchronous signal", "tid", t.ID, "signo", ev.Signo, "rip", fmt.Sprintf("%#x", t.Regs.Rip))
			info := arch.SigInfo{Signo: int32(ev.Signo), Code: ev.Code}
			info.SetAddr(ev.Addr)
			t.forceSignal(info)
		case platform.EventInterrupted:
		}
	}
}

func (t *Task) fault(ev platform.Event) {
	write := ev.Code == segvAccErr
	// A write fault that repeats after the page was made writable is an
	// access the mapping forbids (an exec of a non-exec page, say),
	// unless a fork write-protected the page in between.
	gen := t.MM().ForkGen()
	repeat := write && t.lastFault.write && t.lastFault.addr == ev.Addr && t.lastFault.rip == t.Regs.Rip &&
		t.lastFault.forkGen == gen
	t.lastFault.addr, t.lastFault.rip, t.lastFault.write, t.lastFault.forkGen = ev.Addr, t.Regs.Rip, write, gen
	code := int32(segvAccErr)
	if !repeat {
		err := t.MM().HandleFault(ev.Addr, write)
		if err == nil {
			return
		}
		t.k.Log.Debug("fault not handled", "addr", fmt.Sprintf("%#x", ev.Addr), "write", write, "err", err)
		switch err {
		case mm.ErrNoVMA:
			code = segvMapErr
		case mm.ErrBeyondEOF:
			t.lastFault.addr = 0
			info := arch.SigInfo{Signo: int32(unix.SIGBUS), Code: busAdrErr}
			info.SetAddr(ev.Addr)
			t.forceSignal(info)
			return
		}
	}
	t.lastFault.addr = 0
	t.faultInfo = t.faultErrCode(ev)
	t.k.Log.Debug("segmentation fault", "tid", t.ID, "addr", fmt.Sprintf("%#x", ev.Addr), "rip", fmt.Sprintf("%#x", t.Regs.Rip), "code", ev.Code)
	info := arch.SigInfo{Signo: int32(unix.SIGSEGV), Code: code}
	info.SetAddr(ev.Addr)
	t.forceSignal(info)
}

// Page-fault error code bits.
const (
	pfProt  = 0x1
	pfWrite = 0x2
	pfUser  = 0x4
	pfInstr = 0x10
	trapPF  = 14
)

type faultTrap struct{ trapno, err uint64 }

// faultErrCode reconstructs the page-fault error code Linux would report
// for a fault the task is signalled for.
func (t *Task) faultErrCode(ev platform.Event) faultTrap {
	fi := faultTrap{trapno: trapPF, err: pfUser}
	switch {
	case ev.Code == segvAccErr:
		// The page was present on the host, and only writes fault on
		// present readable pages.
		fi.err |= pfProt | pfWrite
	case ev.Addr == t.Regs.Rip:
		fi.err |= pfInstr
	default:
		if p, ok := t.ctx.(platform.FaultProber); ok {
			if w, err := p.ProbeWrite(t.MM().AddressSpace(), &t.Regs, ev.Addr); err == nil && w {
				fi.err |= pfWrite
			}
		}
	}
	return fi
}

// SyscallFn is a syscall handler.
type SyscallFn func(t *Task, args *SyscallArgs) (uint64, error)

// SyscallArgs are the six argument registers.
type SyscallArgs [6]uint64

// Syscall is an entry of the syscall table.
type Syscall struct {
	Name string
	Fn   SyscallFn
}

// SyscallTable is indexed by syscall number; syscalls fills it.
var SyscallTable [abi.SyscallCount]Syscall

func (t *Task) syscall() {
	nr := t.Regs.Orig_rax
	t.scArgs = SyscallArgs{t.Regs.Rdi, t.Regs.Rsi, t.Regs.Rdx, t.Regs.R10, t.Regs.R8, t.Regs.R9}
	args := &t.scArgs
	var fn SyscallFn
	name := ""
	if nr < uint64(len(SyscallTable)) {
		fn = SyscallTable[nr].Fn
		name = SyscallTable[nr].Name
		if name == "" {
			name = abi.SyscallNames[nr]
		}
	}
	if t.k.Strace {
		t.straceEnter(nr, *args)
	}
	var ret uint64
	var err error
	if done, r, e := t.seccompCheck(nr, args); done {
		ret, err = r, e
	} else if fn == nil {
		if name == "" {
			name = fmt.Sprintf("syscall_%d", nr)
		}
		t.k.LogUnimplemented(nr, name)
		err = unix.ENOSYS
	} else {
		ret, err = t.callHandler(fn, name, args)
	}
	if err == ErrNoReturn {
		if t.k.Strace && nr != unix.SYS_EXIT && nr != unix.SYS_EXIT_GROUP {
			t.straceExit(nr, *args, 0, 0)
		}
		return
	}
	if err != nil {
		if err == ErrInterrupted {
			err = ERESTARTSYS
		}
		errno, ok := err.(unix.Errno)
		if !ok {
			t.k.Log.Debug("syscall error", "name", name, "err", err)
			errno = errnoOf(err)
		}
		ret = uint64(-int64(errno))
		switch errno {
		case ERESTARTSYS, ERESTARTNOINTR, ERESTARTNOHAND, ERESTART_RESTARTBLOCK:
			t.syscallRestart = true
		}
		if t.k.Strace {
			t.straceExit(nr, *args, ret, int(errno))
		}
	} else if t.k.Strace {
		t.straceExit(nr, *args, ret, 0)
	}
	t.Regs.Rax = ret
}

// SetRestartBlock records how restart_syscall continues the current call
// if it returns ERESTART_RESTARTBLOCK.
func (t *Task) SetRestartBlock(fn func(t *Task) (uint64, error)) { t.restartBlock = fn }

// RestartSyscall runs the recorded continuation (restart_syscall(2)).
func (t *Task) RestartSyscall() (uint64, error) {
	fn := t.restartBlock
	t.restartBlock = nil
	if fn == nil {
		return 0, unix.EINTR
	}
	return fn(t)
}

// callHandler runs a syscall handler. A panic in it is a sentry bug: it
// is logged with its stack and the call fails with EFAULT, so that one
// bad argument cannot take the whole sandbox down.
func (t *Task) callHandler(fn SyscallFn, name string, args *SyscallArgs) (ret uint64, err error) {
	defer func() {
		if r := recover(); r != nil {
			t.k.Log.Error("syscall handler panicked", "syscall", name, "args", fmt.Sprintf("%#x", *args),
				"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			ret, err = 0, unix.EFAULT
		}
	}()
	return fn(t, args)
}

// errnoOf finds the errno wrapped in err, or EIO.
func errnoOf(err error) unix.Errno {
	var e unix.Errno
	if errors.As(err, &e) {
		return e
	}
	return unix.EIO
}

// Block waits for ch, an interrupting signal, or the task's death. It
// returns ErrInterrupted in the latter cases.
func (t *Task) Block(ch <-chan struct{}) error {
	return t.BlockTimeout(ch, nil)
}

// ErrTimedOut is returned by BlockTimeout when its timer fires.
var ErrTimedOut = errors.New("timed out")

// BlockTimeout is Block with a timer; it returns ErrTimedOut when timer
// fires first. timer may be nil.
func (t *Task) BlockTimeout(ch <-chan struct{}, timer <-chan time.Time) error {
	start := time.Now()
	defer func() { t.blockedNanos += int64(time.Since(start)) }()
	t.nvcsw.Add(1)
	if b, ok := t.ctx.(platform.BlockNotifier); ok {
		b.Blocking()
	}
	for {
		if t.interrupted() {
			return ErrInterrupted
		}
		select {
		case <-ch:
			return nil
		case <-timer:
			return ErrTimedOut
		case <-t.interrupt:
		}
	}
}

// addSysTime counts d, the time since the task last left application
// code, less what it spent blocked, as system time.
func (t *Task) addSysTime(d time.Duration) {
	t.sysNanos.Add(max(int64(d)-t.blockedNanos, 0))
	t.blockedNanos = 0
}

// Sleep blocks for d.
func (t *Task) Sleep(d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	err := t.BlockTimeout(nil, tm.C)
	if err == ErrTimedOut {
		return nil
	}
	return err
}

// interrupted reports whether the task has a reason to stop blocking.
func (t *Task) interrupted() bool {
	if t.killed.Load() {
		return true
	}
	t.k.sigMu.Lock()
	defer t.k.sigMu.Unlock()
	return t.tg.exiting || t.hasDeliverableLocked()
}

// Interrupt wakes the task from Block and from application code.
func (t *Task) Interrupt() {
	select {
	case t.interrupt <- struct{}{}:
	default:
	}
	if c := t.ctx; c != nil {
		c.Interrupt()
	}
}
