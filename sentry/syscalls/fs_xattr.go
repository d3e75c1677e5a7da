package syscalls

import (
	"strings"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/vfs"
)

// Extended attributes (xattr(7)). tmpfs keeps user.*, trusted.* and
// security.* attributes; other filesystems have none (ENOTSUP, or ENODATA
// to a get where Linux's filesystem would answer so).

const (
	xattrNameMax = 255
	xattrSizeMax = 65536
	xattrListMax = 65536
)

func init() {
	register(abi.SysGetxattr, func(t *task, a *args) (uint64, error) { return pathXattr(t, a, true, getxattr) })
	register(abi.SysLgetxattr, func(t *task, a *args) (uint64, error) { return pathXattr(t, a, false, getxattr) })
	register(abi.SysFgetxattr, func(t *task, a *args) (uint64, error) { return fdXattr(t, a, getxattr) })
	register(abi.SysSetxattr, func(t *task, a *args) (uint64, error) { return pathXattr(t, a, true, setxattr) })
	register(abi.SysLsetxattr, func(t *task, a *args) (uint64, error) { return pathXattr(t, a, false, setxattr) })
	register(abi.SysFsetxattr, func(t *task, a *args) (uint64, error) { return fdXattr(t, a, setxattr) })
	register(abi.SysListxattr, func(t *task, a *args) (uint64, error) { return pathXattr(t, a, true, listxattr) })
	register(abi.SysLlistxattr, func(t *task, a *args) (uint64, error) { return pathXattr(t, a, false, listxattr) })
	register(abi.SysFlistxattr, func(t *task, a *args) (uint64, error) { return fdXattr(t, a, listxattr) })
	register(abi.SysRemovexattr, func(t *task, a *args) (uint64, error) { return pathXattr(t, a, true, removexattr) })
	register(abi.SysLremovexattr, func(t *task, a *args) (uint64, error) { return pathXattr(t, a, false, removexattr) })
	register(abi.SysFremovexattr, func(t *task, a *args) (uint64, error) { return fdXattr(t, a, removexattr) })
}

// xattrOp serves one call on vd; a holds the arguments after the path or
// fd.
type xattrOp func(t *task, vd vfs.VirtualDentry, a []uint64) (uint64, error)

func pathXattr(t *task, a *args, follow bool, op xattrOp) (uint64, error) {
	path, err := copyInPath(t, a[0])
	if err != nil {
		return 0, err
	}
	vd, err := resolveAt(t, atFDCWD, path, follow)
	if err != nil {
		return 0, err
	}
	return op(t, vd, a[1:])
}

func fdXattr(t *task, a *args, op xattrOp) (uint64, error) {
	f, err := getFile(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if _, isPath := f.Impl.(*pathFile); isPath {
		return 0, unix.EBADF
	}
	if !f.VD.Ok() {
		return 0, unix.EOPNOTSUPP
	}
	return op(t, f.VD, a[1:])
}

// xattrName reads and checks an attribute name.
func xattrName(t *task, addr uint64) (string, error) {
	name, err := t.CopyInString(addr, xattrNameMax+1)
	if err != nil {
		if err == unix.ENAMETOOLONG {
			return "", unix.ERANGE
		}
		return "", unix.EFAULT
	}
	if name == "" || len(name) > xattrNameMax {
		return "", unix.ERANGE
	}
	return name, nil
}

// xattrNamespace checks that name's namespace is one Linux knows, and the
// caller's right to use it on st: user.* only on regular files and
// directories, trusted.* only with CAP_SYS_ADMIN.
func xattrNamespace(t *task, name string, st *vfs.Stat, write bool) error {
	switch {
	case name == "user." || name == "trusted." || name == "security.":
		// A namespace with no name in it.
		return unix.EINVAL
	case strings.HasPrefix(name, "user."):
		if !st.IsRegular() && !st.IsDir() {
			if write {
				return unix.EPERM
			}
			return unix.ENODATA
		}
	case strings.HasPrefix(name, "trusted."):
		if !t.Creds().VFS().HasCap(vfs.CapSysAdmin) {
			if write {
				return unix.EPERM
			}
			return unix.ENODATA
		}
	case strings.HasPrefix(name, "security."):
	case strings.HasPrefix(name, "system."):
		return unix.EOPNOTSUPP
	default:
		return unix.EOPNOTSUPP
	}
	return nil
}

// xattrAccess checks permission to read or write user.* attributes,
// which follow the file's mode.
func xattrAccess(t *task, name string, st *vfs.Stat, may uint32) error {
	if !strings.HasPrefix(name, "user.") {
		return nil
	}
	return t.Creds().VFS().CheckAccess(st, may)
}

func getxattr(t *task, vd vfs.VirtualDentry, a []uint64) (uint64, error) {
	name, err := xattrName(t, a[0])
	if err != nil {
		return 0, err
	}
	valAddr, size := a[1], a[2]
	st, err := vd.Inode().Stat()
	if err != nil {
		return 0, err
	}
	if err := xattrNamespace(t, name, &st, false); err != nil {
		return 0, err
	}
	if err := xattrAccess(t, name, &st, vfs.MayRead); err != nil {
		return 0, err
	}
	x, ok := vd.Inode().(vfs.Xattrs)
	if !ok {
		return 0, unix.EOPNOTSUPP
	}
	v, err := x.Getxattr(name)
	if err != nil {
		return 0, err
	}
	if size == 0 {
		return uint64(len(v)), nil
	}
	if uint64(len(v)) > size {
		return 0, unix.ERANGE
	}
	return uint64(len(v)), copyOut(t, valAddr, v)
}

func setxattr(t *task, vd vfs.VirtualDentry, a []uint64) (uint64, error) {
	valAddr, size, flags := a[1], a[2], int(a[3])
	if flags&^(unix.XATTR_CREATE|unix.XATTR_REPLACE) != 0 {
		return 0, unix.EINVAL
	}
	name, err := xattrName(t, a[0])
	if err != nil {
		return 0, err
	}
	if size > xattrSizeMax {
		return 0, unix.E2BIG
	}
	val := make([]byte, size)
	if err := copyIn(t, valAddr, val); err != nil {
		return 0, err
	}
	st, err := vd.Inode().Stat()
	if err != nil {
		return 0, err
	}
	if vd.Mount.Flags().Readonly {
		return 0, unix.EROFS
	}
	if err := xattrNamespace(t, name, &st, true); err != nil {
		return 0, err
	}
	if err := xattrAccess(t, name, &st, vfs.MayWrite); err != nil {
		return 0, err
	}
	if strings.HasPrefix(name, "user.") && st.Mode&unix.S_ISVTX != 0 && st.IsDir() && !t.Creds().VFS().IsOwner(&st) {
		return 0, unix.EPERM
	}
	x, ok := vd.Inode().(vfs.Xattrs)
	if !ok {
		return 0, unix.EOPNOTSUPP
	}
	if err := x.Setxattr(name, val, flags); err != nil {
		return 0, err
	}
	notifyVD(vd, unix.IN_ATTRIB, 0)
	return 0, nil
}

func listxattr(t *task, vd vfs.VirtualDentry, a []uint64) (uint64, error) {
	listAddr, size := a[0], a[1]
	x, ok := vd.Inode().(vfs.Xattrs)
	if !ok {
		return 0, nil
	}
	names, err := x.Listxattr()
	if err != nil {
		return 0, err
	}
	st, err := vd.Inode().Stat()
	if err != nil {
		return 0, err
	}
	var buf []byte
	for _, n := range names {
		if strings.HasPrefix(n, "trusted.") && !t.Creds().VFS().HasCap(vfs.CapSysAdmin) {
			continue
		}
		if strings.HasPrefix(n, "user.") && !st.IsRegular() && !st.IsDir() {
			continue
		}
		buf = append(buf, n...)
		buf = append(buf, 0)
	}
	if size == 0 {
		return uint64(len(buf)), nil
	}
	if uint64(len(buf)) > size {
		if len(buf) > xattrListMax {
			return 0, unix.E2BIG
		}
		return 0, unix.ERANGE
	}
	return uint64(len(buf)), copyOut(t, listAddr, buf)
}

func removexattr(t *task, vd vfs.VirtualDentry, a []uint64) (uint64, error) {
	name, err := xattrName(t, a[0])
	if err != nil {
		return 0, err
	}
	st, err := vd.Inode().Stat()
	if err != nil {
		return 0, err
	}
	if vd.Mount.Flags().Readonly {
		return 0, unix.EROFS
	}
	if err := xattrNamespace(t, name, &st, true); err != nil {
		return 0, err
	}
	if err := xattrAccess(t, name, &st, vfs.MayWrite); err != nil {
		return 0, err
	}
	x, ok := vd.Inode().(vfs.Xattrs)
	if !ok {
		return 0, unix.EOPNOTSUPP
	}
	if err := x.Removexattr(name); err != nil {
		return 0, err
	}
	notifyVD(vd, unix.IN_ATTRIB, 0)
	return 0, nil
}
