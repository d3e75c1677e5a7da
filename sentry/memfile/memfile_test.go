package memfile

import (
	"bytes"
	"testing"
)

// TestFreedPagesComeBackZeroed checks that pages freed by DecRef are
// reused only once their holes are punched: zeroed, and counted as free
// at once.
func TestFreedPagesComeBackZeroed(t *testing.T) {
	f, err := New(1 << 30)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		pages uint64 // allocated together
		refs  int    // extra references, dropped one DecRef at a time
	}{
		{"one page", 1, 0},
		{"a run", 8, 0},
		{"shared page", 1, 2},
	}
	for _, tt := range tests {
		base, err := f.Allocate(tt.pages)
		if err != nil {
			t.Fatalf("%s: Allocate: %v", tt.name, err)
		}
		var offs []uint64
		for p := uint64(0); p < tt.pages; p++ {
			off := base + p*PageSize
			offs = append(offs, off)
			for i := 0; i < tt.refs; i++ {
				f.IncRef(off)
			}
		}
		copy(f.Bytes(base, tt.pages*PageSize), bytes.Repeat([]byte{0xa5}, int(tt.pages*PageSize)))
		used := f.UsedPages()
		for i := 0; i < tt.refs; i++ {
			f.DecRef(offs...)
			if f.UsedPages() != used {
				t.Errorf("%s: a page still referenced was freed", tt.name)
			}
		}
		f.DecRef(offs...)
		if got := f.UsedPages(); got != used-tt.pages {
			t.Errorf("%s: %d pages in use after DecRef, want %d", tt.name, got, used-tt.pages)
		}
		f.settle()
		// Single pages come back from the free list, last freed first.
		// They are freed again only after: a page freed meanwhile
		// would come back onto the list, in the background, ahead of
		// the others.
		var again []uint64
		for i := len(offs) - 1; i >= 0; i-- {
			off, err := f.Allocate(1)
			if err != nil {
				t.Fatalf("%s: Allocate: %v", tt.name, err)
			}
			if off != offs[i] {
				t.Errorf("%s: Allocate = %#x, want the freed page %#x", tt.name, off, offs[i])
			}
			if b := f.Bytes(off, PageSize); !bytes.Equal(b, make([]byte, PageSize)) {
				t.Errorf("%s: reused page %#x is not zero", tt.name, off)
			}
			again = append(again, off)
		}
		f.DecRef(again...)
		f.settle()
		f.free = nil
	}
}

func TestDoubleFreePanics(t *testing.T) {
	f, err := New(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	off, err := f.Allocate(1)
	if err != nil {
		t.Fatal(err)
	}
	f.DecRef(off)
	defer func() {
		if recover() == nil {
			t.Error("second DecRef of a freed page did not panic")
		}
	}()
	f.DecRef(off)
}
