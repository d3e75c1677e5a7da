package gofer

import (
	"sync"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/memfile"
	"github.com/moat-dev/moat/sentry/mm"
)

// A mapped host file has one page cache in the sentry, made the first
// time the file is mapped. Mappings (shared and private) map its pages;
// what the application stores through a shared mapping lands in them and
// is written back to the host file on msync, fsync, and when the last
// mapping goes (munmap, exit). While the file is mapped, read(2) reads
// the cached pages, so it sees such stores at once; write(2),
// truncation and hole punching change both the host file and the cached
// pages, so the cache never holds older data than the sandbox wrote.
// A shrink unmaps the pages past the new end from every memory manager,
// so that touching them raises SIGBUS.
//
// When the last mapping goes, the cache keeps its pages for a while (see
// idleCaches): the next process to map the file (a program run again, a
// shared library) finds them, where Linux's page cache would have them.

// cacheChunk is how many bytes the cache fills from the host at once.
const cacheChunk = chunkPages * memfile.PageSize

const chunkPages = 16

// fileCache is a gofer file's page cache.
type fileCache struct {
	i  *inode
	mf *memfile.File

	mu sync.Mutex
	// size is the file's size: pages wholly past it raise SIGBUS.
	size int64
	// chunks maps a chunk index to the memory-file offset of its pages.
	chunks map[uint64]uint64
	// dirty holds the chunks that a shared writable mapping may have
	// changed since they were last written back.
	dirty map[uint64]struct{}
	// maps counts the VMAs mapping the cache (mm.MappingRefs).
	maps    int
	mappers map[*mm.MemoryManager]struct{}

	// idle is set, under idleCaches.mu, while the cache is in the
	// idle list, with the host file's stamp when it went there and
	// the pages it then held.
	idle      bool
	stamp     fileStamp
	idlePages uint64
}

// fileStamp is what a change to a host file from outside the sandbox
// changes: a cache kept while the file was not mapped is used again only
// if it is the same. (The sandbox's own writes update the cache.)
type fileStamp struct {
	ino, size    int64
	mtime, ctime unix.Timespec
}

func stampOf(st *unix.Stat_t) fileStamp {
	return fileStamp{ino: int64(st.Ino), size: st.Size, mtime: st.Mtim, ctime: st.Ctim}
}

// Unmapped caches kept, at most maxIdleCaches of them and maxIdlePages
// pages in all, the least recently unmapped freed first. Each holds its
// inode, and so its FID, as an idle FD does (maxIdleFDs).
const (
	maxIdleCaches = 64
	maxIdlePages  = 64 << 20 / memfile.PageSize
)

var idleCaches struct {
	mu    sync.Mutex
	lru   []*fileCache // oldest first
	pages uint64
}

var (
	_ mm.Mappable      = (*fileCache)(nil)
	_ mm.MappingRefs   = (*fileCache)(nil)
	_ mm.MapperTracker = (*fileCache)(nil)
	_ mm.DirtyTracker  = (*fileCache)(nil)
	_ mm.WriteBacker   = (*fileCache)(nil)
	_ mm.PagePeeker    = (*fileCache)(nil)
)

func newFileCache(i *inode, size int64) *fileCache {
	return &fileCache{i: i, mf: i.fs.mf, size: size, chunks: make(map[uint64]uint64), dirty: make(map[uint64]struct{})}
}

// Name implements mm.Mappable.
func (c *fileCache) Name() string { return "" }

func (c *fileCache) endLocked() uint64 {
	return (uint64(c.size) + memfile.PageSize - 1) &^ (memfile.PageSize - 1)
}

// chunkLocked returns the memory-file offset of chunk idx, filling it
// from the host file on first use.
func (c *fileCache) chunkLocked(idx uint64) (uint64, error) {
	if base, ok := c.chunks[idx]; ok {
		return base, nil
	}
	base, err := c.mf.Allocate(chunkPages)
	if err != nil {
		return 0, err
	}
	start := int64(idx * cacheChunk)
	if start < c.size {
		fill := min(cacheChunk, uint64(c.size-start))
		c.mf.Populate(base, fill)
		buf := c.mf.Bytes(base, fill)
		for got := 0; got < len(buf); {
			n, err := c.i.pread(buf[got:], start+int64(got))
			if n <= 0 || err != nil {
				break
			}
			got += n
		}
	}
	c.chunks[idx] = base
	return base, nil
}

// Page implements mm.Mappable.
func (c *fileCache) Page(off uint64) (uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if off >= c.endLocked() {
		return 0, mm.ErrBeyondEOF
	}
	base, err := c.chunkLocked(off / cacheChunk)
	if err != nil {
		return 0, err
	}
	return base + off%cacheChunk, nil
}

// PeekPage implements mm.PagePeeker: fault-around maps the pages already
// cached and stops at the end of the file.
func (c *fileCache) PeekPage(off uint64) (uint64, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if off >= c.endLocked() {
		return 0, false, mm.ErrBeyondEOF
	}
	base, ok := c.chunks[off/cacheChunk]
	return base + off%cacheChunk, ok, nil
}

// AddMapper implements mm.MapperTracker.
func (c *fileCache) AddMapper(m *mm.MemoryManager) {
	c.mu.Lock()
	c.mappers = mm.AddMapperTo(c.mappers, m)
	c.mu.Unlock()
}

// MarkDirty implements mm.DirtyTracker.
func (c *fileCache) MarkDirty(off, length uint64) {
	c.mu.Lock()
	for idx := off / cacheChunk; idx*cacheChunk < off+length; idx++ {
		if _, ok := c.chunks[idx]; ok {
			c.dirty[idx] = struct{}{}
		}
	}
	c.mu.Unlock()
}

// IncMappingRef implements mm.MappingRefs.
func (c *fileCache) IncMappingRef() {
	c.mu.Lock()
	c.maps++
	if c.maps == 1 {
		unkeep(c)
	}
	c.mu.Unlock()
}

// DecMappingRef implements mm.MappingRefs: the last mapping's stores are
// written back to the host file, and the cache goes to the idle list,
// which frees its pages in time: an unmapped file costs memory only for
// a while, and a file whose dentry is forgotten leaks none.
func (c *fileCache) DecMappingRef() {
	c.mu.Lock()
	c.maps--
	if c.maps != 0 {
		c.mu.Unlock()
		return
	}
	if err := c.writeBackLocked(0, ^uint64(0)); err != nil {
		// Keep the data: a later msync, fsync or mapping may succeed.
		c.mu.Unlock()
		return
	}
	clear(c.dirty)
	c.mu.Unlock()
	if st, ok := c.i.hostStat(); ok {
		keepIdle(c, stampOf(&st))
	} else {
		c.freeIfUnmapped()
	}
}

// freeIfUnmapped gives the pages back to the memory file unless a
// mapping of the cache was made meanwhile.
func (c *fileCache) freeIfUnmapped() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.maps != 0 || len(c.dirty) != 0 {
		return
	}
	var freed []uint64
	for _, base := range c.chunks {
		for p := uint64(0); p < chunkPages; p++ {
			freed = append(freed, base+p*memfile.PageSize)
		}
	}
	clear(c.chunks)
	c.mf.DecRef(freed...)
}

// keepIdle puts the unmapped cache c, whose host file has stamp st, at
// the end of the idle list, and frees the caches beyond the list's
// bounds.
func keepIdle(c *fileCache, st fileStamp) {
	c.mu.Lock()
	if c.maps != 0 {
		c.mu.Unlock()
		return
	}
	pages := uint64(len(c.chunks)) * chunkPages
	c.mu.Unlock()
	idleCaches.mu.Lock()
	unkeepLocked(c)
	c.idle, c.stamp, c.idlePages = true, st, pages
	idleCaches.lru = append(idleCaches.lru, c)
	idleCaches.pages += pages
	var evict []*fileCache
	for len(idleCaches.lru) > maxIdleCaches || idleCaches.pages > maxIdlePages {
		e := idleCaches.lru[0]
		unkeepLocked(e)
		evict = append(evict, e)
	}
	idleCaches.mu.Unlock()
	for _, e := range evict {
		e.freeIfUnmapped()
	}
}

// unkeep takes c out of the idle list, if it is there.
func unkeep(c *fileCache) {
	idleCaches.mu.Lock()
	unkeepLocked(c)
	idleCaches.mu.Unlock()
}

func unkeepLocked(c *fileCache) {
	if !c.idle {
		return
	}
	c.idle = false
	idleCaches.pages -= c.idlePages
	for i, e := range idleCaches.lru {
		if e == c {
			idleCaches.lru = append(idleCaches.lru[:i], idleCaches.lru[i+1:]...)
			break
		}
	}
}

// stale reports whether c was kept unmapped and its host file has
// changed since, by its stamp now, st: it is then taken out of the idle
// list, to be freed by the caller.
func (c *fileCache) stale(st fileStamp) bool {
	idleCaches.mu.Lock()
	defer idleCaches.mu.Unlock()
	if !c.idle || c.stamp == st {
		return false
	}
	unkeepLocked(c)
	return true
}

// WriteBack implements mm.WriteBacker (msync). The chunks stay dirty:
// a writable host mapping may still store to them.
func (c *fileCache) WriteBack(off, length uint64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writeBackLocked(off, length)
}

// sync writes every dirty chunk back (fsync).
func (c *fileCache) sync() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writeBackLocked(0, ^uint64(0))
}

// writeBackLocked writes the dirty chunks overlapping [off, off+length)
// to the host file, up to the file's end.
func (c *fileCache) writeBackLocked(off, length uint64) error {
	if len(c.dirty) == 0 {
		return nil
	}
	end := off + length
	if end < off {
		end = ^uint64(0)
	}
	fd, release, err := c.i.writeFD()
	if err != nil {
		return err
	}
	defer release()
	for idx := range c.dirty {
		start := idx * cacheChunk
		if start+cacheChunk <= off || start >= end || start >= uint64(c.size) {
			continue
		}
		n := min(cacheChunk, uint64(c.size)-start)
		if _, err := unix.Pwrite(fd, c.mf.Bytes(c.chunks[idx], n), int64(start)); err != nil {
			return err
		}
	}
	return nil
}

// mapped reports whether any mapping of the cache is left, in which case
// read(2) must read the cached pages.
func (c *fileCache) mapped() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.maps > 0
}

// read reads the file at off from the cached pages where it has them and
// from the host file elsewhere.
func (c *fileCache) read(dst []byte, off int64) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if off >= c.size {
		return 0, nil
	}
	if rem := c.size - off; int64(len(dst)) > rem {
		dst = dst[:rem]
	}
	done := 0
	for done < len(dst) {
		pos := uint64(off) + uint64(done)
		idx, in := pos/cacheChunk, pos%cacheChunk
		n := min(uint64(len(dst)-done), cacheChunk-in)
		if base, ok := c.chunks[idx]; ok {
			copy(dst[done:done+int(n)], c.mf.Bytes(base+in, n))
		} else {
			got, err := c.i.pread(dst[done:done+int(n)], int64(pos))
			if err != nil {
				if done > 0 {
					return done, nil
				}
				return 0, err
			}
			if got < int(n) {
				return done + got, nil
			}
		}
		done += int(n)
	}
	return done, nil
}

// wrote updates the cached pages after write(2) put src at off in the
// host file.
func (c *fileCache) wrote(src []byte, off int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for done := 0; done < len(src); {
		pos := uint64(off) + uint64(done)
		idx, in := pos/cacheChunk, pos%cacheChunk
		n := min(uint64(len(src)-done), cacheChunk-in)
		if base, ok := c.chunks[idx]; ok {
			copy(c.mf.Bytes(base+in, n), src[done:done+int(n)])
		}
		done += int(n)
	}
	if end := off + int64(len(src)); end > c.size {
		c.size = end
	}
}

// zero clears the cached bytes of [off, end) (a punched hole).
func (c *fileCache) zero(off, end int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.zeroLocked(off, end)
}

func (c *fileCache) zeroLocked(off, end int64) {
	for idx, base := range c.chunks {
		cs := int64(idx * cacheChunk)
		lo, hi := max(cs, off), min(cs+cacheChunk, end)
		if lo < hi {
			clear(c.mf.Bytes(base+uint64(lo-cs), uint64(hi-lo)))
		}
	}
}

// truncate sets the cached size after the host file was truncated to
// size. Mappings lose the pages wholly past the new end (they raise
// SIGBUS there); the cached bytes past it read as zeros if the file
// grows again.
func (c *fileCache) truncate(size int64) {
	c.mu.Lock()
	old := c.size
	c.size = size
	c.zeroLocked(min(old, size), 1<<62)
	var mappers []*mm.MemoryManager
	if size < old {
		for m := range c.mappers {
			mappers = append(mappers, m)
		}
	}
	c.mu.Unlock()
	from := (uint64(size) + memfile.PageSize - 1) &^ (memfile.PageSize - 1)
	var unused []*mm.MemoryManager
	for _, m := range mappers {
		if !m.InvalidateFrom(c, from) {
			unused = append(unused, m)
		}
	}
	// No page table reaches the chunks wholly past the end now, and no
	// fault can map them again: free them.
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range unused {
		delete(c.mappers, m)
	}
	if c.size != size {
		return
	}
	var freed []uint64
	for idx, base := range c.chunks {
		if idx*cacheChunk >= from {
			for p := uint64(0); p < chunkPages; p++ {
				freed = append(freed, base+p*memfile.PageSize)
			}
			delete(c.chunks, idx)
			delete(c.dirty, idx)
		}
	}
	c.mf.DecRef(freed...)
}
