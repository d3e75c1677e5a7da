// Package vfs is the sentry's virtual filesystem: the mount tree,
// dentries, path resolution with symlinks, open file descriptions and FD
// tables. Filesystems in sentry/fs provide Inodes and FileImpls.
package vfs

import (
	"container/list"
	"strings"
	"sync"
	"sync/atomic"
	"weak"

	"golang.org/x/sys/unix"
)

// Inode is a filesystem node.
type Inode interface {
	Stat() (Stat, error)
	// Lookup returns the child called name of a directory.
	Lookup(name string) (Inode, error)
	// Readlink returns a symlink's target; EINVAL for other files.
	Readlink() (string, error)
	// Open returns a new file description implementation.
	Open(flags int) (FileImpl, error)
}

// Dynamic is implemented by directories whose children must not be
// cached, such as /proc.
type Dynamic interface{ DynamicChildren() bool }

// Dentry is a named Inode in the dentry tree. Children are cached because
// every change to a filesystem goes through the sentry, and the VFS
// updates the cache on each change it makes (see write.go).
type Dentry struct {
	// name and parent change on rename, under renameMu.
	name   string
	parent *Dentry
	inode  Inode

	mu       sync.Mutex
	children map[string]*Dentry
	// weak holds children pushed out of the dentry LRU (evict.go).
	weak map[string]weak.Pointer[Dentry]
	// lru is the dentry's place in the LRU, under dentryLRU.mu.
	lru *list.Element
	// gen counts changes to the children, so that a lookup that raced
	// with a change does not cache a stale answer.
	gen uint64
	// deleted is set once the dentry's name is removed.
	deleted bool
	// linkable marks an O_TMPFILE file that linkat may name.
	linkable bool
}

// renameMu guards every dentry's name and parent.
var renameMu sync.RWMutex

// NewDentry returns a root dentry for inode.
func NewDentry(inode Inode) *Dentry { return &Dentry{inode: inode} }

// Inode returns the dentry's inode.
func (d *Dentry) Inode() Inode { return d.inode }

// Name returns the dentry's name in its parent.
func (d *Dentry) Name() string {
	renameMu.RLock()
	defer renameMu.RUnlock()
	return d.name
}

// Parent returns the dentry's parent, nil for a root.
func (d *Dentry) Parent() *Dentry {
	renameMu.RLock()
	defer renameMu.RUnlock()
	return d.parent
}

// Deleted reports whether the dentry's name was unlinked.
func (d *Dentry) Deleted() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.deleted
}

// child looks up name in d, from the cache where allowed.
func (d *Dentry) child(name string) (*Dentry, error) {
	dyn, _ := d.inode.(Dynamic)
	cache := dyn == nil || !dyn.DynamicChildren()
	var gen uint64
	if cache {
		d.mu.Lock()
		c, ok := d.children[name]
		revived := false
		if !ok {
			c = d.revivedLocked(name)
			ok, revived = c != nil, c != nil
		}
		gen = d.gen
		d.mu.Unlock()
		if ok {
			if revived {
				addLRU(c)
			} else if d.evictable() {
				touchLRU(c)
			}
			return c, nil
		}
	}
	in, err := d.inode.Lookup(name)
	if err != nil {
		return nil, err
	}
	c := &Dentry{name: name, parent: d, inode: in}
	if cache {
		added := false
		d.mu.Lock()
		if old, ok := d.children[name]; ok {
			c = old
		} else if old := d.revivedLocked(name); old != nil {
			c = old
			added = true
		} else if d.gen == gen {
			if d.children == nil {
				d.children = make(map[string]*Dentry)
			}
			d.children[name] = c
			added = true
		}
		d.mu.Unlock()
		if added && d.evictable() {
			addLRU(c)
		}
	}
	return c, nil
}

// Invalidate drops the cached child name, after the filesystem changed.
func (d *Dentry) Invalidate(name string) {
	d.mu.Lock()
	delete(d.children, name)
	d.forgetWeakLocked(name)
	d.gen++
	d.mu.Unlock()
}

// InvalidateAll drops every cached child.
func (d *Dentry) InvalidateAll() {
	d.mu.Lock()
	d.children = nil
	d.weak = nil
	d.gen++
	d.mu.Unlock()
}

// MountFlags are the per-mount flags of mount(2) (MS_RDONLY, MS_NOSUID,
// MS_NODEV, MS_NOEXEC): they apply to one mount, not to the filesystem,
// so bind mounts of one tree may differ.
type MountFlags struct {
	Readonly bool
	// NoSuid: execve ignores set-user-ID and set-group-ID bits.
	NoSuid bool
	// NoDev: device nodes cannot be opened (EACCES).
	NoDev bool
	// NoExec: files cannot be executed (EACCES) or mapped executable
	// (EPERM).
	NoExec bool
}

const (
	flagReadonly = 1 << iota
	flagNoSuid
	flagNoDev
	flagNoExec
)

// Flags returns the mount's per-mount flags.
func (m *Mount) Flags() MountFlags {
	b := m.flags.Load()
	return MountFlags{Readonly: b&flagReadonly != 0, NoSuid: b&flagNoSuid != 0, NoDev: b&flagNoDev != 0, NoExec: b&flagNoExec != 0}
}

func (m *Mount) setFlags(f MountFlags) {
	var b uint32
	for _, x := range []struct {
		on  bool
		bit uint32
	}{{f.Readonly, flagReadonly}, {f.NoSuid, flagNoSuid}, {f.NoDev, flagNoDev}, {f.NoExec, flagNoExec}} {
		if x.on {
			b |= x.bit
		}
	}
	m.flags.Store(b)
}

// Mount is a filesystem mounted at a dentry of its parent mount.
type Mount struct {
	ID     uint64
	Root   *Dentry
	Parent *Mount
	Point  *Dentry
	// flags holds the MountFlags, packed; a remount changes them while
	// other tasks read them with no lock.
	flags  atomic.Uint32
	FSType string
	Source string
	// FSRoot is the path within the filesystem that Root is ("/" or
	// empty for the whole filesystem; a directory for a bind mount).
	FSRoot string
	// NS is the mount namespace the mount belongs to.
	NS *MountNamespace

	// Propagation (propagate.go), under VFS.mu: the peer group of a
	// shared mount, the group a slave receives from, and whether the
	// mount may not be bind-mounted.
	peer, master *peerGroup
	unbindable   bool
}

// MountNamespace is a set of mounts seen together (mount_namespaces(7)).
// Every mount belongs to one; unshare(CLONE_NEWNS) copies the caller's.
// The VFS keeps the mounts of all namespaces in one table, since a
// mount's parent, and so its key, is in its own namespace.
type MountNamespace struct {
	ID uint64
	// users counts the filesystem contexts in the namespace; when the
	// last one goes, its mounts are detached (the initial namespace
	// holds one more and never goes).
	users atomic.Int64
}

// IncUsers adds a filesystem context in ns.
func (ns *MountNamespace) IncUsers() { ns.users.Add(1) }

// NamespaceRoot returns the root of ns's root mount, or ENOENT when the
// namespace is gone (its last user left and its mounts were detached).
func (v *VFS) NamespaceRoot(ns *MountNamespace) (VirtualDentry, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	for _, m := range v.all {
		if m.NS == ns && m.Parent == nil {
			return VirtualDentry{Mount: m, Dentry: m.Root}, nil
		}
	}
	return VirtualDentry{}, unix.ENOENT
}

// DecUsers drops a filesystem context of ns, detaching every mount of
// the namespace when it was the last: files still open there keep their
// mounts, which no lookup reaches any more (as a lazy umount).
func (v *VFS) DecUsers(ns *MountNamespace) {
	if ns.users.Add(-1) != 0 {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	for k, m := range v.mounts {
		if m.NS == ns {
			delete(v.mounts, k)
		}
	}
	kept := v.all[:0]
	for _, m := range v.all {
		if m.NS != ns {
			kept = append(kept, m)
		}
	}
	clear(v.all[len(kept):])
	v.all = kept
}

// VirtualDentry is a dentry in a mount.
type VirtualDentry struct {
	Mount  *Mount
	Dentry *Dentry
}

// Ok reports whether vd is set.
func (vd VirtualDentry) Ok() bool { return vd.Dentry != nil }

// Inode returns vd's inode.
func (vd VirtualDentry) Inode() Inode { return vd.Dentry.inode }

type mountKey struct {
	parent *Mount
	point  *Dentry
}

// VFS is the mount tree of a sandbox.
type VFS struct {
	mu     sync.RWMutex
	mounts map[mountKey]*Mount
	all    []*Mount
	nextID uint64
	nextNS uint64
	// nextPeer numbers peer groups.
	nextPeer uint64
}

// New returns a VFS whose root mount serves root.
func New(root Inode, fstype, source string, flags MountFlags) (*VFS, *Mount) {
	v := &VFS{mounts: make(map[mountKey]*Mount), nextID: 1, nextNS: 1}
	ns := v.newNamespace()
	ns.IncUsers()
	m := &Mount{ID: v.nextID, Root: NewDentry(root), FSType: fstype, Source: source, NS: ns}
	m.setFlags(flags)
	v.nextID++
	v.all = append(v.all, m)
	return v, m
}

func (v *VFS) newNamespace() *MountNamespace {
	ns := &MountNamespace{ID: v.nextNS}
	v.nextNS++
	return ns
}

// Mount attaches root at point, in point's mount namespace.
func (v *VFS) Mount(point VirtualDentry, root Inode, fstype, source string, flags MountFlags) *Mount {
	v.mu.Lock()
	defer v.mu.Unlock()
	m := &Mount{Root: NewDentry(root), Parent: point.Mount, Point: point.Dentry,
		FSType: fstype, Source: source, NS: point.Mount.NS}
	v.attachLocked(m, flags)
	v.propagateLocked(m)
	return m
}

// attachLocked numbers m, gives it flags, and attaches it at its
// (Parent, Point) as the last mount in mount order. v.mu must be held.
func (v *VFS) attachLocked(m *Mount, flags MountFlags) {
	m.ID = v.nextID
	v.nextID++
	m.setFlags(flags)
	v.mounts[mountKey{m.Parent, m.Point}] = m
	v.all = append(v.all, m)
}

// BindMount mounts what src names at point, with src's mount's flags, as
// mount(MS_BIND) does; with recursive (MS_REC), the mounts under src are
// copied too, but for unbindable ones. A bind mount of a shared mount is
// its peer, of a slave a slave of the same master; an unbindable one
// cannot be bound (EINVAL).
func (v *VFS) BindMount(point, src VirtualDentry, recursive bool) (*Mount, error) {
	fsRoot := v.FSPath(src)
	v.mu.Lock()
	defer v.mu.Unlock()
	if src.Mount.unbindable {
		return nil, unix.EINVAL
	}
	// The bind shares the source's dentries, as on Linux, so that a
	// name changed through one is changed through the other.
	m := &Mount{Root: src.Dentry, Parent: point.Mount, Point: point.Dentry,
		FSType: src.Mount.FSType, Source: src.Mount.Source, FSRoot: fsRoot, NS: point.Mount.NS,
		peer: src.Mount.peer, master: src.Mount.master}
	v.attachLocked(m, src.Mount.Flags())
	v.propagateLocked(m)
	if recursive {
		// Each mount under src, in mount order (parents first), gets
		// a copy on the copy of its parent.
		copies := map[*Mount]*Mount{src.Mount: m}
		for _, c := range v.subtreeLocked(src.Mount)[1:] {
			parent, ok := copies[c.Parent]
			if !ok || c.unbindable || v.mounts[mountKey{c.Parent, c.Point}] != c {
				continue
			}
			if c.Parent == src.Mount && !underRoot(c.Point, src.Dentry) {
				continue
			}
			n := &Mount{Root: c.Root, Parent: parent, Point: c.Point,
				FSType: c.FSType, Source: c.Source, FSRoot: c.FSRoot, NS: point.Mount.NS,
				peer: c.peer, master: c.master}
			v.attachLocked(n, c.Flags())
			copies[c] = n
		}
	}
	return m, nil
}

// FSPath returns the path of vd within its filesystem: its mount's
// FSRoot joined with its path from the mount's root.
func (v *VFS) FSPath(vd VirtualDentry) string {
	renameMu.RLock()
	var parts []string
	for d := vd.Dentry; d != vd.Mount.Root && d.parent != nil; d = d.parent {
		parts = append(parts, d.name)
	}
	renameMu.RUnlock()
	v.mu.RLock()
	p := strings.TrimSuffix(vd.Mount.FSRoot, "/")
	v.mu.RUnlock()
	for i := len(parts) - 1; i >= 0; i-- {
		p += "/" + parts[i]
	}
	if p == "" {
		return "/"
	}
	return p
}

// Flags returns m's per-mount flags.
func (v *VFS) Flags(m *Mount) MountFlags { return m.Flags() }

// SetFlags changes m's per-mount flags (a remount).
func (v *VFS) SetFlags(m *Mount, flags MountFlags) {
	m.setFlags(flags)
}

// Mounts returns the mounts of namespace ns, in mount order.
func (v *VFS) Mounts(ns *MountNamespace) []*Mount {
	v.mu.RLock()
	defer v.mu.RUnlock()
	var ms []*Mount
	for _, m := range v.all {
		if m.NS == ns {
			ms = append(ms, m)
		}
	}
	return ms
}

// CloneNamespace returns a new mount namespace holding a copy of every
// mount of ns, and the map from each mount to its copy, with which the
// caller moves its root and working directory into the new namespace.
// The copies share their filesystems' dentries with the originals.
func (v *VFS) CloneNamespace(ns *MountNamespace) (*MountNamespace, map[*Mount]*Mount) {
	v.mu.Lock()
	defer v.mu.Unlock()
	nns := v.newNamespace()
	copies := make(map[*Mount]*Mount)
	var order []*Mount
	for _, m := range v.all {
		if m.NS != ns {
			continue
		}
		c := &Mount{ID: v.nextID, Root: m.Root, Point: m.Point,
			FSType: m.FSType, Source: m.Source, FSRoot: m.FSRoot, NS: nns,
			peer: m.peer, master: m.master, unbindable: m.unbindable}
		c.setFlags(m.Flags())
		v.nextID++
		copies[m] = c
		order = append(order, m)
	}
	for _, m := range order {
		c := copies[m]
		if m.Parent == nil {
			continue
		}
		p, ok := copies[m.Parent]
		if !ok {
			// Detached from the tree: the copy is unreachable too.
			delete(copies, m)
			continue
		}
		c.Parent = p
		if v.mounts[mountKey{m.Parent, m.Point}] == m {
			v.mounts[mountKey{p, m.Point}] = c
		}
	}
	for _, m := range order {
		if c, ok := copies[m]; ok {
			v.all = append(v.all, c)
		}
	}
	return nns, copies
}

// crossMounts follows mounts stacked on vd.
func (v *VFS) crossMounts(vd VirtualDentry) VirtualDentry {
	v.mu.RLock()
	defer v.mu.RUnlock()
	for {
		m, ok := v.mounts[mountKey{vd.Mount, vd.Dentry}]
		if !ok {
			return vd
		}
		vd = VirtualDentry{m, m.Root}
	}
}

// parentOf returns the parent of vd, staying at root.
func (v *VFS) parentOf(root, vd VirtualDentry) VirtualDentry {
	for {
		if vd == root {
			return vd
		}
		if vd.Dentry != vd.Mount.Root {
			return VirtualDentry{vd.Mount, vd.Dentry.Parent()}
		}
		if vd.Mount.Parent == nil {
			return vd
		}
		vd = VirtualDentry{vd.Mount.Parent, vd.Mount.Point}
	}
}

const (
	maxSymlinks = 40
	maxName     = 255
	// MaxPath is PATH_MAX.
	MaxPath = 4096
)

// Resolver is the context of a path lookup.
type Resolver struct {
	Root, Start VirtualDentry
	// FollowFinal follows a symlink in the last component.
	FollowFinal bool
	Creds       *Creds
	// openat2's RESOLVE_* restrictions: NoSymlinks fails any symlink with
	// ELOOP, NoXDev any mount crossing with EXDEV, and Beneath any escape
	// from Start (absolute paths and symlinks, ".." above it) with EXDEV.
	// RESOLVE_IN_ROOT is Root = Start.
	NoSymlinks, NoXDev, Beneath bool
	symlinks                    int
}

// Resolve walks path and returns what it names.
func (v *VFS) Resolve(r *Resolver, path string) (VirtualDentry, error) {
	if path == "" {
		return VirtualDentry{}, unix.ENOENT
	}
	cur := r.Start
	if path[0] == '/' {
		if r.Beneath {
			return VirtualDentry{}, unix.EXDEV
		}
		cur = r.Root
	}
	return v.walk(r, cur, path, r.FollowFinal)
}

// ResolveParent walks all but the last component of path and returns the
// directory and the final name ("" if path names the root, "." or "..").
func (v *VFS) ResolveParent(r *Resolver, path string) (VirtualDentry, string, error) {
	if path == "" {
		return VirtualDentry{}, "", unix.ENOENT
	}
	cur := r.Start
	if path[0] == '/' {
		cur = r.Root
	}
	trimmed := strings.TrimRight(path, "/")
	if trimmed == "" {
		return r.Root, "", nil
	}
	i := strings.LastIndexByte(trimmed, '/')
	dir, name := "", trimmed
	if i >= 0 {
		dir, name = trimmed[:i+1], trimmed[i+1:]
	}
	if dir != "" {
		var err error
		if cur, err = v.walk(r, cur, dir, true); err != nil {
			return VirtualDentry{}, "", err
		}
	}
	st, err := cur.Inode().Stat()
	if err != nil {
		return VirtualDentry{}, "", err
	}
	if !st.IsDir() {
		return VirtualDentry{}, "", unix.ENOTDIR
	}
	if name == "." || name == ".." {
		return cur, "", nil
	}
	if len(name) > maxName {
		return VirtualDentry{}, "", unix.ENAMETOOLONG
	}
	return cur, name, nil
}

// Child looks up one name in dir, crossing mounts.
func (v *VFS) Child(dir VirtualDentry, name string) (VirtualDentry, error) {
	d, err := dir.Dentry.child(name)
	if err != nil {
		return VirtualDentry{}, err
	}
	return v.crossMounts(VirtualDentry{dir.Mount, d}), nil
}

// MagicLink is a symlink inode that, followed, leads to the very dentry
// it stands for rather than to the path its text names, as Linux's
// /proc/[pid]/fd/N links do: a file with no name left (a memfd, an
// unlinked file) is reached all the same. ok is false when the link has
// no dentry to give; its text is resolved then.
type MagicLink interface {
	Follow() (to VirtualDentry, ok bool, err error)
}

func (v *VFS) walk(r *Resolver, cur VirtualDentry, path string, followFinal bool) (VirtualDentry, error) {
	cur = v.crossMounts(cur)
	mustDir := strings.HasSuffix(path, "/")
	for path != "" {
		for path != "" && path[0] == '/' {
			path = path[1:]
		}
		if path == "" {
			break
		}
		name := path
		rest := ""
		if i := strings.IndexByte(path, '/'); i >= 0 {
			name, rest = path[:i], path[i:]
		}
		path = rest
		last := strings.Trim(rest, "/") == ""
		st, err := cur.Inode().Stat()
		if err != nil {
			return VirtualDentry{}, err
		}
		if !st.IsDir() {
			return VirtualDentry{}, unix.ENOTDIR
		}
		if err := r.Creds.CheckAccess(&st, MayExec); err != nil {
			return VirtualDentry{}, err
		}
		switch name {
		case ".":
			continue
		case "..":
			if r.Beneath && cur == r.Start {
				return VirtualDentry{}, unix.EXDEV
			}
			p := v.parentOf(r.Root, cur)
			if r.NoXDev && p.Mount != cur.Mount {
				return VirtualDentry{}, unix.EXDEV
			}
			cur = p
			continue
		}
		if len(name) > maxName {
			return VirtualDentry{}, unix.ENAMETOOLONG
		}
		next, err := v.Child(cur, name)
		if err != nil {
			return VirtualDentry{}, err
		}
		if r.NoXDev && next.Mount != cur.Mount {
			return VirtualDentry{}, unix.EXDEV
		}
		if (!last || followFinal || mustDir) && next.Dentry != next.Mount.Root {
			nst, err := next.Inode().Stat()
			if err != nil {
				return VirtualDentry{}, err
			}
			if nst.IsSymlink() {
				if r.NoSymlinks {
					return VirtualDentry{}, unix.ELOOP
				}
				r.symlinks++
				if r.symlinks > maxSymlinks {
					return VirtualDentry{}, unix.ELOOP
				}
				if ml, ok := next.Inode().(MagicLink); ok {
					if to, ok, err := ml.Follow(); err != nil {
						return VirtualDentry{}, err
					} else if ok {
						if r.Beneath || r.NoXDev && to.Mount != cur.Mount {
							return VirtualDentry{}, unix.EXDEV
						}
						cur = to
						continue
					}
				}
				target, err := next.Inode().Readlink()
				if err != nil {
					return VirtualDentry{}, err
				}
				if target == "" {
					return VirtualDentry{}, unix.ENOENT
				}
				start := cur
				if target[0] == '/' {
					if r.Beneath {
						return VirtualDentry{}, unix.EXDEV
					}
					start = r.Root
				}
				res, err := v.walk(r, start, target, true)
				if err != nil {
					return VirtualDentry{}, err
				}
				cur = res
				continue
			}
		}
		cur = next
	}
	if mustDir {
		st, err := cur.Inode().Stat()
		if err != nil {
			return VirtualDentry{}, err
		}
		if !st.IsDir() {
			return VirtualDentry{}, unix.ENOTDIR
		}
	}
	return cur, nil
}

// Reachable reports whether vd is root or below it, going up through
// parents and mount points.
func (v *VFS) Reachable(root, vd VirtualDentry) bool {
	renameMu.RLock()
	defer renameMu.RUnlock()
	for vd != root {
		if vd.Dentry == vd.Mount.Root {
			if vd.Mount.Parent == nil {
				return false
			}
			vd = VirtualDentry{vd.Mount.Parent, vd.Mount.Point}
			continue
		}
		vd = VirtualDentry{vd.Mount, vd.Dentry.parent}
	}
	return true
}

// PathOf returns the absolute path of vd as seen from root. Paths outside
// root are returned relative to the real root, as Linux does. A file whose
// name was removed gets " (deleted)" appended, as in /proc.
func (v *VFS) PathOf(root, vd VirtualDentry) string {
	renameMu.RLock()
	var parts []string
	deleted := vd.Dentry != nil && vd.Dentry.Deleted()
	for vd != root {
		if vd.Dentry == vd.Mount.Root {
			if vd.Mount.Parent == nil {
				break
			}
			vd = VirtualDentry{vd.Mount.Parent, vd.Mount.Point}
			continue
		}
		parts = append(parts, vd.Dentry.name)
		vd = VirtualDentry{vd.Mount, vd.Dentry.parent}
	}
	renameMu.RUnlock()
	var b strings.Builder
	if len(parts) == 0 {
		b.WriteByte('/')
	}
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(parts[i])
	}
	if deleted {
		b.WriteString(" (deleted)")
	}
	return b.String()
}
