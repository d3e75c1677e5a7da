package systrap

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/platform"
)

// newTestAS returns a new address space of p, released when the test
// ends.
func newTestAS(tb testing.TB, p *Platform) platform.AddressSpace {
	tb.Helper()
	as, err := p.NewAddressSpace()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(as.Release)
	return as
}

// newCodeAS returns a new address space of p with the first page of
// memfd mapped read and execute at 0x400000; the caller releases it.
func newCodeAS(t *testing.T, p *Platform, memfd int) platform.AddressSpace {
	t.Helper()
	as, err := p.NewAddressSpace()
	if err != nil {
		t.Fatal(err)
	}
	if err := as.MapFile(0x400000, memfd, 0, 4096, platform.AccessType{Read: true, Execute: true}); err != nil {
		t.Fatal(err)
	}
	return as
}

func newTestPlatform(t *testing.T) (*Platform, int) {
	t.Helper()
	memfd, err := unix.MemfdCreate("test-mem", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(memfd) })
	unix.Ftruncate(memfd, 1<<20)
	p, err := New(memfd)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.master.kill() })
	return p, memfd
}

func switchNoInterrupt(t *testing.T, ctx platform.Context, as platform.AddressSpace, regs *platform.Registers) platform.Event {
	t.Helper()
	ev, err := ctx.Switch(as, regs)
	for err == nil && ev.Type == platform.EventInterrupted {
		ev, err = ctx.Switch(as, regs)
	}
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestSyscallAndFault(t *testing.T) {
	p, memfd := newTestPlatform(t)
	// mov eax, 39; syscall; mov rbx, [0x500000]; mov [0x400800], rbx
	code := []byte{0xb8, 0x27, 0, 0, 0, 0x0f, 0x05, 0x48, 0x8b, 0x1c, 0x25, 0x00, 0x00, 0x50, 0x00,
		0x48, 0x89, 0x1c, 0x25, 0x00, 0x08, 0x40, 0x00}
	unix.Pwrite(memfd, code, 0)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for i := 0; i < 3; i++ {
		as := newCodeAS(t, p, memfd)
		ctx := p.NewContext()
		regs := platform.Registers{Rip: 0x400000, Eflags: 0x202, Rsp: 0x10000, Fs_base: 0x1234000}
		ev := switchNoInterrupt(t, ctx, as, &regs)
		if ev.Type != platform.EventSyscall || regs.Orig_rax != 39 || regs.Rip != 0x400007 {
			t.Fatalf("event %+v orig_rax %d rip %#x", ev, regs.Orig_rax, regs.Rip)
		}
		regs.Rax = 1234
		ev = switchNoInterrupt(t, ctx, as, &regs)
		if ev.Type != platform.EventFault || ev.Addr != 0x500000 || ev.Code != 1 || ev.ErrCode&2 != 0 || ev.ErrCode&4 == 0 {
			t.Fatalf("event %+v", ev)
		}
		if regs.Rax != 1234 || regs.Rip != 0x400007 {
			t.Fatalf("rax %d rip %#x", regs.Rax, regs.Rip)
		}
		// Map the page read-only, then fault on the write to the code page.
		if err := as.MapFile(0x500000, memfd, 0x1000, 4096, platform.AccessType{Read: true}); err != nil {
			t.Fatal(err)
		}
		ev = switchNoInterrupt(t, ctx, as, &regs)
		if ev.Type != platform.EventFault || ev.Addr != 0x400800 || ev.Code != 2 || ev.ErrCode&2 == 0 {
			t.Fatalf("event %+v", ev)
		}
		if w, err := ctx.(platform.FaultProber).ProbeWrite(as, &regs, 0x400800); err != nil || !w {
			t.Fatalf("ProbeWrite = %v, %v", w, err)
		}
		fp, err := ctx.FPState()
		if err != nil || len(fp) < 512 {
			t.Fatalf("FPState: %d bytes, %v", len(fp), err)
		}
		if err := ctx.SetFPState(fp); err != nil {
			t.Fatal(err)
		}
		ctx.Release()
		as.Release()
	}
}

func TestInterrupt(t *testing.T) {
	p, memfd := newTestPlatform(t)
	unix.Pwrite(memfd, []byte{0xeb, 0xfe}, 0) // jmp .
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	as := newTestAS(t, p)
	if err := as.MapFile(0x400000, memfd, 0, 4096, platform.AccessType{Read: true, Execute: true}); err != nil {
		t.Fatal(err)
	}
	ctx := p.NewContext()
	defer ctx.Release()
	regs := platform.Registers{Rip: 0x400000, Eflags: 0x202}
	for i := 0; i < 3; i++ {
		go func() {
			for !ctx.(*context).running.Load() {
				runtime.Gosched()
			}
			ctx.Interrupt()
		}()
		ev, err := ctx.Switch(as, &regs)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type != platform.EventInterrupted || regs.Rip != 0x400000 {
			t.Fatalf("event %+v rip %#x", ev, regs.Rip)
		}
	}
}

func TestFilter(t *testing.T) {
	b, err := stubFilter()
	if err != nil {
		t.Fatal(err)
	}
	if len(b)%8 != 0 || len(b) > slotHdr-slFilter {
		t.Fatalf("filter is %d bytes", len(b))
	}
}

// runTo switches until the next non-interrupt event.
func runTo(t *testing.T, ctx platform.Context, as platform.AddressSpace, regs *platform.Registers) platform.Event {
	t.Helper()
	return switchNoInterrupt(t, ctx, as, regs)
}

func TestFSBaseAndFPState(t *testing.T) {
	p, memfd := newTestPlatform(t)
	code := []byte{
		0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0, // mov rax, fs:[0]
		0x48, 0x89, 0xc7, // mov rdi, rax
		0x66, 0x48, 0x0f, 0x7e, 0xc6, // movq rsi, xmm0
		0xb8, 0x27, 0, 0, 0, // mov eax, 39
		0x0f, 0x05, // syscall
		0xeb, 0xe6, // jmp 0
	}
	unix.Pwrite(memfd, code, 0)
	var word [8]byte
	for i := range word {
		word[i] = byte(0x11 * (i + 1))
	}
	unix.Pwrite(memfd, word[:], 0x1000)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	as := newTestAS(t, p)
	as.MapFile(0x400000, memfd, 0, 4096, platform.AccessType{Read: true, Execute: true})
	as.MapFile(0x600000, memfd, 0x1000, 4096, platform.AccessType{Read: true})
	ctx := p.NewContext()
	defer ctx.Release()
	regs := platform.Registers{Rip: 0x400000, Eflags: 0x202, Fs_base: 0x600000}
	ev := runTo(t, ctx, as, &regs)
	if ev.Type != platform.EventSyscall || regs.Rdi != 0x8877665544332211 {
		t.Fatalf("event %+v rdi %#x", ev, regs.Rdi)
	}
	fp, err := ctx.FPState()
	if err != nil {
		t.Fatal(err)
	}
	// XMM0 is at offset 160 of the XSAVE area.
	for i := 0; i < 8; i++ {
		fp[160+i] = byte(0xa0 + i)
	}
	if err := ctx.SetFPState(fp); err != nil {
		t.Fatal(err)
	}
	regs.Rip = 0x400000
	regs.Fs_base = 0x600004
	ev = runTo(t, ctx, as, &regs)
	if ev.Type != platform.EventSyscall || regs.Rsi != 0xa7a6a5a4a3a2a1a0 {
		t.Fatalf("event %+v rsi %#x", ev, regs.Rsi)
	}
	// The new FS base reads 4 bytes further (and zeroes past the word).
	if regs.Rdi != 0x88776655 {
		t.Fatalf("rdi %#x", regs.Rdi)
	}
}

func TestThreadsShareAddressSpace(t *testing.T) {
	p, memfd := newTestPlatform(t)
	// mov eax, 39; syscall; jmp 0
	unix.Pwrite(memfd, []byte{0xb8, 0x27, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xf7}, 0)
	as := newTestAS(t, p)
	as.MapFile(0x400000, memfd, 0, 4096, platform.AccessType{Read: true, Execute: true})
	done := make(chan error)
	for g := 0; g < 4; g++ {
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			for round := 0; round < 3; round++ {
				ctx := p.NewContext()
				regs := platform.Registers{Rip: 0x400000, Eflags: 0x202}
				for i := 0; i < 20; i++ {
					ev, err := ctx.Switch(as, &regs)
					if err != nil {
						done <- err
						return
					}
					if ev.Type == platform.EventInterrupted {
						continue
					}
					if ev.Type != platform.EventSyscall || regs.Orig_rax != 39 {
						done <- fmt.Errorf("event %+v orig_rax %d", ev, regs.Orig_rax)
						return
					}
				}
				ctx.Release()
			}
			done <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	// Exited threads leave their slots for new ones.
	a := as.(*addressSpace)
	a.mu.Lock()
	n := len(a.slots)
	a.mu.Unlock()
	if n > 8 {
		t.Errorf("%d slots for at most 4 threads at once", n)
	}
}

// TestForkAddressSpace checks that a copy of an address space has its
// parent's mappings as they were after the calls before the fork, plus
// the child's own, and that the parent keeps what it had.
func TestForkAddressSpace(t *testing.T) {
	p, memfd := newTestPlatform(t)
	// mov rbx, [0x500000]; mov rdx, [0x600000]; mov eax, 39; syscall
	code := []byte{0x48, 0x8b, 0x1c, 0x25, 0x00, 0x00, 0x50, 0x00, 0x48, 0x8b, 0x14, 0x25, 0x00, 0x00, 0x60, 0x00,
		0xb8, 0x27, 0, 0, 0, 0x0f, 0x05}
	unix.Pwrite(memfd, code, 0)
	for i, v := range []uint64{0xaaaa, 0xbbbb, 0xcccc} {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], v)
		unix.Pwrite(memfd, b[:], int64(0x1000*(i+1)))
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	as := newTestAS(t, p)
	ro, rw := platform.AccessType{Read: true}, platform.AccessType{Read: true, Write: true}
	for _, m := range []struct {
		addr uintptr
		off  uint64
		p    platform.AccessType
	}{{0x400000, 0, platform.AccessType{Read: true, Execute: true}}, {0x500000, 0x1000, ro}, {0x600000, 0x2000, rw}} {
		if err := as.MapFile(m.addr, memfd, m.off, 4096, m.p); err != nil {
			t.Fatal(err)
		}
	}
	// The parent runs once, so that it has a thread whose slot the
	// copy must drop.
	ctx := p.NewContext()
	defer ctx.Release()
	regs := platform.Registers{Rip: 0x400000, Eflags: 0x202}
	if ev := switchNoInterrupt(t, ctx, as, &regs); ev.Type != platform.EventSyscall || regs.Rbx != 0xaaaa || regs.Rdx != 0xbbbb {
		t.Fatalf("parent: event %+v rbx %#x rdx %#x", ev, regs.Rbx, regs.Rdx)
	}
	cas, err := as.(*addressSpace).ForkAddressSpace(func() {
		as.Unmap(0x600000, 4096)
	}, func() {
		as.MapFile(0x600000, memfd, 0x3000, 4096, ro)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cas.Release()
	cctx := p.NewContext()
	defer cctx.Release()
	cregs := platform.Registers{Rip: 0x400000, Eflags: 0x202}
	if ev := switchNoInterrupt(t, cctx, cas, &cregs); ev.Type != platform.EventSyscall || cregs.Rbx != 0xaaaa || cregs.Rdx != 0xcccc {
		t.Fatalf("copy: event %+v rbx %#x rdx %#x", ev, cregs.Rbx, cregs.Rdx)
	}
	// Its first thread is running, so it has set up its process group.
	pid := cas.(*addressSpace).ctl.pid
	if pg, err := unix.Getpgid(pid); err != nil || pg != pid {
		t.Errorf("copy's process group %d, %v; want its own, %d", pg, err, pid)
	}
	// The parent lost 0x600000 before the fork.
	regs.Rip = 0x400000
	if ev := switchNoInterrupt(t, ctx, as, &regs); ev.Type != platform.EventFault || ev.Addr != 0x600000 {
		t.Fatalf("parent after the fork: event %+v", ev)
	}
}

// TestForkThenReleaseParent releases an address space right after forking
// a copy of it, as a process that forks and exits at once does: the kill
// of the parent's process group must not reach the copy, which starts in
// that group.
func TestForkThenReleaseParent(t *testing.T) {
	p, memfd := newTestPlatform(t)
	// mov eax, 39; syscall
	unix.Pwrite(memfd, []byte{0xb8, 0x27, 0, 0, 0, 0x0f, 0x05}, 0)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for i := range 100 {
		as := newCodeAS(t, p, memfd)
		ctx := p.NewContext()
		regs := platform.Registers{Rip: 0x400000, Eflags: 0x202}
		runTo(t, ctx, as, &regs)
		cas, err := as.(*addressSpace).ForkAddressSpace(func() {}, func() {})
		if err != nil {
			t.Fatal(err)
		}
		ctx.Release()
		as.Release()
		cctx := p.NewContext()
		cregs := platform.Registers{Rip: 0x400000, Eflags: 0x202}
		if ev := switchNoInterrupt(t, cctx, cas, &cregs); ev.Type != platform.EventSyscall {
			t.Fatalf("copy %d: event %+v", i, ev)
		}
		cctx.Release()
		cas.Release()
	}
}
