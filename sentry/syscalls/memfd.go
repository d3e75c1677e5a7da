package syscalls

import (
	"sync"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/fs/tmpfs"
	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/vfs"
)

func init() {
	register(abi.SysMemfdCreate, sysMemfdCreate)
}

// memfdFS is the kernel-internal tmpfs that memfd files live on.
var memfdFS = struct {
	sync.Mutex
	byKernel map[*kernel.Kernel]*tmpfs.FS
}{byKernel: make(map[*kernel.Kernel]*tmpfs.FS)}

func memfdFilesystem(k *kernel.Kernel) *tmpfs.FS {
	memfdFS.Lock()
	defer memfdFS.Unlock()
	fs := memfdFS.byKernel[k]
	if fs == nil {
		fs = tmpfs.New(k.MemFile, tmpfs.Options{Mode: 0o1777})
		memfdFS.byKernel[k] = fs
	}
	return fs
}

const (
	mfdCloexec      = 0x1
	mfdAllowSealing = 0x2
	mfdHugetlb      = 0x4
	mfdNoexecSeal   = 0x8
	mfdExec         = 0x10
	mfdNameMax      = 249
)

func sysMemfdCreate(t *task, a *args) (uint64, error) {
	flags := a[1]
	if flags&^(mfdCloexec|mfdAllowSealing|mfdHugetlb|mfdNoexecSeal|mfdExec) != 0 ||
		flags&mfdNoexecSeal != 0 && flags&mfdExec != 0 {
		return 0, unix.EINVAL
	}
	if flags&mfdHugetlb != 0 {
		// The memory file has no huge pages to offer.
		return 0, unix.EINVAL
	}
	name, err := t.CopyInString(a[0], mfdNameMax+1)
	if err != nil {
		if err == unix.ENAMETOOLONG {
			return 0, unix.EINVAL
		}
		return 0, unix.EFAULT
	}
	c := t.Creds()
	in, impl := memfdFilesystem(t.Kernel()).NewUnlinkedFile(0o777, c.EffectiveUID, c.EffectiveGID)
	if flags&mfdAllowSealing != 0 {
		in.AllowSealing()
	}
	// The file gets a dentry of its own, on a mount of its own, so that
	// ftruncate, fstat and mmap treat it as the tmpfs file it is.
	d := vfs.NewDentry(in)
	vd := vfs.VirtualDentry{Mount: &vfs.Mount{Root: d, FSType: "tmpfs", Source: "memfd:" + name}, Dentry: d}
	f := vfs.NewFile(impl, vd, unix.O_RDWR|oLargefile)
	return newFD(t, f, flags&mfdCloexec != 0)
}
