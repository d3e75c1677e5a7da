package unix

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/socket"
)

// Namespace holds the names sockets are bound to in one sandbox: the
// abstract namespace, and the socket nodes of filesystem names.
//
// Abstract names are per socket type, as Linux hashes the type into the
// name: a stream and a datagram socket may bind the same abstract name,
// and each is found only by sockets of its own type.
//
// A filesystem name is a socket node that bind creates in the VFS; the
// namespace maps the node's key (see socket.PathResolver) to the socket
// while it is bound. The node outlives the socket, as in Linux: connect
// to it is then ECONNREFUSED, and bind to it EADDRINUSE until it is
// unlinked.
type Namespace struct {
	// CurrentCred, if set, returns the credentials of the calling task
	// for sends that come without a socket.Context (write(2)).
	CurrentCred func() (socket.Cred, bool)

	// live holds the sockets of the namespace not yet released, for
	// /proc/net/unix.
	live sync.Map // *Socket -> struct{}

	mu       sync.Mutex
	abstract map[abstractKey]*Socket
	paths    map[string]*Socket
	// nextAuto is the last autobind number tried.
	nextAuto uint32
}

type abstractKey struct {
	typ  int
	name string
}

// NewNamespace returns an empty namespace.
func NewNamespace() *Namespace {
	return &Namespace{
		abstract: make(map[abstractKey]*Socket),
		paths:    make(map[string]*Socket),
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

// bindPath registers s under the key of its socket node.
func (ns *Namespace) bindPath(s *Socket, key string) error {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if _, ok := ns.paths[key]; ok {
		return unix.EADDRINUSE
	}
	ns.paths[key] = s
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
	if ns.paths[key] == s {
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

// findPath returns the socket bound to the node key, or nil.
func (ns *Namespace) findPath(key string) *Socket {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	return ns.paths[key]
}

// Entry is one socket as /proc/net/unix and sock_diag list it.
type Entry struct {
	Type      int
	Listening bool
	// State is SS_UNCONNECTED (1), SS_CONNECTING (2: a connection not
	// yet accepted) or SS_CONNECTED (3).
	State int
	Ino   uint64
	// Addr is the socket's name, or its listener's; nil if unnamed.
	Addr *Address
	// PeerIno is the connected peer's inode number (0 for none).
	PeerIno uint64
	// RQueue and WQueue are a listener's pending connections and
	// backlog, or the bytes queued to be read and not yet read by the
	// peer.
	RQueue, WQueue uint32
	// Shutdown holds the directions shut down (1 receive, 2 send).
	Shutdown uint8
	UID      uint32
}

// Socket states as struct socket has them (SS_*).
const (
	ssUnconnected = 1
	ssConnecting  = 2
	ssConnected   = 3
)

// Entries returns the namespace's sockets, by inode number.
func (ns *Namespace) Entries() []Entry {
	var out []Entry
	ns.live.Range(func(k, _ any) bool {
		s := k.(*Socket)
		s.mu.Lock()
		e := Entry{Type: s.typ, Listening: s.state == stateListening, State: ssUnconnected, Ino: s.ino, Addr: s.addr.Load(),
			Shutdown: uint8(s.shut), UID: s.uid}
		if s.state == stateConnected {
			e.State = ssConnected
			if s.embryo {
				// No file yet, so no inode, as on Linux.
				e.State, e.Ino = ssConnecting, 0
			}
		}
		if s.peer != nil {
			e.PeerIno = s.peer.ino
		}
		if s.state == stateListening {
			e.RQueue, e.WQueue = uint32(len(s.acceptq)), uint32(s.backlog)
		} else {
			for _, m := range s.recvq {
				e.RQueue += uint32(len(m.data) - m.off)
			}
			e.WQueue = uint32(s.wmem.Load())
		}
		s.mu.Unlock()
		out = append(out, e)
		return true
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Ino < out[j].Ino })
	return out
}
