// Package devpts is the sandbox's pseudoterminals: the devpts
// filesystem (/dev/pts, with ptmx and a node per slave), the master and
// slave files of each pair, and the line discipline between them, with
// the termios settings, window size and job-control requests of
// tty_ioctl(4). Opening ptmx allocates a pair; /dev/pts/N opens its
// slave once it is unlocked (unlockpt). The slave can become a
// session's controlling terminal (see sentry/kernel/tty.go).
package devpts

import (
	"sort"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/fs/synth"
	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/vfs"
)

const (
	// slaveMajor is UNIX98_PTY_SLAVE_MAJOR; slaves are (136, N).
	slaveMajor = 136
	// maxPTYs bounds the pairs of one instance (Linux's default
	// kernel.pty.max).
	maxPTYs = 4096
	// ptmxRdev is the device number of ptmx, (5, 2).
	ptmxRdev = 5<<8 | 2
)

// FSMagic is devpts' statfs f_type.
const FSMagic = 0x1cd1

// devCounter gives each instance its own st_dev.
var devCounter sync.Mutex
var nextDev uint32 = 0x80

// FS is one devpts instance: a set of pseudoterminals numbered from 0.
type FS struct {
	dev  uint64
	root *rootDir
	ptmx *synth.Device

	mu   sync.Mutex
	ptys map[uint32]*pty
	// visible are the pairs whose master is open: they have a node.
	visible map[uint32]*pty
}

// New returns a devpts instance.
func New() *FS {
	devCounter.Lock()
	minor := nextDev
	nextDev++
	devCounter.Unlock()
	fs := &FS{dev: unix.Mkdev(0, minor), ptys: make(map[uint32]*pty), visible: make(map[uint32]*pty)}
	fs.ptmx = &synth.Device{Dev: fs.dev, Ino: 2, Mode: unix.S_IFCHR | 0o666, Rdev: ptmxRdev}
	fs.ptmx.NewImpl = func(int) (vfs.FileImpl, error) { return fs.OpenMaster(fs.ptmx.Stat) }
	fs.root = &rootDir{Dir: &synth.Dir{
		Dev: fs.dev, Ino: 1, Mode: unix.S_IFDIR | 0o755,
		Static: map[string]vfs.Inode{"ptmx": fs.ptmx},
		List:   fs.list,
		Get:    fs.get,
	}, fs: fs}
	return fs
}

// rootDir is the root directory of an instance.
type rootDir struct {
	*synth.Dir
	fs *FS
}

// Root returns the root directory of the filesystem, to mount at
// /dev/pts.
func (fs *FS) Root() vfs.Inode { return fs.root }

// FSOf returns the instance whose root is in, or nil.
func FSOf(in vfs.Inode) *FS {
	if r, ok := in.(*rootDir); ok {
		return r.fs
	}
	return nil
}

// OpenMaster allocates a pseudoterminal pair and returns its master.
// stat is the stat of the ptmx node that was opened. The slave is locked
// until TIOCSPTLCK unlocks it.
func (fs *FS) OpenMaster(stat func() (vfs.Stat, error)) (vfs.FileImpl, error) {
	p, err := fs.alloc()
	if err != nil {
		return nil, err
	}
	return &masterFile{p: p, stat: stat}, nil
}

// alloc creates a pair with the lowest free index, whose slave belongs
// to the caller.
func (fs *FS) alloc() (*pty, error) {
	uid, gid := uint32(0), uint32(0)
	if t := kernel.CurrentTask(); t != nil {
		c := t.Creds()
		uid, gid = c.FSUID, c.FSGID
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var idx uint32
	for idx = 0; idx < maxPTYs; idx++ {
		if _, used := fs.ptys[idx]; !used {
			break
		}
	}
	if idx == maxPTYs {
		return nil, unix.ENOSPC
	}
	p := newPTY(fs, idx)
	now := time.Now()
	ts := vfs.Timespec{Sec: now.Unix(), Nsec: int64(now.Nanosecond())}
	p.slave = &slaveInode{p: p, ino: uint64(idx) + 3, uid: uid, gid: gid, time: ts}
	fs.ptys[idx] = p
	fs.visible[idx] = p
	return p, nil
}

// remove takes a pair's node away when its master closes; free also
// releases its index (no slave is open).
func (fs *FS) remove(p *pty, free bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.visible[p.index] == p {
		delete(fs.visible, p.index)
	}
	if free && fs.ptys[p.index] == p {
		delete(fs.ptys, p.index)
	}
}

// free releases a pair's index once both sides are closed.
func (fs *FS) free(p *pty) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.ptys[p.index] == p {
		delete(fs.ptys, p.index)
	}
}

func (fs *FS) list() []string {
	fs.mu.Lock()
	idx := make([]int, 0, len(fs.visible))
	for i := range fs.visible {
		idx = append(idx, int(i))
	}
	fs.mu.Unlock()
	sort.Ints(idx)
	out := make([]string, len(idx))
	for i, n := range idx {
		out[i] = strconv.Itoa(n)
	}
	return out
}

func (fs *FS) get(name string) (vfs.Inode, error) {
	n, err := strconv.ParseUint(name, 10, 32)
	if err != nil || strconv.FormatUint(n, 10) != name {
		return nil, unix.ENOENT
	}
	fs.mu.Lock()
	p := fs.visible[uint32(n)]
	fs.mu.Unlock()
	if p == nil {
		return nil, unix.ENOENT
	}
	return p.slave, nil
}

// slaveDentry finds /dev/pts/N in t's mount tree, for files opened
// other than by path; it is empty if /dev/pts is not there.
func (fs *FS) slaveDentry(t *kernel.Task, index uint32) vfs.VirtualDentry {
	r := t.Resolver(true)
	vd, err := t.Kernel().VFS.Resolve(r, "/dev/pts/"+strconv.Itoa(int(index)))
	if err != nil {
		return vfs.VirtualDentry{}
	}
	return vd
}

// slaveInode is /dev/pts/N.
type slaveInode struct {
	p        *pty
	ino      uint64
	uid, gid uint32
	time     vfs.Timespec
}

// Stat implements vfs.Inode.Stat.
func (s *slaveInode) Stat() (vfs.Stat, error) {
	return vfs.Stat{
		Dev: s.p.fs.dev, Ino: s.ino, Nlink: 1, Mode: unix.S_IFCHR | 0o620, UID: s.uid, GID: s.gid,
		Rdev: s.p.tty.Rdev, Blksize: 1024, Atime: s.time, Mtime: s.time, Ctime: s.time,
	}, nil
}

// Lookup implements vfs.Inode.Lookup.
func (s *slaveInode) Lookup(string) (vfs.Inode, error) { return nil, unix.ENOTDIR }

// Readlink implements vfs.Inode.Readlink.
func (s *slaveInode) Readlink() (string, error) { return "", unix.EINVAL }

// Open implements vfs.Inode.Open.
func (s *slaveInode) Open(flags int) (vfs.FileImpl, error) {
	f, err := s.p.openSlave(flags, s.Stat)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// OpenControllingTTY opens tty, a terminal of this package, as
// /dev/tty: a new file on it whose stat is the /dev/tty node's.
func OpenControllingTTY(tty *kernel.TTY, flags int, stat func() (vfs.Stat, error)) (vfs.FileImpl, error) {
	p, ok := tty.Driver.(*pty)
	if !ok {
		return nil, unix.ENXIO
	}
	// /dev/tty never changes the controlling terminal.
	f, err := p.openSlave(flags|unix.O_NOCTTY, stat)
	if err != nil {
		return nil, err
	}
	return f, nil
}
