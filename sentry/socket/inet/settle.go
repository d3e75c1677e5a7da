package inet

import (
	"runtime"
	"sync"
	"time"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/header"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	gwaiter "gvisor.dev/gvisor/pkg/waiter"
)

// Loopback TCP on Linux is synchronous in practice: by the time send(2)
// returns, the segment has been through the peer's receive path, so the
// peer is readable (programs and test suites, Python's test_epoll among
// them, count on it). tcpip instead queues every inbound segment to a
// processor goroutine, so a send returns before the peer has the data.
// A stream send on a connection between two of the sandbox's own
// sockets therefore waits, briefly and boundedly, until the peer's
// endpoint has reported new readable data.

// A send settles only when it put a segment on the wire: data that
// Nagle's algorithm, corking or a full window holds back arrives later
// on Linux too. settleLimit bounds the wait: past it the send returns
// anyway (the data still arrives, just later, as on a real network),
// and the connection is not settled again for settleBackoff, so that a
// machine too loaded to deliver in time is not slowed down further. The
// limit is well above a host scheduler's time slices: on a loaded 2-CPU
// VM a processor goroutine's thread can wait 10 ms and more for a CPU,
// which a limit of 10 ms turned into missed deliveries.
const (
	settleLimit   = 100 * time.Millisecond
	settleBackoff = 50 * time.Millisecond
)

// socketsByEndpoint finds the Socket of a tcpip endpoint.
var socketsByEndpoint sync.Map // tcpip.Endpoint -> *Socket

func (s *Socket) register() {
	s.st.socks.Store(s, struct{}{})
	if s.typ == unix.SOCK_STREAM {
		socketsByEndpoint.Store(s.ep, s)
	}
}

func (s *Socket) unregister() {
	s.st.socks.Delete(s)
	if s.typ == unix.SOCK_STREAM {
		socketsByEndpoint.Delete(s.ep)
	}
}

// noteEvents is called with every event the endpoint reports.
func (s *Socket) noteEvents(m gwaiter.EventMask) {
	if m&(gwaiter.ReadableEvents|gwaiter.EventHUp|gwaiter.EventErr) != 0 {
		s.rxSeq.Add(1)
	}
}

// loopbackPeer returns the sandbox socket at the other end of s's TCP
// connection, or nil if there is none (not connected yet, or the peer
// is outside the stack).
func (s *Socket) loopbackPeer() *Socket {
	if p := s.peer.Load(); p != nil {
		return p
	}
	local, err := s.ep.GetLocalAddress()
	if err != nil {
		return nil
	}
	remote, err := s.ep.GetRemoteAddress()
	if err != nil {
		return nil
	}
	netProto := ipv4.ProtocolNumber
	if remote.Addr.Len() == header.IPv6AddressSize {
		netProto = ipv6.ProtocolNumber
	}
	id := stack.TransportEndpointID{
		LocalPort:     remote.Port,
		LocalAddress:  remote.Addr,
		RemotePort:    local.Port,
		RemoteAddress: local.Addr,
	}
	for _, nic := range []tcpip.NICID{remote.NIC, loopbackNIC} {
		ep := s.st.s.FindTransportEndpoint(netProto, header.TCPProtocolNumber, id, nic)
		if ep == nil {
			continue
		}
		v, ok := socketsByEndpoint.Load(ep)
		if !ok {
			// An accepted endpoint that nobody has accepted yet:
			// nothing can be waiting on it, so nothing to settle.
			return nil
		}
		p := v.(*Socket)
		s.peer.Store(p)
		return p
	}
	return nil
}

// settleState is what a stream send remembers before it writes, to
// settle afterwards.
type settleState struct {
	peer *Socket
	seq  uint64 // the peer's rxSeq
	sent uint64 // our segments sent
}

// settleBegin returns what to settle a stream send on; a nil peer when
// there is nothing to wait for: no sandbox peer, a peer that is readable
// already (its pollers have been told), or a connection in backoff.
func (s *Socket) settleBegin() settleState {
	if until := s.settleOff.Load(); until != 0 && time.Now().UnixNano() < until {
		return settleState{}
	}
	stats, ok := s.ep.Stats().(*tcp.Stats)
	if !ok {
		return settleState{}
	}
	peer := s.loopbackPeer()
	if peer == nil || peer.gone.Load() {
		return settleState{}
	}
	st := settleState{peer: peer, seq: peer.rxSeq.Load(), sent: stats.SegmentsSent.Value()}
	if peer.ep.Readiness(gwaiter.ReadableEvents)&gwaiter.ReadableEvents != 0 {
		return settleState{}
	}
	return st
}

// settle waits, after a send, until the peer has reported readable data
// since settleBegin, if the send put a segment on the wire.
func (s *Socket) settle(st settleState) {
	if st.peer == nil || s.ep.Stats().(*tcp.Stats).SegmentsSent.Value() == st.sent {
		return
	}
	start := time.Now()
	for st.peer.rxSeq.Load() == st.seq && !st.peer.gone.Load() {
		if time.Since(start) > settleLimit {
			s.settleOff.Store(time.Now().Add(settleBackoff).UnixNano())
			return
		}
		runtime.Gosched()
	}
}

// loopbackNIC is the NIC of the stack's "lo" (NewLoopbackStack).
const loopbackNIC tcpip.NICID = 1
