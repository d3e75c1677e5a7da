package syscalls

import (
	"encoding/binary"
	"math/bits"
	"runtime"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/kernel"
)

// sched_setattr(2) and sched_getattr(2): the whole scheduling state of a
// thread in one struct sched_attr. sched_setscheduler and sched_setparam
// go through the same checks (schedSetAttr), so every call sees and
// changes one kernel.SchedAttr.

func init() {
	register(abi.SysSchedSetattr, sysSchedSetattr)
	register(abi.SysSchedGetattr, sysSchedGetattr)
}

const (
	schedDeadline = kernel.SchedDeadline

	// schedSetparamPolicy stands for "keep the policy" (Linux's
	// SETPARAM_POLICY): sched_setparam and SCHED_FLAG_KEEP_POLICY.
	schedSetparamPolicy = -1

	// struct sched_attr sizes: version 0 (48 bytes, up to
	// sched_period) and the one the sentry knows (with the utilization
	// clamps).
	schedAttrSizeVer0 = 48
	schedAttrSize     = 56
	pageSize          = 4096

	schedFlagResetOnFork = 0x01
	schedFlagReclaim     = 0x02
	schedFlagDLOverrun   = 0x04
	schedFlagKeepPolicy  = 0x08
	schedFlagKeepParams  = 0x10
	schedFlagUtilMin     = 0x20
	schedFlagUtilMax     = 0x40
	schedFlagUtilClamp   = schedFlagUtilMin | schedFlagUtilMax
	schedFlagDL          = schedFlagReclaim | schedFlagDLOverrun
	schedFlagAll         = schedFlagResetOnFork | schedFlagDL | schedFlagKeepPolicy | schedFlagKeepParams | schedFlagUtilClamp

	// Deadline periods Linux allows by default
	// (kernel.sched_deadline_period_{min,max}_us), and the smallest
	// runtime (it keeps runtimes in units of 2^10 ns).
	dlPeriodMin  = 100 * 1000
	dlPeriodMax  = (1 << 22) * 1000
	dlRuntimeMin = 1 << 10

	// A fair task's requested time slice is clamped to 0.1-100 ms.
	sliceMin = 100 * 1000
	sliceMax = 100 * 1000 * 1000
)

// schedAttr is struct sched_attr.
type schedAttr struct {
	Size     uint32
	Policy   uint32
	Flags    uint64
	Nice     int32
	Priority uint32
	// Runtime, Deadline and Period are SCHED_DEADLINE's; a fair task's
	// Runtime is its time slice.
	Runtime, Deadline, Period uint64
	UtilMin, UtilMax          uint32
}

func (a *schedAttr) encode() []byte {
	b := make([]byte, schedAttrSize)
	le := binary.LittleEndian
	le.PutUint32(b[0:], a.Size)
	le.PutUint32(b[4:], a.Policy)
	le.PutUint64(b[8:], a.Flags)
	le.PutUint32(b[16:], uint32(a.Nice))
	le.PutUint32(b[20:], a.Priority)
	le.PutUint64(b[24:], a.Runtime)
	le.PutUint64(b[32:], a.Deadline)
	le.PutUint64(b[40:], a.Period)
	le.PutUint32(b[48:], a.UtilMin)
	le.PutUint32(b[52:], a.UtilMax)
	return b
}

// decodeSchedAttr reads the first n bytes of a struct sched_attr; the
// rest are zero, as for an older, shorter struct.
func decodeSchedAttr(in []byte) schedAttr {
	b := make([]byte, schedAttrSize)
	copy(b, in)
	le := binary.LittleEndian
	return schedAttr{
		Size: le.Uint32(b[0:]), Policy: le.Uint32(b[4:]), Flags: le.Uint64(b[8:]),
		Nice: int32(le.Uint32(b[16:])), Priority: le.Uint32(b[20:]),
		Runtime: le.Uint64(b[24:]), Deadline: le.Uint64(b[32:]), Period: le.Uint64(b[40:]),
		UtilMin: le.Uint32(b[48:]), UtilMax: le.Uint32(b[52:]),
	}
}

// checkSchedAttrSize applies the size rules of sched_setattr to the size
// field and the bytes after the struct the sentry knows: 0 means version
// 0; a size under 48 or over a page, or a larger struct whose extra bytes
// are not all zero, is E2BIG (and the caller writes back the size the
// sentry knows). It returns how many bytes to read.
func checkSchedAttrSize(size uint32, tail []byte) (int, error) {
	if size == 0 {
		size = schedAttrSizeVer0
	}
	if size < schedAttrSizeVer0 || size > pageSize {
		return 0, unix.E2BIG
	}
	for _, c := range tail {
		if c != 0 {
			return 0, unix.E2BIG
		}
	}
	return min(int(size), schedAttrSize), nil
}

// copyInSchedAttr reads a struct sched_attr of the size it says it is.
func copyInSchedAttr(t *task, addr uint64) (schedAttr, error) {
	size, err := copyInU32(t, addr)
	if err != nil {
		return schedAttr{}, err
	}
	var tail []byte
	if size > schedAttrSize && size <= pageSize {
		tail = make([]byte, size-schedAttrSize)
		if err := copyIn(t, addr+schedAttrSize, tail); err != nil {
			return schedAttr{}, err
		}
	}
	n, err := checkSchedAttrSize(size, tail)
	if err == unix.E2BIG {
		// Tell the caller the size the sentry knows.
		if err := copyOutU32(t, addr, schedAttrSize); err != nil {
			return schedAttr{}, err
		}
		return schedAttr{}, unix.E2BIG
	}
	b := make([]byte, n)
	if err := copyIn(t, addr, b); err != nil {
		return schedAttr{}, err
	}
	a := decodeSchedAttr(b)
	if a.Flags&schedFlagUtilClamp != 0 && n < schedAttrSize {
		return schedAttr{}, unix.EINVAL
	}
	a.Nice = max(min(a.Nice, 19), -20)
	return a, nil
}

func sysSchedSetattr(t *task, a *args) (uint64, error) {
	pid, addr, flags := int32(a[0]), a[1], uint32(a[2])
	if addr == 0 || pid < 0 || flags != 0 {
		return 0, unix.EINVAL
	}
	attr, err := copyInSchedAttr(t, addr)
	if err != nil {
		return 0, err
	}
	if int32(attr.Policy) < 0 {
		return 0, unix.EINVAL
	}
	policy := int(attr.Policy)
	if attr.Flags&schedFlagKeepPolicy != 0 {
		policy = schedSetparamPolicy
	}
	target, err := schedTarget(t, pid)
	if err != nil {
		return 0, err
	}
	if attr.Flags&schedFlagKeepParams != 0 {
		// Check the call against the parameters the thread has: they
		// replace the fields of its policy, the others stay as given.
		cur := target.SchedAttr()
		switch {
		case cur.Policy == schedDeadline:
			attr.Priority = 0
			attr.Runtime, attr.Deadline, attr.Period = cur.Deadline.Runtime, cur.Deadline.Deadline, cur.Deadline.Period
			attr.Flags = attr.Flags&^schedFlagDL | cur.Deadline.Flags
		case isRTPolicy(cur.Policy):
			attr.Priority = uint32(cur.Priority)
		default:
			attr.Nice = int32(cur.Nice)
			attr.Runtime = cur.Slice
		}
	}
	return 0, schedSetAttr(t, target, policy, attr)
}

func sysSchedGetattr(t *task, a *args) (uint64, error) {
	pid, addr, usize, flags := int32(a[0]), a[1], uint32(a[2]), uint32(a[3])
	if addr == 0 || pid < 0 || usize > pageSize || usize < schedAttrSizeVer0 || flags != 0 {
		return 0, unix.EINVAL
	}
	target, err := schedTarget(t, pid)
	if err != nil {
		return 0, err
	}
	attr := getSchedAttr(target.SchedAttr())
	// A shorter struct gets what fits; a longer one what the sentry
	// knows, then zeros. size says how much the kernel filled in.
	attr.Size = min(usize, schedAttrSize)
	out := attr.encode()[:attr.Size]
	if usize > schedAttrSize {
		out = append(out, make([]byte, usize-schedAttrSize)...)
	}
	return 0, copyOut(t, addr, out)
}

// getSchedAttr is sched_getattr's view of a thread's state: a deadline
// task's parameters, a real-time task's priority, or a fair task's nice
// value and time slice.
func getSchedAttr(s kernel.SchedAttr) schedAttr {
	a := schedAttr{Policy: uint32(s.Policy)}
	if s.ResetOnFork {
		a.Flags |= schedFlagResetOnFork
	}
	switch {
	case s.Policy == schedDeadline:
		a.Runtime, a.Deadline, a.Period = s.Deadline.Runtime, s.Deadline.Deadline, s.Deadline.Period
		a.Flags |= s.Deadline.Flags
	case isRTPolicy(s.Policy):
		a.Priority = uint32(s.Priority)
	default:
		a.Nice = int32(s.Nice)
		a.Runtime = s.Slice
		if a.Runtime == 0 {
			a.Runtime = defaultSlice()
		}
	}
	return a
}

// defaultSlice is Linux's default fair time slice: 0.7 ms scaled by
// 1 + log2 of the CPU count, counting at most 8 CPUs.
func defaultSlice() uint64 {
	n := uint(max(min(runtime.NumCPU(), 8), 1))
	return 700 * 1000 * uint64(1+bits.Len(n)-1)
}

func isRTPolicy(p int) bool   { return p == schedFIFO || p == schedRR }
func isFairPolicy(p int) bool { return p == schedOther || p == schedBatch }

// validDeadline is Linux's check of deadline parameters: a deadline, a
// runtime of at least 1024 ns, runtime <= deadline <= period (the period
// defaults to the deadline), a period within the allowed range, and no
// top bit set.
func validDeadline(a schedAttr) bool {
	if a.Deadline == 0 || a.Runtime < dlRuntimeMin {
		return false
	}
	if a.Deadline&(1<<63) != 0 || a.Period&(1<<63) != 0 {
		return false
	}
	period := dlPeriod(a)
	if period < a.Deadline || a.Deadline < a.Runtime {
		return false
	}
	return period >= dlPeriodMin && period <= dlPeriodMax
}

// dlPeriod is a deadline request's period: the deadline if not given.
func dlPeriod(a schedAttr) uint64 {
	if a.Period == 0 {
		return a.Deadline
	}
	return a.Period
}

// Deadline bandwidth, as Linux counts it: the share of a CPU a task
// reserves (runtime/period), in units of 2^-20.
const dlBWShift = 20

func dlBandwidth(runtime, period uint64) uint64 {
	if period == 0 {
		return 0
	}
	hi, lo := bits.Mul64(runtime, 1<<dlBWShift)
	q, _ := bits.Div64(hi%period, lo, period)
	return q
}

// dlAdmitMu makes admission and the policy change one step, so that two
// threads cannot both take the last of the bandwidth.
var dlAdmitMu sync.Mutex

// dlAdmit is Linux's deadline admission control: the deadline tasks
// together may reserve 95% of every CPU (kernel.sched_rt_runtime_us over
// sched_rt_period_us), less the 5% each CPU's fair server holds (Linux
// 6.12 and later), so 90% of each CPU with bw for target.
func dlAdmit(k *kernel.Kernel, target *kernel.Task, bw uint64) bool {
	ncpu := uint64(runtime.NumCPU())
	limit := ncpu * dlBandwidth(950000, 1000000)
	total := ncpu*dlBandwidth(50000, 1000000) + bw
	for _, tg := range k.ThreadGroups() {
		for _, tt := range tg.Tasks() {
			if tt == target {
				continue
			}
			if s := tt.SchedAttr(); s.Policy == schedDeadline {
				total += dlBandwidth(s.Deadline.Runtime, s.Deadline.Period)
			}
		}
	}
	return total <= limit
}

// cpusIn counts the CPUs of the sandbox in a CPU mask.
func cpusIn(mask []byte) int {
	n := 0
	for i := 0; i < runtime.NumCPU() && i/8 < len(mask); i++ {
		if mask[i/8]&(1<<(i%8)) != 0 {
			n++
		}
	}
	return n
}

// deadlineAffinityOK is sched_setaffinity's rule for deadline tasks: a
// mask may not leave out some of the CPUs (EBUSY). One with none of them
// is EINVAL, as for any task.
func deadlineAffinityOK(target *kernel.Task, mask []byte) bool {
	if target.SchedAttr().Policy != schedDeadline {
		return true
	}
	n := cpusIn(mask)
	return n == 0 || n == runtime.NumCPU()
}

// schedSetAttr sets target's policy and parameters from attr as Linux's
// __sched_setscheduler: policy is attr's or schedSetparamPolicy to keep
// the current one (and its reset-on-fork flag).
//
// The sentry does not run deadline admission control (Linux's EBUSY when
// the CPUs' deadline bandwidth is used up) nor check that a deadline
// task's CPU mask spans every CPU; it records the parameters.
func schedSetAttr(t *task, target *kernel.Task, policy int, attr schedAttr) error {
	cur := target.SchedAttr()
	resetOnFork := attr.Flags&schedFlagResetOnFork != 0
	if policy == schedSetparamPolicy {
		policy = cur.Policy
		resetOnFork = cur.ResetOnFork
	} else if !isFairPolicy(policy) && policy != schedIdle && !isRTPolicy(policy) && policy != schedDeadline {
		return unix.EINVAL
	}
	if attr.Flags&^schedFlagAll != 0 {
		return unix.EINVAL
	}
	prio := attr.Priority
	if prio > 99 {
		return unix.EINVAL
	}
	if policy == schedDeadline && !validDeadline(attr) {
		return unix.EINVAL
	}
	if isRTPolicy(policy) != (prio != 0) {
		return unix.EINVAL
	}
	if err := schedSetPermitted(t, target, cur, policy, attr, resetOnFork); err != nil {
		return err
	}
	if attr.Flags&schedFlagUtilClamp != 0 {
		// Like a kernel built without CONFIG_UCLAMP_TASK.
		return unix.EOPNOTSUPP
	}
	if policy == schedDeadline {
		// A deadline task runs on any CPU: its mask must hold them
		// all.
		if cpusIn(target.Affinity()) != runtime.NumCPU() {
			return unix.EPERM
		}
		dlAdmitMu.Lock()
		defer dlAdmitMu.Unlock()
		if !dlAdmit(t.Kernel(), target, dlBandwidth(attr.Runtime, dlPeriod(attr))) {
			return unix.EBUSY
		}
	}
	next := cur
	next.ResetOnFork = resetOnFork
	if attr.Flags&schedFlagKeepParams == 0 {
		// With KEEP_PARAMS Linux checks the call but leaves the
		// policy and its parameters alone.
		next.Policy = policy
		switch {
		case policy == schedDeadline:
			next.Priority = 0
			next.Deadline = kernel.DeadlineParams{Runtime: attr.Runtime, Deadline: attr.Deadline, Period: attr.Period,
				Flags: attr.Flags & schedFlagDL}
			next.Deadline.Period = dlPeriod(attr)
		case isRTPolicy(policy):
			next.Priority = int(prio)
		case policy == schedIdle:
			// Linux sets neither the nice value nor the slice of
			// a SCHED_IDLE task here.
			next.Priority = 0
		default:
			next.Priority = 0
			next.Nice = int(attr.Nice)
			next.Slice = 0
			if attr.Runtime != 0 {
				next.Slice = max(min(attr.Runtime, sliceMax), sliceMin)
			}
		}
	}
	target.SetSchedAttr(next)
	return nil
}

// schedSetPermitted is what a caller without CAP_SYS_NICE may do: lower
// its nice value only within RLIMIT_NICE, take a real-time policy or
// raise its priority only within RLIMIT_RTPRIO, never take
// SCHED_DEADLINE, leave SCHED_IDLE only if RLIMIT_NICE allows its nice
// value, change only threads it owns, and not drop reset-on-fork.
func schedSetPermitted(t *task, target *kernel.Task, cur kernel.SchedAttr, policy int, attr schedAttr, resetOnFork bool) error {
	c := t.Creds()
	if c.HasCap(kernel.CapSysNice) {
		return nil
	}
	niceLimit := target.ThreadGroup().Limit(kernel.RlimitNice).Cur
	canNice := func(nice int) bool { return uint64(20-nice) <= niceLimit }
	switch {
	case isFairPolicy(policy):
		if int(attr.Nice) < cur.Nice && !canNice(int(attr.Nice)) {
			return unix.EPERM
		}
	case isRTPolicy(policy):
		rtLimit := target.ThreadGroup().Limit(kernel.RlimitRtprio).Cur
		if policy != cur.Policy && rtLimit == 0 {
			return unix.EPERM
		}
		if int(attr.Priority) > cur.Priority && uint64(attr.Priority) > rtLimit {
			return unix.EPERM
		}
	case policy == schedDeadline:
		return unix.EPERM
	}
	if cur.Policy == schedIdle && policy != schedIdle && !canNice(cur.Nice) {
		return unix.EPERM
	}
	tc := target.Creds()
	if c.EffectiveUID != tc.EffectiveUID && c.EffectiveUID != tc.RealUID {
		return unix.EPERM
	}
	if cur.ResetOnFork && !resetOnFork {
		return unix.EPERM
	}
	return nil
}
