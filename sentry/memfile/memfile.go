// Package memfile manages the memory file: one memfd that backs every
// anonymous and private page of every application in the sandbox. The
// sentry maps the whole file into its own address space, so reading and
// writing application memory is a translation plus a copy.
package memfile

import (
	"fmt"
	"sort"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// PageSize is the size of one page.
const PageSize = 4096

// File is the memory file and its page allocator. Pages are reference
// counted: an application page shared copy-on-write by two address spaces
// holds two references.
type File struct {
	fd   int
	data []byte
	size uint64

	mu   sync.Mutex
	next uint64   // bump pointer for contiguous allocations
	free []uint64 // single free pages, already zeroed by hole punching
	refs map[uint64]int32
	used uint64 // pages in use

	// punchq holds freed pages whose holes are yet to be punched; a
	// goroutine does it while punching is set, then signals idle.
	punchq   []uint64
	punching bool
	idle     sync.Cond
}

// New creates a memory file of size bytes (sparse: only touched pages use
// memory).
func New(size uint64) (*File, error) {
	fd, err := unix.MemfdCreate("moat-memory", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("size memory file: %w", err)
	}
	data, err := unix.Mmap(fd, 0, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_NORESERVE)
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("map memory file: %w", err)
	}
	f := &File{fd: fd, data: data, size: size, refs: make(map[uint64]int32)}
	f.idle.L = &f.mu
	return f, nil
}

// FD returns the memfd.
func (f *File) FD() int { return f.fd }

// Allocate returns the offset of n contiguous zeroed pages, each with one
// reference.
func (f *File) Allocate(n uint64) (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var off uint64
	if n == 1 && len(f.free) > 0 {
		off = f.free[len(f.free)-1]
		f.free = f.free[:len(f.free)-1]
	} else {
		if f.next+n*PageSize > f.size {
			return 0, unix.ENOMEM
		}
		off = f.next
		f.next += n * PageSize
	}
	for i := uint64(0); i < n; i++ {
		f.refs[off+i*PageSize] = 1
	}
	f.used += n
	return off, nil
}

// IncRef takes another reference on the page at off.
func (f *File) IncRef(off uint64) {
	f.mu.Lock()
	f.refs[off]++
	f.mu.Unlock()
}

// Refs returns the reference count of the page at off.
func (f *File) Refs(off uint64) int32 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refs[off]
}

// DecRef drops one reference on each page in offs, freeing the pages that
// reach zero. Their memory goes back to the host soon after, in the
// background: an munmap or an exit does not wait for it.
func (f *File) DecRef(offs ...uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.punchq)
	for _, off := range offs {
		r := f.refs[off] - 1
		if r > 0 {
			f.refs[off] = r
			continue
		}
		if r < 0 {
			panic(fmt.Sprintf("memfile: page %#x freed twice", off))
		}
		delete(f.refs, off)
		f.punchq = append(f.punchq, off)
	}
	f.used -= uint64(len(f.punchq) - n)
	if len(f.punchq) > 0 && !f.punching {
		f.punching = true
		go f.punchLoop()
	}
}

// punchLoop punches the holes of the queued pages until the queue is
// empty: a fallocate per run of pages, which both returns the memory to
// the host and zeroes the pages for their next user. The pages join the
// free list only then: a page handed out before its punch would lose what
// its new owner wrote.
func (f *File) punchLoop() {
	f.mu.Lock()
	for len(f.punchq) > 0 {
		freed := f.punchq
		f.punchq = nil
		f.mu.Unlock()
		sort.Slice(freed, func(i, j int) bool { return freed[i] < freed[j] })
		for i := 0; i < len(freed); {
			j := i + 1
			for j < len(freed) && freed[j] == freed[j-1]+PageSize {
				j++
			}
			unix.Fallocate(f.fd, unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE, int64(freed[i]), int64(uint64(j-i)*PageSize))
			i = j
		}
		f.mu.Lock()
		f.free = append(f.free, freed...)
	}
	f.punching = false
	f.idle.Broadcast()
	f.mu.Unlock()
}

// settle waits until every freed page is back on the free list.
func (f *File) settle() {
	f.mu.Lock()
	for f.punching {
		f.idle.Wait()
	}
	f.mu.Unlock()
}

// Bytes returns the sentry's view of [off, off+n).
func (f *File) Bytes(off, n uint64) []byte {
	return f.data[off : off+n : off+n]
}

// Populate makes [off, off+n) present in the sentry's view before a
// caller fills it: one madvise(MADV_POPULATE_WRITE) allocates and maps
// the pages, where filling them would take a page fault each, several
// times dearer (a quarter of the time for a 64 KiB read on a
// virtualized host). It is only a hint: on a kernel without it (before
// 5.14) the faults happen as before.
func (f *File) Populate(off, n uint64) {
	if n == 0 {
		return
	}
	b := f.data[off : off+n]
	unix.Syscall(unix.SYS_MADVISE, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), unix.MADV_POPULATE_WRITE)
}

// UsedPages returns how many pages are allocated.
func (f *File) UsedPages() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.used
}
