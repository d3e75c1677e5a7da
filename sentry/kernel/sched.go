package kernel

import (
	"runtime"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/mm"
)

// cpuMaskBytes is the size of the kernel's cpumask: 1024 CPUs.
const cpuMaskBytes = 128

// affinity is a task's CPU mask. The sentry does not pin threads; the
// mask is what the task asked for, and getcpu reports a CPU in it.
type affinity struct {
	mu   sync.Mutex
	mask []byte
}

// allCPUs is the mask of every CPU the sandbox has.
func allCPUs() []byte {
	m := make([]byte, cpuMaskBytes)
	for i := 0; i < runtime.NumCPU() && i < cpuMaskBytes*8; i++ {
		m[i/8] |= 1 << (i % 8)
	}
	return m
}

// Affinity returns the task's CPU mask.
func (t *Task) Affinity() []byte {
	t.aff.mu.Lock()
	defer t.aff.mu.Unlock()
	if t.aff.mask == nil {
		return allCPUs()
	}
	return append([]byte(nil), t.aff.mask...)
}

// SetAffinity sets the task's CPU mask to mask ∩ online CPUs, which must
// not be empty (EINVAL is the caller's to return).
func (t *Task) SetAffinity(mask []byte) bool {
	all := allCPUs()
	m := make([]byte, cpuMaskBytes)
	any := false
	for i := range m {
		if i < len(mask) {
			m[i] = mask[i] & all[i]
		}
		if m[i] != 0 {
			any = true
		}
	}
	if !any {
		return false
	}
	t.aff.mu.Lock()
	t.aff.mask = m
	t.aff.mu.Unlock()
	return true
}

// CPU returns the CPU the task reports running on: the first in its mask.
func (t *Task) CPU() int {
	m := t.Affinity()
	for i, b := range m {
		for j := 0; j < 8; j++ {
			if b&(1<<j) != 0 {
				return i*8 + j
			}
		}
	}
	return 0
}

// Scheduling policies the kernel itself treats specially.
const (
	schedNormal   = 0
	SchedFIFO     = 1
	SchedRR       = 2
	SchedDeadline = 6
)

// SchedAttr is a task's scheduling state as sched_setattr(2) sets it.
// The sentry keeps what the task set; the host schedules stub threads.
type SchedAttr struct {
	Policy int
	// Priority is the static priority of SCHED_FIFO and SCHED_RR.
	Priority int
	// Nice is the nice value, kept under every policy.
	Nice int
	// ResetOnFork is SCHED_RESET_ON_FORK: children start without a
	// real-time or deadline policy and without a negative nice value.
	ResetOnFork bool
	// Slice is the time slice a fair task asked for, in ns; 0 is the
	// default.
	Slice uint64
	// Deadline holds SCHED_DEADLINE's parameters.
	Deadline DeadlineParams
}

// DeadlineParams are a deadline task's runtime, deadline and period in ns
// and its SCHED_FLAG_RECLAIM/SCHED_FLAG_DL_OVERRUN flags.
type DeadlineParams struct {
	Runtime, Deadline, Period uint64
	Flags                     uint64
}

// schedState guards a task's SchedAttr.
type schedState struct {
	mu sync.Mutex
	SchedAttr
}

// SchedAttr returns the task's scheduling state.
func (t *Task) SchedAttr() SchedAttr {
	t.sched.mu.Lock()
	defer t.sched.mu.Unlock()
	return t.sched.SchedAttr
}

// SetSchedAttr replaces the task's scheduling state.
func (t *Task) SetSchedAttr(a SchedAttr) {
	t.sched.mu.Lock()
	t.sched.SchedAttr = a
	t.sched.mu.Unlock()
}

// SchedPolicy returns the policy and its static priority.
func (t *Task) SchedPolicy() (int, int) {
	a := t.SchedAttr()
	return a.Policy, a.Priority
}

// childSched is the scheduling state a new thread or process starts
// with, as Linux's sched_fork: the parent's, except that with
// reset-on-fork a real-time or deadline policy becomes SCHED_OTHER at
// nice 0, a negative nice value becomes 0, and the flag goes. A deadline
// task without reset-on-fork may not fork at all (EAGAIN): its
// bandwidth is its own.
func (t *Task) childSched() (SchedAttr, error) {
	a := t.SchedAttr()
	if !a.ResetOnFork {
		if a.Policy == SchedDeadline {
			return a, unix.EAGAIN
		}
		return a, nil
	}
	switch a.Policy {
	case SchedFIFO, SchedRR, SchedDeadline:
		a.Policy, a.Priority, a.Nice = schedNormal, 0, 0
		a.Deadline = DeadlineParams{}
	default:
		a.Nice = max(a.Nice, 0)
	}
	a.ResetOnFork = false
	return a, nil
}

// Nice returns the nice value.
func (t *Task) Nice() int {
	t.sched.mu.Lock()
	defer t.sched.mu.Unlock()
	return t.sched.Nice
}

// SetNice sets the nice value.
func (t *Task) SetNice(n int) {
	t.sched.mu.Lock()
	t.sched.Nice = n
	t.sched.mu.Unlock()
}

// MemPolicy returns the thread's NUMA memory policy, nil for the
// default. A thread keeps it across execve and passes it to the threads
// and processes it creates.
func (t *Task) MemPolicy() *mm.Policy { return t.memPolicy.Load() }

// SetMemPolicy sets the thread's NUMA memory policy (nil: the default).
func (t *Task) SetMemPolicy(p *mm.Policy) { t.memPolicy.Store(p) }
