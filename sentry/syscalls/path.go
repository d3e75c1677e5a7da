package syscalls

import (
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/fs/pipe"
	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

func init() {
	register(abi.SysOpen, sysOpen)
	register(abi.SysOpenat, sysOpenat)
	register(abi.SysCreat, sysCreat)
	register(abi.SysStat, sysStat)
	register(abi.SysLstat, sysLstat)
	register(abi.SysFstat, sysFstat)
	register(abi.SysNewfstatat, sysNewfstatat)
	register(abi.SysStatx, sysStatx)
	register(abi.SysGetdents64, sysGetdents64)
	register(abi.SysReadlink, sysReadlink)
	register(abi.SysReadlinkat, sysReadlinkat)
	register(abi.SysAccess, sysAccess)
	register(abi.SysFaccessat, sysFaccessat)
	register(abi.SysFaccessat2, sysFaccessat2)
	register(abi.SysGetcwd, sysGetcwd)
	register(abi.SysChdir, sysChdir)
	register(abi.SysFchdir, sysFchdir)
	register(abi.SysUmask, sysUmask)
	register(abi.SysOpenat2, sysOpenat2)
}

// startDir returns where a relative path is resolved from: the cwd or
// the directory open at dirfd.
func startDir(t *task, dirfd int32) (vfs.VirtualDentry, error) {
	if dirfd == atFDCWD {
		return t.FSContext().Cwd(), nil
	}
	f, err := getFile(t, dirfd)
	if err != nil {
		return vfs.VirtualDentry{}, err
	}
	defer f.DecRef()
	if !f.VD.Ok() {
		return vfs.VirtualDentry{}, unix.ENOTDIR
	}
	st, err := f.VD.Inode().Stat()
	if err != nil {
		return vfs.VirtualDentry{}, err
	}
	if !st.IsDir() {
		return vfs.VirtualDentry{}, unix.ENOTDIR
	}
	return f.VD, nil
}

// resolveAt resolves path relative to dirfd.
func resolveAt(t *task, dirfd int32, path string, follow bool) (vfs.VirtualDentry, error) {
	r := t.Resolver(follow)
	if path == "" {
		return vfs.VirtualDentry{}, unix.ENOENT
	}
	if path[0] != '/' {
		start, err := startDir(t, dirfd)
		if err != nil {
			return vfs.VirtualDentry{}, err
		}
		r.Start = start
	}
	return t.Kernel().VFS.Resolve(r, path)
}

// pathFile is an O_PATH file: it names a file and supports nothing else.
type pathFile struct {
	vfs.NoImpl
	in vfs.Inode
}

func (p *pathFile) Read([]byte, int64) (int, error)  { return 0, unix.EBADF }
func (p *pathFile) Write([]byte, int64) (int, error) { return 0, unix.EBADF }
func (p *pathFile) Stat() (vfs.Stat, error)          { return p.in.Stat() }

// oLargefile is the kernel's O_LARGEFILE, which x/sys defines as 0 on
// amd64 as glibc does.
const oLargefile = 0x8000

const openFlagsValid = unix.O_ACCMODE | unix.O_CREAT | unix.O_EXCL | unix.O_NOCTTY | unix.O_TRUNC |
	unix.O_APPEND | unix.O_NONBLOCK | unix.O_DSYNC | unix.O_ASYNC | unix.O_DIRECT | oLargefile |
	unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_NOATIME | unix.O_CLOEXEC | unix.O_SYNC | unix.O_PATH | unix.O_TMPFILE

func openAt(t *task, dirfd int32, pathAddr uint64, flags int, mode uint32) (uint64, error) {
	path, err := copyInPath(t, pathAddr)
	if err != nil {
		return 0, err
	}
	return openPath(t, dirfd, path, flags&openFlagsValid, mode, 0)
}

// openat2 RESOLVE_* flags.
const (
	resolveNoXDev       = 0x01
	resolveNoMagiclinks = 0x02
	resolveNoSymlinks   = 0x04
	resolveBeneath      = 0x08
	resolveInRoot       = 0x10
	resolveCached       = 0x20
	resolveAll          = 0x3f
)

// openResolver returns the resolver for an open relative to dirfd.
func openResolver(t *task, dirfd int32, path string, follow bool, resolve uint64) (*vfs.Resolver, error) {
	r := t.Resolver(follow)
	if path == "" {
		return nil, unix.ENOENT
	}
	if path[0] != '/' || resolve&(resolveBeneath|resolveInRoot) != 0 {
		start, err := startDir(t, dirfd)
		if err != nil {
			return nil, err
		}
		r.Start = start
	}
	r.NoXDev = resolve&resolveNoXDev != 0
	r.NoSymlinks = resolve&resolveNoSymlinks != 0
	r.Beneath = resolve&resolveBeneath != 0
	if resolve&resolveInRoot != 0 {
		r.Root = r.Start
	}
	return r, nil
}

// openPath opens path relative to dirfd: open, openat, creat and
// openat2.
func openPath(t *task, dirfd int32, path string, flags int, mode uint32, resolve uint64) (uint64, error) {
	if flags&unix.O_PATH != 0 {
		flags &= unix.O_PATH | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
	}
	if flags&unix.O_TMPFILE == unix.O_TMPFILE {
		acc := flags & unix.O_ACCMODE
		if acc != unix.O_WRONLY && acc != unix.O_RDWR || flags&unix.O_CREAT != 0 || flags&unix.O_PATH != 0 {
			return 0, unix.EINVAL
		}
		return openTmpfile(t, dirfd, path, flags|oLargefile, mode, resolve)
	}
	// O_CREAT|O_DIRECTORY is refused since Linux 6.4.
	if flags&(unix.O_CREAT|unix.O_DIRECTORY) == unix.O_CREAT|unix.O_DIRECTORY {
		return 0, unix.EINVAL
	}
	// 64-bit kernels open every file as O_LARGEFILE.
	if flags&unix.O_PATH == 0 {
		flags |= oLargefile
	}
	follow := flags&unix.O_NOFOLLOW == 0
	if flags&unix.O_CREAT != 0 && flags&unix.O_EXCL != 0 {
		follow = false
	}
	r, err := openResolver(t, dirfd, path, follow, resolve)
	if err != nil {
		return 0, err
	}
	v := t.Kernel().VFS
	if flags&unix.O_CREAT != 0 {
		return openCreate(t, r, path, flags, mode)
	}
	vd, err := v.Resolve(r, path)
	if err != nil {
		return 0, err
	}
	return openVD(t, vd, flags, false)
}

// openCreate serves open with O_CREAT: it creates the last component if
// it is missing, following a dangling symlink to create its target as
// Linux does (unless O_EXCL or O_NOFOLLOW).
func openCreate(t *task, r *vfs.Resolver, path string, flags int, mode uint32) (uint64, error) {
	v := t.Kernel().VFS
	for links := 0; ; links++ {
		p, err := v.ResolveParentLast(r, path)
		if err != nil {
			return 0, err
		}
		if p.Kind != vfs.LastNorm || p.Slash {
			return 0, unix.EISDIR
		}
		child, err := v.Child(p.Dir, p.Name)
		if err == nil {
			if flags&unix.O_EXCL != 0 {
				return 0, unix.EEXIST
			}
			st, err := child.Inode().Stat()
			if err != nil {
				return 0, err
			}
			if st.IsSymlink() && flags&unix.O_NOFOLLOW == 0 {
				if links >= 40 || r.NoSymlinks {
					return 0, unix.ELOOP
				}
				target, err := child.Inode().Readlink()
				if err != nil {
					return 0, err
				}
				if target == "" {
					return 0, unix.ENOENT
				}
				if target[0] == '/' {
					if r.Beneath {
						return 0, unix.EXDEV
					}
				} else {
					r.Start = p.Dir
				}
				path = target
				continue
			}
			if st.IsDir() {
				return 0, unix.EISDIR
			}
			return openVD(t, child, flags, false)
		}
		if err != unix.ENOENT {
			return 0, err
		}
		c := t.Creds().VFS()
		n := vfs.NewNode{Mode: mode & 07777 &^ t.FSContext().Umask()}
		vd, impl, err := v.Create(p.Dir, p.Name, vfs.CreateOpts{Creds: c, Node: n, Flags: flags})
		if err != nil {
			return 0, err
		}
		notifyDir(p.Dir, unix.IN_CREATE, 0, p.Name, false)
		notifyVD(vd, unix.IN_OPEN, 0)
		f := vfs.NewFile(impl, vd, flags)
		return newFD(t, f, flags&unix.O_CLOEXEC != 0)
	}
}

// openTmpfile serves O_TMPFILE: an unnamed file in the directory path
// names.
func openTmpfile(t *task, dirfd int32, path string, flags int, mode uint32, resolve uint64) (uint64, error) {
	r, err := openResolver(t, dirfd, path, true, resolve)
	if err != nil {
		return 0, err
	}
	dir, err := t.Kernel().VFS.Resolve(r, path)
	if err != nil {
		return 0, err
	}
	st, err := dir.Inode().Stat()
	if err != nil {
		return 0, err
	}
	if !st.IsDir() {
		return 0, unix.ENOTDIR
	}
	n := vfs.NewNode{Mode: mode & 07777 &^ t.FSContext().Umask()}
	o := vfs.CreateOpts{Creds: t.Creds().VFS(), Node: n, Flags: flags}
	vd, impl, err := t.Kernel().VFS.Tmpfile(dir, o, flags&unix.O_EXCL != 0)
	if err != nil {
		return 0, err
	}
	f := vfs.NewFile(impl, vd, flags&^(unix.O_TMPFILE&^unix.O_DIRECTORY)&^unix.O_DIRECTORY)
	return newFD(t, f, flags&unix.O_CLOEXEC != 0)
}

// fifoInode is implemented by filesystems' FIFOs.
type fifoInode interface{ FIFO() *pipe.Pipe }

// namedFIFO is an open end of a named FIFO: a pipe end whose stat is the
// FIFO's inode.
type namedFIFO struct {
	*pipe.End
	in vfs.Inode
}

func (f *namedFIFO) Stat() (vfs.Stat, error) { return f.in.Stat() }

// openFIFO opens a FIFO as fifo(7) says: a reader waits for a writer and
// a writer for a reader, unless O_NONBLOCK (then a writer with no reader
// fails with ENXIO); O_RDWR never waits.
func openFIFO(t *task, in vfs.Inode, p *pipe.Pipe, flags int) (vfs.FileImpl, error) {
	nonblock := flags&unix.O_NONBLOCK != 0
	var end *pipe.End
	var wait func() bool
	switch flags & unix.O_ACCMODE {
	case unix.O_RDONLY:
		_, w0 := p.OpenCounts()
		end = p.OpenReader()
		if p.Writers() == 0 && !nonblock {
			wait = func() bool { _, w := p.OpenCounts(); return w != w0 }
		}
	case unix.O_WRONLY:
		if p.Readers() == 0 {
			if nonblock {
				return nil, unix.ENXIO
			}
		}
		r0, _ := p.OpenCounts()
		end = p.OpenWriter()
		if p.Readers() == 0 {
			wait = func() bool { r, _ := p.OpenCounts(); return r != r0 }
		}
	default:
		end = p.OpenReadWriter()
	}
	if wait != nil {
		e := waiter.NewEntry(waiter.AllEvents)
		p.EventRegisterOpen(e)
		defer p.EventUnregisterOpen(e)
		for !wait() {
			if err := t.Block(e.C); err != nil {
				end.Release()
				return nil, kernel.ERESTARTSYS
			}
		}
	}
	return &namedFIFO{End: end, in: in}, nil
}

// openVD opens the file vd names with flags; created says the file was
// just made by this open, which skips the permission check.
func openVD(t *task, vd vfs.VirtualDentry, flags int, created bool) (uint64, error) {
	st, err := vd.Inode().Stat()
	if err != nil {
		return 0, err
	}
	if flags&unix.O_PATH != 0 {
		if flags&unix.O_DIRECTORY != 0 && !st.IsDir() {
			return 0, unix.ENOTDIR
		}
		f := vfs.NewFile(&pathFile{in: vd.Inode()}, vd, flags)
		return newFD(t, f, flags&unix.O_CLOEXEC != 0)
	}
	// O_DIRECTORY is checked before a final symlink (O_NOFOLLOW).
	if flags&unix.O_DIRECTORY != 0 && !st.IsDir() {
		return 0, unix.ENOTDIR
	}
	if st.IsSymlink() {
		return 0, unix.ELOOP
	}
	acc := flags & unix.O_ACCMODE
	// Access mode 3 asks for both permissions but gives neither read
	// nor write; it opens files for ioctls. FIFOs refuse it.
	var may uint32
	if acc != unix.O_WRONLY {
		may |= vfs.MayRead
	}
	if acc != unix.O_RDONLY || flags&unix.O_TRUNC != 0 {
		may |= vfs.MayWrite
	}
	if acc == 3 && st.Mode&unix.S_IFMT == unix.S_IFIFO {
		return 0, unix.EINVAL
	}
	if may&vfs.MayWrite != 0 {
		if st.IsDir() {
			return 0, unix.EISDIR
		}
		if vd.Mount.Flags().Readonly && (st.IsRegular() || st.IsDir()) {
			return 0, unix.EROFS
		}
	}
	if !created {
		if err := t.Creds().VFS().CheckAccess(&st, may); err != nil {
			return 0, err
		}
	}
	if ft := st.Mode & unix.S_IFMT; (ft == unix.S_IFCHR || ft == unix.S_IFBLK) && t.Kernel().VFS.Flags(vd.Mount).NoDev {
		// Device nodes on a nodev mount are only names.
		return 0, unix.EACCES
	}
	var impl vfs.FileImpl
	if fi, ok := vd.Inode().(fifoInode); ok && st.Mode&unix.S_IFMT == unix.S_IFIFO && fi.FIFO() != nil {
		impl, err = openFIFO(t, vd.Inode(), fi.FIFO(), flags)
	} else {
		impl, err = vd.Inode().Open(flags)
	}
	if err != nil {
		return 0, err
	}
	if flags&unix.O_TRUNC != 0 && st.IsRegular() {
		if err := truncateInode(vd.Inode(), 0); err != nil {
			impl.Release()
			return 0, err
		}
		if !t.Creds().VFS().HasCap(vfs.CapFsetid) {
			killSuid(t.Creds().VFS(), vd.Inode())
		}
		notifyVD(vd, unix.IN_MODIFY, 0)
	}
	notifyVD(vd, unix.IN_OPEN, 0)
	f := vfs.NewFile(impl, vd, flags)
	return newFD(t, f, flags&unix.O_CLOEXEC != 0)
}

// truncateInode sets a regular file's size.
func truncateInode(in vfs.Inode, size int64) error {
	sa, ok := in.(vfs.Setattrer)
	if !ok {
		return unix.EROFS
	}
	return sa.Setattr(&vfs.SetAttr{Mask: vfs.SetSize | vfs.SetMtime, Size: size, Mtime: vfs.Now()})
}

// sysOpenat2 implements openat2(2): struct open_how {flags, mode,
// resolve} of a size the caller gives.
func sysOpenat2(t *task, a *args) (uint64, error) {
	dirfd, pathAddr, howAddr, size := int32(a[0]), a[1], a[2], a[3]
	const howSize = 24
	if size < howSize {
		return 0, unix.EINVAL
	}
	if size > 4096 {
		return 0, unix.E2BIG
	}
	b := make([]byte, size)
	if err := copyIn(t, howAddr, b); err != nil {
		return 0, err
	}
	for _, x := range b[howSize:] {
		if x != 0 {
			return 0, unix.E2BIG
		}
	}
	flags, mode, resolve := le64(b[0:]), le64(b[8:]), le64(b[16:])
	if flags&^uint64(openFlagsValid) != 0 || resolve&^resolveAll != 0 {
		return 0, unix.EINVAL
	}
	if flags&unix.O_CREAT == 0 && flags&unix.O_TMPFILE != unix.O_TMPFILE && mode != 0 || mode&^07777 != 0 {
		return 0, unix.EINVAL
	}
	if resolve&resolveBeneath != 0 && resolve&resolveInRoot != 0 {
		return 0, unix.EINVAL
	}
	if flags&unix.O_PATH != 0 && flags&^uint64(unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC) != 0 {
		return 0, unix.EINVAL
	}
	if resolve&resolveCached != 0 && flags&(unix.O_CREAT|unix.O_TRUNC) != 0 {
		return 0, unix.EAGAIN
	}
	path, err := copyInPath(t, pathAddr)
	if err != nil {
		return 0, err
	}
	return openPath(t, dirfd, path, int(flags), uint32(mode), resolve)
}

func sysOpen(t *task, a *args) (uint64, error) {
	return openAt(t, atFDCWD, a[0], int(a[1]), uint32(a[2]))
}

func sysOpenat(t *task, a *args) (uint64, error) {
	return openAt(t, int32(a[0]), a[1], int(a[2]), uint32(a[3]))
}

func sysCreat(t *task, a *args) (uint64, error) {
	return openAt(t, atFDCWD, a[0], unix.O_CREAT|unix.O_WRONLY|unix.O_TRUNC, uint32(a[1]))
}

// statAt returns the stat of path relative to dirfd, or of dirfd itself
// with AT_EMPTY_PATH and an empty path.
func statAt(t *task, dirfd int32, pathAddr uint64, flags int) (vfs.Stat, *vfs.VirtualDentry, error) {
	if flags&^(unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH|unix.AT_NO_AUTOMOUNT|atStatxSyncType) != 0 {
		return vfs.Stat{}, nil, unix.EINVAL
	}
	path, err := copyInPath(t, pathAddr)
	if err != nil {
		return vfs.Stat{}, nil, err
	}
	if path == "" && flags&unix.AT_EMPTY_PATH != 0 {
		if dirfd == atFDCWD {
			vd := t.FSContext().Cwd()
			st, err := vd.Inode().Stat()
			return st, &vd, err
		}
		f, err := getFile(t, dirfd)
		if err != nil {
			return vfs.Stat{}, nil, err
		}
		defer f.DecRef()
		st, err := f.Impl.Stat()
		if f.VD.Ok() {
			return st, &f.VD, err
		}
		return st, nil, err
	}
	vd, err := resolveAt(t, dirfd, path, flags&unix.AT_SYMLINK_NOFOLLOW == 0)
	if err != nil {
		return vfs.Stat{}, nil, err
	}
	st, err := vd.Inode().Stat()
	return st, &vd, err
}

func writeStat(t *task, addr uint64, st vfs.Stat) (uint64, error) {
	return 0, copyOut(t, addr, st.MarshalStat())
}

func sysStat(t *task, a *args) (uint64, error) {
	st, _, err := statAt(t, atFDCWD, a[0], 0)
	if err != nil {
		return 0, err
	}
	return writeStat(t, a[1], st)
}

func sysLstat(t *task, a *args) (uint64, error) {
	st, _, err := statAt(t, atFDCWD, a[0], unix.AT_SYMLINK_NOFOLLOW)
	if err != nil {
		return 0, err
	}
	return writeStat(t, a[1], st)
}

func sysFstat(t *task, a *args) (uint64, error) {
	f, err := getFile(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	st, err := f.Impl.Stat()
	if err != nil {
		return 0, err
	}
	return writeStat(t, a[1], st)
}

func sysNewfstatat(t *task, a *args) (uint64, error) {
	st, _, err := statAt(t, int32(a[0]), a[1], int(a[3]))
	if err != nil {
		return 0, err
	}
	return writeStat(t, a[2], st)
}

func sysStatx(t *task, a *args) (uint64, error) {
	mask := uint32(a[3])
	if mask&0x80000000 != 0 { // STATX__RESERVED
		return 0, unix.EINVAL
	}
	flags := int(a[2])
	if flags&atStatxSyncType == atStatxSyncType {
		return 0, unix.EINVAL
	}
	st, vd, err := statAt(t, int32(a[0]), a[1], flags)
	if err != nil {
		return 0, err
	}
	var mnt uint64
	if vd != nil {
		mnt = vd.Mount.ID
	}
	return 0, copyOut(t, a[4], st.MarshalStatx(mnt))
}

func sysGetdents64(t *task, a *args) (uint64, error) { return getdents(t, a, putDirent64) }

func sysGetdents(t *task, a *args) (uint64, error) { return getdents(t, a, putDirent) }

// getdents fills the buffer with records made by put.
func getdents(t *task, a *args, put func([]byte, uint64, int64, uint8, string) ([]byte, bool)) (uint64, error) {
	f, err := getFile(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if _, isPath := f.Impl.(*pathFile); isPath {
		return 0, unix.EBADF
	}
	dr, ok := f.Impl.(vfs.DirReader)
	if !ok {
		return 0, unix.ENOTDIR
	}
	if f.VD.Ok() && f.VD.Dentry.Deleted() {
		// A removed directory lists nothing, not even "." and "..".
		return 0, unix.ENOENT
	}
	size := min(a[2], 1<<20)
	f.PosMu.Lock()
	defer f.PosMu.Unlock()
	if f.Dir == nil || f.Pos == 0 {
		ents, err := dr.Readdir()
		if err != nil {
			return 0, err
		}
		st, _ := f.Impl.Stat()
		parentIno := st.Ino
		if f.VD.Ok() {
			pvd, err := t.Kernel().VFS.Resolve(&vfs.Resolver{Root: t.FSContext().Root(), Start: f.VD}, "..")
			if err == nil {
				if pst, err := pvd.Inode().Stat(); err == nil {
					parentIno = pst.Ino
				}
			}
		}
		all := make([]vfs.Dirent, 0, len(ents)+2)
		all = append(all, vfs.Dirent{Ino: st.Ino, Type: unix.DT_DIR, Name: "."}, vfs.Dirent{Ino: parentIno, Type: unix.DT_DIR, Name: ".."})
		f.Dir = append(all, ents...)
	}
	buf := make([]byte, 0, size)
	for f.Pos < int64(len(f.Dir)) {
		e := f.Dir[f.Pos]
		var fit bool
		if buf, fit = put(buf, e.Ino, f.Pos+1, e.Type, e.Name); !fit {
			break
		}
		f.Pos++
	}
	if len(buf) == 0 && f.Pos < int64(len(f.Dir)) {
		return 0, unix.EINVAL
	}
	if err := copyOut(t, a[1], buf); err != nil {
		return 0, err
	}
	return uint64(len(buf)), nil
}

func readlinkAt(t *task, dirfd int32, pathAddr, buf uint64, size int32) (uint64, error) {
	if size <= 0 {
		return 0, unix.EINVAL
	}
	path, err := copyInPath(t, pathAddr)
	if err != nil {
		return 0, err
	}
	var in vfs.Inode
	if path == "" {
		// Linux reads the link an O_PATH fd refers to.
		f, err := getFile(t, dirfd)
		if err != nil {
			return 0, unix.ENOENT
		}
		defer f.DecRef()
		if !f.VD.Ok() {
			return 0, unix.ENOENT
		}
		in = f.VD.Inode()
		if st, err := in.Stat(); err != nil || !st.IsSymlink() {
			return 0, unix.ENOENT
		}
	} else {
		vd, err := resolveAt(t, dirfd, path, false)
		if err != nil {
			return 0, err
		}
		in = vd.Inode()
	}
	target, err := in.Readlink()
	if err != nil {
		return 0, err
	}
	b := []byte(target)
	if len(b) > int(size) {
		b = b[:size]
	}
	return uint64(len(b)), copyOut(t, buf, b)
}

func sysReadlink(t *task, a *args) (uint64, error) {
	return readlinkAt(t, atFDCWD, a[0], a[1], int32(a[2]))
}

func sysReadlinkat(t *task, a *args) (uint64, error) {
	return readlinkAt(t, int32(a[0]), a[1], a[2], int32(a[3]))
}

func accessAt(t *task, dirfd int32, pathAddr uint64, mode uint32, flags int) (uint64, error) {
	if mode&^7 != 0 {
		return 0, unix.EINVAL
	}
	if flags&^(unix.AT_EACCESS|unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH) != 0 {
		return 0, unix.EINVAL
	}
	st, vd, err := statAt(t, dirfd, pathAddr, flags&^unix.AT_EACCESS)
	if err != nil {
		return 0, err
	}
	if mode == 0 {
		return 0, nil
	}
	c := t.Creds()
	vc := c.VFS()
	if flags&unix.AT_EACCESS == 0 {
		// access(2) checks with the real IDs.
		vc.UID, vc.GID = c.RealUID, c.RealGID
		if c.RealUID != 0 {
			vc.DACOverride = false
			vc.Caps = 0
		} else {
			// Real root checks with its permitted capabilities.
			vc.Caps = c.CapPermitted
			vc.DACOverride = c.CapPermitted&(1<<vfs.CapDACOverride) != 0
		}
	}
	if mode&1 != 0 && vd != nil && st.IsRegular() && t.Kernel().VFS.Flags(vd.Mount).NoExec {
		// Nothing on a noexec mount can be executed, whoever asks.
		return 0, unix.EACCES
	}
	if err := vc.CheckAccess(&st, mode); err != nil {
		return 0, err
	}
	// A read-only mount is reported once the permissions allow.
	if mode&2 != 0 && vd != nil && vd.Mount.Flags().Readonly && (st.IsRegular() || st.IsDir() || st.IsSymlink()) {
		return 0, unix.EROFS
	}
	return 0, nil
}

func sysAccess(t *task, a *args) (uint64, error) {
	return accessAt(t, atFDCWD, a[0], uint32(a[1]), 0)
}

func sysFaccessat(t *task, a *args) (uint64, error) {
	return accessAt(t, int32(a[0]), a[1], uint32(a[2]), 0)
}

func sysFaccessat2(t *task, a *args) (uint64, error) {
	return accessAt(t, int32(a[0]), a[1], uint32(a[2]), int(a[3]))
}

func sysGetcwd(t *task, a *args) (uint64, error) {
	fs := t.FSContext()
	if fs.Cwd().Dentry.Deleted() {
		return 0, unix.ENOENT
	}
	v := t.Kernel().VFS
	p := v.PathOf(fs.Root(), fs.Cwd())
	if !v.Reachable(fs.Root(), fs.Cwd()) {
		// A cwd outside the root (after chroot) is named from the
		// real root, marked as Linux marks it.
		p = "(unreachable)" + p
	}
	b := append([]byte(p), 0)
	if uint64(len(b)) > a[1] {
		return 0, unix.ERANGE
	}
	return uint64(len(b)), copyOut(t, a[0], b)
}

func chdirTo(t *task, vd vfs.VirtualDentry) (uint64, error) {
	st, err := vd.Inode().Stat()
	if err != nil {
		return 0, err
	}
	if !st.IsDir() {
		return 0, unix.ENOTDIR
	}
	if err := t.Creds().VFS().CheckAccess(&st, vfs.MayExec); err != nil {
		return 0, err
	}
	t.FSContext().SetCwd(vd)
	return 0, nil
}

func sysChdir(t *task, a *args) (uint64, error) {
	path, err := copyInPath(t, a[0])
	if err != nil {
		return 0, err
	}
	vd, err := resolveAt(t, atFDCWD, path, true)
	if err != nil {
		return 0, err
	}
	return chdirTo(t, vd)
}

func sysFchdir(t *task, a *args) (uint64, error) {
	f, err := getFile(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if !f.VD.Ok() {
		return 0, unix.ENOTDIR
	}
	return chdirTo(t, f.VD)
}

func sysUmask(t *task, a *args) (uint64, error) {
	return uint64(t.FSContext().SwapUmask(uint32(a[0]))), nil
}
