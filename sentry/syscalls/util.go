// Package syscalls holds the sentry's system call handlers and the table
// that maps amd64 syscall numbers to them. Each handler checks its
// arguments, does the work against sentry state and returns a value or a
// Linux errno, as the man page describes.
package syscalls

import (
	"encoding/binary"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

type (
	task = kernel.Task
	args = kernel.SyscallArgs
)

const (
	atFDCWD         = -100
	atStatxSyncType = 0x6000
)

func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }
func le64(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

// copyInU32, copyOutU32 and friends move one integer.
func copyInU32(t *task, addr uint64) (uint32, error) {
	var b [4]byte
	if _, err := t.CopyIn(addr, b[:]); err != nil {
		return 0, unix.EFAULT
	}
	return le32(b[:]), nil
}

func copyInU64(t *task, addr uint64) (uint64, error) {
	var b [8]byte
	if _, err := t.CopyIn(addr, b[:]); err != nil {
		return 0, unix.EFAULT
	}
	return le64(b[:]), nil
}

func copyOutU32(t *task, addr uint64, v uint32) error {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], v)
	if _, err := t.CopyOut(addr, b[:]); err != nil {
		return unix.EFAULT
	}
	return nil
}

func copyOutU64(t *task, addr uint64, v uint64) error {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	if _, err := t.CopyOut(addr, b[:]); err != nil {
		return unix.EFAULT
	}
	return nil
}

func copyOut(t *task, addr uint64, b []byte) error {
	if _, err := t.CopyOut(addr, b); err != nil {
		return unix.EFAULT
	}
	return nil
}

func copyIn(t *task, addr uint64, b []byte) error {
	if _, err := t.CopyIn(addr, b); err != nil {
		return unix.EFAULT
	}
	return nil
}

// copyInPath reads a path argument.
func copyInPath(t *task, addr uint64) (string, error) {
	p, err := t.CopyInString(addr, vfs.MaxPath)
	if err != nil {
		if err == unix.ENAMETOOLONG {
			return "", err
		}
		return "", unix.EFAULT
	}
	return p, nil
}

// copyInStrings reads a NULL-terminated array of strings (argv, envp).
func copyInStrings(t *task, addr uint64) ([]string, error) {
	const maxArgs = 1 << 17
	const maxTotal = 32 << 20
	var out []string
	total := 0
	if addr == 0 {
		return nil, nil
	}
	for i := 0; ; i++ {
		if i >= maxArgs {
			return nil, unix.E2BIG
		}
		p, err := copyInU64(t, addr+uint64(i)*8)
		if err != nil {
			return nil, err
		}
		if p == 0 {
			return out, nil
		}
		s, err := t.CopyInString(p, 128<<10)
		if err != nil {
			if err == unix.ENAMETOOLONG {
				return nil, unix.E2BIG
			}
			return nil, unix.EFAULT
		}
		total += len(s) + 1
		if total > maxTotal {
			return nil, unix.E2BIG
		}
		out = append(out, s)
	}
}

// getFile returns the file at fd with a reference the caller drops.
func getFile(t *task, fd int32) (*vfs.File, error) {
	f, _, err := t.FDTable().Get(int(fd))
	return f, err
}

// nofile is the RLIMIT_NOFILE soft limit, the bound on new fds.
func nofile(t *task) int {
	l := t.ThreadGroup().Limit(kernel.RlimitNofile).Cur
	if l > kernel.NrOpen {
		return kernel.NrOpen
	}
	return int(l)
}

// newFD installs f at the lowest free fd and drops the caller's
// reference.
func newFD(t *task, f *vfs.File, cloexec bool) (uint64, error) {
	fd, err := t.FDTable().New(0, f, cloexec, nofile(t))
	f.DecRef()
	if err != nil {
		return 0, err
	}
	return uint64(fd), nil
}

// blockingIO runs op until it stops returning EAGAIN, waiting for the
// file's readiness in between, unless the file is non-blocking.
func blockingIO(t *task, f *vfs.File, mask waiter.Mask, op func() (int, error)) (int, error) {
	n, err := op()
	if err != unix.EAGAIN || f.Flags()&unix.O_NONBLOCK != 0 {
		return n, err
	}
	w, ok := waitableFor(t, f)
	if !ok {
		return n, err
	}
	e := waiter.NewEntry(mask | waiter.EventErr | waiter.EventHUp)
	w.EventRegister(e)
	defer w.EventUnregister(e)
	// Sockets bound the wait with SO_RCVTIMEO / SO_SNDTIMEO.
	var timer <-chan time.Time
	if to, ok := f.Impl.(ioTimeouter); ok {
		if d, set := to.IOTimeout(mask&waiter.EventOut != 0); set && d > 0 {
			tm := time.NewTimer(d)
			defer tm.Stop()
			timer = tm.C
		}
	}
	for {
		n, err = op()
		if err != unix.EAGAIN {
			return n, err
		}
		switch err := t.BlockTimeout(e.C, timer); err {
		case nil:
		case kernel.ErrTimedOut:
			return 0, unix.EAGAIN
		default:
			if timer != nil {
				// A call with a timeout is not restarted.
				return 0, unix.EINTR
			}
			return 0, kernel.ERESTARTSYS
		}
	}
}

// ioTimeouter is implemented by sockets with SO_RCVTIMEO/SO_SNDTIMEO.
type ioTimeouter interface {
	IOTimeout(write bool) (time.Duration, bool)
}

// sendSIGPIPE raises SIGPIPE on the task, as a write to a broken pipe
// does.
func sendSIGPIPE(t *task) {
	t.SendSignal(sigInfoKill(unix.SIGPIPE, kernel.SI_USER, t))
}
