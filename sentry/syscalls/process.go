package syscalls

import (
	"crypto/rand"
	"encoding/binary"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/arch"
	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/vfs"
)

func init() {
	register(abi.SysClone, sysClone)
	register(abi.SysClone3, sysClone3)
	register(abi.SysFork, func(t *task, a *args) (uint64, error) {
		return clone(t, kernel.CloneArgs{ExitSignal: int(unix.SIGCHLD)})
	})
	register(abi.SysVfork, func(t *task, a *args) (uint64, error) {
		return clone(t, kernel.CloneArgs{Flags: kernel.CLONE_VM | kernel.CLONE_VFORK, ExitSignal: int(unix.SIGCHLD)})
	})
	register(abi.SysExecve, sysExecve)
	register(abi.SysExit, sysExit)
	register(abi.SysExitGroup, sysExitGroup)
	register(abi.SysWait4, sysWait4)
	register(abi.SysWaitid, sysWaitid)
	register(abi.SysGetpid, func(t *task, a *args) (uint64, error) { return uint64(t.ThreadGroup().ID), nil })
	register(abi.SysGettid, func(t *task, a *args) (uint64, error) { return uint64(t.ID), nil })
	register(abi.SysGetppid, func(t *task, a *args) (uint64, error) { return uint64(t.ThreadGroup().PPID()), nil })
	register(abi.SysGetuid, func(t *task, a *args) (uint64, error) { return uint64(t.Creds().RealUID), nil })
	register(abi.SysGeteuid, func(t *task, a *args) (uint64, error) { return uint64(t.Creds().EffectiveUID), nil })
	register(abi.SysGetgid, func(t *task, a *args) (uint64, error) { return uint64(t.Creds().RealGID), nil })
	register(abi.SysGetegid, func(t *task, a *args) (uint64, error) { return uint64(t.Creds().EffectiveGID), nil })
	register(abi.SysGetresuid, sysGetresuid)
	register(abi.SysGetresgid, sysGetresgid)
	register(abi.SysGetgroups, sysGetgroups)
	register(abi.SysGetpgrp, func(t *task, a *args) (uint64, error) { return uint64(t.ThreadGroup().PGID()), nil })
	register(abi.SysGetpgid, sysGetpgid)
	register(abi.SysGetsid, sysGetsid)
	register(abi.SysSetsid, func(t *task, a *args) (uint64, error) {
		sid, err := t.SetSID()
		return uint64(sid), err
	})
	register(abi.SysSetpgid, func(t *task, a *args) (uint64, error) {
		return 0, t.SetPGID(int32(a[0]), int32(a[1]))
	})
	register(abi.SysSetTidAddress, func(t *task, a *args) (uint64, error) {
		t.SetClearChildTID(a[0])
		return uint64(t.ID), nil
	})
	register(abi.SysSetRobustList, func(t *task, a *args) (uint64, error) {
		if a[1] != 24 {
			return 0, unix.EINVAL
		}
		t.SetRobustList(a[0])
		return 0, nil
	})
	register(abi.SysGetRobustList, sysGetRobustList)
	register(abi.SysArchPrctl, sysArchPrctl)
	register(abi.SysPrctl, sysPrctl)
	register(abi.SysUname, sysUname)
	register(abi.SysSethostname, func(t *task, a *args) (uint64, error) {
		return setUTSName(t, a, t.Kernel().SetHostname)
	})
	register(abi.SysSetdomainname, func(t *task, a *args) (uint64, error) {
		return setUTSName(t, a, t.Kernel().SetDomainname)
	})
	register(abi.SysSysinfo, sysSysinfo)
	register(abi.SysGetrlimit, func(t *task, a *args) (uint64, error) { return prlimit(t, 0, int(a[0]), 0, a[1]) })
	register(abi.SysSetrlimit, func(t *task, a *args) (uint64, error) { return prlimit(t, 0, int(a[0]), a[1], 0) })
	register(abi.SysPrlimit64, func(t *task, a *args) (uint64, error) {
		return prlimit(t, int32(a[0]), int(a[1]), a[2], a[3])
	})
	register(abi.SysGetrandom, sysGetrandom)
	register(abi.SysSchedGetaffinity, sysSchedGetaffinity)
	register(abi.SysSchedYield, func(t *task, a *args) (uint64, error) { runtime.Gosched(); return 0, nil })
	register(abi.SysGetcpu, sysGetcpu)
	register(abi.SysSchedSetaffinity, sysSchedSetaffinity)
}

func clone(t *task, ca kernel.CloneArgs) (uint64, error) {
	id, err := t.Clone(ca)
	return uint64(id), err
}

func sysClone(t *task, a *args) (uint64, error) {
	flags := a[0]
	ca := kernel.CloneArgs{
		Flags: flags &^ 0xff, ExitSignal: int(flags & 0xff),
		Stack: a[1], ParentTID: a[2], ChildTID: a[3], TLS: a[4],
	}
	if flags&kernel.CLONE_PIDFD != 0 {
		// clone(2) stores the pidfd where the parent's TID would go:
		// the two cannot be asked for together.
		if flags&(kernel.CLONE_PARENT_SETTID|kernel.CLONE_DETACHED) != 0 {
			return 0, unix.EINVAL
		}
		pf, err := pidfdClone(t, a[2], flags&kernel.CLONE_THREAD != 0)
		if err != nil {
			return 0, err
		}
		ca.PidFD = pf
	}
	return clone(t, ca)
}

func sysClone3(t *task, a *args) (uint64, error) {
	size := a[1]
	if size > 4096 {
		return 0, unix.E2BIG
	}
	if size < 64 {
		return 0, unix.EINVAL
	}
	b := make([]byte, size)
	if err := copyIn(t, a[0], b); err != nil {
		return 0, err
	}
	// Fields past the last version this kernel knows (88 bytes) must be
	// zero; a shorter, older struct leaves the newer fields zero.
	for _, x := range b[min(size, 88):] {
		if x != 0 {
			return 0, unix.E2BIG
		}
	}
	f := func(i int) uint64 {
		if 8*i+8 > len(b) {
			return 0
		}
		return le64(b[8*i:])
	}
	flags, exitSignal := f(0), f(4)
	if f(8) != 0 || f(9) != 0 || f(10) != 0 {
		// set_tid and cgroup placement are not supported.
		return 0, unix.EINVAL
	}
	// Flags: the legacy 32 bits less the exit-signal byte (except
	// CLONE_NEWTIME, 0x80) and CLONE_DETACHED, plus CLONE_CLEAR_SIGHAND.
	// CLONE_INTO_CGROUP is not supported. Threads and CLONE_PARENT
	// children take no exit signal.
	const allowed = 0xffffffff&^(0x7f|kernel.CLONE_DETACHED) | kernel.CLONE_CLEAR_SIGHAND
	if flags&^allowed != 0 || exitSignal > 64 ||
		flags&(kernel.CLONE_THREAD|kernel.CLONE_PARENT) != 0 && exitSignal != 0 {
		return 0, unix.EINVAL
	}
	stack, stackSize := f(5), f(6)
	if (stack == 0) != (stackSize == 0) {
		return 0, unix.EINVAL
	}
	ca := kernel.CloneArgs{
		Flags: flags, ExitSignal: int(exitSignal), Stack: stack + stackSize,
		ChildTID: f(2), ParentTID: f(3), TLS: f(7),
	}
	if flags&kernel.CLONE_PIDFD != 0 {
		pf, err := pidfdClone(t, f(1), flags&kernel.CLONE_THREAD != 0)
		if err != nil {
			return 0, err
		}
		ca.PidFD = pf
	}
	return clone(t, ca)
}

func sysExecve(t *task, a *args) (uint64, error) {
	path, err := copyInPath(t, a[0])
	if err != nil {
		return 0, err
	}
	if path == "" {
		return 0, unix.ENOENT
	}
	argv, err := copyInStrings(t, a[1])
	if err != nil {
		return 0, err
	}
	envv, err := copyInStrings(t, a[2])
	if err != nil {
		return 0, err
	}
	return 0, t.Execve(path, argv, envv)
}

func sysExit(t *task, a *args) (uint64, error) {
	t.Exit(int(a[0] & 0xff))
	return 0, kernel.ErrNoReturn
}

func sysExitGroup(t *task, a *args) (uint64, error) {
	t.ExitGroup(int(a[0] & 0xff))
	return 0, kernel.ErrNoReturn
}

const wUntraced, wContinued = 0x2, 0x8

func sysWait4(t *task, a *args) (uint64, error) {
	pid, statusAddr, options := int32(a[0]), a[1], int(a[2])
	if options&^(kernel.WNOHANG|wUntraced|wContinued|kernel.WNOTHREAD|kernel.WCLONE|kernel.WALL) != 0 {
		return 0, unix.EINVAL
	}
	if pid == -1<<31 {
		return 0, unix.ESRCH
	}
	r, err := t.Wait(pid, options)
	if err != nil {
		return 0, err
	}
	if r.PID != 0 {
		if statusAddr != 0 {
			if err := copyOutU32(t, statusAddr, r.Status); err != nil {
				return 0, err
			}
		}
		if a[3] != 0 {
			if err := copyOut(t, a[3], rusage(r.Usage, 0)); err != nil {
				return 0, err
			}
		}
	}
	return uint64(r.PID), nil
}

func sysWaitid(t *task, a *args) (uint64, error) {
	idtype, id, infop, options := int(a[0]), int32(a[1]), a[2], int(a[3])
	if options&^(kernel.WNOHANG|wUntraced|wContinued|kernel.WEXITED|kernel.WNOWAIT|kernel.WNOTHREAD|kernel.WCLONE|kernel.WALL) != 0 {
		return 0, unix.EINVAL
	}
	if options&(kernel.WEXITED|wUntraced|wContinued) == 0 {
		return 0, unix.EINVAL
	}
	var pid int32
	var target *kernel.ThreadGroup
	nonblock := false
	switch idtype {
	case unix.P_PIDFD:
		var err error
		if target, nonblock, err = waitPidFD(t, id); err != nil {
			return 0, err
		}
	case unix.P_ALL:
		pid = -1
	case unix.P_PID:
		if id <= 0 {
			return 0, unix.EINVAL
		}
		pid = id
	case unix.P_PGID:
		if id < 0 {
			return 0, unix.EINVAL
		}
		pid = -id
		if id == 0 {
			pid = 0
		}
	default:
		return 0, unix.EINVAL
	}
	wopts := options &^ kernel.WEXITED
	if options&kernel.WEXITED == 0 {
		// Only job-control changes are wanted.
		wopts |= kernel.WaitSkipExits
	}
	if nonblock {
		wopts |= kernel.WNOHANG
	}
	r, err := t.WaitFor(pid, target, wopts)
	if err != nil {
		return 0, err
	}
	if nonblock && r.PID == 0 && options&kernel.WNOHANG == 0 {
		// A non-blocking pidfd makes the wait non-blocking, failing
		// with EAGAIN rather than returning nothing.
		return 0, unix.EAGAIN
	}
	if infop != 0 {
		info := arch.SigInfo{}
		if r.PID != 0 {
			info.Signo = int32(unix.SIGCHLD)
			info.SetPIDUID(r.PID, r.UID)
			switch {
			case r.Status == 0xffff:
				info.Code = kernel.CLD_CONTINUED
				info.SetStatus(int32(unix.SIGCONT))
			case r.Status&0xff == 0x7f:
				info.Code = kernel.CLD_STOPPED
				info.SetStatus(int32(r.Status >> 8 & 0xff))
			case r.Status&0x7f == 0:
				info.Code = kernel.CLD_EXITED
				info.SetStatus(int32(r.Status >> 8 & 0xff))
			default:
				info.Code = kernel.CLD_KILLED
				if r.Status&0x80 != 0 {
					info.Code = kernel.CLD_DUMPED
				}
				info.SetStatus(int32(r.Status & 0x7f))
			}
		}
		if err := copyOut(t, infop, info.Marshal()); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

func sysGetresuid(t *task, a *args) (uint64, error) {
	c := t.Creds()
	for i, v := range []uint32{c.RealUID, c.EffectiveUID, c.SavedUID} {
		if err := copyOutU32(t, a[i], v); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

func sysGetresgid(t *task, a *args) (uint64, error) {
	c := t.Creds()
	for i, v := range []uint32{c.RealGID, c.EffectiveGID, c.SavedGID} {
		if err := copyOutU32(t, a[i], v); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

func sysGetgroups(t *task, a *args) (uint64, error) {
	size := int32(a[0])
	groups := t.Creds().Groups
	if size < 0 {
		return 0, unix.EINVAL
	}
	if size == 0 {
		return uint64(len(groups)), nil
	}
	if int(size) < len(groups) {
		return 0, unix.EINVAL
	}
	b := make([]byte, 4*len(groups))
	for i, g := range groups {
		binary.LittleEndian.PutUint32(b[4*i:], g)
	}
	return uint64(len(groups)), copyOut(t, a[1], b)
}

func threadGroupOf(t *task, pid int32) (*kernel.ThreadGroup, error) {
	if pid == 0 {
		return t.ThreadGroup(), nil
	}
	if pid < 0 {
		return nil, unix.EINVAL
	}
	tg := t.Kernel().ThreadGroupByID(pid)
	if tg == nil {
		return nil, unix.ESRCH
	}
	return tg, nil
}

func sysGetpgid(t *task, a *args) (uint64, error) {
	tg, err := threadGroupOf(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	return uint64(tg.PGID()), nil
}

func sysGetsid(t *task, a *args) (uint64, error) {
	tg, err := threadGroupOf(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	return uint64(tg.SID()), nil
}

func sysGetRobustList(t *task, a *args) (uint64, error) {
	tid := int32(a[0])
	target := t
	if tid != 0 {
		if target = t.Kernel().TaskByID(tid); target == nil {
			return 0, unix.ESRCH
		}
	}
	if err := copyOutU64(t, a[1], target.RobustList()); err != nil {
		return 0, err
	}
	return 0, copyOutU64(t, a[2], 24)
}

const (
	archSetGS = 0x1001
	archSetFS = 0x1002
	archGetFS = 0x1003
	archGetGS = 0x1004
)

func sysArchPrctl(t *task, a *args) (uint64, error) {
	switch a[0] {
	case archSetFS:
		if a[1] >= 0x7ffffffff000 {
			return 0, unix.EPERM
		}
		t.Regs.Fs_base = a[1]
	case archSetGS:
		if a[1] >= 0x7ffffffff000 {
			return 0, unix.EPERM
		}
		t.Regs.Gs_base = a[1]
	case archGetFS:
		return 0, copyOutU64(t, a[1], t.Regs.Fs_base)
	case archGetGS:
		return 0, copyOutU64(t, a[1], t.Regs.Gs_base)
	default:
		return 0, unix.EINVAL
	}
	return 0, nil
}

// prctlHandlers holds prctl options served in other files.
var prctlHandlers = map[int]func(t *task, a *args) (uint64, error){}

func sysPrctl(t *task, a *args) (uint64, error) {
	if fn, ok := prctlHandlers[int(a[0])]; ok {
		return fn(t, a)
	}
	switch int(a[0]) {
	case unix.PR_SET_NAME:
		b := make([]byte, 16)
		n, _ := t.CopyIn(a[1], b)
		if n == 0 {
			return 0, unix.EFAULT
		}
		s := string(b[:n])
		for i := 0; i < len(s); i++ {
			if s[i] == 0 {
				s = s[:i]
				break
			}
		}
		t.SetName(s)
		return 0, nil
	case unix.PR_GET_NAME:
		b := make([]byte, 16)
		copy(b, t.Name())
		return 0, copyOut(t, a[1], b)
	case unix.PR_CAPBSET_READ:
		if a[1] > kernel.CapLastCap {
			return 0, unix.EINVAL
		}
		return t.Creds().CapBounding >> a[1] & 1, nil
	case unix.PR_GET_TID_ADDRESS:
		return 0, unix.EINVAL
	}
	return 0, unix.EINVAL
}

func sysUname(t *task, a *args) (uint64, error) {
	b := make([]byte, 6*65)
	k := t.Kernel()
	for i, s := range []string{"Linux", k.Hostname(), unameRelease(t.Personality(), kernel.Release), kernel.Version,
		unameMachine(t.Personality()), k.Domainname()} {
		copy(b[65*i:65*i+64], s)
	}
	return 0, copyOut(t, a[0], b)
}

// setUTSName is sethostname(2) and setdomainname(2): name is len bytes,
// at most 64, not NUL-terminated.
func setUTSName(t *task, a *args, set func(string)) (uint64, error) {
	if !t.Creds().HasCap(kernel.CapSysAdmin) {
		return 0, unix.EPERM
	}
	n := int64(a[1])
	if n < 0 || n > 64 {
		return 0, unix.EINVAL
	}
	b := make([]byte, n)
	if _, err := t.CopyIn(a[0], b); err != nil {
		return 0, unix.EFAULT
	}
	set(string(b))
	return 0, nil
}

func sysSysinfo(t *task, a *args) (uint64, error) {
	var host unix.Sysinfo_t
	unix.Sysinfo(&host)
	b := make([]byte, 112)
	le := binary.LittleEndian
	// The sandbox shares the host's CLOCK_BOOTTIME, so uptime agrees.
	le.PutUint64(b[0:], uint64(host.Uptime))
	le.PutUint64(b[32:], host.Totalram*uint64(host.Unit))
	le.PutUint64(b[40:], host.Freeram*uint64(host.Unit))
	le.PutUint16(b[80:], uint16(len(t.Kernel().ThreadGroups())))
	le.PutUint32(b[104:], 1)
	return 0, copyOut(t, a[0], b)
}

func prlimit(t *task, pid int32, resource int, newAddr, oldAddr uint64) (uint64, error) {
	if resource < 0 || resource >= kernel.NumRlimits {
		return 0, unix.EINVAL
	}
	tg, err := threadGroupOf(t, pid)
	if err != nil {
		return 0, err
	}
	old := tg.Limit(resource)
	if newAddr != 0 {
		b := make([]byte, 16)
		if err := copyIn(t, newAddr, b); err != nil {
			return 0, err
		}
		l := kernel.Rlimit{Cur: le64(b), Max: le64(b[8:])}
		if old, err = tg.SetLimit(resource, l, t.Creds().HasCap(kernel.CapSysResource)); err != nil {
			return 0, err
		}
	}
	if oldAddr != 0 {
		b := make([]byte, 16)
		binary.LittleEndian.PutUint64(b, old.Cur)
		binary.LittleEndian.PutUint64(b[8:], old.Max)
		return 0, copyOut(t, oldAddr, b)
	}
	return 0, nil
}

func sysGetrandom(t *task, a *args) (uint64, error) {
	flags := a[2]
	if flags&^(unix.GRND_NONBLOCK|unix.GRND_RANDOM|unix.GRND_INSECURE) != 0 ||
		flags&unix.GRND_INSECURE != 0 && flags&unix.GRND_RANDOM != 0 {
		return 0, unix.EINVAL
	}
	n := min(a[1], 33554431)
	if flags&unix.GRND_RANDOM != 0 {
		n = min(n, 512)
	}
	b := make([]byte, n)
	rand.Read(b)
	return n, copyOut(t, a[0], b)
}

// sched_getaffinity and sched_setaffinity, unlike sched_setscheduler's
// family, have no EINVAL for a negative pid: it names no task (ESRCH).
func sysSchedGetaffinity(t *task, a *args) (uint64, error) {
	pid, size := int32(a[0]), uint64(uint32(a[1]))
	ncpu := runtime.NumCPU()
	if size*8 < uint64(ncpu) || size&7 != 0 {
		return 0, unix.EINVAL
	}
	target, err := taskByPID(t, pid)
	if err != nil {
		return 0, err
	}
	// The kernel copies out its whole cpumask (nr_cpu_ids bits rounded
	// up to longs).
	n := min(size, uint64((ncpu+63)/64*8))
	b := target.Affinity()[:n]
	return n, copyOut(t, a[2], b)
}

func sysSchedSetaffinity(t *task, a *args) (uint64, error) {
	pid, size := int32(a[0]), uint64(uint32(a[1]))
	b := make([]byte, min(size, 128))
	if err := copyIn(t, a[2], b); err != nil {
		return 0, err
	}
	target, err := taskByPID(t, pid)
	if err != nil {
		return 0, err
	}
	if !deadlineAffinityOK(target, b) {
		return 0, unix.EBUSY
	}
	if !target.SetAffinity(b) {
		return 0, unix.EINVAL
	}
	return 0, nil
}

func sysGetcpu(t *task, a *args) (uint64, error) {
	if a[0] != 0 {
		if err := copyOutU32(t, a[0], uint32(t.CPU())); err != nil {
			return 0, err
		}
	}
	if a[1] != 0 {
		if err := copyOutU32(t, a[1], 0); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

func init() {
	register(abi.SysExecveat, sysExecveat)
}

func sysExecveat(t *task, a *args) (uint64, error) {
	dirfd, flags := int32(a[0]), int(a[4])
	// As in Linux, the path is read (and an empty one refused) before
	// the flags are checked.
	path, err := copyInPath(t, a[1])
	if err != nil {
		return 0, err
	}
	if path == "" && flags&unix.AT_EMPTY_PATH == 0 {
		return 0, unix.ENOENT
	}
	if flags&^(unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW) != 0 {
		return 0, unix.EINVAL
	}
	argv, err := copyInStrings(t, a[2])
	if err != nil {
		return 0, err
	}
	envv, err := copyInStrings(t, a[3])
	if err != nil {
		return 0, err
	}
	k := t.Kernel()
	root := t.FSContext().Root()
	switch {
	case path == "" && flags&unix.AT_EMPTY_PATH != 0:
		var vd vfs.VirtualDentry
		if dirfd == atFDCWD {
			vd = t.FSContext().Cwd()
		} else {
			f, err := getFile(t, dirfd)
			if err != nil {
				return 0, err
			}
			vd = f.VD
			f.DecRef()
			if !vd.Ok() {
				return 0, unix.EACCES
			}
		}
		path = k.VFS.PathOf(root, vd)
	case path == "":
		return 0, unix.ENOENT
	case path[0] != '/' && dirfd != atFDCWD:
		dir, err := startDir(t, dirfd)
		if err != nil {
			return 0, err
		}
		path = strings.TrimSuffix(k.VFS.PathOf(root, dir), "/") + "/" + path
	}
	if flags&unix.AT_SYMLINK_NOFOLLOW != 0 {
		vd, err := resolveAt(t, atFDCWD, path, false)
		if err != nil {
			return 0, err
		}
		if st, err := vd.Inode().Stat(); err == nil && st.IsSymlink() {
			return 0, unix.ELOOP
		}
	}
	return 0, t.Execve(path, argv, envv)
}
