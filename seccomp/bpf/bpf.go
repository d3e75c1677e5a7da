// Package bpf builds, checks and prints classic BPF programs for seccomp.
//
// A classic BPF (cBPF) program is a list of 8-byte instructions, struct
// sock_filter { u16 code; u8 jt; u8 jf; u32 k; } (see the kernel's
// Documentation/networking/filter.rst). It has an accumulator A, an index
// register X and 16 scratch words M[0..15]. Jumps are relative and
// forward only: a conditional jump goes to pc+1+jt or pc+1+jf (8-bit
// offsets), BPF_JA to pc+1+k (32-bit). A program ends in a RET.
//
// For seccomp the program reads struct seccomp_data (nr, arch,
// instruction_pointer, args[6]) with 32-bit absolute loads and returns an
// action (see Documentation/userspace-api/seccomp_filter.rst).
//
// This package holds:
//   - the instruction encoding and opcode constants (this file);
//   - Builder, an assembler with symbolic labels that resolves jumps at
//     build time and inserts long-jump trampolines where an 8-bit
//     conditional offset cannot reach (builder.go);
//   - a rule language for syscall allow-lists with argument checks,
//     compiled into a filter that checks the architecture first and then
//     finds the syscall by binary search (rules.go);
//   - a disassembler (disasm.go).
package bpf

import (
	"encoding/binary"
	"fmt"
)

// Instruction is one cBPF instruction, struct sock_filter.
type Instruction struct {
	// Op is the opcode: class | size/op | mode/source.
	Op uint16
	// Jt and Jf are the forward offsets of a conditional jump.
	Jt, Jf uint8
	// K is the constant operand.
	K uint32
}

// InstructionSize is sizeof(struct sock_filter).
const InstructionSize = 8

// MaxInstructions is BPF_MAXINSNS, the longest program the kernel accepts.
const MaxInstructions = 4096

// MemWords is BPF_MEMWORDS, the number of scratch memory words.
const MemWords = 16

// Instruction classes (the low three bits of Op).
const (
	ClassLd   = 0x00
	ClassLdx  = 0x01
	ClassSt   = 0x02
	ClassStx  = 0x03
	ClassAlu  = 0x04
	ClassJmp  = 0x05
	ClassRet  = 0x06
	ClassMisc = 0x07
)

// Load sizes.
const (
	W = 0x00 // 32 bits
	H = 0x08 // 16 bits
	B = 0x10 // 8 bits
)

// Load modes.
const (
	Imm = 0x00
	Abs = 0x20
	Ind = 0x40
	Mem = 0x60
	Len = 0x80
	Msh = 0xa0
)

// ALU operations.
const (
	Add = 0x00
	Sub = 0x10
	Mul = 0x20
	Div = 0x30
	Or  = 0x40
	And = 0x50
	Lsh = 0x60
	Rsh = 0x70
	Neg = 0x80
	Mod = 0x90
	Xor = 0xa0
)

// Jump operations.
const (
	Ja   = 0x00
	Jeq  = 0x10
	Jgt  = 0x20
	Jge  = 0x30
	Jset = 0x40
)

// Operand sources for ALU and jumps, and RET values.
const (
	K = 0x00 // the constant k
	X = 0x08 // the X register
	A = 0x10 // RET only: the accumulator
)

// MISC operations.
const (
	Tax = 0x00
	Txa = 0x80
)

// Class returns the instruction class of op.
func Class(op uint16) uint16 { return op & 0x07 }

// Stmt returns a non-jump instruction.
func Stmt(op uint16, k uint32) Instruction { return Instruction{Op: op, K: k} }

// Jump returns a jump instruction with raw offsets.
func Jump(op uint16, k uint32, jt, jf uint8) Instruction {
	return Instruction{Op: op, Jt: jt, Jf: jf, K: k}
}

// IsCondJump reports whether op is a conditional jump.
func IsCondJump(op uint16) bool { return Class(op) == ClassJmp && op&0xf0 != Ja }

// Marshal encodes a program as the kernel reads it (host byte order,
// little-endian on amd64).
func Marshal(p []Instruction) []byte {
	b := make([]byte, len(p)*InstructionSize)
	for i, in := range p {
		o := b[i*InstructionSize:]
		binary.LittleEndian.PutUint16(o[0:], in.Op)
		o[2] = in.Jt
		o[3] = in.Jf
		binary.LittleEndian.PutUint32(o[4:], in.K)
	}
	return b
}

// Unmarshal decodes a program; len(b) must be a multiple of
// InstructionSize.
func Unmarshal(b []byte) ([]Instruction, error) {
	if len(b)%InstructionSize != 0 {
		return nil, fmt.Errorf("bpf: program of %d bytes is not a whole number of instructions", len(b))
	}
	p := make([]Instruction, len(b)/InstructionSize)
	for i := range p {
		o := b[i*InstructionSize:]
		p[i] = Instruction{
			Op: binary.LittleEndian.Uint16(o[0:]),
			Jt: o[2],
			Jf: o[3],
			K:  binary.LittleEndian.Uint32(o[4:]),
		}
	}
	return p, nil
}
