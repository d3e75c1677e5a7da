package syscalls

import (
	"encoding/binary"
	"math"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/kernel"
)

func init() {
	register(abi.SysClockGettime, sysClockGettime)
	register(abi.SysClockGetres, sysClockGetres)
	register(abi.SysGettimeofday, sysGettimeofday)
	register(abi.SysTime, sysTime)
	register(abi.SysNanosleep, sysNanosleep)
	register(abi.SysClockNanosleep, sysClockNanosleep)
	register(abi.SysFutex, sysFutex)
	register(abi.SysTimes, sysTimes)
	register(abi.SysRestartSyscall, func(t *task, a *args) (uint64, error) { return t.RestartSyscall() })
	register(abi.SysGetrusage, sysGetrusage)
}

// clockNow reads a wall or monotonic clock, which the sandbox shares
// with the host.
func clockNow(id int32) (unix.Timespec, error) {
	switch id {
	case unix.CLOCK_REALTIME, unix.CLOCK_MONOTONIC, unix.CLOCK_MONOTONIC_RAW,
		unix.CLOCK_REALTIME_COARSE, unix.CLOCK_MONOTONIC_COARSE, unix.CLOCK_BOOTTIME,
		unix.CLOCK_TAI:
		var ts unix.Timespec
		err := unix.ClockGettime(id, &ts)
		return ts, err
	}
	return unix.Timespec{}, unix.EINVAL
}

// taskClock reads any clock a task may name: the shared wall clocks, its
// own CPU clocks, and the CPU clocks of other processes and threads
// (clock_getcpuclockid's negative IDs).
func taskClock(t *task, id int32) (unix.Timespec, error) {
	var u kernel.CPUUsage
	switch {
	case id == unix.CLOCK_PROCESS_CPUTIME_ID:
		u = t.ThreadGroup().CPUUsage()
	case id == unix.CLOCK_THREAD_CPUTIME_ID:
		u = t.CPUUsage()
	case id < 0:
		pid := ^(id >> 3)
		kind := id & 3
		if kind == 3 {
			return unix.Timespec{}, unix.EINVAL
		}
		if id&4 != 0 {
			target := t.Kernel().TaskByID(pid)
			if target == nil || target.ThreadGroup() != t.ThreadGroup() {
				return unix.Timespec{}, unix.EINVAL
			}
			u = target.CPUUsage()
		} else {
			tg := t.ThreadGroup()
			if pid != 0 {
				if tg = t.Kernel().ThreadGroupByID(pid); tg == nil {
					return unix.Timespec{}, unix.EINVAL
				}
			}
			u = tg.CPUUsage()
		}
		if kind == 1 { // CPUCLOCK_VIRT: user time only
			u.Sys = 0
		}
	default:
		return clockNow(id)
	}
	return unix.NsecToTimespec(int64(u.Total())), nil
}

func putTimespec(t *task, addr uint64, ts unix.Timespec) error {
	b := make([]byte, 16)
	binary.LittleEndian.PutUint64(b, uint64(ts.Sec))
	binary.LittleEndian.PutUint64(b[8:], uint64(ts.Nsec))
	return copyOut(t, addr, b)
}

// getTimespec reads and validates a timespec.
func getTimespec(t *task, addr uint64) (unix.Timespec, error) {
	b := make([]byte, 16)
	if err := copyIn(t, addr, b); err != nil {
		return unix.Timespec{}, err
	}
	ts := unix.Timespec{Sec: int64(le64(b)), Nsec: int64(le64(b[8:]))}
	if ts.Sec < 0 || ts.Nsec < 0 || ts.Nsec >= 1e9 {
		return ts, unix.EINVAL
	}
	return ts, nil
}

func sysClockGettime(t *task, a *args) (uint64, error) {
	ts, err := taskClock(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	return 0, putTimespec(t, a[1], ts)
}

func sysClockGetres(t *task, a *args) (uint64, error) {
	id := int32(a[0])
	if _, err := taskClock(t, id); err != nil {
		return 0, err
	}
	if a[1] == 0 {
		return 0, nil
	}
	res := unix.Timespec{Nsec: 1}
	if id == unix.CLOCK_REALTIME_COARSE || id == unix.CLOCK_MONOTONIC_COARSE {
		res.Nsec = 4000000
	}
	return 0, putTimespec(t, a[1], res)
}

func sysGettimeofday(t *task, a *args) (uint64, error) {
	if a[0] != 0 {
		now := time.Now()
		b := make([]byte, 16)
		binary.LittleEndian.PutUint64(b, uint64(now.Unix()))
		binary.LittleEndian.PutUint64(b[8:], uint64(now.Nanosecond()/1000))
		if err := copyOut(t, a[0], b); err != nil {
			return 0, err
		}
	}
	if a[1] != 0 {
		if err := copyOut(t, a[1], make([]byte, 8)); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

func sysTime(t *task, a *args) (uint64, error) {
	now := uint64(time.Now().Unix())
	if a[0] != 0 {
		if err := copyOutU64(t, a[0], now); err != nil {
			return 0, err
		}
	}
	return now, nil
}

// sleep blocks until the deadline on clock id, writing the time left to
// rem if a signal cuts it short.
// sleepUntil blocks until deadline. Interrupted, it reports the time
// left in rem (relative sleeps) and asks to be restarted through
// restart_syscall, which sleeps to the same deadline.
func sleepUntil(t *task, deadline time.Time, rem uint64, abs bool) (uint64, error) {
	err := t.Sleep(time.Until(deadline))
	if err == nil {
		return 0, nil
	}
	if !abs && rem != 0 {
		left := max(time.Until(deadline), 0)
		if err := putTimespec(t, rem, unix.NsecToTimespec(int64(left))); err != nil {
			return 0, err
		}
	}
	if abs {
		// An absolute sleep restarts as it is.
		return 0, kernel.ERESTARTNOHAND
	}
	t.SetRestartBlock(func(t *task) (uint64, error) { return sleepUntil(t, deadline, rem, abs) })
	return 0, kernel.ERESTART_RESTARTBLOCK
}

func sleep(t *task, d time.Duration, rem uint64, abs bool) (uint64, error) {
	return sleepUntil(t, time.Now().Add(d), rem, abs)
}

func sysNanosleep(t *task, a *args) (uint64, error) {
	ts, err := getTimespec(t, a[0])
	if err != nil {
		return 0, err
	}
	return sleep(t, tsDuration(ts), a[1], false)
}

func sysClockNanosleep(t *task, a *args) (uint64, error) {
	id, flags := int32(a[0]), a[1]
	switch {
	case id == unix.CLOCK_REALTIME || id == unix.CLOCK_MONOTONIC || id == unix.CLOCK_BOOTTIME || id == unix.CLOCK_TAI:
	case id == unix.CLOCK_THREAD_CPUTIME_ID:
		return 0, unix.EOPNOTSUPP
	case id == unix.CLOCK_PROCESS_CPUTIME_ID:
		return cpuSleep(t, id, flags&unix.TIMER_ABSTIME != 0, a[2], a[3])
	case id < 0:
		// clock_getcpuclockid's clocks: a process's, or a thread's
		// other than the caller's own (which would never advance).
		if pid := ^(id >> 3); id&4 != 0 && (pid == 0 || pid == t.ID) {
			return 0, unix.EINVAL
		}
		return cpuSleep(t, id, flags&unix.TIMER_ABSTIME != 0, a[2], a[3])
	default:
		if _, err := clockNow(id); err != nil {
			return 0, err
		}
		return 0, unix.EOPNOTSUPP
	}
	ts, err := getTimespec(t, a[2])
	if err != nil {
		return 0, err
	}
	d := tsDuration(ts)
	abs := flags&unix.TIMER_ABSTIME != 0
	if abs {
		now, _ := clockNow(id)
		d = tsDuration(ts) - tsDuration(now)
		if d <= 0 {
			return 0, nil
		}
	}
	return sleep(t, d, a[3], abs)
}

// cpuSleepPoll bounds each wait of a sleep on a CPU clock: nothing wakes
// a sleeper when CPU time advances, so it looks at the clock this often.
const cpuSleepPoll = 5 * time.Millisecond

// cpuSleep implements clock_nanosleep on a process CPU clock.
func cpuSleep(t *task, id int32, abs bool, tsAddr, rem uint64) (uint64, error) {
	now, err := taskClock(t, id)
	if err != nil {
		return 0, err
	}
	ts, err := getTimespec(t, tsAddr)
	if err != nil {
		return 0, err
	}
	deadline := tsDuration(ts)
	if !abs {
		deadline = min(deadline, math.MaxInt64-tsDuration(now)) + tsDuration(now)
	}
	return cpuSleepUntil(t, id, deadline, rem, abs)
}

func cpuSleepUntil(t *task, id int32, deadline time.Duration, rem uint64, abs bool) (uint64, error) {
	for {
		now, err := taskClock(t, id)
		if err != nil {
			// The process whose clock it was is gone.
			return 0, unix.EINVAL
		}
		left := deadline - time.Duration(now.Nano())
		if left <= 0 {
			return 0, nil
		}
		if t.Sleep(min(left, cpuSleepPoll)) == nil {
			continue
		}
		if abs {
			return 0, kernel.ERESTARTNOHAND
		}
		if rem != 0 {
			if err := putTimespec(t, rem, unix.NsecToTimespec(int64(left))); err != nil {
				return 0, err
			}
		}
		t.SetRestartBlock(func(t *task) (uint64, error) { return cpuSleepUntil(t, id, deadline, rem, abs) })
		return 0, kernel.ERESTART_RESTARTBLOCK
	}
}

// futex operations.
const (
	futexWait          = 0
	futexWake          = 1
	futexRequeue       = 3
	futexCmpRequeue    = 4
	futexWakeOp        = 5
	futexLockPI        = 6
	futexUnlockPI      = 7
	futexTrylockPI     = 8
	futexLockPI2       = 13
	futexWaitBitset    = 9
	futexWakeBitset    = 10
	futexWaitRequeuePI = 11
	futexPrivateFlag   = 128
	futexClockRealtime = 256
)

func sysFutex(t *task, a *args) (uint64, error) {
	addr, op, val, timeout, addr2, val3 := a[0], int(a[1]), uint32(a[2]), a[3], a[4], uint32(a[5])
	cmd := op &^ (futexPrivateFlag | futexClockRealtime)
	private := op&futexPrivateFlag != 0
	// Only the calls that take an absolute deadline accept a clock.
	if op&futexClockRealtime != 0 && cmd != futexWaitBitset && cmd != futexWaitRequeuePI && cmd != futexLockPI2 {
		return 0, unix.ENOSYS
	}
	switch cmd {
	case futexWait, futexWaitBitset:
		bitset := ^uint32(0)
		if cmd == futexWaitBitset {
			bitset = val3
			if bitset == 0 {
				return 0, unix.EINVAL
			}
		}
		var deadline *time.Time
		if timeout != 0 {
			ts, err := getTimespec(t, timeout)
			if err != nil {
				return 0, err
			}
			var d time.Time
			if cmd == futexWait {
				d = time.Now().Add(tsDuration(ts))
			} else {
				clock := int32(unix.CLOCK_MONOTONIC)
				if op&futexClockRealtime != 0 {
					clock = unix.CLOCK_REALTIME
				}
				now, _ := clockNow(clock)
				d = time.Now().Add(tsDuration(ts) - tsDuration(now))
			}
			deadline = &d
		}
		return 0, futexWaitRestartable(t, addr, val, bitset, deadline, private)
	case futexWake, futexWakeBitset:
		bitset := ^uint32(0)
		if cmd == futexWakeBitset {
			bitset = val3
			if bitset == 0 {
				return 0, unix.EINVAL
			}
		}
		n, err := t.FutexWake(addr, int(int32(val)), bitset, private)
		return uint64(n), err
	case futexRequeue, futexCmpRequeue:
		if int32(val) < 0 || int32(timeout) < 0 {
			return 0, unix.EINVAL
		}
		n, err := t.FutexRequeue(addr, addr2, int(val), int(int32(timeout)), cmd == futexCmpRequeue, val3, private)
		return uint64(n), err
	case futexLockPI, futexLockPI2, futexTrylockPI:
		var deadline *time.Time
		if timeout != 0 && cmd != futexTrylockPI {
			ts, err := getTimespec(t, timeout)
			if err != nil {
				return 0, err
			}
			// LOCK_PI's timeout is absolute on CLOCK_REALTIME;
			// LOCK_PI2's on CLOCK_MONOTONIC unless asked.
			clock := int32(unix.CLOCK_REALTIME)
			if cmd == futexLockPI2 && op&futexClockRealtime == 0 {
				clock = unix.CLOCK_MONOTONIC
			}
			now, _ := clockNow(clock)
			d := time.Now().Add(tsDuration(ts) - tsDuration(now))
			deadline = &d
		}
		return 0, t.FutexLockPI(addr, deadline, cmd == futexTrylockPI)
	case futexUnlockPI:
		return 0, t.FutexUnlockPI(addr)
	case futexWakeOp:
		return futexWakeOpOp(t, addr, addr2, int(val), int(int32(timeout)), val3, private)
	}
	return 0, unix.ENOSYS
}

// futexWaitRestartable waits as FUTEX_WAIT does. A wait with a timeout
// that a signal interrupts is restarted only if no handler ran
// (ERESTART_RESTARTBLOCK), and then until the same deadline; one without
// is restarted by SA_RESTART handlers too (ERESTARTSYS), as in Linux.
func futexWaitRestartable(t *task, addr uint64, val, bitset uint32, deadline *time.Time, private bool) error {
	err := t.FutexWait(addr, val, bitset, deadline, private)
	if err == kernel.ERESTARTSYS && deadline != nil {
		t.SetRestartBlock(func(t *task) (uint64, error) {
			return 0, futexWaitRestartable(t, addr, val, bitset, deadline, private)
		})
		return kernel.ERESTART_RESTARTBLOCK
	}
	return err
}

// futexWakeOpOp implements FUTEX_WAKE_OP as Linux does: oparg and
// cmparg are signed 12-bit fields and the comparison is signed; a shift
// count beyond 31 is masked; an unknown operation is ENOSYS before the
// word changes, an unknown comparison ENOSYS after it changed, with no one
// woken. Then waiters on addr are woken, and on addr2 if the old value
// passed the comparison.
func futexWakeOpOp(t *task, addr, addr2 uint64, n, n2 int, enc uint32, private bool) (uint64, error) {
	op, cmp := enc>>28&7, enc>>24&0xf
	signExt := func(v uint32) int32 { return int32(v<<20) >> 20 }
	oparg, cmparg := signExt(enc>>12&0xfff), signExt(enc&0xfff)
	if enc>>28&8 != 0 {
		oparg = 1 << (oparg & 31)
	}
	if addr&3 != 0 || addr2&3 != 0 {
		return 0, unix.EINVAL
	}
	if op > 4 {
		return 0, unix.ENOSYS
	}
	var old int32
	err := t.MM().Atomic32(addr2, func(p *uint32) {
		for {
			o := atomic.LoadUint32(p)
			old = int32(o)
			nv := [5]int32{oparg, old + oparg, old | oparg, old &^ oparg, old ^ oparg}[op]
			if atomic.CompareAndSwapUint32(p, o, uint32(nv)) {
				return
			}
		}
	})
	if err != nil {
		return 0, unix.EFAULT
	}
	var hit bool
	switch cmp {
	case 0:
		hit = old == cmparg
	case 1:
		hit = old != cmparg
	case 2:
		hit = old < cmparg
	case 3:
		hit = old <= cmparg
	case 4:
		hit = old > cmparg
	case 5:
		hit = old >= cmparg
	default:
		return 0, unix.ENOSYS
	}
	woken, _ := t.FutexWake(addr, n, ^uint32(0), private)
	if hit {
		w2, _ := t.FutexWake(addr2, n2, ^uint32(0), private)
		woken += w2
	}
	return uint64(woken), nil
}

// clockTicks is USER_HZ.
const clockTicks = 100

func ticks(d time.Duration) uint64 { return uint64(d / (time.Second / clockTicks)) }

func sysTimes(t *task, a *args) (uint64, error) {
	tg := t.ThreadGroup()
	if a[0] != 0 {
		self, children := tg.CPUUsage(), tg.ChildrenCPUUsage()
		b := make([]byte, 32)
		for i, d := range []time.Duration{self.User, self.Sys, children.User, children.Sys} {
			binary.LittleEndian.PutUint64(b[8*i:], ticks(d))
		}
		if err := copyOut(t, a[0], b); err != nil {
			return 0, err
		}
	}
	// Clock ticks since an arbitrary point (Linux counts from shortly
	// before boot); the monotonic clock gives them at full resolution.
	var now unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &now); err != nil {
		return 0, err // cannot happen: CLOCK_MONOTONIC always reads
	}
	return uint64(now.Nano()) / uint64(time.Second/clockTicks), nil
}

// rusage encodes struct rusage.
func rusage(u kernel.CPUUsage, maxRSSKB uint64) []byte {
	b := make([]byte, 144)
	le := binary.LittleEndian
	le.PutUint64(b[0:], uint64(u.User/time.Second))
	le.PutUint64(b[8:], uint64(u.User%time.Second/time.Microsecond))
	le.PutUint64(b[16:], uint64(u.Sys/time.Second))
	le.PutUint64(b[24:], uint64(u.Sys%time.Second/time.Microsecond))
	le.PutUint64(b[32:], maxRSSKB)
	le.PutUint64(b[64:], u.MinFlt)
	le.PutUint64(b[128:], u.NVCSw)
	return b
}

func sysGetrusage(t *task, a *args) (uint64, error) {
	var u kernel.CPUUsage
	var rss uint64
	switch int32(a[0]) {
	case unix.RUSAGE_SELF:
		u = t.ThreadGroup().CPUUsage()
		rss = t.ThreadGroup().MaxRSSKB(t.MM())
	case unix.RUSAGE_CHILDREN:
		u = t.ThreadGroup().ChildrenCPUUsage()
		rss = t.ThreadGroup().ChildrenMaxRSSKB()
	case unix.RUSAGE_THREAD:
		u = t.CPUUsage()
		rss = t.ThreadGroup().MaxRSSKB(t.MM())
	default:
		return 0, unix.EINVAL
	}
	return 0, copyOut(t, a[1], rusage(u, rss))
}
