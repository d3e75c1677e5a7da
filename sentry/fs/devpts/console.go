package devpts

import (
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

// Console is a pseudoterminal whose master the sentry itself holds: the
// bridge between a sandbox terminal and the caller's (runsc do -t). The
// sentry copies the caller's keystrokes in with Write and the
// terminal's output out with Read.
type Console struct {
	p *pty

	mu sync.Mutex
	// busy is set while output taken by Read is being written out;
	// cond signals when it clears.
	busy   bool
	closed bool
	cond   *sync.Cond
}

// NewConsole allocates an unlocked pseudoterminal owned by uid and gid.
func (fs *FS) NewConsole(uid, gid uint32) (*Console, error) {
	p, err := fs.alloc()
	if err != nil {
		return nil, err
	}
	p.slave.uid, p.slave.gid = uid, gid
	c := &Console{p: p}
	c.cond = sync.NewCond(&c.mu)
	p.mu.Lock()
	p.locked = false
	p.console = c
	p.mu.Unlock()
	return c, nil
}

// Index is N of the slave's /dev/pts/N.
func (c *Console) Index() uint32 { return c.p.index }

// TTY is the slave's job-control state, to make it a session's
// controlling terminal.
func (c *Console) TTY() *kernel.TTY { return &c.p.tty }

// OpenSlave opens the slave, with open(2)'s flags (O_NOCTTY is implied).
func (c *Console) OpenSlave(flags int) (vfs.FileImpl, error) {
	return c.p.openSlave(flags|unix.O_NOCTTY, c.p.slave.Stat)
}

// SetWindowSize sets the window size; a change sends SIGWINCH to the
// foreground process group.
func (c *Console) SetWindowSize(ws Winsize) { c.p.setWinsize(ws) }

// Read waits for output and copies it to dst. It returns an error once
// the master is closed, or EIO when all slaves have closed and there is
// nothing left to read. The caller must call Done after writing the
// bytes out. stop aborts the wait.
func (c *Console) Read(dst []byte, stop <-chan struct{}) (int, error) {
	p := c.p
	e := waiter.NewEntry(waitIn | waiter.EventHUp | waiter.EventErr)
	p.masterQ.EventRegister(e)
	defer p.masterQ.EventUnregister(e)
	for {
		// c.mu comes before p.mu, and is held across taking the
		// bytes and marking them in flight, for drain to see either.
		c.mu.Lock()
		p.mu.Lock()
		if !p.masterOpen {
			p.unlock()
			c.mu.Unlock()
			return 0, unix.EBADF
		}
		if n, ok := p.masterReadLocked(dst); ok && n > 0 {
			c.busy = true
			p.unlock()
			c.mu.Unlock()
			return n, nil
		}
		p.unlock()
		c.mu.Unlock()
		select {
		case <-e.C:
		case <-stop:
			return 0, unix.EINTR
		}
	}
}

// Done reports that the bytes of the last Read are written out.
func (c *Console) Done() { c.setIdle() }

func (c *Console) setIdle() {
	c.mu.Lock()
	c.busy = false
	c.cond.Broadcast()
	c.mu.Unlock()
}

// Write copies src in as typed input, waiting for room. stop aborts the
// wait.
func (c *Console) Write(src []byte, stop <-chan struct{}) (int, error) {
	p := c.p
	e := waiter.NewEntry(waitOut | waiter.EventHUp | waiter.EventErr)
	p.masterQ.EventRegister(e)
	defer p.masterQ.EventUnregister(e)
	done := 0
	for {
		p.mu.Lock()
		if !p.masterOpen {
			p.unlock()
			return done, unix.EBADF
		}
		if !p.masterStopped {
			n := min(len(src)-done, pendingCap-len(p.pending))
			if n > 0 {
				p.pending = append(p.pending, src[done:done+n]...)
				done += n
				p.processInput()
			}
		}
		p.unlock()
		if done == len(src) {
			return done, nil
		}
		select {
		case <-e.C:
		case <-stop:
			return done, unix.EINTR
		}
	}
}

// Close closes the master: the slave hangs up.
func (c *Console) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.cond.Broadcast()
	c.mu.Unlock()
	c.p.closeMaster()
}

// drainTimeout bounds how long the last close of the slave waits for
// the console to write out what the application wrote.
const drainTimeout = 2 * time.Second

// drain waits until the output is written out, so that what a program
// printed just before exiting reaches the caller before the sandbox
// ends.
func (c *Console) drain() {
	deadline := time.Now().Add(drainTimeout)
	timer := time.AfterFunc(drainTimeout, func() {
		c.mu.Lock()
		c.cond.Broadcast()
		c.mu.Unlock()
	})
	defer timer.Stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for !c.closed && time.Now().Before(deadline) {
		c.p.mu.Lock()
		pending := len(c.p.obuf) > 0
		c.p.mu.Unlock()
		if !pending && !c.busy {
			return
		}
		c.cond.Wait()
	}
}

// EOFChar is the terminal's end-of-file character (VEOF).
func (c *Console) EOFChar() byte {
	c.p.mu.Lock()
	defer c.p.mu.Unlock()
	return c.p.termios.CC[vEOF]
}
