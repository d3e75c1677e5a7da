package ipc

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/memfile"
	"github.com/moat-dev/moat/sentry/mm"
)

// blocker is a Blocker whose waits an interrupt channel can end.
type blocker struct{ intr chan struct{} }

func (b *blocker) BlockTimeout(ch <-chan struct{}, timer <-chan time.Time) error {
	select {
	case <-ch:
		return nil
	case <-timer:
		return kernel.ErrTimedOut
	case <-b.intr:
		return kernel.ErrInterrupted
	}
}

type process struct{ zombie bool }

func (p *process) IsZombie() bool { return p.zombie }

func caller(uid uint32, pid int32) *Caller {
	c := &Caller{Creds: Creds{EUID: uid, EGID: uid, FSGID: uid}, PID: pid, Process: &process{}, Blocker: &blocker{intr: make(chan struct{})}}
	if uid == 0 {
		c.Creds.Caps = ^uint64(0)
	}
	return c
}

func TestIdentifiers(t *testing.T) {
	ns := NewNamespace(nil, nil)
	c := caller(1000, 1)
	var ids []int32
	for i := 0; i < 3; i++ {
		id, err := ns.Msgget(c, IPC_PRIVATE, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if ids[0] != 0 || ids[1] != 1 || ids[2] != 2 {
		t.Fatalf("ids %v, want 0 1 2", ids)
	}
	// A freed index is not reused at once: allocation cycles.
	if err := ns.MsgRmid(c, ids[0]); err != nil {
		t.Fatal(err)
	}
	id, _ := ns.Msgget(c, IPC_PRIVATE, 0o600)
	if id != 3 {
		t.Fatalf("next id %d, want 3", id)
	}
	if _, _, err := ns.MsgStat(c, ids[0], false, false); err != unix.EINVAL {
		t.Fatalf("stat of removed id: %v, want EINVAL", err)
	}
	// Wrapping around the cycle bumps the sequence number, so that an
	// old identifier for a reused index stays invalid.
	for i := 4; i < minCycle; i++ {
		id, _ = ns.Msgget(c, IPC_PRIVATE, 0o600)
		if id != int32(i) {
			t.Fatalf("id %d, want %d", id, i)
		}
		if i > 4 {
			ns.MsgRmid(c, id)
		}
	}
	id, _ = ns.Msgget(c, IPC_PRIVATE, 0o600)
	if id != seqMultiplier {
		t.Fatalf("id after wrap %d, want %d (index 0, sequence 1)", id, seqMultiplier)
	}
	if _, _, err := ns.MsgStat(c, 0, false, false); err != unix.EINVAL {
		t.Fatalf("stale id: %v, want EINVAL", err)
	}
	ds, ret, err := ns.MsgStat(c, 0, true, false)
	if err != nil || ret != seqMultiplier || ds.Perm.Seq != 1 {
		t.Fatalf("MSG_STAT 0: %d %v seq %d", ret, err, ds.Perm.Seq)
	}
	// The next index is the lowest free one after 0.
	if id, _ = ns.Msgget(c, IPC_PRIVATE, 0o600); id != seqMultiplier+5 {
		t.Fatalf("id %d, want %d", id, seqMultiplier+5)
	}
	if _, max := ns.MsgInfo(false); max != 5 {
		t.Fatalf("max index %d, want 5", max)
	}
}

func TestPermissions(t *testing.T) {
	p := &Perm{UID: 10, GID: 20, CUID: 11, CGID: 21, Mode: 0o640}
	for _, tc := range []struct {
		c    Creds
		flag uint32
		want bool
	}{
		{Creds{EUID: 10}, modeRead | modeWrite, true},
		{Creds{EUID: 11}, modeWrite, true},
		{Creds{EUID: 10}, modeExec, false},
		{Creds{EUID: 99, FSGID: 20}, modeRead, true},
		{Creds{EUID: 99, FSGID: 98, Groups: []uint32{21}}, modeRead, true},
		{Creds{EUID: 99, FSGID: 20}, modeWrite, false},
		// EGID does not count; FSGID does (in_group_p).
		{Creds{EUID: 99, EGID: 20, FSGID: 98}, modeRead, false},
		{Creds{EUID: 99}, modeRead, false},
		{Creds{EUID: 99, Caps: 1 << capIPCOwner}, modeRead | modeWrite, true},
		{Creds{EUID: 99}, 0, true},
	} {
		if got := p.allowed(&tc.c, tc.flag); got != tc.want {
			t.Errorf("allowed(%+v, %o) = %v, want %v", tc.c, tc.flag, got, tc.want)
		}
	}
}

func TestGetKeys(t *testing.T) {
	ns := NewNamespace(nil, nil)
	c := caller(1000, 1)
	other := caller(2000, 2)
	if _, err := ns.Semget(c, 42, 2, 0o600); err != unix.ENOENT {
		t.Fatalf("missing key: %v", err)
	}
	id, err := ns.Semget(c, 42, 2, IPC_CREAT|0o600)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ns.Semget(c, 42, 1, 0); got != id || err != nil {
		t.Fatalf("lookup: %d %v", got, err)
	}
	if _, err := ns.Semget(c, 42, 3, 0); err != unix.EINVAL {
		t.Fatalf("more semaphores: %v", err)
	}
	if _, err := ns.Semget(c, 42, 3, IPC_CREAT|IPC_EXCL); err != unix.EEXIST {
		t.Fatalf("IPC_EXCL: %v", err)
	}
	if _, err := ns.Semget(other, 42, 0, 0o400); err != unix.EACCES {
		t.Fatalf("other user: %v", err)
	}
	if _, err := ns.Semget(other, 42, 0, 0); err != nil {
		t.Fatalf("other user, no access asked: %v", err)
	}
	if err := ns.SemRmid(other, id); err != unix.EPERM {
		t.Fatalf("rmid by other: %v", err)
	}
}

func TestSemAtomicAndQueue(t *testing.T) {
	ns := NewNamespace(nil, nil)
	c := caller(0, 1)
	id, _ := ns.Semget(c, IPC_PRIVATE, 2, 0o600)
	if err := ns.SemSetAll(c, id, []uint16{1, 0}); err != nil {
		t.Fatal(err)
	}
	// All or nothing.
	err := ns.Semop(c, id, []Sembuf{{0, -1, 0}, {1, -1, IPC_NOWAIT}}, nil)
	if err != unix.EAGAIN {
		t.Fatalf("semop: %v, want EAGAIN", err)
	}
	if v, _ := ns.SemGet(c, id, 0, GETVAL); v != 1 {
		t.Fatalf("value changed by a failed semop: %d", v)
	}

	// A waiter for zero sees a value that only passes through zero.
	done := make(chan error, 1)
	go func() { done <- ns.Semop(caller(0, 2), id, []Sembuf{{0, 0, 0}}, nil) }()
	waitCount(t, ns, c, id, 0, GETZCNT, 1)
	if err := ns.Semop(c, id, []Sembuf{{0, -1, 0}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := ns.Semop(c, id, []Sembuf{{0, 1, 0}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("wait for zero: %v", err)
	}

	// Queued decrements are served oldest first, by whoever raises the
	// value.
	if err := ns.SemSetVal(c, id, 1, 0); err != nil {
		t.Fatal(err)
	}
	order := make(chan int32, 3)
	for pid := int32(10); pid < 13; pid++ {
		cc := caller(0, pid)
		go func() {
			if err := ns.Semop(cc, id, []Sembuf{{1, -1, 0}}, nil); err == nil {
				order <- cc.PID
			}
		}()
		waitCount(t, ns, c, id, 1, GETNCNT, int32(pid-9))
	}
	if err := ns.Semop(c, id, []Sembuf{{1, 2, 0}}, nil); err != nil {
		t.Fatal(err)
	}
	if a, b := <-order, <-order; a+b != 21 || a == b {
		t.Fatalf("served %d and %d, want 10 and 11", a, b)
	}
	if n, _ := ns.SemGet(c, id, 1, GETNCNT); n != 1 {
		t.Fatalf("GETNCNT %d, want 1", n)
	}
	if pid, _ := ns.SemGet(c, id, 1, GETPID); pid != 11 {
		t.Fatalf("GETPID %d, want 11", pid)
	}
	// Removal fails the last one with EIDRM.
	if err := ns.SemRmid(c, id); err != nil {
		t.Fatal(err)
	}
	select {
	case pid := <-order:
		t.Fatalf("waiter %d succeeded after IPC_RMID", pid)
	case <-time.After(20 * time.Millisecond):
	}
}

func TestSemInterruptAndTimeout(t *testing.T) {
	ns := NewNamespace(nil, nil)
	c := caller(0, 1)
	id, _ := ns.Semget(c, IPC_PRIVATE, 1, 0o600)
	d := time.Millisecond
	if err := ns.Semop(c, id, []Sembuf{{0, -1, 0}}, &d); err != unix.EAGAIN {
		t.Fatalf("timeout: %v", err)
	}
	b := c.Blocker.(*blocker)
	close(b.intr)
	if err := ns.Semop(c, id, []Sembuf{{0, -1, 0}}, nil); err != unix.EINTR {
		t.Fatalf("interrupted: %v", err)
	}
	if n, _ := ns.SemGet(c, id, 0, GETNCNT); n != 0 {
		t.Fatalf("interrupted waiter still counted: %d", n)
	}
}

func TestSemUndo(t *testing.T) {
	ns := NewNamespace(nil, nil)
	c := caller(0, 1)
	id, _ := ns.Semget(c, IPC_PRIVATE, 2, 0o600)
	ns.SemSetAll(c, id, []uint16{5, 5})

	// Until the kernel reports exits with ExitProcess, an exited
	// (zombie) process's adjustments are applied at the next semaphore
	// call.
	other := caller(0, 3)
	ns.Semop(other, id, []Sembuf{{0, -1, SEM_UNDO}}, nil)
	other.Process.(*process).zombie = true
	if v, _ := ns.SemGet(c, id, 0, GETVAL); v != 5 {
		t.Fatalf("lazy undo: %d, want 5", v)
	}

	child := caller(0, 2)
	if err := ns.Semop(child, id, []Sembuf{{0, -2, SEM_UNDO}, {1, 3, SEM_UNDO}}, nil); err != nil {
		t.Fatal(err)
	}
	// Another process lowers semaphore 1 below what the undo would
	// leave; the adjustment stops at zero.
	ns.SemSetVal(c, id, 0, 1)
	ns.Semop(c, id, []Sembuf{{1, -8, 0}}, nil)
	ns.ExitProcess(child.Process, 2)
	got, _ := ns.SemGetAll(c, id)
	// SETVAL cleared semaphore 0's adjustment; semaphore 1: 0-3 -> 0.
	if got[0] != 1 || got[1] != 0 {
		t.Fatalf("after exit: %v, want [1 0]", got)
	}
	if pid, _ := ns.SemGet(c, id, 1, GETPID); pid != 2 {
		t.Fatalf("GETPID after undo %d, want 2", pid)
	}

	// ExitProcess wakes waiters the adjustment lets through.
	holder := caller(0, 4)
	ns.Semop(holder, id, []Sembuf{{0, -1, SEM_UNDO}}, nil)
	done := make(chan error, 1)
	go func() { done <- ns.Semop(caller(0, 5), id, []Sembuf{{0, -1, 0}}, nil) }()
	waitCount(t, ns, c, id, 0, GETNCNT, 1)
	ns.ExitProcess(holder.Process, 4)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("waiter not woken by the exit's adjustment")
	}
}

func waitCount(t *testing.T, ns *Namespace, c *Caller, id, num int32, cmd int, want int32) {
	t.Helper()
	for i := 0; i < 5000; i++ {
		if n, _ := ns.SemGet(c, id, num, cmd); n == want {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("count %d of semaphore %d never reached %d", cmd, num, want)
}

func TestMsgSelection(t *testing.T) {
	ns := NewNamespace(nil, nil)
	c := caller(0, 1)
	id, _ := ns.Msgget(c, IPC_PRIVATE, 0o600)
	for _, m := range []struct {
		typ  int64
		text string
	}{{5, "a"}, {3, "b"}, {7, "c"}, {3, "d"}, {1, "e"}} {
		if err := ns.Msgsnd(c, id, m.typ, []byte(m.text), 0); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		typ  int64
		flg  int
		want string
	}{
		{3, 0, "b"},
		{-4, 0, "e"},
		{7, MSG_EXCEPT, "a"},
		{1 << 62, MSG_EXCEPT, "c"},
		{0, MSG_COPY | IPC_NOWAIT, "d"},
		{-1 << 63, 0, "d"},
	} {
		_, text, err := ns.Msgrcv(c, id, 100, tc.typ, tc.flg|IPC_NOWAIT)
		if err != nil || string(text) != tc.want {
			t.Errorf("msgrcv(type %d, flags %o) = %q %v, want %q", tc.typ, tc.flg, text, err, tc.want)
		}
	}
	if _, _, err := ns.Msgrcv(c, id, 100, 0, IPC_NOWAIT); err != unix.ENOMSG {
		t.Fatalf("empty queue: %v", err)
	}
}

func TestShmAttachCounts(t *testing.T) {
	mf, err := memfile.New(64 << 20)
	if err != nil {
		t.Skip("memfile:", err)
	}
	var mms []*mm.MemoryManager
	ns := NewNamespace(mf, func(yield func(*mm.MemoryManager)) {
		for _, m := range mms {
			yield(m)
		}
	})
	parent := mm.New(mf, nil)
	mms = append(mms, parent)
	c := caller(0, 1)
	id, err := ns.Shmget(c, 7, 3*memfile.PageSize+1, IPC_CREAT|0o600)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := ns.Shmat(c, parent, id, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parent.CopyOut(addr+10, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	// A forked address space shares the pages and counts as an attach.
	child := parent.Fork(nil)
	mms = append(mms, child)
	ds, _, _ := ns.ShmStat(c, id, false, false)
	if ds.Nattch != 2 || ds.Segsz != 3*memfile.PageSize+1 {
		t.Fatalf("nattch %d segsz %d", ds.Nattch, ds.Segsz)
	}
	buf := make([]byte, 2)
	if _, err := child.CopyIn(addr+10, buf); err != nil || string(buf) != "hi" {
		t.Fatalf("child reads %q %v", buf, err)
	}
	child.CopyOut(addr+4*memfile.PageSize-1, []byte{'z'})
	parent.CopyIn(addr+4*memfile.PageSize-1, buf[:1])
	if buf[0] != 'z' {
		t.Fatalf("parent does not see the child's write")
	}
	if err := ns.ShmRmid(c, id); err != nil {
		t.Fatal(err)
	}
	if _, err := ns.Shmget(c, 7, 0, 0); err != unix.ENOENT {
		t.Fatalf("key after IPC_RMID: %v", err)
	}
	if err := ns.Shmdt(c, parent, addr+memfile.PageSize); err != unix.EINVAL {
		t.Fatalf("shmdt inside the segment: %v", err)
	}
	if err := ns.Shmdt(c, parent, addr); err != nil {
		t.Fatal(err)
	}
	ds, _, err = ns.ShmStat(c, id, false, false)
	if err != nil || ds.Nattch != 1 || ds.Perm.Mode&SHM_DEST == 0 || ds.Perm.Key != 0 {
		t.Fatalf("after parent detach: %+v %v", ds, err)
	}
	// The child's address space goes away (exit): the segment with it.
	child.Release()
	mms = mms[:1]
	if _, _, err := ns.ShmStat(c, id, false, false); err != unix.EINVAL {
		t.Fatalf("stat after last detach: %v", err)
	}
}

// TestProcSysvipc compares the /proc/sysvipc lines with ones read from
// Linux for the same objects.
func TestProcSysvipc(t *testing.T) {
	defer func(f func() int64) { now = f }(now)
	now = func() int64 { return 1795404078 }
	ns := NewNamespace(nil, nil)
	c := caller(0, 9176)
	for i := 0; i < 60; i++ {
		ns.shm.reg.lastIdx++
	}
	if _, err := ns.Shmget(c, -498724958, 10000, IPC_CREAT|0o644); err != nil {
		t.Fatal(err)
	}
	ns.sem.reg.lastIdx = 62
	ns.Semget(c, 1339235673, 3, IPC_CREAT|0o644)
	ns.msg.reg.lastIdx = 60
	ns.Msgget(c, 1686119769, IPC_CREAT|0o644)
	for _, tc := range []struct{ got, want string }{
		{string(ns.procShm()), procShmHeader +
			"-498724958         60   644                 10000  9176     0      0     0     0     0     0          0          0 1795404078                     0                     0\n"},
		{string(ns.procSem()), procSemHeader +
			"1339235673         63   644          3     0     0     0     0          0 1795404078\n"},
		{string(ns.procMsg()), procMsgHeader +
			"1686119769         61   644           0          0     0     0     0     0     0     0          0          0 1795404078\n"},
	} {
		if tc.got != tc.want {
			t.Errorf("got\n%q\nwant\n%q", tc.got, tc.want)
		}
	}
}
