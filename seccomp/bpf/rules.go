package bpf

import (
	"fmt"
	"sort"
	"strings"
)

// Matcher checks one 64-bit syscall argument. Comparisons are unsigned
// and cover all 64 bits: a negative int argument must be written as
// the 64-bit two's complement value the caller passes (for example
// uint64(int64(-100)) for AT_FDCWD passed as a Go int).
type Matcher interface {
	// emit adds code that falls through when argument arg matches and
	// jumps to fail when it does not. It may clobber A.
	emit(b *Builder, arg int, fail Label)
	String() string
}

func hi(v uint64) uint32 { return uint32(v >> 32) }
func lo(v uint64) uint32 { return uint32(v) }

// Eq matches an argument equal to v.
func Eq(v uint64) Matcher { return eq(v) }

type eq uint64

func (m eq) emit(b *Builder, arg int, fail Label) {
	b.Load(ArgHigh(arg))
	b.If(ClassJmp|Jeq|K, hi(uint64(m)), Next, fail)
	b.Load(ArgLow(arg))
	b.If(ClassJmp|Jeq|K, lo(uint64(m)), Next, fail)
}

func (m eq) String() string { return fmt.Sprintf("== %#x", uint64(m)) }

// Ne matches an argument different from v.
func Ne(v uint64) Matcher { return ne(v) }

type ne uint64

func (m ne) emit(b *Builder, arg int, fail Label) {
	ok := b.NewLabel()
	b.Load(ArgHigh(arg))
	b.If(ClassJmp|Jeq|K, hi(uint64(m)), Next, ok)
	b.Load(ArgLow(arg))
	b.If(ClassJmp|Jeq|K, lo(uint64(m)), fail, Next)
	b.Bind(ok)
}

func (m ne) String() string { return fmt.Sprintf("!= %#x", uint64(m)) }

// MaskedEq matches an argument whose bits under mask equal v.
func MaskedEq(mask, v uint64) Matcher { return maskedEq{mask, v} }

type maskedEq struct{ mask, v uint64 }

func (m maskedEq) emit(b *Builder, arg int, fail Label) {
	if m.v&^m.mask != 0 {
		// No value has bits of v outside the mask.
		b.Goto(fail)
		return
	}
	for _, half := range []struct {
		off     uint32
		mask, v uint32
	}{{ArgHigh(arg), hi(m.mask), hi(m.v)}, {ArgLow(arg), lo(m.mask), lo(m.v)}} {
		if half.mask == 0 {
			continue
		}
		b.Load(half.off)
		if half.mask != ^uint32(0) {
			b.Stmt(ClassAlu|And|K, half.mask)
		}
		b.If(ClassJmp|Jeq|K, half.v, Next, fail)
	}
}

func (m maskedEq) String() string { return fmt.Sprintf("& %#x == %#x", m.mask, m.v) }

// Gt, Ge, Lt and Le compare an argument with v, unsigned.
func Gt(v uint64) Matcher { return cmp{">", v} }
func Ge(v uint64) Matcher { return cmp{">=", v} }
func Lt(v uint64) Matcher { return cmp{"<", v} }
func Le(v uint64) Matcher { return cmp{"<=", v} }

type cmp struct {
	op string
	v  uint64
}

func (m cmp) emit(b *Builder, arg int, fail Label) {
	ok := b.NewLabel()
	vh, vl := hi(m.v), lo(m.v)
	b.Load(ArgHigh(arg))
	switch m.op {
	case ">", ">=":
		// high > vh: match; high < vh: fail; equal: decide on low.
		b.If(ClassJmp|Jgt|K, vh, ok, Next)
		b.If(ClassJmp|Jeq|K, vh, Next, fail)
		b.Load(ArgLow(arg))
		if m.op == ">" {
			b.If(ClassJmp|Jgt|K, vl, Next, fail)
		} else {
			b.If(ClassJmp|Jge|K, vl, Next, fail)
		}
	case "<", "<=":
		b.If(ClassJmp|Jgt|K, vh, fail, Next)
		b.If(ClassJmp|Jeq|K, vh, Next, ok)
		b.Load(ArgLow(arg))
		if m.op == "<" {
			b.If(ClassJmp|Jge|K, vl, fail, Next)
		} else {
			b.If(ClassJmp|Jgt|K, vl, fail, Next)
		}
	default:
		b.fail("unknown comparison %q", m.op)
	}
	b.Bind(ok)
}

func (m cmp) String() string { return fmt.Sprintf("%s %#x", m.op, m.v) }

// Rule lists the checks a call's arguments must pass: Rule[i] checks
// argument i, and a nil entry accepts any value.
type Rule [6]Matcher

// any reports whether the rule accepts every call.
func (r Rule) any() bool {
	for _, m := range r {
		if m != nil {
			return false
		}
	}
	return true
}

func (r Rule) String() string {
	var parts []string
	for i, m := range r {
		if m != nil {
			parts = append(parts, fmt.Sprintf("arg%d %s", i, m))
		}
	}
	if len(parts) == 0 {
		return "any arguments"
	}
	return strings.Join(parts, " && ")
}

// SyscallRules maps syscall numbers to the rules under which they match.
// A syscall with no rules (a nil or empty slice) matches with any
// arguments; otherwise it matches if one of its rules does.
type SyscallRules map[uint32][]Rule

// Merge adds the rules of o to r. A syscall that either side allows
// with any arguments stays unconditional.
func (r SyscallRules) Merge(o SyscallRules) {
	for nr, rules := range o {
		cur, ok := r[nr]
		switch {
		case !ok:
			r[nr] = append([]Rule(nil), rules...)
		case len(cur) == 0 || len(rules) == 0:
			r[nr] = nil
		default:
			r[nr] = append(cur, rules...)
		}
	}
}

// Syscalls returns the syscall numbers, sorted.
func (r SyscallRules) Syscalls() []uint32 {
	out := make([]uint32, 0, len(r))
	for nr := range r {
		out = append(out, nr)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Section gives an action to the calls its rules match.
type Section struct {
	Rules  SyscallRules
	Action Action
}

// Policy is a whole seccomp filter. For a call with the native
// architecture, the first section whose rules match decides the action;
// a call no section matches gets Default. A call with another
// architecture, or an x32 syscall number, gets BadArch.
type Policy struct {
	Sections []Section
	Default  Action
	BadArch  Action
}

// Allowlist returns the policy that allows the calls rules matches and
// kills the process on anything else.
func Allowlist(rules SyscallRules) Policy {
	return Policy{
		Sections: []Section{{Rules: rules, Action: Allow}},
		Default:  KillProcess,
		BadArch:  KillProcess,
	}
}

// clause is one rule of a syscall and the action it leads to.
type clause struct {
	rule   Rule
	action Action
}

// interval is a range [start, end) of syscall numbers with one verdict:
// either a plain action, or the clauses of a single syscall.
type interval struct {
	start, end uint64
	action     Action
	clauses    []clause // nil: the plain action
}

// Compile turns the policy into a seccomp program:
//
//  1. load arch; anything but AUDIT_ARCH_X86_64 gets BadArch;
//  2. load nr; x32 numbers (bit 30 set; also negative ones) get BadArch;
//  3. a binary search over the ranges of syscall numbers that share a
//     verdict; a syscall with argument rules gets a leaf that checks its
//     rules in order.
func (p Policy) Compile() ([]Instruction, error) {
	perNr := map[uint32][]clause{}
	for _, s := range p.Sections {
		for nr, rules := range s.Rules {
			if nr >= X32SyscallBit {
				return nil, fmt.Errorf("bpf: syscall number %#x is not a native amd64 syscall", nr)
			}
			cs := perNr[nr]
			if len(cs) > 0 && cs[len(cs)-1].rule.any() {
				continue // an earlier section already matches every call
			}
			if len(rules) == 0 {
				perNr[nr] = append(cs, clause{action: s.Action})
				continue
			}
			for _, r := range rules {
				cs = append(cs, clause{rule: r, action: s.Action})
				if r.any() {
					break
				}
			}
			perNr[nr] = cs
		}
	}
	nrs := make([]uint32, 0, len(perNr))
	for nr := range perNr {
		nrs = append(nrs, nr)
	}
	sort.Slice(nrs, func(i, j int) bool { return nrs[i] < nrs[j] })

	// Build the partition of [0, X32SyscallBit), merging neighbours with
	// the same plain action.
	var ivs []interval
	add := func(iv interval) {
		if iv.start >= iv.end {
			return
		}
		if n := len(ivs); n > 0 && ivs[n-1].clauses == nil && iv.clauses == nil &&
			ivs[n-1].action == iv.action && ivs[n-1].end == iv.start {
			ivs[n-1].end = iv.end
			return
		}
		ivs = append(ivs, iv)
	}
	next := uint64(0)
	for _, nr := range nrs {
		add(interval{start: next, end: uint64(nr), action: p.Default})
		cs := perNr[nr]
		if cs[0].rule.any() {
			add(interval{start: uint64(nr), end: uint64(nr) + 1, action: cs[0].action})
		} else {
			add(interval{start: uint64(nr), end: uint64(nr) + 1, clauses: cs})
		}
		next = uint64(nr) + 1
	}
	add(interval{start: next, end: X32SyscallBit, action: p.Default})

	b := NewBuilder()
	native, notX32 := b.NewLabel(), b.NewLabel()
	b.Load(OffsetArch)
	b.If(ClassJmp|Jeq|K, AuditArchX86_64, native, Next)
	b.RetAction(p.BadArch)
	b.Bind(native)
	b.Load(OffsetNr)
	b.If(ClassJmp|Jge|K, X32SyscallBit, Next, notX32)
	b.RetAction(p.BadArch)
	b.Bind(notX32)
	p.emitSearch(b, ivs)
	return b.Program()
}

// emitSearch emits a binary search over ivs, with A holding nr.
func (p Policy) emitSearch(b *Builder, ivs []interval) {
	if len(ivs) == 1 {
		p.emitLeaf(b, ivs[0])
		return
	}
	mid := len(ivs) / 2
	right := b.NewLabel()
	b.If(ClassJmp|Jge|K, uint32(ivs[mid].start), right, Next)
	p.emitSearch(b, ivs[:mid])
	b.Bind(right)
	p.emitSearch(b, ivs[mid:])
}

func (p Policy) emitLeaf(b *Builder, iv interval) {
	if iv.clauses == nil {
		b.RetAction(iv.action)
		return
	}
	cs := iv.clauses
	for len(cs) > 0 {
		c := cs[0]
		if c.rule.any() {
			b.RetAction(c.action)
			return
		}
		if n := eqRun(cs); n > 1 {
			emitEqRun(b, cs[:n])
			cs = cs[n:]
			continue
		}
		fail := b.NewLabel()
		for i, m := range c.rule {
			if m != nil {
				m.emit(b, i, fail)
			}
		}
		b.RetAction(c.action)
		b.Bind(fail)
		cs = cs[1:]
	}
	b.RetAction(p.Default)
}

// singleEq returns the argument and value of a rule that is one Eq.
func singleEq(r Rule) (arg int, v uint64, ok bool) {
	arg = -1
	for i, m := range r {
		if m == nil {
			continue
		}
		e, isEq := m.(eq)
		if !isEq || arg >= 0 {
			return 0, 0, false
		}
		arg, v = i, uint64(e)
	}
	return arg, v, arg >= 0
}

// eqRun counts the leading clauses that each compare the same argument
// with one value, with the same high half and the same action: a set of
// allowed values, such as the requests of ioctl.
func eqRun(cs []clause) int {
	arg, v, ok := singleEq(cs[0].rule)
	if !ok {
		return 0
	}
	n := 1
	for ; n < len(cs); n++ {
		a, w, ok := singleEq(cs[n].rule)
		if !ok || a != arg || hi(w) != hi(v) || cs[n].action != cs[0].action {
			break
		}
	}
	return n
}

// emitEqRun checks a run of eqRun clauses with one load of each half.
func emitEqRun(b *Builder, cs []clause) {
	arg, v, _ := singleEq(cs[0].rule)
	match, after := b.NewLabel(), b.NewLabel()
	b.Load(ArgHigh(arg))
	b.If(ClassJmp|Jeq|K, hi(v), Next, after)
	b.Load(ArgLow(arg))
	for i, c := range cs {
		_, w, _ := singleEq(c.rule)
		miss := Next
		if i == len(cs)-1 {
			miss = after
		}
		b.If(ClassJmp|Jeq|K, lo(w), match, miss)
	}
	b.Bind(match)
	b.RetAction(cs[0].action)
	b.Bind(after)
}
