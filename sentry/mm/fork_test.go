package mm

import (
	"fmt"
	"strings"
	"testing"

	"github.com/moat-dev/moat/platform"
)

// forkingAS is a platform address space that records its calls and can
// copy itself, as systrap's does.
type forkingAS struct {
	phase    string
	calls    []string
	child    *forkingAS
	released bool
}

func (f *forkingAS) MapFile(addr uintptr, fd int, off, length uint64, perms platform.AccessType) error {
	f.calls = append(f.calls, fmt.Sprintf("%s map %#x+%#x w=%v", f.phase, addr, length, perms.Write))
	return nil
}

func (f *forkingAS) Unmap(addr uintptr, length uint64) {
	f.calls = append(f.calls, fmt.Sprintf("%s unmap %#x+%#x", f.phase, addr, length))
}

func (f *forkingAS) Release() { f.released = true }

func (f *forkingAS) ForkAddressSpace(before, child func()) (platform.AddressSpace, error) {
	f.calls = nil
	f.phase = "before"
	before()
	f.phase = "child"
	child()
	f.phase = ""
	f.child = &forkingAS{}
	return f.child, nil
}

// TestForkWriteProtect checks what the parent and the copy of its address
// space get at a fork: the parent's writable private mappings go, then
// its present pages come back read-only, written or not, which the copy
// inherits; and each fork counts in ForkGen.
func TestForkWriteProtect(t *testing.T) {
	rw := platform.AccessType{Read: true, Write: true}
	m := newTestMM(t)
	pas := &forkingAS{}
	m.as = pas
	a := mapAnon(t, m, 2*pageSize, rw) // read only
	b := mapAnon(t, m, 2*pageSize, rw) // written after a fork: a write fault
	for _, f := range []struct {
		addr  uint64
		write bool
	}{{a, false}, {b, false}} {
		if err := m.HandleFault(f.addr, f.write); err != nil {
			t.Fatal(err)
		}
	}
	gen := m.ForkGen()
	// A first fork makes b's pages shared and read-only; the write
	// that follows faults.
	m.Fork(&forkingAS{})
	if err := m.HandleFault(b, true); err != nil {
		t.Fatal(err)
	}
	fresh := &forkingAS{}
	c := m.Fork(fresh)
	if !fresh.released || c.as != pas.child {
		t.Fatalf("the child's address space is %p, fresh one released %v; want the copy %p", c.as, fresh.released, pas.child)
	}
	if got := m.ForkGen(); got != gen+2 {
		t.Errorf("ForkGen after two forks: %d, want %d", got, gen+2)
	}
	got := strings.Join(pas.calls, "\n")
	lo, hi := min(a, b), max(a, b)
	want := []string{
		fmt.Sprintf("before unmap %#x+%#x", lo, 2*pageSize),
		fmt.Sprintf("before unmap %#x+%#x", hi, 2*pageSize),
		fmt.Sprintf("before map %#x+%#x w=false", a, 2*pageSize),
		fmt.Sprintf("before map %#x+%#x w=false", b, pageSize),
	}
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("calls lack %q; got\n%s", w, got)
		}
	}
	for _, call := range pas.calls {
		if strings.Contains(call, "w=true") || strings.HasPrefix(call, "child") {
			t.Errorf("call %q: a writable mapping, or one the copy should have inherited", call)
		}
	}
}
