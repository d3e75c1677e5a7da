// Package interp checks and runs classic BPF seccomp programs, for the
// filters applications install inside the sandbox with seccomp(2) or
// prctl(PR_SET_SECCOMP).
//
// Compile accepts exactly the programs Linux accepts for seccomp: the
// generic classic-BPF checks (length 1..4096, a known opcode, constant
// divisors not zero, constant shifts below 32, scratch memory indices
// below 16 and never read before written on every path, jumps in range,
// a RET at the end) and the seccomp restrictions on top (only the
// opcodes seccomp allows; absolute loads only of whole, aligned words
// inside struct seccomp_data). Run executes a compiled program against a
// seccomp_data without allocating. Division by a zero X at run time ends
// the program with return value 0, SECCOMP_RET_KILL_THREAD, as the
// kernel does.
package interp

import (
	"fmt"

	"github.com/moat-dev/moat/seccomp/bpf"
)

// Data is struct seccomp_data.
type Data struct {
	Nr                 int32
	Arch               uint32
	InstructionPointer uint64
	Args               [6]uint64
}

// word returns the 32-bit word at off, a multiple of 4 below 64.
func (d *Data) word(off uint32) uint32 {
	switch off {
	case bpf.OffsetNr:
		return uint32(d.Nr)
	case bpf.OffsetArch:
		return d.Arch
	case bpf.OffsetIPLow:
		return uint32(d.InstructionPointer)
	case bpf.OffsetIPHigh:
		return uint32(d.InstructionPointer >> 32)
	}
	a := d.Args[((off-bpf.OffsetArgs)/8)%6]
	if off&4 != 0 {
		return uint32(a >> 32)
	}
	return uint32(a)
}

// Error is a rejected program.
type Error struct {
	PC     int // the offending instruction, or -1 for the whole program
	Reason string
}

func (e *Error) Error() string {
	if e.PC < 0 {
		return "seccomp filter: " + e.Reason
	}
	return fmt.Sprintf("seccomp filter: instruction %d: %s", e.PC, e.Reason)
}

// Internal opcodes, dense for a fast switch.
const (
	opLdAbs uint8 = iota
	opLdImm
	opLdxImm
	opLdMem
	opLdxMem
	opSt
	opStx
	opAddK
	opAddX
	opSubK
	opSubX
	opMulK
	opMulX
	opDivK
	opDivX
	opModK
	opModX
	opAndK
	opAndX
	opOrK
	opOrX
	opXorK
	opXorX
	opLshK
	opLshX
	opRshK
	opRshX
	opNeg
	opJa
	opJeqK
	opJeqX
	opJgtK
	opJgtX
	opJgeK
	opJgeX
	opJsetK
	opJsetX
	opRetK
	opRetA
	opTax
	opTxa
)

// seccompOps maps each opcode seccomp accepts to its internal opcode.
// Loads of the packet length become immediate loads of
// sizeof(struct seccomp_data).
var seccompOps = map[uint16]uint8{
	bpf.ClassLd | bpf.W | bpf.Abs:  opLdAbs,
	bpf.ClassLd | bpf.W | bpf.Len:  opLdImm,
	bpf.ClassLdx | bpf.W | bpf.Len: opLdxImm,
	bpf.ClassLd | bpf.Imm:          opLdImm,
	bpf.ClassLdx | bpf.Imm:         opLdxImm,
	bpf.ClassLd | bpf.Mem:          opLdMem,
	bpf.ClassLdx | bpf.Mem:         opLdxMem,
	bpf.ClassSt:                    opSt,
	bpf.ClassStx:                   opStx,

	bpf.ClassAlu | bpf.Add | bpf.K: opAddK,
	bpf.ClassAlu | bpf.Add | bpf.X: opAddX,
	bpf.ClassAlu | bpf.Sub | bpf.K: opSubK,
	bpf.ClassAlu | bpf.Sub | bpf.X: opSubX,
	bpf.ClassAlu | bpf.Mul | bpf.K: opMulK,
	bpf.ClassAlu | bpf.Mul | bpf.X: opMulX,
	bpf.ClassAlu | bpf.Div | bpf.K: opDivK,
	bpf.ClassAlu | bpf.Div | bpf.X: opDivX,
	bpf.ClassAlu | bpf.And | bpf.K: opAndK,
	bpf.ClassAlu | bpf.And | bpf.X: opAndX,
	bpf.ClassAlu | bpf.Or | bpf.K:  opOrK,
	bpf.ClassAlu | bpf.Or | bpf.X:  opOrX,
	bpf.ClassAlu | bpf.Xor | bpf.K: opXorK,
	bpf.ClassAlu | bpf.Xor | bpf.X: opXorX,
	bpf.ClassAlu | bpf.Lsh | bpf.K: opLshK,
	bpf.ClassAlu | bpf.Lsh | bpf.X: opLshX,
	bpf.ClassAlu | bpf.Rsh | bpf.K: opRshK,
	bpf.ClassAlu | bpf.Rsh | bpf.X: opRshX,
	bpf.ClassAlu | bpf.Neg:         opNeg,

	bpf.ClassJmp | bpf.Ja:           opJa,
	bpf.ClassJmp | bpf.Jeq | bpf.K:  opJeqK,
	bpf.ClassJmp | bpf.Jeq | bpf.X:  opJeqX,
	bpf.ClassJmp | bpf.Jgt | bpf.K:  opJgtK,
	bpf.ClassJmp | bpf.Jgt | bpf.X:  opJgtX,
	bpf.ClassJmp | bpf.Jge | bpf.K:  opJgeK,
	bpf.ClassJmp | bpf.Jge | bpf.X:  opJgeX,
	bpf.ClassJmp | bpf.Jset | bpf.K: opJsetK,
	bpf.ClassJmp | bpf.Jset | bpf.X: opJsetX,

	bpf.ClassRet | bpf.K: opRetK,
	bpf.ClassRet | bpf.A: opRetA,

	bpf.ClassMisc | bpf.Tax: opTax,
	bpf.ClassMisc | bpf.Txa: opTxa,
}

// insn is a decoded instruction.
type insn struct {
	op     uint8
	jt, jf uint8
	k      uint32
}

// Program is a checked seccomp program.
type Program struct {
	insns []insn
	orig  []bpf.Instruction
}

// Len is the number of instructions.
func (p *Program) Len() int { return len(p.insns) }

// Instructions returns the program as it was given.
func (p *Program) Instructions() []bpf.Instruction { return p.orig }

// Compile checks a program as Linux does for seccomp and prepares it to
// run. The program is copied.
func Compile(prog []bpf.Instruction) (*Program, error) {
	n := len(prog)
	if n == 0 || n > bpf.MaxInstructions {
		return nil, &Error{-1, fmt.Sprintf("length %d is not in 1..%d", n, bpf.MaxInstructions)}
	}
	p := &Program{insns: make([]insn, n), orig: append([]bpf.Instruction(nil), prog...)}
	for pc, in := range prog {
		op, ok := seccompOps[in.Op]
		if !ok {
			return nil, &Error{pc, fmt.Sprintf("opcode %#x is not allowed in seccomp filters", in.Op)}
		}
		k := in.K
		switch op {
		case opLdAbs:
			if k >= bpf.SeccompDataSize || k%4 != 0 {
				return nil, &Error{pc, fmt.Sprintf("load of offset %d is not an aligned word of seccomp_data", k)}
			}
		case opLdImm, opLdxImm:
			if in.Op&0xe0 == bpf.Len {
				k = bpf.SeccompDataSize
			}
		case opDivK, opModK:
			if k == 0 {
				return nil, &Error{pc, "division by the constant 0"}
			}
		case opLshK, opRshK:
			if k >= 32 {
				return nil, &Error{pc, fmt.Sprintf("shift by %d", k)}
			}
		case opLdMem, opLdxMem, opSt, opStx:
			if k >= bpf.MemWords {
				return nil, &Error{pc, fmt.Sprintf("scratch memory index %d out of range", k)}
			}
		case opJa:
			if uint64(k) >= uint64(n-pc-1) {
				return nil, &Error{pc, fmt.Sprintf("jump of %d goes past the end", k)}
			}
		case opJeqK, opJeqX, opJgtK, opJgtX, opJgeK, opJgeX, opJsetK, opJsetX:
			if pc+int(in.Jt)+1 >= n || pc+int(in.Jf)+1 >= n {
				return nil, &Error{pc, fmt.Sprintf("jump (%d, %d) goes past the end", in.Jt, in.Jf)}
			}
		}
		p.insns[pc] = insn{op: op, jt: in.Jt, jf: in.Jf, k: k}
	}
	if last := p.insns[n-1].op; last != opRetK && last != opRetA {
		return nil, &Error{n - 1, "the program does not end in RET"}
	}
	if err := checkMemory(p.insns); err != nil {
		return nil, err
	}
	return p, nil
}

// checkMemory rejects a program that may read a scratch word before
// writing it. It follows the kernel's rule: walking in order, the set of
// words known to be written at an instruction is the intersection of the
// sets of the jumps into it and of the instruction before it; after a
// jump, the fall-through set is "all" (only jumps reach what follows).
func checkMemory(insns []insn) error {
	const all = uint16(0xffff)
	in := make([]uint16, len(insns))
	for i := range in {
		in[i] = all
	}
	valid := uint16(0)
	for pc, ins := range insns {
		valid &= in[pc]
		switch ins.op {
		case opSt, opStx:
			valid |= 1 << ins.k
		case opLdMem, opLdxMem:
			if valid&(1<<ins.k) == 0 {
				return &Error{pc, fmt.Sprintf("scratch memory M[%d] may be read before it is written", ins.k)}
			}
		case opJa:
			in[pc+1+int(ins.k)] &= valid
			valid = all
		case opJeqK, opJeqX, opJgtK, opJgtX, opJgeK, opJgeX, opJsetK, opJsetX:
			in[pc+1+int(ins.jt)] &= valid
			in[pc+1+int(ins.jf)] &= valid
			valid = all
		}
	}
	return nil
}

// Run executes the program on d and returns its 32-bit result.
func (p *Program) Run(d *Data) uint32 {
	var a, x uint32
	var mem [bpf.MemWords]uint32
	insns := p.insns
	for pc := 0; pc < len(insns); pc++ {
		in := &insns[pc]
		switch in.op {
		case opLdAbs:
			a = d.word(in.k)
		case opLdImm:
			a = in.k
		case opLdxImm:
			x = in.k
		case opLdMem:
			a = mem[in.k%bpf.MemWords]
		case opLdxMem:
			x = mem[in.k%bpf.MemWords]
		case opSt:
			mem[in.k%bpf.MemWords] = a
		case opStx:
			mem[in.k%bpf.MemWords] = x
		case opAddK:
			a += in.k
		case opAddX:
			a += x
		case opSubK:
			a -= in.k
		case opSubX:
			a -= x
		case opMulK:
			a *= in.k
		case opMulX:
			a *= x
		case opDivK:
			a /= in.k
		case opDivX:
			if x == 0 {
				return 0
			}
			a /= x
		case opModK:
			a %= in.k
		case opModX:
			if x == 0 {
				return 0
			}
			a %= x
		case opAndK:
			a &= in.k
		case opAndX:
			a &= x
		case opOrK:
			a |= in.k
		case opOrX:
			a |= x
		case opXorK:
			a ^= in.k
		case opXorX:
			a ^= x
		case opLshK:
			a <<= in.k & 31
		case opLshX:
			a <<= x & 31
		case opRshK:
			a >>= in.k & 31
		case opRshX:
			a >>= x & 31
		case opNeg:
			a = -a
		case opJa:
			pc += int(in.k)
		case opJeqK:
			pc += jump(a == in.k, in)
		case opJeqX:
			pc += jump(a == x, in)
		case opJgtK:
			pc += jump(a > in.k, in)
		case opJgtX:
			pc += jump(a > x, in)
		case opJgeK:
			pc += jump(a >= in.k, in)
		case opJgeX:
			pc += jump(a >= x, in)
		case opJsetK:
			pc += jump(a&in.k != 0, in)
		case opJsetX:
			pc += jump(a&x != 0, in)
		case opRetK:
			return in.k
		case opRetA:
			return a
		case opTax:
			x = a
		case opTxa:
			a = x
		}
	}
	// Unreachable for a checked program, which ends in RET.
	return 0
}

func jump(cond bool, in *insn) int {
	if cond {
		return int(in.jt)
	}
	return int(in.jf)
}

// ConstResult runs the program for syscall nr and architecture arch as
// far as it can without reading the instruction pointer or the
// arguments. If it reaches a RET, the result holds for every call of nr
// with arch, and ok is true. The sentry uses this to skip running
// filters for syscalls whose verdict does not depend on the arguments.
func (p *Program) ConstResult(nr int32, arch uint32) (ret uint32, ok bool) {
	var a, x uint32
	var mem [bpf.MemWords]uint32
	insns := p.insns
	for pc := 0; pc < len(insns); pc++ {
		in := &insns[pc]
		switch in.op {
		case opLdAbs:
			switch in.k {
			case bpf.OffsetNr:
				a = uint32(nr)
			case bpf.OffsetArch:
				a = arch
			default:
				return 0, false
			}
		case opLdImm:
			a = in.k
		case opLdxImm:
			x = in.k
		case opLdMem:
			a = mem[in.k%bpf.MemWords]
		case opLdxMem:
			x = mem[in.k%bpf.MemWords]
		case opSt:
			mem[in.k%bpf.MemWords] = a
		case opStx:
			mem[in.k%bpf.MemWords] = x
		case opJa:
			pc += int(in.k)
		case opJeqK:
			pc += jump(a == in.k, in)
		case opJeqX:
			pc += jump(a == x, in)
		case opJgtK:
			pc += jump(a > in.k, in)
		case opJgtX:
			pc += jump(a > x, in)
		case opJgeK:
			pc += jump(a >= in.k, in)
		case opJgeX:
			pc += jump(a >= x, in)
		case opJsetK:
			pc += jump(a&in.k != 0, in)
		case opJsetX:
			pc += jump(a&x != 0, in)
		case opRetK:
			return in.k, true
		case opRetA:
			return a, true
		case opTax:
			x = a
		case opTxa:
			a = x
		default:
			var ok bool
			if a, ok = alu(in, a, x); !ok {
				return 0, true // division by zero: the program returns 0
			}
		}
	}
	return 0, true
}

// alu applies an arithmetic instruction; ok is false on division by a
// zero X.
func alu(in *insn, a, x uint32) (uint32, bool) {
	switch in.op {
	case opAddK:
		return a + in.k, true
	case opAddX:
		return a + x, true
	case opSubK:
		return a - in.k, true
	case opSubX:
		return a - x, true
	case opMulK:
		return a * in.k, true
	case opMulX:
		return a * x, true
	case opDivK:
		return a / in.k, true
	case opDivX:
		if x == 0 {
			return 0, false
		}
		return a / x, true
	case opModK:
		return a % in.k, true
	case opModX:
		if x == 0 {
			return 0, false
		}
		return a % x, true
	case opAndK:
		return a & in.k, true
	case opAndX:
		return a & x, true
	case opOrK:
		return a | in.k, true
	case opOrX:
		return a | x, true
	case opXorK:
		return a ^ in.k, true
	case opXorX:
		return a ^ x, true
	case opLshK:
		return a << (in.k & 31), true
	case opLshX:
		return a << (x & 31), true
	case opRshK:
		return a >> (in.k & 31), true
	case opRshX:
		return a >> (x & 31), true
	case opNeg:
		return -a, true
	}
	return a, true
}

// Lower reports whether seccomp action a takes precedence over b: the
// kernel keeps the result whose action (the top 16 bits, as a signed
// number) is lowest, the first one on a tie.
func Lower(a, b uint32) bool {
	return int32(a&bpf.RetActionFull) < int32(b&bpf.RetActionFull)
}
