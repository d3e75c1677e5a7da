package kernel

import "golang.org/x/sys/unix"

// Sessions and process groups: setsid(2) and setpgid(2) with Linux's
// rules.

// SetSID makes the task's process the leader of a new session and
// process group.
func (t *Task) SetSID() (int32, error) {
	k := t.k
	k.mu.Lock()
	defer k.mu.Unlock()
	tg := t.tg
	for _, other := range k.tgs {
		if other.pgid == tg.ID && !other.zombie || other == tg && tg.pgid == tg.ID {
			// Already a process group leader (or its ID names a group).
			return 0, unix.EPERM
		}
	}
	tg.sid = tg.ID
	tg.pgid = tg.ID
	return tg.ID, nil
}

// SetPGID moves process pid (0: the caller) into group pgid (0: pid).
func (t *Task) SetPGID(pid, pgid int32) error {
	if pgid < 0 {
		return unix.EINVAL
	}
	k := t.k
	k.mu.Lock()
	defer k.mu.Unlock()
	self := t.tg
	target := self
	if pid != 0 && pid != self.ID {
		target = k.tgs[pid]
		if target == nil || target.parent != self {
			return unix.ESRCH
		}
		if target.execed {
			return unix.EACCES
		}
		if target.sid != self.sid {
			return unix.EPERM
		}
	}
	if pgid == 0 {
		pgid = target.ID
	}
	if target.sid == target.ID {
		// A session leader cannot move.
		return unix.EPERM
	}
	if pgid != target.ID {
		// The group must exist in the caller's session.
		found := false
		for _, o := range k.tgs {
			if o.pgid == pgid && o.sid == self.sid && !o.zombie {
				found = true
				break
			}
		}
		if !found {
			return unix.EPERM
		}
	}
	target.pgid = pgid
	return nil
}

// ProcessGroupMembers returns the live processes of group pgid.
func (k *Kernel) ProcessGroupMembers(pgid int32) []*ThreadGroup {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []*ThreadGroup
	for _, tg := range k.tgs {
		if tg.pgid == pgid && !tg.zombie {
			out = append(out, tg)
		}
	}
	return out
}

// IsOrphanedPGrp reports whether no member of group pgid has a parent in
// another group of the same session (POSIX's orphaned process group).
func (k *Kernel) IsOrphanedPGrp(pgid int32) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, tg := range k.tgs {
		if tg.pgid != pgid || tg.zombie {
			continue
		}
		if p := tg.parent; p != nil && p.pgid != pgid && p.sid == tg.sid {
			return false
		}
	}
	return true
}
