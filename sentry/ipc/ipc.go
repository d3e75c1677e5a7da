// Package ipc is the sentry's System V IPC: shared memory segments,
// semaphore sets and message queues, in one IPC namespace per kernel.
//
// The rules follow svipc(7) and the shmget(2), shmat(2), shmctl(2),
// semget(2), semop(2), semctl(2), msgget(2), msgop(2) and msgctl(2) man
// pages: identifiers, keys, struct ipc_perm permission checks (with
// CAP_IPC_OWNER), IPC_PRIVATE/IPC_CREAT/IPC_EXCL, IPC_RMID, the
// IPC_STAT/IPC_SET/IPC_INFO family and Linux's default limits.
//
// Every object of one kind is guarded by that kind's mutex. Blocking
// operations (semop, msgsnd, msgrcv) park on channels and go through the
// caller's Blocker, so that signals interrupt them.
package ipc

import (
	"encoding/binary"
	"time"

	"golang.org/x/sys/unix"
)

// Flags and commands shared by the three kinds (linux/ipc.h).
const (
	IPC_PRIVATE = 0
	IPC_CREAT   = 0o1000
	IPC_EXCL    = 0o2000
	IPC_NOWAIT  = 0o4000

	IPC_RMID = 0
	IPC_SET  = 1
	IPC_STAT = 2
	IPC_INFO = 3
)

// Capabilities the IPC rules check.
const (
	capIPCLock     = 14
	capIPCOwner    = 15
	capSysAdmin    = 21
	capSysResource = 24
)

// Permission bits requested of an object.
const (
	modeRead  = 0o444
	modeWrite = 0o222
	modeExec  = 0o111
	modeMask  = 0o777
)

// Identifiers are seq*seqMultiplier + index, as on Linux.
const (
	idxShift      = 15
	seqMultiplier = 1 << idxShift
	idxMask       = seqMultiplier - 1
	seqMax        = 1<<16 - 1
	// minCycle is how many indexes are cycled through before one is
	// reused, when few objects exist.
	minCycle = 64
)

// Creds are the credentials of the calling task that IPC checks use.
type Creds struct {
	EUID, EGID uint32
	// FSGID and Groups decide group membership (in_group_p).
	FSGID  uint32
	Groups []uint32
	// Caps is the effective capability set.
	Caps uint64
}

func (c *Creds) hasCap(n uint) bool { return c.Caps&(1<<n) != 0 }

func (c *Creds) inGroup(g uint32) bool {
	if g == c.FSGID {
		return true
	}
	for _, x := range c.Groups {
		if x == g {
			return true
		}
	}
	return false
}

// Blocker waits for a channel on behalf of the calling task. It returns
// nil when ch is ready, kernel.ErrTimedOut when timer fires and
// kernel.ErrInterrupted when a signal or the task's death interrupts it.
// kernel.Task implements it.
type Blocker interface {
	BlockTimeout(ch <-chan struct{}, timer <-chan time.Time) error
}

// Caller is the task making an IPC call.
type Caller struct {
	Creds Creds
	// PID is the caller's process ID (thread group ID).
	PID int32
	// Process identifies the caller's process for SEM_UNDO: adjustments
	// are kept per Process and applied when ExitProcess is called with
	// it. If it has an IsZombie() bool method, and as long as the
	// kernel has not reported any exit with ExitProcess, processes that
	// have exited get their adjustments applied at the next semaphore
	// call instead.
	Process any
	// MemlockLimit is RLIMIT_MEMLOCK's soft limit, for SHM_LOCK.
	MemlockLimit uint64
	Blocker      Blocker
}

// Perm is struct ipc_perm: the owner, creator and mode of an object.
type Perm struct {
	Key        int32
	UID, GID   uint32
	CUID, CGID uint32
	Mode       uint32
	Seq        uint16
	id         int32
	idx        int
	removed    bool
}

// ID returns the object's identifier.
func (p *Perm) ID() int32 { return p.id }

// allowed is ipcperms: whether c may access the object for the
// permission bits in flag (rwx in any of the three positions).
func (p *Perm) allowed(c *Creds, flag uint32) bool {
	req := (flag>>6 | flag>>3 | flag) & 7
	granted := p.Mode
	switch {
	case c.EUID == p.CUID || c.EUID == p.UID:
		granted >>= 6
	case c.inGroup(p.CGID) || c.inGroup(p.GID):
		granted >>= 3
	}
	return req&^granted&7 == 0 || c.hasCap(capIPCOwner)
}

// mayAdmin is the IPC_SET and IPC_RMID check: owner, creator or
// CAP_SYS_ADMIN.
func (p *Perm) mayAdmin(c *Creds) bool {
	return c.EUID == p.CUID || c.EUID == p.UID || c.hasCap(capSysAdmin)
}

// PermSize is sizeof(struct ipc64_perm) on amd64.
const PermSize = 48

func (p *Perm) marshal(b []byte) {
	le := binary.LittleEndian
	le.PutUint32(b[0:], uint32(p.Key))
	le.PutUint32(b[4:], p.UID)
	le.PutUint32(b[8:], p.GID)
	le.PutUint32(b[12:], p.CUID)
	le.PutUint32(b[16:], p.CGID)
	le.PutUint32(b[20:], p.Mode)
	le.PutUint16(b[24:], p.Seq)
	clear(b[26:PermSize])
}

// SetPerm is what IPC_SET takes from struct ipc64_perm.
type SetPerm struct {
	UID, GID, Mode uint32
}

func unmarshalSetPerm(b []byte) SetPerm {
	le := binary.LittleEndian
	return SetPerm{UID: le.Uint32(b[4:]), GID: le.Uint32(b[8:]), Mode: le.Uint32(b[20:])}
}

// apply is ipc_update_perm.
func (p *Perm) apply(s SetPerm) error {
	if s.UID == ^uint32(0) || s.GID == ^uint32(0) {
		return unix.EINVAL
	}
	p.UID, p.GID = s.UID, s.GID
	p.Mode = p.Mode&^modeMask | s.Mode&modeMask
	return nil
}

// registry holds the objects of one kind: identifiers and keys.
type registry[T any] struct {
	mni     int
	objs    map[int]T // by index
	perms   map[int]*Perm
	keys    map[int32]int // key -> index, for keys other than IPC_PRIVATE
	lastIdx int
	seq     uint16
}

func newRegistry[T any](mni int) registry[T] {
	return registry[T]{mni: mni, objs: make(map[int]T), perms: make(map[int]*Perm), keys: make(map[int32]int), lastIdx: -1}
}

func (r *registry[T]) inUse() int { return len(r.objs) }

// add registers o with perm p, choosing its index and identifier, or
// fails with ENOSPC when the kind's limit is reached.
func (r *registry[T]) add(o T, p *Perm) error {
	if len(r.objs) >= r.mni {
		return unix.ENOSPC
	}
	limit := min(max(len(r.objs)*3/2, minCycle), r.mni)
	// Search cyclically from just after the last index handed out.
	start := r.lastIdx + 1
	if start >= limit {
		start = 0
	}
	idx := -1
	for i := 0; i < limit; i++ {
		c := (start + i) % limit
		if _, used := r.objs[c]; !used {
			idx = c
			break
		}
	}
	if idx < 0 {
		// The cycle window is full; take any free index.
		for c := 0; c < r.mni; c++ {
			if _, used := r.objs[c]; !used {
				idx = c
				break
			}
		}
	}
	if idx <= r.lastIdx {
		if r.seq == seqMax {
			r.seq = 0
		} else {
			r.seq++
		}
	}
	r.lastIdx = idx
	p.Seq = r.seq
	p.idx = idx
	p.id = int32(int(r.seq)*seqMultiplier + idx)
	r.objs[idx] = o
	r.perms[idx] = p
	if p.Key != IPC_PRIVATE {
		r.keys[p.Key] = idx
	}
	return nil
}

// remove forgets the object at p's index.
func (r *registry[T]) remove(p *Perm) {
	if k, ok := r.keys[p.Key]; ok && k == p.idx && p.Key != IPC_PRIVATE {
		delete(r.keys, p.Key)
	}
	delete(r.objs, p.idx)
	delete(r.perms, p.idx)
}

// unlinkKey makes the object unreachable by key (IPC_RMID of a segment
// still attached): its key becomes IPC_PRIVATE.
func (r *registry[T]) unlinkKey(p *Perm) {
	if k, ok := r.keys[p.Key]; ok && k == p.idx && p.Key != IPC_PRIVATE {
		delete(r.keys, p.Key)
	}
	p.Key = IPC_PRIVATE
}

// byID returns the object with identifier id, checking its sequence
// number, or EINVAL.
func (r *registry[T]) byID(id int32) (T, *Perm, error) {
	var zero T
	if id < 0 {
		return zero, nil, unix.EINVAL
	}
	idx := int(id) & idxMask
	p := r.perms[idx]
	if p == nil || p.id != id {
		return zero, nil, unix.EINVAL
	}
	return r.objs[idx], p, nil
}

// byIndex returns the object at an index (the *_STAT commands).
func (r *registry[T]) byIndex(idx int32) (T, *Perm, error) {
	var zero T
	if idx < 0 {
		return zero, nil, unix.EINVAL
	}
	i := int(idx) & idxMask
	p := r.perms[i]
	if p == nil {
		return zero, nil, unix.EINVAL
	}
	return r.objs[i], p, nil
}

// byKey returns the object with key, if any.
func (r *registry[T]) byKey(key int32) (T, *Perm, bool) {
	var zero T
	i, ok := r.keys[key]
	if !ok {
		return zero, nil, false
	}
	return r.objs[i], r.perms[i], true
}

// maxIdx is the highest index in use, or 0 when none is: what the
// *_INFO commands return.
func (r *registry[T]) maxIdx() int {
	m := 0
	for i := range r.objs {
		m = max(m, i)
	}
	return m
}

// each calls fn for every object, in index order.
func (r *registry[T]) each(fn func(T, *Perm)) {
	for i := 0; i <= r.maxIdx(); i++ {
		if p := r.perms[i]; p != nil {
			fn(r.objs[i], p)
		}
	}
}

// lookupForGet decides what an xxxget call does with an existing object
// or its absence. It returns create=true when a new object must be made.
// check runs the kind's extra checks (size, nsems) on an existing one,
// before the permission check, as Linux does.
func lookupForGet[T any](r *registry[T], c *Creds, key int32, flg int, check func(T) error) (o T, p *Perm, create bool, err error) {
	if key == IPC_PRIVATE {
		return o, nil, true, nil
	}
	o, p, ok := r.byKey(key)
	if !ok {
		if flg&IPC_CREAT == 0 {
			return o, nil, false, unix.ENOENT
		}
		return o, nil, true, nil
	}
	if flg&IPC_CREAT != 0 && flg&IPC_EXCL != 0 {
		return o, nil, false, unix.EEXIST
	}
	if check != nil {
		if err := check(o); err != nil {
			return o, nil, false, err
		}
	}
	if !p.allowed(c, uint32(flg)&modeMask) {
		return o, nil, false, unix.EACCES
	}
	return o, p, false, nil
}

// newPerm is the perm of an object c creates.
func newPerm(c *Creds, key int32, flg int) *Perm {
	return &Perm{Key: key, UID: c.EUID, GID: c.EGID, CUID: c.EUID, CGID: c.EGID, Mode: uint32(flg) & modeMask}
}

// now is the time stamps' clock, in seconds.
var now = func() int64 { return time.Now().Unix() }

// Namespace is one IPC namespace.
type Namespace struct {
	shm shmNS
	sem semNS
	msg msgNS
}
