package vfs

import (
	"container/list"
	"runtime"
	"sync"
	"weak"
)

// The children of a directory whose inode implements EvictableChildren
// (a host filesystem reached through the gofer, where the dentry cache
// only mirrors the host) are kept in a least-recently-used list of at
// most MaxEvictableDentries entries. A dentry pushed out of the list is
// only weakly held by its parent from then on: if nothing else holds it
// (an open file, a working directory, a mount, a cached descendant), the
// garbage collector frees it with its inode, and the next lookup of the
// name asks the filesystem again; if something does, the next lookup
// finds the very same dentry, so a dentry's identity never changes while
// it is in use, as with Linux's unreferenced-dentry LRU.

// EvictableChildren is implemented by directory inodes whose children's
// dentries may be forgotten when unused.
type EvictableChildren interface {
	EvictableChildren() bool
}

// MaxEvictableDentries caps the evictable dentries held strongly.
var MaxEvictableDentries = 8192

var dentryLRU struct {
	mu   sync.Mutex
	list list.List // of *Dentry, most recently used first
	// demoted counts the dentries pushed out since the last collection
	// it asked for.
	demoted int
}

// collectEvery is how many dentries the LRU pushes out between the
// garbage collections it starts. A pushed-out dentry's inode holds its
// filesystem's resources (a gofer FID, and a host FD in the gofer) until
// the collector frees it, and a sandbox that walks many files allocates
// too little for the collector to run on its own often enough.
func collectEvery() int { return max(MaxEvictableDentries/2, 64) }

// evictable reports whether d's children go in the LRU.
func (d *Dentry) evictable() bool {
	e, ok := d.inode.(EvictableChildren)
	return ok && e.EvictableChildren()
}

// touchLRU marks c, a cached child, as just used.
func touchLRU(c *Dentry) {
	dentryLRU.mu.Lock()
	if c.lru != nil {
		dentryLRU.list.MoveToFront(c.lru)
	}
	dentryLRU.mu.Unlock()
}

// addLRU puts c, just cached in its parent, in the LRU and pushes the
// least recently used dentries past the cap out of their parents.
func addLRU(c *Dentry) {
	var out []*Dentry
	dentryLRU.mu.Lock()
	if c.lru == nil {
		c.lru = dentryLRU.list.PushFront(c)
	}
	for dentryLRU.list.Len() > MaxEvictableDentries {
		e := dentryLRU.list.Back()
		x := dentryLRU.list.Remove(e).(*Dentry)
		x.lru = nil
		out = append(out, x)
	}
	dentryLRU.demoted += len(out)
	collect := dentryLRU.demoted >= collectEvery()
	if collect {
		dentryLRU.demoted = 0
	}
	dentryLRU.mu.Unlock()
	for _, x := range out {
		x.demote()
	}
	if collect {
		go runtime.GC()
	}
}

// weakChild is a cache entry that no longer keeps its dentry alive.
type weakChild struct {
	parent *Dentry
	name   string
}

// demote moves d from its parent's children to its weak children.
func (d *Dentry) demote() {
	renameMu.RLock()
	p, name := d.parent, d.name
	renameMu.RUnlock()
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.children[name] != d {
		return
	}
	delete(p.children, name)
	if p.weak == nil {
		p.weak = make(map[string]weak.Pointer[Dentry])
	}
	p.weak[name] = weak.Make(d)
	runtime.AddCleanup(d, func(w weakChild) {
		w.parent.mu.Lock()
		if wp, ok := w.parent.weak[w.name]; ok && wp.Value() == nil {
			delete(w.parent.weak, w.name)
		}
		w.parent.mu.Unlock()
	}, weakChild{p, name})
}

// revivedLocked returns the dentry still alive under name among d's weak
// children, moved back to its children; d.mu is held.
func (d *Dentry) revivedLocked(name string) *Dentry {
	wp, ok := d.weak[name]
	if !ok {
		return nil
	}
	delete(d.weak, name)
	c := wp.Value()
	if c == nil {
		return nil
	}
	if d.children == nil {
		d.children = make(map[string]*Dentry)
	}
	d.children[name] = c
	return c
}

// forgetWeakLocked drops the weak entry for name, whose meaning changed;
// d.mu is held.
func (d *Dentry) forgetWeakLocked(name string) {
	if d.weak != nil {
		delete(d.weak, name)
	}
}
