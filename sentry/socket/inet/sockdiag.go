package inet

import (
	"encoding/binary"
	"math/bits"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"

	sunix "github.com/moat-dev/moat/sentry/socket/unix"
)

// NETLINK_SOCK_DIAG sockets, as ss(8) uses them to list sockets: the
// SOCK_DIAG_BY_FAMILY request for AF_INET and AF_INET6 TCP and UDP
// sockets (inet_diag), as a dump filtered by TCP state and by the
// request's filter program, or for one socket named by its addresses
// and ports. Each socket is an inet_diag_msg with its shutdown state;
// the optional extensions (TCP info, memory, congestion control) are not
// kept by the sandbox and are not sent. AF_UNIX sockets are answered by
// unix_diag (below). Other families have no handler here (ENOENT, as a
// kernel without the module answers).

const (
	netlinkSockDiagProto = 4 // NETLINK_SOCK_DIAG
	sockDiagByFamily     = 20
	sizeofInetDiagReqV2  = 56
	sizeofInetDiagMsg    = 72
	inetDiagReqBytecode  = 1
	inetDiagShutdown     = 8
	afMax                = 46
)

// Filter program operations (INET_DIAG_BC_*).
const (
	bcNop = iota
	bcJmp
	bcSGE
	bcSLE
	bcDGE
	bcDLE
	bcAuto
	bcSCond
	bcDCond
	bcDevCond
	bcMarkCond
	bcSEQ
	bcDEQ
	bcCgroupCond
)

// diagEntry is what a filter program tests of a socket.
type diagEntry struct {
	family       int
	saddr, daddr []byte // 4 or 16 bytes
	sport, dport uint16
	autoPort     bool
}

// sockDiag answers one request message from port pid.
func (st *Stack) sockDiag(req []byte, pid uint32) [][]byte {
	typ := binary.LittleEndian.Uint16(req[4:])
	flags := binary.LittleEndian.Uint16(req[6:])
	body := req[sizeofNlmsghdr:]
	if flags&nlmFRequest == 0 || typ < nlmsgMinType {
		return nil
	}
	if typ != sockDiagByFamily || len(body) < 2 {
		return [][]byte{errorMsg(req, unix.EINVAL, pid)}
	}
	switch family := int(body[0]); {
	case family >= afMax:
		return [][]byte{errorMsg(req, unix.EINVAL, pid)}
	case family == unix.AF_UNIX:
		return st.unixDiag(req, pid)
	case family != unix.AF_INET && family != unix.AF_INET6:
		return [][]byte{errorMsg(req, unix.ENOENT, pid)}
	}
	return st.inetDiag(req, pid)
}

// unix_diag: the request and message sizes, what a request may ask to be
// shown, and the attributes that show it.
const (
	sizeofUnixDiagReq = 24
	sizeofUnixDiagMsg = 16
	udiagShowName     = 0x01
	udiagShowPeer     = 0x04
	udiagShowRqlen    = 0x10
	udiagShowUID      = 0x40
	unixDiagName      = 0
	unixDiagPeer      = 2
	unixDiagRqlen     = 4
	unixDiagShutdown  = 6
	unixDiagUID       = 7
)

// unixDiag answers a unix_diag_req: the sandbox's unix sockets in the
// states asked for, or the one with the inode (and cookie) asked for, with
// the name, peer, queue lengths and owner when shown, and the shutdown
// state always. The bound file (UDIAG_SHOW_VFS), pending connections
// (ICONS) and memory (MEMINFO), which the sandbox does not keep in
// Linux's terms, are not sent: readers take what is there.
func (st *Stack) unixDiag(req []byte, pid uint32) [][]byte {
	flags := binary.LittleEndian.Uint16(req[6:])
	seq := binary.LittleEndian.Uint32(req[8:])
	body := req[sizeofNlmsghdr:]
	if len(body) < sizeofUnixDiagReq {
		return [][]byte{errorMsg(req, unix.EINVAL, pid)}
	}
	states := binary.LittleEndian.Uint32(body[4:])
	ino := binary.LittleEndian.Uint32(body[8:])
	show := binary.LittleEndian.Uint32(body[12:])
	cookie := binary.LittleEndian.Uint64(body[16:])
	dump := flags&nlmFDump == nlmFDump
	var entries []sunix.Entry
	if st.UnixSockets != nil {
		entries = st.UnixSockets()
	}
	var out [][]byte
	for _, e := range entries {
		if e.Ino == 0 {
			// A connection not yet accepted has no socket file.
			continue
		}
		state := unixDiagState(e)
		if dump {
			if states&(1<<state) == 0 {
				continue
			}
		} else if uint32(e.Ino) != ino || (cookie != ^uint64(0) && cookie != e.Ino) {
			continue
		}
		m := newMsg(sockDiagByFamily, multi(dump), seq, pid)
		b := make([]byte, sizeofUnixDiagMsg)
		b[0], b[1], b[2] = unix.AF_UNIX, byte(e.Type), state
		binary.LittleEndian.PutUint32(b[4:], uint32(e.Ino))
		binary.LittleEndian.PutUint64(b[8:], e.Ino)
		m.put(b)
		if show&udiagShowName != 0 && e.Addr != nil {
			// A path comes with its NUL, as bind(2) stored it; an
			// abstract name is its bytes after a leading NUL.
			name := append([]byte(e.Addr.Name), 0)
			if e.Addr.Abstract {
				name = append([]byte{0}, e.Addr.Name...)
			}
			m.attr(unixDiagName, name)
		}
		if show&udiagShowPeer != 0 && e.PeerIno != 0 {
			m.attrU32(unixDiagPeer, uint32(e.PeerIno))
		}
		if show&udiagShowRqlen != 0 {
			q := make([]byte, 8)
			binary.LittleEndian.PutUint32(q, e.RQueue)
			binary.LittleEndian.PutUint32(q[4:], e.WQueue)
			m.attr(unixDiagRqlen, q)
		}
		if show&udiagShowUID != 0 {
			m.attrU32(unixDiagUID, e.UID)
		}
		m.attr(unixDiagShutdown, []byte{e.Shutdown})
		out = append(out, m.done())
	}
	return diagReply(req, out, dump, seq, pid)
}

// unixDiagState is a unix socket's state as Linux's sk_state has it:
// TCP_LISTEN, TCP_ESTABLISHED once connected, TCP_CLOSE otherwise.
func unixDiagState(e sunix.Entry) uint8 {
	switch {
	case e.Listening:
		return uint8(tcp.StateListen)
	case e.PeerIno != 0 || e.State == 3:
		return uint8(tcp.StateEstablished)
	}
	return uint8(tcp.StateClose)
}

// inetDiag answers an inet_diag_req_v2.
func (st *Stack) inetDiag(req []byte, pid uint32) [][]byte {
	flags := binary.LittleEndian.Uint16(req[6:])
	seq := binary.LittleEndian.Uint32(req[8:])
	body := req[sizeofNlmsghdr:]
	if len(body) < sizeofInetDiagReqV2 {
		return [][]byte{errorMsg(req, unix.EINVAL, pid)}
	}
	family, proto := int(body[0]), int(body[1])
	states := binary.LittleEndian.Uint32(body[4:])
	dump := flags&nlmFDump == nlmFDump
	var typ int
	switch proto {
	case unix.IPPROTO_TCP:
		typ = unix.SOCK_STREAM
	case unix.IPPROTO_UDP:
		typ = unix.SOCK_DGRAM
	default:
		// No handler: a dump ends with the error, as Linux's does
		// when its handler lookup fails mid-dump.
		if dump {
			return [][]byte{doneMsg(seq, pid, unix.ENOENT)}
		}
		return [][]byte{errorMsg(req, unix.ENOENT, pid)}
	}
	var prog []byte
	if dump {
		for attrs := body[sizeofInetDiagReqV2:]; len(attrs) >= 4; {
			l := int(binary.LittleEndian.Uint16(attrs))
			if l < 4 || l > len(attrs) {
				break
			}
			if binary.LittleEndian.Uint16(attrs[2:])&0x3fff == inetDiagReqBytecode {
				prog = attrs[4:l]
				if err := auditDiagProgram(prog); err != 0 {
					return [][]byte{errorMsg(req, err, pid)}
				}
			}
			attrs = attrs[min(nlmsgAlign(l), len(attrs)):]
		}
	}
	id := body[8:sizeofInetDiagReqV2]
	var out [][]byte
	for _, s := range st.diagSockets(family, typ) {
		c := s.conn
		e := diagEntry{family: family, saddr: c.Local, daddr: c.Remote, sport: c.LPort, dport: c.RPort, autoPort: !s.portBound}
		if dump {
			if states&(1<<c.State) == 0 || (prog != nil && !runDiagProgram(prog, &e)) {
				continue
			}
		} else if !matchesDiagID(id, &e, c.Ino) {
			continue
		}
		out = append(out, inetDiagMsg(family, s, seq, pid, dump))
	}
	return diagReply(req, out, dump, seq, pid)
}

// diagSocket is a socket as sock_diag reports it.
type diagSocket struct {
	conn      Conn
	portBound bool
	backlog   uint32
	shutdown  uint8
}

// diagSockets returns the stack's open sockets of a family and type, by
// inode number, with what sock_diag adds to /proc/net's view of them.
func (st *Stack) diagSockets(family, typ int) []diagSocket {
	socks := st.sockets(family, typ)
	out := make([]diagSocket, len(socks))
	for i, s := range socks {
		out[i] = diagSocket{conn: s.conn(), portBound: s.portBound.Load(),
			backlog: uint32(s.backlog.Load()), shutdown: s.shutdownState()}
	}
	return out
}

// diagReply ends the answer to a request: a dump's messages and its
// NLMSG_DONE, or the one socket asked for (ENOENT if none matched).
func diagReply(req []byte, out [][]byte, dump bool, seq, pid uint32) [][]byte {
	if !dump {
		if len(out) == 0 {
			return [][]byte{errorMsg(req, unix.ENOENT, pid)}
		}
		return out[:1]
	}
	return append(out, doneMsg(seq, pid, 0))
}

// inetDiagMsg is the inet_diag_msg for s, with its INET_DIAG_SHUTDOWN.
func inetDiagMsg(family int, s diagSocket, seq, pid uint32, dump bool) []byte {
	c := s.conn
	m := newMsg(sockDiagByFamily, multi(dump), seq, pid)
	b := make([]byte, sizeofInetDiagMsg)
	b[0], b[1] = byte(family), c.State
	binary.BigEndian.PutUint16(b[4:], c.LPort)
	binary.BigEndian.PutUint16(b[6:], c.RPort)
	copy(b[8:24], c.Local)
	copy(b[24:40], c.Remote)
	// idiag_if is 0: no socket here is bound to a device. The
	// cookie, which names the socket in a later request, is its
	// inode number.
	binary.LittleEndian.PutUint64(b[44:], c.Ino)
	rq, wq := c.RxQueue, c.TxQueue
	if c.State == uint8(tcp.StateListen) {
		// A listener's queues are its pending connections and the
		// most it takes.
		wq = s.backlog
	}
	binary.LittleEndian.PutUint32(b[56:], rq)
	binary.LittleEndian.PutUint32(b[60:], wq)
	binary.LittleEndian.PutUint32(b[64:], c.UID)
	binary.LittleEndian.PutUint32(b[68:], uint32(c.Ino))
	m.put(b)
	m.attr(inetDiagShutdown, []byte{s.shutdown})
	return m.done()
}

// matchesDiagID reports whether a request's inet_diag_sockid names the
// socket e with inode ino: its ports and addresses, and its cookie
// unless that is INET_DIAG_NOCOOKIE.
func matchesDiagID(id []byte, e *diagEntry, ino uint64) bool {
	if binary.BigEndian.Uint16(id) != e.sport || binary.BigEndian.Uint16(id[2:]) != e.dport {
		return false
	}
	n := len(e.saddr)
	if string(id[4:4+n]) != string(e.saddr) || string(id[20:20+n]) != string(e.daddr) {
		return false
	}
	cookie := binary.LittleEndian.Uint64(id[40:])
	return cookie == ^uint64(0) || cookie == ino
}

// diagOpLen is the size of the operation at the head of a filter program
// with its operands, or 0 if the program is too short for it (a port
// comparison carries the port in a second operation, a host condition
// an inet_diag_hostcond and its address, a device an interface index).
func diagOpLen(prog []byte) int {
	if len(prog) < 4 {
		return 0
	}
	n := 4
	switch prog[0] {
	case bcSGE, bcSLE, bcDGE, bcDLE, bcSEQ, bcDEQ, bcDevCond:
		n = 8
	case bcMarkCond:
		n = 12
	case bcCgroupCond:
		n = 12
	case bcSCond, bcDCond:
		if len(prog) < 12 {
			return 0
		}
		size := map[byte]int{unix.AF_UNSPEC: 0, unix.AF_INET: 4, unix.AF_INET6: 16}
		alen, ok := size[prog[4]]
		if !ok || int(prog[5]) > 8*alen {
			return 0
		}
		n = 12 + alen
	}
	if len(prog) < n {
		return 0
	}
	return n
}

// auditDiagProgram checks a filter program as Linux does before running
// it: known operations with their operands, and jumps that land on an
// operation or just past the end (yes) or up to 4 bytes beyond (reject).
func auditDiagProgram(prog []byte) unix.Errno {
	starts := map[int]bool{}
	for off := 0; off < len(prog); {
		starts[off] = true
		op := prog[off:]
		n := diagOpLen(op)
		if n == 0 || op[0] > bcCgroupCond {
			return unix.EINVAL
		}
		if op[0] == bcMarkCond {
			// Marks are not kept here: no socket would match.
			return unix.EINVAL
		}
		yes, no := int(op[1]), int(binary.LittleEndian.Uint16(op[2:]))
		rem := len(prog) - off
		if yes < n || yes > rem+4 || yes&3 != 0 {
			return unix.EINVAL
		}
		if op[0] != bcNop && (no < n || no > rem+4 || no&3 != 0) {
			return unix.EINVAL
		}
		off += yes
	}
	// A "no" jump must land where the "yes" chain reaches too.
	for off := 0; off < len(prog); off += int(prog[off+1]) {
		op := prog[off:]
		if no := int(binary.LittleEndian.Uint16(op[2:])); op[0] != bcNop && off+no < len(prog) && !starts[off+no] {
			return unix.EINVAL
		}
	}
	return 0
}

// runDiagProgram runs an audited filter program on e: the socket passes
// if the program ends exactly at its end.
func runDiagProgram(prog []byte, e *diagEntry) bool {
	off := 0
	for off < len(prog) {
		op := prog[off:]
		port := func() uint16 { return binary.LittleEndian.Uint16(op[6:]) }
		yes := true
		switch op[0] {
		case bcJmp:
			yes = false
		case bcSEQ:
			yes = e.sport == port()
		case bcSGE:
			yes = e.sport >= port()
		case bcSLE:
			yes = e.sport <= port()
		case bcDEQ:
			yes = e.dport == port()
		case bcDGE:
			yes = e.dport >= port()
		case bcDLE:
			yes = e.dport <= port()
		case bcAuto:
			yes = e.autoPort
		case bcSCond, bcDCond:
			yes = hostCond(op, e)
		case bcDevCond:
			// No socket is bound to an interface.
			yes = binary.LittleEndian.Uint32(op[4:]) == 0
		case bcCgroupCond:
			// Every socket is in the root cgroup, id 1 here.
			yes = binary.LittleEndian.Uint64(op[4:]) == 1
		}
		if yes {
			off += int(op[1])
		} else {
			off += int(binary.LittleEndian.Uint16(op[2:]))
		}
	}
	return off == len(prog)
}

// hostCond tests an INET_DIAG_BC_S_COND or D_COND operation: the port,
// unless -1, and the address prefix; an IPv4 condition matches an IPv6
// socket's v4-mapped address.
func hostCond(op []byte, e *diagEntry) bool {
	family, prefix := int(op[4]), int(op[5])
	port := int32(binary.LittleEndian.Uint32(op[8:]))
	addr, p := e.saddr, e.sport
	if op[0] == bcDCond {
		addr, p = e.daddr, e.dport
	}
	if port != -1 && port != int32(p) {
		return false
	}
	want := op[12:]
	if family != unix.AF_UNSPEC && family != e.family {
		mapped := e.family == unix.AF_INET6 && family == unix.AF_INET &&
			string(addr[:12]) == "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff"
		return mapped && prefixMatch(addr[12:], want, prefix)
	}
	return prefix == 0 || prefixMatch(addr, want, prefix)
}

// prefixMatch reports whether a and b agree in their first n bits.
func prefixMatch(a, b []byte, n int) bool {
	for i := 0; n > 0; i++ {
		if i >= len(a) || i >= len(b) {
			return false
		}
		diff := a[i] ^ b[i]
		if n < 8 {
			return bits.LeadingZeros8(diff) >= n
		}
		if diff != 0 {
			return false
		}
		n -= 8
	}
	return true
}
