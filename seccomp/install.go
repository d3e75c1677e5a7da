package seccomp

import (
	"fmt"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/seccomp/bpf"
)

// Install makes prog the seccomp filter of every thread of the calling
// process, and of every thread and child they create afterwards. It sets
// no_new_privs first (which seccomp requires of a process without
// CAP_SYS_ADMIN, and which the sandbox wants anyway), then installs the
// filter with SECCOMP_FILTER_FLAG_TSYNC so that all threads of the Go
// runtime get it at once. Filters cannot be removed.
//
// Call it as late as possible during setup and before running anything
// untrusted: once it returns, a call outside prog kills the process.
func Install(prog []bpf.Instruction) error {
	if len(prog) == 0 || len(prog) > bpf.MaxInstructions {
		return fmt.Errorf("seccomp: program of %d instructions", len(prog))
	}
	raw := make([]unix.SockFilter, len(prog))
	for i, in := range prog {
		raw[i] = unix.SockFilter{Code: in.Op, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	fprog := unix.SockFprog{Len: uint16(len(raw)), Filter: &raw[0]}

	// Lazy initialisations of the standard library that open host files
	// must happen before: time.Local reads /etc/localtime (or $TZ) the
	// first time a local time is formatted, as the first log line does.
	_, _ = time.Now().Zone()

	// Both calls act on the calling thread; TSYNC spreads the filter
	// and no_new_privs to the others.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("seccomp: PR_SET_NO_NEW_PRIVS: %w", err)
	}
	r, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER,
		unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&fprog)))
	runtime.KeepAlive(raw)
	if errno != 0 {
		return fmt.Errorf("seccomp: SECCOMP_SET_MODE_FILTER: %w", errno)
	}
	if r != 0 {
		return fmt.Errorf("seccomp: thread %d cannot take the filter (it has another one)", r)
	}
	return nil
}
