package ptrace

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/platform"
)

func TestSyscallAndFault(t *testing.T) {
	memfd, err := unix.MemfdCreate("test-mem", unix.MFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(memfd)
	unix.Ftruncate(memfd, 1<<20)
	// mov eax, 39; syscall; mov rbx, [0x500000]
	code := []byte{0xb8, 0x27, 0, 0, 0, 0x0f, 0x05, 0x48, 0x8b, 0x1c, 0x25, 0x00, 0x00, 0x50, 0x00}
	unix.Pwrite(memfd, code, 0)
	p, err := New(memfd)
	if err != nil {
		t.Fatal(err)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for i := 0; i < 2; i++ {
		as, err := p.NewAddressSpace()
		if err != nil {
			t.Fatal(err)
		}
		if err := as.MapFile(0x400000, memfd, 0, 4096, platform.AccessType{Read: true, Execute: true}); err != nil {
			t.Fatal(err)
		}
		ctx := p.NewContext()
		regs := p.master.stub.regs
		regs.Rip = 0x400000
		ev, err := ctx.Switch(as, &regs)
		for err == nil && ev.Type == platform.EventInterrupted {
			ev, err = ctx.Switch(as, &regs)
		}
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type != platform.EventSyscall || regs.Orig_rax != 39 {
			t.Fatalf("event %+v orig_rax %d", ev, regs.Orig_rax)
		}
		regs.Rax = 1234
		ev, err = ctx.Switch(as, &regs)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type != platform.EventFault || ev.Addr != 0x500000 || ev.Code != 1 {
			t.Fatalf("event %+v", ev)
		}
		if _, err := ctx.FPState(); err != nil {
			t.Fatal(err)
		}
		ctx.Release()
		as.Release()
	}
}
