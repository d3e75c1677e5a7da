package kernel

import (
	"sync"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/platform/goid"
	"github.com/moat-dev/moat/sentry/arch"
)

// Controlling terminals and job control, as credentials(7), termios(3)
// and tty_ioctl(4) describe them.
//
// A session has at most one controlling terminal, and a terminal is the
// controlling terminal of at most one session. The terminal's foreground
// process group is the one that reads from it and receives the signals
// its line discipline generates; other groups of the session are in the
// background: reading makes them stop with SIGTTIN, and writing (with
// TOSTOP) or changing the terminal's settings makes them stop with
// SIGTTOU.
//
// The state lives here, keyed by kernel and session ID, rather than on
// ThreadGroup: a process's controlling terminal is its session's, unless
// it gave it up with TIOCNOTTY.

// TTY is the job-control state of one terminal. A terminal driver
// (sentry/fs/devpts) keeps one per terminal and passes it to the
// functions below.
type TTY struct {
	// Rdev is the terminal's device number, for /proc/[pid]/stat.
	Rdev uint64
	// Driver is the driver's own object for the terminal.
	Driver any

	// Guarded by ttyMu.
	k    *Kernel
	sid  int32 // the session it controls; 0 if none
	pgid int32 // the foreground process group; 0 if none
}

// ttyMu guards every TTY's session state and ttyTables. It comes before
// k.mu and k.sigMu in the lock order: nothing may call into this file
// with those held.
var ttyMu sync.Mutex

// ttyTables holds each kernel's controlling terminals.
var ttyTables = map[*Kernel]*ttyTable{}

type ttyTable struct {
	bySID map[int32]*TTY
	// detached are processes that gave up their controlling terminal
	// with TIOCNOTTY while their session kept it.
	detached map[*ThreadGroup]struct{}
}

func (k *Kernel) ttyTableLocked() *ttyTable {
	tt := ttyTables[k]
	if tt == nil {
		tt = &ttyTable{bySID: make(map[int32]*TTY), detached: make(map[*ThreadGroup]struct{})}
		ttyTables[k] = tt
	}
	return tt
}

// CurrentTask returns the task whose goroutine is the caller, or nil if
// the caller is not a task goroutine (a kernel goroutine, a test).
// Drivers use it to find who is reading, writing or opening a file.
func CurrentTask() *Task {
	v, ok := taskGoroutines.Load(goid.Current())
	if !ok {
		return nil
	}
	return v.(*Task)
}

// sessionAliveLocked reports whether the leader of session sid still
// runs. When it has exited, the session has lost its terminal.
func (k *Kernel) sessionAliveLocked(sid int32) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	tg := k.tgs[sid]
	return tg != nil && !tg.zombie && tg.sid == sid
}

// disassociateLocked unlinks tty from its session. ttyMu must be held.
func disassociateLocked(tty *TTY) {
	if tty.k != nil && tty.sid != 0 {
		tt := tty.k.ttyTableLocked()
		if tt.bySID[tty.sid] == tty {
			delete(tt.bySID, tty.sid)
		}
	}
	tty.sid = 0
	tty.pgid = 0
}

// cttyLocked returns tg's controlling terminal. ttyMu must be held.
func (k *Kernel) cttyLocked(tg *ThreadGroup) *TTY {
	tt := ttyTables[k]
	if tt == nil {
		return nil
	}
	if _, ok := tt.detached[tg]; ok {
		return nil
	}
	sid := tg.SID()
	tty := tt.bySID[sid]
	if tty == nil {
		return nil
	}
	if !k.sessionAliveLocked(sid) {
		disassociateLocked(tty)
		return nil
	}
	return tty
}

// ControllingTTY returns tg's controlling terminal, or nil.
func (k *Kernel) ControllingTTY(tg *ThreadGroup) *TTY {
	ttyMu.Lock()
	defer ttyMu.Unlock()
	return k.cttyLocked(tg)
}

// TTYNr returns the tty_nr field of /proc/[pid]/stat for tg: its
// controlling terminal's device number in the kernel's encoding, or 0.
func (k *Kernel) TTYNr(tg *ThreadGroup) uint32 {
	tty := k.ControllingTTY(tg)
	if tty == nil {
		return 0
	}
	major, minor := unix.Major(tty.Rdev), unix.Minor(tty.Rdev)
	return minor&0xff | major<<8 | (minor&^0xff)<<12
}

// TTYForegroundPGID returns the tpgid field of /proc/[pid]/stat for tg:
// the foreground process group of its controlling terminal, or -1.
func (k *Kernel) TTYForegroundPGID(tg *ThreadGroup) int32 {
	ttyMu.Lock()
	defer ttyMu.Unlock()
	tty := k.cttyLocked(tg)
	if tty == nil || tty.pgid == 0 {
		return -1
	}
	return tty.pgid
}

// ForegroundProcessGroup returns tty's foreground process group and
// session (0 if none), for drivers and /proc.
func (tty *TTY) ForegroundProcessGroup() (pgid, sid int32) {
	ttyMu.Lock()
	defer ttyMu.Unlock()
	if tty.k != nil && tty.sid != 0 && !tty.k.sessionAliveLocked(tty.sid) {
		disassociateLocked(tty)
	}
	return tty.pgid, tty.sid
}

// isLeader reports whether tg leads its session.
func isSessionLeader(tg *ThreadGroup) bool { return tg.SID() == tg.ID }

// setCttyLocked makes tty the controlling terminal of tg's session, with
// tg's group in the foreground. ttyMu must be held.
func (k *Kernel) setCttyLocked(tg *ThreadGroup, tty *TTY) {
	disassociateLocked(tty)
	tt := k.ttyTableLocked()
	sid := tg.SID()
	if old := tt.bySID[sid]; old != nil {
		disassociateLocked(old)
	}
	delete(tt.detached, tg)
	tty.k = k
	tty.sid = sid
	tty.pgid = tg.PGID()
	tt.bySID[sid] = tty
}

// AttachTTY makes tty the controlling terminal of tg's session with tg's
// process group in the foreground, without the checks of TIOCSCTTY. The
// sandbox setup uses it to give the init process its terminal.
func (k *Kernel) AttachTTY(tg *ThreadGroup, tty *TTY) {
	ttyMu.Lock()
	defer ttyMu.Unlock()
	k.setCttyLocked(tg, tty)
}

// OpenedTTY applies the rule of open(2) without O_NOCTTY: a session
// leader without a controlling terminal that opens, for reading, a
// terminal that controls no session acquires it.
func (t *Task) OpenedTTY(tty *TTY, readable bool) {
	if !readable {
		return
	}
	tg := t.tg
	if !isSessionLeader(tg) {
		return
	}
	ttyMu.Lock()
	defer ttyMu.Unlock()
	if t.k.cttyLocked(tg) != nil {
		return
	}
	if tty.sid != 0 && tty.k != nil && tty.k.sessionAliveLocked(tty.sid) {
		return
	}
	t.k.setCttyLocked(tg, tty)
}

// SetControllingTTY implements TIOCSCTTY: the caller must lead its
// session and have no controlling terminal, and the terminal must
// control no other session, unless steal is set by a CAP_SYS_ADMIN
// caller. readable says whether the file was opened for reading.
func (t *Task) SetControllingTTY(tty *TTY, steal, readable bool) error {
	tg := t.tg
	ttyMu.Lock()
	defer ttyMu.Unlock()
	leader := isSessionLeader(tg)
	cur := t.k.cttyLocked(tg)
	if leader && cur == tty {
		return nil
	}
	if !leader || cur != nil {
		return unix.EPERM
	}
	admin := t.Creds().HasCap(CapSysAdmin)
	if tty.sid != 0 && tty.k != nil && tty.k.sessionAliveLocked(tty.sid) {
		if !steal || !admin {
			return unix.EPERM
		}
		// The other session loses its terminal.
		disassociateLocked(tty)
	}
	if !readable && !admin {
		return unix.EPERM
	}
	t.k.setCttyLocked(tg, tty)
	return nil
}

// ReleaseControllingTTY implements TIOCNOTTY: the caller gives up tty,
// which must be its controlling terminal. When a session leader does,
// the whole session loses it, and the foreground group gets SIGHUP and
// SIGCONT.
func (t *Task) ReleaseControllingTTY(tty *TTY) error {
	tg := t.tg
	ttyMu.Lock()
	if t.k.cttyLocked(tg) != tty {
		ttyMu.Unlock()
		return unix.ENOTTY
	}
	if !isSessionLeader(tg) {
		tt := t.k.ttyTableLocked()
		// Forget processes that have exited since.
		for o := range tt.detached {
			if o.IsZombie() || t.k.ThreadGroupByID(o.ID) != o {
				delete(tt.detached, o)
			}
		}
		tt.detached[tg] = struct{}{}
		ttyMu.Unlock()
		return nil
	}
	pgid := tty.pgid
	disassociateLocked(tty)
	ttyMu.Unlock()
	if pgid != 0 {
		t.k.SignalProcessGroup(pgid, int(unix.SIGHUP))
		t.k.SignalProcessGroup(pgid, int(unix.SIGCONT))
	}
	return nil
}

// IsControllingTTY reports whether tty is the controlling terminal of
// t's process.
func (t *Task) IsControllingTTY(tty *TTY) bool {
	ttyMu.Lock()
	defer ttyMu.Unlock()
	return t.k.cttyLocked(t.tg) == tty
}

// ForegroundPGID implements TIOCGPGRP. Through a terminal's own file
// (viaPeer false) the terminal must be the caller's controlling one;
// through a pseudoterminal master (viaPeer true) anyone may ask. It
// returns 0 when there is no foreground group.
func (t *Task) ForegroundPGID(tty *TTY, viaPeer bool) (int32, error) {
	ttyMu.Lock()
	defer ttyMu.Unlock()
	if !viaPeer && t.k.cttyLocked(t.tg) != tty {
		return 0, unix.ENOTTY
	}
	if tty.k != nil && tty.sid != 0 && !tty.k.sessionAliveLocked(tty.sid) {
		disassociateLocked(tty)
	}
	return tty.pgid, nil
}

// SessionID implements TIOCGSID, with the rules of ForegroundPGID, and
// ENOTTY when the terminal controls no session.
func (t *Task) SessionID(tty *TTY, viaPeer bool) (int32, error) {
	ttyMu.Lock()
	defer ttyMu.Unlock()
	if !viaPeer && t.k.cttyLocked(t.tg) != tty {
		return 0, unix.ENOTTY
	}
	if tty.k != nil && tty.sid != 0 && !tty.k.sessionAliveLocked(tty.sid) {
		disassociateLocked(tty)
	}
	if tty.sid == 0 {
		return 0, unix.ENOTTY
	}
	return tty.sid, nil
}

// SetForegroundPGID implements TIOCSPGRP (tcsetpgrp): tty must be the
// caller's controlling terminal and pgid a process group of its session.
// A background caller is stopped with SIGTTOU unless it ignores or
// blocks it.
func (t *Task) SetForegroundPGID(tty *TTY, pgid int32) error {
	switch err := t.CheckTTYAccess(tty, int(unix.SIGTTOU)); err {
	case nil:
	case unix.EIO:
		return unix.ENOTTY
	default:
		return err
	}
	if pgid < 0 {
		return unix.EINVAL
	}
	ttyMu.Lock()
	defer ttyMu.Unlock()
	tg := t.tg
	if t.k.cttyLocked(tg) != tty || tty.sid != tg.SID() {
		return unix.ENOTTY
	}
	sid, ok := t.k.sessionOfGroup(pgid)
	if !ok {
		return unix.ESRCH
	}
	if sid != tty.sid {
		return unix.EPERM
	}
	tty.pgid = pgid
	return nil
}

// sessionOfGroup returns the session of process group pgid: that of its
// members, or, if it has none, that of the process whose ID it is.
func (k *Kernel) sessionOfGroup(pgid int32) (int32, bool) {
	if pgid == 0 {
		return 0, false
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, tg := range k.tgs {
		if tg.pgid == pgid && !tg.zombie {
			return tg.sid, true
		}
	}
	if tg := k.tgs[pgid]; tg != nil {
		return tg.sid, true
	}
	return 0, false
}

// orphanedGroup reports whether no member of group pgid has a parent in
// another group of the same session: nobody in the session can resume
// such a group, so the terminal does not stop it.
func (k *Kernel) orphanedGroup(pgid int32) bool {
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

// CheckTTYAccess is the job-control check before a process uses tty in
// a way only the foreground may: reading (sig SIGTTIN), or writing with
// TOSTOP and changing settings (SIGTTOU). It returns nil if the caller
// may go ahead: tty is not its controlling terminal, or its group is in
// the foreground. Otherwise it returns EIO if the caller ignores or
// blocks sig (reads only: a write then goes ahead) or its group is
// orphaned, and otherwise sends sig to the caller's process group and
// returns ERESTARTSYS, so the call runs again once the group continues.
func (t *Task) CheckTTYAccess(tty *TTY, sig int) error {
	tg := t.tg
	ttyMu.Lock()
	if t.k.cttyLocked(tg) != tty {
		ttyMu.Unlock()
		return nil
	}
	fg := tty.pgid
	ttyMu.Unlock()
	pgid := tg.PGID()
	if fg == 0 || fg == pgid {
		return nil
	}
	ignored, _ := tg.SignalDispositions()
	if t.SignalMask()&sigBit(sig) != 0 || ignored&sigBit(sig) != 0 {
		if sig == int(unix.SIGTTIN) {
			return unix.EIO
		}
		return nil
	}
	if t.k.orphanedGroup(pgid) {
		return unix.EIO
	}
	t.k.SignalProcessGroup(pgid, sig)
	return ERESTARTSYS
}

// SignalProcessGroup sends sig, from the kernel, to every process of
// group pgid.
func (k *Kernel) SignalProcessGroup(pgid int32, sig int) {
	if pgid <= 0 {
		return
	}
	k.mu.Lock()
	var members []*ThreadGroup
	for _, tg := range k.tgs {
		if tg.pgid == pgid && !tg.zombie {
			members = append(members, tg)
		}
	}
	k.mu.Unlock()
	for _, tg := range members {
		tg.SendSignal(arch.SigInfo{Signo: int32(sig), Code: SI_KERNEL})
	}
}

// SignalForeground sends sig to tty's foreground process group, as the
// line discipline does for ^C, ^\ and ^Z, and a window size change does
// with SIGWINCH.
func (tty *TTY) SignalForeground(sig int) {
	ttyMu.Lock()
	k, pgid := tty.k, tty.pgid
	ttyMu.Unlock()
	if k != nil {
		k.SignalProcessGroup(pgid, sig)
	}
}

// Hangup is the terminal's hangup, as when a pseudoterminal's master is
// closed: the session leader gets SIGHUP and SIGCONT, and the session
// loses its controlling terminal.
func (tty *TTY) Hangup() {
	ttyMu.Lock()
	k, sid := tty.k, tty.sid
	disassociateLocked(tty)
	ttyMu.Unlock()
	if k == nil || sid == 0 {
		return
	}
	if leader := k.ThreadGroupByID(sid); leader != nil && leader.SID() == sid && !leader.IsZombie() {
		leader.SendSignal(arch.SigInfo{Signo: int32(unix.SIGHUP), Code: SI_KERNEL})
		leader.SendSignal(arch.SigInfo{Signo: int32(unix.SIGCONT), Code: SI_KERNEL})
	}
}

// SessionLeaderExited is called when the last thread of tg exits (with
// no kernel locks held). If tg led a session with a controlling
// terminal, the terminal's foreground group gets SIGHUP and the session
// loses the terminal, as in Linux's exit path.
func (k *Kernel) SessionLeaderExited(tg *ThreadGroup) {
	ttyMu.Lock()
	tt := ttyTables[k]
	if tt == nil {
		ttyMu.Unlock()
		return
	}
	delete(tt.detached, tg)
	if tg.SID() != tg.ID {
		ttyMu.Unlock()
		return
	}
	tty := tt.bySID[tg.ID]
	if tty == nil {
		ttyMu.Unlock()
		return
	}
	pgid := tty.pgid
	disassociateLocked(tty)
	ttyMu.Unlock()
	k.SignalProcessGroup(pgid, int(unix.SIGHUP))
}
