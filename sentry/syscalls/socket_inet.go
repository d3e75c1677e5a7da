package syscalls

import (
	"sync"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/socket"
	"github.com/moat-dev/moat/sentry/socket/inet"
	sunix "github.com/moat-dev/moat/sentry/socket/unix"
)

// AF_INET and AF_INET6 sockets on the sandbox's user-space network
// stack (sentry/socket/inet), and AF_NETLINK NETLINK_ROUTE sockets that
// describe it.

func init() {
	socketFamilies[unix.AF_INET] = inetFamily{unix.AF_INET}
	socketFamilies[unix.AF_INET6] = inetFamily{unix.AF_INET6}
	socketFamilies[unix.AF_NETLINK] = netlinkFamily{}
}

const capNetRaw = 13

// inetStacks holds each sandbox's (kernel's) network stack.
var inetStacks sync.Map // *kernel.Kernel -> *inetStack

type inetStack struct {
	once sync.Once
	st   *inet.Stack
	err  error
}

// netStack returns the network stack of t's sandbox, creating it on
// first use. It is the loopback-only stack of --network=none.
func netStack(t *task) (*inet.Stack, error) { return kernelNetStack(t.Kernel()) }

// NetStack returns k's network stack, creating it on first use (for
// /proc/net).
func NetStack(k *kernel.Kernel) (*inet.Stack, error) { return kernelNetStack(k) }

func kernelNetStack(k *kernel.Kernel) (*inet.Stack, error) {
	v, _ := inetStacks.LoadOrStore(k, &inetStack{})
	s := v.(*inetStack)
	s.once.Do(func() {
		s.st, s.err = inet.NewLoopbackStack()
		if s.err != nil {
			k.Log.Error("network stack", "err", s.err)
			return
		}
		// sock_diag reaches the sandbox's unix sockets through it.
		s.st.UnixSockets = func() []sunix.Entry { return kernelUnixNS(k).Entries() }
	})
	if s.err != nil {
		return nil, unix.ENOMEM
	}
	return s.st, nil
}

// inetFamily creates AF_INET or AF_INET6 sockets.
type inetFamily struct{ family int }

func (f inetFamily) New(t *task, typ, protocol int) (socket.Socket, error) {
	c := t.Creds()
	proto, err := inet.Protocol(f.family, typ, protocol, c.HasCap(capNetRaw))
	if err != nil {
		return nil, err
	}
	st, err := netStack(t)
	if err != nil {
		return nil, err
	}
	return st.NewSocket(f.family, typ, proto, c.FSUID, c.FSGID)
}

// Pair is socketpair(2), which inet sockets do not support.
func (inetFamily) Pair(t *task, typ, protocol int) (socket.Socket, socket.Socket, error) {
	return nil, nil, unix.EOPNOTSUPP
}

// socketDeviceIoctl serves the network-device ioctls (SIOCGIF*) that
// Linux takes on a socket of any family, as sock_ioctl does: glibc's
// if_nametoindex and if_indextoname ask an AF_UNIX socket. handled is
// false for other commands.
func socketDeviceIoctl(t *task, cmd uint32, arg uint64) (r uint64, handled bool, err error) {
	st, err := netStack(t)
	if err != nil {
		return 0, false, nil
	}
	handled, err = st.DeviceIoctl(t.MM(), cmd, arg)
	return 0, handled, err
}

// netlinkFamily creates AF_NETLINK sockets: NETLINK_ROUTE and
// NETLINK_SOCK_DIAG.
type netlinkFamily struct{}

func (netlinkFamily) New(t *task, typ, protocol int) (socket.Socket, error) {
	if err := inet.NetlinkProtocol(typ, protocol); err != nil {
		return nil, err
	}
	st, err := netStack(t)
	if err != nil {
		return nil, err
	}
	c := t.Creds()
	return st.NewNetlinkSocket(typ, protocol, c.FSUID, c.FSGID), nil
}

// Pair is socketpair(2), which netlink sockets do not support.
func (netlinkFamily) Pair(t *task, typ, protocol int) (socket.Socket, socket.Socket, error) {
	return nil, nil, unix.EOPNOTSUPP
}
