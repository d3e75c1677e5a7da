package vfs

import "golang.org/x/sys/unix"

// Access bits for CheckAccess.
const (
	MayExec  = 1
	MayWrite = 2
	MayRead  = 4
)

// Creds are the credentials that file permission checks use.
type Creds struct {
	UID, GID uint32 // filesystem IDs
	Groups   []uint32
	// DACOverride is CAP_DAC_OVERRIDE (and CAP_DAC_READ_SEARCH).
	DACOverride bool
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

// CheckAccess applies the Unix permission rules to st for the access
// bits in may.
func (c *Creds) CheckAccess(st *Stat, may uint32) error {
	if c == nil {
		return nil
	}
	mode := st.Mode
	if c.DACOverride {
		// Execute needs some x bit unless it is a directory.
		if may&MayExec != 0 && !st.IsDir() && mode&0o111 == 0 {
			return unix.EACCES
		}
		return nil
	}
	var bits uint32
	switch {
	case c.UID == st.UID:
		bits = mode >> 6 & 7
	case c.inGroup(st.GID):
		bits = mode >> 3 & 7
	default:
		bits = mode & 7
	}
	if bits&may != may {
		return unix.EACCES
	}
	return nil
}
