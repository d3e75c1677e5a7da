// Package kernel is the core of the sentry: the Kernel, tasks (one
// goroutine per application thread), thread groups, the process tree,
// signals, futexes, credentials and resource limits.
package kernel

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/moat-dev/moat/platform"
	"github.com/moat-dev/moat/sentry/arch"
	"github.com/moat-dev/moat/sentry/memfile"
	"github.com/moat-dev/moat/sentry/vfs"
)

// Release and Version are what uname reports: the sentry's own, never
// the host's.
const (
	Release = "6.6.0-moat"
	Version = "#1 SMP Moat"
)

// Kernel is one sandbox's application kernel.
type Kernel struct {
	Platform platform.Platform
	MemFile  *memfile.File
	VFS      *vfs.VFS
	Root     vfs.VirtualDentry
	Log      *slog.Logger
	Strace   bool
	// StraceOut receives strace lines.
	StraceOut func(string)

	hostname, domainname atomic.Pointer[string]
	start                time.Time

	// mu guards the process tree: tasks, thread groups, parents and
	// children, and exit state.
	mu      sync.Mutex
	tasks   map[int32]*Task
	tgs     map[int32]*ThreadGroup
	nextTID int32
	init    *ThreadGroup

	// sigMu guards all signal state: handlers, masks and queues.
	sigMu sigMutex

	futexes futexTable

	done       chan struct{}
	exitStatus uint32

	unimplemented sync.Map

	// Stats count platform events, for --debug.
	Stats struct {
		Syscalls, Faults, Signals, Interrupts atomic.Uint64
		SwitchNanos                           atomic.Uint64
	}
}

// New returns a kernel.
func New(p platform.Platform, mf *memfile.File, v *vfs.VFS, root vfs.VirtualDentry, log *slog.Logger) *Kernel {
	k := &Kernel{
		Platform: p, MemFile: mf, VFS: v, Root: root, Log: log,
		start: time.Now(),
		tasks: make(map[int32]*Task), tgs: make(map[int32]*ThreadGroup),
		nextTID: 1,
		done:    make(chan struct{}),
	}
	h, d := "moat", "(none)"
	k.hostname.Store(&h)
	k.domainname.Store(&d)
	k.futexes.init()
	return k
}

// Hostname returns the UTS hostname.
func (k *Kernel) Hostname() string { return *k.hostname.Load() }

// SetHostname sets the UTS hostname.
func (k *Kernel) SetHostname(h string) { k.hostname.Store(&h) }

// Domainname returns the UTS (NIS) domain name.
func (k *Kernel) Domainname() string { return *k.domainname.Load() }

// SetDomainname sets the UTS domain name.
func (k *Kernel) SetDomainname(d string) { k.domainname.Store(&d) }

// Uptime returns the time since boot.
func (k *Kernel) Uptime() time.Duration { return time.Since(k.start) }

// Done is closed when the init process has exited.
func (k *Kernel) Done() <-chan struct{} { return k.done }

// ExitStatus returns init's wait status once Done is closed.
func (k *Kernel) ExitStatus() uint32 { return k.exitStatus }

// allocTID returns a free thread ID. k.mu must be held.
func (k *Kernel) allocTID() (int32, bool) {
	const maxPID = 4194304
	for i := 0; i < maxPID; i++ {
		id := k.nextTID
		k.nextTID++
		if k.nextTID >= maxPID {
			k.nextTID = 2
		}
		if _, used := k.tasks[id]; used {
			continue
		}
		if _, used := k.tgs[id]; used {
			continue
		}
		return id, true
	}
	return 0, false
}

// TaskByID returns the task with thread ID tid.
func (k *Kernel) TaskByID(tid int32) *Task {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.tasks[tid]
}

// ThreadGroupByID returns the thread group with ID pid.
func (k *Kernel) ThreadGroupByID(pid int32) *ThreadGroup {
	k.mu.Lock()
	defer k.mu.Unlock()
	tg := k.tgs[pid]
	if tg == nil || tg.zombie {
		return tg
	}
	return tg
}

// ThreadGroups returns every live or zombie thread group.
func (k *Kernel) ThreadGroups() []*ThreadGroup {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make([]*ThreadGroup, 0, len(k.tgs))
	for _, tg := range k.tgs {
		out = append(out, tg)
	}
	return out
}

// LogUnimplemented logs an unimplemented syscall once per number.
func (k *Kernel) LogUnimplemented(nr uint64, name string) {
	if _, seen := k.unimplemented.LoadOrStore(nr, true); !seen {
		k.Log.Warn("unimplemented syscall", "nr", nr, "name", name)
	}
}

// Kill ends every task, as when the sandbox is being torn down.
func (k *Kernel) Kill(sig int) {
	for _, tg := range k.ThreadGroups() {
		tg.groupExit(WaitStatusSignaled(sig, false))
	}
}

// SignalInit sends sig to the init process, as a runtime's kill does.
func (k *Kernel) SignalInit(sig int) {
	k.mu.Lock()
	init := k.init
	k.mu.Unlock()
	if init != nil {
		info := arch.SigInfo{Signo: int32(sig), Code: SI_USER}
		init.SendSignal(info)
	}
}

// sigMutex is the lock of all signal state. Every unlock counts in
// epoch, so that a task that found nothing to handle under the lock
// knows, from one atomic load and without the lock, that nothing has
// changed since: the check that every system call makes, which took a
// lock shared by every task of the sandbox.
type sigMutex struct {
	mu    sync.Mutex
	epoch atomic.Uint64
}

func (m *sigMutex) Lock() { m.mu.Lock() }

func (m *sigMutex) Unlock() {
	m.epoch.Add(1)
	m.mu.Unlock()
}
