package syscalls

import (
	"encoding/binary"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/vfs"
)

// File locks: flock(2), and fcntl(2)'s POSIX record locks (owned by the
// process's FD table, released when it closes any fd of the file) and
// open file description locks (owned by the open file, F_OFD_*).
//
// This file's init wraps the fcntl handler of file.go, whose init runs
// first (files initialize in name order).

func init() {
	register(abi.SysFlock, sysFlock)
	register(abi.SysFcntl, sysFcntlFS)
	vfs.AddReleaseHook(releaseFileLocks)
	vfs.AddCloseHook(releasePOSIXLocks)
}

// fcntl commands handled here.
const (
	fGetlk     = 5
	fSetlk     = 6
	fSetlkw    = 7
	fOFDGetlk  = 36
	fOFDSetlk  = 37
	fOFDSetlkw = 38
	fSetlease  = 1024
	fGetlease  = 1025
	fNotify    = 1026
)

// sysFcntlFS serves the lock commands and the pipe size of named FIFOs,
// and passes the rest to sysFcntl.
func sysFcntlFS(t *task, a *args) (uint64, error) {
	switch cmd := int(a[1]); cmd {
	case fGetlk, fSetlk, fSetlkw, fOFDGetlk, fOFDSetlk, fOFDSetlkw:
		f, err := getFile(t, int32(a[0]))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		return fcntlLock(t, f, cmd, a[2])
	case fGetlease:
		f, err := getFile(t, int32(a[0]))
		if err != nil {
			return 0, err
		}
		f.DecRef()
		return unix.F_UNLCK, nil
	case fSetlease:
		f, err := getFile(t, int32(a[0]))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		if a[2] == unix.F_UNLCK {
			return 0, nil
		}
		if st, err := f.Impl.Stat(); err != nil || !st.IsRegular() {
			return 0, unix.EINVAL
		}
		return 0, unix.EAGAIN
	case unix.F_ADD_SEALS, unix.F_GET_SEALS:
		f, err := getFile(t, int32(a[0]))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		s, ok := f.Impl.(sealer)
		if !ok {
			return 0, unix.EINVAL
		}
		if cmd == unix.F_GET_SEALS {
			return uint64(s.Seals()), nil
		}
		if !f.Writable() {
			return 0, unix.EPERM
		}
		return 0, s.AddSeals(uint32(a[2]))
	case unix.F_GETPIPE_SZ, unix.F_SETPIPE_SZ:
		f, err := getFile(t, int32(a[0]))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		e := pipeEnd(f)
		if e == nil {
			return 0, unix.EBADF
		}
		if cmd == unix.F_GETPIPE_SZ {
			return uint64(e.Pipe().Capacity()), nil
		}
		// The argument is an unsigned int; SetCapacity refuses
		// what is above 2^31 as negative.
		n, err := e.Pipe().SetCapacity(int(int32(a[2])), t.Creds().HasCap(unix.CAP_SYS_RESOURCE))
		return uint64(n), err
	}
	return sysFcntl(t, a)
}

// sealer is a file that takes file seals (a tmpfs file, memfds).
type sealer interface {
	Seals() uint32
	AddSeals(seals uint32) error
}

// lockRange is a held record lock on [start, end) (end 0 is EOF-less:
// to infinity).
type lockRange struct {
	start, end uint64 // end is exclusive; ^0 means to infinity
	typ        int16  // F_RDLCK or F_WRLCK
	owner      any    // *vfs.FDTable (POSIX) or *vfs.File (OFD)
	pid        int32  // for F_GETLK; -1 for OFD locks
}

// fileLocks are the locks of one file.
type fileLocks struct {
	mu     sync.Mutex
	ranges []lockRange
	// flocks are the flock(2) locks: LOCK_SH or LOCK_EX per open file.
	flocks map[*vfs.File]int
	// changed is closed (and replaced) whenever a lock goes, to wake
	// waiters.
	changed chan struct{}
}

var (
	locksMu sync.Mutex
	locks   = make(map[any]*fileLocks)
)

// lockKey identifies the file a description refers to.
func lockKey(f *vfs.File) any {
	if f.VD.Ok() {
		return f.VD.Inode()
	}
	return f.Impl
}

func locksOf(f *vfs.File, create bool) *fileLocks {
	key := lockKey(f)
	locksMu.Lock()
	defer locksMu.Unlock()
	l := locks[key]
	if l == nil && create {
		l = &fileLocks{flocks: make(map[*vfs.File]int), changed: make(chan struct{})}
		locks[key] = l
	}
	return l
}

// wakeLocked wakes every waiter. l.mu must be held.
func (l *fileLocks) wakeLocked() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// dropIfEmpty forgets l when it holds nothing. l.mu must be held.
func (l *fileLocks) dropIfEmpty(key any) {
	if len(l.ranges) == 0 && len(l.flocks) == 0 {
		locksMu.Lock()
		if locks[key] == l {
			delete(locks, key)
		}
		locksMu.Unlock()
	}
}

// conflict returns a lock of another owner that conflicts with typ on
// [start, end).
func (l *fileLocks) conflict(owner any, typ int16, start, end uint64) *lockRange {
	for i := range l.ranges {
		r := &l.ranges[i]
		if r.owner == owner || r.end <= start || end <= r.start {
			continue
		}
		if typ == unix.F_WRLCK || r.typ == unix.F_WRLCK {
			return r
		}
	}
	return nil
}

// set applies a lock (or unlock) of owner on [start, end), splitting and
// merging owner's ranges as needed. l.mu must be held.
func (l *fileLocks) set(owner any, pid int32, typ int16, start, end uint64) {
	var out []lockRange
	for _, r := range l.ranges {
		if r.owner != owner || r.end <= start || end <= r.start {
			out = append(out, r)
			continue
		}
		// Keep the parts of r outside [start, end).
		if r.start < start {
			left := r
			left.end = start
			out = append(out, left)
		}
		if r.end > end {
			right := r
			right.start = end
			out = append(out, right)
		}
	}
	if typ != unix.F_UNLCK {
		nr := lockRange{start: start, end: end, typ: typ, owner: owner, pid: pid}
		// Merge with adjacent ranges of the same owner and type.
		merged := out[:0]
		for _, r := range out {
			if r.owner == owner && r.typ == typ && r.start <= nr.end && nr.start <= r.end {
				nr.start = min(nr.start, r.start)
				nr.end = max(nr.end, r.end)
				continue
			}
			merged = append(merged, r)
		}
		out = append(merged, nr)
	}
	l.ranges = out
	l.wakeLocked()
}

// flock layout: l_type int16, l_whence int16, l_start int64 @8, l_len
// int64 @16, l_pid int32 @24; 32 bytes.
const flockSize = 32

func fcntlLock(t *task, f *vfs.File, cmd int, addr uint64) (uint64, error) {
	if _, isPath := f.Impl.(*pathFile); isPath {
		return 0, unix.EBADF
	}
	b := make([]byte, flockSize)
	if err := copyIn(t, addr, b); err != nil {
		return 0, err
	}
	le := binary.LittleEndian
	typ := int16(le.Uint16(b[0:]))
	whence := int16(le.Uint16(b[2:]))
	start := int64(le.Uint64(b[8:]))
	length := int64(le.Uint64(b[16:]))
	pid := int32(le.Uint32(b[24:]))
	ofd := cmd == fOFDGetlk || cmd == fOFDSetlk || cmd == fOFDSetlkw
	if ofd && pid != 0 {
		return 0, unix.EINVAL
	}
	switch typ {
	case unix.F_RDLCK, unix.F_WRLCK, unix.F_UNLCK:
	default:
		return 0, unix.EINVAL
	}
	var base int64
	switch whence {
	case unix.SEEK_SET:
	case unix.SEEK_CUR:
		f.PosMu.Lock()
		base = f.Pos
		f.PosMu.Unlock()
	case unix.SEEK_END:
		st, err := f.Impl.Stat()
		if err != nil {
			return 0, err
		}
		base = st.Size
	default:
		return 0, unix.EINVAL
	}
	s := base + start
	if s < 0 {
		return 0, unix.EINVAL
	}
	var lo, hi uint64
	switch {
	case length == 0:
		lo, hi = uint64(s), ^uint64(0)
	case length > 0:
		e := s + length
		if e < s {
			return 0, unix.EOVERFLOW
		}
		lo, hi = uint64(s), uint64(e)
	default:
		if s+length < 0 {
			return 0, unix.EINVAL
		}
		lo, hi = uint64(s+length), uint64(s)
	}
	var owner any = t.FDTable().FDTable
	lockPid := t.ThreadGroup().ID
	if ofd {
		owner, lockPid = f, -1
	}
	if cmd == fGetlk || cmd == fOFDGetlk {
		if typ == unix.F_UNLCK {
			return 0, unix.EINVAL
		}
		l := locksOf(f, false)
		var c *lockRange
		if l != nil {
			l.mu.Lock()
			if r := l.conflict(owner, typ, lo, hi); r != nil {
				cp := *r
				c = &cp
			}
			l.mu.Unlock()
		}
		if c == nil {
			le.PutUint16(b[0:], unix.F_UNLCK)
		} else {
			le.PutUint16(b[0:], uint16(c.typ))
			le.PutUint16(b[2:], unix.SEEK_SET)
			le.PutUint64(b[8:], c.start)
			if c.end == ^uint64(0) {
				le.PutUint64(b[16:], 0)
			} else {
				le.PutUint64(b[16:], c.end-c.start)
			}
			le.PutUint32(b[24:], uint32(c.pid))
		}
		return 0, copyOut(t, addr, b)
	}
	if typ == unix.F_RDLCK && !f.Readable() || typ == unix.F_WRLCK && !f.Writable() {
		return 0, unix.EBADF
	}
	wait := cmd == fSetlkw || cmd == fOFDSetlkw
	l := locksOf(f, true)
	for {
		l.mu.Lock()
		if typ == unix.F_UNLCK || l.conflict(owner, typ, lo, hi) == nil {
			l.set(owner, lockPid, typ, lo, hi)
			l.dropIfEmpty(lockKey(f))
			l.mu.Unlock()
			return 0, nil
		}
		ch := l.changed
		l.mu.Unlock()
		if !wait {
			return 0, unix.EAGAIN
		}
		if err := t.Block(ch); err != nil {
			return 0, kernel.ERESTARTSYS
		}
	}
}

// LOCK_* operations.
const (
	lockSh = 1
	lockEx = 2
	lockNb = 4
	lockUn = 8
)

func sysFlock(t *task, a *args) (uint64, error) {
	f, err := getFile(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if _, isPath := f.Impl.(*pathFile); isPath {
		return 0, unix.EBADF
	}
	op := int(a[1])
	nb := op&lockNb != 0
	op &^= lockNb
	switch op {
	case lockSh, lockEx, lockUn:
	default:
		return 0, unix.EINVAL
	}
	l := locksOf(f, true)
	for {
		l.mu.Lock()
		if op == lockUn {
			if _, ok := l.flocks[f]; ok {
				delete(l.flocks, f)
				l.wakeLocked()
			}
			l.dropIfEmpty(lockKey(f))
			l.mu.Unlock()
			return 0, nil
		}
		busy := false
		for other, kind := range l.flocks {
			if other != f && (op == lockEx || kind == lockEx) {
				busy = true
				break
			}
		}
		if !busy {
			l.flocks[f] = op
			l.wakeLocked()
			l.mu.Unlock()
			return 0, nil
		}
		// A conversion drops the old lock before waiting, as Linux
		// does.
		if _, held := l.flocks[f]; held {
			delete(l.flocks, f)
			l.wakeLocked()
		}
		ch := l.changed
		l.mu.Unlock()
		if nb {
			return 0, unix.EWOULDBLOCK
		}
		if err := t.Block(ch); err != nil {
			return 0, kernel.ERESTARTSYS
		}
	}
}

// releaseFileLocks drops the flock and OFD locks of a file description
// whose last reference went.
func releaseFileLocks(f *vfs.File) {
	l := locksOf(f, false)
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	changed := false
	if _, ok := l.flocks[f]; ok {
		delete(l.flocks, f)
		changed = true
	}
	out := l.ranges[:0]
	for _, r := range l.ranges {
		if r.owner == f {
			changed = true
			continue
		}
		out = append(out, r)
	}
	l.ranges = out
	if changed {
		l.wakeLocked()
	}
	l.dropIfEmpty(lockKey(f))
}

// releasePOSIXLocks drops table t's POSIX locks on the file of f when t
// closes an fd of it.
func releasePOSIXLocks(t *vfs.FDTable, f *vfs.File) {
	l := locksOf(f, false)
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.ranges[:0]
	changed := false
	for _, r := range l.ranges {
		if r.owner == t {
			changed = true
			continue
		}
		out = append(out, r)
	}
	l.ranges = out
	if changed {
		l.wakeLocked()
	}
	l.dropIfEmpty(lockKey(f))
}
