package syscalls

import (
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/vfs"
)

// Namespace changes: mkdir, mknod, symlink, link, unlink, rmdir, rename.

func init() {
	register(abi.SysMkdir, func(t *task, a *args) (uint64, error) { return mkdirAt(t, atFDCWD, a[0], uint32(a[1])) })
	register(abi.SysMkdirat, func(t *task, a *args) (uint64, error) { return mkdirAt(t, int32(a[0]), a[1], uint32(a[2])) })
	register(abi.SysMknod, func(t *task, a *args) (uint64, error) {
		return mknodAt(t, atFDCWD, a[0], uint32(a[1]), uint32(a[2]))
	})
	register(abi.SysMknodat, func(t *task, a *args) (uint64, error) {
		return mknodAt(t, int32(a[0]), a[1], uint32(a[2]), uint32(a[3]))
	})
	register(abi.SysSymlink, func(t *task, a *args) (uint64, error) { return symlinkAt(t, a[0], atFDCWD, a[1]) })
	register(abi.SysSymlinkat, func(t *task, a *args) (uint64, error) { return symlinkAt(t, a[0], int32(a[1]), a[2]) })
	register(abi.SysLink, func(t *task, a *args) (uint64, error) { return linkAt(t, atFDCWD, a[0], atFDCWD, a[1], 0) })
	register(abi.SysLinkat, func(t *task, a *args) (uint64, error) {
		return linkAt(t, int32(a[0]), a[1], int32(a[2]), a[3], int(a[4]))
	})
	register(abi.SysUnlink, func(t *task, a *args) (uint64, error) { return unlinkAt(t, atFDCWD, a[0], false) })
	register(abi.SysRmdir, func(t *task, a *args) (uint64, error) { return unlinkAt(t, atFDCWD, a[0], true) })
	register(abi.SysUnlinkat, sysUnlinkat)
	register(abi.SysRename, func(t *task, a *args) (uint64, error) { return renameAt(t, atFDCWD, a[0], atFDCWD, a[1], 0) })
	register(abi.SysRenameat, func(t *task, a *args) (uint64, error) {
		return renameAt(t, int32(a[0]), a[1], int32(a[2]), a[3], 0)
	})
	register(abi.SysRenameat2, func(t *task, a *args) (uint64, error) {
		return renameAt(t, int32(a[0]), a[1], int32(a[2]), a[3], uint32(a[4]))
	})
}

// parentAt resolves all but the last component of the path at pathAddr,
// relative to dirfd.
func parentAt(t *task, dirfd int32, pathAddr uint64) (vfs.Parent, error) {
	path, err := copyInPath(t, pathAddr)
	if err != nil {
		return vfs.Parent{}, err
	}
	return parentOfPath(t, dirfd, path)
}

func parentOfPath(t *task, dirfd int32, path string) (vfs.Parent, error) {
	p, err := parentOfPathAny(t, dirfd, path)
	if err == nil && p.TooLong {
		return vfs.Parent{}, unix.ENAMETOOLONG
	}
	return p, err
}

// parentOfPathAny leaves a too-long last name for the caller (TooLong).
func parentOfPathAny(t *task, dirfd int32, path string) (vfs.Parent, error) {
	r := t.Resolver(true)
	if path == "" {
		return vfs.Parent{}, unix.ENOENT
	}
	if path[0] != '/' {
		start, err := startDir(t, dirfd)
		if err != nil {
			return vfs.Parent{}, err
		}
		r.Start = start
	}
	return t.Kernel().VFS.ResolveParentLastAny(r, path)
}

// createCheck applies filename_create's rules to p: only a normal last
// component can be created (EEXIST for "/", "." and ".."), and only a
// directory may be named with a trailing slash.
func createCheck(t *task, p vfs.Parent, isDir bool) error {
	if p.Kind != vfs.LastNorm {
		return unix.EEXIST
	}
	if p.Slash && !isDir {
		if _, err := t.Kernel().VFS.Child(p.Dir, p.Name); err == nil {
			return unix.EEXIST
		}
		return unix.ENOENT
	}
	return nil
}

func mkdirAt(t *task, dirfd int32, pathAddr uint64, mode uint32) (uint64, error) {
	p, err := parentAt(t, dirfd, pathAddr)
	if err != nil {
		return 0, err
	}
	if err := createCheck(t, p, true); err != nil {
		return 0, err
	}
	n := vfs.NewNode{Mode: unix.S_IFDIR | mode&(0o777|unix.S_ISVTX)&^t.FSContext().Umask()}
	_, err = t.Kernel().VFS.Mknod(p.Dir, p.Name, vfs.CreateOpts{Creds: t.Creds().VFS(), Node: n})
	if err == nil {
		notifyDir(p.Dir, unix.IN_CREATE, 0, p.Name, true)
	}
	return 0, err
}

func mknodAt(t *task, dirfd int32, pathAddr uint64, mode, dev uint32) (uint64, error) {
	typ := mode & unix.S_IFMT
	switch typ {
	case 0:
		typ = unix.S_IFREG
	case unix.S_IFREG, unix.S_IFIFO, unix.S_IFSOCK:
	case unix.S_IFCHR, unix.S_IFBLK:
		if !t.Creds().VFS().HasCap(vfs.CapMknod) {
			// The path is still resolved first.
			p, err := parentAt(t, dirfd, pathAddr)
			if err != nil {
				return 0, err
			}
			if err := createCheck(t, p, false); err != nil {
				return 0, err
			}
			if _, err := t.Kernel().VFS.Child(p.Dir, p.Name); err == nil {
				return 0, unix.EEXIST
			}
			return 0, unix.EPERM
		}
	case unix.S_IFDIR:
		return 0, unix.EPERM
	default:
		return 0, unix.EINVAL
	}
	p, err := parentAt(t, dirfd, pathAddr)
	if err != nil {
		return 0, err
	}
	if err := createCheck(t, p, false); err != nil {
		return 0, err
	}
	n := vfs.NewNode{Mode: typ | mode&07777&^t.FSContext().Umask(), Rdev: unix.Mkdev(dev>>8&0xfff, dev&0xff|dev>>12&0xfff00)}
	if typ == unix.S_IFREG {
		_, impl, err := t.Kernel().VFS.Create(p.Dir, p.Name, vfs.CreateOpts{Creds: t.Creds().VFS(), Node: n, Flags: unix.O_RDONLY})
		if err == nil {
			impl.Release()
			notifyDir(p.Dir, unix.IN_CREATE, 0, p.Name, false)
		}
		return 0, err
	}
	_, err = t.Kernel().VFS.Mknod(p.Dir, p.Name, vfs.CreateOpts{Creds: t.Creds().VFS(), Node: n})
	if err == nil {
		notifyDir(p.Dir, unix.IN_CREATE, 0, p.Name, false)
	}
	return 0, err
}

func symlinkAt(t *task, targetAddr uint64, dirfd int32, pathAddr uint64) (uint64, error) {
	target, err := copyInPath(t, targetAddr)
	if err != nil {
		return 0, err
	}
	p, err := parentAt(t, dirfd, pathAddr)
	if err != nil {
		return 0, err
	}
	if err := createCheck(t, p, false); err != nil {
		return 0, err
	}
	if target == "" {
		return 0, unix.ENOENT
	}
	n := vfs.NewNode{Mode: unix.S_IFLNK | 0o777, Target: target}
	_, err = t.Kernel().VFS.Mknod(p.Dir, p.Name, vfs.CreateOpts{Creds: t.Creds().VFS(), Node: n})
	if err == nil {
		notifyDir(p.Dir, unix.IN_CREATE, 0, p.Name, false)
	}
	return 0, err
}

// emptyPathFile returns what an empty path with AT_EMPTY_PATH names: the
// file open at dirfd, or the cwd.
func emptyPathFile(t *task, dirfd int32) (vfs.VirtualDentry, error) {
	if dirfd == atFDCWD {
		return t.FSContext().Cwd(), nil
	}
	f, err := getFile(t, dirfd)
	if err != nil {
		return vfs.VirtualDentry{}, err
	}
	defer f.DecRef()
	if !f.VD.Ok() {
		return vfs.VirtualDentry{}, unix.ENOENT
	}
	return f.VD, nil
}

func linkAt(t *task, olddirfd int32, oldAddr uint64, newdirfd int32, newAddr uint64, flags int) (uint64, error) {
	if flags&^(unix.AT_SYMLINK_FOLLOW|unix.AT_EMPTY_PATH) != 0 {
		return 0, unix.EINVAL
	}
	oldPath, err := copyInPath(t, oldAddr)
	if err != nil {
		return 0, err
	}
	var target vfs.VirtualDentry
	if oldPath == "" && flags&unix.AT_EMPTY_PATH != 0 {
		if target, err = emptyPathFile(t, olddirfd); err != nil {
			return 0, err
		}
	} else if target, err = resolveAt(t, olddirfd, oldPath, flags&unix.AT_SYMLINK_FOLLOW != 0); err != nil {
		return 0, err
	}
	p, err := parentAt(t, newdirfd, newAddr)
	if err != nil {
		return 0, err
	}
	if err := createCheck(t, p, false); err != nil {
		return 0, err
	}
	c := t.Creds().VFS()
	// Protected hard links (fs.protected_hardlinks = 1): a file one does
	// not own must be a regular file one may read and write.
	st, err := target.Inode().Stat()
	if err != nil {
		return 0, err
	}
	if !c.IsOwner(&st) {
		if !st.IsRegular() || st.Mode&unix.S_ISUID != 0 || st.Mode&(unix.S_ISGID|unix.S_IXGRP) == unix.S_ISGID|unix.S_IXGRP ||
			c.CheckAccess(&st, vfs.MayRead|vfs.MayWrite) != nil {
			return 0, unix.EPERM
		}
	}
	if err := t.Kernel().VFS.Link(c, p.Dir, p.Name, target); err != nil {
		return 0, err
	}
	notifyInode(target.Inode(), unix.IN_ATTRIB, 0, "", false)
	notifyDir(p.Dir, unix.IN_CREATE, 0, p.Name, false)
	return 0, nil
}

func sysUnlinkat(t *task, a *args) (uint64, error) {
	flags := int(a[2])
	if flags&^unix.AT_REMOVEDIR != 0 {
		return 0, unix.EINVAL
	}
	return unlinkAt(t, int32(a[0]), a[1], flags&unix.AT_REMOVEDIR != 0)
}

func unlinkAt(t *task, dirfd int32, pathAddr uint64, rmdir bool) (uint64, error) {
	p, err := parentAt(t, dirfd, pathAddr)
	if err != nil {
		return 0, err
	}
	switch p.Kind {
	case vfs.LastDot:
		if rmdir {
			return 0, unix.EINVAL
		}
		return 0, unix.EISDIR
	case vfs.LastDotDot:
		if rmdir {
			return 0, unix.ENOTEMPTY
		}
		return 0, unix.EISDIR
	case vfs.LastRoot:
		if rmdir {
			return 0, unix.EBUSY
		}
		return 0, unix.EISDIR
	}
	v := t.Kernel().VFS
	if p.Dir.Mount.Flags().Readonly {
		return 0, unix.EROFS
	}
	if !rmdir && p.Slash {
		// unlink("x/"): ENOENT if missing, EISDIR for a directory,
		// else ENOTDIR.
		c, err := v.Child(p.Dir, p.Name)
		if err != nil {
			return 0, err
		}
		st, err := c.Inode().Stat()
		if err != nil {
			return 0, err
		}
		if st.IsDir() {
			return 0, unix.EISDIR
		}
		return 0, unix.ENOTDIR
	}
	var child vfs.Inode
	if watching.Load() > 0 {
		if c, err := v.Child(p.Dir, p.Name); err == nil {
			child = c.Inode()
		}
	}
	if err := v.Unlink(t.Creds().VFS(), p.Dir, p.Name, rmdir); err != nil {
		return 0, err
	}
	if child != nil {
		notifyRemoved(p.Dir, p.Name, child, rmdir)
	}
	return 0, nil
}

func renameAt(t *task, olddirfd int32, oldAddr uint64, newdirfd int32, newAddr uint64, flags uint32) (uint64, error) {
	if flags&^(vfs.RenameNoreplace|vfs.RenameExchange|vfs.RenameWhiteout) != 0 ||
		flags&vfs.RenameExchange != 0 && flags&(vfs.RenameNoreplace|vfs.RenameWhiteout) != 0 {
		return 0, unix.EINVAL
	}
	oldPath, err := copyInPath(t, oldAddr)
	if err != nil {
		return 0, err
	}
	newPath, err := copyInPath(t, newAddr)
	if err != nil {
		return 0, err
	}
	op, err := parentOfPathAny(t, olddirfd, oldPath)
	if err != nil {
		return 0, err
	}
	np, err := parentOfPathAny(t, newdirfd, newPath)
	if err != nil {
		return 0, err
	}
	if op.Dir.Mount != np.Dir.Mount {
		return 0, unix.EXDEV
	}
	if op.Kind != vfs.LastNorm {
		return 0, unix.EBUSY
	}
	if np.Kind != vfs.LastNorm {
		if flags&vfs.RenameNoreplace != 0 {
			return 0, unix.EEXIST
		}
		return 0, unix.EBUSY
	}
	if op.Dir.Mount.Flags().Readonly {
		return 0, unix.EROFS
	}
	if flags&vfs.RenameWhiteout != 0 {
		return 0, unix.EPERM
	}
	v := t.Kernel().VFS
	if op.TooLong {
		return 0, unix.ENAMETOOLONG
	}
	old, err := v.Child(op.Dir, op.Name)
	if err != nil {
		return 0, err
	}
	if np.TooLong {
		return 0, unix.ENAMETOOLONG
	}
	// Trailing slashes are allowed only on directories.
	if op.Slash || np.Slash {
		st, err := old.Inode().Stat()
		if err != nil {
			return 0, err
		}
		if !st.IsDir() {
			return 0, unix.ENOTDIR
		}
		if flags&vfs.RenameExchange != 0 && np.Slash {
			if nc, err := v.Child(np.Dir, np.Name); err == nil {
				if nst, err := nc.Inode().Stat(); err == nil && !nst.IsDir() {
					return 0, unix.ENOTDIR
				}
			}
		}
	}
	var replaced vfs.Inode
	if watching.Load() > 0 {
		if c, err := v.Child(np.Dir, np.Name); err == nil {
			replaced = c.Inode()
		}
	}
	if err := v.Rename(t.Creds().VFS(), op.Dir, op.Name, np.Dir, np.Name, flags); err != nil {
		return 0, err
	}
	if watching.Load() > 0 {
		st, _ := old.Inode().Stat()
		cookie := moveCookie.Add(1)
		notifyDir(op.Dir, unix.IN_MOVED_FROM, cookie, op.Name, st.IsDir())
		notifyDir(np.Dir, unix.IN_MOVED_TO, cookie, np.Name, st.IsDir())
		notifyInode(old.Inode(), unix.IN_MOVE_SELF, 0, "", false)
		if replaced != nil && replaced != old.Inode() {
			if flags&vfs.RenameExchange != 0 {
				rst, _ := replaced.Stat()
				c2 := moveCookie.Add(1)
				notifyDir(np.Dir, unix.IN_MOVED_FROM, c2, np.Name, rst.IsDir())
				notifyDir(op.Dir, unix.IN_MOVED_TO, c2, op.Name, rst.IsDir())
				notifyInode(replaced, unix.IN_MOVE_SELF, 0, "", false)
			} else if rst, err := replaced.Stat(); err == nil && (rst.IsDir() || rst.Nlink == 0) {
				notifyInode(replaced, unix.IN_DELETE_SELF, 0, "", true)
			}
		}
	}
	return 0, nil
}
