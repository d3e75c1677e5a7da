// Package tmpfs is the sentry's in-memory filesystem: /tmp, /dev/shm,
// mount -t tmpfs, and the upper layer of the rootfs overlay.
//
// A regular file's data is a set of memory-file pages, one per 4 KiB of
// the file, allocated on first write (holes read as zeros). read(2),
// write(2) and page faults of mappings all use those same pages, so a
// MAP_SHARED mapping and the file's contents are one and the same memory.
package tmpfs

import (
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/fs/pipe"
	"github.com/moat-dev/moat/sentry/memfile"
	"github.com/moat-dev/moat/sentry/mm"
	"github.com/moat-dev/moat/sentry/vfs"
)

const pageSize = memfile.PageSize

// Magic is TMPFS_MAGIC, statfs's f_type.
const Magic = 0x01021994

// bogoDirentSize is what each entry adds to a directory's st_size, as in
// Linux's shmem.
const bogoDirentSize = 20

// Options are a tmpfs's mount options.
type Options struct {
	// Size bounds the data, in bytes; 0 is unlimited.
	Size uint64
	// NrInodes bounds the number of inodes; 0 is unlimited.
	NrInodes uint64
	// Mode, UID and GID are the root directory's.
	Mode     uint32
	UID, GID uint32
}

// ParseOptions parses mount options such as "size=64m,mode=1777". Options
// tmpfs does not know, and the generic ones (nosuid, nodev, ...), are
// ignored. totalMem is what size=N% is a percentage of.
func ParseOptions(opts []string, totalMem uint64) (Options, error) {
	o := Options{Mode: 0o1777}
	for _, opt := range opts {
		k, v, _ := strings.Cut(opt, "=")
		switch k {
		case "size":
			n, err := parseSize(v, totalMem)
			if err != nil {
				return o, err
			}
			o.Size = (n + pageSize - 1) &^ (pageSize - 1)
		case "nr_blocks":
			n, err := parseSize(v, 0)
			if err != nil {
				return o, err
			}
			o.Size = n * pageSize
		case "nr_inodes":
			n, err := parseSize(v, 0)
			if err != nil {
				return o, err
			}
			o.NrInodes = n
		case "mode":
			m, err := strconv.ParseUint(v, 8, 32)
			if err != nil || m > 0o7777 {
				return o, unix.EINVAL
			}
			o.Mode = uint32(m)
		case "uid", "gid":
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return o, unix.EINVAL
			}
			if k == "uid" {
				o.UID = uint32(n)
			} else {
				o.GID = uint32(n)
			}
		}
	}
	return o, nil
}

// parseSize parses a number with an optional k, m, g, t suffix, or a
// percentage of total.
func parseSize(s string, total uint64) (uint64, error) {
	if s == "" {
		return 0, unix.EINVAL
	}
	mult := uint64(1)
	switch s[len(s)-1] {
	case 'k', 'K':
		mult = 1 << 10
	case 'm', 'M':
		mult = 1 << 20
	case 'g', 'G':
		mult = 1 << 30
	case 't', 'T':
		mult = 1 << 40
	case '%':
		if total == 0 {
			return 0, unix.EINVAL
		}
		n, err := strconv.ParseUint(s[:len(s)-1], 10, 64)
		if err != nil {
			return 0, unix.EINVAL
		}
		return total / pageSize * n / 100 * pageSize, nil
	}
	if mult != 1 {
		s = s[:len(s)-1]
	}
	n, err := strconv.ParseUint(s, 0, 64)
	if err != nil {
		return 0, unix.EINVAL
	}
	return n * mult, nil
}

// FS is one tmpfs instance.
type FS struct {
	mf       *memfile.File
	dev      uint64
	maxPages int64 // 0: unlimited
	maxInos  int64
	pages    atomic.Int64
	inodes   atomic.Int64
	nextIno  atomic.Uint64
	root     *Inode
}

// New returns a tmpfs using memory from mf.
func New(mf *memfile.File, o Options) *FS {
	fs := &FS{mf: mf, dev: vfs.NewAnonDev(), maxPages: int64(o.Size / pageSize), maxInos: int64(o.NrInodes)}
	fs.root = fs.newInode(vfs.NewNode{Mode: unix.S_IFDIR | o.Mode&07777, UID: o.UID, GID: o.GID})
	fs.root.nlink = 2
	return fs
}

// Root returns the root directory.
func (fs *FS) Root() *Inode { return fs.root }

// Dev returns the filesystem's device number.
func (fs *FS) Dev() uint64 { return fs.dev }

func (fs *FS) newInode(n vfs.NewNode) *Inode {
	now := vfs.Now()
	in := &Inode{
		fs: fs, ino: fs.nextIno.Add(1), mode: n.Mode, uid: n.UID, gid: n.GID, rdev: n.Rdev,
		nlink: 1, atime: now, mtime: now, ctime: now, btime: now,
	}
	switch n.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		in.ents = make(map[string]*dent)
		in.nlink = 2
	case unix.S_IFLNK:
		in.target = n.Target
	case unix.S_IFIFO:
		in.pipe = pipe.NewFIFO(0)
		in.pipe.SetOwner(n.UID, n.GID)
	case unix.S_IFREG:
		in.pages = make(map[uint64]uint64)
	}
	fs.inodes.Add(1)
	return in
}

func (fs *FS) reserveInode() error {
	if fs.maxInos > 0 && fs.inodes.Load() >= fs.maxInos {
		return unix.ENOSPC
	}
	return nil
}

// allocPage returns a new zeroed page, within the size limit.
func (fs *FS) allocPage() (uint64, error) {
	if fs.maxPages > 0 {
		if fs.pages.Add(1) > fs.maxPages {
			fs.pages.Add(-1)
			return 0, unix.ENOSPC
		}
	} else {
		fs.pages.Add(1)
	}
	off, err := fs.mf.Allocate(1)
	if err != nil {
		fs.pages.Add(-1)
		return 0, unix.ENOSPC
	}
	return off, nil
}

func (fs *FS) freePages(offs []uint64) {
	if len(offs) == 0 {
		return
	}
	fs.pages.Add(-int64(len(offs)))
	fs.mf.DecRef(offs...)
}

// Statfs implements vfs.Statfser.
func (fs *FS) Statfs() (unix.Statfs_t, error) {
	st := unix.Statfs_t{Type: Magic, Bsize: pageSize, Frsize: pageSize, Namelen: 255}
	if fs.maxPages > 0 {
		used := uint64(fs.pages.Load())
		st.Blocks = uint64(fs.maxPages)
		if used < st.Blocks {
			st.Bfree = st.Blocks - used
		}
		st.Bavail = st.Bfree
	}
	if fs.maxInos > 0 {
		st.Files = uint64(fs.maxInos)
		if u := uint64(fs.inodes.Load()); u < st.Files {
			st.Ffree = st.Files - u
		}
	}
	st.Fsid.Val[0] = int32(fs.dev)
	return st, nil
}

type dent struct {
	in  *Inode
	seq uint64
}

// Inode is a tmpfs file. It implements vfs.Inode, vfs.WritableDir (for
// directories), vfs.Setattrer, vfs.Xattrs and vfs.Statfser.
type Inode struct {
	fs  *FS
	ino uint64

	mu                  sync.Mutex
	mode                uint32
	uid, gid            uint32
	nlink               uint32
	rdev                uint64
	atime, mtime, ctime vfs.Timespec
	xattrs              map[string][]byte

	// Directories.
	ents map[string]*dent
	seq  uint64

	// Regular files: page index to memory-file offset, and the size.
	pages map[uint64]uint64
	size  int64
	opens int
	// maps counts the mappings of the file (mm.MappingRefs): while
	// there are any, its pages stay, even past its end or with no name
	// and no open file.
	maps int
	// btime is the birth time, for statx.
	btime vfs.Timespec
	// mappers are the memory managers that mapped the file, told to
	// drop their pages past the end when it shrinks.
	mappers map[*mm.MemoryManager]struct{}
	// linkable marks an O_TMPFILE file that may be given a name.
	linkable bool
	// seals are the file seals added (see seals.go); sealable clears
	// the initial F_SEAL_SEAL.
	seals    uint32
	sealable bool

	target string     // symlinks
	pipe   *pipe.Pipe // FIFOs
	// Endpoint is what a bound unix socket left at a socket node.
	Endpoint any
}

var (
	_ vfs.Inode       = (*Inode)(nil)
	_ vfs.WritableDir = (*Inode)(nil)
	_ vfs.Setattrer   = (*Inode)(nil)
	_ vfs.Xattrs      = (*Inode)(nil)
)

func (in *Inode) isDir() bool { return in.mode&unix.S_IFMT == unix.S_IFDIR }
func (in *Inode) isReg() bool { return in.mode&unix.S_IFMT == unix.S_IFREG }

// Ino returns the inode number.
func (in *Inode) Ino() uint64 { return in.ino }

// FS returns the inode's filesystem.
func (in *Inode) FS() *FS { return in.fs }

// Stat implements vfs.Inode.Stat.
func (in *Inode) Stat() (vfs.Stat, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.statLocked(), nil
}

func (in *Inode) statLocked() vfs.Stat {
	st := vfs.Stat{
		Dev: in.fs.dev, Ino: in.ino, Nlink: uint64(in.nlink), Mode: in.mode, UID: in.uid, GID: in.gid,
		Rdev: in.rdev, Blksize: pageSize, Atime: in.atime, Mtime: in.mtime, Ctime: in.ctime, Btime: in.btime,
	}
	switch in.mode & unix.S_IFMT {
	case unix.S_IFREG:
		st.Size = in.size
		st.Blocks = int64(len(in.pages)) * (pageSize / 512)
	case unix.S_IFDIR:
		st.Size = int64(len(in.ents)+2) * bogoDirentSize
	case unix.S_IFLNK:
		st.Size = int64(len(in.target))
	}
	return st
}

// Statfs implements vfs.Statfser.
func (in *Inode) Statfs() (unix.Statfs_t, error) { return in.fs.Statfs() }

// Lookup implements vfs.Inode.Lookup.
func (in *Inode) Lookup(name string) (vfs.Inode, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if !in.isDir() {
		return nil, unix.ENOTDIR
	}
	d, ok := in.ents[name]
	if !ok {
		return nil, unix.ENOENT
	}
	return d.in, nil
}

// Readlink implements vfs.Inode.Readlink.
func (in *Inode) Readlink() (string, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.mode&unix.S_IFMT != unix.S_IFLNK {
		return "", unix.EINVAL
	}
	in.atime = vfs.Now()
	return in.target, nil
}

// FIFO returns a FIFO's pipe, or nil.
func (in *Inode) FIFO() *pipe.Pipe { return in.pipe }

// Open implements vfs.Inode.Open.
func (in *Inode) Open(flags int) (vfs.FileImpl, error) {
	switch in.mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return &dirFile{in: in}, nil
	case unix.S_IFREG:
		in.mu.Lock()
		in.opens++
		in.mu.Unlock()
		return &regFile{in: in}, nil
	case unix.S_IFLNK:
		return nil, unix.ELOOP
	case unix.S_IFIFO:
		return in.pipe.OpenEnd(flags), nil
	}
	if in.mode&unix.S_IFMT == unix.S_IFCHR {
		if open := vfs.CharDevice(in.rdev); open != nil {
			return open(flags, in.Stat)
		}
	}
	// Sockets cannot be opened; device nodes without a driver in the
	// sentry neither.
	return nil, unix.ENXIO
}

// touch sets the given times to now. in.mu must be held.
func (in *Inode) touchLocked(m, c bool) {
	now := vfs.Now()
	if m {
		in.mtime = now
	}
	if c {
		in.ctime = now
	}
}

// ---- directories ----

func (in *Inode) addLocked(name string, child *Inode) {
	in.seq++
	in.ents[name] = &dent{in: child, seq: in.seq}
	if child.isDir() {
		in.nlink++
	}
	in.touchLocked(true, true)
}

// Create implements vfs.WritableDir.Create.
func (in *Inode) Create(name string, n vfs.NewNode, flags int) (vfs.Inode, vfs.FileImpl, error) {
	child, err := in.mknod(name, n)
	if err != nil {
		return nil, nil, err
	}
	impl, err := child.Open(flags)
	if err != nil {
		return nil, nil, err
	}
	return child, impl, nil
}

// Mknod implements vfs.WritableDir.Mknod.
func (in *Inode) Mknod(name string, n vfs.NewNode) (vfs.Inode, error) {
	return in.mknod(name, n)
}

func (in *Inode) mknod(name string, n vfs.NewNode) (*Inode, error) {
	if err := in.fs.reserveInode(); err != nil {
		return nil, err
	}
	switch n.Mode & unix.S_IFMT {
	case unix.S_IFREG, unix.S_IFDIR, unix.S_IFLNK, unix.S_IFIFO, unix.S_IFSOCK, unix.S_IFCHR, unix.S_IFBLK:
	default:
		return nil, unix.EINVAL
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if !in.isDir() {
		return nil, unix.ENOTDIR
	}
	if in.nlink == 0 {
		return nil, unix.ENOENT
	}
	if _, ok := in.ents[name]; ok {
		return nil, unix.EEXIST
	}
	child := in.fs.newInode(n)
	in.addLocked(name, child)
	return child, nil
}

// Link implements vfs.WritableDir.Link.
func (in *Inode) Link(name string, target vfs.Inode) error {
	t, ok := target.(*Inode)
	if !ok || t.fs != in.fs {
		return unix.EXDEV
	}
	if t.isDir() {
		return unix.EPERM
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if _, ok := in.ents[name]; ok {
		return unix.EEXIST
	}
	t.mu.Lock()
	if t.nlink == 0 {
		if !t.linkable {
			t.mu.Unlock()
			return unix.ENOENT
		}
		t.linkable = false
		in.fs.inodes.Add(1)
	} else {
		// As in Linux's tmpfs, every extra name counts against
		// nr_inodes.
		if err := in.fs.reserveInode(); err != nil {
			t.mu.Unlock()
			return err
		}
		in.fs.inodes.Add(1)
	}
	t.nlink++
	t.touchLocked(false, true)
	t.mu.Unlock()
	in.addLocked(name, t)
	return nil
}

// Unlink implements vfs.WritableDir.Unlink.
func (in *Inode) Unlink(name string, rmdir bool) error {
	in.mu.Lock()
	d, ok := in.ents[name]
	if !ok {
		in.mu.Unlock()
		return unix.ENOENT
	}
	child := d.in
	if child.isDir() != rmdir {
		in.mu.Unlock()
		if rmdir {
			return unix.ENOTDIR
		}
		return unix.EISDIR
	}
	if rmdir {
		child.mu.Lock()
		empty := len(child.ents) == 0
		child.mu.Unlock()
		if !empty {
			in.mu.Unlock()
			return unix.ENOTEMPTY
		}
		in.nlink--
	}
	delete(in.ents, name)
	in.touchLocked(true, true)
	in.mu.Unlock()
	child.dropLink(rmdir)
	return nil
}

// dropLink removes one name of in.
func (in *Inode) dropLink(dir bool) {
	in.mu.Lock()
	extra := !dir && in.nlink > 1
	if dir {
		in.nlink = 0
	} else if in.nlink > 0 {
		in.nlink--
	}
	in.touchLocked(false, true)
	dead := in.nlink == 0
	in.mu.Unlock()
	if extra {
		in.fs.inodes.Add(-1)
	}
	if dead {
		in.fs.inodes.Add(-1)
		in.maybeFree()
	}
}

// maybeFree frees a regular file's pages once it has no name, no open
// file and no mapping.
func (in *Inode) maybeFree() {
	in.mu.Lock()
	if !in.isReg() || in.nlink != 0 || in.opens != 0 || in.maps != 0 {
		in.mu.Unlock()
		return
	}
	offs := make([]uint64, 0, len(in.pages))
	for _, off := range in.pages {
		offs = append(offs, off)
	}
	in.pages = make(map[uint64]uint64)
	in.mu.Unlock()
	in.fs.freePages(offs)
}

// Rename implements vfs.WritableDir.Rename.
func (in *Inode) Rename(oldName string, newDir vfs.Inode, newName string, flags uint32) error {
	nd, ok := newDir.(*Inode)
	if !ok || nd.fs != in.fs {
		return unix.EXDEV
	}
	replaced, err := in.rename(oldName, nd, newName, flags)
	if replaced != nil {
		replaced.dropLink(replaced.isDir())
	}
	return err
}

func (in *Inode) rename(oldName string, nd *Inode, newName string, flags uint32) (*Inode, error) {
	// Lock the directories in a fixed order.
	first, second := in, nd
	if first.ino > second.ino {
		first, second = second, first
	}
	first.mu.Lock()
	defer first.mu.Unlock()
	if second != first {
		second.mu.Lock()
		defer second.mu.Unlock()
	}
	od, ok := in.ents[oldName]
	if !ok {
		return nil, unix.ENOENT
	}
	if nd.nlink == 0 {
		return nil, unix.ENOENT
	}
	rd := nd.ents[newName]
	src := od.in
	if flags&vfs.RenameExchange != 0 {
		if rd == nil {
			return nil, unix.ENOENT
		}
		dst := rd.in
		in.ents[oldName], nd.ents[newName] = rd, od
		if in != nd && src.isDir() != dst.isDir() {
			if src.isDir() {
				in.nlink--
				nd.nlink++
			} else {
				in.nlink++
				nd.nlink--
			}
		}
		in.touchLocked(true, true)
		nd.touchLocked(true, true)
		src.touch(false, true)
		dst.touch(false, true)
		return nil, nil
	}
	if rd != nil && flags&vfs.RenameNoreplace != 0 {
		return nil, unix.EEXIST
	}
	var replaced *Inode
	if rd != nil {
		replaced = rd.in
		if replaced == src {
			return nil, nil
		}
		if replaced.isDir() {
			if !src.isDir() {
				return nil, unix.EISDIR
			}
			replaced.mu.Lock()
			empty := len(replaced.ents) == 0
			replaced.mu.Unlock()
			if !empty {
				return nil, unix.ENOTEMPTY
			}
			nd.nlink--
		} else if src.isDir() {
			return nil, unix.ENOTDIR
		}
	}
	delete(in.ents, oldName)
	if src.isDir() {
		in.nlink--
	}
	nd.seq++
	nd.ents[newName] = &dent{in: src, seq: nd.seq}
	if src.isDir() {
		nd.nlink++
	}
	in.touchLocked(true, true)
	nd.touchLocked(true, true)
	src.touch(false, true)
	return replaced, nil
}

func (in *Inode) touch(m, c bool) {
	in.mu.Lock()
	in.touchLocked(m, c)
	in.mu.Unlock()
}

// Readdir returns the entries in creation order.
func (in *Inode) readdir() []vfs.Dirent {
	in.mu.Lock()
	ents := make([]*dent, 0, len(in.ents))
	names := make(map[*dent]string, len(in.ents))
	for name, d := range in.ents {
		ents = append(ents, d)
		names[d] = name
	}
	in.atime = vfs.Now()
	in.mu.Unlock()
	sort.Slice(ents, func(i, j int) bool { return ents[i].seq < ents[j].seq })
	out := make([]vfs.Dirent, 0, len(ents))
	for _, d := range ents {
		d.in.mu.Lock()
		typ := uint8(d.in.mode & unix.S_IFMT >> 12)
		d.in.mu.Unlock()
		out = append(out, vfs.Dirent{Ino: d.in.ino, Type: typ, Name: names[d]})
	}
	return out
}

// IsEmptyDir reports whether in is a directory with no entries.
func (in *Inode) IsEmptyDir() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.isDir() && len(in.ents) == 0
}

// ---- metadata ----

// Setattr implements vfs.Setattrer.
func (in *Inode) Setattr(a *vfs.SetAttr) error {
	if a.Mask&vfs.SetSize != 0 {
		if in.isDir() {
			return unix.EISDIR
		}
		if !in.isReg() {
			return unix.EINVAL
		}
		if a.Size < 0 {
			return unix.EINVAL
		}
		if err := in.truncate(a.Size); err != nil {
			return err
		}
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if a.Mask&vfs.SetMode != 0 {
		in.mode = in.mode&unix.S_IFMT | a.Mode&07777
	}
	if a.Mask&vfs.SetUID != 0 {
		in.uid = a.UID
	}
	if a.Mask&vfs.SetGID != 0 {
		in.gid = a.GID
	}
	if a.Mask&vfs.SetAtime != 0 {
		in.atime = a.Atime
	}
	if a.Mask&vfs.SetMtime != 0 {
		in.mtime = a.Mtime
	}
	if a.Mask&vfs.SetCtime != 0 {
		in.ctime = a.Ctime
	} else if a.Mask != 0 {
		in.ctime = vfs.Now()
	}
	return nil
}

// ---- extended attributes ----

// Getxattr implements vfs.Xattrs.
func (in *Inode) Getxattr(name string) ([]byte, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	v, ok := in.xattrs[name]
	if !ok {
		return nil, unix.ENODATA
	}
	return v, nil
}

// Setxattr implements vfs.Xattrs.
func (in *Inode) Setxattr(name string, value []byte, flags int) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	_, ok := in.xattrs[name]
	if flags&unix.XATTR_CREATE != 0 && ok {
		return unix.EEXIST
	}
	if flags&unix.XATTR_REPLACE != 0 && !ok {
		return unix.ENODATA
	}
	if in.xattrs == nil {
		in.xattrs = make(map[string][]byte)
	}
	in.xattrs[name] = append([]byte(nil), value...)
	in.touchLocked(false, true)
	return nil
}

// Listxattr implements vfs.Xattrs.
func (in *Inode) Listxattr() ([]string, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	names := make([]string, 0, len(in.xattrs))
	for n := range in.xattrs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// Removexattr implements vfs.Xattrs.
func (in *Inode) Removexattr(name string) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if _, ok := in.xattrs[name]; !ok {
		return unix.ENODATA
	}
	delete(in.xattrs, name)
	in.touchLocked(false, true)
	return nil
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
func (f *dirFile) Readdir() ([]vfs.Dirent, error) { return f.in.readdir(), nil }
