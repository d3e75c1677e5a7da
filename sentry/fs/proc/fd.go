package proc

import (
	"fmt"
	"path"
	"reflect"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/fs/epoll"
	"github.com/moat-dev/moat/sentry/fs/eventfd"
	"github.com/moat-dev/moat/sentry/fs/host"
	"github.com/moat-dev/moat/sentry/fs/synth"
	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/vfs"
)

// /proc/[pid]/fd and /proc/[pid]/fdinfo.

// oLargefile is the kernel's O_LARGEFILE, which 64-bit Linux sets on
// every open file (x/sys/unix defines it as 0 on amd64).
const oLargefile = 0o100000

// fdDir is the fd directory of t (info false: symlinks to the open
// files) or its fdinfo directory (info true).
func (p *procFS) fdDir(t *kernel.Task, key string, info bool) vfs.Inode {
	d := &synth.Dir{Dev: procDev, Ino: inoOf(key), Mode: unix.S_IFDIR | 0o500}
	table := func() *vfs.FDTable {
		if fdt := t.FDTable(); fdt != nil {
			return fdt.FDTable
		}
		return nil
	}
	d.List = func() []string {
		fdt := table()
		if fdt == nil || !p.permitted(t) {
			return nil
		}
		fds := fdt.FDs()
		out := make([]string, len(fds))
		for i, fd := range fds {
			out[i] = strconv.Itoa(fd)
		}
		return out
	}
	d.Get = func(name string) (vfs.Inode, error) {
		fdt := table()
		if fdt == nil {
			return nil, unix.ENOENT
		}
		fd, err := strconv.Atoi(name)
		if err != nil || fd < 0 || strconv.Itoa(fd) != name {
			if info || !p.permitted(t) {
				return nil, unix.ENOENT
			}
			// The relative target of a pathless file's link.
			f, err := p.findPathless(fdt, name)
			if err != nil {
				return nil, err
			}
			f.DecRef()
			return &reopenInode{p: p, fdt: fdt, name: name}, nil
		}
		f, _, err := fdt.Get(fd)
		if err != nil {
			return nil, unix.ENOENT
		}
		flags := f.Flags()
		f.DecRef()
		ino := inoOf(key + "/" + name)
		if info {
			return &owned{Inode: &synth.File{Dev: procDev, Ino: ino, Mode: unix.S_IFREG | 0o400,
				Data: func() ([]byte, error) { return p.fdInfo(t, fdt, fd) }}, t: t}, nil
		}
		// The link's permissions show the file's access mode.
		perm := uint32(0)
		if flags&unix.O_ACCMODE != unix.O_WRONLY {
			perm |= unix.S_IRUSR | unix.S_IXUSR
		}
		if flags&unix.O_ACCMODE != unix.O_RDONLY {
			perm |= unix.S_IWUSR | unix.S_IXUSR
		}
		target := func() (string, error) {
			if !p.permitted(t) {
				return "", unix.EACCES
			}
			f, _, err := fdt.Get(fd)
			if err != nil {
				return "", unix.ENOENT
			}
			defer f.DecRef()
			return p.filePath(f), nil
		}
		link := &owned{Inode: &synth.Symlink{Dev: procDev, Ino: ino, Target: target}, t: t, perm: perm}
		return &fdLink{owned: link, p: p, fdt: fdt, fd: fd}, nil
	}
	return d
}

// fdLink is /proc/[pid]/fd/N: a magic link that leads to the file's own
// dentry, so that opening it opens the same inode again even when no
// path names it (a memfd, an unlinked file).
type fdLink struct {
	*owned
	p   *procFS
	fdt *vfs.FDTable
	fd  int
}

// Follow implements vfs.MagicLink. Pathless files (pipes, sockets) have
// no dentry: their link text leads to a reopenInode instead.
func (l *fdLink) Follow() (vfs.VirtualDentry, bool, error) {
	if !l.p.permitted(l.t) {
		return vfs.VirtualDentry{}, false, unix.EACCES
	}
	f, _, err := l.fdt.Get(l.fd)
	if err != nil {
		return vfs.VirtualDentry{}, false, unix.ENOENT
	}
	defer f.DecRef()
	if !f.VD.Ok() {
		return vfs.VirtualDentry{}, false, nil
	}
	if _, ok := f.VD.Inode().(*reopenInode); ok {
		return vfs.VirtualDentry{}, false, nil
	}
	return f.VD, true, nil
}

// fdInfo is the text of /proc/[pid]/fdinfo/[fd].
func (p *procFS) fdInfo(t *kernel.Task, fdt *vfs.FDTable, fd int) ([]byte, error) {
	if !p.permitted(t) {
		return nil, unix.EACCES
	}
	f, cloexec, err := fdt.Get(fd)
	if err != nil {
		return nil, unix.ENOENT
	}
	defer f.DecRef()
	f.PosMu.Lock()
	pos := f.Pos
	f.PosMu.Unlock()
	flags := f.Flags() | oLargefile
	if cloexec {
		flags |= unix.O_CLOEXEC
	}
	var mnt uint64
	if f.VD.Ok() {
		mnt = f.VD.Mount.ID
	}
	var ino uint64
	if st, err := f.Impl.Stat(); err == nil {
		ino = st.Ino
	}
	text := formatFDInfo(pos, flags, mnt, ino)
	if e, ok := f.Impl.(*eventfd.EventFD); ok {
		sem := 0
		if e.Semaphore() {
			sem = 1
		}
		text += fmt.Sprintf("eventfd-count: %16x\neventfd-semaphore: %d\n", e.Count(), sem)
	}
	if pf, ok := f.Impl.(*kernel.PidFD); ok {
		text += pf.FDInfo()
	}
	return []byte(text), nil
}

// formatFDInfo lays out an fdinfo file; flags print in octal.
func formatFDInfo(pos int64, flags int, mntID, ino uint64) string {
	return fmt.Sprintf("pos:\t%d\nflags:\t0%o\nmnt_id:\t%d\nino:\t%d\n", pos, flags, mntID, ino)
}

// filePath is what an fd link points to: the file's path, or for files
// outside any filesystem the "type:[inode]" names Linux gives them.
func (p *procFS) filePath(f *vfs.File) string {
	if f.VD.Ok() {
		if r, ok := f.VD.Inode().(*reopenInode); ok {
			return r.name
		}
		if m := f.VD.Mount; m.Parent == nil && strings.HasPrefix(m.Source, "memfd:") && f.VD.Dentry == m.Root {
			// A memfd has a mount of its own; Linux names it so.
			return "/" + m.Source + " (deleted)"
		}
		return p.k.VFS.PathOf(p.callerRoot(), f.VD)
	}
	st, err := f.Impl.Stat()
	if err != nil {
		return "anon_inode:[unknown]"
	}
	if _, ok := f.Impl.(*host.File); ok {
		return hostFilePath(&st)
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFIFO:
		return fmt.Sprintf("pipe:[%d]", st.Ino)
	case unix.S_IFSOCK:
		return fmt.Sprintf("socket:[%d]", st.Ino)
	}
	return "anon_inode:" + anonName(f.Impl)
}

// anonName is the name Linux gives an anonymous inode's file: the kind
// of object in brackets ("[eventfd]", "[eventpoll]"). Kinds without a
// case here take their package's name, which follows Linux's naming.
func anonName(impl vfs.FileImpl) string {
	if _, ok := impl.(*epoll.EventPoll); ok {
		return "[eventpoll]"
	}
	if _, ok := impl.(*kernel.PidFD); ok {
		return "[pidfd]"
	}
	typ := reflect.TypeOf(impl)
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if pkg := path.Base(typ.PkgPath()); pkg != "" && pkg != "." {
		return "[" + pkg + "]"
	}
	return "[" + typ.Name() + "]"
}

// hostFilePath names a host FD given to the sandbox (the caller's stdio)
// from its file type and device, since the sentry does not know its
// path: terminals and the common character devices by their /dev names,
// pipes and sockets as Linux shows them.
func hostFilePath(st *vfs.Stat) string {
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFIFO:
		return fmt.Sprintf("pipe:[%d]", st.Ino)
	case unix.S_IFSOCK:
		return fmt.Sprintf("socket:[%d]", st.Ino)
	case unix.S_IFCHR:
		major, minor := unix.Major(st.Rdev), unix.Minor(st.Rdev)
		switch {
		case major == 136:
			return fmt.Sprintf("/dev/pts/%d", minor)
		case major == 4 && minor < 64:
			return fmt.Sprintf("/dev/tty%d", minor)
		case major == 5 && minor == 0:
			return "/dev/tty"
		case major == 5 && minor == 1:
			return "/dev/console"
		case major == 5 && minor == 2:
			return "/dev/ptmx"
		case major == 1:
			switch minor {
			case 3:
				return "/dev/null"
			case 5:
				return "/dev/zero"
			case 7:
				return "/dev/full"
			case 8:
				return "/dev/random"
			case 9:
				return "/dev/urandom"
			}
		}
	}
	return fmt.Sprintf("host:[%d]", st.Ino)
}
