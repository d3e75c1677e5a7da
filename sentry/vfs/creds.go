package vfs

import "golang.org/x/sys/unix"

// Access bits for CheckAccess.
const (
	MayExec  = 1
	MayWrite = 2
	MayRead  = 4
)

// Capability numbers that file operations check (capabilities(7)).
const (
	CapChown         = 0
	CapDACOverride   = 1
	CapDACReadSearch = 2
	CapFowner        = 3
	CapFsetid        = 4
	CapSysChroot     = 18
	CapSysAdmin      = 21
	CapMknod         = 27
)

// Creds are the credentials that file permission checks use.
type Creds struct {
	UID, GID uint32 // filesystem IDs
	Groups   []uint32
	// DACOverride is CAP_DAC_OVERRIDE.
	DACOverride bool
	// Caps is the effective capability set, for the other overrides
	// (CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_CHOWN, CAP_FSETID, ...).
	Caps uint64
}

// HasCap reports whether capability cap is effective. CAP_DAC_OVERRIDE
// also counts when only DACOverride is set.
func (c *Creds) HasCap(cap int) bool {
	if c == nil {
		return true
	}
	if cap == CapDACOverride && c.DACOverride {
		return true
	}
	return c.Caps&(1<<uint(cap)) != 0
}

// InGroup reports whether gid is the filesystem GID or a supplementary
// group.
func (c *Creds) InGroup(gid uint32) bool {
	if c == nil {
		return true
	}
	return c.inGroup(gid)
}

func (c *Creds) inGroup(gid uint32) bool {
	if c.GID == gid {
		return true
	}
	for _, g := range c.Groups {
		if g == gid {
			return true
		}
	}
	return false
}

// IsOwner reports whether the caller owns st or has CAP_FOWNER
// (inode_owner_or_capable).
func (c *Creds) IsOwner(st *Stat) bool {
	if c == nil {
		return true
	}
	return c.UID == st.UID || c.HasCap(CapFowner)
}

// CheckAccess applies the Unix permission rules to st for the access
// bits in may.
func (c *Creds) CheckAccess(st *Stat, may uint32) error {
	if c == nil {
		return nil
	}
	mode := st.Mode
	var bits uint32
	switch {
	case c.UID == st.UID:
		bits = mode >> 6 & 7
	case c.inGroup(st.GID):
		bits = mode >> 3 & 7
	default:
		bits = mode & 7
	}
	if bits&may == may {
		return nil
	}
	if c.HasCap(CapDACOverride) {
		// Execute needs some x bit unless it is a directory.
		if may&MayExec != 0 && !st.IsDir() && mode&0o111 == 0 {
			return unix.EACCES
		}
		return nil
	}
	if c.HasCap(CapDACReadSearch) {
		// Read on anything, search on directories.
		rs := uint32(MayRead)
		if st.IsDir() {
			rs |= MayExec
		}
		if may&^(rs|bits) == 0 {
			return nil
		}
	}
	return unix.EACCES
}
