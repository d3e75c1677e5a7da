package proto

import (
	"errors"
	"fmt"
	"io"

	"golang.org/x/sys/unix"
)

// oobSize is room for the control message of one packet. It has space for
// a few more FDs than any message carries, so that a peer sending too many
// is detected (and the extras closed) rather than silently truncated.
var oobSize = unix.CmsgSpace(4 * (MaxFDs + 3))

// Send writes pkt as one packet on the SOCK_SEQPACKET socket sock, with
// the host FD donate attached via SCM_RIGHTS if donate >= 0. It does not
// close donate.
func Send(sock int, pkt []byte, donate int) error {
	var oob []byte
	if donate >= 0 {
		oob = unix.UnixRights(donate)
	}
	for {
		n, err := unix.SendmsgN(sock, pkt, oob, nil, unix.MSG_NOSIGNAL)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("gofer: sendmsg: %w", err)
		}
		if n != len(pkt) {
			return fmt.Errorf("gofer: short sendmsg: %d of %d bytes", n, len(pkt))
		}
		return nil
	}
}

// Recv reads one packet from sock into buf, which should hold
// MaxMessageSize bytes. It returns the packet and any FDs that came with
// it (opened close-on-exec; the caller owns them). At the end of the
// stream it returns io.EOF. A packet too big for buf, or with a truncated
// control message, is an error; any FDs received with it are closed.
func Recv(sock int, buf []byte) ([]byte, []int, error) {
	oob := make([]byte, oobSize)
	for {
		n, oobn, flags, _, err := unix.Recvmsg(sock, buf, oob, unix.MSG_CMSG_CLOEXEC)
		if err == unix.EINTR {
			continue
		}
		if err == unix.ECONNRESET {
			// The peer went away with packets unread: for a
			// SOCK_SEQPACKET socket that is just the end of the stream.
			return nil, nil, io.EOF
		}
		if err != nil {
			return nil, nil, fmt.Errorf("gofer: recvmsg: %w", err)
		}
		fds, perr := parseRights(oob[:oobn])
		if perr == nil && flags&unix.MSG_CTRUNC != 0 {
			perr = errors.New("control message truncated")
		}
		if perr == nil && flags&unix.MSG_TRUNC != 0 {
			perr = fmt.Errorf("packet larger than %d bytes", len(buf))
		}
		if perr != nil {
			CloseAll(fds)
			return nil, nil, fmt.Errorf("%w: %v", ErrMalformed, perr)
		}
		if n == 0 && len(fds) == 0 {
			// A read of 0 bytes is either the end of the stream or an
			// empty packet; only the former leaves the socket hung up.
			if hungUp(sock) {
				return nil, nil, io.EOF
			}
			return nil, nil, fmt.Errorf("%w: empty packet", ErrMalformed)
		}
		return buf[:n], fds, nil
	}
}

// hungUp reports whether the peer of sock has closed or shut down its end.
func hungUp(sock int) bool {
	pfd := []unix.PollFd{{Fd: int32(sock), Events: unix.POLLIN | unix.POLLRDHUP}}
	for {
		_, err := unix.Poll(pfd, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return true
		}
		return pfd[0].Revents&(unix.POLLHUP|unix.POLLRDHUP|unix.POLLERR|unix.POLLNVAL) != 0
	}
}

func parseRights(oob []byte) ([]int, error) {
	if len(oob) == 0 {
		return nil, nil
	}
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, fmt.Errorf("bad control message: %v", err)
	}
	var fds []int
	var bad error
	for i := range msgs {
		if msgs[i].Header.Level != unix.SOL_SOCKET || msgs[i].Header.Type != unix.SCM_RIGHTS {
			bad = fmt.Errorf("unexpected control message level %d type %d", msgs[i].Header.Level, msgs[i].Header.Type)
			continue
		}
		got, err := unix.ParseUnixRights(&msgs[i])
		if err != nil {
			bad = fmt.Errorf("bad SCM_RIGHTS: %v", err)
			continue
		}
		fds = append(fds, got...)
	}
	if bad != nil {
		CloseAll(fds)
		return nil, bad
	}
	return fds, nil
}

// CloseAll closes every FD in fds.
func CloseAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}
