package inet

import (
	"golang.org/x/sys/unix"
	"gvisor.dev/gvisor/pkg/tcpip"
)

// errno translates a tcpip error into the errno Linux returns for the
// same condition; nil stays nil.
func errno(err tcpip.Error) error {
	if err == nil {
		return nil
	}
	switch err.(type) {
	case *tcpip.ErrWouldBlock:
		return unix.EAGAIN
	case *tcpip.ErrConnectStarted:
		return unix.EINPROGRESS
	case *tcpip.ErrAlreadyConnecting:
		return unix.EALREADY
	case *tcpip.ErrAlreadyConnected:
		return unix.EISCONN
	case *tcpip.ErrNotConnected:
		return unix.ENOTCONN
	case *tcpip.ErrConnectionRefused:
		return unix.ECONNREFUSED
	case *tcpip.ErrConnectionReset:
		return unix.ECONNRESET
	case *tcpip.ErrConnectionAborted:
		return unix.ECONNABORTED
	case *tcpip.ErrAborted, *tcpip.ErrClosedForSend:
		return unix.EPIPE
	case *tcpip.ErrClosedForReceive:
		// Callers read this as end of file; where it is an error it is
		// Linux's for a receive on a shut-down socket.
		return unix.ESHUTDOWN
	case *tcpip.ErrTimeout:
		return unix.ETIMEDOUT
	case *tcpip.ErrPortInUse, *tcpip.ErrNoPortAvailable:
		return unix.EADDRINUSE
	case *tcpip.ErrBadLocalAddress:
		return unix.EADDRNOTAVAIL
	case *tcpip.ErrNetworkUnreachable:
		return unix.ENETUNREACH
	case *tcpip.ErrHostUnreachable:
		return unix.EHOSTUNREACH
	case *tcpip.ErrHostDown:
		return unix.EHOSTDOWN
	case *tcpip.ErrNoNet:
		return unix.ENONET
	case *tcpip.ErrAddressFamilyNotSupported:
		return unix.EAFNOSUPPORT
	case *tcpip.ErrDestinationRequired:
		return unix.EDESTADDRREQ
	case *tcpip.ErrMessageTooLong:
		return unix.EMSGSIZE
	case *tcpip.ErrNoBufferSpace:
		return unix.ENOBUFS
	case *tcpip.ErrBroadcastDisabled:
		return unix.EACCES
	case *tcpip.ErrNotPermitted:
		return unix.EPERM
	case *tcpip.ErrNotSupported:
		return unix.EOPNOTSUPP
	case *tcpip.ErrQueueSizeNotSupported:
		return unix.ENOTTY
	case *tcpip.ErrUnknownProtocolOption:
		return unix.ENOPROTOOPT
	case *tcpip.ErrBadAddress, *tcpip.ErrBadBuffer:
		return unix.EFAULT
	case *tcpip.ErrDuplicateAddress, *tcpip.ErrDuplicateNICID:
		return unix.EEXIST
	case *tcpip.ErrUnknownDevice, *tcpip.ErrUnknownNICID:
		return unix.ENODEV
	case *tcpip.ErrNoSuchFile:
		return unix.ENOENT
	case *tcpip.ErrEndpointBusy:
		return unix.EBUSY
	}
	// ErrAlreadyBound, ErrInvalidEndpointState, ErrInvalidOptionValue,
	// ErrInvalidNICID, ErrInvalidPortRange, ErrMalformedHeader,
	// ErrUnknownProtocol, ErrMissingRequiredFields and the rest.
	return unix.EINVAL
}
