// Package gofer is the sentry side of the gofer filesystem: inodes whose
// metadata comes from the gofer process and whose contents are read and
// written through host FDs the gofer donates.
//
// Every change to the tree goes through the sentry, so metadata is cached:
// it is fetched again only after the sentry itself changed the file. The
// size and times of a regular file with an open host FD come from fstat of
// that FD, which follows writes.
package gofer

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unsafe"
	"weak"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/gofer/client"
	"github.com/moat-dev/moat/gofer/proto"
	"github.com/moat-dev/moat/sentry/fs/pipe"
	"github.com/moat-dev/moat/sentry/memfile"
	"github.com/moat-dev/moat/sentry/mm"
	"github.com/moat-dev/moat/sentry/vfs"
)

// FS is a filesystem served by one gofer.
type FS struct {
	c  *client.Client
	mf *memfile.File
	// unchanging is set when nothing but the sentry changes the host
	// tree while the sandbox runs (the rootfs under the overlay, which
	// also indexes its directories once): an inode's attributes then
	// stay cached until the sentry changes the file, instead of being
	// read from the host on every stat of an open file.
	unchanging bool
}

// DentryBudget is how many unused dentries of gofer files the sentry may
// keep (vfs.MaxEvictableDentries): the gofer holds a host FD for each FID,
// and for the directories above it, and raises its RLIMIT_NOFILE to the
// hard limit that it shares with the sentry. A quarter of that leaves room
// for open files and for dentries not yet collected.
func DentryBudget() int {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil || lim.Max > 1<<30 {
		return vfs.MaxEvictableDentries
	}
	return max(int(lim.Max/4), 64)
}

// SetUnchanging marks the tree of root, a gofer root from New, as one
// that only the sentry changes (see FS.unchanging). Roots attached with
// AttachMount, host directories bound into the sandbox, are not.
func SetUnchanging(root vfs.Inode) {
	if ri, ok := root.(*inode); ok {
		ri.fs.unchanging = true
	}
}

// New attaches to the gofer on the connected socket fd and returns the
// root inode.
func New(fd int, mf *memfile.File) (vfs.Inode, error) {
	fs := &FS{c: client.New(fd), mf: mf}
	fid, st, err := fs.c.Attach()
	if err != nil {
		return nil, err
	}
	return fs.newInode(fid, st), nil
}

func (fs *FS) newInode(fid client.FID, st client.Stat) *inode {
	return fs.track(&inode{fs: fs, fid: fid, st: convertStat(st), roFD: -1, rwFD: -1})
}

// track gives back the inode's FID, if it has one, once the sentry
// forgets the inode: the gofer holds a host FD for each FID.
func (fs *FS) track(i *inode) *inode {
	runtime.SetFinalizer(i, func(i *inode) {
		if i.fid != 0 {
			go i.fs.c.Clunk(i.fid)
		}
	})
	return i
}

// lazyChild returns an inode for dir's entry name, known by its stat,
// without a FID: the one still in use for that file if there is one (its
// dentry was evicted while it is open or mapped), so that a file has one
// inode and one page cache.
func (i *inode) lazyChildLocked(name string, st vfs.Stat) *inode {
	if k, ok := i.kids[name]; ok && k.dev == st.Dev && k.ino == st.Ino {
		if c := k.w.Value(); c != nil {
			return c
		}
	}
	c := i.fs.track(&inode{fs: i.fs, parent: i, name: name, st: st, roFD: -1, rwFD: -1})
	i.setKidLocked(name, c, st)
	return c
}

// kid is what a directory remembers of a child inode it handed out. The
// record is weak: it must not keep a child alive that the dentry cache
// forgot.
type kid struct {
	w        weak.Pointer[inode]
	dev, ino uint64
}

// setKidLocked records c, whose stat is st, as the child name of i.
func (i *inode) setKidLocked(name string, c *inode, st vfs.Stat) {
	if i.kids == nil {
		i.kids = make(map[string]kid)
	}
	i.kids[name] = kid{w: weak.Make(c), dev: st.Dev, ino: st.Ino}
	runtime.AddCleanup(c, func(k kidName) {
		k.dir.mu.Lock()
		if w, ok := k.dir.kids[k.name]; ok && w.w.Value() == nil {
			delete(k.dir.kids, k.name)
		}
		k.dir.mu.Unlock()
	}, kidName{i, name})
}

type kidName struct {
	dir  *inode
	name string
}

// EvictableChildren implements vfs.EvictableChildren: the host tree is
// the truth, so unused dentries may be forgotten and looked up again.
func (i *inode) EvictableChildren() bool { return true }

// getFID returns the inode's FID, walking to it from its parent first if
// it has none. ESTALE if its name now names another file.
func (i *inode) getFID() (client.FID, error) {
	i.mu.Lock()
	if i.fid != 0 {
		f := i.fid
		i.mu.Unlock()
		return f, nil
	}
	p, name, want := i.parent, i.name, i.st
	i.mu.Unlock()
	if p == nil {
		return 0, unix.EIO
	}
	pfid, err := p.getFID()
	if err != nil {
		return 0, err
	}
	fids, stats, err := i.fs.c.Walk(pfid, []string{name})
	if err != nil || len(fids) != 1 {
		for _, f := range fids {
			i.fs.c.Clunk(f)
		}
		if err == nil {
			err = unix.EIO
		}
		return 0, err
	}
	if stats[0].Dev != want.Dev || stats[0].Ino != want.Ino {
		i.fs.c.Clunk(fids[0])
		return 0, unix.ESTALE
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.fid != 0 {
		i.fs.c.Clunk(fids[0])
		return i.fid, nil
	}
	i.fid = fids[0]
	return i.fid, nil
}

func convertStat(s client.Stat) vfs.Stat {
	return vfs.Stat{
		Dev: s.Dev, Ino: s.Ino, Nlink: s.Nlink, Mode: s.Mode, UID: s.UID, GID: s.GID,
		Rdev: s.Rdev, Size: s.Size, Blksize: s.Blksize, Blocks: s.Blocks,
		Atime: vfs.Timespec{Sec: s.Atime.Sec, Nsec: s.Atime.Nsec},
		Mtime: vfs.Timespec{Sec: s.Mtime.Sec, Nsec: s.Mtime.Nsec},
		Ctime: vfs.Timespec{Sec: s.Ctime.Sec, Nsec: s.Ctime.Nsec},
	}
}

func hostStat(st *unix.Stat_t) vfs.Stat {
	return vfs.Stat{
		Dev: st.Dev, Ino: st.Ino, Nlink: uint64(st.Nlink), Mode: st.Mode, UID: st.Uid, GID: st.Gid,
		Rdev: st.Rdev, Size: st.Size, Blksize: int64(st.Blksize), Blocks: st.Blocks,
		Atime: vfs.Timespec{Sec: st.Atim.Sec, Nsec: st.Atim.Nsec},
		Mtime: vfs.Timespec{Sec: st.Mtim.Sec, Nsec: st.Mtim.Nsec},
		Ctime: vfs.Timespec{Sec: st.Ctim.Sec, Nsec: st.Ctim.Nsec},
	}
}

// inode is a file on the gofer. An inode found through a directory
// listing has no FID until something needs one (open, readlink, a change):
// its parent and name say where to walk.
type inode struct {
	fs *FS

	mu sync.Mutex
	// fid is 0 until the file is walked to.
	fid    client.FID
	parent *inode
	name   string
	st     vfs.Stat
	// stale is set when the sentry changed the file: the next Stat asks
	// the gofer.
	stale bool
	// Shared host FDs, opened on demand: read-only, and read-write for
	// files opened for writing. opens counts the open files using each.
	roFD, rwFD     int
	roOpen, rwOpen int
	target         *string
	cache          *fileCache
	// Directories: the listing, the metadata of its entries (fetched in
	// batches the first time a name is looked up after a listing), and
	// the children handed out without a FID, whose names a rename moves.
	dirents    []vfs.Dirent
	childStats map[string]vfs.Stat
	// listedLookups counts lookups since the listing was read.
	listedLookups int
	kids          map[string]kid
	// pipe is a FIFO's, made on first use (see FIFO).
	pipe *pipe.Pipe
}

var (
	_ vfs.Inode       = (*inode)(nil)
	_ vfs.WritableDir = (*inode)(nil)
	_ vfs.Setattrer   = (*inode)(nil)
	_ vfs.Statfser    = (*inode)(nil)
)

// Stat implements vfs.Inode.Stat.
func (i *inode) Stat() (vfs.Stat, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	fresh := !i.fs.unchanging || i.stale || i.rwFD >= 0
	if fd := i.anyFDLocked(); fd >= 0 && fresh {
		var hst unix.Stat_t
		if err := unix.Fstat(fd, &hst); err == nil {
			i.st, i.stale = hostStat(&hst), false
			return i.st, nil
		}
	}
	if i.stale {
		i.mu.Unlock()
		fid, err := i.getFID()
		i.mu.Lock()
		if err != nil {
			return vfs.Stat{}, err
		}
		s, err := i.fs.c.Stat(fid)
		if err != nil {
			return vfs.Stat{}, err
		}
		i.st, i.stale = convertStat(s), false
	}
	return i.st, nil
}

func (i *inode) anyFDLocked() int {
	if i.rwFD >= 0 {
		return i.rwFD
	}
	return i.roFD
}

func (i *inode) isDir() bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.st.IsDir()
}

// InvalidateStat implements vfs.StatInvalidator.
func (i *inode) InvalidateStat() { i.changed() }

// changed marks the inode's metadata as out of date.
func (i *inode) changed() {
	i.mu.Lock()
	i.stale = true
	i.mu.Unlock()
}

// dirChanged marks a directory whose entries changed.
func (i *inode) dirChanged() {
	i.mu.Lock()
	i.stale = true
	i.dirents = nil
	i.childStats = nil
	i.mu.Unlock()
}

// Lookup implements vfs.Inode.Lookup. Names are stat'ed without walking:
// one at a time, or all the entries of a listed directory at once after
// a few lookups in it.
func (i *inode) Lookup(name string) (vfs.Inode, error) {
	if !i.isDir() {
		return nil, unix.ENOTDIR
	}
	i.mu.Lock()
	if i.childStats == nil && i.dirents != nil {
		// Fetch the metadata of the whole listing once lookups in it
		// are many (ls -l); before, one name costs one StatAt, not a
		// stat of every entry (running /usr/bin/true from /usr/bin's
		// thousand entries).
		if i.listedLookups++; i.listedLookups > batchStatAfter {
			ents := i.dirents
			i.mu.Unlock()
			i.statListing(ents)
			i.mu.Lock()
		}
	}
	if i.childStats != nil {
		defer i.mu.Unlock()
		if st, ok := i.childStats[name]; ok {
			return i.lazyChildLocked(name, st), nil
		}
		return nil, unix.ENOENT
	}
	i.mu.Unlock()
	fid, err := i.getFID()
	if err != nil {
		return nil, err
	}
	stats, errs, err := i.fs.c.StatAt(fid, []string{name})
	if err != nil {
		return nil, err
	}
	if errs[0] != nil {
		return nil, errs[0]
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.lazyChildLocked(name, convertStat(stats[0])), nil
}

// batchStatAfter is how many lookups in a listed directory go to the
// gofer one by one before the whole listing's metadata is fetched.
const batchStatAfter = 8

// statListing fetches the metadata of every entry of the listing ents.
func (i *inode) statListing(ents []vfs.Dirent) {
	fid, err := i.getFID()
	if err != nil {
		return
	}
	all := make(map[string]vfs.Stat, len(ents))
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name)
	}
	for len(names) > 0 {
		batch := names[:min(len(names), 256)]
		names = names[len(batch):]
		stats, errs, err := i.fs.c.StatAt(fid, batch)
		if err != nil {
			return
		}
		for k, n := range batch {
			if errs[k] == nil {
				all[n] = convertStat(stats[k])
			}
		}
	}
	i.mu.Lock()
	if i.dirents != nil {
		i.childStats = all
	}
	i.mu.Unlock()
}

// Readlink implements vfs.Inode.Readlink.
func (i *inode) Readlink() (string, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if !i.st.IsSymlink() {
		return "", unix.EINVAL
	}
	if i.target == nil {
		i.mu.Unlock()
		fid, err := i.getFID()
		i.mu.Lock()
		if err != nil {
			return "", err
		}
		t, err := i.fs.c.Readlink(fid)
		if err != nil {
			return "", err
		}
		i.target = &t
	}
	return *i.target, nil
}

// Open implements vfs.Inode.Open.
func (i *inode) Open(flags int) (vfs.FileImpl, error) {
	i.mu.Lock()
	mode, rdev := i.st.Mode, i.st.Rdev
	i.mu.Unlock()
	switch mode & unix.S_IFMT {
	case unix.S_IFCHR:
		// A device node opens the sentry's driver for its number, if
		// there is one, never the host's device.
		if open := vfs.CharDevice(rdev); open != nil {
			return open(flags, i.Stat)
		}
	case unix.S_IFDIR:
		if flags&unix.O_ACCMODE != unix.O_RDONLY {
			return nil, unix.EISDIR
		}
		return &dirFile{i: i}, nil
	case unix.S_IFREG:
		write := flags&unix.O_ACCMODE != unix.O_RDONLY
		if err := i.acquireFD(write); err != nil {
			return nil, err
		}
		return &regularFile{i: i, write: write}, nil
	case unix.S_IFLNK:
		return nil, unix.ELOOP
	case unix.S_IFIFO:
		return i.FIFO().OpenEnd(flags), nil
	}
	// Other device nodes and sockets of the host are not opened
	// through the gofer.
	return nil, unix.ENXIO
}

// FIFO returns the pipe of a FIFO, or nil if the inode is not one. The
// pipe is the sentry's: the sandbox's readers and writers of the FIFO
// meet there, as they do in a FIFO on tmpfs, and never in the host's
// FIFO, which would pass data between the sandbox and host processes.
// The inode, and so the pipe, stays while an end is open (see
// lazyChildLocked); when none is, a pipe has no data to keep.
func (i *inode) FIFO() *pipe.Pipe {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.st.Mode&unix.S_IFMT != unix.S_IFIFO {
		return nil
	}
	if i.pipe == nil {
		i.pipe = pipe.NewFIFO(0)
	}
	return i.pipe
}

// acquireFD takes a use of the shared read-only or read-write host FD,
// opening it if needed.
func (i *inode) acquireFD(write bool) error {
	fid, err := i.getFID()
	if err != nil {
		return err
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if write {
		if i.rwFD < 0 {
			fd, err := i.fs.c.Open(fid, unix.O_RDWR)
			if err != nil {
				return err
			}
			i.rwFD = fd
		}
		i.rwOpen++
		return nil
	}
	if i.roFD < 0 {
		fd, err := i.fs.c.Open(fid, unix.O_RDONLY)
		if err != nil {
			return err
		}
		i.roFD = fd
	}
	i.roOpen++
	return nil
}

// Read-only host FDs outlive their last open file for a while, so that
// opening the file again (a program reading the same file over and over,
// a shell running the same binary) needs no gofer round trip. At most
// maxIdleFDs of them are kept, the least recently released closed first.
// A reopen through an idle FD reads the file the name named when it was
// opened: if the host replaced the file by renaming another over it
// meanwhile, the sandbox reads the old one until the FD is evicted (the
// gofer's reopen would have failed with ESTALE).
const maxIdleFDs = 64

var idleFDs struct {
	mu     sync.Mutex
	inodes []*inode // oldest first; an inode reopened since stays until evicted
}

// keepIdleFD records that i's read-only FD is idle, and closes the FDs
// of the least recently idle inodes beyond maxIdleFDs. Called without i.mu.
func keepIdleFD(i *inode) {
	idleFDs.mu.Lock()
	if n := len(idleFDs.inodes); n == 0 || idleFDs.inodes[n-1] != i {
		idleFDs.inodes = append(idleFDs.inodes, i)
	}
	var evict []*inode
	if n := len(idleFDs.inodes) - maxIdleFDs; n > 0 {
		evict = append(evict, idleFDs.inodes[:n]...)
		idleFDs.inodes = append(idleFDs.inodes[:0], idleFDs.inodes[n:]...)
	}
	idleFDs.mu.Unlock()
	for _, e := range evict {
		e.closeIdleFD()
	}
}

// closeIdleFD closes the read-only FD if no open file uses it and the
// inode is not also further back in the idle list.
func (i *inode) closeIdleFD() {
	idleFDs.mu.Lock()
	for _, o := range idleFDs.inodes {
		if o == i {
			idleFDs.mu.Unlock()
			return
		}
	}
	idleFDs.mu.Unlock()
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.roOpen == 0 && i.roFD >= 0 {
		unix.Close(i.roFD)
		i.roFD = -1
	}
}

func (i *inode) releaseFD(write bool) {
	i.mu.Lock()
	if write {
		defer i.mu.Unlock()
		i.rwOpen--
		if i.rwOpen == 0 && i.rwFD >= 0 {
			unix.Close(i.rwFD)
			i.rwFD = -1
			i.stale = true
		}
		return
	}
	i.roOpen--
	idle := i.roOpen == 0 && i.roFD >= 0
	i.mu.Unlock()
	if idle {
		keepIdleFD(i)
	}
}

// pread reads at off with a shared host FD, opening one for the call if
// no file holds one (a mapping that outlives its file).
func (i *inode) pread(dst []byte, off int64) (int, error) {
	i.mu.Lock()
	fd := i.anyFDLocked()
	i.mu.Unlock()
	if fd >= 0 {
		return unix.Pread(fd, dst, off)
	}
	if err := i.acquireFD(false); err != nil {
		return 0, err
	}
	defer i.releaseFD(false)
	i.mu.Lock()
	fd = i.roFD
	i.mu.Unlock()
	return unix.Pread(fd, dst, off)
}

type regularFile struct {
	vfs.NoImpl
	vfs.AlwaysReady
	i     *inode
	write bool
}

var (
	_ vfs.Seekable  = (*regularFile)(nil)
	_ vfs.Allocator = (*regularFile)(nil)
	_ vfs.Syncer    = (*regularFile)(nil)
)

func (f *regularFile) fd() int {
	f.i.mu.Lock()
	defer f.i.mu.Unlock()
	if f.write {
		return f.i.rwFD
	}
	return f.i.roFD
}

// mappedCache returns the file's page cache if a mapping of it is left:
// reads go through it then, to see what the mappings stored.
func (i *inode) mappedCache() *fileCache {
	i.mu.Lock()
	c := i.cache
	i.mu.Unlock()
	if c != nil && c.mapped() {
		return c
	}
	return nil
}

// cached returns the file's page cache, if it has one.
func (i *inode) cached() *fileCache {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.cache
}

// writeFD returns a read-write host FD for writing the page cache back,
// opening one if no open file holds it (a mapping outlives its file).
func (i *inode) writeFD() (int, func(), error) {
	i.mu.Lock()
	fd := i.rwFD
	i.mu.Unlock()
	if fd >= 0 {
		return fd, func() {}, nil
	}
	if err := i.acquireFD(true); err != nil {
		return -1, nil, err
	}
	i.mu.Lock()
	fd = i.rwFD
	i.mu.Unlock()
	return fd, func() { i.releaseFD(true) }, nil
}

func (f *regularFile) Read(dst []byte, off int64) (int, error) {
	if off < 0 {
		return 0, unix.EINVAL
	}
	if c := f.i.mappedCache(); c != nil {
		return c.read(dst, off)
	}
	n, err := unix.Pread(f.fd(), dst, off)
	if err != nil {
		return 0, err
	}
	return n, nil
}

// ReadScatter reads into bufs in order from off, with one preadv of the
// host file. It neither blocks on the sandbox nor touches sentry state, so
// the read system calls use it to read straight into application memory.
func (f *regularFile) ReadScatter(bufs [][]byte, off int64) (int, error) {
	if off < 0 {
		return 0, unix.EINVAL
	}
	if c := f.i.mappedCache(); c != nil {
		total := 0
		for _, b := range bufs {
			total += len(b)
		}
		tmp := make([]byte, total)
		n, err := c.read(tmp, off)
		for rest := tmp[:n]; len(rest) > 0; bufs = bufs[1:] {
			rest = rest[copy(bufs[0], rest):]
		}
		return n, err
	}
	for {
		n, err := preadv(f.fd(), bufs, off)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return 0, err
		}
		return n, nil
	}
}

// preadv is preadv(2) with the iovec array on the stack when bufs is
// short (a 1 MiB read scatters into at most 257 pieces), so that the
// read path allocates nothing; unix.Preadv builds its array on the heap.
func preadv(fd int, bufs [][]byte, off int64) (int, error) {
	var stack [260]unix.Iovec
	iov := stack[:0]
	if len(bufs) > len(stack) {
		iov = make([]unix.Iovec, 0, len(bufs))
	}
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		v := unix.Iovec{Base: &b[0]}
		v.SetLen(len(b))
		iov = append(iov, v)
	}
	if len(iov) == 0 {
		return 0, nil
	}
	n, _, e := unix.Syscall6(unix.SYS_PREADV, uintptr(fd), uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)),
		uintptr(off), uintptr(uint64(off)>>32), 0)
	runtime.KeepAlive(bufs)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

func (f *regularFile) Write(src []byte, off int64) (int, error) {
	if !f.write {
		return 0, unix.EBADF
	}
	if off < 0 {
		return 0, unix.EINVAL
	}
	n, err := unix.Pwrite(f.fd(), src, off)
	if err != nil {
		return 0, err
	}
	if c := f.i.cached(); c != nil {
		c.wrote(src[:n], off)
	}
	return n, nil
}

func (f *regularFile) Stat() (vfs.Stat, error) { return f.i.Stat() }

func (f *regularFile) Size() (int64, error) {
	var st unix.Stat_t
	if err := unix.Fstat(f.fd(), &st); err != nil {
		return 0, err
	}
	return st.Size, nil
}

func (f *regularFile) Release() { f.i.releaseFD(f.write) }

// Sync implements vfs.Syncer: what mappings stored goes to the host file;
// the host file itself is written back when the gofer's FD closes (the
// sentry may not fsync).
func (f *regularFile) Sync() error {
	if c := f.i.cached(); c != nil {
		return c.sync()
	}
	return nil
}

// Allocate implements vfs.Allocator with what the sentry may do to a
// host FD: grow it with ftruncate, punch holes.
func (f *regularFile) Allocate(mode uint32, off, length int64) error {
	const keep, punch = unix.FALLOC_FL_KEEP_SIZE, unix.FALLOC_FL_PUNCH_HOLE
	switch mode {
	case 0:
		size, err := f.Size()
		if err != nil {
			return err
		}
		if off+length > size {
			if err := unix.Ftruncate(f.fd(), off+length); err != nil {
				return err
			}
			if c := f.i.cached(); c != nil {
				c.truncate(off + length)
			}
		}
		return nil
	case keep:
		return nil
	case punch | keep:
		err := unix.Fallocate(f.fd(), punch|keep, off, length)
		if c := f.i.cached(); c != nil && err == nil {
			c.zero(off, off+length)
		}
		return err
	}
	return unix.EOPNOTSUPP
}

// Mappable implements vfs.Mapper: the file's page cache (cache.go). A
// cache kept since the file was last unmapped is dropped if the host
// file changed meanwhile.
func (f *regularFile) Mappable() (mm.Mappable, error) {
	i := f.i
	var st unix.Stat_t
	if err := unix.Fstat(f.fd(), &st); err != nil {
		return nil, err
	}
	i.mu.Lock()
	var stale *fileCache
	if i.cache != nil && i.cache.stale(stampOf(&st)) {
		stale, i.cache = i.cache, nil
	}
	if i.cache == nil {
		i.cache = newFileCache(i, st.Size)
	}
	c := i.cache
	i.mu.Unlock()
	if stale != nil {
		stale.freeIfUnmapped()
	}
	return c, nil
}

// hostStat stats the host file through any FD the inode holds; false if
// it holds none.
func (i *inode) hostStat() (unix.Stat_t, bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	var st unix.Stat_t
	fd := i.anyFDLocked()
	return st, fd >= 0 && unix.Fstat(fd, &st) == nil
}

type dirFile struct {
	vfs.NoImpl
	vfs.AlwaysReady
	i *inode
}

func (d *dirFile) Read([]byte, int64) (int, error) { return 0, unix.EISDIR }

func (d *dirFile) Write([]byte, int64) (int, error) { return 0, unix.EBADF }

func (d *dirFile) Stat() (vfs.Stat, error) { return d.i.Stat() }

func (d *dirFile) Size() (int64, error) { return 0, nil }

func (d *dirFile) Sync() error { return nil }

// Readdir implements vfs.DirReader; "." and ".." are added by the VFS.
func (d *dirFile) Readdir() ([]vfs.Dirent, error) {
	i := d.i
	i.mu.Lock()
	ents := i.dirents
	i.mu.Unlock()
	if ents != nil {
		return ents, nil
	}
	fid, err := i.getFID()
	if err != nil {
		return nil, err
	}
	raw, err := i.fs.c.Getdents(fid)
	if err != nil {
		return nil, err
	}
	ents = make([]vfs.Dirent, 0, len(raw))
	for _, e := range raw {
		ents = append(ents, vfs.Dirent{Ino: e.Ino, Type: e.Type, Name: e.Name})
	}
	i.mu.Lock()
	i.dirents = ents
	i.listedLookups = 0
	i.mu.Unlock()
	return ents, nil
}

// Statfs returns the host filesystem's figures, through the gofer.
func (i *inode) Statfs() (unix.Statfs_t, error) {
	fid, err := i.getFID()
	if err != nil {
		return unix.Statfs_t{}, err
	}
	s, err := i.fs.c.Statfs(fid)
	if err != nil {
		return unix.Statfs_t{}, err
	}
	return unix.Statfs_t{
		Type: s.Type, Bsize: s.Bsize, Blocks: s.Blocks, Bfree: s.Bfree, Bavail: s.Bavail,
		Files: s.Files, Ffree: s.Ffree, Fsid: unix.Fsid{Val: s.Fsid}, Namelen: s.Namelen,
		Frsize: s.Frsize, Flags: s.Flags,
	}, nil
}

// ---- changes, through the gofer ----

// Create implements vfs.WritableDir.Create.
func (i *inode) Create(name string, n vfs.NewNode, flags int) (vfs.Inode, vfs.FileImpl, error) {
	// The shared FD is read-write whatever the access mode: later
	// opens for writing share it.
	dfid, err := i.getFID()
	if err != nil {
		return nil, nil, err
	}
	fid, st, fd, err := i.fs.c.Create(dfid, name, unix.O_RDWR, n.Mode&07777, n.UID, n.GID)
	if err != nil {
		return nil, nil, err
	}
	i.dirChanged()
	child := i.fs.newInode(fid, st)
	child.rwFD, child.rwOpen = fd, 1
	child.parent, child.name = i, name
	i.mu.Lock()
	i.setKidLocked(name, child, child.st)
	i.mu.Unlock()
	f := &regularFile{i: child, write: true}
	if flags&unix.O_ACCMODE == unix.O_RDONLY {
		// The description may not write, but holds the read-write FD.
		return child, &readOnly{f}, nil
	}
	return child, f, nil
}

// readOnly is a file created O_RDONLY that holds the read-write FD.
type readOnly struct{ *regularFile }

func (r *readOnly) Write([]byte, int64) (int, error) { return 0, unix.EBADF }

// Mknod implements vfs.WritableDir.Mknod.
func (i *inode) Mknod(name string, n vfs.NewNode) (vfs.Inode, error) {
	dfid, err := i.getFID()
	if err != nil {
		return nil, err
	}
	var fid client.FID
	var st client.Stat
	switch n.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		fid, st, err = i.fs.c.Mkdir(dfid, name, n.Mode&07777, n.UID, n.GID)
	case unix.S_IFLNK:
		fid, st, err = i.fs.c.Symlink(dfid, name, n.Target, n.UID, n.GID)
	default:
		fid, st, err = i.fs.c.Mknod(dfid, name, n.Mode, n.Rdev, n.UID, n.GID)
	}
	if err != nil {
		return nil, err
	}
	i.dirChanged()
	return i.fs.newInode(fid, st), nil
}

// Link implements vfs.WritableDir.Link.
func (i *inode) Link(name string, target vfs.Inode) error {
	t, ok := target.(*inode)
	if !ok || t.fs != i.fs {
		return unix.EXDEV
	}
	dfid, err := i.getFID()
	if err != nil {
		return err
	}
	tfid, err := t.getFID()
	if err != nil {
		return err
	}
	fid, _, err := i.fs.c.Link(dfid, name, tfid)
	if err != nil {
		return err
	}
	i.fs.c.Clunk(fid)
	i.dirChanged()
	t.changed()
	return nil
}

// Unlink implements vfs.WritableDir.Unlink.
func (i *inode) Unlink(name string, dir bool) error {
	flags := 0
	if dir {
		flags = unix.AT_REMOVEDIR
	}
	dfid, err := i.getFID()
	if err != nil {
		return err
	}
	if err := i.fs.c.Unlink(dfid, name, flags); err != nil {
		return err
	}
	i.mu.Lock()
	delete(i.kids, name)
	i.mu.Unlock()
	i.dirChanged()
	return nil
}

// Rename implements vfs.WritableDir.Rename.
func (i *inode) Rename(oldName string, newDir vfs.Inode, newName string, flags uint32) error {
	nd, ok := newDir.(*inode)
	if !ok || nd.fs != i.fs {
		return unix.EXDEV
	}
	if flags&vfs.RenameExchange != 0 {
		return unix.EINVAL
	}
	ofid, err := i.getFID()
	if err != nil {
		return err
	}
	nfid, err := nd.getFID()
	if err != nil {
		return err
	}
	if err := i.fs.c.Rename(ofid, oldName, nfid, newName); err != nil {
		return err
	}
	// A child without a FID moves with its name.
	i.mu.Lock()
	movedKid := i.kids[oldName]
	moved := movedKid.w.Value()
	delete(i.kids, oldName)
	i.mu.Unlock()
	nd.mu.Lock()
	delete(nd.kids, newName)
	if moved != nil {
		nd.setKidLocked(newName, moved, vfs.Stat{Dev: movedKid.dev, Ino: movedKid.ino})
	}
	nd.mu.Unlock()
	if moved != nil {
		moved.mu.Lock()
		moved.parent, moved.name = nd, newName
		moved.mu.Unlock()
	}
	i.dirChanged()
	nd.dirChanged()
	return nil
}

// Setattr implements vfs.Setattrer.
func (i *inode) Setattr(a *vfs.SetAttr) error {
	var s client.SetStatArgs
	if a.Mask&vfs.SetMode != 0 {
		s.Mask |= client.SetStatMode
		s.Mode = a.Mode
	}
	if a.Mask&vfs.SetUID != 0 {
		s.Mask |= client.SetStatUID
		s.UID = a.UID
	} else {
		s.UID = client.NoID
	}
	if a.Mask&vfs.SetGID != 0 {
		s.Mask |= client.SetStatGID
		s.GID = a.GID
	} else {
		s.GID = client.NoID
	}
	if a.Mask&vfs.SetSize != 0 {
		s.Mask |= client.SetStatSize
		s.Size = uint64(a.Size)
	}
	if a.Mask&vfs.SetAtime != 0 {
		s.Mask |= client.SetStatAtime
		s.Atime = client.Timespec{Sec: a.Atime.Sec, Nsec: a.Atime.Nsec}
	}
	if a.Mask&vfs.SetMtime != 0 {
		s.Mask |= client.SetStatMtime
		s.Mtime = client.Timespec{Sec: a.Mtime.Sec, Nsec: a.Mtime.Nsec}
	}
	if s.Mask == 0 {
		// A ctime-only change (chown to the same owner): the host
		// does it with an unchanged owner.
		s.Mask = client.SetStatUID | client.SetStatGID
	}
	fid, err := i.getFID()
	if err != nil {
		return err
	}
	if err := i.fs.c.SetStat(fid, s); err != nil {
		return err
	}
	i.changed()
	if c := i.cached(); c != nil && a.Mask&vfs.SetSize != 0 {
		c.truncate(a.Size)
	}
	return nil
}

// AttachMount returns the root of the gofer's extra tree n (a bind
// mount's source outside the root filesystem), served on the connection
// of root, an inode New returned.
func AttachMount(root vfs.Inode, n uint32) (vfs.Inode, error) {
	ri, ok := root.(*inode)
	if !ok {
		return nil, fmt.Errorf("gofer: %T is not a gofer inode", root)
	}
	fid, st, err := ri.fs.c.AttachRoot(n)
	if err != nil {
		return nil, err
	}
	// A tree of its own: the host may change it (see FS.unchanging).
	fs := &FS{c: ri.fs.c, mf: ri.fs.mf}
	return fs.newInode(fid, st), nil
}

// AttachPath returns the file at names under root, a gofer root from New,
// as the root of a tree of its own, which the host may change (see
// FS.unchanging): a bind mount's source inside the root filesystem.
// Symlinks on the way are not followed.
func AttachPath(root vfs.Inode, names []string) (vfs.Inode, error) {
	ri, ok := root.(*inode)
	if !ok {
		return nil, fmt.Errorf("gofer: %T is not a gofer inode", root)
	}
	fs := &FS{c: ri.fs.c, mf: ri.fs.mf}
	if len(names) == 0 {
		fid, st, err := fs.c.Attach()
		if err != nil {
			return nil, err
		}
		return fs.newInode(fid, st), nil
	}
	rfid, err := ri.getFID()
	if err != nil {
		return nil, err
	}
	var fids []client.FID
	var stats []client.Stat
	for len(names) > 0 {
		// The protocol bounds the names in one walk; each further
		// walk starts from the last FID reached.
		n := min(len(names), proto.MaxWalkNames)
		from := rfid
		if len(fids) > 0 {
			from = fids[len(fids)-1]
		}
		f, st, err := fs.c.Walk(from, names[:n])
		fids, stats = append(fids, f...), append(stats, st...)
		if err != nil {
			for _, f := range fids {
				fs.c.Clunk(f)
			}
			return nil, fmt.Errorf("gofer walk %q: %w", strings.Join(names, "/"), err)
		}
		names = names[n:]
	}
	last := len(fids) - 1
	for _, f := range fids[:last] {
		fs.c.Clunk(f)
	}
	return fs.newInode(fids[last], stats[last]), nil
}
