package unix

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/socket"
	"github.com/moat-dev/moat/sentry/waiter"
)

// maxRestarts bounds how often an operation looks a name up again after
// finding a socket that was closing.
const maxRestarts = 8

// Bind implements socket.Socket.Bind. An address of only sun_family asks
// for an autobind (a no-op on a bound socket). Binding a bound socket is
// EINVAL; a name in use is EADDRINUSE. A filesystem name is checked and
// keyed by ctx.Paths.
func (s *Socket) Bind(ctx *socket.Context, raw []byte) error {
	a, kind, err := parseAddress(raw)
	if err != nil {
		return err
	}
	if kind == parsedAutobind {
		return s.autobind()
	}
	if a.Abstract {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.addr.Load() != nil {
			return unix.EINVAL
		}
		if err := s.ns.bindAbstract(s, a); err != nil {
			return err
		}
		s.addr.Store(a)
		s.ownsName = true
		return nil
	}
	if ctx.Paths == nil {
		return unix.ENOENT
	}
	// As in Linux, the node is made first (EADDRINUSE if the name is
	// taken), and removed again if the socket turns out to be bound.
	key, undo, err := ctx.Paths.BindPath(a.Name, 0o777&^ctx.Umask)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.addr.Load() != nil {
		undo()
		return unix.EINVAL
	}
	if err := s.ns.bindPath(s, key); err != nil {
		undo()
		return err
	}
	s.addr.Store(a)
	s.pathKey = key
	s.ownsName = true
	return nil
}

// autobind gives an unbound socket an abstract name.
func (s *Socket) autobind() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.addr.Load() != nil {
		return nil
	}
	a, err := s.ns.autobind(s)
	if err != nil {
		return err
	}
	s.addr.Store(a)
	s.ownsName = true
	return nil
}

// find returns the socket bound to a, as unix_find_other does: an
// unknown abstract name is ECONNREFUSED; a path must name a socket node
// the caller may write to (ENOENT, EACCES, ECONNREFUSED...) whose socket
// is still bound (ECONNREFUSED) and of the caller's type (EPROTOTYPE).
func (s *Socket) find(ctx *socket.Context, a *Address) (*Socket, error) {
	if a.Abstract {
		return s.ns.findAbstract(s.typ, a.Name)
	}
	if ctx.Paths == nil {
		return nil, unix.ENOENT
	}
	key, err := ctx.Paths.LookupPath(a.Name)
	if err != nil {
		return nil, err
	}
	t := s.ns.findPath(key)
	if t == nil {
		return nil, unix.ECONNREFUSED
	}
	if t.typ != s.typ {
		return nil, unix.EPROTOTYPE
	}
	return t, nil
}

// Listen implements socket.Socket.Listen. Only bound stream and
// seqpacket sockets listen; the backlog is already capped at SOMAXCONN.
// Up to backlog+1 connections wait for accept, as in Linux.
func (s *Socket) Listen(ctx *socket.Context, backlog int) error {
	if s.typ == Dgram {
		return unix.EOPNOTSUPP
	}
	if s.addr.Load() == nil {
		return unix.EINVAL
	}
	s.mu.Lock()
	if s.state != stateUnconnected && s.state != stateListening {
		s.mu.Unlock()
		return unix.EINVAL
	}
	grew := backlog > s.backlog
	s.backlog = backlog
	s.state = stateListening
	// Connecting sockets see the listener's credentials.
	s.peerCred, s.hasPeerCred = ctx.PeerCred, true
	s.mu.Unlock()
	if grew {
		s.peerWait.Notify(writable)
	}
	s.q.Notify(changed)
	return nil
}

// Accept implements socket.Socket.Accept: it returns the oldest
// connection not yet accepted, waiting (up to SO_RCVTIMEO) if there is
// none. The new socket inherits SO_PASSCRED and belongs to the caller.
func (s *Socket) Accept(ctx *socket.Context) (socket.Socket, error) {
	if s.typ == Dgram {
		return nil, unix.EOPNOTSUPP
	}
	s.mu.Lock()
	b := newBlocker(ctx, s.rcvtimeo)
	s.mu.Unlock()
	defer b.done()
	for {
		s.mu.Lock()
		if s.state != stateListening {
			s.mu.Unlock()
			return nil, unix.EINVAL
		}
		if len(s.acceptq) > 0 {
			e := s.acceptq[0]
			s.acceptq[0] = nil
			s.acceptq = s.acceptq[1:]
			s.mu.Unlock()
			e.mu.Lock()
			e.embryo = false
			e.mu.Unlock()
			e.passcred.Store(s.passcred.Load())
			if ctx.FS != nil {
				e.uid, e.gid = ctx.FS.UID, ctx.FS.GID
			}
			s.peerWait.Notify(writable)
			return e, nil
		}
		s.mu.Unlock()
		if !b.ok {
			return nil, unix.EAGAIN
		}
		if !b.ready(&s.q, readable) {
			continue
		}
		if err := b.wait(); err != nil {
			return nil, err
		}
	}
}

// Unaccept returns a connection that Accept gave out but the caller could
// not install (EMFILE) to the front of the accept queue, so that it is
// not lost; if the listener has closed meanwhile, it is reset.
func (s *Socket) Unaccept(c socket.Socket) {
	e := c.(*Socket)
	s.mu.Lock()
	if s.dead || s.state != stateListening {
		s.mu.Unlock()
		e.release(true)
		return
	}
	s.acceptq = append([]*Socket{e}, s.acceptq...)
	s.mu.Unlock()
	s.q.Notify(readable)
}

// Connect implements socket.Socket.Connect.
func (s *Socket) Connect(ctx *socket.Context, raw []byte) error {
	if s.typ == Dgram {
		return s.connectDgram(ctx, raw)
	}
	a, kind, err := parseAddress(raw)
	if err != nil {
		return err
	}
	if kind == parsedAutobind {
		return unix.EINVAL
	}
	if s.passcred.Load() {
		if err := s.autobind(); err != nil {
			return err
		}
	}
	s.mu.Lock()
	b := newBlocker(ctx, s.sndtimeo)
	s.mu.Unlock()
	defer b.done()
	restarts := 0
	for {
		l, err := s.find(ctx, a)
		if err != nil {
			return err
		}
		lockBoth(s, l)
		if l.dead {
			unlockBoth(s, l)
			if restarts++; restarts > maxRestarts {
				return unix.ECONNREFUSED
			}
			continue
		}
		if l.state != stateListening || l.shut&rcvShutdown != 0 {
			unlockBoth(s, l)
			return unix.ECONNREFUSED
		}
		if len(l.acceptq) > l.backlog {
			unlockBoth(s, l)
			if !b.ok {
				return unix.EAGAIN
			}
			if !b.ready(&l.peerWait, writable) {
				continue
			}
			if err := b.wait(); err != nil {
				return err
			}
			continue
		}
		switch s.state {
		case stateConnected:
			unlockBoth(s, l)
			return unix.EISCONN
		case stateListening:
			unlockBoth(s, l)
			return unix.EINVAL
		}
		// The server side of the connection, which accept returns.
		e := New(s.ns, s.typ, l.uid, l.gid)
		e.state = stateConnected
		e.embryo = true
		e.peer = s
		e.addr.Store(l.addr.Load())
		e.peerCred, e.hasPeerCred = ctx.PeerCred, true
		s.peer = e
		s.state = stateConnected
		s.peerCred, s.hasPeerCred = l.peerCred, l.hasPeerCred
		l.acceptq = append(l.acceptq, e)
		unlockBoth(s, l)
		l.q.Notify(readable)
		s.q.Notify(changed)
		return nil
	}
}

// connectDgram sets a datagram socket's default destination, or clears
// it for an AF_UNSPEC address. The destination must not be connected to
// another socket (EPERM). Reconnecting elsewhere drops what this socket
// had queued.
func (s *Socket) connectDgram(ctx *socket.Context, raw []byte) error {
	if len(raw) < familyLen {
		return unix.EINVAL
	}
	if binary.LittleEndian.Uint16(raw) == unix.AF_UNSPEC {
		s.mu.Lock()
		old := s.peer
		s.peer = nil
		s.state = stateUnconnected
		s.mu.Unlock()
		if old != nil {
			s.disconnectedFrom(old)
		}
		return nil
	}
	a, kind, err := parseAddress(raw)
	if err != nil {
		return err
	}
	if kind == parsedAutobind {
		return unix.EINVAL
	}
	if s.passcred.Load() {
		if err := s.autobind(); err != nil {
			return err
		}
	}
	for restarts := 0; ; restarts++ {
		t, err := s.find(ctx, a)
		if err != nil {
			return err
		}
		lockBoth(s, t)
		if t.dead {
			unlockBoth(s, t)
			if restarts > maxRestarts {
				return unix.ECONNREFUSED
			}
			continue
		}
		if t.peer != nil && t.peer != s {
			unlockBoth(s, t)
			return unix.EPERM
		}
		old := s.peer
		s.peer = t
		s.state = stateConnected
		if t != s {
			if t.connectedFrom == nil {
				t.connectedFrom = make(map[*Socket]struct{})
			}
			t.connectedFrom[s] = struct{}{}
		}
		unlockBoth(s, t)
		if old != nil && old != t {
			s.disconnectedFrom(old)
		}
		s.q.Notify(changed)
		return nil
	}
}

// disconnectedFrom ends s's datagram connection to old, as
// unix_dgram_disconnected does: s's queue is dropped, and if old was
// connected back to s, old gets ECONNRESET.
func (s *Socket) disconnectedFrom(old *Socket) {
	old.mu.Lock()
	delete(old.connectedFrom, s)
	mutual := !old.dead && old.peer == s
	old.mu.Unlock()

	s.mu.Lock()
	queue := s.recvq
	s.recvq = nil
	var n notes
	for _, m := range queue {
		s.dequeued(m, &n)
	}
	s.mu.Unlock()
	if len(queue) == 0 {
		return
	}
	if mutual {
		old.mu.Lock()
		old.err = unix.ECONNRESET
		old.mu.Unlock()
		n.add(&old.q, waiter.EventErr)
	}
	n.fire()
	for _, m := range queue {
		for _, f := range m.rights {
			f.DecRef()
		}
	}
}

// Shutdown implements socket.Socket.Shutdown. The other end of a stream
// or seqpacket connection sees the mirror image: SHUT_WR here is
// SHUT_RD there.
func (s *Socket) Shutdown(ctx *socket.Context, how int) error {
	if how < unix.SHUT_RD || how > unix.SHUT_RDWR {
		return unix.EINVAL
	}
	mode := (how + 1) & shutdownMask
	s.mu.Lock()
	s.shut |= mode
	peer := s.peer
	s.mu.Unlock()
	if peer != nil && peer != s && s.typ != Dgram {
		pm := 0
		if mode&rcvShutdown != 0 {
			pm |= sendShutdown
		}
		if mode&sendShutdown != 0 {
			pm |= rcvShutdown
		}
		peer.mu.Lock()
		peer.shut |= pm
		peer.mu.Unlock()
		peer.q.Notify(changed)
	}
	s.q.Notify(changed)
	return nil
}

// SockName implements socket.Socket.SockName.
func (s *Socket) SockName() []byte { return s.addr.Load().Marshal() }

// PeerName implements socket.Socket.PeerName.
func (s *Socket) PeerName() ([]byte, error) {
	s.mu.Lock()
	p := s.peer
	s.mu.Unlock()
	if p == nil {
		return nil, unix.ENOTCONN
	}
	return p.addr.Load().Marshal(), nil
}
