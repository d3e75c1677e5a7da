package unix

import (
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/socket"
	"github.com/moat-dev/moat/sentry/vfs"
)

// SendMsg implements socket.Socket.SendMsg. It takes over ctl's files
// when it queues them (ctl.Rights is then nil); otherwise the caller
// still owns them. EPIPE is returned only when nothing was sent; the
// caller raises SIGPIPE for streams.
func (s *Socket) SendMsg(ctx *socket.Context, data []byte, addr []byte, ctl *socket.SendControl, flags int) (int, error) {
	if flags&socket.MsgOOB != 0 {
		return 0, unix.EOPNOTSUPP
	}
	if ctl == nil {
		ctl = &socket.SendControl{}
	}
	if s.typ == Stream {
		return s.sendStream(ctx, data, addr, ctl)
	}
	return s.sendDgram(ctx, data, addr, ctl)
}

// credFor returns the credentials a message from s to peer carries, as
// unix_maybe_add_creds: those the sender supplied, else the sender's own
// if either end has SO_PASSCRED, else none.
func credFor(ctx *socket.Context, ctl *socket.SendControl, s, peer *Socket) socket.Cred {
	switch {
	case ctl.Cred != nil:
		return *ctl.Cred
	case s.passcred.Load() || peer.passcred.Load():
		return ctx.Cred
	}
	return socket.NoCred
}

// allocCheck is what Linux checks each time a send allocates a buffer
// (sock_alloc_send_pskb), waiting or not: a pending error, which it
// consumes, then whether sending was shut down.
func (s *Socket) allocCheck() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != 0 {
		err := s.err
		s.err = 0
		return err
	}
	if s.shut&sendShutdown != 0 {
		return unix.EPIPE
	}
	return nil
}

// sendStream sends data in pieces of at most half the send buffer,
// waiting while the send buffer is full. Files go with the first piece.
func (s *Socket) sendStream(ctx *socket.Context, data, addr []byte, ctl *socket.SendControl) (int, error) {
	s.mu.Lock()
	peer, shut, state, timeo := s.peer, s.shut, s.state, s.sndtimeo
	s.mu.Unlock()
	if addr != nil {
		if state == stateConnected {
			return 0, unix.EISCONN
		}
		return 0, unix.EOPNOTSUPP
	}
	if peer == nil {
		return 0, unix.ENOTCONN
	}
	if shut&sendShutdown != 0 {
		return 0, unix.EPIPE
	}
	b := newBlocker(ctx, timeo)
	defer b.done()
	sent := 0
	partial := func(err error) (int, error) {
		if sent > 0 {
			return sent, nil
		}
		return 0, err
	}
	for sent < len(data) {
		if err := s.allocCheck(); err != nil {
			return partial(err)
		}
		sndbuf := s.sndbuf.Load()
		if s.wmem.Load() >= sndbuf {
			s.noSpace.Store(true)
			if !b.ok {
				return partial(unix.EAGAIN)
			}
			if !b.ready(&s.q, writable) {
				continue
			}
			if err := b.wait(); err != nil {
				return partial(err)
			}
			continue
		}
		n := min(len(data)-sent, int(sndbuf/2-64))
		m := &message{
			data:   append([]byte(nil), data[sent:sent+n]...),
			from:   s,
			charge: truesize(n),
			cred:   credFor(ctx, ctl, s, peer),
		}
		peer.mu.Lock()
		if peer.dead || peer.shut&rcvShutdown != 0 {
			peer.mu.Unlock()
			return partial(unix.EPIPE)
		}
		if sent == 0 {
			m.rights = ctl.Rights
			ctl.Rights = nil
		}
		peer.recvq = append(peer.recvq, m)
		s.wmem.Add(m.charge)
		peer.mu.Unlock()
		peer.q.Notify(readable)
		sent += n
	}
	return sent, nil
}

// sendDgram sends one datagram or seqpacket record, to addr if it is
// given (datagrams only) and else to the peer.
func (s *Socket) sendDgram(ctx *socket.Context, data, addr []byte, ctl *socket.SendControl) (int, error) {
	s.mu.Lock()
	if s.typ == SeqPacket {
		if s.err != 0 {
			err := s.err
			s.err = 0
			s.mu.Unlock()
			return 0, err
		}
		if s.state != stateConnected {
			s.mu.Unlock()
			return 0, unix.ENOTCONN
		}
		// A seqpacket send ignores the address.
		addr = nil
	}
	peer, timeo := s.peer, s.sndtimeo
	s.mu.Unlock()
	var to *Address
	if addr != nil {
		a, kind, err := parseAddress(addr)
		if err != nil {
			return 0, err
		}
		if kind == parsedAutobind {
			return 0, unix.EINVAL
		}
		to = a
	} else if peer == nil {
		return 0, unix.ENOTCONN
	}
	if s.passcred.Load() {
		if err := s.autobind(); err != nil {
			return 0, err
		}
	}
	if int64(len(data)) > s.sndbuf.Load()-32 {
		return 0, unix.EMSGSIZE
	}
	b := newBlocker(ctx, timeo)
	defer b.done()
	for {
		if err := s.allocCheck(); err != nil {
			return 0, err
		}
		if s.wmem.Load() < s.sndbuf.Load() {
			break
		}
		s.noSpace.Store(true)
		if !b.ok {
			return 0, unix.EAGAIN
		}
		if !b.ready(&s.q, writable) {
			continue
		}
		if err := b.wait(); err != nil {
			return 0, err
		}
	}
	m := &message{data: append([]byte(nil), data...), from: s, charge: truesize(len(data))}
	for restarts := 0; ; {
		var t *Socket
		if to != nil {
			var err error
			if t, err = s.find(ctx, to); err != nil {
				return 0, err
			}
		} else {
			s.mu.Lock()
			t = s.peer
			s.mu.Unlock()
			if t == nil {
				return 0, unix.ECONNRESET
			}
		}
		t.mu.Lock()
		if t.dead {
			t.mu.Unlock()
			if s.typ == SeqPacket {
				return 0, unix.EPIPE
			}
			// A connected datagram socket whose peer closed is
			// disconnected, and this send refused.
			s.mu.Lock()
			ours := s.peer == t
			if ours {
				s.peer = nil
				s.state = stateUnconnected
			}
			s.mu.Unlock()
			if ours {
				s.disconnectedFrom(t)
				return 0, unix.ECONNREFUSED
			}
			if restarts >= maxRestarts {
				return 0, unix.ECONNREFUSED
			}
			restarts++
			continue
		}
		if t.peer != nil && t.peer != s {
			t.mu.Unlock()
			return 0, unix.EPERM
		}
		if t.shut&rcvShutdown != 0 {
			t.mu.Unlock()
			return 0, unix.EPIPE
		}
		if t != s && t.peer != s && len(t.recvq) > MaxDgramQlen {
			t.mu.Unlock()
			if !b.ok {
				return 0, unix.EAGAIN
			}
			if !b.ready(&t.peerWait, writable) {
				continue
			}
			if err := b.wait(); err != nil {
				return 0, err
			}
			continue
		}
		m.cred = credFor(ctx, ctl, s, t)
		m.rights = ctl.Rights
		ctl.Rights = nil
		t.recvq = append(t.recvq, m)
		s.wmem.Add(m.charge)
		t.mu.Unlock()
		t.q.Notify(readable)
		return len(data), nil
	}
}

// RecvMsg implements socket.Socket.RecvMsg, with MSG_PEEK, MSG_TRUNC
// (datagrams) and MSG_WAITALL (streams). The caller gets references to
// the files received and drops them.
func (s *Socket) RecvMsg(ctx *socket.Context, dst []byte, flags int) (socket.RecvResult, error) {
	return s.recvMsg(ctx, dst, flags, false)
}

func (s *Socket) recvMsg(ctx *socket.Context, dst []byte, flags int, fileRead bool) (socket.RecvResult, error) {
	if flags&socket.MsgOOB != 0 {
		return socket.RecvResult{}, unix.EOPNOTSUPP
	}
	if s.typ == Stream {
		return s.recvStream(ctx, dst, flags)
	}
	return s.recvDgram(ctx, dst, flags, fileRead)
}

// fromAddr returns the address a receiver reports for a message from
// sender: its name, or nothing if it has none.
func fromAddr(sender *Socket) []byte {
	if a := sender.addr.Load(); a != nil {
		return a.Marshal()
	}
	return nil
}

func dupRights(fs []*vfs.File) []*vfs.File {
	out := make([]*vfs.File, len(fs))
	for i, f := range fs {
		f.IncRef()
		out[i] = f
	}
	return out
}

// recvStream reads like unix_stream_read_generic: it runs on across
// messages until dst is full, but stops after a message that carried
// files and, with SO_PASSCRED, before a message from other credentials.
// It returns as soon as it has something, or with MSG_WAITALL once dst
// is full, at end of stream or on error; a pending error is reported
// only when no data is left.
func (s *Socket) recvStream(ctx *socket.Context, dst []byte, flags int) (socket.RecvResult, error) {
	var r socket.RecvResult
	peek := flags&socket.MsgPeek != 0
	s.mu.Lock()
	if s.state != stateConnected {
		s.mu.Unlock()
		return r, unix.EINVAL
	}
	target := len(dst)
	if flags&socket.MsgWaitAll == 0 {
		target = min(int(s.rcvlowat), len(dst))
	}
	target = max(target, 1)
	b := newBlocker(ctx, s.rcvtimeo)
	s.mu.Unlock()
	defer b.done()

	passcred := s.passcred.Load()
	haveCred := false
	var cred socket.Cred
	copied := 0
	gotAddr := false
	for {
		var n notes
		s.mu.Lock()
		stop := false
		exhausted := true
		skip := 0
		if peek {
			skip = copied
		}
		for i := 0; i < len(s.recvq); {
			m := s.recvq[i]
			avail := m.data[m.off:]
			if skip >= len(avail) {
				// Peeked by an earlier pass.
				skip -= len(avail)
				i++
				continue
			}
			if haveCred {
				if m.cred != cred {
					stop = true
					break
				}
			} else if passcred {
				cred, haveCred = m.cred, true
			}
			if !gotAddr {
				r.From = fromAddr(m.from)
				gotAddr = true
			}
			c := copy(dst[copied:], avail[skip:])
			skip = 0
			copied += c
			if peek {
				if m.rights != nil {
					r.Rights = dupRights(m.rights)
					stop = true
					break
				}
				i++
			} else {
				m.off += c
				if m.rights != nil {
					r.Rights = m.rights
					m.rights = nil
				}
				if m.off < len(m.data) {
					exhausted = false
					break
				}
				s.recvq[0] = nil
				s.recvq = s.recvq[1:]
				s.dequeued(m, &n)
				if r.Rights != nil {
					stop = true
					break
				}
			}
			if copied == len(dst) {
				exhausted = false
				break
			}
		}
		done := stop || !exhausted || copied >= target
		var err error
		if !done {
			switch {
			case s.err != 0:
				err = s.err
				s.err = 0
				done = true
			case s.shut&rcvShutdown != 0:
				done = true
			}
		}
		s.mu.Unlock()
		n.fire()
		if done {
			if copied == 0 && err != nil {
				return r, err
			}
			break
		}
		if !b.ok {
			if copied > 0 {
				break
			}
			return r, unix.EAGAIN
		}
		if !b.ready(&s.q, readable) {
			continue
		}
		if err := b.wait(); err != nil {
			if copied > 0 {
				break
			}
			for _, f := range r.Rights {
				f.DecRef()
			}
			r.Rights = nil
			return r, err
		}
	}
	r.N, r.Len = copied, copied
	if passcred {
		if !haveCred {
			cred = socket.Cred{}
		}
		r.Cred = &cred
	}
	return r, nil
}

// recvDgram takes one whole message, as unix_dgram_recvmsg does: a
// pending error comes first; the part that does not fit in dst is
// dropped, with MSG_TRUNC. At end of input a seqpacket read returns 0,
// and so does a blocking datagram read. A read(2) (fileRead) cannot tell
// whether it may block: it reads EOF too, rather than EAGAIN, which would
// make a blocking read wait for ever.
func (s *Socket) recvDgram(ctx *socket.Context, dst []byte, flags int, fileRead bool) (socket.RecvResult, error) {
	var r socket.RecvResult
	peek := flags&socket.MsgPeek != 0
	s.mu.Lock()
	if s.typ == SeqPacket && s.state != stateConnected {
		s.mu.Unlock()
		return r, unix.ENOTCONN
	}
	b := newBlocker(ctx, s.rcvtimeo)
	s.mu.Unlock()
	defer b.done()
	for {
		var n notes
		s.mu.Lock()
		if s.err != 0 {
			err := s.err
			s.err = 0
			s.mu.Unlock()
			return r, err
		}
		if len(s.recvq) > 0 {
			m := s.recvq[0]
			r.N = copy(dst, m.data)
			r.Len = len(m.data)
			if r.N < r.Len {
				r.Flags |= socket.MsgTrunc
			}
			r.From = fromAddr(m.from)
			if s.passcred.Load() {
				c := m.cred
				r.Cred = &c
			}
			if peek {
				r.Rights = dupRights(m.rights)
			} else {
				r.Rights = m.rights
				m.rights = nil
				s.recvq[0] = nil
				s.recvq = s.recvq[1:]
				s.dequeued(m, &n)
			}
			s.mu.Unlock()
			n.fire()
			return r, nil
		}
		if s.shut&rcvShutdown != 0 && (s.typ == SeqPacket || b.ok || fileRead) {
			s.mu.Unlock()
			return r, nil
		}
		s.mu.Unlock()
		if !b.ok {
			return r, unix.EAGAIN
		}
		if !b.ready(&s.q, readable) {
			continue
		}
		if err := b.wait(); err != nil {
			return r, err
		}
	}
}
