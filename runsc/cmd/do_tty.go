package cmd

import (
	"flag"
	"os"
	"os/signal"
	"strconv"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/runsc/sandbox"
)

// `runsc do -t`: the command runs on a terminal of the sandbox's own
// (process.terminal in the spec), which the sentry connects to the
// caller's: the caller's terminal goes into raw mode, so that every
// keystroke, ^C and ^Z included, reaches the sandbox's line discipline,
// and is restored when the command ends. Window size changes reach the
// sandbox as SIGWINCH, which runsc do forwards to the sentry.
//
// Without -t (or --tty), do uses a terminal when stdin, stdout and
// stderr are all the caller's terminal and runsc do is in its
// foreground: then the command sees a terminal exactly as it would
// outside. -t=false turns that off.

// ttyFlag is -t/--tty: a boolean that remembers whether it was given.
type ttyFlag struct {
	on, set bool
}

func (t *ttyFlag) String() string { return strconv.FormatBool(t.on) }

func (t *ttyFlag) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	t.on, t.set = v, true
	return nil
}

// IsBoolFlag lets -t stand alone.
func (t *ttyFlag) IsBoolFlag() bool { return true }

// register adds -t and --tty to f.
func (t *ttyFlag) register(f *flag.FlagSet) {
	const usage = "run the command on a terminal connected to the caller's, which is put in raw mode " +
		"(default: when stdin, stdout and stderr are the caller's terminal)"
	f.Var(t, "t", usage)
	f.Var(t, "tty", usage)
}

// wanted reports whether the command should get a terminal.
func (t *ttyFlag) wanted() bool {
	if t.set {
		return t.on
	}
	return callerOnTerminal()
}

// callerOnTerminal reports whether stdin, stdout and stderr are one
// terminal whose foreground process group is ours.
func callerOnTerminal() bool {
	var rdev uint64
	for fd := 0; fd < 3; fd++ {
		if !isTerminal(fd) {
			return false
		}
		var st unix.Stat_t
		if unix.Fstat(fd, &st) != nil {
			return false
		}
		if fd == 0 {
			rdev = st.Rdev
		} else if st.Rdev != rdev {
			return false
		}
	}
	pgrp, err := unix.IoctlGetInt(0, unix.TIOCGPGRP)
	return err == nil && pgrp == unix.Getpgrp()
}

func isTerminal(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return err == nil
}

// ttySession is the caller's terminal while the command runs on the
// sandbox's. A nil session does nothing.
type ttySession struct {
	fd int

	mu    sync.Mutex
	saved *unix.Termios // the caller's settings; nil if not a terminal
	raw   bool
}

// setupTTY marks spec for a terminal if t says so, and puts the
// caller's terminal (stdin), if it is one, in raw mode.
func (t *ttyFlag) setup(spec *specs.Spec) (*ttySession, error) {
	if !t.wanted() {
		return nil, nil
	}
	spec.Process.Terminal = true
	s := &ttySession{fd: 0}
	if ws, err := unix.IoctlGetWinsize(s.fd, unix.TIOCGWINSZ); err == nil {
		spec.Process.ConsoleSize = &specs.Box{Height: uint(ws.Row), Width: uint(ws.Col)}
	}
	if saved, err := unix.IoctlGetTermios(s.fd, unix.TCGETS); err == nil {
		s.saved = saved
		if err := s.makeRaw(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// makeRaw puts the caller's terminal in raw mode, as cfmakeraw(3) does:
// no input or output processing, no echo, no signals, byte at a time.
func (s *ttySession) makeRaw() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.saved == nil {
		return nil
	}
	raw := *s.saved
	raw.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	raw.Oflag &^= unix.OPOST
	raw.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	raw.Cflag &^= unix.CSIZE | unix.PARENB
	raw.Cflag |= unix.CS8
	raw.Cc[unix.VMIN] = 1
	raw.Cc[unix.VTIME] = 0
	if err := unix.IoctlSetTermios(s.fd, unix.TCSETS, &raw); err != nil {
		return err
	}
	s.raw = true
	return nil
}

// restore gives the caller's terminal its settings back.
func (s *ttySession) restore() {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.saved == nil || !s.raw {
		return
	}
	unix.IoctlSetTermios(s.fd, unix.TCSETS, s.saved)
	s.raw = false
}

// attach forwards window size changes to the sentry while the sandbox
// runs, and keeps the caller's terminal usable if runsc do is stopped
// (SIGTSTP from a job-control shell): the settings are restored before
// it stops and raw mode comes back when it continues. The returned
// function stops it.
func (s *ttySession) attach(sb *sandbox.Sandbox) (stop func()) {
	if s == nil {
		return func() {}
	}
	ch := make(chan os.Signal, 8)
	done := make(chan struct{})
	signal.Notify(ch, unix.SIGWINCH, unix.SIGTSTP, unix.SIGCONT)
	go func() {
		for {
			select {
			case sig := <-ch:
				switch sig {
				case unix.SIGWINCH:
					sb.Sentry.Process.Signal(unix.SIGWINCH)
				case unix.SIGTSTP:
					s.restore()
					unix.Kill(os.Getpid(), unix.SIGSTOP)
				case unix.SIGCONT:
					s.makeRaw()
					// The size may have changed meanwhile.
					sb.Sentry.Process.Signal(unix.SIGWINCH)
				}
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}
