package unix

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/socket"
	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

// chanBlocker blocks on the channel, a deadline, or an interrupt.
type chanBlocker struct{ interrupt chan struct{} }

func (b *chanBlocker) Block(ch <-chan struct{}, deadline time.Time) error {
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
	case <-b.interrupt:
		return socket.ErrInterrupted
	}
}

var me = socket.Cred{PID: 42, UID: 1000, GID: 1000}

func blocking() *socket.Context {
	return &socket.Context{Blocker: &chanBlocker{}, Cred: me, PeerCred: me}
}

func nonblocking() *socket.Context {
	return &socket.Context{NonBlocking: true, Blocker: &chanBlocker{}, Cred: me, PeerCred: me}
}

func abstractAddr(name string) []byte {
	return (&Address{Abstract: true, Name: name}).Marshal()
}

func pathAddr(name string) []byte { return (&Address{Name: name}).Marshal() }

// fakeFile counts releases of a passed file.
type fakeFile struct {
	vfs.NoImpl
	released atomic.Int32
}

func (f *fakeFile) Stat() (vfs.Stat, error) { return vfs.Stat{}, nil }
func (f *fakeFile) Release()                { f.released.Add(1) }

// mem is application memory for ioctls.
type mem struct{ b [8]byte }

func (m *mem) CopyIn(addr uint64, dst []byte) (int, error)  { return copy(dst, m.b[addr:]), nil }
func (m *mem) CopyOut(addr uint64, src []byte) (int, error) { return copy(m.b[addr:], src), nil }

func ioctlInt(t *testing.T, s *Socket, cmd uint32) int32 {
	t.Helper()
	var m mem
	if _, err := s.Ioctl(&m, cmd, 0); err != nil {
		t.Fatalf("ioctl %#x: %v", cmd, err)
	}
	return int32(binary.LittleEndian.Uint32(m.b[:]))
}

func send(t *testing.T, s *Socket, data string) {
	t.Helper()
	n, err := s.SendMsg(nonblocking(), []byte(data), nil, nil, 0)
	if err != nil || n != len(data) {
		t.Fatalf("send %q = %d, %v", data, n, err)
	}
}

func recv(t *testing.T, s *Socket, size, flags int) (string, socket.RecvResult) {
	t.Helper()
	buf := make([]byte, size)
	r, err := s.RecvMsg(nonblocking(), buf, flags)
	if err != nil {
		t.Fatalf("recv: %v", err)
	}
	return string(buf[:r.N]), r
}

func wantErr(t *testing.T, what string, got, want error) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

func TestStreamPair(t *testing.T) {
	a, b := NewPair(NewNamespace(), Stream, 0, 0, me)
	defer a.Release()
	defer b.Release()
	send(t, a, "abc")
	send(t, a, "def")
	if n := ioctlInt(t, b, unix.SIOCINQ); n != 6 {
		t.Errorf("SIOCINQ = %d, want 6", n)
	}
	if n := ioctlInt(t, a, unix.SIOCOUTQ); n < 6 {
		t.Errorf("SIOCOUTQ = %d, want >= 6", n)
	}
	if got, _ := recv(t, b, 2, 0); got != "ab" {
		t.Errorf("recv = %q", got)
	}
	if got, _ := recv(t, b, 10, socket.MsgPeek); got != "cdef" {
		t.Errorf("peek = %q", got)
	}
	if got, _ := recv(t, b, 10, 0); got != "cdef" {
		t.Errorf("recv = %q", got)
	}
	if n := ioctlInt(t, a, unix.SIOCOUTQ); n != 0 {
		t.Errorf("SIOCOUTQ after reading = %d", n)
	}
	_, err := b.RecvMsg(nonblocking(), make([]byte, 4), 0)
	wantErr(t, "empty recv", err, unix.EAGAIN)
	_, err = a.SendMsg(nonblocking(), []byte("x"), abstractAddr("x"), nil, 0)
	wantErr(t, "sendto on a connected stream", err, unix.EISCONN)
}

func TestStreamCloseSemantics(t *testing.T) {
	a, b := NewPair(NewNamespace(), Stream, 0, 0, me)
	send(t, a, "unread")
	send(t, b, "zz")
	b.Release()
	if got, _ := recv(t, a, 10, 0); got != "zz" {
		t.Errorf("recv = %q", got)
	}
	_, err := a.RecvMsg(nonblocking(), make([]byte, 10), 0)
	wantErr(t, "recv after reset", err, unix.ECONNRESET)
	if got, _ := recv(t, a, 10, 0); got != "" {
		t.Errorf("recv at EOF = %q", got)
	}
	_, err = a.SendMsg(nonblocking(), []byte("x"), nil, nil, 0)
	wantErr(t, "send to closed peer", err, unix.EPIPE)
	if r := a.Readiness(waiter.AllEvents); r&(waiter.EventHUp|waiter.EventRdHUp|waiter.EventIn) != waiter.EventHUp|waiter.EventRdHUp|waiter.EventIn {
		t.Errorf("readiness after close = %#x", r)
	}
	a.Release()
}

func TestDatagrams(t *testing.T) {
	ns := NewNamespace()
	a, b := NewPair(ns, Dgram, 0, 0, me)
	send(t, a, "one")
	send(t, a, "twotwo")
	send(t, a, "")
	if n := ioctlInt(t, b, unix.SIOCINQ); n != 3 {
		t.Errorf("SIOCINQ = %d, want the first datagram's 3", n)
	}
	if got, _ := recv(t, b, 10, 0); got != "one" {
		t.Errorf("recv = %q", got)
	}
	got, r := recv(t, b, 3, 0)
	if got != "two" || r.Len != 6 || r.Flags != socket.MsgTrunc {
		t.Errorf("truncated recv = %q len %d flags %#x", got, r.Len, r.Flags)
	}
	if got, r := recv(t, b, 3, 0); got != "" || r.Len != 0 {
		t.Errorf("empty datagram = %q, %d", got, r.Len)
	}
	// The peer closes: refused once, then not connected.
	a.Release()
	_, err := b.SendMsg(nonblocking(), []byte("x"), nil, nil, 0)
	wantErr(t, "send to closed peer", err, unix.ECONNREFUSED)
	_, err = b.SendMsg(nonblocking(), []byte("x"), nil, nil, 0)
	wantErr(t, "send after disconnect", err, unix.ENOTCONN)
	b.Release()
}

func TestDatagramQueueLimit(t *testing.T) {
	ns := NewNamespace()
	r := New(ns, Dgram, 0, 0)
	if err := r.Bind(nonblocking(), abstractAddr("r")); err != nil {
		t.Fatal(err)
	}
	s := New(ns, Dgram, 0, 0)
	n := 0
	for ; n < 100; n++ {
		if _, err := s.SendMsg(nonblocking(), []byte("q"), abstractAddr("r"), nil, 0); err != nil {
			wantErr(t, "send to full queue", err, unix.EAGAIN)
			break
		}
	}
	if n != MaxDgramQlen+1 {
		t.Errorf("queued %d datagrams, want %d", n, MaxDgramQlen+1)
	}
	// A blocked sender is woken when the receiver reads.
	done := make(chan error)
	go func() {
		_, err := s.SendMsg(blocking(), []byte("late"), abstractAddr("r"), nil, 0)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	recv(t, r, 10, 0)
	if err := <-done; err != nil {
		t.Errorf("blocked send: %v", err)
	}
	r.Release()
	s.Release()
}

func TestSeqpacket(t *testing.T) {
	a, b := NewPair(NewNamespace(), SeqPacket, 0, 0, me)
	send(t, a, "rec1")
	send(t, a, "record2")
	if n := ioctlInt(t, b, unix.SIOCINQ); n != 11 {
		t.Errorf("SIOCINQ = %d, want 11", n)
	}
	if got, _ := recv(t, b, 100, 0); got != "rec1" {
		t.Errorf("recv = %q", got)
	}
	if got, r := recv(t, b, 3, 0); got != "rec" || r.Flags != socket.MsgTrunc {
		t.Errorf("recv = %q flags %#x", got, r.Flags)
	}
	a.Release()
	if got, _ := recv(t, b, 10, 0); got != "" {
		t.Errorf("recv at EOF = %q", got)
	}
	_, err := b.SendMsg(nonblocking(), []byte("x"), nil, nil, 0)
	wantErr(t, "send after peer close", err, unix.EPIPE)
	b.Release()
	u := New(NewNamespace(), SeqPacket, 0, 0)
	_, err = u.RecvMsg(nonblocking(), make([]byte, 1), 0)
	wantErr(t, "recv unconnected", err, unix.ENOTCONN)
	u.Release()
}

func TestListenConnectAccept(t *testing.T) {
	ns := NewNamespace()
	l := New(ns, Stream, 0, 0)
	defer l.Release()
	err := l.Listen(blocking(), 0)
	wantErr(t, "listen unbound", err, unix.EINVAL)
	if err := l.Bind(blocking(), abstractAddr("srv")); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "rebind", l.Bind(blocking(), abstractAddr("other")), unix.EINVAL)
	c0 := New(ns, Stream, 0, 0)
	wantErr(t, "connect before listen", c0.Connect(blocking(), abstractAddr("srv")), unix.ECONNREFUSED)
	if err := l.Listen(blocking(), 0); err != nil {
		t.Fatal(err)
	}
	if err := c0.Connect(nonblocking(), abstractAddr("srv")); err != nil {
		t.Fatal(err)
	}
	send(t, c0, "early")
	c1 := New(ns, Stream, 0, 0)
	wantErr(t, "connect to full backlog", c1.Connect(nonblocking(), abstractAddr("srv")), unix.EAGAIN)
	// A blocking connect waits until accept makes room.
	done := make(chan error)
	go func() { done <- c1.Connect(blocking(), abstractAddr("srv")) }()
	time.Sleep(20 * time.Millisecond)
	s0, err := l.Accept(nonblocking())
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("blocked connect: %v", err)
	}
	if got, _ := recv(t, s0.(*Socket), 10, 0); got != "early" {
		t.Errorf("data before accept = %q", got)
	}
	if got := string(s0.SockName()); got != string(abstractAddr("srv")) {
		t.Errorf("accepted socket's name = %q", got)
	}
	if p, _ := c0.PeerName(); string(p) != string(abstractAddr("srv")) {
		t.Errorf("client's peer name = %q", p)
	}
	wantErr(t, "connect connected", c0.Connect(nonblocking(), abstractAddr("srv")), unix.EAGAIN)
	// Closing the listener resets c1, still pending.
	l.Release()
	_, err = c1.RecvMsg(nonblocking(), make([]byte, 1), 0)
	wantErr(t, "pending connection after listener close", err, unix.ECONNRESET)
	wantErr(t, "name freed", New(ns, Stream, 0, 0).Connect(nonblocking(), abstractAddr("srv")), unix.ECONNREFUSED)
	c0.Release()
	c1.Release()
	s0.Release()
}

func TestAbstractNamespacePerType(t *testing.T) {
	ns := NewNamespace()
	s := New(ns, Stream, 0, 0)
	d := New(ns, Dgram, 0, 0)
	if err := s.Bind(blocking(), abstractAddr("same")); err != nil {
		t.Fatal(err)
	}
	if err := d.Bind(blocking(), abstractAddr("same")); err != nil {
		t.Errorf("datagram bind of a stream's name: %v", err)
	}
	s2 := New(ns, Stream, 0, 0)
	wantErr(t, "second stream bind", s2.Bind(blocking(), abstractAddr("same")), unix.EADDRINUSE)
	// Autobind: five hex digits, and a no-op when bound.
	if err := s2.Bind(blocking(), unnamed()); err != nil {
		t.Fatal(err)
	}
	name := s2.SockName()
	if len(name) != familyLen+6 || name[familyLen] != 0 {
		t.Errorf("autobind name = %q", name)
	}
	if err := s2.Bind(blocking(), unnamed()); err != nil || !bytes.Equal(s2.SockName(), name) {
		t.Errorf("second autobind: %v, %q", err, s2.SockName())
	}
	for _, x := range []*Socket{s, d, s2} {
		x.Release()
	}
	if err := New(ns, Stream, 0, 0).Bind(blocking(), abstractAddr("same")); err != nil {
		t.Errorf("bind after close: %v", err)
	}
}

func TestAddresses(t *testing.T) {
	for _, tc := range []struct {
		raw  []byte
		want error
	}{
		{nil, unix.EINVAL},
		{[]byte{1}, unix.EINVAL},
		{append([]byte{2, 0}, "x"...), unix.EINVAL},
		{make([]byte, sizeofSockaddrUn+1), unix.EINVAL},
	} {
		_, _, err := parseAddress(tc.raw)
		wantErr(t, fmt.Sprintf("parse %q", tc.raw), err, tc.want)
	}
	a, _, err := parseAddress(append([]byte{1, 0}, "/tmp/x\x00junk"...))
	if err != nil || a.Abstract || a.Name != "/tmp/x" {
		t.Errorf("path = %+v, %v", a, err)
	}
	if got := a.Marshal(); string(got) != "\x01\x00/tmp/x\x00" {
		t.Errorf("marshal = %q", got)
	}
	a, _, err = parseAddress([]byte("\x01\x00\x00a\x00b"))
	if err != nil || !a.Abstract || a.Name != "a\x00b" {
		t.Errorf("abstract = %+v, %v", a, err)
	}
}

// fakePaths is a filesystem of socket nodes keyed by path.
type fakePaths struct {
	mu    sync.Mutex
	nodes map[string]bool // path -> is a socket
}

func (p *fakePaths) BindPath(path string, mode uint32) (string, func(), error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.nodes[path]; ok {
		return "", nil, unix.EADDRINUSE
	}
	p.nodes[path] = true
	return "key:" + path, func() { p.mu.Lock(); delete(p.nodes, path); p.mu.Unlock() }, nil
}

func (p *fakePaths) LookupPath(path string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	sock, ok := p.nodes[path]
	if !ok {
		return "", unix.ENOENT
	}
	if !sock {
		return "", unix.ECONNREFUSED
	}
	return "key:" + path, nil
}

func TestPathNames(t *testing.T) {
	ns := NewNamespace()
	paths := &fakePaths{nodes: map[string]bool{"/file": false}}
	ctx := blocking()
	ctx.Paths = paths
	l := New(ns, Stream, 0, 0)
	if err := l.Bind(ctx, pathAddr("/sock")); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "bind bound socket", l.Bind(ctx, pathAddr("/other")), unix.EINVAL)
	if _, ok := paths.nodes["/other"]; ok {
		t.Error("a failed bind left its node")
	}
	wantErr(t, "bind existing", New(ns, Stream, 0, 0).Bind(ctx, pathAddr("/file")), unix.EADDRINUSE)
	c := New(ns, Stream, 0, 0)
	wantErr(t, "connect not listening", c.Connect(ctx, pathAddr("/sock")), unix.ECONNREFUSED)
	wantErr(t, "connect missing", c.Connect(ctx, pathAddr("/missing")), unix.ENOENT)
	wantErr(t, "connect file", c.Connect(ctx, pathAddr("/file")), unix.ECONNREFUSED)
	d := New(ns, Dgram, 0, 0)
	wantErr(t, "connect other type", d.Connect(ctx, pathAddr("/sock")), unix.EPROTOTYPE)
	if err := l.Listen(ctx, 5); err != nil {
		t.Fatal(err)
	}
	if err := c.Connect(ctx, pathAddr("/sock")); err != nil {
		t.Fatal(err)
	}
	// The node outlives the socket: refused, not ENOENT.
	l.Release()
	wantErr(t, "connect after close", New(ns, Stream, 0, 0).Connect(ctx, pathAddr("/sock")), unix.ECONNREFUSED)
	c.Release()
	d.Release()
}

func TestRightsOwnership(t *testing.T) {
	a, b := NewPair(NewNamespace(), Dgram, 0, 0, me)
	ff := &fakeFile{}
	f := vfs.NewFile(ff, vfs.VirtualDentry{}, unix.O_RDONLY)
	f.IncRef()
	ctl := &socket.SendControl{Rights: []*vfs.File{f}}
	if _, err := a.SendMsg(nonblocking(), []byte("x"), nil, ctl, 0); err != nil {
		t.Fatal(err)
	}
	if ctl.Rights != nil {
		t.Error("send did not take the files")
	}
	f.DecRef() // the sender's own reference
	// Peek duplicates: the caller gets its own reference.
	_, r := recv(t, b, 10, socket.MsgPeek)
	if len(r.Rights) != 1 || r.Rights[0] != f {
		t.Fatalf("peeked rights = %v", r.Rights)
	}
	r.Rights[0].DecRef()
	if ff.released.Load() != 0 {
		t.Fatal("file released while queued")
	}
	// Closing the receiver with the message unread releases the file.
	b.Release()
	if ff.released.Load() != 1 {
		t.Errorf("file released %d times, want 1", ff.released.Load())
	}
	a.Release()

	// A refused send leaves the files with the caller.
	a, b = NewPair(NewNamespace(), Stream, 0, 0, me)
	b.Release()
	ctl = &socket.SendControl{Rights: []*vfs.File{vfs.NewFile(&fakeFile{}, vfs.VirtualDentry{}, 0)}}
	_, err := a.SendMsg(nonblocking(), []byte("x"), nil, ctl, 0)
	wantErr(t, "send to closed stream", err, unix.EPIPE)
	if len(ctl.Rights) != 1 {
		t.Error("failed send took the files")
	}
	ctl.Release()
	a.Release()
}

func TestStreamStopsAtRights(t *testing.T) {
	a, b := NewPair(NewNamespace(), Stream, 0, 0, me)
	send(t, a, "ab")
	f := vfs.NewFile(&fakeFile{}, vfs.VirtualDentry{}, 0)
	if _, err := a.SendMsg(nonblocking(), []byte("cd"), nil, &socket.SendControl{Rights: []*vfs.File{f}}, 0); err != nil {
		t.Fatal(err)
	}
	send(t, a, "ef")
	got, r := recv(t, b, 10, 0)
	if got != "abcd" || len(r.Rights) != 1 {
		t.Errorf("recv = %q with %d files", got, len(r.Rights))
	}
	r.Rights[0].DecRef()
	if got, _ := recv(t, b, 10, 0); got != "ef" {
		t.Errorf("recv = %q", got)
	}
	a.Release()
	b.Release()
}

func TestCredentials(t *testing.T) {
	a, b := NewPair(NewNamespace(), Stream, 0, 0, me)
	other := &socket.Context{NonBlocking: true, Cred: socket.Cred{PID: 7, UID: 1, GID: 1}}
	if err := b.SetSockOpt(nil, unix.SOL_SOCKET, unix.SO_PASSCRED, socket.Int32(1)); err != nil {
		t.Fatal(err)
	}
	send(t, a, "mine")
	if _, err := a.SendMsg(other, []byte("theirs"), nil, nil, 0); err != nil {
		t.Fatal(err)
	}
	got, r := recv(t, b, 100, 0)
	if got != "mine" || r.Cred == nil || *r.Cred != me {
		t.Errorf("first read = %q, %+v", got, r.Cred)
	}
	got, r = recv(t, b, 100, 0)
	if got != "theirs" || r.Cred == nil || r.Cred.PID != 7 {
		t.Errorf("second read = %q, %+v", got, r.Cred)
	}
	// Explicit credentials win over the sender's.
	c := socket.Cred{PID: 9, UID: 2, GID: 3}
	if _, err := a.SendMsg(nonblocking(), []byte("x"), nil, &socket.SendControl{Cred: &c}, 0); err != nil {
		t.Fatal(err)
	}
	if _, r := recv(t, b, 100, 0); r.Cred == nil || *r.Cred != c {
		t.Errorf("explicit creds = %+v", r.Cred)
	}
	v, _ := a.GetSockOpt(nil, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if pid := int32(binary.LittleEndian.Uint32(v)); pid != me.PID {
		t.Errorf("SO_PEERCRED pid = %d", pid)
	}
	a.Release()
	b.Release()
}

func TestShutdown(t *testing.T) {
	a, b := NewPair(NewNamespace(), Stream, 0, 0, me)
	wantErr(t, "bad how", a.Shutdown(nil, 3), unix.EINVAL)
	send(t, a, "x")
	if err := a.Shutdown(nil, unix.SHUT_WR); err != nil {
		t.Fatal(err)
	}
	_, err := a.SendMsg(nonblocking(), []byte("y"), nil, nil, 0)
	wantErr(t, "send after SHUT_WR", err, unix.EPIPE)
	recv(t, b, 10, 0)
	if got, _ := recv(t, b, 10, 0); got != "" {
		t.Errorf("recv after peer SHUT_WR = %q", got)
	}
	if r := b.Readiness(waiter.AllEvents); r&waiter.EventRdHUp == 0 || r&waiter.EventHUp != 0 {
		t.Errorf("readiness = %#x", r)
	}
	if err := b.Shutdown(nil, unix.SHUT_WR); err != nil {
		t.Fatal(err)
	}
	if r := a.Readiness(waiter.AllEvents); r&waiter.EventHUp == 0 {
		t.Errorf("readiness after both = %#x", r)
	}
	a.Release()
	b.Release()
}

func TestSendBufferBlocksAndTimesOut(t *testing.T) {
	a, b := NewPair(NewNamespace(), Stream, 0, 0, me)
	big := make([]byte, 1<<20)
	n, err := a.SendMsg(nonblocking(), big, nil, nil, 0)
	if err != nil || n == 0 || n == len(big) {
		t.Fatalf("filling send = %d, %v", n, err)
	}
	if a.Readiness(writable) != 0 {
		t.Error("full socket is writable")
	}
	// SO_SNDTIMEO: EAGAIN after the timeout.
	if err := a.SetSockOpt(nil, unix.SOL_SOCKET, unix.SO_SNDTIMEO, timeval(0, 50000)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = a.SendMsg(blocking(), []byte("x"), nil, nil, 0)
	wantErr(t, "send with timeout", err, unix.EAGAIN)
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Errorf("timed out after %v", d)
	}
	// A reader makes room for a blocked writer.
	if err := a.SetSockOpt(nil, unix.SOL_SOCKET, unix.SO_SNDTIMEO, timeval(0, 0)); err != nil {
		t.Fatal(err)
	}
	done := make(chan int)
	go func() {
		n, _ := a.SendMsg(blocking(), big, nil, nil, 0)
		done <- n
	}()
	got := 0
	buf := make([]byte, 1<<16)
	for got < n+len(big) {
		r, err := b.RecvMsg(blocking(), buf, 0)
		if err != nil {
			t.Fatal(err)
		}
		got += r.N
	}
	if sent := <-done; sent != len(big) {
		t.Errorf("blocked send sent %d", sent)
	}
	a.Release()
	b.Release()
}

func timeval(sec, usec int64) []byte {
	b := make([]byte, 16)
	binary.LittleEndian.PutUint64(b, uint64(sec))
	binary.LittleEndian.PutUint64(b[8:], uint64(usec))
	return b
}

func TestInterrupt(t *testing.T) {
	a, b := NewPair(NewNamespace(), Stream, 0, 0, me)
	bl := &chanBlocker{interrupt: make(chan struct{}, 1)}
	ctx := &socket.Context{Blocker: bl}
	bl.interrupt <- struct{}{}
	_, err := b.RecvMsg(ctx, make([]byte, 1), 0)
	wantErr(t, "interrupted without timeout", err, socket.ERESTARTSYS)
	if err := b.SetSockOpt(nil, unix.SOL_SOCKET, unix.SO_RCVTIMEO, timeval(10, 0)); err != nil {
		t.Fatal(err)
	}
	bl.interrupt <- struct{}{}
	_, err = b.RecvMsg(ctx, make([]byte, 1), 0)
	wantErr(t, "interrupted with timeout", err, unix.EINTR)
	// MSG_WAITALL interrupted after some data returns the data.
	send(t, a, "ab")
	go func() { time.Sleep(20 * time.Millisecond); bl.interrupt <- struct{}{} }()
	r, err := b.RecvMsg(ctx, make([]byte, 10), socket.MsgWaitAll)
	if err != nil || r.N != 2 {
		t.Errorf("interrupted WAITALL = %d, %v", r.N, err)
	}
	a.Release()
	b.Release()
}

func TestWaitAll(t *testing.T) {
	a, b := NewPair(NewNamespace(), Stream, 0, 0, me)
	go func() {
		for _, s := range []string{"12", "34", "56"} {
			time.Sleep(10 * time.Millisecond)
			a.SendMsg(nonblocking(), []byte(s), nil, nil, 0)
		}
		a.Shutdown(nil, unix.SHUT_WR)
	}()
	buf := make([]byte, 5)
	r, err := b.RecvMsg(blocking(), buf, socket.MsgWaitAll)
	if err != nil || string(buf[:r.N]) != "12345" {
		t.Errorf("WAITALL = %q, %v", buf[:r.N], err)
	}
	r, err = b.RecvMsg(blocking(), buf, socket.MsgWaitAll)
	if err != nil || string(buf[:r.N]) != "6" {
		t.Errorf("WAITALL at EOF = %q, %v", buf[:r.N], err)
	}
	a.Release()
	b.Release()
}

func TestReadiness(t *testing.T) {
	ns := NewNamespace()
	u := New(ns, Stream, 0, 0)
	if r := u.Readiness(changed); r != writable|waiter.EventHUp {
		t.Errorf("unconnected stream = %#x", r)
	}
	d := New(ns, Dgram, 0, 0)
	if r := d.Readiness(changed); r != writable {
		t.Errorf("datagram = %#x", r)
	}
	if err := u.Bind(blocking(), abstractAddr("l")); err != nil {
		t.Fatal(err)
	}
	if err := u.Listen(blocking(), 1); err != nil {
		t.Fatal(err)
	}
	if r := u.Readiness(waiter.AllEvents); r != 0 {
		t.Errorf("listener = %#x", r)
	}
	e := waiter.NewEntry(waiter.EventIn)
	u.EventRegister(e)
	c := New(ns, Stream, 0, 0)
	if err := c.Connect(nonblocking(), abstractAddr("l")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-e.C:
	default:
		t.Error("listener not notified of a connection")
	}
	u.EventUnregister(e)
	if r := u.Readiness(waiter.AllEvents); r != readable {
		t.Errorf("listener with a pending connection = %#x", r)
	}
	for _, s := range []*Socket{u, d, c} {
		s.Release()
	}
}

func TestOptions(t *testing.T) {
	s := New(NewNamespace(), Stream, 0, 0)
	defer s.Release()
	get := func(name int) int32 {
		v, err := s.GetSockOpt(nil, unix.SOL_SOCKET, name)
		if err != nil {
			t.Fatalf("get %d: %v", name, err)
		}
		return int32(binary.LittleEndian.Uint32(v))
	}
	if err := s.SetSockOpt(nil, unix.SOL_SOCKET, unix.SO_SNDBUF, socket.Int32(10000)); err != nil {
		t.Fatal(err)
	}
	if v := get(unix.SO_SNDBUF); v != 20000 {
		t.Errorf("SO_SNDBUF = %d", v)
	}
	if err := s.SetSockOpt(nil, unix.SOL_SOCKET, unix.SO_SNDBUF, socket.Int32(-1)); err != nil {
		t.Fatal(err)
	}
	if v := get(unix.SO_SNDBUF); v != 2*MaxBuf {
		t.Errorf("SO_SNDBUF -1 = %d", v)
	}
	if err := s.SetSockOpt(nil, unix.SOL_SOCKET, unix.SO_RCVBUF, socket.Int32(1)); err != nil {
		t.Fatal(err)
	}
	if v := get(unix.SO_RCVBUF); v != MinRcvBuf {
		t.Errorf("SO_RCVBUF 1 = %d", v)
	}
	wantErr(t, "short int", s.SetSockOpt(nil, unix.SOL_SOCKET, unix.SO_KEEPALIVE, []byte{1}), unix.EINVAL)
	wantErr(t, "read-only", s.SetSockOpt(nil, unix.SOL_SOCKET, unix.SO_TYPE, socket.Int32(1)), unix.ENOPROTOOPT)
	wantErr(t, "FORCE without CAP_NET_ADMIN", s.SetSockOpt(&socket.Context{}, unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, socket.Int32(1)), unix.EPERM)
	_, err := s.GetSockOpt(nil, unix.IPPROTO_TCP, 1)
	wantErr(t, "other level", err, unix.EOPNOTSUPP)
	wantErr(t, "EDOM", s.SetSockOpt(nil, unix.SOL_SOCKET, unix.SO_RCVTIMEO, timeval(0, 1000000)), unix.EDOM)
	if err := s.SetSockOpt(nil, unix.SOL_SOCKET, unix.SO_RCVTIMEO, timeval(1, 1)); err != nil {
		t.Fatal(err)
	}
	v, _ := s.GetSockOpt(nil, unix.SOL_SOCKET, unix.SO_RCVTIMEO)
	if sec, usec := binary.LittleEndian.Uint64(v), binary.LittleEndian.Uint64(v[8:]); sec != 1 || usec != 4000 {
		t.Errorf("SO_RCVTIMEO 1.000001 reads back %d.%06d, want 1.004000 (HZ=250)", sec, usec)
	}
}

// TestConcurrentStream moves data through a stream from several writers
// to several readers at once; run with -race.
func TestConcurrentStream(t *testing.T) {
	a, b := NewPair(NewNamespace(), Stream, 0, 0, me)
	const writers, each = 4, 2000
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if _, err := a.SendMsg(blocking(), []byte("0123456789"), nil, nil, 0); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	var total atomic.Int64
	var rg sync.WaitGroup
	for r := 0; r < 3; r++ {
		rg.Add(1)
		go func() {
			defer rg.Done()
			buf := make([]byte, 777)
			for {
				res, err := b.RecvMsg(blocking(), buf, 0)
				if err != nil {
					t.Error(err)
					return
				}
				if res.N == 0 {
					return
				}
				total.Add(int64(res.N))
			}
		}()
	}
	wg.Wait()
	a.Shutdown(nil, unix.SHUT_WR)
	rg.Wait()
	if got := total.Load(); got != writers*each*10 {
		t.Errorf("received %d bytes, want %d", got, writers*each*10)
	}
	a.Release()
	b.Release()
}

func TestErrorsAreErrnos(t *testing.T) {
	// Every error the package returns to the syscall layer is an errno.
	s := New(NewNamespace(), Stream, 0, 0)
	defer s.Release()
	_, err := s.RecvMsg(nonblocking(), nil, 0)
	var e unix.Errno
	if !errors.As(err, &e) {
		t.Errorf("error %v is not an errno", err)
	}
}
