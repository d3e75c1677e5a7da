package unix

import (
	"encoding/binary"
	"math"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/socket"
)

// Socket options that x/sys/unix names differently or lacks.
const (
	soRcvtimeoNew = 66
	soSndtimeoNew = 67
)

// flagOpts are the SOL_SOCKET options that are stored and reported but
// change nothing for a unix socket.
var flagOpts = map[int]bool{
	unix.SO_REUSEADDR: true,
	unix.SO_KEEPALIVE: true,
	unix.SO_BROADCAST: true,
	unix.SO_DONTROUTE: true,
	unix.SO_OOBINLINE: true,
	unix.SO_NO_CHECK:  true,
	unix.SO_PASSSEC:   true,
}

// GetSockOpt implements socket.Socket.GetSockOpt for SOL_SOCKET; other
// levels are EOPNOTSUPP, as unix sockets have none.
func (s *Socket) GetSockOpt(ctx *socket.Context, level, name int) ([]byte, error) {
	if level != unix.SOL_SOCKET {
		return nil, unix.EOPNOTSUPP
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch name {
	case unix.SO_TYPE:
		return socket.Int32(int32(s.typ)), nil
	case unix.SO_DOMAIN:
		return socket.Int32(unix.AF_UNIX), nil
	case unix.SO_PROTOCOL:
		return socket.Int32(0), nil
	case unix.SO_ACCEPTCONN:
		return socket.Bool32(s.state == stateListening), nil
	case unix.SO_ERROR:
		err := s.err
		s.err = 0
		return socket.Int32(int32(err)), nil
	case unix.SO_PASSCRED:
		return socket.Bool32(s.passcred.Load()), nil
	case unix.SO_PEERCRED:
		// Without a peer: pid 0 and IDs -1 (not the overflow IDs).
		c := socket.Cred{UID: socket.InvalidID, GID: socket.InvalidID}
		if s.hasPeerCred {
			c = s.peerCred
		}
		b := make([]byte, 12)
		binary.LittleEndian.PutUint32(b, uint32(c.PID))
		binary.LittleEndian.PutUint32(b[4:], c.UID)
		binary.LittleEndian.PutUint32(b[8:], c.GID)
		return b, nil
	case unix.SO_SNDBUF:
		return socket.Int32(int32(s.sndbuf.Load())), nil
	case unix.SO_RCVBUF:
		return socket.Int32(int32(s.rcvbuf)), nil
	case unix.SO_RCVTIMEO, soRcvtimeoNew:
		return s.rcvtimeo.Timeval(), nil
	case unix.SO_SNDTIMEO, soSndtimeoNew:
		return s.sndtimeo.Timeval(), nil
	case unix.SO_RCVLOWAT:
		return socket.Int32(s.rcvlowat), nil
	case unix.SO_SNDLOWAT:
		return socket.Int32(1), nil
	case unix.SO_LINGER:
		b := make([]byte, 8)
		binary.LittleEndian.PutUint32(b, uint32(s.linger[0]))
		binary.LittleEndian.PutUint32(b[4:], uint32(s.linger[1]))
		return b, nil
	case unix.SO_PRIORITY, unix.SO_REUSEPORT, unix.SO_BSDCOMPAT:
		return socket.Int32(s.opts[name]), nil
	}
	if flagOpts[name] {
		return socket.Int32(s.opts[name]), nil
	}
	return nil, unix.ENOPROTOOPT
}

// SetSockOpt implements socket.Socket.SetSockOpt for SOL_SOCKET, with
// sock_setsockopt's checks: int options need 4 bytes (EINVAL); buffer
// sizes are clamped and doubled; read-only options are ENOPROTOOPT.
func (s *Socket) SetSockOpt(ctx *socket.Context, level, name int, val []byte) error {
	if level != unix.SOL_SOCKET {
		return unix.EOPNOTSUPP
	}
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
		s.mu.Lock()
		s.linger[0] = int32(binary.LittleEndian.Uint32(val))
		s.linger[1] = int32(binary.LittleEndian.Uint32(val[4:]))
		s.mu.Unlock()
		return nil
	}
	v, err := socket.OptInt(val)
	if err != nil {
		return err
	}
	switch name {
	case unix.SO_PASSCRED:
		s.passcred.Store(v != 0)
	case unix.SO_SNDBUF, unix.SO_SNDBUFFORCE:
		u := int64(uint32(v))
		if name == unix.SO_SNDBUF {
			u = min(u, MaxBuf)
		} else if !ctx.CapNetAdmin {
			return unix.EPERM
		} else if v < 0 {
			u = 0
		}
		s.sndbuf.Store(max(min(2*u, math.MaxInt32), MinSndBuf))
		s.q.Notify(writable)
	case unix.SO_RCVBUF, unix.SO_RCVBUFFORCE:
		u := int64(uint32(v))
		if name == unix.SO_RCVBUF {
			u = min(u, MaxBuf)
		} else if !ctx.CapNetAdmin {
			return unix.EPERM
		} else if v < 0 {
			u = 0
		}
		s.mu.Lock()
		s.rcvbuf = max(2*min(u, math.MaxInt32/2), MinRcvBuf)
		s.mu.Unlock()
	case unix.SO_RCVLOWAT:
		if v < 0 {
			v = math.MaxInt32
		}
		if v == 0 {
			v = 1
		}
		s.mu.Lock()
		s.rcvlowat = v
		s.mu.Unlock()
	case unix.SO_REUSEPORT:
		if v != 0 {
			return unix.EOPNOTSUPP
		}
	case unix.SO_PRIORITY:
		if (v < 0 || v > 6) && !ctx.CapNetAdmin {
			return unix.EPERM
		}
		s.setOpt(name, v)
	case unix.SO_BSDCOMPAT:
		// Accepted and ignored, as in Linux.
	default:
		if !flagOpts[name] {
			return unix.ENOPROTOOPT
		}
		s.setOpt(name, boolInt(v != 0))
	}
	return nil
}

func boolInt(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

func (s *Socket) setOpt(name int, v int32) {
	s.mu.Lock()
	if s.opts == nil {
		s.opts = make(map[int]int32)
	}
	s.opts[name] = v
	s.mu.Unlock()
}

// IOTimeout returns the timeout of a blocking read (SO_RCVTIMEO) or
// write (SO_SNDTIMEO) through read(2) and write(2): ok is false when
// there is none, and a zero timeout means give up at once. The socket
// syscalls apply the timeouts themselves; the generic blocking path of
// read(2) and write(2) needs to consult this to do the same.
func (s *Socket) IOTimeout(write bool) (timeout time.Duration, ok bool) {
	s.mu.Lock()
	t := s.rcvtimeo
	if write {
		t = s.sndtimeo
	}
	s.mu.Unlock()
	if t == socket.TimeoutForever {
		return 0, false
	}
	return time.Duration(t) * (time.Second / socket.HZ), true
}
