package vfs

import "golang.org/x/sys/unix"

// Mount propagation (shared subtrees, mount_namespaces(7)). A shared
// mount belongs to a peer group: a mount or unmount under one member
// happens under every other member too, and under every slave of the
// group, whose own mounts do not go back. Copies of a namespace and bind
// mounts of a shared mount join its group. Mounts start private.

// Propagation types, for SetPropagation.
const (
	PropShared = iota
	PropPrivate
	PropSlave
	PropUnbindable
)

// peerGroup is a set of shared mounts; its members are the mounts whose
// peer field points to it.
type peerGroup struct{ id uint64 }

func (v *VFS) newPeerGroupLocked() *peerGroup {
	v.nextPeer++
	return &peerGroup{id: v.nextPeer}
}

// SetPropagation changes the propagation type of m, and with recursive of
// every mount under it, as mount(2) with MS_SHARED, MS_PRIVATE, MS_SLAVE
// or MS_UNBINDABLE does.
func (v *VFS) SetPropagation(m *Mount, kind int, recursive bool) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	targets := []*Mount{m}
	if recursive {
		targets = v.subtreeLocked(m)
	}
	for _, t := range targets {
		switch kind {
		case PropShared:
			if t.peer == nil {
				t.peer = v.newPeerGroupLocked()
			}
			t.unbindable = false
		case PropPrivate:
			t.peer, t.master, t.unbindable = nil, nil, false
		case PropSlave:
			// A member of a group with other members becomes their
			// slave; a lone member stays a slave of its master if it
			// has one, else becomes private.
			if t.peer != nil {
				if v.hasOtherPeersLocked(t) {
					t.master = t.peer
				}
				t.peer = nil
			}
		case PropUnbindable:
			t.peer, t.master, t.unbindable = nil, nil, true
		default:
			return unix.EINVAL
		}
	}
	return nil
}

// Propagation returns the peer group ID of m if it is shared, and that of
// its master if it is a slave (0 for none), for mountinfo.
func (v *VFS) Propagation(m *Mount) (shared, master uint64) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if m.peer != nil {
		shared = m.peer.id
	}
	if m.master != nil {
		master = m.master.id
	}
	return shared, master
}

// subtreeLocked returns m and every mount under it, in mount order.
func (v *VFS) subtreeLocked(m *Mount) []*Mount {
	in := map[*Mount]bool{m: true}
	out := []*Mount{m}
	for _, c := range v.all {
		if c != m && c.Parent != nil && in[c.Parent] {
			in[c] = true
			out = append(out, c)
		}
	}
	return out
}

func (v *VFS) hasOtherPeersLocked(m *Mount) bool {
	for _, c := range v.all {
		if c != m && c.peer == m.peer {
			return true
		}
	}
	return false
}

// receiversLocked returns the mounts to which an event under p
// propagates: p's peers and the slaves of its group.
func (v *VFS) receiversLocked(p *Mount) []*Mount {
	if p.peer == nil {
		return nil
	}
	var out []*Mount
	for _, c := range v.all {
		if c != p && (c.peer == p.peer || c.master == p.peer) {
			out = append(out, c)
		}
	}
	return out
}

// underRoot reports whether d is root or below it in their filesystem.
func underRoot(d, root *Dentry) bool {
	renameMu.RLock()
	defer renameMu.RUnlock()
	for ; d != nil; d = d.parent {
		if d == root {
			return true
		}
	}
	return false
}

// propagateLocked copies m, just mounted, to the receivers of its parent
// under which its mount point is visible. Under a shared parent m is
// shared itself, in a new group with its copies on the parent's peers;
// its copies on slaves are slaves of that group.
func (v *VFS) propagateLocked(m *Mount) {
	p := m.Parent
	if p == nil || p.peer == nil {
		return
	}
	if m.peer == nil {
		m.peer = v.newPeerGroupLocked()
	}
	for _, r := range v.receiversLocked(p) {
		if !underRoot(m.Point, r.Root) {
			continue
		}
		if _, taken := v.mounts[mountKey{r, m.Point}]; taken {
			// Something is mounted there already; Linux would stack
			// the copy under it. The sandbox does not.
			continue
		}
		c := &Mount{Root: m.Root, Parent: r, Point: m.Point,
			FSType: m.FSType, Source: m.Source, FSRoot: m.FSRoot, NS: r.NS}
		if r.peer == p.peer {
			c.peer = m.peer
		} else {
			c.master = m.peer
		}
		v.attachLocked(c, m.Flags())
	}
}

// propagatedUmountsLocked returns the copies of m, about to be unmounted,
// on the receivers of its parent that have nothing mounted on them: they
// go with it.
func (v *VFS) propagatedUmountsLocked(m *Mount) []*Mount {
	if m.Parent == nil || m.Parent.peer == nil {
		return nil
	}
	var out []*Mount
	for _, r := range v.receiversLocked(m.Parent) {
		c, ok := v.mounts[mountKey{r, m.Point}]
		if !ok || c == m || c.Root != m.Root {
			continue
		}
		busy := false
		for _, o := range v.all {
			if o.Parent == c {
				busy = true
				break
			}
		}
		if !busy {
			out = append(out, c)
		}
	}
	return out
}

// PivotRoot makes newRoot's mount the root mount in place of root's,
// which moves to putOld, as pivot_root(2) does; the caller moves the
// roots and working directories that were at root. root and newRoot must
// be mount roots, newRoot a mount other than root's below it, and putOld
// at or under newRoot (EINVAL, EBUSY); none of the mounts involved may be
// shared.
func (v *VFS) PivotRoot(root, newRoot, putOld VirtualDentry) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	oldM, newM := root.Mount, newRoot.Mount
	if root.Dentry != oldM.Root || newRoot.Dentry != newM.Root {
		return unix.EINVAL
	}
	if newM == oldM || putOld.Mount == oldM {
		return unix.EBUSY
	}
	if newM.NS != oldM.NS || newM.Parent == nil || v.mounts[mountKey{newM.Parent, newM.Point}] != newM {
		return unix.EINVAL
	}
	// newRoot below root; putOld at or below newRoot.
	below := func(m, top *Mount) bool {
		for ; m != nil; m = m.Parent {
			if m == top {
				return true
			}
		}
		return false
	}
	if !below(newM, oldM) || !below(putOld.Mount, newM) {
		return unix.EINVAL
	}
	if putOld.Mount == newM && !underRoot(putOld.Dentry, newM.Root) {
		return unix.EINVAL
	}
	if putOld.Mount.peer != nil || newM.Parent.peer != nil || (oldM.Parent != nil && oldM.Parent.peer != nil) {
		return unix.EINVAL
	}
	delete(v.mounts, mountKey{newM.Parent, newM.Point})
	if oldM.Parent != nil {
		delete(v.mounts, mountKey{oldM.Parent, oldM.Point})
		v.mounts[mountKey{oldM.Parent, oldM.Point}] = newM
	}
	newM.Parent, newM.Point = oldM.Parent, oldM.Point
	oldM.Parent, oldM.Point = putOld.Mount, putOld.Dentry
	v.mounts[mountKey{putOld.Mount, putOld.Dentry}] = oldM
	v.sortLocked()
	return nil
}

// sortLocked puts v.all back in an order where every mount comes after
// its parent, keeping the order otherwise.
func (v *VFS) sortLocked() {
	placed := make(map[*Mount]bool, len(v.all))
	out := make([]*Mount, 0, len(v.all))
	for len(out) < len(v.all) {
		progress := false
		for _, m := range v.all {
			if !placed[m] && (m.Parent == nil || placed[m.Parent] || !v.contains(m.Parent)) {
				placed[m] = true
				out = append(out, m)
				progress = true
			}
		}
		if !progress {
			// Cannot happen in a tree; keep every mount regardless.
			for _, m := range v.all {
				if !placed[m] {
					out = append(out, m)
				}
			}
			break
		}
	}
	v.all = out
}

func (v *VFS) contains(m *Mount) bool {
	for _, c := range v.all {
		if c == m {
			return true
		}
	}
	return false
}
