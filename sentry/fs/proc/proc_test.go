package proc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/platform"
	"github.com/moat-dev/moat/sentry/fs/eventfd"
	"github.com/moat-dev/moat/sentry/fs/pipe"
	"github.com/moat-dev/moat/sentry/fs/synth"
	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/memfile"
	"github.com/moat-dev/moat/sentry/mm"
	"github.com/moat-dev/moat/sentry/vfs"
)

// A kernel whose init process is loaded but never run: the platform
// only records nothing, and memory lives in a real memory file, so the
// loader's stack (argv, envp, auxv) and mappings are real.

type fakeAS struct{}

func (fakeAS) MapFile(uintptr, int, uint64, uint64, platform.AccessType) error { return nil }
func (fakeAS) Unmap(uintptr, uint64)                                           {}
func (fakeAS) Release()                                                        {}

type fakeCtx struct{}

func (fakeCtx) Switch(platform.AddressSpace, *platform.Registers) (platform.Event, error) {
	return platform.Event{}, errors.New("fake platform runs nothing")
}
func (fakeCtx) Interrupt()               {}
func (fakeCtx) FPState() ([]byte, error) { return nil, nil }
func (fakeCtx) SetFPState([]byte) error  { return nil }
func (fakeCtx) Release()                 {}

type fakePlatform struct{}

func (fakePlatform) NewAddressSpace() (platform.AddressSpace, error) { return fakeAS{}, nil }
func (fakePlatform) NewContext() platform.Context                    { return fakeCtx{} }

// progDev and progIno identify the test program.
var (
	progDev = unix.Mkdev(8, 1)
	progIno = uint64(4242)
)

// Addresses of the test program (ET_EXEC).
const (
	textAddr = 0x400000
	dataAddr = 0x402000
	entry    = 0x400100
)

// testELF returns a small static executable: a header, PT_PHDR, a text
// segment holding the file, and a data+bss segment.
func testELF() []byte {
	const nph = 3
	b := make([]byte, 0x200)
	le := binary.LittleEndian
	copy(b, "\x7fELF")
	b[4], b[5], b[6] = 2, 1, 1 // 64-bit, little-endian, current
	le.PutUint16(b[16:], 2)    // ET_EXEC
	le.PutUint16(b[18:], 62)   // EM_X86_64
	le.PutUint32(b[20:], 1)
	le.PutUint64(b[24:], entry)
	le.PutUint64(b[32:], 64) // e_phoff
	le.PutUint16(b[52:], 64)
	le.PutUint16(b[54:], 56)
	le.PutUint16(b[56:], nph)
	ph := func(i int, typ, flags uint32, off, vaddr, filesz, memsz uint64) {
		h := b[64+56*i:]
		le.PutUint32(h[0:], typ)
		le.PutUint32(h[4:], flags)
		le.PutUint64(h[8:], off)
		le.PutUint64(h[16:], vaddr)
		le.PutUint64(h[24:], vaddr)
		le.PutUint64(h[32:], filesz)
		le.PutUint64(h[40:], memsz)
		le.PutUint64(h[48:], 0x1000)
	}
	ph(0, 6, 4, 64, textAddr+64, 56*nph, 56*nph)             // PT_PHDR
	ph(1, 1, 5, 0, textAddr, uint64(len(b)), uint64(len(b))) // PT_LOAD r-x
	ph(2, 1, 6, 0, dataAddr, 0x10, 0x2000)                   // PT_LOAD rw-
	b[0x100], b[0x101] = 0xeb, 0xfe                          // jmp .
	return b
}

// progInode is the test program's file.
type progInode struct {
	data  []byte
	cache *mm.PageCache
}

func (p *progInode) Stat() (vfs.Stat, error) {
	return vfs.Stat{Dev: progDev, Ino: progIno, Nlink: 1, Mode: unix.S_IFREG | 0o755, Size: int64(len(p.data))}, nil
}
func (p *progInode) Lookup(string) (vfs.Inode, error) { return nil, unix.ENOTDIR }
func (p *progInode) Readlink() (string, error)        { return "", unix.EINVAL }
func (p *progInode) Open(int) (vfs.FileImpl, error)   { return &progFile{p: p}, nil }

type progFile struct {
	vfs.NoImpl
	p *progInode
}

func (f *progFile) Read(dst []byte, off int64) (int, error) {
	if off >= int64(len(f.p.data)) {
		return 0, nil
	}
	return copy(dst, f.p.data[off:]), nil
}
func (f *progFile) Stat() (vfs.Stat, error)        { return f.p.Stat() }
func (f *progFile) Mappable() (mm.Mappable, error) { return f.p.cache, nil }

type fixture struct {
	k    *kernel.Kernel
	init *kernel.Task
	r    *vfs.Resolver
	efd  int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	mf, err := memfile.New(64 << 20)
	if err != nil {
		t.Fatal(err)
	}
	elf := testELF()
	prog := &progInode{data: elf}
	prog.cache = mm.NewPageCache(mf, "", func(dst []byte, off int64) (int, error) {
		if off >= int64(len(elf)) {
			return 0, nil
		}
		return copy(dst, elf[off:]), nil
	})
	rootDir := synth.NewDir(1, map[string]vfs.Inode{
		"bin":  synth.NewDir(1, map[string]vfs.Inode{"prog": prog}),
		"proc": synth.NewDir(1, nil),
		"usr":  synth.NewDir(1, map[string]vfs.Inode{"local": synth.StaticSymlink(1, "/bin")}),
	})
	v, rootMount := vfs.New(rootDir, "9p", "/", vfs.MountFlags{Readonly: true})
	root := vfs.VirtualDentry{Mount: rootMount, Dentry: rootMount.Root}
	k := kernel.New(fakePlatform{}, mf, v, root, slog.New(slog.NewTextHandler(io.Discard, nil)))
	pd, err := v.Resolve(&vfs.Resolver{Root: root, Start: root}, "/proc")
	if err != nil {
		t.Fatal(err)
	}
	v.Mount(pd, New(k), "proc", "proc", vfs.MountFlags{})

	fds := vfs.NewFDTable()
	add := func(impl vfs.FileImpl, flags int, cloexec bool) int {
		f := vfs.NewFile(impl, vfs.VirtualDentry{}, flags)
		defer f.DecRef()
		fd, err := fds.New(0, f, cloexec, 1024)
		if err != nil {
			t.Fatal(err)
		}
		return fd
	}
	p := pipe.New(0)
	add(p.ReaderImpl(), unix.O_RDONLY, false)
	add(p.WriterImpl(), unix.O_WRONLY, false)
	efd := add(eventfd.New(5, false), unix.O_RDWR, true)

	creds := kernel.UserCreds(1000, 1000, []uint32{4, 24})
	init, err := k.CreateInit(kernel.ProcessArgs{
		Path: "/usr/local/prog", Argv: []string{"prog", "-x", "arg two"}, Envv: []string{"A=1", "HOME=/"},
		Cwd: "/bin", Creds: creds, Limits: kernel.DefaultLimits(), Umask: 0o027, FDs: fds,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{k: k, init: init, r: &vfs.Resolver{Root: root, Start: root, FollowFinal: true}, efd: efd}
}

// read reads the file at path as an application would.
func (f *fixture) read(t *testing.T, path string) string {
	t.Helper()
	s, err := f.tryRead(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return s
}

func (f *fixture) tryRead(path string) (string, error) {
	vd, err := f.k.VFS.Resolve(f.r, path)
	if err != nil {
		return "", err
	}
	impl, err := vd.Inode().Open(unix.O_RDONLY)
	if err != nil {
		return "", err
	}
	defer impl.Release()
	var out []byte
	buf := make([]byte, 100)
	for {
		n, err := impl.Read(buf, int64(len(out)))
		if err != nil {
			return "", err
		}
		if n == 0 {
			return string(out), nil
		}
		out = append(out, buf[:n]...)
	}
}

func (f *fixture) readlink(t *testing.T, path string) string {
	t.Helper()
	r := *f.r
	r.FollowFinal = false
	vd, err := f.k.VFS.Resolve(&r, path)
	if err != nil {
		t.Fatalf("resolve %s: %v", path, err)
	}
	s, err := vd.Inode().Readlink()
	if err != nil {
		t.Fatalf("readlink %s: %v", path, err)
	}
	return s
}

func (f *fixture) readdir(t *testing.T, path string) []string {
	t.Helper()
	vd, err := f.k.VFS.Resolve(f.r, path)
	if err != nil {
		t.Fatalf("resolve %s: %v", path, err)
	}
	impl, err := vd.Inode().Open(unix.O_RDONLY)
	if err != nil {
		t.Fatal(err)
	}
	defer impl.Release()
	ents, err := impl.(vfs.DirReader).Readdir()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name)
	}
	return names
}

func TestProcessFiles(t *testing.T) {
	// The test goroutine is no task: /proc takes the only process as the
	// caller, and so as running.
	f := newFixture(t)
	pid := strconv.Itoa(int(f.init.ID))

	if got := f.readlink(t, "/proc/self"); got != pid {
		t.Errorf("self -> %q, want %q", got, pid)
	}
	if got := f.readlink(t, "/proc/thread-self"); got != pid+"/task/"+pid {
		t.Errorf("thread-self -> %q", got)
	}
	if got := f.read(t, "/proc/self/cmdline"); got != "prog\x00-x\x00arg two\x00" {
		t.Errorf("cmdline %q", got)
	}
	if got := f.read(t, "/proc/self/environ"); got != "A=1\x00HOME=/\x00" {
		t.Errorf("environ %q", got)
	}
	if got := f.read(t, "/proc/self/comm"); got != "prog\n" {
		t.Errorf("comm %q", got)
	}
	// exe is the file itself, through the symlink it was run by.
	if got := f.readlink(t, "/proc/self/exe"); got != "/bin/prog" {
		t.Errorf("exe -> %q", got)
	}
	if got := f.readlink(t, "/proc/self/cwd"); got != "/bin" {
		t.Errorf("cwd -> %q", got)
	}
	if got := f.readlink(t, "/proc/self/root"); got != "/" {
		t.Errorf("root -> %q", got)
	}

	auxv := []byte(f.read(t, "/proc/self/auxv"))
	if len(auxv)%16 != 0 || len(auxv) < 32 {
		t.Fatalf("auxv of %d bytes", len(auxv))
	}
	vals := map[uint64]uint64{}
	for i := 0; i < len(auxv); i += 16 {
		vals[binary.LittleEndian.Uint64(auxv[i:])] = binary.LittleEndian.Uint64(auxv[i+8:])
	}
	if vals[atEntry] != entry || vals[atPhdr] != textAddr+64 {
		t.Errorf("auxv entry %#x phdr %#x", vals[atEntry], vals[atPhdr])
	}
	if !bytes.HasSuffix(auxv, make([]byte, 16)) {
		t.Errorf("auxv does not end with AT_NULL")
	}

	maps := strings.Split(strings.TrimSuffix(f.read(t, "/proc/self/maps"), "\n"), "\n")
	wantPrefix := []string{
		"00400000-00401000 r-xp 00000000 08:01 4242                               /bin/prog",
		"00402000-00403000 rw-p 00000000 08:01 4242                               /bin/prog",
		"00403000-00404000 rw-p 00000000 00:00 0 ",
	}
	if len(maps) < 4 {
		t.Fatalf("maps:\n%s", strings.Join(maps, "\n"))
	}
	for i, w := range wantPrefix {
		if maps[i] != w {
			t.Errorf("maps line %d:\n got %q\nwant %q", i, maps[i], w)
		}
	}
	// The program has no PT_GNU_STACK: its stack is executable.
	if last := maps[len(maps)-1]; !strings.HasSuffix(last, " rwxp 00000000 00:00 0                          [stack]") {
		t.Errorf("last maps line %q", last)
	}

	status := f.read(t, "/proc/self/status")
	for _, want := range []string{
		"Name:\tprog\nUmask:\t0027\nState:\tR (running)\nTgid:\t" + pid + "\nNgid:\t0\nPid:\t" + pid + "\nPPid:\t0\n",
		"Uid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\nFDSize:\t64\nGroups:\t4 24 \n",
		"Threads:\t1\n", "CapEff:\t0000000000000000\n", "CapBnd:\t000001ffffffffff\n",
		"VmExe:\t       4 kB\n",
	} {
		if !strings.Contains(status, want) {
			t.Errorf("status lacks %q:\n%s", want, status)
		}
	}

	stat := f.read(t, "/proc/self/stat")
	fields := strings.Fields(stat)
	if len(fields) != 52 {
		t.Fatalf("stat has %d fields: %q", len(fields), stat)
	}
	m := f.init.MM()
	for i, want := range map[int]string{
		0: pid, 1: "(prog)", 2: "R", 3: "0", 4: pid, 5: pid, 7: "-1", 19: "1",
		25: strconv.Itoa(textAddr), 26: strconv.Itoa(textAddr + 0x1000),
		37: "17", 44: strconv.Itoa(dataAddr), 47: strconv.FormatUint(m.ArgStart, 10), 50: strconv.FormatUint(m.EnvEnd, 10),
	} {
		if fields[i] != want {
			t.Errorf("stat field %d = %q, want %q", i+1, fields[i], want)
		}
	}
	// startstack is where argc is: the word below argv[0]'s pointer.
	sp, _ := strconv.ParseUint(fields[27], 10, 64)
	var w [16]byte
	if _, err := m.CopyIn(sp, w[:]); err != nil || binary.LittleEndian.Uint64(w[:]) != 3 || binary.LittleEndian.Uint64(w[8:]) != m.ArgStart {
		t.Errorf("startstack %#x holds %x (err %v)", sp, w, err)
	}

	rss := m.RSS()
	if rss.Total() == 0 || rss.Anon == 0 || rss.Peak < rss.Total() {
		t.Errorf("resident set %+v: the fixture wrote pages of its own", rss)
	}
	if got, want := f.read(t, "/proc/self/statm"), fmt.Sprintf("%d %d %d 1 0 ", mmSize(m)/4096, rss.Total(), rss.File+rss.Shmem); !strings.HasPrefix(got, want) {
		t.Errorf("statm %q, want it to start %q", got, want)
	}
	if got, want := f.read(t, "/proc/self/status"), fmt.Sprintf("VmRSS:\t%8d kB\nRssAnon:\t%8d kB\n", rss.Total()*4, rss.Anon*4); !strings.Contains(got, want) {
		t.Errorf("status has no %q:\n%s", want, got)
	}
	if got := f.read(t, "/proc/self/limits"); !strings.Contains(got, "\nMax open files            1024                 524288               files     \n") {
		t.Errorf("limits:\n%s", got)
	}
	if got := f.read(t, "/proc/self/mounts"); got != "/ / 9p ro,relatime 0 0\nproc /proc proc rw,relatime 0 0\n" {
		t.Errorf("mounts %q", got)
	}
	if got := f.read(t, "/proc/mounts"); got != "/ / 9p ro,relatime 0 0\nproc /proc proc rw,relatime 0 0\n" {
		t.Errorf("/proc/mounts %q", got)
	}
	if got := f.read(t, "/proc/self/mountinfo"); got != "1 0 0:1 / / ro,relatime - 9p / ro\n2 1 0:22 / /proc rw,relatime - proc proc rw\n" {
		t.Errorf("mountinfo %q", got)
	}
	if got := f.read(t, "/proc/self/cgroup"); got != "0::/\n" {
		t.Errorf("cgroup %q", got)
	}
	if got := f.read(t, "/proc/self/oom_score_adj"); got != "0\n" {
		t.Errorf("oom_score_adj %q", got)
	}
}

func mmSize(m *mm.MemoryManager) uint64 {
	var n uint64
	for _, v := range m.VMAs() {
		n += v.End - v.Start
	}
	return n
}

func TestFDs(t *testing.T) {
	f := newFixture(t)
	if got := strings.Join(f.readdir(t, "/proc/self/fd"), " "); got != "0 1 2" {
		t.Errorf("fd dir: %q", got)
	}
	r0, w1, e2 := f.readlink(t, "/proc/self/fd/0"), f.readlink(t, "/proc/self/fd/1"), f.readlink(t, "/proc/self/fd/2")
	if !strings.HasPrefix(r0, "pipe:[") || r0 != w1 {
		t.Errorf("pipe ends -> %q, %q", r0, w1)
	}
	if e2 != "anon_inode:[eventfd]" {
		t.Errorf("eventfd -> %q", e2)
	}
	for fd, perm := range map[string]uint32{"0": 0o500, "1": 0o300, "2": 0o700} {
		vd, err := f.k.VFS.Resolve(&vfs.Resolver{Root: f.r.Root, Start: f.r.Root}, "/proc/self/fd/"+fd)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := vd.Inode().Stat()
		if st.Mode != unix.S_IFLNK|perm || st.UID != 1000 {
			t.Errorf("fd %s: mode %o uid %d", fd, st.Mode, st.UID)
		}
	}
	if _, err := f.tryRead("/proc/self/fd/7"); err != unix.ENOENT {
		t.Errorf("closed fd: %v", err)
	}
	info := f.read(t, "/proc/self/fdinfo/2")
	want := "pos:\t0\nflags:\t02100002\nmnt_id:\t0\nino:\t1\neventfd-count:                5\neventfd-semaphore: 0\n"
	if info != want {
		t.Errorf("fdinfo:\n got %q\nwant %q", info, want)
	}
	if got := f.read(t, "/proc/self/fdinfo/1"); !strings.HasPrefix(got, "pos:\t0\nflags:\t0100001\n") {
		t.Errorf("fdinfo 1 %q", got)
	}
}

func TestListingAndLookup(t *testing.T) {
	f := newFixture(t)
	pid := strconv.Itoa(int(f.init.ID))
	names := f.readdir(t, "/proc")
	has := func(list []string, n string) bool {
		for _, x := range list {
			if x == n {
				return true
			}
		}
		return false
	}
	for _, n := range []string{pid, "self", "thread-self", "cpuinfo", "meminfo", "stat", "uptime", "sys"} {
		if !has(names, n) {
			t.Errorf("/proc lacks %s: %v", n, names)
		}
	}
	for _, n := range []string{"cmdline", "exe", "fd", "fdinfo", "maps", "stat", "status", "task", "limits", "mountinfo"} {
		if !has(f.readdir(t, "/proc/self"), n) {
			t.Errorf("/proc/self lacks %s", n)
		}
	}
	if got := f.readdir(t, "/proc/self/task"); len(got) != 1 || got[0] != pid {
		t.Errorf("task dir %v", got)
	}
	if got := f.read(t, "/proc/self/task/"+pid+"/comm"); got != "prog\n" {
		t.Errorf("task comm %q", got)
	}
	if got := f.read(t, "/proc/self/task/"+pid+"/stat"); !strings.HasPrefix(got, pid+" (prog) R ") {
		t.Errorf("task stat %q", got)
	}
	for _, bad := range []string{"/proc/99", "/proc/0", "/proc/01", "/proc/self/task/99/stat", "/proc/self/nonesuch"} {
		if _, err := f.tryRead(bad); err != unix.ENOENT {
			t.Errorf("%s: %v, want ENOENT", bad, err)
		}
	}
	// Inode numbers are stable across lookups.
	ino := func(p string) uint64 {
		vd, err := f.k.VFS.Resolve(f.r, p)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := vd.Inode().Stat()
		return st.Ino
	}
	if a, b := ino("/proc/self/status"), ino("/proc/"+pid+"/status"); a != b {
		t.Errorf("status inode %d then %d", a, b)
	}
	if a, b := ino("/proc/self"), ino("/proc/self/task/"+pid); a == b {
		t.Errorf("process and thread dirs share inode %d", a)
	}
}

func TestSelfFromRegisteredGoroutine(t *testing.T) {
	f := newFixture(t)
	if f.k.TaskForGoroutine() != nil {
		t.Fatal("unregistered goroutine has a task")
	}
	f.init.RegisterGoroutine()
	if f.k.TaskForGoroutine() != f.init {
		t.Fatal("registered goroutine has no task")
	}
	other := make(chan *kernel.Task)
	go func() { other <- f.k.TaskForGoroutine() }()
	if got := <-other; got != nil {
		t.Fatal("another goroutine has the registered goroutine's task")
	}
	if got := f.read(t, "/proc/self/stat"); !strings.Contains(got, " (prog) R ") {
		t.Errorf("the caller is not running: %q", got)
	}
	f.init.UnregisterGoroutine()
	if f.k.TaskForGoroutine() != nil {
		t.Fatal("unregistered goroutine still has a task")
	}
}

func TestSystemFiles(t *testing.T) {
	f := newFixture(t)
	for path, check := range map[string]func(string) bool{
		"/proc/cpuinfo":                 func(s string) bool { return strings.HasPrefix(s, "processor\t: 0\n") },
		"/proc/meminfo":                 func(s string) bool { return strings.HasPrefix(s, "MemTotal:") && strings.Contains(s, "\nSwapFree:") },
		"/proc/uptime":                  func(s string) bool { return len(strings.Fields(s)) == 2 && strings.HasSuffix(s, "\n") },
		"/proc/loadavg":                 func(s string) bool { return strings.HasPrefix(s, "0.00 0.00 0.00 1/1 ") },
		"/proc/version":                 func(s string) bool { return strings.HasPrefix(s, "Linux version "+kernel.Release+" ") },
		"/proc/stat":                    func(s string) bool { return strings.HasPrefix(s, "cpu  0 0 0 ") && strings.Contains(s, "\nbtime ") },
		"/proc/filesystems":             func(s string) bool { return strings.Contains(s, "nodev\tproc\n") },
		"/proc/sys/kernel/hostname":     func(s string) bool { return s == "moat\n" },
		"/proc/sys/kernel/osrelease":    func(s string) bool { return s == kernel.Release+"\n" },
		"/proc/sys/kernel/ostype":       func(s string) bool { return s == "Linux\n" },
		"/proc/sys/kernel/cap_last_cap": func(s string) bool { return s == "40\n" },
		"/proc/sys/kernel/pid_max":      func(s string) bool { return s == "4194304\n" },
		"/proc/sys/kernel/ngroups_max":  func(s string) bool { return s == "65536\n" },
		"/proc/sys/kernel/overflowuid":  func(s string) bool { return s == "65534\n" },
		"/proc/sys/kernel/random/boot_id": func(s string) bool {
			return len(s) == 37 && s[8] == '-' && s[14] == '4'
		},
		"/proc/sys/vm/mmap_min_addr":             func(s string) bool { return s == "65536\n" },
		"/proc/sys/vm/max_map_count":             func(s string) bool { return s == "65530\n" },
		"/proc/sys/vm/overcommit_memory":         func(s string) bool { return s == "0\n" },
		"/proc/sys/fs/nr_open":                   func(s string) bool { return s == "1048576\n" },
		"/proc/sys/fs/pipe-max-size":             func(s string) bool { return s == "1048576\n" },
		"/proc/sys/net/core/somaxconn":           func(s string) bool { return s == "4096\n" },
		"/proc/sys/kernel/sem":                   func(s string) bool { return s == "32000\t1024000000\t500\t32000\n" },
		"/proc/sys/kernel/msgmnb":                func(s string) bool { return s == "16384\n" },
		"/proc/sys/kernel/shmmax":                func(s string) bool { return s == "18446744073692774399\n" },
		"/proc/sys/net/ipv4/ip_local_port_range": func(s string) bool { return s == "32768\t60999\n" },
	} {
		got, err := f.tryRead(path)
		if err != nil || !check(got) {
			t.Errorf("%s: %q, %v", path, got, err)
		}
	}
	a, b := f.read(t, "/proc/sys/kernel/random/uuid"), f.read(t, "/proc/sys/kernel/random/uuid")
	if a == b {
		t.Errorf("uuid repeats: %q", a)
	}
	if x, y := f.read(t, "/proc/sys/kernel/random/boot_id"), f.read(t, "/proc/sys/kernel/random/boot_id"); x != y {
		t.Errorf("boot_id changes")
	}
	// Everything is read-only.
	vd, err := f.k.VFS.Resolve(f.r, "/proc/sys/kernel/hostname")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vd.Inode().Open(unix.O_WRONLY); err == nil {
		t.Errorf("hostname opened for writing")
	}
}

// open opens path as openat(2) would, following links.
func (f *fixture) open(t *testing.T, path string, flags int) vfs.FileImpl {
	t.Helper()
	vd, err := f.k.VFS.Resolve(f.r, path)
	if err != nil {
		t.Fatalf("resolve %s: %v", path, err)
	}
	impl, err := vd.Inode().Open(flags)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	return impl
}

func TestReopenThroughFDLink(t *testing.T) {
	f := newFixture(t)
	// fd 1 is the write end of the pipe whose read end is fd 0: opening
	// /proc/self/fd/1 for reading gives a new read end of that pipe.
	w := f.open(t, "/proc/self/fd/1", unix.O_WRONLY)
	defer w.Release()
	r := f.open(t, "/proc/self/fd/0", unix.O_RDONLY)
	defer r.Release()
	if _, ok := r.(*pipe.End); !ok {
		t.Fatalf("reopened pipe is a %T", r)
	}
	if n, err := w.Write([]byte("hello"), 0); n != 5 || err != nil {
		t.Fatalf("write: %d, %v", n, err)
	}
	buf := make([]byte, 16)
	if n, err := r.Read(buf, 0); err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("read: %q, %v", buf[:n], err)
	}
	st, err := r.Stat()
	if err != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO {
		t.Errorf("stat of reopened pipe: %o, %v", st.Mode, err)
	}

	// The eventfd is shared, as by dup.
	e := f.open(t, "/proc/self/fd/2", unix.O_RDWR)
	var cnt [8]byte
	if n, err := e.Read(cnt[:], 0); n != 8 || err != nil || binary.LittleEndian.Uint64(cnt[:]) != 5 {
		t.Errorf("eventfd read %d %v %x", n, err, cnt)
	}
	e.Release()
	e.Release()
	// The original is still open and usable after the copy's release.
	fdf, _, err := f.init.FDTable().Get(f.efd)
	if err != nil {
		t.Fatal(err)
	}
	defer fdf.DecRef()
	binary.LittleEndian.PutUint64(cnt[:], 1)
	if _, err := fdf.Impl.Write(cnt[:], 0); err != nil {
		t.Errorf("eventfd write after release: %v", err)
	}

	// The hidden names are not listed.
	if got := strings.Join(f.readdir(t, "/proc/self/fd"), " "); got != "0 1 2" {
		t.Errorf("fd dir: %q", got)
	}
	if _, err := f.tryRead("/proc/self/fd/pipe:[999999]"); err != unix.ENOENT {
		t.Errorf("unknown pipe: %v", err)
	}
}
