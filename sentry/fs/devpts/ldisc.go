package devpts

import (
	"time"

	"golang.org/x/sys/unix"
)

// The line discipline (N_TTY) of a pseudoterminal, as termios(3)
// describes it. Bytes the master writes are input: they wait in pending
// until the discipline takes them, which translates them (ICRNL, ...),
// turns special characters into signals and line edits, echoes them, and
// queues them in rbuf for the slave to read. Bytes the slave writes are
// output: they go through output processing (OPOST, ONLCR, ...) into
// obuf, which the master reads. Echoes go to obuf too.
//
// Everything here runs with pty.mu held.

const (
	// ldiscSize is the discipline's input buffer (N_TTY_BUF_SIZE). In
	// non-canonical mode it holds up to ldiscSize-1 bytes; in canonical
	// mode a line holds up to ldiscSize-1 characters and its terminator.
	ldiscSize = 4096
	// pendingCap bounds input written by the master and not yet taken
	// by the discipline (Linux's flip buffers).
	pendingCap = 16384
	// outputCap bounds output the master has not read.
	outputCap = 16384 + ldiscSize
	// echoSlack is how far echoes may go past outputCap before they are
	// dropped.
	echoSlack = ldiscSize
)

// Flags of bytes in rbuf.
const (
	markEOL = 1 // ends a line (canonical mode)
	markEOF = 2 // an end-of-file mark: ends a line, is not read
)

// special reports whether c is the enabled special character cc[i].
func (t *Termios) special(i int, c byte) bool {
	return t.CC[i] != 0 && t.CC[i] == c
}

// charMap is the set of characters the discipline treats specially
// under the current settings.
func (t *Termios) charMap() (m [256]bool) {
	set := func(c byte) {
		if c != 0 {
			m[c] = true
		}
	}
	if t.Iflag&(fIGNCR|fICRNL) != 0 {
		set('\r')
	}
	if t.Iflag&fINLCR != 0 {
		set('\n')
	}
	if t.Lflag&fICANON != 0 {
		set(t.CC[vERASE])
		set(t.CC[vKILL])
		set(t.CC[vEOF])
		set('\n')
		set(t.CC[vEOL])
		if t.Lflag&fIEXTEN != 0 {
			set(t.CC[vWERASE])
			set(t.CC[vLNEXT])
			set(t.CC[vEOL2])
			if t.Lflag&fECHO != 0 {
				set(t.CC[vREPRINT])
			}
		}
	}
	if t.Iflag&fIXON != 0 {
		set(t.CC[vSTART])
		set(t.CC[vSTOP])
	}
	if t.Lflag&fISIG != 0 {
		set(t.CC[vINTR])
		set(t.CC[vQUIT])
		set(t.CC[vSUSP])
	}
	return m
}

func isCntrl(c byte) bool { return c < 0x20 || c == 0x7f }

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// isCont reports whether c continues a UTF-8 character (IUTF8 only).
func (p *pty) isCont(c byte) bool {
	return p.termios.Iflag&fIUTF8 != 0 && c&0xc0 == 0x80
}

func (p *pty) canonical() bool { return p.termios.Lflag&fICANON != 0 }

// lineLen is the length of the line being edited (canonical mode).
func (p *pty) lineLen() int { return len(p.rbuf) - p.canonHead }

// processInput moves pending input into the discipline while it has
// room.
func (p *pty) processInput() {
	i := 0
	for i < len(p.pending) && p.receive(p.pending[i]) {
		i++
	}
	if i > 0 {
		n := copy(p.pending, p.pending[i:])
		p.pending = p.pending[:n]
		p.notifyMaster |= waitOut
	}
}

// roomFor reports whether the discipline can take another character,
// making room in canonical mode by dropping the last character of an
// overlong line (so that its terminator always fits).
func (p *pty) roomFor() bool {
	n := len(p.rbuf)
	if n < ldiscSize-1 {
		return true
	}
	if !p.canonical() || p.canonHead > 0 {
		// Wait for the reader.
		return false
	}
	if n >= ldiscSize {
		p.rbuf = p.rbuf[:n-1]
		p.rflag = p.rflag[:n-1]
	}
	return true
}

// receive processes one input character; false means no room.
func (p *pty) receive(c byte) bool {
	if !p.roomFor() {
		return false
	}
	t := &p.termios
	if t.Iflag&fISTRIP != 0 {
		c &= 0x7f
	}
	if t.Iflag&fIUCLC != 0 && t.Lflag&fIEXTEN != 0 && c >= 'A' && c <= 'Z' {
		c += 'a' - 'A'
	}
	if p.lnext {
		p.lnext = false
		p.receivePlain(c)
		return true
	}
	if !p.cmap[c] {
		p.receivePlain(c)
		return true
	}
	if t.Iflag&fIXON != 0 {
		if t.special(vSTART, c) {
			if t.special(vSTOP, c) && !p.slaveStopped {
				p.stopOutput(false)
			} else {
				p.startOutput(false)
			}
			return true
		}
		if t.special(vSTOP, c) {
			p.stopOutput(false)
			return true
		}
	}
	if t.Lflag&fISIG != 0 {
		switch {
		case t.special(vINTR, c):
			p.signalChar(c, unix.SIGINT)
			return true
		case t.special(vQUIT, c):
			p.signalChar(c, unix.SIGQUIT)
			return true
		case t.special(vSUSP, c):
			p.signalChar(c, unix.SIGTSTP)
			return true
		}
	}
	p.restartOnAny()
	switch {
	case c == '\r':
		if t.Iflag&fIGNCR != 0 {
			return true
		}
		if t.Iflag&fICRNL != 0 {
			c = '\n'
		}
	case c == '\n' && t.Iflag&fINLCR != 0:
		c = '\r'
	}
	if p.canonical() {
		iext := t.Lflag&fIEXTEN != 0
		echo := t.Lflag&fECHO != 0
		switch {
		case t.special(vERASE, c) || t.special(vKILL, c) || iext && t.special(vWERASE, c):
			p.erase(c)
			return true
		case iext && t.special(vLNEXT, c):
			p.lnext = true
			if echo {
				p.finishErasing()
				if t.Lflag&fECHOCTL != 0 {
					p.echoRaw('^')
					p.echoRaw('\b')
				}
			}
			return true
		case iext && echo && t.special(vREPRINT, c):
			p.reprint(c)
			return true
		case c == '\n':
			if echo || t.Lflag&fECHONL != 0 {
				p.echoRaw('\n')
			}
			p.endLine(c, markEOL)
			return true
		case t.special(vEOF, c):
			p.endLine(0, markEOF)
			return true
		case t.special(vEOL, c) || iext && t.special(vEOL2, c):
			if echo {
				if p.lineLen() == 0 {
					p.canonColumn = p.column
				}
				p.echoChar(c)
			}
			p.endLine(c, markEOL)
			return true
		}
	}
	if t.Lflag&fECHO != 0 {
		p.finishErasing()
		if c == '\n' {
			p.echoRaw('\n')
		} else {
			if p.lineLen() == 0 {
				p.canonColumn = p.column
			}
			p.echoChar(c)
		}
	}
	p.put(c)
	return true
}

// receivePlain takes an ordinary character.
func (p *pty) receivePlain(c byte) {
	p.restartOnAny()
	if p.termios.Lflag&fECHO != 0 {
		p.finishErasing()
		if p.lineLen() == 0 {
			p.canonColumn = p.column
		}
		p.echoChar(c)
	}
	p.put(c)
}

// restartOnAny restarts output stopped by VSTOP when IXANY is set.
func (p *pty) restartOnAny() {
	t := &p.termios
	if p.slaveStopped && !p.slaveTCOStopped && t.Iflag&fIXON != 0 && t.Iflag&fIXANY != 0 {
		p.startOutput(false)
	}
}

// put queues an input character for the reader.
func (p *pty) put(c byte) {
	if c == 0xff && p.termios.Iflag&unix.PARMRK != 0 {
		p.rbuf = append(p.rbuf, c)
		p.rflag = append(p.rflag, 0)
	}
	p.rbuf = append(p.rbuf, c)
	p.rflag = append(p.rflag, 0)
	p.lastInput = time.Now()
	if !p.canonical() {
		p.notifySlave |= waitIn
	}
}

// endLine completes the line being edited with terminator c.
func (p *pty) endLine(c byte, mark uint8) {
	p.rbuf = append(p.rbuf, c)
	p.rflag = append(p.rflag, mark)
	p.canonHead = len(p.rbuf)
	p.lastInput = time.Now()
	p.notifySlave |= waitIn
}

// signalChar handles VINTR, VQUIT and VSUSP: unless NOFLSH, both queues
// are flushed; the foreground group gets sig; the character is echoed.
func (p *pty) signalChar(c byte, sig unix.Signal) {
	t := &p.termios
	if t.Lflag&fNOFLSH == 0 {
		p.flushInput(true, false)
		p.flushOutput(false)
	}
	p.signals = append(p.signals, int(sig))
	if t.Iflag&fIXON != 0 {
		p.startOutput(false)
	}
	if t.Lflag&fECHO != 0 {
		p.echoChar(c)
	}
}

// erase handles VERASE, VWERASE and VKILL in canonical mode.
func (p *pty) erase(c byte) {
	t := &p.termios
	if p.lineLen() == 0 {
		return
	}
	echo := t.Lflag&fECHO != 0
	const (
		eraseChar = iota
		eraseWord
		eraseLine
	)
	kind := eraseLine
	switch {
	case t.special(vERASE, c):
		kind = eraseChar
	case t.special(vWERASE, c):
		kind = eraseWord
	}
	if kind == eraseLine {
		if !echo {
			p.truncateLine(p.canonHead)
			return
		}
		if t.Lflag&fECHOK == 0 || t.Lflag&fECHOKE == 0 || t.Lflag&fECHOE == 0 {
			// No visual erase: echo the kill character, then a
			// newline if ECHOK asks for one.
			p.truncateLine(p.canonHead)
			p.finishErasing()
			p.echoChar(t.CC[vKILL])
			if t.Lflag&fECHOK != 0 {
				p.echoRaw('\n')
			}
			return
		}
	}
	seenAlnum := false
	for len(p.rbuf) > p.canonHead {
		end := len(p.rbuf)
		start := end - 1
		for start > p.canonHead && p.isCont(p.rbuf[start]) {
			start--
		}
		ch := p.rbuf[start]
		if p.isCont(ch) {
			// Never erase part of a character.
			break
		}
		if kind == eraseWord {
			if isAlnum(ch) || ch == '_' {
				seenAlnum = true
			} else if seenAlnum {
				break
			}
		}
		erased := append([]byte(nil), p.rbuf[start:end]...)
		p.truncateLine(start)
		if echo {
			switch {
			case t.Lflag&fECHOPRT != 0:
				if !p.erasing {
					p.echoRaw('\\')
					p.erasing = true
				}
				p.echoChar(ch)
				for _, b := range erased[1:] {
					p.echoRaw(b)
					if p.column > 0 {
						p.column--
					}
				}
			case kind == eraseChar && t.Lflag&fECHOE == 0:
				p.echoChar(t.CC[vERASE])
			case ch == '\t':
				p.eraseTab()
			default:
				ctl := isCntrl(ch)
				ectl := t.Lflag&fECHOCTL != 0
				if ctl && ectl {
					p.echoString("\b \b")
				}
				if !ctl || ectl {
					p.echoString("\b \b")
				}
			}
		}
		if kind == eraseChar {
			break
		}
	}
	if len(p.rbuf) == p.canonHead && echo {
		p.finishErasing()
	}
}

// eraseTab backs the cursor over a tab just erased: to the column the
// tab started at, found by measuring the rest of the line.
func (p *pty) eraseTab() {
	cols := 0
	afterTab := false
	for i := len(p.rbuf) - 1; i >= p.canonHead; i-- {
		c := p.rbuf[i]
		if c == '\t' {
			afterTab = true
			break
		}
		if isCntrl(c) {
			if p.termios.Lflag&fECHOCTL != 0 {
				cols += 2
			}
		} else if !p.isCont(c) {
			cols++
		}
	}
	if !afterTab {
		cols += p.canonColumn
	}
	n := 8 - cols%8
	for ; n > 0; n-- {
		p.emitEcho('\b')
		if p.column > 0 {
			p.column--
		}
	}
}

func (p *pty) truncateLine(n int) {
	p.rbuf = p.rbuf[:n]
	p.rflag = p.rflag[:n]
}

// finishErasing closes an ECHOPRT erase sequence with '/'.
func (p *pty) finishErasing() {
	if p.erasing {
		p.echoRaw('/')
		p.erasing = false
	}
}

// reprint handles VREPRINT: the character, a newline, then the line so
// far.
func (p *pty) reprint(c byte) {
	p.finishErasing()
	p.echoChar(c)
	p.echoRaw('\n')
	for _, b := range p.rbuf[p.canonHead:] {
		p.echoChar(b)
	}
}

// echoChar echoes c, control characters as ^X under ECHOCTL.
func (p *pty) echoChar(c byte) {
	if p.termios.Lflag&fECHOCTL != 0 && isCntrl(c) && c != '\t' {
		p.emitEcho('^')
		p.emitEcho(c ^ 0o100)
		p.column += 2
		return
	}
	p.echoRaw(c)
}

func (p *pty) echoString(s string) {
	for i := 0; i < len(s); i++ {
		p.echoRaw(s[i])
	}
}

// echoRaw echoes c through output processing.
func (p *pty) echoRaw(c byte) {
	if len(p.obuf) >= outputCap+echoSlack {
		return
	}
	p.output(c, true)
}

// emitEcho appends an echo byte without output processing.
func (p *pty) emitEcho(c byte) {
	if len(p.obuf) >= outputCap+echoSlack {
		return
	}
	p.obuf = append(p.obuf, c)
	p.notifyMaster |= waitIn
}

// output appends c to obuf after output processing, keeping track of
// the cursor column. It returns false if there is no room (force
// ignores the limit).
func (p *pty) output(c byte, force bool) bool {
	t := &p.termios
	room := outputCap - len(p.obuf)
	if force {
		room = 8
	}
	if room <= 0 {
		return false
	}
	p.notifyMaster |= waitIn
	if t.Oflag&fOPOST == 0 {
		p.obuf = append(p.obuf, c)
		return true
	}
	switch c {
	case '\n':
		if t.Oflag&fONLRET != 0 {
			p.column = 0
		}
		if t.Oflag&fONLCR != 0 {
			if room < 2 {
				return false
			}
			p.obuf = append(p.obuf, '\r', '\n')
			p.column, p.canonColumn = 0, 0
			return true
		}
		p.canonColumn = p.column
	case '\r':
		if t.Oflag&fONOCR != 0 && p.column == 0 {
			return true
		}
		if t.Oflag&fOCRNL != 0 {
			c = '\n'
			if t.Oflag&fONLRET != 0 {
				p.column, p.canonColumn = 0, 0
			}
			break
		}
		p.column, p.canonColumn = 0, 0
	case '\t':
		spaces := 8 - p.column%8
		if t.Oflag&fTABDLY == fXTABS {
			if room < spaces {
				return false
			}
			for i := 0; i < spaces; i++ {
				p.obuf = append(p.obuf, ' ')
			}
			p.column += spaces
			return true
		}
		p.column += spaces
	case '\b':
		if p.column > 0 {
			p.column--
		}
	default:
		if !isCntrl(c) {
			if t.Oflag&fOLCUC != 0 && c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			if !p.isCont(c) {
				p.column++
			}
		}
	}
	p.obuf = append(p.obuf, c)
	return true
}

// flushInput discards input. The discipline's buffer goes if ldisc is
// set, what it has not taken yet if pending is.
func (p *pty) flushInput(ldisc, pending bool) {
	if ldisc {
		p.rbuf = p.rbuf[:0]
		p.rflag = p.rflag[:0]
		p.canonHead = 0
		p.lnext = false
		p.erasing = false
		p.pktStatus |= pktFlushRead
	}
	if pending {
		p.pending = p.pending[:0]
	}
	p.notifyMaster |= waitOut | waitIn
	p.notifySlave |= waitIn
}

// flushOutput discards output the master has not read. On Linux the
// master's own discipline holds up to ldiscSize-1 bytes of it, which
// only a flush from the master (all) discards; a flush from the slave
// discards the rest.
func (p *pty) flushOutput(all bool) {
	keep := 0
	if !all {
		keep = min(len(p.obuf), ldiscSize-1)
	}
	p.obuf = p.obuf[:keep]
	if !all {
		p.pktStatus |= pktFlushWrite
	}
	p.notifySlave |= waitOut
	p.notifyMaster |= waitIn
}

// stopOutput and startOutput are flow control of the slave's output:
// VSTOP/VSTART with IXON (tco false), or TCOOFF/TCOON (tco true).
func (p *pty) stopOutput(tco bool) {
	if tco {
		p.slaveTCOStopped = true
	}
	if p.slaveStopped {
		return
	}
	p.slaveStopped = true
	p.pktStatus = p.pktStatus&^pktStart | pktStop
	p.notifyMaster |= waitIn
}

func (p *pty) startOutput(tco bool) {
	if tco {
		p.slaveTCOStopped = false
	} else if p.slaveTCOStopped {
		return
	}
	if !p.slaveStopped {
		return
	}
	p.slaveStopped = false
	p.pktStatus = p.pktStatus&^pktStop | pktStart
	p.notifyMaster |= waitIn
	p.notifySlave |= waitOut
}

// setTermios installs new settings, adjusting the discipline when
// canonical mode is turned on or off.
func (p *pty) setTermios(nt Termios) {
	old := p.termios
	// A pseudoterminal is always 8 bits without parity, and reads.
	nt.Cflag = nt.Cflag&^(fCSIZE|fPARENB) | fCS8 | fCREAD
	// Locked bits keep their old values (TIOCSLCKTRMIOS).
	lk := &p.lockedTermios
	nt.Iflag = nt.Iflag&^lk.Iflag | old.Iflag&lk.Iflag
	nt.Oflag = nt.Oflag&^lk.Oflag | old.Oflag&lk.Oflag
	nt.Cflag = nt.Cflag&^lk.Cflag | old.Cflag&lk.Cflag
	nt.Lflag = nt.Lflag&^lk.Lflag | old.Lflag&lk.Lflag
	for i := range nt.CC {
		if lk.CC[i] != 0 {
			nt.CC[i] = old.CC[i]
		}
	}
	p.termios = nt
	p.cmap = nt.charMap()
	if (old.Lflag^nt.Lflag)&(fICANON|fEXTPROC) != 0 {
		for i := range p.rflag {
			p.rflag[i] = 0
		}
		p.canonHead = 0
		if nt.Lflag&fICANON != 0 && len(p.rbuf) > 0 {
			// What is queued becomes one line that reads at once.
			p.rflag[len(p.rflag)-1] = markEOL
			p.canonHead = len(p.rbuf)
		}
		p.erasing = false
		p.lnext = false
	}
	// IXON turned off restarts output stopped by VSTOP.
	if old.Iflag&fIXON != 0 && nt.Iflag&fIXON == 0 && !p.slaveTCOStopped {
		p.startOutput(false)
	}
	// In packet mode the master learns whether ^S/^Q flow control is
	// on.
	flowChanged := (old.Iflag^nt.Iflag)&fIXON != 0 || old.CC[vSTART] != nt.CC[vSTART] || old.CC[vSTOP] != nt.CC[vSTOP]
	if p.packet && flowChanged {
		p.pktStatus &^= pktNoStop | pktDoStop
		if nt.Iflag&fIXON != 0 && nt.CC[vSTART] == 0x11 && nt.CC[vSTOP] == 0x13 {
			p.pktStatus |= pktDoStop
		} else {
			p.pktStatus |= pktNoStop
		}
	}
	p.notifySlave |= waitIn | waitOut
	p.notifyMaster |= waitIn | waitOut
	p.processInput()
}

// inputAvailable reports whether the slave has something to read: a
// complete line in canonical mode, else at least amt bytes.
func (p *pty) inputAvailable(amt int) bool {
	if p.canonical() {
		return p.canonHead > 0
	}
	return len(p.rbuf) >= amt
}

// readCanonical copies at most one line (without an EOF mark) to dst.
func (p *pty) readCanonical(dst []byte) int {
	n := 0
	i := 0
	for i < p.canonHead && n < len(dst) {
		c, f := p.rbuf[i], p.rflag[i]
		i++
		if f&markEOF != 0 {
			break
		}
		dst[n] = c
		n++
		if f&markEOL != 0 {
			break
		}
	}
	p.consume(i)
	return n
}

// readRaw copies what fits of the queued input to dst.
func (p *pty) readRaw(dst []byte) int {
	n := copy(dst, p.rbuf)
	p.consume(n)
	return n
}

// consume drops the first n bytes of rbuf, then lets the discipline
// take more input.
func (p *pty) consume(n int) {
	if n == 0 {
		return
	}
	m := copy(p.rbuf, p.rbuf[n:])
	copy(p.rflag, p.rflag[n:])
	p.rbuf = p.rbuf[:m]
	p.rflag = p.rflag[:m]
	p.canonHead = max(p.canonHead-n, 0)
	p.processInput()
	p.notifyMaster |= waitOut
}

// inqCount is TIOCINQ on the slave: in canonical mode the bytes of
// complete lines, without EOF marks.
func (p *pty) inqCount() int {
	if !p.canonical() {
		return len(p.rbuf)
	}
	n := 0
	for i := 0; i < p.canonHead; i++ {
		if p.rflag[i]&markEOF == 0 {
			n++
		}
	}
	return n
}
