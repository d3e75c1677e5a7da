package syscalls

import (
	"fmt"
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
func unixNS(t *task) *sunix.Namespace { return kernelUnixNS(t.Kernel()) }

// UnixSockets returns the unix sockets of k's sandbox (for
// /proc/net/unix).
func UnixSockets(k *kernel.Kernel) []sunix.Entry { return kernelUnixNS(k).Entries() }

func kernelUnixNS(k *kernel.Kernel) *sunix.Namespace {
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
type taskPaths struct{ t *task }

// nodeKey identifies a socket node by its device and inode number, which
// stay the same through renames, hard links and overlay copy-up.
func nodeKey(st *vfs.Stat) string { return fmt.Sprintf("%d:%d", st.Dev, st.Ino) }

// BindPath implements socket.PathResolver.BindPath as unix_bind_bsd does:
// mknod of an S_IFSOCK node, with EEXIST reported as EADDRINUSE.
func (p taskPaths) BindPath(path string, mode uint32) (string, func(), error) {
	v := p.t.Kernel().VFS
	creds := p.t.Creds().VFS()
	par, err := v.ResolveParentLast(p.t.Resolver(true), path)
	if err != nil {
		return "", nil, err
	}
	if par.Kind != vfs.LastNorm {
		return "", nil, unix.EADDRINUSE
	}
	if par.Slash {
		// Only a directory may be created with a trailing slash.
		if _, err := v.Child(par.Dir, par.Name); err == nil {
			return "", nil, unix.EADDRINUSE
		}
		return "", nil, unix.ENOENT
	}
	n := vfs.NewNode{Mode: unix.S_IFSOCK | mode&0o777}
	vd, err := v.Mknod(par.Dir, par.Name, vfs.CreateOpts{Creds: creds, Node: n})
	if err == unix.EEXIST {
		return "", nil, unix.EADDRINUSE
	}
	if err != nil {
		return "", nil, err
	}
	undo := func() { v.Unlink(creds, par.Dir, par.Name, false) }
	st, err := vd.Inode().Stat()
	if err != nil {
		undo()
		return "", nil, err
	}
	return nodeKey(&st), undo, nil
}

// LookupPath implements socket.PathResolver.LookupPath as unix_find_bsd
// does: the caller needs write permission, and the node must be a socket.
func (p taskPaths) LookupPath(path string) (string, error) {
	vd, err := p.t.Kernel().VFS.Resolve(p.t.Resolver(true), path)
	if err != nil {
		return "", err
	}
	st, err := vd.Inode().Stat()
	if err != nil {
		return "", err
	}
	if err := p.t.Creds().VFS().CheckAccess(&st, vfs.MayWrite); err != nil {
		return "", err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFSOCK {
		return "", unix.ECONNREFUSED
	}
	return nodeKey(&st), nil
}
