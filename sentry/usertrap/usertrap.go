// Package usertrap patches application system call sites so that, on a
// platform that can serve a system call without a trap
// (platform.SyscallPatcher: systrap), the calls made there later skip
// the host's signal delivery, which is most of the cost of a trapped
// call.
//
// A call site is the common 7-byte pair "mov $nr, %eax; syscall" (b8 nr32
// 0f 05), glibc's syscall(2) ("mov 0x8(%rsp), %r9; syscall") or glibc's
// read(2) ("xor %eax, %eax; syscall; cmp $-4096, %rax"). When a call
// trapped there twice, the sentry rewrites it into "jmp *addr32" (ff 24 25
// addr32), an indirect jump through the first word of one entry of a
// table of trampolines mapped at Addr in the application's address space.
// The trampoline replays what the jump replaced but the syscall
// instruction, puts the call's return address in rcx, as that
// instruction would, and jumps to the platform's fast entry.
//
// Addr is below 2 GiB, as a 32-bit absolute address must be, and its
// third byte is 0x06, an invalid opcode in 64-bit mode, which lands
// where the syscall instruction was. So a thread that had run the mov
// when the site was patched, and a call restarted by moving the
// instruction pointer back over "syscall", fault there with SIGILL, and
// the sentry makes the call (Restart). The other two kinds are patched
// only while one task uses the address space, as no thread may be part
// way through them as they change; a read site's return address is in
// its trampoline, after a syscall instruction of its own.
//
// The table is a shared mapping: a forked address space shares it, and
// with it the entries of the sites it inherited patched.
package usertrap

import (
	"bytes"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/moat-dev/moat/platform"
	"github.com/moat-dev/moat/sentry/memfile"
	"github.com/moat-dev/moat/sentry/mm"
)

const (
	// Addr is where the table is mapped; Size is its length.
	Addr = 0x60000
	Size = 16 << 10

	entrySize = 64
	entries   = Size / entrySize

	// invalidAt is the offset in a patched site of the table address's
	// third byte, 0x06, where the syscall instruction was.
	invalidAt = 5
	jmpLen    = 7 // jmp *addr32

	restartSyscall = 219

	// maxRemembered bounds the sites remembered as not patchable, and
	// those seen to trap once.
	maxRemembered = 4096
)

// The kinds of call sites. A site of the first two is 7 bytes: a 5-byte
// instruction and the syscall instruction; the trampoline replays the
// first instruction. A read site is 10: glibc's read(2), which has no
// room for the jump before its syscall instruction and takes the
// comparison after it, which its trampoline replays after the call.
type kind int

const (
	// movSite is "mov $nr, %eax; syscall".
	movSite kind = iota
	// fnSite is glibc's syscall(2): "mov 0x8(%rsp), %r9; syscall", with
	// the number already in rax.
	fnSite
	// readSite is "xor %eax, %eax; syscall; cmp $-4096, %rax".
	readSite
)

var (
	fnPrefix  = []byte{0x4c, 0x8b, 0x4c, 0x24, 0x08}
	readXor   = []byte{0x31, 0xc0}
	readCmp   = []byte{0x48, 0x3d, 0x00, 0xf0, 0xff, 0xff}
	syscallOp = []byte{0x0f, 0x05}
)

// Offsets in an entry, after the word the site jumps through.
const (
	fastOff     = 8 // movSite, fnSite: the trampoline
	readRetOff  = 8 // readSite: where to go back to
	readFastOff = 16
	// readSyscallOff is a syscall instruction that a restarted call
	// runs (as it traps), before the tail that both paths return to.
	readSyscallOff = 44
	readTailOff    = readSyscallOff + 2
)

// Table is an address space's table of trampolines. It is the mappable
// object of its mapping, whose pages it owns.
type Table struct {
	mf    *memfile.File
	off   uint64 // memory-file offset of its pages, contiguous
	entry uint64 // the platform's fast entry

	mu      sync.Mutex
	entries map[siteCall]int    // entry of each patched site and code
	sites   map[uint64]patched  // patched sites
	bad     map[uint64]struct{} // return addresses of sites not patchable
	seen    map[uint64]struct{} // sites that trapped once
	// refs counts its mappings, in any number of address spaces.
	refs atomic.Int32
}

// Name implements mm.Mappable.
func (t *Table) Name() string { return "[usertrap]" }

// Page implements mm.Mappable.
func (t *Table) Page(off uint64) (uint64, error) {
	if off >= Size {
		return 0, mm.ErrBeyondEOF
	}
	return t.off + off, nil
}

// IncMappingRef implements mm.MappingRefs.
func (t *Table) IncMappingRef() { t.refs.Add(1) }

// DecMappingRef implements mm.MappingRefs: the pages go with the last
// mapping.
func (t *Table) DecMappingRef() {
	if t.refs.Add(-1) == 0 {
		t.free()
	}
}

func (t *Table) free() {
	offs := make([]uint64, 0, Size/memfile.PageSize)
	for o := uint64(0); o < Size; o += memfile.PageSize {
		offs = append(offs, t.off+o)
	}
	t.mf.DecRef(offs...)
}

// patched is what Restart needs of a patched site.
type patched struct {
	kind  kind
	nr    uint32 // a mov site's
	entry int
}

// siteCall is a site and what it calls: a JIT can rewrite a site.
type siteCall struct {
	site uint64
	code [10]byte
}

// find returns the table mapped in m, if any.
func find(m *mm.MemoryManager) *Table {
	t, _ := m.MappableAt(Addr).(*Table)
	return t
}

// get returns m's table, mapping a new one if it has none (nil if the
// place is taken).
func get(m *mm.MemoryManager, entry uint64) *Table {
	if t := find(m); t != nil {
		return t
	}
	off, err := m.MemFile().Allocate(Size / memfile.PageSize)
	if err != nil {
		return nil
	}
	t := &Table{mf: m.MemFile(), off: off, entry: entry, entries: map[siteCall]int{}, sites: map[uint64]patched{},
		bad: map[uint64]struct{}{}, seen: map[uint64]struct{}{}}
	rx := platform.AccessType{Read: true, Execute: true}
	if _, err := m.MMap(mm.MMapOpts{Addr: Addr, Length: Size, NoReplace: true, Perms: rx, MaxPerms: rx,
		Obj: t}); err != nil {
		t.free()
		// Another thread may have mapped one meanwhile.
		return find(m)
	}
	return t
}

// Patch patches the call site of the system call that just trapped, as
// regs say, if it is one, in m, whose threads enter the fast path at
// entry. The caller's GS base must be 0. A read site moves regs' return
// address to the trampoline's.
func Patch(m *mm.MemoryManager, entry uint64, regs *platform.Registers) {
	rip, nr := regs.Rip, regs.Orig_rax
	// code is [rip-8, rip+6), in one page.
	if in := rip & (memfile.PageSize - 1); nr > 0x7fffffff || in < 8 || in > memfile.PageSize-6 {
		return
	}
	// Sites are known by the return address of their call.
	if t := find(m); t != nil && t.rejected(rip) {
		return
	}
	var code [14]byte
	if _, err := m.CopyIn(rip-8, code[:]); err != nil {
		return
	}
	k, back, ok := classify(code, nr)
	if !ok {
		if t := find(m); t != nil {
			t.reject(rip)
		}
		return
	}
	// Only a mov site can change under threads running it: torn, the
	// other two can read as longer instructions that swallow the
	// syscall. They wait until one task uses the address space.
	if k != movSite && m.Users() != 1 {
		return
	}
	site := rip - back
	t := get(m, entry)
	if t == nil || t.firstSight(rip) {
		return
	}
	old := code[1:8]
	if k == readSite {
		old = code[4:14]
	}
	var sc siteCall
	copy(sc.code[:], old)
	sc.site = site
	i, ok := t.entryFor(sc, k)
	if !ok {
		return
	}
	patched := make([]byte, len(old))
	patched[0], patched[1], patched[2] = 0xff, 0x24, 0x25 // jmp *addr32
	binary.LittleEndian.PutUint32(patched[3:], uint32(Addr+i*entrySize))
	for j := jmpLen; j < len(patched); j++ {
		patched[j] = 0x90 // nop
	}
	if err := m.PatchCode(site, old, patched, invalidAt); err != nil {
		t.reject(rip)
		return
	}
	if k == readSite {
		regs.Rip = uint64(Addr + i*entrySize + readTailOff)
	}
}

// classify tells the kind of the call site around a syscall instruction
// from code, the 14 bytes from 8 before the instruction's end, and how
// far before that end the site starts.
func classify(code [14]byte, nr uint64) (k kind, back uint64, ok bool) {
	switch {
	case !bytes.Equal(code[6:8], syscallOp):
		return 0, 0, false
	case code[1] == 0xb8 && code[0]&0xf0 != 0x40 && uint64(binary.LittleEndian.Uint32(code[2:])) == nr:
		// The byte before b8 is no REX prefix, which would make the
		// mov one to r8d..r15d.
		return movSite, jmpLen, true
	case bytes.Equal(code[1:6], fnPrefix):
		return fnSite, jmpLen, true
	case nr == 0 && bytes.Equal(code[4:6], readXor) && bytes.Equal(code[8:], readCmp):
		return readSite, 4, true
	}
	return 0, 0, false
}

// rejected reports whether the site is known not to be patchable, or
// the table patches no more.
func (t *Table) rejected(rip uint64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, bad := t.bad[rip]
	return bad
}

// firstSight reports whether the site trapped for the first time. A site
// is patched when it traps again, which leaves alone the many that run
// once (exit_group, execve): patching costs a copy of the page.
func (t *Table) firstSight(rip uint64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, again := t.seen[rip]; again {
		return false
	}
	remember(t.seen, rip)
	return true
}

// remember adds rip to a set of sites that forgets them all when full.
func remember(set map[uint64]struct{}, rip uint64) {
	if len(set) >= maxRemembered {
		clear(set)
	}
	set[rip] = struct{}{}
}

func (t *Table) reject(rip uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	remember(t.bad, rip)
}

// entryFor returns the entry of a site, which it makes if the site has
// none.
func (t *Table) entryFor(sc siteCall, k kind) (int, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i, ok := t.entries[sc]
	if ok {
		return i, true
	}
	if len(t.entries) >= entries {
		return 0, false
	}
	i = len(t.entries)
	t.entries[sc] = i
	t.sites[sc.site] = patched{k, binary.LittleEndian.Uint32(sc.code[1:]), i}
	t.writeEntry(i, sc, k)
	return i, true
}

// writeEntry writes entry i's trampoline for the site.
func (t *Table) writeEntry(i int, sc siteCall, k kind) {
	addr := uint64(Addr + i*entrySize)
	b := t.mf.Bytes(t.off+uint64(i*entrySize), entrySize)
	le := binary.LittleEndian
	var f []byte
	if k == readSite {
		f = b[readFastOff:]
		le.PutUint64(b[readRetOff:], sc.site+uint64(len(readXor)+len(syscallOp)+len(readCmp)))
		// xor %eax, %eax; movabs $tail, %rcx
		copy(f, readXor)
		f[2], f[3] = 0x48, 0xb9
		le.PutUint64(f[4:], addr+readTailOff)
		f = f[12:]
		// syscall; tail: cmp $-4096, %rax; jmp *ret
		r := b[readSyscallOff:]
		copy(r, syscallOp)
		copy(r[2:], readCmp)
		r[8], r[9], r[10] = 0xff, 0x24, 0x25
		le.PutUint32(r[11:], uint32(addr+readRetOff))
	} else {
		f = b[fastOff:]
		// the site's first instruction; movabs $ret, %rcx
		copy(f, sc.code[:5])
		f[5], f[6] = 0x48, 0xb9
		le.PutUint64(f[7:], sc.site+jmpLen)
		f = f[15:]
	}
	// movabs $entry, %r11; jmp *%r11
	f[0], f[1] = 0x49, 0xbb
	le.PutUint64(f[2:], t.entry)
	f[10], f[11], f[12] = 0x41, 0xff, 0xe3
	to := addr + fastOff
	if k == readSite {
		to = addr + readFastOff
	}
	atomic.StoreUint64((*uint64)(unsafe.Pointer(&b[0])), to)
}

// Restart handles a SIGILL at regs.Rip, which is where a patched site's
// syscall instruction was if the site is one of m's: a call restarted by
// moving back over the syscall instruction lands there, and so does a
// thread that was past a mov site's mov when the site was patched. The
// syscall instruction is made as it was (handled and syscall: regs then
// point past it and Orig_rax holds the number); or, for a thread whose
// mov read the immediate while the patch rewrote it, the patched site
// runs again (handled only).
func Restart(m *mm.MemoryManager, regs *platform.Registers) (handled, syscall bool) {
	t := find(m)
	if t == nil {
		return false, false
	}
	site := regs.Rip - invalidAt
	t.mu.Lock()
	p, ok := t.sites[site]
	t.mu.Unlock()
	if !ok || p.kind == readSite {
		return false, false
	}
	var b [1]byte
	if _, err := m.CopyIn(regs.Rip, b[:]); err != nil || b[0] != 0x06 {
		return false, false
	}
	if p.kind == movSite && regs.Rax != uint64(p.nr) && torn(regs.Rax, p) {
		regs.Rip = site
		return true, false
	}
	regs.Orig_rax = regs.Rax
	regs.Rip += 2
	return true, true
}

// torn reports whether rax could have been loaded by a mov site's mov as
// its immediate was being rewritten: each byte either the old one or the
// patched site's.
func torn(rax uint64, p patched) bool {
	if rax>>32 != 0 {
		return false
	}
	var now [4]byte
	now[0], now[1] = 0x24, 0x25
	binary.LittleEndian.PutUint16(now[2:], uint16(Addr+p.entry*entrySize))
	for i := 0; i < 4; i++ {
		b := byte(rax >> (8 * i))
		if b != byte(p.nr>>(8*i)) && b != now[i] {
			return false
		}
	}
	return true
}
