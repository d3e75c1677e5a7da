package kernel

import (
	"sync"
	"time"

	"github.com/moat-dev/moat/platform/goid"
)

// Read-only accessors for /proc, and the map from task goroutines to
// their tasks, which lets /proc/self and the drivers know their caller.

// taskGoroutines maps each task goroutine (goid.Current) to its task.
var taskGoroutines sync.Map // uintptr -> *Task

// RegisterGoroutine records that the calling goroutine runs t. It must
// be called on t's goroutine before t runs application code.
func (t *Task) RegisterGoroutine() {
	taskGoroutines.Store(goid.Current(), t)
}

// UnregisterGoroutine forgets the calling goroutine, when it ends: the
// runtime reuses goroutine descriptors.
func (t *Task) UnregisterGoroutine() {
	taskGoroutines.CompareAndDelete(goid.Current(), t)
}

// TaskForGoroutine returns the task of k whose goroutine is the caller,
// or nil if the caller is not a registered task goroutine.
func (k *Kernel) TaskForGoroutine() *Task {
	v, ok := taskGoroutines.Load(goid.Current())
	if !ok {
		return nil
	}
	t := v.(*Task)
	if t.k != k {
		return nil
	}
	return t
}

// BootTime returns when the kernel started.
func (k *Kernel) BootTime() time.Time { return k.start }

// LastPID returns the most recently allocated thread ID.
func (k *Kernel) LastPID() int32 {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.nextTID - 1
}

// NumTasks returns the number of live tasks.
func (k *Kernel) NumTasks() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.tasks)
}

// StartTime returns when the task was created; the zero time if unknown.
func (t *Task) StartTime() time.Time { return t.startTime }

// IsLeader reports whether t leads its thread group.
func (t *Task) IsLeader() bool { return t.tg.Leader() == t }

// TaskPendingSignals returns the signals pending for t alone.
func (t *Task) TaskPendingSignals() uint64 {
	t.k.sigMu.Lock()
	defer t.k.sigMu.Unlock()
	return t.pending.pending
}

// SharedPendingSignals returns the signals pending for the whole group.
func (tg *ThreadGroup) SharedPendingSignals() uint64 {
	tg.k.sigMu.Lock()
	defer tg.k.sigMu.Unlock()
	return tg.pending.pending
}

// QueuedSignals returns how many signals are queued to the group and its
// tasks.
func (tg *ThreadGroup) QueuedSignals() int {
	// k.mu comes before sigMu in the lock order.
	tasks := tg.Tasks()
	tg.k.sigMu.Lock()
	defer tg.k.sigMu.Unlock()
	n := len(tg.pending.infos)
	for _, t := range tasks {
		n += len(t.pending.infos)
	}
	return n
}

// SignalDispositions returns the sets of signals the group ignores
// (SIG_IGN) and catches (a handler), as bit masks with bit sig-1.
func (tg *ThreadGroup) SignalDispositions() (ignored, caught uint64) {
	tg.k.sigMu.Lock()
	defer tg.k.sigMu.Unlock()
	if tg.handlers == nil {
		return 0, 0
	}
	for sig := 1; sig <= NumSignals; sig++ {
		switch tg.handlers.actions[sig].Handler {
		case sigDFL:
		case sigIGN:
			ignored |= sigBit(sig)
		default:
			caught |= sigBit(sig)
		}
	}
	return ignored, caught
}

// ExitSignal returns the signal the group sends its parent at exit.
func (tg *ThreadGroup) ExitSignal() int {
	tg.k.mu.Lock()
	defer tg.k.mu.Unlock()
	return tg.exitSignal
}

// WaitStatus returns the wait(2) status of a zombie group, and false for
// a live one.
func (tg *ThreadGroup) WaitStatus() (uint32, bool) {
	tg.k.mu.Lock()
	defer tg.k.mu.Unlock()
	return tg.waitStatus, tg.zombie
}

// Stopped reports whether the group is in a job-control stop.
func (tg *ThreadGroup) Stopped() bool {
	tg.k.sigMu.Lock()
	defer tg.k.sigMu.Unlock()
	return tg.job.stopped
}
