package bpf

import (
	"fmt"
	"strings"
)

// DisasmOptions adjust Disassemble.
type DisasmOptions struct {
	// SyscallName, if set, names syscall numbers compared against
	// seccomp_data.nr.
	SyscallName func(nr uint32) string
}

// Disassemble prints a program, one instruction a line:
//
//	0003  jeq  #0xc000003e      jt 0004  jf 0005
//
// Loads of struct seccomp_data are annotated with the field they read,
// RETs with the seccomp action, and comparisons of the syscall number
// with the syscall's name.
func Disassemble(p []Instruction, opts DisasmOptions) string {
	var sb strings.Builder
	// aSrc[pc] is the seccomp_data offset A holds on entry to pc, or -1
	// if unknown (a merge of different values, or not a load). Jumps
	// only go forward, so one pass in order sees every predecessor.
	aSrc := make([]int, len(p)+1)
	seen := make([]bool, len(p)+1)
	merge := func(pc, v int) {
		if pc < 0 || pc > len(p) {
			return
		}
		if !seen[pc] {
			seen[pc], aSrc[pc] = true, v
		} else if aSrc[pc] != v {
			aSrc[pc] = -1
		}
	}
	if len(p) > 0 {
		merge(0, -1)
	}
	for pc, in := range p {
		cur := -1
		if seen[pc] {
			cur = aSrc[pc]
		}
		after := cur
		switch {
		case in.Op == ClassLd|W|Abs:
			after = int(in.K)
		case Class(in.Op) == ClassLd, Class(in.Op) == ClassAlu, in.Op == ClassMisc|Txa:
			after = -1
		}
		switch {
		case Class(in.Op) == ClassJmp && in.Op&0xf0 == Ja:
			merge(pc+1+int(in.K), after)
		case IsCondJump(in.Op):
			merge(pc+1+int(in.Jt), after)
			merge(pc+1+int(in.Jf), after)
		case Class(in.Op) != ClassRet:
			merge(pc+1, after)
		}
		text, comment := disasmOne(pc, in)
		if IsCondJump(in.Op) && in.Op&X == 0 && cur == OffsetNr && opts.SyscallName != nil {
			if name := opts.SyscallName(in.K); name != "" {
				rel := map[uint16]string{Jeq: "==", Jgt: ">", Jge: ">=", Jset: "&"}[in.Op&0xf0]
				comment = fmt.Sprintf("nr %s %s", rel, name)
			}
		}
		line := fmt.Sprintf("%04d  %s", pc, text)
		if comment != "" {
			line = fmt.Sprintf("%-44s ; %s", line, comment)
		}
		sb.WriteString(line)
		sb.WriteByte('\n')
	}
	return sb.String()
}

// FieldName names the seccomp_data word at offset off.
func FieldName(off uint32) string {
	switch {
	case off == OffsetNr:
		return "nr"
	case off == OffsetArch:
		return "arch"
	case off == OffsetIPLow:
		return "instruction_pointer (low)"
	case off == OffsetIPHigh:
		return "instruction_pointer (high)"
	case off >= OffsetArgs && off < SeccompDataSize && off%4 == 0:
		i := (off - OffsetArgs) / 8
		if (off-OffsetArgs)%8 == 0 {
			return fmt.Sprintf("args[%d] (low)", i)
		}
		return fmt.Sprintf("args[%d] (high)", i)
	}
	return ""
}

var aluNames = map[uint16]string{
	Add: "add", Sub: "sub", Mul: "mul", Div: "div", Or: "or", And: "and",
	Lsh: "lsh", Rsh: "rsh", Neg: "neg", Mod: "mod", Xor: "xor",
}

var jmpNames = map[uint16]string{Ja: "ja", Jeq: "jeq", Jgt: "jgt", Jge: "jge", Jset: "jset"}

func disasmOne(pc int, in Instruction) (text, comment string) {
	op := in.Op
	switch Class(op) {
	case ClassLd, ClassLdx:
		name := "ld"
		if Class(op) == ClassLdx {
			name = "ldx"
		}
		size := map[uint16]string{W: "", H: "h", B: "b"}[op&0x18]
		if op&0x18 == 0x18 {
			return fmt.Sprintf("unknown %#04x %d %d %#x", op, in.Jt, in.Jf, in.K), ""
		}
		switch op & 0xe0 {
		case Imm:
			return fmt.Sprintf("%-4s #%#x", name, in.K), ""
		case Abs:
			t := fmt.Sprintf("%-4s [%d]", name+size, in.K)
			if op&0x18 == W {
				comment = FieldName(in.K)
			}
			return t, comment
		case Ind:
			return fmt.Sprintf("%-4s [x+%d]", name+size, in.K), ""
		case Mem:
			return fmt.Sprintf("%-4s M[%d]", name, in.K), ""
		case Len:
			return fmt.Sprintf("%-4s len", name), ""
		case Msh:
			return fmt.Sprintf("%-4s 4*([%d]&0xf)", name+size, in.K), ""
		}
	case ClassSt:
		return fmt.Sprintf("st   M[%d]", in.K), ""
	case ClassStx:
		return fmt.Sprintf("stx  M[%d]", in.K), ""
	case ClassAlu:
		name, ok := aluNames[op&0xf0]
		if !ok {
			break
		}
		if op&0xf0 == Neg {
			return "neg", ""
		}
		if op&X != 0 {
			return fmt.Sprintf("%-4s x", name), ""
		}
		return fmt.Sprintf("%-4s #%#x", name, in.K), ""
	case ClassJmp:
		name, ok := jmpNames[op&0xf0]
		if !ok {
			break
		}
		if op&0xf0 == Ja {
			return fmt.Sprintf("ja   %04d", pc+1+int(in.K)), ""
		}
		operand := fmt.Sprintf("#%#x", in.K)
		if op&X != 0 {
			operand = "x"
		}
		return fmt.Sprintf("%-4s %-15s jt %04d  jf %04d", name, operand, pc+1+int(in.Jt), pc+1+int(in.Jf)), ""
	case ClassRet:
		switch op & 0x18 {
		case K:
			return fmt.Sprintf("ret  #%#x", in.K), Action(in.K).String()
		case A:
			return "ret  a", ""
		case X:
			return "ret  x", ""
		}
	case ClassMisc:
		switch op & 0xf8 {
		case Tax:
			return "tax", ""
		case Txa:
			return "txa", ""
		}
	}
	return fmt.Sprintf("unknown %#04x %d %d %#x", op, in.Jt, in.Jf, in.K), ""
}
