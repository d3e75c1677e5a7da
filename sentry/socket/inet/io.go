package inet

import (
	"bytes"
	"encoding/binary"
	"errors"

	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"

	"github.com/moat-dev/moat/sentry/socket"
	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

// SendMsg implements socket.Socket.SendMsg. A stream send writes all of
// data unless it may not block (then as much as fits), is interrupted or
// times out, and reports what was written; a datagram goes whole or not
// at all. Control messages carry nothing an inet socket uses.
func (s *Socket) SendMsg(ctx *socket.Context, data []byte, addr []byte, ctl *socket.SendControl, flags int) (int, error) {
	if flags&socket.MsgOOB != 0 {
		return 0, unix.EOPNOTSUPP
	}
	opts := tcpip.WriteOptions{
		More:        flags&socket.MsgMore != 0,
		EndOfRecord: flags&socket.MsgEOR != 0,
	}
	_, snd := s.timeouts()
	if s.typ != unix.SOCK_STREAM {
		if addr != nil {
			a, unspec, err := s.parseAddr(addr, false)
			if err != nil {
				return 0, err
			}
			if !unspec || s.family == afInet {
				if a.port == 0 {
					return 0, unix.EINVAL
				}
				fa := a.full()
				opts.To = &fa
			}
		}
		var n int64
		err := s.block(ctx, writable, snd, func() error {
			var err tcpip.Error
			n, err = s.ep.Write(bytes.NewReader(data), opts)
			return errno(err)
		})
		return int(n), err
	}
	// A stream ignores the address, as tcp_sendmsg does.
	settling := s.settleBegin()
	sent := 0
	err := s.block(ctx, writable, snd, func() error {
		for {
			n, err := s.ep.Write(bytes.NewReader(data[sent:]), opts)
			sent += int(n)
			if err != nil {
				if _, ok := err.(*tcpip.ErrWouldBlock); ok && sent > 0 && !ctx.CanBlock() {
					return nil
				}
				return errno(err)
			}
			if sent >= len(data) || n == 0 {
				return nil
			}
		}
	})
	if sent > 0 {
		s.settle(settling)
		return sent, nil
	}
	return 0, err
}

// truncWriter takes a whole datagram and keeps what fits in buf.
type truncWriter struct {
	buf []byte
	n   int
}

func (w *truncWriter) Write(b []byte) (int, error) {
	w.n += copy(w.buf[w.n:], b)
	return len(b), nil
}

// RecvMsg implements socket.Socket.RecvMsg, with MSG_PEEK, MSG_WAITALL,
// MSG_TRUNC and MSG_DONTWAIT (through ctx); it waits up to SO_RCVTIMEO.
func (s *Socket) RecvMsg(ctx *socket.Context, dst []byte, flags int) (socket.RecvResult, error) {
	if flags&unix.MSG_ERRQUEUE != 0 {
		// No errors are ever queued.
		return socket.RecvResult{}, unix.EAGAIN
	}
	if s.typ == unix.SOCK_STREAM {
		return s.recvStream(ctx, dst, flags)
	}
	return s.recvDgram(ctx, dst, flags)
}

// errEOF ends a receive at the end of the stream.
var errEOF = errors.New("end of stream")

func (s *Socket) recvStream(ctx *socket.Context, dst []byte, flags int) (socket.RecvResult, error) {
	if flags&socket.MsgOOB != 0 {
		// No urgent data is ever received.
		return socket.RecvResult{}, unix.EINVAL
	}
	peek := flags&socket.MsgPeek != 0
	waitall := flags&socket.MsgWaitAll != 0 && !peek
	rcv, _ := s.timeouts()
	done := 0
	err := s.block(ctx, readable, rcv, func() error {
		for {
			if len(dst) == 0 {
				// A zero-length receive waits for data or the end
				// of the stream, and takes nothing.
				if s.ep.Readiness(tcpipReadable) != 0 {
					_, err := s.ep.Read(&tcpip.SliceWriter{}, tcpip.ReadOptions{Peek: true})
					switch err.(type) {
					case nil, *tcpip.ErrBadBuffer, *tcpip.ErrClosedForReceive:
						return nil
					}
					return errno(err)
				}
				return s.streamReadErr()
			}
			w := tcpip.SliceWriter(dst[done:])
			res, err := s.ep.Read(&w, tcpip.ReadOptions{Peek: peek})
			if err != nil {
				if _, ok := err.(*tcpip.ErrClosedForReceive); ok {
					return errEOF
				}
				e := errno(err)
				if done > 0 && (e == unix.EAGAIN && (!waitall || !ctx.CanBlock())) {
					return nil
				}
				return e
			}
			done += res.Count
			if !waitall || done == len(dst) {
				return nil
			}
		}
	})
	if done > 0 || err == errEOF {
		err = nil
	}
	if err != nil {
		return socket.RecvResult{}, err
	}
	r := socket.RecvResult{N: done, Len: done}
	if flags&socket.MsgTrunc != 0 {
		// The data is discarded rather than copied.
		r.N = 0
	}
	return r, nil
}

// tcpipReadable is what a reader waits for, in tcpip's mask.
var tcpipReadable = toTCPIP(readable | waiter.EventHUp | waiter.EventErr)

// streamReadErr is the result of a receive that found no data: EAGAIN
// while the connection is up or being made, else what Read reports.
func (s *Socket) streamReadErr() error {
	_, err := s.ep.Read(&tcpip.SliceWriter{}, tcpip.ReadOptions{Peek: true})
	switch err.(type) {
	case nil, *tcpip.ErrBadBuffer:
		return nil
	case *tcpip.ErrClosedForReceive:
		return errEOF
	}
	return errno(err)
}

func (s *Socket) recvDgram(ctx *socket.Context, dst []byte, flags int) (socket.RecvResult, error) {
	if flags&socket.MsgOOB != 0 {
		return socket.RecvResult{}, unix.EOPNOTSUPP
	}
	peek := flags&socket.MsgPeek != 0
	rcv, _ := s.timeouts()
	var res tcpip.ReadResult
	w := &truncWriter{buf: dst}
	err := s.block(ctx, readable, rcv, func() error {
		w.n = 0
		var err tcpip.Error
		res, err = s.ep.Read(w, tcpip.ReadOptions{Peek: peek, NeedRemoteAddr: true})
		if _, ok := err.(*tcpip.ErrClosedForReceive); ok {
			return errEOF
		}
		return errno(err)
	})
	if err == errEOF {
		return socket.RecvResult{}, nil
	}
	if err != nil {
		return socket.RecvResult{}, err
	}
	r := socket.RecvResult{
		N:    w.n,
		Len:  res.Total,
		From: marshalAddr(s.family, res.RemoteAddr),
	}
	if res.Total > len(dst) {
		r.Flags |= socket.MsgTrunc
	}
	return r, nil
}

// Interface ioctls.
const (
	siocgifname    = 0x8910
	siocgifconf    = 0x8912
	siocgifflags   = 0x8913
	siocgifaddr    = 0x8915
	siocgifnetmask = 0x891b
	siocgifmtu     = 0x8921
	siocgifhwaddr  = 0x8927
	siocgifindex   = 0x8933
	siocatmark     = 0x8905
	sizeofIfreq    = 40
	ifNameSize     = 16
)

// Ioctl implements vfs.Ioctler: SIOCINQ (FIONREAD), SIOCOUTQ,
// SIOCATMARK and the interface queries (SIOCGIF*).
func (s *Socket) Ioctl(mem vfs.Memory, cmd uint32, arg uint64) (uint64, error) {
	var v int
	switch cmd {
	case unix.SIOCINQ:
		if s.typ == unix.SOCK_STREAM && s.tcpState() == tcp.StateListen {
			return 0, unix.EINVAL
		}
		n, err := s.ep.GetSockOptInt(tcpip.ReceiveQueueSizeOption)
		if err != nil {
			return 0, errno(err)
		}
		v = n
	case unix.SIOCOUTQ:
		if s.typ == unix.SOCK_STREAM && s.tcpState() == tcp.StateListen {
			return 0, unix.EINVAL
		}
		n, err := s.ep.GetSockOptInt(tcpip.SendQueueSizeOption)
		if err != nil {
			return 0, errno(err)
		}
		v = n
	case siocatmark:
		v = 0
	default:
		if ok, err := s.st.DeviceIoctl(mem, cmd, arg); ok {
			return 0, err
		}
		return 0, unix.ENOTTY
	}
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], uint32(int32(min(v, 1<<31-1))))
	if _, err := mem.CopyOut(arg, b[:]); err != nil {
		return 0, unix.EFAULT
	}
	return 0, nil
}

// DeviceIoctl serves the network-device ioctls that Linux's sock_ioctl
// takes on a socket of any family (SIOCGIFNAME, SIOCGIFINDEX,
// SIOCGIFFLAGS, SIOCGIFADDR, SIOCGIFNETMASK, SIOCGIFMTU, SIOCGIFHWADDR,
// SIOCGIFCONF). ok is false for other commands.
func (st *Stack) DeviceIoctl(mem vfs.Memory, cmd uint32, arg uint64) (ok bool, err error) {
	switch cmd {
	case siocgifname, siocgifflags, siocgifaddr, siocgifnetmask, siocgifmtu, siocgifhwaddr, siocgifindex:
		return true, st.ifreqIoctl(mem, cmd, arg)
	case siocgifconf:
		return true, st.ifconf(mem, arg)
	}
	return false, nil
}

// ifreqIoctl serves the ioctls that take a struct ifreq naming an
// interface (or, for SIOCGIFNAME, giving its index).
func (st *Stack) ifreqIoctl(mem vfs.Memory, cmd uint32, arg uint64) error {
	req := make([]byte, sizeofIfreq)
	if n, _ := mem.CopyIn(arg, req); n < sizeofIfreq {
		return unix.EFAULT
	}
	var ifc Interface
	var ok bool
	if cmd == siocgifname {
		ifc, ok = st.Interface(int(int32(binary.LittleEndian.Uint32(req[ifNameSize:]))))
	} else {
		name := req[:ifNameSize]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		ifc, ok = st.InterfaceByName(string(name))
	}
	if !ok {
		return unix.ENODEV
	}
	u := req[ifNameSize:]
	clear(u)
	switch cmd {
	case siocgifname:
		clear(req[:ifNameSize])
		copy(req[:ifNameSize-1], ifc.Name)
	case siocgifindex:
		binary.LittleEndian.PutUint32(u, uint32(ifc.Index))
	case siocgifflags:
		binary.LittleEndian.PutUint16(u, uint16(ifc.Flags))
	case siocgifmtu:
		binary.LittleEndian.PutUint32(u, ifc.MTU)
	case siocgifhwaddr:
		binary.LittleEndian.PutUint16(u, ifc.Type)
		copy(u[2:], ifc.HWAddr)
	case siocgifaddr, siocgifnetmask:
		a, ok := ifc.v4()
		if !ok {
			return unix.EADDRNOTAVAIL
		}
		binary.LittleEndian.PutUint16(u, afInet)
		if cmd == siocgifaddr {
			copy(u[4:8], a.Addr)
		} else {
			binary.BigEndian.PutUint32(u[4:8], ^uint32(0)<<(32-a.Prefix))
		}
	}
	if _, err := mem.CopyOut(arg, req); err != nil {
		return unix.EFAULT
	}
	return nil
}

// v4 returns the interface's first IPv4 address.
func (ifc Interface) v4() (Address, bool) {
	for _, a := range ifc.Addrs {
		if a.Family == afInet {
			return a, true
		}
	}
	return Address{}, false
}

// ifconf serves SIOCGIFCONF: struct ifconf {int ifc_len; char *ifc_buf}
// gets one ifreq with the IPv4 address of each interface that has one;
// with a null buffer, only the length needed.
func (st *Stack) ifconf(mem vfs.Memory, arg uint64) error {
	hdr := make([]byte, 16)
	if n, _ := mem.CopyIn(arg, hdr); n < 16 {
		return unix.EFAULT
	}
	length := int(int32(binary.LittleEndian.Uint32(hdr)))
	buf := binary.LittleEndian.Uint64(hdr[8:])
	var out []byte
	for _, ifc := range st.Interfaces() {
		a, ok := ifc.v4()
		if !ok {
			continue
		}
		req := make([]byte, sizeofIfreq)
		copy(req[:ifNameSize-1], ifc.Name)
		binary.LittleEndian.PutUint16(req[ifNameSize:], afInet)
		copy(req[ifNameSize+4:], a.Addr)
		out = append(out, req...)
	}
	if buf != 0 {
		n := min(len(out), max(length, 0)/sizeofIfreq*sizeofIfreq)
		if n > 0 {
			if _, err := mem.CopyOut(buf, out[:n]); err != nil {
				return unix.EFAULT
			}
		}
		out = out[:n]
	}
	binary.LittleEndian.PutUint32(hdr, uint32(len(out)))
	if _, err := mem.CopyOut(arg, hdr[:4]); err != nil {
		return unix.EFAULT
	}
	return nil
}
