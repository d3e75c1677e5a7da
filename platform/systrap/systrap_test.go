package systrap

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/platform"
)

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
		as, err := p.NewAddressSpace()
		if err != nil {
			t.Fatal(err)
		}
		if err := as.MapFile(0x400000, memfd, 0, 4096, platform.AccessType{Read: true, Execute: true}); err != nil {
			t.Fatal(err)
		}
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
	as, err := p.NewAddressSpace()
	if err != nil {
		t.Fatal(err)
	}
	defer as.Release()
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
