package vfs

import (
	"sync"

	"golang.org/x/sys/unix"
)

type fdEntry struct {
	file    *File
	cloexec bool
}

// FDTable maps file descriptors to open files.
type FDTable struct {
	mu    sync.Mutex
	files []fdEntry // index is the fd; nil file is free
}

// NewFDTable returns an empty table.
func NewFDTable() *FDTable { return &FDTable{} }

// New installs f at the lowest free fd >= min, below limit.
func (t *FDTable) New(min int, f *File, cloexec bool, limit int) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for fd := min; fd < limit; fd++ {
		if fd >= len(t.files) {
			t.grow(fd + 1)
		}
		if t.files[fd].file == nil {
			f.IncRef()
			t.files[fd] = fdEntry{f, cloexec}
			return fd, nil
		}
	}
	return -1, unix.EMFILE
}

func (t *FDTable) grow(n int) {
	for len(t.files) < n {
		t.files = append(t.files, fdEntry{})
	}
}

// Set installs f at fd, closing what was there (dup2). limit is
// RLIMIT_NOFILE.
func (t *FDTable) Set(fd int, f *File, cloexec bool, limit int) error {
	if fd < 0 || fd >= limit {
		return unix.EBADF
	}
	t.mu.Lock()
	if fd >= len(t.files) {
		t.grow(fd + 1)
	}
	old := t.files[fd].file
	f.IncRef()
	t.files[fd] = fdEntry{f, cloexec}
	t.mu.Unlock()
	if old != nil {
		runCloseHooks(t, old)
		old.DecRef()
	}
	return nil
}

// Get returns the file at fd with a new reference, which the caller must
// drop.
func (t *FDTable) Get(fd int) (*File, bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if fd < 0 || fd >= len(t.files) || t.files[fd].file == nil {
		return nil, false, unix.EBADF
	}
	e := t.files[fd]
	e.file.IncRef()
	return e.file, e.cloexec, nil
}

// SetCloexec changes fd's close-on-exec flag.
func (t *FDTable) SetCloexec(fd int, cloexec bool) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if fd < 0 || fd >= len(t.files) || t.files[fd].file == nil {
		return unix.EBADF
	}
	t.files[fd].cloexec = cloexec
	return nil
}

// Remove closes fd.
func (t *FDTable) Remove(fd int) error {
	t.mu.Lock()
	if fd < 0 || fd >= len(t.files) || t.files[fd].file == nil {
		t.mu.Unlock()
		return unix.EBADF
	}
	f := t.files[fd].file
	t.files[fd] = fdEntry{}
	t.mu.Unlock()
	runCloseHooks(t, f)
	f.DecRef()
	return nil
}

// Fork returns a copy of the table sharing the open files.
func (t *FDTable) Fork() *FDTable {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := &FDTable{files: make([]fdEntry, len(t.files))}
	copy(c.files, t.files)
	for _, e := range c.files {
		if e.file != nil {
			e.file.IncRef()
		}
	}
	return c
}

// CloseOnExec closes every fd marked close-on-exec.
func (t *FDTable) CloseOnExec() {
	t.mu.Lock()
	var closed []*File
	for i, e := range t.files {
		if e.file != nil && e.cloexec {
			closed = append(closed, e.file)
			t.files[i] = fdEntry{}
		}
	}
	t.mu.Unlock()
	for _, f := range closed {
		runCloseHooks(t, f)
		f.DecRef()
	}
}

// CloseAll closes every fd.
func (t *FDTable) CloseAll() {
	t.mu.Lock()
	files := t.files
	t.files = nil
	t.mu.Unlock()
	for _, e := range files {
		if e.file != nil {
			runCloseHooks(t, e.file)
			e.file.DecRef()
		}
	}
}

// FDs returns the open fds in order, for /proc/[pid]/fd.
func (t *FDTable) FDs() []int {
	t.mu.Lock()
	defer t.mu.Unlock()
	var fds []int
	for i, e := range t.files {
		if e.file != nil {
			fds = append(fds, i)
		}
	}
	return fds
}

// MaxFDs returns the table's size as Linux's fdtable max_fds would be: a
// multiple of 64 covering every fd ever installed. select(2) looks at no
// fd beyond it.
func (t *FDTable) MaxFDs() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return max(64, (len(t.files)+63)&^63)
}
