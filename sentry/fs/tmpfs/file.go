package tmpfs

import (
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/mm"
	"github.com/moat-dev/moat/sentry/vfs"
)

// maxFileSize is the largest file size (MAX_LFS_FILESIZE).
const maxFileSize = 1<<63 - 1

// ReadAt reads the file's data at off.
func (in *Inode) ReadAt(dst []byte, off int64) (int, error) {
	if off < 0 {
		return 0, unix.EINVAL
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if off >= in.size {
		return 0, nil
	}
	if rem := in.size - off; int64(len(dst)) > rem {
		dst = dst[:rem]
	}
	done := 0
	for done < len(dst) {
		pos := off + int64(done)
		idx := uint64(pos) / pageSize
		in0 := uint64(pos) % pageSize
		n := min(uint64(len(dst)-done), pageSize-in0)
		if p, ok := in.pages[idx]; ok {
			copy(dst[done:done+int(n)], in.fs.mf.Bytes(p+in0, n))
		} else {
			clear(dst[done : done+int(n)])
		}
		done += int(n)
	}
	// relatime: atime moves when it is older than the last change.
	if !after(in.atime, in.mtime) || !after(in.atime, in.ctime) {
		in.atime = vfs.Now()
	}
	return done, nil
}

func after(a, b vfs.Timespec) bool {
	return a.Sec > b.Sec || a.Sec == b.Sec && a.Nsec > b.Nsec
}

// WriteAt writes src at off, growing the file. A write that runs out of
// space stops short; if nothing was written it fails with ENOSPC.
func (in *Inode) WriteAt(src []byte, off int64) (int, error) {
	if off < 0 {
		return 0, unix.EINVAL
	}
	if len(src) == 0 {
		return 0, nil
	}
	if off+int64(len(src)) < off {
		return 0, unix.EFBIG
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if n, err := in.sealedWriteLen(off, len(src)); err != nil {
		return 0, err
	} else {
		src = src[:n]
	}
	done := 0
	var err error
	for done < len(src) {
		pos := off + int64(done)
		idx := uint64(pos) / pageSize
		in0 := uint64(pos) % pageSize
		n := min(uint64(len(src)-done), pageSize-in0)
		p, ok := in.pages[idx]
		if !ok {
			if p, err = in.fs.allocPage(); err != nil {
				break
			}
			in.pages[idx] = p
		}
		copy(in.fs.mf.Bytes(p+in0, n), src[done:done+int(n)])
		done += int(n)
	}
	if end := off + int64(done); end > in.size {
		in.size = end
	}
	if done > 0 {
		in.touchLocked(true, true)
		return done, nil
	}
	return 0, err
}

// truncate sets the size. Pages past the end are freed (or, while the file
// is mapped, zeroed: a mapping may still reach them), and the tail
// of the last page is zeroed so that growing the file again reads zeros.
func (in *Inode) truncate(size int64) error {
	in.mu.Lock()
	if err := in.sealedResize(size); err != nil {
		in.mu.Unlock()
		return err
	}
	var freed []uint64
	shrunk := size < in.size
	if size < in.size {
		last := uint64(size+pageSize-1) / pageSize // first page wholly past the end
		for idx, p := range in.pages {
			if idx >= last {
				if in.maps > 0 {
					clear(in.fs.mf.Bytes(p, pageSize))
				} else {
					freed = append(freed, p)
					delete(in.pages, idx)
				}
			}
		}
		if tail := uint64(size) % pageSize; tail != 0 {
			if p, ok := in.pages[uint64(size)/pageSize]; ok {
				clear(in.fs.mf.Bytes(p+tail, pageSize-tail))
			}
		}
	}
	if size > in.size {
		// Growing reads zeros from the old end on, even where a
		// shared mapping stored past it.
		old := uint64(in.size)
		for idx, p := range in.pages {
			start := idx * pageSize
			if start+pageSize <= old || start >= uint64(size) {
				continue
			}
			from := uint64(0)
			if old > start {
				from = old - start
			}
			clear(in.fs.mf.Bytes(p+from, pageSize-from))
		}
	}
	if size != in.size {
		in.size = size
		in.touchLocked(true, true)
	} else {
		in.touchLocked(true, true)
	}
	var mappers []*mm.MemoryManager
	if shrunk {
		for m := range in.mappers {
			mappers = append(mappers, m)
		}
	}
	in.mu.Unlock()
	in.fs.freePages(freed)
	// Mapped pages wholly past the new end must fault (SIGBUS) rather
	// than keep showing the old page. in.mu is not held: faults take
	// the memory manager's lock, then the file's.
	from := (uint64(size) + pageSize - 1) &^ (pageSize - 1)
	for _, m := range mappers {
		if !m.InvalidateFrom(mappable{in}, from) {
			in.mu.Lock()
			delete(in.mappers, m)
			in.mu.Unlock()
		}
	}
	return nil
}

// PeekPage implements mm.PagePeeker: fault-around maps the file's pages
// but leaves its holes alone, as Linux maps only cached pages around a
// fault.
func (m mappable) PeekPage(off uint64) (uint64, bool, error) {
	in := m.in
	in.mu.Lock()
	defer in.mu.Unlock()
	if off >= (uint64(in.size)+pageSize-1)&^(pageSize-1) {
		return 0, false, mm.ErrBeyondEOF
	}
	p, ok := in.pages[off/pageSize]
	return p, ok, nil
}

// AddMapper implements mm.MapperTracker.
func (m mappable) AddMapper(by *mm.MemoryManager) {
	in := m.in
	in.mu.Lock()
	in.mappers = mm.AddMapperTo(in.mappers, by)
	in.mu.Unlock()
}

// Truncate sets a regular file's size (for ftruncate and O_TRUNC).
func (in *Inode) Truncate(size int64) error {
	if !in.isReg() {
		return unix.EINVAL
	}
	return in.truncate(size)
}

// Size returns a regular file's size.
func (in *Inode) Size() int64 {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.size
}

// allocate implements fallocate.
func (in *Inode) allocate(mode uint32, off, length int64) error {
	const (
		keepSize  = unix.FALLOC_FL_KEEP_SIZE
		punchHole = unix.FALLOC_FL_PUNCH_HOLE
		zeroRange = unix.FALLOC_FL_ZERO_RANGE
	)
	if mode&^(keepSize|punchHole|zeroRange) != 0 {
		return unix.EOPNOTSUPP
	}
	if mode&punchHole != 0 && mode&keepSize == 0 {
		return unix.EOPNOTSUPP
	}
	if mode&punchHole != 0 && mode&zeroRange != 0 {
		return unix.EINVAL
	}
	end := off + length
	if end < off {
		return unix.EFBIG
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	// Sealed files: no hole in written-sealed data, no growth past
	// the end under F_SEAL_GROW (Linux's shmem_fallocate).
	if mode&punchHole != 0 && in.seals&writeSeals != 0 {
		return unix.EPERM
	}
	if mode&punchHole == 0 && in.seals&SealGrow != 0 && end > in.size {
		return unix.EPERM
	}
	if mode&(punchHole|zeroRange) != 0 {
		// Zero [off, end): free whole pages, clear partial ones.
		var freed []uint64
		for idx, p := range in.pages {
			ps := int64(idx * pageSize)
			lo, hi := max(ps, off), min(ps+pageSize, end)
			if lo >= hi {
				continue
			}
			if hi-lo == pageSize && in.maps == 0 {
				freed = append(freed, p)
				delete(in.pages, idx)
			} else {
				clear(in.fs.mf.Bytes(p+uint64(lo-ps), uint64(hi-lo)))
			}
		}
		if len(freed) > 0 {
			in.mu.Unlock()
			in.fs.freePages(freed)
			in.mu.Lock()
		}
		if mode&zeroRange != 0 && mode&keepSize == 0 && end > in.size {
			in.size = end
		}
		in.touchLocked(true, true)
		return nil
	}
	need := (end+pageSize-1)/pageSize - off/pageSize
	if lim := in.fs.maxPages; lim > 0 && need > lim-in.fs.pages.Load() || need > 1<<24 {
		return unix.ENOSPC
	}
	for idx := uint64(off) / pageSize; idx*pageSize < uint64(end); idx++ {
		if _, ok := in.pages[idx]; ok {
			continue
		}
		p, err := in.fs.allocPage()
		if err != nil {
			return err
		}
		in.pages[idx] = p
	}
	if mode&keepSize == 0 && end > in.size {
		in.size = end
		in.touchLocked(true, true)
	}
	return nil
}

// mappable is a tmpfs file as mm sees it.
type mappable struct{ in *Inode }

// Name implements mm.Mappable.
func (m mappable) Name() string { return "" }

// Shmem implements mm.ShmemMappable: tmpfs pages are shared memory.
func (m mappable) Shmem() {}

// Page implements mm.Mappable: the file's own page, allocated if it is a
// hole.
func (m mappable) Page(off uint64) (uint64, error) {
	in := m.in
	in.mu.Lock()
	defer in.mu.Unlock()
	if off >= (uint64(in.size)+pageSize-1)&^(pageSize-1) {
		return 0, mm.ErrBeyondEOF
	}
	idx := off / pageSize
	p, ok := in.pages[idx]
	if !ok {
		var err error
		if p, err = in.fs.allocPage(); err != nil {
			return 0, err
		}
		in.pages[idx] = p
	}
	return p, nil
}

// Mappable returns the file's pages for mmap.
func (in *Inode) Mappable() mm.Mappable { return mappable{in} }

// IncMappingRef implements mm.MappingRefs.
func (m mappable) IncMappingRef() {
	m.in.mu.Lock()
	m.in.maps++
	m.in.mu.Unlock()
}

// DecMappingRef implements mm.MappingRefs: the last mapping of a file
// with no name and no open file frees its pages.
func (m mappable) DecMappingRef() {
	in := m.in
	in.mu.Lock()
	in.maps--
	if in.maps < 0 {
		in.mu.Unlock()
		panic("tmpfs: mapping reference dropped twice")
	}
	last := in.maps == 0
	in.mu.Unlock()
	if last {
		in.maybeFree()
	}
}

// regFile is an open regular file.
type regFile struct {
	vfs.NoImpl
	vfs.AlwaysReady
	in *Inode
}

var (
	_ vfs.Seekable  = (*regFile)(nil)
	_ vfs.Mapper    = (*regFile)(nil)
	_ vfs.Allocator = (*regFile)(nil)
	_ vfs.Syncer    = (*regFile)(nil)
)

func (f *regFile) Read(dst []byte, off int64) (int, error)  { return f.in.ReadAt(dst, off) }
func (f *regFile) Write(src []byte, off int64) (int, error) { return f.in.WriteAt(src, off) }
func (f *regFile) Stat() (vfs.Stat, error)                  { return f.in.Stat() }
func (f *regFile) Size() (int64, error)                     { return f.in.Size(), nil }
func (f *regFile) Sync() error                              { return nil }

// Inode returns the file's inode.
func (f *regFile) Inode() *Inode { return f.in }

// Mappable implements vfs.Mapper.
func (f *regFile) Mappable() (mm.Mappable, error) { return f.in.Mappable(), nil }

// Seals, AddSeals and WriteSealed serve F_GET_SEALS, F_ADD_SEALS and mmap.
func (f *regFile) Seals() uint32               { return f.in.Seals() }
func (f *regFile) AddSeals(seals uint32) error { return f.in.AddSeals(seals) }
func (f *regFile) WriteSealed() bool           { return f.in.WriteSealed() }

// Allocate implements vfs.Allocator.
func (f *regFile) Allocate(mode uint32, off, length int64) error {
	return f.in.allocate(mode, off, length)
}

// Release implements vfs.FileImpl.Release.
func (f *regFile) Release() {
	in := f.in
	in.mu.Lock()
	in.opens--
	in.mu.Unlock()
	in.maybeFree()
}

// Tmpfile implements vfs.TmpfileDir.
func (in *Inode) Tmpfile(n vfs.NewNode, flags int, excl bool) (vfs.Inode, vfs.FileImpl, error) {
	if !in.isDir() {
		return nil, nil, unix.ENOTDIR
	}
	if err := in.fs.reserveInode(); err != nil {
		return nil, nil, err
	}
	child, impl := in.fs.NewUnlinkedFile(n.Mode, n.UID, n.GID)
	child.linkable = !excl
	return child, impl, nil
}

// NewUnlinkedFile returns an open regular file with no name (memfd_create,
// O_TMPFILE), with the given mode and owner.
func (fs *FS) NewUnlinkedFile(mode, uid, gid uint32) (*Inode, vfs.FileImpl) {
	in := fs.newInode(vfs.NewNode{Mode: unix.S_IFREG | mode&07777, UID: uid, GID: gid})
	in.nlink = 0
	in.opens = 1
	fs.inodes.Add(-1)
	return in, &regFile{in: in}
}
