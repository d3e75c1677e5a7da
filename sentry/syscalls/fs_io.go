package syscalls

import (
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/fs/pipe"
	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

// Data movement beyond read and write: preadv2, pwritev2, sendfile,
// copy_file_range, splice.

func init() {
	// preadv2 and pwritev2 are registered by fs_inotify.go.
	register(abi.SysSendfile, sysSendfile)
	register(abi.SysCopyFileRange, sysCopyFileRange)
	register(abi.SysSplice, sysSplice)
}

// RWF_* flags of preadv2 and pwritev2.
const (
	rwfHipri    = 0x1
	rwfDsync    = 0x2
	rwfSync     = 0x4
	rwfNowait   = 0x8
	rwfAppend   = 0x10
	rwfNoappend = 0x20
	rwfAll      = 0x3f
)

// rwv2 serves preadv2 and pwritev2: offset -1 uses and moves the file
// offset, as readv and writev.
func rwv2(t *task, a *args, write bool) (uint64, error) {
	off, flags := int64(a[3]), a[5]
	if flags&^rwfAll != 0 {
		return 0, unix.EOPNOTSUPP
	}
	if off < -1 {
		return 0, unix.EINVAL
	}
	f, err := getFile(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if off >= 0 && !f.Seekable() {
		return 0, unix.ESPIPE
	}
	if flags&rwfNowait != 0 && !f.Seekable() {
		// Streams would block.
		if _, ok := f.Impl.(*pipe.End); !ok {
			return 0, unix.EOPNOTSUPP
		}
	}
	if write && flags&rwfAppend != 0 && f.Seekable() {
		if s, ok := f.Impl.(vfs.Seekable); ok {
			size, err := s.Size()
			if err != nil {
				return 0, err
			}
			off = size
		}
	}
	return vectored(t, f, a[1], int32(a[2]), off, write)
}

// pipeEnd returns the pipe end f is, or nil.
func pipeEnd(f *vfs.File) *pipe.End {
	switch e := f.Impl.(type) {
	case *pipe.End:
		return e
	case *namedFIFO:
		return e.End
	}
	return nil
}

// waitFor blocks until ready() holds, waiting for mask on f, unless
// nonblock (then EAGAIN).
func waitFor(t *task, f *vfs.File, mask waiter.Mask, nonblock bool, ready func() bool) error {
	if ready() {
		return nil
	}
	if nonblock {
		return unix.EAGAIN
	}
	w, ok := f.Waitable()
	if !ok {
		return nil
	}
	e := waiter.NewEntry(mask | waiter.EventErr | waiter.EventHUp)
	w.EventRegister(e)
	defer w.EventUnregister(e)
	for !ready() {
		if err := t.Block(e.C); err != nil {
			return kernel.ERESTARTSYS
		}
	}
	return nil
}

// copyBetween moves up to count bytes from in (at inOff, or its offset if
// inOff < 0) to out (likewise), stopping at the first short transfer. It
// returns the bytes moved; the offsets move by that much.
func copyBetween(t *task, in *vfs.File, inOff int64, out *vfs.File, outOff int64, count uint64, nonblockOut bool) (uint64, error) {
	if count > maxIO {
		count = maxIO
	}
	var done uint64
	buf := make([]byte, min(count, ioBufLimit))
	for done < count {
		b := buf[:min(count-done, uint64(len(buf)))]
		var n int
		var err error
		if inOff >= 0 {
			n, err = readAt(t, in, b, inOff+int64(done))
		} else if in.Seekable() {
			// Read at the offset; move it only by what is written.
			in.PosMu.Lock()
			pos := in.Pos
			in.PosMu.Unlock()
			n, err = readAt(t, in, b, pos)
		} else {
			n, err = readAt(t, in, b, -1)
		}
		if n <= 0 {
			if done > 0 {
				return done, nil
			}
			return 0, err
		}
		var w int
		if outOff >= 0 {
			w, err = writeAt(t, out, b[:n], outOff+int64(done))
		} else {
			w, err = writeAt(t, out, b[:n], -1)
		}
		if w > 0 && inOff < 0 && in.Seekable() {
			in.PosMu.Lock()
			in.Pos += int64(w)
			in.PosMu.Unlock()
		}
		done += uint64(max(w, 0))
		if err != nil {
			if done > 0 {
				return done, nil
			}
			return 0, err
		}
		if w < n || n < len(b) {
			break
		}
	}
	return done, nil
}

func sysSendfile(t *task, a *args) (uint64, error) {
	out, err := getFile(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer out.DecRef()
	in, err := getFile(t, int32(a[1]))
	if err != nil {
		return 0, err
	}
	defer in.DecRef()
	offAddr, count := a[2], a[3]
	if !in.Readable() || !out.Writable() {
		return 0, unix.EBADF
	}
	if out.Flags()&unix.O_APPEND != 0 {
		return 0, unix.EINVAL
	}
	if _, ok := in.Impl.(vfs.DirReader); ok {
		return 0, unix.EINVAL
	}
	off := int64(-1)
	if offAddr != 0 {
		v, err := copyInU64(t, offAddr)
		if err != nil {
			return 0, err
		}
		off = int64(v)
		if off < 0 {
			return 0, unix.EINVAL
		}
		if !in.Seekable() {
			return 0, unix.ESPIPE
		}
	}
	if count == 0 {
		return 0, nil
	}
	n, err := copyBetween(t, in, off, out, -1, count, false)
	t.CountCopy(n)
	if offAddr != 0 && err == nil {
		if err := copyOutU64(t, offAddr, uint64(off)+n); err != nil {
			return 0, err
		}
	}
	return n, err
}

func sysCopyFileRange(t *task, a *args) (uint64, error) {
	inAddr, outAddr, length, flags := a[1], a[3], a[4], a[5]
	if flags != 0 {
		return 0, unix.EINVAL
	}
	in, err := getFile(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer in.DecRef()
	out, err := getFile(t, int32(a[2]))
	if err != nil {
		return 0, err
	}
	defer out.DecRef()
	if !in.Readable() || !out.Writable() || out.Flags()&unix.O_APPEND != 0 {
		return 0, unix.EBADF
	}
	ist, err := in.Impl.Stat()
	if err != nil {
		return 0, err
	}
	ost, err := out.Impl.Stat()
	if err != nil {
		return 0, err
	}
	if ist.IsDir() || ost.IsDir() {
		return 0, unix.EISDIR
	}
	if !ist.IsRegular() || !ost.IsRegular() {
		return 0, unix.EINVAL
	}
	readOff := func(addr uint64, f *vfs.File) (int64, error) {
		if addr == 0 {
			f.PosMu.Lock()
			defer f.PosMu.Unlock()
			return f.Pos, nil
		}
		v, err := copyInU64(t, addr)
		if err != nil {
			return 0, err
		}
		if int64(v) < 0 {
			return 0, unix.EINVAL
		}
		return int64(v), nil
	}
	inOff, err := readOff(inAddr, in)
	if err != nil {
		return 0, err
	}
	outOff, err := readOff(outAddr, out)
	if err != nil {
		return 0, err
	}
	if inOff+int64(length) < inOff || outOff+int64(length) < outOff {
		return 0, unix.EOVERFLOW
	}
	if ist.Dev == ost.Dev && ist.Ino == ost.Ino && inOff < outOff+int64(length) && outOff < inOff+int64(length) {
		return 0, unix.EINVAL
	}
	if length == 0 {
		return 0, nil
	}
	// Stop at the end of the input, as Linux does.
	if inOff >= ist.Size {
		return 0, nil
	}
	length = min(length, uint64(ist.Size-inOff))
	n, err := copyBetween(t, in, inOff, out, outOff, length, false)
	t.CountCopy(n)
	if err != nil {
		return 0, err
	}
	if inAddr == 0 {
		in.PosMu.Lock()
		in.Pos = inOff + int64(n)
		in.PosMu.Unlock()
	} else if err := copyOutU64(t, inAddr, uint64(inOff)+n); err != nil {
		return 0, err
	}
	if outAddr == 0 {
		out.PosMu.Lock()
		out.Pos = outOff + int64(n)
		out.PosMu.Unlock()
	} else if err := copyOutU64(t, outAddr, uint64(outOff)+n); err != nil {
		return 0, err
	}
	return n, nil
}

// SPLICE_F_* flags.
const (
	spliceMove     = 1
	spliceNonblock = 2
	spliceMore     = 4
	spliceGift     = 8
)

func sysSplice(t *task, a *args) (uint64, error) {
	inAddr, outAddr, length, flags := a[1], a[3], a[4], a[5]
	if flags&^(spliceMove|spliceNonblock|spliceMore|spliceGift) != 0 {
		return 0, unix.EINVAL
	}
	in, err := getFile(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer in.DecRef()
	out, err := getFile(t, int32(a[2]))
	if err != nil {
		return 0, err
	}
	defer out.DecRef()
	if !in.Readable() || !out.Writable() {
		return 0, unix.EBADF
	}
	ip, op := pipeEnd(in), pipeEnd(out)
	if ip == nil && op == nil {
		return 0, unix.EINVAL
	}
	if ip != nil && inAddr != 0 || op != nil && outAddr != 0 {
		return 0, unix.ESPIPE
	}
	if ip != nil && op != nil && ip.Pipe() == op.Pipe() {
		return 0, unix.EINVAL
	}
	if out.Flags()&unix.O_APPEND != 0 && op == nil {
		return 0, unix.EINVAL
	}
	offOf := func(addr uint64, f *vfs.File) (int64, error) {
		if addr == 0 {
			return -1, nil
		}
		if !f.Seekable() {
			return 0, unix.ESPIPE
		}
		v, err := copyInU64(t, addr)
		if err != nil {
			return 0, err
		}
		if int64(v) < 0 {
			return 0, unix.EINVAL
		}
		return int64(v), nil
	}
	inOff, err := offOf(inAddr, in)
	if err != nil {
		return 0, err
	}
	outOff, err := offOf(outAddr, out)
	if err != nil {
		return 0, err
	}
	if length == 0 {
		return 0, nil
	}
	length = min(length, maxIO)
	nonblock := flags&spliceNonblock != 0
	if ip != nil {
		// Wait for data (or the end) in the input pipe.
		p := ip.Pipe()
		err := waitFor(t, in, waiter.EventIn, nonblock || in.Flags()&unix.O_NONBLOCK != 0, func() bool {
			return p.Buffered() > 0 || p.Writers() == 0
		})
		if err != nil {
			return 0, err
		}
		if p.Buffered() == 0 {
			return 0, nil
		}
		length = min(length, uint64(p.Buffered()))
	}
	if op != nil {
		// Wait for room in the output pipe, and move no more than
		// fits so that nothing taken from the input is lost.
		p := op.Pipe()
		if p.Readers() == 0 {
			sendSIGPIPE(t)
			return 0, unix.EPIPE
		}
		err := waitFor(t, out, waiter.EventOut, nonblock || out.Flags()&unix.O_NONBLOCK != 0, func() bool {
			return p.Room() > 0 || p.Readers() == 0
		})
		if err != nil {
			return 0, err
		}
		if p.Readers() == 0 {
			sendSIGPIPE(t)
			return 0, unix.EPIPE
		}
		length = min(length, uint64(p.Room()))
	}
	n, err := copyBetween(t, in, inOff, out, outOff, length, nonblock)
	if err != nil {
		return 0, err
	}
	if inAddr != 0 {
		if err := copyOutU64(t, inAddr, uint64(inOff)+n); err != nil {
			return 0, err
		}
	}
	if outAddr != 0 {
		if err := copyOutU64(t, outAddr, uint64(outOff)+n); err != nil {
			return 0, err
		}
	}
	return n, nil
}
