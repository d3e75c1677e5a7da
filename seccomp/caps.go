package seccomp

import (
	"fmt"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// SentryCapabilities returns the capabilities the sentry keeps once it
// is set up: none on systrap; the ptrace platform attaches to its stub
// processes, which are not dumpable, and so needs CAP_SYS_PTRACE.
func SentryCapabilities(platform string) []int {
	if platform == "ptrace" {
		return []int{unix.CAP_SYS_PTRACE}
	}
	return nil
}

// GoferCapabilities returns the capabilities the gofer keeps once it is
// confined: what its file operations need to act on files of any owner
// (chown, chmod, utimes, mknod; a read-only gofer only reads and
// searches). Everything else, CAP_SYS_ADMIN and CAP_SYS_CHROOT among
// them, goes.
func GoferCapabilities(readonly bool) []int {
	if readonly {
		return []int{unix.CAP_DAC_OVERRIDE, unix.CAP_DAC_READ_SEARCH}
	}
	return []int{
		unix.CAP_CHOWN, unix.CAP_DAC_OVERRIDE, unix.CAP_DAC_READ_SEARCH,
		unix.CAP_FOWNER, unix.CAP_FSETID, unix.CAP_MKNOD,
	}
}

// LimitCapabilities reduces every thread of the calling process to the
// capabilities in keep (DESIGN.md, security layers): they stay
// permitted and effective, nothing is inheritable or ambient, and the
// bounding set loses the rest, so that no later exec could regain them.
// Capability sets are per thread in Linux, hence AllThreadsSyscall
// (which needs a cgo-free binary, as runsc is). Call it before Install:
// the filters do not allow capset or prctl(PR_CAPBSET_DROP).
func LimitCapabilities(keep []int) error {
	var mask [2]uint32
	for _, c := range keep {
		if c < 0 || c > unix.CAP_LAST_CAP {
			return fmt.Errorf("capabilities: no capability %d", c)
		}
		mask[c/32] |= 1 << (c % 32)
	}
	if ambientSet() {
		if _, _, errno := syscall.AllThreadsSyscall6(unix.SYS_PRCTL, unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0, 0); errno != 0 && errno != unix.EINVAL {
			return fmt.Errorf("capabilities: clearing the ambient set: %w", errno)
		}
	}
	for c := 0; c <= lastCap(); c++ {
		if c < 64 && mask[c/32]&(1<<(c%32)) != 0 {
			continue
		}
		// A capability this thread's bounding set lacks was not in it
		// at exec, and so is in no thread's: nothing drops one from
		// a single thread of ours. Each drop stops the world, and a
		// process a Spawner started finds its set already reduced.
		if r, _ := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(c), 0, 0, 0); r == 0 {
			continue
		}
		// EPERM: without CAP_SETPCAP (an unprivileged runsc) the set
		// cannot shrink, but then there is nothing in it to use either.
		if _, _, errno := syscall.AllThreadsSyscall(unix.SYS_PRCTL, unix.PR_CAPBSET_DROP, uintptr(c), 0); errno != 0 && errno != unix.EINVAL && errno != unix.EPERM {
			return fmt.Errorf("capabilities: dropping %d from the bounding set: %w", c, errno)
		}
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	for i := range data {
		data[i] = unix.CapUserData{Effective: mask[i], Permitted: mask[i]}
	}
	_, _, errno := syscall.AllThreadsSyscall(unix.SYS_CAPSET, uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&data[0])), 0)
	if errno != 0 {
		return fmt.Errorf("capabilities: capset: %w", errno)
	}
	return nil
}

// ambientSet reports whether the calling thread's ambient set may hold a
// capability (as every thread's does then: they share it from exec).
func ambientSet() bool {
	for c := 0; c <= lastCap(); c++ {
		r, err := unix.PrctlRetInt(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_IS_SET, uintptr(c), 0, 0)
		if err != nil || r != 0 {
			return err != unix.EINVAL
		}
	}
	return false
}

// lastCap is the host kernel's highest capability number.
func lastCap() int {
	for c := unix.CAP_LAST_CAP; ; c++ {
		if r, _, _ := unix.RawSyscall(unix.SYS_PRCTL, unix.PR_CAPBSET_READ, uintptr(c+1), 0); int(r) < 0 || r > 1 {
			return c
		}
		if c > 63 {
			return c
		}
	}
}
