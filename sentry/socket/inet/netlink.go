package inet

import (
	"encoding/binary"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/socket"
	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

// AF_NETLINK NETLINK_ROUTE sockets: enough of rtnetlink for programs to
// list the stack's interfaces and addresses (glibc's getifaddrs,
// if_nameindex and getaddrinfo with AI_ADDRCONFIG; Go's net.Interfaces
// and net.InterfaceAddrs): RTM_GETLINK, RTM_GETADDR and RTM_GETROUTE,
// as dumps or for one interface. Requests are answered at once: the
// replies are queued on the socket as datagrams of at most a page. Other
// requests get an NLMSG_ERROR of EOPNOTSUPP; multicast groups are
// accepted and never deliver anything.

// Netlink constants.
const (
	afNetlink         = unix.AF_NETLINK
	sizeofSockaddrNl  = 12
	sizeofNlmsghdr    = 16
	nlmsgAlignTo      = 4
	nlmsgError        = 0x2
	nlmsgDone         = 0x3
	nlmsgMinType      = 0x10
	nlmFRequest       = 0x1
	nlmFMulti         = 0x2
	nlmFAck           = 0x4
	nlmFDump          = 0x300
	rtmNewLink        = 16
	rtmGetLink        = 18
	rtmNewAddr        = 20
	rtmGetAddr        = 22
	rtmNewRoute       = 24
	rtmGetRoute       = 26
	solNetlink        = 270
	netlinkDatagram   = 4096
	iflaAddress       = 1
	iflaBroadcast     = 2
	iflaIfname        = 3
	iflaMTU           = 4
	iflaTxqlen        = 13
	iflaOperstate     = 16
	iflaLinkmode      = 17
	ifaAddress        = 1
	ifaLocal          = 2
	ifaLabel          = 3
	ifaFlags          = 8
	ifaFPermanent     = 0x80
	rtScopeUniverse   = 0
	rtScopeHost       = 254
	rtTableMain       = 254
	rtprotKernel      = 2
	rtnUnicast        = 1
	rtaDst            = 1
	rtaOif            = 4
	rtaTable          = 15
	rtaPrefsrc        = 7
	ifOperUnknown     = 0
	netlinkRouteProto = 0 // NETLINK_ROUTE
)

// NetlinkSocket is an AF_NETLINK NETLINK_ROUTE or NETLINK_SOCK_DIAG
// socket.
type NetlinkSocket struct {
	vfs.NoImpl

	st    *Stack
	typ   int
	proto int
	ino   uint64
	uid   uint32
	gid   uint32
	q     waiter.Queue

	mu       sync.Mutex
	portID   uint32
	groups   uint32
	recvq    [][]byte
	rcvtimeo socket.Timeout
	sndtimeo socket.Timeout
	rcvbuf   int32
	sndbuf   int32
	opts     map[int]int32
}

var (
	_ socket.Socket   = (*NetlinkSocket)(nil)
	_ waiter.Waitable = (*NetlinkSocket)(nil)
)

// lastPortID numbers netlink sockets' port IDs.
var lastPortID atomic.Uint32

// NetlinkProtocol checks socket(2)'s type and protocol for AF_NETLINK:
// SOCK_RAW or SOCK_DGRAM, NETLINK_ROUTE or NETLINK_SOCK_DIAG.
func NetlinkProtocol(typ, protocol int) error {
	if typ != unix.SOCK_RAW && typ != unix.SOCK_DGRAM {
		return unix.ESOCKTNOSUPPORT
	}
	if protocol != netlinkRouteProto && protocol != netlinkSockDiagProto {
		return unix.EPROTONOSUPPORT
	}
	return nil
}

// NewNetlinkSocket returns a netlink socket of type typ and protocol
// proto (checked by NetlinkProtocol) on st.
func (st *Stack) NewNetlinkSocket(typ, proto int, uid, gid uint32) *NetlinkSocket {
	return &NetlinkSocket{
		st:       st,
		typ:      typ,
		proto:    proto,
		ino:      lastIno.Add(1),
		uid:      uid,
		gid:      gid,
		rcvtimeo: socket.TimeoutForever,
		sndtimeo: socket.TimeoutForever,
		rcvbuf:   wmemMax,
		sndbuf:   wmemMax,
	}
}

// Family implements socket.Socket.Family.
func (s *NetlinkSocket) Family() int { return afNetlink }

// Type implements socket.Socket.Type.
func (s *NetlinkSocket) Type() int { return s.typ }

// Protocol implements socket.Socket.Protocol.
func (s *NetlinkSocket) Protocol() int { return s.proto }

// Stat implements vfs.FileImpl.Stat.
func (s *NetlinkSocket) Stat() (vfs.Stat, error) {
	return vfs.Stat{Dev: Dev, Ino: s.ino, Nlink: 1, Mode: unix.S_IFSOCK | 0o777, UID: s.uid, GID: s.gid, Blksize: 4096}, nil
}

// Readiness implements waiter.Waitable.Readiness.
func (s *NetlinkSocket) Readiness(mask waiter.Mask) waiter.Mask {
	r := writable
	s.mu.Lock()
	if len(s.recvq) > 0 {
		r |= readable
	}
	s.mu.Unlock()
	return r & mask
}

// EventRegister implements waiter.Waitable.EventRegister.
func (s *NetlinkSocket) EventRegister(e *waiter.Entry) { s.q.EventRegister(e) }

// EventUnregister implements waiter.Waitable.EventUnregister.
func (s *NetlinkSocket) EventUnregister(e *waiter.Entry) { s.q.EventUnregister(e) }

func nlAddr(pid, groups uint32) []byte {
	b := make([]byte, sizeofSockaddrNl)
	binary.LittleEndian.PutUint16(b, afNetlink)
	binary.LittleEndian.PutUint32(b[4:], pid)
	binary.LittleEndian.PutUint32(b[8:], groups)
	return b
}

// parseNlAddr checks a sockaddr_nl as netlink_bind does.
func parseNlAddr(b []byte) (pid, groups uint32, err error) {
	if len(b) < sizeofSockaddrNl {
		return 0, 0, unix.EINVAL
	}
	if addrFamily(b) != afNetlink {
		return 0, 0, unix.EINVAL
	}
	return binary.LittleEndian.Uint32(b[4:]), binary.LittleEndian.Uint32(b[8:]), nil
}

// autobindLocked gives the socket a port ID if it has none. s.mu is
// held.
func (s *NetlinkSocket) autobindLocked() {
	if s.portID == 0 {
		s.portID = lastPortID.Add(1) | 1<<31
	}
}

// Bind implements socket.Socket.Bind.
func (s *NetlinkSocket) Bind(ctx *socket.Context, raw []byte) error {
	pid, groups, err := parseNlAddr(raw)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if pid != 0 {
		if s.portID != 0 && s.portID != pid {
			return unix.EINVAL
		}
		s.portID = pid
	}
	s.autobindLocked()
	s.groups = groups
	return nil
}

// Listen implements socket.Socket.Listen.
func (s *NetlinkSocket) Listen(*socket.Context, int) error { return unix.EOPNOTSUPP }

// Accept implements socket.Socket.Accept.
func (s *NetlinkSocket) Accept(*socket.Context) (socket.Socket, error) {
	return nil, unix.EOPNOTSUPP
}

// Connect implements socket.Socket.Connect: only the kernel (port 0) can
// be a peer here.
func (s *NetlinkSocket) Connect(ctx *socket.Context, raw []byte) error {
	if addrFamily(raw) == afUnspec {
		return nil
	}
	if _, _, err := parseNlAddr(raw); err != nil {
		return err
	}
	s.mu.Lock()
	s.autobindLocked()
	s.mu.Unlock()
	return nil
}

// Shutdown implements socket.Socket.Shutdown.
func (s *NetlinkSocket) Shutdown(*socket.Context, int) error { return nil }

// SockName implements socket.Socket.SockName.
func (s *NetlinkSocket) SockName() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return nlAddr(s.portID, s.groups)
}

// PeerName implements socket.Socket.PeerName: the kernel.
func (s *NetlinkSocket) PeerName() ([]byte, error) { return nlAddr(0, 0), nil }

// Release implements vfs.FileImpl.Release.
func (s *NetlinkSocket) Release() {}

// Ioctl implements vfs.Ioctler.
func (s *NetlinkSocket) Ioctl(mem vfs.Memory, cmd uint32, arg uint64) (uint64, error) {
	if cmd == unix.SIOCINQ {
		var v uint32
		s.mu.Lock()
		if len(s.recvq) > 0 {
			v = uint32(len(s.recvq[0]))
		}
		s.mu.Unlock()
		var b [4]byte
		binary.LittleEndian.PutUint32(b[:], v)
		if _, err := mem.CopyOut(arg, b[:]); err != nil {
			return 0, unix.EFAULT
		}
		return 0, nil
	}
	if ok, err := s.st.DeviceIoctl(mem, cmd, arg); ok {
		return 0, err
	}
	return 0, unix.ENOTTY
}

// Read implements vfs.FileImpl.Read.
func (s *NetlinkSocket) Read(dst []byte, _ int64) (int, error) {
	r, err := s.RecvMsg(fileCtx, dst, 0)
	return r.N, err
}

// Write implements vfs.FileImpl.Write.
func (s *NetlinkSocket) Write(src []byte, _ int64) (int, error) {
	return s.SendMsg(fileCtx, src, nil, nil, 0)
}

// SendMsg implements socket.Socket.SendMsg: data holds requests for the
// kernel, which are answered at once.
func (s *NetlinkSocket) SendMsg(ctx *socket.Context, data []byte, addr []byte, ctl *socket.SendControl, flags int) (int, error) {
	if addr != nil {
		pid, _, err := parseNlAddr(addr)
		if err != nil {
			return 0, err
		}
		if pid != 0 {
			// No other process listens on netlink here.
			return 0, unix.ECONNREFUSED
		}
	}
	s.mu.Lock()
	s.autobindLocked()
	pid := s.portID
	s.mu.Unlock()
	var replies [][]byte
	for b := data; len(b) >= sizeofNlmsghdr; {
		l := int(binary.LittleEndian.Uint32(b))
		if l < sizeofNlmsghdr || l > len(b) {
			break
		}
		if s.proto == netlinkSockDiagProto {
			replies = append(replies, s.st.sockDiag(b[:l], pid)...)
		} else {
			replies = append(replies, s.st.rtnetlink(b[:l], pid)...)
		}
		b = b[min(nlmsgAlign(l), len(b)):]
	}
	if len(replies) > 0 {
		s.mu.Lock()
		s.recvq = append(s.recvq, pack(replies)...)
		s.mu.Unlock()
		s.q.Notify(readable)
	}
	return len(data), nil
}

// pack gathers messages into datagrams of at most a page.
func pack(msgs [][]byte) [][]byte {
	var out [][]byte
	var cur []byte
	for _, m := range msgs {
		if len(cur) > 0 && len(cur)+len(m) > netlinkDatagram {
			out = append(out, cur)
			cur = nil
		}
		cur = append(cur, m...)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// RecvMsg implements socket.Socket.RecvMsg: one datagram, from the
// kernel.
func (s *NetlinkSocket) RecvMsg(ctx *socket.Context, dst []byte, flags int) (socket.RecvResult, error) {
	var r socket.RecvResult
	s.mu.Lock()
	rcv := s.rcvtimeo
	s.mu.Unlock()
	e := waiter.NewEntry(readable)
	s.q.EventRegister(e)
	defer s.q.EventUnregister(e)
	deadline, canWait := rcv.Deadline()
	for {
		s.mu.Lock()
		if len(s.recvq) > 0 {
			d := s.recvq[0]
			if flags&socket.MsgPeek == 0 {
				s.recvq = s.recvq[1:]
			}
			s.mu.Unlock()
			r.N = copy(dst, d)
			r.Len = len(d)
			if len(d) > len(dst) {
				r.Flags |= socket.MsgTrunc
			}
			r.From = nlAddr(0, 0)
			return r, nil
		}
		s.mu.Unlock()
		if !ctx.CanBlock() || !canWait {
			return r, unix.EAGAIN
		}
		if err := ctx.Wait(e.C, deadline); err != nil {
			return r, err
		}
	}
}

// GetSockOpt implements socket.Socket.GetSockOpt.
func (s *NetlinkSocket) GetSockOpt(ctx *socket.Context, level, name int) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch level {
	case unix.SOL_SOCKET:
		switch name {
		case unix.SO_TYPE:
			return socket.Int32(int32(s.typ)), nil
		case unix.SO_DOMAIN:
			return socket.Int32(afNetlink), nil
		case unix.SO_PROTOCOL:
			return socket.Int32(int32(s.proto)), nil
		case unix.SO_ERROR:
			return socket.Int32(0), nil
		case unix.SO_RCVBUF:
			return socket.Int32(s.rcvbuf), nil
		case unix.SO_SNDBUF:
			return socket.Int32(s.sndbuf), nil
		case unix.SO_RCVTIMEO, soRcvtimeoNew:
			return s.rcvtimeo.Timeval(), nil
		case unix.SO_SNDTIMEO, soSndtimeoNew:
			return s.sndtimeo.Timeval(), nil
		case unix.SO_PASSCRED:
			return socket.Int32(s.opts[-name]), nil
		}
		return nil, unix.ENOPROTOOPT
	case solNetlink:
		return socket.Int32(s.opts[name]), nil
	}
	return nil, unix.ENOPROTOOPT
}

// SetSockOpt implements socket.Socket.SetSockOpt.
func (s *NetlinkSocket) SetSockOpt(ctx *socket.Context, level, name int, val []byte) error {
	switch level {
	case unix.SOL_SOCKET:
		switch name {
		case unix.SO_RCVTIMEO, soRcvtimeoNew, unix.SO_SNDTIMEO, soSndtimeoNew:
			t, err := socket.ParseTimeval(val)
			if err != nil {
				return err
			}
			s.mu.Lock()
			if name == unix.SO_RCVTIMEO || name == soRcvtimeoNew {
				s.rcvtimeo = t
			} else {
				s.sndtimeo = t
			}
			s.mu.Unlock()
			return nil
		}
		v, err := socket.OptInt(val)
		if err != nil {
			return err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		switch name {
		case unix.SO_RCVBUF, unix.SO_RCVBUFFORCE:
			s.rcvbuf = int32(bufSize(v, rmemMax, minRcvBuf, name == unix.SO_RCVBUFFORCE))
		case unix.SO_SNDBUF, unix.SO_SNDBUFFORCE:
			s.sndbuf = int32(bufSize(v, wmemMax, minSndBuf, name == unix.SO_SNDBUFFORCE))
		case unix.SO_PASSCRED:
			s.setOptLocked(-name, v)
		default:
			return unix.ENOPROTOOPT
		}
		return nil
	case solNetlink:
		v, err := socket.OptInt(val)
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.setOptLocked(name, v)
		s.mu.Unlock()
		return nil
	}
	return unix.ENOPROTOOPT
}

func (s *NetlinkSocket) setOptLocked(name int, v int32) {
	if s.opts == nil {
		s.opts = make(map[int]int32)
	}
	if v != 0 {
		v = 1
	}
	s.opts[name] = v
}

func nlmsgAlign(n int) int { return (n + nlmsgAlignTo - 1) &^ (nlmsgAlignTo - 1) }

// nlmsg builds netlink messages.
type nlmsg struct{ b []byte }

func newMsg(typ, flags uint16, seq, pid uint32) *nlmsg {
	m := &nlmsg{b: make([]byte, sizeofNlmsghdr)}
	binary.LittleEndian.PutUint16(m.b[4:], typ)
	binary.LittleEndian.PutUint16(m.b[6:], flags)
	binary.LittleEndian.PutUint32(m.b[8:], seq)
	binary.LittleEndian.PutUint32(m.b[12:], pid)
	return m
}

func (m *nlmsg) put(b []byte) {
	m.b = append(m.b, b...)
	for len(m.b)%nlmsgAlignTo != 0 {
		m.b = append(m.b, 0)
	}
}

func (m *nlmsg) attr(typ uint16, payload []byte) {
	h := make([]byte, 4)
	binary.LittleEndian.PutUint16(h, uint16(4+len(payload)))
	binary.LittleEndian.PutUint16(h[2:], typ)
	m.put(append(h, payload...))
}

func (m *nlmsg) attrU32(typ uint16, v uint32) {
	b := make([]byte, 4)
	binary.LittleEndian.PutUint32(b, v)
	m.attr(typ, b)
}

func (m *nlmsg) done() []byte {
	binary.LittleEndian.PutUint32(m.b, uint32(len(m.b)))
	return m.b
}

// errorMsg is NLMSG_ERROR for req with errno e (0 for an ack).
func errorMsg(req []byte, e unix.Errno, pid uint32) []byte {
	seq := binary.LittleEndian.Uint32(req[8:])
	m := newMsg(nlmsgError, 0, seq, pid)
	b := make([]byte, 4)
	binary.LittleEndian.PutUint32(b, uint32(-int32(e)))
	m.put(b)
	m.put(req[:sizeofNlmsghdr])
	return m.done()
}

// doneMsg is the NLMSG_DONE that ends a dump, carrying the dump's error
// (0 for none).
func doneMsg(seq, pid uint32, e unix.Errno) []byte {
	m := newMsg(nlmsgDone, nlmFMulti, seq, pid)
	b := make([]byte, 4)
	binary.LittleEndian.PutUint32(b, uint32(-int32(e)))
	m.put(b)
	return m.done()
}

// rtnetlink answers one request message from port pid.
func (st *Stack) rtnetlink(req []byte, pid uint32) [][]byte {
	typ := binary.LittleEndian.Uint16(req[4:])
	flags := binary.LittleEndian.Uint16(req[6:])
	seq := binary.LittleEndian.Uint32(req[8:])
	body := req[sizeofNlmsghdr:]
	if flags&nlmFRequest == 0 || typ < nlmsgMinType {
		return nil
	}
	dump := flags&nlmFDump == nlmFDump
	var family uint8
	if len(body) >= 1 {
		family = body[0]
	}
	var out [][]byte
	switch typ {
	case rtmGetLink:
		index := int32(0)
		if len(body) >= 8 {
			index = int32(binary.LittleEndian.Uint32(body[4:]))
		}
		if !dump && index == 0 {
			return [][]byte{errorMsg(req, unix.EINVAL, pid)}
		}
		for _, ifc := range st.Interfaces() {
			if !dump && int32(ifc.Index) != index {
				continue
			}
			out = append(out, linkMsg(ifc, seq, pid, dump))
		}
		if !dump && len(out) == 0 {
			return [][]byte{errorMsg(req, unix.ENODEV, pid)}
		}
	case rtmGetAddr:
		if !dump {
			return [][]byte{errorMsg(req, unix.EOPNOTSUPP, pid)}
		}
		for _, ifc := range st.Interfaces() {
			for _, a := range ifc.Addrs {
				if family != 0 && int(family) != a.Family {
					continue
				}
				out = append(out, addrMsg(ifc, a, seq, pid))
			}
		}
	case rtmGetRoute:
		if !dump {
			return [][]byte{errorMsg(req, unix.EOPNOTSUPP, pid)}
		}
		for _, ifc := range st.Interfaces() {
			for _, a := range ifc.Addrs {
				if family != 0 && int(family) != a.Family {
					continue
				}
				out = append(out, routeMsg(ifc, a, seq, pid))
			}
		}
	default:
		return [][]byte{errorMsg(req, unix.EOPNOTSUPP, pid)}
	}
	if dump {
		out = append(out, doneMsg(seq, pid, 0))
	} else if flags&nlmFAck != 0 {
		out = append(out, errorMsg(req, 0, pid))
	}
	return out
}

func multi(dump bool) uint16 {
	if dump {
		return nlmFMulti
	}
	return 0
}

// linkMsg is RTM_NEWLINK describing ifc.
func linkMsg(ifc Interface, seq, pid uint32, dump bool) []byte {
	m := newMsg(rtmNewLink, multi(dump), seq, pid)
	ifi := make([]byte, 16)
	binary.LittleEndian.PutUint16(ifi[2:], ifc.Type)
	binary.LittleEndian.PutUint32(ifi[4:], uint32(ifc.Index))
	binary.LittleEndian.PutUint32(ifi[8:], ifc.Flags)
	m.put(ifi)
	m.attr(iflaIfname, append([]byte(ifc.Name), 0))
	m.attrU32(iflaMTU, ifc.MTU)
	m.attrU32(iflaTxqlen, 1000)
	m.attr(iflaOperstate, []byte{ifOperUnknown})
	m.attr(iflaLinkmode, []byte{0})
	m.attr(iflaAddress, ifc.HWAddr)
	m.attr(iflaBroadcast, make([]byte, len(ifc.HWAddr)))
	return m.done()
}

// addrMsg is RTM_NEWADDR describing address a of ifc.
func addrMsg(ifc Interface, a Address, seq, pid uint32) []byte {
	m := newMsg(rtmNewAddr, nlmFMulti, seq, pid)
	scope := uint8(rtScopeUniverse)
	if ifc.Flags&iffLoopback != 0 {
		scope = rtScopeHost
	}
	ifa := []byte{uint8(a.Family), uint8(a.Prefix), ifaFPermanent, scope, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(ifa[4:], uint32(ifc.Index))
	m.put(ifa)
	m.attr(ifaAddress, a.Addr)
	if a.Family == afInet {
		m.attr(ifaLocal, a.Addr)
		m.attr(ifaLabel, append([]byte(ifc.Name), 0))
	}
	m.attrU32(ifaFlags, ifaFPermanent)
	return m.done()
}

// routeMsg is RTM_NEWROUTE for the subnet of address a of ifc.
func routeMsg(ifc Interface, a Address, seq, pid uint32) []byte {
	m := newMsg(rtmNewRoute, nlmFMulti, seq, pid)
	scope := uint8(rtScopeUniverse)
	if ifc.Flags&iffLoopback != 0 {
		scope = rtScopeHost
	}
	// struct rtmsg: family, dst_len, src_len, tos, table, protocol,
	// scope, type, flags.
	rtm := []byte{uint8(a.Family), uint8(a.Prefix), 0, 0, rtTableMain, rtprotKernel, scope, rtnUnicast, 0, 0, 0, 0}
	m.put(rtm)
	m.attrU32(rtaTable, rtTableMain)
	dst := make([]byte, len(a.Addr))
	for i := range dst {
		bits := a.Prefix - 8*i
		switch {
		case bits >= 8:
			dst[i] = a.Addr[i]
		case bits > 0:
			dst[i] = a.Addr[i] & (0xff << (8 - bits))
		}
	}
	m.attr(rtaDst, dst)
	m.attr(rtaPrefsrc, a.Addr)
	m.attrU32(rtaOif, uint32(ifc.Index))
	return m.done()
}
