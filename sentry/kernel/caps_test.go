package kernel

import "testing"

func TestCapabilitySet(t *testing.T) {
	for _, tc := range []struct {
		names []string
		want  uint64
		err   bool
	}{
		{nil, 0, false},
		{[]string{"CAP_CHOWN"}, 1 << 0, false},
		{[]string{"CAP_CHOWN", "CAP_KILL", "CAP_SYS_ADMIN"}, 1<<0 | 1<<5 | 1<<21, false},
		{[]string{"cap_net_raw", "SETUID"}, 1<<13 | 1<<7, false},
		{[]string{"CAP_CHECKPOINT_RESTORE"}, 1 << 40, false},
		{[]string{"CAP_CHOWN", "CAP_NOPE"}, 0, true},
		{[]string{""}, 0, true},
	} {
		got, err := CapabilitySet(tc.names)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("CapabilitySet(%q) = %#x, %v; want %#x, error %v", tc.names, got, err, tc.want, tc.err)
		}
	}
}

func TestCredsForExec(t *testing.T) {
	const chown, kill, setuid = 1 << 0, 1 << 5, 1 << 7
	for _, tc := range []struct {
		name           string
		in             Creds
		wantP, wantE   uint64
		wantAmb        uint64
		wantKeepCapsOn bool
	}{
		{"root gets bounding", Creds{CapBounding: chown | kill, CapPermitted: AllCaps, CapEffective: AllCaps, KeepCaps: true}, chown | kill, chown | kill, 0, false},
		{"root gets inheritable too", Creds{CapBounding: chown, CapInheritable: kill}, chown | kill, chown | kill, 0, false},
		{"root with nothing", Creds{}, 0, 0, 0, false},
		{"setuid root: real uid 0, not effective", Creds{EffectiveUID: 1000, FSUID: 1000, CapBounding: chown}, chown, 0, 0, false},
		{"user loses permitted", Creds{RealUID: 1000, EffectiveUID: 1000, CapBounding: AllCaps, CapPermitted: chown, CapEffective: chown}, 0, 0, 0, false},
		{"user keeps ambient", Creds{RealUID: 1000, EffectiveUID: 1000, CapBounding: AllCaps, CapPermitted: chown | kill, CapInheritable: chown | kill, CapAmbient: kill}, kill, kill, kill, false},
		{"ambient outside inheritable is dropped", Creds{RealUID: 1, EffectiveUID: 1, CapPermitted: setuid, CapAmbient: setuid}, 0, 0, 0, false},
	} {
		in := tc.in
		got := in.ForExec()
		if got.CapPermitted != tc.wantP || got.CapEffective != tc.wantE || got.CapAmbient != tc.wantAmb || got.KeepCaps {
			t.Errorf("%s: P %#x E %#x A %#x keepcaps %v; want P %#x E %#x A %#x", tc.name,
				got.CapPermitted, got.CapEffective, got.CapAmbient, got.KeepCaps, tc.wantP, tc.wantE, tc.wantAmb)
		}
		if got.CapBounding != in.CapBounding || got.CapInheritable != in.CapInheritable {
			t.Errorf("%s: bounding or inheritable changed", tc.name)
		}
	}
}
