package kernel

import (
	"sync"
	"sync/atomic"

	"github.com/moat-dev/moat/sentry/arch"
	"github.com/moat-dev/moat/sentry/mm"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/waiter"
)

// ThreadGroup is a process: the tasks that share a PID.
type ThreadGroup struct {
	k  *Kernel
	ID int32

	// Guarded by k.mu.
	leader   *Task
	tasks    map[*Task]struct{}
	parent   *ThreadGroup
	children map[*ThreadGroup]struct{}
	// parentThread is the thread of parent that created the process
	// (Linux's real_parent): when it exits, even with its process
	// living on, the parent-death signal fires. nil if unknown.
	parentThread *Task
	pgid         int32
	sid          int32
	zombie       bool
	// reaped is set once the process has been waited for (or reaped
	// automatically) and its ID freed; pidfds hang up then.
	reaped bool
	// waitStatus is the wait(2) status once the group has exited.
	waitStatus uint32
	// exitSignal is sent to the parent at exit (SIGCHLD normally).
	exitSignal int
	// execed is set once the process has called execve, after which
	// its parent may no longer change its process group.
	execed bool
	// subreaper adopts orphaned descendants (PR_SET_CHILD_SUBREAPER).
	subreaper bool
	// dumpable is PR_SET_DUMPABLE's value.
	dumpable int32
	// ChildEvents is notified when a child changes state.
	ChildEvents waiter.Queue
	// pidfdEvents is notified when the process exits and when it is
	// reaped, for pidfds.
	pidfdEvents waiter.Queue
	// pidfdIno is the inode number its pidfds show, set on first use.
	pidfdIno atomic.Uint64

	// Guarded by k.sigMu.
	handlers *SignalHandlers
	pending  sigQueue
	// exiting is set by exit_group or a fatal signal; groupStatus is the
	// status every task exits with.
	exiting     bool
	groupStatus uint32
	job         jobState

	limitsMu sync.Mutex
	limits   Limits

	// oomScoreAdj is /proc/[pid]/oom_score_adj, inherited on fork.
	oomScoreAdj atomic.Int32

	// exitedCPU is the CPU time of exited threads; childrenCPU that of
	// reaped children. Guarded by k.mu.
	exitedCPU, childrenCPU CPUUsage
	// exitedIO is the I/O of exited threads. Guarded by k.mu.
	exitedIO IOAccounting
	// maxRSSKB is the largest resident size the process's address
	// spaces had when dropped (at exit or exec); childrenMaxRSSKB the
	// largest of reaped children and their reaped descendants
	// (RUSAGE_CHILDREN's ru_maxrss). Guarded by k.mu.
	maxRSSKB, childrenMaxRSSKB uint64

	timersMu    sync.Mutex
	itimers     [3]*IntervalTimer
	posixTimers map[int32]*PosixTimer
}

// Leader returns the thread group leader.
func (tg *ThreadGroup) Leader() *Task {
	tg.k.mu.Lock()
	defer tg.k.mu.Unlock()
	return tg.leader
}

// Tasks returns the live tasks.
func (tg *ThreadGroup) Tasks() []*Task {
	tg.k.mu.Lock()
	defer tg.k.mu.Unlock()
	out := make([]*Task, 0, len(tg.tasks))
	for t := range tg.tasks {
		out = append(out, t)
	}
	return out
}

// Parent returns the parent process, nil for init.
func (tg *ThreadGroup) Parent() *ThreadGroup {
	tg.k.mu.Lock()
	defer tg.k.mu.Unlock()
	return tg.parent
}

// PPID returns the parent's PID, 0 for init.
func (tg *ThreadGroup) PPID() int32 {
	if p := tg.Parent(); p != nil {
		return p.ID
	}
	return 0
}

// PGID returns the process group ID.
func (tg *ThreadGroup) PGID() int32 { tg.k.mu.Lock(); defer tg.k.mu.Unlock(); return tg.pgid }

// SID returns the session ID.
func (tg *ThreadGroup) SID() int32 { tg.k.mu.Lock(); defer tg.k.mu.Unlock(); return tg.sid }

// IsZombie reports whether the group has exited and awaits reaping.
func (tg *ThreadGroup) IsZombie() bool { tg.k.mu.Lock(); defer tg.k.mu.Unlock(); return tg.zombie }

// Limits returns a copy of the resource limits.
func (tg *ThreadGroup) Limits() Limits {
	tg.limitsMu.Lock()
	defer tg.limitsMu.Unlock()
	return tg.limits
}

// Limit returns one resource limit.
func (tg *ThreadGroup) Limit(r int) Rlimit {
	tg.limitsMu.Lock()
	defer tg.limitsMu.Unlock()
	return tg.limits[r]
}

// SetLimit sets one limit, returning the old one.
func (tg *ThreadGroup) SetLimit(r int, l Rlimit, privileged bool) (Rlimit, error) {
	tg.limitsMu.Lock()
	defer tg.limitsMu.Unlock()
	old := tg.limits[r]
	if l.Cur > l.Max {
		return old, unix.EINVAL
	}
	if l.Max > old.Max && !privileged {
		return old, unix.EPERM
	}
	if r == RlimitNofile && l.Max > NrOpen {
		return old, unix.EPERM
	}
	tg.limits[r] = l
	return old, nil
}

// Wait status encoding.

// WaitStatusExited is the status of a normal exit.
func WaitStatusExited(code int) uint32 { return uint32(code&0xff) << 8 }

// WaitStatusSignaled is the status of a death by signal.
func WaitStatusSignaled(sig int, core bool) uint32 {
	s := uint32(sig & 0x7f)
	if core {
		s |= 0x80
	}
	return s
}

// groupExit makes every task of the group exit with status.
func (tg *ThreadGroup) groupExit(status uint32) {
	tg.k.sigMu.Lock()
	if tg.exiting {
		tg.k.sigMu.Unlock()
		return
	}
	tg.exiting = true
	tg.groupStatus = status
	tg.k.sigMu.Unlock()
	for _, t := range tg.Tasks() {
		t.killed.Store(true)
		t.Interrupt()
	}
}

// exit runs on the task's goroutine when it ends.
func (t *Task) exit() {
	k := t.k
	// The thread ID goes first, so that once a joiner sees the cleared
	// TID below, tgkill on it fails with ESRCH.
	k.mu.Lock()
	delete(k.tasks, t.ID)
	k.mu.Unlock()
	t.exitRobustList()
	if t.clearChildTID != 0 {
		var zero [4]byte
		if _, err := t.CopyOut(t.clearChildTID, zero[:]); err == nil {
			k.futexes.wake(keyFor(t.MM(), t.clearChildTID, false), 1, ^uint32(0))
		}
	}
	usage := t.CPUUsage()
	if t.ctx != nil {
		t.ctx.Release()
	}
	t.fds.decRef()
	t.fs.decRef(t.k.VFS)
	t.releaseMM()
	if t.vforkDone != nil {
		close(t.vforkDone)
		t.vforkDone = nil
	}

	k.sigMu.Lock()
	status := WaitStatusExited(t.exitCode)
	if t.tg.exiting {
		status = t.tg.groupStatus
	}
	k.sigMu.Unlock()

	k.mu.Lock()
	tg := t.tg
	tg.exitedCPU = tg.exitedCPU.Add(usage)
	tg.exitedIO = tg.exitedIO.Add(t.IO())
	delete(tg.tasks, t)
	delete(k.tasks, t.ID)
	t.threadExited = true
	if len(tg.tasks) > 0 {
		// The process lives on, and another of its threads takes
		// over the children this one created; for them, their
		// parent died.
		heir := tg.leader
		if _, ok := tg.tasks[heir]; !ok {
			for o := range tg.tasks {
				heir = o
				break
			}
		}
		var adopted []*ThreadGroup
		for c := range tg.children {
			if c.parentThread == t {
				c.parentThread = heir
				adopted = append(adopted, c)
			}
		}
		k.mu.Unlock()
		// Thread pidfds of t see it gone.
		tg.pidfdEvents.Notify(waiter.EventIn | waiter.EventHUp)
		t.sendParentDeath(adopted)
		return
	}
	// System V semaphore undo runs before the parent can see the exit,
	// with no kernel lock held.
	k.mu.Unlock()
	tg.runIPCExitHook()
	k.SessionLeaderExited(tg)
	k.mu.Lock()
	tg.waitStatus = status
	tg.zombie = true
	go tg.stopTimers()
	init := k.init
	// Orphans go to the nearest living subreaper above, else to init.
	reaper := init
	for a := tg.parent; a != nil; a = a.parent {
		if a.subreaper && !a.zombie && len(a.tasks) > 0 {
			reaper = a
			break
		}
	}
	var orphans, zombies, released []*ThreadGroup
	reaperIgnores, reaperQuiet := false, false
	if reaper != nil {
		k.sigMu.Lock()
		act := reaper.handlers.actions[unix.SIGCHLD]
		k.sigMu.Unlock()
		reaperIgnores = act.Handler == sigIGN || act.Flags&saNoCldWait != 0
		reaperQuiet = act.Handler == sigIGN
	}
	for c := range tg.children {
		delete(tg.children, c)
		orphans = append(orphans, c)
		if reaper != nil && reaper != tg {
			c.parent = reaper
			c.parentThread = reaper.leader
			// As in Linux, an adopted child reports with SIGCHLD,
			// whatever its exit signal was.
			c.exitSignal = int(unix.SIGCHLD)
			if c.zombie && reaperIgnores {
				// Already dead, for a reaper that reaps
				// automatically: gone at once.
				c.releaseLocked()
				released = append(released, c)
			} else {
				reaper.children[c] = struct{}{}
			}
			if c.zombie && !reaperQuiet {
				zombies = append(zombies, c)
			}
		} else {
			c.parent, c.parentThread = nil, nil
		}
	}
	parent := tg.parent
	isInit := tg == init
	quiet := false
	if parent != nil {
		parent.k.sigMu.Lock()
		act := parent.handlers.actions[unix.SIGCHLD]
		parent.k.sigMu.Unlock()
		if tg.exitSignal == int(unix.SIGCHLD) && (act.Handler == sigIGN || act.Flags&saNoCldWait != 0) {
			// Reaped at once. With SA_NOCLDWAIT and a handler, the
			// parent still gets its SIGCHLD.
			quiet = act.Handler == sigIGN
			delete(parent.children, tg)
			tg.releaseLocked()
			released = append(released, tg)
		}
	}
	k.mu.Unlock()
	tg.pidfdEvents.Notify(waiter.EventIn)
	for _, r := range released {
		r.notifyReaped()
	}

	t.sendParentDeath(orphans)
	// A child that was already a zombie is reported to its new parent
	// now, as its death would have been.
	for _, c := range zombies {
		reaper.sendSignal(childSigInfo(c, c.waitStatus), false)
	}
	for _, c := range orphans {
		if reaper != nil && c.IsZombie() {
			reaper.ChildEvents.Notify(waiter.EventIn)
		}
	}
	if parent != nil {
		if tg.exitSignal > 0 && !quiet {
			parent.sendSignal(childSigInfo(tg, status), false)
		}
		parent.ChildEvents.Notify(waiter.EventIn)
	}
	if isInit {
		// The sandbox ends with its init process.
		k.exitStatus = status
		for _, other := range k.ThreadGroups() {
			if other != tg {
				other.groupExit(WaitStatusSignaled(int(unix.SIGKILL), false))
			}
		}
		close(k.done)
	}
}

// sendParentDeath sends their parent-death signals to the threads of
// children, whose parent thread t is exiting. As in Linux, the signal
// looks sent by t's process (SI_USER, its PID and UID).
func (t *Task) sendParentDeath(children []*ThreadGroup) {
	for _, c := range children {
		for _, ct := range c.Tasks() {
			if sig := ct.pdeathSig.Load(); sig != 0 {
				info := arch.SigInfo{Signo: sig, Code: SI_USER}
				info.SetPIDUID(t.tg.ID, t.Creds().RealUID)
				ct.SendSignal(info)
			}
		}
	}
}

func (t *Task) releaseMM() {
	t.mmMu.Lock()
	m := t.mm
	t.mm = nil
	t.mmMu.Unlock()
	if m != nil {
		t.tg.noteRSS(m)
		m.DecUsers()
	}
}

// noteRSS records the peak resident size of m, an address space the
// process is letting go of, for ru_maxrss.
func (tg *ThreadGroup) noteRSS(m *mm.MemoryManager) {
	kb := m.PeakResidentPages() * 4
	tg.k.mu.Lock()
	tg.maxRSSKB = max(tg.maxRSSKB, kb)
	tg.k.mu.Unlock()
}

// WaitResult is what wait4 and waitid report.
type WaitResult struct {
	PID    int32
	Status uint32
	UID    uint32
	// Usage is the reaped child's CPU time, with its reaped children.
	Usage CPUUsage
}

// Wait options.
const (
	WNOHANG    = 0x1
	WUNTRACED  = 0x2
	WCONTINUED = 0x8
	WNOWAIT    = 0x01000000
	WEXITED    = 0x4
	WALL       = 0x40000000
	WCLONE     = 0x80000000
	WNOTHREAD  = 0x20000000
	// WaitSkipExits (not a Linux bit) leaves exited children
	// unreported: waitid without WEXITED.
	WaitSkipExits = 0x100
)

// realUIDLocked is the real UID of the process, which SIGCHLD and wait
// report. k.mu must be held.
func (tg *ThreadGroup) realUIDLocked() uint32 {
	if tg.leader == nil {
		return 0
	}
	return tg.leader.Creds().RealUID
}

// realUID is realUIDLocked for callers without k.mu.
func (tg *ThreadGroup) realUID() uint32 {
	tg.k.mu.Lock()
	defer tg.k.mu.Unlock()
	return tg.realUIDLocked()
}

// Wait waits for a child matching pid (wait4 rules) to exit. It returns
// a zero result with WNOHANG when none has.
func (t *Task) Wait(pid int32, options int) (WaitResult, error) {
	return t.WaitFor(pid, nil, options)
}

// WaitFor is Wait, for only the child target if it is not nil (waitid's
// P_PIDFD; pid is then ignored).
func (t *Task) WaitFor(pid int32, target *ThreadGroup, options int) (WaitResult, error) {
	tg := t.tg
	k := t.k
	e := waiter.NewEntry(waiter.EventIn)
	tg.ChildEvents.EventRegister(e)
	defer tg.ChildEvents.EventUnregister(e)
	for {
		k.mu.Lock()
		found := false
		for c := range tg.children {
			switch {
			case target != nil:
				if c != target {
					continue
				}
			case pid > 0 && c.ID != pid:
				continue
			case pid == 0 && c.pgid != tg.pgid:
				continue
			case pid < -1 && c.pgid != -pid:
				continue
			}
			// __WCLONE selects children whose exit signal is not
			// SIGCHLD; __WALL selects all.
			if options&WALL == 0 && (c.exitSignal != int(unix.SIGCHLD)) != (options&WCLONE != 0) {
				continue
			}
			found = true
			if !c.zombie {
				if options&(WUNTRACED|WCONTINUED) != 0 {
					if st, ok := c.jobWaitStatus(options&WUNTRACED != 0, options&WCONTINUED != 0, options&WNOWAIT != 0); ok {
						uid := c.realUIDLocked()
						k.mu.Unlock()
						return WaitResult{PID: c.ID, Status: st, UID: uid}, nil
					}
				}
				continue
			}
			if options&WaitSkipExits != 0 {
				continue
			}
			r := WaitResult{PID: c.ID, Status: c.waitStatus, UID: c.realUIDLocked(), Usage: c.exitedCPU.Add(c.childrenCPU)}
			if options&WNOWAIT == 0 {
				delete(tg.children, c)
				c.releaseLocked()
				tg.childrenCPU = tg.childrenCPU.Add(c.exitedCPU).Add(c.childrenCPU)
				tg.childrenMaxRSSKB = max(tg.childrenMaxRSSKB, c.maxRSSKB, c.childrenMaxRSSKB)
				k.mu.Unlock()
				c.notifyReaped()
				return r, nil
			}
			k.mu.Unlock()
			return r, nil
		}
		k.mu.Unlock()
		if !found {
			return WaitResult{}, unix.ECHILD
		}
		if options&WNOHANG != 0 {
			return WaitResult{}, nil
		}
		if err := t.Block(e.C); err != nil {
			return WaitResult{}, err
		}
	}
}
