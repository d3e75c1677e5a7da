package kernel

import "github.com/moat-dev/moat/sentry/vfs"

// Capability numbers the kernel checks.
const (
	CapChown                = 0
	CapDACOverride          = 1
	CapDACReadSearch        = 2
	CapFowner               = 3
	CapKill                 = 5
	CapSetgid               = 6
	CapSetuid               = 7
	CapSetpcap              = 8
	CapSysPtrace            = 19
	CapSysAdmin             = 21
	CapSysNice              = 23
	CapSysResource          = 24
	CapSysTime              = 25
	CapLastCap              = 40
	AllCaps          uint64 = 1<<(CapLastCap+1) - 1
)

// Creds are a task's credentials. They are immutable once published:
// changes make a copy.
type Creds struct {
	RealUID, EffectiveUID, SavedUID, FSUID uint32
	RealGID, EffectiveGID, SavedGID, FSGID uint32
	Groups                                 []uint32
	CapEffective, CapPermitted             uint64
	CapInheritable, CapBounding            uint64
	// CapAmbient is the ambient set (capabilities(7)): kept across
	// execve of unprivileged programs.
	CapAmbient uint64
	// KeepCaps keeps permitted capabilities when all UIDs leave 0
	// (PR_SET_KEEPCAPS, securebits' SECBIT_KEEP_CAPS); execve clears it.
	KeepCaps bool
	// SecureBits are the other securebits (PR_SET_SECUREBITS, Secbit*):
	// inherited across fork and execve.
	SecureBits uint32
}

// Securebits (capabilities(7), <linux/securebits.h>). Each lock bit, one
// above its bit, freezes it. SECBIT_KEEP_CAPS is Creds.KeepCaps.
const (
	SecbitNoRoot                  = 1 << 0
	SecbitNoRootLocked            = 1 << 1
	SecbitNoSetuidFixup           = 1 << 2
	SecbitNoSetuidFixupLocked     = 1 << 3
	SecbitKeepCaps                = 1 << 4
	SecbitKeepCapsLocked          = 1 << 5
	SecbitNoCapAmbientRaise       = 1 << 6
	SecbitNoCapAmbientRaiseLocked = 1 << 7
	// SecbitExecRestrictFile and SecbitExecDenyInteractive (Linux 6.14)
	// are for interpreters to honour; the kernel only keeps them.
	SecbitExecRestrictFile          = 1 << 8
	SecbitExecRestrictFileLocked    = 1 << 9
	SecbitExecDenyInteractive       = 1 << 10
	SecbitExecDenyInteractiveLocked = 1 << 11

	// SecbitAllBits and SecbitAllLocks are every known bit and lock.
	SecbitAllBits = SecbitNoRoot | SecbitNoSetuidFixup | SecbitKeepCaps | SecbitNoCapAmbientRaise |
		SecbitExecRestrictFile | SecbitExecDenyInteractive
	SecbitAllLocks = SecbitAllBits << 1
)

// RootCreds are the credentials of root with every capability.
func RootCreds() *Creds {
	return &Creds{CapEffective: AllCaps, CapPermitted: AllCaps, CapBounding: AllCaps}
}

// UserCreds are the credentials of uid/gid, with capabilities only for
// root, as after execve.
func UserCreds(uid, gid uint32, groups []uint32) *Creds {
	c := &Creds{
		RealUID: uid, EffectiveUID: uid, SavedUID: uid, FSUID: uid,
		RealGID: gid, EffectiveGID: gid, SavedGID: gid, FSGID: gid,
		Groups: groups, CapBounding: AllCaps,
	}
	if uid == 0 {
		c.CapEffective, c.CapPermitted = AllCaps, AllCaps
	}
	return c
}

// HasCap reports whether capability cap is effective.
func (c *Creds) HasCap(cap int) bool { return c.CapEffective&(1<<uint(cap)) != 0 }

// Copy returns a mutable copy.
func (c *Creds) Copy() *Creds {
	n := *c
	n.Groups = append([]uint32(nil), c.Groups...)
	return &n
}

// VFS returns the credentials file permission checks use.
func (c *Creds) VFS() *vfs.Creds {
	return &vfs.Creds{UID: c.FSUID, GID: c.FSGID, Groups: c.Groups, DACOverride: c.HasCap(CapDACOverride), Caps: c.CapEffective}
}

// Rlimit is one resource limit.
type Rlimit struct{ Cur, Max uint64 }

// Infinity is RLIM_INFINITY.
const Infinity = ^uint64(0)

// Resource numbers.
const (
	RlimitCPU = iota
	RlimitFsize
	RlimitData
	RlimitStack
	RlimitCore
	RlimitRSS
	RlimitNproc
	RlimitNofile
	RlimitMemlock
	RlimitAS
	RlimitLocks
	RlimitSigpending
	RlimitMsgqueue
	RlimitNice
	RlimitRtprio
	RlimitRttime
	NumRlimits
)

// NrOpen is fs.nr_open: the ceiling of RLIMIT_NOFILE.
const NrOpen = 1 << 20

// Limits are a process's resource limits.
type Limits [NumRlimits]Rlimit

// DefaultLimits are Linux's defaults for init.
func DefaultLimits() Limits {
	var l Limits
	for i := range l {
		l[i] = Rlimit{Infinity, Infinity}
	}
	l[RlimitStack] = Rlimit{8 << 20, Infinity}
	l[RlimitCore] = Rlimit{0, Infinity}
	l[RlimitNproc] = Rlimit{63471, 63471}
	l[RlimitNofile] = Rlimit{1024, 524288}
	l[RlimitMemlock] = Rlimit{8 << 20, 8 << 20}
	l[RlimitSigpending] = Rlimit{63471, 63471}
	l[RlimitMsgqueue] = Rlimit{819200, 819200}
	l[RlimitNice] = Rlimit{0, 0}
	l[RlimitRtprio] = Rlimit{0, 0}
	return l
}
