// Package arch holds the amd64 parts of the Linux ABI the sentry
// implements: the signal frame (rt_sigframe, ucontext, sigcontext and the
// XSAVE area) and the register rules around it.
package arch

import (
	"encoding/binary"
	"errors"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/platform"
)

// Memory is application memory.
type Memory interface {
	CopyIn(addr uint64, dst []byte) (int, error)
	CopyOut(addr uint64, src []byte) (int, error)
}

// Sizes and offsets of the amd64 signal frame.
const (
	siginfoSize    = 128
	ucontextSize   = 304
	frameSize      = 8 + ucontextSize + siginfoSize
	ucOffset       = 8
	infoOffset     = 8 + ucontextSize
	mcontextOffset = 40 // in ucontext, after flags, link and stack
	sigmaskOffset  = mcontextOffset + 256
	redZone        = 128

	ucFPXstate      = 0x1
	ucSigcontextSS  = 0x2
	fpXstateMagic1  = 0x46505853
	fpXstateMagic2  = 0x46505845
	fxsaveSize      = 512
	swReservedOff   = 464
	fixEflags       = 0x50dd5 // AC|OF|DF|TF|SF|ZF|AF|PF|CF|RF
	eflagsTF        = 0x100
	eflagsDF        = 0x400
	SignalStackFlag = 1 // SS_ONSTACK
	SignalStackOff  = 2 // SS_DISABLE
	// SignalStackAutoDisarm (SS_AUTODISARM) disarms the stack while a
	// handler runs on it; sigreturn re-arms it from the frame.
	SignalStackAutoDisarm = 1 << 31
)

// SigInfo is a siginfo_t: the first fields, and the raw union.
type SigInfo struct {
	Signo, Errno, Code int32
	// Fields is the 112-byte union at offset 16.
	Fields [112]byte
}

// SetPIDUID fills the kill/sigqueue/sigchld fields.
func (s *SigInfo) SetPIDUID(pid int32, uid uint32) {
	binary.LittleEndian.PutUint32(s.Fields[0:], uint32(pid))
	binary.LittleEndian.PutUint32(s.Fields[4:], uid)
}

// SetStatus fills SIGCHLD's si_status.
func (s *SigInfo) SetStatus(status int32) {
	binary.LittleEndian.PutUint32(s.Fields[8:], uint32(status))
}

// SetAddr fills a fault's si_addr.
func (s *SigInfo) SetAddr(addr uint64) { binary.LittleEndian.PutUint64(s.Fields[0:], addr) }

// Addr returns si_addr.
func (s *SigInfo) Addr() uint64 { return binary.LittleEndian.Uint64(s.Fields[0:]) }

// Marshal encodes the siginfo.
func (s *SigInfo) Marshal() []byte {
	b := make([]byte, siginfoSize)
	binary.LittleEndian.PutUint32(b[0:], uint32(s.Signo))
	binary.LittleEndian.PutUint32(b[4:], uint32(s.Errno))
	binary.LittleEndian.PutUint32(b[8:], uint32(s.Code))
	copy(b[16:], s.Fields[:])
	return b
}

// UnmarshalSigInfo decodes a siginfo.
func UnmarshalSigInfo(b []byte) SigInfo {
	var s SigInfo
	s.Signo = int32(binary.LittleEndian.Uint32(b[0:]))
	s.Errno = int32(binary.LittleEndian.Uint32(b[4:]))
	s.Code = int32(binary.LittleEndian.Uint32(b[8:]))
	copy(s.Fields[:], b[16:])
	return s
}

// SignalStack is a stack_t.
type SignalStack struct {
	SP    uint64
	Flags uint32
	Size  uint64
}

// Contains reports whether sp is on the stack. As in Linux, never for an
// SS_AUTODISARM stack: while a handler runs on it, it is disarmed.
func (s SignalStack) Contains(sp uint64) bool {
	return s.Flags&(SignalStackOff|SignalStackAutoDisarm) == 0 && sp > s.SP && sp-s.SP <= s.Size
}

// SignalFrame describes a handler invocation.
type SignalFrame struct {
	Signo    int
	Info     SigInfo
	Handler  uint64
	Restorer uint64
	// Mask is the signal mask to restore on sigreturn.
	Mask uint64
	// AltStack is the task's alternate stack; OnStack asks to use it.
	AltStack SignalStack
	OnStack  bool
	FPState  []byte
	// Trapno and ErrCode describe the hardware trap behind a fault.
	Trapno, ErrCode uint64
}

// SetupFrame builds an rt_sigframe for f on the application stack and
// points regs at the handler.
func SetupFrame(mem Memory, regs *platform.Registers, f *SignalFrame) error {
	sp := regs.Rsp - redZone
	stack := f.AltStack
	if f.OnStack && stack.Flags&SignalStackOff == 0 && !stack.Contains(regs.Rsp) {
		sp = stack.SP + stack.Size
	}
	// The XSAVE area, 64-byte aligned, with the trailing magic word.
	fp := f.FPState
	ucFlags := uint64(ucSigcontextSS)
	var fpAddr uint64
	if len(fp) >= fxsaveSize {
		xstate := len(fp) > fxsaveSize
		buf := make([]byte, len(fp)+4)
		copy(buf, fp)
		if xstate {
			le := binary.LittleEndian
			le.PutUint32(buf[len(fp):], fpXstateMagic2)
			ucFlags |= ucFPXstate
			// The software-reserved bytes describe the frame's XSAVE
			// area (Linux's fx_sw_bytes), as sigreturn checks. A
			// state read with ptrace holds the enabled feature mask
			// (XCR0) there instead, which becomes xfeatures.
			if le.Uint32(fp[swReservedOff:]) != fpXstateMagic1 {
				xfeatures := le.Uint64(fp[swReservedOff:])
				sw := buf[swReservedOff : swReservedOff+48]
				clear(sw)
				le.PutUint32(sw[0:], fpXstateMagic1)
				le.PutUint32(sw[4:], uint32(len(fp)+4)) // extended_size
				le.PutUint64(sw[8:], xfeatures)
				le.PutUint32(sw[16:], uint32(len(fp))) // xstate_size
			}
		} else {
			buf = buf[:len(fp)]
		}
		sp = (sp - uint64(len(buf))) &^ 63
		fpAddr = sp
		if _, err := mem.CopyOut(fpAddr, buf); err != nil {
			return err
		}
	}
	sp = ((sp - frameSize) &^ 15) - 8
	b := make([]byte, frameSize)
	le := binary.LittleEndian
	le.PutUint64(b[0:], f.Restorer)
	uc := b[ucOffset:]
	le.PutUint64(uc[0:], ucFlags)
	le.PutUint64(uc[16:], stack.SP)
	ssFlags := stack.Flags
	if stack.Contains(regs.Rsp) {
		ssFlags |= SignalStackFlag
	}
	le.PutUint32(uc[24:], ssFlags)
	le.PutUint64(uc[32:], stack.Size)
	mc := uc[mcontextOffset:]
	for i, v := range []uint64{
		regs.R8, regs.R9, regs.R10, regs.R11, regs.R12, regs.R13, regs.R14, regs.R15,
		regs.Rdi, regs.Rsi, regs.Rbp, regs.Rbx, regs.Rdx, regs.Rax, regs.Rcx, regs.Rsp,
		regs.Rip, regs.Eflags,
	} {
		le.PutUint64(mc[8*i:], v)
	}
	le.PutUint16(mc[144:], uint16(regs.Cs))
	le.PutUint16(mc[146:], uint16(regs.Gs))
	le.PutUint16(mc[148:], uint16(regs.Fs))
	le.PutUint16(mc[150:], uint16(regs.Ss))
	if f.Signo == int(unix.SIGSEGV) || f.Signo == int(unix.SIGBUS) {
		le.PutUint64(mc[176:], f.Info.Addr()) // cr2
	}
	le.PutUint64(mc[152:], f.ErrCode)
	le.PutUint64(mc[160:], f.Trapno)
	le.PutUint64(mc[168:], f.Mask) // oldmask
	le.PutUint64(mc[184:], fpAddr)
	le.PutUint64(uc[sigmaskOffset:], f.Mask)
	copy(b[infoOffset:], f.Info.Marshal())
	if _, err := mem.CopyOut(sp, b); err != nil {
		return err
	}
	regs.Rsp = sp
	regs.Rip = f.Handler
	regs.Rdi = uint64(f.Signo)
	regs.Rsi = sp + infoOffset
	regs.Rdx = sp + ucOffset
	regs.Rax = 0
	regs.Eflags &^= eflagsTF | eflagsDF
	return nil
}

// ErrBadFrame is returned for a sigreturn frame that cannot be restored.
var ErrBadFrame = errors.New("bad signal frame")

// Sigreturn restores the registers saved by SetupFrame. It returns the
// signal mask and alternate stack from the frame, and the FP state to
// restore (nil if the frame has none). fpLen is the size of the task's
// XSAVE area.
func Sigreturn(mem Memory, regs *platform.Registers, fpLen int) (mask uint64, stack SignalStack, fp []byte, err error) {
	frame := regs.Rsp - 8
	b := make([]byte, frameSize)
	if _, err := mem.CopyIn(frame, b); err != nil {
		return 0, stack, nil, err
	}
	le := binary.LittleEndian
	uc := b[ucOffset:]
	mc := uc[mcontextOffset:]
	g := func(i int) uint64 { return le.Uint64(mc[8*i:]) }
	regs.R8, regs.R9, regs.R10, regs.R11 = g(0), g(1), g(2), g(3)
	regs.R12, regs.R13, regs.R14, regs.R15 = g(4), g(5), g(6), g(7)
	regs.Rdi, regs.Rsi, regs.Rbp, regs.Rbx = g(8), g(9), g(10), g(11)
	regs.Rdx, regs.Rax, regs.Rcx, regs.Rsp = g(12), g(13), g(14), g(15)
	regs.Rip = g(16)
	regs.Eflags = regs.Eflags&^fixEflags | g(17)&fixEflags
	regs.Orig_rax = ^uint64(0)
	mask = le.Uint64(uc[sigmaskOffset:])
	stack = SignalStack{SP: le.Uint64(uc[16:]), Flags: le.Uint32(uc[24:]), Size: le.Uint64(uc[32:])}
	fpAddr := le.Uint64(mc[184:])
	if fpAddr != 0 && fpLen >= fxsaveSize {
		fp = make([]byte, fpLen)
		if _, err := mem.CopyIn(fpAddr, fp); err != nil {
			return 0, stack, nil, err
		}
		if le.Uint64(uc[0:])&ucFPXstate == 0 || le.Uint32(fp[swReservedOff:]) != fpXstateMagic1 {
			// Legacy FXSAVE-only frame: keep the extended state's
			// header from clearing the upper registers.
			fp = fp[:fxsaveSize]
		}
	}
	return mask, stack, fp, nil
}
