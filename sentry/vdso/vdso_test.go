package vdso

import (
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/memfile"
)

// mapped maps the time page and the image of a memory file's vDSO into
// this process and returns the image's address.
func mapped(t *testing.T) (uintptr, *VDSO) {
	t.Helper()
	mf, err := memfile.New(1 << 30)
	if err != nil {
		t.Fatal(err)
	}
	v, err := get(mf)
	if err != nil {
		t.Fatal(err)
	}
	size := (1 + imagePages) * pageSize
	b, err := unix.Mmap(mf.FD(), int64(v.off), size, unix.PROT_READ|unix.PROT_EXEC, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Munmap(b) })
	return uintptr(unsafe.Pointer(&b[pageSize])), v
}

func fn(t *testing.T, base uintptr, name string) uintptr {
	off, ok := Symbol(name)
	if !ok {
		t.Fatalf("no symbol %s", name)
	}
	return base + uintptr(off)
}

func TestClocks(t *testing.T) {
	if !invariantTSC() {
		t.Skip("no invariant TSC: the vDSO falls back to system calls")
	}
	base, v := mapped(t)
	deadline := time.Now().Add(5 * time.Second)
	for v.page.ready == 0 {
		if time.Now().After(deadline) {
			t.Fatal("time page never became ready")
		}
		time.Sleep(time.Millisecond)
	}
	cg := fn(t, base, "__vdso_clock_gettime")
	for _, clk := range []int32{unix.CLOCK_MONOTONIC, unix.CLOCK_REALTIME, unix.CLOCK_BOOTTIME,
		unix.CLOCK_MONOTONIC_COARSE, unix.CLOCK_REALTIME_COARSE, unix.CLOCK_MONOTONIC_RAW} {
		var before, got, after unix.Timespec
		unix.ClockGettime(clk, &before)
		if r := callC(cg, uintptr(clk), uintptr(unsafe.Pointer(&got)), 0); r != 0 {
			t.Fatalf("clock %d: returned %d", clk, int(r))
		}
		unix.ClockGettime(clk, &after)
		slack := int64(200 * time.Microsecond)
		if clk == unix.CLOCK_MONOTONIC_COARSE || clk == unix.CLOCK_REALTIME_COARSE {
			slack = int64(20 * time.Millisecond)
		}
		if got.Nano() < before.Nano()-slack || got.Nano() > after.Nano()+slack {
			t.Errorf("clock %d: got %d, host between %d and %d", clk, got.Nano(), before.Nano(), after.Nano())
		}
	}
	// Monotonic readings never go back.
	var last unix.Timespec
	for i := 0; i < 10000; i++ {
		var ts unix.Timespec
		callC(cg, unix.CLOCK_MONOTONIC, uintptr(unsafe.Pointer(&ts)), 0)
		if ts.Nano() < last.Nano() {
			t.Fatalf("monotonic went back: %d after %d", ts.Nano(), last.Nano())
		}
		last = ts
	}
	var tv unix.Timeval
	if r := callC(fn(t, base, "__vdso_gettimeofday"), uintptr(unsafe.Pointer(&tv)), 0, 0); r != 0 {
		t.Fatalf("gettimeofday returned %d", int(r))
	}
	if d := time.Since(time.Unix(tv.Unix())); d < -time.Millisecond || d > time.Second {
		t.Errorf("gettimeofday is %v off", d)
	}
	var tt int64
	if r := int64(callC(fn(t, base, "__vdso_time"), uintptr(unsafe.Pointer(&tt)), 0, 0)); r != tt || r-time.Now().Unix() > 1 || time.Now().Unix()-r > 1 {
		t.Errorf("time returned %d, stored %d", r, tt)
	}
	cpu, node := ^uint32(0), ^uint32(0)
	if r := callC(fn(t, base, "__vdso_getcpu"), uintptr(unsafe.Pointer(&cpu)), uintptr(unsafe.Pointer(&node)), 0); r != 0 || cpu > 4096 || node > 1024 {
		t.Errorf("getcpu: %d, cpu %d node %d", int(r), cpu, node)
	}
}

func TestFallback(t *testing.T) {
	base, _ := mapped(t)
	// A clock the page does not cover goes to the system call.
	var ts unix.Timespec
	if r := callC(fn(t, base, "__vdso_clock_gettime"), unix.CLOCK_PROCESS_CPUTIME_ID, uintptr(unsafe.Pointer(&ts)), 0); r != 0 || ts.Nano() <= 0 {
		t.Fatalf("clock_gettime(CLOCK_PROCESS_CPUTIME_ID): %d, %v", int(r), ts)
	}
	if r := int32(callC(fn(t, base, "__vdso_clock_gettime"), 12345, uintptr(unsafe.Pointer(&ts)), 0)); r != -int32(unix.EINVAL) {
		t.Fatalf("clock_gettime(12345) = %d, want -EINVAL", r)
	}
}

func TestMul64(t *testing.T) {
	for _, c := range [][2]uint64{{1 << 40, 3 << 31}, {^uint64(0), ^uint64(0)}, {12345, 67890}} {
		hi, lo := mul64(c[0], c[1])
		// Check against the Go 128-bit product built from 32-bit halves.
		var want [2]uint64
		a0, a1, b0, b1 := c[0]&0xffffffff, c[0]>>32, c[1]&0xffffffff, c[1]>>32
		mid := a1*b0 + (a0*b0)>>32
		mid2 := a0*b1 + mid&0xffffffff
		want[0] = a1*b1 + mid>>32 + mid2>>32
		want[1] = c[0] * c[1]
		if hi != want[0] || lo != want[1] {
			t.Errorf("mul64(%#x, %#x) = %#x %#x, want %#x %#x", c[0], c[1], hi, lo, want[0], want[1])
		}
	}
}
