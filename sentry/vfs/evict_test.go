package vfs

import (
	"fmt"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// treeInode is a directory tree made up on lookup, whose children may be
// evicted; lookups counts the lookups that reached it.
type treeInode struct {
	depth   int
	lookups *int
}

func (n *treeInode) Stat() (Stat, error) {
	if n.depth > 0 {
		return Stat{Mode: unix.S_IFDIR | 0o755, Nlink: 2}, nil
	}
	return Stat{Mode: unix.S_IFREG | 0o644, Nlink: 1}, nil
}
func (n *treeInode) Lookup(string) (Inode, error) {
	if n.depth == 0 {
		return nil, unix.ENOTDIR
	}
	*n.lookups++
	return &treeInode{depth: n.depth - 1, lookups: n.lookups}, nil
}
func (n *treeInode) Readlink() (string, error)  { return "", unix.EINVAL }
func (n *treeInode) Open(int) (FileImpl, error) { return nil, unix.EACCES }
func (n *treeInode) EvictableChildren() bool    { return true }

// liveChildren counts the dentries under d that its children maps hold
// strongly, and the weak entries left.
func liveChildren(d *Dentry) (strong, weakLeft int) {
	d.mu.Lock()
	kids := make([]*Dentry, 0, len(d.children))
	for _, c := range d.children {
		kids = append(kids, c)
	}
	weakLeft = len(d.weak)
	d.mu.Unlock()
	for _, c := range kids {
		s, w := liveChildren(c)
		strong += 1 + s
		weakLeft += w
	}
	return strong, weakLeft
}

// TestDentryEviction: walking a tree far bigger than the cap keeps at
// most the cap's worth of dentries; an evicted dentry still in use is
// found again as the same dentry; unused ones are looked up anew.
func TestDentryEviction(t *testing.T) {
	old := MaxEvictableDentries
	MaxEvictableDentries = 100
	defer func() { MaxEvictableDentries = old }()
	lookups := 0
	root := NewDentry(&treeInode{depth: 2, lookups: &lookups})
	held, err := root.child("d0")
	if err != nil {
		t.Fatal(err)
	}
	heldFile, err := held.child("f0")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		dir, err := root.child(fmt.Sprintf("d%d", i))
		if err != nil {
			t.Fatal(err)
		}
		for j := range 50 {
			if _, err := dir.child(fmt.Sprintf("f%d", j)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for range 3 {
		runtime.GC()
	}
	strong, _ := liveChildren(root)
	if strong > MaxEvictableDentries+50 {
		t.Errorf("%d dentries cached after walking 2550, want at most about %d", strong, MaxEvictableDentries)
	}
	// The held dentries are found again, the very same.
	before := lookups
	d0, err := root.child("d0")
	if err != nil || d0 != held {
		t.Errorf("d0 after eviction: %p, %v; want the held %p", d0, err, held)
	}
	f0, err := d0.child("f0")
	if err != nil || f0 != heldFile {
		t.Errorf("d0/f0 after eviction: %p, %v; want the held %p", f0, err, heldFile)
	}
	if lookups != before {
		t.Errorf("%d lookups reached the filesystem for held dentries", lookups-before)
	}
	// An evicted unused name is looked up again.
	if _, err := root.child("d1"); err != nil {
		t.Fatal(err)
	}
	if _, err := root.child("d1"); err != nil {
		t.Fatal(err)
	}
	if lookups != before+1 {
		t.Errorf("evicted d1: %d lookups, want 1", lookups-before)
	}
	// Weak entries of collected dentries are cleaned up.
	for range 3 {
		runtime.GC()
	}
	runtime.Gosched()
	if _, w := liveChildren(root); w > 60 {
		t.Errorf("%d weak entries left, want the collected ones gone", w)
	}
	runtime.KeepAlive(held)
	runtime.KeepAlive(heldFile)
}
