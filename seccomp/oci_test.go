package seccomp_test

import (
	"github.com/moat-dev/moat/seccomp"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/seccomp/bpf"
	"github.com/moat-dev/moat/seccomp/interp"
)

func uptr(u uint) *uint { return &u }

func TestOCIFilter(t *testing.T) {
	// In the style of Docker's default profile.
	profile := &specs.LinuxSeccomp{
		DefaultAction:   specs.ActErrno,
		DefaultErrnoRet: uptr(uint(unix.EPERM)),
		Architectures:   []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32},
		Flags:           []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog},
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"read", "write", "exit_group", "no_such_syscall", "fchmodat2"}, Action: specs.ActAllow},
			{Names: []string{"personality"}, Action: specs.ActAllow,
				Args: []specs.LinuxSeccompArg{{Index: 0, Value: 0, Op: specs.OpEqualTo}}},
			{Names: []string{"personality"}, Action: specs.ActAllow,
				Args: []specs.LinuxSeccompArg{{Index: 0, Value: 0xffffffff, Op: specs.OpEqualTo}}},
			{Names: []string{"clone"}, Action: specs.ActAllow,
				Args: []specs.LinuxSeccompArg{{Index: 0, Value: unix.CLONE_NEWNS | unix.CLONE_NEWUSER, Op: specs.OpMaskedEqual}}},
			{Names: []string{"socket"}, Action: specs.ActErrno, ErrnoRet: uptr(uint(unix.EAFNOSUPPORT)),
				Args: []specs.LinuxSeccompArg{{Index: 0, Value: unix.AF_VSOCK, Op: specs.OpEqualTo}}},
			{Names: []string{"socket"}, Action: specs.ActAllow},
			{Names: []string{"kill"}, Action: specs.ActKill},
			{Names: []string{"tkill"}, Action: specs.ActKillProcess},
			{Names: []string{"getppid"}, Action: specs.ActTrap},
			{Names: []string{"getpid"}, Action: specs.ActLog},
			{Names: []string{"getuid"}, Action: specs.ActTrace},
			{Names: []string{"setuid"}, Action: specs.ActAllow,
				Args: []specs.LinuxSeccompArg{{Index: 0, Value: 1000, Op: specs.OpGreaterEqual}, {Index: 1, Value: 5, Op: specs.OpLessThan}}},
			{Names: []string{"setgid"}, Action: specs.ActAllow,
				Args: []specs.LinuxSeccompArg{{Index: 0, Value: 7, Op: specs.OpNotEqual}}},
		},
	}
	prog, flags, err := seccomp.OCIFilter(profile)
	if err != nil {
		t.Fatal(err)
	}
	if flags != unix.SECCOMP_FILTER_FLAG_LOG {
		t.Errorf("flags = %#x", flags)
	}
	p, err := interp.Compile(prog)
	if err != nil {
		t.Fatal(err)
	}
	eperm, enosys := bpf.Errno(uint16(unix.EPERM)), bpf.Errno(uint16(unix.ENOSYS))
	for _, tc := range []struct {
		nr   uint32
		args []uint64
		want bpf.Action
	}{
		{unix.SYS_READ, nil, bpf.Allow},
		{unix.SYS_OPENAT, nil, eperm},
		{452, nil, bpf.Allow},
		{unix.SYS_PERSONALITY, []uint64{0}, bpf.Allow},
		{unix.SYS_PERSONALITY, []uint64{0xffffffff}, bpf.Allow},
		{unix.SYS_PERSONALITY, []uint64{8}, eperm},
		{unix.SYS_CLONE, []uint64{uint64(unix.SIGCHLD)}, bpf.Allow},
		{unix.SYS_CLONE, []uint64{unix.CLONE_NEWUSER}, eperm},
		{unix.SYS_SOCKET, []uint64{unix.AF_VSOCK}, bpf.Errno(uint16(unix.EAFNOSUPPORT))},
		{unix.SYS_SOCKET, []uint64{unix.AF_INET}, bpf.Allow},
		{unix.SYS_KILL, nil, bpf.KillThread},
		{unix.SYS_TKILL, nil, bpf.KillProcess},
		{unix.SYS_GETPPID, nil, bpf.Trap(0)},
		{unix.SYS_GETPID, nil, bpf.Log},
		{unix.SYS_GETUID, nil, bpf.Trace(uint16(unix.EPERM))},
		{unix.SYS_SETUID, []uint64{1000, 4}, bpf.Allow},
		{unix.SYS_SETUID, []uint64{999, 4}, eperm},
		{unix.SYS_SETUID, []uint64{1000, 5}, eperm},
		{unix.SYS_SETGID, []uint64{7}, eperm},
		{unix.SYS_SETGID, []uint64{8}, bpf.Allow},
		{unix.SYS_READ | bpf.X32SyscallBit, nil, enosys},
	} {
		d := interp.Data{Nr: int32(tc.nr), Arch: bpf.AuditArchX86_64}
		copy(d.Args[:], tc.args)
		if got := bpf.Action(p.Run(&d)); got != tc.want {
			t.Errorf("%s(%#x): %v, want %v", seccomp.SyscallName(tc.nr&^bpf.X32SyscallBit), tc.args, got, tc.want)
		}
	}
}

func TestOCIFilterErrors(t *testing.T) {
	for name, s := range map[string]*specs.LinuxSeccomp{
		"nil":              nil,
		"notify":           {DefaultAction: specs.ActNotify},
		"listener":         {DefaultAction: specs.ActAllow, ListenerPath: "/run/x.sock"},
		"unknown action":   {DefaultAction: "SCMP_ACT_WHATEVER"},
		"unknown flag":     {DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_NOPE"}},
		"big errno":        {DefaultAction: specs.ActErrno, DefaultErrnoRet: uptr(70000)},
		"arg index":        {DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 6, Op: specs.OpEqualTo}}}}},
		"unknown operator": {DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 0, Op: "SCMP_CMP_SOMETIMES"}}}}},
		"same arg twice": {DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActAllow,
			Args: []specs.LinuxSeccompArg{{Index: 0, Op: specs.OpEqualTo}, {Index: 0, Op: specs.OpNotEqual}}}}},
	} {
		if _, _, err := seccomp.OCIFilter(s); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestSyscallNames(t *testing.T) {
	for name, nr := range map[string]uint32{"read": 0, "openat": 257, "seccomp": 317, "fchmodat2": 452} {
		if got, ok := seccomp.SyscallNumber(name); !ok || got != nr {
			t.Errorf("seccomp.SyscallNumber(%q) = %d, %v", name, got, ok)
		}
		if got := seccomp.SyscallName(nr); got != name {
			t.Errorf("seccomp.SyscallName(%d) = %q", nr, got)
		}
	}
	if _, ok := seccomp.SyscallNumber("nope"); ok {
		t.Error("seccomp.SyscallNumber(nope) succeeded")
	}
}
