package syscalls

import (
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/socket"
	sunix "github.com/moat-dev/moat/sentry/socket/unix"
	"github.com/moat-dev/moat/sentry/vfs"
)

func init() {
	socketFamilies[unix.AF_UNIX] = unixFamily{}
}

// unixNamespaces holds each sandbox's (kernel's) unix socket names.
var unixNamespaces sync.Map // *kernel.Kernel -> *sunix.Namespace

// unixNS returns the unix socket namespace of t's sandbox.
func unixNS(t *task) *sunix.Namespace {
	k := t.Kernel()
	if v, ok := unixNamespaces.Load(k); ok {
		return v.(*sunix.Namespace)
	}
	ns := sunix.NewNamespace()
	ns.CurrentCred = func() (socket.Cred, bool) {
		ct := k.TaskForGoroutine()
		if ct == nil {
			return socket.Cred{}, false
		}
		return taskCred(ct), true
	}
	v, _ := unixNamespaces.LoadOrStore(k, ns)
	return v.(*sunix.Namespace)
}

// taskCred is what t's messages carry: its pid and real IDs.
func taskCred(t *kernel.Task) socket.Cred {
	c := t.Creds()
	return socket.Cred{PID: t.ThreadGroup().ID, UID: c.RealUID, GID: c.RealGID}
}

// unixFamily creates AF_UNIX sockets.
type unixFamily struct{}

// unixType checks socket(2)'s protocol and type for AF_UNIX as
// unix_create does: SOCK_RAW is taken as SOCK_DGRAM.
func unixType(typ, protocol int) (int, error) {
	if protocol != 0 && protocol != unix.AF_UNIX {
		return 0, unix.EPROTONOSUPPORT
	}
	switch typ {
	case unix.SOCK_STREAM, unix.SOCK_DGRAM, unix.SOCK_SEQPACKET:
		return typ, nil
	case unix.SOCK_RAW:
		return unix.SOCK_DGRAM, nil
	}
	return 0, unix.ESOCKTNOSUPPORT
}

func (unixFamily) New(t *task, typ, protocol int) (socket.Socket, error) {
	typ, err := unixType(typ, protocol)
	if err != nil {
		return nil, err
	}
	c := t.Creds()
	return sunix.New(unixNS(t), typ, c.FSUID, c.FSGID), nil
}

func (unixFamily) Pair(t *task, typ, protocol int) (socket.Socket, socket.Socket, error) {
	typ, err := unixType(typ, protocol)
	if err != nil {
		return nil, nil, err
	}
	c := t.Creds()
	a, b := sunix.NewPair(unixNS(t), typ, c.FSUID, c.FSGID, peerCred(t))
	return a, b, nil
}

// taskPaths resolves AF_UNIX filesystem names for a task: relative names
// from its working directory, with its root and credentials.
//
// The VFS cannot create socket nodes yet, so a bound name is registered
// in the sandbox's unix namespace under the absolute path of the
// resolved parent directory joined with the last component. The node
// does not show in directory listings and stat(2) does not see it.
type taskPaths struct{ t *task }

// parent resolves all but the last component of path, and checks that
// the caller may search the directory.
func (p taskPaths) parent(path string) (vfs.VirtualDentry, string, error) {
	v := p.t.Kernel().VFS
	dir, name, err := v.ResolveParent(p.t.Resolver(true), path)
	if err != nil {
		return dir, "", err
	}
	st, err := dir.Inode().Stat()
	if err != nil {
		return dir, "", err
	}
	if err := p.t.Creds().VFS().CheckAccess(&st, vfs.MayExec); err != nil {
		return dir, "", err
	}
	return dir, name, nil
}

// key names dir/name independently of how the caller spelled it.
func (p taskPaths) key(dir vfs.VirtualDentry, name string) string {
	k := p.t.Kernel()
	d := k.VFS.PathOf(k.Root, dir)
	return strings.TrimSuffix(d, "/") + "/" + name
}

// BindPath implements socket.PathResolver.BindPath, with mknod's checks:
// the directory must exist and be writable, and the name free.
func (p taskPaths) BindPath(path string) (string, error) {
	dir, name, err := p.parent(path)
	if err != nil {
		return "", err
	}
	if name == "" {
		// The root, "." or "..": something exists there.
		return "", unix.EADDRINUSE
	}
	st, err := dir.Inode().Stat()
	if err != nil {
		return "", err
	}
	if err := p.t.Creds().VFS().CheckAccess(&st, vfs.MayWrite|vfs.MayExec); err != nil {
		return "", err
	}
	if _, err := p.t.Kernel().VFS.Child(dir, name); err == nil {
		return "", unix.EADDRINUSE
	} else if err != unix.ENOENT {
		return "", err
	}
	return p.key(dir, name), nil
}

// LookupPath implements socket.PathResolver.LookupPath. A symbolic link
// in the last component is followed, as connect(2) follows it.
func (p taskPaths) LookupPath(path string) (string, bool, error) {
	for links := 0; ; links++ {
		dir, name, err := p.parent(path)
		if err != nil {
			return "", false, err
		}
		if name == "" {
			return "", true, nil
		}
		child, err := p.t.Kernel().VFS.Child(dir, name)
		switch err {
		case nil:
		case unix.ENOENT:
			return p.key(dir, name), false, nil
		default:
			return "", false, err
		}
		st, err := child.Inode().Stat()
		if err != nil || !st.IsSymlink() {
			return p.key(dir, name), true, nil
		}
		if links >= 40 {
			return "", false, unix.ELOOP
		}
		target, err := child.Inode().Readlink()
		if err != nil {
			return "", false, err
		}
		if target == "" {
			return "", false, unix.ENOENT
		}
		if target[0] != '/' {
			// Relative to the link's directory, as the caller sees it.
			d := p.t.Kernel().VFS.PathOf(p.t.FSContext().Root(), dir)
			target = strings.TrimSuffix(d, "/") + "/" + target
		}
		path = target
	}
}
