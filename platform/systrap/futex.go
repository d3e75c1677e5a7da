package systrap

import (
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// spinPause executes one PAUSE instruction.
func spinPause()

const (
	futexWait = 0 // shared, not FUTEX_PRIVATE_FLAG: the word is in a memfd
	futexWake = 1
)

// futexWaitTimeout sleeps while *addr == val, for at most d. Spurious
// returns are fine: callers loop.
func futexWaitTimeout(addr *uint32, val uint32, d time.Duration) unix.Errno {
	ts := unix.NsecToTimespec(int64(d))
	_, _, e := unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), futexWait, uintptr(val),
		uintptr(unsafe.Pointer(&ts)), 0, 0)
	return e
}

func futexWakeOne(addr *uint32) {
	unix.RawSyscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), futexWake, 1, 0, 0, 0)
}

// handToStub gives the slot to the stub, whose command is in place. It
// reports whether the stub was asleep, having spun in vain.
func (h *slotHeader) handToStub() (slept bool) {
	atomic.StoreUint32(&h.state, stStub)
	if atomic.LoadUint32(&h.stubWaiting) != 0 {
		futexWakeOne(&h.state)
		return true
	}
	return false
}

// errStubGone is returned when the stub thread serving a slot is dead or
// stops answering.
type errStubGone struct{ why string }

func (e *errStubGone) Error() string { return "systrap: stub " + e.why }

// waitSentry waits until the stub hands the slot back: it spins for spin
// rounds, then sleeps on the futex. Every second of sleep it asks alive
// whether to go on waiting. It reports whether it had to sleep.
func (h *slotHeader) waitSentry(spin int, alive func() error) (slept bool, err error) {
	for i := 0; i < spin; i++ {
		if atomic.LoadUint32(&h.state) == stSentry {
			return false, nil
		}
		spinPause()
	}
	for {
		atomic.StoreUint32(&h.sentryWaiting, 1)
		v := atomic.LoadUint32(&h.state)
		if v == stSentry {
			break
		}
		if v == 0 {
			// The kernel clears the word when the thread exits.
			atomic.StoreUint32(&h.sentryWaiting, 0)
			return true, &errStubGone{"thread exited"}
		}
		if e := futexWaitTimeout(&h.state, v, time.Second); e == unix.ETIMEDOUT {
			if err := alive(); err != nil {
				atomic.StoreUint32(&h.sentryWaiting, 0)
				return true, err
			}
		}
	}
	atomic.StoreUint32(&h.sentryWaiting, 0)
	return true, nil
}

// minSpin is the least spin budget, in rounds of PAUSE; probeEvery is how
// often a budget that went down is tried at full size again.
const (
	minSpin    = 16
	probeEvery = 16
)

// spinBudget is a spin budget that adapts: spinning pays only when the
// other side answers within it, which it does not when the host is busy
// or the application computes for long between traps. One late answer
// (an interrupt, a page-cache miss) says little, and halving the budget
// on it made the next waits sleep too, each paying a host wake-up; so the
// budget shrinks only after two waits in a row slept.
type spinBudget struct {
	cur, max, n int
	// misses counts the waits in a row that slept.
	misses int
}

func newSpinBudget(max int) spinBudget { return spinBudget{cur: max, max: max} }

// get returns the budget for the next wait.
func (b *spinBudget) get() int {
	b.n++
	if b.cur < b.max && b.n%probeEvery == 0 {
		return b.max
	}
	return b.cur
}

// update records whether the last wait had to sleep.
func (b *spinBudget) update(slept bool) {
	if !slept {
		b.cur, b.misses = b.max, 0
		return
	}
	b.misses++
	if b.misses >= 2 {
		b.cur = max(b.cur/2, min(minSpin, b.max))
	}
}
