package kernel

// Per-task and per-process attributes that prctl(2) reads and sets.

// SetPdeathSig sets the signal sent when the parent exits (0 clears it).
func (t *Task) SetPdeathSig(sig int) { t.pdeathSig.Store(int32(sig)) }

// PdeathSig returns the parent-death signal.
func (t *Task) PdeathSig() int { return int(t.pdeathSig.Load()) }

// SetSubreaper marks the process as a child subreaper.
func (tg *ThreadGroup) SetSubreaper(v bool) {
	tg.k.mu.Lock()
	tg.subreaper = v
	tg.k.mu.Unlock()
}

// Subreaper reports whether the process is a child subreaper.
func (tg *ThreadGroup) Subreaper() bool {
	tg.k.mu.Lock()
	defer tg.k.mu.Unlock()
	return tg.subreaper
}

// SetDumpable sets PR_SET_DUMPABLE's flag.
func (tg *ThreadGroup) SetDumpable(v int32) {
	tg.k.mu.Lock()
	tg.dumpable = v
	tg.k.mu.Unlock()
}

// Dumpable returns PR_GET_DUMPABLE's flag.
func (tg *ThreadGroup) Dumpable() int32 {
	tg.k.mu.Lock()
	defer tg.k.mu.Unlock()
	return tg.dumpable
}

// CommitCreds installs c for the set*id calls. As Linux's commit_creds,
// a change of the effective or filesystem user or group ID, or a gain of
// permitted capabilities, clears the caller's parent-death signal and
// makes the process non-dumpable (suid_dumpable 0).
func (t *Task) CommitCreds(c *Creds) {
	old := t.Creds()
	t.SetCreds(c)
	if old.EffectiveUID != c.EffectiveUID || old.EffectiveGID != c.EffectiveGID ||
		old.FSUID != c.FSUID || old.FSGID != c.FSGID || c.CapPermitted&^old.CapPermitted != 0 {
		t.pdeathSig.Store(0)
		t.tg.SetDumpable(0)
	}
}

// wouldDumpCore reports whether a death by a core-dumping signal is
// reported with the core flag (WCOREDUMP, CLD_DUMPED). Linux sets it only
// when it wrote a core, which it never does for a process that is not
// dumpable or (with a plain core_pattern) whose RLIMIT_CORE is 0.
func (tg *ThreadGroup) wouldDumpCore() bool {
	return tg.Dumpable() != 0 && tg.Limit(RlimitCore).Cur != 0
}

// ClearChildTID returns the set_tid_address address.
func (t *Task) ClearChildTID() uint64 { return t.clearChildTID }

// countUserTasks counts the tasks whose real UID is uid, for
// RLIMIT_NPROC. k.mu must be held.
func (k *Kernel) countUserTasks(uid uint32) uint64 {
	var n uint64
	for _, t := range k.tasks {
		if t.Creds().RealUID == uid {
			n++
		}
	}
	return n
}
