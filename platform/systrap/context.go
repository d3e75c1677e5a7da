package systrap

import (
	"encoding/binary"
	"fmt"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/platform"
	"github.com/moat-dev/moat/platform/goid"
	"github.com/moat-dev/moat/platform/monotime"
)

// context runs one task's code in a stub thread of its own.
type context struct {
	p  *Platform
	th *thread
	// owner is the task goroutine (goid.Current), which alone calls
	// the methods other than Interrupt.
	owner uintptr

	// running is set while application code may be running; Interrupt
	// signals the stub thread only then.
	running   atomic.Bool
	interrupt atomic.Bool
	// interruptAt is when Interrupt was first called with no Switch
	// answering it since (UnixNano), to give up on a stub that ignores
	// interrupts.
	interruptAt atomic.Int64
	// target is the thread ID of th, for Interrupt.
	target atomic.Uint64
	// cpuBase is the CPU time of stub threads already gone.
	cpuBase atomic.Int64

	pendingFP []byte
	aliveFn   func() error

	// Spin budgets: the sentry's for application code to trap, the
	// stub's for the sentry's reply.
	eventSpin, stubSpin spinBudget

	// The last fault, for ProbeWrite.
	faultAddr, faultErr uint64

	// The system call of the last event (-1 if it was not one) and when
	// Switch returned it (0 if it was not timed), to learn how long the
	// sentry takes to answer; blocked is set when the task blocked since.
	// One event in handlingSample is timed: the clock reads and the
	// store to the platform's table, a line that every task's calls
	// would otherwise move between CPUs, cost a tenth of a fast call.
	lastNr  int
	eventAt int64
	blocked bool
	events  uint32
}

// handlingSample is how many events there are to one timed event.
const handlingSample = 8

// interruptTimeout is how long a stub thread may leave an interrupt
// unanswered while it holds the slot away from the sentry before the
// sentry gives up on it and kills its address space.
const interruptTimeout = 5 * time.Second

func (c *context) alive() error {
	if err := c.th.alive(); err != nil {
		return err
	}
	if at := c.interruptAt.Load(); at != 0 && time.Since(time.Unix(0, at)) > interruptTimeout {
		c.th.as.kill()
		return &errStubGone{"does not answer interrupts"}
	}
	return nil
}

// Switch implements platform.Context.Switch.
func (c *context) Switch(pas platform.AddressSpace, regs *platform.Registers) (platform.Event, error) {
	as := pas.(*addressSpace)
	th := c.th
	if th == nil || th.as != as {
		if err := c.attach(as); err != nil {
			return platform.Event{}, err
		}
		th = c.th
	}
	c.running.Store(true)
	if c.interrupt.Load() {
		c.running.Store(false)
		c.interrupt.Store(false)
		c.interruptAt.Store(0)
		return platform.Event{Type: platform.EventInterrupted}, nil
	}
	fast, err := th.putRegs(regs)
	if err != nil {
		c.running.Store(false)
		return platform.Event{}, err
	}
	if c.lastNr >= 0 && !c.blocked && c.eventAt != 0 {
		// A call that blocked says nothing of how long the call
		// takes when it does not.
		c.p.noteHandling(c.lastNr, monotime.Now()-c.eventAt)
	}
	c.lastNr, c.blocked = -1, false
	// With more application threads running than CPUs, a spinning
	// thread only takes a CPU from one that has work: nobody spins.
	crowded := int(c.p.inApp.Add(1)) > c.p.cpus
	stubSpin, eventSpin := c.stubSpin.get(), c.eventSpin.get()
	if crowded {
		stubSpin, eventSpin = 0, 0
	}
	// Stores to the header's lines only where they change, for the
	// same reason as in putRegs: the stub spins reading them.
	if th.h.spin != uint64(stubSpin) {
		th.h.spin = uint64(stubSpin)
	}
	toldNoSpin := atomic.LoadUint32(&th.h.nospin) != 0 && atomic.SwapUint32(&th.h.nospin, 0) != 0
	// The stub spins reading the state word's line: rax and the
	// command go there just before the state word, so that the line
	// comes to this CPU once for the three stores.
	if fast {
		th.h.rax = regs.Rax
	}
	th.h.cmd = cmdRun
	if slept := th.h.handToStub(); !toldNoSpin && !crowded {
		c.stubSpin.update(slept)
	}
	slept, err := th.h.waitSentry(eventSpin, c.aliveFn)
	c.p.inApp.Add(-1)
	c.running.Store(false)
	if err != nil {
		c.forget()
		return platform.Event{}, err
	}
	if !crowded {
		c.eventSpin.update(slept)
	}
	c.eventAt = 0
	if c.events++; c.events%handlingSample == 0 {
		c.eventAt = monotime.Now()
	}
	return c.event(regs)
}

// Blocking implements platform.BlockNotifier: the task is about to wait
// in the sentry, so its stub thread stops spinning for the reply and
// leaves the CPU to whoever will wake the task.
func (c *context) Blocking() {
	if th := c.th; th != nil && !c.blocked {
		c.blocked = true
		atomic.StoreUint32(&th.h.nospin, 1)
	}
}

// attach gives the context a stub thread in as.
func (c *context) attach(as *addressSpace) error {
	c.drop()
	if c.owner == 0 {
		c.owner = goid.Current()
	}
	th, err := as.newThread(c.p.stubSpin)
	if err != nil {
		return err
	}
	c.th = th
	as.attached.Add(1)
	c.target.Store(uint64(th.tid))
	as.owners.Store(c.owner, th)
	if c.pendingFP != nil {
		err := th.setFP(c.pendingFP)
		c.pendingFP = nil
		if err != nil {
			return err
		}
	}
	return nil
}

// forgetReleased lets go of a thread whose address space was released:
// its slot may not be touched any more. Its FP state is lost, as it is
// when execve replaces the address space.
func (c *context) forgetReleased() {
	if c.th != nil && c.th.as.released.Load() {
		c.forget()
	}
}

// drop ends the context's stub thread.
func (c *context) drop() {
	if th := c.forget(); th != nil {
		th.exit()
	}
}

// forget detaches the stub thread from the context and returns it.
func (c *context) forget() *thread {
	th := c.th
	if th == nil {
		return nil
	}
	c.th = nil
	c.cpuBase.Add(int64(processCPUTime(th.tid)))
	c.target.Store(0)
	th.as.owners.CompareAndDelete(c.owner, th)
	th.as.attached.Add(-1)
	return th
}

// frame returns the offsets in the slot of the signal frame's ucontext
// and siginfo, checked: the application can scribble on the slot.
func (th *thread) frame() (uc, info int, err error) {
	u, i := th.h.uctx-th.base, th.h.info-th.base
	if u < slotHdr || u > slotSize-ucSize || u%8 != 0 || i < slotHdr || i > slotSize-128 || i%8 != 0 {
		return 0, 0, fmt.Errorf("systrap: bad signal frame in stub slot (uc %#x info %#x)", th.h.uctx, th.h.info)
	}
	return int(u), int(i), nil
}

// mcontext returns the frame's general registers: r8..r15, rdi, rsi,
// rbp, rbx, rdx, rax, rcx, rsp, rip, eflags, then cs/gs/fs/ss, err,
// trapno, oldmask, cr2, fpstate.
func (th *thread) mcontext(uc int) *[24]uint64 {
	return (*[24]uint64)(unsafe.Pointer(&th.mem[uc+ucMcontext]))
}

// mcRax is rax's index in mcontext.
const mcRax = 13

// putRegs writes regs into the signal frame that the handler returns
// through, and asks for new FS and GS bases if they changed. It reports
// whether the frame is the fast path's, whose rax the caller writes.
func (th *thread) putRegs(regs *platform.Registers) (fast bool, err error) {
	uc, _, err := th.frame()
	if err != nil {
		return false, err
	}
	mc := th.mcontext(uc)
	// Only what changed is written (after a system call, rax): the
	// frame's lines that the stub wrote and the sentry only read stay
	// shared, and the stub reads them back with no transfer between
	// CPUs, each of which costs about as much as a page of copying.
	// A fast frame's rax is in the header, and Switch writes it there
	// (see fast_entry).
	fast = uc == fastUC
	for i, v := range [18]uint64{
		regs.R8, regs.R9, regs.R10, regs.R11, regs.R12, regs.R13, regs.R14, regs.R15,
		regs.Rdi, regs.Rsi, regs.Rbp, regs.Rbx, regs.Rdx, regs.Rax, regs.Rcx, regs.Rsp,
		regs.Rip, regs.Eflags,
	} {
		if mc[i] != v && !(fast && i == mcRax) {
			mc[i] = v
		}
	}
	// The application runs with no host signal blocked.
	if m := (*uint64)(unsafe.Pointer(&th.mem[uc+ucSigmask])); *m != 0 {
		*m = 0
	}
	var set uint64
	if regs.Fs_base != th.fsbase {
		th.h.fsbase = regs.Fs_base
		th.setFSBase(regs.Fs_base)
		set |= 1
	}
	if regs.Gs_base != th.gsbase {
		th.h.gsbase, th.gsbase = regs.Gs_base, regs.Gs_base
		set |= 2
	}
	if th.h.setbase != set {
		th.h.setbase = set
	}
	return fast, nil
}

// event decodes the signal that brought the thread into its handler.
func (c *context) event(regs *platform.Registers) (platform.Event, error) {
	th := c.th
	uc, info, err := th.frame()
	if err != nil {
		return platform.Event{}, err
	}
	mc := th.mcontext(uc)
	regs.R8, regs.R9, regs.R10, regs.R11 = mc[0], mc[1], mc[2], mc[3]
	regs.R12, regs.R13, regs.R14, regs.R15 = mc[4], mc[5], mc[6], mc[7]
	regs.Rdi, regs.Rsi, regs.Rbp, regs.Rbx = mc[8], mc[9], mc[10], mc[11]
	regs.Rdx, regs.Rax, regs.Rcx, regs.Rsp = mc[12], mc[13], mc[14], mc[15]
	regs.Rip, regs.Eflags = mc[16], mc[17]
	if uc == fastUC {
		regs.Rax = th.h.rax // see putRegs
	}
	regs.Cs = mc[18] & 0xffff
	regs.Ss = mc[18] >> 48
	regs.Orig_rax = ^uint64(0)
	le := binary.LittleEndian
	code := int32(le.Uint32(th.mem[info+siCode:]))
	addr := le.Uint64(th.mem[info+siAddr:])
	signo := int(th.h.signo)
	switch unix.Signal(signo) {
	case unix.SIGSYS:
		if code == 1 { // SYS_SECCOMP
			regs.Orig_rax = regs.Rax
			regs.Rax = negErrno(unix.ENOSYS)
			ev := platform.Event{Type: platform.EventSyscall, Patchable: th.fast && !th.fastFrame()}
			if nr := regs.Orig_rax; nr < uint64(len(c.p.handling)) {
				c.lastNr = int(nr)
				if c.p.slowSyscall(nr) {
					atomic.StoreUint32(&th.h.nospin, 1)
				}
			}
			return ev, nil
		}
	case unix.SIGSEGV:
		ev := platform.Event{Type: platform.EventSignal, Signo: signo, Code: code, Addr: addr, ErrCode: mc[19], Trapno: mc[20]}
		if code == 1 || code == 2 { // SEGV_MAPERR, SEGV_ACCERR
			ev.Type = platform.EventFault
			c.faultAddr, c.faultErr = addr, mc[19]
		}
		return ev, nil
	case unix.SIGBUS, unix.SIGILL, unix.SIGFPE, unix.SIGTRAP:
		return platform.Event{Type: platform.EventSignal, Signo: signo, Code: code, Addr: addr, ErrCode: mc[19], Trapno: mc[20]}, nil
	}
	c.interrupt.Store(false)
	c.interruptAt.Store(0)
	return platform.Event{Type: platform.EventInterrupted}, nil
}

// Interrupt implements platform.Context.Interrupt.
func (c *context) Interrupt() {
	c.interrupt.Store(true)
	c.interruptAt.CompareAndSwap(0, time.Now().UnixNano())
	if c.running.Load() {
		if t := c.target.Load(); t != 0 {
			unix.Tgkill(int(t), int(t), interruptSignal)
		}
	}
}

// CPUTime implements platform.CPUClock: the CPU time of the stub
// threads that ran this context's code.
func (c *context) CPUTime() time.Duration {
	d := time.Duration(c.cpuBase.Load())
	if tid := c.target.Load(); tid != 0 {
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

// Release implements platform.Context.Release.
func (c *context) Release() { c.drop() }

// ProbeWrite implements platform.FaultProber from the page-fault error
// code of the last fault, which the signal frame gives.
func (c *context) ProbeWrite(as platform.AddressSpace, regs *platform.Registers, addr uint64) (bool, error) {
	if c.th == nil || c.faultAddr != addr {
		return false, fmt.Errorf("systrap: no fault at %#x", addr)
	}
	return c.faultErr&2 != 0, nil
}

// Offsets in the XSAVE area.
const (
	fxsaveSize    = 512
	xsaveHdrEnd   = 576
	fxMXCSR       = 24
	fxMXCSRMask   = 28
	swBytes       = 464
	fpXstateMagic = 0x46505853
)

// fpArea returns the offset in the slot of the frame's XSAVE area, its
// size and the features the kernel saved in it.
func (th *thread) fpArea() (off, size int, features uint64, err error) {
	uc, _, err := th.frame()
	if err != nil {
		return 0, 0, 0, err
	}
	fp := th.mcontext(uc)[23] - th.base
	if fp < slotHdr || fp > slotSize-fxsaveSize || fp%64 != 0 {
		return 0, 0, 0, fmt.Errorf("systrap: bad FP state pointer in stub frame")
	}
	off, size = int(fp), fxsaveSize
	le := binary.LittleEndian
	sw := th.mem[off+swBytes:]
	if le.Uint32(sw) == fpXstateMagic {
		if n := int(le.Uint32(sw[16:])); n >= xsaveHdrEnd && off+n+4 <= slotSize {
			size, features = n, le.Uint64(sw[8:])
		}
	}
	return off, size, features, nil
}

// FPState implements platform.Context.FPState.
func (c *context) FPState() ([]byte, error) {
	c.forgetReleased()
	if c.th == nil {
		return c.pendingFP, nil
	}
	off, size, _, err := c.th.fpArea()
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), c.th.mem[off:off+size]...), nil
}

// SetFPState implements platform.Context.SetFPState.
func (c *context) SetFPState(state []byte) error {
	c.forgetReleased()
	if c.th == nil {
		c.pendingFP = append([]byte(nil), state...)
		return nil
	}
	return c.th.setFP(state)
}

// setFP writes state into the frame's XSAVE area, for rt_sigreturn to
// load. It keeps what the kernel checks there valid: the software bytes
// and trailing magic it wrote, a standard-format header with only
// features the frame has, and MXCSR within its mask.
func (th *thread) setFP(state []byte) error {
	if len(state) < fxsaveSize {
		return nil
	}
	off, size, features, err := th.fpArea()
	if err != nil {
		return err
	}
	area := th.mem[off : off+size]
	var sw [fxsaveSize - swBytes]byte
	copy(sw[:], area[swBytes:fxsaveSize])
	n := copy(area, state)
	copy(area[swBytes:fxsaveSize], sw[:])
	le := binary.LittleEndian
	mask := le.Uint32(area[fxMXCSRMask:])
	if mask == 0 {
		mask = 0xffbf
	}
	le.PutUint32(area[fxMXCSR:], le.Uint32(area[fxMXCSR:])&mask)
	if size >= xsaveHdrEnd {
		hdr := area[fxsaveSize:xsaveHdrEnd]
		bv := uint64(3) // legacy state only: the rest goes to its initial state
		if n >= xsaveHdrEnd {
			bv = le.Uint64(hdr) & features
		}
		clear(hdr)
		le.PutUint64(hdr, bv)
	}
	// A fast frame's state is loaded by the stub only when told to.
	atomic.StoreUint32(&th.h.fpdirty, 1)
	return nil
}
