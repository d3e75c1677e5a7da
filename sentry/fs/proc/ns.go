package proc

import (
	"fmt"
	"sort"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/fs/synth"
	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/vfs"
)

// /proc/[pid]/ns: one link per namespace type, whose target names the
// namespace ("mnt:[4026531841]"), as namespaces(7) describes. Following a
// link gives the namespace's nsfs file, whose inode number is the one in
// the name, so that two processes are in the same namespace exactly when
// their links stat alike; an open one is what setns(2) takes. The links'
// targets are relative names that the ns directory itself answers, as
// the fd directory does for pathless files.
//
// The sandbox has one namespace of each type but the mount namespace,
// which unshare and clone can make more of; the others carry the inode
// numbers Linux gives its initial namespaces.

// nsfsDev is the device number of nsfs files.
var nsfsDev = unix.Mkdev(0, 4)

// nsTypes are the ns directory's links: name, the target's type, the
// CLONE_NEW* flag, and the inode number of the sandbox's one namespace
// (0 for mnt, whose number comes from the namespace).
var nsTypes = []struct {
	name, kind string
	flag       uint64
	ino        uint64
}{
	{"cgroup", "cgroup", kernel.CLONE_NEWCGROUP, 0xeffffffb},
	{"ipc", "ipc", kernel.CLONE_NEWIPC, 0xefffffff},
	{"mnt", "mnt", kernel.CLONE_NEWNS, 0},
	{"net", "net", kernel.CLONE_NEWNET, 0xf0000000},
	{"pid", "pid", kernel.CLONE_NEWPID, 0xeffffffc},
	{"pid_for_children", "pid", kernel.CLONE_NEWPID, 0xeffffffc},
	{"time", "time", cloneNewTime, 0xeffffffa},
	{"time_for_children", "time", cloneNewTime, 0xeffffffa},
	{"user", "user", kernel.CLONE_NEWUSER, 0xeffffffd},
	{"uts", "uts", kernel.CLONE_NEWUTS, 0xeffffffe},
}

const cloneNewTime = 0x80

// mntNSIno is the inode number of a mount namespace: above the fixed
// ones, as Linux allocates them.
func mntNSIno(ns *vfs.MountNamespace) uint64 { return 0xf0000000 + ns.ID }

// nsDir is /proc/[pid]/ns of task t.
func (p *procFS) nsDir(t *kernel.Task, key string) vfs.Inode {
	d := &synth.Dir{Dev: procDev, Ino: inoOf(key), Mode: unix.S_IFDIR | 0o511}
	// target returns the namespace of type i that t is in: its link
	// target, inode number and, for mnt, the namespace.
	target := func(i int) (string, uint64, *vfs.MountNamespace, error) {
		ty := nsTypes[i]
		ino := ty.ino
		var mnt *vfs.MountNamespace
		if ty.flag == kernel.CLONE_NEWNS {
			fs := t.FSContext()
			if fs == nil || fs.MountNamespace() == nil {
				return "", 0, nil, unix.ENOENT
			}
			mnt = fs.MountNamespace()
			ino = mntNSIno(mnt)
		}
		return fmt.Sprintf("%s:[%d]", ty.kind, ino), ino, mnt, nil
	}
	d.List = func() []string {
		names := make([]string, len(nsTypes))
		for i, ty := range nsTypes {
			names[i] = ty.name
		}
		sort.Strings(names)
		return names
	}
	d.Get = func(name string) (vfs.Inode, error) {
		for i, ty := range nsTypes {
			if name == ty.name {
				link := &synth.Symlink{Dev: procDev, Ino: inoOf(key + "/" + name), Target: func() (string, error) {
					if !p.permitted(t) {
						return "", unix.EACCES
					}
					s, _, _, err := target(i)
					return s, err
				}}
				return &owned{Inode: link, t: t}, nil
			}
		}
		// A link's relative target: the namespace's nsfs file.
		if !p.permitted(t) {
			return nil, unix.ENOENT
		}
		for i, ty := range nsTypes {
			s, ino, mnt, err := target(i)
			if err == nil && s == name {
				return &nsInode{flag: ty.flag, ino: ino, mnt: mnt, v: p.k.VFS}, nil
			}
		}
		return nil, unix.ENOENT
	}
	return &owned{Inode: d, t: t}
}

// nsInode is a namespace's nsfs file.
type nsInode struct {
	flag uint64
	ino  uint64
	mnt  *vfs.MountNamespace
	v    *vfs.VFS
}

// Stat implements vfs.Inode.Stat.
func (n *nsInode) Stat() (vfs.Stat, error) {
	st, _ := (&synth.File{Dev: nsfsDev, Ino: n.ino, Mode: unix.S_IFREG | 0o444}).Stat()
	return st, nil
}

// Lookup implements vfs.Inode.Lookup.
func (n *nsInode) Lookup(string) (vfs.Inode, error) { return nil, unix.ENOTDIR }

// Readlink implements vfs.Inode.Readlink.
func (n *nsInode) Readlink() (string, error) { return "", unix.EINVAL }

// Open implements vfs.Inode.Open: an open mount namespace file keeps the
// namespace alive, as a user of it, until it is closed.
func (n *nsInode) Open(flags int) (vfs.FileImpl, error) {
	if n.mnt != nil {
		n.mnt.IncUsers()
	}
	return &nsFile{n: n}, nil
}

// nsFile is an open nsfs file; reading or writing one is EINVAL.
type nsFile struct {
	vfs.NoImpl
	vfs.AlwaysReady
	n        *nsInode
	released bool
}

var _ kernel.NamespaceFile = (*nsFile)(nil)

func (f *nsFile) Read([]byte, int64) (int, error)  { return 0, unix.EINVAL }
func (f *nsFile) Write([]byte, int64) (int, error) { return 0, unix.EINVAL }
func (f *nsFile) Stat() (vfs.Stat, error)          { return f.n.Stat() }

// Namespace implements kernel.NamespaceFile.
func (f *nsFile) Namespace() (uint64, *vfs.MountNamespace) { return f.n.flag, f.n.mnt }

// UserNamespace implements kernel.NamespaceFile.
func (f *nsFile) UserNamespace() vfs.FileImpl {
	for _, ty := range nsTypes {
		if ty.flag == kernel.CLONE_NEWUSER {
			return &nsFile{n: &nsInode{flag: ty.flag, ino: ty.ino, v: f.n.v}}
		}
	}
	panic("proc: no user namespace type")
}

// Release implements vfs.FileImpl.Release.
func (f *nsFile) Release() {
	if f.n.mnt != nil && !f.released {
		f.released = true
		f.n.v.DecUsers(f.n.mnt)
	}
}
