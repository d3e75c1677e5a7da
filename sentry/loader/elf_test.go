package loader

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var updateCorpus = flag.Bool("update-elf-corpus", false, "rewrite the seed corpus in testdata/fuzz/FuzzParseELF")

// testELF describes an ELF file for the tests to encode. Fields left zero
// are written as zero.
type testELF struct {
	class, data, identVersion byte
	typ, machine              uint16
	version                   uint32
	entry, phoff              uint64
	phentsize, phnum          uint16
	phdrs                     []Phdr
	// blobs are written at their offsets after the headers.
	blobs map[uint64][]byte
	// size, if larger than what the headers and blobs need, pads the file.
	size int
}

// encode lays out the ELF file.
func (t *testELF) encode() []byte {
	n := 64
	if end := int(t.phoff) + len(t.phdrs)*56; t.phoff < 1<<20 && end > n {
		n = end
	}
	for off, b := range t.blobs {
		if end := int(off) + len(b); end > n {
			n = end
		}
	}
	if t.size > n {
		n = t.size
	}
	buf := make([]byte, n)
	copy(buf, "\x7fELF")
	buf[4], buf[5], buf[6] = t.class, t.data, t.identVersion
	le := binary.LittleEndian
	le.PutUint16(buf[16:], t.typ)
	le.PutUint16(buf[18:], t.machine)
	le.PutUint32(buf[20:], t.version)
	le.PutUint64(buf[24:], t.entry)
	le.PutUint64(buf[32:], t.phoff)
	le.PutUint16(buf[52:], 64)
	le.PutUint16(buf[54:], t.phentsize)
	le.PutUint16(buf[56:], t.phnum)
	if t.phoff < 1<<20 {
		for i, p := range t.phdrs {
			b := buf[int(t.phoff)+i*56:]
			le.PutUint32(b[0:], p.Type)
			le.PutUint32(b[4:], p.Flags)
			le.PutUint64(b[8:], p.Off)
			le.PutUint64(b[16:], p.Vaddr)
			le.PutUint64(b[24:], p.Paddr)
			le.PutUint64(b[32:], p.Filesz)
			le.PutUint64(b[40:], p.Memsz)
			le.PutUint64(b[48:], p.Align)
		}
	}
	for off, b := range t.blobs {
		copy(buf[off:], b)
	}
	return buf
}

const tinyInterp = "/lib/ld.so\x00"

// tinyELF returns a small valid ET_EXEC file description:
//
//	0x000 ELF header
//	0x040 4 program headers (PT_PHDR, PT_INTERP, PT_LOAD, PT_LOAD, PT_GNU_STACK)
//	0x158 interpreter path
//	0x170 8 bytes of data for the second PT_LOAD
func tinyELF() *testELF {
	return &testELF{
		class: 2, data: 1, identVersion: 1,
		typ: ETExec, machine: 62, version: 1,
		entry: 0x400100, phoff: 64, phentsize: 56, phnum: 5,
		phdrs: []Phdr{
			{Type: PTPhdr, Flags: PFR, Off: 64, Vaddr: 0x400040, Paddr: 0x400040, Filesz: 5 * 56, Memsz: 5 * 56, Align: 8},
			{Type: PTInterp, Flags: PFR, Off: 0x158, Vaddr: 0x400158, Paddr: 0x400158, Filesz: uint64(len(tinyInterp)), Memsz: uint64(len(tinyInterp)), Align: 1},
			{Type: PTLoad, Flags: PFR | PFX, Off: 0, Vaddr: 0x400000, Paddr: 0x400000, Filesz: 0x170, Memsz: 0x170, Align: 0x1000},
			{Type: PTLoad, Flags: PFR | PFW, Off: 0x170, Vaddr: 0x601170, Paddr: 0x601170, Filesz: 8, Memsz: 0x2000, Align: 0x1000},
			{Type: PTGnuStack, Flags: PFR | PFW, Align: 16},
		},
		blobs: map[uint64][]byte{
			0x158: []byte(tinyInterp),
			0x170: []byte("DATADATA"),
		},
	}
}

// tinyDyn returns a small valid ET_DYN file without PT_INTERP, PT_PHDR or
// PT_GNU_STACK.
func tinyDyn() *testELF {
	t := tinyELF()
	t.typ = ETDyn
	t.entry = 0x100
	t.phnum = 2
	t.phdrs = []Phdr{
		{Type: PTLoad, Flags: PFR | PFX, Off: 0, Vaddr: 0, Filesz: 0x170, Memsz: 0x170, Align: 0x1000},
		{Type: PTLoad, Flags: PFR | PFW, Off: 0x170, Vaddr: 0x201170, Filesz: 8, Memsz: 0x10, Align: 0x1000},
	}
	delete(t.blobs, 0x158)
	return t
}

func parseBytes(b []byte) (*ELF, error) {
	return ParseELF(bytes.NewReader(b), int64(len(b)))
}

func TestParseTiny(t *testing.T) {
	e, err := parseBytes(tinyELF().encode())
	if err != nil {
		t.Fatalf("ParseELF: %v", err)
	}
	if e.Type != ETExec || e.Entry != 0x400100 || e.Phoff != 64 || e.Phentsize != 56 || e.Phnum != 5 || len(e.Phdrs) != 5 {
		t.Errorf("header = %+v", e)
	}
	if e.Interp != "/lib/ld.so" {
		t.Errorf("Interp = %q", e.Interp)
	}
	if e.PhdrAddr != 0x400040 {
		t.Errorf("PhdrAddr = %#x, want 0x400040", e.PhdrAddr)
	}
	if e.StackExec {
		t.Errorf("StackExec = true with a RW PT_GNU_STACK")
	}
	if e.Phdrs[3] != (Phdr{Type: PTLoad, Flags: PFR | PFW, Off: 0x170, Vaddr: 0x601170, Paddr: 0x601170, Filesz: 8, Memsz: 0x2000, Align: 0x1000}) {
		t.Errorf("Phdrs[3] = %+v", e.Phdrs[3])
	}
	if lo, hi := e.LoadSpan(); lo != 0x400000 || hi != 0x604000 {
		t.Errorf("LoadSpan = %#x, %#x, want 0x400000, 0x604000", lo, hi)
	}

	d, err := parseBytes(tinyDyn().encode())
	if err != nil {
		t.Fatalf("ParseELF(dyn): %v", err)
	}
	if d.Type != ETDyn || d.Interp != "" || !d.StackExec {
		t.Errorf("dyn = %+v", d)
	}
	// No PT_PHDR: the table at offset 64 lies in the first PT_LOAD.
	if d.PhdrAddr != 64 {
		t.Errorf("dyn PhdrAddr = %#x, want 0x40", d.PhdrAddr)
	}
	if lo, hi := d.LoadSpan(); lo != 0 || hi != 0x202000 {
		t.Errorf("dyn LoadSpan = %#x, %#x", lo, hi)
	}

	// An executable PT_GNU_STACK.
	x := tinyELF()
	x.phdrs[4].Flags = PFR | PFW | PFX
	if e, err := parseBytes(x.encode()); err != nil || !e.StackExec {
		t.Errorf("RWX stack: %+v, %v", e, err)
	}

	// ET_DYN may sit anywhere as long as its span fits.
	h := tinyELF()
	h.typ = ETDyn
	h.phdrs[2].Vaddr += 0xffff_0000_0000_0000
	h.phdrs[3].Vaddr += 0xffff_0000_0000_0000
	if e, err := parseBytes(h.encode()); err != nil {
		t.Errorf("high ET_DYN: %v", err)
	} else if lo, hi := e.LoadSpan(); lo != 0xffff_0000_0040_0000 || hi != 0xffff_0000_0060_4000 {
		t.Errorf("high ET_DYN LoadSpan = %#x, %#x", lo, hi)
	}
	h.typ = ETExec
	if _, err := parseBytes(h.encode()); !errors.Is(err, ErrNoExec) {
		t.Errorf("high ET_EXEC: %v", err)
	}

	// The program headers outside every PT_LOAD and no PT_PHDR: PhdrAddr 0.
	u := tinyDyn()
	u.phdrs[0].Off, u.phdrs[0].Vaddr, u.phdrs[0].Filesz, u.phdrs[0].Memsz = 0x100, 0x100, 0x70, 0x70
	if e, err := parseBytes(u.encode()); err != nil || e.PhdrAddr != 0 {
		t.Errorf("unmapped phdrs: %+v, %v", e, err)
	}
}

func TestParseMalformed(t *testing.T) {
	tiny := tinyELF().encode()
	for _, tc := range []struct {
		name string
		mod  func(e *testELF)
		raw  func() []byte // used instead of mod when set
	}{
		{name: "empty", raw: func() []byte { return nil }},
		{name: "truncated header", raw: func() []byte { return tiny[:40] }},
		{name: "truncated phdrs", raw: func() []byte { return tiny[:100] }},
		{name: "bad magic", raw: func() []byte { b := bytes.Clone(tiny); b[1] = 'e'; return b }},
		{name: "script", raw: func() []byte { return append([]byte("#!/bin/sh\n"), make([]byte, 100)...) }},
		{name: "ELF32", mod: func(e *testELF) { e.class = 1 }},
		{name: "class none", mod: func(e *testELF) { e.class = 0 }},
		{name: "big endian", mod: func(e *testELF) { e.data = 2 }},
		{name: "ident version", mod: func(e *testELF) { e.identVersion = 0 }},
		{name: "version", mod: func(e *testELF) { e.version = 2 }},
		{name: "i386", mod: func(e *testELF) { e.machine = 3 }},
		{name: "aarch64", mod: func(e *testELF) { e.machine = 183 }},
		{name: "ET_REL", mod: func(e *testELF) { e.typ = 1 }},
		{name: "ET_CORE", mod: func(e *testELF) { e.typ = 4 }},
		{name: "phentsize", mod: func(e *testELF) { e.phentsize = 64 }},
		{name: "phnum 0", mod: func(e *testELF) { e.phnum = 0 }},
		{name: "phnum 513", mod: func(e *testELF) { e.phnum = 513; e.size = 64 + 513*56 }},
		{name: "phnum 65535", mod: func(e *testELF) { e.phnum = 0xffff }},
		{name: "phoff past EOF", mod: func(e *testELF) { e.phoff = 1 << 40 }},
		{name: "phoff overflow", mod: func(e *testELF) { e.phoff = ^uint64(0) - 10 }},
		{name: "table crosses EOF", mod: func(e *testELF) { e.phnum = 7 }},
		{name: "no PT_LOAD", mod: func(e *testELF) { e.phdrs[2].Type = PTNote; e.phdrs[3].Type = PTNote }},
		{name: "PT_LOAD unsorted", mod: func(e *testELF) {
			e.phdrs[3].Vaddr, e.phdrs[3].Off = 0x300000, 0
			e.phdrs[3].Filesz = 0
		}},
		{name: "PT_LOAD overlap", mod: func(e *testELF) { e.phdrs[3].Vaddr = 0x400160; e.phdrs[3].Off = 0x160 }},
		{name: "PT_LOAD same start", mod: func(e *testELF) { e.phdrs[3].Vaddr = 0x400000; e.phdrs[3].Off = 0 }},
		{name: "filesz > memsz", mod: func(e *testELF) { e.phdrs[3].Filesz = 9; e.phdrs[3].Memsz = 8 }},
		{name: "vaddr+memsz overflow", mod: func(e *testELF) { e.phdrs[3].Memsz = ^uint64(0) - 0x1000 }},
		{name: "vaddr+memsz overflow after rounding", mod: func(e *testELF) {
			e.typ = ETDyn
			e.phdrs[2].Vaddr, e.phdrs[2].Off, e.phdrs[2].Filesz, e.phdrs[2].Memsz = ^uint64(0)-0xfff, 0, 0, 0x800
			e.phdrs[3].Type = PTNote
		}},
		{name: "ET_EXEC above user range", mod: func(e *testELF) { e.phdrs[3].Memsz = 0x7fff_ffff_f000 - 0x601170 + 1 }},
		{name: "ET_EXEC at kernel address", mod: func(e *testELF) {
			e.phdrs[3].Vaddr, e.phdrs[3].Memsz = 0xffff_8000_0000_0170, 0x10
		}},
		{name: "ET_DYN span too large", mod: func(e *testELF) {
			e.typ = ETDyn
			e.phdrs[3].Vaddr = 0x8000_0040_0170
		}},
		{name: "vaddr/offset misaligned", mod: func(e *testELF) { e.phdrs[3].Vaddr = 0x601178 }},
		{name: "PT_LOAD past EOF", mod: func(e *testELF) { e.phdrs[3].Filesz = 0x1000 }},
		{name: "PT_LOAD offset overflow", mod: func(e *testELF) {
			e.phdrs[3].Off = ^uint64(0) - 0xe8f
			e.phdrs[3].Vaddr = 0x601170
		}},
		{name: "two PT_INTERP", mod: func(e *testELF) { e.phdrs[0] = e.phdrs[1] }},
		{name: "interp not NUL-terminated", mod: func(e *testELF) { e.blobs[0x158] = []byte("/lib/ld.sox") }},
		{name: "interp empty", mod: func(e *testELF) { e.blobs[0x158] = make([]byte, len(tinyInterp)) }},
		{name: "interp size 1", mod: func(e *testELF) { e.phdrs[1].Filesz = 1; e.blobs[0x158] = []byte{0} }},
		{name: "interp size 0", mod: func(e *testELF) { e.phdrs[1].Filesz = 0 }},
		{name: "interp too long", mod: func(e *testELF) {
			e.phdrs[1].Filesz = 4097
			e.size = 0x158 + 4097
		}},
		{name: "interp past EOF", mod: func(e *testELF) { e.phdrs[1].Off = 0x170 }},
		{name: "interp huge offset", mod: func(e *testELF) { e.phdrs[1].Off = ^uint64(0) - 4 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b []byte
			if tc.raw != nil {
				b = tc.raw()
			} else {
				e := tinyELF()
				tc.mod(e)
				b = e.encode()
			}
			e, err := parseBytes(b)
			if err == nil {
				t.Fatalf("ParseELF succeeded: %+v", e)
			}
			if !errors.Is(err, ErrNoExec) {
				t.Fatalf("error %v does not wrap ErrNoExec", err)
			}
			if e != nil {
				t.Errorf("ParseELF returned %+v with error", e)
			}
			t.Logf("%v", err)
		})
	}
}

// A longest valid interpreter path: 4095 bytes and the NUL.
func TestParseLongInterp(t *testing.T) {
	e := tinyELF()
	path := "/" + strings.Repeat("a", 4094) + "\x00"
	e.phdrs[1].Filesz = uint64(len(path))
	e.phdrs[2].Filesz = 0x158 + uint64(len(path))
	e.phdrs[2].Memsz = e.phdrs[2].Filesz
	e.phdrs[3].Off = 0x2000
	e.phdrs[3].Vaddr = 0x602000
	e.blobs = map[uint64][]byte{0x158: []byte(path), 0x2000: []byte("DATADATA")}
	got, err := parseBytes(e.encode())
	if err != nil {
		t.Fatal(err)
	}
	if got.Interp != path[:len(path)-1] {
		t.Errorf("Interp has length %d", len(got.Interp))
	}
}

type errReader struct{ err error }

func (r errReader) ReadAt(p []byte, off int64) (int, error) { return 0, r.err }

// shortReader serves only the first n bytes of b, whatever size the caller
// was told.
type shortReader struct {
	b []byte
	n int
}

func (r shortReader) ReadAt(p []byte, off int64) (int, error) {
	return bytes.NewReader(r.b[:r.n]).ReadAt(p, off)
}

func TestParseReadErrors(t *testing.T) {
	ioErr := errors.New("disk on fire")
	_, err := ParseELF(errReader{ioErr}, 1000)
	if !errors.Is(err, ioErr) || errors.Is(err, ErrNoExec) {
		t.Errorf("I/O error: got %v", err)
	}
	b := tinyELF().encode()
	for _, n := range []int{0, 10, 64, 100, 0x158, 0x160} {
		_, err := ParseELF(shortReader{b, n}, int64(len(b)))
		if !errors.Is(err, ErrNoExec) {
			t.Errorf("file shrunk to %d bytes: got %v", n, err)
		}
	}
	if _, err := ParseELF(bytes.NewReader(b), -1); !errors.Is(err, ErrNoExec) {
		t.Errorf("negative size: got %v", err)
	}
}

// readelfInfo is what readelf -W -h -l says about a file.
type readelfInfo struct {
	typ    uint16
	entry  uint64
	interp string
	phdrs  []Phdr
	// typeKnown[i] says whether phdrs[i].Type was recognised by name.
	typeKnown []bool
}

var readelfTypes = map[string]uint32{
	"LOAD": PTLoad, "DYNAMIC": PTDynamic, "INTERP": PTInterp, "NOTE": PTNote,
	"PHDR": PTPhdr, "TLS": PTTLS, "GNU_EH_FRAME": PTGnuEhFrame, "GNU_STACK": PTGnuStack,
	"GNU_RELRO": PTGnuRelro, "GNU_PROPERTY": PTGnuProperty, "NULL": 0, "SHLIB": 5,
}

func runReadelf(t *testing.T, path string) *readelfInfo {
	t.Helper()
	out, err := exec.Command("readelf", "-W", "-h", "-l", path).Output()
	if err != nil {
		t.Fatalf("readelf %s: %v", path, err)
	}
	info := &readelfInfo{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	inPhdrs := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		f := strings.Fields(line)
		switch {
		case strings.HasPrefix(line, "Type:"):
			switch f[1] {
			case "EXEC":
				info.typ = ETExec
			case "DYN":
				info.typ = ETDyn
			default:
				t.Fatalf("readelf type %q", f[1])
			}
		case strings.HasPrefix(line, "Entry point address:"):
			info.entry = mustHex(t, f[3])
		case strings.HasPrefix(line, "[Requesting program interpreter:"):
			info.interp = strings.TrimSuffix(strings.TrimPrefix(line, "[Requesting program interpreter: "), "]")
		case strings.HasPrefix(line, "Type") && len(f) > 1 && f[1] == "Offset":
			inPhdrs = true
		case line == "" || strings.HasPrefix(line, "Section to Segment"):
			inPhdrs = false
		case inPhdrs && len(f) >= 8:
			// TYPE OFF VADDR PADDR FILESZ MEMSZ FLAGS... ALIGN
			typ, known := readelfTypes[f[0]]
			flags := uint32(0)
			for _, c := range strings.Join(f[6:len(f)-1], "") {
				switch c {
				case 'R':
					flags |= PFR
				case 'W':
					flags |= PFW
				case 'E':
					flags |= PFX
				}
			}
			info.phdrs = append(info.phdrs, Phdr{
				Type: typ, Flags: flags,
				Off: mustHex(t, f[1]), Vaddr: mustHex(t, f[2]), Paddr: mustHex(t, f[3]),
				Filesz: mustHex(t, f[4]), Memsz: mustHex(t, f[5]), Align: mustHex(t, f[len(f)-1]),
			})
			info.typeKnown = append(info.typeKnown, known)
		}
	}
	return info
}

func mustHex(t *testing.T, s string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 64)
	if err != nil {
		t.Fatalf("readelf number %q: %v", s, err)
	}
	return v
}

func parseFile(t *testing.T, path string) *ELF {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("%v", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	e, err := ParseELF(f, fi.Size())
	if err != nil {
		t.Fatalf("ParseELF(%s): %v", path, err)
	}
	checkInvariants(t, e, fi.Size())
	return e
}

// compareReadelf checks e against readelf's view of path, if readelf exists.
func compareReadelf(t *testing.T, path string, e *ELF) {
	t.Helper()
	if _, err := exec.LookPath("readelf"); err != nil {
		t.Logf("no readelf; checked known facts only")
		return
	}
	want := runReadelf(t, path)
	if e.Type != want.typ || e.Entry != want.entry || e.Interp != want.interp {
		t.Errorf("type/entry/interp = %d/%#x/%q, readelf says %d/%#x/%q", e.Type, e.Entry, e.Interp, want.typ, want.entry, want.interp)
	}
	if len(e.Phdrs) != len(want.phdrs) {
		t.Fatalf("%d program headers, readelf says %d", len(e.Phdrs), len(want.phdrs))
	}
	for i, p := range e.Phdrs {
		w := want.phdrs[i]
		if !want.typeKnown[i] {
			w.Type = p.Type
		}
		if p != w {
			t.Errorf("phdr %d = %+v, readelf says %+v", i, p, w)
		}
	}
}

func TestParseRealBinaries(t *testing.T) {
	const ldso = "/lib64/ld-linux-x86-64.so.2"
	for _, tc := range []struct {
		path   string
		typ    uint16
		interp string
	}{
		{"/bin/true", ETDyn, ldso},
		{"/usr/bin/python3.11", 0, ldso}, // Debian builds python as EXEC or DYN depending on the release.
		{ldso, ETDyn, ""},
	} {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			e := parseFile(t, tc.path)
			if tc.typ != 0 && e.Type != tc.typ {
				t.Errorf("Type = %d, want %d", e.Type, tc.typ)
			}
			if e.Interp != tc.interp {
				t.Errorf("Interp = %q, want %q", e.Interp, tc.interp)
			}
			if e.Entry == 0 {
				t.Errorf("Entry = 0")
			}
			if e.StackExec {
				t.Errorf("StackExec = true; modern toolchains mark the stack non-executable")
			}
			if tc.interp != "" && e.PhdrAddr == 0 && e.Type == ETExec {
				t.Errorf("PhdrAddr = 0 for a dynamic executable")
			}
			lo, hi := e.LoadSpan()
			if e.Entry < lo || e.Entry >= hi {
				t.Errorf("Entry %#x outside LoadSpan [%#x, %#x)", e.Entry, lo, hi)
			}
			compareReadelf(t, tc.path, e)
		})
	}
}

func TestParseStaticBinary(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc not found")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "hello.c")
	if err := os.WriteFile(src, []byte("#include <stdio.h>\nint main(void) { puts(\"hello\"); return 0; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		flags []string
		typ   uint16
	}{
		{"static", []string{"-static", "-no-pie"}, ETExec},
		{"static-pie", []string{"-static-pie"}, ETDyn},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin := filepath.Join(dir, tc.name)
			args := append(append([]string{}, tc.flags...), "-o", bin, src)
			if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
				if tc.name == "static" {
					t.Fatalf("gcc %v: %v\n%s", args, err, out)
				}
				t.Skipf("gcc %v: %v\n%s", args, err, out)
			}
			e := parseFile(t, bin)
			if e.Type != tc.typ {
				t.Errorf("Type = %d, want %d", e.Type, tc.typ)
			}
			if e.Interp != "" {
				t.Errorf("Interp = %q, want none", e.Interp)
			}
			compareReadelf(t, bin, e)
		})
	}
}

// checkInvariants checks what ParseELF promises about an ELF it accepts.
func checkInvariants(t *testing.T, e *ELF, size int64) {
	t.Helper()
	if e.Type != ETExec && e.Type != ETDyn {
		t.Fatalf("Type %d", e.Type)
	}
	if e.Phentsize != 56 || e.Phnum < 1 || e.Phnum > 512 || len(e.Phdrs) != int(e.Phnum) {
		t.Fatalf("Phentsize %d Phnum %d len(Phdrs) %d", e.Phentsize, e.Phnum, len(e.Phdrs))
	}
	if e.Phoff > uint64(size) || uint64(e.Phnum)*56 > uint64(size)-e.Phoff {
		t.Fatalf("program header table %#x+%d outside file of %d bytes", e.Phoff, e.Phnum, size)
	}
	var prev *Phdr
	loads, interps := 0, 0
	for i := range e.Phdrs {
		p := &e.Phdrs[i]
		if p.Type == PTInterp {
			interps++
		}
		if p.Type != PTLoad {
			continue
		}
		loads++
		if p.Filesz > p.Memsz {
			t.Fatalf("phdr %d: filesz > memsz", i)
		}
		if p.Vaddr+p.Memsz < p.Vaddr || elfPageUp(p.Vaddr+p.Memsz) < p.Vaddr {
			t.Fatalf("phdr %d: end overflows", i)
		}
		if e.Type == ETExec && p.Vaddr+p.Memsz > 0x7fff_ffff_f000 {
			t.Fatalf("phdr %d: above user range", i)
		}
		if (p.Vaddr-p.Off)%4096 != 0 {
			t.Fatalf("phdr %d: misaligned", i)
		}
		if p.Off > uint64(size) || p.Filesz > uint64(size)-p.Off {
			t.Fatalf("phdr %d: outside file", i)
		}
		if prev != nil && p.Vaddr < prev.Vaddr+prev.Memsz {
			t.Fatalf("phdr %d: unsorted or overlapping", i)
		}
		prev = p
	}
	if loads == 0 {
		t.Fatalf("no PT_LOAD")
	}
	if interps > 1 {
		t.Fatalf("%d PT_INTERP", interps)
	}
	if (interps == 1) != (e.Interp != "") {
		t.Fatalf("%d PT_INTERP but Interp %q", interps, e.Interp)
	}
	if len(e.Interp) >= 4096 || strings.IndexByte(e.Interp, 0) >= 0 {
		t.Fatalf("bad Interp of length %d", len(e.Interp))
	}
	lo, hi := e.LoadSpan()
	if lo%4096 != 0 || hi%4096 != 0 || lo > hi || hi-lo > 0x7fff_ffff_f000 {
		t.Fatalf("LoadSpan [%#x, %#x)", lo, hi)
	}
}

// seedCorpus is the checked-in corpus of FuzzParseELF, by file name.
func seedCorpus() map[string][]byte {
	tiny := tinyELF().encode()
	huge := tinyELF()
	huge.phnum = 0xffff
	badInterp := tinyELF()
	badInterp.blobs[0x158] = []byte("/lib/ld.sox")
	return map[string][]byte{
		"truncated_header": tiny[:52],
		"tiny_exec":        tiny,
		"tiny_dyn":         tinyDyn().encode(),
		"huge_phnum":       huge.encode(),
		"bad_interp":       badInterp.encode(),
	}
}

func TestSeedCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzParseELF")
	for name, data := range seedCorpus() {
		file := filepath.Join(dir, name)
		want := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
		if *updateCorpus {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(file)
		if err != nil {
			t.Errorf("%v (run go test -run TestSeedCorpus -update-elf-corpus)", err)
			continue
		}
		if string(got) != want {
			t.Errorf("%s is stale (run go test -run TestSeedCorpus -update-elf-corpus)", file)
		}
	}
}

func FuzzParseELF(f *testing.F) {
	for _, data := range seedCorpus() {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := parseBytes(data)
		if err != nil {
			if e != nil {
				t.Fatalf("ELF and error both returned")
			}
			return
		}
		checkInvariants(t, e, int64(len(data)))
	})
}
