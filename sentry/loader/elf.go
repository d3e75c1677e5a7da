package loader

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ErrNoExec is wrapped by every error ParseELF returns for a file that is
// not a valid amd64 ELF executable. The caller maps it to ENOEXEC.
var ErrNoExec = errors.New("exec format error")

// ELF constants the parser and the loader use (values from the ELF spec and
// the Linux headers).
const (
	// ETExec is e_type for a fixed-address executable.
	ETExec = 2
	// ETDyn is e_type for a position-independent executable or shared
	// object.
	ETDyn = 3

	// PTLoad is a loadable segment.
	PTLoad = 1
	// PTDynamic is the dynamic linking information segment.
	PTDynamic = 2
	// PTInterp names the program interpreter.
	PTInterp = 3
	// PTNote is an auxiliary information segment.
	PTNote = 4
	// PTPhdr is the program header table itself.
	PTPhdr = 6
	// PTTLS is the thread-local storage template.
	PTTLS = 7
	// PTGnuEhFrame is the GNU .eh_frame_hdr segment.
	PTGnuEhFrame = 0x6474e550
	// PTGnuStack gives the stack's permissions in its flags.
	PTGnuStack = 0x6474e551
	// PTGnuRelro is the GNU read-only-after-relocation segment.
	PTGnuRelro = 0x6474e552
	// PTGnuProperty is the GNU property note segment.
	PTGnuProperty = 0x6474e553

	// PFX marks a segment executable.
	PFX = 0x1
	// PFW marks a segment writable.
	PFW = 0x2
	// PFR marks a segment readable.
	PFR = 0x4
)

const (
	elfHeaderSize = 64 // sizeof(Elf64_Ehdr)
	phdrSize      = 56 // sizeof(Elf64_Phdr)
	maxPhnum      = 512
	elfPageSize   = 4096
	// maxUserAddr is TASK_SIZE on amd64 with 4-level paging: the end of
	// the user address range.
	maxUserAddr = 0x7fff_ffff_f000
	// pathMax is PATH_MAX, which bounds PT_INTERP's size including its
	// terminating NUL.
	pathMax = 4096

	emX8664    = 62 // EM_X86_64
	elfClass64 = 2  // ELFCLASS64
	elfDataLSB = 1  // ELFDATA2LSB
	evCurrent  = 1  // EV_CURRENT
)

// ELF is what the loader needs from an executable or interpreter.
//
// Addresses are the link-time ones from the file: for ET_DYN the loader adds
// its load bias to Entry, PhdrAddr and every Phdr's Vaddr.
type ELF struct {
	Type      uint16 // ETExec or ETDyn
	Entry     uint64
	Phoff     uint64
	Phentsize uint16
	Phnum     uint16
	Phdrs     []Phdr // all program headers
	Interp    string // path from PT_INTERP, "" if none
	PhdrAddr  uint64 // vaddr of the program headers (from PT_PHDR, else computed from the PT_LOAD that contains e_phoff), 0 if not mapped
	StackExec bool   // PT_GNU_STACK with PF_X (or absent)
}

// Phdr is one ELF64 program header.
type Phdr struct {
	Type, Flags                             uint32
	Off, Vaddr, Paddr, Filesz, Memsz, Align uint64
}

// elfNoExec returns an error that wraps ErrNoExec with a description.
func elfNoExec(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrNoExec, fmt.Sprintf(format, args...))
}

// elfReadFull reads len(buf) bytes at off. A short file is a format error; other
// read errors are returned as they are.
func elfReadFull(r io.ReaderAt, buf []byte, off int64, what string) error {
	n, err := r.ReadAt(buf, off)
	if n == len(buf) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return elfNoExec("%s: short read at offset %#x (%d of %d bytes)", what, off, n, len(buf))
	}
	return fmt.Errorf("reading %s at offset %#x: %w", what, off, err)
}

// ParseELF reads and validates the ELF header and program headers through r
// (size is the file size). Every validation failure wraps ErrNoExec.
func ParseELF(r io.ReaderAt, size int64) (*ELF, error) {
	if size < 0 {
		return nil, elfNoExec("negative file size %d", size)
	}
	if size < elfHeaderSize {
		return nil, elfNoExec("file of %d bytes is too small for an ELF header", size)
	}
	var hdr [elfHeaderSize]byte
	if err := elfReadFull(r, hdr[:], 0, "ELF header"); err != nil {
		return nil, err
	}
	if hdr[0] != 0x7f || hdr[1] != 'E' || hdr[2] != 'L' || hdr[3] != 'F' {
		return nil, elfNoExec("bad ELF magic % x", hdr[:4])
	}
	if hdr[4] != elfClass64 {
		return nil, elfNoExec("ELF class %d is not ELFCLASS64", hdr[4])
	}
	if hdr[5] != elfDataLSB {
		return nil, elfNoExec("ELF data encoding %d is not little-endian", hdr[5])
	}
	if hdr[6] != evCurrent {
		return nil, elfNoExec("ELF ident version %d is not EV_CURRENT", hdr[6])
	}
	le := binary.LittleEndian
	e := &ELF{
		Type:      le.Uint16(hdr[16:]),
		Entry:     le.Uint64(hdr[24:]),
		Phoff:     le.Uint64(hdr[32:]),
		Phentsize: le.Uint16(hdr[54:]),
		Phnum:     le.Uint16(hdr[56:]),
		StackExec: true,
	}
	if v := le.Uint32(hdr[20:]); v != evCurrent {
		return nil, elfNoExec("ELF version %d is not EV_CURRENT", v)
	}
	if m := le.Uint16(hdr[18:]); m != emX8664 {
		return nil, elfNoExec("machine %d is not EM_X86_64", m)
	}
	if e.Type != ETExec && e.Type != ETDyn {
		return nil, elfNoExec("ELF type %d is neither ET_EXEC nor ET_DYN", e.Type)
	}
	if e.Phentsize != phdrSize {
		return nil, elfNoExec("program header size %d, want %d", e.Phentsize, phdrSize)
	}
	if e.Phnum < 1 || e.Phnum > maxPhnum {
		return nil, elfNoExec("%d program headers, want 1 to %d", e.Phnum, maxPhnum)
	}
	tableSize := uint64(e.Phnum) * phdrSize
	if e.Phoff > uint64(size) || tableSize > uint64(size)-e.Phoff {
		return nil, elfNoExec("program header table at %#x+%#x is outside the file of %d bytes", e.Phoff, tableSize, size)
	}
	table := make([]byte, tableSize)
	if err := elfReadFull(r, table, int64(e.Phoff), "program headers"); err != nil {
		return nil, err
	}
	e.Phdrs = make([]Phdr, e.Phnum)
	for i := range e.Phdrs {
		b := table[i*phdrSize:]
		e.Phdrs[i] = Phdr{
			Type:   le.Uint32(b[0:]),
			Flags:  le.Uint32(b[4:]),
			Off:    le.Uint64(b[8:]),
			Vaddr:  le.Uint64(b[16:]),
			Paddr:  le.Uint64(b[24:]),
			Filesz: le.Uint64(b[32:]),
			Memsz:  le.Uint64(b[40:]),
			Align:  le.Uint64(b[48:]),
		}
	}
	if err := e.checkLoads(uint64(size)); err != nil {
		return nil, err
	}

	var interp *Phdr
	interpIdx := 0
	havePhdr := false
	for i := range e.Phdrs {
		p := &e.Phdrs[i]
		switch p.Type {
		case PTInterp:
			if interp != nil {
				return nil, elfNoExec("more than one PT_INTERP (program headers %d and %d)", interpIdx, i)
			}
			interp, interpIdx = p, i
		case PTPhdr:
			if !havePhdr {
				e.PhdrAddr = p.Vaddr
				havePhdr = true
			}
		case PTGnuStack:
			e.StackExec = p.Flags&PFX != 0
		}
	}
	if interp != nil {
		s, err := elfReadInterp(r, interp, uint64(size))
		if err != nil {
			return nil, err
		}
		e.Interp = s
	}
	if !havePhdr {
		for _, p := range e.Phdrs {
			if p.Type == PTLoad && p.Off <= e.Phoff && e.Phoff-p.Off <= p.Filesz && tableSize <= p.Filesz-(e.Phoff-p.Off) {
				e.PhdrAddr = p.Vaddr + (e.Phoff - p.Off)
				break
			}
		}
	}
	return e, nil
}

// checkLoads validates the PT_LOAD segments against each other and the file.
func (e *ELF) checkLoads(size uint64) error {
	n := 0
	var first, prev *Phdr
	for i := range e.Phdrs {
		p := &e.Phdrs[i]
		if p.Type != PTLoad {
			continue
		}
		n++
		if p.Filesz > p.Memsz {
			return elfNoExec("PT_LOAD %d: file size %#x exceeds memory size %#x", i, p.Filesz, p.Memsz)
		}
		// The end, rounded up to a page, must not wrap.
		if p.Memsz > ^uint64(0)-(elfPageSize-1) || p.Vaddr > ^uint64(0)-(elfPageSize-1)-p.Memsz {
			return elfNoExec("PT_LOAD %d: %#x+%#x overflows", i, p.Vaddr, p.Memsz)
		}
		end := p.Vaddr + p.Memsz
		if e.Type == ETExec && end > maxUserAddr {
			return elfNoExec("PT_LOAD %d: end %#x is above the user address range", i, end)
		}
		if (p.Vaddr-p.Off)%elfPageSize != 0 {
			return elfNoExec("PT_LOAD %d: vaddr %#x and offset %#x are not congruent modulo the page size", i, p.Vaddr, p.Off)
		}
		if p.Off > size || p.Filesz > size-p.Off {
			return elfNoExec("PT_LOAD %d: file range %#x+%#x is outside the file of %d bytes", i, p.Off, p.Filesz, size)
		}
		if prev != nil {
			if p.Vaddr < prev.Vaddr {
				return elfNoExec("PT_LOAD %d: vaddr %#x is below the previous segment's %#x", i, p.Vaddr, prev.Vaddr)
			}
			if p.Vaddr < prev.Vaddr+prev.Memsz {
				return elfNoExec("PT_LOAD %d: vaddr %#x overlaps the previous segment ending at %#x", i, p.Vaddr, prev.Vaddr+prev.Memsz)
			}
		} else {
			first = p
		}
		prev = p
	}
	if n == 0 {
		return elfNoExec("no PT_LOAD segment")
	}
	lo := elfPageDown(first.Vaddr)
	hi := elfPageUp(prev.Vaddr + prev.Memsz)
	if hi-lo > maxUserAddr {
		return elfNoExec("PT_LOAD segments span %#x bytes, more than the user address range", hi-lo)
	}
	return nil
}

// elfReadInterp reads and checks the path named by a PT_INTERP header.
func elfReadInterp(r io.ReaderAt, p *Phdr, size uint64) (string, error) {
	// Like Linux, the size includes the NUL and is at most PATH_MAX.
	if p.Filesz < 2 || p.Filesz > pathMax {
		return "", elfNoExec("PT_INTERP size %d, want 2 to %d", p.Filesz, pathMax)
	}
	if p.Off > size || p.Filesz > size-p.Off {
		return "", elfNoExec("PT_INTERP at %#x+%#x is outside the file of %d bytes", p.Off, p.Filesz, size)
	}
	buf := make([]byte, p.Filesz)
	if err := elfReadFull(r, buf, int64(p.Off), "PT_INTERP"); err != nil {
		return "", err
	}
	if buf[len(buf)-1] != 0 {
		return "", elfNoExec("PT_INTERP path is not NUL-terminated")
	}
	for i, c := range buf {
		if c == 0 {
			buf = buf[:i]
			break
		}
	}
	if len(buf) == 0 {
		return "", elfNoExec("PT_INTERP path is empty")
	}
	return string(buf), nil
}

// LoadSpan returns the page-aligned range [lo, hi) covered by the PT_LOAD
// segments, at their link-time addresses. It returns 0, 0 if there is no
// PT_LOAD segment, which ParseELF never accepts.
func (e *ELF) LoadSpan() (lo, hi uint64) {
	found := false
	for _, p := range e.Phdrs {
		if p.Type != PTLoad {
			continue
		}
		if !found {
			lo = elfPageDown(p.Vaddr)
			found = true
		}
		hi = elfPageUp(p.Vaddr + p.Memsz)
	}
	return lo, hi
}

func elfPageDown(a uint64) uint64 { return a &^ (elfPageSize - 1) }
func elfPageUp(a uint64) uint64   { return (a + elfPageSize - 1) &^ (elfPageSize - 1) }
