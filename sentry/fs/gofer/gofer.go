// Package gofer is the sentry side of the gofer filesystem: inodes whose
// metadata comes from the gofer process and whose contents are read
// through host FDs the gofer donates.
package gofer

import (
	"sync"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/gofer/client"
	"github.com/moat-dev/moat/sentry/memfile"
	"github.com/moat-dev/moat/sentry/mm"
	"github.com/moat-dev/moat/sentry/vfs"
)

// FS is a filesystem served by one gofer.
type FS struct {
	c  *client.Client
	mf *memfile.File
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
	return &inode{fs: fs, fid: fid, st: convertStat(st), hostFD: -1}
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

// inode is a file on the gofer. The filesystem is read-only, so its
// metadata is fetched once.
type inode struct {
	fs  *FS
	fid client.FID
	st  vfs.Stat

	mu      sync.Mutex
	hostFD  int // shared read-only host FD, -1 until opened
	opens   int
	target  *string
	cache   *mm.PageCache
	dirents []vfs.Dirent
}

// Stat implements vfs.Inode.Stat.
func (i *inode) Stat() (vfs.Stat, error) { return i.st, nil }

// Lookup implements vfs.Inode.Lookup.
func (i *inode) Lookup(name string) (vfs.Inode, error) {
	if !i.st.IsDir() {
		return nil, unix.ENOTDIR
	}
	fids, stats, err := i.fs.c.Walk(i.fid, []string{name})
	if err != nil {
		return nil, err
	}
	if len(fids) != 1 {
		return nil, unix.EIO
	}
	return i.fs.newInode(fids[0], stats[0]), nil
}

// Readlink implements vfs.Inode.Readlink.
func (i *inode) Readlink() (string, error) {
	if !i.st.IsSymlink() {
		return "", unix.EINVAL
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.target == nil {
		t, err := i.fs.c.Readlink(i.fid)
		if err != nil {
			return "", err
		}
		i.target = &t
	}
	return *i.target, nil
}

// Open implements vfs.Inode.Open.
func (i *inode) Open(flags int) (vfs.FileImpl, error) {
	switch i.st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		if flags&unix.O_ACCMODE != unix.O_RDONLY {
			return nil, unix.EISDIR
		}
		return &dirFile{i: i}, nil
	case unix.S_IFREG:
		if flags&unix.O_ACCMODE != unix.O_RDONLY || flags&unix.O_TRUNC != 0 {
			return nil, unix.EROFS
		}
		if err := i.acquireFD(); err != nil {
			return nil, err
		}
		return &regularFile{i: i}, nil
	case unix.S_IFLNK:
		return nil, unix.ELOOP
	}
	// Device nodes, FIFOs and sockets of the host are not opened
	// through the gofer.
	return nil, unix.ENXIO
}

func (i *inode) acquireFD() error {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.hostFD < 0 {
		fd, err := i.fs.c.Open(i.fid, unix.O_RDONLY)
		if err != nil {
			return err
		}
		i.hostFD = fd
	}
	i.opens++
	return nil
}

func (i *inode) releaseFD() {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.opens--
	if i.opens == 0 && i.hostFD >= 0 {
		unix.Close(i.hostFD)
		i.hostFD = -1
	}
}

// pread reads at off with the shared host FD, opening one for the call if
// no file holds it (a mapping that outlives its file).
func (i *inode) pread(dst []byte, off int64) (int, error) {
	i.mu.Lock()
	fd := i.hostFD
	i.mu.Unlock()
	if fd >= 0 {
		return unix.Pread(fd, dst, off)
	}
	if err := i.acquireFD(); err != nil {
		return 0, err
	}
	defer i.releaseFD()
	i.mu.Lock()
	fd = i.hostFD
	i.mu.Unlock()
	return unix.Pread(fd, dst, off)
}

type regularFile struct {
	vfs.NoImpl
	vfs.AlwaysReady
	i *inode
}

func (f *regularFile) Read(dst []byte, off int64) (int, error) {
	if off < 0 {
		return 0, unix.EINVAL
	}
	n, err := f.i.pread(dst, off)
	if err != nil {
		return 0, err
	}
	return n, nil
}

func (f *regularFile) Write([]byte, int64) (int, error) { return 0, unix.EBADF }

func (f *regularFile) Stat() (vfs.Stat, error) { return f.i.st, nil }

func (f *regularFile) Size() (int64, error) { return f.i.st.Size, nil }

func (f *regularFile) Release() { f.i.releaseFD() }

// Mappable implements vfs.Mapper.
func (f *regularFile) Mappable() (mm.Mappable, error) {
	i := f.i
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.cache == nil {
		size := i.st.Size
		i.cache = mm.NewPageCache(i.fs.mf, "", func(dst []byte, off int64) (int, error) {
			if off >= size {
				return 0, nil
			}
			if rem := size - off; int64(len(dst)) > rem {
				dst = dst[:rem]
			}
			return i.pread(dst, off)
		})
		i.cache.SetSize(size)
	}
	return i.cache, nil
}

type dirFile struct {
	vfs.NoImpl
	vfs.AlwaysReady
	i *inode
}

func (d *dirFile) Read([]byte, int64) (int, error) { return 0, unix.EISDIR }

func (d *dirFile) Write([]byte, int64) (int, error) { return 0, unix.EBADF }

func (d *dirFile) Stat() (vfs.Stat, error) { return d.i.st, nil }

func (d *dirFile) Size() (int64, error) { return 0, nil }

// Readdir implements vfs.DirReader; "." and ".." are added by the VFS.
func (d *dirFile) Readdir() ([]vfs.Dirent, error) {
	i := d.i
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.dirents == nil {
		ents, err := i.fs.c.Getdents(i.fid)
		if err != nil {
			return nil, err
		}
		i.dirents = make([]vfs.Dirent, 0, len(ents))
		for _, e := range ents {
			i.dirents = append(i.dirents, vfs.Dirent{Ino: e.Ino, Type: e.Type, Name: e.Name})
		}
	}
	return i.dirents, nil
}

// Statfs returns the host filesystem's figures, through the gofer.
func (i *inode) Statfs() (unix.Statfs_t, error) {
	s, err := i.fs.c.Statfs(i.fid)
	if err != nil {
		return unix.Statfs_t{}, err
	}
	return unix.Statfs_t{
		Type: s.Type, Bsize: s.Bsize, Blocks: s.Blocks, Bfree: s.Bfree, Bavail: s.Bavail,
		Files: s.Files, Ffree: s.Ffree, Fsid: unix.Fsid{Val: s.Fsid}, Namelen: s.Namelen,
		Frsize: s.Frsize, Flags: s.Flags,
	}, nil
}
