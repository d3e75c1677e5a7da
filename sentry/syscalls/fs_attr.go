package syscalls

import (
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/vfs"
)

// Metadata changes: chmod, chown, utimes, truncate, fallocate, and sync.

func init() {
	register(abi.SysChmod, func(t *task, a *args) (uint64, error) { return chmodAt(t, atFDCWD, a[0], uint32(a[1]), 0) })
	register(abi.SysFchmod, sysFchmod)
	register(abi.SysFchmodat, func(t *task, a *args) (uint64, error) {
		return chmodAt(t, int32(a[0]), a[1], uint32(a[2]), 0)
	})
	register(abi.SysFchmodat2, func(t *task, a *args) (uint64, error) {
		return chmodAt(t, int32(a[0]), a[1], uint32(a[2]), int(a[3]))
	})
	register(abi.SysChown, func(t *task, a *args) (uint64, error) {
		return chownAt(t, atFDCWD, a[0], uint32(a[1]), uint32(a[2]), 0)
	})
	register(abi.SysLchown, func(t *task, a *args) (uint64, error) {
		return chownAt(t, atFDCWD, a[0], uint32(a[1]), uint32(a[2]), unix.AT_SYMLINK_NOFOLLOW)
	})
	register(abi.SysFchown, sysFchown)
	register(abi.SysFchownat, func(t *task, a *args) (uint64, error) {
		return chownAt(t, int32(a[0]), a[1], uint32(a[2]), uint32(a[3]), int(a[4]))
	})
	register(abi.SysUtimensat, sysUtimensat)
	register(abi.SysFutimesat, func(t *task, a *args) (uint64, error) { return futimesat(t, int32(a[0]), a[1], a[2]) })
	register(abi.SysUtimes, func(t *task, a *args) (uint64, error) { return futimesat(t, atFDCWD, a[0], a[1]) })
	register(abi.SysUtime, sysUtime)
	register(abi.SysTruncate, sysTruncate)
	register(abi.SysFtruncate, sysFtruncate)
	register(abi.SysFallocate, sysFallocate)
	register(abi.SysFsync, sysFsync)
	register(abi.SysFdatasync, sysFsync)
	register(abi.SysSync, func(*task, *args) (uint64, error) { return 0, nil })
	register(abi.SysSyncfs, func(t *task, a *args) (uint64, error) {
		f, err := getFile(t, int32(a[0]))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		if _, isPath := f.Impl.(*pathFile); isPath {
			return 0, unix.EBADF
		}
		return 0, nil
	})
	register(abi.SysSyncFileRange, sysSyncFileRange)
	register(abi.SysChroot, sysChroot)
}

// pathTarget resolves the file a *at call with flags names: the path
// relative to dirfd, or with AT_EMPTY_PATH and an empty path the file
// open at dirfd.
func pathTarget(t *task, dirfd int32, pathAddr uint64, flags int) (vfs.VirtualDentry, error) {
	path, err := copyInPath(t, pathAddr)
	if err != nil {
		return vfs.VirtualDentry{}, err
	}
	if path == "" && flags&unix.AT_EMPTY_PATH != 0 {
		return emptyPathFile(t, dirfd)
	}
	return resolveAt(t, dirfd, path, flags&unix.AT_SYMLINK_NOFOLLOW == 0)
}

// setattr applies a to vd's inode after the read-only check.
func setattr(vd vfs.VirtualDentry, a *vfs.SetAttr) error {
	if vd.Mount.Flags().Readonly {
		return unix.EROFS
	}
	sa, ok := vd.Inode().(vfs.Setattrer)
	if !ok {
		return unix.EPERM
	}
	if err := sa.Setattr(a); err != nil {
		return err
	}
	if a.Mask&vfs.SetSize != 0 {
		notifyVD(vd, unix.IN_MODIFY, 0)
	} else {
		notifyVD(vd, unix.IN_ATTRIB, 0)
	}
	return nil
}

// chmod implements chmod_common: the owner (or CAP_FOWNER) may change the
// mode; S_ISGID is dropped for a group the caller is not in.
func chmod(t *task, vd vfs.VirtualDentry, mode uint32) error {
	st, err := vd.Inode().Stat()
	if err != nil {
		return err
	}
	if vd.Mount.Flags().Readonly {
		return unix.EROFS
	}
	c := t.Creds().VFS()
	if !c.IsOwner(&st) {
		return unix.EPERM
	}
	mode &= 07777
	if mode&unix.S_ISGID != 0 && !c.InGroup(st.GID) && !c.HasCap(vfs.CapFsetid) {
		mode &^= unix.S_ISGID
	}
	return setattr(vd, &vfs.SetAttr{Mask: vfs.SetMode, Mode: mode})
}

func chmodAt(t *task, dirfd int32, pathAddr uint64, mode uint32, flags int) (uint64, error) {
	if flags&^(unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH) != 0 {
		return 0, unix.EINVAL
	}
	vd, err := pathTarget(t, dirfd, pathAddr, flags)
	if err != nil {
		return 0, err
	}
	if flags&unix.AT_SYMLINK_NOFOLLOW != 0 {
		if st, err := vd.Inode().Stat(); err == nil && st.IsSymlink() {
			return 0, unix.EOPNOTSUPP
		}
	}
	return 0, chmod(t, vd, mode)
}

func sysFchmod(t *task, a *args) (uint64, error) {
	f, err := getFile(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if _, isPath := f.Impl.(*pathFile); isPath {
		return 0, unix.EBADF
	}
	if !f.VD.Ok() {
		return 0, nil // pipes and sockets: their pseudo-inode is not kept
	}
	return 0, chmod(t, f.VD, uint32(a[1]))
}

// chown implements chown_common.
func chown(t *task, vd vfs.VirtualDentry, uid, gid uint32) error {
	st, err := vd.Inode().Stat()
	if err != nil {
		return err
	}
	if vd.Mount.Flags().Readonly {
		return unix.EROFS
	}
	c := t.Creds().VFS()
	a := &vfs.SetAttr{}
	const noChange = ^uint32(0)
	hasChown := c.HasCap(vfs.CapChown)
	if uid != noChange {
		if !(c.UID == st.UID && uid == st.UID) && !hasChown {
			return unix.EPERM
		}
		a.Mask |= vfs.SetUID
		a.UID = uid
	}
	if gid != noChange {
		if !(c.UID == st.UID && (gid == st.GID || c.InGroup(gid))) && !hasChown {
			return unix.EPERM
		}
		a.Mask |= vfs.SetGID
		a.GID = gid
	}
	// A change of owner drops set-user-ID, and set-group-ID from group
	// executables, of anything but a directory.
	if !st.IsDir() && !st.IsSymlink() {
		mode := st.Mode & 07777
		nm := mode &^ unix.S_ISUID
		if mode&(unix.S_ISGID|unix.S_IXGRP) == unix.S_ISGID|unix.S_IXGRP {
			nm &^= unix.S_ISGID
		}
		if nm != mode {
			a.Mask |= vfs.SetMode
			a.Mode = nm
		}
	}
	if a.Mask == 0 {
		// Only ctime changes.
		a.Mask = vfs.SetCtime
		a.Ctime = vfs.Now()
	}
	return setattr(vd, a)
}

func chownAt(t *task, dirfd int32, pathAddr uint64, uid, gid uint32, flags int) (uint64, error) {
	if flags&^(unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH) != 0 {
		return 0, unix.EINVAL
	}
	vd, err := pathTarget(t, dirfd, pathAddr, flags)
	if err != nil {
		return 0, err
	}
	return 0, chown(t, vd, uid, gid)
}

func sysFchown(t *task, a *args) (uint64, error) {
	f, err := getFile(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if _, isPath := f.Impl.(*pathFile); isPath {
		return 0, unix.EBADF
	}
	if !f.VD.Ok() {
		return 0, nil
	}
	return 0, chown(t, f.VD, uint32(a[1]), uint32(a[2]))
}

const (
	utimeNow  = (1 << 30) - 1
	utimeOmit = (1 << 30) - 2
)

// utimes sets vd's times: ts nil means both now; otherwise each may be
// UTIME_NOW or UTIME_OMIT.
func utimes(t *task, vd vfs.VirtualDentry, ts *[2]vfs.Timespec) error {
	st, err := vd.Inode().Stat()
	if err != nil {
		return err
	}
	a := &vfs.SetAttr{Mask: vfs.SetAtime | vfs.SetMtime}
	now := vfs.Now()
	a.Atime, a.Mtime = now, now
	explicit := false
	if ts != nil {
		if ts[0].Nsec == utimeOmit && ts[1].Nsec == utimeOmit {
			return nil
		}
		for i, tp := range []*vfs.Timespec{&a.Atime, &a.Mtime} {
			switch ts[i].Nsec {
			case utimeOmit:
				a.Mask &^= []uint32{vfs.SetAtime, vfs.SetMtime}[i]
			case utimeNow:
			default:
				*tp = ts[i]
				explicit = true
			}
		}
	}
	if vd.Mount.Flags().Readonly {
		return unix.EROFS
	}
	c := t.Creds().VFS()
	if !c.IsOwner(&st) {
		if explicit {
			return unix.EPERM
		}
		if c.CheckAccess(&st, vfs.MayWrite) != nil {
			return unix.EACCES
		}
	}
	return setattr(vd, a)
}

func sysUtimensat(t *task, a *args) (uint64, error) {
	dirfd, pathAddr, tsAddr, flags := int32(a[0]), a[1], a[2], int(a[3])
	var ts *[2]vfs.Timespec
	if tsAddr != 0 {
		b := make([]byte, 32)
		if err := copyIn(t, tsAddr, b); err != nil {
			return 0, err
		}
		ts = &[2]vfs.Timespec{{Sec: int64(le64(b[0:])), Nsec: int64(le64(b[8:]))}, {Sec: int64(le64(b[16:])), Nsec: int64(le64(b[24:]))}}
		for _, x := range ts {
			if x.Nsec != utimeNow && x.Nsec != utimeOmit && (x.Nsec < 0 || x.Nsec > 999999999) {
				return 0, unix.EINVAL
			}
		}
	}
	if flags&^(unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH) != 0 {
		return 0, unix.EINVAL
	}
	var vd vfs.VirtualDentry
	var err error
	if pathAddr == 0 {
		// Linux's extension: a NULL path means dirfd itself.
		if flags&unix.AT_SYMLINK_NOFOLLOW != 0 {
			return 0, unix.EINVAL
		}
		if dirfd == atFDCWD {
			return 0, unix.EFAULT
		}
		f, err := getFile(t, dirfd)
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		if !f.VD.Ok() {
			return 0, nil
		}
		vd = f.VD
	} else if vd, err = pathTarget(t, dirfd, pathAddr, flags); err != nil {
		return 0, err
	}
	return 0, utimes(t, vd, ts)
}

// futimesat also serves utimes: struct timeval[2].
func futimesat(t *task, dirfd int32, pathAddr, tvAddr uint64) (uint64, error) {
	var ts *[2]vfs.Timespec
	if tvAddr != 0 {
		b := make([]byte, 32)
		if err := copyIn(t, tvAddr, b); err != nil {
			return 0, err
		}
		ts = &[2]vfs.Timespec{}
		for i := range ts {
			sec, usec := int64(le64(b[16*i:])), int64(le64(b[16*i+8:]))
			if usec < 0 || usec >= 1000000 {
				return 0, unix.EINVAL
			}
			ts[i] = vfs.Timespec{Sec: sec, Nsec: usec * 1000}
		}
	}
	var vd vfs.VirtualDentry
	var err error
	if pathAddr == 0 && dirfd != atFDCWD {
		f, err := getFile(t, dirfd)
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		if !f.VD.Ok() {
			return 0, nil
		}
		vd = f.VD
	} else if vd, err = pathTarget(t, dirfd, pathAddr, 0); err != nil {
		return 0, err
	}
	return 0, utimes(t, vd, ts)
}

// sysUtime: struct utimbuf {actime, modtime}.
func sysUtime(t *task, a *args) (uint64, error) {
	var ts *[2]vfs.Timespec
	if a[1] != 0 {
		b := make([]byte, 16)
		if err := copyIn(t, a[1], b); err != nil {
			return 0, err
		}
		ts = &[2]vfs.Timespec{{Sec: int64(le64(b[0:]))}, {Sec: int64(le64(b[8:]))}}
	}
	vd, err := pathTarget(t, atFDCWD, a[0], 0)
	if err != nil {
		return 0, err
	}
	return 0, utimes(t, vd, ts)
}

func sysTruncate(t *task, a *args) (uint64, error) {
	length := int64(a[1])
	if length < 0 {
		return 0, unix.EINVAL
	}
	vd, err := pathTarget(t, atFDCWD, a[0], 0)
	if err != nil {
		return 0, err
	}
	st, err := vd.Inode().Stat()
	if err != nil {
		return 0, err
	}
	if st.IsDir() {
		return 0, unix.EISDIR
	}
	if !st.IsRegular() {
		return 0, unix.EINVAL
	}
	if vd.Mount.Flags().Readonly {
		return 0, unix.EROFS
	}
	if err := t.Creds().VFS().CheckAccess(&st, vfs.MayWrite); err != nil {
		return 0, err
	}
	if length > maxFileSize(t) {
		return 0, unix.EFBIG
	}
	if err := setattr(vd, &vfs.SetAttr{Mask: vfs.SetSize, Size: length}); err != nil {
		return 0, err
	}
	if !t.Creds().VFS().HasCap(vfs.CapFsetid) {
		killSuid(t.Creds().VFS(), vd.Inode())
	}
	return 0, nil
}

// maxFileSize is the RLIMIT_FSIZE soft limit.
func maxFileSize(t *task) int64 {
	l := t.ThreadGroup().Limit(1).Cur // RLIMIT_FSIZE
	if l > 1<<63-1 {
		return 1<<63 - 1
	}
	return int64(l)
}

func sysFtruncate(t *task, a *args) (uint64, error) {
	length := int64(a[1])
	f, err := getFile(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if _, isPath := f.Impl.(*pathFile); isPath {
		return 0, unix.EBADF
	}
	if length < 0 {
		return 0, unix.EINVAL
	}
	st, err := f.Impl.Stat()
	if err != nil {
		return 0, err
	}
	if !st.IsRegular() || !f.Writable() || !f.VD.Ok() {
		return 0, unix.EINVAL
	}
	if length > maxFileSize(t) {
		return 0, unix.EFBIG
	}
	if err := truncateInode(f.VD.Inode(), length); err != nil {
		return 0, err
	}
	if !t.Creds().VFS().HasCap(vfs.CapFsetid) {
		killSuid(t.Creds().VFS(), f.VD.Inode())
	}
	notifyVD(f.VD, unix.IN_MODIFY, 0)
	return 0, nil
}

func sysFallocate(t *task, a *args) (uint64, error) {
	mode, off, length := uint32(a[1]), int64(a[2]), int64(a[3])
	f, err := getFile(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if off < 0 || length <= 0 {
		return 0, unix.EINVAL
	}
	// vfs_fallocate's checks of the mode.
	const punch, keep = unix.FALLOC_FL_PUNCH_HOLE, unix.FALLOC_FL_KEEP_SIZE
	if mode&punch != 0 && mode&keep == 0 {
		return 0, unix.EOPNOTSUPP
	}
	if !f.Writable() {
		return 0, unix.EBADF
	}
	st, err := f.Impl.Stat()
	if err != nil {
		return 0, err
	}
	switch {
	case st.IsDir():
		return 0, unix.EISDIR
	case st.Mode&unix.S_IFMT == unix.S_IFIFO:
		return 0, unix.ESPIPE
	case !st.IsRegular():
		return 0, unix.ENODEV
	}
	if off+length < off {
		return 0, unix.EFBIG
	}
	if mode&unix.FALLOC_FL_KEEP_SIZE == 0 && off+length > maxFileSize(t) {
		return 0, unix.EFBIG
	}
	al, ok := f.Impl.(vfs.Allocator)
	if !ok {
		return 0, unix.EOPNOTSUPP
	}
	if err := al.Allocate(mode, off, length); err != nil {
		return 0, err
	}
	if f.VD.Ok() {
		notifyVD(f.VD, unix.IN_MODIFY, 0)
	}
	return 0, nil
}

func sysFsync(t *task, a *args) (uint64, error) {
	f, err := getFile(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if _, isPath := f.Impl.(*pathFile); isPath {
		return 0, unix.EBADF
	}
	if s, ok := f.Impl.(vfs.Syncer); ok {
		return 0, s.Sync()
	}
	return 0, unix.EINVAL
}

func sysSyncFileRange(t *task, a *args) (uint64, error) {
	off, n, flags := int64(a[1]), int64(a[2]), a[3]
	f, err := getFile(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if _, isPath := f.Impl.(*pathFile); isPath {
		return 0, unix.EBADF
	}
	if flags&^7 != 0 || off < 0 || n < 0 || off+n < off {
		return 0, unix.EINVAL
	}
	st, err := f.Impl.Stat()
	if err != nil {
		return 0, err
	}
	if !st.IsRegular() && !st.IsDir() && st.Mode&unix.S_IFMT != unix.S_IFBLK && st.Mode&unix.S_IFMT != unix.S_IFLNK {
		return 0, unix.ESPIPE
	}
	return 0, nil
}

func sysChroot(t *task, a *args) (uint64, error) {
	vd, st, err := resolveDirArg(t, a[0])
	if err != nil {
		return 0, err
	}
	c := t.Creds().VFS()
	if err := c.CheckAccess(&st, vfs.MayExec); err != nil {
		return 0, err
	}
	if !c.HasCap(vfs.CapSysChroot) {
		return 0, unix.EPERM
	}
	t.FSContext().SetRoot(vd)
	return 0, nil
}
