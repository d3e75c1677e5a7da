package syscalls

import (
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/kernel"
)

// ioprio_get(2) and ioprio_set(2): a thread's I/O scheduling class and
// level. The sentry keeps them per thread (children inherit them) and does
// not order I/O by them; the host does that for the sandbox as a whole.

func init() {
	register(abi.SysIoprioGet, sysIoprioGet)
	register(abi.SysIoprioSet, sysIoprioSet)
}

// I/O priority classes; the class sits above 13 bits of data, of which
// the low 3 are the level.
const (
	ioprioClassNone = 0
	ioprioClassRT   = 1
	ioprioClassBE   = 2
	ioprioClassIdle = 3

	ioprioClassShift = 13
	ioprioLevels     = 8
	// ioprioDefault is what a thread that set no priority counts as
	// when several are compared: best effort, level 4.
	ioprioDefault = ioprioClassBE<<ioprioClassShift | 4
)

// ioprio "which" values; they share getpriority's target lookup.
const (
	ioprioWhoProcess = 1
	ioprioWhoPgrp    = 2
	ioprioWhoUser    = 3
)

// ioprioClass and ioprioLevel split a priority value as Linux does: the
// class is bits 13-15 of the low 16 bits, the level the low 3 bits.
func ioprioClass(p uint16) int { return int(p>>ioprioClassShift) & 7 }
func ioprioLevel(p uint16) int { return int(p) & 7 }

// ioprioCheck validates a priority to set: a known class, a level only
// where the class has levels, and privilege for the real-time class.
func ioprioCheck(p uint16, c *kernel.Creds) error {
	switch ioprioClass(p) {
	case ioprioClassRT:
		if !c.HasCap(kernel.CapSysAdmin) && !c.HasCap(kernel.CapSysNice) {
			return unix.EPERM
		}
	case ioprioClassBE, ioprioClassIdle:
		// Linux accepts any data here; the level is its low 3 bits.
	case ioprioClassNone:
		if ioprioLevel(p) != 0 {
			return unix.EINVAL
		}
	default:
		return unix.EINVAL
	}
	return nil
}

// ioprioBest is the higher of two priorities, as ioprio_get reports for a
// group or user: a thread with none counts as the default, and a lower
// value (class, then level) is the higher priority.
func ioprioBest(a, b uint16) uint16 {
	if ioprioClass(a) == ioprioClassNone {
		a = ioprioDefault
	}
	if ioprioClass(b) == ioprioClassNone {
		b = ioprioDefault
	}
	return min(a, b)
}

// ioprioTargets maps ioprio's "which" onto getpriority's (PRIO_PROCESS
// and friends are one less) and returns the threads it names.
func ioprioTargets(t *task, which int, who int32) ([]*kernel.Task, error) {
	if which < ioprioWhoProcess || which > ioprioWhoUser {
		return nil, unix.EINVAL
	}
	return priorityTargets(t, which-1, who)
}

func sysIoprioGet(t *task, a *args) (uint64, error) {
	which := int(int32(a[0]))
	targets, err := ioprioTargets(t, which, int32(a[1]))
	if err != nil {
		return 0, err
	}
	if which == ioprioWhoProcess {
		// One thread: its own value, class NONE included.
		return uint64(targets[0].IOPrio()), nil
	}
	// A thread with none counts as the default, even a lone one.
	first := targets[0].IOPrio()
	best := ioprioBest(first, first)
	for _, tt := range targets[1:] {
		best = ioprioBest(best, tt.IOPrio())
	}
	return uint64(best), nil
}

func sysIoprioSet(t *task, a *args) (uint64, error) {
	// The kernel keeps the priority in 16 bits; higher bits are lost.
	prio := uint16(a[2])
	c := t.Creds()
	if err := ioprioCheck(prio, c); err != nil {
		return 0, err
	}
	targets, err := ioprioTargets(t, int(int32(a[0])), int32(a[1]))
	if err != nil {
		return 0, err
	}
	// Linux sets thread by thread and stops at the first it may not
	// change: the target's real UID must be the caller's real or
	// effective UID, unless the caller has CAP_SYS_NICE.
	for _, tt := range targets {
		tc := tt.Creds()
		if tc.RealUID != c.EffectiveUID && tc.RealUID != c.RealUID && !c.HasCap(kernel.CapSysNice) {
			return 0, unix.EPERM
		}
		tt.SetIOPrio(prio)
	}
	return 0, nil
}
