package syscalls

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/arch"
	"github.com/moat-dev/moat/sentry/kernel"
)

func init() {
	register(abi.SysRtSigaction, sysRtSigaction)
	register(abi.SysRtSigprocmask, sysRtSigprocmask)
	register(abi.SysRtSigreturn, func(t *task, a *args) (uint64, error) { return 0, t.Sigreturn() })
	register(abi.SysSigaltstack, sysSigaltstack)
	register(abi.SysKill, sysKill)
	register(abi.SysTkill, func(t *task, a *args) (uint64, error) { return tgkill(t, 0, int32(a[0]), int(a[1])) })
	register(abi.SysTgkill, func(t *task, a *args) (uint64, error) {
		if int32(a[0]) <= 0 {
			return 0, unix.EINVAL
		}
		return tgkill(t, int32(a[0]), int32(a[1]), int(a[2]))
	})
	register(abi.SysRtSigpending, sysRtSigpending)
	register(abi.SysRtSigqueueinfo, sysRtSigqueueinfo)
	register(abi.SysRtTgsigqueueinfo, sysRtTgsigqueueinfo)
	register(abi.SysRtSigsuspend, sysRtSigsuspend)
	register(abi.SysPause, func(t *task, a *args) (uint64, error) {
		t.Block(nil)
		return 0, kernel.ERESTARTNOHAND
	})
}

func sigInfoKill(sig unix.Signal, code int32, sender *task) arch.SigInfo {
	info := arch.SigInfo{Signo: int32(sig), Code: code}
	info.SetPIDUID(sender.ThreadGroup().ID, sender.Creds().RealUID)
	return info
}

func sysRtSigaction(t *task, a *args) (uint64, error) {
	sig, act, oact := int(a[0]), a[1], a[2]
	if a[3] != 8 {
		return 0, unix.EINVAL
	}
	var newAct *kernel.SigAction
	if act != 0 {
		b := make([]byte, 32)
		if err := copyIn(t, act, b); err != nil {
			return 0, err
		}
		newAct = &kernel.SigAction{Handler: le64(b), Flags: le64(b[8:]), Restorer: le64(b[16:]), Mask: le64(b[24:])}
	}
	old, err := t.SigAction(sig, newAct)
	if err != nil {
		return 0, err
	}
	if oact != 0 {
		b := make([]byte, 32)
		binary.LittleEndian.PutUint64(b, old.Handler)
		binary.LittleEndian.PutUint64(b[8:], old.Flags)
		binary.LittleEndian.PutUint64(b[16:], old.Restorer)
		binary.LittleEndian.PutUint64(b[24:], old.Mask)
		return 0, copyOut(t, oact, b)
	}
	return 0, nil
}

func sysRtSigprocmask(t *task, a *args) (uint64, error) {
	how, set, oset := int(a[0]), a[1], a[2]
	if a[3] != 8 {
		return 0, unix.EINVAL
	}
	old := t.SignalMask()
	if set != 0 {
		m, err := copyInU64(t, set)
		if err != nil {
			return 0, err
		}
		switch how {
		case unix.SIG_BLOCK:
			t.SetSignalMask(old | m)
		case unix.SIG_UNBLOCK:
			t.SetSignalMask(old &^ m)
		case unix.SIG_SETMASK:
			t.SetSignalMask(m)
		default:
			return 0, unix.EINVAL
		}
	}
	if oset != 0 {
		return 0, copyOutU64(t, oset, old)
	}
	return 0, nil
}

const minSigStackSize = 2048

func sysSigaltstack(t *task, a *args) (uint64, error) {
	ss, oss := a[0], a[1]
	old := t.SignalStack()
	if ss != 0 {
		b := make([]byte, 24)
		if err := copyIn(t, ss, b); err != nil {
			return 0, err
		}
		n := arch.SignalStack{SP: le64(b), Flags: le32(b[8:]), Size: le64(b[16:])}
		// The mode is 0, SS_DISABLE or (for old programs, meaning 0)
		// SS_ONSTACK; SS_AUTODISARM may be added.
		switch n.Flags &^ arch.SignalStackAutoDisarm {
		case 0, arch.SignalStackFlag:
			if n.Size < minSigStackSize {
				return 0, unix.ENOMEM
			}
			n.Flags &^= arch.SignalStackFlag
		case arch.SignalStackOff:
			n.SP, n.Size, n.Flags = 0, 0, arch.SignalStackOff
		default:
			return 0, unix.EINVAL
		}
		if err := t.SetSignalStack(n); err != nil {
			return 0, err
		}
	}
	if oss != 0 {
		b := make([]byte, 24)
		binary.LittleEndian.PutUint64(b, old.SP)
		binary.LittleEndian.PutUint32(b[8:], old.Flags)
		binary.LittleEndian.PutUint64(b[16:], old.Size)
		return 0, copyOut(t, oss, b)
	}
	return 0, nil
}

// mayKill applies kill(2)'s permission rule.
func mayKill(t *task, target *kernel.Task, sig int) bool {
	c := t.Creds()
	if c.HasCap(kernel.CapKill) {
		return true
	}
	// SIGCONT may go to any process of the caller's session.
	if sig == int(unix.SIGCONT) && t.ThreadGroup().SID() == target.ThreadGroup().SID() {
		return true
	}
	tc := target.Creds()
	return c.RealUID == tc.RealUID || c.RealUID == tc.SavedUID || c.EffectiveUID == tc.RealUID || c.EffectiveUID == tc.SavedUID
}

func sysKill(t *task, a *args) (uint64, error) {
	pid, sig := int32(a[0]), int(a[1])
	k := t.Kernel()
	var targets []*kernel.ThreadGroup
	switch {
	case pid > 0:
		tg := k.ThreadGroupByID(pid)
		if tg == nil {
			return 0, unix.ESRCH
		}
		targets = append(targets, tg)
	case pid == -1:
		for _, tg := range k.ThreadGroups() {
			if tg.ID != 1 && tg != t.ThreadGroup() {
				targets = append(targets, tg)
			}
		}
	default:
		pgid := -pid
		if pid == 0 {
			pgid = t.ThreadGroup().PGID()
		}
		targets = processGroup(k, pgid)
	}
	// As in Linux, the targets are found before the signal number is
	// checked: a bad number to nobody is ESRCH.
	if sig < 0 || sig > kernel.NumSignals {
		if len(targets) == 0 {
			return 0, unix.ESRCH
		}
		return 0, unix.EINVAL
	}
	return 0, signalThreadGroups(t, targets, sig, sigInfoKill(unix.Signal(sig), kernel.SI_USER, t))
}

// processGroup returns the processes of group pgid.
func processGroup(k *kernel.Kernel, pgid int32) []*kernel.ThreadGroup {
	var out []*kernel.ThreadGroup
	for _, tg := range k.ThreadGroups() {
		if tg.PGID() == pgid {
			out = append(out, tg)
		}
	}
	return out
}

// signalThreadGroups sends info (signal sig; 0 only checks) to each of
// targets the caller may signal, with kill(2)'s result: EPERM if none
// could be signalled for permission, ESRCH if there was none.
func signalThreadGroups(t *task, targets []*kernel.ThreadGroup, sig int, info arch.SigInfo) error {
	sent, permErr := false, false
	for _, tg := range targets {
		leader := tg.Leader()
		if tg.IsZombie() || leader == nil {
			// A zombie exists, in its process group too, until it is
			// reaped, but takes no signals.
			sent = true
			continue
		}
		if !mayKill(t, leader, sig) {
			permErr = true
			continue
		}
		sent = true
		if sig != 0 {
			tg.SendSignal(info)
		}
	}
	switch {
	case sent:
		return nil
	case permErr:
		return unix.EPERM
	}
	return unix.ESRCH
}

func tgkill(t *task, tgid, tid int32, sig int) (uint64, error) {
	if tid <= 0 || sig < 0 || sig > kernel.NumSignals {
		return 0, unix.EINVAL
	}
	target := t.Kernel().TaskByID(tid)
	if target == nil || (tgid > 0 && target.ThreadGroup().ID != tgid) {
		return 0, unix.ESRCH
	}
	if !mayKill(t, target, sig) {
		return 0, unix.EPERM
	}
	if sig != 0 {
		target.SendSignal(sigInfoKill(unix.Signal(sig), kernel.SI_TKILL, t))
	}
	return 0, nil
}

func sysRtSigpending(t *task, a *args) (uint64, error) {
	if a[1] > 8 {
		return 0, unix.EINVAL
	}
	b := make([]byte, 8)
	binary.LittleEndian.PutUint64(b, t.PendingSignals()&t.SignalMask())
	return 0, copyOut(t, a[0], b[:a[1]])
}

// sigqueueInfo reads a caller-supplied siginfo; like Linux, it refuses
// codes that would let the caller pose as the kernel or kill(2).
func sigqueueInfo(t *task, sig int, addr uint64, target *kernel.ThreadGroup) (arch.SigInfo, error) {
	b := make([]byte, 128)
	if err := copyIn(t, addr, b); err != nil {
		return arch.SigInfo{}, err
	}
	info := arch.UnmarshalSigInfo(b)
	if (info.Code >= 0 || info.Code == kernel.SI_TKILL) && target != t.ThreadGroup() {
		return arch.SigInfo{}, unix.EPERM
	}
	info.Signo = int32(sig)
	return info, nil
}

// overSigpending reports whether a queued real-time signal must be
// refused because the receiver's user is at its RLIMIT_SIGPENDING. Linux
// refuses only those: a standard signal, or one with SI_USER, is sent
// anyway (losing its extra information there).
func overSigpending(tg *kernel.ThreadGroup, sig int, info arch.SigInfo) bool {
	return sig >= 32 && info.Code != kernel.SI_USER && !tg.SigqueueAllowed()
}

func sysRtSigqueueinfo(t *task, a *args) (uint64, error) {
	pid, sig := int32(a[0]), int(a[1])
	if sig < 0 || sig > kernel.NumSignals {
		return 0, unix.EINVAL
	}
	tg := t.Kernel().ThreadGroupByID(pid)
	if tg == nil || tg.IsZombie() {
		return 0, unix.ESRCH
	}
	info, err := sigqueueInfo(t, sig, a[2], tg)
	if err != nil {
		return 0, err
	}
	if leader := tg.Leader(); leader == nil || !mayKill(t, leader, sig) {
		return 0, unix.EPERM
	}
	if overSigpending(tg, sig, info) {
		return 0, unix.EAGAIN
	}
	if sig != 0 {
		tg.SendSignal(info)
	}
	return 0, nil
}

func sysRtTgsigqueueinfo(t *task, a *args) (uint64, error) {
	tgid, tid, sig := int32(a[0]), int32(a[1]), int(a[2])
	if tgid <= 0 || tid <= 0 || sig < 0 || sig > kernel.NumSignals {
		return 0, unix.EINVAL
	}
	target := t.Kernel().TaskByID(tid)
	if target == nil || target.ThreadGroup().ID != tgid {
		return 0, unix.ESRCH
	}
	info, err := sigqueueInfo(t, sig, a[3], target.ThreadGroup())
	if err != nil {
		return 0, err
	}
	if !mayKill(t, target, sig) {
		return 0, unix.EPERM
	}
	if overSigpending(target.ThreadGroup(), sig, info) {
		return 0, unix.EAGAIN
	}
	if sig != 0 {
		target.SendSignal(info)
	}
	return 0, nil
}

func sysRtSigsuspend(t *task, a *args) (uint64, error) {
	if a[1] != 8 {
		return 0, unix.EINVAL
	}
	m, err := copyInU64(t, a[0])
	if err != nil {
		return 0, err
	}
	t.SetSavedSignalMask(m)
	t.Block(nil)
	return 0, kernel.ERESTARTNOHAND
}
