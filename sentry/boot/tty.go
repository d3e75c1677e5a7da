package boot

import (
	"log/slog"
	"os"
	"os/signal"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/fs/devpts"
	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/vfs"
)

// setupTerminal mounts devpts at /dev/pts and, if the spec asks for a
// terminal (process.terminal, which `runsc do -t` sets), gives the init
// process a sandbox pseudoterminal connected to the host stdio: the
// slave becomes init's stdin, stdout and stderr and its session's
// controlling terminal, and the sentry copies the caller's keystrokes
// from stdio[0] into the master and the master's output to stdio[1].
// The caller's terminal is put in raw mode by runsc do, not here. It
// runs after CreateInit and before init starts.
func setupTerminal(k *kernel.Kernel, spec *specs.Spec, init *kernel.Task, stdio [3]int) error {
	pts := mountDevpts(k)
	if spec.Process == nil || !spec.Process.Terminal {
		return nil
	}
	if pts == nil {
		// No /dev/pts in the sandbox: the terminal has no name, but
		// works.
		pts = devpts.New()
	}
	c := init.Creds()
	con, err := pts.NewConsole(c.RealUID, c.RealGID)
	if err != nil {
		return err
	}
	impl, err := con.OpenSlave(unix.O_RDWR)
	if err != nil {
		con.Close()
		return err
	}
	r := &vfs.Resolver{Root: k.Root, Start: k.Root, FollowFinal: true}
	vd, err := k.VFS.Resolve(r, "/dev/pts/"+itoa(con.Index()))
	if err != nil {
		vd = vfs.VirtualDentry{}
	}
	const oLargefile = 0x8000
	f := vfs.NewFile(impl, vd, unix.O_RDWR|oLargefile)
	for fd := 0; fd < 3; fd++ {
		if err := init.FDTable().Set(fd, f, false, 3); err != nil {
			f.DecRef()
			return err
		}
	}
	f.DecRef()
	if ws, err := unix.IoctlGetWinsize(stdio[0], unix.TIOCGWINSZ); err == nil {
		con.SetWindowSize(devpts.Winsize{Row: ws.Row, Col: ws.Col, Xpixel: ws.Xpixel, Ypixel: ws.Ypixel})
	} else if ws, err := unix.IoctlGetWinsize(stdio[1], unix.TIOCGWINSZ); err == nil {
		con.SetWindowSize(devpts.Winsize{Row: ws.Row, Col: ws.Col, Xpixel: ws.Xpixel, Ypixel: ws.Ypixel})
	}
	k.AttachTTY(init.ThreadGroup(), con.TTY())

	in, err := unix.Dup(stdio[0])
	if err != nil {
		return err
	}
	out, err := unix.Dup(stdio[1])
	if err != nil {
		unix.Close(in)
		return err
	}
	unix.CloseOnExec(in)
	unix.CloseOnExec(out)
	// Ask for SIGWINCH now, while every host syscall is allowed.
	winch := make(chan os.Signal, 4)
	signal.Notify(winch, unix.SIGWINCH)
	go copyInput(con, in)
	go copyOutput(con, out)
	go forwardWinch(con, winch, stdio[0], stdio[1])
	return nil
}

// mountDevpts mounts the devpts instance of /dev (sentry/fs/dev) on
// /dev/pts, so that it shows as devpts in statfs and /proc/mounts, and
// returns it; nil if there is no /dev/pts.
func mountDevpts(k *kernel.Kernel) *devpts.FS {
	r := &vfs.Resolver{Root: k.Root, Start: k.Root, FollowFinal: true}
	vd, err := k.VFS.Resolve(r, "/dev/pts")
	if err != nil {
		return nil
	}
	fs := devpts.FSOf(vd.Inode())
	if fs == nil {
		return nil
	}
	if vd.Mount.FSType != "devpts" {
		k.VFS.Mount(vd, vd.Inode(), "devpts", "devpts", vfs.MountFlags{NoSuid: true, NoExec: true})
	}
	return fs
}

func itoa(n uint32) string {
	if n == 0 {
		return "0"
	}
	var b [10]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// copyInput copies the caller's keystrokes into the terminal. At end of
// input (stdin was not a terminal), it types the end-of-file character
// once, so that a shell reading it sees the end.
func copyInput(con *devpts.Console, fd int) {
	defer unix.Close(fd)
	buf := make([]byte, 4096)
	for {
		n, err := unix.Read(fd, buf)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			// The caller left its stdin non-blocking.
			unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, -1)
			continue
		case err != nil || n == 0:
			slog.Debug("terminal input ended", "err", err)
			if _, err := unix.IoctlGetTermios(fd, unix.TCGETS); err != nil {
				con.Write([]byte{con.EOFChar()}, nil)
			}
			return
		}
		if _, err := con.Write(buf[:n], nil); err != nil {
			return
		}
	}
}

// copyOutput copies the terminal's output to the caller. If the caller
// goes away, output is discarded, so that the application never blocks
// on it.
func copyOutput(con *devpts.Console, fd int) {
	defer unix.Close(fd)
	buf := make([]byte, 32<<10)
	broken := false
	for {
		n, err := con.Read(buf, nil)
		if err != nil && err != unix.EIO {
			return
		}
		for off := 0; off < n && !broken; {
			m, err := unix.Write(fd, buf[off:n])
			switch {
			case err == unix.EINTR:
			case err == unix.EAGAIN:
				unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}, -1)
			case err != nil:
				slog.Debug("terminal output failed", "err", err)
				broken = true
			default:
				off += m
			}
		}
		con.Done()
	}
}

// forwardWinch copies the caller's window size to the terminal whenever
// the sentry gets SIGWINCH (runsc do forwards it).
func forwardWinch(con *devpts.Console, ch <-chan os.Signal, fds ...int) {
	for range ch {
		for _, fd := range fds {
			if ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ); err == nil {
				con.SetWindowSize(devpts.Winsize{Row: ws.Row, Col: ws.Col, Xpixel: ws.Xpixel, Ypixel: ws.Ypixel})
				break
			}
		}
	}
}
