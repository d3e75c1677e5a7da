package inet

import (
	"sort"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/transport"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
)

// Conn is one socket as /proc/net/tcp, tcp6, udp and udp6 list it.
type Conn struct {
	// Local and Remote are 4 or 16 bytes; zero when unbound or
	// unconnected.
	Local, Remote []byte
	LPort, RPort  uint16
	// State is Linux's TCP state number (TCP_ESTABLISHED 1 ...
	// TCP_CLOSING 11); a UDP socket is ESTABLISHED once connected and
	// CLOSE otherwise.
	State            uint8
	TxQueue, RxQueue uint32
	UID              uint32
	Ino              uint64
}

// Conns returns the sockets of the stack of the given family (AF_INET or
// AF_INET6) and type (SOCK_STREAM or SOCK_DGRAM) that the sandbox holds
// open, by inode number; none for a nil stack.
func (st *Stack) Conns(family, typ int) []Conn {
	socks := st.sockets(family, typ)
	out := make([]Conn, len(socks))
	for i, s := range socks {
		out[i] = s.conn()
	}
	return out
}

// sockets returns the open sockets of a family and type, by inode number.
func (st *Stack) sockets(family, typ int) []*Socket {
	if st == nil {
		return nil
	}
	var out []*Socket
	st.socks.Range(func(k, _ any) bool {
		if s := k.(*Socket); s.family == family && s.typ == typ {
			out = append(out, s)
		}
		return true
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ino < out[j].ino })
	return out
}

// conn describes the socket as /proc/net lists it.
func (s *Socket) conn() Conn {
	c := Conn{UID: s.uid, Ino: s.ino}
	size := 4
	if s.family == unix.AF_INET6 {
		size = 16
	}
	c.Local, c.Remote = make([]byte, size), make([]byte, size)
	if a, err := s.ep.GetLocalAddress(); err == nil {
		copy(c.Local, a.Addr.AsSlice())
		c.LPort = a.Port
	}
	if a, err := s.ep.GetRemoteAddress(); err == nil {
		copy(c.Remote, a.Addr.AsSlice())
		c.RPort = a.Port
	}
	if s.typ == unix.SOCK_STREAM {
		c.State = linuxTCPState(tcp.EndpointState(s.ep.State()))
	} else if transport.DatagramEndpointState(s.ep.State()) == transport.DatagramEndpointStateConnected {
		c.State = uint8(tcp.StateEstablished)
	} else {
		c.State = uint8(tcp.StateClose)
	}
	if n, err := s.ep.GetSockOptInt(tcpip.ReceiveQueueSizeOption); err == nil {
		c.RxQueue = uint32(n)
	}
	if n, err := s.ep.GetSockOptInt(tcpip.SendQueueSizeOption); err == nil {
		c.TxQueue = uint32(n)
	}
	return c
}
