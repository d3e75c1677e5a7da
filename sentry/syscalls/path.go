package syscalls

import (
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/vfs"
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
	for _, nr := range []int{abi.SysGetxattr, abi.SysLgetxattr, abi.SysListxattr, abi.SysLlistxattr} {
		register(nr, sysPathXattr(nr))
	}
	register(abi.SysFgetxattr, sysFXattr)
	register(abi.SysFlistxattr, sysFXattr)
	register(abi.SysMkdir, func(t *task, a *args) (uint64, error) { return modify(t, atFDCWD, a[0], true) })
	register(abi.SysMkdirat, func(t *task, a *args) (uint64, error) { return modify(t, int32(a[0]), a[1], true) })
	register(abi.SysUnlink, func(t *task, a *args) (uint64, error) { return modify(t, atFDCWD, a[0], false) })
	register(abi.SysUnlinkat, func(t *task, a *args) (uint64, error) { return modify(t, int32(a[0]), a[1], false) })
	register(abi.SysRmdir, func(t *task, a *args) (uint64, error) { return modify(t, atFDCWD, a[0], false) })
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
	flags &= openFlagsValid
	if flags&unix.O_PATH != 0 {
		flags &= unix.O_PATH | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
	}
	if flags&unix.O_TMPFILE == unix.O_TMPFILE {
		if flags&unix.O_ACCMODE == unix.O_RDONLY {
			return 0, unix.EINVAL
		}
		return 0, unix.EOPNOTSUPP
	}
	follow := flags&unix.O_NOFOLLOW == 0
	if flags&unix.O_CREAT != 0 && flags&unix.O_EXCL != 0 {
		follow = false
	}
	vd, err := resolveAt(t, dirfd, path, follow)
	if err == unix.ENOENT && flags&unix.O_CREAT != 0 {
		// The name may be created only in a writable directory; none
		// of the mounts yet are.
		r := t.Resolver(true)
		if path[0] != '/' {
			if r.Start, err = startDir(t, dirfd); err != nil {
				return 0, err
			}
		}
		dir, name, perr := t.Kernel().VFS.ResolveParent(r, path)
		if perr != nil {
			return 0, perr
		}
		if name == "" {
			return 0, unix.EISDIR
		}
		if dir.Mount.Readonly {
			return 0, unix.EROFS
		}
		return 0, unix.EACCES
	}
	if err != nil {
		return 0, err
	}
	if flags&unix.O_CREAT != 0 && flags&unix.O_EXCL != 0 {
		return 0, unix.EEXIST
	}
	st, err := vd.Inode().Stat()
	if err != nil {
		return 0, err
	}
	if flags&unix.O_CREAT != 0 && st.IsDir() {
		if flags&unix.O_DIRECTORY != 0 {
			return 0, unix.EINVAL
		}
		return 0, unix.EISDIR
	}
	// 64-bit kernels open every file as O_LARGEFILE.
	if flags&unix.O_PATH == 0 {
		flags |= oLargefile
	}
	if flags&unix.O_PATH != 0 {
		if flags&unix.O_DIRECTORY != 0 && !st.IsDir() {
			return 0, unix.ENOTDIR
		}
		f := vfs.NewFile(&pathFile{in: vd.Inode()}, vd, flags)
		return newFD(t, f, flags&unix.O_CLOEXEC != 0)
	}
	if st.IsSymlink() {
		return 0, unix.ELOOP
	}
	if flags&unix.O_DIRECTORY != 0 && !st.IsDir() {
		return 0, unix.ENOTDIR
	}
	acc := flags & unix.O_ACCMODE
	if acc == 3 {
		return 0, unix.EINVAL
	}
	var may uint32
	if acc == unix.O_RDONLY || acc == unix.O_RDWR {
		may |= vfs.MayRead
	}
	if acc == unix.O_WRONLY || acc == unix.O_RDWR || flags&unix.O_TRUNC != 0 {
		may |= vfs.MayWrite
	}
	if may&vfs.MayWrite != 0 {
		if st.IsDir() {
			return 0, unix.EISDIR
		}
		if vd.Mount.Readonly && (st.IsRegular() || st.IsDir()) {
			return 0, unix.EROFS
		}
	}
	if err := t.Creds().VFS().CheckAccess(&st, may); err != nil {
		return 0, err
	}
	impl, err := vd.Inode().Open(flags)
	if err != nil {
		return 0, err
	}
	f := vfs.NewFile(impl, vd, flags)
	return newFD(t, f, flags&unix.O_CLOEXEC != 0)
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
		}
	}
	if mode&2 != 0 && vd != nil && vd.Mount.Readonly && (st.IsRegular() || st.IsDir() || st.IsSymlink()) {
		return 0, unix.EROFS
	}
	return 0, vc.CheckAccess(&st, mode)
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
	p := t.Kernel().VFS.PathOf(fs.Root(), fs.Cwd())
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

// No filesystem mounted yet supports extended attributes.
func sysPathXattr(nr int) func(t *task, a *args) (uint64, error) {
	follow := nr == abi.SysGetxattr || nr == abi.SysListxattr
	return func(t *task, a *args) (uint64, error) {
		path, err := copyInPath(t, a[0])
		if err != nil {
			return 0, err
		}
		if _, err := resolveAt(t, atFDCWD, path, follow); err != nil {
			return 0, err
		}
		return 0, unix.EOPNOTSUPP
	}
}

func sysFXattr(t *task, a *args) (uint64, error) {
	f, err := getFile(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	f.DecRef()
	return 0, unix.EOPNOTSUPP
}

// modify serves mkdir, unlink and rmdir while every mount is read-only:
// Linux reports the lookup's error first, then EROFS.
func modify(t *task, dirfd int32, pathAddr uint64, create bool) (uint64, error) {
	path, err := copyInPath(t, pathAddr)
	if err != nil {
		return 0, err
	}
	r := t.Resolver(false)
	if path != "" && path[0] != '/' {
		if r.Start, err = startDir(t, dirfd); err != nil {
			return 0, err
		}
	}
	dir, name, err := t.Kernel().VFS.ResolveParent(r, path)
	if err != nil {
		return 0, err
	}
	if name == "" {
		if create {
			return 0, unix.EEXIST
		}
		return 0, unix.EBUSY
	}
	_, err = t.Kernel().VFS.Child(dir, name)
	switch {
	case create && err == nil:
		return 0, unix.EEXIST
	case !create && err != nil:
		return 0, err
	}
	if dir.Mount.Readonly {
		return 0, unix.EROFS
	}
	return 0, unix.EPERM
}
