package inet

import (
	"bytes"
	"encoding/binary"
	"math"
	"time"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"

	"github.com/moat-dev/moat/sentry/socket"
)

// Option numbers that x/sys/unix lacks or names differently.
const (
	soRcvtimeoNew   = 66
	soSndtimeoNew   = 67
	soBindToIfindex = 62
	soCookie        = 57
	tcpCaNameMax    = 16
	sizeofTCPInfo   = 232
	ifNamSiz        = 16
	// tcpMaxKeepIdle and tcpMaxKeepIntvl are MAX_TCP_KEEPIDLE and
	// MAX_TCP_KEEPINTVL (seconds); tcpMaxKeepCnt is MAX_TCP_KEEPCNT.
	tcpMaxKeepIdle  = 32767
	tcpMaxKeepIntvl = 32767
	tcpMaxKeepCnt   = 127
	// tcpFinTimeoutMax is TCP_FIN_TIMEOUT_MAX in seconds; tcpFinTimeout
	// is net.ipv4.tcp_fin_timeout.
	tcpFinTimeoutMax = 120
	tcpFinTimeout    = 60
)

// Buffer limits, as a Linux with default sysctls has them.
const (
	wmemMax   = 212992 // net.core.wmem_max
	rmemMax   = 212992 // net.core.rmem_max
	minSndBuf = 4608   // SOCK_MIN_SNDBUF
	minRcvBuf = 2304   // SOCK_MIN_RCVBUF
)

// storedOpts are options that are kept and reported but change nothing
// on this stack, with their defaults.
var storedOpts = map[optKey]int32{
	{unix.SOL_SOCKET, unix.SO_DEBUG}:              0,
	{unix.SOL_SOCKET, unix.SO_DONTROUTE}:          0,
	{unix.SOL_SOCKET, unix.SO_OOBINLINE}:          0,
	{unix.SOL_SOCKET, unix.SO_PRIORITY}:           0,
	{unix.SOL_SOCKET, unix.SO_TIMESTAMP}:          0,
	{unix.SOL_SOCKET, unix.SO_TIMESTAMPNS}:        0,
	{unix.SOL_SOCKET, unix.SO_RCVLOWAT}:           1,
	{unix.SOL_SOCKET, unix.SO_ZEROCOPY}:           0,
	{unix.SOL_SOCKET, unix.SO_BUSY_POLL}:          0,
	{unix.SOL_IP, unix.IP_FREEBIND}:               0,
	{unix.SOL_IP, unix.IP_TRANSPARENT}:            0,
	{unix.SOL_IP, unix.IP_BIND_ADDRESS_NO_PORT}:   0,
	{unix.SOL_IP, unix.IP_MULTICAST_ALL}:          1,
	{unix.SOL_IPV6, unix.IPV6_RECVHOPLIMIT}:       0,
	{unix.SOL_IPV6, unix.IPV6_FREEBIND}:           0,
	{unix.SOL_IPV6, unix.IPV6_TRANSPARENT}:        0,
	{unix.SOL_TCP, unix.TCP_NOTSENT_LOWAT}:        -1,
	{unix.SOL_TCP, unix.TCP_FASTOPEN}:             0,
	{unix.SOL_TCP, unix.TCP_FASTOPEN_CONNECT}:     0,
	{unix.SOL_TCP, unix.TCP_INQ}:                  0,
	{unix.SOL_TCP, unix.TCP_THIN_LINEAR_TIMEOUTS}: 0,
	{unix.SOL_UDP, unix.UDP_CORK}:                 0,
	{unix.SOL_UDP, udpliteSendCscov}:              0,
	{unix.SOL_UDP, udpliteRecvCscov}:              0,
}

// UDP-Lite's level and options (SOL_UDPLITE, UDPLITE_SEND_CSCOV,
// UDPLITE_RECV_CSCOV).
const (
	solUDPLite       = unix.IPPROTO_UDPLITE
	udpliteSendCscov = 10
	udpliteRecvCscov = 11
)

// udpLevel folds SOL_UDPLITE into SOL_UDP, which Linux serves alike,
// and refuses the UDP-Lite options on plain UDP sockets.
func (s *Socket) udpLevel(level, name int) (int, error) {
	if level != unix.SOL_UDP && level != solUDPLite {
		return level, nil
	}
	if (name == udpliteSendCscov || name == udpliteRecvCscov) && s.proto != unix.IPPROTO_UDPLITE {
		return level, unix.ENOPROTOOPT
	}
	return unix.SOL_UDP, nil
}

func (s *Socket) stored(k optKey) int32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.opts[k]; ok {
		return v
	}
	return storedOpts[k]
}

func (s *Socket) store(k optKey, v int32) {
	s.mu.Lock()
	if s.opts == nil {
		s.opts = make(map[optKey]int32)
	}
	s.opts[k] = v
	s.mu.Unlock()
}

// levelOK reports whether level is one this socket has: SOL_SOCKET,
// its network protocol's and its transport protocol's. An IPv6 socket
// also takes SOL_IP options, which apply to its IPv4 traffic.
func (s *Socket) levelOK(level int) bool {
	switch level {
	case unix.SOL_SOCKET, unix.SOL_IP:
		return true
	case unix.SOL_IPV6:
		return s.family == afInet6
	case unix.SOL_TCP:
		return s.typ == unix.SOCK_STREAM
	case unix.SOL_UDP, solUDPLite:
		return s.typ == unix.SOCK_DGRAM
	}
	return false
}

// GetSockOpt implements socket.Socket.GetSockOpt.
func (s *Socket) GetSockOpt(ctx *socket.Context, level, name int) ([]byte, error) {
	if !s.levelOK(level) {
		// ip_getsockopt answers other levels with EOPNOTSUPP,
		// ipv6_getsockopt with ENOPROTOOPT.
		if s.family == afInet {
			return nil, unix.EOPNOTSUPP
		}
		return nil, unix.ENOPROTOOPT
	}
	level, err := s.udpLevel(level, name)
	if err != nil {
		return nil, err
	}
	if _, ok := storedOpts[optKey{level, name}]; ok {
		return socket.Int32(s.stored(optKey{level, name})), nil
	}
	switch level {
	case unix.SOL_SOCKET:
		return s.getSocketOpt(name)
	case unix.SOL_IP:
		return s.getIPOpt(name)
	case unix.SOL_IPV6:
		return s.getIPv6Opt(name)
	case unix.SOL_TCP:
		return s.getTCPOpt(name)
	}
	return nil, unix.ENOPROTOOPT
}

// SetSockOpt implements socket.Socket.SetSockOpt.
func (s *Socket) SetSockOpt(ctx *socket.Context, level, name int, val []byte) error {
	if !s.levelOK(level) {
		return unix.ENOPROTOOPT
	}
	level, err := s.udpLevel(level, name)
	if err != nil {
		return err
	}
	if _, ok := storedOpts[optKey{level, name}]; ok {
		v, err := optIntOrByte(val)
		if err != nil {
			return err
		}
		if level == unix.SOL_SOCKET && name == unix.SO_RCVLOWAT {
			if v < 0 {
				v = math.MaxInt32
			}
			if v == 0 {
				v = 1
			}
		}
		s.store(optKey{level, name}, v)
		return nil
	}
	switch level {
	case unix.SOL_SOCKET:
		return s.setSocketOpt(ctx, name, val)
	case unix.SOL_IP:
		return s.setIPOpt(name, val)
	case unix.SOL_IPV6:
		return s.setIPv6Opt(name, val)
	case unix.SOL_TCP:
		return s.setTCPOpt(name, val)
	}
	return unix.ENOPROTOOPT
}

// optIntOrByte decodes an int option that Linux's IP options also
// accept as a single byte.
func optIntOrByte(val []byte) (int32, error) {
	switch {
	case len(val) >= 4:
		return int32(binary.LittleEndian.Uint32(val)), nil
	case len(val) >= 1:
		return int32(val[0]), nil
	}
	return 0, unix.EINVAL
}

func (s *Socket) getSocketOpt(name int) ([]byte, error) {
	so := s.ep.SocketOptions()
	switch name {
	case unix.SO_TYPE:
		return socket.Int32(int32(s.typ)), nil
	case unix.SO_DOMAIN:
		return socket.Int32(int32(s.family)), nil
	case unix.SO_PROTOCOL:
		return socket.Int32(int32(s.proto)), nil
	case unix.SO_ERROR:
		var e int32
		if err := s.ep.LastError(); err != nil {
			s.drainErrors()
			if n, ok := errno(err).(unix.Errno); ok {
				e = int32(n)
			}
		}
		return socket.Int32(e), nil
	case unix.SO_ACCEPTCONN:
		return socket.Bool32(s.typ == unix.SOCK_STREAM && s.tcpState() == tcp.StateListen), nil
	case unix.SO_REUSEADDR:
		return socket.Bool32(so.GetReuseAddress()), nil
	case unix.SO_REUSEPORT:
		return socket.Bool32(so.GetReusePort()), nil
	case unix.SO_KEEPALIVE:
		return socket.Bool32(so.GetKeepAlive()), nil
	case unix.SO_BROADCAST:
		return socket.Bool32(so.GetBroadcast()), nil
	case unix.SO_PASSCRED:
		return socket.Bool32(so.GetPassCred()), nil
	case unix.SO_NO_CHECK:
		return socket.Bool32(so.GetNoChecksum()), nil
	case unix.SO_SNDBUF:
		return socket.Int32(int32(min(so.GetSendBufferSize(), math.MaxInt32))), nil
	case unix.SO_RCVBUF:
		return socket.Int32(int32(min(so.GetReceiveBufferSize(), math.MaxInt32))), nil
	case unix.SO_SNDLOWAT:
		return socket.Int32(1), nil
	case unix.SO_RCVTIMEO, soRcvtimeoNew:
		r, _ := s.timeouts()
		return r.Timeval(), nil
	case unix.SO_SNDTIMEO, soSndtimeoNew:
		_, w := s.timeouts()
		return w.Timeval(), nil
	case unix.SO_LINGER:
		l := so.GetLinger()
		b := make([]byte, 8)
		if l.Enabled {
			binary.LittleEndian.PutUint32(b, 1)
		}
		binary.LittleEndian.PutUint32(b[4:], uint32(l.Timeout/time.Second))
		return b, nil
	case unix.SO_MARK:
		return socket.Int32(int32(so.GetMark())), nil
	case unix.SO_BINDTODEVICE:
		idx := so.GetBindToDevice()
		if idx == 0 {
			return nil, nil
		}
		ifc, ok := s.st.Interface(int(idx))
		if !ok {
			return nil, nil
		}
		return append([]byte(ifc.Name), 0), nil
	case soBindToIfindex:
		return socket.Int32(so.GetBindToDevice()), nil
	case unix.SO_PEERCRED:
		// An inet socket has no peer credentials: pid 0, IDs -1.
		b := make([]byte, 12)
		binary.LittleEndian.PutUint32(b[4:], socket.InvalidID)
		binary.LittleEndian.PutUint32(b[8:], socket.InvalidID)
		return b, nil
	case soCookie:
		b := make([]byte, 8)
		binary.LittleEndian.PutUint64(b, s.ino)
		return b, nil
	}
	return nil, unix.ENOPROTOOPT
}

// bufSize is what SO_SNDBUF and SO_RCVBUF set, as sock_setsockopt
// computes it: the request clamped to the sysctl maximum (unless
// forced), doubled for overhead, and at least the minimum.
func bufSize(v int32, limit, floor int64, force bool) int64 {
	u := int64(uint32(v))
	if !force {
		u = min(u, limit)
	} else if v < 0 {
		u = 0
	}
	return max(min(2*u, math.MaxInt32), floor)
}

func (s *Socket) setSocketOpt(ctx *socket.Context, name int, val []byte) error {
	so := s.ep.SocketOptions()
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
	case unix.SO_LINGER:
		if len(val) < 8 {
			return unix.EINVAL
		}
		on := binary.LittleEndian.Uint32(val) != 0
		secs := int64(int32(binary.LittleEndian.Uint32(val[4:])))
		if secs < 0 {
			secs = 0
		}
		so.SetLinger(tcpip.LingerOption{Enabled: on, Timeout: time.Duration(secs) * time.Second})
		return nil
	case unix.SO_BINDTODEVICE:
		name := val
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		if len(name) >= ifNamSiz {
			return unix.EINVAL
		}
		idx := 0
		if len(name) > 0 {
			ifc, ok := s.st.InterfaceByName(string(name))
			if !ok {
				return unix.ENODEV
			}
			idx = ifc.Index
		}
		return errno(so.SetBindToDevice(int32(idx)))
	}
	v, err := socket.OptInt(val)
	if err != nil {
		return err
	}
	switch name {
	case unix.SO_REUSEADDR:
		so.SetReuseAddress(v != 0)
	case unix.SO_REUSEPORT:
		so.SetReusePort(v != 0)
	case unix.SO_KEEPALIVE:
		so.SetKeepAlive(v != 0)
	case unix.SO_BROADCAST:
		so.SetBroadcast(v != 0)
	case unix.SO_PASSCRED:
		so.SetPassCred(v != 0)
	case unix.SO_NO_CHECK:
		so.SetNoChecksum(v != 0)
	case unix.SO_SNDBUF, unix.SO_SNDBUFFORCE:
		force := name == unix.SO_SNDBUFFORCE
		if force && !ctx.CapNetAdmin {
			return unix.EPERM
		}
		so.SetSendBufferSize(bufSize(v, wmemMax, minSndBuf, force), true)
	case unix.SO_RCVBUF, unix.SO_RCVBUFFORCE:
		force := name == unix.SO_RCVBUFFORCE
		if force && !ctx.CapNetAdmin {
			return unix.EPERM
		}
		so.SetReceiveBufferSize(bufSize(v, rmemMax, minRcvBuf, force), true)
	case unix.SO_MARK:
		if !ctx.CapNetAdmin {
			return unix.EPERM
		}
		so.SetMark(uint32(v))
	case soBindToIfindex:
		if v != 0 {
			if _, ok := s.st.Interface(int(v)); !ok {
				return unix.ENODEV
			}
		}
		return errno(so.SetBindToDevice(v))
	case unix.SO_BSDCOMPAT, unix.SO_SNDLOWAT:
		// Accepted and ignored (SO_SNDLOWAT is ENOPROTOOPT in Linux).
		if name == unix.SO_SNDLOWAT {
			return unix.ENOPROTOOPT
		}
	default:
		return unix.ENOPROTOOPT
	}
	return nil
}

func (s *Socket) getIPOpt(name int) ([]byte, error) {
	so := s.ep.SocketOptions()
	switch name {
	case unix.IP_TOS:
		v, err := s.ep.GetSockOptInt(tcpip.IPv4TOSOption)
		if err != nil {
			return nil, errno(err)
		}
		return socket.Int32(int32(v)), nil
	case unix.IP_TTL:
		v, err := s.ep.GetSockOptInt(tcpip.IPv4TTLOption)
		if err != nil {
			return nil, errno(err)
		}
		if v == 0 {
			v = DefaultTTL
		}
		return socket.Int32(int32(v)), nil
	case unix.IP_MULTICAST_TTL:
		v, err := s.ep.GetSockOptInt(tcpip.MulticastTTLOption)
		if err != nil {
			return nil, errno(err)
		}
		return socket.Int32(int32(v)), nil
	case unix.IP_MULTICAST_LOOP:
		return socket.Bool32(so.GetMulticastLoop()), nil
	case unix.IP_RECVTOS:
		return socket.Bool32(so.GetReceiveTOS()), nil
	case unix.IP_RECVTTL:
		return socket.Bool32(so.GetReceiveTTL()), nil
	case unix.IP_PKTINFO:
		return socket.Bool32(so.GetReceivePacketInfo()), nil
	case unix.IP_RECVERR:
		return socket.Bool32(so.GetIPv4RecvError()), nil
	case unix.IP_MTU_DISCOVER:
		v, err := s.ep.GetSockOptInt(tcpip.MTUDiscoverOption)
		if err != nil {
			return nil, errno(err)
		}
		return socket.Int32(int32(v)), nil
	case unix.IP_MTU:
		if _, err := s.ep.GetRemoteAddress(); err != nil {
			return nil, unix.ENOTCONN
		}
		return socket.Int32(65536), nil
	}
	return nil, unix.ENOPROTOOPT
}

func (s *Socket) setIPOpt(name int, val []byte) error {
	so := s.ep.SocketOptions()
	v, err := optIntOrByte(val)
	if err != nil {
		return err
	}
	switch name {
	case unix.IP_TOS:
		return errno(s.ep.SetSockOptInt(tcpip.IPv4TOSOption, int(uint8(v))))
	case unix.IP_TTL:
		if v == -1 {
			v = 0
		} else if v < 1 || v > 255 {
			return unix.EINVAL
		}
		return errno(s.ep.SetSockOptInt(tcpip.IPv4TTLOption, int(v)))
	case unix.IP_MULTICAST_TTL:
		if v == -1 {
			v = 1
		} else if v < 0 || v > 255 {
			return unix.EINVAL
		}
		return errno(s.ep.SetSockOptInt(tcpip.MulticastTTLOption, int(v)))
	case unix.IP_MULTICAST_LOOP:
		so.SetMulticastLoop(v != 0)
	case unix.IP_RECVTOS:
		so.SetReceiveTOS(v != 0)
	case unix.IP_RECVTTL:
		so.SetReceiveTTL(v != 0)
	case unix.IP_PKTINFO:
		so.SetReceivePacketInfo(v != 0)
	case unix.IP_RECVERR:
		so.SetIPv4RecvError(v != 0)
	case unix.IP_MTU_DISCOVER:
		if v < 0 || v > 5 {
			return unix.EINVAL
		}
		if v > 3 {
			// IP_PMTUDISC_INTERFACE and _OMIT behave as DONT here.
			v = int32(tcpip.PMTUDiscoveryDont)
		}
		return errno(s.ep.SetSockOptInt(tcpip.MTUDiscoverOption, int(v)))
	default:
		return unix.ENOPROTOOPT
	}
	return nil
}

func (s *Socket) getIPv6Opt(name int) ([]byte, error) {
	so := s.ep.SocketOptions()
	switch name {
	case unix.IPV6_V6ONLY:
		return socket.Bool32(so.GetV6Only()), nil
	case unix.IPV6_TCLASS:
		v, err := s.ep.GetSockOptInt(tcpip.IPv6TrafficClassOption)
		if err != nil {
			return nil, errno(err)
		}
		return socket.Int32(int32(v)), nil
	case unix.IPV6_UNICAST_HOPS:
		v, err := s.ep.GetSockOptInt(tcpip.IPv6HopLimitOption)
		if err != nil {
			return nil, errno(err)
		}
		if v < 0 {
			v = DefaultTTL
		}
		return socket.Int32(int32(v)), nil
	case unix.IPV6_MULTICAST_HOPS:
		v, err := s.ep.GetSockOptInt(tcpip.MulticastTTLOption)
		if err != nil {
			return nil, errno(err)
		}
		return socket.Int32(int32(v)), nil
	case unix.IPV6_MULTICAST_LOOP:
		return socket.Bool32(so.GetMulticastLoop()), nil
	case unix.IPV6_RECVTCLASS:
		return socket.Bool32(so.GetReceiveTClass()), nil
	case unix.IPV6_RECVPKTINFO:
		return socket.Bool32(so.GetIPv6ReceivePacketInfo()), nil
	case unix.IPV6_RECVERR:
		return socket.Bool32(so.GetIPv6RecvError()), nil
	}
	return nil, unix.ENOPROTOOPT
}

func (s *Socket) setIPv6Opt(name int, val []byte) error {
	so := s.ep.SocketOptions()
	v, err := socket.OptInt(val)
	if err != nil {
		return err
	}
	switch name {
	case unix.IPV6_V6ONLY:
		// Fixed once the socket is bound.
		if fa, err := s.ep.GetLocalAddress(); err == nil && fa.Port != 0 {
			return unix.EINVAL
		}
		so.SetV6Only(v != 0)
	case unix.IPV6_TCLASS:
		if v < -1 || v > 255 {
			return unix.EINVAL
		}
		if v == -1 {
			v = 0
		}
		return errno(s.ep.SetSockOptInt(tcpip.IPv6TrafficClassOption, int(v)))
	case unix.IPV6_UNICAST_HOPS:
		if v < -1 || v > 255 {
			return unix.EINVAL
		}
		return errno(s.ep.SetSockOptInt(tcpip.IPv6HopLimitOption, int(v)))
	case unix.IPV6_MULTICAST_HOPS:
		if v < -1 || v > 255 {
			return unix.EINVAL
		}
		if v == -1 {
			v = 1
		}
		return errno(s.ep.SetSockOptInt(tcpip.MulticastTTLOption, int(v)))
	case unix.IPV6_MULTICAST_LOOP:
		so.SetMulticastLoop(v != 0)
	case unix.IPV6_RECVTCLASS:
		so.SetReceiveTClass(v != 0)
	case unix.IPV6_RECVPKTINFO:
		so.SetIPv6ReceivePacketInfo(v != 0)
	case unix.IPV6_RECVERR:
		so.SetIPv6RecvError(v != 0)
	default:
		return unix.ENOPROTOOPT
	}
	return nil
}

// linuxTCPState is the TCP_* state Linux reports for an endpoint state.
func linuxTCPState(st tcp.EndpointState) uint8 {
	switch st {
	case tcp.StateInitial, tcp.StateBound, tcp.StateError:
		return uint8(tcp.StateClose)
	case tcp.StateConnecting:
		return uint8(tcp.StateSynSent)
	}
	return uint8(st)
}

func (s *Socket) getTCPOpt(name int) ([]byte, error) {
	so := s.ep.SocketOptions()
	switch name {
	case unix.TCP_NODELAY:
		return socket.Bool32(!so.GetDelayOption()), nil
	case unix.TCP_CORK:
		return socket.Bool32(so.GetCorkOption()), nil
	case unix.TCP_QUICKACK:
		return socket.Bool32(so.GetQuickAck()), nil
	case unix.TCP_MAXSEG:
		v, err := s.ep.GetSockOptInt(tcpip.MaxSegOption)
		if err != nil {
			return nil, errno(err)
		}
		return socket.Int32(int32(v)), nil
	case unix.TCP_KEEPIDLE:
		var o tcpip.KeepaliveIdleOption
		if err := s.ep.GetSockOpt(&o); err != nil {
			return nil, errno(err)
		}
		return socket.Int32(int32(time.Duration(o) / time.Second)), nil
	case unix.TCP_KEEPINTVL:
		var o tcpip.KeepaliveIntervalOption
		if err := s.ep.GetSockOpt(&o); err != nil {
			return nil, errno(err)
		}
		return socket.Int32(int32(time.Duration(o) / time.Second)), nil
	case unix.TCP_KEEPCNT:
		v, err := s.ep.GetSockOptInt(tcpip.KeepaliveCountOption)
		if err != nil {
			return nil, errno(err)
		}
		return socket.Int32(int32(v)), nil
	case unix.TCP_SYNCNT:
		v, err := s.ep.GetSockOptInt(tcpip.TCPSynCountOption)
		if err != nil {
			return nil, errno(err)
		}
		return socket.Int32(int32(v)), nil
	case unix.TCP_WINDOW_CLAMP:
		v, err := s.ep.GetSockOptInt(tcpip.TCPWindowClampOption)
		if err != nil {
			return nil, errno(err)
		}
		return socket.Int32(int32(v)), nil
	case unix.TCP_USER_TIMEOUT:
		var o tcpip.TCPUserTimeoutOption
		if err := s.ep.GetSockOpt(&o); err != nil {
			return nil, errno(err)
		}
		return socket.Int32(int32(time.Duration(o) / time.Millisecond)), nil
	case unix.TCP_LINGER2:
		var o tcpip.TCPLingerTimeoutOption
		if err := s.ep.GetSockOpt(&o); err != nil {
			return nil, errno(err)
		}
		v := int32(time.Duration(o) / time.Second)
		if o < 0 {
			v = -1
		} else if v == 0 {
			v = tcpFinTimeout
		}
		return socket.Int32(v), nil
	case unix.TCP_DEFER_ACCEPT:
		var o tcpip.TCPDeferAcceptOption
		if err := s.ep.GetSockOpt(&o); err != nil {
			return nil, errno(err)
		}
		return socket.Int32(int32(time.Duration(o) / time.Second)), nil
	case unix.TCP_CONGESTION:
		var o tcpip.CongestionControlOption
		if err := s.ep.GetSockOpt(&o); err != nil {
			return nil, errno(err)
		}
		b := make([]byte, tcpCaNameMax)
		copy(b, o)
		return b, nil
	case unix.TCP_INFO:
		return s.tcpInfo(), nil
	}
	return nil, unix.ENOPROTOOPT
}

// tcpInfo builds struct tcp_info from what the endpoint tells.
func (s *Socket) tcpInfo() []byte {
	b := make([]byte, sizeofTCPInfo)
	b[0] = linuxTCPState(s.tcpState())
	var o tcpip.TCPInfoOption
	if err := s.ep.GetSockOpt(&o); err == nil {
		b[1] = uint8(o.CcState)
		binary.LittleEndian.PutUint32(b[8:], uint32(o.RTO/time.Microsecond))
		binary.LittleEndian.PutUint32(b[68:], uint32(o.RTT/time.Microsecond))
		binary.LittleEndian.PutUint32(b[72:], uint32(o.RTTVar/time.Microsecond))
		binary.LittleEndian.PutUint32(b[76:], o.SndSsthresh)
		binary.LittleEndian.PutUint32(b[80:], o.SndCwnd)
	}
	if mss, err := s.ep.GetSockOptInt(tcpip.MaxSegOption); err == nil {
		binary.LittleEndian.PutUint32(b[16:], uint32(mss))
		binary.LittleEndian.PutUint32(b[20:], uint32(mss))
		binary.LittleEndian.PutUint32(b[84:], uint32(mss))
	}
	binary.LittleEndian.PutUint32(b[60:], 65536) // pmtu
	return b
}

func (s *Socket) setTCPOpt(name int, val []byte) error {
	so := s.ep.SocketOptions()
	if name == unix.TCP_CONGESTION {
		n := val
		if i := bytes.IndexByte(n, 0); i >= 0 {
			n = n[:i]
		}
		o := tcpip.CongestionControlOption(n)
		if err := s.ep.SetSockOpt(&o); err != nil {
			if _, ok := err.(*tcpip.ErrNoSuchFile); ok {
				return unix.ENOENT
			}
			return errno(err)
		}
		return nil
	}
	v, err := socket.OptInt(val)
	if err != nil {
		return err
	}
	switch name {
	case unix.TCP_NODELAY:
		so.SetDelayOption(v == 0)
	case unix.TCP_CORK:
		so.SetCorkOption(v != 0)
	case unix.TCP_QUICKACK:
		so.SetQuickAck(v != 0)
	case unix.TCP_MAXSEG:
		if v == 0 {
			return nil
		}
		if v < 88 || v > math.MaxUint16 {
			return unix.EINVAL
		}
		return errno(s.ep.SetSockOptInt(tcpip.MaxSegOption, int(v)))
	case unix.TCP_KEEPIDLE:
		if v < 1 || v > tcpMaxKeepIdle {
			return unix.EINVAL
		}
		o := tcpip.KeepaliveIdleOption(time.Duration(v) * time.Second)
		return errno(s.ep.SetSockOpt(&o))
	case unix.TCP_KEEPINTVL:
		if v < 1 || v > tcpMaxKeepIntvl {
			return unix.EINVAL
		}
		o := tcpip.KeepaliveIntervalOption(time.Duration(v) * time.Second)
		return errno(s.ep.SetSockOpt(&o))
	case unix.TCP_KEEPCNT:
		if v < 1 || v > tcpMaxKeepCnt {
			return unix.EINVAL
		}
		return errno(s.ep.SetSockOptInt(tcpip.KeepaliveCountOption, int(v)))
	case unix.TCP_SYNCNT:
		if v < 1 || v > 255 {
			return unix.EINVAL
		}
		return errno(s.ep.SetSockOptInt(tcpip.TCPSynCountOption, int(v)))
	case unix.TCP_WINDOW_CLAMP:
		if v < 0 {
			return unix.EINVAL
		}
		return errno(s.ep.SetSockOptInt(tcpip.TCPWindowClampOption, int(v)))
	case unix.TCP_USER_TIMEOUT:
		if v < 0 {
			return unix.EINVAL
		}
		o := tcpip.TCPUserTimeoutOption(time.Duration(v) * time.Millisecond)
		return errno(s.ep.SetSockOpt(&o))
	case unix.TCP_LINGER2:
		var d time.Duration
		switch {
		case v < 0:
			d = -1
		case v > tcpFinTimeoutMax:
			d = tcpFinTimeoutMax * time.Second
		default:
			d = time.Duration(v) * time.Second
		}
		o := tcpip.TCPLingerTimeoutOption(d)
		return errno(s.ep.SetSockOpt(&o))
	case unix.TCP_DEFER_ACCEPT:
		if v < 0 {
			v = 0
		}
		o := tcpip.TCPDeferAcceptOption(time.Duration(v) * time.Second)
		return errno(s.ep.SetSockOpt(&o))
	default:
		return unix.ENOPROTOOPT
	}
	return nil
}

// IOTimeout returns the timeout of a blocking read (SO_RCVTIMEO) or
// write (SO_SNDTIMEO) through read(2) and write(2): ok is false when
// there is none, and a zero timeout means give up at once. (The same
// method as sentry/socket/unix's, for the generic blocking path of
// read(2) and write(2) to consult.)
func (s *Socket) IOTimeout(write bool) (timeout time.Duration, ok bool) {
	rcv, snd := s.timeouts()
	return ioTimeout(rcv, snd, write)
}

// IOTimeout is Socket.IOTimeout for netlink sockets.
func (s *NetlinkSocket) IOTimeout(write bool) (timeout time.Duration, ok bool) {
	s.mu.Lock()
	rcv, snd := s.rcvtimeo, s.sndtimeo
	s.mu.Unlock()
	return ioTimeout(rcv, snd, write)
}

func ioTimeout(rcv, snd socket.Timeout, write bool) (time.Duration, bool) {
	t := rcv
	if write {
		t = snd
	}
	if t == socket.TimeoutForever {
		return 0, false
	}
	return time.Duration(t) * (time.Second / socket.HZ), true
}
