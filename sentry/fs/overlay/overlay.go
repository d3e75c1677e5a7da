// Package overlay stacks a writable upper filesystem (a tmpfs) over a
// read-only lower one (the gofer's rootfs), as the rootfs overlay that
// keeps the host's files unchanged.
//
// A file that exists only in the lower layer is "copied up" to the upper
// layer, with its parent directories, the first time it is changed: opened
// for writing, truncated, chmod'ed, renamed, linked. Removing a name that
// exists in the lower layer leaves a whiteout, and a directory created
// where the lower layer has a name is opaque: it hides the lower
// directory's entries. A directory present in both layers lists the
// entries of both.
//
// Whiteouts, opaque marks and the lower file each copied-up file came
// from are kept in the overlay's memory, keyed by the upper layer's
// inodes, rather than as special files in the upper layer: the upper layer
// lives in memory too, and so never outlives them.
package overlay

import (
	"sort"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/fs/pipe"
	"github.com/moat-dev/moat/sentry/mm"
	"github.com/moat-dev/moat/sentry/vfs"
)

// upperDirIno marks the inode numbers of directories that exist only in
// the upper layer, so that they cannot collide with lower ones (which
// directories share the overlay's device number with).
const upperDirIno = 1 << 62

// FS is one overlay.
type FS struct {
	dev uint64

	// mu serializes copy-ups and changes to either layer.
	mu sync.Mutex

	// meta guards the maps below, which lookups read.
	meta sync.Mutex
	// whiteouts are the names removed from each upper directory that
	// the lower layer still has.
	whiteouts map[vfs.Inode]map[string]bool
	// opaque marks upper directories that hide the lower directory of
	// the same name.
	opaque map[vfs.Inode]bool
	// origin maps a copied-up upper non-directory to the lower file it
	// came from (whose device and inode number it keeps).
	origin map[vfs.Inode]vfs.Inode
	// nlinkDelta is, for each merged directory's upper inode, how many
	// subdirectories it gained (less those it lost) since copy-up.
	nlinkDelta map[vfs.Inode]int64

	root *Inode

	// lowerStatfs makes statfs report the lower filesystem's figures.
	lowerStatfs bool
}

// ReportLowerStatfs makes statfs report the lower filesystem's capacity
// (the host disk, for the rootfs), less what the upper layer uses and
// bounded by what it has left, instead of the upper layer's.
func (fs *FS) ReportLowerStatfs() { fs.lowerStatfs = true }

// New returns an overlay of upper, a writable directory (a tmpfs root),
// over lower.
func New(upper, lower vfs.Inode) *FS {
	fs := &FS{
		dev:        vfs.NewAnonDev(),
		whiteouts:  make(map[vfs.Inode]map[string]bool),
		opaque:     make(map[vfs.Inode]bool),
		origin:     make(map[vfs.Inode]vfs.Inode),
		nlinkDelta: make(map[vfs.Inode]int64),
	}
	fs.root = &Inode{fs: fs, upper: upper, lower: lower}
	// The root takes the lower root's mode and owner.
	if st, err := lower.Stat(); err == nil {
		if sa, ok := upper.(vfs.Setattrer); ok {
			sa.Setattr(&vfs.SetAttr{Mask: vfs.SetMode | vfs.SetUID | vfs.SetGID | vfs.SetAtime | vfs.SetMtime,
				Mode: st.Mode & 07777, UID: st.UID, GID: st.GID, Atime: st.Atime, Mtime: st.Mtime})
		}
	}
	return fs
}

// Root returns the overlay's root directory.
func (fs *FS) Root() *Inode { return fs.root }

func (fs *FS) isWhiteout(upperDir vfs.Inode, name string) bool {
	if upperDir == nil {
		return false
	}
	fs.meta.Lock()
	defer fs.meta.Unlock()
	return fs.whiteouts[upperDir][name]
}

func (fs *FS) setWhiteout(upperDir vfs.Inode, name string, on bool) {
	fs.meta.Lock()
	defer fs.meta.Unlock()
	w := fs.whiteouts[upperDir]
	if on {
		if w == nil {
			w = make(map[string]bool)
			fs.whiteouts[upperDir] = w
		}
		w[name] = true
	} else if w != nil {
		delete(w, name)
	}
}

func (fs *FS) isOpaque(upperDir vfs.Inode) bool {
	fs.meta.Lock()
	defer fs.meta.Unlock()
	return fs.opaque[upperDir]
}

func (fs *FS) setOpaque(upperDir vfs.Inode) {
	fs.meta.Lock()
	fs.opaque[upperDir] = true
	fs.meta.Unlock()
}

func (fs *FS) originOf(upper vfs.Inode) vfs.Inode {
	fs.meta.Lock()
	defer fs.meta.Unlock()
	return fs.origin[upper]
}

// forget drops what the overlay knows about an upper inode that is gone.
func (fs *FS) forget(upper vfs.Inode) {
	fs.meta.Lock()
	delete(fs.whiteouts, upper)
	delete(fs.opaque, upper)
	delete(fs.nlinkDelta, upper)
	fs.meta.Unlock()
}

// Inode is a file of the overlay: its upper inode, its lower inode, or
// both.
type Inode struct {
	fs *FS

	mu sync.Mutex
	// parent and name locate the file for copy-up; they are only
	// needed while the file has no upper inode, and such a file is
	// never renamed.
	parent *Inode
	name   string
	upper  vfs.Inode
	lower  vfs.Inode
	// lowerNames indexes a directory's lower entries (name to d_type),
	// built on first use by readdir, or by a lookup once lowerMisses
	// lookups of missing names have asked the lower directory: the
	// lower layer does not change, and this answers most lookups of
	// missing names without asking it.
	lowerNames  map[string]uint8
	lowerMisses int
}

// lowerIndexAfter is how many missing names a directory looks up in its
// lower directory before it reads the whole directory to answer the next
// from an index. Reading /usr/bin or /usr/lib/<triplet> (a thousand names
// each) costs more than a few lookups, and starting a program looks up
// names that exist there, which the index does not save.
const lowerIndexAfter = 4

var (
	_ vfs.Inode       = (*Inode)(nil)
	_ vfs.WritableDir = (*Inode)(nil)
	_ vfs.Setattrer   = (*Inode)(nil)
	_ vfs.Xattrs      = (*Inode)(nil)
	_ vfs.Statfser    = (*Inode)(nil)
)

func (in *Inode) layers() (upper, lower vfs.Inode) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.upper, in.lower
}

// top returns the inode that holds the file's current contents.
func (in *Inode) top() vfs.Inode {
	u, l := in.layers()
	if u != nil {
		return u
	}
	return l
}

// Stat implements vfs.Inode.Stat. Directories report the overlay's
// device; files keep the device and inode number of the lower file they
// came from, so that they do not change on copy-up.
func (in *Inode) Stat() (vfs.Stat, error) {
	u, l := in.layers()
	if u == nil {
		st, err := l.Stat()
		if err == nil && st.IsDir() {
			st.Dev = in.fs.dev
		}
		return st, err
	}
	st, err := u.Stat()
	if err != nil {
		return st, err
	}
	if st.IsDir() {
		st.Dev = in.fs.dev
		if l != nil {
			lst, err := l.Stat()
			if err != nil {
				return st, err
			}
			st.Ino = lst.Ino
			st.Size, st.Blocks, st.Blksize = lst.Size, lst.Blocks, lst.Blksize
			// The lower link count, corrected by the subdirectories
			// made and removed since.
			in.fs.meta.Lock()
			n := int64(lst.Nlink) + in.fs.nlinkDelta[u]
			in.fs.meta.Unlock()
			st.Nlink = uint64(max(n, 1))
		} else {
			st.Ino |= upperDirIno
		}
	} else if l != nil {
		lst, err := l.Stat()
		if err != nil {
			return st, err
		}
		st.Dev, st.Ino = lst.Dev, lst.Ino
	}
	return st, nil
}

// adjustNlink records that a merged directory (by its upper inode) gained
// or lost subdirectories. fs.mu must be held.
func (fs *FS) adjustNlink(upperDir vfs.Inode, d int64) {
	fs.meta.Lock()
	fs.nlinkDelta[upperDir] += d
	fs.meta.Unlock()
}

// Statfs implements vfs.Statfser with the upper layer's figures (or the
// lower one's, see ReportLowerStatfs).
func (in *Inode) Statfs() (unix.Statfs_t, error) {
	us, ok := in.fs.root.upper.(vfs.Statfser)
	if !ok {
		return unix.Statfs_t{Bsize: 4096, Frsize: 4096, Namelen: 255}, nil
	}
	ust, err := us.Statfs()
	if err != nil || !in.fs.lowerStatfs {
		return ust, err
	}
	ls, ok := in.fs.root.lower.(vfs.Statfser)
	if !ok {
		return ust, nil
	}
	lst, err := ls.Statfs()
	if err != nil || lst.Bsize <= 0 || ust.Bsize <= 0 {
		return ust, nil
	}
	scale := func(blocks uint64) uint64 { return blocks * uint64(ust.Bsize) / uint64(lst.Bsize) }
	used := scale(ust.Blocks - min(ust.Bfree, ust.Blocks))
	lst.Bfree -= min(used, lst.Bfree)
	lst.Bavail -= min(used, lst.Bavail)
	if ust.Blocks > 0 {
		// What may still be written is bounded by the memory left.
		lst.Bavail = min(lst.Bavail, scale(ust.Bavail))
	}
	return lst, nil
}

// EvictableChildren implements vfs.EvictableChildren. An unused child's
// dentry may be forgotten, because a lookup builds its inode again from
// the layers with the same numbers: the upper layer keeps what the
// sandbox made, and the overlay's maps (keyed by upper inodes) what it
// removed and where copies came from. Forgetting them lets the lower
// layer's inodes go, and with them the gofer's host FDs, which otherwise
// grew with every host file the sandbox opened until the gofer ran out.
func (in *Inode) EvictableChildren() bool { return true }

// Lookup implements vfs.Inode.Lookup.
func (in *Inode) Lookup(name string) (vfs.Inode, error) {
	u, l := in.layers()
	fs := in.fs
	if u != nil {
		cu, err := u.Lookup(name)
		if err == nil {
			child := &Inode{fs: fs, parent: in, name: name, upper: cu}
			cst, err := cu.Stat()
			if err != nil {
				return nil, err
			}
			if !cst.IsDir() {
				child.lower = fs.originOf(cu)
			} else if l != nil && !fs.isOpaque(cu) {
				if cl, err := in.lowerLookup(l, name); err == nil {
					if lst, err := cl.Stat(); err == nil && lst.IsDir() {
						child.lower = cl
					}
				}
			}
			return child, nil
		}
		if err != unix.ENOENT {
			return nil, err
		}
		if fs.isWhiteout(u, name) {
			return nil, unix.ENOENT
		}
	}
	if l == nil {
		return nil, unix.ENOENT
	}
	cl, err := in.lowerLookup(l, name)
	if err != nil {
		return nil, err
	}
	return &Inode{fs: fs, parent: in, name: name, lower: cl}, nil
}

// lowerIndex returns the directory's lower entries by name, or nil if it
// has no lower directory.
func (in *Inode) lowerIndex() (map[string]uint8, error) {
	in.mu.Lock()
	idx, l := in.lowerNames, in.lower
	in.mu.Unlock()
	if idx != nil || l == nil {
		return idx, nil
	}
	ents, err := readdirOf(l)
	if err != nil {
		return nil, err
	}
	idx = make(map[string]uint8, len(ents))
	for _, e := range ents {
		idx[e.Name] = e.Type
	}
	in.mu.Lock()
	in.lowerNames = idx
	in.mu.Unlock()
	return idx, nil
}

// lowerLookup looks name up in the lower directory, answering ENOENT
// from the index when there is one, or when lowerIndexAfter misses call
// for one.
func (in *Inode) lowerLookup(l vfs.Inode, name string) (vfs.Inode, error) {
	in.mu.Lock()
	idx, misses := in.lowerNames, in.lowerMisses
	in.mu.Unlock()
	if idx == nil && misses >= lowerIndexAfter {
		idx, _ = in.lowerIndex()
	}
	if idx != nil {
		if _, ok := idx[name]; !ok {
			return nil, unix.ENOENT
		}
		return l.Lookup(name)
	}
	child, err := l.Lookup(name)
	if err == unix.ENOENT {
		in.mu.Lock()
		in.lowerMisses++
		in.mu.Unlock()
	}
	return child, err
}

// Readlink implements vfs.Inode.Readlink.
func (in *Inode) Readlink() (string, error) { return in.top().Readlink() }

// FIFO returns the pipe of a FIFO whose layer has one (the upper tmpfs).
func (in *Inode) FIFO() *pipe.Pipe {
	if f, ok := in.top().(interface{ FIFO() *pipe.Pipe }); ok {
		return f.FIFO()
	}
	return nil
}

// Open implements vfs.Inode.Open: a regular file opened for writing is
// copied up first.
func (in *Inode) Open(flags int) (vfs.FileImpl, error) {
	st, err := in.Stat()
	if err != nil {
		return nil, err
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		if flags&unix.O_ACCMODE != unix.O_RDONLY {
			return nil, unix.EISDIR
		}
		return &dirFile{in: in}, nil
	case unix.S_IFREG:
		if flags&unix.O_ACCMODE != unix.O_RDONLY || flags&unix.O_TRUNC != 0 {
			size := int64(-1)
			if flags&unix.O_TRUNC != 0 {
				size = 0
			}
			if err := in.copyUp(size); err != nil {
				return nil, err
			}
		}
		impl, err := in.top().Open(flags)
		if err != nil {
			return nil, err
		}
		return &regFile{FileImpl: impl, in: in}, nil
	}
	return in.top().Open(flags)
}

// ---- copy-up ----

// ensureUpper gives a directory an upper directory, copying up its
// ancestors first.
func (in *Inode) ensureUpper() error {
	return in.copyUp(-1)
}

// copyUp gives in an upper inode: a copy of the lower file with its
// metadata, and for regular files its data (only the first size bytes
// if size >= 0). in.fs.mu must not be held.
func (in *Inode) copyUp(size int64) error {
	fs := in.fs
	if u, _ := in.layers(); u != nil {
		return nil
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return in.copyUpLocked(size)
}

func (in *Inode) copyUpLocked(size int64) error {
	fs := in.fs
	u, l := in.layers()
	if u != nil {
		return nil
	}
	p := in.parent
	if p == nil {
		return unix.EIO // the root always has an upper directory
	}
	if err := p.copyUpLocked(-1); err != nil {
		return err
	}
	pu, _ := p.layers()
	wd, ok := pu.(vfs.WritableDir)
	if !ok {
		return unix.EROFS
	}
	st, err := l.Stat()
	if err != nil {
		return err
	}
	// Someone may have copied the file up through another inode
	// object of the same name.
	if cu, err := pu.Lookup(in.name); err == nil {
		in.mu.Lock()
		in.upper = cu
		in.mu.Unlock()
		return nil
	}
	n := vfs.NewNode{Mode: st.Mode, UID: st.UID, GID: st.GID, Rdev: st.Rdev}
	var cu vfs.Inode
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		var impl vfs.FileImpl
		cu, impl, err = wd.Create(in.name, n, unix.O_WRONLY)
		if err != nil {
			return err
		}
		err = copyData(impl, l, st.Size, size)
		impl.Release()
		if err != nil {
			wd.Unlink(in.name, false)
			return err
		}
	case unix.S_IFLNK:
		if n.Target, err = l.Readlink(); err != nil {
			return err
		}
		cu, err = wd.Mknod(in.name, n)
	default:
		cu, err = wd.Mknod(in.name, n)
	}
	if err != nil {
		return err
	}
	// Times last, after the data.
	if sa, ok := cu.(vfs.Setattrer); ok {
		sa.Setattr(&vfs.SetAttr{Mask: vfs.SetMode | vfs.SetAtime | vfs.SetMtime | vfs.SetCtime,
			Mode: st.Mode & 07777, Atime: st.Atime, Mtime: st.Mtime, Ctime: st.Ctime})
	}
	if x, ok := l.(vfs.Xattrs); ok {
		if names, err := x.Listxattr(); err == nil {
			if ux, ok := cu.(vfs.Xattrs); ok {
				for _, name := range names {
					if v, err := x.Getxattr(name); err == nil {
						ux.Setxattr(name, v, 0)
					}
				}
			}
		}
	}
	if !st.IsDir() {
		fs.meta.Lock()
		fs.origin[cu] = l
		fs.meta.Unlock()
	}
	in.mu.Lock()
	in.upper = cu
	in.mu.Unlock()
	return nil
}

// copyData copies the lower file's data into the new upper file: all of
// it, or its first limit bytes if limit >= 0.
func copyData(dst vfs.FileImpl, lower vfs.Inode, size, limit int64) error {
	if limit >= 0 && limit < size {
		size = limit
	}
	if size == 0 {
		return nil
	}
	src, err := lower.Open(unix.O_RDONLY)
	if err != nil {
		return err
	}
	defer src.Release()
	buf := make([]byte, 1<<20)
	var off int64
	for off < size {
		b := buf[:min(int64(len(buf)), size-off)]
		n, err := src.Read(b, off)
		if n > 0 {
			if _, werr := dst.Write(b[:n], off); werr != nil {
				return werr
			}
			off += int64(n)
		}
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
	}
	return nil
}

// ---- metadata ----

// Setattr implements vfs.Setattrer.
func (in *Inode) Setattr(a *vfs.SetAttr) error {
	size := int64(-1)
	if a.Mask&vfs.SetSize != 0 {
		size = a.Size
	}
	if err := in.copyUp(size); err != nil {
		return err
	}
	u, _ := in.layers()
	sa, ok := u.(vfs.Setattrer)
	if !ok {
		return unix.EROFS
	}
	return sa.Setattr(a)
}

// Getxattr implements vfs.Xattrs.
func (in *Inode) Getxattr(name string) ([]byte, error) {
	if x, ok := in.top().(vfs.Xattrs); ok {
		return x.Getxattr(name)
	}
	return nil, unix.ENODATA
}

// Listxattr implements vfs.Xattrs.
func (in *Inode) Listxattr() ([]string, error) {
	if x, ok := in.top().(vfs.Xattrs); ok {
		return x.Listxattr()
	}
	return nil, nil
}

// Setxattr implements vfs.Xattrs.
func (in *Inode) Setxattr(name string, value []byte, flags int) error {
	if err := in.copyUp(-1); err != nil {
		return err
	}
	if x, ok := in.top().(vfs.Xattrs); ok {
		return x.Setxattr(name, value, flags)
	}
	return unix.EOPNOTSUPP
}

// Removexattr implements vfs.Xattrs.
func (in *Inode) Removexattr(name string) error {
	if _, err := in.Getxattr(name); err != nil {
		return err
	}
	if err := in.copyUp(-1); err != nil {
		return err
	}
	if x, ok := in.top().(vfs.Xattrs); ok {
		return x.Removexattr(name)
	}
	return unix.EOPNOTSUPP
}

// ---- directories ----

// upperDir copies the directory up and returns its upper side.
func (in *Inode) upperDir() (vfs.WritableDir, vfs.Inode, error) {
	if err := in.copyUpLocked(-1); err != nil {
		return nil, nil, err
	}
	u, _ := in.layers()
	wd, ok := u.(vfs.WritableDir)
	if !ok {
		return nil, nil, unix.EROFS
	}
	return wd, u, nil
}

// lowerHas reports whether the directory's lower layer has name.
func (in *Inode) lowerHas(name string) bool {
	u, l := in.layers()
	if l == nil || u != nil && in.fs.isOpaque(u) {
		return false
	}
	idx, err := in.lowerIndex()
	if err != nil {
		_, err := l.Lookup(name)
		return err == nil
	}
	_, ok := idx[name]
	return ok
}

// created records that the upper name in dir u is new: a whiteout there
// gives way to it, and a new directory hides a lower one of that name.
func (in *Inode) created(u vfs.Inode, name string, child vfs.Inode, isDir bool) {
	fs := in.fs
	hadLower := in.lowerHas(name)
	fs.setWhiteout(u, name, false)
	if isDir && hadLower {
		fs.setOpaque(child)
	}
}

// Create implements vfs.WritableDir.Create.
func (in *Inode) Create(name string, n vfs.NewNode, flags int) (vfs.Inode, vfs.FileImpl, error) {
	in.fs.mu.Lock()
	defer in.fs.mu.Unlock()
	wd, u, err := in.upperDir()
	if err != nil {
		return nil, nil, err
	}
	cu, impl, err := wd.Create(name, n, flags)
	if err != nil {
		return nil, nil, err
	}
	in.created(u, name, cu, false)
	child := &Inode{fs: in.fs, parent: in, name: name, upper: cu}
	return child, &regFile{FileImpl: impl, in: child}, nil
}

// Tmpfile implements vfs.TmpfileDir in the upper layer.
func (in *Inode) Tmpfile(n vfs.NewNode, flags int, excl bool) (vfs.Inode, vfs.FileImpl, error) {
	in.fs.mu.Lock()
	defer in.fs.mu.Unlock()
	if _, _, err := in.upperDir(); err != nil {
		return nil, nil, err
	}
	u, _ := in.layers()
	td, ok := u.(vfs.TmpfileDir)
	if !ok {
		return nil, nil, unix.EOPNOTSUPP
	}
	cu, impl, err := td.Tmpfile(n, flags, excl)
	if err != nil {
		return nil, nil, err
	}
	child := &Inode{fs: in.fs, upper: cu}
	return child, &regFile{FileImpl: impl, in: child}, nil
}

// Mknod implements vfs.WritableDir.Mknod.
func (in *Inode) Mknod(name string, n vfs.NewNode) (vfs.Inode, error) {
	in.fs.mu.Lock()
	defer in.fs.mu.Unlock()
	wd, u, err := in.upperDir()
	if err != nil {
		return nil, err
	}
	cu, err := wd.Mknod(name, n)
	if err != nil {
		return nil, err
	}
	isDir := n.Mode&unix.S_IFMT == unix.S_IFDIR
	in.created(u, name, cu, isDir)
	if isDir {
		in.fs.adjustNlink(u, 1)
	}
	return &Inode{fs: in.fs, parent: in, name: name, upper: cu}, nil
}

// Link implements vfs.WritableDir.Link.
func (in *Inode) Link(name string, target vfs.Inode) error {
	t, ok := target.(*Inode)
	if !ok || t.fs != in.fs {
		return unix.EXDEV
	}
	in.fs.mu.Lock()
	defer in.fs.mu.Unlock()
	if err := t.copyUpLocked(-1); err != nil {
		return err
	}
	wd, u, err := in.upperDir()
	if err != nil {
		return err
	}
	tu, _ := t.layers()
	if err := wd.Link(name, tu); err != nil {
		return err
	}
	in.created(u, name, tu, false)
	return nil
}

// isEmpty reports whether a directory has no entries in the merged view.
func (in *Inode) isEmpty() (bool, error) {
	ents, err := in.readdir()
	if err != nil {
		return false, err
	}
	return len(ents) == 0, nil
}

// Unlink implements vfs.WritableDir.Unlink.
func (in *Inode) Unlink(name string, rmdir bool) error {
	fs := in.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	ci, err := in.Lookup(name)
	if err != nil {
		return err
	}
	child := ci.(*Inode)
	if rmdir {
		empty, err := child.isEmpty()
		if err != nil {
			return err
		}
		if !empty {
			return unix.ENOTEMPTY
		}
	}
	wd, u, err := in.upperDir()
	if err != nil {
		return err
	}
	hadLower := in.lowerHas(name)
	cu, _ := child.layers()
	if cu != nil {
		if rmdir {
			// The upper directory may hold nothing but what the
			// merged view hides: it is empty in the upper layer.
			if err := wd.Unlink(name, true); err != nil {
				return err
			}
			fs.forget(cu)
		} else if err := wd.Unlink(name, false); err != nil {
			return err
		}
	}
	if hadLower {
		fs.setWhiteout(u, name, true)
	}
	if rmdir {
		fs.adjustNlink(u, -1)
	}
	return nil
}

// hasLowerDir reports whether i is a directory with a lower layer, which
// the overlay cannot rename.
func (i *Inode) hasLowerDir() bool {
	st, err := i.Stat()
	if err != nil || !st.IsDir() {
		return false
	}
	_, l := i.layers()
	return l != nil
}

// Rename implements vfs.WritableDir.Rename. Directories that have a lower
// layer cannot move (EXDEV, as Linux's overlayfs without redirect_dir):
// mv and friends then copy them.
func (in *Inode) Rename(oldName string, newDir vfs.Inode, newName string, flags uint32) error {
	nd, ok := newDir.(*Inode)
	if !ok || nd.fs != in.fs {
		return unix.EXDEV
	}
	fs := in.fs
	fs.mu.Lock()
	defer fs.mu.Unlock()
	si, err := in.Lookup(oldName)
	if err != nil {
		return err
	}
	src := si.(*Inode)
	if src.hasLowerDir() {
		return unix.EXDEV
	}
	var dst *Inode
	if di, err := nd.Lookup(newName); err == nil {
		dst = di.(*Inode)
	} else if err != unix.ENOENT {
		return err
	}
	if dst != nil {
		if flags&vfs.RenameExchange != 0 && dst.hasLowerDir() {
			return unix.EXDEV
		}
		dst0, _ := dst.Stat()
		if dst0.IsDir() && flags&vfs.RenameExchange == 0 {
			empty, err := dst.isEmpty()
			if err != nil {
				return err
			}
			if !empty {
				return unix.ENOTEMPTY
			}
		}
	}
	if err := src.copyUpLocked(-1); err != nil {
		return err
	}
	if dst != nil && flags&vfs.RenameExchange != 0 {
		if err := dst.copyUpLocked(-1); err != nil {
			return err
		}
	}
	owd, ou, err := in.upperDir()
	if err != nil {
		return err
	}
	_, nu, err := nd.upperDir()
	if err != nil {
		return err
	}
	oldHadLower := in.lowerHas(oldName)
	newHadLower := nd.lowerHas(newName)
	su, _ := src.layers()
	sst, _ := su.Stat()
	var du vfs.Inode
	if dst != nil {
		du, _ = dst.layers()
	}
	var replacedUpper vfs.Inode
	if du == nil {
		// The target exists only in the lower layer (or not at
		// all): the upper rename creates the name.
		uflags := flags &^ vfs.RenameExchange
		if err := owd.Rename(oldName, nu, newName, uflags); err != nil {
			return err
		}
	} else {
		if dst != nil && flags&vfs.RenameExchange == 0 {
			replacedUpper = du
		}
		if err := owd.Rename(oldName, nu, newName, flags); err != nil {
			return err
		}
	}
	if replacedUpper != nil {
		if st, err := replacedUpper.Stat(); err == nil && st.IsDir() {
			fs.forget(replacedUpper)
		}
	}
	fs.setWhiteout(nu, newName, false)
	if sst.IsDir() && newHadLower {
		fs.setOpaque(su)
	}
	dstIsDir := false
	if dst != nil {
		if dst0, err := dst.Stat(); err == nil {
			dstIsDir = dst0.IsDir()
		}
	}
	if flags&vfs.RenameExchange != 0 && du != nil {
		if dstIsDir && oldHadLower {
			fs.setOpaque(du)
		}
	} else if oldHadLower {
		fs.setWhiteout(ou, oldName, true)
	}
	// Subdirectory counts.
	if sst.IsDir() {
		fs.adjustNlink(ou, -1)
		fs.adjustNlink(nu, 1)
	}
	if dstIsDir {
		fs.adjustNlink(nu, -1)
		if flags&vfs.RenameExchange != 0 {
			fs.adjustNlink(ou, 1)
		}
	}
	return nil
}

// readdir lists the merged directory.
func (in *Inode) readdir() ([]vfs.Dirent, error) {
	u, l := in.layers()
	fs := in.fs
	var out []vfs.Dirent
	seen := make(map[string]bool)
	if u != nil {
		ents, err := readdirOf(u)
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			seen[e.Name] = true
			// Report the inode number Stat gives.
			if cu, err := u.Lookup(e.Name); err == nil {
				if e.Type == unix.DT_DIR {
					e.Ino |= upperDirIno
					if l != nil && !fs.isOpaque(cu) {
						if idx, _ := in.lowerIndex(); idx[e.Name] == unix.DT_DIR {
							if cl, err := l.Lookup(e.Name); err == nil {
								if lst, err := cl.Stat(); err == nil && lst.IsDir() {
									e.Ino = lst.Ino
								}
							}
						}
					}
				} else if o := fs.originOf(cu); o != nil {
					if ost, err := o.Stat(); err == nil {
						e.Ino = ost.Ino
					}
				}
			}
			out = append(out, e)
		}
	}
	if l != nil && (u == nil || !fs.isOpaque(u)) {
		ents, err := readdirOf(l)
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			if seen[e.Name] || u != nil && fs.isWhiteout(u, e.Name) {
				continue
			}
			out = append(out, e)
		}
	}
	return out, nil
}

func readdirOf(dir vfs.Inode) ([]vfs.Dirent, error) {
	impl, err := dir.Open(unix.O_RDONLY | unix.O_DIRECTORY)
	if err != nil {
		return nil, err
	}
	defer impl.Release()
	dr, ok := impl.(vfs.DirReader)
	if !ok {
		return nil, unix.ENOTDIR
	}
	ents, err := dr.Readdir()
	if err != nil {
		return nil, err
	}
	return append([]vfs.Dirent(nil), ents...), nil
}

type dirFile struct {
	vfs.NoImpl
	vfs.AlwaysReady
	in *Inode
}

func (f *dirFile) Read([]byte, int64) (int, error)  { return 0, unix.EISDIR }
func (f *dirFile) Write([]byte, int64) (int, error) { return 0, unix.EBADF }
func (f *dirFile) Stat() (vfs.Stat, error)          { return f.in.Stat() }
func (f *dirFile) Size() (int64, error)             { return 0, nil }
func (f *dirFile) Sync() error                      { return nil }

// Readdir implements vfs.DirReader.
func (f *dirFile) Readdir() ([]vfs.Dirent, error) {
	ents, err := f.in.readdir()
	if err != nil {
		return nil, err
	}
	// Upper entries come in creation order; keep the lower layer's
	// order after them, which is what a reader sees on Linux too
	// (upper first, then lower).
	_ = sort.Strings
	return ents, nil
}

// regFile is an open regular file of either layer, whose Stat is the
// overlay inode's.
type regFile struct {
	vfs.FileImpl
	vfs.AlwaysReady
	in *Inode
}

func (f *regFile) Stat() (vfs.Stat, error) { return f.in.Stat() }

// ReadThrough implements vfs.ReadThrougher: reads are the layer's file's.
func (f *regFile) ReadThrough() vfs.FileImpl { return f.FileImpl }

// Size implements vfs.Seekable.
func (f *regFile) Size() (int64, error) {
	if s, ok := f.FileImpl.(vfs.Seekable); ok {
		return s.Size()
	}
	st, err := f.FileImpl.Stat()
	return st.Size, err
}

// Mappable implements vfs.Mapper.
func (f *regFile) Mappable() (mm.Mappable, error) {
	if m, ok := f.FileImpl.(vfs.Mapper); ok {
		return m.Mappable()
	}
	return nil, unix.ENODEV
}

// Sync implements vfs.Syncer.
func (f *regFile) Sync() error {
	if s, ok := f.FileImpl.(vfs.Syncer); ok {
		return s.Sync()
	}
	return nil
}

// Allocate implements vfs.Allocator.
func (f *regFile) Allocate(mode uint32, off, length int64) error {
	if a, ok := f.FileImpl.(vfs.Allocator); ok {
		return a.Allocate(mode, off, length)
	}
	return unix.EOPNOTSUPP
}
