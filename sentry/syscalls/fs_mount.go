package syscalls

import (
	"strings"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/fs/tmpfs"
	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/vfs"
)

// mount(2) and umount2(2) inside the sandbox: tmpfs, proc, sysfs, bind
// mounts and remounts.

func init() {
	register(abi.SysMount, sysMount)
	register(abi.SysUmount2, sysUmount2)
	register(abi.SysPivotRoot, sysPivotRoot)
}

const (
	msRdonly      = 0x1
	msNosuid      = 0x2
	msNodev       = 0x4
	msNoexec      = 0x8
	msRemount     = 0x20
	msBind        = 0x1000
	msMove        = 0x2000
	msRec         = 0x4000
	msSilent      = 0x8000
	msUnbindable  = 1 << 17
	msPrivate     = 1 << 18
	msSlave       = 1 << 19
	msShared      = 1 << 20
	msPropagation = msUnbindable | msPrivate | msSlave | msShared
	msMgcMsk      = 0xffff0000
	msMgcVal      = 0xc0ed0000
)

// copyInOptString reads an optional string argument of mount.
func copyInOptString(t *task, addr uint64, max int) (string, error) {
	if addr == 0 {
		return "", nil
	}
	s, err := t.CopyInString(addr, max)
	if err != nil {
		if err == unix.ENAMETOOLONG {
			return "", unix.EINVAL
		}
		return "", unix.EFAULT
	}
	return s, nil
}

func sysMount(t *task, a *args) (uint64, error) {
	srcAddr, targetAddr, typeAddr, flags, dataAddr := a[0], a[1], a[2], a[3], a[4]
	if flags&msMgcMsk == msMgcVal {
		flags &^= msMgcMsk
	}
	if !t.Creds().VFS().HasCap(vfs.CapSysAdmin) {
		return 0, unix.EPERM
	}
	target, err := copyInPath(t, targetAddr)
	if err != nil {
		return 0, err
	}
	fstype, err := copyInOptString(t, typeAddr, 4096)
	if err != nil {
		return 0, err
	}
	data, err := copyInOptString(t, dataAddr, 4096)
	if err != nil {
		return 0, err
	}
	vd, err := resolveAt(t, atFDCWD, target, true)
	if err != nil {
		return 0, err
	}
	v := t.Kernel().VFS
	switch {
	case flags&msRemount != 0:
		m := vd.Mount
		if vd.Dentry != m.Root {
			return 0, unix.EINVAL
		}
		// With or without MS_BIND, the mount's flags become exactly
		// those given.
		v.SetFlags(m, mountFlags(flags))
		return 0, nil
	case flags&msBind != 0:
		svd, err := resolvePathArg(t, srcAddr)
		if err != nil {
			return 0, err
		}
		sst, err := svd.Inode().Stat()
		if err != nil {
			return 0, err
		}
		tst, err := vd.Inode().Stat()
		if err != nil {
			return 0, err
		}
		if sst.IsDir() != tst.IsDir() {
			if sst.IsDir() {
				return 0, unix.ENOTDIR
			}
			return 0, unix.EISDIR
		}
		// A new bind mount has the flags of the mount it copies;
		// flags given with MS_BIND take a remount to apply.
		_, err = v.BindMount(vd, svd, flags&msRec != 0)
		return 0, err
	case flags&msMove != 0:
		svd, err := resolvePathArg(t, srcAddr)
		if err != nil {
			return 0, err
		}
		if svd.Dentry != svd.Mount.Root {
			return 0, unix.EINVAL
		}
		return 0, v.MoveMount(svd.Mount, vd)
	case flags&msPropagation != 0:
		// Exactly one type, on a mount's root.
		var kind int
		switch flags & msPropagation {
		case msShared:
			kind = vfs.PropShared
		case msPrivate:
			kind = vfs.PropPrivate
		case msSlave:
			kind = vfs.PropSlave
		case msUnbindable:
			kind = vfs.PropUnbindable
		default:
			return 0, unix.EINVAL
		}
		if vd.Dentry != vd.Mount.Root {
			return 0, unix.EINVAL
		}
		return 0, v.SetPropagation(vd.Mount, kind, flags&msRec != 0)
	}
	st, err := vd.Inode().Stat()
	if err != nil {
		return 0, err
	}
	if !st.IsDir() {
		return 0, unix.ENOTDIR
	}
	source, err := copyInOptString(t, srcAddr, 4096)
	if err != nil {
		return 0, err
	}
	if source == "" {
		source = "none"
	}
	var root vfs.Inode
	switch fstype {
	case "tmpfs":
		var opts []string
		if data != "" {
			opts = strings.Split(data, ",")
		}
		o, err := tmpfs.ParseOptions(opts, totalRAM())
		if err != nil {
			return 0, unix.EINVAL
		}
		root = tmpfs.New(sharedAnonMemFile, o).Root()
	case "proc", "sysfs":
		// The sandbox's one instance, mounted again.
		for _, m := range v.Mounts(vd.Mount.NS) {
			if m.FSType == fstype {
				root = m.Root.Inode()
				break
			}
		}
		if root == nil {
			return 0, unix.ENODEV
		}
	case "":
		return 0, unix.EINVAL
	default:
		return 0, unix.ENODEV
	}
	v.Mount(vd, root, fstype, source, mountFlags(flags))
	return 0, nil
}

// mountFlags picks the per-mount flags out of mount(2)'s flags.
func mountFlags(flags uint64) vfs.MountFlags {
	return vfs.MountFlags{
		Readonly: flags&msRdonly != 0,
		NoSuid:   flags&msNosuid != 0,
		NoDev:    flags&msNodev != 0,
		NoExec:   flags&msNoexec != 0,
	}
}

// totalRAM is what tmpfs's size=N% means.
func totalRAM() uint64 {
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) != nil {
		return 4 << 30
	}
	return uint64(si.Totalram) * uint64(si.Unit)
}

const (
	mntForce       = 1
	mntDetach      = 2
	mntExpire      = 4
	umountNofollow = 8
)

func sysUmount2(t *task, a *args) (uint64, error) {
	flags := int(a[1])
	if flags&^(mntForce|mntDetach|mntExpire|umountNofollow) != 0 ||
		flags&mntExpire != 0 && flags&(mntForce|mntDetach) != 0 {
		return 0, unix.EINVAL
	}
	if !t.Creds().VFS().HasCap(vfs.CapSysAdmin) {
		return 0, unix.EPERM
	}
	target, err := copyInPath(t, a[0])
	if err != nil {
		return 0, err
	}
	vd, err := resolveAt(t, atFDCWD, target, flags&umountNofollow == 0)
	if err != nil {
		return 0, err
	}
	if vd.Dentry != vd.Mount.Root {
		return 0, unix.EINVAL
	}
	if flags&mntExpire != 0 {
		return 0, unix.EAGAIN
	}
	return 0, t.Kernel().VFS.Umount(vd.Mount, flags&mntDetach != 0)
}

// sysPivotRoot: pivot_root(2). Both paths must name directories; the
// checks on the mounts are kernel.Task.PivotRoot's.
func sysPivotRoot(t *task, a *args) (uint64, error) {
	if !t.Creds().HasCap(kernel.CapSysAdmin) {
		return 0, unix.EPERM
	}
	newRoot, _, err := resolveDirArg(t, a[0])
	if err != nil {
		return 0, err
	}
	putOld, _, err := resolveDirArg(t, a[1])
	if err != nil {
		return 0, err
	}
	return 0, t.PivotRoot(newRoot, putOld)
}

// resolvePathArg resolves the path at addr from the working directory,
// following a final symlink, as mount(2), pivot_root(2) and chroot(2)
// take their paths.
func resolvePathArg(t *task, addr uint64) (vfs.VirtualDentry, error) {
	p, err := copyInPath(t, addr)
	if err != nil {
		return vfs.VirtualDentry{}, err
	}
	return resolveAt(t, atFDCWD, p, true)
}

// resolveDirArg is resolvePathArg for a path that must name a directory
// (ENOTDIR); it returns the directory's attributes too.
func resolveDirArg(t *task, addr uint64) (vfs.VirtualDentry, vfs.Stat, error) {
	vd, err := resolvePathArg(t, addr)
	if err != nil {
		return vd, vfs.Stat{}, err
	}
	st, err := vd.Inode().Stat()
	if err != nil {
		return vd, st, err
	}
	if !st.IsDir() {
		return vd, st, unix.ENOTDIR
	}
	return vd, st, nil
}
