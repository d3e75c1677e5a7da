package vfs

import (
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/mm"
	"github.com/moat-dev/moat/sentry/waiter"
)

// FileImpl is what a filesystem provides for an open file. Read and Write
// must not block: they return EAGAIN when they would, and the syscall
// layer waits for readiness (see waiter.Waitable) unless the file is
// non-blocking. off is the file offset for seekable files and is ignored
// by streams.
type FileImpl interface {
	Read(dst []byte, off int64) (int, error)
	Write(src []byte, off int64) (int, error)
	Stat() (Stat, error)
	Release()
}

// Seekable is implemented by files with an offset. Size serves SEEK_END.
type Seekable interface {
	Size() (int64, error)
}

// NoopSeeker is implemented by files whose lseek succeeds without moving
// (Linux's noop_llseek), such as eventfds.
type NoopSeeker interface{ NoopSeek() }

// Dirent is a directory entry.
type Dirent struct {
	Ino  uint64
	Type uint8
	Name string
}

// DirReader is implemented by directories.
type DirReader interface {
	// Readdir returns the entries other than "." and "..", which the
	// getdents syscall adds.
	Readdir() ([]Dirent, error)
}

// Memory is application memory, for ioctls.
type Memory interface {
	CopyIn(addr uint64, dst []byte) (int, error)
	CopyOut(addr uint64, src []byte) (int, error)
}

// Ioctler is implemented by files that take ioctls.
type Ioctler interface {
	Ioctl(mem Memory, cmd uint32, arg uint64) (uint64, error)
}

// Mapper is implemented by files that can be mmapped.
type Mapper interface {
	Mappable() (mm.Mappable, error)
}

// Blocking is implemented by files whose Read and Write block on the host
// (host FDs in blocking mode); the syscall layer does not wait for them.
type Blocking interface{ HostBlocking() bool }

// NoImpl provides the errors of a file that supports nothing; FileImpls
// embed it and override what they support.
type NoImpl struct{}

// Read implements FileImpl.Read.
func (NoImpl) Read([]byte, int64) (int, error) { return 0, unix.EINVAL }

// Write implements FileImpl.Write.
func (NoImpl) Write([]byte, int64) (int, error) { return 0, unix.EINVAL }

// Release implements FileImpl.Release.
func (NoImpl) Release() {}

// File is an open file description.
type File struct {
	refs atomic.Int64
	Impl FileImpl
	VD   VirtualDentry
	// flags holds the access mode and status flags (O_APPEND, O_NONBLOCK).
	flags atomic.Uint32

	// PosMu serializes offset updates.
	PosMu sync.Mutex
	Pos   int64
	// Dir caches a directory's entries between getdents calls.
	Dir []Dirent
}

// NewFile returns a file description with one reference.
func NewFile(impl FileImpl, vd VirtualDentry, flags int) *File {
	f := &File{Impl: impl, VD: vd}
	f.flags.Store(uint32(flags &^ (unix.O_CLOEXEC | unix.O_CREAT | unix.O_EXCL | unix.O_NOCTTY | unix.O_TRUNC)))
	f.refs.Store(1)
	if o, ok := impl.(StatusFlagsObserver); ok {
		o.StatusFlagsChanged(f.Flags())
	}
	return f
}

// StatusFlagsObserver is implemented by a FileImpl whose behaviour depends
// on status flags of its one open file description (a pipe end writes
// packets when O_DIRECT is set). NewFile and SetFlags pass it the flags.
type StatusFlagsObserver interface {
	StatusFlagsChanged(flags int)
}

// IncRef takes a reference.
func (f *File) IncRef() { f.refs.Add(1) }

// OnRelease, if set, runs when a file's last reference is dropped, before
// its implementation is released (epoll uses it to forget the file).
var OnRelease func(*File)

// releaseHooks run, after OnRelease, when a file's last reference is
// dropped (file locks use one to drop a description's locks).
var releaseHooks []func(*File)

// AddReleaseHook adds fn to what runs when a file's last reference is
// dropped. Call it only during initialization.
func AddReleaseHook(fn func(*File)) { releaseHooks = append(releaseHooks, fn) }

// closeHooks run when an FD table closes one of its fds.
var closeHooks []func(*FDTable, *File)

// AddCloseHook adds fn to what runs when an fd of table t that refers to
// f is closed (close, dup2 over it, close-on-exec, exit), before the
// table drops its reference: POSIX record locks are released then. Call
// it only during initialization.
func AddCloseHook(fn func(t *FDTable, f *File)) { closeHooks = append(closeHooks, fn) }

func runCloseHooks(t *FDTable, f *File) {
	for _, fn := range closeHooks {
		fn(t, f)
	}
}

// DecRef drops a reference, releasing the file at zero.
func (f *File) DecRef() {
	if f.refs.Add(-1) == 0 {
		if OnRelease != nil {
			OnRelease(f)
		}
		for _, fn := range releaseHooks {
			fn(f)
		}
		f.Impl.Release()
	}
}

// Flags returns the access mode and status flags.
func (f *File) Flags() int { return int(f.flags.Load()) }

// settableFlags are the status flags F_SETFL may change.
const settableFlags = unix.O_APPEND | unix.O_NONBLOCK | unix.O_ASYNC | unix.O_DIRECT | unix.O_NOATIME

// SetFlags implements F_SETFL.
func (f *File) SetFlags(flags int) {
	for {
		old := f.flags.Load()
		n := old&^settableFlags | uint32(flags)&settableFlags
		if f.flags.CompareAndSwap(old, n) {
			if o, ok := f.Impl.(StatusFlagsObserver); ok {
				o.StatusFlagsChanged(int(n))
			}
			return
		}
	}
}

// Readable reports whether the file was opened for reading.
func (f *File) Readable() bool {
	m := f.Flags() & unix.O_ACCMODE
	return m == unix.O_RDONLY || m == unix.O_RDWR
}

// Writable reports whether the file was opened for writing.
func (f *File) Writable() bool {
	m := f.Flags() & unix.O_ACCMODE
	return m == unix.O_WRONLY || m == unix.O_RDWR
}

// ScatterReader is a file that reads into several buffers at once without
// blocking on the sandbox or touching sentry state (a host file), so that
// read system calls can read from it straight into application memory.
type ScatterReader interface {
	ReadScatter(bufs [][]byte, off int64) (int, error)
}

// ReadThrougher is a wrapper whose reads are those of another file.
type ReadThrougher interface {
	ReadThrough() FileImpl
}

// ReadSideOf returns the first of impl and the files whose reads it
// serves through wrappers (ReadThrougher) that is a T: the file that
// serves impl's reads, and says where its data is, if it is a T.
func ReadSideOf[T any](impl FileImpl) (T, bool) {
	for impl != nil {
		if s, ok := impl.(T); ok {
			return s, true
		}
		w, ok := impl.(ReadThrougher)
		if !ok {
			break
		}
		impl = w.ReadThrough()
	}
	var none T
	return none, false
}

// Seekable reports whether the file has an offset.
func (f *File) Seekable() bool {
	_, ok := f.Impl.(Seekable)
	return ok
}

// Waitable returns the file's readiness interface, if it has one.
func (f *File) Waitable() (waiter.Waitable, bool) {
	w, ok := f.Impl.(waiter.Waitable)
	return w, ok
}

// AlwaysReady is embedded by files that never block: regular files and
// directories.
type AlwaysReady struct{}

// AlwaysReadyFile is implemented by files that embed AlwaysReady; epoll
// refuses them, as Linux refuses regular files.
type AlwaysReadyFile interface{ IsAlwaysReady() }

// IsAlwaysReady implements AlwaysReadyFile.
func (AlwaysReady) IsAlwaysReady() {}

// Readiness implements waiter.Waitable.Readiness.
func (AlwaysReady) Readiness(mask waiter.Mask) waiter.Mask {
	return mask & (waiter.EventIn | waiter.EventOut | waiter.EventRdNorm | waiter.EventWrNorm)
}

// EventRegister implements waiter.Waitable.EventRegister.
func (AlwaysReady) EventRegister(*waiter.Entry) {}

// EventUnregister implements waiter.Waitable.EventUnregister.
func (AlwaysReady) EventUnregister(*waiter.Entry) {}
