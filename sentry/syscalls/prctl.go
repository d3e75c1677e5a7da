package syscalls

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/kernel"
)

func init() {
	prctlHandlers[unix.PR_SET_PDEATHSIG] = func(t *task, a *args) (uint64, error) {
		if a[1] > kernel.NumSignals {
			return 0, unix.EINVAL
		}
		t.SetPdeathSig(int(a[1]))
		return 0, nil
	}
	prctlHandlers[unix.PR_GET_PDEATHSIG] = func(t *task, a *args) (uint64, error) {
		return 0, copyOutU32(t, a[1], uint32(t.PdeathSig()))
	}
	prctlHandlers[unix.PR_SET_CHILD_SUBREAPER] = func(t *task, a *args) (uint64, error) {
		t.ThreadGroup().SetSubreaper(a[1] != 0)
		return 0, nil
	}
	prctlHandlers[unix.PR_GET_CHILD_SUBREAPER] = func(t *task, a *args) (uint64, error) {
		v := uint32(0)
		if t.ThreadGroup().Subreaper() {
			v = 1
		}
		return 0, copyOutU32(t, a[1], v)
	}
	prctlHandlers[unix.PR_SET_DUMPABLE] = func(t *task, a *args) (uint64, error) {
		if a[1] > 1 {
			return 0, unix.EINVAL
		}
		t.ThreadGroup().SetDumpable(int32(a[1]))
		return 0, nil
	}
	prctlHandlers[unix.PR_GET_DUMPABLE] = func(t *task, a *args) (uint64, error) {
		return uint64(t.ThreadGroup().Dumpable()), nil
	}
	prctlHandlers[unix.PR_SET_KEEPCAPS] = func(t *task, a *args) (uint64, error) {
		if a[1] > 1 {
			return 0, unix.EINVAL
		}
		if t.Creds().SecureBits&kernel.SecbitKeepCapsLocked != 0 {
			return 0, unix.EPERM
		}
		c := t.Creds().Copy()
		c.KeepCaps = a[1] == 1
		t.SetCreds(c)
		return 0, nil
	}
	prctlHandlers[unix.PR_GET_KEEPCAPS] = func(t *task, a *args) (uint64, error) {
		if t.Creds().KeepCaps {
			return 1, nil
		}
		return 0, nil
	}
	prctlHandlers[unix.PR_GET_SECUREBITS] = func(t *task, a *args) (uint64, error) {
		return uint64(secureBits(t.Creds())), nil
	}
	prctlHandlers[unix.PR_SET_SECUREBITS] = prctlSetSecureBits
	prctlHandlers[unix.PR_GET_TID_ADDRESS] = func(t *task, a *args) (uint64, error) {
		return 0, copyOutU64(t, a[1], t.ClearChildTID())
	}
	register(abi.SysCapget, sysCapget)
	register(abi.SysCapset, sysCapset)
}

// secureBits returns c's securebits, SECBIT_KEEP_CAPS included.
func secureBits(c *kernel.Creds) uint32 {
	b := c.SecureBits
	if c.KeepCaps {
		b |= kernel.SecbitKeepCaps
	}
	return b
}

// prctlSetSecureBits is PR_SET_SECUREBITS: with CAP_SETPCAP, any known
// bits, except that a locked bit keeps its value and a lock stays.
func prctlSetSecureBits(t *task, a *args) (uint64, error) {
	old := t.Creds()
	cur, arg := uint64(secureBits(old)), a[1]
	locks := cur & kernel.SecbitAllLocks
	if (locks>>1)&(cur^arg) != 0 || locks&^arg != 0 ||
		arg&^uint64(kernel.SecbitAllLocks|kernel.SecbitAllBits) != 0 ||
		!old.HasCap(kernel.CapSetpcap) {
		return 0, unix.EPERM
	}
	c := old.Copy()
	c.KeepCaps = arg&kernel.SecbitKeepCaps != 0
	c.SecureBits = uint32(arg) &^ kernel.SecbitKeepCaps
	t.SetCreds(c)
	return 0, nil
}

const (
	capV1 = 0x19980330
	capV2 = 0x20071026
	capV3 = 0x20080522
)

// capHeader reads the capability header; an unknown version is answered
// with the preferred one and EINVAL.
func capHeader(t *task, addr uint64) (version uint32, pid int32, words int, err error) {
	b := make([]byte, 8)
	if err := copyIn(t, addr, b); err != nil {
		return 0, 0, 0, err
	}
	version, pid = binary.LittleEndian.Uint32(b), int32(binary.LittleEndian.Uint32(b[4:]))
	switch version {
	case capV1:
		return version, pid, 1, nil
	case capV2, capV3:
		return version, pid, 2, nil
	}
	if err := copyOutU32(t, addr, capV3); err != nil {
		return 0, 0, 0, err
	}
	return version, pid, 0, unix.EINVAL
}

func sysCapget(t *task, a *args) (uint64, error) {
	_, pid, words, err := capHeader(t, a[0])
	if err != nil {
		if err == unix.EINVAL && a[1] == 0 {
			return 0, nil
		}
		return 0, err
	}
	target, err := schedTarget(t, pid)
	if err != nil {
		return 0, err
	}
	if a[1] == 0 {
		return 0, nil
	}
	c := target.Creds()
	b := make([]byte, 12*words)
	for i := 0; i < words; i++ {
		binary.LittleEndian.PutUint32(b[12*i:], uint32(c.CapEffective>>(32*i)))
		binary.LittleEndian.PutUint32(b[12*i+4:], uint32(c.CapPermitted>>(32*i)))
		binary.LittleEndian.PutUint32(b[12*i+8:], uint32(c.CapInheritable>>(32*i)))
	}
	return 0, copyOut(t, a[1], b)
}

func sysCapset(t *task, a *args) (uint64, error) {
	_, pid, words, err := capHeader(t, a[0])
	if err != nil {
		return 0, err
	}
	if pid != 0 && pid != t.ID {
		return 0, unix.EPERM
	}
	b := make([]byte, 12*words)
	if err := copyIn(t, a[1], b); err != nil {
		return 0, err
	}
	var eff, perm, inh uint64
	for i := 0; i < words; i++ {
		eff |= uint64(binary.LittleEndian.Uint32(b[12*i:])) << (32 * i)
		perm |= uint64(binary.LittleEndian.Uint32(b[12*i+4:])) << (32 * i)
		inh |= uint64(binary.LittleEndian.Uint32(b[12*i+8:])) << (32 * i)
	}
	old := t.Creds()
	const capSetpcap = 8
	inhLimit := old.CapInheritable | old.CapPermitted
	if old.HasCap(capSetpcap) {
		inhLimit = old.CapInheritable | old.CapBounding
	}
	if inh&^inhLimit != 0 || perm&^old.CapPermitted != 0 || eff&^perm != 0 ||
		inh&^(old.CapInheritable|old.CapBounding) != 0 {
		return 0, unix.EPERM
	}
	c := old.Copy()
	c.CapEffective, c.CapPermitted, c.CapInheritable = eff, perm, inh
	// The ambient set stays within the permitted and inheritable sets.
	c.CapAmbient &= perm & inh
	t.SetCreds(c)
	return 0, nil
}
