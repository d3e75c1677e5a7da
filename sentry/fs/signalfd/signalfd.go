// Package signalfd implements signalfd(2) files: reading one takes
// pending signals of the reading task that are in the file's mask.
package signalfd

import (
	"encoding/binary"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

// File is a signalfd. Its readiness is that of the task asking: Linux
// polls the caller's pending signals, so a signalfd inherited across fork
// reports the child's signals in the child. File itself (as a
// waiter.Waitable) stands for the task that created it; WaitableFor gives
// the view of another task.
type File struct {
	vfs.NoImpl
	mask  atomic.Uint64
	owner *kernel.Task
}

// New returns a signalfd for mask, owned by t.
func New(t *kernel.Task, mask uint64) *File {
	f := &File{owner: t}
	f.SetMask(mask)
	return f
}

// SetMask changes the signals the file takes (SIGKILL and SIGSTOP never).
func (f *File) SetMask(m uint64) { f.mask.Store(m &^ (1<<(unix.SIGKILL-1) | 1<<(unix.SIGSTOP-1))) }

// Read implements vfs.FileImpl.Read; without a task there is nothing to
// read.
func (f *File) Read([]byte, int64) (int, error) { return 0, unix.EINVAL }

// ReadTask reads signals of t as struct signalfd_siginfo records.
func (f *File) ReadTask(t *kernel.Task, dst []byte) (int, error) {
	if len(dst) < 128 {
		return 0, unix.EINVAL
	}
	n := 0
	for len(dst)-n >= 128 {
		info, ok := t.DequeueSignal(f.mask.Load())
		if !ok {
			break
		}
		rec := dst[n : n+128]
		clear(rec)
		le := binary.LittleEndian
		le.PutUint32(rec[0:], uint32(info.Signo))
		le.PutUint32(rec[4:], uint32(info.Errno))
		le.PutUint32(rec[8:], uint32(info.Code))
		// kill, sigqueue and SIGCHLD: pid and uid lead the union.
		le.PutUint32(rec[12:], le.Uint32(info.Fields[0:]))
		le.PutUint32(rec[16:], le.Uint32(info.Fields[4:]))
		switch {
		case info.Signo == int32(unix.SIGCHLD):
			le.PutUint32(rec[40:], le.Uint32(info.Fields[8:])) // ssi_status
		case info.Code == kernel.SI_TIMER:
			le.PutUint32(rec[20:], 0)
			le.PutUint32(rec[24:], le.Uint32(info.Fields[0:])) // ssi_tid (timer id)
			le.PutUint32(rec[32:], le.Uint32(info.Fields[4:])) // ssi_overrun
			le.PutUint64(rec[48:], le.Uint64(info.Fields[8:])) // ssi_ptr
			le.PutUint32(rec[44:], le.Uint32(info.Fields[8:])) // ssi_int
			le.PutUint32(rec[12:], 0)
			le.PutUint32(rec[16:], 0)
		case info.Code < 0: // sigqueue: value follows pid and uid
			le.PutUint32(rec[44:], le.Uint32(info.Fields[8:]))
			le.PutUint64(rec[48:], le.Uint64(info.Fields[8:]))
		case info.Signo == int32(unix.SIGSEGV) || info.Signo == int32(unix.SIGBUS) ||
			info.Signo == int32(unix.SIGILL) || info.Signo == int32(unix.SIGFPE):
			le.PutUint64(rec[72:], info.Addr())
			le.PutUint32(rec[12:], 0)
			le.PutUint32(rec[16:], 0)
		}
		n += 128
	}
	if n == 0 {
		return 0, unix.EAGAIN
	}
	return n, nil
}

// Stat implements vfs.FileImpl.Stat.
func (f *File) Stat() (vfs.Stat, error) { return vfs.Stat{Mode: 0o600, Blksize: 4096, Nlink: 1}, nil }

// Readiness implements waiter.Waitable for the creating task.
func (f *File) Readiness(mask waiter.Mask) waiter.Mask { return f.WaitableFor(f.owner).Readiness(mask) }

// EventRegister implements waiter.Waitable for the creating task.
func (f *File) EventRegister(e *waiter.Entry) { f.owner.SignalQueue().EventRegister(e) }

// EventUnregister implements waiter.Waitable for the creating task.
func (f *File) EventUnregister(e *waiter.Entry) { f.owner.SignalQueue().EventUnregister(e) }

// WaitableFor returns the file's readiness as task t sees it: readable
// while t has a pending signal in the mask, notified through t's signal
// queue.
func (f *File) WaitableFor(t *kernel.Task) waiter.Waitable { return taskView{f, t} }

type taskView struct {
	f *File
	t *kernel.Task
}

func (v taskView) Readiness(mask waiter.Mask) waiter.Mask {
	if v.t.PendingIn(v.f.mask.Load()) {
		return mask & waiter.EventIn
	}
	return 0
}

func (v taskView) EventRegister(e *waiter.Entry)   { v.t.SignalQueue().EventRegister(e) }
func (v taskView) EventUnregister(e *waiter.Entry) { v.t.SignalQueue().EventUnregister(e) }
