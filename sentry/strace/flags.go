package strace

import (
	"fmt"
	"strconv"
	"strings"
)

// flag is one named bit or group of bits.
type flag struct {
	v    uint64
	name string
}

// flagSet names the bits of a flags argument. Entries are matched in order,
// so a multi-bit value (O_SYNC) must come before its parts (O_DSYNC).
type flagSet []flag

// format prints v as NAME|NAME|0x...; zero is "0".
func (fs flagSet) format(v uint64) string {
	return fs.formatZero(v, "0")
}

// formatZero is format with the given name for zero.
func (fs flagSet) formatZero(v uint64, zero string) string {
	if v == 0 {
		return zero
	}
	var parts []string
	for _, f := range fs {
		if f.v != 0 && v&f.v == f.v {
			parts = append(parts, f.name)
			v &^= f.v
		}
	}
	if v != 0 {
		parts = append(parts, hex(v))
	}
	return strings.Join(parts, "|")
}

// enum names the values of an argument.
type enum map[uint64]string

// format prints the name of v, or v in decimal.
func (e enum) format(v uint64) string {
	if n, ok := e[v]; ok {
		return n
	}
	return strconv.FormatInt(int64(v), 10)
}

// formatHex prints the name of v, or v in hex with a comment like strace.
func (e enum) formatHex(v uint64, unknown string) string {
	if n, ok := e[v]; ok {
		return n
	}
	return fmt.Sprintf("%s /* %s */", hex(v), unknown)
}

// formatInt prints the name of v or v as a signed 32-bit number.
func (e enum) formatInt(v uint64) string {
	if n, ok := e[v]; ok {
		return n
	}
	return strconv.Itoa(int(int32(v)))
}

const atFDCWD = -100

var openAccmode = enum{0: "O_RDONLY", 1: "O_WRONLY", 2: "O_RDWR", 3: "O_ACCMODE"}

var openFlagSet = flagSet{
	{0o100, "O_CREAT"},
	{0o200, "O_EXCL"},
	{0o400, "O_NOCTTY"},
	{0o1000, "O_TRUNC"},
	{0o2000, "O_APPEND"},
	{0o4000, "O_NONBLOCK"},
	{0o4010000, "O_SYNC"},
	{0o10000, "O_DSYNC"},
	{0o20000, "O_ASYNC"},
	{0o40000, "O_DIRECT"},
	{0o100000, "O_LARGEFILE"},
	{0o20200000, "O_TMPFILE"},
	{0o200000, "O_DIRECTORY"},
	{0o400000, "O_NOFOLLOW"},
	{0o1000000, "O_NOATIME"},
	{0o2000000, "O_CLOEXEC"},
	{0o10000000, "O_PATH"},
}

// openFlags formats open(2) flags: the access mode, then the other flags.
func openFlags(v uint64) string {
	s := openAccmode[v&3]
	if rest := openFlagSet.formatZero(v&^3, ""); rest != "" {
		s += "|" + rest
	}
	return s
}

// creatFlags is O_CREAT|O_TMPFILE's bits that make open(2) take a mode.
const (
	oCreat   = 0o100
	oTmpfile = 0o20000000
)

var fdFlags = flagSet{{1, "FD_CLOEXEC"}}

var protFlags = flagSet{
	{0x1, "PROT_READ"},
	{0x2, "PROT_WRITE"},
	{0x4, "PROT_EXEC"},
	{0x8, "PROT_SEM"},
	{0x01000000, "PROT_GROWSDOWN"},
	{0x02000000, "PROT_GROWSUP"},
}

var mmapType = enum{1: "MAP_SHARED", 2: "MAP_PRIVATE", 3: "MAP_SHARED_VALIDATE"}

var mmapFlagSet = flagSet{
	{0x10, "MAP_FIXED"},
	{0x20, "MAP_ANONYMOUS"},
	{0x40, "MAP_32BIT"},
	{0x100, "MAP_GROWSDOWN"},
	{0x800, "MAP_DENYWRITE"},
	{0x1000, "MAP_EXECUTABLE"},
	{0x2000, "MAP_LOCKED"},
	{0x4000, "MAP_NORESERVE"},
	{0x8000, "MAP_POPULATE"},
	{0x10000, "MAP_NONBLOCK"},
	{0x20000, "MAP_STACK"},
	{0x40000, "MAP_HUGETLB"},
	{0x80000, "MAP_SYNC"},
	{0x100000, "MAP_FIXED_NOREPLACE"},
	{0x4000000, "MAP_UNINITIALIZED"},
}

func mmapFlags(v uint64) string {
	var parts []string
	if t := v & 0xf; t != 0 {
		parts = append(parts, mmapType.formatHex(t, "MAP_???"))
	}
	if rest := mmapFlagSet.formatZero(v&^0xf, ""); rest != "" {
		parts = append(parts, rest)
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, "|")
}

var mremapFlags = flagSet{{1, "MREMAP_MAYMOVE"}, {2, "MREMAP_FIXED"}, {4, "MREMAP_DONTUNMAP"}}

var msyncFlags = flagSet{{1, "MS_ASYNC"}, {2, "MS_INVALIDATE"}, {4, "MS_SYNC"}}

var madviseAdvice = enum{
	0: "MADV_NORMAL", 1: "MADV_RANDOM", 2: "MADV_SEQUENTIAL", 3: "MADV_WILLNEED",
	4: "MADV_DONTNEED", 8: "MADV_FREE", 9: "MADV_REMOVE", 10: "MADV_DONTFORK",
	11: "MADV_DOFORK", 12: "MADV_MERGEABLE", 13: "MADV_UNMERGEABLE",
	14: "MADV_HUGEPAGE", 15: "MADV_NOHUGEPAGE", 16: "MADV_DONTDUMP",
	17: "MADV_DODUMP", 18: "MADV_WIPEONFORK", 19: "MADV_KEEPONFORK",
	20: "MADV_COLD", 21: "MADV_PAGEOUT", 22: "MADV_POPULATE_READ",
	23: "MADV_POPULATE_WRITE", 24: "MADV_DONTNEED_LOCKED", 25: "MADV_COLLAPSE",
	100: "MADV_HWPOISON", 101: "MADV_SOFT_OFFLINE",
}

var mlockallFlags = flagSet{{1, "MCL_CURRENT"}, {2, "MCL_FUTURE"}, {4, "MCL_ONFAULT"}}

var cloneFlagSet = flagSet{
	{0x100, "CLONE_VM"},
	{0x200, "CLONE_FS"},
	{0x400, "CLONE_FILES"},
	{0x800, "CLONE_SIGHAND"},
	{0x1000, "CLONE_PIDFD"},
	{0x2000, "CLONE_PTRACE"},
	{0x4000, "CLONE_VFORK"},
	{0x8000, "CLONE_PARENT"},
	{0x10000, "CLONE_THREAD"},
	{0x20000, "CLONE_NEWNS"},
	{0x40000, "CLONE_SYSVSEM"},
	{0x80000, "CLONE_SETTLS"},
	{0x100000, "CLONE_PARENT_SETTID"},
	{0x200000, "CLONE_CHILD_CLEARTID"},
	{0x400000, "CLONE_DETACHED"},
	{0x800000, "CLONE_UNTRACED"},
	{0x1000000, "CLONE_CHILD_SETTID"},
	{0x2000000, "CLONE_NEWCGROUP"},
	{0x4000000, "CLONE_NEWUTS"},
	{0x8000000, "CLONE_NEWIPC"},
	{0x10000000, "CLONE_NEWUSER"},
	{0x20000000, "CLONE_NEWPID"},
	{0x40000000, "CLONE_NEWNET"},
	{0x80000000, "CLONE_IO"},
	{0x100000000, "CLONE_CLEAR_SIGHAND"},
	{0x200000000, "CLONE_INTO_CGROUP"},
}

// cloneFlags formats clone(2) flags, whose low byte is the exit signal.
func cloneFlags(v uint64) string {
	var parts []string
	if rest := cloneFlagSet.formatZero(v&^0xff, ""); rest != "" {
		parts = append(parts, rest)
	}
	if s := v & 0xff; s != 0 {
		parts = append(parts, signalName(s))
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, "|")
}

// namespaceFlags formats unshare(2) and setns(2) flags (no exit signal).
func namespaceFlags(v uint64) string {
	return cloneFlagSet.format(v)
}

var signalNames = [...]string{
	1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT",
	7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2",
	13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM", 16: "SIGSTKFLT", 17: "SIGCHLD",
	18: "SIGCONT", 19: "SIGSTOP", 20: "SIGTSTP", 21: "SIGTTIN", 22: "SIGTTOU",
	23: "SIGURG", 24: "SIGXCPU", 25: "SIGXFSZ", 26: "SIGVTALRM", 27: "SIGPROF",
	28: "SIGWINCH", 29: "SIGIO", 30: "SIGPWR", 31: "SIGSYS",
}

// signalName names signal s: SIGINT, SIGRTMIN, SIGRT_3, or the number.
func signalName(s uint64) string {
	switch {
	case s > 0 && s < uint64(len(signalNames)):
		return signalNames[s]
	case s == 32:
		return "SIGRTMIN"
	case s > 32 && s <= 64:
		return fmt.Sprintf("SIGRT_%d", s-32)
	}
	return strconv.Itoa(int(int32(s)))
}

var sigprocmaskHow = enum{0: "SIG_BLOCK", 1: "SIG_UNBLOCK", 2: "SIG_SETMASK"}

var saFlags = flagSet{
	{0x1, "SA_NOCLDSTOP"},
	{0x2, "SA_NOCLDWAIT"},
	{0x4, "SA_SIGINFO"},
	{0x400, "SA_UNSUPPORTED"},
	{0x800, "SA_EXPOSE_TAGBITS"},
	{0x04000000, "SA_RESTORER"},
	{0x08000000, "SA_ONSTACK"},
	{0x10000000, "SA_RESTART"},
	{0x40000000, "SA_NODEFER"},
	{0x80000000, "SA_RESETHAND"},
}

var ssFlags = flagSet{{1, "SS_ONSTACK"}, {2, "SS_DISABLE"}, {1 << 31, "SS_AUTODISARM"}}

var futexCmds = enum{
	0: "FUTEX_WAIT", 1: "FUTEX_WAKE", 2: "FUTEX_FD", 3: "FUTEX_REQUEUE",
	4: "FUTEX_CMP_REQUEUE", 5: "FUTEX_WAKE_OP", 6: "FUTEX_LOCK_PI",
	7: "FUTEX_UNLOCK_PI", 8: "FUTEX_TRYLOCK_PI", 9: "FUTEX_WAIT_BITSET",
	10: "FUTEX_WAKE_BITSET", 11: "FUTEX_WAIT_REQUEUE_PI",
	12: "FUTEX_CMP_REQUEUE_PI", 13: "FUTEX_LOCK_PI2",
}

const (
	futexPrivate       = 128
	futexClockRealtime = 256
)

func futexOp(v uint64) string {
	cmd := v &^ (futexPrivate | futexClockRealtime)
	s, ok := futexCmds[cmd]
	if !ok {
		return hex(v)
	}
	if v&futexPrivate != 0 {
		s += "_PRIVATE"
	}
	if v&futexClockRealtime != 0 {
		s += "|FUTEX_CLOCK_REALTIME"
	}
	return s
}

var fcntlCmds = enum{
	0: "F_DUPFD", 1: "F_GETFD", 2: "F_SETFD", 3: "F_GETFL", 4: "F_SETFL",
	5: "F_GETLK", 6: "F_SETLK", 7: "F_SETLKW", 8: "F_SETOWN", 9: "F_GETOWN",
	10: "F_SETSIG", 11: "F_GETSIG", 15: "F_SETOWN_EX", 16: "F_GETOWN_EX",
	36: "F_OFD_GETLK", 37: "F_OFD_SETLK", 38: "F_OFD_SETLKW",
	1024: "F_SETLEASE", 1025: "F_GETLEASE", 1026: "F_NOTIFY",
	1030: "F_DUPFD_CLOEXEC", 1031: "F_SETPIPE_SZ", 1032: "F_GETPIPE_SZ",
	1033: "F_ADD_SEALS", 1034: "F_GET_SEALS",
}

var sealFlags = flagSet{{1, "F_SEAL_SEAL"}, {2, "F_SEAL_SHRINK"}, {4, "F_SEAL_GROW"}, {8, "F_SEAL_WRITE"}, {16, "F_SEAL_FUTURE_WRITE"}, {32, "F_SEAL_EXEC"}}

var lockTypes = enum{0: "F_RDLCK", 1: "F_WRLCK", 2: "F_UNLCK"}

var ioctlReqs = enum{
	0x5401: "TCGETS", 0x5402: "TCSETS", 0x5403: "TCSETSW", 0x5404: "TCSETSF",
	0x5405: "TCGETA", 0x5406: "TCSETA", 0x5407: "TCSETAW", 0x5408: "TCSETAF",
	0x5409: "TCSBRK", 0x540A: "TCXONC", 0x540B: "TCFLSH", 0x540C: "TIOCEXCL",
	0x540D: "TIOCNXCL", 0x540E: "TIOCSCTTY", 0x540F: "TIOCGPGRP",
	0x5410: "TIOCSPGRP", 0x5411: "TIOCOUTQ", 0x5412: "TIOCSTI",
	0x5413: "TIOCGWINSZ", 0x5414: "TIOCSWINSZ", 0x5415: "TIOCMGET",
	0x5416: "TIOCMBIS", 0x5417: "TIOCMBIC", 0x5418: "TIOCMSET",
	0x541B: "FIONREAD", 0x541C: "TIOCLINUX", 0x541D: "TIOCCONS",
	0x5420: "TIOCPKT", 0x5421: "FIONBIO", 0x5422: "TIOCNOTTY",
	0x5423: "TIOCSETD", 0x5424: "TIOCGETD", 0x5425: "TCSBRKP",
	0x5427: "TIOCSBRK", 0x5428: "TIOCCBRK", 0x5429: "TIOCGSID",
	0x802c542a: "TCGETS2", 0x402c542b: "TCSETS2", 0x402c542c: "TCSETSW2",
	0x402c542d: "TCSETSF2", 0x80045430: "TIOCGPTN", 0x40045431: "TIOCSPTLCK",
	0x80045432: "TIOCGDEV", 0x5441: "TIOCGPTPEER", 0x80045438: "TIOCGPKT",
	0x80045439: "TIOCGPTLCK", 0x80045440: "TIOCGEXCL",
	0x5450: "FIONCLEX", 0x5451: "FIOCLEX", 0x5452: "FIOASYNC",
	0x5460: "FIOQSIZE", 0x545C: "TIOCMIWAIT", 0x545D: "TIOCGICOUNT",
	0x8910: "SIOCGIFNAME", 0x8912: "SIOCGIFCONF", 0x8913: "SIOCGIFFLAGS",
	0x8914: "SIOCSIFFLAGS", 0x8915: "SIOCGIFADDR", 0x8916: "SIOCSIFADDR",
	0x891b: "SIOCGIFNETMASK", 0x8921: "SIOCGIFMTU", 0x8927: "SIOCGIFHWADDR",
	0x8933: "SIOCGIFINDEX", 0x8904: "SIOCGPGRP", 0x8902: "SIOCSPGRP",
	0x8906: "SIOCGSTAMP", 0x2: "FIGETBSZ", 0x1: "FIBMAP",
	0x80086601: "FS_IOC_GETFLAGS", 0x40086602: "FS_IOC_SETFLAGS",
	0x40049409: "FICLONE", 0x4020940d: "FICLONERANGE",
	0x80081272: "BLKGETSIZE64", 0x1260: "BLKGETSIZE", 0x1268: "BLKSSZGET",
	0xc020660b: "FS_IOC_FIEMAP",
}

var prctlOps = enum{
	1: "PR_SET_PDEATHSIG", 2: "PR_GET_PDEATHSIG", 3: "PR_GET_DUMPABLE",
	4: "PR_SET_DUMPABLE", 5: "PR_GET_UNALIGN", 6: "PR_SET_UNALIGN",
	7: "PR_GET_KEEPCAPS", 8: "PR_SET_KEEPCAPS", 9: "PR_GET_FPEMU",
	10: "PR_SET_FPEMU", 11: "PR_GET_FPEXC", 12: "PR_SET_FPEXC",
	13: "PR_GET_TIMING", 14: "PR_SET_TIMING", 15: "PR_SET_NAME",
	16: "PR_GET_NAME", 19: "PR_GET_ENDIAN", 20: "PR_SET_ENDIAN",
	21: "PR_GET_SECCOMP", 22: "PR_SET_SECCOMP", 23: "PR_CAPBSET_READ",
	24: "PR_CAPBSET_DROP", 25: "PR_GET_TSC", 26: "PR_SET_TSC",
	27: "PR_GET_SECUREBITS", 28: "PR_SET_SECUREBITS", 29: "PR_SET_TIMERSLACK",
	30: "PR_GET_TIMERSLACK", 31: "PR_TASK_PERF_EVENTS_DISABLE",
	32: "PR_TASK_PERF_EVENTS_ENABLE", 33: "PR_MCE_KILL", 34: "PR_MCE_KILL_GET",
	35: "PR_SET_MM", 36: "PR_SET_CHILD_SUBREAPER", 37: "PR_GET_CHILD_SUBREAPER",
	38: "PR_SET_NO_NEW_PRIVS", 39: "PR_GET_NO_NEW_PRIVS", 40: "PR_GET_TID_ADDRESS",
	41: "PR_SET_THP_DISABLE", 42: "PR_GET_THP_DISABLE", 45: "PR_SET_FP_MODE",
	46: "PR_GET_FP_MODE", 47: "PR_CAP_AMBIENT", 52: "PR_GET_SPECULATION_CTRL",
	53: "PR_SET_SPECULATION_CTRL", 57: "PR_SET_IO_FLUSHER", 58: "PR_GET_IO_FLUSHER",
	59: "PR_SET_SYSCALL_USER_DISPATCH", 62: "PR_SCHED_CORE",
	65: "PR_SET_MDWE", 66: "PR_GET_MDWE", 0x53564d41: "PR_SET_VMA",
	0x59616d61: "PR_SET_PTRACER",
}

var archPrctlCodes = enum{
	0x1001: "ARCH_SET_GS", 0x1002: "ARCH_SET_FS", 0x1003: "ARCH_GET_FS",
	0x1004: "ARCH_GET_GS", 0x1011: "ARCH_GET_CPUID", 0x1012: "ARCH_SET_CPUID",
	0x1021: "ARCH_GET_XCOMP_SUPP", 0x1022: "ARCH_GET_XCOMP_PERM",
	0x1023: "ARCH_REQ_XCOMP_PERM", 0x1024: "ARCH_GET_XCOMP_GUEST_PERM",
	0x1025: "ARCH_REQ_XCOMP_GUEST_PERM", 0x2001: "ARCH_MAP_VDSO_X32",
	0x2002: "ARCH_MAP_VDSO_32", 0x2003: "ARCH_MAP_VDSO_64",
	0x3001: "ARCH_CET_STATUS",
	0x4001: "ARCH_GET_UNTAG_MASK", 0x4002: "ARCH_ENABLE_TAGGED_ADDR",
	0x4003: "ARCH_GET_MAX_TAG_BITS", 0x4004: "ARCH_FORCE_TAGGED_SVA",
	0x5001: "ARCH_SHSTK_ENABLE", 0x5002: "ARCH_SHSTK_DISABLE",
	0x5003: "ARCH_SHSTK_LOCK", 0x5004: "ARCH_SHSTK_UNLOCK",
	0x5005: "ARCH_SHSTK_STATUS",
}

var rlimitResources = enum{
	0: "RLIMIT_CPU", 1: "RLIMIT_FSIZE", 2: "RLIMIT_DATA", 3: "RLIMIT_STACK",
	4: "RLIMIT_CORE", 5: "RLIMIT_RSS", 6: "RLIMIT_NPROC", 7: "RLIMIT_NOFILE",
	8: "RLIMIT_MEMLOCK", 9: "RLIMIT_AS", 10: "RLIMIT_LOCKS",
	11: "RLIMIT_SIGPENDING", 12: "RLIMIT_MSGQUEUE", 13: "RLIMIT_NICE",
	14: "RLIMIT_RTPRIO", 15: "RLIMIT_RTTIME",
}

var clockIDs = enum{
	0: "CLOCK_REALTIME", 1: "CLOCK_MONOTONIC", 2: "CLOCK_PROCESS_CPUTIME_ID",
	3: "CLOCK_THREAD_CPUTIME_ID", 4: "CLOCK_MONOTONIC_RAW",
	5: "CLOCK_REALTIME_COARSE", 6: "CLOCK_MONOTONIC_COARSE",
	7: "CLOCK_BOOTTIME", 8: "CLOCK_REALTIME_ALARM", 9: "CLOCK_BOOTTIME_ALARM",
	11: "CLOCK_TAI",
}

var whenceNames = enum{0: "SEEK_SET", 1: "SEEK_CUR", 2: "SEEK_END", 3: "SEEK_DATA", 4: "SEEK_HOLE"}

var accessModes = flagSet{{4, "R_OK"}, {2, "W_OK"}, {1, "X_OK"}}

var atFlagSet = flagSet{
	{0x100, "AT_SYMLINK_NOFOLLOW"},
	{0x200, "AT_REMOVEDIR"},
	{0x400, "AT_SYMLINK_FOLLOW"},
	{0x800, "AT_NO_AUTOMOUNT"},
	{0x1000, "AT_EMPTY_PATH"},
	{0x2000, "AT_STATX_FORCE_SYNC"},
	{0x4000, "AT_STATX_DONT_SYNC"},
	{0x8000, "AT_RECURSIVE"},
}

// faccessat2 uses 0x200 as AT_EACCESS rather than AT_REMOVEDIR.
var accessAtFlagSet = flagSet{
	{0x100, "AT_SYMLINK_NOFOLLOW"},
	{0x200, "AT_EACCESS"},
	{0x1000, "AT_EMPTY_PATH"},
}

var waitOptions = flagSet{
	{0x1, "WNOHANG"},
	{0x2, "WSTOPPED"},
	{0x4, "WEXITED"},
	{0x8, "WCONTINUED"},
	{0x1000000, "WNOWAIT"},
	{0x20000000, "__WNOTHREAD"},
	{0x40000000, "__WALL"},
	{0x80000000, "__WCLONE"},
}

// wait4Options is waitOptions with wait4's name for 2.
var wait4Options = flagSet{
	{0x1, "WNOHANG"},
	{0x2, "WUNTRACED"},
	{0x8, "WCONTINUED"},
	{0x20000000, "__WNOTHREAD"},
	{0x40000000, "__WALL"},
	{0x80000000, "__WCLONE"},
}

var idTypes = enum{0: "P_ALL", 1: "P_PID", 2: "P_PGID", 3: "P_PIDFD"}

var socketFamilies = enum{
	0: "AF_UNSPEC", 1: "AF_UNIX", 2: "AF_INET", 3: "AF_AX25", 4: "AF_IPX",
	5: "AF_APPLETALK", 9: "AF_X25", 10: "AF_INET6", 16: "AF_NETLINK",
	17: "AF_PACKET", 29: "AF_CAN", 31: "AF_BLUETOOTH", 38: "AF_ALG",
	40: "AF_VSOCK", 44: "AF_XDP",
}

var socketTypes = enum{
	1: "SOCK_STREAM", 2: "SOCK_DGRAM", 3: "SOCK_RAW", 4: "SOCK_RDM",
	5: "SOCK_SEQPACKET", 6: "SOCK_DCCP", 10: "SOCK_PACKET",
}

var sockFlags = flagSet{{0o4000, "SOCK_NONBLOCK"}, {0o2000000, "SOCK_CLOEXEC"}}

func socketType(v uint64) string {
	s := socketTypes.format(v & 0xf)
	if rest := sockFlags.formatZero(v&^0xf, ""); rest != "" {
		s += "|" + rest
	}
	return s
}

var ipProtocols = enum{
	0: "IPPROTO_IP", 1: "IPPROTO_ICMP", 2: "IPPROTO_IGMP", 4: "IPPROTO_IPIP",
	6: "IPPROTO_TCP", 17: "IPPROTO_UDP", 41: "IPPROTO_IPV6", 47: "IPPROTO_GRE",
	58: "IPPROTO_ICMPV6", 132: "IPPROTO_SCTP", 136: "IPPROTO_UDPLITE",
	255: "IPPROTO_RAW", 262: "IPPROTO_MPTCP",
}

var netlinkProtocols = enum{
	0: "NETLINK_ROUTE", 2: "NETLINK_USERSOCK", 4: "NETLINK_SOCK_DIAG",
	6: "NETLINK_XFRM", 7: "NETLINK_SELINUX", 9: "NETLINK_AUDIT",
	12: "NETLINK_NETFILTER", 15: "NETLINK_KOBJECT_UEVENT", 16: "NETLINK_GENERIC",
}

var msgFlags = flagSet{
	{0x1, "MSG_OOB"}, {0x2, "MSG_PEEK"}, {0x4, "MSG_DONTROUTE"}, {0x8, "MSG_CTRUNC"},
	{0x10, "MSG_PROXY"}, {0x20, "MSG_TRUNC"}, {0x40, "MSG_DONTWAIT"}, {0x80, "MSG_EOR"},
	{0x100, "MSG_WAITALL"}, {0x200, "MSG_FIN"}, {0x400, "MSG_SYN"}, {0x800, "MSG_CONFIRM"},
	{0x1000, "MSG_RST"}, {0x2000, "MSG_ERRQUEUE"}, {0x4000, "MSG_NOSIGNAL"},
	{0x8000, "MSG_MORE"}, {0x10000, "MSG_WAITFORONE"}, {0x40000, "MSG_BATCH"},
	{0x4000000, "MSG_ZEROCOPY"}, {0x20000000, "MSG_FASTOPEN"},
	{0x40000000, "MSG_CMSG_CLOEXEC"},
}

var shutdownHow = enum{0: "SHUT_RD", 1: "SHUT_WR", 2: "SHUT_RDWR"}

var sockLevels = enum{0: "SOL_IP", 1: "SOL_SOCKET", 6: "SOL_TCP", 17: "SOL_UDP", 41: "SOL_IPV6", 58: "SOL_ICMPV6", 263: "SOL_PACKET", 270: "SOL_NETLINK"}

var sockOptNames = map[uint64]enum{
	1: {1: "SO_DEBUG", 2: "SO_REUSEADDR", 3: "SO_TYPE", 4: "SO_ERROR",
		5: "SO_DONTROUTE", 6: "SO_BROADCAST", 7: "SO_SNDBUF", 8: "SO_RCVBUF",
		9: "SO_KEEPALIVE", 10: "SO_OOBINLINE", 11: "SO_NO_CHECK", 12: "SO_PRIORITY",
		13: "SO_LINGER", 14: "SO_BSDCOMPAT", 15: "SO_REUSEPORT", 16: "SO_PASSCRED",
		17: "SO_PEERCRED", 18: "SO_RCVLOWAT", 19: "SO_SNDLOWAT", 20: "SO_RCVTIMEO_OLD",
		21: "SO_SNDTIMEO_OLD", 25: "SO_BINDTODEVICE", 26: "SO_ATTACH_FILTER",
		27: "SO_DETACH_FILTER", 28: "SO_PEERNAME", 29: "SO_TIMESTAMP_OLD",
		30: "SO_ACCEPTCONN", 31: "SO_PEERSEC", 32: "SO_SNDBUFFORCE",
		33: "SO_RCVBUFFORCE", 34: "SO_PASSSEC", 36: "SO_MARK", 38: "SO_PROTOCOL",
		39: "SO_DOMAIN", 40: "SO_RXQ_OVFL", 42: "SO_PEEK_OFF", 46: "SO_BUSY_POLL",
		49: "SO_INCOMING_CPU", 57: "SO_COOKIE", 59: "SO_PEERGROUPS",
		60: "SO_ZEROCOPY", 61: "SO_TXTIME", 66: "SO_RCVTIMEO_NEW",
		67: "SO_SNDTIMEO_NEW", 77: "SO_PEERPIDFD"},
	6: {1: "TCP_NODELAY", 2: "TCP_MAXSEG", 3: "TCP_CORK", 4: "TCP_KEEPIDLE",
		5: "TCP_KEEPINTVL", 6: "TCP_KEEPCNT", 7: "TCP_SYNCNT", 8: "TCP_LINGER2",
		9: "TCP_DEFER_ACCEPT", 10: "TCP_WINDOW_CLAMP", 11: "TCP_INFO",
		12: "TCP_QUICKACK", 13: "TCP_CONGESTION", 18: "TCP_USER_TIMEOUT",
		23: "TCP_FASTOPEN", 30: "TCP_FASTOPEN_CONNECT", 31: "TCP_ULP"},
	0: {1: "IP_TOS", 2: "IP_TTL", 3: "IP_HDRINCL", 4: "IP_OPTIONS", 8: "IP_PKTINFO",
		10: "IP_MTU_DISCOVER", 11: "IP_RECVERR", 12: "IP_RECVTTL", 14: "IP_MTU",
		15: "IP_FREEBIND", 19: "IP_TRANSPARENT", 32: "IP_MULTICAST_IF",
		33: "IP_MULTICAST_TTL", 34: "IP_MULTICAST_LOOP", 35: "IP_ADD_MEMBERSHIP",
		36: "IP_DROP_MEMBERSHIP", 49: "IP_BIND_ADDRESS_NO_PORT"},
	41: {16: "IPV6_UNICAST_HOPS", 17: "IPV6_MULTICAST_IF", 18: "IPV6_MULTICAST_HOPS",
		19: "IPV6_MULTICAST_LOOP", 20: "IPV6_ADD_MEMBERSHIP", 21: "IPV6_DROP_MEMBERSHIP",
		23: "IPV6_MTU_DISCOVER", 24: "IPV6_MTU", 25: "IPV6_RECVERR", 26: "IPV6_V6ONLY",
		49: "IPV6_RECVPKTINFO", 67: "IPV6_TCLASS"},
	17: {1: "UDP_CORK", 100: "UDP_ENCAP", 103: "UDP_SEGMENT", 104: "UDP_GRO"},
}

var pollEvents = flagSet{
	{0x1, "POLLIN"}, {0x2, "POLLPRI"}, {0x4, "POLLOUT"}, {0x8, "POLLERR"},
	{0x10, "POLLHUP"}, {0x20, "POLLNVAL"}, {0x40, "POLLRDNORM"}, {0x80, "POLLRDBAND"},
	{0x100, "POLLWRNORM"}, {0x200, "POLLWRBAND"}, {0x400, "POLLMSG"},
	{0x1000, "POLLREMOVE"}, {0x2000, "POLLRDHUP"},
}

var epollEvents = flagSet{
	{0x1, "EPOLLIN"}, {0x2, "EPOLLPRI"}, {0x4, "EPOLLOUT"}, {0x8, "EPOLLERR"},
	{0x10, "EPOLLHUP"}, {0x20, "EPOLLNVAL"}, {0x40, "EPOLLRDNORM"}, {0x80, "EPOLLRDBAND"},
	{0x100, "EPOLLWRNORM"}, {0x200, "EPOLLWRBAND"}, {0x400, "EPOLLMSG"},
	{0x2000, "EPOLLRDHUP"}, {1 << 28, "EPOLLEXCLUSIVE"}, {1 << 29, "EPOLLWAKEUP"},
	{1 << 30, "EPOLLONESHOT"}, {1 << 31, "EPOLLET"},
}

var epollCtlOps = enum{1: "EPOLL_CTL_ADD", 2: "EPOLL_CTL_DEL", 3: "EPOLL_CTL_MOD"}

var cloexecFlags = flagSet{{0o2000000, "O_CLOEXEC"}}

var cloexecNonblockFlags = flagSet{{0o4000, "O_NONBLOCK"}, {0o2000000, "O_CLOEXEC"}}

var eventfdFlags = flagSet{{1, "EFD_SEMAPHORE"}, {0o4000, "EFD_NONBLOCK"}, {0o2000000, "EFD_CLOEXEC"}}

var epollCreateFlags = flagSet{{0o2000000, "EPOLL_CLOEXEC"}}

var inotifyInitFlags = flagSet{{0o4000, "IN_NONBLOCK"}, {0o2000000, "IN_CLOEXEC"}}

var signalfdFlags = flagSet{{0o4000, "SFD_NONBLOCK"}, {0o2000000, "SFD_CLOEXEC"}}

var timerfdCreateFlags = flagSet{{0o4000, "TFD_NONBLOCK"}, {0o2000000, "TFD_CLOEXEC"}}

var timerfdSetFlags = flagSet{{1, "TFD_TIMER_ABSTIME"}, {2, "TFD_TIMER_CANCEL_ON_SET"}}

var timerFlags = flagSet{{1, "TIMER_ABSTIME"}}

var memfdFlags = flagSet{{1, "MFD_CLOEXEC"}, {2, "MFD_ALLOW_SEALING"}, {4, "MFD_HUGETLB"}, {8, "MFD_NOEXEC_SEAL"}, {0x10, "MFD_EXEC"}}

var getrandomFlags = flagSet{{1, "GRND_NONBLOCK"}, {2, "GRND_RANDOM"}, {4, "GRND_INSECURE"}}

var renameFlags = flagSet{{1, "RENAME_NOREPLACE"}, {2, "RENAME_EXCHANGE"}, {4, "RENAME_WHITEOUT"}}

var flockOps = flagSet{{1, "LOCK_SH"}, {2, "LOCK_EX"}, {4, "LOCK_NB"}, {8, "LOCK_UN"}}

var itimerWhich = enum{0: "ITIMER_REAL", 1: "ITIMER_VIRTUAL", 2: "ITIMER_PROF"}

var rusageWho = enum{0: "RUSAGE_SELF", 0xffffffffffffffff: "RUSAGE_CHILDREN", 0xffffffff: "RUSAGE_CHILDREN", 1: "RUSAGE_THREAD"}

var priorityWhich = enum{0: "PRIO_PROCESS", 1: "PRIO_PGRP", 2: "PRIO_USER"}

var schedPolicies = enum{0: "SCHED_OTHER", 1: "SCHED_FIFO", 2: "SCHED_RR", 3: "SCHED_BATCH", 5: "SCHED_IDLE", 6: "SCHED_DEADLINE"}

var fadviseAdvice = enum{0: "POSIX_FADV_NORMAL", 1: "POSIX_FADV_RANDOM", 2: "POSIX_FADV_SEQUENTIAL", 3: "POSIX_FADV_WILLNEED", 4: "POSIX_FADV_DONTNEED", 5: "POSIX_FADV_NOREUSE"}

var fallocateModes = flagSet{{1, "FALLOC_FL_KEEP_SIZE"}, {2, "FALLOC_FL_PUNCH_HOLE"}, {4, "FALLOC_FL_NO_HIDE_STALE"}, {8, "FALLOC_FL_COLLAPSE_RANGE"}, {0x10, "FALLOC_FL_ZERO_RANGE"}, {0x20, "FALLOC_FL_INSERT_RANGE"}, {0x40, "FALLOC_FL_UNSHARE_RANGE"}}

var closeRangeFlags = flagSet{{2, "CLOSE_RANGE_UNSHARE"}, {4, "CLOSE_RANGE_CLOEXEC"}}

var spliceFlags = flagSet{{1, "SPLICE_F_MOVE"}, {2, "SPLICE_F_NONBLOCK"}, {4, "SPLICE_F_MORE"}, {8, "SPLICE_F_GIFT"}}

var mountFlags = flagSet{
	{1, "MS_RDONLY"}, {2, "MS_NOSUID"}, {4, "MS_NODEV"}, {8, "MS_NOEXEC"},
	{16, "MS_SYNCHRONOUS"}, {32, "MS_REMOUNT"}, {64, "MS_MANDLOCK"}, {128, "MS_DIRSYNC"},
	{256, "MS_NOSYMFOLLOW"}, {1024, "MS_NOATIME"}, {2048, "MS_NODIRATIME"},
	{4096, "MS_BIND"}, {8192, "MS_MOVE"}, {16384, "MS_REC"}, {32768, "MS_SILENT"},
	{1 << 16, "MS_POSIXACL"}, {1 << 17, "MS_UNBINDABLE"}, {1 << 18, "MS_PRIVATE"},
	{1 << 19, "MS_SLAVE"}, {1 << 20, "MS_SHARED"}, {1 << 21, "MS_RELATIME"},
	{1 << 22, "MS_KERNMOUNT"}, {1 << 23, "MS_I_VERSION"}, {1 << 24, "MS_STRICTATIME"},
	{1 << 25, "MS_LAZYTIME"},
}

var umountFlags = flagSet{{1, "MNT_FORCE"}, {2, "MNT_DETACH"}, {4, "MNT_EXPIRE"}, {8, "UMOUNT_NOFOLLOW"}}

var seccompOps = enum{0: "SECCOMP_SET_MODE_STRICT", 1: "SECCOMP_SET_MODE_FILTER", 2: "SECCOMP_GET_ACTION_AVAIL", 3: "SECCOMP_GET_NOTIF_SIZES"}

var seccompFlags = flagSet{{1, "SECCOMP_FILTER_FLAG_TSYNC"}, {2, "SECCOMP_FILTER_FLAG_LOG"}, {4, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"}, {8, "SECCOMP_FILTER_FLAG_NEW_LISTENER"}, {16, "SECCOMP_FILTER_FLAG_TSYNC_ESRCH"}, {32, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}}

var statxMask = flagSet{
	{0xfff, "STATX_ALL"}, {0x7ff, "STATX_BASIC_STATS"},
	{0x1, "STATX_TYPE"}, {0x2, "STATX_MODE"}, {0x4, "STATX_NLINK"}, {0x8, "STATX_UID"},
	{0x10, "STATX_GID"}, {0x20, "STATX_ATIME"}, {0x40, "STATX_MTIME"}, {0x80, "STATX_CTIME"},
	{0x100, "STATX_INO"}, {0x200, "STATX_SIZE"}, {0x400, "STATX_BLOCKS"}, {0x800, "STATX_BTIME"},
	{0x1000, "STATX_MNT_ID"}, {0x2000, "STATX_DIOALIGN"}, {0x4000, "STATX_MNT_ID_UNIQUE"},
}

var membarrierCmds = enum{0: "MEMBARRIER_CMD_QUERY", 1: "MEMBARRIER_CMD_GLOBAL", 2: "MEMBARRIER_CMD_GLOBAL_EXPEDITED", 4: "MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED", 8: "MEMBARRIER_CMD_PRIVATE_EXPEDITED", 16: "MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED", 32: "MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE", 64: "MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE", 128: "MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ", 256: "MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ"}

var ptraceRequests = enum{0: "PTRACE_TRACEME", 1: "PTRACE_PEEKTEXT", 2: "PTRACE_PEEKDATA", 3: "PTRACE_PEEKUSER", 4: "PTRACE_POKETEXT", 5: "PTRACE_POKEDATA", 6: "PTRACE_POKEUSER", 7: "PTRACE_CONT", 8: "PTRACE_KILL", 9: "PTRACE_SINGLESTEP", 12: "PTRACE_GETREGS", 13: "PTRACE_SETREGS", 14: "PTRACE_GETFPREGS", 15: "PTRACE_SETFPREGS", 16: "PTRACE_ATTACH", 17: "PTRACE_DETACH", 24: "PTRACE_SYSCALL", 31: "PTRACE_SYSEMU", 0x4200: "PTRACE_SETOPTIONS", 0x4201: "PTRACE_GETEVENTMSG", 0x4202: "PTRACE_GETSIGINFO", 0x4203: "PTRACE_SETSIGINFO", 0x4204: "PTRACE_GETREGSET", 0x4205: "PTRACE_SETREGSET", 0x4206: "PTRACE_SEIZE", 0x4207: "PTRACE_INTERRUPT", 0x4208: "PTRACE_LISTEN"}

var sigevNotify = enum{0: "SIGEV_SIGNAL", 1: "SIGEV_NONE", 2: "SIGEV_THREAD", 4: "SIGEV_THREAD_ID"}

var ipcCmds = enum{0: "IPC_RMID", 1: "IPC_SET", 2: "IPC_STAT", 3: "IPC_INFO", 11: "SHM_LOCK", 12: "SHM_UNLOCK", 13: "SHM_STAT", 14: "SHM_INFO"}

var ipcFlags = flagSet{{0o1000, "IPC_CREAT"}, {0o2000, "IPC_EXCL"}, {0o4000, "IPC_NOWAIT"}}

var shmatFlags = flagSet{{0o10000, "SHM_RDONLY"}, {0o20000, "SHM_RND"}, {0o40000, "SHM_REMAP"}, {0o100000, "SHM_EXEC"}}

var personalityFlags = flagSet{{0x0020000, "UNAME26"}, {0x0040000, "ADDR_NO_RANDOMIZE"}, {0x0080000, "FDPIC_FUNCPTRS"}, {0x0100000, "MMAP_PAGE_ZERO"}, {0x0200000, "ADDR_COMPAT_LAYOUT"}, {0x0400000, "READ_IMPLIES_EXEC"}, {0x0800000, "ADDR_LIMIT_32BIT"}, {0x1000000, "SHORT_INODE"}, {0x2000000, "WHOLE_SECONDS"}, {0x4000000, "STICKY_TIMEOUTS"}, {0x8000000, "ADDR_LIMIT_3GB"}}

var pidfdFlags = flagSet{{0o4000, "PIDFD_NONBLOCK"}, {1, "PIDFD_THREAD"}}

var rseqFlags = flagSet{{1, "RSEQ_FLAG_UNREGISTER"}}

var resolveFlags = flagSet{{1, "RESOLVE_NO_XDEV"}, {2, "RESOLVE_NO_MAGICLINKS"}, {4, "RESOLVE_NO_SYMLINKS"}, {8, "RESOLVE_BENEATH"}, {16, "RESOLVE_IN_ROOT"}, {32, "RESOLVE_CACHED"}}

var mlock2Flags = flagSet{{1, "MLOCK_ONFAULT"}}

var xattrFlags = flagSet{{1, "XATTR_CREATE"}, {2, "XATTR_REPLACE"}}
