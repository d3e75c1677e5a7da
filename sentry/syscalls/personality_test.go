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

func TestUnameRelease(t *testing.T) {
	for _, tc := range []struct {
		persona uint32
		release string
		want    string
	}{
		{0, "6.6.0-moat", "6.6.0-moat"},
		{uname26, "6.6.0-moat", "2.6.66-moat"},
		{uname26, "6.18.44-fc-v782", "2.6.78-fc-v782"},
		{uname26 | 0x0008, "5.15.0", "2.6.75"},
		{uname26, "4.19.1.2-x", "2.6.79.2-x"},
	} {
		if got := unameRelease(tc.persona, tc.release); got != tc.want {
			t.Errorf("unameRelease(%#x, %q) = %q, want %q", tc.persona, tc.release, got, tc.want)
		}
	}
}
