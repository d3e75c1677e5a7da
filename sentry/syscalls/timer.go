package syscalls

import (
	"encoding/binary"
	"math"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/fs/signalfd"
	"github.com/moat-dev/moat/sentry/fs/timerfd"
	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

func init() {
	register(abi.SysAlarm, sysAlarm)
	register(abi.SysSetitimer, sysSetitimer)
	register(abi.SysGetitimer, sysGetitimer)
	register(abi.SysTimerCreate, sysTimerCreate)
	register(abi.SysTimerSettime, sysTimerSettime)
	register(abi.SysTimerGettime, sysTimerGettime)
	register(abi.SysTimerGetoverrun, sysTimerGetoverrun)
	register(abi.SysTimerDelete, func(t *task, a *args) (uint64, error) {
		if !t.ThreadGroup().DeleteTimer(int32(a[0])) {
			return 0, unix.EINVAL
		}
		return 0, nil
	})
	register(abi.SysTimerfdCreate, sysTimerfdCreate)
	register(abi.SysTimerfdSettime, sysTimerfdSettime)
	register(abi.SysTimerfdGettime, sysTimerfdGettime)
	register(abi.SysSignalfd, func(t *task, a *args) (uint64, error) { return signalfd4(t, int32(a[0]), a[1], a[2], 0) })
	register(abi.SysSignalfd4, func(t *task, a *args) (uint64, error) {
		return signalfd4(t, int32(a[0]), a[1], a[2], int(a[3]))
	})
	register(abi.SysRtSigtimedwait, sysRtSigtimedwait)
}

func timeval(b []byte) (time.Duration, bool) {
	sec, usec := int64(le64(b)), int64(le64(b[8:]))
	if sec < 0 || usec < 0 || usec >= 1e6 {
		return 0, false
	}
	return saturatedDuration(sec, usec*1000), true
}

// tsDuration is saturatedDuration for a timespec.
func tsDuration(ts unix.Timespec) time.Duration { return saturatedDuration(ts.Sec, ts.Nsec) }

// saturatedDuration converts a valid time to a Duration, clamping what
// does not fit (some 292 years) as Linux clamps to KTIME_MAX, rather
// than letting it wrap negative (which would disarm a timer).
func saturatedDuration(sec, nsec int64) time.Duration {
	if sec >= int64(math.MaxInt64/time.Second) {
		return math.MaxInt64
	}
	return time.Duration(sec)*time.Second + time.Duration(nsec)
}

func putTimeval(b []byte, d time.Duration) {
	binary.LittleEndian.PutUint64(b, uint64(d/time.Second))
	binary.LittleEndian.PutUint64(b[8:], uint64(d%time.Second/time.Microsecond))
}

func sysAlarm(t *task, a *args) (uint64, error) {
	old, _ := t.ThreadGroup().ITimer(kernel.ITimerReal).Set(time.Duration(uint32(a[0]))*time.Second, 0)
	// The old value is rounded to the nearest second, and never 0 if set.
	secs := uint64((old + time.Second/2) / time.Second)
	if old > 0 && secs == 0 {
		secs = 1
	}
	return secs, nil
}

func sysSetitimer(t *task, a *args) (uint64, error) {
	which := int(a[0])
	if which < 0 || which > kernel.ITimerProf {
		return 0, unix.EINVAL
	}
	var value, interval time.Duration
	if a[1] != 0 {
		b := make([]byte, 32)
		if err := copyIn(t, a[1], b); err != nil {
			return 0, err
		}
		var ok1, ok2 bool
		interval, ok1 = timeval(b)
		value, ok2 = timeval(b[16:])
		if !ok1 || !ok2 {
			return 0, unix.EINVAL
		}
	}
	oldV, oldI := t.ThreadGroup().ITimer(which).Set(value, interval)
	if a[2] != 0 {
		b := make([]byte, 32)
		putTimeval(b, oldI)
		putTimeval(b[16:], oldV)
		return 0, copyOut(t, a[2], b)
	}
	return 0, nil
}

func sysGetitimer(t *task, a *args) (uint64, error) {
	which := int(a[0])
	if which < 0 || which > kernel.ITimerProf {
		return 0, unix.EINVAL
	}
	v, i := t.ThreadGroup().ITimer(which).Get()
	b := make([]byte, 32)
	putTimeval(b, i)
	putTimeval(b[16:], v)
	return 0, copyOut(t, a[1], b)
}

// cpuClockFunc returns a CPU-time reader for a CPU clock ID, or nil for
// wall and monotonic clocks.
func cpuClockFunc(t *task, clock int32) (func() time.Duration, error) {
	switch clock {
	case unix.CLOCK_REALTIME, unix.CLOCK_MONOTONIC, unix.CLOCK_BOOTTIME, unix.CLOCK_TAI,
		unix.CLOCK_REALTIME_ALARM, unix.CLOCK_BOOTTIME_ALARM:
		return nil, nil
	case unix.CLOCK_PROCESS_CPUTIME_ID:
		tg := t.ThreadGroup()
		return func() time.Duration { return tg.CPUUsage().Total() }, nil
	case unix.CLOCK_THREAD_CPUTIME_ID:
		return func() time.Duration { return t.CPUUsage().Total() }, nil
	}
	if clock < 0 {
		if _, err := taskClock(t, clock); err != nil {
			return nil, err
		}
		return func() time.Duration {
			ts, _ := taskClock(t, clock)
			return tsDuration(ts)
		}, nil
	}
	return nil, unix.EINVAL
}

func sysTimerCreate(t *task, a *args) (uint64, error) {
	clock := int32(a[0])
	cpu, err := cpuClockFunc(t, clock)
	if err != nil {
		return 0, err
	}
	notify, sig := kernel.SigevSignal, int(unix.SIGALRM)
	var value uint64
	target := t
	if a[1] != 0 {
		// struct sigevent: sigval (8), signo (4), notify (4), tid (4).
		b := make([]byte, 64)
		if err := copyIn(t, a[1], b); err != nil {
			return 0, err
		}
		value = le64(b)
		sig = int(int32(le32(b[8:])))
		notify = int(int32(le32(b[12:])))
		switch notify {
		case kernel.SigevNone:
		case kernel.SigevSignal, kernel.SigevThreadID:
			if sig < 1 || sig > kernel.NumSignals {
				return 0, unix.EINVAL
			}
			if notify == kernel.SigevThreadID {
				target = t.Kernel().TaskByID(int32(le32(b[16:])))
				if target == nil || target.ThreadGroup() != t.ThreadGroup() {
					return 0, unix.EINVAL
				}
			}
		default:
			// SIGEV_THREAD is glibc's, built on SIGEV_THREAD_ID.
			return 0, unix.EINVAL
		}
	} else {
		value = 0 // the timer ID, filled in below
	}
	pt, err := t.ThreadGroup().CreateTimer(clock, cpu, notify, sig, value, target)
	if err != nil {
		return 0, err
	}
	if a[1] == 0 {
		// Without a sigevent the signal's value is the timer ID.
		t.ThreadGroup().DeleteTimer(pt.ID)
		if pt, err = t.ThreadGroup().CreateTimer(clock, cpu, notify, sig, uint64(pt.ID), target); err != nil {
			return 0, err
		}
	}
	if err := copyOutU32(t, a[2], uint32(pt.ID)); err != nil {
		t.ThreadGroup().DeleteTimer(pt.ID)
		return 0, err
	}
	return 0, nil
}

// itimerspec reads a struct itimerspec (interval, value).
func itimerspec(t *task, addr uint64) (interval, value unix.Timespec, err error) {
	b := make([]byte, 32)
	if err := copyIn(t, addr, b); err != nil {
		return interval, value, err
	}
	interval = unix.Timespec{Sec: int64(le64(b)), Nsec: int64(le64(b[8:]))}
	value = unix.Timespec{Sec: int64(le64(b[16:])), Nsec: int64(le64(b[24:]))}
	for _, ts := range []unix.Timespec{interval, value} {
		if ts.Sec < 0 || ts.Nsec < 0 || ts.Nsec >= 1e9 {
			return interval, value, unix.EINVAL
		}
	}
	return interval, value, nil
}

func putItimerspec(t *task, addr uint64, value, interval time.Duration) error {
	b := make([]byte, 32)
	i, v := unix.NsecToTimespec(int64(interval)), unix.NsecToTimespec(int64(value))
	binary.LittleEndian.PutUint64(b, uint64(i.Sec))
	binary.LittleEndian.PutUint64(b[8:], uint64(i.Nsec))
	binary.LittleEndian.PutUint64(b[16:], uint64(v.Sec))
	binary.LittleEndian.PutUint64(b[24:], uint64(v.Nsec))
	return copyOut(t, addr, b)
}

// setTimer arms it from an itimerspec, with TIMER_ABSTIME on clock.
func setTimer(t *task, it *kernel.IntervalTimer, clock int32, abs bool, newAddr, oldAddr uint64) error {
	interval, value, err := itimerspec(t, newAddr)
	if err != nil {
		return err
	}
	v := saturatedDuration(value.Sec, value.Nsec)
	if abs && v > 0 {
		now, err := taskClock(t, clock)
		if err != nil {
			return err
		}
		v = tsDuration(value) - tsDuration(now)
		if v <= 0 {
			v = 1
		}
	}
	oldV, oldI := it.Set(v, saturatedDuration(interval.Sec, interval.Nsec))
	if oldAddr != 0 {
		return putItimerspec(t, oldAddr, oldV, oldI)
	}
	return nil
}

func sysTimerSettime(t *task, a *args) (uint64, error) {
	pt := t.ThreadGroup().Timer(int32(a[0]))
	if pt == nil {
		return 0, unix.EINVAL
	}
	if a[1]&^unix.TIMER_ABSTIME != 0 {
		return 0, unix.EINVAL
	}
	return 0, setTimer(t, pt.Timer, pt.Clock, a[1]&unix.TIMER_ABSTIME != 0, a[2], a[3])
}

func sysTimerGettime(t *task, a *args) (uint64, error) {
	pt := t.ThreadGroup().Timer(int32(a[0]))
	if pt == nil {
		return 0, unix.EINVAL
	}
	v, i := pt.Timer.Get()
	return 0, putItimerspec(t, a[1], v, i)
}

func sysTimerGetoverrun(t *task, a *args) (uint64, error) {
	pt := t.ThreadGroup().Timer(int32(a[0]))
	if pt == nil {
		return 0, unix.EINVAL
	}
	return uint64(pt.Timer.Overrun()), nil
}

const (
	tfdNonblock         = unix.O_NONBLOCK
	tfdCloexec          = unix.O_CLOEXEC
	tfdTimerAbstime     = 1
	tfdTimerCancelOnSet = 2
)

func sysTimerfdCreate(t *task, a *args) (uint64, error) {
	clock, flags := int32(a[0]), int(a[1])
	switch clock {
	case unix.CLOCK_REALTIME, unix.CLOCK_MONOTONIC, unix.CLOCK_BOOTTIME:
	case unix.CLOCK_REALTIME_ALARM, unix.CLOCK_BOOTTIME_ALARM:
		if !t.Creds().HasCap(35) { // CAP_WAKE_ALARM
			return 0, unix.EPERM
		}
	default:
		return 0, unix.EINVAL
	}
	if flags&^(tfdNonblock|tfdCloexec) != 0 {
		return 0, unix.EINVAL
	}
	f := vfs.NewFile(timerfd.New(clock), vfs.VirtualDentry{}, unix.O_RDWR|flags&tfdNonblock)
	return newFD(t, f, flags&tfdCloexec != 0)
}

func getTimerfd(t *task, fd int32) (*vfs.File, *timerfd.File, error) {
	f, err := getFile(t, fd)
	if err != nil {
		return nil, nil, err
	}
	tf, ok := f.Impl.(*timerfd.File)
	if !ok {
		f.DecRef()
		return nil, nil, unix.EINVAL
	}
	return f, tf, nil
}

func sysTimerfdSettime(t *task, a *args) (uint64, error) {
	flags := a[1]
	if flags&^(tfdTimerAbstime|tfdTimerCancelOnSet) != 0 {
		return 0, unix.EINVAL
	}
	f, tf, err := getTimerfd(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	interval, value, err := itimerspec(t, a[2])
	if err != nil {
		return 0, err
	}
	v, iv := tsDuration(value), tsDuration(interval)
	var expired uint64
	if flags&tfdTimerAbstime != 0 && v > 0 {
		now, _ := clockNow(tf.Clock &^ 0) // alarm clocks read as their base
		v = tsDuration(value) - tsDuration(now)
		if v <= 0 {
			// Already due: it expired once, plus once per whole
			// interval since, and next expires on the interval's
			// grid (Linux's hrtimer_forward).
			expired = 1
			if iv > 0 {
				missed := -v / iv
				expired += uint64(missed)
				v += (missed + 1) * iv
			} else {
				v = 0
			}
		}
	}
	oldV, oldI := tf.Set(v, iv, expired)
	if a[3] != 0 {
		return 0, putItimerspec(t, a[3], oldV, oldI)
	}
	return 0, nil
}

func sysTimerfdGettime(t *task, a *args) (uint64, error) {
	f, tf, err := getTimerfd(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	v, i := tf.Timer.Get()
	return 0, putItimerspec(t, a[1], v, i)
}

func signalfd4(t *task, fd int32, maskAddr, size uint64, flags int) (uint64, error) {
	if size != 8 {
		return 0, unix.EINVAL
	}
	if flags&^(unix.SFD_CLOEXEC|unix.SFD_NONBLOCK) != 0 {
		return 0, unix.EINVAL
	}
	mask, err := copyInU64(t, maskAddr)
	if err != nil {
		return 0, err
	}
	if fd != -1 {
		f, err := getFile(t, fd)
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		sf, ok := f.Impl.(*signalfd.File)
		if !ok {
			return 0, unix.EINVAL
		}
		sf.SetMask(mask)
		// As Linux, wake the process's pollers: the new mask may make
		// a pending signal readable.
		for _, th := range t.ThreadGroup().Tasks() {
			th.SignalQueue().Notify(waiter.EventIn)
		}
		return uint64(fd), nil
	}
	f := vfs.NewFile(signalfd.New(t, mask), vfs.VirtualDentry{}, unix.O_RDWR|flags&unix.SFD_NONBLOCK)
	return newFD(t, f, flags&unix.SFD_CLOEXEC != 0)
}

func sysRtSigtimedwait(t *task, a *args) (uint64, error) {
	if a[3] != 8 {
		return 0, unix.EINVAL
	}
	set, err := copyInU64(t, a[0])
	if err != nil {
		return 0, err
	}
	d := time.Duration(-1)
	if a[2] != 0 {
		ts, err := getTimespec(t, a[2])
		if err != nil {
			return 0, err
		}
		d = tsDuration(ts)
	}
	info, err := t.SigTimedWait(set, d)
	switch err {
	case nil:
	case kernel.ErrTimedOut:
		return 0, unix.EAGAIN
	default:
		return 0, unix.EINTR
	}
	if a[1] != 0 {
		if err := copyOut(t, a[1], info.Marshal()); err != nil {
			return 0, err
		}
	}
	return uint64(info.Signo), nil
}
