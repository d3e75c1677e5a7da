package systrap

import (
	"encoding/binary"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/platform"
)

// stubLookup is the fast path's lookup (fast_tls in stub/entry.S): the
// slot index it takes for thread pointer k, or 0 for the thread map.
func stubLookup(as *addressSpace, k uint64) int {
	if k>>47 != 0 {
		return 0
	}
	e := *as.fsBucket(fsHash(k)) ^ k
	if idx := e >> 48; idx != 0 && e<<16 == 0 && idx < maxSlots {
		return int(idx)
	}
	return 0
}

func TestFSMapBuckets(t *testing.T) {
	p := &Platform{msg: make([]byte, 2*slotSize), fsmapOn: true}
	as := &addressSpace{p: p, ctl: &control{g: 1}}
	const a, b, a2 = 0x7f0000001740, 0x7f0000802740, 0x7f0001003740
	// c shares a's bucket.
	c := uint64(0x10000)
	for fsHash(c) != fsHash(a) {
		c += 0x40
	}
	type move struct {
		idx      int
		from, to uint64
	}
	steps := []struct {
		name string
		move move
		want map[uint64]int // key -> slot index the stub finds
	}{
		{"first thread", move{1, 0, a}, map[uint64]int{a: 1, b: 0}},
		{"second thread", move{2, 0, b}, map[uint64]int{a: 1, b: 2}},
		{"shared FS base", move{3, 0, a}, map[uint64]int{a: 0, b: 2}},
		{"sharer leaves", move{3, a, 0}, map[uint64]int{a: 1, b: 2}},
		{"collision: newest wins", move{4, 0, c}, map[uint64]int{a: 0, c: 4, b: 2}},
		{"collision ends", move{4, c, 0}, map[uint64]int{a: 1, c: 0, b: 2}},
		{"FS base changes", move{1, a, a2}, map[uint64]int{a: 0, a2: 1, b: 2}},
		{"not a user address", move{5, 0, 1 << 47}, map[uint64]int{1 << 47: 0, a2: 1}},
		{"zero", move{5, 1 << 47, 0}, map[uint64]int{0: 0, a2: 1}},
		{"exit", move{2, b, 0}, map[uint64]int{b: 0, a2: 1}},
		{"last exit", move{1, a2, 0}, map[uint64]int{a2: 0}},
	}
	for _, s := range steps {
		as.moveFS(s.move.idx, s.move.from, s.move.to)
		for k, want := range s.want {
			if got := stubLookup(as, k); got != want {
				t.Errorf("%s: key %#x finds slot %d, want %d", s.name, k, got, want)
			}
		}
	}
	for i := 0; i < fsmapN; i++ {
		if e := *as.fsBucket(i); e != 0 {
			t.Errorf("bucket %d holds %#x with no thread left", i, e)
		}
	}
	if len(as.fsmap.holders) != 0 {
		t.Errorf("holders left: %v", as.fsmap.holders)
	}
}

// TestFastPathFindsSlot runs fast calls in a real stub: with a thread
// pointer at %fs:0 the stub finds its slot through the FS map, and
// otherwise (no thread pointer, another value, an unmapped or zero FS
// base, an FS base two threads share) by thread ID; every call reaches
// the sentry from the right thread either way.
func TestFastPathFindsSlot(t *testing.T) {
	p, memfd := newTestPlatform(t)
	// 0: mov eax, 39; lea rcx, [rip+13]; mov r11, fast_entry; jmp r11
	// 0x19: jmp 0
	code := []byte{0xb8, 0x27, 0, 0, 0, 0x48, 0x8d, 0x0d, 0x0d, 0, 0, 0, 0x49, 0xbb, 0, 0, 0, 0, 0, 0, 0, 0,
		0x41, 0xff, 0xe3, 0xeb, 0xe5}
	binary.LittleEndian.PutUint64(code[14:], sym_fast_entry)
	unix.Pwrite(memfd, code, 0)
	// Thread blocks at 0x600000 (a self-pointer), 0x601000 (a
	// self-pointer) and 0x602000 (zero); the stack below 0x610000.
	for _, w := range []struct{ off, v uint64 }{{0x2000, 0x600000}, {0x3000, 0x601000}, {0x4000, 0}} {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], w.v)
		unix.Pwrite(memfd, b[:], int64(w.off))
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	as := newTestAS(t, p)
	rw := platform.AccessType{Read: true, Write: true}
	for _, m := range []struct {
		addr      uintptr
		off, size uint64
		p         platform.AccessType
	}{
		{0x400000, 0, 0x1000, platform.AccessType{Read: true, Execute: true}},
		{0x600000, 0x2000, 0x3000, rw},
		{0x60f000, 0x5000, 0x1000, rw},
	} {
		if err := as.MapFile(m.addr, memfd, m.off, m.size, m.p); err != nil {
			t.Fatal(err)
		}
	}
	// calls in ctx and returns how many of them
	// found the slot by thread ID.
	// makes n fast calls in ctx and returns how many of them
	// found the slot by thread ID. A new context's thread has its FS
	// base set as it first runs, so its first call is not counted.
	calls := func(ctx platform.Context, regs *platform.Registers, n int) uint32 {
		t.Helper()
		call := func() {
			ev := switchNoInterrupt(t, ctx, as, regs)
			if ev.Type != platform.EventSyscall || regs.Orig_rax != 39 || regs.Rip != 0x400019 {
				t.Fatalf("event %+v orig_rax %d rip %#x", ev, regs.Orig_rax, regs.Rip)
			}
		}
		if ctx.(*context).th == nil {
			call()
		}
		before := ctx.(*context).th.h.byTID
		for i := 0; i < n; i++ {
			call()
		}
		return ctx.(*context).th.h.byTID - before
	}
	newRegs := func(fs uint64) platform.Registers {
		return platform.Registers{Rip: 0x400000, Eflags: 0x202, Rsp: 0x610000, Fs_base: fs}
	}
	const n = 20
	want := func(mapped bool) uint32 {
		if mapped && p.fsmapOn {
			return 0
		}
		return n
	}
	for _, c := range []struct {
		name   string
		fs     uint64
		mapped bool
	}{
		{"thread pointer", 0x600000, true},
		{"another thread pointer", 0x601000, true},
		{"not a thread pointer", 0x602000, false},
		{"not its own pointer", 0x600008, false},
		{"unmapped", 0x700000, false},
		{"zero", 0, false},
	} {
		ctx := p.NewContext()
		regs := newRegs(c.fs)
		if got := calls(ctx, &regs, n); got != want(c.mapped) {
			t.Errorf("%s: %d of %d calls by thread ID, want %d", c.name, got, n, want(c.mapped))
		}
		ctx.Release()
	}

	// Two threads with one FS base share its key: neither may take the
	// other's slot. Once one has gone, the other has the key again.
	ctx1, ctx2 := p.NewContext(), p.NewContext()
	regs1, regs2 := newRegs(0x600000), newRegs(0x600000)
	calls(ctx1, &regs1, 1)
	if got := calls(ctx2, &regs2, 1); got != 1 {
		t.Errorf("second thread of an FS base: %d calls by thread ID, want 1", got)
	}
	var both uint32
	for i := 0; i < n; i++ {
		both += calls(ctx1, &regs1, 1) + calls(ctx2, &regs2, 1)
	}
	if both != 2*n {
		t.Errorf("shared FS base: %d of %d calls by thread ID", both, 2*n)
	}
	ctx2.Release()
	if got := calls(ctx1, &regs1, n); got != want(true) {
		t.Errorf("after the sharer left: %d of %d calls by thread ID, want %d", got, n, want(true))
	}
	// A new FS base moves the key.
	regs1.Fs_base = 0x601000
	if got := calls(ctx1, &regs1, n); got != want(true) {
		t.Errorf("after a new FS base: %d of %d calls by thread ID, want %d", got, n, want(true))
	}
	ctx1.Release()
}
