package vfs

import (
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// This file holds the interfaces writable filesystems implement and the
// VFS operations that change the namespace: they check permissions as
// Linux's namei.c does, call the filesystem, and keep the dentry cache in
// step with what the filesystem did.

// NewNode describes a file to create.
type NewNode struct {
	// Mode holds the file type (S_IFREG, S_IFDIR, S_IFLNK, S_IFIFO,
	// S_IFSOCK, S_IFCHR, S_IFBLK) and the permission bits, umask
	// already applied.
	Mode     uint32
	UID, GID uint32
	Rdev     uint64
	// Target is a symlink's target.
	Target string
}

// Setattr mask bits.
const (
	SetMode = 1 << iota
	SetUID
	SetGID
	SetSize
	SetAtime
	SetMtime
	// SetCtime sets ctime to Ctime rather than to now (copy-up).
	SetCtime
)

// SetAttr are metadata changes. Times are absolute: the syscall layer
// turns UTIME_NOW into the current time. Every change also sets ctime to
// now unless SetCtime gives it.
type SetAttr struct {
	Mask                uint32
	Mode                uint32 // permission bits only
	UID, GID            uint32
	Size                int64
	Atime, Mtime, Ctime Timespec
}

// Setattrer is implemented by inodes whose metadata can change.
type Setattrer interface {
	Setattr(a *SetAttr) error
}

// WritableDir is implemented by directories whose entries can change. The
// VFS serializes calls to these methods (one namespace change at a time)
// and has already checked permissions, that a created name is free and
// that a removed name exists.
type WritableDir interface {
	// Create makes a regular file and opens it with flags.
	Create(name string, n NewNode, flags int) (Inode, FileImpl, error)
	// Mknod makes any other kind of file: a directory, a symlink
	// (n.Target), a FIFO, a socket or a device node.
	Mknod(name string, n NewNode) (Inode, error)
	// Link makes name a new hard link to target, which is not a
	// directory. EXDEV if target belongs to another filesystem.
	Link(name string, target Inode) error
	// Unlink removes name; dir says it is rmdir, which fails with
	// ENOTEMPTY unless the directory is empty.
	Unlink(name string, dir bool) error
	// Rename moves oldName to newDir (a WritableDir of the same
	// filesystem, else EXDEV) as newName, replacing what is there
	// (ENOTEMPTY for a directory that is not empty). flags may hold
	// RENAME_EXCHANGE; RENAME_NOREPLACE has been checked.
	Rename(oldName string, newDir Inode, newName string, flags uint32) error
}

// TmpfileDir is implemented by directories of filesystems that support
// O_TMPFILE: Tmpfile makes an open regular file with no name, which
// linkat may give one unless excl.
type TmpfileDir interface {
	Tmpfile(n NewNode, flags int, excl bool) (Inode, FileImpl, error)
}

// Xattrs is implemented by inodes with extended attributes.
type Xattrs interface {
	Getxattr(name string) ([]byte, error)
	// Setxattr's flags are XATTR_CREATE and XATTR_REPLACE.
	Setxattr(name string, value []byte, flags int) error
	Listxattr() ([]string, error)
	Removexattr(name string) error
}

// Syncer is implemented by files that have something to write back on
// fsync.
type Syncer interface{ Sync() error }

// Allocator is implemented by files that support fallocate.
type Allocator interface {
	Allocate(mode uint32, off, length int64) error
}

// StatInvalidator is implemented by inodes that cache their metadata: the
// VFS calls it on a file whose link count another inode's operation
// changed (unlink, rmdir, link, rename over it).
type StatInvalidator interface{ InvalidateStat() }

func invalidateStat(in Inode) {
	if si, ok := in.(StatInvalidator); ok {
		si.InvalidateStat()
	}
}

// Statfser is implemented by inodes of filesystems with capacity figures.
type Statfser interface {
	Statfs() (unix.Statfs_t, error)
}

// Renameat2 flags.
const (
	RenameNoreplace = 1
	RenameExchange  = 2
	RenameWhiteout  = 4
)

// Now returns the current time as a Timespec.
func Now() Timespec {
	t := time.Now()
	return Timespec{Sec: t.Unix(), Nsec: int64(t.Nanosecond())}
}

// nsMu serializes namespace changes in every filesystem: creation,
// removal and rename. Lookups do not take it.
var nsMu sync.Mutex

// LastKind says what the last component of a path is.
type LastKind int

// Kinds of last components (Linux's LAST_NORM, LAST_ROOT, LAST_DOT,
// LAST_DOTDOT).
const (
	LastNorm LastKind = iota
	LastRoot
	LastDot
	LastDotDot
)

// Parent is the result of resolving all but the last component of a
// path.
type Parent struct {
	Dir  VirtualDentry
	Name string
	Kind LastKind
	// Slash is set when the path ends with a slash.
	Slash bool
	// TooLong is set when Name is longer than NAME_MAX (only from
	// ResolveParentLastAny).
	TooLong bool
}

// ResolveParentLast walks all but the last component of path and
// describes the last one; ENAMETOOLONG if it is longer than NAME_MAX.
func (v *VFS) ResolveParentLast(r *Resolver, path string) (Parent, error) {
	p, err := v.ResolveParentLastAny(r, path)
	if err == nil && p.TooLong {
		return Parent{}, unix.ENAMETOOLONG
	}
	return p, err
}

// ResolveParentLastAny is ResolveParentLast that leaves a last component
// longer than NAME_MAX for the caller to refuse (TooLong), for calls that
// report other errors first (rename looks up its old name first).
func (v *VFS) ResolveParentLastAny(r *Resolver, path string) (Parent, error) {
	if path == "" {
		return Parent{}, unix.ENOENT
	}
	cur := r.Start
	if path[0] == '/' {
		cur = r.Root
	}
	trimmed := strings.TrimRight(path, "/")
	slash := len(trimmed) != len(path)
	if trimmed == "" {
		return Parent{Dir: v.crossMounts(r.Root), Kind: LastRoot, Slash: slash}, nil
	}
	i := strings.LastIndexByte(trimmed, '/')
	dir, name := "", trimmed
	if i >= 0 {
		dir, name = trimmed[:i+1], trimmed[i+1:]
	}
	var err error
	if dir != "" {
		if cur, err = v.walk(r, cur, dir, true); err != nil {
			return Parent{}, err
		}
	} else {
		cur = v.crossMounts(cur)
	}
	st, err := cur.Inode().Stat()
	if err != nil {
		return Parent{}, err
	}
	if !st.IsDir() {
		return Parent{}, unix.ENOTDIR
	}
	p := Parent{Dir: cur, Name: name, Slash: slash}
	switch name {
	case ".":
		p.Kind = LastDot
	case "..":
		p.Kind = LastDotDot
	default:
		p.TooLong = len(name) > maxName
	}
	return p, nil
}

// Lookup finds name in dir without crossing mounts on the result (the
// dentry itself, for removal and rename), or ENOENT.
func (v *VFS) lookupChild(dir VirtualDentry, name string) (*Dentry, error) {
	return dir.Dentry.child(name)
}

// isMountPoint reports whether something is mounted on d.
func (v *VFS) isMountPoint(d *Dentry) bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	for k := range v.mounts {
		if k.point == d {
			return true
		}
	}
	return false
}

// IsMountPoint reports whether something is mounted on vd.
func (v *VFS) IsMountPoint(vd VirtualDentry) bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	_, ok := v.mounts[mountKey{vd.Mount, vd.Dentry}]
	return ok
}

// MayCreate checks that c may create entries in directory dir.
func MayCreate(c *Creds, dir VirtualDentry) error {
	if dir.Dentry.Deleted() {
		return unix.ENOENT
	}
	st, err := dir.Inode().Stat()
	if err != nil {
		return err
	}
	return c.CheckAccess(&st, MayWrite|MayExec)
}

// MayDelete checks that c may remove (or rename away) child from dir,
// with the sticky bit's rule.
func MayDelete(c *Creds, dir VirtualDentry, child Inode) error {
	dst, err := dir.Inode().Stat()
	if err != nil {
		return err
	}
	if err := c.CheckAccess(&dst, MayWrite|MayExec); err != nil {
		return err
	}
	if dst.Mode&unix.S_ISVTX != 0 && c != nil {
		cst, err := child.Stat()
		if err != nil {
			return err
		}
		if c.UID != dst.UID && c.UID != cst.UID && !c.HasCap(CapFowner) {
			return unix.EPERM
		}
	}
	return nil
}

// newNode returns o.Node, to be created in dir, with its owner filled in
// (InheritOwner); a nonzero fileType replaces the node's type bits.
func newNode(dir VirtualDentry, o CreateOpts, fileType uint32) (NewNode, error) {
	dst, err := dir.Inode().Stat()
	if err != nil {
		return NewNode{}, err
	}
	n := o.Node
	if fileType != 0 {
		n.Mode = fileType | n.Mode&07777
	}
	InheritOwner(o.Creds, &dst, &n)
	return n, nil
}

// InheritOwner fills n's owner from c and the parent directory, as
// inode_init_owner does: a set-group-ID directory gives its group, and
// its set-group-ID bit to new directories; a new file keeps S_ISGID only
// if the creator is in its group or has CAP_FSETID.
func InheritOwner(c *Creds, dirSt *Stat, n *NewNode) {
	if c == nil {
		c = &Creds{Caps: ^uint64(0)}
	}
	n.UID, n.GID = c.UID, c.GID
	if dirSt.Mode&unix.S_ISGID != 0 {
		n.GID = dirSt.GID
		if n.Mode&unix.S_IFMT == unix.S_IFDIR {
			n.Mode |= unix.S_ISGID
		}
	}
	if n.Mode&unix.S_IFMT != unix.S_IFDIR && n.Mode&(unix.S_ISGID|unix.S_IXGRP) == unix.S_ISGID|unix.S_IXGRP &&
		!c.InGroup(n.GID) && !c.HasCap(CapFsetid) {
		n.Mode &^= unix.S_ISGID
	}
}

func writableDir(dir VirtualDentry) (WritableDir, error) {
	wd, ok := dir.Inode().(WritableDir)
	if !ok {
		if dir.Mount.Flags().Readonly {
			return nil, unix.EROFS
		}
		return nil, unix.EPERM
	}
	return wd, nil
}

// createIn returns the directory's write interface for creating a name,
// with the errors Linux gives where it cannot: ENOENT in directories that
// make up their entries (/proc, whose lookup fails before any create),
// else EACCES for open(O_CREAT) and EPERM for the rest.
func createIn(dir VirtualDentry, open bool) (WritableDir, error) {
	wd, ok := dir.Inode().(WritableDir)
	if ok {
		return wd, nil
	}
	if dir.Mount.Flags().Readonly {
		return nil, unix.EROFS
	}
	if dyn, ok := dir.Inode().(Dynamic); ok && dyn.DynamicChildren() {
		return nil, unix.ENOENT
	}
	if open {
		return nil, unix.EACCES
	}
	return nil, unix.EPERM
}

// addChild caches a new child of d.
func (d *Dentry) addChild(name string, in Inode) *Dentry {
	c := &Dentry{name: name, parent: d, inode: in}
	d.mu.Lock()
	if d.children == nil {
		d.children = make(map[string]*Dentry)
	}
	d.children[name] = c
	d.forgetWeakLocked(name)
	d.gen++
	d.mu.Unlock()
	return c
}

// removeChild forgets d's child name and marks it deleted.
func (d *Dentry) removeChild(name string, c *Dentry) {
	d.mu.Lock()
	if d.children[name] == c {
		delete(d.children, name)
	}
	d.forgetWeakLocked(name)
	d.gen++
	d.mu.Unlock()
	if c != nil {
		c.mu.Lock()
		c.deleted = true
		c.mu.Unlock()
	}
}

// CreateOpts are the arguments of VFS.Create and VFS.Mknod.
type CreateOpts struct {
	Creds *Creds
	Node  NewNode
	// Flags are the open flags (Create only).
	Flags int
}

// checkCreate does the checks common to creating name in p.Dir: EEXIST,
// EROFS, then permission.
func (v *VFS) checkCreate(c *Creds, dir VirtualDentry, name string, open bool) (WritableDir, error) {
	if _, err := v.lookupChild(dir, name); err == nil {
		return nil, unix.EEXIST
	} else if err != unix.ENOENT {
		return nil, err
	}
	if dir.Mount.Flags().Readonly {
		return nil, unix.EROFS
	}
	if _, ok := dir.Inode().(WritableDir); !ok {
		return createIn(dir, open)
	}
	if err := MayCreate(c, dir); err != nil {
		return nil, err
	}
	return writableDir(dir)
}

// Create creates and opens a regular file name in dir. The owner comes
// from o.Creds and the directory (InheritOwner); o.Node.Mode holds the
// permission bits with the umask applied.
func (v *VFS) Create(dir VirtualDentry, name string, o CreateOpts) (VirtualDentry, FileImpl, error) {
	nsMu.Lock()
	defer nsMu.Unlock()
	wd, err := v.checkCreate(o.Creds, dir, name, true)
	if err != nil {
		return VirtualDentry{}, nil, err
	}
	n, err := newNode(dir, o, unix.S_IFREG)
	if err != nil {
		return VirtualDentry{}, nil, err
	}
	in, impl, err := wd.Create(name, n, o.Flags)
	if err != nil {
		return VirtualDentry{}, nil, err
	}
	d := dir.Dentry.addChild(name, in)
	return VirtualDentry{dir.Mount, d}, impl, nil
}

// Mknod creates a file other than a regular one (or a regular one without
// opening it): directory, symlink, FIFO, socket, device.
func (v *VFS) Mknod(dir VirtualDentry, name string, o CreateOpts) (VirtualDentry, error) {
	nsMu.Lock()
	defer nsMu.Unlock()
	wd, err := v.checkCreate(o.Creds, dir, name, false)
	if err != nil {
		return VirtualDentry{}, err
	}
	n, err := newNode(dir, o, 0)
	if err != nil {
		return VirtualDentry{}, err
	}
	if n.Mode&unix.S_IFMT == unix.S_IFLNK {
		n.Mode = unix.S_IFLNK | 0o777
	}
	in, err := wd.Mknod(name, n)
	if err != nil {
		return VirtualDentry{}, err
	}
	d := dir.Dentry.addChild(name, in)
	return VirtualDentry{dir.Mount, d}, nil
}

// Link makes name in dir a hard link to target.
func (v *VFS) Link(c *Creds, dir VirtualDentry, name string, target VirtualDentry) error {
	nsMu.Lock()
	defer nsMu.Unlock()
	if _, err := v.lookupChild(dir, name); err == nil {
		return unix.EEXIST
	} else if err != unix.ENOENT {
		return err
	}
	if dir.Mount.Flags().Readonly {
		return unix.EROFS
	}
	if dir.Mount != target.Mount {
		return unix.EXDEV
	}
	if err := MayCreate(c, dir); err != nil {
		return err
	}
	tst, err := target.Inode().Stat()
	if err != nil {
		return err
	}
	if tst.IsDir() {
		return unix.EPERM
	}
	if target.Dentry.Deleted() && tst.Nlink == 0 && !target.Dentry.linkable {
		return unix.ENOENT
	}
	wd, err := writableDir(dir)
	if err != nil {
		return err
	}
	if err := wd.Link(name, target.Inode()); err != nil {
		return err
	}
	invalidateStat(target.Inode())
	dir.Dentry.addChild(name, target.Inode())
	return nil
}

// Tmpfile makes an unnamed regular file in dir (O_TMPFILE). Its dentry
// is not in the tree: it hangs off dir, deleted, under a name made from
// its inode number, as Linux shows it.
func (v *VFS) Tmpfile(dir VirtualDentry, o CreateOpts, excl bool) (VirtualDentry, FileImpl, error) {
	if dir.Mount.Flags().Readonly {
		return VirtualDentry{}, nil, unix.EROFS
	}
	if err := MayCreate(o.Creds, dir); err != nil {
		return VirtualDentry{}, nil, err
	}
	td, ok := dir.Inode().(TmpfileDir)
	if !ok {
		return VirtualDentry{}, nil, unix.EOPNOTSUPP
	}
	n, err := newNode(dir, o, unix.S_IFREG)
	if err != nil {
		return VirtualDentry{}, nil, err
	}
	in, impl, err := td.Tmpfile(n, o.Flags, excl)
	if err != nil {
		return VirtualDentry{}, nil, err
	}
	st, _ := in.Stat()
	d := &Dentry{name: "#" + itoa(st.Ino), parent: dir.Dentry, inode: in, deleted: true, linkable: !excl}
	return VirtualDentry{dir.Mount, d}, impl, nil
}

func itoa(n uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return string(b[i:])
}

// Unlink removes name from dir: a non-directory, or with rmdir an empty
// directory.
func (v *VFS) Unlink(c *Creds, dir VirtualDentry, name string, rmdir bool) error {
	nsMu.Lock()
	defer nsMu.Unlock()
	if dir.Mount.Flags().Readonly {
		return unix.EROFS
	}
	child, err := v.lookupChild(dir, name)
	if err != nil {
		return err
	}
	if err := MayDelete(c, dir, child.inode); err != nil {
		return err
	}
	cst, err := child.inode.Stat()
	if err != nil {
		return err
	}
	if rmdir && !cst.IsDir() {
		return unix.ENOTDIR
	}
	if !rmdir && cst.IsDir() {
		return unix.EISDIR
	}
	if v.isMountPoint(child) {
		return unix.EBUSY
	}
	wd, err := writableDir(dir)
	if err != nil {
		return err
	}
	if err := wd.Unlink(name, rmdir); err != nil {
		return err
	}
	invalidateStat(child.inode)
	dir.Dentry.removeChild(name, child)
	return nil
}

// isAncestor reports whether a is d or one of d's ancestors within one
// mount.
func isAncestor(a, d *Dentry) bool {
	for ; d != nil; d = d.parent {
		if d == a {
			return true
		}
	}
	return false
}

// Rename renames oldDir/oldName to newDir/newName with renameat2 flags.
func (v *VFS) Rename(c *Creds, oldDir VirtualDentry, oldName string, newDir VirtualDentry, newName string, flags uint32) error {
	if flags&^(RenameNoreplace|RenameExchange|RenameWhiteout) != 0 ||
		flags&RenameExchange != 0 && flags&(RenameNoreplace|RenameWhiteout) != 0 {
		return unix.EINVAL
	}
	if flags&RenameWhiteout != 0 {
		return unix.EINVAL
	}
	nsMu.Lock()
	defer nsMu.Unlock()
	if oldDir.Mount != newDir.Mount {
		return unix.EXDEV
	}
	if dyn, ok := newDir.Inode().(Dynamic); ok && dyn.DynamicChildren() {
		if _, ok := newDir.Inode().(WritableDir); !ok {
			if _, err := v.lookupChild(newDir, newName); err != nil {
				return err
			}
		}
	}
	if oldDir.Mount.Flags().Readonly {
		return unix.EROFS
	}
	old, err := v.lookupChild(oldDir, oldName)
	if err != nil {
		return err
	}
	repl, err := v.lookupChild(newDir, newName)
	if err != nil && err != unix.ENOENT {
		return err
	}
	if err == unix.ENOENT {
		repl = nil
		if flags&RenameExchange != 0 {
			return unix.ENOENT
		}
	} else if flags&RenameNoreplace != 0 {
		return unix.EEXIST
	}
	ost, err := old.inode.Stat()
	if err != nil {
		return err
	}
	renameMu.RLock()
	// The source may not be an ancestor of the target directory.
	loop := isAncestor(old, newDir.Dentry)
	// With exchange, nor the reverse.
	if repl != nil && flags&RenameExchange != 0 && isAncestor(repl, oldDir.Dentry) {
		loop = true
	}
	renameMu.RUnlock()
	if loop {
		return unix.EINVAL
	}
	if repl != nil && repl.inode == old.inode {
		// Two links to one file: nothing to do.
		return nil
	}
	if err := MayDelete(c, oldDir, old.inode); err != nil {
		return err
	}
	if repl != nil {
		if err := MayDelete(c, newDir, repl.inode); err != nil {
			return err
		}
	} else if err := MayCreate(c, newDir); err != nil {
		return err
	}
	// Moving a directory to another parent rewrites its "..".
	if ost.IsDir() && oldDir.Dentry != newDir.Dentry {
		if err := c.CheckAccess(&ost, MayWrite); err != nil {
			return err
		}
	}
	if repl != nil {
		rst, err := repl.inode.Stat()
		if err != nil {
			return err
		}
		if flags&RenameExchange != 0 {
			if rst.IsDir() && oldDir.Dentry != newDir.Dentry {
				if err := c.CheckAccess(&rst, MayWrite); err != nil {
					return err
				}
			}
		} else if ost.IsDir() && !rst.IsDir() {
			return unix.ENOTDIR
		} else if !ost.IsDir() && rst.IsDir() {
			return unix.EISDIR
		}
		if v.isMountPoint(repl) {
			return unix.EBUSY
		}
	}
	if v.isMountPoint(old) {
		return unix.EBUSY
	}
	wd, err := writableDir(oldDir)
	if err != nil {
		return err
	}
	if _, ok := newDir.Inode().(WritableDir); !ok {
		return unix.EXDEV
	}
	if err := wd.Rename(oldName, newDir.Inode(), newName, flags); err != nil {
		return err
	}
	invalidateStat(old.inode)
	if repl != nil {
		invalidateStat(repl.inode)
	}
	// Update the cache: old moves to the new name; a replaced file is
	// deleted, or with exchange moves to the old name.
	renameMu.Lock()
	od, nd := oldDir.Dentry, newDir.Dentry
	od.mu.Lock()
	if od.children[oldName] == old {
		delete(od.children, oldName)
	}
	od.forgetWeakLocked(oldName)
	od.gen++
	od.mu.Unlock()
	nd.mu.Lock()
	if nd.children == nil {
		nd.children = make(map[string]*Dentry)
	}
	nd.children[newName] = old
	nd.forgetWeakLocked(newName)
	nd.gen++
	nd.mu.Unlock()
	old.name, old.parent = newName, nd
	if repl != nil {
		if flags&RenameExchange != 0 {
			od.mu.Lock()
			if od.children == nil {
				od.children = make(map[string]*Dentry)
			}
			od.children[oldName] = repl
			od.mu.Unlock()
			repl.name, repl.parent = oldName, od
		} else {
			repl.mu.Lock()
			repl.deleted = true
			repl.mu.Unlock()
		}
	}
	renameMu.Unlock()
	return nil
}

var anonDev struct {
	sync.Mutex
	next uint32
}

// NewAnonDev returns a fresh device number for a filesystem without a
// backing device (Linux's anonymous block devices, major 0).
func NewAnonDev() uint64 {
	anonDev.Lock()
	defer anonDev.Unlock()
	if anonDev.next == 0 {
		anonDev.next = 40
	}
	anonDev.next++
	return unix.Mkdev(0, anonDev.next)
}

// MoveMount moves mount m, with the mounts on it, to point, as
// mount(MS_MOVE) does. The root mount cannot move, nor can a mount that is
// no longer attached or is in another namespace (EINVAL); a mount cannot
// move to a place under itself (ELOOP).
func (v *VFS) MoveMount(m *Mount, point VirtualDentry) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if m.Parent == nil || m.NS != point.Mount.NS {
		return unix.EINVAL
	}
	if v.mounts[mountKey{m.Parent, m.Point}] != m {
		return unix.EINVAL
	}
	for p := point.Mount; p != nil; p = p.Parent {
		if p == m {
			return unix.ELOOP
		}
	}
	delete(v.mounts, mountKey{m.Parent, m.Point})
	m.Parent, m.Point = point.Mount, point.Dentry
	v.mounts[mountKey{point.Mount, point.Dentry}] = m
	// The moved mounts go last in mount order, as Linux lists them, so
	// that a parent still comes before its children.
	moved := map[*Mount]bool{m: true}
	var kept, tail []*Mount
	for _, c := range v.all {
		if moved[c] || (c.Parent != nil && moved[c.Parent]) {
			moved[c] = true
			tail = append(tail, c)
		} else {
			kept = append(kept, c)
		}
	}
	v.all = append(kept, tail...)
	return nil
}

// Umount removes mount m. It fails with EBUSY if other mounts sit on it,
// unless detach, which takes them too; the root mount never goes (EINVAL).
func (v *VFS) Umount(m *Mount, detach bool) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if m.Parent == nil {
		return unix.EINVAL
	}
	if _, ok := v.mounts[mountKey{m.Parent, m.Point}]; !ok {
		return unix.EINVAL
	}
	gone := map[*Mount]bool{m: true}
	for _, c := range v.propagatedUmountsLocked(m) {
		gone[c] = true
	}
	for changed := true; changed; {
		changed = false
		for _, c := range v.all {
			if !gone[c] && c.Parent != nil && gone[c.Parent] {
				if !detach {
					return unix.EBUSY
				}
				gone[c] = true
				changed = true
			}
		}
	}
	for k, c := range v.mounts {
		if gone[c] {
			delete(v.mounts, k)
		}
	}
	kept := v.all[:0]
	for _, c := range v.all {
		if !gone[c] {
			kept = append(kept, c)
		}
	}
	v.all = kept
	return nil
}
