package abi

import "testing"

func TestSyscallNames(t *testing.T) {
	for _, tc := range []struct {
		nr   int
		name string
	}{
		{SysRead, "read"},
		{SysWrite, "write"},
		{SysRtSigaction, "rt_sigaction"},
		{SysExitGroup, "exit_group"},
		{SysClone3, "clone3"},
		{SysSysctl, "_sysctl"},
		{SysNewfstatat, "newfstatat"},
		{SysArchPrctl, "arch_prctl"},
	} {
		if got := SyscallNames[tc.nr]; got != tc.name {
			t.Errorf("SyscallNames[%d] = %q, want %q", tc.nr, got, tc.name)
		}
	}
	if SysRead != 0 || SysExitGroup != 231 || SysClone3 != 435 {
		t.Errorf("unexpected numbers: read=%d exit_group=%d clone3=%d", SysRead, SysExitGroup, SysClone3)
	}
	if SyscallNames[SyscallCount-1] == "" {
		t.Errorf("SyscallCount-1 = %d has no name", SyscallCount-1)
	}
	// 335..423 is the hole between rseq (334) and pidfd_send_signal (424)
	// on amd64.
	if SyscallNames[400] != "" {
		t.Errorf("SyscallNames[400] = %q, want hole", SyscallNames[400])
	}
}
