package inet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/socket"
	"github.com/moat-dev/moat/sentry/waiter"
)

// chanBlocker blocks a test goroutine as a task would block.
type chanBlocker struct{}

func (chanBlocker) Block(ch <-chan struct{}, deadline time.Time) error {
	var tc <-chan time.Time
	if !deadline.IsZero() {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		tc = t.C
	}
	select {
	case <-ch:
		return nil
	case <-tc:
		return socket.ErrTimedOut
	case <-time.After(10 * time.Second):
		return errors.New("test blocked too long")
	}
}

var (
	blocking    = &socket.Context{Blocker: chanBlocker{}}
	nonblocking = &socket.Context{NonBlocking: true, Blocker: chanBlocker{}}
)

func sin(a [4]byte, port uint16) []byte {
	b := make([]byte, sizeofSockaddrIn)
	binary.LittleEndian.PutUint16(b, afInet)
	binary.BigEndian.PutUint16(b[2:], port)
	copy(b[4:], a[:])
	return b
}

func sin6(a [16]byte, port uint16) []byte {
	b := make([]byte, sizeofSockaddrIn6)
	binary.LittleEndian.PutUint16(b, afInet6)
	binary.BigEndian.PutUint16(b[2:], port)
	copy(b[8:], a[:])
	return b
}

var (
	lo4 = [4]byte{127, 0, 0, 1}
	lo6 = [16]byte{15: 1}
)

func testStack(t *testing.T) *Stack {
	t.Helper()
	st, err := NewLoopbackStack()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return st
}

func newSocket(t *testing.T, st *Stack, family, typ int) *Socket {
	t.Helper()
	proto, err := Protocol(family, typ, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	s, err := st.NewSocket(family, typ, proto, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Release)
	return s
}

func port(sa []byte) uint16 { return binary.BigEndian.Uint16(sa[2:]) }

func TestProtocol(t *testing.T) {
	for _, c := range []struct {
		family, typ, proto int
		raw                bool
		want               int
		err                error
	}{
		{afInet, unix.SOCK_STREAM, 0, false, unix.IPPROTO_TCP, nil},
		{afInet6, unix.SOCK_STREAM, unix.IPPROTO_TCP, false, unix.IPPROTO_TCP, nil},
		{afInet, unix.SOCK_DGRAM, 0, false, unix.IPPROTO_UDP, nil},
		{afInet6, unix.SOCK_DGRAM, unix.IPPROTO_UDPLITE, false, unix.IPPROTO_UDPLITE, nil},
		{afInet, unix.SOCK_STREAM, unix.IPPROTO_UDP, false, 0, unix.EPROTONOSUPPORT},
		{afInet, unix.SOCK_SEQPACKET, 0, false, 0, unix.ESOCKTNOSUPPORT},
		{afInet, unix.SOCK_RAW, unix.IPPROTO_ICMP, false, 0, unix.EPERM},
		{afInet, unix.SOCK_DGRAM, unix.IPPROTO_ICMP, false, 0, unix.EACCES},
	} {
		got, err := Protocol(c.family, c.typ, c.proto, c.raw)
		if got != c.want || err != c.err {
			t.Errorf("Protocol(%d, %d, %d) = %d, %v; want %d, %v", c.family, c.typ, c.proto, got, err, c.want, c.err)
		}
	}
}

func TestStackInterfaces(t *testing.T) {
	st := testStack(t)
	ifs := st.Interfaces()
	if len(ifs) != 1 || ifs[0].Name != "lo" || ifs[0].Index != 1 || len(ifs[0].Addrs) != 2 {
		t.Fatalf("interfaces = %+v", ifs)
	}
	if _, ok := st.InterfaceByName("eth0"); ok {
		t.Error("eth0 exists")
	}
}

func testTCP(t *testing.T, family int, lo []byte) {
	st := testStack(t)
	l := newSocket(t, st, family, unix.SOCK_STREAM)
	if err := l.Bind(blocking, lo); err != nil {
		t.Fatalf("bind: %v", err)
	}
	name := l.SockName()
	if p := port(name); p < EphemeralFirst || p > EphemeralLast {
		t.Errorf("ephemeral port %d", p)
	}
	if err := l.Listen(blocking, 4); err != nil {
		t.Fatalf("listen: %v", err)
	}
	if _, err := l.Accept(nonblocking); err != unix.EAGAIN {
		t.Fatalf("accept with nothing pending: %v", err)
	}

	c := newSocket(t, st, family, unix.SOCK_STREAM)
	if err := c.Connect(blocking, name); err != nil {
		t.Fatalf("connect: %v", err)
	}
	if err := c.Connect(blocking, name); err != unix.EISCONN {
		t.Fatalf("second connect: %v, want EISCONN", err)
	}
	as, err := l.Accept(blocking)
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	a := as.(*Socket)
	t.Cleanup(a.Release)
	peer, err := a.PeerName()
	if err != nil || !bytes.Equal(peer, c.SockName()) {
		t.Errorf("accepted peer %x, %v; want %x", peer, err, c.SockName())
	}
	if got := a.Readiness(waiter.EventIn | waiter.EventOut); got != waiter.EventOut {
		t.Errorf("readiness before data = %#x", got)
	}

	// Blocking receive woken by a send from another goroutine.
	done := make(chan socket.RecvResult)
	go func() {
		buf := make([]byte, 10)
		r, err := a.RecvMsg(blocking, buf, socket.MsgWaitAll)
		if err != nil {
			t.Errorf("recv: %v", err)
		}
		if string(buf[:r.N]) != "0123456789" {
			t.Errorf("recv got %q", buf[:r.N])
		}
		done <- r
	}()
	for _, piece := range []string{"0123", "456", "789"} {
		time.Sleep(5 * time.Millisecond)
		if n, err := c.SendMsg(blocking, []byte(piece), nil, nil, 0); n != len(piece) || err != nil {
			t.Fatalf("send = %d, %v", n, err)
		}
	}
	if r := <-done; r.N != 10 {
		t.Errorf("MSG_WAITALL receive = %d bytes", r.N)
	}

	// EOF after shutdown(SHUT_WR), EPIPE on sending after it.
	if err := c.Shutdown(blocking, unix.SHUT_WR); err != nil {
		t.Fatal(err)
	}
	r, err := a.RecvMsg(blocking, make([]byte, 4), 0)
	if err != nil || r.N != 0 {
		t.Errorf("receive at EOF = %+v, %v", r, err)
	}
	if _, err := c.SendMsg(blocking, []byte("x"), nil, nil, 0); err != unix.EPIPE {
		t.Errorf("send after SHUT_WR: %v", err)
	}

	// Connecting to a closed port is refused.
	l.Release()
	c2 := newSocket(t, st, family, unix.SOCK_STREAM)
	if err := c2.Connect(blocking, name); err != unix.ECONNREFUSED {
		t.Errorf("connect to closed port: %v", err)
	}
}

func TestTCP4(t *testing.T) { testTCP(t, afInet, sin(lo4, 0)) }
func TestTCP6(t *testing.T) { testTCP(t, afInet6, sin6(lo6, 0)) }

func TestNonBlockingConnect(t *testing.T) {
	st := testStack(t)
	l := newSocket(t, st, afInet, unix.SOCK_STREAM)
	if err := l.Bind(blocking, sin(lo4, 0)); err != nil {
		t.Fatal(err)
	}
	if err := l.Listen(blocking, 1); err != nil {
		t.Fatal(err)
	}
	c := newSocket(t, st, afInet, unix.SOCK_STREAM)
	e := waiter.NewEntry(waiter.EventOut)
	c.EventRegister(e)
	defer c.EventUnregister(e)
	err := c.Connect(nonblocking, l.SockName())
	if err != nil && err != unix.EINPROGRESS {
		t.Fatalf("connect: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for c.Readiness(waiter.EventOut) == 0 {
		select {
		case <-e.C:
		case <-time.After(time.Until(deadline)):
			t.Fatal("not writable")
		}
	}
	v, err := c.GetSockOpt(blocking, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil || !bytes.Equal(v, socket.Int32(0)) {
		t.Errorf("SO_ERROR = %v, %v", v, err)
	}
}

func TestUnreachable(t *testing.T) {
	st := testStack(t)
	for _, c := range []struct {
		family, typ int
		addr        []byte
	}{
		{afInet, unix.SOCK_STREAM, sin([4]byte{192, 0, 2, 1}, 80)},
		{afInet, unix.SOCK_DGRAM, sin([4]byte{192, 0, 2, 1}, 53)},
		{afInet6, unix.SOCK_STREAM, sin6([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: 1}, 80)},
	} {
		s := newSocket(t, st, c.family, c.typ)
		if err := s.Connect(blocking, c.addr); err != unix.ENETUNREACH {
			t.Errorf("connect(%d, %d) to a non-loopback address: %v, want ENETUNREACH", c.family, c.typ, err)
		}
	}
	u := newSocket(t, st, afInet, unix.SOCK_DGRAM)
	if _, err := u.SendMsg(blocking, []byte("x"), sin([4]byte{192, 0, 2, 1}, 53), nil, 0); err != unix.ENETUNREACH {
		t.Errorf("sendto a non-loopback address: %v, want ENETUNREACH", err)
	}
	// (The failed sendto bound u, as in Linux; bind a fresh socket.)
	u = newSocket(t, st, afInet, unix.SOCK_DGRAM)
	if err := u.Bind(blocking, sin([4]byte{192, 0, 2, 1}, 0)); err != unix.EADDRNOTAVAIL {
		t.Errorf("bind to a non-local address: %v, want EADDRNOTAVAIL", err)
	}
}

func TestUDP(t *testing.T) {
	st := testStack(t)
	r := newSocket(t, st, afInet, unix.SOCK_DGRAM)
	s := newSocket(t, st, afInet, unix.SOCK_DGRAM)
	if err := r.Bind(blocking, sin(lo4, 0)); err != nil {
		t.Fatal(err)
	}
	to := r.SockName()
	if n, err := s.SendMsg(blocking, []byte("datagram"), to, nil, 0); n != 8 || err != nil {
		t.Fatalf("sendto = %d, %v", n, err)
	}
	buf := make([]byte, 4)
	res, err := r.RecvMsg(blocking, buf, 0)
	if err != nil {
		t.Fatal(err)
	}
	if res.N != 4 || res.Len != 8 || res.Flags&socket.MsgTrunc == 0 || string(buf) != "data" {
		t.Errorf("truncated receive = %+v %q", res, buf)
	}
	if want := sin(lo4, port(s.SockName())); !bytes.Equal(res.From, want) {
		t.Errorf("from %x, want %x", res.From, want)
	}
	if _, err := r.RecvMsg(nonblocking, buf, 0); err != unix.EAGAIN {
		t.Errorf("empty receive: %v", err)
	}
	// SO_RCVTIMEO bounds a blocking receive.
	tv := make([]byte, 16)
	binary.LittleEndian.PutUint64(tv[8:], 20000)
	if err := r.SetSockOpt(blocking, unix.SOL_SOCKET, unix.SO_RCVTIMEO, tv); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := r.RecvMsg(blocking, buf, 0); err != unix.EAGAIN {
		t.Errorf("receive with a timeout: %v", err)
	}
	if d := time.Since(start); d < 15*time.Millisecond {
		t.Errorf("timed out after %v", d)
	}
	if _, err := s.SendMsg(blocking, []byte("x"), nil, nil, 0); err != unix.EDESTADDRREQ {
		t.Errorf("send without destination: %v", err)
	}
}

func TestMarshalAddr(t *testing.T) {
	st := testStack(t)
	s := newSocket(t, st, afInet6, unix.SOCK_DGRAM)
	got := s.SockName()
	if len(got) != sizeofSockaddrIn6 || addrFamily(got) != afInet6 {
		t.Errorf("unbound IPv6 name %x", got)
	}
	// A v4-mapped name for an IPv4 address on an IPv6 socket.
	a, _, err := s.parseAddr(sin(lo4, 7), false)
	if err != nil {
		t.Fatal(err)
	}
	b := marshalAddr(afInet6, a.full())
	want := sin6([16]byte{10: 0xff, 11: 0xff, 12: 127, 15: 1}, 7)
	if !bytes.Equal(b, want) {
		t.Errorf("marshal = %x, want %x", b, want)
	}
	if _, _, err := s.parseAddr(sin6(lo6, 1)[:20], false); err != unix.EINVAL {
		t.Errorf("short sockaddr_in6: %v", err)
	}
}

func TestNetlinkDump(t *testing.T) {
	st := testStack(t)
	s := st.NewNetlinkSocket(unix.SOCK_RAW, 0, 0, 0)
	if err := s.Bind(blocking, nlAddr(0, 0)); err != nil {
		t.Fatal(err)
	}
	pid := binary.LittleEndian.Uint32(s.SockName()[4:])
	if pid == 0 {
		t.Fatal("no port ID after bind")
	}
	for _, c := range []struct {
		req, reply uint16
		want       int
	}{
		{rtmGetLink, rtmNewLink, 1},
		{rtmGetAddr, rtmNewAddr, 2},
		{rtmGetRoute, rtmNewRoute, 2},
	} {
		req := newMsg(c.req, nlmFRequest|nlmFDump, 42, 0)
		req.put(make([]byte, 16))
		if _, err := s.SendMsg(blocking, req.done(), nil, nil, 0); err != nil {
			t.Fatal(err)
		}
		got := 0
	recv:
		for {
			buf := make([]byte, 8192)
			r, err := s.RecvMsg(nonblocking, buf, 0)
			if err != nil {
				t.Fatalf("type %d: %v", c.req, err)
			}
			for b := buf[:r.N]; len(b) >= sizeofNlmsghdr; {
				l := int(binary.LittleEndian.Uint32(b))
				typ := binary.LittleEndian.Uint16(b[4:])
				if seq := binary.LittleEndian.Uint32(b[8:]); seq != 42 {
					t.Errorf("seq %d", seq)
				}
				if p := binary.LittleEndian.Uint32(b[12:]); p != pid {
					t.Errorf("pid %d, want %d", p, pid)
				}
				if typ == nlmsgDone {
					break recv
				}
				if typ != c.reply {
					t.Errorf("reply type %d, want %d", typ, c.reply)
				}
				got++
				b = b[nlmsgAlign(l):]
			}
		}
		if got != c.want {
			t.Errorf("request %d: %d replies, want %d", c.req, got, c.want)
		}
	}
	// An unknown request gets NLMSG_ERROR.
	req := newMsg(99, nlmFRequest, 7, 0)
	if _, err := s.SendMsg(blocking, req.done(), nil, nil, 0); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	r, err := s.RecvMsg(nonblocking, buf, 0)
	if err != nil || r.N != 36 || binary.LittleEndian.Uint16(buf[4:]) != nlmsgError ||
		int32(binary.LittleEndian.Uint32(buf[16:])) != -int32(unix.EOPNOTSUPP) {
		t.Errorf("error reply %x, %v", buf[:r.N], err)
	}
}
