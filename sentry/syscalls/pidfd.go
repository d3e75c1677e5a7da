package syscalls

import (
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/kernel"
)

// pidfd_open flags: PIDFD_NONBLOCK is O_NONBLOCK, PIDFD_THREAD (O_EXCL)
// asks for a pidfd of one thread.
const (
	pidfdNonblock = unix.O_NONBLOCK
	pidfdThread   = unix.O_EXCL
)

func init() {
	register(abi.SysPidfdOpen, sysPidfdOpen)
	register(abi.SysPidfdSendSignal, sysPidfdSendSignal)
	register(abi.SysPidfdGetfd, sysPidfdGetfd)
}

// newPidFD installs a close-on-exec pidfd for tg.
func newPidFD(t *task, tg *kernel.ThreadGroup, nonblock bool) (uint64, error) {
	return newFD(t, kernel.NewPidFD(tg, nonblock), true)
}

// getPidFD returns the pidfd fd is: EBADF if fd is not an open file, or
// not a pidfd. The flags are the file's status flags.
func getPidFD(t *task, fd int32) (*kernel.PidFD, int, error) {
	f, err := getFile(t, fd)
	if err != nil {
		return nil, 0, unix.EBADF
	}
	defer f.DecRef()
	p, ok := f.Impl.(*kernel.PidFD)
	if !ok {
		return nil, 0, unix.EBADF
	}
	return p, f.Flags(), nil
}

// signalPidFD returns the process fd names for pidfd_send_signal: a
// pidfd, or an open /proc/[pid] directory.
func signalPidFD(t *task, fd int32) (*kernel.PidFD, error) {
	f, err := getFile(t, fd)
	if err != nil {
		return nil, unix.EBADF
	}
	defer f.DecRef()
	switch impl := f.Impl.(type) {
	case *kernel.PidFD:
		return impl, nil
	case kernel.ProcessDir:
		if tg := impl.DirProcess(); tg != nil {
			return kernel.ProcessPidFD(tg), nil
		}
	}
	return nil, unix.EBADF
}

func sysPidfdOpen(t *task, a *args) (uint64, error) {
	pid, flags := int32(a[0]), a[1]
	if flags&^(pidfdNonblock|pidfdThread) != 0 || pid <= 0 {
		return 0, unix.EINVAL
	}
	nonblock := flags&pidfdNonblock != 0
	k := t.Kernel()
	tg := k.ThreadGroupByID(pid)
	if flags&pidfdThread != 0 {
		th := k.TaskByID(pid)
		if th == nil && tg != nil {
			// The leader, exited while its group lives on.
			th = tg.Leader()
		}
		if th == nil {
			return 0, unix.ESRCH
		}
		return newFD(t, kernel.NewThreadPidFD(th, nonblock), true)
	}
	if tg == nil {
		if k.TaskByID(pid) != nil {
			// A thread that does not lead its group: EINVAL in
			// pidfd_open(2), ENOENT since Linux 6.9 (pidfs).
			return 0, unix.ENOENT
		}
		return 0, unix.ESRCH
	}
	return newPidFD(t, tg, nonblock)
}

// pidfdClone returns the CloneArgs.PidFD of a CLONE_PIDFD clone that
// stores the fd number at addr: a thread pidfd for a thread. It checks
// addr is writable first, so that a bad address fails the clone before
// any child exists.
func pidfdClone(t *task, addr uint64, thread bool) (func(*kernel.Task) error, error) {
	if err := copyOutU32(t, addr, 0); err != nil {
		return nil, err
	}
	return func(child *kernel.Task) error {
		f := kernel.NewPidFD(child.ThreadGroup(), false)
		if thread {
			f = kernel.NewThreadPidFD(child, false)
		}
		fd, err := newFD(t, f, true)
		if err != nil {
			return err
		}
		if err := copyOutU32(t, addr, uint32(fd)); err != nil {
			t.FDTable().Remove(int(fd))
			return err
		}
		return nil
	}, nil
}

// pidfd_send_signal flags: where the signal goes. At most one; none
// means the process (a thread-group pidfd, the only kind made here).
const (
	pidfdSignalThread       = 1 << 0
	pidfdSignalThreadGroup  = 1 << 1
	pidfdSignalProcessGroup = 1 << 2
)

func sysPidfdSendSignal(t *task, a *args) (uint64, error) {
	fd, sig, infoAddr, flags := int32(a[0]), int(a[1]), a[2], a[3]
	switch flags {
	case 0, pidfdSignalThread, pidfdSignalThreadGroup, pidfdSignalProcessGroup:
	default:
		return 0, unix.EINVAL
	}
	p, err := signalPidFD(t, fd)
	if err != nil {
		return 0, err
	}
	if sig < 0 || sig > kernel.NumSignals {
		return 0, unix.EINVAL
	}
	tg := p.ThreadGroup()
	leader := tg.Leader()
	if p.Gone() || leader == nil {
		return 0, unix.ESRCH
	}
	if flags == 0 && p.Thread() != nil {
		// A thread pidfd signals its thread unless told otherwise.
		flags = pidfdSignalThread
	}
	target := leader
	if p.Thread() != nil {
		target = p.Thread()
	}
	code := int32(kernel.SI_USER)
	if flags == pidfdSignalThread {
		code = kernel.SI_TKILL
	}
	info := sigInfoKill(unix.Signal(sig), code, t)
	if infoAddr != 0 {
		// The caller's siginfo must name the signal sent.
		if signo, err := copyInU32(t, infoAddr); err != nil {
			return 0, err
		} else if int(int32(signo)) != sig {
			return 0, unix.EINVAL
		}
		if info, err = sigqueueInfo(t, sig, infoAddr, tg); err != nil {
			return 0, err
		}
	}
	if flags == pidfdSignalProcessGroup {
		return 0, signalThreadGroups(t, processGroup(t.Kernel(), tg.PGID()), sig, info)
	}
	if !mayKill(t, target, sig) {
		return 0, unix.EPERM
	}
	if tg.IsZombie() {
		// Linux delivers to a zombie as kill does: nothing happens.
		return 0, nil
	}
	if infoAddr != 0 && overSigpending(tg, sig, info) {
		return 0, unix.EAGAIN
	}
	if sig == 0 {
		return 0, nil
	}
	if flags == pidfdSignalThread {
		target.SendSignal(info)
	} else {
		tg.SendSignal(info)
	}
	return 0, nil
}

// mayAttach is ptrace's PTRACE_MODE_ATTACH_REALCREDS check, which
// pidfd_getfd applies: the same process, CAP_SYS_PTRACE, or a dumpable
// target whose real, effective and saved IDs are all the caller's real
// ones.
func mayAttach(t *task, target *kernel.ThreadGroup, leader *kernel.Task) bool {
	if target == t.ThreadGroup() {
		return true
	}
	c := t.Creds()
	if c.HasCap(kernel.CapSysPtrace) {
		return true
	}
	tc := leader.Creds()
	if c.RealUID != tc.RealUID || c.RealUID != tc.EffectiveUID || c.RealUID != tc.SavedUID ||
		c.RealGID != tc.RealGID || c.RealGID != tc.EffectiveGID || c.RealGID != tc.SavedGID {
		return false
	}
	return target.Dumpable() == 1
}

// traceableTask finds the task pid names (0: the caller; ESRCH for none)
// and checks that the caller may trace its process (EPERM), as the calls
// that reach into another process's memory do.
func traceableTask(t *task, pid int32) (*kernel.Task, error) {
	target, err := taskByPID(t, pid)
	if err != nil {
		return nil, err
	}
	leader := target.ThreadGroup().Leader()
	if leader == nil {
		leader = target
	}
	if !mayAttach(t, target.ThreadGroup(), leader) {
		return nil, unix.EPERM
	}
	return target, nil
}

func sysPidfdGetfd(t *task, a *args) (uint64, error) {
	fd, targetFD, flags := int32(a[0]), int32(a[1]), a[2]
	if flags != 0 {
		return 0, unix.EINVAL
	}
	p, _, err := getPidFD(t, fd)
	if err != nil {
		return 0, err
	}
	tg := p.ThreadGroup()
	owner := tg.Leader()
	if p.Thread() != nil {
		owner = p.Thread()
	}
	if tg.IsZombie() || p.Gone() || owner == nil {
		return 0, unix.ESRCH
	}
	if !mayAttach(t, tg, owner) {
		return 0, unix.EPERM
	}
	fdt := owner.FDTable()
	if fdt == nil {
		return 0, unix.ESRCH
	}
	f, _, err := fdt.Get(int(targetFD))
	if err != nil {
		return 0, unix.EBADF
	}
	// newFD takes over the reference Get gave.
	return newFD(t, f, true)
}

// waitPidFD resolves waitid's P_PIDFD id: the process, and whether the
// pidfd is non-blocking (PIDFD_NONBLOCK).
func waitPidFD(t *task, fd int32) (*kernel.ThreadGroup, bool, error) {
	if fd < 0 {
		return nil, false, unix.EINVAL
	}
	p, flags, err := getPidFD(t, fd)
	if err != nil {
		return nil, false, err
	}
	if p.OfNonLeader() {
		// A thread other than a leader is nobody's child.
		return nil, false, unix.ECHILD
	}
	return p.ThreadGroup(), flags&unix.O_NONBLOCK != 0, nil
}
