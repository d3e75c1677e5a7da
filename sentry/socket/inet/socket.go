package inet

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"
	gwaiter "gvisor.dev/gvisor/pkg/waiter"

	"github.com/moat-dev/moat/sentry/socket"
	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

// Dev is the device number of sockfs, which sockets report in stat (the
// same as sentry/socket/unix's).
var Dev = unix.Mkdev(0, 9)

// lastIno numbers inet and netlink sockets. It starts high so that the
// inode numbers do not meet those of unix sockets, which are numbered
// from 1 by sentry/socket/unix.
var lastIno atomic.Uint64

func init() { lastIno.Store(1 << 32) }

// Event sets.
const (
	readable = waiter.EventIn | waiter.EventRdNorm
	writable = waiter.EventOut | waiter.EventWrNorm
)

// toSentry and toTCPIP translate event masks; both use the poll bits.
func toSentry(m gwaiter.EventMask) waiter.Mask {
	return waiter.Mask(m.ToLinux()) & waiter.AllEvents
}

func toTCPIP(m waiter.Mask) gwaiter.EventMask {
	return gwaiter.EventMaskFromLinux(uint32(m & waiter.AllEvents))
}

// Protocol checks socket(2)'s type and protocol for family (AF_INET or
// AF_INET6) as inet_create and inet6_create do, and returns the
// protocol the socket reports (SO_PROTOCOL).
func Protocol(family, typ, protocol int, capNetRaw bool) (int, error) {
	switch typ {
	case unix.SOCK_STREAM:
		if protocol == 0 || protocol == unix.IPPROTO_TCP {
			return unix.IPPROTO_TCP, nil
		}
		return 0, unix.EPROTONOSUPPORT
	case unix.SOCK_DGRAM:
		switch protocol {
		case 0, unix.IPPROTO_UDP:
			return unix.IPPROTO_UDP, nil
		case unix.IPPROTO_UDPLITE:
			// UDP-Lite is served by UDP: on loopback the two differ
			// only in checksum coverage, which nothing sees. (They
			// share one port space here.)
			return unix.IPPROTO_UDPLITE, nil
		case unix.IPPROTO_ICMP, unix.IPPROTO_ICMPV6:
			// Ping sockets: net.ipv4.ping_group_range is "1 0" by
			// default, which admits nobody.
			if (family == afInet) == (protocol == unix.IPPROTO_ICMP) {
				return 0, unix.EACCES
			}
		}
		return 0, unix.EPROTONOSUPPORT
	case unix.SOCK_RAW:
		if !capNetRaw {
			return 0, unix.EPERM
		}
		return 0, unix.EPROTONOSUPPORT
	}
	return 0, unix.ESOCKTNOSUPPORT
}

// Socket is an AF_INET or AF_INET6 socket: the implementation of its
// open file, and of socket.Socket.
type Socket struct {
	st     *Stack
	family int
	typ    int
	proto  int

	ep tcpip.Endpoint
	// gq is the endpoint's queue; bridge forwards its events to q, the
	// queue the sentry waits on.
	gq     *gwaiter.Queue
	bridge gwaiter.Entry
	q      waiter.Queue

	ino      uint64
	uid, gid uint32
	ctime    vfs.Timespec

	mu                 sync.Mutex
	rcvtimeo, sndtimeo socket.Timeout
	// opts holds options that are only stored and reported.
	opts     map[optKey]int32
	released bool

	// rxSeq counts the endpoint's readable events, gone is set at
	// release, settleOff holds settling off, and peer caches the sandbox socket at the other end of
	// a TCP connection: see settle.go.
	rxSeq     atomic.Uint64
	gone      atomic.Bool
	peer      atomic.Pointer[Socket]
	settleOff atomic.Int64 // no settling before this (UnixNano)

	// portBound is set once bind gave the socket a port of its own
	// choosing, and backlog holds listen's backlog, as Linux caps it:
	// for sock_diag (the port lock its filters test, a listener's
	// queue bound).
	portBound atomic.Bool
	backlog   atomic.Int32
	// shut holds the directions shut down by shutdown(2)
	// (RCV_SHUTDOWN 1, SEND_SHUTDOWN 2).
	shut atomic.Uint32
}

type optKey struct{ level, name int }

var (
	_ socket.Socket   = (*Socket)(nil)
	_ vfs.FileImpl    = (*Socket)(nil)
	_ waiter.Waitable = (*Socket)(nil)
	_ vfs.Ioctler     = (*Socket)(nil)
)

func nowSpec() vfs.Timespec {
	t := time.Now()
	return vfs.Timespec{Sec: t.Unix(), Nsec: int64(t.Nanosecond())}
}

// NewSocket creates a socket of family (AF_INET or AF_INET6), type and
// protocol (checked with Protocol) on st, whose file belongs to uid and
// gid.
func (st *Stack) NewSocket(family, typ, protocol int, uid, gid uint32) (*Socket, error) {
	netProto := ipv4.ProtocolNumber
	if family == afInet6 {
		netProto = ipv6.ProtocolNumber
	}
	transProto := tcp.ProtocolNumber
	if typ == unix.SOCK_DGRAM {
		transProto = udp.ProtocolNumber
	}
	gq := &gwaiter.Queue{}
	ep, err := st.s.NewEndpoint(transProto, netProto, gq)
	if err != nil {
		return nil, errno(err)
	}
	if typ == unix.SOCK_STREAM {
		// Nagle's algorithm is on by default (TCP_NODELAY 0), as in
		// Linux.
		ep.SocketOptions().SetDelayOption(true)
	}
	return st.wrap(family, typ, protocol, ep, gq, uid, gid), nil
}

// wrap makes a Socket of an endpoint.
func (st *Stack) wrap(family, typ, protocol int, ep tcpip.Endpoint, gq *gwaiter.Queue, uid, gid uint32) *Socket {
	s := &Socket{
		st:       st,
		family:   family,
		typ:      typ,
		proto:    protocol,
		ep:       ep,
		gq:       gq,
		ino:      lastIno.Add(1),
		uid:      uid,
		gid:      gid,
		ctime:    nowSpec(),
		rcvtimeo: socket.TimeoutForever,
		sndtimeo: socket.TimeoutForever,
	}
	s.bridge = gwaiter.NewFunctionEntry(gwaiter.AllEvents|gwaiter.EventPri, func(m gwaiter.EventMask) {
		s.noteEvents(m)
		s.q.Notify(toSentry(m))
	})
	gq.EventRegister(&s.bridge)
	s.register()
	return s
}

// Family implements socket.Socket.Family.
func (s *Socket) Family() int { return s.family }

// Type implements socket.Socket.Type.
func (s *Socket) Type() int { return s.typ }

// Protocol implements socket.Socket.Protocol.
func (s *Socket) Protocol() int { return s.proto }

// Ino returns the socket's inode number.
func (s *Socket) Ino() uint64 { return s.ino }

// Stat implements vfs.FileImpl.Stat: a sockfs inode.
func (s *Socket) Stat() (vfs.Stat, error) {
	return vfs.Stat{
		Dev:     Dev,
		Ino:     s.ino,
		Nlink:   1,
		Mode:    unix.S_IFSOCK | 0o777,
		UID:     s.uid,
		GID:     s.gid,
		Blksize: 4096,
		Atime:   s.ctime,
		Mtime:   s.ctime,
		Ctime:   s.ctime,
	}, nil
}

// Release implements vfs.FileImpl.Release: the socket's last file
// reference is gone, and its endpoint closes (a TCP connection with
// unread data, or SO_LINGER of 0, is reset, as in Linux).
func (s *Socket) Release() {
	s.mu.Lock()
	if s.released {
		s.mu.Unlock()
		return
	}
	s.released = true
	s.mu.Unlock()
	s.gone.Store(true)
	s.unregister()
	s.gq.EventUnregister(&s.bridge)
	s.ep.Close()
}

// tcpState returns the endpoint's TCP state (tcp.EndpointState).
func (s *Socket) tcpState() tcp.EndpointState {
	return tcp.EndpointState(s.ep.State())
}

// Readiness implements waiter.Waitable.Readiness, as tcp_poll and
// udp_poll report it.
func (s *Socket) Readiness(mask waiter.Mask) waiter.Mask {
	r := toSentry(s.ep.Readiness(toTCPIP(mask | waiter.EventErr | waiter.EventHUp)))
	if s.typ == unix.SOCK_STREAM {
		switch s.tcpState() {
		case tcp.StateInitial, tcp.StateBound:
			// A socket that is neither connected nor listening is
			// closed: hung up and, having no send shutdown, writable.
			r |= waiter.EventHUp | writable
		}
	}
	return r & mask
}

// EventRegister implements waiter.Waitable.EventRegister.
func (s *Socket) EventRegister(e *waiter.Entry) { s.q.EventRegister(e) }

// EventUnregister implements waiter.Waitable.EventUnregister.
func (s *Socket) EventUnregister(e *waiter.Entry) { s.q.EventUnregister(e) }

func (s *Socket) timeouts() (rcv, snd socket.Timeout) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rcvtimeo, s.sndtimeo
}

// block runs op until it returns something other than EAGAIN, waiting
// for mask on the socket between tries when ctx may block, until the
// timeout t. It returns EAGAIN at the timeout or when ctx does not
// block, and the Context's error when interrupted.
func (s *Socket) block(ctx *socket.Context, mask waiter.Mask, t socket.Timeout, op func() error) error {
	err := op()
	if err != unix.EAGAIN || !ctx.CanBlock() {
		return err
	}
	deadline, ok := t.Deadline()
	if !ok {
		return unix.EAGAIN
	}
	e := waiter.NewEntry(mask | waiter.EventErr | waiter.EventHUp)
	s.q.EventRegister(e)
	defer s.q.EventUnregister(e)
	for {
		if err := op(); err != unix.EAGAIN {
			return err
		}
		if err := ctx.Wait(e.C, deadline); err != nil {
			return err
		}
	}
}

// parseAddr parses the address of bind (bind set) or connect/sendto
// for a socket of s's family, with inet_bind's, inet6_bind's and the
// connects' checks. unspec reports an AF_UNSPEC address, which connect
// takes as a disconnect.
func (s *Socket) parseAddr(raw []byte, bind bool) (a sockaddr, unspec bool, err error) {
	fam := addrFamily(raw)
	if fam < 0 {
		return a, false, unix.EINVAL
	}
	if s.family == afInet {
		if !bind && fam == afUnspec && (s.typ == unix.SOCK_STREAM || len(raw) < sizeofSockaddrIn) {
			// inet_dgram_connect takes AF_UNSPEC as a disconnect
			// before checking the length.
			return a, true, nil
		}
		if len(raw) < sizeofSockaddrIn {
			return a, false, unix.EINVAL
		}
		switch fam {
		case afInet:
		case afUnspec:
			// bind accepts AF_UNSPEC with INADDR_ANY for old
			// programs; a datagram connect takes it as a disconnect,
			// a sendto as AF_INET.
			if bind {
				if binary.BigEndian.Uint32(raw[4:]) != 0 {
					return a, false, unix.EAFNOSUPPORT
				}
			} else if s.typ == unix.SOCK_DGRAM {
				a = parseIn(raw)
				return a, true, nil
			}
		default:
			return a, false, unix.EAFNOSUPPORT
		}
		return parseIn(raw), false, nil
	}
	if fam == afUnspec && !bind {
		return a, true, nil
	}
	if fam == afInet && !bind && s.typ == unix.SOCK_DGRAM {
		// A datagram socket of AF_INET6 takes AF_INET destinations as
		// their v4-mapped addresses, unless IPV6_V6ONLY.
		if len(raw) < sizeofSockaddrIn {
			return a, false, unix.EINVAL
		}
		if s.ep.SocketOptions().GetV6Only() {
			return a, false, unix.EAFNOSUPPORT
		}
		v4 := parseIn(raw)
		b4 := v4.addr.As4()
		var b16 [16]byte
		b16[10], b16[11] = 0xff, 0xff
		copy(b16[12:], b4[:])
		return sockaddr{family: afInet6, addr: tcpip.AddrFrom16(b16), port: v4.port}, false, nil
	}
	if len(raw) < sin6LenRFC2133 {
		return a, false, unix.EINVAL
	}
	if fam != afInet6 {
		return a, false, unix.EAFNOSUPPORT
	}
	a = parseIn6(raw)
	if isV4Mapped(a.addr) && s.ep.SocketOptions().GetV6Only() {
		if bind {
			return a, false, unix.EINVAL
		}
		return a, false, unix.ENETUNREACH
	}
	return a, false, nil
}

// Bind implements socket.Socket.Bind.
func (s *Socket) Bind(ctx *socket.Context, raw []byte) error {
	a, _, err := s.parseAddr(raw, true)
	if err != nil {
		return err
	}
	if err := errno(s.ep.Bind(a.full())); err != nil {
		return err
	}
	if a.port != 0 {
		s.portBound.Store(true)
	}
	return nil
}

// Listen implements socket.Socket.Listen.
func (s *Socket) Listen(ctx *socket.Context, backlog int) error {
	if s.typ != unix.SOCK_STREAM {
		return unix.EOPNOTSUPP
	}
	if err := errno(s.ep.Listen(backlog)); err != nil {
		return err
	}
	if uint(backlog) > Somaxconn {
		backlog = Somaxconn
	}
	s.backlog.Store(int32(backlog))
	return nil
}

// Accept implements socket.Socket.Accept, waiting up to SO_RCVTIMEO.
func (s *Socket) Accept(ctx *socket.Context) (socket.Socket, error) {
	if s.typ != unix.SOCK_STREAM {
		return nil, unix.EOPNOTSUPP
	}
	var (
		nep tcpip.Endpoint
		nq  *gwaiter.Queue
	)
	rcv, _ := s.timeouts()
	err := s.block(ctx, readable, rcv, func() error {
		ep, q, err := s.ep.Accept(nil)
		if err != nil {
			return errno(err)
		}
		nep, nq = ep, q
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.st.wrap(s.family, s.typ, s.proto, nep, nq, s.uid, s.gid), nil
}

// Connect implements socket.Socket.Connect. A stream connect waits for
// the handshake up to SO_SNDTIMEO (EINPROGRESS when it may not wait);
// its outcome is then the socket's pending error, as SO_ERROR reports.
func (s *Socket) Connect(ctx *socket.Context, raw []byte) error {
	a, unspec, err := s.parseAddr(raw, false)
	if err != nil {
		return err
	}
	if unspec {
		return s.disconnect()
	}
	if s.typ != unix.SOCK_STREAM {
		return errno(s.ep.Connect(a.full()))
	}
	return s.connectStream(ctx, a.full())
}

// handshaking reports whether the socket's handshake is under way.
func (s *Socket) handshaking() bool {
	switch s.tcpState() {
	case tcp.StateConnecting, tcp.StateSynSent, tcp.StateSynRecv:
		return true
	}
	return false
}

// connectStream starts a TCP connection, or goes on with one that an
// earlier connect started, as inet_stream_connect does: a connect after
// a non-blocking one is EALREADY while the handshake runs, then reports
// its outcome once (0, or the error), then EISCONN. (tcpip's Connect
// keeps that state: it reports a finished handshake once.)
func (s *Socket) connectStream(ctx *socket.Context, fa tcpip.FullAddress) error {
	if s.tcpState() == tcp.StateListen {
		return unix.EISCONN
	}
	e := waiter.NewEntry(writable | waiter.EventErr | waiter.EventHUp)
	s.q.EventRegister(e)
	defer s.q.EventUnregister(e)
	var notYet error
	switch err := s.ep.Connect(fa); err.(type) {
	case nil:
		return nil
	case *tcpip.ErrConnectStarted:
		notYet = unix.EINPROGRESS
	case *tcpip.ErrAlreadyConnecting:
		notYet = unix.EALREADY
	default:
		return s.connectErr(err)
	}
	if !ctx.CanBlock() {
		return notYet
	}
	_, snd := s.timeouts()
	deadline, ok := snd.Deadline()
	if !ok {
		return notYet
	}
	for s.handshaking() {
		if err := ctx.Wait(e.C, deadline); err != nil {
			if err == unix.EAGAIN {
				return notYet
			}
			return err
		}
	}
	return s.connectErr(s.ep.Connect(fa))
}

// connectErr is the result of a connect that ended: a failure's error
// is reported by connect and no longer pending for SO_ERROR.
func (s *Socket) connectErr(err tcpip.Error) error {
	if err != nil {
		s.drainErrors()
	}
	return errno(err)
}

// drainErrors drops the endpoint's pending errors: Linux keeps one
// (sk_err), which reporting it clears, where tcpip may hold the same
// error twice (as the connection's hard error and as the last error).
func (s *Socket) drainErrors() {
	for i := 0; i < 4 && s.ep.LastError() != nil; i++ {
	}
}

// disconnect is connect to AF_UNSPEC: a datagram socket forgets its
// peer; a stream socket that is not connected is left as it is.
func (s *Socket) disconnect() error {
	if s.typ == unix.SOCK_STREAM {
		switch s.tcpState() {
		case tcp.StateInitial, tcp.StateBound, tcp.StateClose:
			return nil
		}
	}
	return errno(s.ep.Disconnect())
}

// Shutdown implements socket.Socket.Shutdown.
func (s *Socket) Shutdown(ctx *socket.Context, how int) error {
	var f tcpip.ShutdownFlags
	switch how {
	case unix.SHUT_RD:
		f = tcpip.ShutdownRead
	case unix.SHUT_WR:
		f = tcpip.ShutdownWrite
	case unix.SHUT_RDWR:
		f = tcpip.ShutdownRead | tcpip.ShutdownWrite
	default:
		return unix.EINVAL
	}
	if err := errno(s.ep.Shutdown(f)); err != nil {
		return err
	}
	s.shut.Or(uint32(how + 1))
	return nil
}

// shutdownState is the socket's sk_shutdown: the directions it shut
// down, and receiving once the peer's FIN came.
func (s *Socket) shutdownState() uint8 {
	v := uint8(s.shut.Load())
	if s.typ == unix.SOCK_STREAM {
		switch tcp.EndpointState(s.ep.State()) {
		case tcp.StateCloseWait, tcp.StateLastAck, tcp.StateClosing, tcp.StateTimeWait:
			v |= 1
		}
	}
	return v
}

// SockName implements socket.Socket.SockName.
func (s *Socket) SockName() []byte {
	fa, err := s.ep.GetLocalAddress()
	if err != nil {
		fa = tcpip.FullAddress{}
	}
	return marshalAddr(s.family, fa)
}

// PeerName implements socket.Socket.PeerName.
func (s *Socket) PeerName() ([]byte, error) {
	fa, err := s.ep.GetRemoteAddress()
	if err != nil {
		return nil, errno(err)
	}
	return marshalAddr(s.family, fa), nil
}

// fileCtx is the context of read(2) and write(2): non-blocking, as the
// syscall layer waits for readiness.
var fileCtx = &socket.Context{NonBlocking: true}

// Read implements vfs.FileImpl.Read: a receive without flags.
func (s *Socket) Read(dst []byte, _ int64) (int, error) {
	r, err := s.RecvMsg(fileCtx, dst, 0)
	return r.N, err
}

// Write implements vfs.FileImpl.Write: a send to the peer without flags.
func (s *Socket) Write(src []byte, _ int64) (int, error) {
	return s.SendMsg(fileCtx, src, nil, nil, 0)
}

// WriteCopiesSrc tells the syscall layer that Write never keeps src:
// tcpip copies a send into its own segments before Write returns, so
// the caller's buffer may be reused.
func (s *Socket) WriteCopiesSrc() {}
