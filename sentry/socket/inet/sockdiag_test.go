package inet

import (
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"
)

// hostCondOp builds an INET_DIAG_BC_S_COND or D_COND operation that ends
// the program on a match and rejects otherwise.
func hostCondOp(code byte, family, prefix int, port int32, addr []byte) []byte {
	n := 12 + len(addr)
	op := []byte{code, byte(n), 0, 0, byte(family), byte(prefix), 0, 0, 0, 0, 0, 0}
	binary.LittleEndian.PutUint16(op[2:], uint16(n+4))
	binary.LittleEndian.PutUint32(op[8:], uint32(port))
	return append(op, addr...)
}

func TestDiagHostCond(t *testing.T) {
	v4 := &diagEntry{family: unix.AF_INET, saddr: []byte{10, 1, 2, 3}, daddr: []byte{127, 0, 0, 1}, sport: 80, dport: 5000}
	mapped := &diagEntry{family: unix.AF_INET6, saddr: append(make([]byte, 10), 0xff, 0xff, 10, 1, 2, 3), daddr: make([]byte, 16), sport: 80}
	for _, tc := range []struct {
		name string
		prog []byte
		e    *diagEntry
		want bool
	}{
		{"src /8", hostCondOp(bcSCond, unix.AF_INET, 8, -1, []byte{10, 0, 0, 0}), v4, true},
		{"src /16 other", hostCondOp(bcSCond, unix.AF_INET, 16, -1, []byte{10, 2, 0, 0}), v4, false},
		{"src /12 bits", hostCondOp(bcSCond, unix.AF_INET, 12, -1, []byte{10, 15, 0, 0}), v4, true},
		{"src /15 bits", hostCondOp(bcSCond, unix.AF_INET, 15, -1, []byte{10, 0, 0, 0}), v4, true},
		{"src /16 bits", hostCondOp(bcSCond, unix.AF_INET, 16, -1, []byte{10, 0, 0, 0}), v4, false},
		{"src port", hostCondOp(bcSCond, unix.AF_UNSPEC, 0, 80, nil), v4, true},
		{"dst port", hostCondOp(bcDCond, unix.AF_UNSPEC, 0, 80, nil), v4, false},
		{"dst addr", hostCondOp(bcDCond, unix.AF_INET, 32, 5000, []byte{127, 0, 0, 1}), v4, true},
		{"v4 cond on mapped", hostCondOp(bcSCond, unix.AF_INET, 24, -1, []byte{10, 1, 2, 0}), mapped, true},
		{"v6 cond on v4", hostCondOp(bcSCond, unix.AF_INET6, 0, -1, make([]byte, 16)), v4, false},
	} {
		if err := auditDiagProgram(tc.prog); err != 0 {
			t.Errorf("%s: audit: %v", tc.name, err)
			continue
		}
		if got := runDiagProgram(tc.prog, tc.e); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestDiagAudit(t *testing.T) {
	for _, tc := range []struct {
		name string
		prog []byte
		ok   bool
	}{
		{"nop", []byte{bcNop, 4, 0, 0}, true},
		{"jump to end+4", []byte{bcJmp, 4, 8, 0}, true},
		{"jump past end+4", []byte{bcJmp, 4, 12, 0}, false},
		{"unaligned", []byte{bcJmp, 4, 6, 0}, false},
		{"short port op", []byte{bcSGE, 4, 8, 0}, false},
		{"unknown op", []byte{99, 4, 8, 0}, false},
		{"jump into operand", []byte{bcSGE, 8, 4, 0, 0, 0, 80, 0, bcNop, 4, 0, 0}, false},
		{"bad prefix", hostCondOp(bcSCond, unix.AF_INET, 33, -1, []byte{1, 2, 3, 4}), false},
	} {
		if got := auditDiagProgram(tc.prog) == 0; got != tc.ok {
			t.Errorf("%s: accepted %v, want %v", tc.name, got, tc.ok)
		}
	}
}
