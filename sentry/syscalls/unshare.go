package syscalls

import (
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/vfs"
)

// unshare(2): see kernel.Task.Unshare for what the sandbox supports.
// setns(2): the sandbox has one namespace of each type but the mount
// namespace, so joining a namespace of another type is joining the one
// the caller is already in.

func init() {
	register(abi.SysUnshare, func(t *task, a *args) (uint64, error) {
		return 0, t.Unshare(a[0])
	})
	register(abi.SysSetns, sysSetns)
}

const cloneNewTime = 0x80

// namespaceFlags are the CLONE_NEW* flags setns takes.
const namespaceFlags = kernel.CLONE_NEWNS | kernel.CLONE_NEWCGROUP | kernel.CLONE_NEWUTS | kernel.CLONE_NEWIPC |
	kernel.CLONE_NEWUSER | kernel.CLONE_NEWPID | kernel.CLONE_NEWNET | cloneNewTime

func sysSetns(t *task, a *args) (uint64, error) {
	fd, nstype := int32(a[0]), a[1]
	f, err := getFile(t, fd)
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	var flags uint64
	var mnt *vfs.MountNamespace
	switch impl := f.Impl.(type) {
	case kernel.NamespaceFile:
		// nstype 0 takes whatever namespace fd is.
		flags, mnt = impl.Namespace()
		if nstype != 0 && nstype != flags {
			return 0, unix.EINVAL
		}
	case *kernel.PidFD:
		// nstype names the namespaces of the process to join.
		if nstype == 0 || nstype&^namespaceFlags != 0 {
			return 0, unix.EINVAL
		}
		leader := impl.ThreadGroup().Leader()
		if impl.Gone() || leader == nil {
			return 0, unix.ESRCH
		}
		flags = nstype
		if flags&kernel.CLONE_NEWNS != 0 {
			fs := leader.FSContext()
			if fs == nil || fs.MountNamespace() == nil {
				return 0, unix.ESRCH
			}
			mnt = fs.MountNamespace()
		}
	default:
		return 0, unix.EINVAL
	}
	// The caller's own user namespace cannot be joined again.
	if flags&kernel.CLONE_NEWUSER != 0 {
		return 0, unix.EINVAL
	}
	if !t.Creds().HasCap(kernel.CapSysAdmin) {
		return 0, unix.EPERM
	}
	if flags&kernel.CLONE_NEWNS != 0 {
		return 0, t.SetMountNamespace(mnt)
	}
	return 0, nil
}

// The ioctls of namespace files (ioctl_nsfs(2)).
const (
	nsGetUserns   = 0xb701
	nsGetParent   = 0xb702
	nsGetNstype   = 0xb703
	nsGetOwnerUID = 0xb704
)

func nsIoctl(t *task, nf kernel.NamespaceFile, cmd uint32, arg uint64) (uint64, error) {
	flag, _ := nf.Namespace()
	switch cmd {
	case nsGetNstype:
		return flag, nil
	case nsGetUserns:
		// The sandbox's user namespace is the initial one, whose owner
		// is outside anything the caller may see.
		if flag == kernel.CLONE_NEWUSER {
			return 0, unix.EPERM
		}
		return newFD(t, vfs.NewFile(nf.UserNamespace(), vfs.VirtualDentry{}, unix.O_RDONLY), true)
	case nsGetParent:
		// Only PID and user namespaces nest; the sandbox's are the
		// outermost it has.
		if flag != kernel.CLONE_NEWPID && flag != kernel.CLONE_NEWUSER {
			return 0, unix.EINVAL
		}
		return 0, unix.EPERM
	case nsGetOwnerUID:
		if flag != kernel.CLONE_NEWUSER {
			return 0, unix.EINVAL
		}
		return 0, copyOutU32(t, arg, 0)
	}
	return 0, unix.ENOTTY
}
