package kernel

import (
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/loader"
)

// execCreds returns the credentials an execve of exe leaves c with. A
// set-user-ID file makes its owner the effective UID and a
// set-group-ID one (with group execute; without it the bit marks
// mandatory locking) its group the effective GID, unless the file's
// mount is nosuid or the task has no_new_privs. The saved and
// filesystem IDs then follow the effective ones, as after every execve,
// and the capabilities are recomputed for the new IDs (Creds.ForExec).
func (t *Task) execCreds(c *Creds, exe loader.Executable) *Creds {
	n := c.Copy()
	if e, ok := exe.(*executable); ok && !t.NoNewPrivs() && !t.k.VFS.Flags(e.vd.Mount).NoSuid {
		if e.st.Mode&unix.S_ISUID != 0 {
			n.EffectiveUID = e.st.UID
		}
		if e.st.Mode&(unix.S_ISGID|unix.S_IXGRP) == unix.S_ISGID|unix.S_IXGRP {
			n.EffectiveGID = e.st.GID
		}
	}
	n.SavedUID, n.FSUID = n.EffectiveUID, n.EffectiveUID
	n.SavedGID, n.FSGID = n.EffectiveGID, n.EffectiveGID
	return n.ForExec()
}

// setIDExec reports whether credentials after an execve run the program
// with other IDs than the caller's real ones: AT_SECURE, and the process
// is not dumpable.
func setIDExec(c *Creds) bool {
	return c.EffectiveUID != c.RealUID || c.EffectiveGID != c.RealGID
}
