package kernel

import (
	"time"

	"github.com/moat-dev/moat/platform"
	"github.com/moat-dev/moat/sentry/mm"
)

// CPU time. A task's user time is the CPU time its stub thread spent in
// application code, as the platform measures it; its system time is the
// time the sentry spent serving it, less the time it was blocked (task
// goroutines move between OS threads, so no thread's CPU clock is the
// task's own).

// CPUUsage is user and system CPU time, the page faults the sentry
// served (minor faults: the sandbox reads no page from a disk of its own
// when it serves one) and the times the task waited (voluntary context
// switches), which getrusage, wait4 and /proc report together.
type CPUUsage struct {
	User, Sys time.Duration
	MinFlt    uint64
	NVCSw     uint64
}

// Add returns the sum.
func (u CPUUsage) Add(o CPUUsage) CPUUsage {
	return CPUUsage{u.User + o.User, u.Sys + o.Sys, u.MinFlt + o.MinFlt, u.NVCSw + o.NVCSw}
}

// Total returns user plus system time.
func (u CPUUsage) Total() time.Duration { return u.User + u.Sys }

// CPUUsage returns the task's CPU time so far.
func (t *Task) CPUUsage() CPUUsage {
	var u CPUUsage
	if c, ok := t.ctx.(platform.CPUClock); ok {
		u.User = c.CPUTime()
	}
	u.Sys = time.Duration(t.sysNanos.Load())
	u.MinFlt = t.faults.Load()
	u.NVCSw = t.nvcsw.Load()
	return u
}

// CPUUsage returns the CPU time of the whole process: live threads and
// those that have exited.
func (tg *ThreadGroup) CPUUsage() CPUUsage {
	return sumThreads(tg, &tg.exitedCPU, (*Task).CPUUsage)
}

// sumThreads adds up of over the process's live threads, starting from
// *exited, what its exited threads had (guarded by k.mu).
func sumThreads[T interface{ Add(T) T }](tg *ThreadGroup, exited *T, of func(*Task) T) T {
	tg.k.mu.Lock()
	sum := *exited
	tasks := make([]*Task, 0, len(tg.tasks))
	for t := range tg.tasks {
		tasks = append(tasks, t)
	}
	tg.k.mu.Unlock()
	for _, t := range tasks {
		sum = sum.Add(of(t))
	}
	return sum
}

// MaxRSSKB returns ru_maxrss of the process, in KiB: the peak resident
// size of m, its address space, or of one it had before an execve.
func (tg *ThreadGroup) MaxRSSKB(m *mm.MemoryManager) uint64 {
	kb := m.PeakResidentPages() * 4
	tg.k.mu.Lock()
	defer tg.k.mu.Unlock()
	return max(kb, tg.maxRSSKB)
}

// ChildrenMaxRSSKB returns the largest resident size, in KiB, of the
// reaped children and their reaped descendants.
func (tg *ThreadGroup) ChildrenMaxRSSKB() uint64 {
	tg.k.mu.Lock()
	defer tg.k.mu.Unlock()
	return tg.childrenMaxRSSKB
}

// ChildrenCPUUsage returns the CPU time of reaped children and their
// reaped descendants (RUSAGE_CHILDREN).
func (tg *ThreadGroup) ChildrenCPUUsage() CPUUsage {
	tg.k.mu.Lock()
	defer tg.k.mu.Unlock()
	return tg.childrenCPU
}
