package devpts

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// Termios is the kernel's struct termios2: the settings of a terminal.
// struct termios (TCGETS) is its first 36 bytes.
type Termios struct {
	Iflag, Oflag, Cflag, Lflag uint32
	Line                       uint8
	CC                         [nccs]uint8
	Ispeed, Ospeed             uint32
}

const (
	nccs        = 19
	termiosSize = 36 // struct termios
	termios2Len = 44 // struct termios2
	winsizeSize = 8
)

// Indices into CC.
const (
	vINTR = iota
	vQUIT
	vERASE
	vKILL
	vEOF
	vTIME
	vMIN
	vSWTC
	vSTART
	vSTOP
	vSUSP
	vEOL
	vREPRINT
	vDISCARD
	vWERASE
	vLNEXT
	vEOL2
)

// Flag bits (asm-generic/termbits.h).
const (
	// c_iflag
	fIGNBRK  = 0o1
	fBRKINT  = 0o2
	fISTRIP  = 0o40
	fINLCR   = 0o100
	fIGNCR   = 0o200
	fICRNL   = 0o400
	fIUCLC   = 0o1000
	fIXON    = 0o2000
	fIXANY   = 0o4000
	fIXOFF   = 0o10000
	fIMAXBEL = 0o20000
	fIUTF8   = 0o40000

	// c_oflag
	fOPOST  = 0o1
	fOLCUC  = 0o2
	fONLCR  = 0o4
	fOCRNL  = 0o10
	fONOCR  = 0o20
	fONLRET = 0o40
	fTABDLY = 0o14000
	fXTABS  = 0o14000

	// c_cflag
	fCBAUD   = 0o10017
	fBOTHER  = 0o10000
	fCSIZE   = 0o60
	fCS8     = 0o60
	fCREAD   = 0o200
	fPARENB  = 0o400
	fHUPCL   = 0o2000
	fCLOCAL  = 0o4000
	fIBSHIFT = 16

	// c_lflag
	fISIG    = 0o1
	fICANON  = 0o2
	fECHO    = 0o10
	fECHOE   = 0o20
	fECHOK   = 0o40
	fECHONL  = 0o100
	fNOFLSH  = 0o200
	fTOSTOP  = 0o400
	fECHOCTL = 0o1000
	fECHOPRT = 0o2000
	fECHOKE  = 0o4000
	fFLUSHO  = 0o10000
	fPENDIN  = 0o40000
	fIEXTEN  = 0o100000
	fEXTPROC = 0o200000
)

// b38400 is the default speed code.
const b38400 = 0o17

// defaultTermios is what a new pseudoterminal starts with, as Linux's
// tty_std_termios: canonical mode with echo and signals, CR to NL on
// input, NL to CR NL on output, 38400 baud.
func defaultTermios() Termios {
	t := Termios{
		Iflag:  fICRNL | fIXON,
		Oflag:  fOPOST | fONLCR,
		Cflag:  b38400 | fCS8 | fCREAD,
		Lflag:  fISIG | fICANON | fECHO | fECHOE | fECHOK | fECHOCTL | fECHOKE | fIEXTEN,
		Ispeed: 38400,
		Ospeed: 38400,
	}
	copy(t.CC[:], []uint8{
		vINTR: 0x03, vQUIT: 0x1c, vERASE: 0x7f, vKILL: 0x15, vEOF: 0x04, vTIME: 0, vMIN: 1,
		vSWTC: 0, vSTART: 0x11, vSTOP: 0x13, vSUSP: 0x1a, vEOL: 0, vREPRINT: 0x12,
		vDISCARD: 0x0f, vWERASE: 0x17, vLNEXT: 0x16, vEOL2: 0,
	})
	return t
}

// marshal encodes t as struct termios2, or its first 36 bytes for
// struct termios.
func (t *Termios) marshal(size int) []byte {
	b := make([]byte, termios2Len)
	le := binary.LittleEndian
	le.PutUint32(b[0:], t.Iflag)
	le.PutUint32(b[4:], t.Oflag)
	le.PutUint32(b[8:], t.Cflag)
	le.PutUint32(b[12:], t.Lflag)
	b[16] = t.Line
	copy(b[17:36], t.CC[:])
	le.PutUint32(b[36:], t.Ispeed)
	le.PutUint32(b[40:], t.Ospeed)
	return b[:size]
}

// unmarshalTermios decodes struct termios or termios2 (by length).
func unmarshalTermios(b []byte) Termios {
	le := binary.LittleEndian
	t := Termios{
		Iflag: le.Uint32(b[0:]), Oflag: le.Uint32(b[4:]), Cflag: le.Uint32(b[8:]), Lflag: le.Uint32(b[12:]),
		Line: b[16],
	}
	copy(t.CC[:], b[17:36])
	if len(b) >= termios2Len {
		t.Ispeed, t.Ospeed = le.Uint32(b[36:]), le.Uint32(b[40:])
	}
	return t
}

// baudRates maps the CBAUD codes to speeds.
var baudRates = map[uint32]uint32{
	0: 0, 1: 50, 2: 75, 3: 110, 4: 134, 5: 150, 6: 200, 7: 300, 8: 600, 9: 1200,
	0o12: 1800, 0o13: 2400, 0o14: 4800, 0o15: 9600, 0o16: 19200, 0o17: 38400,
	0o10001: 57600, 0o10002: 115200, 0o10003: 230400, 0o10004: 460800, 0o10005: 500000,
	0o10006: 576000, 0o10007: 921600, 0o10010: 1000000, 0o10011: 1152000, 0o10012: 1500000,
	0o10013: 2000000, 0o10014: 2500000, 0o10015: 3000000, 0o10016: 3500000, 0o10017: 4000000,
}

// updateSpeeds sets Ispeed and Ospeed from the CBAUD fields of Cflag,
// keeping the given speeds where the code is BOTHER (termios2 only). An
// input code of 0 means the output speed.
func (t *Termios) updateSpeeds(withSpeeds bool) {
	out := t.Cflag & fCBAUD
	if out == fBOTHER && withSpeeds {
		// keep t.Ospeed
	} else if s, ok := baudRates[out]; ok {
		t.Ospeed = s
	}
	in := t.Cflag >> fIBSHIFT & fCBAUD
	switch {
	case in == 0:
		t.Ispeed = t.Ospeed
	case in == fBOTHER && withSpeeds:
	default:
		if s, ok := baudRates[in]; ok {
			t.Ispeed = s
		}
	}
}

// Winsize is struct winsize.
type Winsize struct {
	Row, Col, Xpixel, Ypixel uint16
}

func (w Winsize) marshal() []byte {
	b := make([]byte, winsizeSize)
	le := binary.LittleEndian
	le.PutUint16(b[0:], w.Row)
	le.PutUint16(b[2:], w.Col)
	le.PutUint16(b[4:], w.Xpixel)
	le.PutUint16(b[6:], w.Ypixel)
	return b
}

func unmarshalWinsize(b []byte) Winsize {
	le := binary.LittleEndian
	return Winsize{Row: le.Uint16(b[0:]), Col: le.Uint16(b[2:]), Xpixel: le.Uint16(b[4:]), Ypixel: le.Uint16(b[6:])}
}

// Terminal ioctl requests (asm-generic/ioctls.h).
const (
	tcgets         = 0x5401
	tcsets         = 0x5402
	tcsetsw        = 0x5403
	tcsetsf        = 0x5404
	tcsbrk         = 0x5409
	tcxonc         = 0x540a
	tcflsh         = 0x540b
	tiocexcl       = 0x540c
	tiocnxcl       = 0x540d
	tiocsctty      = 0x540e
	tiocgpgrp      = 0x540f
	tiocspgrp      = 0x5410
	tiocoutq       = 0x5411
	tiocsti        = 0x5412
	tiocgwinsz     = 0x5413
	tiocswinsz     = 0x5414
	tiocinq        = 0x541b // FIONREAD
	tiocpkt        = 0x5420
	tiocnotty      = 0x5422
	tiocsetd       = 0x5423
	tiocgetd       = 0x5424
	tcsbrkp        = 0x5425
	tiocsbrk       = 0x5427
	tioccbrk       = 0x5428
	tiocgsid       = 0x5429
	tcgets2        = 0x802c542a
	tcsets2        = 0x402c542b
	tcsetsw2       = 0x402c542c
	tcsetsf2       = 0x402c542d
	tiocgptn       = 0x80045430
	tiocsptlck     = 0x40045431
	tiocsig        = 0x40045436
	tiocvhangup    = 0x5437
	tiocgpkt       = 0x80045438
	tiocgptlck     = 0x80045439
	tiocgexcl      = 0x80045440
	tiocgptpeer    = 0x5441
	tiocglcktrmios = 0x5456
	tiocslcktrmios = 0x5457
)

// TCFLSH and TCXONC arguments.
const (
	tciflush  = 0
	tcoflush  = 1
	tcioflush = 2

	tcooff = 0
	tcoon  = 1
	tcioff = 2
	tcion  = 3
)

// Packet mode status bits (TIOCPKT).
const (
	pktFlushRead  = 0x01
	pktFlushWrite = 0x02
	pktStop       = 0x04
	pktStart      = 0x08
	pktNoStop     = 0x10
	pktDoStop     = 0x20
)

// nTTY is the only line discipline.
const nTTY = 0

var _ = unix.ENOTTY
