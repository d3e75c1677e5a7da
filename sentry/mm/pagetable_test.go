package mm

import (
	"math/rand"
	"sort"
	"testing"
)

// TestPageTable checks the page table against a map, through sets,
// overwrites and deletes scattered over the whole address space and
// clustered in a few leaves, and checks each's order and bounds.
func TestPageTable(t *testing.T) {
	for _, tc := range []struct {
		name   string
		spread uint64 // page numbers are drawn from [0, spread)
		ops    int
	}{
		{"one leaf", ptFan, 5000},
		{"few leaves", 4 * ptFan, 20000},
		{"whole space", 1 << 35, 20000},
		{"top end", 1 << ptVPNBits, 5000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(1))
			var pt pageTable
			model := map[uint64]pte{}
			for i := 0; i < tc.ops; i++ {
				vpn := uint64(rng.Int63n(int64(tc.spread)))
				switch rng.Intn(3) {
				case 0, 1:
					p := pte{off: uint64(i) * pageSize, owned: i%2 == 0}
					pt.set(vpn, p)
					model[vpn] = p
				case 2:
					p, ok := pt.del(vpn)
					mp, mok := model[vpn]
					if ok != mok || p != mp {
						t.Fatalf("del(%#x) = %v, %v; want %v, %v", vpn, p, ok, mp, mok)
					}
					delete(model, vpn)
				}
				if pt.len() != len(model) {
					t.Fatalf("len %d, want %d", pt.len(), len(model))
				}
			}
			for vpn, want := range model {
				if p, ok := pt.get(vpn); !ok || p != want {
					t.Fatalf("get(%#x) = %v, %v; want %v", vpn, p, ok, want)
				}
			}
			var keys []uint64
			for vpn := range model {
				keys = append(keys, vpn)
			}
			sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
			// A window in the middle, then everything.
			lo, hi := tc.spread/3, tc.spread/3*2
			for _, w := range [][2]uint64{{lo, hi}, {0, ^uint64(0)}} {
				var got, want []uint64
				pt.each(w[0], w[1], func(vpn uint64, p *pte) bool {
					if *p != model[vpn] {
						t.Fatalf("each: %#x has %v, want %v", vpn, *p, model[vpn])
					}
					got = append(got, vpn)
					return true
				})
				for _, k := range keys {
					if k >= w[0] && k < w[1] {
						want = append(want, k)
					}
				}
				if len(got) != len(want) {
					t.Fatalf("each [%#x, %#x): %d pages, want %d", w[0], w[1], len(got), len(want))
				}
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("each [%#x, %#x): page %d is %#x, want %#x", w[0], w[1], i, got[i], want[i])
					}
				}
			}
			for _, k := range keys {
				pt.del(k)
			}
			if pt.len() != 0 || pt.root != nil {
				t.Fatalf("emptied table: len %d, root %v", pt.len(), pt.root != nil)
			}
		})
	}
}

// TestPageTableEdges checks the zero value, page numbers past the tree,
// a stopped walk, and that a deleted page's leaf does not linger in the
// lookup cache.
func TestPageTableEdges(t *testing.T) {
	var pt pageTable
	if _, ok := pt.get(7); ok {
		t.Fatal("zero table has a page")
	}
	if _, ok := pt.del(7); ok {
		t.Fatal("zero table deleted a page")
	}
	pt.each(0, ^uint64(0), func(uint64, *pte) bool { t.Fatal("zero table walked a page"); return true })
	pt.set(1<<ptVPNBits, pte{off: pageSize})
	if _, ok := pt.get(1 << ptVPNBits); ok || pt.len() != 0 {
		t.Fatal("a page past the tree was kept")
	}
	for vpn := uint64(0); vpn < 10; vpn++ {
		pt.set(vpn*ptFan, pte{off: vpn * pageSize})
	}
	n := 0
	pt.each(0, ^uint64(0), func(uint64, *pte) bool { n++; return n < 3 })
	if n != 3 {
		t.Fatalf("walk went on after a stop: %d calls", n)
	}
	pt.get(5 * ptFan) // caches the leaf
	pt.del(5 * ptFan)
	pt.set(5*ptFan+1, pte{off: 9 * pageSize})
	if _, ok := pt.get(5 * ptFan); ok {
		t.Fatal("deleted page came back")
	}
	if p, ok := pt.get(5*ptFan + 1); !ok || p.off != 9*pageSize {
		t.Fatal("page set after a prune is missing")
	}
}

func TestAddMapperToPrunesReleased(t *testing.T) {
	var set map[*MemoryManager]struct{}
	live := &MemoryManager{}
	set = AddMapperTo(set, live)
	for i := 0; i < 100; i++ {
		m := &MemoryManager{}
		m.released.Store(true)
		set = AddMapperTo(set, m)
	}
	if _, ok := set[live]; !ok {
		t.Fatal("a live memory manager was dropped")
	}
	// 101 added; prunes at 16, 32 and 64 leave the live one and the
	// released ones added since the last prune.
	if len(set) > 40 {
		t.Errorf("set holds %d memory managers; released ones were not dropped", len(set))
	}
	again := AddMapperTo(set, live)
	if len(again) != len(set) {
		t.Errorf("adding a member again changed the size")
	}
}
