package unix

import (
	"fmt"
	"math/rand/v2"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/socket"
	"github.com/moat-dev/moat/sentry/vfs"
)

// Namespace holds the names sockets are bound to in one sandbox: the
// abstract namespace, and the filesystem names.
//
// Abstract names are per socket type, as Linux hashes the type into the
// name: a stream and a datagram socket may bind the same abstract name,
// and each is found only by sockets of its own type.
//
// Filesystem names are registered under the key that the syscall layer
// derives from the resolved path (see socket.PathResolver). Until the VFS
// can create socket nodes, the node does not appear in its directory, and
// the name is released when the bound socket is closed rather than when
// it is unlinked. Connect checks the node's permissions as Linux does:
// write permission for the caller.
type Namespace struct {
	// CurrentCred, if set, returns the credentials of the calling task
	// for sends that come without a socket.Context (write(2)).
	CurrentCred func() (socket.Cred, bool)

	mu       sync.Mutex
	abstract map[abstractKey]*Socket
	paths    map[string]*pathNode
	// nextAuto is the last autobind number tried.
	nextAuto uint32
}

type abstractKey struct {
	typ  int
	name string
}

// pathNode is a socket bound to a filesystem name.
type pathNode struct {
	s  *Socket
	st vfs.Stat
}

// NewNamespace returns an empty namespace.
func NewNamespace() *Namespace {
	return &Namespace{
		abstract: make(map[abstractKey]*Socket),
		paths:    make(map[string]*pathNode),
		nextAuto: rand.Uint32() & 0xfffff,
	}
}

// bindAbstract binds s to the abstract name a.
func (ns *Namespace) bindAbstract(s *Socket, a *Address) error {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	k := abstractKey{s.typ, a.Name}
	if _, ok := ns.abstract[k]; ok {
		return unix.EADDRINUSE
	}
	ns.abstract[k] = s
	return nil
}

// autobind picks a free abstract name of five hex digits for s, as Linux
// does.
func (ns *Namespace) autobind(s *Socket) (*Address, error) {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	last := ns.nextAuto
	for {
		ns.nextAuto = (ns.nextAuto + 1) & 0xfffff
		a := &Address{Abstract: true, Name: fmt.Sprintf("%05x", ns.nextAuto)}
		k := abstractKey{s.typ, a.Name}
		if _, ok := ns.abstract[k]; !ok {
			ns.abstract[k] = s
			return a, nil
		}
		if ns.nextAuto == last {
			return nil, unix.ENOSPC
		}
	}
}

// bindPath registers s under key with the node's metadata.
func (ns *Namespace) bindPath(s *Socket, key string, st vfs.Stat) error {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if _, ok := ns.paths[key]; ok {
		return unix.EADDRINUSE
	}
	ns.paths[key] = &pathNode{s: s, st: st}
	return nil
}

// unbind forgets s's name.
func (ns *Namespace) unbind(s *Socket, a *Address, key string) {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if a.Abstract {
		k := abstractKey{s.typ, a.Name}
		if ns.abstract[k] == s {
			delete(ns.abstract, k)
		}
		return
	}
	if n := ns.paths[key]; n != nil && n.s == s {
		delete(ns.paths, key)
	}
}

// findAbstract returns the socket of type typ bound to name.
func (ns *Namespace) findAbstract(typ int, name string) (*Socket, error) {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if s, ok := ns.abstract[abstractKey{typ, name}]; ok {
		return s, nil
	}
	return nil, unix.ECONNREFUSED
}

// findPath returns the node registered under key, or nil.
func (ns *Namespace) findPath(key string) *pathNode {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	return ns.paths[key]
}

// UnlinkPath removes the filesystem name key, as unlink(2) of the socket
// node does: the socket stays bound (getsockname still shows the name)
// but can no longer be found. It reports whether key was registered.
func (ns *Namespace) UnlinkPath(key string) bool {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if _, ok := ns.paths[key]; !ok {
		return false
	}
	delete(ns.paths, key)
	return true
}

// StatPath returns the metadata of the socket node registered under key.
func (ns *Namespace) StatPath(key string) (vfs.Stat, bool) {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if n, ok := ns.paths[key]; ok {
		return n.st, true
	}
	return vfs.Stat{}, false
}
