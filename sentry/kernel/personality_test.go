package kernel

import "testing"

func TestExecPersonality(t *testing.T) {
	const wholeSeconds = 0x2000000
	for _, tc := range []struct {
		in    uint32
		setID bool
		want  uint32
	}{
		{0, false, 0},
		{PerReadImpliesExec, false, 0},
		{PerAddrNoRandomize | PerReadImpliesExec | wholeSeconds, false, PerAddrNoRandomize | wholeSeconds},
		{PerAddrNoRandomize | wholeSeconds, true, wholeSeconds},
		{perClearOnSetID | 0x0008, true, 0x0008},
		{perAddrCompatLayout | perMmapPageZero, false, perAddrCompatLayout | perMmapPageZero},
	} {
		if got := execPersonality(tc.in, tc.setID); got != tc.want {
			t.Errorf("execPersonality(%#x, %v) = %#x, want %#x", tc.in, tc.setID, got, tc.want)
		}
	}
}
