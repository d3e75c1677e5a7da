package proc

import (
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/fs/pipe"
	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

// Opening /proc/[pid]/fd/N opens the file that fd N refers to, even one
// with no path such as a pipe: that is how /dev/stdin and bash's
// /dev/fd/63 work. The fd link of a file without a path points to a
// relative name ("pipe:[5]"), which path resolution looks up in the fd
// directory itself; the directory answers such names, though it does not
// list them, with a reopenInode for the file of that name.

// reopenInode opens again the pathless file of an fd that the fd link
// named. It holds no reference: it finds the file at each use.
type reopenInode struct {
	p    *procFS
	fdt  *vfs.FDTable
	name string
}

// find returns the first open file of the table whose link target is
// name, with a reference the caller must drop.
func (r *reopenInode) find() (*vfs.File, error) {
	return r.p.findPathless(r.fdt, r.name)
}

// findPathless returns the first file of fdt without a path whose fd
// link target is name, with a new reference.
func (p *procFS) findPathless(fdt *vfs.FDTable, name string) (*vfs.File, error) {
	for _, fd := range fdt.FDs() {
		f, _, err := fdt.Get(fd)
		if err != nil {
			continue
		}
		if target := p.filePath(f); target == name && !strings.HasPrefix(target, "/") {
			return f, nil
		}
		f.DecRef()
	}
	return nil, unix.ENOENT
}

// Stat implements vfs.Inode.Stat: the file's own metadata.
func (r *reopenInode) Stat() (vfs.Stat, error) {
	f, err := r.find()
	if err != nil {
		return vfs.Stat{}, err
	}
	defer f.DecRef()
	return f.Impl.Stat()
}

// Lookup implements vfs.Inode.Lookup.
func (r *reopenInode) Lookup(string) (vfs.Inode, error) { return nil, unix.ENOTDIR }

// Readlink implements vfs.Inode.Readlink.
func (r *reopenInode) Readlink() (string, error) { return "", unix.EINVAL }

// Open implements vfs.Inode.Open. A pipe gets a new end of the mode
// asked for, as on Linux; other files are shared with the fd, as by dup,
// since they cannot be opened again.
func (r *reopenInode) Open(flags int) (vfs.FileImpl, error) {
	f, err := r.find()
	if err != nil {
		return nil, err
	}
	defer f.DecRef()
	if end, ok := f.Impl.(*pipe.End); ok {
		switch flags & unix.O_ACCMODE {
		case unix.O_RDONLY:
			return end.Pipe().OpenReader(), nil
		case unix.O_WRONLY:
			return end.Pipe().OpenWriter(), nil
		default:
			return end.Pipe().OpenReadWriter(), nil
		}
	}
	f.IncRef()
	return &sharedImpl{f: f}, nil
}

// sharedImpl is a file opened through /proc/[pid]/fd that shares the
// original file: its reads, writes, readiness and ioctls go to it.
type sharedImpl struct {
	f        *vfs.File
	released atomic.Bool
}

func (s *sharedImpl) Read(dst []byte, off int64) (int, error)  { return s.f.Impl.Read(dst, off) }
func (s *sharedImpl) Write(src []byte, off int64) (int, error) { return s.f.Impl.Write(src, off) }
func (s *sharedImpl) Stat() (vfs.Stat, error)                  { return s.f.Impl.Stat() }

// Release implements vfs.FileImpl.Release: it drops the shared file.
func (s *sharedImpl) Release() {
	if !s.released.Swap(true) {
		s.f.DecRef()
	}
}

// Readiness implements waiter.Waitable.
func (s *sharedImpl) Readiness(mask waiter.Mask) waiter.Mask {
	if w, ok := s.f.Impl.(waiter.Waitable); ok {
		return w.Readiness(mask)
	}
	return mask & (waiter.EventIn | waiter.EventOut)
}

// EventRegister implements waiter.Waitable.
func (s *sharedImpl) EventRegister(e *waiter.Entry) {
	if w, ok := s.f.Impl.(waiter.Waitable); ok {
		w.EventRegister(e)
	}
}

// EventUnregister implements waiter.Waitable.
func (s *sharedImpl) EventUnregister(e *waiter.Entry) {
	if w, ok := s.f.Impl.(waiter.Waitable); ok {
		w.EventUnregister(e)
	}
}

// HostBlocking implements vfs.Blocking.
func (s *sharedImpl) HostBlocking() bool {
	b, ok := s.f.Impl.(vfs.Blocking)
	return ok && b.HostBlocking()
}

// Ioctl implements vfs.Ioctler.
func (s *sharedImpl) Ioctl(mem vfs.Memory, cmd uint32, arg uint64) (uint64, error) {
	if io, ok := s.f.Impl.(vfs.Ioctler); ok {
		return io.Ioctl(mem, cmd, arg)
	}
	return 0, unix.ENOTTY
}
