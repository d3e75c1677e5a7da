// Package seccomp holds the host seccomp filters of the sandbox's own
// processes, the sentry and the gofer (DESIGN.md, invariants 2 and 3),
// and installs them. The filters are allow-lists built with seccomp/bpf:
// a call outside the list kills the process (SECCOMP_RET_KILL_PROCESS),
// it never returns an error.
//
// The lists were measured, not guessed: strace -f -c on the sentry and
// the gofer under shells, pipelines, python3, Go programs and the OCI
// lifecycle (create, start, exec, ps, events, pause, kill, delete); then
// every behaviour test (test/syscalls) and end-to-end test, and Go's
// os/exec, os/signal, sync and time tests, run with the filters
// installed, on both platforms. To find a missing call, build with the
// default action set to bpf.Trap(0): the Go runtime then dies with a
// traceback that shows the call and who made it (the kernel's audit log
// of SECCOMP_RET_LOG is rate-limited and loses entries). Each entry says
// who needs it.
//
// The filters cover what the processes do after installation: the
// sentry installs its filter at the end of boot (kernel built, root
// pivoted, control socket listening), the gofer once it is chrooted and
// has opened its root. Setup before that point (namespaces, mounts,
// memfd_create, forking the platform's first stub, opening log files)
// is not in the lists.
package seccomp

import (
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/seccomp/bpf"
)

// anyArg stands for an argument a rule does not check.
var anyArg bpf.Matcher

// goClone are the flags the Go runtime creates threads with
// (runtime.cloneFlags, plus CLONE_SETTLS when it sets up the thread's
// TLS): a thread, never a process.
const goClone = unix.CLONE_VM | unix.CLONE_FS | unix.CLONE_FILES | unix.CLONE_SIGHAND |
	unix.CLONE_SYSVSEM | unix.CLONE_THREAD

// noExec matches a prot argument without PROT_EXEC.
var noExec = bpf.MaskedEq(unix.PROT_EXEC, 0)

// eachOf returns one rule per value for argument arg.
func eachOf(arg int, vals ...uint64) []bpf.Rule {
	rules := make([]bpf.Rule, len(vals))
	for i, v := range vals {
		rules[i][arg] = bpf.Eq(v)
	}
	return rules
}

// goRuntime is what the Go runtime itself calls after start-up: threads,
// memory, the scheduler, signals (preemption, os/signal), the netpoller
// and timers.
func goRuntime() bpf.SyscallRules {
	return bpf.SyscallRules{
		unix.SYS_CLONE:             eachOf(0, goClone, goClone|unix.CLONE_SETTLS),
		unix.SYS_EXIT:              nil,
		unix.SYS_EXIT_GROUP:        nil,
		unix.SYS_FUTEX:             futexOps(),
		unix.SYS_NANOSLEEP:         nil,
		unix.SYS_SCHED_YIELD:       nil,
		unix.SYS_SCHED_GETAFFINITY: nil,
		unix.SYS_RESTART_SYSCALL:   nil,
		unix.SYS_CLOCK_GETTIME:     nil,
		unix.SYS_GETPID:            nil,
		unix.SYS_GETTID:            nil,
		unix.SYS_TGKILL:            nil,
		unix.SYS_RT_SIGACTION:      nil,
		unix.SYS_RT_SIGPROCMASK:    nil,
		unix.SYS_RT_SIGRETURN:      nil,
		unix.SYS_SIGALTSTACK:       nil,
		// Heap: never executable memory.
		unix.SYS_MMAP:   {{anyArg, anyArg, noExec}},
		unix.SYS_MUNMAP: nil,
		unix.SYS_MADVISE: eachOf(2, unix.MADV_DONTNEED, unix.MADV_FREE, unix.MADV_HUGEPAGE,
			unix.MADV_NOHUGEPAGE, unix.MADV_COLLAPSE),
		// The netpoller (os.File on pipes and sockets, timers); it may
		// start after installation.
		unix.SYS_EPOLL_CREATE1: nil,
		unix.SYS_EVENTFD2:      nil,
		unix.SYS_EPOLL_PWAIT:   nil,
		unix.SYS_EPOLL_CTL:     nil,
		unix.SYS_READ:          nil,
		unix.SYS_WRITE:         nil,
		unix.SYS_CLOSE:         nil,
		unix.SYS_GETRANDOM:     nil,
	}
}

// futexOps are the futex operations of the Go runtime: private wait and
// wake.
func futexOps() []bpf.Rule {
	return eachOf(1, futexWait|futexPrivate, futexWake|futexPrivate)
}

// futex(2) operations.
const (
	futexWait    = 0
	futexWake    = 1
	futexPrivate = 128
)

// SentryOptions select the sentry's variant of the filter.
type SentryOptions struct {
	// Platform is "ptrace" or "systrap".
	Platform string
}

// SentryRules is the sentry's allow-list.
func SentryRules(opts SentryOptions) bpf.SyscallRules {
	r := goRuntime()
	r.Merge(bpf.SyscallRules{
		// The gofer connection and host sockets: messages with
		// SCM_RIGHTS.
		unix.SYS_SENDMSG: nil,
		unix.SYS_RECVMSG: nil,
		// Files the gofer donated (DESIGN.md: reads and writes go
		// straight to them, after sentry logic) and the host stdio.
		unix.SYS_PREAD64:  nil,
		unix.SYS_PWRITE64: nil,
		unix.SYS_FSTAT:    nil,
		// Reads of donated files straight into application memory
		// (the pieces of the memory file behind a buffer).
		unix.SYS_PREADV: nil,
		// Waiting for host FDs (stdio, the gofer socket); host.File's
		// cancellable wait also uses an eventfd (eventfd2, above).
		unix.SYS_PPOLL: nil,
		// The caller's terminal when it is the application's stdio.
		unix.SYS_IOCTL: eachOf(1, unix.TCGETS, unix.TCSETS, unix.TCSETSW, unix.TCSETSF,
			unix.TIOCGWINSZ, unix.TIOCSWINSZ, unix.TIOCINQ),
		// The memory file: pages freed by punching holes, and made
		// present at once before the sentry fills them
		// (memfile.Populate).
		unix.SYS_FALLOCATE: {{anyArg, bpf.Eq(unix.FALLOC_FL_PUNCH_HOLE | unix.FALLOC_FL_KEEP_SIZE)}},
		unix.SYS_MADVISE:   eachOf(2, unix.MADV_POPULATE_WRITE),
		// sysinfo(2) inside reports the host's uptime and memory.
		unix.SYS_SYSINFO: nil,
		// Stubs: stop, kill and reap them.
		unix.SYS_KILL:  nil,
		unix.SYS_WAIT4: nil,
		// The control socket (runsc start, exec, kill, ps, ...): the
		// net package's listener and connections, and the stdio FDs that
		// exec passes.
		unix.SYS_ACCEPT4:     {{anyArg, anyArg, anyArg, bpf.Eq(unix.SOCK_CLOEXEC | unix.SOCK_NONBLOCK)}},
		unix.SYS_GETSOCKNAME: nil,
		unix.SYS_FCNTL: eachOf(1, unix.F_GETFL, unix.F_SETFL, unix.F_GETFD, unix.F_SETFD,
			unix.F_DUPFD_CLOEXEC),
		unix.SYS_DUP: nil,
	})
	switch opts.Platform {
	case "systrap":
		r.Merge(bpf.SyscallRules{
			// Stubs are watched through pidfds; their setup still uses
			// ptrace.
			unix.SYS_PIDFD_OPEN: {{anyArg, bpf.Eq(0)}},
			unix.SYS_PTRACE:     ptraceRequests(),
			// Shared (not private) wait and wake on the memory shared
			// with stubs.
			unix.SYS_FUTEX: eachOf(1, futexWait, futexWake),
			// A copy of an address space starts in its forker's
			// process group; the group's kill waits until it left.
			unix.SYS_GETPGID: nil,
		})
	default:
		r.Merge(bpf.SyscallRules{
			unix.SYS_PTRACE: ptraceRequests(),
		})
	}
	return r
}

// ptraceRequests are the requests the platforms make of stubs.
func ptraceRequests() []bpf.Rule {
	return eachOf(0,
		unix.PTRACE_ATTACH, unix.PTRACE_SETOPTIONS, unix.PTRACE_GETREGS, unix.PTRACE_SETREGS,
		unix.PTRACE_GETREGSET, unix.PTRACE_SETREGSET, unix.PTRACE_SYSEMU, unix.PTRACE_CONT,
		unix.PTRACE_SINGLESTEP, unix.PTRACE_GETSIGINFO)
}

// GoferOptions select the gofer's variant of the filter.
type GoferOptions struct {
	// ReadOnly is the gofer's --readonly (runsc do): nothing that changes
	// the tree is allowed, and files are opened only for reading.
	ReadOnly bool
}

// Flags of the gofer's calls.
const (
	// openWriteFlags open a file for changing it.
	openWriteFlags    = unix.O_WRONLY | unix.O_RDWR | unix.O_CREAT | unix.O_TRUNC | 0x400000 // __O_TMPFILE
	atSymlinkNoFollow = unix.AT_SYMLINK_NOFOLLOW
)

// GoferRules is the gofer's allow-list: walking, opening (the FD is
// donated) and changing one rootfs, relative to directory FDs. Opens
// never follow a final symlink (O_NOFOLLOW), nor do stat, chown and
// utimensat (AT_SYMLINK_NOFOLLOW): the sentry resolves symlinks, never
// the gofer (DESIGN.md, invariant 3).
func GoferRules(opts GoferOptions) bpf.SyscallRules {
	r := goRuntime()
	open := bpf.MaskedEq(unix.O_NOFOLLOW, unix.O_NOFOLLOW)
	if opts.ReadOnly {
		open = bpf.MaskedEq(unix.O_NOFOLLOW|openWriteFlags, unix.O_NOFOLLOW)
	}
	// Directories may be opened without O_NOFOLLOW: the root by path
	// (gofer.Serve, before the filter where it is installed after it)
	// and "." of a directory FD, for getdents; for reading only (and not
	// O_TMPFILE, which includes O_DIRECTORY).
	openDir := bpf.MaskedEq(unix.O_DIRECTORY|openWriteFlags, unix.O_DIRECTORY)
	r.Merge(bpf.SyscallRules{
		// The sentry's requests, and FDs donated with SCM_RIGHTS.
		unix.SYS_SENDMSG: nil,
		unix.SYS_RECVMSG: nil,
		unix.SYS_PPOLL:   nil,
		// One path component at a time, relative to directory FDs.
		unix.SYS_OPENAT:     {{anyArg, anyArg, open}, {anyArg, anyArg, openDir}},
		unix.SYS_NEWFSTATAT: {{anyArg, anyArg, anyArg, bpf.MaskedEq(atSymlinkNoFollow, atSymlinkNoFollow)}},
		unix.SYS_READLINKAT: nil,
		unix.SYS_GETDENTS64: nil,
		unix.SYS_FSTATFS:    nil,
		unix.SYS_PREAD64:    nil,
		unix.SYS_FCNTL:      {{anyArg, bpf.Eq(unix.F_DUPFD_CLOEXEC)}},
	})
	if opts.ReadOnly {
		return r
	}
	r.Merge(bpf.SyscallRules{
		unix.SYS_PWRITE64:  nil,
		unix.SYS_FTRUNCATE: nil,
		unix.SYS_MKDIRAT:   nil,
		unix.SYS_MKNODAT:   nil,
		unix.SYS_SYMLINKAT: nil,
		// Hard links to names, never to FDs (AT_EMPTY_PATH) or through
		// symlinks (AT_SYMLINK_FOLLOW).
		unix.SYS_LINKAT:   {{anyArg, anyArg, anyArg, anyArg, bpf.Eq(0)}},
		unix.SYS_UNLINKAT: nil,
		unix.SYS_RENAMEAT: nil,
		unix.SYS_FCHMODAT: nil,
		// fchmodat2 only on an FD (AT_EMPTY_PATH).
		unix.SYS_FCHMODAT2: {{anyArg, anyArg, anyArg, bpf.Eq(unix.AT_EMPTY_PATH)}},
		unix.SYS_FCHOWNAT:  {{anyArg, anyArg, anyArg, anyArg, bpf.MaskedEq(atSymlinkNoFollow, atSymlinkNoFollow)}},
		unix.SYS_UTIMENSAT: {{anyArg, anyArg, anyArg, bpf.MaskedEq(atSymlinkNoFollow, atSymlinkNoFollow)}},
	})
	return r
}

// SentryFilter compiles the sentry's filter.
func SentryFilter(opts SentryOptions) ([]bpf.Instruction, error) {
	return bpf.Allowlist(SentryRules(opts)).Compile()
}

// GoferFilter compiles the gofer's filter.
func GoferFilter(opts GoferOptions) ([]bpf.Instruction, error) {
	return bpf.Allowlist(GoferRules(opts)).Compile()
}
