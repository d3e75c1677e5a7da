// Package vdso is the sandbox's own vDSO: a small shared object mapped
// into every process (AT_SYSINFO_EHDR) whose clock_gettime, gettimeofday,
// time and getcpu run in user space and never trap into the sentry. The
// clocks come from the TSC and a time page (the "[vvar]" page, mapped
// read-only below the image) that a timekeeper goroutine in the sentry
// keeps current: the TSC reading, the CLOCK_MONOTONIC value and rate it
// stands for, and the offsets of CLOCK_REALTIME and CLOCK_BOOTTIME.
//
// The image is built from src/vdso.c by `go generate` (src/gen.sh) and
// checked in as vdso_blob.go.
package vdso

import (
	"encoding/binary"
	"errors"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/platform"
	"github.com/moat-dev/moat/platform/monotime"
	"github.com/moat-dev/moat/sentry/memfile"
	"github.com/moat-dev/moat/sentry/mm"
)

//go:generate sh src/gen.sh

const pageSize = 4096

// imagePages is the image's size in pages; the time page comes first.
var imagePages = (len(image) + pageSize - 1) / pageSize

// params is the time page (struct vvar in src/vdso.h).
type params struct {
	seq      uint32
	ready    uint32
	tscBase  uint64
	mult     uint64
	monoBase int64
	realOff  int64
	bootOff  int64
}

// VDSO is the vDSO of one memory file: the time page and the image, in
// pages of the file that every process maps shared.
type VDSO struct {
	off  uint64 // the time page; the image follows
	page *params
}

var (
	mu     sync.Mutex
	byFile = map[*memfile.File]*VDSO{}
	// Disabled turns the vDSO off: processes get no AT_SYSINFO_EHDR.
	Disabled bool
)

func get(mf *memfile.File) (*VDSO, error) {
	mu.Lock()
	defer mu.Unlock()
	if v, ok := byFile[mf]; ok {
		return v, nil
	}
	n := uint64(1 + imagePages)
	off, err := mf.Allocate(n)
	if err != nil {
		return nil, err
	}
	b := mf.Bytes(off, n*pageSize)
	clear(b)
	copy(b[pageSize:], image)
	v := &VDSO{off: off, page: (*params)(unsafe.Pointer(&b[0]))}
	byFile[mf] = v
	tk.add(v)
	return v, nil
}

// Name implements mm.Mappable.
func (v *VDSO) Name() string { return "[vdso]" }

// Page implements mm.Mappable.
func (v *VDSO) Page(off uint64) (uint64, error) {
	if off >= uint64(1+imagePages)*pageSize {
		return 0, mm.ErrBeyondEOF
	}
	return v.off + off, nil
}

// ErrDisabled is returned by Map when the vDSO is turned off.
var ErrDisabled = errors.New("vdso disabled")

// Map maps the time page and the vDSO into m, in the mmap area, and
// returns the address of the image (the value of AT_SYSINFO_EHDR).
func Map(m *mm.MemoryManager) (uint64, error) {
	// A memory manager with no address space runs no code (loader
	// tests): it needs no vDSO.
	if Disabled || m.AddressSpace() == nil {
		return 0, ErrDisabled
	}
	v, err := get(m.MemFile())
	if err != nil {
		return 0, err
	}
	r := platform.AccessType{Read: true}
	rx := platform.AccessType{Read: true, Execute: true}
	size := uint64(1+imagePages) * pageSize
	addr, err := m.MMap(mm.MMapOpts{Length: size, Perms: r, MaxPerms: r, Obj: v, Name: "[vvar]"})
	if err != nil {
		return 0, err
	}
	if _, err := m.MMap(mm.MMapOpts{Addr: addr + pageSize, Length: size - pageSize, Fixed: true,
		Perms: rx, MaxPerms: rx, Obj: v, Off: pageSize, Name: "[vdso]"}); err != nil {
		m.MUnmap(addr, size)
		return 0, err
	}
	return addr + pageSize, nil
}

// Symbol returns the offset in the image of a dynamic symbol, for tests.
func Symbol(name string) (uint64, bool) {
	return symbol(image, name)
}

// symbol looks name up in the ELF image's dynamic symbol table.
func symbol(img []byte, name string) (uint64, bool) {
	le := binary.LittleEndian
	if len(img) < 64 {
		return 0, false
	}
	shoff, shnum := le.Uint64(img[40:]), int(le.Uint16(img[60:]))
	var symtab, strtab []byte
	for i := 0; i < shnum; i++ {
		sh := img[shoff+uint64(i)*64:]
		if le.Uint32(sh[4:]) == 11 { // SHT_DYNSYM
			off, size, link := le.Uint64(sh[24:]), le.Uint64(sh[32:]), le.Uint32(sh[40:])
			symtab = img[off : off+size]
			st := img[shoff+uint64(link)*64:]
			strtab = img[le.Uint64(st[24:]) : le.Uint64(st[24:])+le.Uint64(st[32:])]
		}
	}
	for i := 0; i+24 <= len(symtab); i += 24 {
		n := le.Uint32(symtab[i:])
		end := n
		for int(end) < len(strtab) && strtab[end] != 0 {
			end++
		}
		if string(strtab[n:end]) == name {
			return le.Uint64(symtab[i+8:]), true
		}
	}
	return 0, false
}

// The timekeeper keeps the time pages current.
var tk timekeeper

type timekeeper struct {
	mu    sync.Mutex // serializes writers of the pages
	pages []*params
	once  sync.Once
	cur   params // what the pages hold (anchored at the last update)
}

func (t *timekeeper) add(v *VDSO) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.pages = append(t.pages, v.page)
	if t.cur.ready != 0 {
		publish(v.page, &t.cur)
	}
	t.once.Do(func() { go t.run() })
}

// publish writes p into a time page under its sequence count, re-anchored
// at a TSC reading taken while the page is marked busy.
//
// CLOCK_MONOTONIC must not go back when the parameters change, for any
// reader on any CPU. A reader that finished with the old parameters read
// the TSC before the sequence count went odd, so before the reading
// publish takes here; one that uses the new parameters reads the TSC after
// the count went even again. Anchoring the new parameters at a reading
// taken while the count is odd, at no less than the old parameters give
// for it, therefore keeps every pair of readings in order.
func publish(page *params, p *params) {
	atomic.AddUint32(&page.seq, 1) // odd: readers retry
	now := readTSC()
	base := monoAt(p, now)
	if page.ready != 0 {
		base = max(base, monoAt(page, now))
	}
	page.tscBase, page.mult, page.monoBase = now, p.mult, base
	page.realOff, page.bootOff = p.realOff, p.bootOff
	atomic.StoreUint32(&page.ready, p.ready)
	atomic.AddUint32(&page.seq, 1)
}

// set publishes p in every page.
func (t *timekeeper) set(p params) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cur = p
	for _, pg := range t.pages {
		publish(pg, &p)
	}
}

// readTSC reads the TSC; tests replace it.
var readTSC = rdtsc

func rdtsc() uint64
func cpuid(leaf, sub uint32) (a, b, c, d uint32)

// invariantTSC reports whether the TSC ticks at a constant rate in all
// states (CPUID 0x80000007 EDX bit 8).
func invariantTSC() bool {
	if max, _, _, _ := cpuid(0x80000000, 0); max < 0x80000007 {
		return false
	}
	_, _, _, d := cpuid(0x80000007, 0)
	return d&(1<<8) != 0
}

// sample is a TSC reading and the CLOCK_MONOTONIC time it was taken at.
type sample struct {
	tsc  uint64
	mono int64
}

// take returns the tightest of a few readings.
func take() sample {
	var best sample
	bestGap := ^uint64(0)
	for i := 0; i < 5; i++ {
		t1 := rdtsc()
		m := monotime.Now()
		t2 := rdtsc()
		if gap := t2 - t1; gap < bestGap {
			bestGap, best = gap, sample{t1 + gap/2, m}
		}
	}
	return best
}

// offsets returns CLOCK_REALTIME and CLOCK_BOOTTIME minus
// CLOCK_MONOTONIC. The BOOTTIME offset is BOOTTIME read after MONOTONIC,
// the least of a few tries: it errs high by the gap between the reads,
// never low, so that BOOTTIME never reads below MONOTONIC.
func offsets() (real, boot int64) {
	m1 := monotime.Now()
	now := time.Now().UnixNano()
	m2 := monotime.Now()
	real = now - (m1 + (m2-m1)/2)
	for i := 0; i < 3; i++ {
		var ts unix.Timespec
		m := monotime.Now()
		unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts)
		if d := ts.Nano() - m; i == 0 || d < boot {
			boot = d
		}
	}
	return real, boot
}

// monoAt is CLOCK_MONOTONIC at tsc as the page p computes it.
func monoAt(p *params, tsc uint64) int64 {
	d := int64(tsc - p.tscBase)
	neg := d < 0
	if neg {
		d = -d
	}
	hi, lo := mul64(uint64(d), p.mult)
	v := int64(hi<<32 | lo>>32)
	if neg {
		v = -v
	}
	return p.monoBase + v
}

func mul64(a, b uint64) (hi, lo uint64) {
	const mask32 = 1<<32 - 1
	a0, a1 := a&mask32, a>>32
	b0, b1 := b&mask32, b>>32
	w0 := a0 * b0
	t := a1*b0 + w0>>32
	w1, w2 := t&mask32, t>>32
	w1 += a0 * b1
	hi = a1*b1 + w2 + w1>>32
	lo = a * b
	return
}

// Schedule of the timekeeper: calibration, then updates.
var intervals = []time.Duration{2 * time.Millisecond, 10 * time.Millisecond, 50 * time.Millisecond,
	200 * time.Millisecond}

const period = 250 * time.Millisecond

func (t *timekeeper) run() {
	if !invariantTSC() {
		return
	}
	st := steering{prev: take()}
	for i := 0; ; i++ {
		next := period
		if i < len(intervals) {
			next = intervals[i]
		}
		time.Sleep(next)
		real, boot := offsets()
		p, ok := st.update(take(), real, boot)
		if !ok {
			continue
		}
		t.set(p)
		if p.ready == 0 {
			return
		}
	}
}

// steering computes the time page's parameters from successive samples
// of the TSC and the host's clocks.
type steering struct {
	prev sample
	cur  params
}

// update takes a new sample s and the host's CLOCK_REALTIME and
// CLOCK_BOOTTIME offsets from CLOCK_MONOTONIC, and returns the parameters
// to publish, or false to keep the current ones. Parameters that are not
// ready (the TSC's rate is implausible) turn the vDSO's clocks off.
func (st *steering) update(s sample, real, boot int64) (params, bool) {
	dt, dm := s.tsc-st.prev.tsc, s.mono-st.prev.mono
	if int64(dt) <= 0 || dm <= 0 {
		return params{}, false
	}
	// Nanoseconds per tick over the last interval.
	rate := float64(dm) / float64(dt)
	if rate < 0.05 || rate > 20 { // a TSC between 50 MHz and 20 GHz
		st.cur = params{}
		return params{}, true
	}
	p := params{ready: 1, tscBase: s.tsc, realOff: real, bootOff: boot}
	if st.cur.ready != 0 {
		// BOOTTIME only ever gains on MONOTONIC (by the time the
		// host was suspended); a lower reading is measurement noise,
		// and taking it would make BOOTTIME go back.
		p.bootOff = max(p.bootOff, st.cur.bootOff)
	}
	if st.cur.ready == 0 {
		p.monoBase = s.mono
	} else {
		// Keep the clock continuous, and steer it to the host's over
		// the next period (by at most 0.1%).
		p.monoBase = monoAt(&st.cur, s.tsc)
		drift := float64(s.mono - p.monoBase)
		if drift > 1e6 || drift < -1e6 {
			// Far off: the host's clock stepped within the
			// interval, so its rate over the interval means
			// nothing; keep the last one. Jump forward with the
			// host; ahead of it, steer back (never jump back:
			// publish keeps it from going back in any case).
			rate = float64(st.cur.mult) / (1 << 32)
			if drift > 0 {
				p.monoBase = s.mono
				drift = 0
			}
		}
		corr := drift / float64(period.Nanoseconds())
		corr = max(-0.001, min(0.001, corr))
		rate *= 1 + corr
	}
	p.mult = uint64(rate * (1 << 32))
	st.cur = p
	st.prev = s
	return p, true
}

func callC(fn, a0, a1, a2 uintptr) uintptr
