package memstat

import "testing"

func TestLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    uint64
		kB   bool
		want string
	}{
		{"MemTotal", 24683620, true, "MemTotal:       24683620 kB\n"},
		{"Buffers", 8192, true, "Buffers:            8192 kB\n"},
		{"Active(anon)", 1548, true, "Active(anon):       1548 kB\n"},
		{"VmallocTotal", 34359738367, true, "VmallocTotal:   34359738367 kB\n"},
		{"HugePages_Total", 0, false, "HugePages_Total:       0\n"},
	} {
		if got := Line(tc.name, tc.v, tc.kB); got != tc.want {
			t.Errorf("Line(%q, %d, %v) = %q, want %q", tc.name, tc.v, tc.kB, got, tc.want)
		}
	}
}

func TestHost(t *testing.T) {
	m, err := Host()
	if err != nil {
		t.Fatal(err)
	}
	if m.Total == 0 || m.Free > m.Total || m.SwapFree > m.SwapTotal {
		t.Errorf("implausible figures: %+v", m)
	}
}
