package ipc

import (
	"encoding/binary"
	"errors"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/kernel"
)

// Semaphore commands and flags (linux/sem.h).
const (
	GETPID       = 11
	GETVAL       = 12
	GETALL       = 13
	GETNCNT      = 14
	GETZCNT      = 15
	SETVAL       = 16
	SETALL       = 17
	SEM_STAT     = 18
	SEM_INFO     = 19
	SEM_STAT_ANY = 20

	SEM_UNDO = 0x1000
)

// Semaphore limits: Linux's defaults.
const (
	SEMMNI = 32000
	SEMMSL = 32000
	SEMMNS = SEMMNI * SEMMSL
	SEMOPM = 500
	SEMVMX = 32767
	SEMAEM = SEMVMX
	SEMUME = SEMOPM
	SEMMNU = SEMMNS
	SEMMAP = SEMMNS
	SEMUSZ = 20
)

// Sembuf is struct sembuf.
type Sembuf struct {
	Num uint16
	Op  int16
	Flg int16
}

// SembufSize is sizeof(struct sembuf).
const SembufSize = 6

// UnmarshalSembufs decodes an array of struct sembuf.
func UnmarshalSembufs(b []byte) []Sembuf {
	out := make([]Sembuf, len(b)/SembufSize)
	le := binary.LittleEndian
	for i := range out {
		e := b[i*SembufSize:]
		out[i] = Sembuf{Num: le.Uint16(e), Op: int16(le.Uint16(e[2:])), Flg: int16(le.Uint16(e[4:]))}
	}
	return out
}

type semNS struct {
	mu       sync.Mutex
	reg      registry[*semSet]
	usedSems int
	// undos are the SEM_UNDO adjustments of each process.
	undos map[any]*undoList
	// exitHooked is set once the kernel has reported a process exit:
	// from then on exits are reported and sweepExited has nothing to
	// do.
	exitHooked bool
}

type semaphore struct {
	val int
	pid int32
}

type semSet struct {
	perm         Perm
	sems         []semaphore
	otime, ctime int64
	// pending are the blocked operations, oldest first.
	pending []*semWaiter
}

type semWaiter struct {
	sops  []Sembuf
	pid   int32
	undo  *undoList
	alter bool
	// blocking indexes the operation that cannot proceed, for
	// GETNCNT and GETZCNT.
	blocking int
	ch       chan struct{}
	done     bool
	err      error
}

// undoList is a process's semadj values, per set.
type undoList struct {
	adj map[*semSet][]int
}

var errWouldBlock = errors.New("would block")

// tryOps performs sops atomically: all of them or none. It returns the
// index of the operation that must wait and errWouldBlock, ERANGE, or
// nil once every operation has been applied.
func (s *semSet) tryOps(sops []Sembuf, un *undoList, pid int32) (int, error) {
	var adj []int
	if un != nil {
		adj = un.adj[s]
	}
	var err error
	blk := -1
	i := 0
	for ; i < len(sops); i++ {
		op := &sops[i]
		cur := s.sems[op.Num].val
		if op.Op == 0 {
			if cur != 0 {
				blk = i
				break
			}
			continue
		}
		nv := cur + int(op.Op)
		if nv < 0 {
			blk = i
			break
		}
		if nv > SEMVMX {
			err = unix.ERANGE
			break
		}
		if op.Flg&SEM_UNDO != 0 {
			a := -int(op.Op)
			if adj != nil {
				a += adj[op.Num]
			}
			if a < -SEMAEM-1 || a > SEMAEM {
				err = unix.ERANGE
				break
			}
		}
		s.sems[op.Num].val = nv
	}
	if blk >= 0 || err != nil {
		for j := i - 1; j >= 0; j-- {
			s.sems[sops[j].Num].val -= int(sops[j].Op)
		}
		if blk >= 0 {
			return blk, errWouldBlock
		}
		return -1, err
	}
	for _, op := range sops {
		if op.Flg&SEM_UNDO != 0 && op.Op != 0 {
			if adj == nil {
				adj = make([]int, len(s.sems))
				un.adj[s] = adj
			}
			adj[op.Num] -= int(op.Op)
		}
		s.sems[op.Num].pid = pid
	}
	return -1, nil
}

// update completes the pending operations that can now proceed, oldest
// first, after the values of set changed. ns.mu is held.
func (set *semSet) update() {
	for restart := true; restart; {
		restart = false
		for i := 0; i < len(set.pending); i++ {
			w := set.pending[i]
			blk, err := set.tryOps(w.sops, w.undo, w.pid)
			if err == errWouldBlock {
				w.blocking = blk
				continue
			}
			set.pending = append(set.pending[:i], set.pending[i+1:]...)
			i--
			w.done, w.err = true, err
			close(w.ch)
			if err == nil {
				set.otime = now()
				if w.alter {
					// Values changed: older waiters may now
					// proceed too.
					restart = true
					break
				}
			}
		}
	}
}

func (set *semSet) removeWaiter(w *semWaiter) {
	for i, x := range set.pending {
		if x == w {
			set.pending = append(set.pending[:i], set.pending[i+1:]...)
			return
		}
	}
}

// count is GETNCNT (zero false) or GETZCNT: the tasks waiting for the
// semaphore to grow, or to be zero.
func (set *semSet) count(num int, zero bool) int {
	n := 0
	for _, w := range set.pending {
		op := w.sops[w.blocking]
		if int(op.Num) != num {
			continue
		}
		if zero && op.Op == 0 || !zero && op.Op < 0 {
			n++
		}
	}
	return n
}

// isZombie is what an undo owner may implement so that its
// adjustments are applied lazily once it has exited.
type isZombie interface{ IsZombie() bool }

// sweepExited applies the adjustments of processes that have exited
// without ExitProcess being called. ns.mu is held.
func (s *semNS) sweepExited() {
	if s.exitHooked {
		return
	}
	for owner, un := range s.undos {
		if z, ok := owner.(isZombie); ok && z.IsZombie() {
			delete(s.undos, owner)
			s.applyUndo(un, ownerPID(owner))
		}
	}
}

// ownerPID is the process ID of an undo owner, if it can tell.
func ownerPID(owner any) int32 {
	if tg, ok := owner.(*kernel.ThreadGroup); ok {
		return tg.ID
	}
	return 0
}

func (s *semNS) applyUndo(un *undoList, pid int32) {
	for set, adj := range un.adj {
		if set.perm.removed {
			continue
		}
		changed := false
		for i, a := range adj {
			if a == 0 {
				continue
			}
			v := min(max(set.sems[i].val+a, 0), SEMVMX)
			set.sems[i].val = v
			set.sems[i].pid = pid
			changed = true
		}
		if changed {
			set.update()
		}
	}
}

func (s *semNS) undoFor(c *Caller) *undoList {
	if s.undos == nil {
		s.undos = make(map[any]*undoList)
	}
	un := s.undos[c.Process]
	if un == nil {
		un = &undoList{adj: make(map[*semSet][]int)}
		s.undos[c.Process] = un
	}
	return un
}

// clearAdj forgets the adjustments of semaphore num of set (all of them
// when num < 0), as SETVAL and SETALL do.
func (s *semNS) clearAdj(set *semSet, num int) {
	for _, un := range s.undos {
		adj := un.adj[set]
		if adj == nil {
			continue
		}
		if num < 0 {
			delete(un.adj, set)
		} else {
			adj[num] = 0
		}
	}
}

// ExitProcess applies the SEM_UNDO adjustments of the process owner,
// whose ID is pid, as when its last thread exits, and wakes the
// operations they let proceed. Once it has been called, processes are
// expected to be reported this way and no longer swept lazily.
func (ns *Namespace) ExitProcess(owner any, pid int32) {
	s := &ns.sem
	s.mu.Lock()
	defer s.mu.Unlock()
	s.exitHooked = true
	if un := s.undos[owner]; un != nil {
		delete(s.undos, owner)
		s.applyUndo(un, pid)
	}
}

// Semget implements semget(2).
func (ns *Namespace) Semget(c *Caller, key int32, nsems int32, flg int) (int32, error) {
	if nsems < 0 || nsems > SEMMSL {
		return 0, unix.EINVAL
	}
	s := &ns.sem
	s.mu.Lock()
	defer s.mu.Unlock()
	_, p, create, err := lookupForGet(&s.reg, &c.Creds, key, flg, func(set *semSet) error {
		if int(nsems) > len(set.sems) {
			return unix.EINVAL
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if !create {
		return p.id, nil
	}
	if nsems == 0 {
		return 0, unix.EINVAL
	}
	if s.usedSems+int(nsems) > SEMMNS {
		return 0, unix.ENOSPC
	}
	set := &semSet{sems: make([]semaphore, nsems), ctime: now()}
	set.perm = *newPerm(&c.Creds, key, flg)
	if err := s.reg.add(set, &set.perm); err != nil {
		return 0, err
	}
	s.usedSems += int(nsems)
	return set.perm.id, nil
}

// Semop implements semop(2) and semtimedop(2); timeout is nil for none.
// The caller has checked the number of operations.
func (ns *Namespace) Semop(c *Caller, id int32, sops []Sembuf, timeout *time.Duration) error {
	if len(sops) < 1 || id < 0 {
		return unix.EINVAL
	}
	if len(sops) > SEMOPM {
		return unix.E2BIG
	}
	var maxNum uint16
	undo, alter := false, false
	for _, op := range sops {
		maxNum = max(maxNum, op.Num)
		undo = undo || op.Flg&SEM_UNDO != 0
		alter = alter || op.Op != 0
	}
	s := &ns.sem
	s.mu.Lock()
	s.sweepExited()
	set, p, err := s.reg.byID(id)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	if int(maxNum) >= len(set.sems) {
		s.mu.Unlock()
		return unix.EFBIG
	}
	acc := uint32(modeRead)
	if alter {
		acc = modeWrite
	}
	if !p.allowed(&c.Creds, acc) {
		s.mu.Unlock()
		return unix.EACCES
	}
	var un *undoList
	if undo {
		un = s.undoFor(c)
	}
	blk, err := set.tryOps(sops, un, c.PID)
	if err == nil {
		set.otime = now()
		if alter {
			set.update()
		}
		s.mu.Unlock()
		return nil
	}
	if err != errWouldBlock {
		s.mu.Unlock()
		return err
	}
	if sops[blk].Flg&IPC_NOWAIT != 0 {
		s.mu.Unlock()
		return unix.EAGAIN
	}
	w := &semWaiter{sops: sops, pid: c.PID, undo: un, alter: alter, blocking: blk, ch: make(chan struct{})}
	set.pending = append(set.pending, w)
	s.mu.Unlock()

	var timer <-chan time.Time
	if timeout != nil {
		t := time.NewTimer(*timeout)
		defer t.Stop()
		timer = t.C
	}
	berr := c.Blocker.BlockTimeout(w.ch, timer)
	s.mu.Lock()
	defer s.mu.Unlock()
	if w.done {
		return w.err
	}
	set.removeWaiter(w)
	if berr == kernel.ErrTimedOut {
		return unix.EAGAIN
	}
	return unix.EINTR
}

// SemidDS is struct semid64_ds.
type SemidDS struct {
	Perm         Perm
	Otime, Ctime int64
	Nsems        uint64
}

// SemidDSSize is sizeof(struct semid64_ds) on amd64.
const SemidDSSize = 104

// Marshal encodes the struct as the application sees it.
func (d *SemidDS) Marshal() []byte {
	b := make([]byte, SemidDSSize)
	le := binary.LittleEndian
	d.Perm.marshal(b)
	le.PutUint64(b[48:], uint64(d.Otime))
	le.PutUint64(b[64:], uint64(d.Ctime))
	le.PutUint64(b[80:], d.Nsems)
	return b
}

// lookup finds a set by identifier and checks acc permission.
func (s *semNS) lookup(c *Caller, id int32, acc uint32) (*semSet, *Perm, error) {
	set, p, err := s.reg.byID(id)
	if err != nil {
		return nil, nil, err
	}
	if !p.allowed(&c.Creds, acc) {
		return nil, nil, unix.EACCES
	}
	return set, p, nil
}

// SemStat implements IPC_STAT, SEM_STAT and SEM_STAT_ANY; see ShmStat.
func (ns *Namespace) SemStat(c *Caller, id int32, byIndex, anyPerm bool) (SemidDS, int32, error) {
	s := &ns.sem
	s.mu.Lock()
	defer s.mu.Unlock()
	var set *semSet
	var p *Perm
	var err error
	if byIndex {
		set, p, err = s.reg.byIndex(id)
	} else {
		set, p, err = s.reg.byID(id)
	}
	if err != nil {
		return SemidDS{}, 0, err
	}
	if !anyPerm && !p.allowed(&c.Creds, modeRead) {
		return SemidDS{}, 0, unix.EACCES
	}
	return SemidDS{Perm: *p, Otime: set.otime, Ctime: set.ctime, Nsems: uint64(len(set.sems))}, p.id, nil
}

// SemSetPerm implements IPC_SET.
func (ns *Namespace) SemSetPerm(c *Caller, id int32, sp SetPerm) error {
	s := &ns.sem
	s.mu.Lock()
	defer s.mu.Unlock()
	set, p, err := s.reg.byID(id)
	if err != nil {
		return err
	}
	if !p.mayAdmin(&c.Creds) {
		return unix.EPERM
	}
	if err := p.apply(sp); err != nil {
		return err
	}
	set.ctime = now()
	return nil
}

// SemRmid implements IPC_RMID: blocked operations fail with EIDRM.
func (ns *Namespace) SemRmid(c *Caller, id int32) error {
	s := &ns.sem
	s.mu.Lock()
	defer s.mu.Unlock()
	set, p, err := s.reg.byID(id)
	if err != nil {
		return err
	}
	if !p.mayAdmin(&c.Creds) {
		return unix.EPERM
	}
	s.reg.remove(p)
	p.removed = true
	s.usedSems -= len(set.sems)
	s.clearAdj(set, -1)
	for _, w := range set.pending {
		w.done, w.err = true, unix.EIDRM
		close(w.ch)
	}
	set.pending = nil
	return nil
}

// SemInfo implements IPC_INFO (usage false) and SEM_INFO: struct seminfo,
// and the highest index in use.
func (ns *Namespace) SemInfo(usage bool) ([]byte, int32) {
	s := &ns.sem
	s.mu.Lock()
	defer s.mu.Unlock()
	v := []int32{SEMMAP, SEMMNI, SEMMNS, SEMMNU, SEMMSL, SEMOPM, SEMUME, SEMUSZ, SEMVMX, SEMAEM}
	if usage {
		v[7] = int32(s.reg.inUse())
		v[9] = int32(s.usedSems)
	}
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(x))
	}
	return b, int32(s.reg.maxIdx())
}

// SemGet implements GETVAL, GETPID, GETNCNT and GETZCNT.
func (ns *Namespace) SemGet(c *Caller, id int32, num int32, cmd int) (int32, error) {
	s := &ns.sem
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepExited()
	set, _, err := s.lookup(c, id, modeRead)
	if err != nil {
		return 0, err
	}
	if num < 0 || int(num) >= len(set.sems) {
		return 0, unix.EINVAL
	}
	switch cmd {
	case GETVAL:
		return int32(set.sems[num].val), nil
	case GETPID:
		return set.sems[num].pid, nil
	case GETNCNT:
		return int32(set.count(int(num), false)), nil
	case GETZCNT:
		return int32(set.count(int(num), true)), nil
	}
	return 0, unix.EINVAL
}

// SemGetAll implements GETALL.
func (ns *Namespace) SemGetAll(c *Caller, id int32) ([]uint16, error) {
	s := &ns.sem
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepExited()
	set, _, err := s.lookup(c, id, modeRead)
	if err != nil {
		return nil, err
	}
	out := make([]uint16, len(set.sems))
	for i, x := range set.sems {
		out[i] = uint16(x.val)
	}
	return out, nil
}

// SemNsems checks that c may write set id and returns its size, for
// SETALL to read that many values.
func (ns *Namespace) SemNsems(c *Caller, id int32) (int, error) {
	s := &ns.sem
	s.mu.Lock()
	defer s.mu.Unlock()
	set, _, err := s.lookup(c, id, modeWrite)
	if err != nil {
		return 0, err
	}
	return len(set.sems), nil
}

// SemSetAll implements SETALL with the values read after SemNsems. The
// set fails with EIDRM if it went away in between.
func (ns *Namespace) SemSetAll(c *Caller, id int32, vals []uint16) error {
	for _, v := range vals {
		if v > SEMVMX {
			return unix.ERANGE
		}
	}
	s := &ns.sem
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepExited()
	set, _, err := s.lookup(c, id, modeWrite)
	if err == unix.EINVAL || err == nil && len(set.sems) != len(vals) {
		return unix.EIDRM
	}
	if err != nil {
		return err
	}
	s.clearAdj(set, -1)
	for i, v := range vals {
		set.sems[i] = semaphore{val: int(v), pid: c.PID}
	}
	set.ctime = now()
	set.update()
	return nil
}

// SemSetVal implements SETVAL.
func (ns *Namespace) SemSetVal(c *Caller, id int32, num int32, val int32) error {
	if val < 0 || val > SEMVMX {
		return unix.ERANGE
	}
	s := &ns.sem
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepExited()
	set, p, err := s.reg.byID(id)
	if err != nil {
		return err
	}
	if num < 0 || int(num) >= len(set.sems) {
		return unix.EINVAL
	}
	if !p.allowed(&c.Creds, modeWrite) {
		return unix.EACCES
	}
	s.clearAdj(set, int(num))
	set.sems[num] = semaphore{val: int(val), pid: c.PID}
	set.ctime = now()
	set.update()
	return nil
}
