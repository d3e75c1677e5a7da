// Package socket holds what every socket family shares: the Socket
// interface the syscall layer drives, the calling task's context for an
// operation (credentials, a way to block), control messages, socket
// options' encodings and the Linux constants sockets use.
//
// Families live in subpackages (sentry/socket/unix); sentry/syscalls
// parses the arguments of socket(2) and friends, copies data and control
// messages in and out of application memory, and calls the Socket.
package socket

import (
	"encoding/binary"
	"errors"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

// Linux constants that x/sys/unix lacks or that must have exact values.
const (
	// SockMax is SOCK_MAX: types at or above it are EINVAL.
	SockMax = 11
	// SockTypeMask selects the type bits of socket(2)'s type argument.
	SockTypeMask = 0xf
	// AFMax is AF_MAX: families at or above it are EAFNOSUPPORT.
	AFMax = 46
	// SomaxConn is net.core.somaxconn, the cap on listen backlogs.
	SomaxConn = 4096
	// MaxIOV is UIO_MAXIOV.
	MaxIOV = 1024
	// ScmMaxFD is SCM_MAX_FD: the most descriptors one message carries.
	ScmMaxFD = 253
	// OptMemMax is net.core.optmem_max: the largest control buffer
	// sendmsg accepts.
	OptMemMax = 131072
	// SizeofSockaddrStorage bounds every socket address argument.
	SizeofSockaddrStorage = 128
	// InvalidID is the kernel's INVALID_UID and INVALID_GID (-1).
	InvalidID = ^uint32(0)
	// OverflowID is what an ID with no mapping reads as (overflowuid).
	OverflowID = 65534
)

// Message flags (send and receive).
const (
	MsgOOB         = 0x1
	MsgPeek        = 0x2
	MsgDontRoute   = 0x4
	MsgCtrunc      = 0x8
	MsgTrunc       = 0x20
	MsgDontWait    = 0x40
	MsgEOR         = 0x80
	MsgWaitAll     = 0x100
	MsgNoSignal    = 0x4000
	MsgMore        = 0x8000
	MsgWaitForOne  = 0x10000
	MsgCmsgCloexec = 0x40000000
)

// Cred is a process's credentials as SCM_CREDENTIALS and SO_PEERCRED
// carry them: struct ucred.
type Cred struct {
	PID      int32
	UID, GID uint32
}

// NoCred is the credentials of a message that carries none: no pid and
// invalid IDs, which a receiver reads as the overflow IDs.
var NoCred = Cred{UID: InvalidID, GID: InvalidID}

// Marshal encodes c as struct ucred, with invalid IDs shown as the
// overflow IDs, as a receiver sees them.
func (c Cred) Marshal() []byte {
	b := make([]byte, 12)
	binary.LittleEndian.PutUint32(b[0:], uint32(c.PID))
	binary.LittleEndian.PutUint32(b[4:], munge(c.UID))
	binary.LittleEndian.PutUint32(b[8:], munge(c.GID))
	return b
}

func munge(id uint32) uint32 {
	if id == InvalidID {
		return OverflowID
	}
	return id
}

// Errors a Blocker returns.
var (
	ErrTimedOut    = errors.New("timed out")
	ErrInterrupted = errors.New("interrupted")
)

// ERESTARTSYS asks for the syscall to be restarted when the interrupting
// signal's handler has SA_RESTART (the kernel's internal errno 512).
const ERESTARTSYS = unix.Errno(512)

// Blocker lets a socket operation wait.
type Blocker interface {
	// Block waits until ch receives, the deadline passes (ErrTimedOut)
	// or the caller must return to handle a signal or die
	// (ErrInterrupted). A zero deadline means no deadline.
	Block(ch <-chan struct{}, deadline time.Time) error
}

// PathResolver gives AF_UNIX sockets their filesystem names: socket
// nodes, which are keyed by the identity of their inode, as Linux ties a
// bound socket to its inode.
type PathResolver interface {
	// BindPath creates a socket node with permission bits mode (umask
	// applied) at path, with mknod's checks, and returns the node's key
	// and a function that removes the node again. A name in use is
	// EADDRINUSE.
	BindPath(path string, mode uint32) (key string, undo func(), err error)
	// LookupPath resolves path for connect and sendto, following
	// symbolic links, and returns the key of the socket node there:
	// EACCES if the caller may not write to it, ECONNREFUSED if it is
	// not a socket.
	LookupPath(path string) (key string, err error)
}

// Context is what a socket operation needs from the calling task.
type Context struct {
	// NonBlocking is set for O_NONBLOCK files and MSG_DONTWAIT: the
	// operation returns EAGAIN rather than wait.
	NonBlocking bool
	// Blocker waits; nil means the operation must not block.
	Blocker Blocker
	// Cred is the caller's pid (thread group ID), real uid and real gid:
	// the credentials its messages carry.
	Cred Cred
	// PeerCred is the caller's pid, effective uid and gid: what
	// SO_PEERCRED shows to the other end of a connection it makes.
	PeerCred Cred
	// FS are the caller's filesystem credentials (the owner of the files
	// it creates).
	FS *vfs.Creds
	// Umask is the caller's umask, for the mode of socket nodes.
	Umask uint32
	// CapNetAdmin is CAP_NET_ADMIN (SO_SNDBUFFORCE, SO_RCVBUFFORCE).
	CapNetAdmin bool
	// Paths resolves AF_UNIX filesystem names; nil refuses them (ENOENT).
	Paths PathResolver
}

// CanBlock reports whether the operation may wait.
func (c *Context) CanBlock() bool { return c != nil && !c.NonBlocking && c.Blocker != nil }

// Wait blocks on ch until the deadline. It maps the Blocker's errors as
// Linux's sock_intr_errno does: a timeout is EAGAIN; an interruption is
// ERESTARTSYS when there was no timeout and EINTR otherwise.
func (c *Context) Wait(ch <-chan struct{}, deadline time.Time) error {
	switch err := c.Blocker.Block(ch, deadline); err {
	case nil:
		return nil
	case ErrTimedOut:
		return unix.EAGAIN
	default:
		if deadline.IsZero() {
			return ERESTARTSYS
		}
		return unix.EINTR
	}
}

// SendControl is the ancillary data of a sendmsg, parsed and checked by
// the syscall layer.
type SendControl struct {
	// Rights are the files of SCM_RIGHTS, each holding a reference.
	// A successful send takes them over; otherwise the caller drops them.
	Rights []*vfs.File
	// Cred is the SCM_CREDENTIALS the sender supplied, or nil.
	Cred *Cred
}

// Release drops the references of c's files.
func (c *SendControl) Release() {
	if c == nil {
		return
	}
	for _, f := range c.Rights {
		f.DecRef()
	}
	c.Rights = nil
}

// RecvResult is what a receive produced.
type RecvResult struct {
	// N is the number of bytes copied into the buffer.
	N int
	// Len is the length of the datagram (for MSG_TRUNC); N for streams.
	Len int
	// Flags are the msg_flags to report (MSG_TRUNC, MSG_CTRUNC).
	Flags int
	// From is the sender's address, or nil when there is none.
	From []byte
	// Cred, if set, is delivered as SCM_CREDENTIALS.
	Cred *Cred
	// Rights are received files, each holding a reference that the
	// caller drops after installing them.
	Rights []*vfs.File
}

// Socket is an open socket of any family. Its vfs.FileImpl methods serve
// read(2) and write(2); the others serve the socket syscalls. Operations
// take the caller's Context and block through it unless it is
// non-blocking. Addresses are in the family's sockaddr encoding.
type Socket interface {
	vfs.FileImpl
	waiter.Waitable
	vfs.Ioctler

	Family() int
	Type() int
	Protocol() int

	Bind(ctx *Context, addr []byte) error
	Listen(ctx *Context, backlog int) error
	// Accept returns a new connected socket; its file is created by the
	// caller.
	Accept(ctx *Context) (Socket, error)
	Connect(ctx *Context, addr []byte) error
	Shutdown(ctx *Context, how int) error
	SockName() []byte
	PeerName() ([]byte, error)
	// SendMsg sends data to the peer, or to addr when it is not nil.
	SendMsg(ctx *Context, data []byte, addr []byte, ctl *SendControl, flags int) (int, error)
	RecvMsg(ctx *Context, dst []byte, flags int) (RecvResult, error)
	// GetSockOpt returns an option's value, which the caller truncates
	// to the application's buffer.
	GetSockOpt(ctx *Context, level, name int) ([]byte, error)
	SetSockOpt(ctx *Context, level, name int, val []byte) error
}

// Unaccepter is implemented by listening sockets that can take back a
// connection Accept returned, when the caller could not give it an fd.
type Unaccepter interface {
	Unaccept(Socket)
}

// Int32 encodes an int option value.
func Int32(v int32) []byte {
	b := make([]byte, 4)
	binary.LittleEndian.PutUint32(b, uint32(v))
	return b
}

// Bool32 encodes a boolean option value as an int.
func Bool32(v bool) []byte {
	if v {
		return Int32(1)
	}
	return Int32(0)
}

// OptInt decodes an int option value; Linux requires at least 4 bytes.
func OptInt(val []byte) (int32, error) {
	if len(val) < 4 {
		return 0, unix.EINVAL
	}
	return int32(binary.LittleEndian.Uint32(val)), nil
}

// HZ is the tick rate socket timeouts are rounded to, as in a kernel
// built with CONFIG_HZ=250.
const HZ = 250

// Timeout is a socket timeout (SO_RCVTIMEO, SO_SNDTIMEO) in jiffies as
// Linux keeps it: TimeoutForever by default, and 0 after a negative
// timeval, which makes blocking calls return EAGAIN at once.
type Timeout int64

// TimeoutForever is MAX_SCHEDULE_TIMEOUT: no timeout.
const TimeoutForever Timeout = -1

// ParseTimeval decodes a struct timeval option as sock_set_timeout does.
func ParseTimeval(val []byte) (Timeout, error) {
	if len(val) < 16 {
		return 0, unix.EINVAL
	}
	sec := int64(binary.LittleEndian.Uint64(val))
	usec := int64(binary.LittleEndian.Uint64(val[8:]))
	if usec < 0 || usec >= 1e6 {
		return 0, unix.EDOM
	}
	if sec < 0 {
		return 0, nil
	}
	if sec == 0 && usec == 0 {
		return TimeoutForever, nil
	}
	if sec >= (1<<62)/HZ {
		return TimeoutForever, nil
	}
	const usecPerJiffy = 1e6 / HZ
	return Timeout(sec*HZ + (usec+usecPerJiffy-1)/usecPerJiffy), nil
}

// Timeval encodes t as struct timeval, as sock_get_timeout does.
func (t Timeout) Timeval() []byte {
	b := make([]byte, 16)
	if t > 0 {
		binary.LittleEndian.PutUint64(b, uint64(t/HZ))
		binary.LittleEndian.PutUint64(b[8:], uint64(t%HZ)*(1e6/HZ))
	}
	return b
}

// Deadline returns when an operation that starts now and may block for
// t gives up: zero for no deadline. ok is false when the operation must
// not block at all (a zero timeout).
func (t Timeout) Deadline() (deadline time.Time, ok bool) {
	switch {
	case t == TimeoutForever:
		return time.Time{}, true
	case t == 0:
		return time.Time{}, false
	}
	return time.Now().Add(time.Duration(t) * (time.Second / HZ)), true
}
