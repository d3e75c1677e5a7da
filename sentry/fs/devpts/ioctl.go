package devpts

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/vfs"
)

func copyOut(mem vfs.Memory, addr uint64, b []byte) error {
	if _, err := mem.CopyOut(addr, b); err != nil {
		return unix.EFAULT
	}
	return nil
}

func copyIn(mem vfs.Memory, addr uint64, b []byte) error {
	if _, err := mem.CopyIn(addr, b); err != nil {
		return unix.EFAULT
	}
	return nil
}

func copyOutInt(mem vfs.Memory, addr uint64, v int32) error {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], uint32(v))
	return copyOut(mem, addr, b[:])
}

func copyInInt(mem vfs.Memory, addr uint64) (int32, error) {
	var b [4]byte
	if err := copyIn(mem, addr, b[:]); err != nil {
		return 0, err
	}
	return int32(binary.LittleEndian.Uint32(b[:])), nil
}

// checkChange is the job-control check before changing the terminal:
// a background caller is stopped with SIGTTOU.
func (p *pty) checkChange() error {
	if t := kernel.CurrentTask(); t != nil {
		return t.CheckTTYAccess(&p.tty, int(unix.SIGTTOU))
	}
	return nil
}

// ioctl serves the terminal requests of tty_ioctl(4) on either side.
// Settings, window size and job control always concern the slave, as
// on Linux; master is true for requests made on the master.
func (p *pty) ioctl(mem vfs.Memory, cmd uint32, arg uint64, master bool, impl vfs.FileImpl) (uint64, error) {
	t := kernel.CurrentTask()
	switch cmd {
	case tcgets, tcgets2:
		size := termiosSize
		if cmd == tcgets2 {
			size = termios2Len
		}
		p.mu.Lock()
		b := p.termios.marshal(size)
		p.mu.Unlock()
		return 0, copyOut(mem, arg, b)

	case tcsets, tcsetsw, tcsetsf, tcsets2, tcsetsw2, tcsetsf2:
		if err := p.checkChange(); err != nil {
			return 0, err
		}
		size := termiosSize
		if cmd == tcsets2 || cmd == tcsetsw2 || cmd == tcsetsf2 {
			size = termios2Len
		}
		b := make([]byte, size)
		if err := copyIn(mem, arg, b); err != nil {
			return 0, err
		}
		nt := unmarshalTermios(b)
		p.mu.Lock()
		if size == termiosSize {
			nt.Ispeed, nt.Ospeed = p.termios.Ispeed, p.termios.Ospeed
		}
		nt.updateSpeeds(size == termios2Len)
		// A pty's output is never waiting on hardware, so TCSETSW
		// has nothing to wait for.
		if cmd == tcsetsf || cmd == tcsetsf2 {
			p.flushInput(true, false)
		}
		p.setTermios(nt) // takes pending input
		p.unlock()
		return 0, nil

	case tiocgwinsz:
		p.mu.Lock()
		b := p.winsize.marshal()
		p.mu.Unlock()
		return 0, copyOut(mem, arg, b)

	case tiocswinsz:
		b := make([]byte, winsizeSize)
		if err := copyIn(mem, arg, b); err != nil {
			return 0, err
		}
		p.setWinsize(unmarshalWinsize(b))
		return 0, nil

	case tiocinq:
		p.mu.Lock()
		var n int
		if master {
			n = min(len(p.obuf), ldiscSize-1)
		} else {
			n = p.inqCount()
		}
		p.mu.Unlock()
		return 0, copyOutInt(mem, arg, int32(n))

	case tiocoutq:
		// Neither side of a pty holds output in a driver queue.
		return 0, copyOutInt(mem, arg, 0)

	case tcflsh:
		if err := p.checkChange(); err != nil {
			return 0, err
		}
		if arg > tcioflush {
			return 0, unix.EINVAL
		}
		p.mu.Lock()
		in := arg == tciflush || arg == tcioflush
		out := arg == tcoflush || arg == tcioflush
		// Each side's input is the other's output. A side flushes
		// its own input fully, but of its output only what the
		// other side's discipline has not taken.
		if master {
			if in {
				p.flushOutput(true)
			}
			if out {
				p.flushInput(false, true)
			}
		} else {
			if in {
				p.flushInput(true, true)
			}
			if out {
				p.flushOutput(false)
			}
		}
		p.processInput()
		p.unlock()
		return 0, nil

	case tcxonc:
		if err := p.checkChange(); err != nil {
			return 0, err
		}
		p.mu.Lock()
		defer p.unlock()
		switch arg {
		case tcooff:
			if master {
				p.masterStopped = true
			} else {
				p.stopOutput(true)
			}
		case tcoon:
			if master {
				p.masterStopped = false
				p.notifyMaster |= waitOut
			} else {
				p.startOutput(true)
			}
		case tcioff, tcion:
			c := p.termios.CC[vSTOP]
			if arg == tcion {
				c = p.termios.CC[vSTART]
			}
			if c != 0 {
				if master {
					p.pending = append(p.pending, c)
					p.processInput()
				} else {
					p.obuf = append(p.obuf, c)
					p.notifyMaster |= waitIn
				}
			}
		default:
			return 0, unix.EINVAL
		}
		return 0, nil

	case tcsbrk, tcsbrkp, tiocsbrk, tioccbrk:
		// No line to break; output never waits on hardware.
		if err := p.checkChange(); err != nil {
			return 0, err
		}
		return 0, nil

	case tiocgpgrp:
		if t == nil {
			return 0, unix.ENOTTY
		}
		pgid, err := t.ForegroundPGID(&p.tty, master)
		if err != nil {
			return 0, err
		}
		return 0, copyOutInt(mem, arg, pgid)

	case tiocspgrp:
		if t == nil {
			return 0, unix.ENOTTY
		}
		pgid, err := copyInInt(mem, arg)
		if err != nil {
			return 0, err
		}
		return 0, t.SetForegroundPGID(&p.tty, pgid)

	case tiocgsid:
		if t == nil {
			return 0, unix.ENOTTY
		}
		sid, err := t.SessionID(&p.tty, master)
		if err != nil {
			return 0, err
		}
		return 0, copyOutInt(mem, arg, sid)

	case tiocsctty:
		if t == nil {
			return 0, unix.EPERM
		}
		fl, _ := callerFlags(t, impl)
		acc := fl & unix.O_ACCMODE
		return 0, t.SetControllingTTY(&p.tty, arg == 1, acc == unix.O_RDONLY || acc == unix.O_RDWR)

	case tiocnotty:
		if t == nil || master {
			return 0, unix.ENOTTY
		}
		return 0, t.ReleaseControllingTTY(&p.tty)

	case tiocsti:
		if t == nil {
			return 0, unix.EPERM
		}
		if (master || !t.IsControllingTTY(&p.tty)) && !t.Creds().HasCap(kernel.CapSysAdmin) {
			return 0, unix.EPERM
		}
		var b [1]byte
		if err := copyIn(mem, arg, b[:]); err != nil {
			return 0, err
		}
		p.mu.Lock()
		if master {
			// Input of the master's own discipline: what it reads.
			p.obuf = append(p.obuf, b[0])
			p.notifyMaster |= waitIn
		} else {
			p.receive(b[0])
		}
		p.unlock()
		return 0, nil

	case tiocexcl, tiocnxcl:
		// Each side has the flag; only the slave's matters, as
		// the master is never opened again.
		p.mu.Lock()
		if master {
			p.masterExclusive = cmd == tiocexcl
		} else {
			p.exclusive = cmd == tiocexcl
		}
		p.mu.Unlock()
		return 0, nil

	case tiocgexcl:
		p.mu.Lock()
		v := p.exclusive
		if master {
			v = p.masterExclusive
		}
		p.mu.Unlock()
		return 0, copyOutInt(mem, arg, boolInt(v))

	case tiocgetd:
		return 0, copyOutInt(mem, arg, nTTY)

	case tiocsetd:
		d, err := copyInInt(mem, arg)
		if err != nil {
			return 0, err
		}
		if err := p.checkChange(); err != nil {
			return 0, err
		}
		if d != nTTY {
			return 0, unix.EINVAL
		}
		return 0, nil

	case tiocglcktrmios:
		p.mu.Lock()
		b := p.lockedTermios.marshal(termiosSize)
		p.mu.Unlock()
		return 0, copyOut(mem, arg, b)

	case tiocslcktrmios:
		if t == nil || !t.Creds().HasCap(kernel.CapSysAdmin) {
			return 0, unix.EPERM
		}
		b := make([]byte, termiosSize)
		if err := copyIn(mem, arg, b); err != nil {
			return 0, err
		}
		p.mu.Lock()
		p.lockedTermios = unmarshalTermios(b)
		p.mu.Unlock()
		return 0, nil

	case tiocpkt:
		// Packet mode matters on the master, which reads the packets;
		// the slave keeps its own flag, to no effect.
		v, err := copyInInt(mem, arg)
		if err != nil {
			return 0, err
		}
		p.mu.Lock()
		on := v != 0
		if master {
			if on && !p.packet {
				p.pktStatus = 0
			}
			p.packet = on
		} else {
			p.slavePacket = on
		}
		p.unlock()
		return 0, nil

	case tiocgpkt:
		p.mu.Lock()
		v := p.packet
		if !master {
			v = p.slavePacket
		}
		p.mu.Unlock()
		return 0, copyOutInt(mem, arg, boolInt(v))

	case tiocsig:
		// Signals the process group of the other side's terminal:
		// from the master, the slave's foreground group; the master
		// has none.
		switch unix.Signal(arg) {
		case unix.SIGINT, unix.SIGQUIT, unix.SIGTSTP:
		default:
			return 0, unix.EINVAL
		}
		if master {
			p.tty.SignalForeground(int(arg))
		}
		return 0, nil

	case tiocvhangup:
		if t == nil || !t.Creds().HasCap(kernel.CapSysAdmin) {
			return 0, unix.EPERM
		}
		p.vhangup()
		return 0, nil
	}

	if master {
		return p.masterIoctl(mem, cmd, arg)
	}
	if cmd == tiocgptpeer {
		return 0, unix.EIO
	}
	return 0, unix.ENOTTY
}

// masterIoctl serves the requests only the master takes.
func (p *pty) masterIoctl(mem vfs.Memory, cmd uint32, arg uint64) (uint64, error) {
	switch cmd {
	case tiocgptn:
		return 0, copyOutInt(mem, arg, int32(p.index))

	case tiocsptlck:
		v, err := copyInInt(mem, arg)
		if err != nil {
			return 0, err
		}
		p.mu.Lock()
		p.locked = v != 0
		p.mu.Unlock()
		return 0, nil

	case tiocgptlck:
		p.mu.Lock()
		v := p.locked
		p.mu.Unlock()
		return 0, copyOutInt(mem, arg, boolInt(v))

	case tiocgptpeer:
		return p.openPeer(arg)
	}
	return 0, unix.ENOTTY
}

func boolInt(v bool) int32 {
	if v {
		return 1
	}
	return 0
}

// openPeer implements TIOCGPTPEER: it opens the slave and returns a new
// descriptor for it in the caller's table.
func (p *pty) openPeer(flags uint64) (uint64, error) {
	t := kernel.CurrentTask()
	if t == nil {
		return 0, unix.EINVAL
	}
	// As in open(2), flags that make no sense here are ignored.
	fl := int(flags) & (unix.O_ACCMODE | unix.O_NOCTTY | unix.O_NONBLOCK | unix.O_CLOEXEC | unix.O_APPEND)
	impl, err := p.openSlave(fl, p.slave.Stat)
	if err != nil {
		return 0, err
	}
	vd := p.fs.slaveDentry(t, p.index)
	f := vfs.NewFile(impl, vd, fl|0x8000) // O_LARGEFILE, as every open on 64-bit
	defer f.DecRef()
	limit := t.ThreadGroup().Limit(kernel.RlimitNofile).Cur
	if limit > kernel.NrOpen {
		limit = kernel.NrOpen
	}
	fd, err := t.FDTable().New(0, f, fl&unix.O_CLOEXEC != 0, int(limit))
	if err != nil {
		return 0, err
	}
	return uint64(fd), nil
}

// vhangup hangs up the slave's open files, as a hangup of the line does:
// they read EOF and fail with EIO from now on; new opens work.
func (p *pty) vhangup() {
	p.mu.Lock()
	p.hangupGen++
	p.notifySlave |= waitIn | waitOut
	p.unlock()
	p.tty.Hangup()
}
