package syscalls

import (
	"encoding/binary"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/arch"
	"github.com/moat-dev/moat/sentry/fs/epoll"
	"github.com/moat-dev/moat/sentry/fs/eventfd"
	"github.com/moat-dev/moat/sentry/fs/signalfd"
	"github.com/moat-dev/moat/sentry/fs/timerfd"
	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

// Signal-driven I/O (fcntl(2)'s F_SETOWN, F_SETOWN_EX and F_SETSIG, the
// O_ASYNC status flag and ioctl FIOASYNC). An open file description has
// an owner (a thread, a process or a process group) and a signal. While
// O_ASYNC is on, each readiness notification of the file sends the
// signal to the owner: plain SIGIO by default, or the F_SETSIG signal
// with the reason (POLL_IN, POLL_OUT, ...), the band and the fd in its
// siginfo, as Linux's send_sigio does. As in Linux, a unix socket sends
// POLL_OUT only once a send has found it full; an inet socket's
// writability is reported by its stack.

func init() {
	vfs.AddReleaseHook(releaseAsync)
}

// fcntl commands and ioctls of signal-driven I/O.
const (
	fSetsig   = 10
	fGetsig   = 11
	fSetownEx = 15
	fGetownEx = 16
	fioasync  = 0x5452
	fioSetown = 0x8901
	siocSpgrp = 0x8902
	fioGetown = 0x8903
	siocGpgrp = 0x8904
)

// Owner types of struct f_owner_ex.
const (
	fOwnerTID  = 0
	fOwnerPID  = 1
	fOwnerPGRP = 2
)

// si_code values of a signal set by F_SETSIG (POLL_*).
const (
	pollIn  = 1
	pollOut = 2
	pollPri = 5
	pollErr = 4
	pollHUp = 6
)

// fileOwner is who receives a file's I/O signals.
type fileOwner struct {
	typ int32 // fOwnerTID, fOwnerPID or fOwnerPGRP
	id  int32 // 0: nobody
	// uid and euid are those of the task that set the owner: Linux
	// checks them against the receiver's when it sends.
	uid, euid uint32
}

// asyncFile is the signal-driven I/O state of one open file description.
type asyncFile struct {
	k *kernel.Kernel

	mu    sync.Mutex
	owner fileOwner
	sig   int   // 0: plain SIGIO
	fd    int32 // the fd O_ASYNC was turned on through, for si_fd
	// w and entry are set while O_ASYNC is on for a file that notifies.
	w     waiter.Waitable
	entry *waiter.Entry
}

var asyncFiles = struct {
	mu sync.Mutex
	m  map[*vfs.File]*asyncFile
	// n is len(m), read without mu so that releasing a file costs
	// nothing while no file has state.
	n atomic.Int64
}{m: make(map[*vfs.File]*asyncFile)}

// asyncOf returns f's state, made if create is set (else nil if none).
func asyncOf(k *kernel.Kernel, f *vfs.File, create bool) *asyncFile {
	asyncFiles.mu.Lock()
	defer asyncFiles.mu.Unlock()
	a := asyncFiles.m[f]
	if a == nil && create {
		a = &asyncFile{k: k}
		asyncFiles.m[f] = a
		asyncFiles.n.Store(int64(len(asyncFiles.m)))
	}
	return a
}

// releaseAsync forgets a released file's owner and stops its signals.
func releaseAsync(f *vfs.File) {
	if asyncFiles.n.Load() == 0 {
		return
	}
	asyncFiles.mu.Lock()
	a := asyncFiles.m[f]
	delete(asyncFiles.m, f)
	asyncFiles.n.Store(int64(len(asyncFiles.m)))
	asyncFiles.mu.Unlock()
	if a == nil {
		return
	}
	a.mu.Lock()
	a.stopLocked()
	a.mu.Unlock()
}

func (a *asyncFile) stopLocked() {
	if a.entry != nil {
		a.w.EventUnregister(a.entry)
		a.w, a.entry = nil, nil
	}
}

// supportsAsync reports whether f can send I/O signals: Linux's files
// with a fasync operation (sockets, pipes and FIFOs, terminals,
// inotify). Regular files, directories, eventfds, timerfds, signalfds,
// epoll instances and pidfds have none.
func supportsAsync(f *vfs.File) (waiter.Waitable, bool) {
	w, ok := f.Waitable()
	if !ok {
		return nil, false
	}
	switch f.Impl.(type) {
	case vfs.AlwaysReadyFile, *eventfd.EventFD, *timerfd.File, *signalfd.File, *epoll.EventPoll, *kernel.PidFD:
		return nil, false
	}
	return w, true
}

// setStatusFlags is F_SETFL: O_ASYNC turned on starts the file's I/O
// signals and turned off stops them. As in Linux, where the file's
// fasync operation changes the flag, a file that cannot send them keeps
// O_ASYNC as it was (off, unless open set it).
func setStatusFlags(t *task, fd int32, f *vfs.File, flags int) {
	if (f.Flags()^flags)&unix.O_ASYNC == 0 {
		// The common case (O_NONBLOCK) needs no state of its own.
		f.SetFlags(flags)
		return
	}
	if _, ok := supportsAsync(f); !ok {
		f.SetFlags(flags&^unix.O_ASYNC | f.Flags()&unix.O_ASYNC)
		return
	}
	a := asyncOf(t.Kernel(), f, true)
	a.mu.Lock()
	defer a.mu.Unlock()
	old := f.Flags()
	f.SetFlags(flags)
	if (old^flags)&unix.O_ASYNC != 0 {
		a.setAsyncLocked(f, fd, flags&unix.O_ASYNC != 0)
	}
}

func (a *asyncFile) setAsyncLocked(f *vfs.File, fd int32, on bool) {
	a.stopLocked()
	if !on {
		return
	}
	w, ok := supportsAsync(f)
	if !ok {
		return
	}
	a.fd, a.w = fd, w
	a.entry = &waiter.Entry{Mask: waiter.AllEvents, Callback: a.notified}
	w.EventRegister(a.entry)
}

// fioAsync is ioctl FIOASYNC: O_ASYNC on if *arg is non-zero, off if
// zero. Unlike F_SETFL, a file without I/O signals refuses it (ENOTTY)
// when the flag would change.
func fioAsync(t *task, fd int32, f *vfs.File, arg uint64) (uint64, error) {
	v, err := copyInU32(t, arg)
	if err != nil {
		return 0, err
	}
	on := v != 0
	a := asyncOf(t.Kernel(), f, true)
	a.mu.Lock()
	defer a.mu.Unlock()
	old := f.Flags()
	if (old&unix.O_ASYNC != 0) == on {
		return 0, nil
	}
	if _, ok := supportsAsync(f); !ok {
		return 0, unix.ENOTTY
	}
	fl := old &^ unix.O_ASYNC
	if on {
		fl |= unix.O_ASYNC
	}
	f.SetFlags(fl)
	a.setAsyncLocked(f, fd, on)
	return 0, nil
}

// ownerExists reports whether id names a live thread, process or process
// group, as Linux's find_vpid asks.
func ownerExists(k *kernel.Kernel, typ, id int32) bool {
	if k.TaskByID(id) != nil || k.ThreadGroupByID(id) != nil {
		return true
	}
	return typ == fOwnerPGRP && len(k.ProcessGroupMembers(id)) > 0
}

// setOwner records owner typ/id (id 0: none) with the caller's UIDs.
func setOwner(t *task, f *vfs.File, typ, id int32) error {
	k := t.Kernel()
	if id != 0 && !ownerExists(k, typ, id) {
		return unix.ESRCH
	}
	c := t.Creds()
	a := asyncOf(k, f, true)
	a.mu.Lock()
	a.owner = fileOwner{typ: typ, id: id, uid: c.RealUID, euid: c.EffectiveUID}
	a.mu.Unlock()
	return nil
}

// owner returns f's owner; an owner that no longer exists reads as 0, as
// in Linux.
func owner(k *kernel.Kernel, f *vfs.File) fileOwner {
	a := asyncOf(k, f, false)
	if a == nil {
		return fileOwner{typ: fOwnerTID}
	}
	a.mu.Lock()
	o := a.owner
	a.mu.Unlock()
	if o.id != 0 && !ownerExists(k, o.typ, o.id) {
		o.id = 0
	}
	return o
}

// fcntlAsync serves F_GETOWN, F_SETOWN, F_GETOWN_EX, F_SETOWN_EX,
// F_GETSIG and F_SETSIG.
func fcntlAsync(t *task, f *vfs.File, cmd int, arg uint64) (uint64, error) {
	k := t.Kernel()
	switch cmd {
	case unix.F_GETOWN:
		o := owner(k, f)
		if o.typ == fOwnerPGRP {
			// A process group is negative, and reads as an error
			// when below 4096, as on Linux.
			return uint64(int64(-o.id)), nil
		}
		return uint64(o.id), nil
	case unix.F_SETOWN:
		who := int32(arg)
		typ := int32(fOwnerPID)
		if who < 0 {
			if who == -1<<31 {
				return 0, unix.EINVAL
			}
			typ, who = fOwnerPGRP, -who
		}
		return 0, setOwner(t, f, typ, who)
	case fGetownEx:
		o := owner(k, f)
		b := make([]byte, 8)
		binary.LittleEndian.PutUint32(b, uint32(o.typ))
		binary.LittleEndian.PutUint32(b[4:], uint32(o.id))
		return 0, copyOut(t, arg, b)
	case fSetownEx:
		b := make([]byte, 8)
		if err := copyIn(t, arg, b); err != nil {
			return 0, err
		}
		typ, id := int32(binary.LittleEndian.Uint32(b)), int32(binary.LittleEndian.Uint32(b[4:]))
		switch typ {
		case fOwnerTID, fOwnerPID, fOwnerPGRP:
		default:
			return 0, unix.EINVAL
		}
		if id < 0 {
			// find_vpid finds no negative number.
			return 0, unix.ESRCH
		}
		return 0, setOwner(t, f, typ, id)
	case fGetsig:
		a := asyncOf(k, f, false)
		if a == nil {
			return 0, nil
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		return uint64(a.sig), nil
	case fSetsig:
		if arg > kernel.NumSignals {
			return 0, unix.EINVAL
		}
		a := asyncOf(k, f, true)
		a.mu.Lock()
		a.sig = int(arg)
		a.mu.Unlock()
		return 0, nil
	}
	return 0, unix.EINVAL
}

// pollReason returns the POLL_* reason and band (Linux's band_table) of
// a readiness notification.
func pollReason(m waiter.Mask) (code int32, band uint64) {
	switch {
	case m&(waiter.EventIn|waiter.EventRdNorm) != 0:
		return pollIn, uint64(unix.EPOLLIN | unix.EPOLLRDNORM)
	case m&(waiter.EventOut|waiter.EventWrNorm) != 0:
		return pollOut, uint64(unix.EPOLLOUT | unix.EPOLLWRNORM | unix.EPOLLWRBAND)
	case m&waiter.EventPri != 0:
		return pollPri, uint64(unix.EPOLLPRI | unix.EPOLLRDBAND)
	case m&waiter.EventErr != 0:
		return pollErr, uint64(unix.EPOLLERR)
	default:
		return pollHUp, uint64(unix.EPOLLHUP | unix.EPOLLERR)
	}
}

// spaceTaker is a socket that tells whether a send found it full since
// it was last asked (Linux's SOCKWQ_ASYNC_NOSPACE).
type spaceTaker interface{ TakeNoSpace() bool }

// notified is the file's waiter callback: it signals the owner.
func (a *asyncFile) notified(m waiter.Mask) {
	a.mu.Lock()
	o, sig, fd, w := a.owner, a.sig, a.fd, a.w
	a.mu.Unlock()
	if o.id == 0 || w == nil {
		return
	}
	code, band := pollReason(m)
	if ns, ok := w.(spaceTaker); ok && code == pollOut && !ns.TakeNoSpace() {
		// Room in a socket nobody found full is no news.
		return
	}
	info := arch.SigInfo{Signo: int32(unix.SIGIO), Code: kernel.SI_KERNEL}
	if sig != 0 {
		info = arch.SigInfo{Signo: int32(sig), Code: code}
		binary.LittleEndian.PutUint64(info.Fields[0:], band)
		binary.LittleEndian.PutUint32(info.Fields[8:], uint32(fd))
	}
	k := a.k
	switch o.typ {
	case fOwnerTID:
		if target := k.TaskByID(o.id); target != nil && o.maySignal(target) {
			target.SendSignal(info)
		}
	case fOwnerPID:
		var tg *kernel.ThreadGroup
		if target := k.TaskByID(o.id); target != nil {
			tg = target.ThreadGroup()
		} else {
			tg = k.ThreadGroupByID(o.id)
		}
		if tg != nil {
			a.signalGroup(o, tg, info)
		}
	case fOwnerPGRP:
		for _, tg := range k.ProcessGroupMembers(o.id) {
			a.signalGroup(o, tg, info)
		}
	}
}

func (a *asyncFile) signalGroup(o fileOwner, tg *kernel.ThreadGroup, info arch.SigInfo) {
	leader := tg.Leader()
	if leader == nil || tg.IsZombie() || !o.maySignal(leader) {
		return
	}
	tg.SendSignal(info)
}

// maySignal is Linux's sigio_perm: the owner's setter was root, or one
// of its UIDs is the target's real or saved UID.
func (o fileOwner) maySignal(target *kernel.Task) bool {
	c := target.Creds()
	return o.euid == 0 || o.euid == c.SavedUID || o.euid == c.RealUID ||
		o.uid == c.SavedUID || o.uid == c.RealUID
}
