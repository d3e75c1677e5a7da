package syscalls

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/kernel"
)

// clock_settime(2) and settimeofday(2). Setting the sandbox's wall clock
// is not implemented: Linux would set the host's, and the sandbox keeps
// no clock of its own yet. Everything Linux decides before it sets the
// clock is decided here as Linux does (EINVAL, EFAULT, and EPERM for a
// caller without CAP_SYS_TIME, which is every caller in a default
// container); a caller that holds CAP_SYS_TIME gets ENOSYS, logged.

func init() {
	register(abi.SysClockSettime, sysClockSettime)
	register(abi.SysSettimeofday, sysSettimeofday)
}

// settodSecMax bounds the seconds the wall clock may be set to, as
// Linux's TIME_SETTOD_SEC_MAX: 30 years of uptime are kept before the
// 64-bit nanosecond count overflows.
const settodSecMax = 9_223_372_036 - 30*365*24*3600

// setWallClock ends a call that would set the wall clock.
func setWallClock(t *task, nr uint64, name string) (uint64, error) {
	if !t.Creds().HasCap(kernel.CapSysTime) {
		return 0, unix.EPERM
	}
	t.Kernel().LogUnimplemented(nr, name+" of the wall clock")
	return 0, unix.ENOSYS
}

// clock_settime(clockid, tp)
func sysClockSettime(t *task, a *args) (uint64, error) {
	if int32(a[0]) != unix.CLOCK_REALTIME {
		// No other clock can be set, CPU-time clocks included.
		return 0, unix.EINVAL
	}
	var b [16]byte
	if err := copyIn(t, a[1], b[:]); err != nil {
		return 0, err
	}
	sec, nsec := int64(binary.LittleEndian.Uint64(b[:])), int64(binary.LittleEndian.Uint64(b[8:]))
	if sec < 0 || sec >= settodSecMax || nsec < 0 || nsec >= 1e9 {
		return 0, unix.EINVAL
	}
	return setWallClock(t, abi.SysClockSettime, "clock_settime")
}

// settimeofday(tv, tz)
func sysSettimeofday(t *task, a *args) (uint64, error) {
	if a[0] != 0 {
		var b [16]byte
		if err := copyIn(t, a[0], b[:]); err != nil {
			return 0, err
		}
		sec, usec := int64(binary.LittleEndian.Uint64(b[:])), int64(binary.LittleEndian.Uint64(b[8:]))
		if sec < 0 || sec >= settodSecMax || usec < 0 || usec >= 1e6 {
			return 0, unix.EINVAL
		}
	}
	if a[1] != 0 {
		var b [8]byte
		if err := copyIn(t, a[1], b[:]); err != nil {
			return 0, err
		}
		if west := int32(binary.LittleEndian.Uint32(b[:])); west > 15*60 || west < -15*60 {
			return 0, unix.EINVAL
		}
	}
	if a[0] == 0 && a[1] == 0 {
		// Nothing to set: only the permission is checked.
		if !t.Creds().HasCap(kernel.CapSysTime) {
			return 0, unix.EPERM
		}
		return 0, nil
	}
	return setWallClock(t, abi.SysSettimeofday, "settimeofday")
}
