package interp

import (
	"encoding/binary"
	"os"
	"testing"

	"github.com/moat-dev/moat/seccomp/bpf"
)

// dataFrom decodes struct seccomp_data from up to 64 bytes (missing
// bytes are zero).
func dataFrom(b []byte) Data {
	var buf [bpf.SeccompDataSize]byte
	copy(buf[:], b)
	le := binary.LittleEndian
	d := Data{
		Nr:                 int32(le.Uint32(buf[0:])),
		Arch:               le.Uint32(buf[4:]),
		InstructionPointer: le.Uint64(buf[8:]),
	}
	for i := range d.Args {
		d.Args[i] = le.Uint64(buf[16+8*i:])
	}
	return d
}

// FuzzCompileRun feeds arbitrary programs to the checker and runs the ones
// it accepts on arbitrary seccomp_data. It checks that nothing panics,
// that ConstResult agrees with Run, and, where the host kernel can serve
// as an oracle (MOAT_FUZZ_ORACLE=1, as root or with seccomp available),
// that the kernel accepts exactly the programs Compile accepts.
//
//	go test ./seccomp/interp -run '^$' -fuzz FuzzCompileRun -fuzztime 60s
func FuzzCompileRun(f *testing.F) {
	f.Add(bpf.Marshal([]bpf.Instruction{ret(bpf.RetAllow)}), []byte{})
	f.Fuzz(func(t *testing.T, progBytes, dataBytes []byte) {
		progBytes = progBytes[:len(progBytes)/bpf.InstructionSize*bpf.InstructionSize]
		p, err := bpf.Unmarshal(progBytes)
		if err != nil {
			t.Fatal(err)
		}
		prog, err := Compile(p)
		_ = bpf.Disassemble(p, bpf.DisasmOptions{SyscallName: func(uint32) string { return "x" }})
		if os.Getenv("MOAT_FUZZ_ORACLE") == "1" && len(p) > 0 && len(p) <= bpf.MaxInstructions {
			if kern := hostOracle(t).kernelAccepts(t, p); kern != (err == nil) {
				t.Fatalf("we accept: %v (%v), kernel accepts: %v", err == nil, err, kern)
			}
		}
		if err != nil {
			return
		}
		d := dataFrom(dataBytes)
		got := prog.Run(&d)
		if again := prog.Run(&d); again != got {
			t.Fatalf("Run is not deterministic: %#x then %#x", got, again)
		}
		if c, ok := prog.ConstResult(d.Nr, d.Arch); ok && c != got {
			t.Fatalf("ConstResult = %#x, Run = %#x", c, got)
		}
	})
}
