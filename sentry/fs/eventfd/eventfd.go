// Package eventfd implements eventfd(2) objects: a 64-bit counter that
// writes add to and reads take, usable as an event wait/notify mechanism.
package eventfd

import (
	"encoding/binary"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

// MaxCount is the largest value the counter can hold.
const MaxCount = 0xfffffffffffffffe

// Anonymous inode identity: like Linux's anon_inode, every eventfd shares
// one inode, on a pseudo filesystem. The values match sentry/fs/epoll.
var (
	AnonDev        = unix.Mkdev(0, 13)
	AnonIno uint64 = 1
)

// anonTime is the shared anonymous inode's timestamp.
var anonTime = func() vfs.Timespec {
	t := time.Now()
	return vfs.Timespec{Sec: t.Unix(), Nsec: int64(t.Nanosecond())}
}()

// EventFD is an eventfd. It implements vfs.FileImpl and waiter.Waitable
// and is safe for concurrent use.
type EventFD struct {
	vfs.NoImpl

	q waiter.Queue

	mu        sync.Mutex
	count     uint64
	semaphore bool
}

var (
	_ vfs.FileImpl    = (*EventFD)(nil)
	_ waiter.Waitable = (*EventFD)(nil)
)

// New returns an eventfd whose counter starts at initval. In semaphore
// mode (EFD_SEMAPHORE) a read returns 1 and decrements the counter instead
// of returning and clearing it. The result is an *EventFD.
func New(initval uint64, semaphore bool) vfs.FileImpl {
	return &EventFD{count: initval, semaphore: semaphore}
}

// Semaphore reports whether the eventfd is in semaphore mode.
func (e *EventFD) Semaphore() bool { return e.semaphore }

// Count returns the counter (for /proc/PID/fdinfo's eventfd-count).
func (e *EventFD) Count() uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.count
}

// Read implements vfs.FileImpl.Read. dst must hold 8 bytes (EINVAL
// otherwise); it receives the counter in host (little-endian) byte order.
// EAGAIN when the counter is 0.
func (e *EventFD) Read(dst []byte, _ int64) (int, error) {
	if len(dst) < 8 {
		return 0, unix.EINVAL
	}
	e.mu.Lock()
	if e.count == 0 {
		e.mu.Unlock()
		return 0, unix.EAGAIN
	}
	v := e.count
	if e.semaphore {
		v = 1
	}
	e.count -= v
	e.mu.Unlock()
	binary.LittleEndian.PutUint64(dst, v)
	e.q.Notify(waiter.EventOut)
	return 8, nil
}

// Write implements vfs.FileImpl.Write: it adds the 8-byte value in src to
// the counter. EINVAL if src is shorter than 8 bytes or the value is
// 0xffffffffffffffff; EAGAIN if the sum would exceed MaxCount.
func (e *EventFD) Write(src []byte, _ int64) (int, error) {
	if len(src) < 8 {
		return 0, unix.EINVAL
	}
	v := binary.LittleEndian.Uint64(src)
	if v == ^uint64(0) {
		return 0, unix.EINVAL
	}
	e.mu.Lock()
	if MaxCount-e.count < v {
		e.mu.Unlock()
		return 0, unix.EAGAIN
	}
	e.count += v
	e.mu.Unlock()
	e.q.Notify(waiter.EventIn)
	return 8, nil
}

// Signal adds n to the counter as a write would, for the kernel's own
// users (AIO, io_uring). It returns EAGAIN if the counter would overflow.
func (e *EventFD) Signal(n uint64) error {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], n)
	_, err := e.Write(b[:], 0)
	return err
}

// Stat implements vfs.FileImpl.Stat: the shared anonymous inode, mode
// 0600 with no file type bits.
func (e *EventFD) Stat() (vfs.Stat, error) {
	return vfs.Stat{
		Dev:     AnonDev,
		Ino:     AnonIno,
		Nlink:   1,
		Mode:    0o600,
		Blksize: 4096,
		Atime:   anonTime,
		Mtime:   anonTime,
		Ctime:   anonTime,
	}, nil
}

// Readiness implements waiter.Waitable.Readiness, as Linux's eventfd_poll:
// EventIn when the counter is above 0, EventOut when a write of 1 would
// succeed.
func (e *EventFD) Readiness(mask waiter.Mask) waiter.Mask {
	var r waiter.Mask
	e.mu.Lock()
	if e.count > 0 {
		r |= waiter.EventIn
	}
	if e.count < MaxCount {
		r |= waiter.EventOut
	}
	e.mu.Unlock()
	return r & mask
}

// EventRegister implements waiter.Waitable.EventRegister.
func (e *EventFD) EventRegister(w *waiter.Entry) { e.q.EventRegister(w) }

// EventUnregister implements waiter.Waitable.EventUnregister.
func (e *EventFD) EventUnregister(w *waiter.Entry) { e.q.EventUnregister(w) }
