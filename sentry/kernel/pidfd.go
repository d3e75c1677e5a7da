package kernel

import (
	"fmt"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/fs/eventfd"
	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

// PidFD is a process file descriptor (pidfd_open(2), CLONE_PIDFD): a
// stable reference to one process that outlives PID reuse. It is
// readable (POLLIN) once the process has exited and hung up (POLLHUP)
// once it has been reaped. A thread pidfd (PIDFD_THREAD) refers to one
// thread instead: readable once that thread has exited, and, but for the
// group leader (reaped with its process), hung up at once too, as a
// thread is released when it exits. It implements vfs.FileImpl and
// waiter.Waitable.
type PidFD struct {
	vfs.NoImpl
	tg *ThreadGroup
	// thread is the thread of a thread pidfd, nil for a process pidfd.
	thread *Task
}

var (
	_ vfs.FileImpl    = (*PidFD)(nil)
	_ waiter.Waitable = (*PidFD)(nil)
)

// NewPidFD returns a file referring to tg, with the status flags
// (O_NONBLOCK) given.
func NewPidFD(tg *ThreadGroup, nonblock bool) *vfs.File {
	return vfs.NewFile(&PidFD{tg: tg}, vfs.VirtualDentry{}, pidfdFlags(nonblock))
}

// NewThreadPidFD returns a file referring to the thread t (PIDFD_THREAD).
func NewThreadPidFD(t *Task, nonblock bool) *vfs.File {
	return vfs.NewFile(&PidFD{tg: t.tg, thread: t}, vfs.VirtualDentry{}, pidfdFlags(nonblock))
}

// ProcessDir is implemented by an open /proc/[pid] directory: Linux
// takes one as a pidfd for pidfd_send_signal.
type ProcessDir interface {
	DirProcess() *ThreadGroup
}

// ProcessPidFD returns a pidfd's view of tg, for a ProcessDir.
func ProcessPidFD(tg *ThreadGroup) *PidFD { return &PidFD{tg: tg} }

func pidfdFlags(nonblock bool) int {
	flags := unix.O_RDWR
	if nonblock {
		flags |= unix.O_NONBLOCK
	}
	return flags
}

// ThreadGroup returns the process the pidfd refers to (the thread's, for
// a thread pidfd).
func (p *PidFD) ThreadGroup() *ThreadGroup { return p.tg }

// Thread returns the thread of a thread pidfd, nil for a process pidfd.
func (p *PidFD) Thread() *Task { return p.thread }

// OfNonLeader reports whether the pidfd refers to a thread that does not
// lead its group.
func (p *PidFD) OfNonLeader() bool { return p.thread != nil && p.thread != p.tg.Leader() }

// Gone reports whether what the pidfd refers to no longer exists: the
// process reaped, or a thread other than the leader exited.
func (p *PidFD) Gone() bool {
	_, reaped := p.state()
	return reaped
}

// PID is what /proc/PID/fdinfo shows: the process (or thread) ID while
// it exists (zombie included), -1 once it is gone.
func (p *PidFD) PID() int32 {
	if p.Gone() {
		return -1
	}
	if p.thread != nil {
		return p.thread.ID
	}
	return p.tg.ID
}

// FDInfo is the pidfd part of /proc/PID/fdinfo.
func (p *PidFD) FDInfo() string {
	pid := p.PID()
	return fmt.Sprintf("Pid:\t%d\nNSpid:\t%d\n", pid, pid)
}

// pidfdInos numbers processes for pidfd inodes; it starts well above the
// shared anonymous inode's number.
var pidfdInos atomic.Uint64

func init() { pidfdInos.Store(1 << 20) }

// Stat implements vfs.FileImpl.Stat. As with Linux's pidfs, every pidfd
// of one process (or thread) has the same inode number, and different
// processes different ones (tools compare them to tell processes apart
// across PID reuse); the mode is 0700 with no file type bits.
func (p *PidFD) Stat() (vfs.Stat, error) {
	slot := &p.tg.pidfdIno
	if p.OfNonLeader() {
		slot = &p.thread.pidfdIno
	}
	ino := slot.Load()
	if ino == 0 {
		slot.CompareAndSwap(0, pidfdInos.Add(1))
		ino = slot.Load()
	}
	return vfs.Stat{Dev: eventfd.AnonDev, Ino: ino, Nlink: 1, Mode: 0o700, Blksize: 4096}, nil
}

// Readiness implements waiter.Waitable.Readiness as Linux's pidfd_poll.
func (p *PidFD) Readiness(mask waiter.Mask) waiter.Mask {
	var r waiter.Mask
	exited, reaped := p.state()
	if exited {
		r |= waiter.EventIn
	}
	if reaped {
		r |= waiter.EventIn | waiter.EventHUp
	}
	return r & (mask | waiter.EventHUp)
}

// state reports whether the process (or thread) has exited and whether
// it is gone (reaped, or for a thread other than the leader, exited).
func (p *PidFD) state() (exited, gone bool) {
	k := p.tg.k
	k.mu.Lock()
	defer k.mu.Unlock()
	if p.thread == nil {
		return p.tg.zombie || p.tg.reaped, p.tg.reaped
	}
	if p.thread == p.tg.leader {
		return p.thread.threadExited || p.tg.reaped, p.tg.reaped
	}
	return p.thread.threadExited, p.thread.threadExited
}

// EventRegister implements waiter.Waitable.EventRegister.
func (p *PidFD) EventRegister(w *waiter.Entry) { p.tg.pidfdEvents.EventRegister(w) }

// EventUnregister implements waiter.Waitable.EventUnregister.
func (p *PidFD) EventUnregister(w *waiter.Entry) { p.tg.pidfdEvents.EventUnregister(w) }

// Reaped reports whether the process has been reaped (its PID freed).
func (tg *ThreadGroup) Reaped() bool {
	tg.k.mu.Lock()
	defer tg.k.mu.Unlock()
	return tg.reaped
}

// releaseLocked frees the process's ID: it has been reaped. k.mu must be
// held; the caller calls notifyReaped once it has let go of k.mu.
func (tg *ThreadGroup) releaseLocked() {
	if tg.k.tgs[tg.ID] == tg {
		delete(tg.k.tgs, tg.ID)
	}
	tg.reaped = true
}

// notifyReaped wakes pidfd pollers after releaseLocked.
func (tg *ThreadGroup) notifyReaped() {
	tg.pidfdEvents.Notify(waiter.EventIn | waiter.EventHUp)
}
