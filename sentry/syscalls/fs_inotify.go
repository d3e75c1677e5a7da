package syscalls

import (
	"encoding/binary"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/fs/eventfd"
	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

// inotify(7) for changes made inside the sandbox. Events come from the
// syscall layer: the namespace and metadata calls of this package, opens
// and closes, and the read and write calls (whose handlers this file's
// init wraps). A watch is on an inode; an event on a file also goes, with
// the file's name, to watches on its parent directory.

func init() {
	register(abi.SysInotifyInit, func(t *task, a *args) (uint64, error) { return inotifyInit(t, 0) })
	register(abi.SysInotifyInit1, func(t *task, a *args) (uint64, error) { return inotifyInit(t, int(a[0])) })
	register(abi.SysInotifyAddWatch, sysInotifyAddWatch)
	register(abi.SysInotifyRmWatch, sysInotifyRmWatch)
	vfs.AddReleaseHook(notifyClose)
	// Reads and writes of watched files. (This replaces file.go's
	// registrations, which run first: files initialize in name order.)
	wrapIO(abi.SysRead, sysRead, unix.IN_ACCESS)
	wrapIO(abi.SysPread64, sysPread64, unix.IN_ACCESS)
	wrapIO(abi.SysReadv, sysReadv, unix.IN_ACCESS)
	wrapIO(abi.SysPreadv, sysPreadv, unix.IN_ACCESS)
	wrapIO(abi.SysPreadv2, func(t *task, a *args) (uint64, error) { return rwv2(t, a, false) }, unix.IN_ACCESS)
	wrapIO(abi.SysWrite, fsizeLimit(sysWrite, false), unix.IN_MODIFY)
	wrapIO(abi.SysPwrite64, appendQuirk(fsizeLimit(sysPwrite64, true)), unix.IN_MODIFY)
	wrapIO(abi.SysWritev, sysWritev, unix.IN_MODIFY)
	wrapIO(abi.SysPwritev, appendQuirk(sysPwritev), unix.IN_MODIFY)
	wrapIO(abi.SysPwritev2, func(t *task, a *args) (uint64, error) { return rwv2(t, a, true) }, unix.IN_MODIFY)
}

// killSuid drops a regular file's set-user-ID bit, and its set-group-ID
// bit if group execution is on or the caller is not in the file's group,
// as a write or truncate by a caller without CAP_FSETID does
// (file_remove_privs).
func killSuid(c *vfs.Creds, in vfs.Inode) {
	st, err := in.Stat()
	if err != nil || !st.IsRegular() {
		return
	}
	mode := st.Mode & 07777
	nm := mode &^ unix.S_ISUID
	if mode&unix.S_ISGID != 0 && (mode&unix.S_IXGRP != 0 || !c.InGroup(st.GID)) {
		nm &^= unix.S_ISGID
	}
	if nm == mode {
		return
	}
	if sa, ok := in.(vfs.Setattrer); ok {
		sa.Setattr(&vfs.SetAttr{Mask: vfs.SetMode, Mode: nm})
	}
}

// fsizeLimit applies RLIMIT_FSIZE to write and pwrite64 on regular
// files: a write that would cross the limit is cut short at it; one that
// starts at or past it fails with EFBIG and raises SIGXFSZ.
func fsizeLimit(inner func(t *task, a *args) (uint64, error), positional bool) func(t *task, a *args) (uint64, error) {
	return func(t *task, a *args) (uint64, error) {
		limit := maxFileSize(t)
		if limit == 1<<63-1 || a[2] == 0 {
			return inner(t, a)
		}
		f, err := getFile(t, int32(a[0]))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		st, err := f.Impl.Stat()
		if err != nil || !st.IsRegular() || !f.Writable() {
			return inner(t, a)
		}
		var off int64
		switch {
		case positional:
			off = int64(a[3])
		case f.Flags()&unix.O_APPEND != 0:
			if s, ok := f.Impl.(vfs.Seekable); ok {
				off, _ = s.Size()
			}
		default:
			f.PosMu.Lock()
			off = f.Pos
			f.PosMu.Unlock()
		}
		if off >= limit {
			t.SendSignal(sigInfoKill(unix.SIGXFSZ, kernel.SI_USER, t))
			return 0, unix.EFBIG
		}
		if uint64(limit-off) < a[2] {
			b := *a
			b[2] = uint64(limit - off)
			return inner(t, &b)
		}
		return inner(t, a)
	}
}

// appendQuirk gives pwrite64 and pwritev Linux's behaviour on a file
// open with O_APPEND: the data goes at the end, whatever the offset
// (pwrite(2), BUGS).
func appendQuirk(inner func(t *task, a *args) (uint64, error)) func(t *task, a *args) (uint64, error) {
	return func(t *task, a *args) (uint64, error) {
		f, err := getFile(t, int32(a[0]))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		if f.Flags()&unix.O_APPEND != 0 && int64(a[3]) >= 0 {
			if s, ok := f.Impl.(vfs.Seekable); ok {
				if st, err := f.Impl.Stat(); err == nil && st.IsRegular() {
					if size, err := s.Size(); err == nil {
						b := *a
						b[3] = uint64(size)
						return inner(t, &b)
					}
				}
			}
		}
		return inner(t, a)
	}
}

// wrapIO registers inner as syscall nr, reporting mask on its fd's file
// when it moved data.
func wrapIO(nr int, inner func(t *task, a *args) (uint64, error), mask uint32) {
	register(nr, func(t *task, a *args) (uint64, error) {
		n, err := inner(t, a)
		if err == nil && n > 0 && mask == unix.IN_MODIFY && !t.Creds().VFS().HasCap(vfs.CapFsetid) {
			if f, err := getFile(t, int32(a[0])); err == nil {
				if f.VD.Ok() {
					killSuid(t.Creds().VFS(), f.VD.Inode())
				}
				f.DecRef()
			}
		}
		if err == nil && n > 0 && watching.Load() > 0 {
			if f, err := getFile(t, int32(a[0])); err == nil {
				if f.VD.Ok() {
					notifyVD(f.VD, mask, 0)
				}
				f.DecRef()
			}
		}
		return n, err
	})
}

// Masks of inotify events.
const (
	inAllEvents   = 0xfff
	inUnmount     = 0x2000
	inQOverflow   = 0x4000
	inIgnored     = 0x8000
	inOnlydir     = 0x1000000
	inDontFollow  = 0x2000000
	inExclUnlink  = 0x4000000
	inMaskCreate  = 0x10000000
	inMaskAdd     = 0x20000000
	inIsdir       = 0x40000000
	inOneshot     = 0x80000000
	inValidAdd    = inAllEvents | inOnlydir | inDontFollow | inExclUnlink | inMaskCreate | inMaskAdd | inOneshot
	maxQueued     = 16384
	maxUserWatchs = 8192
	eventHdrSize  = 16
)

// watching counts live watches: with none, events cost nothing.
var watching atomic.Int64

// watch is one inotify watch: an instance watching an inode.
type watch struct {
	in   *inotify
	wd   int32
	mask uint32
	key  vfs.Inode
	// pin keeps the watched file's dentry from being evicted from the
	// dentry cache: a later lookup of the name must find the watched
	// inode, not build another (an overlay builds a new inode for a
	// name looked up again).
	pin *vfs.Dentry
}

var (
	watchMu sync.Mutex
	// watches lists the watches of each watched inode.
	watches = make(map[vfs.Inode][]*watch)
	// moveCookie numbers rename event pairs.
	moveCookie atomic.Uint32
)

type ievent struct {
	wd           int32
	mask, cookie uint32
	name         string
}

// inotify is an inotify instance's file.
type inotify struct {
	vfs.NoImpl
	q waiter.Queue

	mu      sync.Mutex
	events  []ievent
	nextWD  int32
	byWD    map[int32]*watch
	byInode map[vfs.Inode]*watch
}

var (
	_ vfs.FileImpl    = (*inotify)(nil)
	_ waiter.Waitable = (*inotify)(nil)
	_ vfs.Ioctler     = (*inotify)(nil)
)

func inotifyInit(t *task, flags int) (uint64, error) {
	if flags&^(unix.IN_CLOEXEC|unix.IN_NONBLOCK) != 0 {
		return 0, unix.EINVAL
	}
	in := &inotify{nextWD: 1, byWD: make(map[int32]*watch), byInode: make(map[vfs.Inode]*watch)}
	f := vfs.NewFile(in, vfs.VirtualDentry{}, unix.O_RDONLY|flags&unix.IN_NONBLOCK)
	return newFD(t, f, flags&unix.IN_CLOEXEC != 0)
}

// queue adds an event, merging it with an identical last one, and
// reporting overflow once the queue is full. in.mu must be held.
func (in *inotify) queueLocked(e ievent) {
	if n := len(in.events); n > 0 && in.events[n-1] == e {
		return
	}
	if len(in.events) >= maxQueued {
		if in.events[len(in.events)-1].mask != inQOverflow {
			in.events = append(in.events, ievent{wd: -1, mask: inQOverflow})
		}
		return
	}
	in.events = append(in.events, e)
}

// eventSize is the bytes an event takes in a read: the header and the
// name, NUL-padded to a multiple of the header size.
func eventSize(e *ievent) int {
	if e.name == "" {
		return eventHdrSize
	}
	return eventHdrSize + (len(e.name)+1+eventHdrSize-1)/eventHdrSize*eventHdrSize
}

// Read implements vfs.FileImpl.Read: whole events only; EINVAL if the
// first does not fit.
func (in *inotify) Read(dst []byte, _ int64) (int, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.events) == 0 {
		return 0, unix.EAGAIN
	}
	n := 0
	for len(in.events) > 0 {
		e := &in.events[0]
		sz := eventSize(e)
		if n+sz > len(dst) {
			break
		}
		b := dst[n : n+sz]
		clear(b)
		binary.LittleEndian.PutUint32(b[0:], uint32(e.wd))
		binary.LittleEndian.PutUint32(b[4:], e.mask)
		binary.LittleEndian.PutUint32(b[8:], e.cookie)
		binary.LittleEndian.PutUint32(b[12:], uint32(sz-eventHdrSize))
		copy(b[eventHdrSize:], e.name)
		n += sz
		in.events = in.events[1:]
	}
	if n == 0 {
		return 0, unix.EINVAL
	}
	return n, nil
}

func (in *inotify) Write([]byte, int64) (int, error) { return 0, unix.EINVAL }

// Stat implements vfs.FileImpl.Stat: the shared anonymous inode.
func (in *inotify) Stat() (vfs.Stat, error) {
	return vfs.Stat{Dev: eventfd.AnonDev, Ino: eventfd.AnonIno, Nlink: 1, Mode: 0o600, Blksize: 4096}, nil
}

// Release implements vfs.FileImpl.Release: every watch goes.
func (in *inotify) Release() {
	in.mu.Lock()
	ws := make([]*watch, 0, len(in.byWD))
	for _, w := range in.byWD {
		ws = append(ws, w)
	}
	in.byWD = map[int32]*watch{}
	in.byInode = map[vfs.Inode]*watch{}
	in.mu.Unlock()
	for _, w := range ws {
		unlinkWatch(w)
	}
}

// Readiness implements waiter.Waitable.
func (in *inotify) Readiness(mask waiter.Mask) waiter.Mask {
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.events) > 0 {
		return mask & (waiter.EventIn | waiter.EventRdNorm)
	}
	return 0
}

// EventRegister implements waiter.Waitable.
func (in *inotify) EventRegister(e *waiter.Entry) { in.q.EventRegister(e) }

// EventUnregister implements waiter.Waitable.
func (in *inotify) EventUnregister(e *waiter.Entry) { in.q.EventUnregister(e) }

// Ioctl implements vfs.Ioctler: FIONREAD.
func (in *inotify) Ioctl(mem vfs.Memory, cmd uint32, arg uint64) (uint64, error) {
	if cmd != fionread {
		return 0, unix.ENOTTY
	}
	in.mu.Lock()
	n := 0
	for i := range in.events {
		n += eventSize(&in.events[i])
	}
	in.mu.Unlock()
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], uint32(n))
	if _, err := mem.CopyOut(arg, b[:]); err != nil {
		return 0, unix.EFAULT
	}
	return 0, nil
}

func unlinkWatch(w *watch) {
	watchMu.Lock()
	ws := watches[w.key]
	for i, x := range ws {
		if x == w {
			ws = append(ws[:i:i], ws[i+1:]...)
			watching.Add(-1)
			break
		}
	}
	if len(ws) == 0 {
		delete(watches, w.key)
	} else {
		watches[w.key] = ws
	}
	watchMu.Unlock()
}

func inotifyFile(t *task, fd int32) (*vfs.File, *inotify, error) {
	f, err := getFile(t, fd)
	if err != nil {
		return nil, nil, err
	}
	in, ok := f.Impl.(*inotify)
	if !ok {
		f.DecRef()
		return nil, nil, unix.EINVAL
	}
	return f, in, nil
}

func sysInotifyAddWatch(t *task, a *args) (uint64, error) {
	mask := uint32(a[2])
	f, in, err := inotifyFile(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if mask&inAllEvents == 0 || mask&^inValidAdd != 0 || mask&inMaskAdd != 0 && mask&inMaskCreate != 0 {
		return 0, unix.EINVAL
	}
	path, err := copyInPath(t, a[1])
	if err != nil {
		return 0, err
	}
	vd, err := resolveAt(t, atFDCWD, path, mask&inDontFollow == 0)
	if err != nil {
		return 0, err
	}
	st, err := vd.Inode().Stat()
	if err != nil {
		return 0, err
	}
	if mask&inOnlydir != 0 && !st.IsDir() {
		return 0, unix.ENOTDIR
	}
	if err := t.Creds().VFS().CheckAccess(&st, vfs.MayRead); err != nil {
		return 0, err
	}
	key := vd.Inode()
	keep := mask & (inAllEvents | inExclUnlink | inOneshot | inOnlydir | inDontFollow)
	in.mu.Lock()
	defer in.mu.Unlock()
	if w, ok := in.byInode[key]; ok {
		if mask&inMaskCreate != 0 {
			return 0, unix.EEXIST
		}
		if mask&inMaskAdd != 0 {
			w.mask |= keep
		} else {
			w.mask = keep
		}
		return uint64(w.wd), nil
	}
	if len(in.byWD) >= maxUserWatchs {
		return 0, unix.ENOSPC
	}
	w := &watch{in: in, wd: in.nextWD, mask: keep, key: key, pin: vd.Dentry}
	in.nextWD++
	in.byWD[w.wd] = w
	in.byInode[key] = w
	watchMu.Lock()
	watches[key] = append(watches[key], w)
	watching.Add(1)
	watchMu.Unlock()
	return uint64(w.wd), nil
}

func sysInotifyRmWatch(t *task, a *args) (uint64, error) {
	f, in, err := inotifyFile(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	wd := int32(a[1])
	in.mu.Lock()
	w, ok := in.byWD[wd]
	if !ok {
		in.mu.Unlock()
		return 0, unix.EINVAL
	}
	delete(in.byWD, wd)
	delete(in.byInode, w.key)
	in.queueLocked(ievent{wd: wd, mask: inIgnored})
	in.mu.Unlock()
	unlinkWatch(w)
	in.q.Notify(waiter.EventIn | waiter.EventRdNorm)
	return 0, nil
}

// notifyInode sends an event to the watches on key. With remove, the
// watches go afterwards (IN_IGNORED follows), as when the file is gone.
func notifyInode(key vfs.Inode, mask uint32, cookie uint32, name string, remove bool) {
	if watching.Load() == 0 || key == nil {
		return
	}
	watchMu.Lock()
	ws := append([]*watch(nil), watches[key]...)
	watchMu.Unlock()
	for _, w := range ws {
		in := w.in
		in.mu.Lock()
		if in.byWD[w.wd] != w {
			in.mu.Unlock()
			continue
		}
		sent := false
		if w.mask&mask&inAllEvents != 0 || remove {
			if w.mask&mask&inAllEvents != 0 {
				in.queueLocked(ievent{wd: w.wd, mask: mask, cookie: cookie, name: name})
				sent = true
			}
		}
		gone := remove || sent && w.mask&inOneshot != 0
		if gone {
			in.queueLocked(ievent{wd: w.wd, mask: inIgnored})
			delete(in.byWD, w.wd)
			delete(in.byInode, w.key)
		}
		in.mu.Unlock()
		if gone {
			unlinkWatch(w)
		}
		if sent || gone {
			in.q.Notify(waiter.EventIn | waiter.EventRdNorm)
		}
	}
}

// notifyVD sends mask to the watches on vd's file and, with its name, to
// those on its parent directory.
func notifyVD(vd vfs.VirtualDentry, mask uint32, cookie uint32) {
	if watching.Load() == 0 {
		return
	}
	if st, err := vd.Inode().Stat(); err == nil && st.IsDir() {
		mask |= inIsdir
	}
	notifyInode(vd.Inode(), mask, cookie, "", false)
	if p := vd.Dentry.Parent(); p != nil && vd.Dentry != vd.Mount.Root && !vd.Dentry.Deleted() {
		notifyInode(p.Inode(), mask, cookie, vd.Dentry.Name(), false)
	}
}

// notifyDir sends an event about name to the watches on directory dir.
func notifyDir(dir vfs.VirtualDentry, mask uint32, cookie uint32, name string, isDir bool) {
	if watching.Load() == 0 {
		return
	}
	if isDir {
		mask |= inIsdir
	}
	notifyInode(dir.Inode(), mask, cookie, name, false)
}

// notifyClose reports IN_CLOSE_WRITE or IN_CLOSE_NOWRITE when an open
// file's last reference goes.
func notifyClose(f *vfs.File) {
	if watching.Load() == 0 || !f.VD.Ok() {
		return
	}
	if _, isPath := f.Impl.(*pathFile); isPath {
		return
	}
	mask := uint32(unix.IN_CLOSE_NOWRITE)
	if f.Writable() {
		mask = unix.IN_CLOSE_WRITE
	}
	notifyVD(f.VD, mask, 0)
}

// notifyRemoved reports that child, a name in dir, was removed: IN_DELETE
// to dir; IN_ATTRIB to the file, or IN_DELETE_SELF if it has no name
// left.
func notifyRemoved(dir vfs.VirtualDentry, name string, child vfs.Inode, isDir bool) {
	if watching.Load() == 0 {
		return
	}
	notifyDir(dir, unix.IN_DELETE, 0, name, isDir)
	st, err := child.Stat()
	if err == nil && (isDir || st.Nlink == 0) {
		notifyInode(child, unix.IN_DELETE_SELF, 0, "", true)
	} else {
		notifyInode(child, unix.IN_ATTRIB, 0, "", false)
	}
}
