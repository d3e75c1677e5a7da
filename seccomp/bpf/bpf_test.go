package bpf_test

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/moat-dev/moat/seccomp/bpf"
	"github.com/moat-dev/moat/seccomp/interp"
)

func compile(t testing.TB, p []bpf.Instruction) *interp.Program {
	t.Helper()
	prog, err := interp.Compile(p)
	if err != nil {
		t.Fatalf("interp.Compile: %v\n%s", err, bpf.Disassemble(p, bpf.DisasmOptions{}))
	}
	return prog
}

func TestMarshalRoundTrip(t *testing.T) {
	p := []bpf.Instruction{{Op: 0x15, Jt: 1, Jf: 2, K: 0xdeadbeef}, {Op: 6, K: 7}}
	b := bpf.Marshal(p)
	if len(b) != 16 || b[0] != 0x15 || b[2] != 1 || b[3] != 2 || b[4] != 0xef {
		t.Fatalf("Marshal = %x", b)
	}
	q, err := bpf.Unmarshal(b)
	if err != nil || len(q) != 2 || q[0] != p[0] || q[1] != p[1] {
		t.Fatalf("Unmarshal = %v, %v", q, err)
	}
	if _, err := bpf.Unmarshal(b[:5]); err == nil {
		t.Fatal("Unmarshal of a partial instruction succeeded")
	}
}

func TestBuilderErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func(b *bpf.Builder)
	}{
		{"empty", func(b *bpf.Builder) {}},
		{"no ret", func(b *bpf.Builder) { b.Load(0) }},
		{"unbound label", func(b *bpf.Builder) {
			l := b.NewLabel()
			b.Goto(l)
			b.Ret(0)
		}},
		{"backward", func(b *bpf.Builder) {
			l := b.NewLabel()
			b.Bind(l)
			b.Load(0)
			b.If(bpf.ClassJmp|bpf.Jeq|bpf.K, 1, l, bpf.Next)
			b.Ret(0)
		}},
		{"self", func(b *bpf.Builder) {
			l := b.NewLabel()
			b.Bind(l)
			b.Goto(l)
			b.Ret(0)
		}},
		{"bound twice", func(b *bpf.Builder) {
			l := b.NewLabel()
			b.Bind(l)
			b.Bind(l)
			b.Ret(0)
		}},
		{"past the end", func(b *bpf.Builder) {
			l := b.NewLabel()
			b.Goto(l)
			b.Ret(0)
			b.Bind(l)
		}},
		{"too long", func(b *bpf.Builder) {
			for i := 0; i <= bpf.MaxInstructions; i++ {
				b.Ret(0)
			}
		}},
		{"stmt with jump", func(b *bpf.Builder) { b.Stmt(bpf.ClassJmp|bpf.Ja, 0); b.Ret(0) }},
		{"if with ja", func(b *bpf.Builder) { b.If(bpf.ClassJmp|bpf.Ja, 0, bpf.Next, bpf.Next); b.Ret(0) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := bpf.NewBuilder()
			tc.build(b)
			if p, err := b.Program(); err == nil {
				t.Fatalf("Program succeeded:\n%s", bpf.Disassemble(p, bpf.DisasmOptions{}))
			}
		})
	}
}

// TestBuilderTrampolines builds jumps of every distance up to past 255
// and checks that the result is valid and goes where it should.
func TestBuilderTrampolines(t *testing.T) {
	for _, dist := range []int{0, 1, 254, 255, 256, 257, 600, 3000} {
		b := bpf.NewBuilder()
		far, far2 := b.NewLabel(), b.NewLabel()
		b.Load(bpf.OffsetNr)
		// nr == 1 → far; nr == 2 → far2; else fall through to the pad.
		b.If(bpf.ClassJmp|bpf.Jeq|bpf.K, 1, far, bpf.Next)
		b.If(bpf.ClassJmp|bpf.Jeq|bpf.K, 2, far2, far2)
		for i := 0; i < dist; i++ {
			b.Stmt(bpf.ClassAlu|bpf.Add|bpf.K, 0)
		}
		b.Bind(far)
		b.Ret(111)
		b.Bind(far2)
		b.Ret(222)
		p, err := b.Program()
		if err != nil {
			t.Fatalf("dist %d: %v", dist, err)
		}
		prog := compile(t, p)
		for nr, want := range map[int32]uint32{1: 111, 2: 222, 3: 222} {
			if got := prog.Run(&interp.Data{Nr: nr}); got != want {
				t.Errorf("dist %d nr %d: got %d, want %d", dist, nr, got, want)
			}
		}
	}
}

// TestBuilderManyFarJumps: a chain where each trampoline pushes other
// jumps out of range.
func TestBuilderManyFarJumps(t *testing.T) {
	b := bpf.NewBuilder()
	end := b.NewLabel()
	b.Load(bpf.OffsetNr)
	for i := 0; i < 600; i++ {
		b.If(bpf.ClassJmp|bpf.Jeq|bpf.K, uint32(i), end, bpf.Next)
	}
	b.Ret(1)
	b.Bind(end)
	b.Ret(2)
	p, err := b.Program()
	if err != nil {
		t.Fatal(err)
	}
	prog := compile(t, p)
	for _, nr := range []int32{0, 1, 300, 599} {
		if got := prog.Run(&interp.Data{Nr: nr}); got != 2 {
			t.Errorf("nr %d: got %d, want 2", nr, got)
		}
	}
	if got := prog.Run(&interp.Data{Nr: 600}); got != 1 {
		t.Errorf("nr 600: got %d, want 1", got)
	}
}

// eval is the reference meaning of a policy.
func eval(p bpf.Policy, d *interp.Data) uint32 {
	if d.Arch != bpf.AuditArchX86_64 || uint32(d.Nr) >= bpf.X32SyscallBit {
		return uint32(p.BadArch)
	}
	for _, s := range p.Sections {
		rules, ok := s.Rules[uint32(d.Nr)]
		if !ok {
			continue
		}
		if len(rules) == 0 {
			return uint32(s.Action)
		}
		for _, r := range rules {
			if ruleMatches(r, d) {
				return uint32(s.Action)
			}
		}
	}
	return uint32(p.Default)
}

func ruleMatches(r bpf.Rule, d *interp.Data) bool {
	for i, m := range r {
		if m != nil && !matches(m, d.Args[i]) {
			return false
		}
	}
	return true
}

// matches evaluates a matcher from its printed form, which keeps the
// reference independent of the code generator.
func matches(m bpf.Matcher, v uint64) bool {
	var op string
	var a, b uint64
	s := m.String()
	if strings.HasPrefix(s, "& ") {
		if _, err := fmtSscanf(s, "& %v == %v", &a, &b); err != nil {
			panic(err)
		}
		return v&a == b
	}
	if _, err := fmtSscanf(s, "%s %v", &op, &a); err != nil {
		panic(err)
	}
	switch op {
	case "==":
		return v == a
	case "!=":
		return v != a
	case ">":
		return v > a
	case ">=":
		return v >= a
	case "<":
		return v < a
	case "<=":
		return v <= a
	}
	panic("unknown matcher " + s)
}

var interesting = []uint64{0, 1, 2, 4, 0x7fffffff, 0x80000000, 0xffffffff, 1 << 32, 1<<32 + 1, 0xffffffff00000000, ^uint64(0), ^uint64(0) - 1}

func randValue(r *rand.Rand) uint64 {
	switch r.Intn(3) {
	case 0:
		return interesting[r.Intn(len(interesting))]
	case 1:
		return uint64(r.Intn(16)) << (32 * r.Intn(2))
	}
	return r.Uint64()
}

func randMatcher(r *rand.Rand) bpf.Matcher {
	v := randValue(r)
	switch r.Intn(8) {
	case 0:
		return bpf.Eq(v)
	case 1:
		return bpf.Ne(v)
	case 2:
		m := randValue(r)
		if r.Intn(4) != 0 {
			v &= m
		}
		return bpf.MaskedEq(m, v)
	case 3:
		return bpf.Gt(v)
	case 4:
		return bpf.Ge(v)
	case 5:
		return bpf.Lt(v)
	case 6:
		return bpf.Le(v)
	}
	return nil
}

func randPolicy(r *rand.Rand) bpf.Policy {
	acts := []bpf.Action{bpf.Allow, bpf.Errno(1), bpf.Errno(38), bpf.Trap(3), bpf.Log, bpf.KillThread}
	p := bpf.Policy{Default: bpf.KillProcess, BadArch: bpf.Action(0x80000000 | 7)}
	if r.Intn(2) == 0 {
		p.Default = bpf.Errno(uint16(r.Intn(100)))
	}
	for s := 0; s < 1+r.Intn(3); s++ {
		rules := bpf.SyscallRules{}
		for i := 0; i < r.Intn(60); i++ {
			nr := uint32(r.Intn(40))
			if r.Intn(10) == 0 {
				nr = uint32(r.Intn(bpf.X32SyscallBit))
			}
			var rs []bpf.Rule
			for j := 0; j < r.Intn(4); j++ {
				var rule bpf.Rule
				for a := range rule {
					if r.Intn(3) == 0 {
						rule[a] = randMatcher(r)
					}
				}
				rs = append(rs, rule)
			}
			rules[nr] = rs
		}
		p.Sections = append(p.Sections, bpf.Section{Rules: rules, Action: acts[r.Intn(len(acts))]})
	}
	return p
}

// TestPolicyCompile checks compiled random policies against their
// reference meaning on random calls.
func TestPolicyCompile(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	n := 150
	if testing.Short() {
		n = 30
	}
	for i := 0; i < n; i++ {
		pol := randPolicy(r)
		p, err := pol.Compile()
		if err != nil {
			t.Fatal(err)
		}
		prog := compile(t, p)
		var nrs []uint32
		for _, s := range pol.Sections {
			nrs = append(nrs, s.Rules.Syscalls()...)
		}
		for j := 0; j < 300; j++ {
			d := interp.Data{Arch: bpf.AuditArchX86_64, InstructionPointer: r.Uint64()}
			switch r.Intn(10) {
			case 0:
				d.Nr = int32(r.Uint32())
			case 1:
				d.Arch = bpf.AuditArchI386
				fallthrough
			default:
				if len(nrs) > 0 && r.Intn(4) != 0 {
					d.Nr = int32(nrs[r.Intn(len(nrs))])
				} else {
					d.Nr = int32(r.Intn(50))
				}
			}
			for a := range d.Args {
				d.Args[a] = randValue(r)
			}
			// Aim at the rules' constants and their neighbours.
			if r.Intn(2) == 0 {
				for _, s := range pol.Sections {
					for _, rule := range s.Rules[uint32(d.Nr)] {
						for a, m := range rule {
							if m != nil && r.Intn(2) == 0 {
								var v uint64
								var op string
								fmtSscanf(strings.TrimPrefix(m.String(), "& "), "%s %v", &op, &v)
								d.Args[a] = v + uint64(r.Intn(3)) - 1
							}
						}
					}
				}
			}
			if got, want := prog.Run(&d), eval(pol, &d); got != want {
				t.Fatalf("policy %d: call %+v: got %#x, want %#x\n%s", i, d, got, want, bpf.Disassemble(p, bpf.DisasmOptions{}))
			}
		}
	}
}

func TestAllowlistShape(t *testing.T) {
	rules := bpf.SyscallRules{}
	for _, nr := range []uint32{0, 1, 2, 3, 9, 10, 11, 60, 231, 400} {
		rules[nr] = nil
	}
	rules[9] = []bpf.Rule{{nil, nil, bpf.MaskedEq(4, 0)}}
	p, err := bpf.Allowlist(rules).Compile()
	if err != nil {
		t.Fatal(err)
	}
	// Arch check first.
	if p[0] != bpf.Stmt(bpf.ClassLd|bpf.W|bpf.Abs, bpf.OffsetArch) || p[1].Op != bpf.ClassJmp|bpf.Jeq|bpf.K || p[1].K != bpf.AuditArchX86_64 {
		t.Errorf("does not start with the arch check:\n%s", bpf.Disassemble(p, bpf.DisasmOptions{}))
	}
	prog := compile(t, p)
	d := interp.Data{Arch: bpf.AuditArchX86_64}
	for nr, want := range map[int32]bpf.Action{0: bpf.Allow, 3: bpf.Allow, 4: bpf.KillProcess, 11: bpf.Allow,
		12: bpf.KillProcess, 400: bpf.Allow, 401: bpf.KillProcess, bpf.X32SyscallBit | 1: bpf.KillProcess, -1: bpf.KillProcess} {
		d.Nr = nr
		if got := prog.Run(&d); got != uint32(want) {
			t.Errorf("nr %d: got %v, want %v", nr, bpf.Action(got), want)
		}
	}
	d.Nr, d.Args[2] = 9, 7
	if got := prog.Run(&d); got != uint32(bpf.KillProcess) {
		t.Errorf("mmap with PROT_EXEC: got %v", bpf.Action(got))
	}
	d.Args[2] = 3
	if got := prog.Run(&d); got != uint32(bpf.Allow) {
		t.Errorf("mmap RW: got %v", bpf.Action(got))
	}
	d.Arch = bpf.AuditArchI386
	if got := prog.Run(&d); got != uint32(bpf.KillProcess) {
		t.Errorf("i386: got %v", bpf.Action(got))
	}
	// Binary search: far fewer than one compare per syscall on the
	// longest path is hard to measure here; check the size is modest.
	if len(p) > 40 {
		t.Errorf("%d instructions for 10 syscalls", len(p))
	}
}

func TestDisassemble(t *testing.T) {
	p, err := bpf.Allowlist(bpf.SyscallRules{39: nil, 60: {{bpf.Eq(0)}}}).Compile()
	if err != nil {
		t.Fatal(err)
	}
	s := bpf.Disassemble(p, bpf.DisasmOptions{SyscallName: func(nr uint32) string {
		return map[uint32]string{39: "getpid", 40: "sendfile", 60: "exit", 61: "wait4"}[nr]
	}})
	for _, want := range []string{"ld   [4]", "; arch", "; nr", "jeq  #0xc000003e", "ret  #0x80000000", "KILL_PROCESS", "ALLOW", "args[0] (high)", "nr >= getpid"} {
		if !strings.Contains(s, want) {
			t.Errorf("disassembly lacks %q:\n%s", want, s)
		}
	}
	if n := strings.Count(s, "\n"); n != len(p) {
		t.Errorf("%d lines for %d instructions", n, len(p))
	}
}

func TestActionString(t *testing.T) {
	for a, want := range map[bpf.Action]string{
		bpf.KillProcess: "KILL_PROCESS", bpf.KillThread: "KILL_THREAD", bpf.Trap(2): "TRAP(2)",
		bpf.Errno(13): "ERRNO(13)", bpf.UserNotif: "USER_NOTIF", bpf.Trace(1): "TRACE(1)",
		bpf.Log: "LOG", bpf.Allow: "ALLOW", bpf.Action(0x00010000): "unknown action 0x10000",
	} {
		if got := a.String(); got != want {
			t.Errorf("%#x: %q, want %q", uint32(a), got, want)
		}
	}
}

var fmtSscanf = fmt.Sscanf

// TestEqRun covers sets of values for one argument, which compile to one
// load of each half and a chain of comparisons.
func TestEqRun(t *testing.T) {
	one := func(arg int, v uint64) bpf.Rule { var r bpf.Rule; r[arg] = bpf.Eq(v); return r }
	pol := bpf.Policy{
		Sections: []bpf.Section{
			{Rules: bpf.SyscallRules{
				16: {one(1, 0x5401), one(1, 0x5402), one(1, 0x541b)},
				// Different high halves split the run.
				17: {one(0, 1), one(0, 2), one(0, 1<<32|3), one(0, 1<<32|4), one(0, 5)},
				// A different argument or matcher ends a run.
				18: {one(0, 1), one(1, 2), {bpf.Eq(3), bpf.Eq(4)}, one(1, 5), {nil, bpf.Ne(6)}},
				19: {one(2, 7)},
			}, Action: bpf.Allow},
			{Rules: bpf.SyscallRules{17: {one(0, 6), one(0, 7)}}, Action: bpf.Errno(9)},
		},
		Default: bpf.KillProcess, BadArch: bpf.KillThread,
	}
	p, err := pol.Compile()
	if err != nil {
		t.Fatal(err)
	}
	prog := compile(t, p)
	vals := []uint64{0, 1, 2, 3, 4, 5, 6, 7, 0x5401, 0x5402, 0x541b, 0x5403, 1<<32 | 3, 1<<32 | 4, 1<<32 | 1, 2<<32 | 3}
	for nr := int32(15); nr <= 20; nr++ {
		for _, a0 := range vals {
			for _, a1 := range vals {
				for _, a2 := range []uint64{7, 8} {
					d := interp.Data{Nr: nr, Arch: bpf.AuditArchX86_64, Args: [6]uint64{a0, a1, a2}}
					if got, want := prog.Run(&d), eval(pol, &d); got != want {
						t.Fatalf("nr %d args %#x: got %v, want %v\n%s", nr, d.Args, bpf.Action(got), bpf.Action(want),
							bpf.Disassemble(p, bpf.DisasmOptions{}))
					}
				}
			}
		}
	}
}
