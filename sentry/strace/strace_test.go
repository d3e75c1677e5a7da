package strace

import (
	"encoding/binary"
	"strings"
	"syscall"
	"testing"

	"github.com/moat-dev/moat/sentry/abi"
)

// fakeMem is application memory made of separate regions; reads that run
// off the end of a region copy what they can and fail with EFAULT.
type fakeMem struct {
	regions []region
	next    uint64
}

type region struct {
	addr uint64
	data []byte
}

func newMem() *fakeMem { return &fakeMem{next: 0x10000} }

func (m *fakeMem) CopyIn(addr uint64, dst []byte) (int, error) {
	for _, r := range m.regions {
		if addr >= r.addr && addr-r.addr < uint64(len(r.data)) {
			n := copy(dst, r.data[addr-r.addr:])
			if n < len(dst) {
				return n, syscall.EFAULT
			}
			return n, nil
		}
	}
	if len(dst) == 0 {
		return 0, nil
	}
	return 0, syscall.EFAULT
}

// put maps b at a fresh address, followed by an unmapped gap.
func (m *fakeMem) put(b []byte) uint64 {
	addr := m.next
	m.regions = append(m.regions, region{addr, append([]byte(nil), b...)})
	m.next += (uint64(len(b)) + 0x1fff) &^ 0xfff
	return addr
}

// str maps a NUL-terminated string.
func (m *fakeMem) str(s string) uint64 { return m.put(append([]byte(s), 0)) }

// u64s maps 64-bit words.
func (m *fakeMem) u64s(v ...uint64) uint64 {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], x)
	}
	return m.put(b)
}

// u32s maps 32-bit words.
func (m *fakeMem) u32s(v ...uint32) uint64 {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], x)
	}
	return m.put(b)
}

// strs maps a NULL-terminated array of strings.
func (m *fakeMem) strs(ss ...string) uint64 {
	ptrs := make([]uint64, 0, len(ss)+1)
	for _, s := range ss {
		ptrs = append(ptrs, m.str(s))
	}
	return m.u64s(append(ptrs, 0)...)
}

// stat maps a struct stat with the given mode, size and rdev.
func (m *fakeMem) stat(mode uint32, size int64, rdev uint64) uint64 {
	b := make([]byte, 144)
	binary.LittleEndian.PutUint32(b[24:], mode)
	binary.LittleEndian.PutUint64(b[40:], rdev)
	binary.LittleEndian.PutUint64(b[48:], uint64(size))
	return m.put(b)
}

const unmapped = 0xdead0000

type tc struct {
	name string
	nr   uintptr
	// setup maps memory and returns the arguments.
	setup func(m *fakeMem) [6]uint64
	ret   uint64
	errno syscall.Errno
	enter string // "" to skip
	exit  string
}

func args(a ...uint64) [6]uint64 {
	var r [6]uint64
	copy(r[:], a)
	return r
}

func fixed(a ...uint64) func(*fakeMem) [6]uint64 {
	return func(*fakeMem) [6]uint64 { return args(a...) }
}

const negOne = ^uint64(0)

func neg(v int64) uint64 { return uint64(v) }

var cases = []tc{
	{
		name:  "openat",
		nr:    abi.SysOpenat,
		setup: func(m *fakeMem) [6]uint64 { return args(neg(-100), m.str("/etc/passwd"), 0o2000000) },
		ret:   3,
		enter: `openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC)`,
		exit:  `openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3`,
	},
	{
		name:  "openat ENOENT",
		nr:    abi.SysOpenat,
		setup: func(m *fakeMem) [6]uint64 { return args(neg(-100), m.str("/nope"), 0o2000000|0o200000) },
		errno: syscall.ENOENT,
		exit:  `openat(AT_FDCWD, "/nope", O_RDONLY|O_DIRECTORY|O_CLOEXEC) = -1 ENOENT (No such file or directory)`,
	},
	{
		name:  "openat creat",
		nr:    abi.SysOpenat,
		setup: func(m *fakeMem) [6]uint64 { return args(5, m.str("x"), 0o1101, 0o644) },
		ret:   4,
		exit:  `openat(5, "x", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 4`,
	},
	{
		name:  "open O_SYNC O_TMPFILE",
		nr:    abi.SysOpen,
		setup: func(m *fakeMem) [6]uint64 { return args(m.str("/tmp"), 0o20200002|0o4010000, 0o600) },
		ret:   3,
		exit:  `open("/tmp", O_RDWR|O_SYNC|O_TMPFILE, 0600) = 3`,
	},
	{
		name:  "long path is shown whole",
		nr:    abi.SysOpen,
		setup: func(m *fakeMem) [6]uint64 { return args(m.str("/usr/lib/x86_64-linux-gnu/libc.so.6"), 0) },
		ret:   3,
		exit:  `open("/usr/lib/x86_64-linux-gnu/libc.so.6", O_RDONLY) = 3`,
	},
	{
		name:  "path faults",
		nr:    abi.SysOpen,
		setup: fixed(unmapped, 0),
		errno: syscall.EFAULT,
		exit:  `open(0xdead0000, O_RDONLY) = -1 EFAULT (Bad address)`,
	},
	{
		name:  "path NULL",
		nr:    abi.SysChdir,
		setup: fixed(0),
		errno: syscall.EFAULT,
		exit:  `chdir(NULL) = -1 EFAULT (Bad address)`,
	},
	{
		name:  "path not terminated before the end of the mapping",
		nr:    abi.SysChdir,
		setup: func(m *fakeMem) [6]uint64 { return args(m.put([]byte("/abc"))) },
		errno: syscall.EFAULT,
		exit:  `chdir(0x10000) = -1 EFAULT (Bad address)`,
	},
	{
		name: "read",
		nr:   abi.SysRead,
		setup: func(m *fakeMem) [6]uint64 {
			return args(3, m.put([]byte("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1\n")), 4096)
		},
		ret:   45,
		enter: `read(3, 0x10000, 4096)`,
		exit:  `read(3, "root:x:0:0:root:/root:/bin/bash\n"..., 4096) = 45`,
	},
	{
		name:  "read short",
		nr:    abi.SysRead,
		setup: func(m *fakeMem) [6]uint64 { return args(0, m.put([]byte("hi\nXXXX")), 100) },
		ret:   3,
		exit:  `read(0, "hi\n", 100) = 3`,
	},
	{
		name:  "read EAGAIN",
		nr:    abi.SysRead,
		setup: fixed(3, 0x1000, 4096),
		errno: syscall.EAGAIN,
		exit:  `read(3, 0x1000, 4096) = -1 EAGAIN (Resource temporarily unavailable)`,
	},
	{
		name:  "read buffer faults",
		nr:    abi.SysRead,
		setup: fixed(3, unmapped, 4096),
		ret:   10,
		exit:  `read(3, 0xdead0000, 4096) = 10`,
	},
	{
		name:  "read ret larger than count",
		nr:    abi.SysRead,
		setup: func(m *fakeMem) [6]uint64 { return args(3, m.put([]byte("abcdef")), 2) },
		ret:   1 << 40,
		exit:  `read(3, "ab", 2) = 1099511627776`,
	},
	{
		name:  "write",
		nr:    abi.SysWrite,
		setup: func(m *fakeMem) [6]uint64 { return args(1, m.put([]byte("hello\n")), 6) },
		ret:   6,
		enter: `write(1, "hello\n", 6)`,
		exit:  `write(1, "hello\n", 6) = 6`,
	},
	{
		name: "write binary",
		nr:   abi.SysWrite,
		setup: func(m *fakeMem) [6]uint64 {
			return args(1, m.put([]byte("\x7fELF\x02\x01\x01\x00\x001\t\"\\\r\x1b[0m")), 18)
		},
		ret:  18,
		exit: `write(1, "\177ELF\2\1\1\0\0001\t\"\\\r\33[0m", 18) = 18`,
	},
	{
		name:  "write huge length",
		nr:    abi.SysWrite,
		setup: func(m *fakeMem) [6]uint64 { return args(1, m.put([]byte(strings.Repeat("a", 40))), 1<<62) },
		errno: syscall.EFAULT,
		exit:  `write(1, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"..., 4611686018427387904) = -1 EFAULT (Bad address)`,
	},
	{
		name:  "write buffer partly mapped",
		nr:    abi.SysWrite,
		setup: func(m *fakeMem) [6]uint64 { return args(1, m.put([]byte("abc")), 10) },
		errno: syscall.EFAULT,
		exit:  `write(1, 0x10000, 10) = -1 EFAULT (Bad address)`,
	},
	{
		name:  "write NULL",
		nr:    abi.SysWrite,
		setup: fixed(1, 0, 0),
		ret:   0,
		exit:  `write(1, "", 0) = 0`,
	},
	{
		name:  "close EBADF",
		nr:    abi.SysClose,
		setup: fixed(neg(-1)),
		errno: syscall.EBADF,
		exit:  `close(-1) = -1 EBADF (Bad file descriptor)`,
	},
	{
		name:  "mmap",
		nr:    abi.SysMmap,
		setup: fixed(0, 8192, 3, 0x22, negOne, 0),
		ret:   0x7f0000001000,
		enter: `mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)`,
		exit:  `mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000001000`,
	},
	{
		name:  "mmap file",
		nr:    abi.SysMmap,
		setup: fixed(0x7f0000000000, 0x1000, 5, 0x812, 3, 0x28000),
		ret:   0x7f0000000000,
		exit:  `mmap(0x7f0000000000, 4096, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, 3, 0x28000) = 0x7f0000000000`,
	},
	{
		name:  "mmap ENOMEM",
		nr:    abi.SysMmap,
		setup: fixed(0, 1<<47, 0, 0x22|0x4000, negOne, 0),
		errno: syscall.ENOMEM,
		exit:  `mmap(NULL, 140737488355328, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE, -1, 0) = -1 ENOMEM (Cannot allocate memory)`,
	},
	{
		name:  "brk",
		nr:    abi.SysBrk,
		setup: fixed(0),
		ret:   0x555555559000,
		exit:  `brk(NULL) = 0x555555559000`,
	},
	{
		name: "rt_sigaction",
		nr:   abi.SysRtSigaction,
		setup: func(m *fakeMem) [6]uint64 {
			return args(2, m.u64s(0x401000, 0x14000000, 0x402000, 1<<14), 0, 8)
		},
		ret:  0,
		exit: `rt_sigaction(SIGINT, {sa_handler=0x401000, sa_mask=[TERM], sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x402000}, NULL, 8) = 0`,
	},
	{
		name: "rt_sigaction old",
		nr:   abi.SysRtSigaction,
		setup: func(m *fakeMem) [6]uint64 {
			return args(34, 0, m.u64s(1, 0, 0, 0), 8)
		},
		ret:   0,
		enter: `rt_sigaction(SIGRT_2, NULL, 0x10000, 8)`,
		exit:  `rt_sigaction(SIGRT_2, NULL, {sa_handler=SIG_IGN, sa_mask=[], sa_flags=0}, 8) = 0`,
	},
	{
		name: "rt_sigprocmask",
		nr:   abi.SysRtSigprocmask,
		setup: func(m *fakeMem) [6]uint64 {
			return args(2, m.u64s(^uint64(3<<31)), m.u64s(0), 8)
		},
		ret:  0,
		exit: `rt_sigprocmask(SIG_SETMASK, ~[RTMIN RT_1], [], 8) = 0`,
	},
	{
		name: "rt_sigprocmask block",
		nr:   abi.SysRtSigprocmask,
		setup: func(m *fakeMem) [6]uint64 {
			return args(0, m.u64s(1<<1|1<<16), 0, 8)
		},
		ret:  0,
		exit: `rt_sigprocmask(SIG_BLOCK, [INT CHLD], NULL, 8) = 0`,
	},
	{
		name:  "fstat",
		nr:    abi.SysFstat,
		setup: func(m *fakeMem) [6]uint64 { return args(3, m.stat(0o100644, 3040, 0)) },
		ret:   0,
		enter: `fstat(3, 0x10000)`,
		exit:  `fstat(3, {st_mode=S_IFREG|0644, st_size=3040, ...}) = 0`,
	},
	{
		name:  "fstat fails",
		nr:    abi.SysFstat,
		setup: func(m *fakeMem) [6]uint64 { return args(99, m.stat(0o100644, 3040, 0)) },
		errno: syscall.EBADF,
		exit:  `fstat(99, 0x10000) = -1 EBADF (Bad file descriptor)`,
	},
	{
		name:  "stat faults",
		nr:    abi.SysFstat,
		setup: fixed(3, unmapped),
		ret:   0,
		exit:  `fstat(3, 0xdead0000) = 0`,
	},
	{
		name: "newfstatat char device",
		nr:   abi.SysNewfstatat,
		setup: func(m *fakeMem) [6]uint64 {
			return args(neg(-100), m.str("/dev/null"), m.stat(0o20666, 0, 0x103), 0)
		},
		ret:  0,
		exit: `newfstatat(AT_FDCWD, "/dev/null", {st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), ...}, 0) = 0`,
	},
	{
		name: "newfstatat empty path",
		nr:   abi.SysNewfstatat,
		setup: func(m *fakeMem) [6]uint64 {
			return args(3, m.str(""), m.stat(0o41777, 4096, 0), 0x1000)
		},
		ret:  0,
		exit: `newfstatat(3, "", {st_mode=S_IFDIR|S_ISVTX|0777, st_size=4096, ...}, AT_EMPTY_PATH) = 0`,
	},
	{
		name: "execve",
		nr:   abi.SysExecve,
		setup: func(m *fakeMem) [6]uint64 {
			return args(m.str("/bin/sh"), m.strs("sh", "-c", "echo hi"), m.strs("PATH=/bin", "HOME=/"))
		},
		ret:   0,
		enter: `execve("/bin/sh", ["sh", "-c", "echo hi"], ["PATH=/bin", "HOME=/"])`,
		// The old memory is gone after a successful execve.
		exit: `execve(0x10000, 0x18000, 0x1e000) = 0`,
	},
	{
		name: "execve long argv",
		nr:   abi.SysExecve,
		setup: func(m *fakeMem) [6]uint64 {
			return args(m.str("/bin/echo"), m.strs("echo", "1", "2", "3", "4", "5", "6", strings.Repeat("x", 40), "8", "9"), m.strs())
		},
		errno: syscall.ENOENT,
		exit:  `execve("/bin/echo", ["echo", "1", "2", "3", "4", "5", "6", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"..., ...], []) = -1 ENOENT (No such file or directory)`,
	},
	{
		name: "execve argv faults",
		nr:   abi.SysExecve,
		setup: func(m *fakeMem) [6]uint64 {
			return args(m.str("/bin/true"), unmapped, m.u64s(m.str("A=1")))
		},
		errno: syscall.EFAULT,
		exit:  `execve("/bin/true", 0xdead0000, ["A=1", ... /* 0x14008 */]) = -1 EFAULT (Bad address)`,
	},
	{
		name: "execveat fails",
		nr:   abi.SysExecveat,
		setup: func(m *fakeMem) [6]uint64 {
			return args(3, m.str(""), m.strs("prog"), 0, 0x1000)
		},
		errno: syscall.ENOEXEC,
		exit:  `execveat(3, "", ["prog"], NULL, AT_EMPTY_PATH) = -1 ENOEXEC (Exec format error)`,
	},
	{
		name:  "futex wait",
		nr:    abi.SysFutex,
		setup: fixed(0x7f00000010, 128, 2, 0),
		errno: syscall.EAGAIN,
		exit:  `futex(0x7f00000010, FUTEX_WAIT_PRIVATE, 2, NULL) = -1 EAGAIN (Resource temporarily unavailable)`,
	},
	{
		name:  "futex wake",
		nr:    abi.SysFutex,
		setup: fixed(0x7f00000010, 129, 1),
		ret:   1,
		exit:  `futex(0x7f00000010, FUTEX_WAKE_PRIVATE, 1) = 1`,
	},
	{
		name: "futex wait bitset",
		nr:   abi.SysFutex,
		setup: func(m *fakeMem) [6]uint64 {
			return args(0x7f00000010, 9|128|256, 0, m.u64s(5, 500), 0, 0xffffffff)
		},
		errno: syscall.ETIMEDOUT,
		exit:  `futex(0x7f00000010, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME, 0, {tv_sec=5, tv_nsec=500}, FUTEX_BITSET_MATCH_ANY) = -1 ETIMEDOUT (Connection timed out)`,
	},
	{
		name:  "clone",
		nr:    abi.SysClone,
		setup: fixed(0x1200011, 0, 0, 0x7f0000000a10, 0),
		ret:   1234,
		exit:  `clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0000000a10) = 1234`,
	},
	{
		name:  "clone thread",
		nr:    abi.SysClone,
		setup: fixed(0x3d0f00, 0x7f0000100000, 0x7f0000200000, 0x7f0000200000, 0x7f0000300000),
		ret:   1235,
		exit:  `clone(child_stack=0x7f0000100000, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, parent_tid=0x7f0000200000, child_tidptr=0x7f0000200000, tls=0x7f0000300000) = 1235`,
	},
	{
		name: "clone3",
		nr:   abi.SysClone3,
		setup: func(m *fakeMem) [6]uint64 {
			return args(m.u64s(0x100, 0, 0, 0, 17, 0x7f0000000000, 0x10000, 0), 88)
		},
		ret:  5,
		exit: `clone3({flags=CLONE_VM, exit_signal=SIGCHLD, stack=0x7f0000000000, stack_size=0x10000}, 88) = 5`,
	},
	{
		name:  "ioctl TCGETS ENOTTY",
		nr:    abi.SysIoctl,
		setup: fixed(1, 0x5401, 0x7ffc0000),
		errno: syscall.ENOTTY,
		exit:  `ioctl(1, TCGETS, 0x7ffc0000) = -1 ENOTTY (Inappropriate ioctl for device)`,
	},
	{
		name: "ioctl TIOCGWINSZ",
		nr:   abi.SysIoctl,
		setup: func(m *fakeMem) [6]uint64 {
			return args(1, 0x5413, m.put([]byte{24, 0, 80, 0, 0, 0, 0, 0}))
		},
		ret:   0,
		enter: `ioctl(1, TIOCGWINSZ, 0x10000)`,
		exit:  `ioctl(1, TIOCGWINSZ, {ws_row=24, ws_col=80, ws_xpixel=0, ws_ypixel=0}) = 0`,
	},
	{
		name:  "ioctl FIONBIO",
		nr:    abi.SysIoctl,
		setup: func(m *fakeMem) [6]uint64 { return args(3, 0x5421, m.u32s(1)) },
		ret:   0,
		exit:  `ioctl(3, FIONBIO, [1]) = 0`,
	},
	{
		name:  "ioctl FIOCLEX",
		nr:    abi.SysIoctl,
		setup: fixed(3, 0x5451),
		ret:   0,
		exit:  `ioctl(3, FIOCLEX) = 0`,
	},
	{
		name:  "ioctl unknown",
		nr:    abi.SysIoctl,
		setup: fixed(3, 0xc0185879, 0x1000),
		errno: syscall.EINVAL,
		exit:  `ioctl(3, 0xc0185879, 0x1000) = -1 EINVAL (Invalid argument)`,
	},
	{
		name:  "fcntl F_GETFL",
		nr:    abi.SysFcntl,
		setup: fixed(3, 3),
		ret:   0x8002,
		exit:  `fcntl(3, F_GETFL) = 0x8002 (flags O_RDWR|O_LARGEFILE)`,
	},
	{
		name:  "fcntl F_SETFD",
		nr:    abi.SysFcntl,
		setup: fixed(3, 2, 1),
		ret:   0,
		exit:  `fcntl(3, F_SETFD, FD_CLOEXEC) = 0`,
	},
	{
		name:  "fcntl F_DUPFD_CLOEXEC",
		nr:    abi.SysFcntl,
		setup: fixed(0, 1030, 10),
		ret:   10,
		exit:  `fcntl(0, F_DUPFD_CLOEXEC, 10) = 10`,
	},
	{
		name:  "fcntl F_SETFL",
		nr:    abi.SysFcntl,
		setup: fixed(3, 4, 0o4002),
		ret:   0,
		exit:  `fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0`,
	},
	{
		name:  "access",
		nr:    abi.SysAccess,
		setup: func(m *fakeMem) [6]uint64 { return args(m.str("/etc/ld.so.preload"), 4) },
		errno: syscall.ENOENT,
		exit:  `access("/etc/ld.so.preload", R_OK) = -1 ENOENT (No such file or directory)`,
	},
	{
		name:  "faccessat2",
		nr:    abi.SysFaccessat2,
		setup: func(m *fakeMem) [6]uint64 { return args(neg(-100), m.str("/bin/sh"), 5, 0x200) },
		ret:   0,
		exit:  `faccessat2(AT_FDCWD, "/bin/sh", R_OK|X_OK, AT_EACCESS) = 0`,
	},
	{
		name:  "faccessat F_OK",
		nr:    abi.SysFaccessat,
		setup: func(m *fakeMem) [6]uint64 { return args(neg(-100), m.str("x"), 0) },
		ret:   0,
		exit:  `faccessat(AT_FDCWD, "x", F_OK) = 0`,
	},
	{
		name:  "unlinkat",
		nr:    abi.SysUnlinkat,
		setup: func(m *fakeMem) [6]uint64 { return args(4, m.str("d"), 0x200) },
		ret:   0,
		exit:  `unlinkat(4, "d", AT_REMOVEDIR) = 0`,
	},
	{
		name:  "fchownat flags",
		nr:    abi.SysFchownat,
		setup: func(m *fakeMem) [6]uint64 { return args(neg(-100), m.str("l"), 1000, negOne, 0x1100) },
		ret:   0,
		exit:  `fchownat(AT_FDCWD, "l", 1000, -1, AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH) = 0`,
	},
	{
		name:  "mkdir mode",
		nr:    abi.SysMkdir,
		setup: func(m *fakeMem) [6]uint64 { return args(m.str("/tmp/d"), 0o755) },
		errno: syscall.EEXIST,
		exit:  `mkdir("/tmp/d", 0755) = -1 EEXIST (File exists)`,
	},
	{
		name:  "arch_prctl SET_FS",
		nr:    abi.SysArchPrctl,
		setup: fixed(0x1002, 0x7f0000000740),
		ret:   0,
		exit:  `arch_prctl(ARCH_SET_FS, 0x7f0000000740) = 0`,
	},
	{
		name:  "arch_prctl unknown",
		nr:    abi.SysArchPrctl,
		setup: fixed(0x9999, 0x7ffc0000),
		errno: syscall.EINVAL,
		exit:  `arch_prctl(0x9999 /* ARCH_??? */, 0x7ffc0000) = -1 EINVAL (Invalid argument)`,
	},
	{
		name:  "prctl PR_SET_NAME",
		nr:    abi.SysPrctl,
		setup: func(m *fakeMem) [6]uint64 { return args(15, m.str("worker")) },
		ret:   0,
		exit:  `prctl(PR_SET_NAME, "worker") = 0`,
	},
	{
		name:  "prctl PR_SET_NO_NEW_PRIVS",
		nr:    abi.SysPrctl,
		setup: fixed(38, 1),
		ret:   0,
		exit:  `prctl(PR_SET_NO_NEW_PRIVS, 0x1, 0, 0, 0) = 0`,
	},
	{
		name:  "prctl PR_GET_DUMPABLE",
		nr:    abi.SysPrctl,
		setup: fixed(3),
		ret:   1,
		exit:  `prctl(PR_GET_DUMPABLE) = 1`,
	},
	{
		name: "prlimit64",
		nr:   abi.SysPrlimit64,
		setup: func(m *fakeMem) [6]uint64 {
			return args(0, 3, 0, m.u64s(8192*1024, negOne))
		},
		ret:   0,
		enter: `prlimit64(0, RLIMIT_STACK, NULL, 0x10000)`,
		exit:  `prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0`,
	},
	{
		name:  "getrlimit",
		nr:    abi.SysGetrlimit,
		setup: func(m *fakeMem) [6]uint64 { return args(7, m.u64s(1000, 4096)) },
		ret:   0,
		exit:  `getrlimit(RLIMIT_NOFILE, {rlim_cur=1000, rlim_max=4*1024}) = 0`,
	},
	{
		name:  "clock_gettime",
		nr:    abi.SysClockGettime,
		setup: func(m *fakeMem) [6]uint64 { return args(1, m.u64s(1, 500)) },
		ret:   0,
		exit:  `clock_gettime(CLOCK_MONOTONIC, {tv_sec=1, tv_nsec=500}) = 0`,
	},
	{
		name:  "clock_nanosleep",
		nr:    abi.SysClockNanosleep,
		setup: func(m *fakeMem) [6]uint64 { return args(0, 1, m.u64s(100, 0), 0) },
		ret:   0,
		exit:  `clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, {tv_sec=100, tv_nsec=0}, NULL) = 0`,
	},
	{
		name:  "nanosleep interrupted",
		nr:    abi.SysNanosleep,
		setup: func(m *fakeMem) [6]uint64 { return args(m.u64s(1, 0), m.u64s(0, 5)) },
		errno: 516,
		exit:  `nanosleep({tv_sec=1, tv_nsec=0}, 0x12000) = ? ERESTART_RESTARTBLOCK (Interrupted by signal)`,
	},
	{
		name:  "lseek",
		nr:    abi.SysLseek,
		setup: fixed(3, neg(-10), 2),
		ret:   100,
		exit:  `lseek(3, -10, SEEK_END) = 100`,
	},
	{
		name:  "wait4 exited",
		nr:    abi.SysWait4,
		setup: func(m *fakeMem) [6]uint64 { return args(negOne, m.u32s(0x0300), 0, 0) },
		ret:   42,
		exit:  `wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 42`,
	},
	{
		name:  "wait4 signaled",
		nr:    abi.SysWait4,
		setup: func(m *fakeMem) [6]uint64 { return args(42, m.u32s(0x8b), 0x40000001, 0) },
		ret:   42,
		exit:  `wait4(42, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && WCOREDUMP(s)}], WNOHANG|__WALL, NULL) = 42`,
	},
	{
		name:  "wait4 ECHILD",
		nr:    abi.SysWait4,
		setup: fixed(negOne, 0x7ffc0000, 0, 0),
		errno: syscall.ECHILD,
		exit:  `wait4(-1, 0x7ffc0000, 0, NULL) = -1 ECHILD (No child processes)`,
	},
	{
		name:  "waitid",
		nr:    abi.SysWaitid,
		setup: fixed(1, 42, 0, 4, 0),
		ret:   0,
		exit:  `waitid(P_PID, 42, NULL, WEXITED, NULL) = 0`,
	},
	{
		name:  "exit_group",
		nr:    abi.SysExitGroup,
		setup: fixed(0),
		enter: `exit_group(0)`,
		exit:  `exit_group(0) = ?`,
	},
	{
		name:  "kill",
		nr:    abi.SysKill,
		setup: fixed(123, 15),
		ret:   0,
		exit:  `kill(123, SIGTERM) = 0`,
	},
	{
		name:  "tgkill",
		nr:    abi.SysTgkill,
		setup: fixed(1, 2, 6),
		ret:   0,
		exit:  `tgkill(1, 2, SIGABRT) = 0`,
	},
	{
		name:  "pipe2",
		nr:    abi.SysPipe2,
		setup: func(m *fakeMem) [6]uint64 { return args(m.u32s(3, 4), 0o2004000) },
		ret:   0,
		exit:  `pipe2([3, 4], O_NONBLOCK|O_CLOEXEC) = 0`,
	},
	{
		name:  "socket",
		nr:    abi.SysSocket,
		setup: fixed(2, 1|0o2000000, 6),
		ret:   3,
		exit:  `socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_TCP) = 3`,
	},
	{
		name:  "socket unix",
		nr:    abi.SysSocket,
		setup: fixed(1, 5|0o4000, 0),
		ret:   3,
		exit:  `socket(AF_UNIX, SOCK_SEQPACKET|SOCK_NONBLOCK, 0) = 3`,
	},
	{
		name: "connect inet",
		nr:   abi.SysConnect,
		setup: func(m *fakeMem) [6]uint64 {
			return args(3, m.put([]byte{2, 0, 0, 80, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}), 16)
		},
		errno: syscall.ECONNREFUSED,
		exit:  `connect(3, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 ECONNREFUSED (Connection refused)`,
	},
	{
		name: "connect unix",
		nr:   abi.SysConnect,
		setup: func(m *fakeMem) [6]uint64 {
			return args(3, m.put(append([]byte{1, 0}, "/var/run/nscd/socket\x00"...)), 110)
		},
		errno: syscall.ENOENT,
		exit:  `connect(3, 0x10000, 110) = -1 ENOENT (No such file or directory)`,
	},
	{
		name: "bind unix",
		nr:   abi.SysBind,
		setup: func(m *fakeMem) [6]uint64 {
			return args(3, m.put(append([]byte{1, 0}, "/tmp/s\x00"...)), 9)
		},
		ret:  0,
		exit: `bind(3, {sa_family=AF_UNIX, sun_path="/tmp/s"}, 9) = 0`,
	},
	{
		name: "bind inet6",
		nr:   abi.SysBind,
		setup: func(m *fakeMem) [6]uint64 {
			return args(3, m.put([]byte{10, 0, 0x1f, 0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}), 28)
		},
		ret:  0,
		exit: `bind(3, {sa_family=AF_INET6, sin6_port=htons(8080), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 0`,
	},
	{
		name: "accept4",
		nr:   abi.SysAccept4,
		setup: func(m *fakeMem) [6]uint64 {
			return args(3, m.put([]byte{2, 0, 0x30, 0x39, 10, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0}), m.u32s(16), 0o2000000)
		},
		ret:  4,
		exit: `accept4(3, {sa_family=AF_INET, sin_port=htons(12345), sin_addr=inet_addr("10.0.0.2")}, [16], SOCK_CLOEXEC) = 4`,
	},
	{
		name: "setsockopt",
		nr:   abi.SysSetsockopt,
		setup: func(m *fakeMem) [6]uint64 {
			return args(3, 1, 2, m.u32s(1), 4)
		},
		ret:  0,
		exit: `setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0`,
	},
	{
		name:  "sendto",
		nr:    abi.SysSendto,
		setup: func(m *fakeMem) [6]uint64 { return args(3, m.put([]byte("ping")), 4, 0x4000, 0, 0) },
		ret:   4,
		exit:  `sendto(3, "ping", 4, MSG_NOSIGNAL, NULL, 0) = 4`,
	},
	{
		name: "poll",
		nr:   abi.SysPoll,
		setup: func(m *fakeMem) [6]uint64 {
			return args(m.put([]byte{3, 0, 0, 0, 1, 0, 1, 0, 4, 0, 0, 0, 4, 0, 0, 0}), 2, negOne)
		},
		ret:   1,
		enter: `poll([{fd=3, events=POLLIN}, {fd=4, events=POLLOUT}], 2, -1)`,
		exit:  `poll([{fd=3, events=POLLIN}, {fd=4, events=POLLOUT}], 2, -1) = 1 ([{fd=3, revents=POLLIN}])`,
	},
	{
		name:  "poll timeout",
		nr:    abi.SysPoll,
		setup: fixed(0, 0, 10),
		ret:   0,
		exit:  `poll(NULL, 0, 10) = 0 (Timeout)`,
	},
	{
		name: "writev",
		nr:   abi.SysWritev,
		setup: func(m *fakeMem) [6]uint64 {
			a, b := m.put([]byte("ab")), m.put([]byte("cde"))
			return args(1, m.u64s(a, 2, b, 3), 2)
		},
		ret:  5,
		exit: `writev(1, [{iov_base="ab", iov_len=2}, {iov_base="cde", iov_len=3}], 2) = 5`,
	},
	{
		name: "readv",
		nr:   abi.SysReadv,
		setup: func(m *fakeMem) [6]uint64 {
			a, b := m.put([]byte("xy")), m.put([]byte("zzzz"))
			return args(0, m.u64s(a, 2, b, 4), 2)
		},
		ret:  3,
		exit: `readv(0, [{iov_base="xy", iov_len=2}, {iov_base="z", iov_len=4}], 2) = 3`,
	},
	{
		name: "getdents64",
		nr:   abi.SysGetdents64,
		setup: func(m *fakeMem) [6]uint64 {
			b := make([]byte, 48)
			binary.LittleEndian.PutUint16(b[16:], 24)
			binary.LittleEndian.PutUint16(b[24+16:], 24)
			return args(3, m.put(b), 32768)
		},
		ret:  48,
		exit: `getdents64(3, 0x10000 /* 2 entries */, 32768) = 48`,
	},
	{
		name: "uname",
		nr:   abi.SysUname,
		setup: func(m *fakeMem) [6]uint64 {
			b := make([]byte, 65*6)
			copy(b, "Linux")
			copy(b[65:], "moat")
			return args(m.put(b))
		},
		ret:  0,
		exit: `uname({sysname="Linux", nodename="moat", ...}) = 0`,
	},
	{
		name:  "getcwd",
		nr:    abi.SysGetcwd,
		setup: func(m *fakeMem) [6]uint64 { return args(m.str("/home/user"), 4096) },
		ret:   11,
		exit:  `getcwd("/home/user", 4096) = 11`,
	},
	{
		name: "readlink",
		nr:   abi.SysReadlink,
		setup: func(m *fakeMem) [6]uint64 {
			return args(m.str("/proc/self/exe"), m.put([]byte("/bin/busyboxJUNK")), 4095)
		},
		ret:  12,
		exit: `readlink("/proc/self/exe", "/bin/busybox", 4095) = 12`,
	},
	{
		name: "sigaltstack",
		nr:   abi.SysSigaltstack,
		setup: func(m *fakeMem) [6]uint64 {
			return args(m.u64s(0x7f0000000000, 0, 0x8000), 0)
		},
		ret:  0,
		exit: `sigaltstack({ss_sp=0x7f0000000000, ss_flags=0, ss_size=32768}, NULL) = 0`,
	},
	{
		name:  "getrandom",
		nr:    abi.SysGetrandom,
		setup: func(m *fakeMem) [6]uint64 { return args(m.put([]byte{1, 2, 3, 0xff, 'a', '8'}), 6, 1) },
		ret:   6,
		exit:  `getrandom("\x01\x02\x03\xff\x61\x38", 6, GRND_NONBLOCK) = 6`,
	},
	{
		name:  "set_robust_list",
		nr:    abi.SysSetRobustList,
		setup: fixed(0x7f00000a20, 24),
		ret:   0,
		exit:  `set_robust_list(0x7f00000a20, 24) = 0`,
	},
	{
		name:  "rseq",
		nr:    abi.SysRseq,
		setup: fixed(0x7f00001000, 32, 0, 0x53053053),
		ret:   0,
		exit:  `rseq(0x7f00001000, 0x20, 0, 0x53053053) = 0`,
	},
	{
		name: "sched_getaffinity",
		nr:   abi.SysSchedGetaffinity,
		setup: func(m *fakeMem) [6]uint64 {
			return args(0, 128, m.put([]byte{0x0f, 0, 0, 0, 0, 0, 0, 0}))
		},
		ret:  8,
		exit: `sched_getaffinity(0, 128, [0 1 2 3]) = 8`,
	},
	{
		name:  "madvise",
		nr:    abi.SysMadvise,
		setup: fixed(0x7f0000000000, 4096, 4),
		ret:   0,
		exit:  `madvise(0x7f0000000000, 4096, MADV_DONTNEED) = 0`,
	},
	{
		name: "epoll_ctl",
		nr:   abi.SysEpollCtl,
		setup: func(m *fakeMem) [6]uint64 {
			return args(5, 1, 3, m.put([]byte{1, 0, 0, 0x80, 3, 0, 0, 0, 0, 0, 0, 0}))
		},
		ret:  0,
		exit: `epoll_ctl(5, EPOLL_CTL_ADD, 3, {events=EPOLLIN|EPOLLET, data={u32=3, u64=3}}) = 0`,
	},
	{
		name:  "eventfd2",
		nr:    abi.SysEventfd2,
		setup: fixed(0, 0o2004000),
		ret:   3,
		exit:  `eventfd2(0, EFD_NONBLOCK|EFD_CLOEXEC) = 3`,
	},
	{
		name:  "statx",
		nr:    abi.SysStatx,
		setup: func(m *fakeMem) [6]uint64 { return args(neg(-100), m.str("/"), 0x100, 0x7ff, unmapped) },
		errno: syscall.ENOSYS,
		exit:  `statx(AT_FDCWD, "/", AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, 0xdead0000) = -1 ENOSYS (Function not implemented)`,
	},
	{
		name:  "unknown errno",
		nr:    abi.SysGetpid,
		setup: fixed(),
		errno: 4000,
		exit:  `getpid() = -1 (errno 4000)`,
	},
	{
		name:  "ERESTARTSYS",
		nr:    abi.SysRead,
		setup: fixed(0, 0x1000, 10),
		errno: 512,
		exit:  `read(0, 0x1000, 10) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)`,
	},
	{
		name:  "hex-only entry",
		nr:    abi.SysCreateModule,
		setup: fixed(0x1000, 8),
		errno: syscall.ENOSYS,
		exit:  `create_module(0x1000, 0x8) = -1 ENOSYS (Function not implemented)`,
	},
	{
		name:  "number past the table",
		nr:    1000,
		setup: fixed(1, 0, 3, 4, 5, 6),
		errno: syscall.ENOSYS,
		enter: `syscall_0x3e8(0x1, 0, 0x3, 0x4, 0x5, 0x6)`,
		exit:  `syscall_0x3e8(0x1, 0, 0x3, 0x4, 0x5, 0x6) = -1 ENOSYS (Function not implemented)`,
	},
	{
		name:  "hole in the table",
		nr:    400,
		setup: fixed(),
		errno: syscall.ENOSYS,
		exit:  `syscall_0x190(0, 0, 0, 0, 0, 0) = -1 ENOSYS (Function not implemented)`,
	},
	{
		name:  "mknodat",
		nr:    abi.SysMknodat,
		setup: func(m *fakeMem) [6]uint64 { return args(neg(-100), m.str("null"), 0o20666, 0x103) },
		ret:   0,
		exit:  `mknodat(AT_FDCWD, "null", S_IFCHR|0666, makedev(0x1, 0x3)) = 0`,
	},
	{
		name:  "umask",
		nr:    abi.SysUmask,
		setup: fixed(0o22),
		ret:   0o77,
		exit:  `umask(0022) = 0077`,
	},
	{
		name:  "set_tid_address",
		nr:    abi.SysSetTidAddress,
		setup: fixed(0x7f0000000a10),
		ret:   7,
		exit:  `set_tid_address(0x7f0000000a10) = 7`,
	},
	{
		name:  "dup3",
		nr:    abi.SysDup3,
		setup: fixed(3, 10, 0o2000000),
		ret:   10,
		exit:  `dup3(3, 10, O_CLOEXEC) = 10`,
	},
	{
		name:  "flock",
		nr:    abi.SysFlock,
		setup: fixed(3, 6),
		ret:   0,
		exit:  `flock(3, LOCK_EX|LOCK_NB) = 0`,
	},
	{
		name:  "mprotect",
		nr:    abi.SysMprotect,
		setup: fixed(0x7f0000000000, 4096, 0),
		ret:   0,
		exit:  `mprotect(0x7f0000000000, 4096, PROT_NONE) = 0`,
	},
	{
		name:  "unshare",
		nr:    abi.SysUnshare,
		setup: fixed(0x20000 | 0x10000000),
		ret:   0,
		exit:  `unshare(CLONE_NEWNS|CLONE_NEWUSER) = 0`,
	},
	{
		name:  "memfd_create",
		nr:    abi.SysMemfdCreate,
		setup: func(m *fakeMem) [6]uint64 { return args(m.str("moat-memfile"), 3) },
		ret:   5,
		exit:  `memfd_create("moat-memfile", MFD_CLOEXEC|MFD_ALLOW_SEALING) = 5`,
	},
	{
		name:  "utimensat UTIME_NOW",
		nr:    abi.SysUtimensat,
		setup: func(m *fakeMem) [6]uint64 { return args(3, 0, m.u64s(0, 1<<30-1, 0, 1<<30-2), 0) },
		ret:   0,
		exit:  `utimensat(3, NULL, [UTIME_NOW, UTIME_OMIT], 0) = 0`,
	},
	{
		name:  "sched_yield",
		nr:    abi.SysSchedYield,
		setup: fixed(),
		ret:   0,
		enter: `sched_yield()`,
		exit:  `sched_yield() = 0`,
	},
}

func init() { repanic.Store(true) }

// panicMem panics on every read, like a buggy Memory.
type panicMem struct{}

func (panicMem) CopyIn(uint64, []byte) (int, error) { panic("boom") }

func TestRecover(t *testing.T) {
	repanic.Store(false)
	defer repanic.Store(true)
	before := panics.Load()
	if got, want := Enter(abi.SysChdir, args(0x1000), panicMem{}), "chdir(0x1000, 0, 0, 0, 0, 0)"; got != want {
		t.Errorf("Enter = %s, want %s", got, want)
	}
	if got, want := Exit(abi.SysChdir, args(0x1000), 0, 2, panicMem{}), "chdir(0x1000, 0, 0, 0, 0, 0) = -1 ENOENT (No such file or directory)"; got != want {
		t.Errorf("Exit = %s, want %s", got, want)
	}
	if panics.Load() != before+2 {
		t.Errorf("panics not counted")
	}
}

func TestFormat(t *testing.T) {
	before := panics.Load()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := newMem()
			a := tc.setup(m)
			if tc.enter != "" {
				if got := Enter(tc.nr, a, m); got != tc.enter {
					t.Errorf("Enter:\n got %s\nwant %s", got, tc.enter)
				}
			}
			if got := Exit(tc.nr, a, tc.ret, int(tc.errno), m); got != tc.exit {
				t.Errorf("Exit:\n got %s\nwant %s", got, tc.exit)
			}
		})
	}
	if n := panics.Load() - before; n != 0 {
		t.Errorf("%d decoder panics recovered", n)
	}
}

func TestQuote(t *testing.T) {
	for _, tc := range []struct {
		in   string
		more bool
		want string
	}{
		{"", false, `""`},
		{"abc", true, `"abc"...`},
		{"\x00", false, `"\0"`},
		{"\x001", false, `"\0001"`},
		{"\x008", false, `"\08"`},
		{"\x1b[", false, `"\33["`},
		{"\xff\xfe", false, `"\377\376"`},
		{"\a\b", false, `"\7\10"`},
		{"tab\there", false, `"tab\there"`},
		{"é", false, `"\303\251"`},
	} {
		if got := quote([]byte(tc.in), tc.more); got != tc.want {
			t.Errorf("quote(%q, %v) = %s, want %s", tc.in, tc.more, got, tc.want)
		}
	}
}

func TestCStringLimits(t *testing.T) {
	m := newMem()
	exact := m.str(strings.Repeat("a", 32))
	long := m.str(strings.Repeat("b", 33))
	path := m.str("/" + strings.Repeat("p", 5000))
	c := &call{mem: m}
	if got, want := c.cstring(exact, maxString), `"`+strings.Repeat("a", 32)+`"`; got != want {
		t.Errorf("exact: %s", got)
	}
	if got, want := c.cstring(long, maxString), `"`+strings.Repeat("b", 32)+`"...`; got != want {
		t.Errorf("long: %s", got)
	}
	if got := c.cstring(path, maxPath); len(got) != maxPath+5 || !strings.HasSuffix(got, `"...`) {
		t.Errorf("path of 5001 bytes: got %d bytes", len(got))
	}
	// A string ending right before a page that is not mapped.
	m2 := newMem()
	page := make([]byte, 4096)
	copy(page[4090:], "hello\x00")
	addr := m2.put(page) + 4090
	if got := (&call{mem: m2}).cstring(addr, maxPath); got != `"hello"` {
		t.Errorf("string at end of mapping: %s", got)
	}
	// Addresses near the top of the address space must not wrap.
	if got := (&call{mem: m2}).cstring(^uint64(0)-2, maxPath); got != "0xfffffffffffffffd" {
		t.Errorf("top of address space: %s", got)
	}
}

func TestNilMemory(t *testing.T) {
	got := Exit(abi.SysOpenat, args(neg(-100), 0x1000, 0), 3, 0, nil)
	if want := `openat(AT_FDCWD, 0x1000, O_RDONLY) = 3`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestEveryNamedSyscall checks that each amd64 system call has a table
// entry, so that it prints the right number of arguments, and that
// formatting it with garbage arguments and no memory does not panic.
func TestEveryNamedSyscall(t *testing.T) {
	before := panics.Load()
	garbage := args(0xdeadbeef, 0xffffffffffffffff, 0x7fffffff, 1<<63, 12345, 0xffffff9c)
	for nr, name := range abi.SyscallNames {
		if name == "" {
			continue
		}
		if lookup(uintptr(nr)) == nil {
			t.Errorf("%s (%d) has no table entry", name, nr)
			continue
		}
		if n := len(table[nr].args); table[nr].custom == nil && n > 6 {
			t.Errorf("%s has %d arguments", name, n)
		}
		enter := Enter(uintptr(nr), garbage, newMem())
		if !strings.HasPrefix(enter, name+"(") || !strings.HasSuffix(enter, ")") {
			t.Errorf("Enter(%s) = %q", name, enter)
		}
		for _, errno := range []int{0, 14} {
			exit := Exit(uintptr(nr), garbage, 0xfffffffffffffff0, errno, newMem())
			if !strings.HasPrefix(exit, enter[:len(name)+1]) || !strings.Contains(exit, ") = ") {
				t.Errorf("Exit(%s) = %q", name, exit)
			}
		}
	}
	if n := panics.Load() - before; n != 0 {
		t.Errorf("%d decoder panics recovered", n)
	}
}

// bytesMem serves data at every address from base on, and faults elsewhere.
type bytesMem struct {
	base uint64
	data []byte
}

func (m bytesMem) CopyIn(addr uint64, dst []byte) (int, error) {
	if addr < m.base || addr-m.base >= uint64(len(m.data)) {
		if len(dst) == 0 {
			return 0, nil
		}
		return 0, syscall.EFAULT
	}
	n := copy(dst, m.data[addr-m.base:])
	if n < len(dst) {
		return n, syscall.EFAULT
	}
	return n, nil
}

func FuzzFormat(f *testing.F) {
	f.Add(uint16(abi.SysOpenat), uint64(0xffffff9c), uint64(0x1000), uint64(0), uint64(3), uint64(0), []byte("/etc/passwd\x00"))
	f.Add(uint16(abi.SysRead), uint64(3), uint64(0x1000), uint64(100), uint64(5), uint64(0), []byte("hello"))
	f.Add(uint16(abi.SysExecve), uint64(0x1000), uint64(0x1000), uint64(0x1008), uint64(0), uint64(0), []byte("\x10\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00/bin/sh\x00"))
	f.Add(uint16(abi.SysPoll), uint64(0x1000), uint64(3), uint64(0), uint64(2), uint64(0), []byte{3, 0, 0, 0, 1, 0, 1, 0})
	f.Add(uint16(abi.SysRecvmsg), uint64(3), uint64(0x1000), uint64(0), uint64(10), uint64(0), make([]byte, 80))
	f.Fuzz(func(t *testing.T, nr uint16, a0, a1, a2, ret, errno uint64, data []byte) {
		before := panics.Load()
		mem := bytesMem{base: 0x1000, data: data}
		a := args(a0, a1, a2, a1+8, a2+16, a0)
		n := uintptr(nr) % (abi.SyscallCount + 16)
		Enter(n, a, mem)
		Exit(n, a, ret, int(errno%600), mem)
		if panics.Load() != before {
			t.Fatalf("decoder panic for syscall %d", n)
		}
	})
}
