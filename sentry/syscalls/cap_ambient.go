package syscalls

import (
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/kernel"
)

// prctl(PR_CAP_AMBIENT, op, cap, 0, 0): the ambient capability set
// (capabilities(7)), which execve of an unprivileged program keeps.
func init() {
	prctlHandlers[unix.PR_CAP_AMBIENT] = prctlCapAmbient
}

func prctlCapAmbient(t *task, a *args) (uint64, error) {
	op, capNum := a[1], a[2]
	if op == unix.PR_CAP_AMBIENT_CLEAR_ALL {
		if capNum != 0 || a[3] != 0 || a[4] != 0 {
			return 0, unix.EINVAL
		}
		c := t.Creds().Copy()
		c.CapAmbient = 0
		t.SetCreds(c)
		return 0, nil
	}
	if a[3] != 0 || a[4] != 0 || capNum > kernel.CapLastCap {
		return 0, unix.EINVAL
	}
	bit := uint64(1) << capNum
	switch op {
	case unix.PR_CAP_AMBIENT_IS_SET:
		if t.Creds().CapAmbient&bit != 0 {
			return 1, nil
		}
		return 0, nil
	case unix.PR_CAP_AMBIENT_RAISE:
		old := t.Creds()
		if old.CapPermitted&bit == 0 || old.CapInheritable&bit == 0 ||
			old.SecureBits&kernel.SecbitNoCapAmbientRaise != 0 {
			return 0, unix.EPERM
		}
		c := old.Copy()
		c.CapAmbient |= bit
		t.SetCreds(c)
		return 0, nil
	case unix.PR_CAP_AMBIENT_LOWER:
		c := t.Creds().Copy()
		c.CapAmbient &^= bit
		t.SetCreds(c)
		return 0, nil
	}
	return 0, unix.EINVAL
}
