package kernel

import (
	"encoding/binary"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/seccomp/bpf"
	"github.com/moat-dev/moat/seccomp/interp"
	"github.com/moat-dev/moat/sentry/arch"
)

// Seccomp modes, as PR_GET_SECCOMP reports them.
const (
	SeccompModeDisabled = 0
	SeccompModeStrict   = 1
	SeccompModeFilter   = 2
)

// Flags of SECCOMP_SET_MODE_FILTER that InstallSeccompFilter handles.
const (
	SeccompFilterFlagTSync      = 0x1
	SeccompFilterFlagLog        = 0x2
	SeccompFilterFlagSpecAllow  = 0x4
	SeccompFilterFlagTSyncESRCH = 0x10
)

// sysSeccompCode is SYS_SECCOMP, the si_code of a seccomp SIGSYS.
const sysSeccompCode = 1

// maxErrno is MAX_ERRNO: SECCOMP_RET_ERRNO data is capped to it.
const maxErrno = 4095

// taskSeccomp is a task's seccomp state and no_new_privs bit. The filter
// pointer is written before the mode, so a task that sees
// SeccompModeFilter sees its filter.
type taskSeccomp struct {
	mode   atomic.Int32
	nnp    atomic.Bool
	filter atomic.Pointer[interp.Stack]
}

// Task has no field for this state; it lives in a map keyed by task.
// Entries of exited tasks (their memory manager is gone) are swept when
// the map has doubled since the last sweep.
var seccompStates struct {
	m sync.Map // *Task → *taskSeccomp
	// used is set once any task enters a seccomp mode, so that the
	// syscall path costs one atomic load until then.
	used atomic.Bool
	// mu serialises changes: installation (with TSYNC), inheritance,
	// sweeping.
	mu      sync.Mutex
	n       int
	sweepAt int
}

// seccomp returns t's seccomp state, or nil if it has none.
func (t *Task) seccomp() *taskSeccomp {
	if v, ok := seccompStates.m.Load(t); ok {
		return v.(*taskSeccomp)
	}
	return nil
}

// seccompForUpdateLocked returns t's state, creating it.
func (t *Task) seccompForUpdateLocked() *taskSeccomp {
	if s := t.seccomp(); s != nil {
		return s
	}
	s := &taskSeccomp{}
	seccompStates.m.Store(t, s)
	seccompStates.n++
	if seccompStates.n > seccompStates.sweepAt {
		seccompStates.m.Range(func(k, _ any) bool {
			if k.(*Task).MM() == nil {
				seccompStates.m.Delete(k)
				seccompStates.n--
			}
			return true
		})
		seccompStates.sweepAt = 2*seccompStates.n + 64
	}
	return s
}

// inheritSeccomp gives a new task (from clone) its parent's filters,
// mode and no_new_privs. Clone calls it before the child runs.
func (t *Task) inheritSeccomp(nt *Task) {
	s := t.seccomp()
	if s == nil {
		return
	}
	seccompStates.mu.Lock()
	defer seccompStates.mu.Unlock()
	ns := nt.seccompForUpdateLocked()
	ns.nnp.Store(s.nnp.Load())
	ns.filter.Store(s.filter.Load())
	ns.mode.Store(s.mode.Load())
}

// SeccompMode returns the task's seccomp mode (PR_GET_SECCOMP).
func (t *Task) SeccompMode() int32 {
	if s := t.seccomp(); s != nil {
		return s.mode.Load()
	}
	return SeccompModeDisabled
}

// NoNewPrivs reports the task's no_new_privs bit.
func (t *Task) NoNewPrivs() bool {
	s := t.seccomp()
	return s != nil && s.nnp.Load()
}

// SetNoNewPrivs sets the task's no_new_privs bit, which can never be
// cleared (PR_SET_NO_NEW_PRIVS; also the OCI process.noNewPrivileges).
func (t *Task) SetNoNewPrivs() {
	seccompStates.mu.Lock()
	defer seccompStates.mu.Unlock()
	t.seccompForUpdateLocked().nnp.Store(true)
}

// SetSeccompStrict puts the task in strict mode (SECCOMP_SET_MODE_STRICT):
// from now on only read, write, exit and rt_sigreturn are allowed, and
// any other syscall kills it with SIGKILL. A task already in filter mode
// gets EINVAL.
func (t *Task) SetSeccompStrict() error {
	seccompStates.mu.Lock()
	defer seccompStates.mu.Unlock()
	if m := t.SeccompMode(); m == SeccompModeFilter {
		return unix.EINVAL
	}
	seccompStates.used.Store(true)
	t.seccompForUpdateLocked().mode.Store(SeccompModeStrict)
	return nil
}

// InstallSeccompFilter adds a checked filter to the task
// (SECCOMP_SET_MODE_FILTER). The caller has checked flags and the
// privilege rule (no_new_privs or CAP_SYS_ADMIN). With
// SeccompFilterFlagTSync, every thread of the process gets the task's
// new stack of filters, or none does: if another thread has filters that
// are not part of this task's stack, or is in strict mode, it returns
// that thread's ID as the syscall's value (ESRCH with
// SeccompFilterFlagTSyncESRCH).
func (t *Task) InstallSeccompFilter(prog *interp.Program, flags uint32) (uint64, error) {
	seccompStates.mu.Lock()
	defer seccompStates.mu.Unlock()
	cur := t.seccomp()
	var curFilter *interp.Stack
	if cur != nil {
		if cur.mode.Load() == SeccompModeStrict {
			return 0, unix.EINVAL
		}
		curFilter = cur.filter.Load()
	}
	if curFilter != nil && prog.Len()+curFilter.Instructions()+4 > interp.MaxPathInstructions {
		return 0, unix.ENOMEM
	}
	var others []*Task
	if flags&SeccompFilterFlagTSync != 0 {
		for _, o := range t.tg.Tasks() {
			if o == t {
				continue
			}
			ost := o.seccomp()
			if ost == nil {
				others = append(others, o)
				continue
			}
			switch ost.mode.Load() {
			case SeccompModeDisabled:
				others = append(others, o)
				continue
			case SeccompModeFilter:
				if curFilter.Contains(ost.filter.Load()) {
					others = append(others, o)
					continue
				}
			}
			if flags&SeccompFilterFlagTSyncESRCH != 0 {
				return 0, unix.ESRCH
			}
			return uint64(o.ID), nil
		}
	}
	f := curFilter.Push(prog, flags&SeccompFilterFlagLog != 0, bpf.AuditArchX86_64)
	seccompStates.used.Store(true)
	s := t.seccompForUpdateLocked()
	s.filter.Store(f)
	s.mode.Store(SeccompModeFilter)
	nnp := s.nnp.Load()
	for _, o := range others {
		ost := o.seccompForUpdateLocked()
		ost.filter.Store(f)
		if nnp {
			ost.nnp.Store(true)
		}
		ost.mode.Store(SeccompModeFilter)
	}
	return 0, nil
}

// strictAllowed are the syscalls strict mode allows.
func strictAllowed(nr uint64) bool {
	switch nr {
	case unix.SYS_READ, unix.SYS_WRITE, unix.SYS_EXIT, unix.SYS_RT_SIGRETURN:
		return true
	}
	return false
}

// seccompCheck runs the task's seccomp filters (installed with seccomp(2)
// or prctl) for a syscall about to run. When it returns done, the syscall
// does not run and ret/err are its result.
func (t *Task) seccompCheck(nr uint64, args *SyscallArgs) (done bool, ret uint64, err error) {
	if !seccompStates.used.Load() {
		return false, 0, nil
	}
	s := t.seccomp()
	if s == nil {
		return false, 0, nil
	}
	switch s.mode.Load() {
	case SeccompModeStrict:
		if strictAllowed(nr) {
			return false, 0, nil
		}
		t.k.Log.Debug("seccomp strict mode: killed", "tid", t.ID, "syscall", nr)
		t.seccompKill(int(unix.SIGKILL), false, false)
		return true, 0, ErrNoReturn
	case SeccompModeFilter:
	default:
		return false, 0, nil
	}
	d := interp.Data{
		Nr:                 int32(nr),
		Arch:               bpf.AuditArchX86_64,
		InstructionPointer: t.Regs.Rip,
		Args:               *args,
	}
	r, log := s.filter.Load().Run(&d)
	data := r & bpf.RetData
	switch action := r & bpf.RetActionFull; action {
	case bpf.RetAllow:
		return false, 0, nil
	case bpf.RetLog:
		t.k.Log.Info("seccomp: logged syscall", "tid", t.ID, "syscall", nr)
		return false, 0, nil
	case bpf.RetErrno:
		if log {
			t.k.Log.Info("seccomp: syscall failed by filter", "tid", t.ID, "syscall", nr, "errno", data)
		}
		return true, uint64(-int64(min(data, maxErrno))), nil
	case bpf.RetTrap:
		info := arch.SigInfo{Signo: int32(unix.SIGSYS), Errno: int32(data), Code: sysSeccompCode}
		binary.LittleEndian.PutUint64(info.Fields[0:], t.Regs.Rip)
		binary.LittleEndian.PutUint32(info.Fields[8:], uint32(nr))
		binary.LittleEndian.PutUint32(info.Fields[12:], bpf.AuditArchX86_64)
		t.forceSignal(info)
		// The handler sees the registers of the call: the kernel rolls
		// rax back to the syscall number.
		return true, nr, nil
	case bpf.RetTrace, bpf.RetUserNotif:
		// No tracer with PTRACE_O_TRACESECCOMP and no listener can exist
		// in the sandbox: the call fails with ENOSYS, as on Linux then.
		return true, negErrno(unix.ENOSYS), nil
	case bpf.RetKillThread:
		t.k.Log.Info("seccomp: thread killed", "tid", t.ID, "syscall", nr)
		t.seccompKill(int(unix.SIGSYS), true, false)
		return true, 0, ErrNoReturn
	default:
		// SECCOMP_RET_KILL_PROCESS, and any action Linux does not know.
		t.k.Log.Info("seccomp: process killed", "tid", t.ID, "syscall", nr, "action", bpf.Action(r).String())
		t.seccompKill(int(unix.SIGSYS), true, true)
		return true, 0, ErrNoReturn
	}
}

// seccompKill ends the task with sig: the whole process if group is set
// or no other thread is alive, otherwise only this thread.
func (t *Task) seccompKill(sig int, core, group bool) {
	if !group {
		alive := 0
		for _, o := range t.tg.Tasks() {
			if o == t || !o.killed.Load() {
				alive++
			}
		}
		group = alive <= 1
	}
	if group {
		t.tg.groupExit(WaitStatusSignaled(sig, core))
		return
	}
	t.killed.Store(true)
}

// InstallSeccompProgram checks a seccomp program and installs it on the
// task as seccomp(SECCOMP_SET_MODE_FILTER) would, without the privilege
// check: for the sandbox itself to apply an OCI profile
// (seccomp.OCIFilter) to the container's init process before it starts.
// Children and threads it creates inherit it.
func (t *Task) InstallSeccompProgram(insns []bpf.Instruction, flags uint32) error {
	prog, err := interp.Compile(insns)
	if err != nil {
		return err
	}
	if r, err := t.InstallSeccompFilter(prog, flags); err != nil {
		return err
	} else if r != 0 {
		return unix.ESRCH
	}
	return nil
}
