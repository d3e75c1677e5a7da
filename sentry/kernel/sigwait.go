package kernel

import (
	"time"

	"github.com/moat-dev/moat/sentry/arch"
	"github.com/moat-dev/moat/sentry/waiter"
)

// Taking signals synchronously: rt_sigtimedwait and signalfd.

// DequeueSignal removes the lowest pending signal in set from the task's
// or its process's queue, whether or not it is blocked.
func (t *Task) DequeueSignal(set uint64) (arch.SigInfo, bool) {
	k := t.k
	k.sigMu.Lock()
	defer k.sigMu.Unlock()
	info, ok := t.pending.dequeue(^set)
	if !ok {
		info, ok = t.tg.pending.dequeue(^set)
	}
	if ok && info.Code == SI_TIMER {
		t.tg.timerSignalDelivered(&info)
	}
	return info, ok
}

// PendingIn reports whether a signal in set is pending for the task.
func (t *Task) PendingIn(set uint64) bool {
	return t.PendingSignals()&set != 0
}

// SignalQueue is notified (EventIn) when a signal is queued for the task
// or its process, for signalfd.
func (t *Task) SignalQueue() *waiter.Queue { return &t.sigQueueWaiters }

// notifySignalWaiters wakes signalfd waiters of tasks that may see a new
// signal.
func (t *Task) notifySignalWaiters() { t.sigQueueWaiters.Notify(waiter.EventIn) }

// SigTimedWait waits up to timeout (negative: forever) for a signal in
// set and takes it. It returns ErrTimedOut or ErrInterrupted (for a
// signal outside set) on failure.
func (t *Task) SigTimedWait(set uint64, timeout time.Duration) (arch.SigInfo, error) {
	set &^= unblockable
	k := t.k
	if info, ok := t.DequeueSignal(set); ok {
		return info, nil
	}
	if timeout == 0 {
		return arch.SigInfo{}, ErrTimedOut
	}
	// While waiting, the signals in set are unblocked so that their
	// arrival interrupts the wait (Linux's real_blocked).
	k.sigMu.Lock()
	old := t.sigMask
	t.realBlocked = old
	t.sigMask &^= set
	k.sigMu.Unlock()
	defer func() {
		k.sigMu.Lock()
		t.sigMask = old
		t.realBlocked = 0
		k.sigMu.Unlock()
	}()
	var timer <-chan time.Time
	if timeout > 0 {
		tm := time.NewTimer(timeout)
		defer tm.Stop()
		timer = tm.C
	}
	for {
		if info, ok := t.DequeueSignal(set); ok {
			return info, nil
		}
		err := t.BlockTimeout(nil, timer)
		if info, ok := t.DequeueSignal(set); ok {
			return info, nil
		}
		if err != nil {
			return arch.SigInfo{}, err
		}
	}
}
