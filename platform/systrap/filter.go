package systrap

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// The stub's seccomp filter. A system call made from anywhere but the
// stub's code page traps (SIGSYS), which is how every application system
// call reaches the sentry. The stub's own calls are allowed when they are
// ones the stub makes, with the arguments it uses; any other call from the
// stub's code (which the application can jump into) kills the stub.

const (
	bpfLdAbsW = 0x20 // BPF_LD|BPF_W|BPF_ABS
	bpfJeqK   = 0x15 // BPF_JMP|BPF_JEQ|BPF_K
	bpfJgeK   = 0x35 // BPF_JMP|BPF_JGE|BPF_K
	bpfJgtK   = 0x25 // BPF_JMP|BPF_JGT|BPF_K
	bpfRetK   = 0x06 // BPF_RET|BPF_K

	seccompRetKillProcess = 0x80000000
	seccompRetTrap        = 0x00030000
	seccompRetAllow       = 0x7fff0000

	auditArchX86_64 = 0xc000003e
	archSetGS       = 0x1001
	archSetFS       = 0x1002

	// Offsets in struct seccomp_data.
	sdNr     = 0
	sdArch   = 4
	sdIPLo   = 8
	sdIPHi   = 12
	sdArgsLo = 16 // + 8*i; the high half is at +4
)

type bpfInsn struct {
	code   uint16
	jt, jf uint8
	k      uint32
}

// bpfProg is a program under construction whose jumps name labels.
type bpfProg struct {
	insns  []bpfInsn
	jumps  []bpfJump
	labels map[string]int
}

type bpfJump struct {
	at     int
	jt, jf string // "" falls through
}

func (p *bpfProg) ld(off uint32) { p.insns = append(p.insns, bpfInsn{code: bpfLdAbsW, k: off}) }

func (p *bpfProg) ret(v uint32) { p.insns = append(p.insns, bpfInsn{code: bpfRetK, k: v}) }

func (p *bpfProg) jmp(code uint16, k uint32, jt, jf string) {
	p.jumps = append(p.jumps, bpfJump{at: len(p.insns), jt: jt, jf: jf})
	p.insns = append(p.insns, bpfInsn{code: code, k: k})
}

func (p *bpfProg) label(name string) {
	if p.labels == nil {
		p.labels = map[string]int{}
	}
	p.labels[name] = len(p.insns)
}

func (p *bpfProg) assemble() ([]byte, error) {
	for _, j := range p.jumps {
		for _, t := range []struct {
			name string
			dst  *uint8
		}{{j.jt, &p.insns[j.at].jt}, {j.jf, &p.insns[j.at].jf}} {
			if t.name == "" {
				continue
			}
			to, ok := p.labels[t.name]
			d := to - j.at - 1
			if !ok || d < 0 || d > 255 {
				return nil, fmt.Errorf("systrap filter: bad jump to %q", t.name)
			}
			*t.dst = uint8(d)
		}
	}
	b := make([]byte, 8*len(p.insns))
	for i, in := range p.insns {
		binary.LittleEndian.PutUint16(b[8*i:], in.code)
		b[8*i+2], b[8*i+3] = in.jt, in.jf
		binary.LittleEndian.PutUint32(b[8*i+4:], in.k)
	}
	return b, nil
}

// stubFilter builds the filter program, as struct sock_filter[].
func stubFilter() ([]byte, error) {
	var p bpfProg
	p.ld(sdArch)
	p.jmp(bpfJeqK, auditArchX86_64, "", "trap")
	p.ld(sdIPHi)
	p.jmp(bpfJeqK, uint32(codeAddr>>32), "", "trap")
	p.ld(sdIPLo)
	p.jmp(bpfJgeK, uint32(codeAddr&0xffffffff), "", "trap")
	p.jmp(bpfJgeK, uint32((codeAddr+uint64(len(stubBlob)))&0xffffffff), "trap", "")
	// A call from the stub.
	p.ld(sdNr)
	for _, nr := range []uint32{unix.SYS_RT_SIGRETURN, unix.SYS_FUTEX, unix.SYS_EXIT, unix.SYS_EXIT_GROUP,
		unix.SYS_MUNMAP, unix.SYS_RT_SIGPROCMASK, unix.SYS_SIGALTSTACK, unix.SYS_GETTID, unix.SYS_GETPPID,
		unix.SYS_GETPGID} {
		p.jmp(bpfJeqK, nr, "allow", "")
	}
	p.jmp(bpfJeqK, unix.SYS_MMAP, "mmap", "")
	p.jmp(bpfJeqK, unix.SYS_CLONE, "clone", "")
	p.jmp(bpfJeqK, unix.SYS_PRCTL, "prctl", "")
	p.jmp(bpfJeqK, unix.SYS_ARCH_PRCTL, "arch_prctl", "")
	p.jmp(bpfJeqK, unix.SYS_SETPGID, "setpgid", "")
	p.ret(seccompRetKillProcess)

	// setpgid(0, 0)
	p.label("setpgid")
	p.ld(sdArgsLo)
	p.jmp(bpfJeqK, 0, "", "kill")
	p.ld(sdArgsLo + 8)
	p.jmp(bpfJeqK, 0, "allow", "kill")

	// mmap(addr, len, prot, MAP_SHARED|MAP_FIXED, memFD or sysmsgFD, off)
	p.label("mmap")
	p.ld(sdArgsLo + 8*3 + 4)
	p.jmp(bpfJeqK, 0, "", "kill")
	p.ld(sdArgsLo + 8*3)
	p.jmp(bpfJeqK, unix.MAP_SHARED|unix.MAP_FIXED, "", "kill")
	p.ld(sdArgsLo + 8*4)
	p.jmp(bpfJgtK, max(memFD, sysmsgFD), "kill", "allow")

	p.label("clone")
	p.ld(sdArgsLo + 4)
	p.jmp(bpfJeqK, 0, "", "kill")
	p.ld(sdArgsLo)
	p.jmp(bpfJeqK, threadCloneFlags, "allow", "")
	p.jmp(bpfJeqK, forkCloneFlags, "allow", "")
	p.jmp(bpfJeqK, forkCloneFlags|cloneParentFlag, "allow", "kill")

	p.label("prctl")
	p.ld(sdArgsLo)
	p.jmp(bpfJeqK, unix.PR_SET_PDEATHSIG, "allow", "kill")

	p.label("arch_prctl")
	p.ld(sdArgsLo)
	p.jmp(bpfJeqK, archSetFS, "allow", "")
	p.jmp(bpfJeqK, archSetGS, "allow", "kill")

	p.label("allow")
	p.ret(seccompRetAllow)
	p.label("trap")
	p.ret(seccompRetTrap)
	p.label("kill")
	p.ret(seccompRetKillProcess)
	return p.assemble()
}
