package kernel

import (
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/arch"
)

// Signal numbers are 1..64.
const (
	NumSignals = 64

	sigDFL = 0
	sigIGN = 1

	saNoCldStop = 0x1
	saNoCldWait = 0x2
	saSiginfo   = 0x4
	saOnStack   = 0x08000000
	saRestart   = 0x10000000
	saNoDefer   = 0x40000000
	saResetHand = 0x80000000
	saRestorer  = 0x04000000
	// saExposeTagBits means nothing on x86 but is a known flag.
	saExposeTagBits = 0x800
	// saKnown are the flags Linux keeps; it drops others (such as
	// SA_UNSUPPORTED, 0x400) so that programs can probe for support.
	saKnown = saNoCldStop | saNoCldWait | saSiginfo | saOnStack | saRestart |
		saNoDefer | saResetHand | saRestorer | saExposeTagBits

	// Signal codes.
	SI_USER    = 0
	SI_KERNEL  = 0x80
	SI_QUEUE   = -1
	SI_TKILL   = -6
	CLD_EXITED = 1
	CLD_KILLED = 2
	CLD_DUMPED = 3
)

// SigAction is struct sigaction as the kernel sees it.
type SigAction struct {
	Handler, Flags, Restorer, Mask uint64
}

// SignalHandlers are the actions of a thread group, shared by
// CLONE_SIGHAND.
type SignalHandlers struct {
	actions [NumSignals + 1]SigAction
}

func (h *SignalHandlers) fork() *SignalHandlers {
	c := *h
	return &c
}

// resetForExec resets handled signals to their default action.
func (h *SignalHandlers) resetForExec() *SignalHandlers {
	c := &SignalHandlers{}
	for i, a := range h.actions {
		if a.Handler == sigIGN {
			c.actions[i] = SigAction{Handler: sigIGN}
		}
	}
	return c
}

func sigBit(sig int) uint64 { return 1 << uint(sig-1) }

// unblockable are SIGKILL and SIGSTOP.
var unblockable = sigBit(int(unix.SIGKILL)) | sigBit(int(unix.SIGSTOP))

type defaultAction int

const (
	actTerm defaultAction = iota
	actCore
	actIgnore
	actStop
	actCont
)

func defaultActionOf(sig int) defaultAction {
	switch unix.Signal(sig) {
	case unix.SIGCHLD, unix.SIGURG, unix.SIGWINCH:
		return actIgnore
	case unix.SIGCONT:
		return actCont
	case unix.SIGSTOP, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU:
		return actStop
	case unix.SIGQUIT, unix.SIGILL, unix.SIGTRAP, unix.SIGABRT, unix.SIGBUS, unix.SIGFPE,
		unix.SIGSEGV, unix.SIGXCPU, unix.SIGXFSZ, unix.SIGSYS:
		return actCore
	}
	return actTerm
}

// sigQueue holds pending signals: one instance of each standard signal,
// any number of real-time ones.
type sigQueue struct {
	pending uint64
	infos   []arch.SigInfo
}

func (q *sigQueue) enqueue(info arch.SigInfo) {
	sig := int(info.Signo)
	if sig < 32 && q.pending&sigBit(sig) != 0 {
		return
	}
	q.pending |= sigBit(sig)
	q.infos = append(q.infos, info)
}

// dequeue removes the lowest pending signal not in mask. Synchronous
// signals are among the lowest numbers, as on Linux.
func (q *sigQueue) dequeue(mask uint64) (arch.SigInfo, bool) {
	ready := q.pending &^ mask
	if ready == 0 {
		return arch.SigInfo{}, false
	}
	sig := 1
	for ready&1 == 0 {
		ready >>= 1
		sig++
	}
	for i, info := range q.infos {
		if int(info.Signo) == sig {
			q.infos = append(q.infos[:i], q.infos[i+1:]...)
			still := false
			for _, o := range q.infos {
				if int(o.Signo) == sig {
					still = true
					break
				}
			}
			if !still {
				q.pending &^= sigBit(sig)
			}
			return info, true
		}
	}
	q.pending &^= sigBit(sig)
	return arch.SigInfo{}, false
}

func (q *sigQueue) discard(sig int) {
	q.pending &^= sigBit(sig)
	out := q.infos[:0]
	for _, info := range q.infos {
		if int(info.Signo) != sig {
			out = append(out, info)
		}
	}
	q.infos = out
}

// ignoredLocked reports whether sig would be discarded by the group.
func (tg *ThreadGroup) ignoredLocked(sig int) bool {
	a := tg.handlers.actions[sig]
	if a.Handler == sigIGN {
		return true
	}
	return a.Handler == sigDFL && defaultActionOf(sig) == actIgnore
}

// SigqueueAllowed reports whether one more signal may be queued for tg
// under its RLIMIT_SIGPENDING. As in Linux, the signals queued for every
// process of the receiving user count.
func (tg *ThreadGroup) SigqueueAllowed() bool {
	k := tg.k
	limit := tg.Limit(RlimitSigpending).Cur
	k.mu.Lock()
	uid := tg.realUIDLocked()
	var groups []*ThreadGroup
	var tasks []*Task
	for _, g := range k.tgs {
		if g.realUIDLocked() != uid {
			continue
		}
		groups = append(groups, g)
		for t := range g.tasks {
			tasks = append(tasks, t)
		}
	}
	k.mu.Unlock()
	k.sigMu.Lock()
	defer k.sigMu.Unlock()
	var n uint64
	for _, g := range groups {
		n += uint64(len(g.pending.infos))
	}
	for _, t := range tasks {
		n += uint64(len(t.pending.infos))
	}
	return n < limit
}

// SendSignal queues a signal for the thread group (kill(2)).
func (tg *ThreadGroup) SendSignal(info arch.SigInfo) { tg.sendSignal(info, false) }

func (tg *ThreadGroup) sendSignal(info arch.SigInfo, _ bool) {
	k := tg.k
	sig := int(info.Signo)
	if sig == int(unix.SIGKILL) {
		tg.groupExit(WaitStatusSignaled(sig, false))
		return
	}
	tasks := tg.Tasks()
	k.sigMu.Lock()
	if tg.exiting {
		k.sigMu.Unlock()
		return
	}
	continued := tg.prepareSignalLocked(sig, tasks)
	if continued {
		defer tg.notifyParentJob(CLD_CONTINUED, int(unix.SIGCONT))
	}
	if tg.ignoredLocked(sig) {
		// Ignored signals are dropped unless every thread blocks them,
		// in which case the action may change before they are seen.
		blockedAll := len(tasks) > 0
		for _, t := range tasks {
			if (t.sigMask|t.realBlocked)&sigBit(sig) == 0 {
				blockedAll = false
			}
		}
		if !blockedAll {
			k.sigMu.Unlock()
			return
		}
	}
	tg.pending.enqueue(info)
	// Wake a thread that can take it, the leader first.
	var target *Task
	for _, t := range tasks {
		if t.sigMask&sigBit(sig) == 0 {
			if target == nil || t == tg.leader {
				target = t
			}
		}
	}
	k.sigMu.Unlock()
	if target != nil {
		target.Interrupt()
	}
	for _, t := range tasks {
		t.notifySignalWaiters()
	}
}

// prepareSignalLocked does what sending sig does at once, whatever the
// action and masks (Linux's prepare_signal): a stop signal discards a
// pending SIGCONT, and SIGCONT discards pending stop signals and
// continues a stopped group, in the process's queue and every thread's.
// It reports whether the group was continued. k.sigMu must be held.
func (tg *ThreadGroup) prepareSignalLocked(sig int, tasks []*Task) bool {
	switch defaultActionOf(sig) {
	case actStop:
		tg.pending.discard(int(unix.SIGCONT))
		for _, t := range tasks {
			t.pending.discard(int(unix.SIGCONT))
		}
	case actCont:
		for _, s := range []unix.Signal{unix.SIGSTOP, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU} {
			for _, t := range tasks {
				t.pending.discard(int(s))
			}
		}
		return tg.continueLocked()
	}
	return false
}

// SendSignal queues a signal for this thread (tgkill(2)).
func (t *Task) SendSignal(info arch.SigInfo) {
	k := t.k
	sig := int(info.Signo)
	if sig == int(unix.SIGKILL) {
		t.tg.groupExit(WaitStatusSignaled(sig, false))
		return
	}
	tasks := t.tg.Tasks()
	k.sigMu.Lock()
	if t.tg.prepareSignalLocked(sig, tasks) {
		defer t.tg.notifyParentJob(CLD_CONTINUED, int(unix.SIGCONT))
	}
	if t.tg.ignoredLocked(sig) && (t.sigMask|t.realBlocked)&sigBit(sig) == 0 {
		k.sigMu.Unlock()
		return
	}
	t.pending.enqueue(info)
	k.sigMu.Unlock()
	t.Interrupt()
	t.notifySignalWaiters()
}

// forceSignal delivers a synchronous signal from a fault: it cannot be
// blocked or ignored, as on Linux, where a blocked or ignored fault
// signal resets to the default action.
func (t *Task) forceSignal(info arch.SigInfo) {
	k := t.k
	sig := int(info.Signo)
	k.sigMu.Lock()
	a := &t.tg.handlers.actions[sig]
	if a.Handler == sigIGN || t.sigMask&sigBit(sig) != 0 {
		a.Handler = sigDFL
		t.sigMask &^= sigBit(sig)
	}
	t.pending.enqueue(info)
	k.sigMu.Unlock()
}

// hasDeliverableLocked reports whether a pending signal is unblocked.
func (t *Task) hasDeliverableLocked() bool {
	return (t.pending.pending|t.tg.pending.pending)&^t.sigMask != 0
}

// childSigInfo is the SIGCHLD info for a child's exit.
func childSigInfo(c *ThreadGroup, status uint32) arch.SigInfo {
	info := arch.SigInfo{Signo: int32(c.exitSignal)}
	uid := c.realUID()
	switch {
	case status&0x7f == 0:
		info.Code = CLD_EXITED
		info.SetPIDUID(c.ID, uid)
		info.SetStatus(int32(status >> 8 & 0xff))
	default:
		info.Code = CLD_KILLED
		if status&0x80 != 0 {
			info.Code = CLD_DUMPED
		}
		info.SetPIDUID(c.ID, uid)
		info.SetStatus(int32(status & 0x7f))
	}
	return info
}

// handleSignals delivers pending signals before the task returns to
// application code, and finishes syscall restarts. It returns true if
// the task must exit.
func (t *Task) handleSignals() bool {
	k := t.k
	restart := t.syscallRestart
	// Nothing changed under the lock since the last look found nothing
	// (a signal sent after this load interrupts the task as it would
	// after the locked look).
	if !restart && t.sigQuiet != 0 && k.sigMu.epoch.Load() == t.sigQuiet && !t.killed.Load() {
		return false
	}
	t.syscallRestart = false
	handled := false
	for {
		if t.killed.Load() {
			return true
		}
		k.sigMu.Lock()
		if t.tg.exiting {
			k.sigMu.Unlock()
			return true
		}
		if t.tg.job.stopped {
			k.sigMu.Unlock()
			if t.stopForGroup() {
				return true
			}
			continue
		}
		info, ok := t.pending.dequeue(t.sigMask)
		if !ok {
			info, ok = t.tg.pending.dequeue(t.sigMask)
		}
		if !ok {
			if t.haveSavedMask && !handled {
				t.sigMask = t.savedMask
				t.haveSavedMask = false
			}
			// The epoch this unlock makes, unless another comes
			// first.
			t.sigQuiet = k.sigMu.epoch.Load() + 1
			k.sigMu.Unlock()
			break
		}
		sig := int(info.Signo)
		act := t.tg.handlers.actions[sig]
		if info.Code == SI_TIMER {
			t.tg.timerSignalDelivered(&info)
		}
		switch act.Handler {
		case sigIGN:
			k.sigMu.Unlock()
			continue
		case sigDFL:
			k.sigMu.Unlock()
			switch defaultActionOf(sig) {
			case actIgnore, actCont:
				continue
			case actStop:
				// Terminal stop signals are discarded in an orphaned
				// process group: no one is left to continue it.
				if sig != int(unix.SIGSTOP) && t.k.IsOrphanedPGrp(t.tg.PGID()) {
					continue
				}
				t.stopGroup(sig)
				continue
			case actTerm:
				t.tg.groupExit(WaitStatusSignaled(sig, false))
				return true
			case actCore:
				t.tg.groupExit(WaitStatusSignaled(sig, t.tg.wouldDumpCore()))
				return true
			}
		}
		// Run the handler.
		if restart {
			switch unix.Errno(-int64(t.Regs.Rax)) {
			case ERESTARTNOINTR:
				t.restartSyscall()
			case ERESTARTSYS:
				if act.Flags&saRestart != 0 {
					t.restartSyscall()
				} else {
					t.Regs.Rax = negErrno(unix.EINTR)
				}
			case ERESTARTNOHAND, ERESTART_RESTARTBLOCK:
				t.Regs.Rax = negErrno(unix.EINTR)
			}
			restart = false
		}
		oldMask := t.sigMask
		if t.haveSavedMask {
			oldMask = t.savedMask
			t.haveSavedMask = false
		}
		newMask := t.sigMask | act.Mask
		if act.Flags&saNoDefer == 0 {
			newMask |= sigBit(sig)
		}
		if act.Flags&saResetHand != 0 {
			// Linux resets only the handler; flags and mask stay.
			t.tg.handlers.actions[sig].Handler = sigDFL
		}
		alt := t.altStack
		k.sigMu.Unlock()
		fp, _ := t.ctx.FPState()
		frame := &arch.SignalFrame{
			Signo: sig, Info: info, Handler: act.Handler, Restorer: act.Restorer,
			Mask: oldMask, AltStack: alt, OnStack: act.Flags&saOnStack != 0, FPState: fp,
		}
		if sig == int(unix.SIGSEGV) || sig == int(unix.SIGBUS) {
			frame.Trapno, frame.ErrCode = t.faultInfo.trapno, t.faultInfo.err
		}
		if err := arch.SetupFrame(t.MM(), &t.Regs, frame); err != nil {
			// The stack is unusable: the task dies of SIGSEGV.
			t.tg.groupExit(WaitStatusSignaled(int(unix.SIGSEGV), t.tg.wouldDumpCore()))
			return true
		}
		k.sigMu.Lock()
		t.sigMask = newMask &^ unblockable
		if alt.Flags&arch.SignalStackAutoDisarm != 0 {
			// Saved in the frame; disarmed until sigreturn.
			t.altStack = arch.SignalStack{Flags: arch.SignalStackOff}
		}
		k.sigMu.Unlock()
		handled = true
	}
	if restart {
		t.restartSyscall()
	}
	return false
}

// restartSyscall makes the interrupted syscall run again when the task
// resumes.
func (t *Task) restartSyscall() {
	errno := unix.Errno(-int64(t.Regs.Rax))
	switch errno {
	case ERESTARTSYS, ERESTARTNOINTR, ERESTARTNOHAND:
		t.Regs.Rax = t.Regs.Orig_rax
		t.Regs.Rip -= 2
	case ERESTART_RESTARTBLOCK:
		// The call resumes through restart_syscall, which runs the
		// continuation the interrupted call left.
		t.Regs.Rax = unix.SYS_RESTART_SYSCALL
		t.Regs.Rip -= 2
	}
}

// SigAction gets and sets the action for sig.
func (t *Task) SigAction(sig int, act *SigAction) (SigAction, error) {
	if sig < 1 || sig > NumSignals {
		return SigAction{}, unix.EINVAL
	}
	k := t.k
	k.sigMu.Lock()
	defer k.sigMu.Unlock()
	old := t.tg.handlers.actions[sig]
	if act != nil {
		if sig == int(unix.SIGKILL) || sig == int(unix.SIGSTOP) {
			return SigAction{}, unix.EINVAL
		}
		a := *act
		a.Mask &^= unblockable
		a.Flags &= saKnown
		t.tg.handlers.actions[sig] = a
		// Setting SIG_IGN (or a default of ignore) discards pending
		// instances.
		if a.Handler == sigIGN || (a.Handler == sigDFL && defaultActionOf(sig) == actIgnore) {
			t.tg.pending.discard(sig)
			for tt := range t.tg.tasks {
				tt.pending.discard(sig)
			}
		}
	}
	return old, nil
}

// SignalMask returns the blocked set.
func (t *Task) SignalMask() uint64 {
	t.k.sigMu.Lock()
	defer t.k.sigMu.Unlock()
	return t.sigMask
}

// SetSignalMask replaces the blocked set.
func (t *Task) SetSignalMask(mask uint64) {
	t.k.sigMu.Lock()
	t.sigMask = mask &^ unblockable
	t.k.sigMu.Unlock()
}

// SetSavedSignalMask installs mask until the next signal delivery
// (sigsuspend, ppoll, pselect).
func (t *Task) SetSavedSignalMask(mask uint64) {
	t.k.sigMu.Lock()
	t.savedMask = t.sigMask
	t.haveSavedMask = true
	t.sigMask = mask &^ unblockable
	t.k.sigMu.Unlock()
}

// RestoreSavedSignalMask undoes SetSavedSignalMask when no signal
// handler ran.
func (t *Task) RestoreSavedSignalMask() {
	t.k.sigMu.Lock()
	if t.haveSavedMask {
		t.sigMask = t.savedMask
		t.haveSavedMask = false
	}
	t.k.sigMu.Unlock()
}

// PendingSignals returns the pending set of the task and its group.
func (t *Task) PendingSignals() uint64 {
	t.k.sigMu.Lock()
	defer t.k.sigMu.Unlock()
	return t.pending.pending | t.tg.pending.pending
}

// SignalStack returns the alternate signal stack.
func (t *Task) SignalStack() arch.SignalStack {
	t.k.sigMu.Lock()
	defer t.k.sigMu.Unlock()
	s := t.altStack
	if s.Flags&arch.SignalStackOff == 0 && s.Contains(t.Regs.Rsp) {
		s.Flags |= arch.SignalStackFlag
	}
	return s
}

// SetSignalStack sets the alternate signal stack; EPERM while on it.
func (t *Task) SetSignalStack(s arch.SignalStack) error {
	t.k.sigMu.Lock()
	defer t.k.sigMu.Unlock()
	if t.altStack.Contains(t.Regs.Rsp) && t.altStack.Flags&arch.SignalStackOff == 0 {
		return unix.EPERM
	}
	t.altStack = s
	return nil
}

// Sigreturn restores the state saved by the last handler invocation.
func (t *Task) Sigreturn() error {
	fp, _ := t.ctx.FPState()
	mask, stack, newFP, err := arch.Sigreturn(t.MM(), &t.Regs, len(fp))
	if err != nil {
		t.forceSignal(arch.SigInfo{Signo: int32(unix.SIGSEGV), Code: SI_KERNEL})
		return ErrNoReturn
	}
	if newFP != nil {
		if err := t.ctx.SetFPState(newFP); err != nil {
			t.k.Log.Debug("sigreturn: restore FP state", "err", err)
		}
	}
	t.k.sigMu.Lock()
	t.sigMask = mask &^ unblockable
	if stack.Flags&arch.SignalStackOff == 0 || stack.Flags == arch.SignalStackOff {
		t.altStack = arch.SignalStack{SP: stack.SP, Size: stack.Size, Flags: stack.Flags &^ arch.SignalStackFlag}
	}
	t.k.sigMu.Unlock()
	return ErrNoReturn
}

// negErrno is the syscall return value for errno e.
func negErrno(e unix.Errno) uint64 { return uint64(-int64(e)) }
