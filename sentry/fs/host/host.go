// Package host wraps host FDs given to the sandbox, such as the caller's
// stdin, stdout and stderr, as sentry files. Reads and writes go to the
// host FD after the sentry's own checks; ioctls are limited to the
// terminal queries a shell needs.
package host

import (
	"sync"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

// File is a host FD. It owns the FD.
type File struct {
	vfs.NoImpl
	fd int

	mu    sync.Mutex
	queue waiter.Queue
	// cancel stops the readiness goroutine.
	cancel int
	watch  waiter.Mask
}

// New wraps fd, which the file then owns.
func New(fd int) *File { return &File{fd: fd, cancel: -1} }

// HostBlocking implements vfs.Blocking: the host FD is in blocking mode,
// so reads and writes wait on the host.
func (f *File) HostBlocking() bool { return true }

// Read implements vfs.FileImpl.Read.
func (f *File) Read(dst []byte, _ int64) (int, error) {
	for {
		n, err := unix.Read(f.fd, dst)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, err
		}
		return n, nil
	}
}

// Write implements vfs.FileImpl.Write.
func (f *File) Write(src []byte, _ int64) (int, error) {
	total := 0
	for total < len(src) {
		n, err := unix.Write(f.fd, src[total:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			if total > 0 {
				return total, nil
			}
			return 0, err
		}
		total += n
	}
	return total, nil
}

// Stat implements vfs.FileImpl.Stat.
func (f *File) Stat() (vfs.Stat, error) {
	var s unix.Stat_t
	if err := unix.Fstat(f.fd, &s); err != nil {
		return vfs.Stat{}, err
	}
	return vfs.Stat{
		Dev: s.Dev, Ino: s.Ino, Nlink: s.Nlink, Mode: s.Mode, UID: s.Uid, GID: s.Gid,
		Rdev: s.Rdev, Size: s.Size, Blksize: s.Blksize, Blocks: s.Blocks,
		Atime: vfs.Timespec{Sec: s.Atim.Sec, Nsec: s.Atim.Nsec},
		Mtime: vfs.Timespec{Sec: s.Mtim.Sec, Nsec: s.Mtim.Nsec},
		Ctime: vfs.Timespec{Sec: s.Ctim.Sec, Nsec: s.Ctim.Nsec},
	}, nil
}

// Release implements vfs.FileImpl.Release.
func (f *File) Release() { unix.Close(f.fd) }

// Terminal ioctls.
const (
	tcgets     = 0x5401
	tcsets     = 0x5402
	tcsetsw    = 0x5403
	tcsetsf    = 0x5404
	tiocgwinsz = 0x5413
	tiocswinsz = 0x5414
	fionread   = 0x541b
	termiosLen = 36
	winsizeLen = 8
)

// Ioctl implements vfs.Ioctler for the terminal requests.
func (f *File) Ioctl(mem vfs.Memory, cmd uint32, arg uint64) (uint64, error) {
	switch cmd {
	case tcgets:
		t, err := unix.IoctlGetTermios(f.fd, unix.TCGETS)
		if err != nil {
			return 0, err
		}
		b := termiosBytes(t)
		if _, err := mem.CopyOut(arg, b); err != nil {
			return 0, unix.EFAULT
		}
		return 0, nil
	case tcsets, tcsetsw, tcsetsf:
		b := make([]byte, termiosLen)
		if _, err := mem.CopyIn(arg, b); err != nil {
			return 0, unix.EFAULT
		}
		if err := unix.IoctlSetTermios(f.fd, uint(cmd), termiosFrom(b)); err != nil {
			return 0, err
		}
		return 0, nil
	case tiocgwinsz:
		ws, err := unix.IoctlGetWinsize(f.fd, unix.TIOCGWINSZ)
		if err != nil {
			return 0, err
		}
		b := []byte{byte(ws.Row), byte(ws.Row >> 8), byte(ws.Col), byte(ws.Col >> 8),
			byte(ws.Xpixel), byte(ws.Xpixel >> 8), byte(ws.Ypixel), byte(ws.Ypixel >> 8)}
		if _, err := mem.CopyOut(arg, b); err != nil {
			return 0, unix.EFAULT
		}
		return 0, nil
	case tiocswinsz:
		b := make([]byte, winsizeLen)
		if _, err := mem.CopyIn(arg, b); err != nil {
			return 0, unix.EFAULT
		}
		ws := &unix.Winsize{Row: le16(b[0:]), Col: le16(b[2:]), Xpixel: le16(b[4:]), Ypixel: le16(b[6:])}
		return 0, unix.IoctlSetWinsize(f.fd, unix.TIOCSWINSZ, ws)
	case fionread:
		n, err := unix.IoctlGetInt(f.fd, unix.TIOCINQ)
		if err != nil {
			return 0, err
		}
		b := []byte{byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24)}
		if _, err := mem.CopyOut(arg, b); err != nil {
			return 0, unix.EFAULT
		}
		return 0, nil
	}
	// Whether the FD is a terminal decides between ENOTTY and ENOSYS-like
	// refusal; either way the host is not asked.
	return 0, unix.ENOTTY
}

func le16(b []byte) uint16 { return uint16(b[0]) | uint16(b[1])<<8 }

func termiosBytes(t *unix.Termios) []byte {
	b := make([]byte, termiosLen)
	put32 := func(off int, v uint32) {
		b[off], b[off+1], b[off+2], b[off+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	put32(0, t.Iflag)
	put32(4, t.Oflag)
	put32(8, t.Cflag)
	put32(12, t.Lflag)
	b[16] = t.Line
	copy(b[17:36], t.Cc[:19])
	return b
}

func termiosFrom(b []byte) *unix.Termios {
	get32 := func(off int) uint32 {
		return uint32(b[off]) | uint32(b[off+1])<<8 | uint32(b[off+2])<<16 | uint32(b[off+3])<<24
	}
	t := &unix.Termios{Iflag: get32(0), Oflag: get32(4), Cflag: get32(8), Lflag: get32(12), Line: b[16]}
	copy(t.Cc[:19], b[17:36])
	var cur unix.Termios
	t.Ispeed, t.Ospeed = cur.Ispeed, cur.Ospeed
	return t
}

// Readiness implements waiter.Waitable.Readiness with a zero-timeout poll.
func (f *File) Readiness(mask waiter.Mask) waiter.Mask {
	fds := []unix.PollFd{{Fd: int32(f.fd), Events: int16(mask & (waiter.EventIn | waiter.EventOut | waiter.EventPri))}}
	n, err := unix.Poll(fds, 0)
	if err != nil || n == 0 {
		return 0
	}
	return waiter.Mask(uint16(fds[0].Revents)) & (mask | waiter.EventErr | waiter.EventHUp)
}

// EventRegister implements waiter.Waitable.EventRegister. A goroutine
// polls the host FD while anyone waits on it.
func (f *File) EventRegister(e *waiter.Entry) {
	f.queue.EventRegister(e)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.watch |= e.Mask
	if f.cancel >= 0 {
		return
	}
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	if err != nil {
		return
	}
	f.cancel = efd
	mask := f.watch
	go f.poll(efd, mask)
}

func (f *File) poll(efd int, mask waiter.Mask) {
	defer func() {
		// efd is closed under the lock, so EventUnregister never
		// writes to a closed FD.
		f.mu.Lock()
		if f.cancel == efd {
			f.cancel = -1
		}
		unix.Close(efd)
		f.mu.Unlock()
	}()
	for {
		fds := []unix.PollFd{
			{Fd: int32(f.fd), Events: int16(mask & (waiter.EventIn | waiter.EventOut | waiter.EventPri))},
			{Fd: int32(efd), Events: unix.POLLIN},
		}
		if _, err := unix.Poll(fds, -1); err != nil && err != unix.EINTR {
			return
		}
		if fds[1].Revents != 0 {
			return
		}
		if ev := waiter.Mask(uint16(fds[0].Revents)); ev != 0 {
			f.queue.Notify(ev)
			return
		}
	}
}

// EventUnregister implements waiter.Waitable.EventUnregister.
func (f *File) EventUnregister(e *waiter.Entry) {
	f.queue.EventUnregister(e)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cancel >= 0 {
		var one = []byte{1, 0, 0, 0, 0, 0, 0, 0}
		unix.Write(f.cancel, one)
		f.cancel = -1
	}
}
