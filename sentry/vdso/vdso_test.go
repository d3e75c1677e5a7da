package vdso

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

// fakeTSC replaces readTSC for a test with a counter the test sets.
func fakeTSC(t *testing.T) *uint64 {
	var tsc uint64
	old := readTSC
	readTSC = func() uint64 { return tsc }
	t.Cleanup(func() { readTSC = old })
	return &tsc
}

// TestPublishNeverBack changes the parameters of a page to a slower rate
// anchored in the past (as an update does when the timekeeper was
// descheduled between its sample and the publish): a reading with the
// new parameters is never below one taken earlier with the old ones.
func TestPublishNeverBack(t *testing.T) {
	tsc := fakeTSC(t)
	page := &params{}
	*tsc = 1000
	publish(page, &params{ready: 1, tscBase: 1000, mult: 1 << 32, monoBase: 5000})
	if page.seq != 2 || page.ready != 1 || monoAt(page, 1000) != 5000 {
		t.Fatalf("first publish: %+v", *page)
	}
	*tsc = 2_000_000
	before := monoAt(page, *tsc)
	// Sampled at TSC 1000 with half the rate: as of now it would be far
	// below what readers have seen.
	publish(page, &params{ready: 1, tscBase: 1000, mult: 1 << 31, monoBase: 5000, realOff: 7})
	if page.seq != 4 || page.realOff != 7 || page.mult != 1<<31 {
		t.Fatalf("second publish: %+v", *page)
	}
	for _, d := range []uint64{0, 1, 10, 1000, 1 << 20} {
		if got := monoAt(page, *tsc+d); got < before+int64(d)/2 {
			t.Errorf("at +%d ticks: %d, before the update %d", d, got, before)
		}
	}
	if got := monoAt(page, *tsc); got != before {
		t.Errorf("at the update: %d, want %d (continuous)", got, before)
	}
}

// host simulates the host's clocks against a TSC for the steering tests.
type host struct {
	tsc        uint64
	mono       float64 // ns
	rate       float64 // host ns per tick
	real, boot int64
}

func (h *host) advance(d time.Duration) {
	ticks := uint64(float64(d.Nanoseconds()) / h.rate)
	h.tsc += ticks
	h.mono += float64(ticks) * h.rate
}

func (h *host) sample() sample { return sample{tsc: h.tsc, mono: int64(h.mono)} }

func TestSteering(t *testing.T) {
	for _, tc := range []struct {
		name string
		// change is applied to the host after the clocks have settled.
		change func(h *host)
		// check looks at the vDSO's clock (err: vDSO minus host
		// CLOCK_MONOTONIC, ns) and offsets after the change.
		check func(t *testing.T, p params, err int64)
	}{
		{"steady", func(h *host) {}, func(t *testing.T, p params, err int64) {
			if err < -1000 || err > 1000 {
				t.Errorf("error %d ns", err)
			}
		}},
		{"host slews 500 ppm", func(h *host) { h.rate *= 1.0005 }, func(t *testing.T, p params, err int64) {
			if err < -20_000 || err > 20_000 {
				t.Errorf("error %d ns after the host slewed", err)
			}
		}},
		{"realtime stepped an hour", func(h *host) { h.real += int64(time.Hour) }, func(t *testing.T, p params, err int64) {
			if p.realOff != 1_700_000_000_000_000_000+int64(time.Hour) {
				t.Errorf("realOff %d: the step was not followed", p.realOff)
			}
		}},
		{"boottime jumped (suspend)", func(h *host) { h.boot += int64(time.Minute) }, func(t *testing.T, p params, err int64) {
			if p.bootOff != int64(time.Minute) {
				t.Errorf("bootOff %d", p.bootOff)
			}
		}},
		{"monotonic jumped forward", func(h *host) { h.mono += 50e6 }, func(t *testing.T, p params, err int64) {
			if err < -1_000_000 || err > 1000 {
				t.Errorf("error %d ns: did not jump with the host", err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tsc := fakeTSC(t)
			h := &host{tsc: 1 << 40, mono: 1e12, rate: 1 / 2.9, real: 1_700_000_000_000_000_000}
			st := steering{prev: h.sample()}
			page := &params{}
			var last int64
			step := func(d time.Duration) {
				h.advance(d)
				*tsc = h.tsc
				p, ok := st.update(h.sample(), h.real, h.boot)
				if !ok {
					t.Fatal("update skipped")
				}
				publish(page, &p)
				if now := monoAt(page, h.tsc); now < last {
					t.Fatalf("went back: %d after %d", now, last)
				} else {
					last = now
				}
			}
			for _, d := range intervals {
				step(d)
			}
			for i := 0; i < 8; i++ {
				step(period)
			}
			tc.change(h)
			for i := 0; i < 40; i++ {
				step(period)
			}
			if page.ready != 1 {
				t.Fatal("page not ready")
			}
			tc.check(t, *page, monoAt(page, h.tsc)-int64(h.mono))
		})
	}
}

func TestSteeringImplausibleRate(t *testing.T) {
	st := steering{prev: sample{tsc: 1000, mono: 1000}}
	// 1000 ticks in 100 s: a 10 Hz TSC.
	p, ok := st.update(sample{tsc: 2000, mono: 1000 + 100e9}, 0, 0)
	if !ok || p.ready != 0 {
		t.Fatalf("got %+v, %v; want a page that is not ready", p, ok)
	}
	if _, ok := st.update(sample{tsc: 1000, mono: 2000}, 0, 0); ok {
		t.Fatal("a TSC that went back was accepted")
	}
}

// TestBlobUpToDate rebuilds the image from src/ and compares it with the
// checked-in vdso_blob.go, when this machine has the compiler the blob was
// built with (other compilers give other, equally good, bytes).
func TestBlobUpToDate(t *testing.T) {
	blob, err := os.ReadFile("vdso_blob.go")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("gcc", "--version").Output()
	if err != nil {
		t.Skipf("no gcc: %v", err)
	}
	cc := strings.SplitN(string(out), "\n", 2)[0]
	if !bytes.Contains(blob, []byte("// Built with: "+cc+"\n")) {
		t.Skipf("the blob was built with another compiler than %q", cc)
	}
	fresh := filepath.Join(t.TempDir(), "blob.go")
	if out, err := exec.Command("sh", "src/gen.sh", fresh).CombinedOutput(); err != nil {
		t.Fatalf("gen.sh: %v\n%s", err, out)
	}
	got, err := os.ReadFile(fresh)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, blob) {
		t.Error("vdso_blob.go is not what src/ builds: run go generate ./sentry/vdso")
	}
}

// TestBootOffsetNeverShrinks: a lower BOOTTIME offset than the last one
// is noise, and taking it would make BOOTTIME go back.
func TestBootOffsetNeverShrinks(t *testing.T) {
	fakeTSC(t)
	h := &host{tsc: 1 << 40, mono: 1e12, rate: 1 / 2.9}
	st := steering{prev: h.sample()}
	for i, off := range []int64{0, 800, 300, 900, 0} {
		h.advance(period)
		p, ok := st.update(h.sample(), 0, off)
		if !ok {
			t.Fatal("update skipped")
		}
		want := []int64{0, 800, 800, 900, 900}[i]
		if p.bootOff != want {
			t.Errorf("update %d with offset %d: bootOff %d, want %d", i, off, p.bootOff, want)
		}
	}
	if _, boot := offsets(); boot < 0 {
		t.Errorf("offsets: BOOTTIME offset %d is negative", boot)
	}
}
