package kernel

import "testing"

func TestChildIOContext(t *testing.T) {
	const be3, none = 2<<13 | 3, 0
	for _, tc := range []struct {
		name      string
		set       bool
		prio      uint16
		share     bool
		wantChild uint16
		shared    bool
	}{
		{"never set", false, 0, false, 0, false},
		{"never set, CLONE_IO", false, 0, true, 0, false},
		{"copied", true, be3, false, be3, false},
		{"none is not copied", true, none, false, 0, false},
		{"shared", true, be3, true, be3, true},
		{"shared none", true, none, true, 0, true},
	} {
		parent := &Task{}
		if tc.set {
			parent.SetIOPrio(tc.prio)
		}
		child := &Task{}
		child.ioCtx.Store(parent.childIOContext(tc.share))
		if got := child.IOPrio(); got != tc.wantChild {
			t.Errorf("%s: child IOPrio() = %#x, want %#x", tc.name, got, tc.wantChild)
		}
		child.SetIOPrio(3<<13 | 1)
		if shared := parent.IOPrio() == 3<<13|1; shared != tc.shared {
			t.Errorf("%s: parent sees the child's change: %v, want %v", tc.name, shared, tc.shared)
		}
	}
}
