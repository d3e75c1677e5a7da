package syscalls

import (
	"encoding/binary"
	"runtime"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/platform"
	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/fs/eventfd"
	"github.com/moat-dev/moat/sentry/mm"
	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

// Linux native AIO (io_setup(2) and the rest), as libaio, fio and
// databases use it. A context belongs to the address space that made it,
// as on Linux: its threads share it, a fork's child and an execve's new
// image start without. The sentry does each request's I/O when it is
// submitted, as Linux does for buffered files; io_submit queues the
// completion event, which io_getevents reaps. Requests are never pending,
// so io_cancel finds none. IOCB_CMD_POLL is refused with EINVAL, as
// kernels before 4.18 refused it.
//
// The context ID is the address of a mapping in the process, as on
// Linux, sized as Linux sizes its completion ring. The ring's header is
// left without AIO_RING_MAGIC: libaio then reaps through io_getevents
// instead of reading events from the ring itself.

func init() {
	register(abi.SysIoSetup, sysIoSetup)
	register(abi.SysIoDestroy, sysIoDestroy)
	register(abi.SysIoSubmit, sysIoSubmit)
	register(abi.SysIoCancel, sysIoCancel)
	register(abi.SysIoGetevents, func(t *task, a *args) (uint64, error) {
		d, err := tsTimeout(t, a[4])
		if err != nil {
			return 0, err
		}
		return ioGetevents(t, a[0], int64(a[1]), int64(a[2]), a[3], d)
	})
	register(abi.SysIoPgetevents, func(t *task, a *args) (uint64, error) {
		d, err := tsTimeout(t, a[4])
		if err != nil {
			return 0, err
		}
		var mask, size uint64
		if a[5] != 0 {
			var b [16]byte
			if err := copyIn(t, a[5], b[:]); err != nil {
				return 0, err
			}
			mask, size = binary.LittleEndian.Uint64(b[:]), binary.LittleEndian.Uint64(b[8:])
		}
		return withSigmask(t, mask, size, func() (uint64, error) {
			return ioGetevents(t, a[0], int64(a[1]), int64(a[2]), a[3], d)
		})
	})
}

const (
	iocbCmdPread  = 0
	iocbCmdPwrite = 1
	iocbCmdFsync  = 2
	iocbCmdFdsync = 3
	iocbCmdPreadv = 7
	iocbCmdPwritv = 8

	iocbFlagResfd  = 1
	iocbFlagIoprio = 2

	sizeofIocb    = 64
	sizeofIoEvent = 32
	sizeofAioRing = 32

	// aioMaxNr is fs.aio-max-nr, which bounds a context's requests.
	// (Linux bounds all contexts' together; here each context is
	// bounded alone, as the address space that held one can go without
	// io_destroy.)
	aioMaxNr = 65536
)

// aioContext is one io_setup context.
type aioContext struct {
	ring, ringLen uint64
	maxReqs       int64

	mu     sync.Mutex
	events [][sizeofIoEvent]byte // completed, not yet reaped
	dead   bool
	q      waiter.Queue
}

// aioTable is an address space's contexts, by ID.
type aioTable struct {
	mu   sync.Mutex
	ctxs map[uint64]*aioContext
}

func aioTableOf(t *task) *aioTable {
	return t.MM().AIO(func() any { return &aioTable{ctxs: make(map[uint64]*aioContext)} }).(*aioTable)
}

func lookupAIO(t *task, id uint64) (*aioContext, error) {
	tab := aioTableOf(t)
	tab.mu.Lock()
	defer tab.mu.Unlock()
	c := tab.ctxs[id]
	if c == nil {
		return nil, unix.EINVAL
	}
	return c, nil
}

// io_setup(nr_events, ctx_idp)
func sysIoSetup(t *task, a *args) (uint64, error) {
	nr, idp := uint32(a[0]), a[1]
	id, err := copyInU64(t, idp)
	if err != nil {
		return 0, err
	}
	if id != 0 || nr == 0 || nr > 0x10000000/sizeofIoEvent {
		return 0, unix.EINVAL
	}
	// Linux makes room for a batch of events per CPU, and twice that.
	maxReqs := int64(max(nr, uint32(runtime.NumCPU())*4)) * 2
	if maxReqs > aioMaxNr {
		return 0, unix.EAGAIN
	}
	ringLen := mm.PageRoundUp(sizeofAioRing + uint64(maxReqs)*sizeofIoEvent)
	rw := platform.AccessType{Read: true, Write: true}
	ring, err := t.MM().MMap(mm.MMapOpts{Length: ringLen, Perms: rw, MaxPerms: rw, Private: true, Name: "[aio]"})
	if err != nil {
		return 0, unix.EAGAIN
	}
	c := &aioContext{ring: ring, ringLen: ringLen, maxReqs: maxReqs}
	if err := copyOutU64(t, idp, ring); err != nil {
		t.MM().MUnmap(ring, ringLen)
		return 0, err
	}
	tab := aioTableOf(t)
	tab.mu.Lock()
	tab.ctxs[ring] = c
	tab.mu.Unlock()
	return 0, nil
}

// io_destroy(ctx_id)
func sysIoDestroy(t *task, a *args) (uint64, error) {
	tab := aioTableOf(t)
	tab.mu.Lock()
	c := tab.ctxs[a[0]]
	delete(tab.ctxs, a[0])
	tab.mu.Unlock()
	if c == nil {
		return 0, unix.EINVAL
	}
	c.mu.Lock()
	c.dead = true
	c.events = nil
	c.mu.Unlock()
	c.q.Notify(waiter.EventIn)
	t.MM().MUnmap(c.ring, c.ringLen)
	return 0, nil
}

// io_submit(ctx_id, nr, iocbpp): the number of requests submitted, or
// the first one's error if none was.
func sysIoSubmit(t *task, a *args) (uint64, error) {
	nr := int64(a[1])
	if nr < 0 {
		return 0, unix.EINVAL
	}
	c, err := lookupAIO(t, a[0])
	if err != nil {
		return 0, err
	}
	nr = min(nr, c.maxReqs)
	var i int64
	for ; i < nr; i++ {
		p, err := copyInU64(t, a[2]+8*uint64(i))
		if err == nil {
			err = submitIocb(t, c, p)
		}
		if err != nil {
			if i == 0 {
				return 0, err
			}
			break
		}
	}
	return uint64(i), nil
}

// submitIocb does the request of the iocb at addr and queues its event.
func submitIocb(t *task, c *aioContext, addr uint64) error {
	var b [sizeofIocb]byte
	if err := copyIn(t, addr, b[:]); err != nil {
		return err
	}
	le := binary.LittleEndian
	data, rwFlags := le.Uint64(b[0:]), le.Uint32(b[12:])
	op, reqprio, fd := le.Uint16(b[16:]), int16(le.Uint16(b[18:])), int32(le.Uint32(b[20:]))
	buf, nbytes, off := le.Uint64(b[24:]), le.Uint64(b[32:]), int64(le.Uint64(b[40:]))
	reserved2, flags, resfd := le.Uint64(b[48:]), le.Uint32(b[56:]), int32(le.Uint32(b[60:]))
	if reserved2 != 0 || int64(nbytes) < 0 {
		return unix.EINVAL
	}
	c.mu.Lock()
	full := int64(len(c.events)) >= c.maxReqs
	c.mu.Unlock()
	if full {
		return unix.EAGAIN
	}
	f, err := getFile(t, fd)
	if err != nil {
		return err
	}
	defer f.DecRef()
	var notify *eventfd.EventFD
	if flags&iocbFlagResfd != 0 {
		ef, err := getFile(t, resfd)
		if err != nil {
			return err
		}
		defer ef.DecRef()
		e, ok := ef.Impl.(*eventfd.EventFD)
		if !ok {
			return unix.EINVAL
		}
		notify = e
	}
	if flags&iocbFlagIoprio != 0 && uint16(reqprio)>>13 > 3 {
		return unix.EINVAL
	}
	// aio_key: the kernel's mark that the iocb was submitted.
	if err := copyOutU32(t, addr+8, 0); err != nil {
		return err
	}
	var run func() (uint64, error)
	switch op {
	case iocbCmdPread, iocbCmdPwrite, iocbCmdPreadv, iocbCmdPwritv:
		write := op == iocbCmdPwrite || op == iocbCmdPwritv
		if write && !f.Writable() || !write && !f.Readable() {
			return unix.EBADF
		}
		if rwFlags&^rwfAll != 0 {
			return unix.EOPNOTSUPP
		}
		if off < 0 {
			return unix.EINVAL
		}
		vectorOp := op == iocbCmdPreadv || op == iocbCmdPwritv
		if vectorOp && nbytes > 1024 {
			return unix.EINVAL
		}
		run = func() (uint64, error) {
			switch {
			case vectorOp:
				return vectored(t, f, buf, int32(nbytes), off, write)
			case write:
				return t.CountedWrite(writeFromUser(t, f, buf, nbytes, off))
			default:
				return t.CountedRead(readToUser(t, f, buf, nbytes, off))
			}
		}
	case iocbCmdFsync, iocbCmdFdsync:
		if buf != 0 || off != 0 || nbytes != 0 || rwFlags != 0 {
			return unix.EINVAL
		}
		s, ok := f.Impl.(vfs.Syncer)
		if !ok {
			return unix.EINVAL
		}
		run = func() (uint64, error) { return 0, s.Sync() }
	default:
		return unix.EINVAL
	}
	n, ioErr := run()
	var ev [sizeofIoEvent]byte
	le.PutUint64(ev[0:], data)
	le.PutUint64(ev[8:], addr)
	res := int64(n)
	if ioErr != nil {
		res = -int64(errnoOf(ioErr))
	}
	le.PutUint64(ev[16:], uint64(res))
	c.mu.Lock()
	if !c.dead {
		c.events = append(c.events, ev)
	}
	c.mu.Unlock()
	c.q.Notify(waiter.EventIn)
	if notify != nil {
		notify.Signal(1)
	}
	return nil
}

// errnoOf is the errno an I/O error reports in an event: a call cut
// short by a signal reports EINTR, as Linux's completions do.
func errnoOf(err error) unix.Errno {
	if e, ok := err.(unix.Errno); ok {
		return e
	}
	return unix.EINTR
}

// io_cancel(ctx_id, iocb, result): every request has completed by the
// time io_submit returns, so none can be cancelled.
func sysIoCancel(t *task, a *args) (uint64, error) {
	if _, err := lookupAIO(t, a[0]); err != nil {
		return 0, err
	}
	key, err := copyInU32(t, a[1]+8)
	if err != nil {
		return 0, err
	}
	if key != 0 {
		return 0, unix.EINVAL
	}
	return 0, unix.EINVAL
}

// ioGetevents reaps between minNr and nr events into evAddr, waiting up
// to d (-1 forever) for minNr of them.
func ioGetevents(t *task, id uint64, minNr, nr int64, evAddr uint64, d time.Duration) (uint64, error) {
	if minNr > nr || minNr < 0 || nr < 0 {
		return 0, unix.EINVAL
	}
	c, err := lookupAIO(t, id)
	if err != nil {
		return 0, err
	}
	deadline := time.Now().Add(d)
	e := waiter.NewEntry(waiter.EventIn)
	c.q.EventRegister(e)
	defer c.q.EventUnregister(e)
	var got int64
	for {
		c.mu.Lock()
		k := min(int64(len(c.events)), nr-got)
		take := c.events[:k]
		c.events = c.events[k:]
		dead := c.dead
		c.mu.Unlock()
		for i := range take {
			if err := copyOut(t, evAddr+uint64(got)*sizeofIoEvent, take[i][:]); err != nil {
				return 0, err
			}
			got++
		}
		if got >= minNr || got == nr || dead || d == 0 {
			return uint64(got), nil
		}
		ok, err := waitReady(t, e, deadline, d < 0)
		if err != nil {
			if got > 0 {
				return uint64(got), nil
			}
			return 0, unix.EINTR
		}
		if !ok {
			return uint64(got), nil
		}
	}
}
