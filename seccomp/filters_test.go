package seccomp_test

import (
	"fmt"
	"github.com/moat-dev/moat/seccomp"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/seccomp/bpf"
	"github.com/moat-dev/moat/seccomp/interp"
)

// Goals from the hardening issue: no more host syscalls than gVisor's
// systrap sentry filter, and a smaller list for the gofer.
const (
	maxSentrySyscalls = 80
	maxGoferSyscalls  = 54
)

var platforms = []string{"ptrace", "systrap"}

func TestFilterSizes(t *testing.T) {
	for _, p := range platforms {
		rules := seccomp.SentryRules(seccomp.SentryOptions{Platform: p})
		if n := len(rules); n > maxSentrySyscalls {
			t.Errorf("sentry (%s) allows %d syscalls, more than %d", p, n, maxSentrySyscalls)
		}
		prog, err := seccomp.SentryFilter(seccomp.SentryOptions{Platform: p})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := interp.Compile(prog); err != nil {
			t.Errorf("sentry (%s) filter does not check: %v", p, err)
		}
		t.Logf("sentry (%s): %d syscalls, %d instructions", p, len(rules), len(prog))
	}
	for _, ro := range []bool{false, true} {
		opts := seccomp.GoferOptions{ReadOnly: ro}
		if n := len(seccomp.GoferRules(opts)); n > maxGoferSyscalls {
			t.Errorf("gofer (read-only %v) allows %d syscalls, more than %d", ro, n, maxGoferSyscalls)
		}
		prog, err := seccomp.GoferFilter(opts)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := interp.Compile(prog); err != nil {
			t.Errorf("gofer filter does not check: %v", err)
		}
		t.Logf("gofer (read-only %v): %d syscalls, %d instructions", ro, len(seccomp.GoferRules(opts)), len(prog))
	}
}

// verdict runs a filter on one call.
func verdict(t *testing.T, prog []bpf.Instruction, nr uintptr, args ...uint64) bpf.Action {
	t.Helper()
	p, err := interp.Compile(prog)
	if err != nil {
		t.Fatal(err)
	}
	d := interp.Data{Nr: int32(nr), Arch: bpf.AuditArchX86_64}
	copy(d.Args[:], args)
	return bpf.Action(p.Run(&d))
}

// TestFilterPolicy checks what the filters must refuse and a few things
// they must allow.
func TestFilterPolicy(t *testing.T) {
	sentry, err := seccomp.SentryFilter(seccomp.SentryOptions{Platform: "ptrace"})
	if err != nil {
		t.Fatal(err)
	}
	systrap, err := seccomp.SentryFilter(seccomp.SentryOptions{Platform: "systrap"})
	if err != nil {
		t.Fatal(err)
	}
	gofer, err := seccomp.GoferFilter(seccomp.GoferOptions{})
	if err != nil {
		t.Fatal(err)
	}
	goferRO, err := seccomp.GoferFilter(seccomp.GoferOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	const noFollow = unix.O_NOFOLLOW | unix.O_CLOEXEC
	const goClone = 0x50f00
	for _, tc := range []struct {
		name   string
		prog   []bpf.Instruction
		nr     uintptr
		args   []uint64
		action bpf.Action
	}{
		{"sentry open", sentry, unix.SYS_OPENAT, []uint64{uint64(1<<64 - 100)}, bpf.KillProcess},
		{"sentry execve", sentry, unix.SYS_EXECVE, nil, bpf.KillProcess},
		{"sentry socket", sentry, unix.SYS_SOCKET, nil, bpf.KillProcess},
		{"sentry fork", sentry, unix.SYS_CLONE, []uint64{uint64(unix.SIGCHLD)}, bpf.KillProcess},
		{"sentry clone3", sentry, unix.SYS_CLONE3, nil, bpf.KillProcess},
		{"sentry thread", sentry, unix.SYS_CLONE, []uint64{goClone}, bpf.Allow},
		{"sentry thread with TLS", sentry, unix.SYS_CLONE, []uint64{goClone | unix.CLONE_SETTLS}, bpf.Allow},
		{"sentry mmap RW", sentry, unix.SYS_MMAP, []uint64{0, 4096, unix.PROT_READ | unix.PROT_WRITE}, bpf.Allow},
		{"sentry mmap RWX", sentry, unix.SYS_MMAP, []uint64{0, 4096, unix.PROT_READ | unix.PROT_EXEC}, bpf.KillProcess},
		{"sentry mprotect", sentry, unix.SYS_MPROTECT, nil, bpf.KillProcess},
		{"sentry ptrace sysemu", sentry, unix.SYS_PTRACE, []uint64{unix.PTRACE_SYSEMU}, bpf.Allow},
		{"sentry ptrace pokedata", sentry, unix.SYS_PTRACE, []uint64{unix.PTRACE_POKEDATA}, bpf.KillProcess},
		{"sentry ioctl TCGETS", sentry, unix.SYS_IOCTL, []uint64{0, unix.TCGETS}, bpf.Allow},
		{"sentry ioctl TIOCSTI", sentry, unix.SYS_IOCTL, []uint64{0, unix.TIOCSTI}, bpf.KillProcess},
		{"sentry ioctl TCGETS high bits", sentry, unix.SYS_IOCTL, []uint64{0, 1<<32 | unix.TCGETS}, bpf.KillProcess},
		{"sentry mount", sentry, unix.SYS_MOUNT, nil, bpf.KillProcess},
		{"sentry setns", sentry, unix.SYS_SETNS, nil, bpf.KillProcess},
		{"sentry seccomp", sentry, unix.SYS_SECCOMP, nil, bpf.KillProcess},
		{"sentry fallocate punch", sentry, unix.SYS_FALLOCATE, []uint64{0, unix.FALLOC_FL_PUNCH_HOLE | unix.FALLOC_FL_KEEP_SIZE}, bpf.Allow},
		{"sentry fallocate grow", sentry, unix.SYS_FALLOCATE, []uint64{0, 0}, bpf.KillProcess},
		{"sentry madvise populate", sentry, unix.SYS_MADVISE, []uint64{0, 4096, unix.MADV_POPULATE_WRITE}, bpf.Allow},
		{"sentry madvise dontneed", sentry, unix.SYS_MADVISE, []uint64{0, 4096, unix.MADV_DONTNEED}, bpf.Allow},
		{"sentry madvise mergeable", sentry, unix.SYS_MADVISE, []uint64{0, 4096, unix.MADV_MERGEABLE}, bpf.KillProcess},
		{"sentry x32", sentry, unix.SYS_READ | bpf.X32SyscallBit, nil, bpf.KillProcess},
		{"sentry futex private", sentry, unix.SYS_FUTEX, []uint64{0, 128}, bpf.Allow},
		{"sentry futex shared", sentry, unix.SYS_FUTEX, []uint64{0, 0}, bpf.KillProcess},
		{"sentry futex requeue", sentry, unix.SYS_FUTEX, []uint64{0, 3}, bpf.KillProcess},
		{"systrap futex shared", systrap, unix.SYS_FUTEX, []uint64{0, 0}, bpf.Allow},
		{"systrap pidfd_open", systrap, unix.SYS_PIDFD_OPEN, []uint64{7, 0}, bpf.Allow},
		{"systrap getpgid", systrap, unix.SYS_GETPGID, []uint64{7}, bpf.Allow},
		{"ptrace pidfd_open", sentry, unix.SYS_PIDFD_OPEN, []uint64{7, 0}, bpf.KillProcess},
		{"sentry accept4", sentry, unix.SYS_ACCEPT4, []uint64{3, 0, 0, unix.SOCK_CLOEXEC | unix.SOCK_NONBLOCK}, bpf.Allow},
		{"sentry accept4 blocking", sentry, unix.SYS_ACCEPT4, []uint64{3, 0, 0, 0}, bpf.KillProcess},
		{"gofer openat", gofer, unix.SYS_OPENAT, []uint64{3, 0, unix.O_RDWR | unix.O_CREAT | noFollow}, bpf.Allow},
		{"gofer openat following", gofer, unix.SYS_OPENAT, []uint64{3, 0, unix.O_RDONLY}, bpf.KillProcess},
		{"gofer madvise populate", gofer, unix.SYS_MADVISE, []uint64{0, 4096, unix.MADV_POPULATE_WRITE}, bpf.KillProcess},
		{"gofer openat dir", gofer, unix.SYS_OPENAT, []uint64{3, 0, unix.O_RDONLY | unix.O_DIRECTORY}, bpf.Allow},
		{"gofer openat tmpfile following", gofer, unix.SYS_OPENAT, []uint64{3, 0, unix.O_RDWR | unix.O_TMPFILE}, bpf.KillProcess},
		{"gofer openat root", gofer, unix.SYS_OPENAT, []uint64{uint64(1<<64 - 100), 0, unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC}, bpf.Allow},
		{"gofer fstatat following", gofer, unix.SYS_NEWFSTATAT, []uint64{3, 0, 0, 0}, bpf.KillProcess},
		{"gofer fstatat", gofer, unix.SYS_NEWFSTATAT, []uint64{3, 0, 0, unix.AT_SYMLINK_NOFOLLOW | unix.AT_EMPTY_PATH}, bpf.Allow},
		{"gofer linkat", gofer, unix.SYS_LINKAT, []uint64{3, 0, 4, 0, 0}, bpf.Allow},
		{"gofer linkat an FD", gofer, unix.SYS_LINKAT, []uint64{3, 0, 4, 0, unix.AT_EMPTY_PATH}, bpf.KillProcess},
		{"gofer futex shared", gofer, unix.SYS_FUTEX, []uint64{0, 0}, bpf.KillProcess},
		{"read-only gofer openat", goferRO, unix.SYS_OPENAT, []uint64{3, 0, unix.O_RDONLY | unix.O_PATH | noFollow}, bpf.Allow},
		{"read-only gofer openat rw", goferRO, unix.SYS_OPENAT, []uint64{3, 0, unix.O_RDWR | noFollow}, bpf.KillProcess},
		{"read-only gofer openat creat", goferRO, unix.SYS_OPENAT, []uint64{3, 0, unix.O_CREAT | noFollow}, bpf.KillProcess},
		{"read-only gofer openat trunc", goferRO, unix.SYS_OPENAT, []uint64{3, 0, unix.O_TRUNC | noFollow}, bpf.KillProcess},
		{"read-only gofer openat tmpfile", goferRO, unix.SYS_OPENAT, []uint64{3, 0, unix.O_TMPFILE | noFollow}, bpf.KillProcess},
		{"read-only gofer mkdirat", goferRO, unix.SYS_MKDIRAT, nil, bpf.KillProcess},
		{"read-only gofer pwrite", goferRO, unix.SYS_PWRITE64, nil, bpf.KillProcess},
		{"gofer open", gofer, unix.SYS_OPEN, nil, bpf.KillProcess},
		{"gofer ptrace", gofer, unix.SYS_PTRACE, nil, bpf.KillProcess},
		{"gofer execve", gofer, unix.SYS_EXECVE, nil, bpf.KillProcess},
		{"gofer chroot", gofer, unix.SYS_CHROOT, nil, bpf.KillProcess},
		{"gofer socket", gofer, unix.SYS_SOCKET, nil, bpf.KillProcess},
		{"gofer kill", gofer, unix.SYS_KILL, nil, bpf.KillProcess},
	} {
		if got := verdict(t, tc.prog, tc.nr, tc.args...); got != tc.action {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.action)
		}
	}
	p, _ := interp.Compile(sentry)
	if got := p.Run(&interp.Data{Nr: unix.SYS_READ, Arch: bpf.AuditArchI386}); got != bpf.RetKillProcess {
		t.Errorf("i386 read: %v", bpf.Action(got))
	}
}

// The filters are tested for real in a child process: this test binary
// re-executed with MOAT_SECCOMP_CHILD set installs a filter, exercises the
// Go runtime, and then makes the call the parent asks for.
func TestMain(m *testing.M) {
	switch which := os.Getenv("MOAT_SECCOMP_CHILD"); which {
	case "":
	case "gofer-serve":
		os.Exit(goferChild())
	default:
		os.Exit(child(which, os.Getenv("MOAT_SECCOMP_THEN")))
	}
	os.Exit(m.Run())
}

func child(which, then string) int {
	var prog []bpf.Instruction
	var err error
	switch which {
	case "gofer":
		prog, err = seccomp.GoferFilter(seccomp.GoferOptions{})
	case "gofer-ro":
		prog, err = seccomp.GoferFilter(seccomp.GoferOptions{ReadOnly: true})
	default:
		prog, err = seccomp.SentryFilter(seccomp.SentryOptions{Platform: which})
	}
	if err == nil {
		err = seccomp.Install(prog)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	// The runtime at work: threads, the heap, GC, timers, signals.
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread() // new threads, which exit with us
			b := make([][]byte, 0)
			for j := 0; j < 200; j++ {
				b = append(b, make([]byte, 64<<10))
			}
			time.Sleep(10 * time.Millisecond)
			_ = b
		}()
	}
	wg.Wait()
	runtime.GC()
	runtime.GC()
	// A local time, as a log line formats: time.Local must have been
	// loaded before the filter.
	_ = time.Now().String()
	fmt.Println("runtime ok")
	switch then {
	case "open":
		f, err := os.Open("/etc/hostname")
		fmt.Println("open returned", f, err)
	case "exec":
		syscall.Exec("/bin/true", []string{"true"}, nil)
	case "fork":
		syscall.RawSyscall(unix.SYS_CLONE, uintptr(unix.SIGCHLD), 0, 0)
	case "mprotect-exec":
		b, _ := unix.Mmap(-1, 0, 4096, unix.PROT_READ, unix.MAP_ANON|unix.MAP_PRIVATE)
		unix.Mprotect(b, unix.PROT_READ|unix.PROT_EXEC)
	case "mmap-exec":
		unix.Mmap(-1, 0, 4096, unix.PROT_READ|unix.PROT_EXEC, unix.MAP_ANON|unix.MAP_PRIVATE)
	}
	return 0
}

func TestInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	run := func(which, then string) (string, error) {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), "MOAT_SECCOMP_CHILD="+which, "MOAT_SECCOMP_THEN="+then)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	// Can this host install filters at all?
	if out, err := run("ptrace", ""); err != nil && strings.Contains(out, "SECCOMP_SET_MODE_FILTER") {
		t.Skipf("cannot install seccomp filters here: %s", out)
	}
	for _, which := range append(platforms, "gofer", "gofer-ro") {
		out, err := run(which, "")
		if err != nil || !strings.Contains(out, "runtime ok") {
			t.Errorf("%s filter: Go runtime under it: %v\n%s", which, err, out)
		}
		for _, then := range []string{"open", "exec", "fork", "mprotect-exec", "mmap-exec"} {
			// os.Open does not pass O_NOFOLLOW, which the gofer's
			// filter requires: it dies too.
			out, err := run(which, then)
			ee, ok := err.(*exec.ExitError)
			if !ok || !strings.Contains(out, "runtime ok") {
				t.Errorf("%s filter, %s: %v\n%s", which, then, err, out)
				continue
			}
			ws := ee.Sys().(syscall.WaitStatus)
			if !ws.Signaled() || ws.Signal() != syscall.SIGSYS {
				t.Errorf("%s filter, %s: status %v, want death by SIGSYS\n%s", which, then, ws, out)
			}
		}
	}
}
