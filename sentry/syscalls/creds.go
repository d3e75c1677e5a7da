package syscalls

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/kernel"
)

func init() {
	register(abi.SysSetuid, func(t *task, a *args) (uint64, error) { return setresid(t, true, noID, uint32(a[0]), noID, true) })
	register(abi.SysSetgid, func(t *task, a *args) (uint64, error) { return setresid(t, false, noID, uint32(a[0]), noID, true) })
	register(abi.SysSetreuid, func(t *task, a *args) (uint64, error) { return setreid(t, true, uint32(a[0]), uint32(a[1])) })
	register(abi.SysSetregid, func(t *task, a *args) (uint64, error) { return setreid(t, false, uint32(a[0]), uint32(a[1])) })
	register(abi.SysSetresuid, func(t *task, a *args) (uint64, error) {
		return setresid(t, true, uint32(a[0]), uint32(a[1]), uint32(a[2]), false)
	})
	register(abi.SysSetresgid, func(t *task, a *args) (uint64, error) {
		return setresid(t, false, uint32(a[0]), uint32(a[1]), uint32(a[2]), false)
	})
	register(abi.SysSetfsuid, func(t *task, a *args) (uint64, error) { return setfsid(t, true, uint32(a[0])) })
	register(abi.SysSetfsgid, func(t *task, a *args) (uint64, error) { return setfsid(t, false, uint32(a[0])) })
	register(abi.SysSetgroups, sysSetgroups)
}

// noID is -1 as a uid_t: "leave unchanged".
const noID = ^uint32(0)

type idSet struct{ r, e, s, fs *uint32 }

func ids(c *kernel.Creds, user bool) idSet {
	if user {
		return idSet{&c.RealUID, &c.EffectiveUID, &c.SavedUID, &c.FSUID}
	}
	return idSet{&c.RealGID, &c.EffectiveGID, &c.SavedGID, &c.FSGID}
}

func privileged(c *kernel.Creds, user bool) bool {
	if user {
		return c.HasCap(kernel.CapSetuid)
	}
	return c.HasCap(kernel.CapSetgid)
}

// fixCaps applies the capability rules of capabilities(7) for a change
// of user IDs from old to c.
func fixCaps(old, c *kernel.Creds) {
	if old.SecureBits&kernel.SecbitNoSetuidFixup != 0 {
		// SECBIT_NO_SETUID_FIXUP: user ID changes leave the sets alone.
		return
	}
	if (old.RealUID == 0 || old.EffectiveUID == 0 || old.SavedUID == 0) &&
		c.RealUID != 0 && c.EffectiveUID != 0 && c.SavedUID != 0 {
		if !c.KeepCaps {
			c.CapPermitted = 0
		}
		c.CapEffective = 0
		// Leaving root also drops the ambient set, keepcaps or not.
		c.CapAmbient = 0
	}
	if old.EffectiveUID == 0 && c.EffectiveUID != 0 {
		c.CapEffective = 0
	}
	if old.EffectiveUID != 0 && c.EffectiveUID == 0 {
		c.CapEffective = c.CapPermitted
	}
}

// setresid implements setres[ug]id, and set[ug]id when single is set.
func setresid(t *task, user bool, r, e, s uint32, single bool) (uint64, error) {
	old := t.Creds()
	c := old.Copy()
	id := ids(c, user)
	priv := privileged(old, user)
	if single {
		if priv {
			*id.r, *id.e, *id.s = e, e, e
		} else if e == *id.r || e == *id.s {
			*id.e = e
		} else {
			return 0, unix.EPERM
		}
	} else {
		ok := func(v uint32) bool { return v == noID || priv || v == *id.r || v == *id.e || v == *id.s }
		if !ok(r) || !ok(e) || !ok(s) {
			return 0, unix.EPERM
		}
		if r != noID {
			*id.r = r
		}
		if e != noID {
			*id.e = e
		}
		if s != noID {
			*id.s = s
		}
	}
	*id.fs = *id.e
	if user {
		fixCaps(old, c)
	}
	t.CommitCreds(c)
	return 0, nil
}

func setreid(t *task, user bool, r, e uint32) (uint64, error) {
	old := t.Creds()
	c := old.Copy()
	id := ids(c, user)
	priv := privileged(old, user)
	oldR, oldE, oldS := *id.r, *id.e, *id.s
	if r != noID && !priv && r != oldR && r != oldE {
		return 0, unix.EPERM
	}
	if e != noID && !priv && e != oldR && e != oldE && e != oldS {
		return 0, unix.EPERM
	}
	if r != noID {
		*id.r = r
	}
	if e != noID {
		*id.e = e
	}
	if r != noID || (e != noID && e != oldR) {
		*id.s = *id.e
	}
	*id.fs = *id.e
	if user {
		fixCaps(old, c)
	}
	t.CommitCreds(c)
	return 0, nil
}

func setfsid(t *task, user bool, v uint32) (uint64, error) {
	old := t.Creds()
	c := old.Copy()
	id := ids(c, user)
	prev := *id.fs
	if v != noID && (privileged(old, user) || v == *id.r || v == *id.e || v == *id.s || v == *id.fs) {
		*id.fs = v
		if user {
			fixFSCaps(old, c)
		}
		t.CommitCreds(c)
	}
	return uint64(prev), nil
}

// fsCaps are the capabilities that follow the filesystem UID (Linux's
// CAP_FS_SET): file ownership, permission and attribute overrides.
const fsCaps = 1<<kernel.CapChown | 1<<kernel.CapDACOverride | 1<<kernel.CapDACReadSearch |
	1<<kernel.CapFowner | 1<<capFsetid | 1<<capLinuxImmutable | 1<<capMknod | 1<<capMacOverride

const (
	capFsetid         = 4
	capLinuxImmutable = 9
	capMknod          = 27
	capMacOverride    = 32
)

// fixFSCaps applies setfsuid's capability rule (capabilities(7)): a
// filesystem UID leaving 0 drops fsCaps from the effective set, and one
// becoming 0 raises those of them that are permitted, unless
// SECBIT_NO_SETUID_FIXUP is set.
func fixFSCaps(old, c *kernel.Creds) {
	if old.SecureBits&kernel.SecbitNoSetuidFixup != 0 {
		return
	}
	if old.FSUID == 0 && c.FSUID != 0 {
		c.CapEffective &^= fsCaps
	}
	if old.FSUID != 0 && c.FSUID == 0 {
		c.CapEffective |= c.CapPermitted & fsCaps
	}
}

func sysSetgroups(t *task, a *args) (uint64, error) {
	n := int32(a[0])
	if n < 0 || n > 65536 {
		return 0, unix.EINVAL
	}
	if !t.Creds().HasCap(kernel.CapSetgid) {
		return 0, unix.EPERM
	}
	b := make([]byte, 4*int(n))
	if err := copyIn(t, a[1], b); err != nil {
		return 0, err
	}
	groups := make([]uint32, n)
	for i := range groups {
		groups[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	c := t.Creds().Copy()
	c.Groups = groups
	t.CommitCreds(c)
	return 0, nil
}
