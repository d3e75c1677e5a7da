package usertrap

import "testing"

func TestClassify(t *testing.T) {
	// code is the 14 bytes from 8 before a syscall instruction's end.
	site := func(b ...byte) (c [14]byte) {
		copy(c[:], b)
		return c
	}
	tests := []struct {
		name string
		code [14]byte
		nr   uint64
		kind kind
		back uint64
		ok   bool
	}{
		{"mov", site(0x90, 0xb8, 39, 0, 0, 0, 0x0f, 0x05), 39, movSite, 7, true},
		{"mov of another number", site(0x90, 0xb8, 39, 0, 0, 0, 0x0f, 0x05), 40, 0, 0, false},
		{"mov to r8d", site(0x41, 0xb8, 39, 0, 0, 0, 0x0f, 0x05), 39, 0, 0, false},
		{"syscall(2)", site(0xc3, 0x4c, 0x8b, 0x4c, 0x24, 0x08, 0x0f, 0x05), 202, fnSite, 7, true},
		{"read", site(0x89, 0x7c, 0x24, 0x08, 0x31, 0xc0, 0x0f, 0x05, 0x48, 0x3d, 0x00, 0xf0, 0xff, 0xff), 0,
			readSite, 4, true},
		{"read without the compare", site(0, 0, 0, 0, 0x31, 0xc0, 0x0f, 0x05, 0x48, 0x85, 0xc0), 0, 0, 0, false},
		{"xor site of another number", site(0, 0, 0, 0, 0x31, 0xc0, 0x0f, 0x05, 0x48, 0x3d, 0x00, 0xf0, 0xff,
			0xff), 1, 0, 0, false},
		{"no syscall instruction", site(0x90, 0xb8, 39, 0, 0, 0, 0x0f, 0x34), 39, 0, 0, false},
	}
	for _, tt := range tests {
		k, back, ok := classify(tt.code, tt.nr)
		if ok != tt.ok || ok && (k != tt.kind || back != tt.back) {
			t.Errorf("%s: classify = %v, %d, %v; want %v, %d, %v", tt.name, k, back, ok, tt.kind, tt.back, tt.ok)
		}
	}
}

func TestTorn(t *testing.T) {
	// Entry 1 is at 0x60040: a patched site reads ff 24 25 40 00 06 00,
	// so the mov's immediate went from the number to 24 25 40 00.
	p := patched{kind: movSite, nr: 39, entry: 1}
	tests := []struct {
		rax  uint64
		torn bool
	}{
		{0x00002527, true},    // first two bytes new
		{0x00402524, true},    // all new
		{0x00000024, true},    // first byte new
		{0x00000027, true},    // all old (the same as the number)
		{0x0000006e, false},   // another call (getppid)
		{0x000000db, false},   // restart_syscall
		{1<<32 | 0x27, false}, // not a 32-bit mov's
	}
	for _, tt := range tests {
		if got := torn(tt.rax, p); got != tt.torn {
			t.Errorf("torn(%#x) = %v, want %v", tt.rax, got, tt.torn)
		}
	}
}
