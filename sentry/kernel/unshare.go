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
