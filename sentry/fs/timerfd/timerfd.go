// Package timerfd implements timerfd_create(2) files: a timer whose
// expirations are read as an 8-byte count.
package timerfd

import (
	"encoding/binary"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

// File is a timerfd.
type File struct {
	vfs.NoImpl
	Clock int32
	Timer *kernel.IntervalTimer

	mu    sync.Mutex
	count uint64
	q     waiter.Queue
}

// New returns a disarmed timerfd on clock.
func New(clock int32) *File {
	f := &File{Clock: clock}
	f.Timer = kernel.NewIntervalTimer(nil, f.expired)
	return f
}

func (f *File) expired() {
	// Every expiry counts, the ones the timer missed while late too.
	missed := f.Timer.Ack()
	f.mu.Lock()
	f.count += 1 + uint64(missed)
	f.mu.Unlock()
	f.q.Notify(waiter.EventIn)
}

// Set arms the timer to expire after value and then every interval,
// returning the old setting. The expiration count becomes expired: an
// absolute deadline already past counts as expirations at once.
func (f *File) Set(value, interval time.Duration, expired uint64) (time.Duration, time.Duration) {
	f.mu.Lock()
	f.count = expired
	f.mu.Unlock()
	oldV, oldI := f.Timer.Set(value, interval)
	if expired > 0 {
		f.q.Notify(waiter.EventIn)
	}
	return oldV, oldI
}

// Read implements vfs.FileImpl.Read.
func (f *File) Read(dst []byte, _ int64) (int, error) {
	if len(dst) < 8 {
		return 0, unix.EINVAL
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.count == 0 {
		return 0, unix.EAGAIN
	}
	binary.LittleEndian.PutUint64(dst, f.count)
	f.count = 0
	return 8, nil
}

// Stat implements vfs.FileImpl.Stat.
func (f *File) Stat() (vfs.Stat, error) {
	return vfs.Stat{Mode: 0o600, Blksize: 4096, Nlink: 1}, nil
}

// Release implements vfs.FileImpl.Release.
func (f *File) Release() { f.Timer.Stop() }

// Readiness implements waiter.Waitable.
func (f *File) Readiness(mask waiter.Mask) waiter.Mask {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.count > 0 {
		return mask & waiter.EventIn
	}
	return 0
}

// EventRegister implements waiter.Waitable.
func (f *File) EventRegister(e *waiter.Entry) { f.q.EventRegister(e) }

// EventUnregister implements waiter.Waitable.
func (f *File) EventUnregister(e *waiter.Entry) { f.q.EventUnregister(e) }
