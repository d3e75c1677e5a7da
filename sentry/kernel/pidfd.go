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
// once it has been reaped. It implements vfs.FileImpl and
// waiter.Waitable.
type PidFD struct {
	vfs.NoImpl
	tg *ThreadGroup
}

var (
	_ vfs.FileImpl    = (*PidFD)(nil)
	_ waiter.Waitable = (*PidFD)(nil)
)

// NewPidFD returns a file referring to tg, with the status flags
// (O_NONBLOCK) given.
func NewPidFD(tg *ThreadGroup, nonblock bool) *vfs.File {
	flags := unix.O_RDWR
	if nonblock {
		flags |= unix.O_NONBLOCK
	}
	return vfs.NewFile(&PidFD{tg: tg}, vfs.VirtualDentry{}, flags)
}

// ThreadGroup returns the process the pidfd refers to.
func (p *PidFD) ThreadGroup() *ThreadGroup { return p.tg }

// PID is what /proc/PID/fdinfo shows: the process ID while the process
// exists (zombie included), -1 once it has been reaped.
func (p *PidFD) PID() int32 {
	if p.tg.Reaped() {
		return -1
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
// of one process has the same inode number, and different processes
// different ones (tools compare them to tell processes apart across PID
// reuse); the mode is 0700 with no file type bits.
func (p *PidFD) Stat() (vfs.Stat, error) {
	ino := p.tg.pidfdIno.Load()
	if ino == 0 {
		p.tg.pidfdIno.CompareAndSwap(0, pidfdInos.Add(1))
		ino = p.tg.pidfdIno.Load()
	}
	return vfs.Stat{Dev: eventfd.AnonDev, Ino: ino, Nlink: 1, Mode: 0o700, Blksize: 4096}, nil
}

// Readiness implements waiter.Waitable.Readiness as Linux's pidfd_poll.
func (p *PidFD) Readiness(mask waiter.Mask) waiter.Mask {
	var r waiter.Mask
	exited, reaped := p.tg.exitState()
	if exited {
		r |= waiter.EventIn
	}
	if reaped {
		r |= waiter.EventIn | waiter.EventHUp
	}
	return r & (mask | waiter.EventHUp)
}

// EventRegister implements waiter.Waitable.EventRegister.
func (p *PidFD) EventRegister(w *waiter.Entry) { p.tg.pidfdEvents.EventRegister(w) }

// EventUnregister implements waiter.Waitable.EventUnregister.
func (p *PidFD) EventUnregister(w *waiter.Entry) { p.tg.pidfdEvents.EventUnregister(w) }

// exitState reports whether the process has exited (all its threads are
// gone) and whether it has been reaped.
func (tg *ThreadGroup) exitState() (exited, reaped bool) {
	tg.k.mu.Lock()
	defer tg.k.mu.Unlock()
	return tg.zombie || tg.reaped, tg.reaped
}

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
