package mm

import (
	"sync"

	"github.com/moat-dev/moat/sentry/memfile"
)

// Mappable is an object whose pages can be mapped: a file's page cache or
// shared anonymous memory.
type Mappable interface {
	// Page returns the memory-file offset of the page at page-aligned
	// offset off of the object, filling it on first use.
	Page(off uint64) (uint64, error)
	// Name is shown in /proc/[pid]/maps.
	Name() string
}

// PagePeeker is a Mappable that can tell the pages it holds from holes.
// PeekPage returns the memory-file offset of the page at page-aligned
// offset off if the object holds it, without filling a hole; an offset
// past the end is ErrBeyondEOF.
type PagePeeker interface {
	PeekPage(off uint64) (page uint64, present bool, err error)
}

// MappingRefs is implemented by a Mappable whose data must stay alive
// while it is mapped, whoever else lets go of it: a tmpfs file unlinked
// and closed keeps its pages until its last mapping goes, as a Linux VMA
// holds its file. Every VMA of the object holds one mapping reference,
// taken and dropped with the memory manager locked, so the object's own
// lock must come after the memory manager's.
type MappingRefs interface {
	IncMappingRef()
	DecMappingRef()
}

// refVMA takes v's mapping reference on its object.
func refVMA(v *VMA) {
	if r, ok := v.Obj.(MappingRefs); ok {
		r.IncMappingRef()
	}
}

// unrefVMA drops v's mapping reference on its object.
func unrefVMA(v *VMA) {
	if r, ok := v.Obj.(MappingRefs); ok {
		r.DecMappingRef()
	}
}

// DirtyTracker is a Mappable that writes back what the application
// stores through shared mappings (a host file's page cache). The memory
// manager reports each range of it that it lets the application write:
// stores through a writable host mapping cannot be seen one by one.
type DirtyTracker interface {
	MarkDirty(off, length uint64)
}

// WriteBacker is a Mappable whose dirty pages msync writes back.
type WriteBacker interface {
	WriteBack(off, length uint64) error
}

// chunkPages is how many pages a cache fills at once, so that fault-around
// can map them with one host mapping.
const chunkPages = 16

// PageCache is a Mappable whose pages are filled by a read function, or
// zero-filled if it has none. The cache keeps its pages for its lifetime.
type PageCache struct {
	mf   *memfile.File
	name string
	// read fills dst from the object at off and returns how many bytes it
	// read; the rest of dst stays zero.
	read func(dst []byte, off int64) (int, error)

	// size bounds the object: pages wholly past it raise SIGBUS. A
	// negative size is unbounded.
	size int64

	mu     sync.Mutex
	chunks map[uint64]uint64
}

// SetSize bounds the cache at size bytes (a file's length).
func (c *PageCache) SetSize(size int64) { c.size = size }

// NewPageCache returns a cache backed by read, or zero-filled memory if
// read is nil.
func NewPageCache(mf *memfile.File, name string, read func(dst []byte, off int64) (int, error)) *PageCache {
	return &PageCache{mf: mf, name: name, read: read, chunks: make(map[uint64]uint64), size: -1}
}

// Name implements Mappable.Name.
func (c *PageCache) Name() string { return c.name }

// Page implements Mappable.Page.
func (c *PageCache) Page(off uint64) (uint64, error) {
	const chunkSize = chunkPages * memfile.PageSize
	if c.size >= 0 && off >= PageRoundUp(uint64(c.size)) {
		return 0, ErrBeyondEOF
	}
	idx := off / chunkSize
	c.mu.Lock()
	defer c.mu.Unlock()
	base, ok := c.chunks[idx]
	if !ok {
		var err error
		base, err = c.mf.Allocate(chunkPages)
		if err != nil {
			return 0, err
		}
		if c.read != nil {
			buf := c.mf.Bytes(base, chunkSize)
			got := 0
			for got < len(buf) {
				n, err := c.read(buf[got:], int64(idx*chunkSize)+int64(got))
				if n <= 0 || err != nil {
					break
				}
				got += n
			}
		}
		c.chunks[idx] = base
	}
	return base + off%chunkSize, nil
}

// Release frees the cache's pages. Mappings of the cache must be gone.
func (c *PageCache) Release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, base := range c.chunks {
		for i := uint64(0); i < chunkPages; i++ {
			c.mf.DecRef(base + i*memfile.PageSize)
		}
	}
	c.chunks = make(map[uint64]uint64)
}
