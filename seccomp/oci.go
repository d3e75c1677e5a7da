package seccomp

import (
	"fmt"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/seccomp/bpf"
	"github.com/moat-dev/moat/sentry/abi"
)

// OCIFilter compiles the seccomp profile of an OCI spec (linux.seccomp)
// into a program for the sentry's interpreter: the container's init
// process gets it as if it had called seccomp(2) itself, and its
// children inherit it. It also returns the SECCOMP_FILTER_FLAG_* flags
// the profile asks for.
//
// It follows runc: SCMP_ACT_KILL is KILL_THREAD; ERRNO and TRACE return
// errnoRet, EPERM if unset; syscall names this kernel does not know are
// skipped. Entries are tried in order and the first whose arguments
// match decides. Calls of other architectures cannot reach the sentry;
// x32 calls get ENOSYS, as the sentry gives them anyway. SCMP_ACT_NOTIFY
// (user notification) is not supported.
func OCIFilter(s *specs.LinuxSeccomp) (prog []bpf.Instruction, flags uint32, err error) {
	if s == nil {
		return nil, 0, fmt.Errorf("seccomp: no profile")
	}
	if s.ListenerPath != "" {
		return nil, 0, fmt.Errorf("seccomp: listenerPath: user notification is not supported")
	}
	for _, f := range s.Flags {
		switch f {
		case specs.LinuxSeccompFlagLog:
			flags |= unix.SECCOMP_FILTER_FLAG_LOG
		case specs.LinuxSeccompFlagSpecAllow:
			flags |= unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW
		default:
			return nil, 0, fmt.Errorf("seccomp: flag %q is not supported", f)
		}
	}
	def, err := ociAction(s.DefaultAction, s.DefaultErrnoRet)
	if err != nil {
		return nil, 0, fmt.Errorf("seccomp: defaultAction: %w", err)
	}
	pol := bpf.Policy{Default: def, BadArch: bpf.Errno(uint16(unix.ENOSYS))}
	for i, sc := range s.Syscalls {
		act, err := ociAction(sc.Action, sc.ErrnoRet)
		if err != nil {
			return nil, 0, fmt.Errorf("seccomp: syscalls[%d]: %w", i, err)
		}
		var rule bpf.Rule
		for _, a := range sc.Args {
			if a.Index >= uint(len(rule)) {
				return nil, 0, fmt.Errorf("seccomp: syscalls[%d]: argument index %d", i, a.Index)
			}
			if rule[a.Index] != nil {
				return nil, 0, fmt.Errorf("seccomp: syscalls[%d]: two checks of argument %d", i, a.Index)
			}
			if rule[a.Index], err = ociMatcher(a); err != nil {
				return nil, 0, fmt.Errorf("seccomp: syscalls[%d]: %w", i, err)
			}
		}
		rules := bpf.SyscallRules{}
		for _, name := range sc.Names {
			nr, ok := SyscallNumber(name)
			if !ok {
				continue
			}
			if len(sc.Args) == 0 {
				rules[nr] = nil
			} else {
				rules[nr] = []bpf.Rule{rule}
			}
		}
		if len(rules) > 0 {
			pol.Sections = append(pol.Sections, bpf.Section{Rules: rules, Action: act})
		}
	}
	prog, err = pol.Compile()
	if err != nil {
		return nil, 0, fmt.Errorf("seccomp: %w", err)
	}
	return prog, flags, nil
}

func ociAction(a specs.LinuxSeccompAction, errnoRet *uint) (bpf.Action, error) {
	ret := uint(unix.EPERM)
	if errnoRet != nil {
		ret = *errnoRet
	}
	if ret > 0xffff {
		return 0, fmt.Errorf("errnoRet %d does not fit in 16 bits", ret)
	}
	switch a {
	case specs.ActKill, specs.ActKillThread:
		return bpf.KillThread, nil
	case specs.ActKillProcess:
		return bpf.KillProcess, nil
	case specs.ActTrap:
		return bpf.Trap(0), nil
	case specs.ActErrno:
		return bpf.Errno(uint16(ret)), nil
	case specs.ActTrace:
		return bpf.Trace(uint16(ret)), nil
	case specs.ActAllow:
		return bpf.Allow, nil
	case specs.ActLog:
		return bpf.Log, nil
	case specs.ActNotify:
		return 0, fmt.Errorf("action %s: user notification is not supported", a)
	}
	return 0, fmt.Errorf("unknown action %q", a)
}

func ociMatcher(a specs.LinuxSeccompArg) (bpf.Matcher, error) {
	switch a.Op {
	case specs.OpEqualTo:
		return bpf.Eq(a.Value), nil
	case specs.OpNotEqual:
		return bpf.Ne(a.Value), nil
	case specs.OpLessThan:
		return bpf.Lt(a.Value), nil
	case specs.OpLessEqual:
		return bpf.Le(a.Value), nil
	case specs.OpGreaterThan:
		return bpf.Gt(a.Value), nil
	case specs.OpGreaterEqual:
		return bpf.Ge(a.Value), nil
	case specs.OpMaskedEqual:
		return bpf.MaskedEq(a.Value, a.ValueTwo), nil
	}
	return nil, fmt.Errorf("unknown operator %q", a.Op)
}

// syscallNumbers maps names to numbers, built on first use: only an OCI
// profile needs it, and building it cost every runsc process at start-up.
var syscallNumbers = sync.OnceValue(func() map[string]uint32 {
	m := make(map[string]uint32, len(abi.SyscallNames))
	for nr, name := range abi.SyscallNames {
		if name != "" {
			m[name] = uint32(nr)
		}
	}
	return m
})

// SyscallNumber returns the amd64 number of a syscall name.
func SyscallNumber(name string) (uint32, bool) {
	nr, ok := syscallNumbers()[name]
	return nr, ok
}

// SyscallName returns the name of an amd64 syscall number, or
// "syscall_N".
func SyscallName(nr uint32) string {
	if int(nr) < len(abi.SyscallNames) && abi.SyscallNames[nr] != "" {
		return abi.SyscallNames[nr]
	}
	return fmt.Sprintf("syscall_%d", nr)
}
