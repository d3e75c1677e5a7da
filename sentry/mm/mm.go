// Package mm is the application memory manager: the VMAs of an address
// space, the pages that back them in the memory file, demand paging,
// copy-on-write after fork, and copying to and from application memory.
package mm

import (
	"sort"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/platform"
	"github.com/moat-dev/moat/sentry/memfile"
)

const (
	pageSize = memfile.PageSize
	pageMask = pageSize - 1
	// faultAround is the window populated and mapped on a read fault.
	faultAround = chunkPages * pageSize
)

// MaxAddr is the end of the application's usable address space. The
// platform keeps its stub above it.
var MaxAddr uint64 = 0x7ffffff00000

// MinAddr is the lowest address mmap hands out (vm.mmap_min_addr).
const MinAddr = 0x10000

// PageRoundDown and PageRoundUp align addresses to pages.
func PageRoundDown(a uint64) uint64 { return a &^ pageMask }

// PageRoundUp rounds a up to a page boundary; it returns 0 on overflow.
func PageRoundUp(a uint64) uint64 {
	r := (a + pageMask) &^ pageMask
	if r < a {
		return 0
	}
	return r
}

// VMA is one mapping.
type VMA struct {
	Start, End uint64
	Perms      platform.AccessType
	MaxPerms   platform.AccessType
	Private    bool
	// Obj is nil for private anonymous memory.
	Obj Mappable
	// Off is the object offset that Start maps.
	Off uint64
	// Name overrides the object name in /proc/[pid]/maps ("[heap]").
	Name string
	// Dev and Ino identify the mapped file for /proc/[pid]/maps.
	Dev, Ino uint64
	// Locked is set by mlock.
	Locked bool
	// Policy is the range's NUMA policy (mbind), nil for none.
	Policy *Policy
}

func (v *VMA) objOff(addr uint64) uint64 { return v.Off + (addr - v.Start) }

type pte struct {
	off   uint64 // memory-file offset
	owned bool   // a private page holding a reference
	// excl says that the page's reference is its only one, so that
	// a write needs no look at the count: only Fork adds references
	// to a page, and it clears excl on both sides.
	excl bool
}

// exclusive reports whether the owned page p is referenced by this
// memory manager alone, and remembers it in vpn's entry if so.
func (mm *MemoryManager) exclusive(vpn uint64, p *pte) bool {
	if p.excl {
		return true
	}
	if mm.mf.Refs(p.off) > 1 {
		return false
	}
	p.excl = true
	mm.pages.set(vpn, *p)
	return true
}

// MemoryManager is an application address space.
type MemoryManager struct {
	mf *memfile.File
	as platform.AddressSpace

	// users counts the tasks using the address space.
	users atomic.Int32
	// released is set once Release has run.
	released atomic.Bool

	mu    sync.Mutex
	vmas  []*VMA // sorted, non-overlapping
	pages pageTable

	lockedBytes int64

	// forkGen counts forks (see ForkGen).
	forkGen atomic.Uint64

	// peakPages is the most pages the address space has had in memory
	// at once (VmHWM).
	peakPages int

	// fill is FillUser's last translation (see fillCache).
	fill fillCache

	// BrkStart and brk bound the heap.
	brkStart, brk uint64
	mmapBase      uint64

	// Fields for /proc and prctl, set by the loader.
	ArgStart, ArgEnd, EnvStart, EnvEnd uint64
	Auxv                               []uint64
	// aio is the syscalls package's Linux AIO state for the address
	// space (io_setup's contexts live with the memory they are mapped
	// in), made on first use.
	aioOnce sync.Once
	aio     any

	// ExeFile is the file the program was loaded from (a
	// vfs.VirtualDentry, which this package cannot name), for
	// /proc/PID/exe: the path the program was run by, such as
	// /proc/self/exe, need not name it any more.
	ExeFile any
}

// New returns an empty memory manager whose mappings appear in as.
func New(mf *memfile.File, as platform.AddressSpace) *MemoryManager {
	return &MemoryManager{mf: mf, as: as, mmapBase: MaxAddr}
}

// AIO returns the address space's Linux AIO state, made by make on the
// first call.
func (mm *MemoryManager) AIO(make func() any) any {
	mm.aioOnce.Do(func() { mm.aio = make() })
	return mm.aio
}

// IncUsers adds a task using the memory manager.
func (mm *MemoryManager) IncUsers() { mm.users.Add(1) }

// Users returns how many tasks use the memory manager.
func (mm *MemoryManager) Users() int32 { return mm.users.Load() }

// DecUsers drops a user, releasing everything when it was the last.
func (mm *MemoryManager) DecUsers() {
	if mm.users.Add(-1) == 0 {
		mm.Release()
	}
}

// AddressSpace returns the platform address space.
func (mm *MemoryManager) AddressSpace() platform.AddressSpace { return mm.as }

// SetMmapBase sets the top of the region mmap allocates from.
func (mm *MemoryManager) SetMmapBase(b uint64) { mm.mmapBase = b }

// Release frees every page and the address space.
func (mm *MemoryManager) Release() {
	mm.released.Store(true)
	mm.mu.Lock()
	var owned []uint64
	mm.pages.each(0, ^uint64(0), func(_ uint64, p *pte) bool {
		if p.owned {
			owned = append(owned, p.off)
		}
		return true
	})
	vmas := mm.vmas
	mm.pages = pageTable{}
	mm.vmas = nil
	mm.mu.Unlock()
	mm.mf.DecRef(owned...)
	if mm.as != nil {
		mm.as.Release()
	}
	for _, v := range vmas {
		unrefVMA(v)
	}
}

// findVMA returns the index of the first VMA that ends above addr.
func (mm *MemoryManager) findVMA(addr uint64) int {
	return sort.Search(len(mm.vmas), func(i int) bool { return mm.vmas[i].End > addr })
}

// vmaAt returns the VMA containing addr, or nil.
func (mm *MemoryManager) vmaAt(addr uint64) *VMA {
	i := mm.findVMA(addr)
	if i < len(mm.vmas) && mm.vmas[i].Start <= addr {
		return mm.vmas[i]
	}
	return nil
}

// VMAs returns a copy of the mappings, for /proc/[pid]/maps.
func (mm *MemoryManager) VMAs() []VMA {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	out := make([]VMA, len(mm.vmas))
	for i, v := range mm.vmas {
		out[i] = *v
	}
	return out
}

// splitAt makes addr a VMA boundary if it falls inside one.
func (mm *MemoryManager) splitAt(addr uint64) {
	i := mm.findVMA(addr)
	if i >= len(mm.vmas) || mm.vmas[i].Start >= addr {
		return
	}
	v := mm.vmas[i]
	nv := *v
	nv.Start = addr
	nv.Off = v.objOff(addr)
	v.End = addr
	refVMA(&nv)
	mm.vmas = append(mm.vmas, nil)
	copy(mm.vmas[i+2:], mm.vmas[i+1:])
	mm.vmas[i+1] = &nv
}

// removeRange unmaps [start, end): VMAs, pages and host mappings.
func (mm *MemoryManager) removeRange(start, end uint64) {
	mm.splitAt(start)
	mm.splitAt(end)
	i := mm.findVMA(start)
	j := i
	for j < len(mm.vmas) && mm.vmas[j].Start < end {
		j++
	}
	var gone []*VMA
	if j > i {
		gone = append(gone, mm.vmas[i:j]...)
		mm.vmas = append(mm.vmas[:i], mm.vmas[j:]...)
	}
	mm.dropPages(start, end)
	mm.unmapHost(start, end)
	// The objects may free their pages with their last mapping: only
	// once no page table reaches them.
	for _, v := range gone {
		unrefVMA(v)
	}
}

// WriteBack writes back the dirty pages of the shared file mappings in
// [start, end) (msync).
func (mm *MemoryManager) WriteBack(start, end uint64) error {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	for i := mm.findVMA(start); i < len(mm.vmas) && mm.vmas[i].Start < end; i++ {
		v := mm.vmas[i]
		wb, ok := v.Obj.(WriteBacker)
		if !ok || v.Private {
			continue
		}
		s, e := max(v.Start, start), min(v.End, end)
		if err := wb.WriteBack(v.objOff(s), e-s); err != nil {
			return err
		}
	}
	return nil
}

// dropPages forgets the pages in [start, end).
func (mm *MemoryManager) dropPages(start, end uint64) {
	var owned, vpns []uint64
	mm.pages.each(start/pageSize, end/pageSize, func(vpn uint64, p *pte) bool {
		if p.owned {
			owned = append(owned, p.off)
		}
		vpns = append(vpns, vpn)
		return true
	})
	for _, vpn := range vpns {
		mm.pages.del(vpn)
	}
	mm.mf.DecRef(owned...)
}

func (mm *MemoryManager) unmapHost(start, end uint64) {
	if mm.as != nil && end > start {
		mm.as.Unmap(uintptr(start), end-start)
	}
}

// insertVMA adds v, which must not overlap any VMA, taking a mapping
// reference on its object.
func (mm *MemoryManager) insertVMA(v *VMA) {
	refVMA(v)
	i := mm.findVMA(v.Start)
	mm.vmas = append(mm.vmas, nil)
	copy(mm.vmas[i+1:], mm.vmas[i:])
	mm.vmas[i] = v
}

// isFree reports whether [start, end) holds no VMA.
func (mm *MemoryManager) isFree(start, end uint64) bool {
	if start < MinAddr || end > MaxAddr || end <= start {
		return false
	}
	i := mm.findVMA(start)
	return i >= len(mm.vmas) || mm.vmas[i].Start >= end
}

// findFree finds length bytes of free space, top-down from mmapBase.
func (mm *MemoryManager) findFree(length uint64) (uint64, error) {
	top := mm.mmapBase
	for i := mm.findVMA(top) - 1; ; i-- {
		var bottom uint64 = MinAddr
		if i >= 0 {
			bottom = mm.vmas[i].End
		}
		if top > bottom && top-bottom >= length {
			return top - length, nil
		}
		if i < 0 {
			break
		}
		if mm.vmas[i].Start < top {
			top = mm.vmas[i].Start
		}
	}
	// Fall back to bottom-up above the base.
	addr := PageRoundUp(mm.mmapBase)
	for i := mm.findVMA(addr); addr+length <= MaxAddr && addr+length > addr; i++ {
		if i >= len(mm.vmas) || mm.vmas[i].Start >= addr+length {
			return addr, nil
		}
		addr = mm.vmas[i].End
	}
	return 0, unix.ENOMEM
}

// MMapOpts describes a new mapping.
type MMapOpts struct {
	Addr, Length uint64
	Fixed        bool // MAP_FIXED: replace what is there
	NoReplace    bool // MAP_FIXED_NOREPLACE
	Perms        platform.AccessType
	MaxPerms     platform.AccessType
	Private      bool
	Obj          Mappable
	Off          uint64
	Name         string
	Dev, Ino     uint64
}

// MMap creates a mapping and returns its address.
func (mm *MemoryManager) MMap(o MMapOpts) (uint64, error) {
	length := PageRoundUp(o.Length)
	if length == 0 || o.Addr&pageMask != 0 && (o.Fixed || o.NoReplace) {
		return 0, unix.EINVAL
	}
	if o.Obj != nil && (o.Off&pageMask != 0 || o.Off+length < o.Off) {
		return 0, unix.EINVAL
	}
	mm.mu.Lock()
	defer mm.mu.Unlock()
	addr := PageRoundDown(o.Addr)
	switch {
	case o.Fixed || o.NoReplace:
		if addr+length > MaxAddr || addr+length < addr || addr < MinAddr {
			if o.Fixed {
				return 0, unix.ENOMEM
			}
			return 0, unix.EINVAL
		}
		if o.NoReplace && !mm.isFree(addr, addr+length) {
			return 0, unix.EEXIST
		}
		mm.removeRange(addr, addr+length)
	case addr != 0 && mm.isFree(addr, addr+length):
	default:
		var err error
		if addr, err = mm.findFree(length); err != nil {
			return 0, err
		}
	}
	mm.insertVMA(&VMA{
		Start: addr, End: addr + length, Perms: o.Perms, MaxPerms: o.MaxPerms,
		Private: o.Private, Obj: o.Obj, Off: o.Off, Name: o.Name, Dev: o.Dev, Ino: o.Ino,
	})
	if o.Obj != nil {
		mm.track(o.Obj)
	}
	return addr, nil
}

// MUnmap removes mappings in [addr, addr+length).
func (mm *MemoryManager) MUnmap(addr, length uint64) error {
	end := PageRoundUp(addr + length)
	if addr&pageMask != 0 || length == 0 || end < addr || end > MaxAddr {
		if end > MaxAddr && addr < MaxAddr && addr&pageMask == 0 && length != 0 {
			end = MaxAddr
		} else {
			return unix.EINVAL
		}
	}
	mm.mu.Lock()
	defer mm.mu.Unlock()
	mm.removeRange(addr, end)
	return nil
}

// SharedKey returns the memory-file offset of addr if it lies in a shared
// mapping, so that futexes there match across address spaces.
func (mm *MemoryManager) SharedKey(addr uint64) (uint64, bool) {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	v := mm.vmaAt(addr)
	if v == nil || v.Private {
		return 0, false
	}
	p, _, err := mm.getPage(addr/pageSize, v, false)
	if err != nil {
		return 0, false
	}
	return p.off + addr&pageMask, true
}

// Mincore reports, for each page of [addr, addr+length), whether it is
// in memory. The whole range must be mapped (ENOMEM).
func (mm *MemoryManager) Mincore(addr, length uint64) ([]byte, error) {
	if addr&pageMask != 0 {
		return nil, unix.EINVAL
	}
	end := PageRoundUp(addr + length)
	if end < addr || end > MaxAddr {
		return nil, unix.ENOMEM
	}
	mm.mu.Lock()
	defer mm.mu.Unlock()
	out := make([]byte, (end-addr)/pageSize)
	for a := addr; a < end; a += pageSize {
		v := mm.vmaAt(a)
		if v == nil {
			return nil, unix.ENOMEM
		}
		if mm.residentLocked(v, a) {
			out[(a-addr)/pageSize] = 1
		}
	}
	return out, nil
}

// residentLocked reports whether the page at a, in v, is in memory:
// its own page, or for a shared object's mapping a page the object has.
// mm.mu is held.
func (mm *MemoryManager) residentLocked(v *VMA, a uint64) bool {
	if _, ok := mm.pages.get(a / pageSize); ok {
		return true
	}
	if v.Obj != nil && !v.Private {
		_, err := v.Obj.Page(v.objOff(a))
		return err == nil
	}
	return false
}

// Lock marks [addr, addr+length) locked (mlock) or unlocked, populating
// locked pages. It returns the change in locked bytes; ENOMEM if part of
// the range is unmapped.
func (mm *MemoryManager) Lock(addr, length uint64, lock bool) (int64, error) {
	start := PageRoundDown(addr)
	end := PageRoundUp(addr + length)
	if end < start {
		return 0, unix.EINVAL
	}
	mm.mu.Lock()
	defer mm.mu.Unlock()
	if !mm.mappedLocked(start, end) {
		return 0, unix.ENOMEM
	}
	mm.splitAt(start)
	mm.splitAt(end)
	var delta int64
	for i := mm.findVMA(start); i < len(mm.vmas) && mm.vmas[i].Start < end; i++ {
		v := mm.vmas[i]
		if v.Locked != lock {
			n := int64(v.End - v.Start)
			if !lock {
				n = -n
			}
			delta += n
			v.Locked = lock
		}
		if lock && (v.Perms.Read || v.Perms.Write) {
			for a := v.Start; a < v.End; a += pageSize {
				mm.getPage(a/pageSize, v, false)
			}
		}
	}
	mm.lockedBytes += delta
	return delta, nil
}

// LockedBytes returns how much of the address space is mlocked.
func (mm *MemoryManager) LockedBytes() int64 {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	return mm.lockedBytes
}

// Ranges returns the mapped ranges, for mlockall.
func (mm *MemoryManager) Ranges() [][2]uint64 {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	out := make([][2]uint64, len(mm.vmas))
	for i, v := range mm.vmas {
		out[i] = [2]uint64{v.Start, v.End}
	}
	return out
}

// setPage maps virtual page vpn to p. mm.mu must be held.
func (mm *MemoryManager) setPage(vpn uint64, p pte) {
	mm.pages.set(vpn, p)
	mm.peakPages = max(mm.peakPages, mm.pages.len())
}

// ShmemMappable is implemented by objects whose pages are shared memory
// (tmpfs files, memfds, shared anonymous and System V segments), which
// /proc counts apart from other files' pages.
type ShmemMappable interface {
	Shmem()
}

// RSS is an address space's resident set in pages, split as
// /proc/[pid]/status splits it, with its peak.
type RSS struct {
	Anon, File, Shmem uint64
	Peak              uint64
}

// Total returns the resident pages.
func (r RSS) Total() uint64 { return r.Anon + r.File + r.Shmem }

// RSS returns the address space's resident set. Private pages of its own
// (anonymous, or copied on write) are anonymous; pages of mapped objects
// are shared memory or file pages.
func (mm *MemoryManager) RSS() RSS {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	var r RSS
	mm.pages.each(0, ^uint64(0), func(vpn uint64, p *pte) bool {
		v := mm.vmaAt(vpn * pageSize)
		switch {
		case v == nil || v.Obj == nil || p.owned:
			r.Anon++
		default:
			if _, ok := v.Obj.(ShmemMappable); ok {
				r.Shmem++
			} else {
				r.File++
			}
		}
		return true
	})
	r.Peak = uint64(max(mm.peakPages, mm.pages.len()))
	return r
}

// PeakResidentPages returns the most pages the address space has had in
// memory at once.
func (mm *MemoryManager) PeakResidentPages() uint64 {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	return uint64(max(mm.peakPages, mm.pages.len()))
}

// IsMapped reports whether all of [addr, addr+length) is mapped.
func (mm *MemoryManager) IsMapped(addr, length uint64) bool {
	end := PageRoundUp(addr + length)
	if end < addr {
		return false
	}
	mm.mu.Lock()
	defer mm.mu.Unlock()
	return mm.mappedLocked(addr, end)
}

// mappedLocked reports whether VMAs cover all of [addr, end); mm.mu is
// held.
func (mm *MemoryManager) mappedLocked(addr, end uint64) bool {
	return mm.walkLocked(addr, end, func(*VMA, uint64, uint64) error { return nil }) == nil
}

// MProtect changes the permissions of [addr, addr+length).
func (mm *MemoryManager) MProtect(addr, length uint64, perms platform.AccessType) error {
	if addr&pageMask != 0 {
		return unix.EINVAL
	}
	end := PageRoundUp(addr + length)
	if end < addr {
		return unix.ENOMEM
	}
	if length == 0 {
		return nil
	}
	mm.mu.Lock()
	defer mm.mu.Unlock()
	// Like Linux, change the mapped part up to the first hole, then fail.
	if v := mm.vmaAt(addr); v == nil {
		return unix.ENOMEM
	}
	var err error
	stop := addr
	for stop < end {
		v := mm.vmaAt(stop)
		if v == nil {
			err = unix.ENOMEM
			break
		}
		if (perms.Write && !v.MaxPerms.Write) || (perms.Read && !v.MaxPerms.Read) || (perms.Execute && !v.MaxPerms.Execute) {
			err = unix.EACCES
			break
		}
		stop = min(v.End, end)
	}
	if stop > addr {
		mm.splitAt(addr)
		mm.splitAt(stop)
		for i := mm.findVMA(addr); i < len(mm.vmas) && mm.vmas[i].Start < stop; i++ {
			mm.vmas[i].Perms = perms
		}
		mm.mergeAround(addr, stop)
		// Host mappings refault with the new permissions.
		mm.unmapHost(addr, stop)
	}
	return err
}

// mergeAround joins adjacent compatible VMAs touching [start, end].
func (mm *MemoryManager) mergeAround(start, end uint64) {
	i := mm.findVMA(start)
	if i > 0 {
		i--
	}
	for i+1 < len(mm.vmas) && mm.vmas[i].Start <= end {
		a, b := mm.vmas[i], mm.vmas[i+1]
		if a.End == b.Start && a.Perms == b.Perms && a.MaxPerms == b.MaxPerms && a.Private == b.Private && a.Locked == b.Locked && samePolicy(a.Policy, b.Policy) &&
			a.Obj == b.Obj && a.Name == b.Name && (a.Obj == nil || a.objOff(a.End) == b.Off) {
			a.End = b.End
			unrefVMA(b)
			mm.vmas = append(mm.vmas[:i+1], mm.vmas[i+2:]...)
			continue
		}
		i++
	}
}

// SetupBrk places the heap at start.
func (mm *MemoryManager) SetupBrk(start uint64) {
	mm.mu.Lock()
	mm.brkStart, mm.brk = start, start
	mm.mu.Unlock()
}

// Brk implements brk(2): it returns the new break, or the old one on
// failure.
func (mm *MemoryManager) Brk(addr uint64) uint64 {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	if addr < mm.brkStart || addr > mm.brkStart+(1<<40) {
		return mm.brk
	}
	oldEnd := PageRoundUp(mm.brk)
	newEnd := PageRoundUp(addr)
	switch {
	case newEnd > oldEnd:
		if !mm.isFree(oldEnd, newEnd) {
			return mm.brk
		}
		rw := platform.AccessType{Read: true, Write: true}
		mm.insertVMA(&VMA{Start: oldEnd, End: newEnd, Perms: rw, MaxPerms: platform.AccessType{Read: true, Write: true, Execute: true}, Private: true, Name: "[heap]"})
		mm.mergeAround(oldEnd, newEnd)
	case newEnd < oldEnd:
		mm.removeRange(newEnd, oldEnd)
	}
	mm.brk = addr
	return addr
}

// MRemap implements mremap(2).
func (mm *MemoryManager) MRemap(old, oldLen, newLen uint64, mayMove, fixed bool, newAddr uint64) (uint64, error) {
	if old&pageMask != 0 || newLen == 0 {
		return 0, unix.EINVAL
	}
	oldLen, newLen = PageRoundUp(oldLen), PageRoundUp(newLen)
	if newLen == 0 || (fixed && (!mayMove || newAddr&pageMask != 0)) {
		return 0, unix.EINVAL
	}
	mm.mu.Lock()
	defer mm.mu.Unlock()
	v := mm.vmaAt(old)
	if v == nil || old+oldLen > v.End || old+oldLen < old {
		return 0, unix.EFAULT
	}
	if oldLen == 0 {
		// Duplicating a shared mapping; private ones are refused.
		if v.Private {
			return 0, unix.EINVAL
		}
		oldLen = 0
	}
	if !fixed {
		if newLen <= oldLen {
			mm.removeRange(old+newLen, old+oldLen)
			return old, nil
		}
		if old+oldLen == v.End && mm.isFree(v.End, old+newLen) {
			v.End = old + newLen
			return old, nil
		}
		if !mayMove {
			return 0, unix.ENOMEM
		}
	}
	var dst uint64
	if fixed {
		if newAddr+newLen > MaxAddr || newAddr+newLen < newAddr || (newAddr < old+oldLen && old < newAddr+newLen) {
			return 0, unix.EINVAL
		}
		mm.removeRange(newAddr, newAddr+newLen)
		dst = newAddr
	} else {
		var err error
		if dst, err = mm.findFree(newLen); err != nil {
			return 0, err
		}
	}
	nv := *v
	nv.Start, nv.End = dst, dst+newLen
	nv.Off = v.objOff(old)
	moveLen := min(oldLen, newLen)
	if oldLen == 0 {
		mm.insertVMA(&nv)
		return dst, nil
	}
	// Move the pages with the mapping.
	moved := make(map[uint64]pte)
	for a := old; a < old+moveLen; a += pageSize {
		if p, ok := mm.pages.del(a / pageSize); ok {
			moved[(dst+(a-old))/pageSize] = p
		}
	}
	mm.removeRange(old, old+oldLen)
	mm.insertVMA(&nv)
	for vpn, p := range moved {
		mm.setPage(vpn, p)
	}
	return dst, nil
}

// MAdviseDontNeed drops the pages of [addr, addr+length).
func (mm *MemoryManager) MAdviseDontNeed(addr, length uint64) error {
	end := PageRoundUp(addr + length)
	if addr&pageMask != 0 || end < addr {
		return unix.EINVAL
	}
	mm.mu.Lock()
	defer mm.mu.Unlock()
	return mm.walkLocked(addr, end, func(v *VMA, a, e uint64) error {
		if v.Private {
			mm.dropPages(a, e)
		}
		mm.unmapHost(a, e)
		return nil
	})
}

// walkLocked calls fn with each VMA that [addr, end) meets, and the part
// of the range inside it, in address order. It stops at fn's first error,
// or with ENOMEM at the first hole (after the mapped part before it, as
// madvise does). mm.mu is held.
func (mm *MemoryManager) walkLocked(addr, end uint64, fn func(v *VMA, a, e uint64) error) error {
	for a := addr; a < end; {
		v := mm.vmaAt(a)
		if v == nil {
			return unix.ENOMEM
		}
		e := min(v.End, end)
		if err := fn(v, a, e); err != nil {
			return err
		}
		a = e
	}
	return nil
}

// AddressSpaceForker is implemented by platform address spaces that can
// make a new address space holding a copy of their host mappings (systrap
// forks the stub process), so that a forked child does not fault on every
// page its parent had mapped. The MapFile and Unmap calls that before
// makes change the parent's mappings before the copy (their errors are
// ForkAddressSpace's). The MapFile calls that child makes give the child
// mappings that it may as well lack: they may be made or not.
type AddressSpaceForker interface {
	ForkAddressSpace(before, child func()) (platform.AddressSpace, error)
}

// forkRemapMax bounds the read-only host mappings Fork gives the child
// for its parent's writable private pages; past it, the child faults
// them in.
const forkRemapMax = 256

// Fork returns a copy of the address space in as, sharing private pages
// copy-on-write. If the parent's address space can copy itself, the copy
// replaces as, which is released.
func (mm *MemoryManager) Fork(as platform.AddressSpace) *MemoryManager {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	c := New(mm.mf, nil)
	c.brkStart, c.brk, c.mmapBase = mm.brkStart, mm.brk, mm.mmapBase
	c.ArgStart, c.ArgEnd, c.EnvStart, c.EnvEnd = mm.ArgStart, mm.ArgEnd, mm.EnvStart, mm.EnvEnd
	c.Auxv = mm.Auxv
	c.ExeFile = mm.ExeFile
	for _, v := range mm.vmas {
		nv := *v
		refVMA(&nv)
		c.vmas = append(c.vmas, &nv)
		if v.Obj != nil {
			c.track(v.Obj)
		}
	}
	vpns := make([]uint64, 0, mm.pages.len())
	mm.pages.each(0, ^uint64(0), func(vpn uint64, p *pte) bool {
		if p.owned {
			mm.mf.IncRef(p.off)
			p.excl = false
		}
		c.setPage(vpn, *p)
		vpns = append(vpns, vpn)
		return true
	})
	if cas := mm.writeProtectAndFork(vpns); cas != nil {
		if as != nil {
			as.Release()
		}
		as = cas
	}
	c.as = as
	return c
}

// writeProtectAndFork makes the parent's host mappings of its writable
// private pages, which it now shares with the child, refault on a write,
// so that the write copies: they are mapped read-only (if they are not
// too many; else unmapped). If the address space can copy itself, it
// returns the copy, made after that, which has the same read-only
// mappings: neither side's reads of them fault. vpns are the present
// pages.
//
// A write to such a page faults at the same address and instruction as
// the task's last fault, if that was the write that made the page
// writable before: ForkGen tells the task that the page was
// write-protected in between, so that the fault is not taken for an
// access the mapping forbids.
func (mm *MemoryManager) writeProtectAndFork(vpns []uint64) platform.AddressSpace {
	mm.forkGen.Add(1)
	if mm.as == nil {
		return nil
	}
	forker, ok := mm.as.(AddressSpaceForker)
	if !ok {
		mm.unmapWritablePrivate()
		return nil
	}
	runs, _ := mm.readOnlyRuns(vpns)
	child, err := forker.ForkAddressSpace(func() {
		mm.unmapWritablePrivate()
		for _, r := range runs {
			mm.as.MapFile(uintptr(r.start), mm.mf.FD(), r.off, r.length, r.perms)
		}
	}, func() {})
	if err != nil {
		// Some writable host mappings may be left, or read-only
		// ones that should have gone: drop them.
		mm.unmapWritablePrivate()
	}
	return child
}

// ForkGen counts the forks of the address space, each of which
// write-protects its private pages (see writeProtectAndFork).
func (mm *MemoryManager) ForkGen() uint64 { return mm.forkGen.Load() }

// unmapWritablePrivate removes the host mappings of the writable private
// VMAs.
func (mm *MemoryManager) unmapWritablePrivate() {
	for _, v := range mm.vmas {
		if v.Private && v.Perms.Write {
			mm.unmapHost(v.Start, v.End)
		}
	}
}

// hostRun is a run of pages contiguous in the address space and in the
// memory file, to be mapped with one host mapping.
type hostRun struct {
	start, off, length uint64
	perms              platform.AccessType
}

// readOnlyRuns returns the host mappings that map the present pages
// (vpns, which it sorts) of the writable private VMAs read-only; false
// if there would be more than forkRemapMax of them.
func (mm *MemoryManager) readOnlyRuns(vpns []uint64) ([]hostRun, bool) {
	sort.Slice(vpns, func(i, j int) bool { return vpns[i] < vpns[j] })
	var runs []hostRun
	i := 0
	for _, v := range mm.vmas {
		if !v.Private || !v.Perms.Write {
			continue
		}
		perms := v.Perms
		perms.Write = false
		for i < len(vpns) && vpns[i]*pageSize < v.Start {
			i++
		}
		for ; i < len(vpns) && vpns[i]*pageSize < v.End; i++ {
			p, _ := mm.pages.get(vpns[i])
			a, off := vpns[i]*pageSize, p.off
			if n := len(runs); n > 0 && runs[n-1].start+runs[n-1].length == a &&
				runs[n-1].off+runs[n-1].length == off && runs[n-1].perms == perms {
				runs[n-1].length += pageSize
				continue
			}
			if len(runs) == forkRemapMax {
				return nil, false
			}
			runs = append(runs, hostRun{start: a, off: off, length: pageSize, perms: perms})
		}
	}
	return runs, true
}
