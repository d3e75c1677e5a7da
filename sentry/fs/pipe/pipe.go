// Package pipe implements anonymous pipes and the buffer behind FIFOs, as
// described in pipe(7).
//
// A Pipe is a bounded byte buffer shared by read ends and write ends. Each
// end is an *End, which is a vfs.FileImpl and a waiter.Waitable. Read and
// Write never block: they return EAGAIN and the caller waits for readiness
// on the end (see sentry/waiter), then retries.
package pipe

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

const (
	// PipeBuf is PIPE_BUF: writes of at most this many bytes are atomic.
	PipeBuf = 4096
	// DefaultCapacity is the capacity of a new pipe (16 pages).
	DefaultCapacity = 16 * pageSize
	// MinCapacity is the smallest capacity, one page.
	MinCapacity = pageSize
	// MaxCapacity is the largest capacity an unprivileged F_SETPIPE_SZ may
	// set (Linux's default /proc/sys/fs/pipe-max-size).
	MaxCapacity = 1 << 20

	pageSize = 4096

	// fionread is FIONREAD (TIOCINQ on amd64).
	fionread = unix.TIOCINQ
)

// Dev is the device number pipes report in stat: that of a pseudo "pipefs".
var Dev = unix.Mkdev(0, 12)

// lastIno allocates pipe inode numbers.
var lastIno atomic.Uint64

// Event sets notified by pipes.
const (
	readableEvents = waiter.EventIn | waiter.EventRdNorm
	writableEvents = waiter.EventOut | waiter.EventWrNorm
)

// Pipe is a pipe's buffer and the counts of its open ends. It is safe for
// concurrent use.
type Pipe struct {
	// Queues are never used with mu held, so that waiters' callbacks may
	// call back into the pipe.
	rq waiter.Queue // waiters on read ends
	wq waiter.Queue // waiters on write ends
	oq waiter.Queue // waiters for ends being opened or closed (FIFO open)

	mu sync.Mutex
	// segs are the occupied slots, oldest first; size is the number of
	// data bytes in them and capacity the number of slots times
	// pageSize.
	segs     []segment
	size     int
	capacity int
	// spare is the page of the last slot read empty, for the next write:
	// a pipe that carries small messages back and forth needs no new
	// page per write. Only the bytes a slot holds are ever read, so the
	// page is not cleared.
	spare []byte
	// initCap is the capacity restored when a FIFO's last end closes.
	initCap int

	readers, writers int
	// rOpens and wOpens count every open of a read and a write end ever
	// (Linux's r_counter and w_counter).
	rOpens, wOpens uint64

	ino                 uint64
	uid, gid            uint32
	atime, mtime, ctime vfs.Timespec

	// rEnd and wEnd are the ends created by New, for pipe(2).
	rEnd, wEnd *End
}

// segment is one slot: a page of which data[off:off+n] holds data.
type segment struct {
	data   []byte
	off, n int
	// packet marks a packet-mode write: it is never topped up, and a
	// read that reaches it ends with it, dropping what did not fit.
	packet bool
}

// roundCapacity rounds n up as F_SETPIPE_SZ does: to a power of two number
// of pages, at least one page.
func roundCapacity(n int) int {
	if n < MinCapacity {
		return MinCapacity
	}
	c := MinCapacity
	for c < n {
		c <<= 1
	}
	return c
}

func newPipe(capacity int) *Pipe {
	if capacity <= 0 {
		capacity = DefaultCapacity
	}
	capacity = roundCapacity(capacity)
	now := nowSpec()
	return &Pipe{
		capacity: capacity,
		initCap:  capacity,
		ino:      lastIno.Add(1),
		atime:    now,
		mtime:    now,
		ctime:    now,
	}
}

// New returns a pipe as pipe(2) makes it: with one read end and one write
// end open, returned by ReaderImpl and WriterImpl. capacity <= 0 means
// DefaultCapacity; other values are rounded up as by SetCapacity (without
// the MaxCapacity limit).
func New(capacity int) *Pipe {
	p := newPipe(capacity)
	p.readers, p.writers = 1, 1
	p.rOpens, p.wOpens = 1, 1
	// The read end has seen a writer: it reports EventHUp once the
	// writers are gone.
	p.rEnd = &End{p: p, read: true}
	p.wEnd = &End{p: p, write: true}
	return p
}

// NewFIFO returns a pipe with no end open, for a named FIFO. Ends are
// opened with OpenReader, OpenWriter and OpenReadWriter. When the last end
// closes, the data is discarded and the capacity reset, as Linux frees a
// FIFO's pipe.
func NewFIFO(capacity int) *Pipe {
	return newPipe(capacity)
}

// ReaderImpl returns the read end made by New, or nil for a FIFO. Its
// Release closes it.
func (p *Pipe) ReaderImpl() vfs.FileImpl {
	if p.rEnd == nil {
		return nil
	}
	return p.rEnd
}

// WriterImpl returns the write end made by New, or nil for a FIFO. Its
// Release closes it.
func (p *Pipe) WriterImpl() vfs.FileImpl {
	if p.wEnd == nil {
		return nil
	}
	return p.wEnd
}

// OpenReader opens a new read end (a FIFO opened O_RDONLY, or a pipe
// reopened through /proc/PID/fd).
func (p *Pipe) OpenReader() *End { return p.open(true, false) }

// OpenWriter opens a new write end (O_WRONLY).
func (p *Pipe) OpenWriter() *End { return p.open(false, true) }

// OpenReadWriter opens an end that both reads and writes (a FIFO opened
// O_RDWR); it counts as a reader and a writer.
func (p *Pipe) OpenReadWriter() *End { return p.open(true, true) }

// OpenEnd opens the end that the access mode of open flags asks for, with
// no wait for the other side (see fifo(7) for the waits of open(2)).
func (p *Pipe) OpenEnd(flags int) *End {
	switch flags & unix.O_ACCMODE {
	case unix.O_RDONLY:
		return p.OpenReader()
	case unix.O_WRONLY:
		return p.OpenWriter()
	}
	return p.OpenReadWriter()
}

func (p *Pipe) open(read, write bool) *End {
	e := &End{p: p, read: read, write: write}
	p.mu.Lock()
	if read {
		// A reader that opens while there is no writer does not report
		// EventHUp until a writer has come (Linux suppresses POLLHUP
		// for a FIFO opened O_RDONLY|O_NONBLOCK that never had one).
		if p.writers == 0 && !write {
			e.hupBase = p.wOpens
		}
		p.readers++
		p.rOpens++
	}
	if write {
		p.writers++
		p.wOpens++
	}
	p.mu.Unlock()
	p.oq.Notify(waiter.AllEvents)
	return e
}

// Readers returns the number of open read ends.
func (p *Pipe) Readers() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.readers
}

// Writers returns the number of open write ends.
func (p *Pipe) Writers() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.writers
}

// OpenCounts returns how many read and write ends were ever opened. A
// blocking FIFO open waits for the other count to change, so that a
// partner that opens and closes at once still wakes it.
func (p *Pipe) OpenCounts() (readers, writers uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rOpens, p.wOpens
}

// EventRegisterOpen registers e to be notified (with waiter.AllEvents)
// whenever an end of the pipe is opened or closed. A blocking FIFO open
// waits with it for a partner.
func (p *Pipe) EventRegisterOpen(e *waiter.Entry) { p.oq.EventRegister(e) }

// EventUnregisterOpen removes an entry added by EventRegisterOpen.
func (p *Pipe) EventUnregisterOpen(e *waiter.Entry) { p.oq.EventUnregister(e) }

// SetOwner sets the owner reported by Stat (Linux uses the creator's
// fsuid and fsgid).
func (p *Pipe) SetOwner(uid, gid uint32) {
	p.mu.Lock()
	p.uid, p.gid = uid, gid
	p.mu.Unlock()
}

// Capacity returns the capacity in bytes (F_GETPIPE_SZ).
func (p *Pipe) Capacity() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.capacity
}

// SetCapacity implements F_SETPIPE_SZ: n is rounded up to a power of two
// number of pages, at least one page. It returns the new capacity, or
// EINVAL for a negative n or one above 2^31; EPERM to grow beyond
// MaxCapacity unless privileged (CAP_SYS_RESOURCE); EBUSY if the data
// occupies more slots than the new capacity has.
func (p *Pipe) SetCapacity(n int, privileged bool) (int, error) {
	if n < 0 || n > 1<<31 {
		return 0, unix.EINVAL
	}
	c := roundCapacity(n)
	p.mu.Lock()
	if c > p.capacity && c > MaxCapacity && !privileged {
		p.mu.Unlock()
		return 0, unix.EPERM
	}
	if len(p.segs) > c/pageSize {
		p.mu.Unlock()
		return 0, unix.EBUSY
	}
	grew := c > p.capacity
	p.capacity = c
	p.mu.Unlock()
	if grew {
		p.wq.Notify(writableEvents)
	}
	return c, nil
}

// Buffered returns the number of bytes in the pipe (FIONREAD).
func (p *Pipe) Buffered() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.size
}

// Room returns how many bytes a stream write could add now: the free
// slots' pages and the free tail of the last slot's page.
func (p *Pipe) Room() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.roomLocked()
}

// roomLocked is Room with p.mu held.
func (p *Pipe) roomLocked() int {
	room := (p.capacity/pageSize - len(p.segs)) * pageSize
	if l := len(p.segs); l > 0 && !p.segs[l-1].packet {
		s := &p.segs[l-1]
		room += pageSize - s.off - s.n
	}
	return max(room, 0)
}

// full reports whether every slot is in use. p.mu must be held.
func (p *Pipe) full() bool { return len(p.segs) >= p.capacity/pageSize }

// copyOut copies the first len(dst) buffered bytes to dst without
// consuming them. p.mu must be held and len(dst) <= p.size.
func (p *Pipe) copyOut(dst []byte) {
	done := 0
	for i := 0; done < len(dst) && i < len(p.segs); i++ {
		s := &p.segs[i]
		done += copy(dst[done:], s.data[s.off:s.off+s.n])
	}
}

// read moves up to len(dst) bytes to dst, oldest first; it stops after a
// packet slot, whose unread rest is dropped. p.mu must be held.
func (p *Pipe) read(dst []byte) int {
	done := 0
	for done < len(dst) && len(p.segs) > 0 {
		s := &p.segs[0]
		m := copy(dst[done:], s.data[s.off:s.off+s.n])
		done += m
		p.size -= m
		s.off += m
		s.n -= m
		packet := s.packet
		if packet {
			p.size -= s.n
			s.n = 0
		}
		if s.n == 0 {
			if p.spare == nil {
				p.spare = s.data
			}
			p.segs[0] = segment{}
			if len(p.segs) == 1 {
				// Empty: reuse the array from where it starts now.
				p.segs = p.segs[:0]
			} else {
				p.segs = p.segs[1:]
			}
		}
		if packet {
			break
		}
	}
	return done
}

// appendData adds src as Linux's pipe_write does, using at most maxSlots
// slots in all, and returns how many bytes it took. A stream write first
// puts its part beyond whole pages (len(src) mod pageSize) at the end of
// the last slot's page if it fits there; then each new slot takes up to a
// page. p.mu must be held.
func (p *Pipe) appendData(src []byte, packet bool, maxSlots int) int {
	done := 0
	if chars := len(src) & (pageSize - 1); chars != 0 && !packet && len(p.segs) > 0 {
		s := &p.segs[len(p.segs)-1]
		if !s.packet && s.off+s.n+chars <= pageSize {
			copy(s.data[s.off+s.n:], src[:chars])
			s.n += chars
			done = chars
		}
	}
	for done < len(src) && len(p.segs) < maxSlots {
		m := min(len(src)-done, pageSize)
		page := p.spare
		p.spare = nil
		if page == nil {
			page = make([]byte, pageSize)
		}
		copy(page, src[done:done+m])
		p.segs = append(p.segs, segment{data: page, n: m, packet: packet})
		done += m
	}
	p.size += done
	return done
}

// write appends all of src as stream data, taking slots beyond the
// capacity if it must. p.mu must be held; callers check the room first.
func (p *Pipe) write(src []byte) {
	p.appendData(src, false, int(^uint(0)>>1))
}

func nowSpec() vfs.Timespec {
	t := time.Now()
	return vfs.Timespec{Sec: t.Unix(), Nsec: int64(t.Nanosecond())}
}

// stat returns the pipe inode's metadata.
func (p *Pipe) stat() vfs.Stat {
	p.mu.Lock()
	defer p.mu.Unlock()
	return vfs.Stat{
		Dev:     Dev,
		Ino:     p.ino,
		Nlink:   1,
		Mode:    unix.S_IFIFO | 0o600,
		UID:     p.uid,
		GID:     p.gid,
		Blksize: pageSize,
		Atime:   p.atime,
		Mtime:   p.mtime,
		Ctime:   p.ctime,
	}
}

// End is one open end of a pipe: a vfs.FileImpl, waiter.Waitable and
// vfs.Ioctler. Its Release closes the end.
type End struct {
	p           *Pipe
	read, write bool
	// hupBase is p.wOpens when this read end opened with no writer, or
	// 0: EventHUp is reported once writers are gone and wOpens differs.
	hupBase  uint64
	released atomic.Bool
	// packet is set while the end's file has O_DIRECT: its writes are
	// packets.
	packet atomic.Bool
}

var (
	_ vfs.FileImpl    = (*End)(nil)
	_ vfs.Ioctler     = (*End)(nil)
	_ waiter.Waitable = (*End)(nil)
)

// Pipe returns the pipe the end belongs to (for F_GETPIPE_SZ and
// F_SETPIPE_SZ).
func (e *End) Pipe() *Pipe { return e.p }

// IsReader reports whether the end reads.
func (e *End) IsReader() bool { return e.read }

// IsWriter reports whether the end writes.
func (e *End) IsWriter() bool { return e.write }

// Read implements vfs.FileImpl.Read: it returns the data available, up to
// len(dst); 0 at end of file (empty and no writer); EAGAIN when empty with
// a writer.
func (e *End) Read(dst []byte, _ int64) (int, error) {
	if !e.read {
		return 0, unix.EBADF
	}
	if len(dst) == 0 {
		return 0, nil
	}
	p := e.p
	p.mu.Lock()
	if p.size == 0 {
		w := p.writers
		p.mu.Unlock()
		if w == 0 {
			return 0, nil
		}
		return 0, unix.EAGAIN
	}
	wasFull := p.full()
	n := p.read(dst)
	p.atime = nowSpec()
	p.mu.Unlock()
	// As Linux, writers are woken only if the pipe was full: a writer
	// waits only then, and edge-triggered epoll sees EPOLLOUT edges only
	// when a slot frees up.
	if wasFull {
		p.wq.Notify(writableEvents)
	}
	return n, nil
}

// StatusFlagsChanged implements vfs.StatusFlagsObserver: O_DIRECT turns
// packet mode on (pipe2(2)).
func (e *End) StatusFlagsChanged(flags int) {
	e.packet.Store(flags&unix.O_DIRECT != 0)
}

// Write implements vfs.FileImpl.Write (see WriteMode), in packet mode if
// the end's file has O_DIRECT.
func (e *End) Write(src []byte, _ int64) (int, error) {
	return e.WriteMode(src, e.packet.Load())
}

// WriteMode writes src, in packet mode if packet. With no reader it returns EPIPE (the caller sends SIGPIPE).
// It writes what fits as Linux does (see appendData) and returns the
// count, or EAGAIN if nothing fits; a write of at most PipeBuf bytes
// always fits whole or not at all. A blocking caller waits and retries
// with the rest.
func (e *End) WriteMode(src []byte, packet bool) (int, error) {
	if !e.write {
		return 0, unix.EBADF
	}
	if len(src) == 0 {
		return 0, nil
	}
	p := e.p
	p.mu.Lock()
	if p.readers == 0 {
		p.mu.Unlock()
		return 0, unix.EPIPE
	}
	n := p.appendData(src, packet, p.capacity/pageSize)
	if n == 0 {
		p.mu.Unlock()
		return 0, unix.EAGAIN
	}
	now := nowSpec()
	p.mtime, p.ctime = now, now
	p.mu.Unlock()
	// Readers are woken on every write, not only when the pipe was
	// empty, as Linux does for the benefit of edge-triggered epoll.
	p.rq.Notify(readableEvents)
	return n, nil
}

// Stat implements vfs.FileImpl.Stat.
func (e *End) Stat() (vfs.Stat, error) { return e.p.stat(), nil }

// Release implements vfs.FileImpl.Release: it closes the end. Later calls
// do nothing.
func (e *End) Release() {
	if e.released.Swap(true) {
		return
	}
	p := e.p
	var notifyR, notifyW bool
	p.mu.Lock()
	if e.read {
		p.readers--
		notifyW = p.readers == 0
	}
	if e.write {
		p.writers--
		notifyR = p.writers == 0
	}
	if p.readers == 0 && p.writers == 0 {
		// No one can reach the data any more; a FIFO reopened later
		// starts empty.
		p.segs, p.size = nil, 0
		p.capacity = p.initCap
	}
	p.mu.Unlock()
	if notifyR {
		p.rq.Notify(readableEvents | waiter.EventHUp)
	}
	if notifyW {
		p.wq.Notify(writableEvents | waiter.EventErr)
	}
	p.oq.Notify(waiter.AllEvents)
}

// Readiness implements waiter.Waitable.Readiness, as Linux's pipe_poll:
// a read end is readable when it holds data, and reports EventHUp when no
// writer is left (once it has seen one); a write end is writable when a
// slot is free, so that any atomic write then succeeds, and reports
// EventErr when no reader is left.
func (e *End) Readiness(mask waiter.Mask) waiter.Mask {
	p := e.p
	var r waiter.Mask
	p.mu.Lock()
	if e.read {
		if p.size > 0 {
			r |= readableEvents
		}
		if p.writers == 0 && p.wOpens != e.hupBase {
			r |= waiter.EventHUp
		}
	}
	if e.write {
		if !p.full() {
			r |= writableEvents
		}
		if p.readers == 0 {
			r |= waiter.EventErr
		}
	}
	p.mu.Unlock()
	return r & mask
}

// EventRegister implements waiter.Waitable.EventRegister.
func (e *End) EventRegister(w *waiter.Entry) {
	if e.read {
		e.p.rq.EventRegister(w)
	}
	if e.write {
		e.p.wq.EventRegister(w)
	}
}

// EventUnregister implements waiter.Waitable.EventUnregister.
func (e *End) EventUnregister(w *waiter.Entry) {
	if e.read {
		e.p.rq.EventUnregister(w)
	}
	if e.write {
		e.p.wq.EventUnregister(w)
	}
}

// Ioctl implements vfs.Ioctler: FIONREAD stores the number of buffered
// bytes as an int at arg. Other commands return ENOTTY.
func (e *End) Ioctl(mem vfs.Memory, cmd uint32, arg uint64) (uint64, error) {
	switch cmd {
	case fionread:
		var b [4]byte
		binary.LittleEndian.PutUint32(b[:], uint32(int32(e.p.Buffered())))
		if _, err := mem.CopyOut(arg, b[:]); err != nil {
			return 0, err
		}
		return 0, nil
	}
	return 0, unix.ENOTTY
}
