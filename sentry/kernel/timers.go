package kernel

import (
	"encoding/binary"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/arch"
)

// Interval timers: setitimer's three timers, alarm, and POSIX timers.
// Timers on wall and monotonic clocks use Go timers; timers on CPU-time
// clocks sample the CPU usage every cpuTimerTick.

const cpuTimerTick = 5 * time.Millisecond

// IntervalTimer fires fire every interval after an initial value.
type IntervalTimer struct {
	mu       sync.Mutex
	cpu      func() time.Duration // nil for wall-clock timers
	fire     func()
	deadline time.Time     // wall-clock timers: next expiry
	cpuAt    time.Duration // CPU timers: CPU time of next expiry
	interval time.Duration
	armed    bool
	gen      uint64
	timer    *time.Timer
	// overrun counts expiries while the last signal was still queued.
	overrun, lastOverrun int
	queued               bool
}

// NewIntervalTimer returns a disarmed timer. cpu, if set, makes it count
// CPU time instead of wall time.
func NewIntervalTimer(cpu func() time.Duration, fire func()) *IntervalTimer {
	return &IntervalTimer{cpu: cpu, fire: fire}
}

// Get returns the time to the next expiry (0 if disarmed) and the
// interval.
func (it *IntervalTimer) Get() (time.Duration, time.Duration) {
	it.mu.Lock()
	defer it.mu.Unlock()
	return it.remainingLocked(), it.interval
}

func (it *IntervalTimer) remainingLocked() time.Duration {
	if !it.armed {
		return 0
	}
	var d time.Duration
	if it.cpu != nil {
		d = it.cpuAt - it.cpu()
	} else {
		d = time.Until(it.deadline)
	}
	if d <= 0 {
		d = 1 // due: Linux reports the smallest non-zero value
	}
	return d
}

// Set arms the timer to expire after value (0 disarms) and then every
// interval, returning the old setting.
func (it *IntervalTimer) Set(value, interval time.Duration) (time.Duration, time.Duration) {
	it.mu.Lock()
	defer it.mu.Unlock()
	oldV, oldI := it.remainingLocked(), it.interval
	it.gen++
	if it.timer != nil {
		it.timer.Stop()
		it.timer = nil
	}
	it.armed = value > 0
	if !it.armed && it.cpu == nil {
		// Disarming a wall-clock timer clears its interval too (Linux
		// keeps it only for CPU-time timers).
		interval = 0
	}
	it.interval = interval
	it.overrun = 0
	if !it.armed {
		return oldV, oldI
	}
	gen := it.gen
	if it.cpu != nil {
		it.cpuAt = it.cpu() + value
		go it.pollCPU(gen)
	} else {
		it.deadline = time.Now().Add(value)
		it.timer = time.AfterFunc(value, func() { it.expire(gen) })
	}
	return oldV, oldI
}

// Stop disarms the timer for good.
func (it *IntervalTimer) Stop() { it.Set(0, 0) }

func (it *IntervalTimer) expire(gen uint64) {
	it.mu.Lock()
	if gen != it.gen || !it.armed {
		it.mu.Unlock()
		return
	}
	if it.interval > 0 {
		if it.cpu != nil {
			it.cpuAt += it.interval
		} else {
			it.deadline = it.deadline.Add(it.interval)
			// Expiries missed while we were late count as overruns.
			for d := time.Until(it.deadline); d < 0; d = time.Until(it.deadline) {
				it.deadline = it.deadline.Add(it.interval)
				it.overrun++
			}
			it.timer = time.AfterFunc(time.Until(it.deadline), func() { it.expire(gen) })
		}
	} else {
		it.armed = false
	}
	if it.queued {
		it.overrun++
		it.mu.Unlock()
		return
	}
	it.queued = true
	it.mu.Unlock()
	it.fire()
}

func (it *IntervalTimer) pollCPU(gen uint64) {
	tick := time.NewTicker(cpuTimerTick)
	defer tick.Stop()
	for range tick.C {
		it.mu.Lock()
		if gen != it.gen || !it.armed {
			it.mu.Unlock()
			return
		}
		due := it.cpu() >= it.cpuAt
		it.mu.Unlock()
		if due {
			it.expire(gen)
		}
	}
}

// delivered records that the timer's signal left the queue, returning
// the overrun count it carries.
func (it *IntervalTimer) delivered() int {
	it.mu.Lock()
	defer it.mu.Unlock()
	it.queued = false
	it.lastOverrun = it.overrun
	it.overrun = 0
	return it.lastOverrun
}

// Overrun returns timer_getoverrun's value.
func (it *IntervalTimer) Overrun() int {
	it.mu.Lock()
	defer it.mu.Unlock()
	return it.lastOverrun
}

// setitimer's timers.
const (
	ITimerReal    = 0
	ITimerVirtual = 1
	ITimerProf    = 2
)

// ITimer returns one of the process's setitimer timers, creating it.
func (tg *ThreadGroup) ITimer(which int) *IntervalTimer {
	tg.timersMu.Lock()
	defer tg.timersMu.Unlock()
	if tg.itimers[which] == nil {
		sig := [3]unix.Signal{unix.SIGALRM, unix.SIGVTALRM, unix.SIGPROF}[which]
		var cpu func() time.Duration
		switch which {
		case ITimerVirtual:
			cpu = func() time.Duration { return tg.CPUUsage().User }
		case ITimerProf:
			cpu = func() time.Duration { return tg.CPUUsage().Total() }
		}
		var it *IntervalTimer
		it = NewIntervalTimer(cpu, func() {
			// The signal is not tied to the timer for overruns.
			it.delivered()
			tg.SendSignal(arch.SigInfo{Signo: int32(sig), Code: SI_KERNEL})
		})
		tg.itimers[which] = it
	}
	return tg.itimers[which]
}

// SIGEV notification kinds.
const (
	SigevSignal   = 0
	SigevNone     = 1
	SigevThread   = 2
	SigevThreadID = 4
	SI_TIMER      = -2
)

// PosixTimer is a timer_create timer.
type PosixTimer struct {
	ID    int32
	Timer *IntervalTimer
	Clock int32
}

// CreateTimer makes a POSIX timer that notifies as sigev says.
func (tg *ThreadGroup) CreateTimer(clock int32, cpu func() time.Duration, notify int, sig int, value uint64, target *Task) (*PosixTimer, error) {
	tg.timersMu.Lock()
	defer tg.timersMu.Unlock()
	if tg.posixTimers == nil {
		tg.posixTimers = make(map[int32]*PosixTimer)
	}
	var id int32
	for id = 0; ; id++ {
		if _, used := tg.posixTimers[id]; !used {
			break
		}
	}
	pt := &PosixTimer{ID: id, Clock: clock}
	pt.Timer = NewIntervalTimer(cpu, func() {
		if notify == SigevNone {
			pt.Timer.delivered()
			return
		}
		info := arch.SigInfo{Signo: int32(sig), Code: SI_TIMER}
		binary.LittleEndian.PutUint32(info.Fields[0:], uint32(id))
		binary.LittleEndian.PutUint64(info.Fields[8:], value)
		if notify == SigevThreadID && target != nil {
			target.SendSignal(info)
		} else {
			tg.SendSignal(info)
		}
	})
	tg.posixTimers[id] = pt
	return pt, nil
}

// Timer returns POSIX timer id.
func (tg *ThreadGroup) Timer(id int32) *PosixTimer {
	tg.timersMu.Lock()
	defer tg.timersMu.Unlock()
	return tg.posixTimers[id]
}

// DeleteTimer removes POSIX timer id.
func (tg *ThreadGroup) DeleteTimer(id int32) bool {
	tg.timersMu.Lock()
	pt := tg.posixTimers[id]
	delete(tg.posixTimers, id)
	tg.timersMu.Unlock()
	if pt == nil {
		return false
	}
	pt.Timer.Stop()
	return true
}

// timerSignalDelivered fills in the overrun of a POSIX timer signal as it
// is delivered, and lets the timer queue its next signal.
func (tg *ThreadGroup) timerSignalDelivered(info *arch.SigInfo) {
	id := int32(binary.LittleEndian.Uint32(info.Fields[0:]))
	if pt := tg.Timer(id); pt != nil {
		binary.LittleEndian.PutUint32(info.Fields[4:], uint32(pt.Timer.delivered()))
	}
}

// stopTimers disarms every timer of an exiting process.
func (tg *ThreadGroup) stopTimers() {
	tg.timersMu.Lock()
	its := tg.itimers
	pts := tg.posixTimers
	tg.posixTimers = nil
	tg.timersMu.Unlock()
	for _, it := range its {
		if it != nil {
			it.Stop()
		}
	}
	for _, pt := range pts {
		pt.Timer.Stop()
	}
}

// Ack lets the timer fire again at its next expiry without counting an
// overrun, for notifications that are not queued signals. It returns the
// expiries missed (overruns) since the last Ack.
func (it *IntervalTimer) Ack() int { return it.delivered() }
