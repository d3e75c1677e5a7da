package kernel

import (
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/vfs"
)

// Unshare implements unshare(2): the caller stops sharing its
// filesystem context (CLONE_FS), file table (CLONE_FILES) or mount
// namespace (CLONE_NEWNS, which implies CLONE_FS) with other tasks.
// CLONE_THREAD, CLONE_SIGHAND and CLONE_VM are accepted from a
// single-threaded process, which shares none of them. Other namespaces
// are not supported: EPERM, as clone answers.
func (t *Task) Unshare(flags uint64) error {
	const allowed = CLONE_FS | CLONE_FILES | CLONE_SYSVSEM | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM | cloneNamespaces
	if flags&^allowed != 0 {
		return unix.EINVAL
	}
	if flags&(CLONE_THREAD|CLONE_SIGHAND|CLONE_VM) != 0 && len(t.tg.Tasks()) > 1 {
		return unix.EINVAL
	}
	if flags&cloneNamespaces&^CLONE_NEWNS != 0 {
		t.k.Log.Info("unshare: namespace not supported", "flags", flags&cloneNamespaces&^CLONE_NEWNS)
		return unix.EPERM
	}
	if flags&CLONE_NEWNS != 0 {
		if !t.Creds().HasCap(CapSysAdmin) {
			return unix.EPERM
		}
		flags |= CLONE_FS
	}
	if flags&CLONE_FILES != 0 && t.fds.refs.Load() > 1 {
		nf := newFDTable(t.fds.Fork())
		old := t.fds
		t.fds = nf
		old.decRef()
	}
	if flags&CLONE_FS != 0 && t.fs.refs.Load() > 1 {
		nfs := t.fs.fork()
		old := t.fs
		t.fs = nfs
		old.decRef(t.k.VFS)
	}
	if flags&CLONE_NEWNS != 0 {
		t.fs.enterNewMountNamespace(t.k.VFS)
	}
	return nil
}

// enterNewMountNamespace gives f a copy of its root's mount namespace and
// moves its root and working directory to the copies of their mounts.
func (f *FSContext) enterNewMountNamespace(v *vfs.VFS) {
	root, cwd := f.Root(), f.Cwd()
	nns, copies := v.CloneNamespace(root.Mount.NS)
	nns.IncUsers()
	f.mu.Lock()
	old := f.ns
	f.ns = nns
	f.mu.Unlock()
	if old != nil {
		v.DecUsers(old)
	}
	if m, ok := copies[root.Mount]; ok {
		root.Mount = m
	}
	if m, ok := copies[cwd.Mount]; ok {
		cwd.Mount = m
	}
	f.SetRoot(root)
	f.SetCwd(cwd)
}

// NamespaceFile is an open /proc/[pid]/ns file: the CLONE_NEW* flag of
// its namespace's type and, for a mount namespace, the namespace.
type NamespaceFile interface {
	Namespace() (flag uint64, mnt *vfs.MountNamespace)
	// UserNamespace returns a new file of the user namespace that owns
	// the namespace (the sandbox's one), for NS_GET_USERNS.
	UserNamespace() vfs.FileImpl
}

// MountNamespace returns the mount namespace the context is in.
func (f *FSContext) MountNamespace() *vfs.MountNamespace {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ns
}

// SetMountNamespace moves the task into ns, as setns(2) with CLONE_NEWNS
// does: its root and working directory become the root of ns. A task that
// shares its filesystem context (CLONE_FS) cannot (EINVAL); it needs
// CAP_SYS_ADMIN and CAP_SYS_CHROOT (EPERM).
func (t *Task) SetMountNamespace(ns *vfs.MountNamespace) error {
	c := t.Creds()
	if !c.HasCap(CapSysAdmin) || !c.VFS().HasCap(vfs.CapSysChroot) {
		return unix.EPERM
	}
	f := t.fs
	if f.refs.Load() != 1 {
		return unix.EINVAL
	}
	root, err := t.k.VFS.NamespaceRoot(ns)
	if err != nil {
		return unix.EINVAL
	}
	ns.IncUsers()
	f.mu.Lock()
	old := f.ns
	f.ns, f.root, f.cwd = ns, root, root
	f.mu.Unlock()
	if old != nil {
		t.k.VFS.DecUsers(old)
	}
	return nil
}

// PivotRoot implements pivot_root(2) for t: see vfs.VFS.PivotRoot. Every
// task of the mount namespace whose root or working directory was the
// old root moves to the new one.
func (t *Task) PivotRoot(newRoot, putOld vfs.VirtualDentry) error {
	if !t.Creds().HasCap(CapSysAdmin) {
		return unix.EPERM
	}
	root := t.fs.Root()
	if err := t.k.VFS.PivotRoot(root, newRoot, putOld); err != nil {
		return err
	}
	for _, tg := range t.k.ThreadGroups() {
		for _, o := range tg.Tasks() {
			f := o.FSContext()
			if f == nil || f.MountNamespace() != root.Mount.NS {
				continue
			}
			f.mu.Lock()
			if f.root == root {
				f.root = newRoot
			}
			if f.cwd == root {
				f.cwd = newRoot
			}
			f.mu.Unlock()
		}
	}
	return nil
}
