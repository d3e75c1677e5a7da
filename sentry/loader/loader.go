// Package loader loads executables into a fresh address space: ELF
// programs (static, static-PIE and dynamic with an interpreter) and #!
// scripts, and it builds the initial stack with argv, envp and auxv.
package loader

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/platform"
	"github.com/moat-dev/moat/sentry/mm"
	"github.com/moat-dev/moat/sentry/vdso"
)

// Executable is an opened file that may be loaded.
type Executable interface {
	io.ReaderAt
	Size() int64
	Mappable() (mm.Mappable, error)
	DevIno() (dev, ino uint64)
	Close()
}

// Opener opens executables by path. It checks that the file is a
// regular file the caller may execute (EACCES otherwise).
type Opener interface {
	OpenExecutable(path string) (Executable, error)
}

// Args are the inputs of a load.
type Args struct {
	Path  string
	Argv  []string
	Envv  []string
	Creds Creds
	// CredsFor, if set, gives the credentials the program will run with
	// once the file to load is known (its set-user-ID and
	// set-group-ID bits); they replace Creds in the auxiliary vector.
	CredsFor func(exe Executable) Creds
	// StackSize is RLIMIT_STACK.
	StackSize uint64
	// NoRandomize places the stack, mmap base, program and heap at
	// fixed addresses (personality ADDR_NO_RANDOMIZE), so that the
	// layout is the same run after run. A set-ID program is randomized
	// anyway, as Linux clears the flag for it.
	NoRandomize bool
}

// Creds are the IDs the auxiliary vector reports; Secure is AT_SECURE
// (a set-ID execution, which the dynamic linker treats with care).
type Creds struct {
	UID, EUID, GID, EGID uint32
	Secure               bool
}

// Image is a loaded program.
type Image struct {
	Entry uint64
	SP    uint64
	// Argv is the final argument list, after #! rewriting.
	Argv []string
	// Path is the file that was finally loaded.
	Path string
	Exe  Executable
}

// HostAuxv holds auxv values the sentry passes through from its own
// auxv, such as AT_HWCAP. Boot fills it.
var HostAuxv = map[uint64]uint64{}

// Auxv tags.
const (
	atNull          = 0
	atPhdr          = 3
	atPhent         = 4
	atPhnum         = 5
	atPagesz        = 6
	atBase          = 7
	atFlags         = 8
	atEntry         = 9
	atUID           = 11
	atEUID          = 12
	atGID           = 13
	atEGID          = 14
	atPlatform      = 15
	atHwcap         = 16
	atClktck        = 17
	atSecure        = 23
	atRandom        = 25
	atHwcap2        = 26
	atExecfn        = 31
	atSysinfoEhdr   = 33
	atMinsigstksz   = 51
	maxScriptDepth  = 4
	binprmBufSize   = 256
	pieBase         = 0x555555554000
	defaultStackTop = 0x7fffffefe000
)

// Load loads args.Path into m. m must be empty.
func Load(o Opener, m *mm.MemoryManager, args Args) (*Image, error) {
	path, argv := args.Path, args.Argv
	var exe Executable
	var hdr []byte
	for depth := 0; ; depth++ {
		var err error
		exe, err = o.OpenExecutable(path)
		if err != nil {
			return nil, err
		}
		hdr = make([]byte, binprmBufSize)
		n, err := exe.ReadAt(hdr, 0)
		if err != nil && err != io.EOF {
			exe.Close()
			return nil, err
		}
		hdr = hdr[:n]
		if !bytes.HasPrefix(hdr, []byte("#!")) {
			break
		}
		exe.Close()
		if depth == maxScriptDepth {
			return nil, unix.ELOOP
		}
		interp, arg, err := parseShebang(hdr)
		if err != nil {
			return nil, err
		}
		nargv := []string{interp}
		if arg != "" {
			nargv = append(nargv, arg)
		}
		nargv = append(nargv, path)
		if len(argv) > 1 {
			nargv = append(nargv, argv[1:]...)
		}
		path, argv = interp, nargv
	}
	if args.CredsFor != nil {
		args.Creds = args.CredsFor(exe)
	}
	if args.Creds.Secure {
		args.NoRandomize = false
	}
	img, err := loadELF(o, m, exe, path, argv, args)
	if err != nil {
		exe.Close()
		return nil, err
	}
	img.Exe = exe
	return img, nil
}

// parseShebang splits a "#!interp arg" line.
func parseShebang(hdr []byte) (string, string, error) {
	line := hdr[2:]
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	} else if len(hdr) == binprmBufSize {
		// Linux accepts a truncated line only if the interpreter
		// name itself ended within the buffer.
		if !bytes.ContainsAny(bytes.TrimLeft(line, " \t"), " \t") {
			return "", "", unix.ENOEXEC
		}
	}
	s := strings.Trim(string(line), " \t\x00")
	if s == "" {
		return "", "", unix.ENOEXEC
	}
	interp, arg := s, ""
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		interp, arg = s[:i], strings.Trim(s[i:], " \t")
	}
	return interp, arg, nil
}

type loaded struct {
	elf  *ELF
	bias uint64
	end  uint64 // end of the highest segment
}

// mapELF maps the PT_LOAD segments of exe.
func mapELF(m *mm.MemoryManager, exe Executable, e *ELF, base uint64) (*loaded, error) {
	lo, hi := e.LoadSpan()
	mappable, err := exe.Mappable()
	if err != nil {
		return nil, err
	}
	dev, ino := exe.DevIno()
	var bias uint64
	if e.Type == ETDyn {
		// Reserve the whole span so that the segments land together.
		addr, err := m.MMap(mm.MMapOpts{Addr: base, Length: hi - lo, Private: true})
		if err != nil {
			return nil, err
		}
		bias = addr - lo
	}
	l := &loaded{elf: e, bias: bias}
	for _, p := range e.Phdrs {
		if p.Type != PTLoad || p.Memsz == 0 {
			continue
		}
		perms := platform.AccessType{Read: p.Flags&PFR != 0, Write: p.Flags&PFW != 0, Execute: p.Flags&PFX != 0}
		all := platform.AccessType{Read: true, Write: true, Execute: true}
		start := mm.PageRoundDown(bias + p.Vaddr)
		fileEnd := bias + p.Vaddr + p.Filesz
		memEnd := bias + p.Vaddr + p.Memsz
		if p.Filesz > 0 {
			_, err := m.MMap(mm.MMapOpts{
				Addr: start, Length: mm.PageRoundUp(fileEnd) - start, Fixed: true,
				Perms: perms, MaxPerms: all, Private: true,
				Obj: mappable, Off: mm.PageRoundDown(p.Off), Dev: dev, Ino: ino,
			})
			if err != nil {
				return nil, fmt.Errorf("map segment: %w", err)
			}
			if p.Memsz > p.Filesz {
				// Zero the tail of the last file page: it is .bss.
				if n := mm.PageRoundUp(fileEnd) - fileEnd; n > 0 {
					if _, err := m.ZeroOutForce(fileEnd, int(n)); err != nil {
						return nil, err
					}
				}
			}
		}
		if anonStart := mm.PageRoundUp(fileEnd); memEnd > anonStart {
			if p.Filesz == 0 {
				anonStart = start
			}
			_, err := m.MMap(mm.MMapOpts{
				Addr: anonStart, Length: mm.PageRoundUp(memEnd) - anonStart, Fixed: true,
				Perms: perms, MaxPerms: all, Private: true,
			})
			if err != nil {
				return nil, fmt.Errorf("map bss: %w", err)
			}
		}
		l.end = max(l.end, mm.PageRoundUp(memEnd))
	}
	return l, nil
}

func parse(exe Executable) (*ELF, error) {
	e, err := ParseELF(exe, exe.Size())
	if err != nil {
		if errors.Is(err, ErrNoExec) {
			return nil, unix.ENOEXEC
		}
		return nil, err
	}
	return e, nil
}

func loadELF(o Opener, m *mm.MemoryManager, exe Executable, path string, argv []string, args Args) (*Image, error) {
	e, err := parse(exe)
	if err != nil {
		return nil, err
	}
	// Place the stack first, so that mmap allocations start below it.
	stackSize := args.StackSize
	if stackSize < 128<<10 || stackSize > 1<<30 {
		stackSize = 8 << 20
	}
	rnd := randomPages
	if args.NoRandomize {
		rnd = func(uint64) uint64 { return 0 }
	}
	// The platform's stub may sit below the usual stack top.
	stackTop := min(uint64(defaultStackTop), mm.MaxAddr-0x2000) - rnd(1024)
	stackBottom := stackTop - stackSize
	if _, err := m.MMap(mm.MMapOpts{
		Addr: stackBottom, Length: stackSize, Fixed: true,
		Perms:    platform.AccessType{Read: true, Write: true, Execute: e.StackExec},
		MaxPerms: platform.AccessType{Read: true, Write: true, Execute: true},
		Private:  true, Name: "[stack]",
	}); err != nil {
		return nil, err
	}
	m.SetMmapBase(stackBottom - (128 << 20) - rnd(4096))

	base := uint64(0)
	if e.Type == ETDyn && e.Interp != "" {
		base = pieBase + rnd(4096)
	}
	main, err := mapELF(m, exe, e, base)
	if err != nil {
		return nil, err
	}
	entry := main.bias + e.Entry
	var interpBase uint64
	if e.Interp != "" {
		iexe, err := o.OpenExecutable(e.Interp)
		if err != nil {
			if err == unix.EACCES {
				return nil, err
			}
			return nil, err
		}
		defer iexe.Close()
		ie, err := parse(iexe)
		if err != nil {
			return nil, err
		}
		if ie.Type != ETDyn && ie.Interp != "" {
			return nil, unix.ELIBBAD
		}
		il, err := mapELF(m, iexe, ie, 0)
		if err != nil {
			return nil, err
		}
		interpBase = il.bias
		if ie.Type == ETDyn {
			lo, _ := ie.LoadSpan()
			interpBase = il.bias + lo
		}
		entry = il.bias + ie.Entry
	}
	m.SetupBrk(main.end + rnd(8192))

	phdr := e.PhdrAddr
	if phdr != 0 {
		phdr += main.bias
	}
	secure := uint64(0)
	if args.Creds.Secure {
		secure = 1
	}
	auxv := []uint64{
		atPhdr, phdr,
		atPhent, 56,
		atPhnum, uint64(e.Phnum),
		atPagesz, 4096,
		atBase, interpBase,
		atFlags, 0,
		atEntry, main.bias + e.Entry,
		atUID, uint64(args.Creds.UID),
		atEUID, uint64(args.Creds.EUID),
		atGID, uint64(args.Creds.GID),
		atEGID, uint64(args.Creds.EGID),
		atSecure, secure,
		atClktck, 100,
	}
	for _, tag := range []uint64{atHwcap, atHwcap2, atMinsigstksz} {
		if v, ok := HostAuxv[tag]; ok {
			auxv = append(auxv, tag, v)
		}
	}
	// The sandbox's own vDSO (sentry/vdso): its clocks never trap.
	if base, err := vdso.Map(m); err == nil {
		auxv = append(auxv, atSysinfoEhdr, base)
	}
	sp, err := buildStack(m, stackTop, path, argv, args.Envv, auxv)
	if err != nil {
		return nil, err
	}
	return &Image{Entry: entry, SP: sp, Argv: argv, Path: path}, nil
}

func randomPages(n uint64) uint64 {
	var b [8]byte
	rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:]) % n * 4096
}

// buildStack writes the strings, argv, envp and auxv below top and
// returns the initial stack pointer.
func buildStack(m *mm.MemoryManager, top uint64, execfn string, argv, envv []string, auxv []uint64) (uint64, error) {
	sp := top
	push := func(b []byte) (uint64, error) {
		sp -= uint64(len(b))
		_, err := m.CopyOut(sp, b)
		return sp, err
	}
	pushString := func(s string) (uint64, error) { return push(append([]byte(s), 0)) }
	execfnAddr, err := pushString(execfn)
	if err != nil {
		return 0, err
	}
	strAddrs := func(list []string) ([]uint64, error) {
		out := make([]uint64, len(list))
		for i := len(list) - 1; i >= 0; i-- {
			a, err := pushString(list[i])
			if err != nil {
				return nil, err
			}
			out[i] = a
		}
		return out, nil
	}
	envEnd := sp
	envAddrs, err := strAddrs(envv)
	if err != nil {
		return 0, err
	}
	envStart := sp
	argEnd := sp
	argAddrs, err := strAddrs(argv)
	if err != nil {
		return 0, err
	}
	argStart := sp
	platformAddr, err := pushString("x86_64")
	if err != nil {
		return 0, err
	}
	var rnd [16]byte
	rand.Read(rnd[:])
	sp &^= 15
	randomAddr, err := push(rnd[:])
	if err != nil {
		return 0, err
	}
	auxv = append(auxv, atRandom, randomAddr, atExecfn, execfnAddr, atPlatform, platformAddr, atNull, 0)
	words := 1 + len(argAddrs) + 1 + len(envAddrs) + 1 + len(auxv)
	sp -= uint64(words) * 8
	sp &^= 15
	buf := make([]byte, 0, words*8)
	put := func(v uint64) { buf = binary.LittleEndian.AppendUint64(buf, v) }
	put(uint64(len(argv)))
	for _, a := range argAddrs {
		put(a)
	}
	put(0)
	for _, a := range envAddrs {
		put(a)
	}
	put(0)
	for _, v := range auxv {
		put(v)
	}
	if _, err := m.CopyOut(sp, buf); err != nil {
		return 0, err
	}
	m.ArgStart, m.ArgEnd, m.EnvStart, m.EnvEnd = argStart, argEnd, envStart, envEnd
	m.Auxv = auxv
	return sp, nil
}
