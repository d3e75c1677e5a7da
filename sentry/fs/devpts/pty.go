package devpts

import (
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

// Readiness events the pty reports.
const (
	waitIn  = waiter.EventIn | waiter.EventRdNorm
	waitOut = waiter.EventOut | waiter.EventWrNorm
)

// pty is a pseudoterminal pair: a master, opened through ptmx, and a
// slave, /dev/pts/N, with one line discipline between them. pty(7).
type pty struct {
	fs    *FS
	index uint32
	// tty is the slave's job-control state.
	tty kernel.TTY
	// slave is the /dev/pts/N inode.
	slave *slaveInode

	mu sync.Mutex

	termios       Termios
	lockedTermios Termios
	cmap          [256]bool
	winsize       Winsize

	locked    bool // TIOCSPTLCK: the slave cannot be opened
	exclusive bool // TIOCEXCL: only CAP_SYS_ADMIN may open the slave
	// masterExclusive is TIOCEXCL on the master, which changes nothing.
	masterExclusive bool
	packet          bool // TIOCPKT on the master
	// slavePacket is TIOCPKT on the slave, which changes nothing.
	slavePacket bool
	pktStatus   uint8

	// masterOpen is false once the master is closed: the slave is hung
	// up for good.
	masterOpen bool
	// slaves counts open slave file descriptions.
	slaves int
	// slaveClosed is set when the last slave file closes (the master
	// then reads EIO once its data is gone), until a slave opens again.
	slaveClosed bool
	// hangupGen increases at each vhangup; slave files opened before
	// the current generation are hung up.
	hangupGen uint64

	// Input: written by the master, not yet taken by the discipline.
	pending []byte
	// The discipline's input buffer: rbuf[:canonHead] are complete
	// lines in canonical mode; rflag marks line ends.
	rbuf      []byte
	rflag     []uint8
	canonHead int
	lnext     bool
	erasing   bool
	lastInput time.Time

	// Output, read by the master.
	obuf        []byte
	column      int
	canonColumn int
	// slaveStopped stops the slave's output (VSTOP or TCOOFF on the
	// slave); masterStopped the master's (TCOOFF on the master).
	slaveStopped, slaveTCOStopped bool
	masterStopped                 bool

	// Deferred until mu is released.
	signals                   []int
	notifyMaster, notifySlave waiter.Mask

	masterQ, slaveQ waiter.Queue

	// console is set when the master is the sentry's bridge to the
	// caller's terminal.
	console *Console
}

func newPTY(fs *FS, index uint32) *pty {
	p := &pty{fs: fs, index: index, masterOpen: true, locked: true}
	p.termios = defaultTermios()
	p.cmap = p.termios.charMap()
	p.tty.Rdev = unix.Mkdev(slaveMajor, index)
	p.tty.Driver = p
	return p
}

// unlock releases mu, then sends the signals and wakes the waiters that
// the work under it produced.
func (p *pty) unlock() {
	sigs := p.signals
	p.signals = nil
	nm, ns := p.notifyMaster, p.notifySlave
	p.notifyMaster, p.notifySlave = 0, 0
	p.mu.Unlock()
	for _, s := range sigs {
		p.tty.SignalForeground(s)
	}
	if nm != 0 {
		p.masterQ.Notify(nm)
	}
	if ns != 0 {
		p.slaveQ.Notify(ns)
	}
}

// callerFlags returns the status flags of the open file whose
// implementation is impl, as the calling task sees it. Reads and writes
// need O_NONBLOCK to know whether to wait; the file is found in the
// caller's descriptor table. ok is false if there is no calling task or
// the file is not there (a kernel caller): then the call must not block.
func callerFlags(t *kernel.Task, impl vfs.FileImpl) (flags int, ok bool) {
	if t == nil {
		return 0, false
	}
	fdt := t.FDTable()
	if fdt == nil {
		return 0, false
	}
	for _, fd := range fdt.FDs() {
		f, _, err := fdt.Get(fd)
		if err != nil {
			continue
		}
		match := f.Impl == impl
		fl := f.Flags()
		f.DecRef()
		if match {
			return fl, true
		}
	}
	return 0, false
}

// blockingCaller returns the calling task if impl's file is in blocking
// mode for it, or nil if the call must not wait.
func blockingCaller(impl vfs.FileImpl) *kernel.Task {
	t := kernel.CurrentTask()
	fl, ok := callerFlags(t, impl)
	if !ok || fl&unix.O_NONBLOCK != 0 {
		return nil
	}
	return t
}

// wait blocks t until q reports one of mask, the deadline passes (zero:
// none), or a signal arrives. It returns kernel.ErrTimedOut or
// kernel.ErrInterrupted in the latter cases.
func wait(t *kernel.Task, e *waiter.Entry, deadline time.Time) error {
	if deadline.IsZero() {
		return t.Block(e.C)
	}
	d := time.Until(deadline)
	if d <= 0 {
		return kernel.ErrTimedOut
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	return t.BlockTimeout(e.C, tm.C)
}

// interruptedResult is the result of a call a signal interrupted after n
// bytes.
func interruptedResult(n int) (int, error) {
	if n > 0 {
		return n, nil
	}
	return 0, kernel.ERESTARTSYS
}

// ---- Slave side ----

// slaveHungUp reports whether a slave file of generation gen is hung up.
// mu must be held.
func (p *pty) slaveHungUp(gen uint64) bool { return !p.masterOpen || gen < p.hangupGen }

// slaveRead reads as a slave file of generation gen, blocking for t (if
// not nil) as VMIN and VTIME say.
func (p *pty) slaveRead(impl vfs.FileImpl, gen uint64, dst []byte) (int, error) {
	caller := kernel.CurrentTask()
	if caller != nil {
		if err := caller.CheckTTYAccess(&p.tty, int(unix.SIGTTIN)); err != nil {
			return 0, err
		}
	}
	if len(dst) == 0 {
		return 0, nil
	}
	var t *kernel.Task // set once we know the call may block
	var e *waiter.Entry
	var deadline time.Time
	started := time.Now()
	for attempt := 0; ; attempt++ {
		p.mu.Lock()
		if p.slaveHungUp(gen) {
			p.unlock()
			return 0, nil
		}
		tm := &p.termios
		if p.canonical() {
			if p.canonHead > 0 {
				n := p.readCanonical(dst)
				p.unlock()
				return n, nil
			}
		} else {
			vmin, vtime := int(tm.CC[vMIN]), time.Duration(tm.CC[vTIME])*100*time.Millisecond
			need := min(vmin, len(dst))
			avail := len(p.rbuf)
			switch {
			case vmin == 0 && vtime == 0:
				n := p.readRaw(dst)
				p.unlock()
				return n, nil
			case avail > 0 && avail >= need:
				n := p.readRaw(dst)
				p.unlock()
				return n, nil
			case vmin == 0:
				// Wait up to VTIME from the start of the read.
				deadline = started.Add(vtime)
				if !time.Now().Before(deadline) {
					p.unlock()
					return 0, nil
				}
			case vtime > 0 && avail > 0:
				// VTIME is an inter-byte timer, running since the
				// last byte arrived.
				deadline = p.lastInput.Add(vtime)
				if !time.Now().Before(deadline) {
					n := p.readRaw(dst)
					p.unlock()
					return n, nil
				}
			default:
				deadline = time.Time{}
			}
		}
		p.unlock()
		if attempt == 0 {
			if t = blockingCaller(impl); t == nil {
				return 0, unix.EAGAIN
			}
			e = waiter.NewEntry(waitIn | waiter.EventHUp | waiter.EventErr)
			p.slaveQ.EventRegister(e)
			defer p.slaveQ.EventUnregister(e)
			continue
		}
		if err := wait(t, e, deadline); err != nil && err != kernel.ErrTimedOut {
			return 0, kernel.ERESTARTSYS
		}
	}
}

// slaveWrite writes as a slave file of generation gen.
func (p *pty) slaveWrite(impl vfs.FileImpl, gen uint64, src []byte) (int, error) {
	caller := kernel.CurrentTask()
	p.mu.Lock()
	tostop := p.termios.Lflag&fTOSTOP != 0
	p.mu.Unlock()
	if caller != nil && tostop {
		if err := caller.CheckTTYAccess(&p.tty, int(unix.SIGTTOU)); err != nil {
			return 0, err
		}
	}
	var t *kernel.Task
	var e *waiter.Entry
	done := 0
	for attempt := 0; ; attempt++ {
		p.mu.Lock()
		if p.slaveHungUp(gen) {
			p.unlock()
			if done > 0 {
				return done, nil
			}
			return 0, unix.EIO
		}
		if !p.slaveStopped {
			for done < len(src) && p.output(src[done], false) {
				done++
			}
		}
		p.unlock()
		if done == len(src) {
			return done, nil
		}
		if attempt == 0 {
			if t = blockingCaller(impl); t == nil {
				if done > 0 {
					return done, nil
				}
				return 0, unix.EAGAIN
			}
			e = waiter.NewEntry(waitOut | waiter.EventHUp | waiter.EventErr)
			p.slaveQ.EventRegister(e)
			defer p.slaveQ.EventUnregister(e)
			continue
		}
		if err := wait(t, e, time.Time{}); err != nil {
			return interruptedResult(done)
		}
	}
}

// slaveReadiness is the poll mask of a slave file of generation gen.
func (p *pty) slaveReadiness(gen uint64, mask waiter.Mask) waiter.Mask {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.slaveHungUp(gen) {
		return mask & (waitIn | waitOut | waiter.EventErr | waiter.EventHUp)
	}
	var r waiter.Mask
	amt := 1
	if !p.canonical() && p.termios.CC[vTIME] == 0 && p.termios.CC[vMIN] > 0 {
		amt = int(p.termios.CC[vMIN])
	}
	if p.inputAvailable(amt) {
		r |= waitIn
	}
	if !p.slaveStopped && len(p.obuf) < outputCap {
		r |= waitOut
	}
	return r & mask
}

// ---- Master side ----

func (p *pty) masterRead(impl vfs.FileImpl, dst []byte) (int, error) {
	var t *kernel.Task
	var e *waiter.Entry
	for attempt := 0; ; attempt++ {
		p.mu.Lock()
		if n, ok := p.masterReadLocked(dst); ok {
			p.unlock()
			return n, nil
		}
		if p.slaveClosed {
			p.unlock()
			return 0, unix.EIO
		}
		p.unlock()
		if attempt == 0 {
			if t = blockingCaller(impl); t == nil {
				return 0, unix.EAGAIN
			}
			e = waiter.NewEntry(waitIn | waiter.EventHUp | waiter.EventErr)
			p.masterQ.EventRegister(e)
			defer p.masterQ.EventUnregister(e)
			continue
		}
		if err := wait(t, e, time.Time{}); err != nil {
			return 0, kernel.ERESTARTSYS
		}
	}
}

// masterReadLocked reads what the master can read now.
func (p *pty) masterReadLocked(dst []byte) (int, bool) {
	if len(dst) == 0 {
		return 0, true
	}
	if p.packet && p.pktStatus != 0 {
		dst[0] = p.pktStatus
		p.pktStatus = 0
		return 1, true
	}
	if len(p.obuf) == 0 {
		return 0, false
	}
	off := 0
	if p.packet {
		dst[0] = 0 // TIOCPKT_DATA
		off = 1
	}
	n := copy(dst[off:], p.obuf)
	m := copy(p.obuf, p.obuf[n:])
	p.obuf = p.obuf[:m]
	p.notifySlave |= waitOut
	return off + n, true
}

func (p *pty) masterWrite(impl vfs.FileImpl, src []byte) (int, error) {
	var t *kernel.Task
	var e *waiter.Entry
	done := 0
	for attempt := 0; ; attempt++ {
		p.mu.Lock()
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
		if attempt == 0 {
			if t = blockingCaller(impl); t == nil {
				if done > 0 {
					return done, nil
				}
				return 0, unix.EAGAIN
			}
			e = waiter.NewEntry(waitOut | waiter.EventHUp | waiter.EventErr)
			p.masterQ.EventRegister(e)
			defer p.masterQ.EventUnregister(e)
			continue
		}
		if err := wait(t, e, time.Time{}); err != nil {
			return interruptedResult(done)
		}
	}
}

func (p *pty) masterReadiness(mask waiter.Mask) waiter.Mask {
	p.mu.Lock()
	defer p.mu.Unlock()
	var r waiter.Mask
	if len(p.obuf) > 0 {
		r |= waitIn
	}
	if p.packet && p.pktStatus != 0 {
		r |= waitIn | waiter.EventPri
	}
	if p.slaveClosed {
		r |= waiter.EventHUp
	}
	if !p.masterStopped && len(p.pending) < pendingCap {
		r |= waitOut
	}
	return r & (mask | waiter.EventHUp | waiter.EventErr)
}

// closeMaster is the last close of the master: the slave hangs up, its
// session leader gets SIGHUP, and /dev/pts/N goes away.
func (p *pty) closeMaster() {
	p.mu.Lock()
	p.masterOpen = false
	p.notifySlave |= waiter.AllEvents
	p.notifyMaster |= waiter.AllEvents
	free := p.slaves == 0
	p.unlock()
	p.tty.Hangup()
	p.fs.remove(p, free)
}

// closeSlave is the close of one slave file description.
func (p *pty) closeSlave() {
	p.mu.Lock()
	p.slaves--
	last := p.slaves == 0
	if last {
		p.slaveClosed = true
		p.notifyMaster |= waiter.AllEvents
	}
	free := last && !p.masterOpen
	c := p.console
	p.unlock()
	if last && c != nil {
		c.drain()
	}
	if free {
		p.fs.free(p)
	}
}

// openSlave opens the slave for the caller, with open(2)'s flags.
func (p *pty) openSlave(flags int, stat func() (vfs.Stat, error)) (*slaveFile, error) {
	t := kernel.CurrentTask()
	p.mu.Lock()
	if !p.masterOpen {
		p.unlock()
		return nil, unix.EIO
	}
	if p.locked {
		p.unlock()
		return nil, unix.EIO
	}
	if p.exclusive && (t == nil || !t.Creds().HasCap(kernel.CapSysAdmin)) {
		p.unlock()
		return nil, unix.EBUSY
	}
	p.slaves++
	p.slaveClosed = false
	f := &slaveFile{p: p, gen: p.hangupGen, stat: stat}
	p.notifyMaster |= waiter.AllEvents
	p.unlock()
	if t != nil && flags&unix.O_NOCTTY == 0 {
		acc := flags & unix.O_ACCMODE
		t.OpenedTTY(&p.tty, acc == unix.O_RDONLY || acc == unix.O_RDWR)
	}
	return f, nil
}

// setWinsize implements TIOCSWINSZ: a change sends SIGWINCH to the
// foreground process group.
func (p *pty) setWinsize(ws Winsize) {
	p.mu.Lock()
	if p.winsize != ws {
		p.winsize = ws
		p.signals = append(p.signals, int(unix.SIGWINCH))
	}
	p.unlock()
}

// slaveFile is an open /dev/pts/N (or /dev/tty naming one).
type slaveFile struct {
	vfs.NoImpl
	p    *pty
	gen  uint64
	stat func() (vfs.Stat, error)
}

// Read implements vfs.FileImpl.Read.
func (f *slaveFile) Read(dst []byte, _ int64) (int, error) { return f.p.slaveRead(f, f.gen, dst) }

// Write implements vfs.FileImpl.Write.
func (f *slaveFile) Write(src []byte, _ int64) (int, error) { return f.p.slaveWrite(f, f.gen, src) }

// Stat implements vfs.FileImpl.Stat.
func (f *slaveFile) Stat() (vfs.Stat, error) { return f.stat() }

// Release implements vfs.FileImpl.Release.
func (f *slaveFile) Release() { f.p.closeSlave() }

// Readiness implements waiter.Waitable.
func (f *slaveFile) Readiness(mask waiter.Mask) waiter.Mask { return f.p.slaveReadiness(f.gen, mask) }

// EventRegister implements waiter.Waitable.
func (f *slaveFile) EventRegister(e *waiter.Entry) { f.p.slaveQ.EventRegister(e) }

// EventUnregister implements waiter.Waitable.
func (f *slaveFile) EventUnregister(e *waiter.Entry) { f.p.slaveQ.EventUnregister(e) }

// Ioctl implements vfs.Ioctler.
func (f *slaveFile) Ioctl(mem vfs.Memory, cmd uint32, arg uint64) (uint64, error) {
	f.p.mu.Lock()
	hung := f.p.slaveHungUp(f.gen)
	f.p.mu.Unlock()
	if hung {
		if cmd == tiocspgrp {
			return 0, unix.ENOTTY
		}
		return 0, unix.EIO
	}
	return f.p.ioctl(mem, cmd, arg, false, f)
}

// masterFile is an open ptmx: the master of a new pty.
type masterFile struct {
	vfs.NoImpl
	p    *pty
	stat func() (vfs.Stat, error)
}

// Read implements vfs.FileImpl.Read.
func (f *masterFile) Read(dst []byte, _ int64) (int, error) { return f.p.masterRead(f, dst) }

// Write implements vfs.FileImpl.Write.
func (f *masterFile) Write(src []byte, _ int64) (int, error) { return f.p.masterWrite(f, src) }

// Stat implements vfs.FileImpl.Stat.
func (f *masterFile) Stat() (vfs.Stat, error) { return f.stat() }

// Release implements vfs.FileImpl.Release.
func (f *masterFile) Release() { f.p.closeMaster() }

// Readiness implements waiter.Waitable.
func (f *masterFile) Readiness(mask waiter.Mask) waiter.Mask { return f.p.masterReadiness(mask) }

// EventRegister implements waiter.Waitable.
func (f *masterFile) EventRegister(e *waiter.Entry) { f.p.masterQ.EventRegister(e) }

// EventUnregister implements waiter.Waitable.
func (f *masterFile) EventUnregister(e *waiter.Entry) { f.p.masterQ.EventUnregister(e) }

// Ioctl implements vfs.Ioctler.
func (f *masterFile) Ioctl(mem vfs.Memory, cmd uint32, arg uint64) (uint64, error) {
	return f.p.ioctl(mem, cmd, arg, true, f)
}
