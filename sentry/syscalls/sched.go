package syscalls

import (
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/kernel"
)

func init() {
	register(abi.SysSchedGetparam, sysSchedGetparam)
	register(abi.SysSchedSetparam, sysSchedSetparam)
	register(abi.SysSchedGetscheduler, sysSchedGetscheduler)
	register(abi.SysSchedSetscheduler, sysSchedSetscheduler)
	register(abi.SysSchedGetPriorityMax, func(t *task, a *args) (uint64, error) { return schedPriorityRange(int(a[0]), true) })
	register(abi.SysSchedGetPriorityMin, func(t *task, a *args) (uint64, error) { return schedPriorityRange(int(a[0]), false) })
	register(abi.SysSchedRrGetInterval, sysSchedRrGetInterval)
	register(abi.SysGetpriority, sysGetpriority)
	register(abi.SysSetpriority, sysSetpriority)
}

// Scheduling policies.
const (
	schedOther       = 0
	schedFIFO        = kernel.SchedFIFO
	schedRR          = kernel.SchedRR
	schedBatch       = 3
	schedIdle        = 5
	schedResetOnFork = 0x40000000
)

// schedTarget finds the task of the sched_* calls that refuse a
// negative pid (EINVAL).
func schedTarget(t *task, pid int32) (*kernel.Task, error) {
	if pid < 0 {
		return nil, unix.EINVAL
	}
	return taskByPID(t, pid)
}

// taskByPID finds the task a call names by thread ID: the caller for 0,
// ESRCH for an ID no task has (a negative one included).
func taskByPID(t *task, pid int32) (*kernel.Task, error) {
	if pid == 0 {
		return t, nil
	}
	if target := t.Kernel().TaskByID(pid); target != nil {
		return target, nil
	}
	return nil, unix.ESRCH
}

func schedPriorityRange(policy int, max bool) (uint64, error) {
	switch policy {
	case schedFIFO, schedRR:
		if max {
			return 99, nil
		}
		return 1, nil
	case schedOther, schedBatch, schedIdle, schedDeadline:
		return 0, nil
	}
	return 0, unix.EINVAL
}

func sysSchedGetparam(t *task, a *args) (uint64, error) {
	target, err := schedTarget(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	if a[1] == 0 {
		return 0, unix.EINVAL
	}
	_, prio := target.SchedPolicy()
	return 0, copyOutU32(t, a[1], uint32(prio))
}

// setSched is sched_setscheduler and sched_setparam: a policy (or
// schedSetparamPolicy, to keep it) and priority, with the caller's
// nice value and time slice kept, checked as sched_setattr.
func setSched(t *task, target *kernel.Task, policy int, prio int) error {
	cur := target.SchedAttr()
	attr := schedAttr{Nice: int32(cur.Nice), Priority: uint32(prio), Runtime: cur.Slice}
	if prio < 0 {
		return unix.EINVAL
	}
	if policy != schedSetparamPolicy {
		if policy < 0 {
			return unix.EINVAL
		}
		if policy&schedResetOnFork != 0 {
			attr.Flags |= schedFlagResetOnFork
		}
		policy &^= schedResetOnFork
	}
	return schedSetAttr(t, target, policy, attr)
}

func sysSchedSetparam(t *task, a *args) (uint64, error) {
	target, err := schedTarget(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	if a[1] == 0 {
		return 0, unix.EINVAL
	}
	prio, err := copyInU32(t, a[1])
	if err != nil {
		return 0, err
	}
	return 0, setSched(t, target, schedSetparamPolicy, int(int32(prio)))
}

func sysSchedGetscheduler(t *task, a *args) (uint64, error) {
	target, err := schedTarget(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	s := target.SchedAttr()
	policy := uint64(s.Policy)
	if s.ResetOnFork {
		policy |= schedResetOnFork
	}
	return policy, nil
}

func sysSchedSetscheduler(t *task, a *args) (uint64, error) {
	target, err := schedTarget(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	if a[2] == 0 {
		return 0, unix.EINVAL
	}
	prio, err := copyInU32(t, a[2])
	if err != nil {
		return 0, err
	}
	return 0, setSched(t, target, int(int32(a[1])), int(int32(prio)))
}

func sysSchedRrGetInterval(t *task, a *args) (uint64, error) {
	target, err := schedTarget(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	policy, _ := target.SchedPolicy()
	ts := unix.Timespec{}
	if policy == schedRR {
		ts.Nsec = 100000000 // the default RR timeslice, 100 ms
	}
	return 0, putTimespec(t, a[1], ts)
}

const (
	prioProcess = 0
	prioPgrp    = 1
	prioUser    = 2
)

// priorityTargets returns the tasks a getpriority/setpriority call names.
func priorityTargets(t *task, which int, who int32) ([]*kernel.Task, error) {
	k := t.Kernel()
	var out []*kernel.Task
	switch which {
	case prioProcess:
		if who == 0 {
			return []*kernel.Task{t}, nil
		}
		if target := k.TaskByID(who); target != nil {
			out = append(out, target)
		}
	case prioPgrp:
		pgid := who
		if pgid == 0 {
			pgid = t.ThreadGroup().PGID()
		}
		for _, tg := range k.ProcessGroupMembers(pgid) {
			out = append(out, tg.Tasks()...)
		}
	case prioUser:
		uid := uint32(who)
		if who == 0 {
			uid = t.Creds().RealUID
		}
		for _, tg := range k.ThreadGroups() {
			for _, tt := range tg.Tasks() {
				if tt.Creds().RealUID == uid {
					out = append(out, tt)
				}
			}
		}
	default:
		return nil, unix.EINVAL
	}
	if len(out) == 0 {
		return nil, unix.ESRCH
	}
	return out, nil
}

func sysGetpriority(t *task, a *args) (uint64, error) {
	targets, err := priorityTargets(t, int(a[0]), int32(a[1]))
	if err != nil {
		return 0, err
	}
	// The syscall returns 20 - nice, so that it is never negative.
	best := 40
	for _, tt := range targets {
		best = min(best, tt.Nice())
	}
	return uint64(20 - best), nil
}

func sysSetpriority(t *task, a *args) (uint64, error) {
	targets, err := priorityTargets(t, int(a[0]), int32(a[1]))
	if err != nil {
		return 0, err
	}
	nice := max(min(int(int32(a[2])), 19), -20)
	c := t.Creds()
	for _, tt := range targets {
		tc := tt.Creds()
		if !c.HasCap(23) && c.EffectiveUID != tc.RealUID && c.EffectiveUID != tc.EffectiveUID {
			return 0, unix.EPERM
		}
		lim := 20 - int(t.ThreadGroup().Limit(kernel.RlimitNice).Cur)
		if nice < tt.Nice() && nice < lim && !c.HasCap(23) {
			return 0, unix.EACCES
		}
	}
	for _, tt := range targets {
		tt.SetNice(nice)
	}
	return 0, nil
}
