package interp

import (
	"errors"
	"math/rand"
	"testing"

	"github.com/moat-dev/moat/seccomp/bpf"
)

func ld(off uint32) bpf.Instruction            { return bpf.Stmt(bpf.ClassLd|bpf.W|bpf.Abs, off) }
func ret(k uint32) bpf.Instruction             { return bpf.Stmt(bpf.ClassRet|bpf.K, k) }
func retA() bpf.Instruction                    { return bpf.Stmt(bpf.ClassRet|bpf.A, 0) }
func stmt(op uint16, k uint32) bpf.Instruction { return bpf.Stmt(op, k) }
func jmp(op uint16, k uint32, jt, jf uint8) bpf.Instruction {
	return bpf.Jump(bpf.ClassJmp|op, k, jt, jf)
}

func mustCompile(t testing.TB, p []bpf.Instruction) *Program {
	t.Helper()
	prog, err := Compile(p)
	if err != nil {
		t.Fatalf("Compile: %v\n%s", err, bpf.Disassemble(p, bpf.DisasmOptions{}))
	}
	return prog
}

func TestCompileRejects(t *testing.T) {
	long := make([]bpf.Instruction, bpf.MaxInstructions+1)
	for i := range long {
		long[i] = ret(bpf.RetAllow)
	}
	for _, tc := range []struct {
		name string
		prog []bpf.Instruction
	}{
		{"empty", nil},
		{"too long", long},
		{"no ret at end", []bpf.Instruction{ld(0)}},
		{"ret x", []bpf.Instruction{stmt(bpf.ClassRet|bpf.X, 0)}},
		{"unaligned load", []bpf.Instruction{ld(2), retA()}},
		{"load past seccomp_data", []bpf.Instruction{ld(64), retA()}},
		{"half-word load", []bpf.Instruction{stmt(bpf.ClassLd|bpf.H|bpf.Abs, 0), retA()}},
		{"byte load", []bpf.Instruction{stmt(bpf.ClassLd|bpf.B|bpf.Abs, 0), retA()}},
		{"indirect load", []bpf.Instruction{stmt(bpf.ClassLd|bpf.W|bpf.Ind, 0), retA()}},
		{"msh", []bpf.Instruction{stmt(bpf.ClassLdx|bpf.B|bpf.Msh, 0), retA()}},
		{"division by constant 0", []bpf.Instruction{stmt(bpf.ClassAlu|bpf.Div|bpf.K, 0), retA()}},
		{"shift by 32", []bpf.Instruction{stmt(bpf.ClassAlu|bpf.Lsh|bpf.K, 32), retA()}},
		{"rshift by 40", []bpf.Instruction{stmt(bpf.ClassAlu|bpf.Rsh|bpf.K, 40), retA()}},
		{"scratch index 16", []bpf.Instruction{stmt(bpf.ClassSt, 16), retA()}},
		{"read before write", []bpf.Instruction{stmt(bpf.ClassLd|bpf.Mem, 3), retA()}},
		{"read written on one path only", []bpf.Instruction{
			ld(0),
			jmp(bpf.Jeq, 1, 0, 1),
			stmt(bpf.ClassSt, 2),
			stmt(bpf.ClassLd|bpf.Mem, 2),
			retA(),
		}},
		{"ja past end", []bpf.Instruction{jmp(bpf.Ja, 1, 0, 0), retA()}},
		{"jt past end", []bpf.Instruction{jmp(bpf.Jeq, 0, 1, 0), retA()}},
		{"jf past end", []bpf.Instruction{jmp(bpf.Jeq, 0, 0, 1), retA()}},
		{"neg with x bit", []bpf.Instruction{stmt(bpf.ClassAlu|bpf.Neg|bpf.X, 0), retA()}},
		{"unknown opcode", []bpf.Instruction{stmt(0xff, 0), retA()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compile(tc.prog)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Compile = %v, want an *Error", err)
			}
		})
	}
}

func TestRunSemantics(t *testing.T) {
	d := &Data{Nr: 39, Arch: bpf.AuditArchX86_64, InstructionPointer: 0x1122334455667788,
		Args: [6]uint64{0xaaaabbbbccccdddd, 1, 2, 3, 4, 0xfffffffffffffff0}}
	for _, tc := range []struct {
		name string
		prog []bpf.Instruction
		want uint32
	}{
		{"nr", []bpf.Instruction{ld(bpf.OffsetNr), retA()}, 39},
		{"arch", []bpf.Instruction{ld(bpf.OffsetArch), retA()}, bpf.AuditArchX86_64},
		{"ip low", []bpf.Instruction{ld(bpf.OffsetIPLow), retA()}, 0x55667788},
		{"ip high", []bpf.Instruction{ld(bpf.OffsetIPHigh), retA()}, 0x11223344},
		{"arg0 low", []bpf.Instruction{ld(bpf.ArgLow(0)), retA()}, 0xccccdddd},
		{"arg0 high", []bpf.Instruction{ld(bpf.ArgHigh(0)), retA()}, 0xaaaabbbb},
		{"arg5 high", []bpf.Instruction{ld(bpf.ArgHigh(5)), retA()}, 0xffffffff},
		{"len", []bpf.Instruction{stmt(bpf.ClassLd|bpf.W|bpf.Len, 0), retA()}, 64},
		{"ldx len", []bpf.Instruction{stmt(bpf.ClassLdx|bpf.W|bpf.Len, 0), stmt(bpf.ClassMisc|bpf.Txa, 0), retA()}, 64},
		{"div by zero X", []bpf.Instruction{stmt(bpf.ClassLd|bpf.Imm, 10), stmt(bpf.ClassAlu|bpf.Div|bpf.X, 0), ret(bpf.RetAllow)}, 0},
		{"div", []bpf.Instruction{stmt(bpf.ClassLd|bpf.Imm, 100), stmt(bpf.ClassLdx|bpf.Imm, 7), stmt(bpf.ClassAlu|bpf.Div|bpf.X, 0), retA()}, 14},
		{"sub wraps", []bpf.Instruction{stmt(bpf.ClassLd|bpf.Imm, 1), stmt(bpf.ClassAlu|bpf.Sub|bpf.K, 2), retA()}, 0xffffffff},
		{"neg", []bpf.Instruction{stmt(bpf.ClassLd|bpf.Imm, 1), stmt(bpf.ClassAlu|bpf.Neg, 0), retA()}, 0xffffffff},
		{"shift x masked", []bpf.Instruction{stmt(bpf.ClassLd|bpf.Imm, 1), stmt(bpf.ClassLdx|bpf.Imm, 33), stmt(bpf.ClassAlu|bpf.Lsh|bpf.X, 0), retA()}, 2},
		{"memory", []bpf.Instruction{stmt(bpf.ClassLd|bpf.Imm, 5), stmt(bpf.ClassSt, 15), stmt(bpf.ClassLd|bpf.Imm, 0), stmt(bpf.ClassLdx|bpf.Mem, 15), stmt(bpf.ClassMisc|bpf.Txa, 0), retA()}, 5},
		{"jeq taken", []bpf.Instruction{ld(0), jmp(bpf.Jeq, 39, 0, 1), ret(1), ret(2)}, 1},
		{"jgt not taken", []bpf.Instruction{ld(0), jmp(bpf.Jgt, 39, 0, 1), ret(1), ret(2)}, 2},
		{"jge taken", []bpf.Instruction{ld(0), jmp(bpf.Jge, 39, 0, 1), ret(1), ret(2)}, 1},
		{"jset", []bpf.Instruction{ld(0), jmp(bpf.Jset, 0x20, 0, 1), ret(1), ret(2)}, 1},
		{"ja", []bpf.Instruction{jmp(bpf.Ja, 1, 0, 0), ret(1), ret(2)}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := mustCompile(t, tc.prog).Run(d); got != tc.want {
				t.Errorf("Run = %#x, want %#x", got, tc.want)
			}
		})
	}
}

func TestLower(t *testing.T) {
	order := []uint32{bpf.RetKillProcess, bpf.RetKillThread, bpf.RetTrap | 5, bpf.RetErrno | 1,
		bpf.RetUserNotif, bpf.RetTrace, bpf.RetLog, bpf.RetAllow}
	for i := range order {
		for j := range order {
			if got, want := Lower(order[i], order[j]), i < j; got != want {
				t.Errorf("Lower(%#x, %#x) = %v, want %v", order[i], order[j], got, want)
			}
		}
	}
	if Lower(bpf.RetErrno|1, bpf.RetErrno|2) || Lower(bpf.RetErrno|2, bpf.RetErrno|1) {
		t.Error("data must not matter")
	}
}

func TestRunDoesNotAllocate(t *testing.T) {
	p, err := bpf.Allowlist(bpf.SyscallRules{0: nil, 1: {{bpf.Eq(1)}}, 9: {{nil, nil, bpf.MaskedEq(4, 0)}}}).Compile()
	if err != nil {
		t.Fatal(err)
	}
	prog := mustCompile(t, p)
	d := Data{Nr: 9, Arch: bpf.AuditArchX86_64}
	if n := testing.AllocsPerRun(100, func() { prog.Run(&d) }); n != 0 {
		t.Errorf("Run allocates %v times", n)
	}
}

// TestOpcodesAgainstKernel checks every opcode, with a range of k values,
// against the host kernel's seccomp checker.
func TestOpcodesAgainstKernel(t *testing.T) {
	o := hostOracle(t)
	if !o.kernelAccepts(t, []bpf.Instruction{ret(bpf.RetAllow)}) || o.kernelAccepts(t, []bpf.Instruction{ld(2), retA()}) {
		t.Fatal("the oracle does not tell a good program from a bad one")
	}
	ks := []uint32{0, 1, 3, 4, 15, 16, 31, 32, 60, 64, 0xffffffff}
	for op := 0; op < 0x200; op++ {
		for _, k := range ks {
			for _, prog := range [][]bpf.Instruction{
				{{Op: uint16(op), K: k}, ret(0)},
				{stmt(bpf.ClassLd|bpf.Imm, 7), stmt(bpf.ClassSt, k&15), stmt(bpf.ClassStx, k&15), {Op: uint16(op), K: k}, retA()},
			} {
				_, err := Compile(prog)
				if mine, kern := err == nil, o.kernelAccepts(t, prog); mine != kern {
					t.Errorf("op %#x k %#x: we accept: %v (%v), kernel accepts: %v", op, k, mine, err, kern)
				}
			}
		}
	}
}

// randProgram makes a random program, mostly of opcodes seccomp allows,
// with operands that are mostly in range. Programs leave M[15] alone.
func randProgram(r *rand.Rand) []bpf.Instruction {
	var ops []uint16
	for op := range seccompOps {
		ops = append(ops, op)
	}
	// Map iteration order is random; sort for reproducibility.
	for i := range ops {
		for j := i + 1; j < len(ops); j++ {
			if ops[j] < ops[i] {
				ops[i], ops[j] = ops[j], ops[i]
			}
		}
	}
	ops = append(ops, bpf.ClassAlu|bpf.Mod|bpf.K, bpf.ClassAlu|bpf.Mod|bpf.X)
	n := 1 + r.Intn(40)
	p := make([]bpf.Instruction, n)
	for i := 0; i < n-1; i++ {
		op := ops[r.Intn(len(ops))]
		if r.Intn(200) == 0 {
			op = uint16(r.Intn(0x100))
		}
		in := bpf.Instruction{Op: op}
		remaining := n - i - 1
		switch {
		case op == bpf.ClassLd|bpf.W|bpf.Abs:
			in.K = uint32(r.Intn(16)) * 4
			if r.Intn(50) == 0 {
				in.K = uint32(r.Intn(80))
			}
		case op&0xe0 == bpf.Mem || bpf.Class(op) == bpf.ClassSt || bpf.Class(op) == bpf.ClassStx:
			in.K = uint32(r.Intn(15))
			if r.Intn(50) == 0 {
				in.K = uint32(r.Intn(20))
			}
		case op == bpf.ClassJmp|bpf.Ja:
			in.K = uint32(r.Intn(remaining))
			if r.Intn(50) == 0 {
				in.K = uint32(r.Intn(remaining + 2))
			}
		case bpf.IsCondJump(op):
			in.Jt = uint8(r.Intn(min(remaining, 256)))
			in.Jf = uint8(r.Intn(min(remaining, 256)))
			if r.Intn(50) == 0 {
				in.Jt = uint8(r.Intn(min(remaining+2, 256)))
			}
			in.K = randValue(r)
		case op&0xf0 == bpf.Lsh || op&0xf0 == bpf.Rsh:
			in.K = uint32(r.Intn(34))
		default:
			in.K = randValue(r)
		}
		p[i] = in
	}
	if r.Intn(2) == 0 {
		p[n-1] = retA()
	} else {
		p[n-1] = ret(randAction(r))
	}
	if r.Intn(100) == 0 {
		p[n-1] = stmt(bpf.ClassLd|bpf.Imm, 1)
	}
	return p
}

func randValue(r *rand.Rand) uint32 {
	switch r.Intn(4) {
	case 0:
		return uint32(r.Intn(8))
	case 1:
		return randAction(r)
	}
	return r.Uint32()
}

func randAction(r *rand.Rand) uint32 {
	acts := []uint32{bpf.RetKillProcess, bpf.RetKillThread, bpf.RetTrap, bpf.RetErrno, bpf.RetUserNotif, bpf.RetTrace, bpf.RetLog, bpf.RetAllow}
	return acts[r.Intn(len(acts))] | uint32(r.Intn(0x10000))
}

func randArgs(r *rand.Rand) [6]uint64 {
	var a [6]uint64
	for i := range a {
		switch r.Intn(3) {
		case 0:
			a[i] = uint64(r.Intn(8))
		default:
			a[i] = r.Uint64()
		}
	}
	return a
}

// TestRandomAgainstKernel compares the checker and the interpreter with
// the host kernel on random programs.
func TestRandomAgainstKernel(t *testing.T) {
	o := hostOracle(t)
	r := rand.New(rand.NewSource(1))
	iters := 3000
	if testing.Short() {
		iters = 300
	}
	accepted := 0
	for i := 0; i < iters; i++ {
		p := randProgram(r)
		prog, err := Compile(p)
		if mine, kern := err == nil, o.kernelAccepts(t, p); mine != kern {
			t.Fatalf("we accept: %v (%v), kernel accepts: %v:\n%s", mine, err, kern, bpf.Disassemble(p, bpf.DisasmOptions{}))
		}
		if err != nil {
			continue
		}
		accepted++
		if accepted%3 != 0 { // running is slower than checking
			continue
		}
		args := randArgs(r)
		d := probeData(t, args)
		got, want := prog.Run(&d), kernelResult(t, p, args)
		if got != want {
			t.Fatalf("Run = %#x, kernel %#x for args %#x:\n%s", got, want, args, bpf.Disassemble(p, bpf.DisasmOptions{}))
		}
	}
	t.Logf("%d of %d random programs accepted", accepted, iters)
}

// TestConstResult checks ConstResult against Run.
func TestConstResult(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	for i := 0; i < 20000; i++ {
		p := randProgram(r)
		prog, err := Compile(p)
		if err != nil {
			continue
		}
		d := Data{Nr: int32(r.Intn(8)), Arch: bpf.AuditArchX86_64, InstructionPointer: r.Uint64(), Args: randArgs(r)}
		if c, ok := prog.ConstResult(d.Nr, d.Arch); ok {
			if got := prog.Run(&d); got != c {
				t.Fatalf("ConstResult = %#x, Run = %#x:\n%s", c, got, bpf.Disassemble(p, bpf.DisasmOptions{}))
			}
		}
	}
}

// TestStack checks the cached verdicts of random stacks of filters
// against running every filter, and the precedence rules.
func TestStack(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	for i := 0; i < 300; i++ {
		var s *Stack
		for j := 0; j < 1+r.Intn(4); j++ {
			var p []bpf.Instruction
			if r.Intn(2) == 0 {
				// Verdicts depending on nr only.
				p = []bpf.Instruction{ld(0), jmp(bpf.Jgt, uint32(r.Intn(8)), 0, 1), ret(randAction(r)), ret(randAction(r))}
			} else {
				p = randProgram(r)
			}
			prog, err := Compile(p)
			if err != nil {
				continue
			}
			s = s.Push(prog, r.Intn(2) == 0, bpf.AuditArchX86_64)
		}
		if s == nil {
			continue
		}
		for k := 0; k < 50; k++ {
			d := Data{Nr: int32(r.Intn(10)), Arch: bpf.AuditArchX86_64, InstructionPointer: r.Uint64(), Args: randArgs(r)}
			if k%10 == 0 {
				d.Arch = bpf.AuditArchI386
			}
			got, _ := s.Run(&d)
			want, _ := s.RunAll(&d)
			if got != want {
				t.Fatalf("cached %#x, uncached %#x", got, want)
			}
		}
	}

	allow := mustCompile(t, []bpf.Instruction{ret(bpf.RetAllow)})
	e1 := mustCompile(t, []bpf.Instruction{ret(bpf.RetErrno | 1)})
	e2 := mustCompile(t, []bpf.Instruction{ret(bpf.RetErrno | 2)})
	trap := mustCompile(t, []bpf.Instruction{ret(bpf.RetTrap | 3)})
	s := (*Stack)(nil).Push(e1, false, bpf.AuditArchX86_64)
	s = s.Push(e2, true, bpf.AuditArchX86_64)
	d := Data{Nr: 1000, Arch: bpf.AuditArchX86_64}
	if got, log := s.Run(&d); got != bpf.RetErrno|2 || !log {
		t.Errorf("tie: got %#x log %v, want the newest, ERRNO(2) logged", got, log)
	}
	s2 := s.Push(allow, false, bpf.AuditArchX86_64).Push(trap, false, bpf.AuditArchX86_64)
	if got, _ := s2.Run(&d); got != bpf.RetTrap|3 {
		t.Errorf("got %#x, want TRAP(3)", got)
	}
	if !s2.Contains(s) || s.Contains(s2) || !s.Contains(s) || s.Contains(nil) {
		t.Error("Contains")
	}
	if got := s2.Instructions(); got != 4+3*4 {
		t.Errorf("Instructions = %d, want 16", got)
	}
}

// BenchmarkRun measures one filter run for a call whose verdict depends
// on its arguments (so the stack's cache cannot answer), and a cached one.
func BenchmarkRun(b *testing.B) {
	rules := bpf.SyscallRules{}
	for nr := uint32(0); nr < 300; nr += 3 {
		rules[nr] = nil
	}
	rules[9] = []bpf.Rule{{nil, nil, bpf.MaskedEq(4, 0)}}
	rules[16] = []bpf.Rule{{nil, bpf.Eq(0x5401)}, {nil, bpf.Eq(0x5402)}, {nil, bpf.Eq(0x541b)}}
	p, err := bpf.Allowlist(rules).Compile()
	if err != nil {
		b.Fatal(err)
	}
	s := (*Stack)(nil).Push(mustCompile(b, p), false, bpf.AuditArchX86_64)
	b.Run("args", func(b *testing.B) {
		d := Data{Nr: 16, Arch: bpf.AuditArchX86_64, Args: [6]uint64{1, 0x541b}}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			s.Run(&d)
		}
	})
	b.Run("cached", func(b *testing.B) {
		d := Data{Nr: 39, Arch: bpf.AuditArchX86_64}
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			s.Run(&d)
		}
	})
	b.Logf("%d instructions", len(p))
}
