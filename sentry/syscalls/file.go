package syscalls

import (
	"encoding/binary"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/socket"
	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

func init() {
	register(abi.SysRead, sysRead)
	register(abi.SysWrite, sysWrite)
	register(abi.SysPread64, sysPread64)
	register(abi.SysPwrite64, sysPwrite64)
	register(abi.SysReadv, sysReadv)
	register(abi.SysWritev, sysWritev)
	register(abi.SysPreadv, sysPreadv)
	register(abi.SysPwritev, sysPwritev)
	register(abi.SysLseek, sysLseek)
	register(abi.SysClose, sysClose)
	register(abi.SysDup, sysDup)
	register(abi.SysDup2, sysDup2)
	register(abi.SysDup3, sysDup3)
	register(abi.SysFcntl, sysFcntl)
	register(abi.SysIoctl, sysIoctl)
	register(abi.SysFadvise64, sysFadvise64)
}

// maxIO caps one read or write, as Linux caps at MAX_RW_COUNT.
const maxIO = 0x7ffff000

// ioBufLimit bounds the sentry buffer for one call; longer requests are
// served in pieces until a short transfer.
const ioBufLimit = 1 << 20

// readBufs holds ioBufLimit-sized I/O buffers. A read of a large count
// (a program reading a socket or pipe into a 1 MiB buffer) would
// otherwise allocate and zero up to a MiB per call, most of which the
// read never fills. Only the n bytes a read returns are copied out, so
// stale contents never reach the caller; readers do not keep dst.
var readBufs = sync.Pool{New: func() any { b := make([]byte, ioBufLimit); return &b }}

// copyingWriter is implemented by files whose Write copies src before it
// returns and never keeps it (an inet socket: tcpip copies into its own
// segments), so that writeFromUser may hand them a pooled buffer. A
// fresh 64 KiB buffer per write costs page faults and zeroing in the
// sentry on every streaming write.
type copyingWriter interface {
	WriteCopiesSrc()
}

// smallRead is the count below which a plain allocation is cheaper than
// the pool.
const smallRead = 4096

// readAt reads into dst from f at off (or the file offset if off < 0).
// taskReader is implemented by files whose reads depend on the reading
// task, such as signalfds.
type taskReader interface {
	ReadTask(t *task, dst []byte) (int, error)
}

func readAt(t *task, f *vfs.File, dst []byte, off int64) (int, error) {
	if !f.Readable() {
		return 0, unix.EBADF
	}
	if tr, ok := f.Impl.(taskReader); ok {
		return blockingIO(t, f, waiter.EventIn, func() (int, error) { return tr.ReadTask(t, dst) })
	}
	if f.Seekable() && off < 0 {
		f.PosMu.Lock()
		defer f.PosMu.Unlock()
		n, err := blockingIO(t, f, waiter.EventIn, func() (int, error) { return f.Impl.Read(dst, f.Pos) })
		f.Pos += int64(n)
		return n, err
	}
	return blockingIO(t, f, waiter.EventIn, func() (int, error) { return f.Impl.Read(dst, off) })
}

func writeAt(t *task, f *vfs.File, src []byte, off int64) (int, error) {
	if !f.Writable() {
		return 0, unix.EBADF
	}
	var n int
	var err error
	if f.Seekable() && off < 0 {
		f.PosMu.Lock()
		if f.Flags()&unix.O_APPEND != 0 {
			if s, ok := f.Impl.(vfs.Seekable); ok {
				if size, err := s.Size(); err == nil {
					f.Pos = size
				}
			}
		}
		n, err = blockingIO(t, f, waiter.EventOut, func() (int, error) { return f.Impl.Write(src, f.Pos) })
		f.Pos += int64(n)
		f.PosMu.Unlock()
	} else if off < 0 && f.Flags()&unix.O_NONBLOCK == 0 {
		// A blocking write to a stream (a pipe, a socket) returns only
		// when all of it is written, or when a signal or error cuts it
		// short after some was.
		for n < len(src) {
			var m int
			m, err = blockingIO(t, f, waiter.EventOut, func() (int, error) { return f.Impl.Write(src[n:], off) })
			n += m
			if err != nil {
				if n > 0 && err != unix.EPIPE {
					err = nil
				}
				break
			}
			if m == 0 {
				break
			}
		}
	} else {
		n, err = blockingIO(t, f, waiter.EventOut, func() (int, error) { return f.Impl.Write(src, off) })
	}
	if err == unix.EPIPE {
		sendSIGPIPE(t)
		if n > 0 {
			err = nil
		}
	}
	return n, err
}

// readToUser reads up to count bytes from f into application memory.
func readToUser(t *task, f *vfs.File, addr, count uint64, off int64) (uint64, error) {
	if count > maxIO {
		count = maxIO
	}
	if sr, ok := vfs.ReadSideOf[vfs.ScatterReader](f.Impl); ok && f.Readable() && f.Seekable() {
		return readScatterToUser(t, f, sr, addr, count, off)
	}
	var total uint64
	var pooled *[]byte
	if count > smallRead {
		pooled = readBufs.Get().(*[]byte)
		defer readBufs.Put(pooled)
	}
	for total < count {
		var buf []byte
		if pooled != nil {
			buf = (*pooled)[:min(count-total, ioBufLimit)]
		} else {
			buf = make([]byte, count-total)
		}
		o := off
		if off >= 0 {
			o = off + int64(total)
		}
		n, err := readAt(t, f, buf, o)
		if n > 0 {
			if _, cerr := t.CopyOut(addr+total, buf[:n]); cerr != nil {
				if total > 0 {
					return total, nil
				}
				return 0, unix.EFAULT
			}
			total += uint64(n)
		}
		if err != nil {
			if total > 0 {
				return total, nil
			}
			return 0, err
		}
		if n < len(buf) || !f.Seekable() {
			break
		}
	}
	return total, nil
}

// readScatterToUser is readToUser for a vfs.ScatterReader: the host file is
// read straight into the memory behind [addr, addr+count), ioBufLimit at
// a time, with no sentry buffer and no copy.
func readScatterToUser(t *task, f *vfs.File, sr vfs.ScatterReader, addr, count uint64, off int64) (uint64, error) {
	if off < 0 {
		f.PosMu.Lock()
		defer f.PosMu.Unlock()
		off = f.Pos
		defer func() { f.Pos = off }()
	}
	var total uint64
	for {
		chunk := min(count-total, ioBufLimit)
		n, err := t.MM().FillUser(addr+total, int(chunk), func(bufs [][]byte) (int, error) {
			return sr.ReadScatter(bufs, off)
		})
		if n > 0 {
			total += uint64(n)
			off += int64(n)
		}
		if err != nil {
			if total > 0 {
				return total, nil
			}
			return 0, err
		}
		if uint64(n) < chunk || total == count {
			return total, nil
		}
	}
}

func writeFromUser(t *task, f *vfs.File, addr, count uint64, off int64) (uint64, error) {
	if count > maxIO {
		count = maxIO
	}
	var pooled *[]byte
	if _, ok := f.Impl.(copyingWriter); ok && count > smallRead {
		pooled = readBufs.Get().(*[]byte)
		defer readBufs.Put(pooled)
	}
	var total uint64
	for total < count || count == 0 {
		var buf []byte
		if pooled != nil {
			buf = (*pooled)[:min(count-total, ioBufLimit)]
		} else {
			buf = make([]byte, min(count-total, ioBufLimit))
		}
		m, cerr := t.CopyIn(addr+total, buf)
		if cerr != nil && m == 0 {
			if total > 0 {
				return total, nil
			}
			return 0, unix.EFAULT
		}
		o := off
		if off >= 0 {
			o = off + int64(total)
		}
		n, err := writeAt(t, f, buf[:m], o)
		total += uint64(n)
		if err != nil {
			if total > 0 {
				return total, nil
			}
			return 0, err
		}
		if n < m || cerr != nil || count == 0 {
			break
		}
	}
	return total, nil
}

func sysRead(t *task, a *args) (uint64, error) {
	f, err := getFile(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	return t.CountedRead(readToUser(t, f, a[1], a[2], -1))
}

func sysWrite(t *task, a *args) (uint64, error) {
	f, err := getFile(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	return t.CountedWrite(writeFromUser(t, f, a[1], a[2], -1))
}

func positional(t *task, fd int32, off int64) (*vfs.File, error) {
	f, err := getFile(t, fd)
	if err != nil {
		return nil, err
	}
	if off < 0 {
		f.DecRef()
		return nil, unix.EINVAL
	}
	if !f.Seekable() {
		f.DecRef()
		return nil, unix.ESPIPE
	}
	return f, nil
}

func sysPread64(t *task, a *args) (uint64, error) {
	f, err := positional(t, int32(a[0]), int64(a[3]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	return t.CountedRead(readToUser(t, f, a[1], a[2], int64(a[3])))
}

func sysPwrite64(t *task, a *args) (uint64, error) {
	f, err := positional(t, int32(a[0]), int64(a[3]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	return t.CountedWrite(writeFromUser(t, f, a[1], a[2], int64(a[3])))
}

type iovec struct{ base, len uint64 }

// copyInIovecs reads an iovec array, checking Linux's limits.
func copyInIovecs(t *task, addr uint64, cnt int32) ([]iovec, error) {
	if cnt < 0 || cnt > 1024 {
		return nil, unix.EINVAL
	}
	b := make([]byte, 16*int(cnt))
	if err := copyIn(t, addr, b); err != nil {
		return nil, err
	}
	out := make([]iovec, cnt)
	var total uint64
	for i := range out {
		out[i] = iovec{le64(b[16*i:]), le64(b[16*i+8:])}
		if int64(out[i].len) < 0 {
			return nil, unix.EINVAL
		}
		total += out[i].len
		if int64(total) < 0 {
			return nil, unix.EINVAL
		}
	}
	return out, nil
}

// vectored serves the readv and writev families.
func vectored(t *task, f *vfs.File, iovAddr uint64, cnt int32, off int64, write bool) (uint64, error) {
	if write {
		return t.CountedWrite(vectoredIO(t, f, iovAddr, cnt, off, true))
	}
	return t.CountedRead(vectoredIO(t, f, iovAddr, cnt, off, false))
}

func vectoredIO(t *task, f *vfs.File, iovAddr uint64, cnt int32, off int64, write bool) (uint64, error) {
	iovs, err := copyInIovecs(t, iovAddr, cnt)
	if err != nil {
		return 0, err
	}
	if write && !f.Writable() || !write && !f.Readable() {
		return 0, unix.EBADF
	}
	var total uint64
	for _, v := range iovs {
		if v.len == 0 {
			continue
		}
		o := off
		if off >= 0 {
			o = off + int64(total)
		}
		var n uint64
		if write {
			n, err = writeFromUser(t, f, v.base, v.len, o)
		} else {
			n, err = readToUser(t, f, v.base, v.len, o)
		}
		total += n
		if err != nil {
			if total > 0 {
				return total, nil
			}
			return 0, err
		}
		if n < v.len {
			break
		}
	}
	return total, nil
}

func sysReadv(t *task, a *args) (uint64, error) {
	f, err := getFile(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	return vectored(t, f, a[1], int32(a[2]), -1, false)
}

func sysWritev(t *task, a *args) (uint64, error) {
	f, err := getFile(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	return vectored(t, f, a[1], int32(a[2]), -1, true)
}

func sysPreadv(t *task, a *args) (uint64, error) {
	f, err := positional(t, int32(a[0]), int64(a[3]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	return vectored(t, f, a[1], int32(a[2]), int64(a[3]), false)
}

func sysPwritev(t *task, a *args) (uint64, error) {
	f, err := positional(t, int32(a[0]), int64(a[3]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	return vectored(t, f, a[1], int32(a[2]), int64(a[3]), true)
}

func sysLseek(t *task, a *args) (uint64, error) {
	f, err := getFile(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	s, ok := f.Impl.(vfs.Seekable)
	if !ok {
		if _, noop := f.Impl.(vfs.NoopSeeker); noop {
			// noop_llseek: the offset stays where it is.
			return uint64(f.Pos), nil
		}
		return 0, unix.ESPIPE
	}
	off, whence := int64(a[1]), int(a[2])
	f.PosMu.Lock()
	defer f.PosMu.Unlock()
	var base int64
	switch whence {
	case unix.SEEK_SET:
	case unix.SEEK_CUR:
		base = f.Pos
	case unix.SEEK_END:
		size, err := s.Size()
		if err != nil {
			return 0, err
		}
		base = size
	case unix.SEEK_DATA, unix.SEEK_HOLE:
		if _, isDir := f.Impl.(vfs.DirReader); isDir {
			// Directories' lseek knows only positions.
			return 0, unix.EINVAL
		}
		// An overlay's file reads through its layer's, which knows
		// the holes.
		if hs, ok := vfs.ReadSideOf[holeSeeker](f.Impl); ok {
			n, err := hs.SeekHole(off, whence == unix.SEEK_HOLE)
			if err != nil {
				return 0, err
			}
			off = n
			break
		}
		// A file that cannot tell its holes is all data.
		size, err := s.Size()
		if err != nil {
			return 0, err
		}
		if off < 0 || off >= size {
			return 0, unix.ENXIO
		}
		if whence == unix.SEEK_HOLE {
			off = size
		}
	default:
		return 0, unix.EINVAL
	}
	n := base + off
	if (off > 0 && n < base) || n < 0 {
		return 0, unix.EINVAL
	}
	f.Pos = n
	if _, isDir := f.Impl.(vfs.DirReader); isDir {
		f.Dir = nil
	}
	return uint64(n), nil
}

// holeSeeker is a file that knows where its holes are (tmpfs): lseek's
// SEEK_DATA (hole false) and SEEK_HOLE (hole true) from off.
type holeSeeker interface {
	SeekHole(off int64, hole bool) (int64, error)
}

func sysClose(t *task, a *args) (uint64, error) {
	return 0, t.FDTable().Remove(int(int32(a[0])))
}

func sysDup(t *task, a *args) (uint64, error) {
	f, err := getFile(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	return newFD(t, f, false)
}

func dup3(t *task, oldfd, newfd int32, flags int) (uint64, error) {
	if flags&^unix.O_CLOEXEC != 0 {
		return 0, unix.EINVAL
	}
	f, err := getFile(t, oldfd)
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if err := t.FDTable().Set(int(newfd), f, flags&unix.O_CLOEXEC != 0, nofile(t)); err != nil {
		return 0, err
	}
	return uint64(newfd), nil
}

func sysDup2(t *task, a *args) (uint64, error) {
	oldfd, newfd := int32(a[0]), int32(a[1])
	if oldfd == newfd {
		f, err := getFile(t, oldfd)
		if err != nil {
			return 0, err
		}
		f.DecRef()
		return uint64(newfd), nil
	}
	return dup3(t, oldfd, newfd, 0)
}

func sysDup3(t *task, a *args) (uint64, error) {
	if int32(a[0]) == int32(a[1]) {
		return 0, unix.EINVAL
	}
	return dup3(t, int32(a[0]), int32(a[1]), int(a[2]))
}

func sysFcntl(t *task, a *args) (uint64, error) {
	fd := int32(a[0])
	f, cloexec, err := t.FDTable().Get(int(fd))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	switch cmd := int(a[1]); cmd {
	case unix.F_DUPFD, unix.F_DUPFD_CLOEXEC:
		min := int(int32(a[2]))
		if min < 0 || min >= nofile(t) {
			return 0, unix.EINVAL
		}
		n, err := t.FDTable().New(min, f, cmd == unix.F_DUPFD_CLOEXEC, nofile(t))
		return uint64(n), err
	case unix.F_GETFD:
		if cloexec {
			return unix.FD_CLOEXEC, nil
		}
		return 0, nil
	case unix.F_SETFD:
		return 0, t.FDTable().SetCloexec(int(fd), a[2]&unix.FD_CLOEXEC != 0)
	case unix.F_GETFL:
		return uint64(f.Flags()), nil
	case unix.F_SETFL:
		setStatusFlags(t, fd, f, int(a[2]))
		return 0, nil
	case unix.F_GETOWN, unix.F_SETOWN, fGetownEx, fSetownEx, fGetsig, fSetsig:
		return fcntlAsync(t, f, cmd, a[2])
	}
	return 0, unix.EINVAL
}

// Generic ioctls.
const (
	fioclex  = 0x5451
	fionclex = 0x5450
	fionbio  = 0x5421
	fionread = 0x541b
)

func sysIoctl(t *task, a *args) (uint64, error) {
	fd := int32(a[0])
	f, err := getFile(t, fd)
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if _, isPath := f.Impl.(*pathFile); isPath {
		return 0, unix.EBADF
	}
	cmd := uint32(a[1])
	switch cmd {
	case fioclex:
		return 0, t.FDTable().SetCloexec(int(fd), true)
	case fionclex:
		return 0, t.FDTable().SetCloexec(int(fd), false)
	case fionbio:
		v, err := copyInU32(t, a[2])
		if err != nil {
			return 0, err
		}
		fl := f.Flags() &^ unix.O_NONBLOCK
		if v != 0 {
			fl |= unix.O_NONBLOCK
		}
		f.SetFlags(fl)
		return 0, nil
	case fioasync:
		return fioAsync(t, fd, f, a[2])
	}
	if _, ok := f.Impl.(socket.Socket); ok {
		// A socket's owner is its file's (sock_ioctl).
		switch cmd {
		case fioSetown, siocSpgrp:
			v, err := copyInU32(t, a[2])
			if err != nil {
				return 0, err
			}
			return fcntlAsync(t, f, unix.F_SETOWN, uint64(v))
		case fioGetown, siocGpgrp:
			o, _ := fcntlAsync(t, f, unix.F_GETOWN, 0)
			return 0, copyOutU32(t, a[2], uint32(o))
		}
		// Interface queries (SIOCGIF*) work on any socket.
		if r, handled, err := socketDeviceIoctl(t, cmd, a[2]); handled {
			return r, err
		}
	}
	if nf, ok := f.Impl.(kernel.NamespaceFile); ok {
		return nsIoctl(t, nf, cmd, a[2])
	}
	if io, ok := f.Impl.(vfs.Ioctler); ok {
		return io.Ioctl(t.MM(), cmd, a[2])
	}
	if cmd == fionread {
		// On a regular file: the bytes from the offset to the end.
		if s, ok := f.Impl.(vfs.Seekable); ok {
			if st, err := f.Impl.Stat(); err == nil && st.IsRegular() {
				size, err := s.Size()
				if err != nil {
					return 0, err
				}
				f.PosMu.Lock()
				n := max(size-f.Pos, 0)
				f.PosMu.Unlock()
				return 0, copyOutU32(t, a[2], uint32(min(n, 1<<31-1)))
			}
		}
	}
	return 0, unix.ENOTTY
}

func sysFadvise64(t *task, a *args) (uint64, error) {
	f, err := getFile(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if !f.Seekable() {
		return 0, unix.ESPIPE
	}
	if a[3] > 5 || int64(a[2]) < 0 {
		return 0, unix.EINVAL
	}
	// Advice is a hint; the sentry has no readahead to tune.
	return 0, nil
}

// putDirent64 appends a linux_dirent64 to buf if it fits.
func putDirent64(buf []byte, ino uint64, off int64, typ uint8, name string) ([]byte, bool) {
	reclen := (19 + len(name) + 1 + 7) &^ 7
	if len(buf)+reclen > cap(buf) {
		return buf, false
	}
	start := len(buf)
	buf = buf[:start+reclen]
	rec := buf[start:]
	clear(rec)
	binary.LittleEndian.PutUint64(rec[0:], ino)
	binary.LittleEndian.PutUint64(rec[8:], uint64(off))
	binary.LittleEndian.PutUint16(rec[16:], uint16(reclen))
	rec[18] = typ
	copy(rec[19:], name)
	return buf, true
}

// putDirent appends an old-style linux_dirent, whose type byte ends the
// record.
func putDirent(buf []byte, ino uint64, off int64, typ uint8, name string) ([]byte, bool) {
	reclen := (18 + len(name) + 2 + 7) &^ 7
	if len(buf)+reclen > cap(buf) {
		return buf, false
	}
	start := len(buf)
	buf = buf[:start+reclen]
	rec := buf[start:]
	clear(rec)
	binary.LittleEndian.PutUint64(rec[0:], ino)
	binary.LittleEndian.PutUint64(rec[8:], uint64(off))
	binary.LittleEndian.PutUint16(rec[16:], uint16(reclen))
	copy(rec[18:], name)
	rec[reclen-1] = typ
	return buf, true
}

var _ = kernel.ERESTARTSYS

func init() {
	register(abi.SysCloseRange, sysCloseRange)
	register(abi.SysGetdents, sysGetdents)
}

const (
	closeRangeUnshare = 2
	closeRangeCloexec = 4
)

func sysCloseRange(t *task, a *args) (uint64, error) {
	first, last, flags := uint32(a[0]), uint32(a[1]), a[2]
	if flags&^(closeRangeUnshare|closeRangeCloexec) != 0 || first > last {
		return 0, unix.EINVAL
	}
	fdt := t.FDTable()
	for _, fd := range fdt.FDs() {
		if uint32(fd) < first || uint32(fd) > last {
			continue
		}
		if flags&closeRangeCloexec != 0 {
			fdt.SetCloexec(fd, true)
		} else {
			fdt.Remove(fd)
		}
	}
	return 0, nil
}
