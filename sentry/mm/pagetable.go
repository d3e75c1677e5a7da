package mm

import "math/bits"

// pageTable maps virtual page numbers to ptes. It is a radix tree of
// 512-way nodes, as the hardware's page tables are, so that a lookup is a
// few array indexings instead of a hash (a 128 KiB read looks up 33
// pages) and ranges are walked in address order. The last leaf used is
// remembered, as accesses cluster.
//
// The zero value is an empty table. Page numbers at or past 1<<ptVPNBits
// (addresses past 256 TiB, which no VMA reaches) are never present.
type pageTable struct {
	root     *ptDir // of ptDirs of ptDirs of leaves
	n        int    // present pages
	last     *ptLeaf
	lastBase uint64 // first page number of last
	// gen changes with every entry that may have changed: on set, del
	// and each, which hands its callback the entries to change. A
	// translation made from the table holds while gen is the same.
	gen uint64
}

const (
	ptBits    = 9
	ptFan     = 1 << ptBits
	ptLevels  = 4 // root, two middle levels, leaves
	ptVPNBits = ptBits * ptLevels
	ptMask    = ptFan - 1
)

// ptDir is an interior node: its children are ptDirs one level down, or
// leaves at the lowest interior level.
type ptDir struct {
	kids  [ptFan]any // *ptDir or *ptLeaf
	count int        // non-nil kids
}

type ptLeaf struct {
	ptes    [ptFan]pte
	present [ptFan / 64]uint64
	count   int
}

// leaf returns the leaf that holds vpn, making it (and the directories
// above it) if create is set; nil if there is none.
func (t *pageTable) leaf(vpn uint64, create bool) *ptLeaf {
	base := vpn &^ ptMask
	if t.last != nil && t.lastBase == base {
		return t.last
	}
	if vpn>>ptVPNBits != 0 {
		return nil
	}
	if t.root == nil {
		if !create {
			return nil
		}
		t.root = &ptDir{}
	}
	d := t.root
	for level := ptLevels - 1; level > 1; level-- {
		if d = kid[ptDir](d, vpn>>(ptBits*level)&ptMask, create); d == nil {
			return nil
		}
	}
	l := kid[ptLeaf](d, vpn>>ptBits&ptMask, create)
	if l != nil {
		t.last, t.lastBase = l, base
	}
	return l
}

// kid returns d's child i, making it if create is set; nil if there is
// none.
func kid[N ptDir | ptLeaf](d *ptDir, i uint64, create bool) *N {
	k, _ := d.kids[i].(*N)
	if k == nil && create {
		k = new(N)
		d.kids[i], d.count = k, d.count+1
	}
	return k
}

func (l *ptLeaf) has(i uint64) bool { return l.present[i/64]&(1<<(i%64)) != 0 }

// get returns vpn's entry.
func (t *pageTable) get(vpn uint64) (pte, bool) {
	l := t.leaf(vpn, false)
	if l == nil {
		return pte{}, false
	}
	i := vpn & ptMask
	return l.ptes[i], l.has(i)
}

// set makes p vpn's entry.
func (t *pageTable) set(vpn uint64, p pte) {
	t.gen++
	l := t.leaf(vpn, true)
	if l == nil {
		return // past any address a VMA can have
	}
	i := vpn & ptMask
	if !l.has(i) {
		l.present[i/64] |= 1 << (i % 64)
		l.count++
		t.n++
	}
	l.ptes[i] = p
}

// del removes vpn's entry, returning it. A leaf or directory left empty
// is freed, so that an unmapped range costs no memory.
func (t *pageTable) del(vpn uint64) (pte, bool) {
	t.gen++
	l := t.leaf(vpn, false)
	if l == nil {
		return pte{}, false
	}
	i := vpn & ptMask
	if !l.has(i) {
		return pte{}, false
	}
	p := l.ptes[i]
	l.present[i/64] &^= 1 << (i % 64)
	l.ptes[i] = pte{}
	l.count--
	t.n--
	if l.count == 0 {
		t.prune(vpn)
	}
	return p, true
}

// prune unlinks the empty leaf of vpn, and the directories that it leaves
// empty.
func (t *pageTable) prune(vpn uint64) {
	t.last = nil
	var path [ptLevels - 1]*ptDir
	d := t.root
	for level := ptLevels - 1; level >= 1; level-- {
		path[ptLevels-1-level] = d
		if level > 1 {
			d = d.kids[vpn>>(ptBits*level)&ptMask].(*ptDir)
		}
	}
	for level := 1; level < ptLevels; level++ {
		d := path[ptLevels-1-level]
		d.kids[vpn>>(ptBits*level)&ptMask] = nil
		d.count--
		if d.count > 0 {
			return
		}
	}
	t.root = nil
}

// len returns the number of present pages.
func (t *pageTable) len() int { return t.n }

// each calls fn with each present page in [start, end) (page numbers), in
// order, and a pointer to its entry, which fn may change but not remove.
// It stops when fn returns false.
func (t *pageTable) each(start, end uint64, fn func(vpn uint64, p *pte) bool) {
	t.gen++
	if t.root != nil && start < end {
		walk(t.root, ptLevels-1, 0, start, min(end, 1<<ptVPNBits), fn)
	}
}

// walk visits the subtree d at level, which covers the page numbers from
// base, within [start, end). It returns false when fn stopped it.
func walk(d *ptDir, level int, base, start, end uint64, fn func(uint64, *pte) bool) bool {
	span := uint64(1) << (ptBits * level) // pages per kid
	first := uint64(0)
	if start > base {
		first = (start - base) / span
	}
	for i := first; i < ptFan; i++ {
		kb := base + i*span
		if kb >= end {
			break
		}
		switch k := d.kids[i].(type) {
		case *ptDir:
			if !walk(k, level-1, kb, start, end, fn) {
				return false
			}
		case *ptLeaf:
			for w := 0; w < ptFan/64; w++ {
				for b := k.present[w]; b != 0; b &= b - 1 {
					j := uint64(w*64) + uint64(bits.TrailingZeros64(b))
					vpn := kb + j
					if vpn < start {
						continue
					}
					if vpn >= end {
						return true
					}
					if !fn(vpn, &k.ptes[j]) {
						return false
					}
				}
			}
		}
	}
	return true
}
