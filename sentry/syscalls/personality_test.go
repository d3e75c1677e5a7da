package syscalls

import "testing"

func TestUnameMachine(t *testing.T) {
	for _, tc := range []struct {
		persona uint32
		want    string
	}{
		{0, "x86_64"},
		{0x0008, "i686"},
		{0x0008 | 0x0040000, "i686"},
		{0x0040000, "x86_64"},
		{0x0108, "i686"},
		{0x0009, "x86_64"},
	} {
		if got := unameMachine(tc.persona); got != tc.want {
			t.Errorf("unameMachine(%#x) = %q, want %q", tc.persona, got, tc.want)
		}
	}
}
