package kernel

import (
	"runtime"
	"sync"

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

// schedState is a task's scheduling policy, priority and nice value. The
// sentry keeps what the task set; the host schedules stub threads.
type schedState struct {
	mu     sync.Mutex
	policy int
	prio   int
	nice   int
}

// SchedPolicy returns the policy and its static priority.
func (t *Task) SchedPolicy() (int, int) {
	t.sched.mu.Lock()
	defer t.sched.mu.Unlock()
	return t.sched.policy, t.sched.prio
}

// SetSchedPolicy records a policy and priority.
func (t *Task) SetSchedPolicy(policy, prio int) {
	t.sched.mu.Lock()
	t.sched.policy, t.sched.prio = policy, prio
	t.sched.mu.Unlock()
}

// Nice returns the nice value.
func (t *Task) Nice() int {
	t.sched.mu.Lock()
	defer t.sched.mu.Unlock()
	return t.sched.nice
}

// SetNice sets the nice value.
func (t *Task) SetNice(n int) {
	t.sched.mu.Lock()
	t.sched.nice = n
	t.sched.mu.Unlock()
}

// MemPolicy returns the thread's NUMA memory policy, nil for the
// default. A thread keeps it across execve and passes it to the threads
// and processes it creates.
func (t *Task) MemPolicy() *mm.Policy { return t.memPolicy.Load() }

// SetMemPolicy sets the thread's NUMA memory policy (nil: the default).
func (t *Task) SetMemPolicy(p *mm.Policy) { t.memPolicy.Store(p) }
