package systrap

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/platform"
)

// BenchmarkSyscall measures a round trip: an application syscall that
// traps to the sentry and returns.
func BenchmarkSyscall(b *testing.B) {
	memfd, err := unix.MemfdCreate("bench-mem", unix.MFD_CLOEXEC)
	if err != nil {
		b.Fatal(err)
	}
	defer unix.Close(memfd)
	unix.Ftruncate(memfd, 1<<20)
	// loop: mov eax, 39; syscall; jmp loop
	unix.Pwrite(memfd, []byte{0xb8, 0x27, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xf7}, 0)
	p, err := New(memfd)
	if err != nil {
		b.Fatal(err)
	}
	defer p.master.kill()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	as := newTestAS(b, p)
	if err := as.MapFile(0x400000, memfd, 0, 4096, platform.AccessType{Read: true, Execute: true}); err != nil {
		b.Fatal(err)
	}
	ctx := p.NewContext()
	defer ctx.Release()
	regs := platform.Registers{Rip: 0x400000, Eflags: 0x202}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ctx.Switch(as, &regs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFork measures what a fork costs the platform: a new address
// space, a thread in it that runs to its first syscall, and the release.
func BenchmarkFork(b *testing.B) {
	memfd, err := unix.MemfdCreate("bench-mem", unix.MFD_CLOEXEC)
	if err != nil {
		b.Fatal(err)
	}
	defer unix.Close(memfd)
	unix.Ftruncate(memfd, 1<<20)
	unix.Pwrite(memfd, []byte{0xb8, 0x27, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xf7}, 0)
	p, err := New(memfd)
	if err != nil {
		b.Fatal(err)
	}
	defer p.master.kill()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		as, err := p.NewAddressSpace()
		if err != nil {
			b.Fatal(err)
		}
		if err := as.MapFile(0x400000, memfd, 0, 4096, platform.AccessType{Read: true, Execute: true}); err != nil {
			b.Fatal(err)
		}
		ctx := p.NewContext()
		regs := platform.Registers{Rip: 0x400000, Eflags: 0x202}
		if _, err := ctx.Switch(as, &regs); err != nil {
			b.Fatal(err)
		}
		ctx.Release()
		as.Release()
	}
}
