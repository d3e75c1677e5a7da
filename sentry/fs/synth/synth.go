// Package synth builds small in-memory filesystems whose contents the
// sentry generates: directories of fixed or computed entries, files whose
// bytes come from a function, symlinks whose targets do, and device
// nodes with their own read and write behaviour. /dev, /proc and /sys
// are made of these.
package synth

import (
	"sort"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/vfs"
)

var nextIno atomic.Uint64

// NewIno returns a fresh inode number.
func NewIno() uint64 { return nextIno.Add(1) }

var bootTime = time.Now()

func stat(dev uint64, ino uint64, mode uint32, nlink uint64) vfs.Stat {
	ts := vfs.Timespec{Sec: bootTime.Unix(), Nsec: int64(bootTime.Nanosecond())}
	return vfs.Stat{Dev: dev, Ino: ino, Nlink: nlink, Mode: mode, Blksize: 4096, Atime: ts, Mtime: ts, Ctime: ts}
}

// Dir is a directory. Its children are Static, or computed by List and
// Get for dynamic directories such as /proc.
type Dir struct {
	Dev    uint64
	Ino    uint64
	Mode   uint32
	Static map[string]vfs.Inode
	// List and Get make the directory dynamic.
	List func() []string
	Get  func(name string) (vfs.Inode, error)
}

// NewDir returns a directory with fixed children.
func NewDir(dev uint64, children map[string]vfs.Inode) *Dir {
	return &Dir{Dev: dev, Ino: NewIno(), Mode: unix.S_IFDIR | 0o555, Static: children}
}

// Stat implements vfs.Inode.Stat.
func (d *Dir) Stat() (vfs.Stat, error) { return stat(d.Dev, d.Ino, d.Mode, 2), nil }

// DynamicChildren implements vfs.Dynamic.
func (d *Dir) DynamicChildren() bool { return d.Get != nil }

// Lookup implements vfs.Inode.Lookup.
func (d *Dir) Lookup(name string) (vfs.Inode, error) {
	if in, ok := d.Static[name]; ok {
		return in, nil
	}
	if d.Get != nil {
		return d.Get(name)
	}
	return nil, unix.ENOENT
}

// Readlink implements vfs.Inode.Readlink.
func (d *Dir) Readlink() (string, error) { return "", unix.EINVAL }

// Open implements vfs.Inode.Open.
func (d *Dir) Open(flags int) (vfs.FileImpl, error) {
	if flags&unix.O_ACCMODE != unix.O_RDONLY {
		return nil, unix.EISDIR
	}
	return &dirFile{d: d}, nil
}

type dirFile struct {
	vfs.NoImpl
	vfs.AlwaysReady
	d *Dir
}

func (f *dirFile) Read([]byte, int64) (int, error) { return 0, unix.EISDIR }
func (f *dirFile) Stat() (vfs.Stat, error)         { return f.d.Stat() }
func (f *dirFile) Size() (int64, error)            { return 0, nil }

// Readdir implements vfs.DirReader.
func (f *dirFile) Readdir() ([]vfs.Dirent, error) {
	names := make([]string, 0, len(f.d.Static))
	for n := range f.d.Static {
		names = append(names, n)
	}
	sort.Strings(names)
	if f.d.List != nil {
		names = append(names, f.d.List()...)
	}
	out := make([]vfs.Dirent, 0, len(names))
	for _, n := range names {
		in, err := f.d.Lookup(n)
		if err != nil {
			continue
		}
		st, err := in.Stat()
		if err != nil {
			continue
		}
		out = append(out, vfs.Dirent{Ino: st.Ino, Type: st.DirentType(), Name: n})
	}
	return out, nil
}

// File is a read-only regular file whose contents Data generates at
// open.
type File struct {
	Dev, Ino uint64
	Mode     uint32
	Data     func() ([]byte, error)
}

// NewFile returns a file of mode 0444 whose contents come from data.
func NewFile(dev uint64, data func() ([]byte, error)) *File {
	return &File{Dev: dev, Ino: NewIno(), Mode: unix.S_IFREG | 0o444, Data: data}
}

// StaticFile returns a file with fixed contents.
func StaticFile(dev uint64, s string) *File {
	return NewFile(dev, func() ([]byte, error) { return []byte(s), nil })
}

// Stat implements vfs.Inode.Stat. Like procfs, the size is 0.
func (f *File) Stat() (vfs.Stat, error) { return stat(f.Dev, f.Ino, f.Mode, 1), nil }

// Lookup implements vfs.Inode.Lookup.
func (f *File) Lookup(string) (vfs.Inode, error) { return nil, unix.ENOTDIR }

// Readlink implements vfs.Inode.Readlink.
func (f *File) Readlink() (string, error) { return "", unix.EINVAL }

// Open implements vfs.Inode.Open: the contents are fixed at open.
func (f *File) Open(flags int) (vfs.FileImpl, error) {
	if flags&unix.O_ACCMODE != unix.O_RDONLY {
		return nil, unix.EACCES
	}
	data, err := f.Data()
	if err != nil {
		return nil, err
	}
	return &fileImpl{f: f, data: data}, nil
}

type fileImpl struct {
	vfs.NoImpl
	vfs.AlwaysReady
	f    *File
	data []byte
}

func (fi *fileImpl) Read(dst []byte, off int64) (int, error) {
	if off < 0 {
		return 0, unix.EINVAL
	}
	if off >= int64(len(fi.data)) {
		return 0, nil
	}
	return copy(dst, fi.data[off:]), nil
}

func (fi *fileImpl) Write([]byte, int64) (int, error) { return 0, unix.EBADF }
func (fi *fileImpl) Stat() (vfs.Stat, error)          { return fi.f.Stat() }
func (fi *fileImpl) Size() (int64, error)             { return int64(len(fi.data)), nil }

// Symlink is a symbolic link whose target Target computes.
type Symlink struct {
	Dev, Ino uint64
	Target   func() (string, error)
}

// NewSymlink returns a symlink to a computed target.
func NewSymlink(dev uint64, target func() (string, error)) *Symlink {
	return &Symlink{Dev: dev, Ino: NewIno(), Target: target}
}

// StaticSymlink returns a symlink to target.
func StaticSymlink(dev uint64, target string) *Symlink {
	return NewSymlink(dev, func() (string, error) { return target, nil })
}

// Stat implements vfs.Inode.Stat.
func (s *Symlink) Stat() (vfs.Stat, error) {
	st := stat(s.Dev, s.Ino, unix.S_IFLNK|0o777, 1)
	if t, err := s.Target(); err == nil {
		st.Size = int64(len(t))
	}
	return st, nil
}

// Lookup implements vfs.Inode.Lookup.
func (s *Symlink) Lookup(string) (vfs.Inode, error) { return nil, unix.ENOTDIR }

// Readlink implements vfs.Inode.Readlink.
func (s *Symlink) Readlink() (string, error) { return s.Target() }

// Open implements vfs.Inode.Open; resolution follows links before this.
func (s *Symlink) Open(int) (vfs.FileImpl, error) { return nil, unix.ELOOP }

// Device is a character device with sentry-side behaviour.
type Device struct {
	Dev, Ino uint64
	Mode     uint32
	Rdev     uint64
	// NewImpl opens the device.
	NewImpl func(flags int) (vfs.FileImpl, error)
}

// Stat implements vfs.Inode.Stat.
func (d *Device) Stat() (vfs.Stat, error) {
	st := stat(d.Dev, d.Ino, d.Mode, 1)
	st.Rdev = d.Rdev
	return st, nil
}

// Lookup implements vfs.Inode.Lookup.
func (d *Device) Lookup(string) (vfs.Inode, error) { return nil, unix.ENOTDIR }

// Readlink implements vfs.Inode.Readlink.
func (d *Device) Readlink() (string, error) { return "", unix.EINVAL }

// Open implements vfs.Inode.Open.
func (d *Device) Open(flags int) (vfs.FileImpl, error) { return d.NewImpl(flags) }
