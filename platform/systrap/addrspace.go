package systrap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/platform"
	"github.com/moat-dev/moat/platform/goid"
)

// addressSpace is one stub process: its control thread and the threads
// that run its tasks' code.
type addressSpace struct {
	p        *Platform
	ctl      *control
	released atomic.Bool
	// used is set once the address space is changed or run in; until
	// then it can be handed out again when it is released.
	used atomic.Bool
	// handedOut counts the threads newThread has handed out: a task's
	// mappings are deferred only while there is one (see deferCall).
	handedOut atomic.Int32
	// deferred is set once a call was deferred; noDefer once one of
	// them failed, which ends deferring.
	deferred, noDefer atomic.Bool
	// attached counts the contexts holding a thread here.
	attached atomic.Int32

	mu     sync.Mutex
	slots  []slotRef // every thread slot mapped in the process
	free   []slotRef // those with no live thread (or one exiting)
	closed bool
	// first is the thread that the address space started with, until a
	// context takes it.
	first *slotRef
	// copies are the PIDs of the copies forked from this address space
	// that may still be in its process group (see kill).
	copies []int

	// queue holds the calls made while batching (see
	// ForkAddressSpace); the address space's user serializes them, as it
	// does every change of the mappings.
	queue    []batchEntry
	batching bool

	// owners maps task goroutines (goid.Current) to their stub
	// threads here, which are in their handlers whenever those threads
	// are not in Switch: a task changing its own mappings runs the call
	// in its own stub thread, with no hand-off to the control thread.
	owners sync.Map // uintptr -> *thread

	// fsmap finds threads by FS base for the fast path (fsmap.go).
	fsmap fsMap
}

// slotRef is a thread slot: its index in the address space (its place
// above slotBase) and its global index in sysmsg.
type slotRef struct{ idx, g int }

func (s slotRef) addr() uint64 { return slotBase + uint64(s.idx)*slotSize }

// hostSyscall runs a host syscall in the address space: in the calling
// task's own stub thread if it has one here, else in the control thread.
func (as *addressSpace) hostSyscall(nr uint64, args ...uint64) (uint64, error) {
	if as.released.Load() {
		return 0, &errStubGone{"address space released"}
	}
	as.used.Store(true)
	if as.batching {
		var e batchEntry
		e[0] = nr
		copy(e[1:], args)
		as.queue = append(as.queue, e)
		return 0, nil
	}
	if v, ok := as.owners.Load(goid.Current()); ok {
		th := v.(*thread)
		if nr == unix.SYS_MMAP && th.deferCall(nr, args) {
			return 0, nil
		}
		return syscallResult(th.call(cmdSyscall, nr, args...))
	}
	as.flushPending()
	return syscallResult(as.ctl.call(cmdSyscall, nr, args...))
}

// deferCall queues a host call in the thread's slot, for its stub to
// make before the thread's next command, and reports whether it did. The
// mapping that serves a fault is then made as the thread returns to the
// application, with no round trip of its own. Only while the address
// space has this one thread, which alone could see the mapping missing
// (a new thread first makes the queued calls, see flushPending), and
// until a deferred call fails (the call that retries it then fails in
// the open). The stub makes queued calls before any other call, which
// keeps them in order.
func (th *thread) deferCall(nr uint64, args []uint64) bool {
	as := th.as
	if as.handedOut.Load() != 1 || as.noDefer.Load() {
		return false
	}
	h, b := th.h, th.mem[slBatch:slBatch+threadBatchMax*batchWords*8]
	for {
		n := atomic.LoadUint32(&h.pending)
		if n == 0 && th.queued > 0 {
			// The last queued calls are done (or were taken back,
			// which leaves them marked not run).
			for i := 0; i < th.queued; i++ {
				r := binary.LittleEndian.Uint64(b[i*batchWords*8+8*7:])
				if _, err := syscallResult(r, nil); err != nil && r != batchNotRun {
					as.noDefer.Store(true)
				}
			}
			th.queued = 0
			if as.noDefer.Load() {
				return false
			}
		}
		if n >= threadBatchMax {
			return false
		}
		var e batchEntry
		e[0] = nr
		copy(e[1:], args)
		putEntry(b[int(n)*batchWords*8:], e)
		as.deferred.Store(true)
		if atomic.CompareAndSwapUint32(&h.pending, n, n+1) {
			th.queued = int(n) + 1
			break
		}
	}
	if as.handedOut.Load() != 1 {
		// A thread came in meanwhile: make the calls now, unless it
		// took them.
		th.call(cmdBatch, 0, 0)
	}
	return true
}

// flushPending makes the calls queued in the thread slots, with the
// control thread, unless their stubs are making them; then it waits for
// those. It runs before a call from outside the threads' tasks, which
// must come after them, and before a new thread can run.
func (as *addressSpace) flushPending() {
	if !as.deferred.Load() {
		return
	}
	as.mu.Lock()
	slots := append([]slotRef(nil), as.slots...)
	as.mu.Unlock()
	for _, s := range slots {
		h, b := as.p.header(s.g), as.p.slotBytes(s.g)[slBatch:slBatch+threadBatchMax*batchWords*8]
		deadline := time.Now().Add(time.Second)
		for {
			n := atomic.LoadUint32(&h.pending)
			if n == 0 || n > threadBatchMax && n != pendingRunning {
				break
			}
			if n == pendingRunning {
				// The stub is making them (or the sentry, for a
				// call from elsewhere); the application can write
				// the word too, so not for ever.
				if time.Now().After(deadline) {
					break
				}
				runtime.Gosched()
				continue
			}
			ents := make([]batchEntry, n)
			for i := range ents {
				for j := range ents[i] {
					ents[i][j] = binary.LittleEndian.Uint64(b[i*batchWords*8+8*j:])
				}
			}
			if !atomic.CompareAndSwapUint32(&h.pending, n, pendingRunning) {
				continue
			}
			_, berr, err := as.ctl.callBatch(ents, cmdBatch, uint64(n))
			if berr != nil || err != nil {
				as.noDefer.Store(true)
			}
			atomic.StoreUint32(&h.pending, 0)
			break
		}
	}
}

// MapFile implements platform.AddressSpace.MapFile.
func (as *addressSpace) MapFile(addr uintptr, fd int, off uint64, length uint64, perms platform.AccessType) error {
	if fd != as.p.memfd {
		return fmt.Errorf("systrap: can only map the memory file, not fd %d", fd)
	}
	if end := addr + uintptr(length); end > StubAddr || end < addr {
		return fmt.Errorf("systrap: mapping %#x+%#x overlaps the stub", addr, length)
	}
	_, err := as.hostSyscall(unix.SYS_MMAP, uint64(addr), length, uint64(perms.Prot()),
		unix.MAP_SHARED|unix.MAP_FIXED, memFD, off)
	if err != nil {
		return fmt.Errorf("systrap: mmap %#x+%#x: %w", addr, length, err)
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
	as.hostSyscall(unix.SYS_MUNMAP, uint64(addr), length)
}

// Release implements platform.AddressSpace.Release: it kills the stub
// processes; their slots return to the pool once they are all gone and
// no context holds one of their threads.
func (as *addressSpace) Release() {
	if as.released.Swap(true) {
		return
	}
	if !as.used.Load() && as.p.keepUnused(as) {
		return
	}
	as.ctl.release()
	as.mu.Lock()
	as.closed = true
	slots := []int{as.ctl.g}
	for _, s := range as.slots {
		slots = append(slots, s.g)
	}
	as.mu.Unlock()
	// No task runs here any more: the exit that released the address
	// space need not wait for the signals to be sent.
	go as.kill()
	as.p.retire(as, slots)
}

// flush runs the queued calls q, all but the last keep of them, in
// batches.
func (as *addressSpace) flush(q []batchEntry, keep int) error {
	for len(q) > keep {
		n := min(len(q)-keep, batchMax)
		ret, berr, err := as.ctl.callBatch(q[:n], cmdBatch, uint64(n))
		if err == nil && berr == nil && ret != uint64(n) {
			berr = fmt.Errorf("systrap: batch ran %d of %d calls", ret, n)
		}
		if err != nil {
			return err
		}
		if berr != nil {
			return berr
		}
		q = q[n:]
	}
	return nil
}

// ForkAddressSpace implements mm.AddressSpaceForker: the new address
// space's process is a host fork of this one's, made by its control
// thread, so it starts with its mappings of the memory file, and the
// child's first accesses to them do not fault into the sentry. The
// MapFile and Unmap calls that before and child make are queued: the
// control thread makes before's and forks in one round trip (if they are
// not too many), and the child makes child's, up to batchMax of them, as
// it starts, before any of its code can run; their errors are ignored.
// The fork drops the parent's thread slots, and its parent is the
// master's (CLONE_PARENT), as for address spaces the master forks.
func (as *addressSpace) ForkAddressSpace(before, child func()) (platform.AddressSpace, error) {
	as.flushPending()
	as.batching = true
	before()
	pre := as.queue
	as.queue = nil
	child()
	cq := as.queue[:min(len(as.queue), batchMax)]
	as.queue = nil
	as.batching = false

	// What does not fit in the fork's batch goes in batches of its own.
	if err := as.flush(pre, min(len(pre), batchMax)); err != nil {
		return nil, err
	}
	pre = pre[max(len(pre)-batchMax, 0):]

	p := as.p
	g, g1, err := p.allocASSlots()
	if err != nil {
		return nil, err
	}
	putBatch(p.slotBytes(g), cq)
	first := slotRef{1, g1}
	initThreadSlot(p.header(g1), p.stubSpin)
	ret, berr, err := as.ctl.callBatch(pre, cmdFork, uint64(g)*slotSize, uint64(g1)*slotSize,
		forkCloneFlags|cloneParentFlag, uint64(len(pre)), uint64(len(cq)))
	var pid uint64
	if err == nil {
		pid, err = syscallResult(ret, nil)
	}
	if err != nil {
		// A stub that failed the clone (or a call before it) never
		// mapped the slots. One that is gone may have forked a child
		// that maps them: they are never used again.
		var gone *errStubGone
		if !errors.As(err, &gone) {
			p.retireNow(g)
			p.retireNow(g1)
		}
		if berr != nil && ret == negErrno(unix.ECANCELED) {
			err = berr
		}
		return nil, fmt.Errorf("systrap: fork address space: %w", err)
	}
	ctl, _ := newControl(p, g, int(pid))
	cas := &addressSpace{p: p, ctl: ctl, slots: []slotRef{first}, first: &first}
	cas.used.Store(true)
	as.mu.Lock()
	if len(as.copies) >= maxCopies {
		as.copies = inGroup(as.ctl.pid, as.copies, time.Time{})
	}
	as.copies = append(as.copies, int(pid))
	as.mu.Unlock()
	return cas, nil
}

// maxCopies bounds the copies an address space tracks before it drops
// those that have left its process group.
const maxCopies = 8

// copyGroupWait bounds how long kill waits for a copy to leave the
// process group: as_init moves it first thing.
const copyGroupWait = time.Second

// kill kills the address space's processes. A copy forked from it starts
// in its process group (CLONE_PARENT keeps the forker's group) and moves
// to a group of its own in as_init, so the group's kill waits until every
// copy has moved.
func (as *addressSpace) kill() {
	as.mu.Lock()
	copies := as.copies
	as.copies = nil
	as.mu.Unlock()
	// A copy that has not moved by the deadline is stuck, and goes too.
	inGroup(as.ctl.pid, copies, time.Now().Add(copyGroupWait))
	as.ctl.kill()
}

// inGroup returns the PIDs in pids that are still in process group pgid,
// waiting until the deadline (if any) for them to leave.
func inGroup(pgid int, pids []int, deadline time.Time) []int {
	rest := pids[:0]
	for _, pid := range pids {
		for {
			g, err := unix.Getpgid(pid)
			if err != nil || g != pgid {
				break
			}
			if deadline.IsZero() || time.Now().After(deadline) {
				rest = append(rest, pid)
				break
			}
			time.Sleep(50 * time.Microsecond)
		}
	}
	return rest
}

// allocSlot finds a slot for a new thread: a free one whose last thread
// has exited (the kernel then clears its state word), or a new one, which
// fresh says still needs mapping into the process.
func (as *addressSpace) allocSlot() (s slotRef, fresh bool, err error) {
	as.mu.Lock()
	defer as.mu.Unlock()
	if as.closed {
		return slotRef{}, false, &errStubGone{"address space released"}
	}
	for i, s := range as.free {
		if atomic.LoadUint32(&as.p.header(s.g).state) == 0 {
			as.free = append(as.free[:i], as.free[i+1:]...)
			return s, false, nil
		}
	}
	idx := len(as.slots) + 1
	if idx >= maxSlots {
		return slotRef{}, false, fmt.Errorf("systrap: too many threads in one address space")
	}
	g, err := as.p.allocSlot()
	if err != nil {
		return slotRef{}, false, err
	}
	s = slotRef{idx, g}
	as.slots = append(as.slots, s)
	return s, true, nil
}

func (as *addressSpace) freeSlot(s slotRef) {
	as.mu.Lock()
	as.free = append(as.free, s)
	as.mu.Unlock()
}

// initThreadSlot prepares the header of a slot for a new thread.
func initThreadSlot(h *slotHeader, spin int) {
	h.setbase = 0
	h.spin = uint64(spin)
	h.tid = 0
	// Calls a thread that died left queued are dropped: they only
	// map pages, which fault in again. If the sentry is making them
	// (flushPending), that ends first.
	for deadline := time.Now().Add(time.Second); ; runtime.Gosched() {
		n := atomic.LoadUint32(&h.pending)
		if n == pendingRunning && time.Now().Before(deadline) {
			continue
		}
		if atomic.CompareAndSwapUint32(&h.pending, n, 0) {
			break
		}
	}
	// The state word is the stub's until the thread first traps; the
	// kernel clears it if the thread dies.
	atomic.StoreUint32(&h.state, stStub)
}

// newThread starts a stub thread (or takes the address space's first)
// and waits until it is in its handler.
func (as *addressSpace) newThread(spin int) (*thread, error) {
	as.used.Store(true)
	// No more deferred calls, and none left before the thread runs.
	as.handedOut.Add(1)
	as.flushPending()
	as.mu.Lock()
	first := as.first
	as.first = nil
	as.mu.Unlock()
	var s slotRef
	if first != nil {
		s = *first
	} else {
		var fresh bool
		var err error
		s, fresh, err = as.allocSlot()
		if err != nil {
			return nil, err
		}
		initThreadSlot(as.p.header(s.g), spin)
		off := noMap
		if fresh {
			off = uint64(s.g) * slotSize
		}
		if _, err := syscallResult(as.ctl.call(cmdNewThread, 0, s.addr(), off)); err != nil {
			as.freeSlot(s)
			return nil, fmt.Errorf("systrap: new stub thread: %w", err)
		}
	}
	th := &thread{as: as, slot: s, h: as.p.header(s.g), mem: as.p.slotBytes(s.g), base: s.addr(),
		cmdSpin: newSpinBudget(as.p.cmdSpin)}
	// Its first trap (an int3 in thread_start) says it is ready; it has
	// written its thread ID by then.
	if _, err := th.h.waitSentry(as.p.cmdSpin, func() error { return as.ctl.alive() }); err != nil {
		as.freeSlot(s)
		return nil, err
	}
	th.tid = int(atomic.LoadUint32(&th.h.tid))
	th.fast = as.p.mapThread(th) && th.initFast()
	return th, nil
}

// thread is a stub thread, owned by one context.
type thread struct {
	as   *addressSpace
	slot slotRef
	h    *slotHeader
	mem  []byte // the slot, as the sentry sees it
	base uint64 // the slot's address in the stub
	tid  int
	// fsbase and gsbase are the thread's bases on the host.
	fsbase, gsbase uint64
	// cmdSpin is the sentry's spin budget for the thread's commands
	// (mmap and munmap, which can take long).
	cmdSpin spinBudget
	// queued is how many calls the sentry last queued in the slot.
	queued int
	// fast is set if the thread can take fast system calls.
	fast bool
}

func (th *thread) alive() error {
	if th.as.released.Load() {
		return &errStubGone{"address space released"}
	}
	if err := unix.Tgkill(th.tid, th.tid, 0); err == unix.ESRCH {
		return &errStubGone{fmt.Sprintf("thread %d exited", th.tid)}
	}
	return th.as.ctl.alive()
}

// call runs a command in the thread, which is in its handler.
func (th *thread) call(cmd, nr uint64, args ...uint64) (uint64, error) {
	if th.as.released.Load() {
		return 0, &errStubGone{"address space released"}
	}
	h := th.h
	h.cmd, h.sysno = cmd, nr
	for i := range h.args {
		h.args[i] = 0
	}
	copy(h.args[:], args)
	h.handToStub()
	slept, err := h.waitSentry(th.cmdSpin.get(), th.alive)
	if err != nil {
		return 0, err
	}
	th.cmdSpin.update(slept)
	return h.ret, nil
}

// exit ends the thread; its slot is reusable once the kernel has cleared
// the state word.
func (th *thread) exit() {
	if !th.as.released.Load() {
		th.h.cmd = cmdExit
		th.h.handToStub()
		th.setFSBase(0)
	}
	th.as.freeSlot(th.slot)
}
