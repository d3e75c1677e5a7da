package kernel

import (
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/arch"
	"github.com/moat-dev/moat/sentry/waiter"
)

// Group stop: a default-action stop signal stops every thread of the
// process until SIGCONT, and the parent can see both changes through
// wait with WUNTRACED and WCONTINUED.

const (
	CLD_STOPPED   = 5
	CLD_CONTINUED = 6
)

// jobState is guarded by k.sigMu.
type jobState struct {
	stopped bool
	stopSig int
	// contCh is closed when the group continues.
	contCh chan struct{}
	// reportStop and reportCont are set until a waiter sees the change.
	reportStop bool
	reportCont bool
}

// groupStopLocked stops the group with sig. k.sigMu must be held.
func (tg *ThreadGroup) groupStopLocked(sig int) bool {
	if tg.exiting || tg.job.stopped {
		return false
	}
	tg.job.stopped = true
	tg.job.stopSig = sig
	tg.job.contCh = make(chan struct{})
	tg.job.reportStop = true
	tg.job.reportCont = false
	return true
}

// continueLocked resumes a stopped group. k.sigMu must be held.
func (tg *ThreadGroup) continueLocked() bool {
	tg.pending.discard(int(unix.SIGSTOP))
	tg.pending.discard(int(unix.SIGTSTP))
	tg.pending.discard(int(unix.SIGTTIN))
	tg.pending.discard(int(unix.SIGTTOU))
	if !tg.job.stopped {
		return false
	}
	tg.job.stopped = false
	close(tg.job.contCh)
	tg.job.reportStop = false
	tg.job.reportCont = true
	return true
}

// notifyParentJob tells the parent that the group stopped or continued.
func (tg *ThreadGroup) notifyParentJob(code int32, status int) {
	parent := tg.Parent()
	if parent == nil {
		return
	}
	k := tg.k
	k.sigMu.Lock()
	noStop := parent.handlers.actions[unix.SIGCHLD].Flags&saNoCldStop != 0
	k.sigMu.Unlock()
	if !noStop {
		info := arch.SigInfo{Signo: int32(unix.SIGCHLD), Code: code}
		info.SetPIDUID(tg.ID, tg.realUID())
		info.SetStatus(int32(status))
		parent.sendSignal(info, false)
	}
	parent.ChildEvents.Notify(waiter.EventIn)
}

// stopForGroup blocks the calling task while its group is stopped. It
// returns true if the task must exit.
func (t *Task) stopForGroup() bool {
	k := t.k
	for {
		if t.killed.Load() {
			return true
		}
		k.sigMu.Lock()
		if !t.tg.job.stopped || t.tg.exiting {
			exiting := t.tg.exiting
			k.sigMu.Unlock()
			return exiting
		}
		ch := t.tg.job.contCh
		k.sigMu.Unlock()
		select {
		case <-ch:
		case <-t.interrupt:
		}
	}
}

// stopGroup stops the group for a delivered stop signal and tells the
// parent.
func (t *Task) stopGroup(sig int) {
	k := t.k
	k.sigMu.Lock()
	stopped := t.tg.groupStopLocked(sig)
	k.sigMu.Unlock()
	if !stopped {
		return
	}
	for _, o := range t.tg.Tasks() {
		if o != t {
			o.Interrupt()
		}
	}
	t.tg.notifyParentJob(CLD_STOPPED, sig)
}

// jobWaitStatus returns a stop or continue status for wait, consuming
// it unless peek. k.sigMu must not be held.
func (tg *ThreadGroup) jobWaitStatus(stopped, continued, peek bool) (uint32, bool) {
	k := tg.k
	k.sigMu.Lock()
	defer k.sigMu.Unlock()
	if stopped && tg.job.stopped && tg.job.reportStop {
		if !peek {
			tg.job.reportStop = false
		}
		return uint32(tg.job.stopSig)<<8 | 0x7f, true
	}
	if continued && tg.job.reportCont {
		if !peek {
			tg.job.reportCont = false
		}
		return 0xffff, true
	}
	return 0, false
}
