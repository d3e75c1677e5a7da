// Package proc is the sandbox's /proc: a directory per process with its
// status, memory map, file descriptors and command line, the system-wide
// files (cpuinfo, meminfo, stat, uptime, ...) and a read-only /proc/sys.
// Everything is computed from the sentry's kernel when a file is opened,
// in the formats Linux uses (proc(5)).
package proc

import (
	"crypto/rand"
	"fmt"
	"hash/fnv"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/fs/synth"
	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/socket/inet"
	sunix "github.com/moat-dev/moat/sentry/socket/unix"
	"github.com/moat-dev/moat/sentry/vfs"
)

// procDev is the device number /proc reports.
var procDev = unix.Mkdev(0, 22)

// clockTicks is USER_HZ, the unit of the times in stat files.
const clockTicks = 100

type procFS struct {
	k       *kernel.Kernel
	cpuinfo []byte
	bootID  string
	ncpu    int
}

// NetStack returns a sandbox's network stack, and UnixSockets its unix
// sockets, for /proc/net. The package that owns them sets them.
var (
	NetStack    func(k *kernel.Kernel) (*inet.Stack, error)
	UnixSockets func(k *kernel.Kernel) []sunix.Entry
)

// New returns the root of a /proc filesystem for k. It reads the host's
// /proc/cpuinfo now, while the sentry can still reach the host
// filesystem, to serve it to applications later.
func New(k *kernel.Kernel) vfs.Inode {
	p := &procFS{k: k, ncpu: runtime.NumCPU(), bootID: newUUID()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil && len(b) > 0 {
		p.cpuinfo = b
	} else {
		p.cpuinfo = syntheticCPUInfo(p.ncpu)
	}
	return p.root()
}

// inoOf returns a stable inode number for the /proc entry named by key,
// so that a file keeps its number between lookups.
func inoOf(key string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	// Stay clear of the small numbers synth.NewIno hands out.
	return h.Sum64()>>2 | 1<<61
}

func (p *procFS) root() vfs.Inode {
	file := func(name string, data func() ([]byte, error)) vfs.Inode {
		return &synth.File{Dev: procDev, Ino: inoOf("/" + name), Mode: unix.S_IFREG | 0o444, Data: data}
	}
	d := &synth.Dir{Dev: procDev, Ino: 1, Mode: unix.S_IFDIR | 0o555}
	d.Static = map[string]vfs.Inode{
		"self":        &synth.Symlink{Dev: procDev, Ino: inoOf("/self"), Target: p.selfTarget},
		"thread-self": &synth.Symlink{Dev: procDev, Ino: inoOf("/thread-self"), Target: p.threadSelfTarget},
		"mounts":      &synth.Symlink{Dev: procDev, Ino: inoOf("/mounts"), Target: func() (string, error) { return "self/mounts", nil }},
		"cpuinfo":     file("cpuinfo", func() ([]byte, error) { return p.cpuinfo, nil }),
		"meminfo":     file("meminfo", meminfo),
		"uptime":      file("uptime", p.uptime),
		"loadavg":     file("loadavg", p.loadavg),
		"stat":        file("stat", p.stat),
		"version":     file("version", version),
		"filesystems": file("filesystems", filesystems),
		"swaps":       file("swaps", swaps),
		"partitions":  file("partitions", partitions),
		"diskstats":   file("diskstats", diskstats),
		"vmstat":      file("vmstat", p.vmstat),
		"sys":         p.sysDir(),
		"sysvipc":     p.sysvipcDir(file),
		"net": &synth.Dir{Dev: procDev, Ino: inoOf("/net"), Mode: unix.S_IFDIR | 0o555, Static: map[string]vfs.Inode{
			"dev":  file("net/dev", p.netDev),
			"tcp":  file("net/tcp", func() ([]byte, error) { return p.netConns(unix.AF_INET, unix.SOCK_STREAM) }),
			"tcp6": file("net/tcp6", func() ([]byte, error) { return p.netConns(unix.AF_INET6, unix.SOCK_STREAM) }),
			"udp":  file("net/udp", func() ([]byte, error) { return p.netConns(unix.AF_INET, unix.SOCK_DGRAM) }),
			"udp6": file("net/udp6", func() ([]byte, error) { return p.netConns(unix.AF_INET6, unix.SOCK_DGRAM) }),
			"unix": file("net/unix", p.netUnix),
		}},
	}
	d.List = p.listPIDs
	d.Get = p.lookupPID
	return d
}

// listPIDs lists the processes, in increasing order. Zombies are listed
// until they are reaped, as on Linux.
func (p *procFS) listPIDs() []string {
	var ids []int
	for _, tg := range p.k.ThreadGroups() {
		ids = append(ids, int(tg.ID))
	}
	sort.Ints(ids)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.Itoa(id)
	}
	return out
}

// parseID parses a /proc directory name as a PID: decimal digits, no
// sign or leading zero.
func parseID(name string) (int32, bool) {
	if name == "" || len(name) > 10 || (name[0] == '0' && len(name) > 1) {
		return 0, false
	}
	for i := 0; i < len(name); i++ {
		if name[i] < '0' || name[i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(name, 10, 32)
	if err != nil || v <= 0 {
		return 0, false
	}
	return int32(v), true
}

// lookupPID finds /proc/[pid], or the directory of a thread by its TID,
// which Linux allows though it lists only processes.
func (p *procFS) lookupPID(name string) (vfs.Inode, error) {
	id, ok := parseID(name)
	if !ok {
		return nil, unix.ENOENT
	}
	if tg := p.k.ThreadGroupByID(id); tg != nil {
		if t := tg.Leader(); t != nil {
			return p.taskDir(t, false), nil
		}
		return nil, unix.ENOENT
	}
	if t := p.k.TaskByID(id); t != nil {
		return p.taskDir(t, false), nil
	}
	return nil, unix.ENOENT
}

// caller returns the thread group and task whose syscall is being served.
// Until every task goroutine registers its OS thread, it falls back to
// the only live process when there is exactly one, and otherwise gives
// up; the task is nil when the thread is ambiguous.
func (p *procFS) caller() (*kernel.ThreadGroup, *kernel.Task) {
	if t := p.k.TaskForGoroutine(); t != nil {
		return t.ThreadGroup(), t
	}
	var only *kernel.ThreadGroup
	for _, tg := range p.k.ThreadGroups() {
		if tg.IsZombie() {
			continue
		}
		if only != nil {
			return nil, nil
		}
		only = tg
	}
	if only == nil {
		return nil, nil
	}
	if tasks := only.Tasks(); len(tasks) == 1 {
		return only, tasks[0]
	}
	return only, nil
}

// callerCreds returns the credentials of the caller, or nil if it is
// unknown.
func (p *procFS) callerCreds() *kernel.Creds {
	tg, t := p.caller()
	if t == nil && tg != nil {
		t = tg.Leader()
	}
	if t == nil {
		return nil
	}
	return t.Creds()
}

// callerRoot returns the root directory paths are shown relative to.
func (p *procFS) callerRoot() vfs.VirtualDentry {
	tg, t := p.caller()
	if t == nil && tg != nil {
		t = tg.Leader()
	}
	if t != nil && t.FSContext() != nil {
		return t.FSContext().Root()
	}
	return p.k.Root
}

func (p *procFS) selfTarget() (string, error) {
	tg, _ := p.caller()
	if tg == nil {
		return "", unix.ENOENT
	}
	return strconv.Itoa(int(tg.ID)), nil
}

func (p *procFS) threadSelfTarget() (string, error) {
	tg, t := p.caller()
	if t == nil {
		return "", unix.ENOENT
	}
	return fmt.Sprintf("%d/task/%d", tg.ID, t.ID), nil
}

// permitted reports whether the caller may inspect target as ptrace's
// PTRACE_MODE_READ|PTRACE_MODE_FSCREDS check allows: the same process,
// matching IDs, or CAP_SYS_PTRACE.
func (p *procFS) permitted(target *kernel.Task) bool {
	tg, _ := p.caller()
	if tg == nil || tg == target.ThreadGroup() {
		return true
	}
	c := p.callerCreds()
	if c == nil || c.HasCap(kernel.CapSysPtrace) {
		return true
	}
	tc := target.Creds()
	return c.FSUID == tc.RealUID && c.FSUID == tc.EffectiveUID && c.FSUID == tc.SavedUID &&
		c.FSGID == tc.RealGID && c.FSGID == tc.EffectiveGID && c.FSGID == tc.SavedGID
}

// owned gives a /proc/[pid] entry the owner Linux gives it: the task's
// effective user and group. perm, if nonzero, replaces the permission
// bits.
type owned struct {
	vfs.Inode
	t    *kernel.Task
	perm uint32
	// process is set on /proc/[pid] itself.
	process bool
}

func (o *owned) Stat() (vfs.Stat, error) {
	st, err := o.Inode.Stat()
	if err != nil {
		return st, err
	}
	c := o.t.Creds()
	st.UID, st.GID = c.EffectiveUID, c.EffectiveGID
	if o.perm != 0 {
		st.Mode = st.Mode&unix.S_IFMT | o.perm
	}
	return st, nil
}

// DynamicChildren implements vfs.Dynamic for wrapped directories.
func (o *owned) DynamicChildren() bool {
	d, ok := o.Inode.(vfs.Dynamic)
	return ok && d.DynamicChildren()
}

func (o *owned) Open(flags int) (vfs.FileImpl, error) {
	impl, err := o.Inode.Open(flags)
	if err != nil {
		return nil, err
	}
	w := ownedImpl{FileImpl: impl, o: o}
	if _, ok := impl.(vfs.DirReader); ok {
		return &ownedDirImpl{w}, nil
	}
	return &w, nil
}

// ownedImpl is an open /proc/[pid] entry: fstat shows the owner too.
type ownedImpl struct {
	vfs.FileImpl
	vfs.AlwaysReady
	o *owned
}

func (w *ownedImpl) Stat() (vfs.Stat, error) { return w.o.Stat() }

// Size implements vfs.Seekable.
func (w *ownedImpl) Size() (int64, error) {
	if s, ok := w.FileImpl.(vfs.Seekable); ok {
		return s.Size()
	}
	return 0, nil
}

type ownedDirImpl struct{ ownedImpl }

// DirProcess implements kernel.ProcessDir for /proc/[pid], nil for
// other directories.
func (w *ownedDirImpl) DirProcess() *kernel.ThreadGroup {
	if !w.o.process {
		return nil
	}
	return w.o.t.ThreadGroup()
}

// Readdir implements vfs.DirReader.
func (w *ownedDirImpl) Readdir() ([]vfs.Dirent, error) {
	return w.FileImpl.(vfs.DirReader).Readdir()
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// syntheticCPUInfo stands in for the host's cpuinfo when it cannot be
// read.
func syntheticCPUInfo(n int) []byte {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "processor\t: %d\nvendor_id\t: unknown\ncpu family\t: 0\nmodel\t\t: 0\nmodel name\t: unknown\n", i)
		fmt.Fprintf(&b, "physical id\t: 0\nsiblings\t: %d\ncore id\t\t: %d\ncpu cores\t: %d\napicid\t\t: %d\n", n, i, n, i)
		fmt.Fprintf(&b, "fpu\t\t: yes\nflags\t\t: fpu\nclflush size\t: 64\ncache_alignment\t: 64\n")
		fmt.Fprintf(&b, "address sizes\t: 48 bits physical, 48 bits virtual\npower management:\n\n")
	}
	return []byte(b.String())
}
