package mm

import (
	"bytes"
	"errors"
	"fmt"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/platform"
)

// getPage returns the page for vpn in v, creating it or breaking
// copy-on-write as the access needs. changed reports whether an existing
// page was replaced, making any host mapping of it stale.
func (mm *MemoryManager) getPage(vpn uint64, v *VMA, write bool) (p pte, changed bool, err error) {
	addr := vpn * pageSize
	p, ok := mm.pages.get(vpn)
	if !ok {
		if v.Obj == nil {
			off, err := mm.mf.Allocate(1)
			if err != nil {
				return p, false, err
			}
			p = pte{off: off, owned: true, excl: true}
		} else {
			off, err := v.Obj.Page(v.objOff(addr))
			if err != nil {
				return p, false, err
			}
			p = pte{off: off}
		}
		mm.setPage(vpn, p)
	}
	if write && v.Private && (!p.owned || !mm.exclusive(vpn, &p)) {
		off, err := mm.mf.Allocate(1)
		if err != nil {
			return p, false, err
		}
		copy(mm.mf.Bytes(off, pageSize), mm.mf.Bytes(p.off, pageSize))
		if p.owned {
			mm.mf.DecRef(p.off)
		}
		p = pte{off: off, owned: true, excl: true}
		mm.setPage(vpn, p)
		changed = ok
	}
	return p, changed, nil
}

// hostPerms is what a page may be mapped with on the host: write only if
// writing cannot need a copy first.
func (mm *MemoryManager) hostPerms(v *VMA, p pte) platform.AccessType {
	perms := v.Perms
	if perms.Write && v.Private && (!p.owned || !p.excl && mm.mf.Refs(p.off) > 1) {
		perms.Write = false
	}
	return perms
}

// mapPages maps the present pages of [start, end) in v on the host, one
// host mapping per run of pages contiguous in the memory file.
func (mm *MemoryManager) mapPages(v *VMA, start, end uint64) error {
	if mm.as == nil {
		return nil
	}
	var runStart, runOff uint64
	var runPerms platform.AccessType
	runLen := uint64(0)
	flush := func() error {
		if runLen == 0 {
			return nil
		}
		err := mm.as.MapFile(uintptr(runStart), mm.mf.FD(), runOff, runLen, runPerms)
		runLen = 0
		return err
	}
	for a := start; a < end; a += pageSize {
		p, ok := mm.pages.get(a / pageSize)
		if !ok {
			if err := flush(); err != nil {
				return err
			}
			continue
		}
		perms := mm.hostPerms(v, p)
		if runLen > 0 && runStart+runLen == a && runOff+runLen == p.off && runPerms == perms {
			runLen += pageSize
			continue
		}
		if err := flush(); err != nil {
			return err
		}
		runStart, runOff, runPerms, runLen = a, p.off, perms, pageSize
	}
	return flush()
}

// Fault errors: which signal and code the application gets.
var (
	// ErrNoVMA: no mapping at the address (SIGSEGV, SEGV_MAPERR).
	ErrNoVMA = errors.New("no mapping")
	// ErrAccess: the mapping forbids the access (SIGSEGV, SEGV_ACCERR).
	ErrAccess = errors.New("access not allowed")
	// ErrBeyondEOF: the page is past the end of the mapped file (SIGBUS,
	// BUS_ADRERR).
	ErrBeyondEOF = errors.New("beyond end of file")
)

// HandleFault serves an application fault at addr. write is set when the
// page was present but the access was refused (a write to a read-only
// host mapping). It returns nil when the access can be retried, and EFAULT
// when the application should get SIGSEGV.
func (mm *MemoryManager) HandleFault(addr uint64, write bool) error {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	v := mm.vmaAt(addr)
	if v == nil {
		return ErrNoVMA
	}
	if !v.Perms.Read && !v.Perms.Write && !v.Perms.Execute {
		return ErrAccess
	}
	vpn := addr / pageSize
	if write {
		if !v.Perms.Write {
			return ErrAccess
		}
		_, _, err := mm.getPage(vpn, v, true)
		if err != nil {
			return err
		}
		mm.markDirty(v, vpn*pageSize, vpn*pageSize+pageSize)
		return mm.mapPages(v, vpn*pageSize, vpn*pageSize+pageSize)
	}
	start := max(v.Start, addr&^(faultAround-1))
	end := min(v.End, (addr&^(faultAround-1))+faultAround)
	if v.Obj == nil {
		if err := mm.allocAnon(start, end); err != nil {
			return err
		}
	} else {
		if _, _, err := mm.getPage(vpn, v, false); err != nil {
			return err
		}
		// Fault around within the object's pages; the window stops at
		// the end of the file. An object that tells holes apart has
		// only the pages it holds mapped: a hole is filled when it is
		// touched itself.
		pk, peek := v.Obj.(PagePeeker)
		for a := start; a < end; a += pageSize {
			if _, have := mm.pages.get(a / pageSize); peek && !have && a != vpn*pageSize {
				off, present, err := pk.PeekPage(v.objOff(a))
				if err == nil {
					if present {
						mm.setPage(a/pageSize, pte{off: off})
					}
					continue
				}
				if a < addr {
					start = a + pageSize
					continue
				}
				end = a
				break
			}
			if _, _, err := mm.getPage(a/pageSize, v, false); err != nil {
				if a < addr {
					start = a + pageSize
					continue
				}
				end = a
				break
			}
		}
	}
	// A shared writable mapping is mapped writable on the host: what is
	// mapped may be written without another fault.
	mm.markDirty(v, start, end)
	if err := mm.mapPages(v, start, end); err != nil {
		return err
	}
	if !v.Perms.Write {
		return mm.mapCachedAround(v, addr, start, end)
	}
	return nil
}

// wideFaultAround is the window of a read-only file mapping (program
// text, read-only data) in which a read fault also maps the pages the
// object already holds. A fault costs the sandbox far more than it costs
// Linux, and a program's first run scatters faults across its text; the
// pages of a program run before are all cached.
const wideFaultAround = 16 * faultAround

// mapCachedAround maps the pages of v's object in the wide window around
// addr, outside [start, end) (just mapped), that the object holds and the
// address space lacks. It reads nothing, and maps only pages new to the
// address space, so that mappings already made are not made again.
func (mm *MemoryManager) mapCachedAround(v *VMA, addr, start, end uint64) error {
	pk, ok := v.Obj.(PagePeeker)
	if !ok {
		return nil
	}
	ws := max(v.Start, addr&^(wideFaultAround-1))
	we := min(v.End, (addr&^(wideFaultAround-1))+wideFaultAround)
	runStart, runEnd := uint64(0), uint64(0)
	for a := ws; a < we; a += pageSize {
		added := false
		if a < start || a >= end {
			if _, have := mm.pages.get(a / pageSize); !have {
				off, present, err := pk.PeekPage(v.objOff(a))
				if err != nil && a > addr {
					we = a // past the end of the file
				}
				if err == nil && present {
					mm.setPage(a/pageSize, pte{off: off})
					added = true
				}
			}
		}
		if added {
			if runEnd != a {
				if err := mm.mapPages(v, runStart, runEnd); err != nil {
					return err
				}
				runStart = a
			}
			runEnd = a + pageSize
		}
	}
	return mm.mapPages(v, runStart, runEnd)
}

// markDirty tells the object of a shared writable mapping that the
// application may store to [start, end) of v.
func (mm *MemoryManager) markDirty(v *VMA, start, end uint64) {
	if v.Private || !v.Perms.Write || end <= start {
		return
	}
	if d, ok := v.Obj.(DirtyTracker); ok {
		d.MarkDirty(v.objOff(start), end-start)
	}
}

// access checks and prepares [addr, addr+n) for a copy and calls fn on
// each page piece.
func (mm *MemoryManager) access(addr uint64, n int, write, force bool, fn func(b []byte)) (int, error) {
	if n == 0 {
		return 0, nil
	}
	if addr+uint64(n) < addr {
		return 0, unix.EFAULT
	}
	mm.mu.Lock()
	defer mm.mu.Unlock()
	done := 0
	var v *VMA
	for done < n {
		a := addr + uint64(done)
		v = mm.vmaFor(v, a)
		if v == nil {
			return done, unix.EFAULT
		}
		if !force && ((write && !v.Perms.Write) || (!write && !v.Perms.Read && !v.Perms.Execute)) {
			return done, unix.EFAULT
		}
		p, changed, err := mm.getPage(a/pageSize, v, write && (v.Private || force))
		if err != nil {
			return done, unix.EFAULT
		}
		if write && !v.Private && v.Obj != nil {
			mm.markDirty(v, PageRoundDown(a), PageRoundDown(a)+pageSize)
		}
		if changed {
			mm.mapPages(v, PageRoundDown(a), PageRoundDown(a)+pageSize)
		}
		in := a & pageMask
		m := min(uint64(n-done), pageSize-in)
		fn(mm.mf.Bytes(p.off+in, m))
		done += int(m)
	}
	return done, nil
}

// vmaFor returns the VMA at a: v itself while a is still in it, as a
// copy's pages walk through one VMA after another.
func (mm *MemoryManager) vmaFor(v *VMA, a uint64) *VMA {
	if v != nil && v.Start <= a && a < v.End {
		return v
	}
	return mm.vmaAt(a)
}

// allocAnon gives the missing pages of [start, end), in an anonymous
// mapping, one contiguous run of the memory file: a host read or write
// of them then takes fewer pieces.
func (mm *MemoryManager) allocAnon(start, end uint64) error {
	var missing []uint64
	for a := start; a < end; a += pageSize {
		if _, ok := mm.pages.get(a / pageSize); !ok {
			missing = append(missing, a/pageSize)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	off, err := mm.mf.Allocate(uint64(len(missing)))
	if err != nil {
		return err
	}
	for i, vpn := range missing {
		mm.setPage(vpn, pte{off: off + uint64(i)*pageSize, owned: true, excl: true})
	}
	return nil
}

// FillUser prepares [addr, addr+n) for writing as CopyOut does (pages
// allocated, copy-on-write broken), and calls fill once with the memory
// file's bytes behind the range, in order (pieces contiguous in the file
// merged), so that a host read can land in application memory with no
// copy through a sentry buffer. fill returns how many bytes it wrote. If
// the range stops being writable part way, fill gets the part before;
// with none, FillUser returns EFAULT and does not call fill.
//
// fill runs with the memory manager locked: it must not block on anything
// in the sandbox or touch any memory manager (a pread of a host file).
func (mm *MemoryManager) FillUser(addr uint64, n int, fill func(bufs [][]byte) (int, error)) (int, error) {
	if n == 0 {
		return fill(nil)
	}
	if addr+uint64(n) < addr {
		return 0, unix.EFAULT
	}
	mm.mu.Lock()
	defer mm.mu.Unlock()
	if bufs := mm.fill.lookup(mm, addr, n); bufs != nil {
		return fill(bufs)
	}
	// A buffer's first use allocates its pages: in one run.
	for a, end := PageRoundDown(addr), PageRoundUp(addr+uint64(n)); a < end; {
		v := mm.vmaAt(a)
		if v == nil {
			break
		}
		e := min(end, v.End)
		if v.Obj == nil && v.Private && v.Perms.Write {
			if err := mm.allocAnon(a, e); err != nil {
				break
			}
		}
		a = e
	}
	// The pieces are made in the translation's list, which holds no
	// translation meanwhile.
	mm.fill.n = 0
	bufs := mm.fill.bufs[:0]
	var lastOff uint64 // memory file offset just past the last piece
	done := 0
	var v *VMA
	for done < n {
		a := addr + uint64(done)
		v = mm.vmaFor(v, a)
		if v == nil || !v.Perms.Write {
			break
		}
		p, changed, err := mm.getPage(a/pageSize, v, v.Private)
		if err != nil {
			break
		}
		if !v.Private && v.Obj != nil {
			mm.markDirty(v, PageRoundDown(a), PageRoundDown(a)+pageSize)
		}
		if changed {
			mm.mapPages(v, PageRoundDown(a), PageRoundDown(a)+pageSize)
		}
		in := a & pageMask
		m := min(uint64(n-done), pageSize-in)
		if k := len(bufs); k > 0 && lastOff == p.off+in {
			bufs[k-1] = mm.mf.Bytes(p.off+in-uint64(len(bufs[k-1])), uint64(len(bufs[k-1]))+m)
		} else {
			bufs = append(bufs, mm.mf.Bytes(p.off+in, m))
		}
		lastOff = p.off + in + m
		done += int(m)
	}
	mm.fill.bufs = bufs
	if done == 0 {
		return 0, unix.EFAULT
	}
	if done == n {
		mm.fill.keep(mm, addr, n)
	}
	return fill(bufs)
}

// fillCache is FillUser's last translation of a buffer to pieces of the
// memory file. A program that reads into one buffer again and again (cat,
// cp, a streamed read) then pays for the page lookups once: 33 of them
// for a 128 KiB read, most of the sentry's work besides the host copy.
//
// It is kept only for a buffer in private, writable VMAs (a static buffer
// is often in two: the file's last data page and the anonymous rest),
// whose pages FillUser has made present, owned and not shared (copied on
// write if need be), and holds while the page table does not change (its
// gen: a page that fork shares, an unmap, a copy on write, a remap all
// change it) and those VMAs still cover the buffer with write permission
// (mprotect and splits change a VMA in place, or replace it). Shared
// mappings are left out: their pages are marked dirty on each fill.
type fillCache struct {
	addr uint64
	n    int // 0 when there is no translation
	gen  uint64
	vmas [fillCacheVMAs]fillVMA
	nv   int
	// bufs is the pieces, and FillUser's list of them even when not
	// kept, so that the read path does not allocate one per call.
	bufs [][]byte
}

// fillCacheVMAs is how many VMAs a buffer may span and still be kept.
const fillCacheVMAs = 4

// fillVMA is a VMA of a kept buffer, and the bounds it had.
type fillVMA struct {
	v          *VMA
	start, end uint64
}

// lookup returns the pieces of [addr, addr+n), or nil if they are not
// known.
func (c *fillCache) lookup(mm *MemoryManager, addr uint64, n int) [][]byte {
	if c.n == 0 || c.n != n || c.addr != addr || c.gen != mm.pages.gen {
		return nil
	}
	for _, f := range c.vmas[:c.nv] {
		v := f.v
		if v.Start != f.start || v.End != f.end || !v.Perms.Write || !v.Private || mm.vmaAt(f.start) != v {
			return nil
		}
	}
	return c.bufs
}

// keep makes the pieces in bufs the translation of [addr, addr+n), which
// FillUser has just filled, if the VMAs it is in allow.
func (c *fillCache) keep(mm *MemoryManager, addr uint64, n int) {
	nv := 0
	for a, end := addr, addr+uint64(n); a < end; nv++ {
		v := mm.vmaAt(a)
		if nv == len(c.vmas) || v == nil || !v.Private {
			return
		}
		c.vmas[nv] = fillVMA{v, v.Start, v.End}
		a = v.End
	}
	clear(c.vmas[nv:])
	c.addr, c.n, c.gen, c.nv = addr, n, mm.pages.gen, nv
}

// Atomic32 runs fn on the 32-bit word at addr, which must be aligned and
// writable, through the sentry's mapping of the memory file, so that
// sync/atomic operations on it are atomic with respect to the
// application's own.
func (mm *MemoryManager) Atomic32(addr uint64, fn func(p *uint32)) error {
	if addr&3 != 0 {
		return unix.EINVAL
	}
	var b []byte
	if _, err := mm.access(addr, 4, true, false, func(s []byte) { b = s }); err != nil {
		return err
	}
	fn((*uint32)(unsafe.Pointer(&b[0])))
	return nil
}

// CopyIn copies application memory at addr into dst.
func (mm *MemoryManager) CopyIn(addr uint64, dst []byte) (int, error) {
	off := 0
	return mm.access(addr, len(dst), false, false, func(b []byte) {
		off += copy(dst[off:], b)
	})
}

// CopyOut copies src into application memory at addr.
func (mm *MemoryManager) CopyOut(addr uint64, src []byte) (int, error) {
	off := 0
	return mm.access(addr, len(src), true, false, func(b []byte) {
		off += copy(b, src[off:])
	})
}

// CopyOutForce writes src at addr whatever the mapping's permissions, as
// the kernel's ELF loader does.
func (mm *MemoryManager) CopyOutForce(addr uint64, src []byte) (int, error) {
	off := 0
	return mm.access(addr, len(src), true, true, func(b []byte) {
		off += copy(b, src[off:])
	})
}

// ZeroOutForce zeroes [addr, addr+n) whatever the permissions.
func (mm *MemoryManager) ZeroOutForce(addr uint64, n int) (int, error) {
	return mm.access(addr, n, true, true, func(b []byte) { clear(b) })
}

// CopyInString reads a NUL-terminated string of at most max bytes. It
// returns ENAMETOOLONG if there is no NUL within max bytes.
func (mm *MemoryManager) CopyInString(addr uint64, max int) (string, error) {
	var buf []byte
	// Most strings are short paths: read a little first, more each
	// round (a page-sized buffer per call was most of an open's garbage).
	want := 128
	var small [128]byte
	for len(buf) < max {
		// Never read past the end of the page, so that a string ending
		// just before an unmapped page still works.
		chunk := int(pageSize - (addr+uint64(len(buf)))&pageMask)
		chunk = min(chunk, max-len(buf), want)
		want = min(want*2, pageSize)
		var tmp []byte
		if buf == nil && chunk <= len(small) {
			tmp = small[:chunk]
		} else {
			tmp = make([]byte, chunk)
		}
		n, err := mm.CopyIn(addr+uint64(len(buf)), tmp)
		if i := bytes.IndexByte(tmp[:n], 0); i >= 0 {
			return string(append(buf, tmp[:i]...)), nil
		}
		if err != nil {
			return "", err
		}
		buf = append(buf, tmp...)
	}
	return "", unix.ENAMETOOLONG
}

// MappableAt returns the object mapped at addr, or nil.
func (mm *MemoryManager) MappableAt(addr uint64) Mappable {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	if v := mm.vmaAt(addr); v != nil {
		return v.Obj
	}
	return nil
}

// PatchCode rewrites len(old) bytes of application code at addr, in a
// private executable mapping and within one page, from old to new: the
// byte at invalidAt first (new has an invalid opcode there), then the
// others but the first, then the first, so that a thread running the
// code meanwhile either runs old or faults at invalidAt. It is nil if
// the code already reads new, and an error if it reads anything but old
// or new.
func (mm *MemoryManager) PatchCode(addr uint64, old, new []byte, invalidAt int) error {
	n := uint64(len(old))
	if len(new) != len(old) || n == 0 || invalidAt <= 0 || invalidAt >= len(new) ||
		addr&pageMask+n > pageSize {
		return unix.EINVAL
	}
	mm.mu.Lock()
	defer mm.mu.Unlock()
	v := mm.vmaAt(addr)
	if v == nil || !v.Private || !v.Perms.Execute {
		return unix.EFAULT
	}
	p, _, err := mm.getPage(addr/pageSize, v, false)
	if err != nil {
		return unix.EFAULT
	}
	cur := mm.mf.Bytes(p.off+addr&pageMask, n)
	if bytes.Equal(cur, new) {
		return nil
	}
	if !bytes.Equal(cur, old) {
		return fmt.Errorf("patch code at %#x: code changed", addr)
	}
	// The write breaks copy-on-write sharing as a store would.
	p, changed, err := mm.getPage(addr/pageSize, v, true)
	if err != nil {
		return unix.EFAULT
	}
	if changed {
		mm.mapPages(v, PageRoundDown(addr), PageRoundDown(addr)+pageSize)
	}
	b := mm.mf.Bytes(p.off+addr&pageMask, n)
	// Each step is an atomic store after the last, as the other
	// threads' instruction fetches must see them in order.
	b[invalidAt] = new[invalidAt]
	codeBarrier.Add(1)
	for i := 1; i < len(b); i++ {
		b[i] = new[i]
	}
	codeBarrier.Add(1)
	b[0] = new[0]
	codeBarrier.Add(1)
	return nil
}

// codeBarrier orders PatchCode's steps: an atomic add is a full fence on
// amd64 and keeps the compiler from moving stores across it.
var codeBarrier atomic.Uint32
