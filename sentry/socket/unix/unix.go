// Package unix implements unix domain sockets (unix(7)) inside the
// sandbox: SOCK_STREAM, SOCK_DGRAM and SOCK_SEQPACKET, socketpair,
// abstract and filesystem names, SCM_RIGHTS and SCM_CREDENTIALS,
// SO_PEERCRED, shutdown, and readiness for poll and epoll. Nothing here
// touches a host socket.
//
// # Model
//
// Every socket has a receive queue of messages. A sender copies its data
// into a message and appends it to the receiver's queue; a stream read
// may consume a message in parts and runs on into the next ones, while a
// datagram or seqpacket read takes one whole message. Each queued message
// is charged to its sender's send buffer (SO_SNDBUF) by an approximation
// of Linux's skb truesize until it is consumed, which is what blocks a
// sender whose peer does not read. A datagram receiver that is not
// connected back to the sender also refuses senders while more than
// max_dgram_qlen (10) messages wait.
//
// A connect on a stream or seqpacket socket completes at once: it creates
// the server side of the connection (an embryo) and queues it on the
// listener until accept returns it; data may flow before then. Closing a
// listener resets its embryos' connections.
//
// # Locking
//
// Each socket has a mutex for its state and queue. An operation that
// needs two sockets (connect) takes both in inode order; the others take
// one lock at a time and check again what they read under another lock.
// Queues are notified, and files dropped, only with no lock held, since
// both may call back into sockets.
package unix

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/socket"
	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

// Socket types.
const (
	Stream    = unix.SOCK_STREAM
	Dgram     = unix.SOCK_DGRAM
	SeqPacket = unix.SOCK_SEQPACKET
)

// Connection states.
const (
	stateUnconnected = iota // TCP_CLOSE
	stateListening          // TCP_LISTEN
	stateConnected          // TCP_ESTABLISHED
)

// Shutdown bits (sk_shutdown).
const (
	rcvShutdown  = 1
	sendShutdown = 2
	shutdownMask = rcvShutdown | sendShutdown
)

// Buffer sizes, as a Linux with default sysctls has them.
const (
	// DefaultBuf is net.core.wmem_default and rmem_default.
	DefaultBuf = 212992
	// MaxBuf is net.core.wmem_max and rmem_max: SO_SNDBUF and SO_RCVBUF
	// are clamped to it before being doubled.
	MaxBuf = 212992
	// MinSndBuf and MinRcvBuf are SOCK_MIN_SNDBUF and SOCK_MIN_RCVBUF.
	MinSndBuf = 4608
	MinRcvBuf = 2304
	// MaxDgramQlen is net.unix.max_dgram_qlen.
	MaxDgramQlen = 10
	// pageSize is the block size sockets report.
	pageSize = 4096
)

// Dev is the device number of sockfs, which sockets report in stat.
var Dev = unix.Mkdev(0, 9)

var lastIno atomic.Uint64

// Event sets.
const (
	readable = waiter.EventIn | waiter.EventRdNorm
	writable = waiter.EventOut | waiter.EventWrNorm | wrBand
	wrBand   = waiter.Mask(0x200) // EPOLLWRBAND
	// changed is notified when a connection's state changes.
	changed = waiter.AllEvents | wrBand
)

// message is one queued send: a datagram or seqpacket record, or a piece
// of a stream.
type message struct {
	data []byte
	// off is how much of a stream message has been read.
	off int
	// from is the sending socket, whose address the receiver reports and
	// whose send buffer the message is charged to.
	from   *Socket
	charge int64
	cred   socket.Cred
	rights []*vfs.File
}

// truesize approximates the memory Linux charges for an skb carrying n
// bytes: the sk_buff, the shared info and a power-of-two kmalloc for
// small ones, pages for the others.
func truesize(n int) int64 {
	const skb, shinfo = 256, 320
	if n+shinfo <= pageSize {
		c := 512
		for c < n+shinfo {
			c <<= 1
		}
		return int64(skb + c)
	}
	return int64(skb + shinfo + (n+pageSize-1)/pageSize*pageSize)
}

// Socket is a unix domain socket: the implementation of one open socket
// file, and of a connection's server side before accept returns it.
type Socket struct {
	ns  *Namespace
	typ int
	ino uint64

	// q is notified of this socket's readiness changes. peerWait holds
	// those waiting for room in this socket's queues: datagram senders
	// that are not its peer, and connects waiting for the backlog.
	q        waiter.Queue
	peerWait waiter.Queue

	// addr is the bound name (nil: unbound). It is set once, under mu.
	addr atomic.Pointer[Address]

	passcred atomic.Bool
	sndbuf   atomic.Int64
	// wmem is what this socket's queued messages are charged.
	wmem atomic.Int64
	// noSpace is set when a send finds wmem at sndbuf (Linux's
	// SOCKWQ_ASYNC_NOSPACE): only then does room made by the peer send
	// an O_ASYNC owner SIGIO.
	noSpace atomic.Bool

	mu sync.Mutex
	// ownsName is set when the socket itself is bound (an accepted
	// socket shows its listener's name without owning it); pathKey is
	// the registry key of a filesystem name.
	ownsName bool
	pathKey  string
	state    int
	dead     bool
	// embryo marks a connection in a listener's queue, not yet accepted.
	embryo bool
	peer   *Socket
	shut   int
	err    unix.Errno
	recvq  []*message
	// acceptq holds a listener's connections not yet accepted.
	acceptq []*Socket
	backlog int
	// connectedFrom are the datagram sockets connected to this one.
	connectedFrom map[*Socket]struct{}
	peerCred      socket.Cred
	hasPeerCred   bool

	// Options.
	rcvbuf             int64
	rcvtimeo, sndtimeo socket.Timeout
	rcvlowat           int32
	opts               map[int]int32
	linger             [2]int32

	// Stat.
	uid, gid uint32
	ctime    vfs.Timespec
}

var (
	_ socket.Socket   = (*Socket)(nil)
	_ vfs.FileImpl    = (*Socket)(nil)
	_ waiter.Waitable = (*Socket)(nil)
)

func nowSpec() vfs.Timespec {
	t := time.Now()
	return vfs.Timespec{Sec: t.Unix(), Nsec: int64(t.Nanosecond())}
}

// New returns an unconnected socket of type typ (Stream, Dgram or
// SeqPacket) whose file belongs to uid and gid.
func New(ns *Namespace, typ int, uid, gid uint32) *Socket {
	s := &Socket{
		ns:       ns,
		typ:      typ,
		ino:      lastIno.Add(1),
		rcvbuf:   DefaultBuf,
		rcvtimeo: socket.TimeoutForever,
		sndtimeo: socket.TimeoutForever,
		rcvlowat: 1,
		uid:      uid,
		gid:      gid,
		ctime:    nowSpec(),
	}
	s.sndbuf.Store(DefaultBuf)
	if ns != nil {
		ns.live.Store(s, struct{}{})
	}
	return s
}

// NewPair returns two sockets connected to each other, as socketpair(2)
// makes them; cred is the creator's, which SO_PEERCRED shows on both.
func NewPair(ns *Namespace, typ int, uid, gid uint32, cred socket.Cred) (*Socket, *Socket) {
	a, b := New(ns, typ, uid, gid), New(ns, typ, uid, gid)
	a.peer, b.peer = b, a
	a.state, b.state = stateConnected, stateConnected
	a.peerCred, b.peerCred = cred, cred
	a.hasPeerCred, b.hasPeerCred = true, true
	if typ == Dgram {
		a.connectedFrom = map[*Socket]struct{}{b: {}}
		b.connectedFrom = map[*Socket]struct{}{a: {}}
	}
	return a, b
}

// Family implements socket.Socket.Family.
func (s *Socket) Family() int { return unix.AF_UNIX }

// Type implements socket.Socket.Type.
func (s *Socket) Type() int { return s.typ }

// Protocol implements socket.Socket.Protocol: unix sockets report 0.
func (s *Socket) Protocol() int { return 0 }

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
		Blksize: pageSize,
		Atime:   s.ctime,
		Mtime:   s.ctime,
		Ctime:   s.ctime,
	}, nil
}

// notes collects queue notifications to make once locks are dropped.
type notes []note

type note struct {
	q *waiter.Queue
	m waiter.Mask
}

func (n *notes) add(q *waiter.Queue, m waiter.Mask) { *n = append(*n, note{q, m}) }

func (n notes) fire() {
	for _, x := range n {
		x.q.Notify(x.m)
	}
}

// uncharge returns m's charge to its sender, and wakes the sender's
// writers when it is writable again (Linux's unix_write_space).
func (m *message) uncharge(n *notes) {
	if m.charge == 0 {
		return
	}
	w := m.from.wmem.Add(-m.charge)
	m.charge = 0
	if w*4 <= m.from.sndbuf.Load() {
		n.add(&m.from.q, writable)
	}
}

// dequeued accounts for the removal of m from s's queue. s.mu is held.
func (s *Socket) dequeued(m *message, n *notes) {
	m.uncharge(n)
	n.add(&s.peerWait, writable)
	for x := range s.connectedFrom {
		n.add(&x.q, writable)
	}
}

// lockBoth locks a and b (which may be the same) in inode order.
func lockBoth(a, b *Socket) {
	switch {
	case a == b:
		a.mu.Lock()
	case a.ino < b.ino:
		a.mu.Lock()
		b.mu.Lock()
	default:
		b.mu.Lock()
		a.mu.Lock()
	}
}

func unlockBoth(a, b *Socket) {
	a.mu.Unlock()
	if a != b {
		b.mu.Unlock()
	}
}

// writableLocked is Linux's unix_writable. s.mu is held.
func (s *Socket) writableLocked() bool {
	return s.state != stateListening && s.wmem.Load()*4 <= s.sndbuf.Load()
}

// Readiness implements waiter.Waitable.Readiness, as Linux's unix_poll
// (streams) and unix_dgram_poll (datagrams and seqpackets).
func (s *Socket) Readiness(mask waiter.Mask) waiter.Mask {
	var r waiter.Mask
	s.mu.Lock()
	if s.err != 0 {
		r |= waiter.EventErr
	}
	if s.shut == shutdownMask {
		r |= waiter.EventHUp
	}
	if s.shut&rcvShutdown != 0 {
		r |= waiter.EventRdHUp | readable
	}
	if len(s.recvq) > 0 || len(s.acceptq) > 0 {
		r |= readable
	}
	if s.typ != Dgram && s.state == stateUnconnected {
		r |= waiter.EventHUp
	}
	w := s.writableLocked()
	peer := s.peer
	s.mu.Unlock()
	if w && s.typ == Dgram && peer != nil && peer != s && mask&writable != 0 {
		// A connected datagram socket is not writable while its peer,
		// which is not connected back, has a full queue.
		peer.mu.Lock()
		if peer.peer != s && len(peer.recvq) > MaxDgramQlen {
			w = false
		}
		peer.mu.Unlock()
	}
	if w {
		r |= writable
	}
	return r & mask
}

// EventRegister implements waiter.Waitable.EventRegister.
func (s *Socket) EventRegister(e *waiter.Entry) { s.q.EventRegister(e) }

// TakeNoSpace reports and clears whether a send found the socket's send
// buffer full since the last call: signal-driven I/O sends POLL_OUT only
// then, as Linux's SOCK_WAKE_SPACE.
func (s *Socket) TakeNoSpace() bool { return s.noSpace.Swap(false) }

// EventUnregister implements waiter.Waitable.EventUnregister.
func (s *Socket) EventUnregister(e *waiter.Entry) { s.q.EventUnregister(e) }

// Release implements vfs.FileImpl.Release: the last reference to the
// socket's file is gone, and the socket closes as unix_release_sock
// does. Its name is freed; a connected stream or seqpacket peer sees the
// connection shut down, and ECONNRESET if this socket left data unread;
// queued messages and unaccepted connections are dropped.
func (s *Socket) Release() { s.release(false) }

func (s *Socket) release(embryo bool) {
	s.mu.Lock()
	if s.dead {
		s.mu.Unlock()
		return
	}
	s.dead = true
	if s.ns != nil {
		s.ns.live.Delete(s)
	}
	addr, key, owns := s.addr.Load(), s.pathKey, s.ownsName
	peer := s.peer
	s.peer = nil
	queue := s.recvq
	s.recvq = nil
	pending := s.acceptq
	s.acceptq = nil
	from := s.connectedFrom
	s.connectedFrom = nil
	s.state = stateUnconnected
	s.shut = shutdownMask
	s.mu.Unlock()

	if owns && addr != nil {
		s.ns.unbind(s, addr, key)
	}
	var n notes
	if peer != nil && peer != s {
		peer.mu.Lock()
		if s.typ != Dgram {
			peer.shut = shutdownMask
			if len(queue) > 0 || embryo {
				peer.err = unix.ECONNRESET
			}
			n.add(&peer.q, changed)
		}
		delete(peer.connectedFrom, s)
		peer.mu.Unlock()
	}
	// Datagram senders connected to s, and any waiting for room in its
	// queue, learn that it is gone when they try again.
	n.add(&s.peerWait, changed)
	for x := range from {
		n.add(&x.q, changed)
	}
	var files []*vfs.File
	for _, m := range queue {
		m.uncharge(&n)
		files = append(files, m.rights...)
		m.rights = nil
	}
	n.fire()
	for _, e := range pending {
		e.release(true)
	}
	for _, f := range files {
		f.DecRef()
	}
}

// Ioctl implements vfs.Ioctler: SIOCINQ (FIONREAD) and SIOCOUTQ.
func (s *Socket) Ioctl(mem vfs.Memory, cmd uint32, arg uint64) (uint64, error) {
	var v int64
	switch cmd {
	case unix.SIOCINQ:
		s.mu.Lock()
		if s.state == stateListening {
			s.mu.Unlock()
			return 0, unix.EINVAL
		}
		if s.typ == Dgram {
			if len(s.recvq) > 0 {
				v = int64(len(s.recvq[0].data))
			}
		} else {
			for _, m := range s.recvq {
				v += int64(len(m.data) - m.off)
			}
		}
		s.mu.Unlock()
	case unix.SIOCOUTQ:
		v = s.wmem.Load()
	default:
		return 0, unix.ENOTTY
	}
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], uint32(int32(min(v, 1<<31-1))))
	if _, err := mem.CopyOut(arg, b[:]); err != nil {
		return 0, unix.EFAULT
	}
	return 0, nil
}

// blocker waits for a queue's events on behalf of one operation, until
// the deadline its socket timeout gives.
type blocker struct {
	ctx      *socket.Context
	ok       bool // the operation may block
	deadline time.Time
	q        *waiter.Queue
	e        *waiter.Entry
}

func newBlocker(ctx *socket.Context, t socket.Timeout) *blocker {
	b := &blocker{ctx: ctx, ok: ctx.CanBlock()}
	if b.ok {
		b.deadline, b.ok = t.Deadline()
	}
	return b
}

// ready registers on q for mask and reports whether it already was: if
// not, the caller must check its condition again before waiting, so that
// no wakeup is lost.
func (b *blocker) ready(q *waiter.Queue, mask waiter.Mask) bool {
	if b.q == q {
		return true
	}
	b.done()
	b.e = waiter.NewEntry(mask | waiter.EventErr | waiter.EventHUp)
	b.q = q
	q.EventRegister(b.e)
	return false
}

func (b *blocker) wait() error { return b.ctx.Wait(b.e.C, b.deadline) }

func (b *blocker) done() {
	if b.q != nil {
		b.q.EventUnregister(b.e)
		b.q = nil
	}
}

// fileCtx is the context of read(2) and write(2), which come without
// one: non-blocking (the syscall layer waits for readiness), with the
// calling task's credentials if the namespace can tell them.
func (s *Socket) fileCtx() *socket.Context {
	ctx := &socket.Context{NonBlocking: true, Cred: socket.NoCred}
	if s.ns.CurrentCred != nil {
		if c, ok := s.ns.CurrentCred(); ok {
			ctx.Cred = c
		}
	}
	return ctx
}

// Read implements vfs.FileImpl.Read: a receive without flags. Files
// passed with the data are closed, as a read(2) has nowhere to put them.
func (s *Socket) Read(dst []byte, _ int64) (int, error) {
	r, err := s.recvMsg(s.fileCtx(), dst, 0, true)
	for _, f := range r.Rights {
		f.DecRef()
	}
	return r.N, err
}

// Write implements vfs.FileImpl.Write: a send to the peer without flags.
func (s *Socket) Write(src []byte, _ int64) (int, error) {
	n, err := s.SendMsg(s.fileCtx(), src, nil, nil, 0)
	if err == unix.EPIPE && s.typ != Stream {
		// Only streams raise SIGPIPE; the write path raises it for a
		// bare EPIPE, so the others return it wrapped.
		err = errNoSIGPIPE
	}
	return n, err
}

// errNoSIGPIPE is EPIPE (as errors.As finds it), but not equal to it.
var errNoSIGPIPE error = quietEPIPE{}

type quietEPIPE struct{}

func (quietEPIPE) Error() string { return "broken pipe (no SIGPIPE)" }
func (quietEPIPE) Unwrap() error { return unix.EPIPE }
