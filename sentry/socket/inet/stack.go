// Package inet implements AF_INET and AF_INET6 sockets (ip(7), ipv6(7),
// tcp(7), udp(7)) on the sentry's own user-space TCP/IP stack, and
// AF_NETLINK NETLINK_ROUTE sockets that describe its interfaces.
//
// The protocol work is done by gvisor.dev/gvisor/pkg/tcpip, the network
// stack library DESIGN.md chose; this package is Moat's glue around its
// public API: one tcpip stack per sandbox (Stack), a socket file (Socket)
// that turns socket syscalls into tcpip endpoint calls, Linux's
// sockaddr encodings, errno translation, socket options, and the bridge
// from tcpip's readiness notifications to the sentry's waiter queues.
//
// # Networks
//
// NewLoopbackStack builds the stack of --network=none: one loopback
// interface "lo" with 127.0.0.1/8 and ::1/128 and routes for them only,
// so that any other destination is ENETUNREACH. Config lists the
// interfaces a stack is built with; --network=sandbox adds a link
// endpoint over a veth or tap FD to that list (NewStack takes the link
// endpoints), and --network=host does not use this package for its
// sockets.
//
// # Blocking
//
// tcpip endpoints never block: they return ErrWouldBlock and later
// notify their waiter queue. Each Socket registers one entry on its
// endpoint's queue that forwards every event, translated, to the
// sentry waiter.Queue the syscall layer, poll and epoll wait on.
// Blocking operations (connect, accept, send, recv) wait on that queue
// through the caller's socket.Context, with the socket's SO_RCVTIMEO or
// SO_SNDTIMEO; read(2) and write(2) go through the vfs.FileImpl methods,
// which never block (the syscall layer waits for readiness).
package inet

import (
	"fmt"
	"sync"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/link/loopback"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/icmp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/transport/udp"

	sunix "github.com/moat-dev/moat/sentry/socket/unix"
)

// Linux's defaults for the port range and TTLs.
const (
	// EphemeralFirst and EphemeralLast are net.ipv4.ip_local_port_range.
	EphemeralFirst = 32768
	EphemeralLast  = 60999
	// DefaultTTL is net.ipv4.ip_default_ttl and the IPv6 hop limit.
	DefaultTTL = 64
	// Somaxconn is net.core.somaxconn: listen caps its backlog there.
	Somaxconn = 4096
)

// Interface flags (IFF_*) as netlink and SIOCGIFFLAGS report them.
const (
	iffUp       = 0x1
	iffLoopback = 0x8
	iffRunning  = 0x40
	iffLowerUp  = 0x10000
)

// ARPHRD_LOOPBACK: the link type of lo.
const arphrdLoopback = 772

// Address is one address of an interface.
type Address struct {
	// Family is AF_INET or AF_INET6.
	Family int
	// Addr is 4 or 16 bytes.
	Addr   []byte
	Prefix int
}

// Interface describes one network interface as netlink and the
// interface ioctls show it.
type Interface struct {
	Index int
	Name  string
	// Flags are IFF_* flags.
	Flags  uint32
	MTU    uint32
	Type   uint16 // ARPHRD_*
	HWAddr []byte
	Addrs  []Address
}

// Stack is a sandbox's network stack.
type Stack struct {
	s *stack.Stack

	mu     sync.Mutex
	ifaces []Interface

	// socks holds the sockets the sandbox has open (conns.go).
	socks sync.Map // *Socket -> struct{}

	// UnixSockets lists the sandbox's unix sockets, for sock_diag's
	// unix_diag; nil: none.
	UnixSockets func() []sunix.Entry
}

// NewLoopbackStack returns the stack of --network=none: loopback only.
func NewLoopbackStack() (*Stack, error) {
	st, err := newStack()
	if err != nil {
		return nil, err
	}
	lo := Interface{
		Index:  1,
		Name:   "lo",
		Flags:  iffUp | iffLoopback | iffRunning | iffLowerUp,
		MTU:    65536,
		Type:   arphrdLoopback,
		HWAddr: make([]byte, 6),
		Addrs: []Address{
			{Family: afInet, Addr: []byte{127, 0, 0, 1}, Prefix: 8},
			{Family: afInet6, Addr: append(make([]byte, 15), 1), Prefix: 128},
		},
	}
	if err := st.addInterface(lo, loopback.New()); err != nil {
		return nil, err
	}
	return st, nil
}

func newStack() (*Stack, error) {
	s := stack.New(stack.Options{
		NetworkProtocols:   []stack.NetworkProtocolFactory{ipv4.NewProtocol, ipv6.NewProtocol},
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol, udp.NewProtocol, icmp.NewProtocol4, icmp.NewProtocol6},
		HandleLocal:        true,
	})
	if err := s.SetPortRange(EphemeralFirst, EphemeralLast); err != nil {
		return nil, fmt.Errorf("port range: %v", err)
	}
	sack := tcpip.TCPSACKEnabled(true)
	if err := s.SetTransportProtocolOption(tcp.ProtocolNumber, &sack); err != nil {
		return nil, fmt.Errorf("tcp sack: %v", err)
	}
	moderate := tcpip.TCPModerateReceiveBufferOption(true)
	if err := s.SetTransportProtocolOption(tcp.ProtocolNumber, &moderate); err != nil {
		return nil, fmt.Errorf("tcp receive buffer moderation: %v", err)
	}
	return &Stack{s: s}, nil
}

// addInterface creates a NIC for ifc on link, with its addresses and a
// route to each address's subnet.
func (st *Stack) addInterface(ifc Interface, link stack.LinkEndpoint) error {
	id := tcpip.NICID(ifc.Index)
	if err := st.s.CreateNICWithOptions(id, link, stack.NICOptions{Name: ifc.Name}); err != nil {
		return fmt.Errorf("create NIC %s: %v", ifc.Name, err)
	}
	var routes []tcpip.Route
	for _, a := range ifc.Addrs {
		proto := ipv4.ProtocolNumber
		if a.Family == afInet6 {
			proto = ipv6.ProtocolNumber
		}
		awp := tcpip.AddressWithPrefix{Address: tcpip.AddrFromSlice(a.Addr), PrefixLen: a.Prefix}
		if err := st.s.AddProtocolAddress(id, tcpip.ProtocolAddress{Protocol: proto, AddressWithPrefix: awp}, stack.AddressProperties{}); err != nil {
			return fmt.Errorf("address %v on %s: %v", awp, ifc.Name, err)
		}
		routes = append(routes, tcpip.Route{Destination: awp.Subnet(), NIC: id})
	}
	for _, r := range routes {
		st.s.AddRoute(r)
	}
	st.mu.Lock()
	st.ifaces = append(st.ifaces, ifc)
	st.mu.Unlock()
	return nil
}

// Interfaces returns the stack's interfaces in index order.
func (st *Stack) Interfaces() []Interface {
	st.mu.Lock()
	defer st.mu.Unlock()
	return append([]Interface(nil), st.ifaces...)
}

// Interface returns the interface with the given index.
func (st *Stack) Interface(index int) (Interface, bool) {
	for _, ifc := range st.Interfaces() {
		if ifc.Index == index {
			return ifc, true
		}
	}
	return Interface{}, false
}

// InterfaceByName returns the interface with the given name.
func (st *Stack) InterfaceByName(name string) (Interface, bool) {
	for _, ifc := range st.Interfaces() {
		if ifc.Name == name {
			return ifc, true
		}
	}
	return Interface{}, false
}

// DevStats is one interface's traffic, as /proc/net/dev shows it.
type DevStats struct {
	Name                               string
	RxBytes, RxPackets, RxErrs, RxDrop uint64
	TxBytes, TxPackets, TxErrs, TxDrop uint64
}

// DevStats returns the traffic of the stack's interfaces, in index order;
// none for a nil stack.
func (st *Stack) DevStats() []DevStats {
	if st == nil {
		return nil
	}
	info := st.s.NICInfo()
	var out []DevStats
	for _, ifc := range st.Interfaces() {
		d := DevStats{Name: ifc.Name}
		if ni, ok := info[tcpip.NICID(ifc.Index)]; ok {
			s := ni.Stats
			d.RxBytes, d.RxPackets = s.Rx.Bytes.Value(), s.Rx.Packets.Value()
			d.TxBytes, d.TxPackets = s.Tx.Bytes.Value(), s.Tx.Packets.Value()
			d.RxErrs = s.MalformedL4RcvdPackets.Value()
			d.RxDrop = s.DisabledRx.Packets.Value()
			d.TxDrop = s.TxPacketsDroppedNoBufferSpace.Value()
		}
		out = append(out, d)
	}
	return out
}

// Close tears the stack down: every endpoint is closed.
func (st *Stack) Close() {
	st.s.Close()
	st.s.Wait()
}
