package syscalls

import (
	"encoding/binary"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/socket"
	"github.com/moat-dev/moat/sentry/vfs"
)

// The socket syscalls: creation, names, connections and options. Data
// transfer is in socket_msg.go; address families register themselves in
// socketFamilies (socket_unix.go for AF_UNIX).

func init() {
	register(abi.SysSocket, sysSocket)
	register(abi.SysSocketpair, sysSocketpair)
	register(abi.SysBind, sysBind)
	register(abi.SysListen, sysListen)
	register(abi.SysAccept, func(t *task, a *args) (uint64, error) { return accept4(t, int32(a[0]), a[1], a[2], 0) })
	register(abi.SysAccept4, func(t *task, a *args) (uint64, error) { return accept4(t, int32(a[0]), a[1], a[2], int(int32(a[3]))) })
	register(abi.SysConnect, sysConnect)
	register(abi.SysGetsockname, func(t *task, a *args) (uint64, error) { return sockName(t, int32(a[0]), a[1], a[2], false) })
	register(abi.SysGetpeername, func(t *task, a *args) (uint64, error) { return sockName(t, int32(a[0]), a[1], a[2], true) })
	register(abi.SysShutdown, sysShutdown)
	register(abi.SysSetsockopt, sysSetsockopt)
	register(abi.SysGetsockopt, sysGetsockopt)
}

// socketFamily creates the sockets of one address family.
type socketFamily interface {
	New(t *task, typ, protocol int) (socket.Socket, error)
	Pair(t *task, typ, protocol int) (socket.Socket, socket.Socket, error)
}

// socketFamilies holds the implemented address families; socket(2) on
// the others is EAFNOSUPPORT.
var socketFamilies = map[int]socketFamily{}

const (
	sockFlags   = unix.SOCK_NONBLOCK | unix.SOCK_CLOEXEC
	capNetAdmin = 12
)

// sockType splits socket(2)'s type argument into type and flags.
func sockType(arg int) (typ, flags int, err error) {
	typ, flags = arg&socket.SockTypeMask, arg&^socket.SockTypeMask
	if flags&^sockFlags != 0 {
		return 0, 0, unix.EINVAL
	}
	return typ, flags, nil
}

// family checks a family and type as sock_create does.
func family(domain, typ int) (socketFamily, error) {
	if domain < 0 || domain >= socket.AFMax {
		return nil, unix.EAFNOSUPPORT
	}
	if typ < 0 || typ >= socket.SockMax {
		return nil, unix.EINVAL
	}
	f, ok := socketFamilies[domain]
	if !ok {
		return nil, unix.EAFNOSUPPORT
	}
	return f, nil
}

// newSocketFile wraps s in an open file description.
func newSocketFile(s socket.Socket, flags int) *vfs.File {
	return vfs.NewFile(s, vfs.VirtualDentry{}, unix.O_RDWR|flags&unix.O_NONBLOCK)
}

func sysSocket(t *task, a *args) (uint64, error) {
	typ, flags, err := sockType(int(int32(a[1])))
	if err != nil {
		return 0, err
	}
	fam, err := family(int(int32(a[0])), typ)
	if err != nil {
		return 0, err
	}
	s, err := fam.New(t, typ, int(int32(a[2])))
	if err != nil {
		return 0, err
	}
	return newFD(t, newSocketFile(s, flags), flags&unix.SOCK_CLOEXEC != 0)
}

func sysSocketpair(t *task, a *args) (uint64, error) {
	typ, flags, err := sockType(int(int32(a[1])))
	if err != nil {
		return 0, err
	}
	fam, err := family(int(int32(a[0])), typ)
	if err != nil {
		return 0, err
	}
	s1, s2, err := fam.Pair(t, typ, int(int32(a[2])))
	if err != nil {
		return 0, err
	}
	f1, f2 := newSocketFile(s1, flags), newSocketFile(s2, flags)
	defer f1.DecRef()
	defer f2.DecRef()
	cloexec := flags&unix.SOCK_CLOEXEC != 0
	fdt := t.FDTable()
	fd1, err := fdt.New(0, f1, cloexec, nofile(t))
	if err != nil {
		return 0, err
	}
	fd2, err := fdt.New(0, f2, cloexec, nofile(t))
	if err != nil {
		fdt.Remove(fd1)
		return 0, err
	}
	b := make([]byte, 8)
	binary.LittleEndian.PutUint32(b, uint32(fd1))
	binary.LittleEndian.PutUint32(b[4:], uint32(fd2))
	if err := copyOut(t, a[3], b); err != nil {
		fdt.Remove(fd1)
		fdt.Remove(fd2)
		return 0, err
	}
	return 0, nil
}

// getSocket returns the socket open at fd, with a reference to its file
// that the caller drops: EBADF for a bad fd, ENOTSOCK for another file.
func getSocket(t *task, fd int32) (*vfs.File, socket.Socket, error) {
	f, err := getFile(t, fd)
	if err != nil {
		return nil, nil, err
	}
	s, ok := f.Impl.(socket.Socket)
	if !ok {
		f.DecRef()
		return nil, nil, unix.ENOTSOCK
	}
	return f, s, nil
}

// taskBlocker blocks a task for a socket operation.
type taskBlocker struct{ t *task }

func (b taskBlocker) Block(ch <-chan struct{}, deadline time.Time) error {
	var err error
	if deadline.IsZero() {
		err = b.t.Block(ch)
	} else {
		d := time.Until(deadline)
		if d <= 0 {
			return socket.ErrTimedOut
		}
		tm := time.NewTimer(d)
		defer tm.Stop()
		err = b.t.BlockTimeout(ch, tm.C)
	}
	switch err {
	case nil:
		return nil
	case kernel.ErrTimedOut:
		return socket.ErrTimedOut
	}
	return socket.ErrInterrupted
}

// peerCred is what SO_PEERCRED shows of t: its pid and effective IDs.
func peerCred(t *task) socket.Cred {
	c := t.Creds()
	return socket.Cred{PID: t.ThreadGroup().ID, UID: c.EffectiveUID, GID: c.EffectiveGID}
}

// sockCtx is the context of a socket operation by t on f; dontwait adds
// MSG_DONTWAIT to the file's O_NONBLOCK.
func sockCtx(t *task, f *vfs.File, dontwait bool) *socket.Context {
	c := t.Creds()
	return &socket.Context{
		NonBlocking: dontwait || f.Flags()&unix.O_NONBLOCK != 0,
		Blocker:     taskBlocker{t},
		Cred:        taskCred(t),
		PeerCred:    peerCred(t),
		FS:          c.VFS(),
		Umask:       t.FSContext().Umask(),
		CapNetAdmin: c.HasCap(capNetAdmin),
		Paths:       taskPaths{t},
	}
}

// copyInSockaddr reads a socket address argument as move_addr_to_kernel:
// a length outside [0, sizeof(sockaddr_storage)] is EINVAL.
func copyInSockaddr(t *task, addr uint64, length int32) ([]byte, error) {
	if length < 0 || length > socket.SizeofSockaddrStorage {
		return nil, unix.EINVAL
	}
	b := make([]byte, length)
	if length > 0 {
		if err := copyIn(t, addr, b); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// copyOutSockaddr writes sa as move_addr_to_user: as much as the
// application's length allows, and the full length back.
func copyOutSockaddr(t *task, addr, lenAddr uint64, sa []byte) error {
	l, err := copyInU32(t, lenAddr)
	if err != nil {
		return err
	}
	if int32(l) < 0 {
		return unix.EINVAL
	}
	if n := min(int(l), len(sa)); n > 0 {
		if err := copyOut(t, addr, sa[:n]); err != nil {
			return err
		}
	}
	return copyOutU32(t, lenAddr, uint32(len(sa)))
}

func sysBind(t *task, a *args) (uint64, error) {
	f, s, err := getSocket(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	sa, err := copyInSockaddr(t, a[1], int32(a[2]))
	if err != nil {
		return 0, err
	}
	return 0, s.Bind(sockCtx(t, f, false), sa)
}

func sysConnect(t *task, a *args) (uint64, error) {
	f, s, err := getSocket(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	sa, err := copyInSockaddr(t, a[1], int32(a[2]))
	if err != nil {
		return 0, err
	}
	return 0, s.Connect(sockCtx(t, f, false), sa)
}

func sysListen(t *task, a *args) (uint64, error) {
	f, s, err := getSocket(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	backlog := int(int32(a[1]))
	if uint32(backlog) > socket.SomaxConn {
		backlog = socket.SomaxConn
	}
	return 0, s.Listen(sockCtx(t, f, false), backlog)
}

func accept4(t *task, fd int32, addr, lenAddr uint64, flags int) (uint64, error) {
	f, err := getFile(t, fd)
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if flags&^sockFlags != 0 {
		return 0, unix.EINVAL
	}
	s, ok := f.Impl.(socket.Socket)
	if !ok {
		return 0, unix.ENOTSOCK
	}
	ns, err := s.Accept(sockCtx(t, f, false))
	if err != nil {
		return 0, err
	}
	nf := newSocketFile(ns, flags)
	nfd, err := t.FDTable().New(0, nf, flags&unix.SOCK_CLOEXEC != 0, nofile(t))
	if err != nil {
		// Linux reserves the fd first, so a full table leaves the
		// connection queued: give it back.
		if u, ok := s.(socket.Unaccepter); ok {
			u.Unaccept(ns)
		} else {
			nf.DecRef()
		}
		return 0, err
	}
	nf.DecRef()
	if addr != 0 {
		peer, err := ns.PeerName()
		if err == nil {
			err = copyOutSockaddr(t, addr, lenAddr, peer)
		} else {
			err = unix.ECONNABORTED
		}
		if err != nil {
			t.FDTable().Remove(nfd)
			return 0, err
		}
	}
	return uint64(nfd), nil
}

func sockName(t *task, fd int32, addr, lenAddr uint64, peer bool) (uint64, error) {
	f, s, err := getSocket(t, fd)
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	var sa []byte
	if peer {
		if sa, err = s.PeerName(); err != nil {
			return 0, err
		}
	} else {
		sa = s.SockName()
	}
	return 0, copyOutSockaddr(t, addr, lenAddr, sa)
}

func sysShutdown(t *task, a *args) (uint64, error) {
	f, s, err := getSocket(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	return 0, s.Shutdown(sockCtx(t, f, false), int(int32(a[1])))
}

// maxOptLen bounds how much of an option value is read; no option is
// longer.
const maxOptLen = 256

func sysSetsockopt(t *task, a *args) (uint64, error) {
	f, s, err := getSocket(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	optlen := int32(a[4])
	if optlen < 0 {
		return 0, unix.EINVAL
	}
	val := make([]byte, min(int(optlen), maxOptLen))
	if len(val) > 0 {
		// Options read only the bytes they need: a short readable
		// region is not a fault unless nothing can be read.
		n, err := t.CopyIn(a[3], val)
		if n == 0 && err != nil {
			return 0, unix.EFAULT
		}
		val = val[:n]
	}
	return 0, s.SetSockOpt(sockCtx(t, f, false), int(int32(a[1])), int(int32(a[2])), val)
}

func sysGetsockopt(t *task, a *args) (uint64, error) {
	f, s, err := getSocket(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	l, err := copyInU32(t, a[4])
	if err != nil {
		return 0, err
	}
	if int32(l) < 0 {
		return 0, unix.EINVAL
	}
	v, err := s.GetSockOpt(sockCtx(t, f, false), int(int32(a[1])), int(int32(a[2])))
	if err != nil {
		return 0, err
	}
	n := min(int(l), len(v))
	if n > 0 {
		if err := copyOut(t, a[3], v[:n]); err != nil {
			return 0, err
		}
	}
	return 0, copyOutU32(t, a[4], uint32(n))
}
