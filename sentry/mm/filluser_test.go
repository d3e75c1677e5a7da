package mm

import (
	"bytes"
	"errors"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/platform"
	"github.com/moat-dev/moat/sentry/memfile"
)

// fillWith returns a fill function that writes src into the buffers it
// gets, in order, and records how many pieces there were.
func fillWith(src []byte, pieces *int) func(bufs [][]byte) (int, error) {
	return func(bufs [][]byte) (int, error) {
		*pieces = len(bufs)
		n := 0
		for _, b := range bufs {
			n += copy(b, src[n:])
		}
		return n, nil
	}
}

func TestFillUser(t *testing.T) {
	rw := platform.AccessType{Read: true, Write: true}
	ro := platform.AccessType{Read: true}
	pattern := make([]byte, 5*pageSize)
	for i := range pattern {
		pattern[i] = byte(i*7 + 3)
	}
	for _, tc := range []struct {
		name string
		// setup maps memory and returns the address to fill and how
		// many bytes.
		setup   func(t *testing.T, m *MemoryManager) (addr uint64, n int)
		want    int
		wantErr error
	}{
		{"anonymous, page aligned", func(t *testing.T, m *MemoryManager) (uint64, int) {
			return mapAnon(t, m, 4*pageSize, rw), 4 * pageSize
		}, 4 * pageSize, nil},
		{"anonymous, unaligned, across pages", func(t *testing.T, m *MemoryManager) (uint64, int) {
			return mapAnon(t, m, 4*pageSize, rw) + 100, 3*pageSize + 5
		}, 3*pageSize + 5, nil},
		{"runs into an unmapped page", func(t *testing.T, m *MemoryManager) (uint64, int) {
			a := mapAnon(t, m, 3*pageSize, rw)
			if err := m.MUnmap(a+2*pageSize, pageSize); err != nil {
				t.Fatal(err)
			}
			return a + pageSize + 10, 2 * pageSize
		}, pageSize - 10, nil},
		{"runs into a read-only page", func(t *testing.T, m *MemoryManager) (uint64, int) {
			a := mapAnon(t, m, 3*pageSize, rw)
			if err := m.MProtect(a+pageSize, pageSize, ro); err != nil {
				t.Fatal(err)
			}
			return a + 10, 2 * pageSize
		}, pageSize - 10, nil},
		{"read-only", func(t *testing.T, m *MemoryManager) (uint64, int) {
			return mapAnon(t, m, pageSize, ro), 10
		}, 0, unix.EFAULT},
		{"unmapped", func(t *testing.T, m *MemoryManager) (uint64, int) {
			return MinAddr, 10
		}, 0, unix.EFAULT},
		{"wraps around", func(t *testing.T, m *MemoryManager) (uint64, int) {
			return ^uint64(0) - 5, 10
		}, 0, unix.EFAULT},
		{"nothing", func(t *testing.T, m *MemoryManager) (uint64, int) {
			return 0, 0
		}, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newTestMM(t)
			addr, n := tc.setup(t, m)
			pieces := -1
			got, err := m.FillUser(addr, n, fillWith(pattern, &pieces))
			if got != tc.want || !errors.Is(err, tc.wantErr) {
				t.Fatalf("FillUser(%#x, %d) = %d, %v; want %d, %v", addr, n, got, err, tc.want, tc.wantErr)
			}
			if tc.wantErr != nil && pieces != -1 {
				t.Errorf("fill was called on a failure")
			}
			if got == 0 {
				return
			}
			back := make([]byte, got)
			if _, err := m.CopyIn(addr, back); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(back, pattern[:got]) {
				t.Errorf("memory does not hold what fill wrote")
			}
		})
	}
}

// TestFillUserCopyOnWrite fills memory a forked child shares with its
// parent: the parent's copy is untouched.
func TestFillUserCopyOnWrite(t *testing.T) {
	parent := newTestMM(t)
	addr := mapAnon(t, parent, 2*pageSize, platform.AccessType{Read: true, Write: true})
	orig := bytes.Repeat([]byte{'p'}, 2*pageSize)
	if _, err := parent.CopyOut(addr, orig); err != nil {
		t.Fatal(err)
	}
	child := parent.Fork(nil)
	src := bytes.Repeat([]byte{'c'}, 2*pageSize)
	pieces := 0
	if n, err := child.FillUser(addr, len(src), fillWith(src, &pieces)); n != len(src) || err != nil {
		t.Fatalf("FillUser = %d, %v", n, err)
	}
	got := make([]byte, len(orig))
	parent.CopyIn(addr, got)
	if !bytes.Equal(got, orig) {
		t.Error("the child's fill showed in the parent")
	}
	child.CopyIn(addr, got)
	if !bytes.Equal(got, src) {
		t.Error("the child does not see its fill")
	}
}

func newTestMM(t testing.TB) *MemoryManager {
	t.Helper()
	mf, err := memfile.New(64 << 20)
	if err != nil {
		t.Skip("memfile:", err)
	}
	return New(mf, nil)
}

func mapAnon(t testing.TB, m *MemoryManager, n uint64, perms platform.AccessType) uint64 {
	t.Helper()
	a, err := m.MMap(MMapOpts{Length: n, Perms: perms, MaxPerms: platform.AccessType{Read: true, Write: true, Execute: true}, Private: true})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestCopyInString(t *testing.T) {
	rw := platform.AccessType{Read: true, Write: true}
	m := newTestMM(t)
	// Two pages, the second unmapped afterwards.
	base := mapAnon(t, m, 3*pageSize, rw)
	if err := m.MUnmap(base+2*pageSize, pageSize); err != nil {
		t.Fatal(err)
	}
	long := bytes.Repeat([]byte{'a'}, 3000)
	for _, tc := range []struct {
		name    string
		at      uint64 // offset from base where the string is written
		s       []byte // written with a NUL after it, if it fits
		max     int
		want    string
		wantErr error
	}{
		{"empty", 0, nil, 100, "", nil},
		{"short", 10, []byte("/etc/passwd"), 4096, "/etc/passwd", nil},
		{"longer than the first reads", 100, long, 4096, string(long), nil},
		{"across a page boundary", pageSize - 50, long[:200], 4096, string(long[:200]), nil},
		{"ends at the last byte before an unmapped page", 2*pageSize - 6, []byte("abcde"), 4096, "abcde", nil},
		{"exactly max long with its NUL beyond", 200, long[:300], 300, "", unix.ENAMETOOLONG},
		{"one less than max", 200, long[:299], 300, string(long[:299]), nil},
		{"runs into an unmapped page", 2*pageSize - 5, []byte("abcde"), 4096, "", unix.EFAULT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := m.CopyOut(base, make([]byte, 2*pageSize)); err != nil {
				t.Fatal(err)
			}
			b := append(append([]byte{}, tc.s...), 0)
			if tc.at+uint64(len(b)) > 2*pageSize {
				b = b[:2*pageSize-tc.at] // no room for the NUL
			}
			if _, err := m.CopyOut(base+tc.at, b); err != nil {
				t.Fatal(err)
			}
			got, err := m.CopyInString(base+tc.at, tc.max)
			if got != tc.want || !errors.Is(err, tc.wantErr) {
				t.Errorf("CopyInString = %q (%d bytes), %v; want %d bytes, %v", trunc(got), len(got), err, len(tc.want), tc.wantErr)
			}
		})
	}
}

func trunc(s string) string {
	if len(s) > 20 {
		return s[:20] + "..."
	}
	return s
}

// BenchmarkFillUser128K is the sentry's side of a 128 KiB read into a
// buffer in use: what the streamed-read benchmark pays per call besides
// the host copy. Other mappings and pages around it make the lookups
// realistic.
func BenchmarkFillUser128K(b *testing.B) {
	rw := platform.AccessType{Read: true, Write: true}
	m := newTestMM(b)
	for i := 0; i < 16; i++ {
		a := mapAnon(b, m, 1<<20, rw)
		m.ZeroOutForce(a, 1<<20)
	}
	buf := mapAnon(b, m, 256<<10, rw) + 0x40
	fill := func(bufs [][]byte) (int, error) {
		n := 0
		for _, x := range bufs {
			n += len(x)
		}
		return n, nil
	}
	m.FillUser(buf, 128<<10, fill)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if n, err := m.FillUser(buf, 128<<10, fill); n != 128<<10 || err != nil {
			b.Fatal(n, err)
		}
	}
}

// TestFillUserCache fills one buffer twice with a change to the address
// space between: the second fill may use the first's translation only if
// nothing it depends on changed, and always writes where the application
// will read, and nowhere else.
func TestFillUserCache(t *testing.T) {
	rw := platform.AccessType{Read: true, Write: true}
	ro := platform.AccessType{Read: true}
	const size = 4 * pageSize
	for _, tc := range []struct {
		name string
		// change changes m around the buffer at a; it may return a
		// forked child, which must not see the second fill.
		change  func(t *testing.T, m *MemoryManager, a uint64) *MemoryManager
		split   bool // the buffer is in two VMAs, split at its middle
		cached  bool // the translation still holds
		want    int  // what the second fill writes
		wantErr error
	}{
		{"nothing", func(t *testing.T, m *MemoryManager, a uint64) *MemoryManager {
			return nil
		}, false, true, size, nil},
		{"two VMAs, nothing", func(t *testing.T, m *MemoryManager, a uint64) *MemoryManager {
			return nil
		}, true, true, size, nil},
		{"two VMAs, second read-only", func(t *testing.T, m *MemoryManager, a uint64) *MemoryManager {
			if err := m.MProtect(a+size/2, size/2, ro); err != nil {
				t.Fatal(err)
			}
			return nil
		}, true, false, size / 2, nil},
		{"two VMAs, first unmapped", func(t *testing.T, m *MemoryManager, a uint64) *MemoryManager {
			if err := m.MUnmap(a, size/2); err != nil {
				t.Fatal(err)
			}
			return nil
		}, true, false, 0, unix.EFAULT},
		{"another buffer filled", func(t *testing.T, m *MemoryManager, a uint64) *MemoryManager {
			b := mapAnon(t, m, pageSize, rw)
			m.FillUser(b, 10, fillWith(make([]byte, 10), new(int)))
			return nil
		}, false, false, size, nil},
		{"read-only", func(t *testing.T, m *MemoryManager, a uint64) *MemoryManager {
			if err := m.MProtect(a, size, ro); err != nil {
				t.Fatal(err)
			}
			return nil
		}, false, false, 0, unix.EFAULT},
		{"last page read-only", func(t *testing.T, m *MemoryManager, a uint64) *MemoryManager {
			if err := m.MProtect(a+3*pageSize, pageSize, ro); err != nil {
				t.Fatal(err)
			}
			return nil
		}, false, false, 3 * pageSize, nil},
		{"unmapped and mapped again", func(t *testing.T, m *MemoryManager, a uint64) *MemoryManager {
			if err := m.MUnmap(a, size); err != nil {
				t.Fatal(err)
			}
			if _, err := m.MMap(MMapOpts{Addr: a, Length: size, Fixed: true, Perms: rw, MaxPerms: rw, Private: true}); err != nil {
				t.Fatal(err)
			}
			return nil
		}, false, false, size, nil},
		{"mapped over", func(t *testing.T, m *MemoryManager, a uint64) *MemoryManager {
			if _, err := m.MMap(MMapOpts{Addr: a + pageSize, Length: pageSize, Fixed: true, Perms: rw, MaxPerms: rw, Private: true}); err != nil {
				t.Fatal(err)
			}
			return nil
		}, false, false, size, nil},
		{"MADV_DONTNEED", func(t *testing.T, m *MemoryManager, a uint64) *MemoryManager {
			if err := m.MAdviseDontNeed(a+pageSize, pageSize); err != nil {
				t.Fatal(err)
			}
			return nil
		}, false, false, size, nil},
		{"forked", func(t *testing.T, m *MemoryManager, a uint64) *MemoryManager {
			return m.Fork(nil)
		}, false, false, size, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newTestMM(t)
			a := mapAnon(t, m, size, rw)
			if tc.split {
				rwx := platform.AccessType{Read: true, Write: true, Execute: true}
				if err := m.MProtect(a+size/2, size/2, rwx); err != nil {
					t.Fatal(err)
				}
			}
			first := bytes.Repeat([]byte{1}, size)
			if n, err := m.FillUser(a, size, fillWith(first, new(int))); n != size || err != nil {
				t.Fatalf("first fill: %d, %v", n, err)
			}
			if m.fill.lookup(m, a, size) == nil {
				t.Fatal("the first fill left no translation")
			}
			child := tc.change(t, m, a)
			if got := m.fill.lookup(m, a, size) != nil; got != tc.cached {
				t.Errorf("translation kept: %v, want %v", got, tc.cached)
			}
			second := bytes.Repeat([]byte{2}, size)
			n, err := m.FillUser(a, size, fillWith(second, new(int)))
			if n != tc.want || !errors.Is(err, tc.wantErr) {
				t.Fatalf("second fill: %d, %v; want %d, %v", n, err, tc.want, tc.wantErr)
			}
			back := make([]byte, n)
			if _, err := m.CopyIn(a, back); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(back, second[:n]) {
				t.Error("the application does not see the second fill")
			}
			if child != nil {
				back := make([]byte, size)
				if _, err := child.CopyIn(a, back); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(back, first) {
					t.Error("the parent's second fill showed in its forked child")
				}
			}
		})
	}
}
