package proc

import (
	"encoding/binary"
	"path"

	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/mm"
	"github.com/moat-dev/moat/sentry/vfs"
)

// Exec records the executable's file (mm.ExeFile); for the rest /proc
// looks in the image itself: the auxiliary vector gives the
// path the program was loaded from (AT_EXECFN), its entry point
// (AT_ENTRY, inside the executable's mapping) and the interpreter's base
// (AT_BASE), and the program headers in memory name the interpreter
// (PT_INTERP).

// Auxiliary vector tags.
const (
	atPhdr   = 3
	atPhent  = 4
	atPhnum  = 5
	atBase   = 7
	atEntry  = 9
	atExecfn = 31
)

// ELF program header types and sizes.
const (
	ptInterp = 3
	ptPhdr   = 6
	phdrSize = 56
	maxPhnum = 512
	pathMax  = 4096
)

// devIno identifies a file.
type devIno struct{ dev, ino uint64 }

// image describes where an address space's program came from.
type image struct {
	exe, interp     string // absolute paths; "" when unknown
	exeID, interpID devIno
	hasExe          bool // exeID is known
	hasInterp       bool // interpID is known
	entryVMA        *mm.VMA
}

// auxv returns the value of tag in m's auxiliary vector.
func auxv(m *mm.MemoryManager, tag uint64) (uint64, bool) {
	for i := 0; i+1 < len(m.Auxv); i += 2 {
		if m.Auxv[i] == tag {
			return m.Auxv[i+1], true
		}
		if m.Auxv[i] == 0 {
			break
		}
	}
	return 0, false
}

// vmaAt returns the VMA containing addr.
func vmaAt(vmas []mm.VMA, addr uint64) *mm.VMA {
	for i := range vmas {
		if vmas[i].Start <= addr && addr < vmas[i].End {
			return &vmas[i]
		}
	}
	return nil
}

// imageOf inspects m, the address space of t. Paths are shown relative
// to root.
func (p *procFS) imageOf(t *kernel.Task, m *mm.MemoryManager, vmas []mm.VMA, root vfs.VirtualDentry) image {
	var img image
	if entry, ok := auxv(m, atEntry); ok {
		if v := vmaAt(vmas, entry); v != nil && v.Obj != nil {
			img.exeID, img.hasExe = devIno{v.Dev, v.Ino}, true
			img.entryVMA = v
		}
	}
	if base, ok := auxv(m, atBase); ok && base != 0 {
		if v := vmaAt(vmas, base); v != nil && v.Obj != nil {
			img.interpID, img.hasInterp = devIno{v.Dev, v.Ino}, true
		}
	}
	// Exec records the file it loaded. Resolving the path it was run by
	// instead would be wrong for /proc/self/exe (the reader's own exe, or
	// endless recursion when resolving it reads this link again).
	if vd, ok := m.ExeFile.(vfs.VirtualDentry); ok && vd.Ok() {
		img.exe = p.k.VFS.PathOf(root, vd)
	}
	if fn, ok := auxv(m, atExecfn); ok && img.exe == "" {
		if s, err := m.CopyInString(fn, pathMax); err == nil && s != "" {
			img.exe = p.canonicalPath(t, s, root)
		}
	}
	if img.exe == "" {
		// No AT_EXECFN: the first argument is the best guess.
		if s, err := m.CopyInString(m.ArgStart, pathMax); err == nil && s != "" {
			img.exe = p.canonicalPath(t, s, root)
		}
	}
	if img.hasInterp {
		if s := interpreterOf(m); s != "" {
			img.interp = p.canonicalPath(t, s, root)
		}
	}
	return img
}

// interpreterOf reads the PT_INTERP path from the program headers that
// the loader left mapped at AT_PHDR.
func interpreterOf(m *mm.MemoryManager) string {
	phdr, ok1 := auxv(m, atPhdr)
	phnum, ok2 := auxv(m, atPhnum)
	phent, ok3 := auxv(m, atPhent)
	if !ok1 || !ok2 || !ok3 || phdr == 0 || phent != phdrSize || phnum == 0 || phnum > maxPhnum {
		return ""
	}
	buf := make([]byte, phnum*phdrSize)
	if n, err := m.CopyIn(phdr, buf); err != nil || n != len(buf) {
		return ""
	}
	le := binary.LittleEndian
	var bias uint64
	haveBias := false
	var interpVaddr, interpSize uint64
	for i := uint64(0); i < phnum; i++ {
		h := buf[i*phdrSize:]
		switch le.Uint32(h) {
		case ptPhdr:
			bias = phdr - le.Uint64(h[16:])
			haveBias = true
		case ptInterp:
			interpVaddr, interpSize = le.Uint64(h[16:]), le.Uint64(h[32:])
		}
	}
	if !haveBias || interpSize == 0 || interpSize > pathMax {
		return ""
	}
	s, err := m.CopyInString(bias+interpVaddr, int(interpSize))
	if err != nil {
		return ""
	}
	return s
}

// canonicalPath resolves p, as t would, to the absolute path of the file
// it names, following symlinks as Linux's exe link shows the file itself.
// If p no longer resolves, it returns p made absolute.
func (p *procFS) canonicalPath(t *kernel.Task, name string, root vfs.VirtualDentry) string {
	fs := t.FSContext()
	if fs == nil {
		return path.Clean(name)
	}
	r := &vfs.Resolver{Root: fs.Root(), Start: fs.Cwd(), FollowFinal: true}
	if vd, err := p.k.VFS.Resolve(r, name); err == nil {
		return p.k.VFS.PathOf(root, vd)
	}
	if path.IsAbs(name) {
		return path.Clean(name)
	}
	return path.Join(p.k.VFS.PathOf(root, fs.Cwd()), name)
}

// startStack finds the initial stack pointer of the program, where argc
// is, for the startstack field of stat: the word before the argv array,
// whose first entry points at ArgStart.
func startStack(m *mm.MemoryManager, vmas []mm.VMA) uint64 {
	if m.ArgStart == 0 || m.ArgEnd <= m.ArgStart {
		return 0
	}
	stack := vmaAt(vmas, m.ArgStart)
	if stack == nil {
		return 0
	}
	var argc uint64
	args := make([]byte, min(m.ArgEnd-m.ArgStart, 1<<20))
	if n, err := m.CopyIn(m.ArgStart, args); err == nil {
		for _, c := range args[:n] {
			if c == 0 {
				argc++
			}
		}
	}
	// Between argc and the strings lie the argv and envp arrays, the
	// auxiliary vector and a little padding: at most a pointer per
	// string byte and a few kilobytes.
	top := m.ArgStart &^ 7
	span := (m.EnvEnd-m.ArgStart)*8 + uint64(len(m.Auxv))*8 + 8192
	bottom := stack.Start
	if top-bottom > span {
		bottom = top - span
	}
	buf := make([]byte, top-bottom)
	if n, err := m.CopyIn(bottom, buf); err != nil || n != len(buf) {
		return 0
	}
	le := binary.LittleEndian
	for off := len(buf) - 8; off >= 8; off -= 8 {
		if le.Uint64(buf[off:]) == m.ArgStart && le.Uint64(buf[off-8:]) == argc {
			return bottom + uint64(off) - 8
		}
	}
	return 0
}
