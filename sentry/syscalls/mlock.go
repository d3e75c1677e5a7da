package syscalls

import (
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/kernel"
)

func init() {
	register(abi.SysMlock, func(t *task, a *args) (uint64, error) { return mlock(t, a[0], a[1], true) })
	register(abi.SysMlock2, func(t *task, a *args) (uint64, error) {
		if a[2]&^1 != 0 { // MLOCK_ONFAULT
			return 0, unix.EINVAL
		}
		return mlock(t, a[0], a[1], true)
	})
	register(abi.SysMunlock, func(t *task, a *args) (uint64, error) { return mlock(t, a[0], a[1], false) })
	register(abi.SysMlockall, sysMlockall)
	register(abi.SysMunlockall, func(t *task, a *args) (uint64, error) {
		m := t.MM()
		for _, r := range m.Ranges() {
			m.Lock(r[0], r[1]-r[0], false)
		}
		return 0, nil
	})
	register(abi.SysMincore, sysMincore)
}

// mlock locks or unlocks a range, within RLIMIT_MEMLOCK unless the task
// has CAP_IPC_LOCK.
func mlock(t *task, addr, length uint64, lock bool) (uint64, error) {
	m := t.MM()
	if lock && !t.Creds().HasCap(14) { // CAP_IPC_LOCK
		lim := t.ThreadGroup().Limit(kernel.RlimitMemlock).Cur
		if lim == 0 {
			return 0, unix.EPERM
		}
		if lim != kernel.Infinity && uint64(m.LockedBytes())+length > lim {
			return 0, unix.ENOMEM
		}
	}
	_, err := m.Lock(addr, length, lock)
	return 0, err
}

func sysMlockall(t *task, a *args) (uint64, error) {
	const mclCurrent, mclFuture, mclOnfault = 1, 2, 4
	flags := a[0]
	if flags == 0 || flags&^(mclCurrent|mclFuture|mclOnfault) != 0 || flags == mclOnfault {
		return 0, unix.EINVAL
	}
	if !t.Creds().HasCap(14) && t.ThreadGroup().Limit(kernel.RlimitMemlock).Cur == 0 {
		return 0, unix.EPERM
	}
	if flags&mclCurrent != 0 {
		m := t.MM()
		for _, r := range m.Ranges() {
			if _, err := mlock(t, r[0], r[1]-r[0], true); err != nil {
				return 0, err
			}
		}
	}
	return 0, nil
}

func sysMincore(t *task, a *args) (uint64, error) {
	vec, err := t.MM().Mincore(a[0], a[1])
	if err != nil {
		return 0, err
	}
	return 0, copyOut(t, a[2], vec)
}
