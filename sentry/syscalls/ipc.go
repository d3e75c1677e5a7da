package syscalls

import (
	"encoding/binary"
	"math"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/fs/epoll"
	"github.com/moat-dev/moat/sentry/fs/eventfd"
	"github.com/moat-dev/moat/sentry/fs/pipe"
	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

func init() {
	register(abi.SysPipe, func(t *task, a *args) (uint64, error) { return pipe2(t, a[0], 0) })
	register(abi.SysPipe2, func(t *task, a *args) (uint64, error) { return pipe2(t, a[0], int(a[1])) })
	register(abi.SysEventfd, func(t *task, a *args) (uint64, error) { return eventfd2(t, uint32(a[0]), 0) })
	register(abi.SysEventfd2, func(t *task, a *args) (uint64, error) { return eventfd2(t, uint32(a[0]), int(a[1])) })
	register(abi.SysEpollCreate, func(t *task, a *args) (uint64, error) {
		if int32(a[0]) <= 0 {
			return 0, unix.EINVAL
		}
		return epollCreate(t, 0)
	})
	register(abi.SysEpollCreate1, func(t *task, a *args) (uint64, error) { return epollCreate(t, int(a[0])) })
	register(abi.SysEpollCtl, sysEpollCtl)
	register(abi.SysEpollWait, func(t *task, a *args) (uint64, error) {
		return epollWait(t, int32(a[0]), a[1], int32(a[2]), msTimeout(int32(a[3])))
	})
	register(abi.SysEpollPwait, func(t *task, a *args) (uint64, error) {
		return withSigmask(t, a[4], a[5], func() (uint64, error) {
			return epollWait(t, int32(a[0]), a[1], int32(a[2]), msTimeout(int32(a[3])))
		})
	})
	register(abi.SysEpollPwait2, func(t *task, a *args) (uint64, error) {
		d, err := tsTimeout(t, a[3])
		if err != nil {
			return 0, err
		}
		return withSigmask(t, a[4], a[5], func() (uint64, error) {
			return epollWait(t, int32(a[0]), a[1], int32(a[2]), d)
		})
	})
	register(abi.SysPoll, func(t *task, a *args) (uint64, error) {
		return poll(t, a[0], a[1], msTimeout(int32(a[2])))
	})
	register(abi.SysPpoll, func(t *task, a *args) (uint64, error) {
		d, err := tsTimeout(t, a[2])
		if err != nil {
			return 0, err
		}
		start := time.Now()
		n, err := withSigmask(t, a[3], a[4], func() (uint64, error) { return poll(t, a[0], a[1], d) })
		return n, putTimeLeft(t, a[2], d, start, false, err)
	})
	register(abi.SysSelect, sysSelect)
	register(abi.SysPselect6, sysPselect6)
	vfs.OnRelease = epoll.FileReleased
}

func pipe2(t *task, addr uint64, flags int) (uint64, error) {
	if flags&^(unix.O_CLOEXEC|unix.O_NONBLOCK|unix.O_DIRECT) != 0 {
		return 0, unix.EINVAL
	}
	p := pipe.New(0)
	c := t.Creds()
	p.SetOwner(c.EffectiveUID, c.EffectiveGID)
	// Only the write end carries O_DIRECT: packet mode is a property of
	// the writes.
	status := flags & unix.O_NONBLOCK
	r := vfs.NewFile(p.ReaderImpl(), vfs.VirtualDentry{}, unix.O_RDONLY|status)
	w := vfs.NewFile(p.WriterImpl(), vfs.VirtualDentry{}, unix.O_WRONLY|status|flags&unix.O_DIRECT)
	cloexec := flags&unix.O_CLOEXEC != 0
	rfd, err := t.FDTable().New(0, r, cloexec, nofile(t))
	r.DecRef()
	if err != nil {
		w.DecRef()
		return 0, err
	}
	wfd, err := t.FDTable().New(0, w, cloexec, nofile(t))
	w.DecRef()
	if err != nil {
		t.FDTable().Remove(rfd)
		return 0, err
	}
	b := make([]byte, 8)
	binary.LittleEndian.PutUint32(b, uint32(rfd))
	binary.LittleEndian.PutUint32(b[4:], uint32(wfd))
	if err := copyOut(t, addr, b); err != nil {
		t.FDTable().Remove(rfd)
		t.FDTable().Remove(wfd)
		return 0, err
	}
	return 0, nil
}

func eventfd2(t *task, initval uint32, flags int) (uint64, error) {
	if flags&^(unix.EFD_CLOEXEC|unix.EFD_NONBLOCK|unix.EFD_SEMAPHORE) != 0 {
		return 0, unix.EINVAL
	}
	impl := eventfd.New(uint64(initval), flags&unix.EFD_SEMAPHORE != 0)
	f := vfs.NewFile(impl, vfs.VirtualDentry{}, unix.O_RDWR|flags&unix.O_NONBLOCK)
	return newFD(t, f, flags&unix.EFD_CLOEXEC != 0)
}

func epollCreate(t *task, flags int) (uint64, error) {
	if flags&^unix.EPOLL_CLOEXEC != 0 {
		return 0, unix.EINVAL
	}
	f := vfs.NewFile(epoll.New(), vfs.VirtualDentry{}, unix.O_RDWR)
	return newFD(t, f, flags&unix.EPOLL_CLOEXEC != 0)
}

func getEpoll(t *task, fd int32) (*vfs.File, *epoll.EventPoll, error) {
	f, err := getFile(t, fd)
	if err != nil {
		return nil, nil, err
	}
	ep, ok := f.Impl.(*epoll.EventPoll)
	if !ok {
		f.DecRef()
		return nil, nil, unix.EINVAL
	}
	return f, ep, nil
}

// sysEpollCtl checks in Linux's order: the event is copied in first
// (EFAULT), then both fds must be open (EBADF), the target must support
// polling (EPERM), and epfd must be an epoll instance other than the
// target (EINVAL); then the operation.
func sysEpollCtl(t *task, a *args) (uint64, error) {
	epfd, op, fd, evAddr := int32(a[0]), int(a[1]), int32(a[2]), a[3]
	var events uint32
	var data uint64
	if op != unix.EPOLL_CTL_DEL {
		b := make([]byte, 12)
		if err := copyIn(t, evAddr, b); err != nil {
			return 0, err
		}
		events, data = le32(b), le64(b[4:])
	}
	ef, err := getFile(t, epfd)
	if err != nil {
		return 0, err
	}
	defer ef.DecRef()
	f, err := getFile(t, fd)
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	w, pollable := waitableFor(t, f)
	if _, regular := f.Impl.(vfs.AlwaysReadyFile); regular {
		pollable = false
	}
	if !pollable {
		return 0, unix.EPERM
	}
	ep, ok := ef.Impl.(*epoll.EventPoll)
	if !ok || ef == f {
		return 0, unix.EINVAL
	}
	switch op {
	case unix.EPOLL_CTL_ADD:
		return 0, ep.Add(int(fd), f, w, events, data)
	case unix.EPOLL_CTL_MOD:
		return 0, ep.Modify(int(fd), f, events, data)
	case unix.EPOLL_CTL_DEL:
		return 0, ep.Delete(int(fd), f)
	}
	return 0, unix.EINVAL
}

// taskWaitable is implemented by files whose readiness depends on the
// task that asks (a signalfd reports the caller's pending signals).
type taskWaitable interface {
	WaitableFor(t *kernel.Task) waiter.Waitable
}

// waitableFor returns what t waits on and polls to wait for f, and false
// if f cannot be waited for.
func waitableFor(t *task, f *vfs.File) (waiter.Waitable, bool) {
	if tw, ok := f.Impl.(taskWaitable); ok {
		return tw.WaitableFor(t), true
	}
	return f.Waitable()
}

// msTimeout converts a millisecond timeout; negative means forever.
func msTimeout(ms int32) time.Duration {
	if ms < 0 {
		return -1
	}
	return time.Duration(ms) * time.Millisecond
}

// tsTimeout reads an optional timespec timeout; absent means forever.
func tsTimeout(t *task, addr uint64) (time.Duration, error) {
	if addr == 0 {
		return -1, nil
	}
	ts, err := getTimespec(t, addr)
	if err != nil {
		return 0, err
	}
	return timeoutOf(ts.Sec, ts.Nsec), nil
}

// timeoutOf converts a valid timeout to a Duration; one too long for a
// Duration (some 292 years) is forever (-1).
func timeoutOf(sec, nsec int64) time.Duration {
	if sec >= int64(math.MaxInt64/time.Second) {
		return -1
	}
	return time.Duration(sec)*time.Second + time.Duration(nsec)
}

// withSigmask runs fn with a temporary signal mask, as the p* variants
// of the wait calls do.
func withSigmask(t *task, maskAddr, size uint64, fn func() (uint64, error)) (uint64, error) {
	if maskAddr == 0 {
		return fn()
	}
	if size != 8 {
		return 0, unix.EINVAL
	}
	m, err := copyInU64(t, maskAddr)
	if err != nil {
		return 0, err
	}
	t.SetSavedSignalMask(m)
	n, err := fn()
	if err == nil || (err != kernel.ERESTARTNOHAND && err != unix.EINTR) {
		// No signal interrupted the call: the old mask returns now.
		t.RestoreSavedSignalMask()
	}
	return n, err
}

// waitReady blocks on entry until timeout d (-1 forever). It returns
// false when the time is up.
func waitReady(t *task, e *waiter.Entry, deadline time.Time, forever bool) (bool, error) {
	if forever {
		if err := t.Block(e.C); err != nil {
			return false, kernel.ERESTARTNOHAND
		}
		return true, nil
	}
	left := time.Until(deadline)
	if left <= 0 {
		return false, nil
	}
	tm := time.NewTimer(left)
	defer tm.Stop()
	switch err := t.BlockTimeout(e.C, tm.C); err {
	case nil:
		return true, nil
	case kernel.ErrTimedOut:
		return false, nil
	}
	return false, kernel.ERESTARTNOHAND
}

func epollWait(t *task, epfd int32, evAddr uint64, max int32, d time.Duration) (uint64, error) {
	if max <= 0 || max > (1<<31-1)/12 {
		return 0, unix.EINVAL
	}
	f, ep, err := getEpoll(t, epfd)
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	deadline := time.Now().Add(d)
	e := waiter.NewEntry(waiter.EventIn)
	ep.EventRegister(e)
	defer ep.EventUnregister(e)
	for {
		evs := ep.Wait(int(max))
		if len(evs) > 0 {
			b := make([]byte, 12*len(evs))
			for i, ev := range evs {
				binary.LittleEndian.PutUint32(b[12*i:], ev.Events)
				binary.LittleEndian.PutUint64(b[12*i+4:], ev.Data)
			}
			return uint64(len(evs)), copyOut(t, evAddr, b)
		}
		if d == 0 {
			return 0, nil
		}
		ok, err := waitReady(t, e, deadline, d < 0)
		if err != nil {
			// epoll_wait is never restarted.
			return 0, unix.EINTR
		}
		if !ok {
			return 0, nil
		}
	}
}

// pollFile returns the ready events of f for mask.
func pollFile(t *task, f *vfs.File, mask waiter.Mask) waiter.Mask {
	w, ok := waitableFor(t, f)
	if !ok {
		return mask & (waiter.EventIn | waiter.EventOut | waiter.EventRdNorm | waiter.EventWrNorm)
	}
	return w.Readiness(mask | waiter.EventErr | waiter.EventHUp)
}

type pollFD struct {
	fd     int32
	events waiter.Mask
	f      *vfs.File
}

// doPoll waits until one of fds is ready or the timeout passes, and
// returns each fd's events.
func doPoll(t *task, fds []pollFD, d time.Duration) ([]waiter.Mask, error) {
	deadline := time.Now().Add(d)
	e := waiter.NewEntry(waiter.AllEvents)
	for _, p := range fds {
		if p.f != nil {
			if w, ok := waitableFor(t, p.f); ok {
				w.EventRegister(e)
				defer w.EventUnregister(e)
			}
		}
	}
	revents := make([]waiter.Mask, len(fds))
	for {
		n := 0
		for i, p := range fds {
			if p.f == nil {
				revents[i] = 0
				if p.fd >= 0 {
					revents[i] = unix.POLLNVAL
					n++
				}
				continue
			}
			revents[i] = pollFile(t, p.f, p.events)
			if revents[i] != 0 {
				n++
			}
		}
		if n > 0 || d == 0 {
			return revents, nil
		}
		ok, err := waitReady(t, e, deadline, d < 0)
		if err != nil {
			return nil, err
		}
		if !ok {
			return revents, nil
		}
	}
}

func poll(t *task, addr, nfds uint64, d time.Duration) (uint64, error) {
	// Linux refuses more entries than RLIMIT_NOFILE allows fds.
	if nfds > uint64(nofile(t)) {
		return 0, unix.EINVAL
	}
	b := make([]byte, 8*nfds)
	if err := copyIn(t, addr, b); err != nil {
		return 0, err
	}
	fds := make([]pollFD, nfds)
	for i := range fds {
		fds[i].fd = int32(le32(b[8*i:]))
		fds[i].events = waiter.Mask(binary.LittleEndian.Uint16(b[8*i+4:])) | waiter.EventErr | waiter.EventHUp
		if fds[i].fd >= 0 {
			if f, err := getFile(t, fds[i].fd); err == nil {
				fds[i].f = f
				defer f.DecRef()
			}
		}
	}
	rev, err := doPoll(t, fds, d)
	if err != nil {
		return 0, err
	}
	n := 0
	for i := range fds {
		binary.LittleEndian.PutUint16(b[8*i+6:], uint16(rev[i]&fds[i].events|rev[i]&unix.POLLNVAL))
		if rev[i] != 0 {
			n++
		}
	}
	return uint64(n), copyOut(t, addr, b)
}

const (
	selectIn  = waiter.EventIn | waiter.EventRdNorm | waiter.EventHUp | waiter.EventErr
	selectOut = waiter.EventOut | waiter.EventWrNorm | waiter.EventErr
	selectEx  = waiter.EventPri
)

func doSelect(t *task, nfds int32, rAddr, wAddr, eAddr uint64, d time.Duration) (uint64, error) {
	if nfds < 0 {
		return 0, unix.EINVAL
	}
	// As Linux, fds beyond the table's size are ignored, and their bits
	// are not even read.
	nfds = min(nfds, int32(t.FDTable().MaxFDs()))
	nbytes := (int(nfds) + 7) / 8
	sets := [3][]byte{}
	for i, addr := range []uint64{rAddr, wAddr, eAddr} {
		if addr == 0 {
			continue
		}
		sets[i] = make([]byte, (nbytes+7)&^7)
		if err := copyIn(t, addr, sets[i][:nbytes]); err != nil {
			return 0, err
		}
	}
	masks := [3]waiter.Mask{selectIn, selectOut, selectEx}
	var fds []pollFD
	for fd := int32(0); fd < nfds; fd++ {
		var ev waiter.Mask
		for i := range sets {
			if sets[i] != nil && sets[i][fd/8]&(1<<(fd%8)) != 0 {
				ev |= masks[i]
			}
		}
		if ev == 0 {
			continue
		}
		f, err := getFile(t, fd)
		if err != nil {
			return 0, unix.EBADF
		}
		defer f.DecRef()
		fds = append(fds, pollFD{fd: fd, events: ev, f: f})
	}
	rev, err := doPoll(t, fds, d)
	if err != nil {
		return 0, err
	}
	for i := range sets {
		clear(sets[i])
	}
	n := 0
	for j, p := range fds {
		for i := range sets {
			if sets[i] != nil && rev[j]&masks[i]&p.events != 0 {
				sets[i][p.fd/8] |= 1 << (p.fd % 8)
				n++
			}
		}
	}
	for i, addr := range []uint64{rAddr, wAddr, eAddr} {
		if addr != 0 {
			if err := copyOut(t, addr, sets[i][:nbytes]); err != nil {
				return 0, err
			}
		}
	}
	return uint64(n), nil
}

func sysSelect(t *task, a *args) (uint64, error) {
	d := time.Duration(-1)
	if a[4] != 0 {
		b := make([]byte, 16)
		if err := copyIn(t, a[4], b); err != nil {
			return 0, err
		}
		// Linux folds whole seconds of tv_usec into tv_sec; only a
		// negative result is invalid.
		sec, usec := int64(le64(b)), int64(le64(b[8:]))
		sec, nsec := sec+usec/1e6, usec%1e6*1e3
		if sec < 0 || nsec < 0 {
			return 0, unix.EINVAL
		}
		d = timeoutOf(sec, nsec)
	}
	start := time.Now()
	n, err := doSelect(t, int32(a[0]), a[1], a[2], a[3], d)
	return n, putTimeLeft(t, a[4], d, start, true, err)
}

// putTimeLeft stores in the timeout at addr (a timeval if usec, else a
// timespec) what is left of d since start, as Linux's select, pselect6
// and ppoll do whether or not the wait succeeded; a restarted call then
// waits only for the rest. It returns err: a timeout in read-only memory
// is left alone, as in Linux.
func putTimeLeft(t *task, addr uint64, d time.Duration, start time.Time, usec bool, err error) error {
	if addr == 0 || d < 0 || err == unix.EINVAL || err == unix.EFAULT || err == unix.EBADF {
		return err
	}
	left := max(d-time.Since(start), 0)
	b := make([]byte, 16)
	binary.LittleEndian.PutUint64(b, uint64(left/time.Second))
	frac := left % time.Second
	if usec {
		frac /= time.Microsecond
	}
	binary.LittleEndian.PutUint64(b[8:], uint64(frac))
	copyOut(t, addr, b)
	return err
}

func sysPselect6(t *task, a *args) (uint64, error) {
	d, err := tsTimeout(t, a[4])
	if err != nil {
		return 0, err
	}
	var maskAddr, size uint64
	if a[5] != 0 {
		b := make([]byte, 16)
		if err := copyIn(t, a[5], b); err != nil {
			return 0, err
		}
		maskAddr, size = le64(b), le64(b[8:])
	}
	start := time.Now()
	n, err := withSigmask(t, maskAddr, size, func() (uint64, error) {
		return doSelect(t, int32(a[0]), a[1], a[2], a[3], d)
	})
	return n, putTimeLeft(t, a[4], d, start, false, err)
}
