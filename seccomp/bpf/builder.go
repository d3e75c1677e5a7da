package bpf

import (
	"errors"
	"fmt"
)

// Label names a place in a program under construction. The zero Label is
// "the next instruction" (fall through).
type Label int

// Next is the label of the instruction following a jump.
const Next Label = 0

// Builder assembles a program with symbolic jump targets. Jumps may only
// go forward. Conditional jumps whose target is more than 255
// instructions ahead are rewritten to jump to a BPF_JA trampoline placed
// right after them, which has a 32-bit reach.
//
// Errors (an unbound or twice-bound label, a backward jump, a program
// that is too long or does not end in RET) are remembered and returned
// by Program.
type Builder struct {
	insns []pending
	// bound maps a label to the index (in insns) of the instruction it
	// names; -1 while unbound. Index 0 is the Next label.
	bound []int
	err   error
}

type pending struct {
	in Instruction
	// jt, jf: targets of a conditional jump; jt alone for BPF_JA.
	jt, jf Label
}

// NewBuilder returns an empty builder.
func NewBuilder() *Builder { return &Builder{bound: []int{-1}} }

func (b *Builder) fail(format string, args ...any) {
	if b.err == nil {
		b.err = fmt.Errorf("bpf: "+format, args...)
	}
}

// NewLabel returns a fresh, unbound label.
func (b *Builder) NewLabel() Label {
	b.bound = append(b.bound, -1)
	return Label(len(b.bound) - 1)
}

// Bind makes l name the next instruction added.
func (b *Builder) Bind(l Label) {
	if l <= 0 || int(l) >= len(b.bound) {
		b.fail("bind of unknown label %d", l)
		return
	}
	if b.bound[l] >= 0 {
		b.fail("label %d bound twice", l)
		return
	}
	b.bound[l] = len(b.insns)
}

// Len is the number of instructions added so far (trampolines, added
// only by Program, not counted).
func (b *Builder) Len() int { return len(b.insns) }

// Stmt adds a non-jump instruction.
func (b *Builder) Stmt(op uint16, k uint32) {
	if Class(op) == ClassJmp {
		b.fail("Stmt with jump opcode %#x", op)
		return
	}
	b.insns = append(b.insns, pending{in: Stmt(op, k)})
}

// Load adds A = seccomp_data word at off.
func (b *Builder) Load(off uint32) { b.Stmt(ClassLd|W|Abs, off) }

// Ret adds RET #k.
func (b *Builder) Ret(k uint32) { b.Stmt(ClassRet|K, k) }

// RetAction adds a RET of a seccomp action.
func (b *Builder) RetAction(a Action) { b.Ret(uint32(a)) }

// Goto adds an unconditional jump to l.
func (b *Builder) Goto(l Label) {
	b.label(l)
	b.insns = append(b.insns, pending{in: Instruction{Op: ClassJmp | Ja}, jt: l})
}

// If adds a conditional jump (Jeq, Jgt, Jge or Jset, with K or X): to jt
// if the condition holds, else to jf. Either may be Next.
func (b *Builder) If(op uint16, k uint32, jt, jf Label) {
	if !IsCondJump(op) {
		b.fail("If with opcode %#x, which is not a conditional jump", op)
		return
	}
	b.label(jt)
	b.label(jf)
	b.insns = append(b.insns, pending{in: Instruction{Op: op, K: k}, jt: jt, jf: jf})
}

func (b *Builder) label(l Label) {
	if l < 0 || int(l) >= len(b.bound) {
		b.fail("jump to unknown label %d", l)
	}
}

// Program resolves the labels and returns the program.
func (b *Builder) Program() ([]Instruction, error) {
	if b.err != nil {
		return nil, b.err
	}
	n := len(b.insns)
	if n == 0 {
		return nil, errors.New("bpf: empty program")
	}
	if Class(b.insns[n-1].in.Op) != ClassRet {
		return nil, errors.New("bpf: program does not end in RET")
	}
	// target returns the index of the instruction that branch l of
	// instruction i goes to.
	target := func(i int, l Label) (int, error) {
		if l == Next {
			return i + 1, nil
		}
		t := b.bound[l]
		switch {
		case t < 0:
			return 0, fmt.Errorf("bpf: instruction %d jumps to unbound label %d", i, l)
		case t >= n:
			return 0, fmt.Errorf("bpf: label %d is bound past the end of the program", l)
		case t <= i:
			return 0, fmt.Errorf("bpf: instruction %d jumps backward to %d", i, t)
		}
		return t, nil
	}
	type resolved struct{ jt, jf int }
	res := make([]resolved, n)
	for i, p := range b.insns {
		if Class(p.in.Op) != ClassJmp {
			continue
		}
		var err error
		if res[i].jt, err = target(i, p.jt); err != nil {
			return nil, err
		}
		if p.in.Op&0xf0 != Ja {
			if res[i].jf, err = target(i, p.jf); err != nil {
				return nil, err
			}
		}
	}

	// far[i] records which branches of instruction i go through a
	// trampoline; trampolines follow their jump, jt's first.
	type farBranches struct{ jt, jf bool }
	far := make([]farBranches, n)
	addr := make([]int, n+1)
	trampolines := func(i int) int {
		f := far[i]
		switch {
		case f.jt && f.jf && res[i].jt == res[i].jf:
			return 1
		case f.jt && f.jf:
			return 2
		case f.jt || f.jf:
			return 1
		}
		return 0
	}
	for {
		a := 0
		for i := 0; i < n; i++ {
			addr[i] = a
			a += 1 + trampolines(i)
		}
		addr[n] = a
		changed := false
		for i, p := range b.insns {
			if !IsCondJump(p.in.Op) {
				continue
			}
			from := addr[i] + 1
			if !far[i].jt && addr[res[i].jt]-from > 255 {
				far[i].jt, changed = true, true
			}
			if !far[i].jf && addr[res[i].jf]-from > 255 {
				far[i].jf, changed = true, true
			}
		}
		if !changed {
			break
		}
	}
	if addr[n] > MaxInstructions {
		return nil, fmt.Errorf("bpf: program has %d instructions, more than the limit of %d", addr[n], MaxInstructions)
	}

	out := make([]Instruction, 0, addr[n])
	for i, p := range b.insns {
		in := p.in
		switch {
		case Class(in.Op) == ClassJmp && in.Op&0xf0 == Ja:
			in.K = uint32(addr[res[i].jt] - addr[i] - 1)
			out = append(out, in)
		case IsCondJump(in.Op):
			var tramps []int // targets of the trampolines, in order
			if far[i].jt {
				in.Jt = uint8(len(tramps))
				tramps = append(tramps, res[i].jt)
			} else {
				in.Jt = uint8(addr[res[i].jt] - addr[i] - 1)
			}
			if far[i].jf {
				if far[i].jt && res[i].jf == res[i].jt {
					in.Jf = in.Jt
				} else {
					in.Jf = uint8(len(tramps))
					tramps = append(tramps, res[i].jf)
				}
			} else {
				in.Jf = uint8(addr[res[i].jf] - addr[i] - 1)
			}
			out = append(out, in)
			for j, t := range tramps {
				at := addr[i] + 1 + j
				out = append(out, Instruction{Op: ClassJmp | Ja, K: uint32(addr[t] - at - 1)})
			}
		default:
			out = append(out, in)
		}
	}
	return out, nil
}
