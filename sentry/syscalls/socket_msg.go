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

// The socket data syscalls: sendto, recvfrom, sendmsg, recvmsg,
// sendmmsg, recvmmsg, and the control messages they carry.

func init() {
	register(abi.SysSendto, sysSendto)
	register(abi.SysRecvfrom, sysRecvfrom)
	register(abi.SysSendmsg, func(t *task, a *args) (uint64, error) {
		f, s, err := getSocket(t, int32(a[0]))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		n, err := sendMsgHdr(t, f, s, a[1], int(int32(a[2])))
		return uint64(n), err
	})
	register(abi.SysRecvmsg, func(t *task, a *args) (uint64, error) {
		f, s, err := getSocket(t, int32(a[0]))
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		n, err := recvMsgHdr(t, f, s, a[1], int(int32(a[2])))
		return uint64(n), err
	})
	register(abi.SysSendmmsg, sysSendmmsg)
	register(abi.SysRecvmmsg, sysRecvmmsg)
}

const (
	sizeofMsghdr  = 56
	sizeofMmsghdr = 64
	sizeofCmsghdr = 16
	sizeofUcred   = 12
	// sockBufLimit bounds the sentry buffer of one stream transfer;
	// longer ones go in pieces.
	sockBufLimit = 1 << 20
	// maxDatagram bounds one datagram: larger than any send buffer a
	// socket can have without SO_SNDBUFFORCE.
	maxDatagram = 8 << 20
)

// msghdr is struct msghdr.
type msghdr struct {
	name       uint64
	namelen    int32
	iov        uint64
	iovlen     uint64
	control    uint64
	controllen uint64
	flags      int32
}

func copyInMsghdr(t *task, addr uint64) (msghdr, error) {
	b := make([]byte, sizeofMsghdr)
	if err := copyIn(t, addr, b); err != nil {
		return msghdr{}, err
	}
	return msghdr{
		name:       le64(b[0:]),
		namelen:    int32(le32(b[8:])),
		iov:        le64(b[16:]),
		iovlen:     le64(b[24:]),
		control:    le64(b[32:]),
		controllen: le64(b[40:]),
		flags:      int32(le32(b[48:])),
	}, nil
}

// iovecs reads a message's iovec array as __copy_msghdr and import_iovec
// check it.
func (m *msghdr) iovecs(t *task) ([]iovec, error) {
	if m.iovlen > socket.MaxIOV {
		return nil, unix.EMSGSIZE
	}
	return copyInIovecs(t, m.iov, int32(m.iovlen))
}

func iovTotal(iovs []iovec) uint64 {
	var n uint64
	for _, v := range iovs {
		n += v.len
	}
	return min(n, maxIO)
}

// iovReader gathers application data from iovecs, in pieces.
type iovReader struct {
	t    *task
	iovs []iovec
	off  uint64 // within iovs[0]
}

// read returns up to n more bytes; EFAULT if none could be read.
func (r *iovReader) read(n int) ([]byte, error) {
	buf := make([]byte, 0, n)
	for len(buf) < n && len(r.iovs) > 0 {
		v := r.iovs[0]
		if r.off == v.len {
			r.iovs, r.off = r.iovs[1:], 0
			continue
		}
		c := min(uint64(n-len(buf)), v.len-r.off)
		start := len(buf)
		buf = buf[:start+int(c)]
		m, err := r.t.CopyIn(v.base+r.off, buf[start:])
		buf = buf[:start+m]
		r.off += uint64(m)
		if err != nil {
			if len(buf) == 0 {
				return nil, unix.EFAULT
			}
			r.iovs = nil
			break
		}
	}
	return buf, nil
}

// scatter copies data into the iovecs.
func scatter(t *task, iovs []iovec, data []byte) error {
	for _, v := range iovs {
		if len(data) == 0 {
			break
		}
		c := min(uint64(len(data)), v.len)
		if err := copyOut(t, v.base, data[:c]); err != nil {
			return err
		}
		data = data[c:]
	}
	return nil
}

// sendData sends the iovecs' data: a stream in pieces, a datagram whole.
func sendData(t *task, s socket.Socket, ctx *socket.Context, iovs []iovec, addr []byte, ctl *socket.SendControl, flags int) (int, error) {
	total := iovTotal(iovs)
	r := &iovReader{t: t, iovs: iovs}
	if s.Type() != unix.SOCK_STREAM {
		if total > maxDatagram {
			return 0, unix.EMSGSIZE
		}
		data, err := r.read(int(total))
		if err != nil && total > 0 {
			return 0, err
		}
		return s.SendMsg(ctx, data, addr, ctl, flags)
	}
	sent := 0
	for {
		piece, err := r.read(int(min(total-uint64(sent), sockBufLimit)))
		if err != nil {
			if sent > 0 {
				return sent, nil
			}
			return 0, err
		}
		n, err := s.SendMsg(ctx, piece, addr, ctl, flags)
		sent += n
		if err != nil {
			if sent > 0 {
				return sent, nil
			}
			return 0, err
		}
		if n < len(piece) || uint64(sent) >= total || len(piece) == 0 {
			return sent, nil
		}
	}
}

// sendAndSignal sends and raises SIGPIPE for a stream whose other end
// is gone, unless MSG_NOSIGNAL.
func sendAndSignal(t *task, f *vfs.File, s socket.Socket, iovs []iovec, addr []byte, ctl *socket.SendControl, flags int) (int, error) {
	ctx := sockCtx(t, f, flags&socket.MsgDontWait != 0)
	n, err := sendData(t, s, ctx, iovs, addr, ctl, flags)
	ctl.Release()
	if err == unix.EPIPE && s.Type() == unix.SOCK_STREAM && flags&socket.MsgNoSignal == 0 {
		sendSIGPIPE(t)
	}
	return n, err
}

func sysSendto(t *task, a *args) (uint64, error) {
	f, s, err := getSocket(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	var addr []byte
	if a[4] != 0 {
		if addr, err = copyInSockaddr(t, a[4], int32(a[5])); err != nil {
			return 0, err
		}
		if len(addr) == 0 {
			addr = nil
		}
	}
	n, err := sendAndSignal(t, f, s, []iovec{{a[1], min(a[2], maxIO)}}, addr, nil, int(int32(a[3])))
	return uint64(n), err
}

// sendMsgHdr is sendmsg(2) of the msghdr at hdrAddr.
func sendMsgHdr(t *task, f *vfs.File, s socket.Socket, hdrAddr uint64, flags int) (int, error) {
	m, err := copyInMsghdr(t, hdrAddr)
	if err != nil {
		return 0, err
	}
	var addr []byte
	if m.name != 0 && m.namelen != 0 {
		if m.namelen < 0 {
			return 0, unix.EINVAL
		}
		if addr, err = copyInSockaddr(t, m.name, min(m.namelen, socket.SizeofSockaddrStorage)); err != nil {
			return 0, err
		}
	}
	iovs, err := m.iovecs(t)
	if err != nil {
		return 0, err
	}
	ctl, err := copyInControl(t, m.control, m.controllen)
	if err != nil {
		return 0, err
	}
	return sendAndSignal(t, f, s, iovs, addr, ctl, flags)
}

func cmsgAlign(n uint64) uint64 { return (n + 7) &^ 7 }

// copyInControl reads and checks a sendmsg's control messages as
// __scm_send does: every header must be well formed (EINVAL);
// SOL_SOCKET messages must be SCM_RIGHTS, with open fds (EBADF) and at
// most SCM_MAX_FD of them in all, or SCM_CREDENTIALS of exactly a struct
// ucred that the sender may claim; other levels are ignored.
func copyInControl(t *task, addr, length uint64) (*socket.SendControl, error) {
	ctl := &socket.SendControl{}
	if length == 0 {
		return ctl, nil
	}
	if length > 1<<31-1 || length > socket.OptMemMax {
		return nil, unix.ENOBUFS
	}
	b := make([]byte, length)
	if err := copyIn(t, addr, b); err != nil {
		return nil, err
	}
	fail := func(err error) (*socket.SendControl, error) {
		ctl.Release()
		return nil, err
	}
	for off := uint64(0); off+sizeofCmsghdr <= length; {
		clen := le64(b[off:])
		if clen < sizeofCmsghdr || clen > length-off {
			return fail(unix.EINVAL)
		}
		level, typ := int32(le32(b[off+8:])), int32(le32(b[off+12:]))
		data := b[off+sizeofCmsghdr : off+clen]
		if level == unix.SOL_SOCKET {
			switch typ {
			case unix.SCM_RIGHTS:
				n := len(data) / 4
				if len(ctl.Rights)+n > socket.ScmMaxFD {
					return fail(unix.EINVAL)
				}
				for i := 0; i < n; i++ {
					rf, err := getFile(t, int32(le32(data[4*i:])))
					if err != nil {
						return fail(err)
					}
					ctl.Rights = append(ctl.Rights, rf)
				}
			case unix.SCM_CREDENTIALS:
				if clen != sizeofCmsghdr+sizeofUcred {
					return fail(unix.EINVAL)
				}
				c := socket.Cred{PID: int32(le32(data)), UID: le32(data[4:]), GID: le32(data[8:])}
				if err := checkSCMCred(t, c); err != nil {
					return fail(err)
				}
				ctl.Cred = &c
			default:
				return fail(unix.EINVAL)
			}
		}
		off += cmsgAlign(clen)
	}
	return ctl, nil
}

// checkSCMCred checks the credentials a sender claims, as
// scm_check_creds does: its own pid unless CAP_SYS_ADMIN, one of its
// uids unless CAP_SETUID and one of its gids unless CAP_SETGID (EPERM);
// IDs of -1 are EINVAL, and a pid that does not exist ESRCH.
func checkSCMCred(t *task, c socket.Cred) error {
	if c.UID == socket.InvalidID || c.GID == socket.InvalidID {
		return unix.EINVAL
	}
	cr := t.Creds()
	pidOK := c.PID == t.ThreadGroup().ID || cr.HasCap(kernel.CapSysAdmin)
	uidOK := c.UID == cr.RealUID || c.UID == cr.EffectiveUID || c.UID == cr.SavedUID || cr.HasCap(kernel.CapSetuid)
	gidOK := c.GID == cr.RealGID || c.GID == cr.EffectiveGID || c.GID == cr.SavedGID || cr.HasCap(kernel.CapSetgid)
	if !pidOK || !uidOK || !gidOK {
		return unix.EPERM
	}
	if c.PID <= 0 || t.Kernel().TaskByID(c.PID) == nil {
		return unix.ESRCH
	}
	return nil
}

// recvData receives into the iovecs. A stream with MSG_WAITALL and a
// buffer larger than the sentry's piece size is read piece by piece.
func recvData(t *task, s socket.Socket, ctx *socket.Context, iovs []iovec, flags int) (socket.RecvResult, error) {
	total := iovTotal(iovs)
	limit := uint64(maxDatagram)
	if s.Type() == unix.SOCK_STREAM {
		limit = sockBufLimit
	}
	buf := make([]byte, min(total, limit))
	r, err := s.RecvMsg(ctx, buf, flags)
	if err != nil {
		return r, err
	}
	if cerr := scatter(t, iovs, buf[:r.N]); cerr != nil {
		releaseFiles(r.Rights)
		return socket.RecvResult{}, cerr
	}
	for s.Type() == unix.SOCK_STREAM && flags&socket.MsgWaitAll != 0 && flags&socket.MsgPeek == 0 &&
		r.N == len(buf) && uint64(r.N) < total && r.Rights == nil {
		rest := skipIovecs(iovs, uint64(r.N))
		buf = make([]byte, min(total-uint64(r.N), limit))
		more, err := s.RecvMsg(ctx, buf, flags)
		if err != nil || more.N == 0 {
			break
		}
		if cerr := scatter(t, rest, buf[:more.N]); cerr != nil {
			releaseFiles(more.Rights)
			break
		}
		r.N += more.N
		r.Len = r.N
		r.Rights = more.Rights
		if more.N < len(buf) {
			break
		}
	}
	return r, nil
}

// skipIovecs returns the iovecs after their first n bytes.
func skipIovecs(iovs []iovec, n uint64) []iovec {
	out := append([]iovec(nil), iovs...)
	for len(out) > 0 && n >= out[0].len {
		n -= out[0].len
		out = out[1:]
	}
	if len(out) > 0 {
		out[0].base += n
		out[0].len -= n
	}
	return out
}

func releaseFiles(fs []*vfs.File) {
	for _, f := range fs {
		f.DecRef()
	}
}

// retLen is a receive's return value: with MSG_TRUNC, a datagram's full
// length.
func retLen(r socket.RecvResult, flags int) int {
	if flags&socket.MsgTrunc != 0 {
		return r.Len
	}
	return r.N
}

func sysRecvfrom(t *task, a *args) (uint64, error) {
	f, s, err := getSocket(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	flags := int(int32(a[3]))
	ctx := sockCtx(t, f, flags&socket.MsgDontWait != 0)
	r, err := recvData(t, s, ctx, []iovec{{a[1], min(a[2], maxIO)}}, flags)
	if err != nil {
		return 0, err
	}
	// recvfrom has no room for files: they are closed.
	releaseFiles(r.Rights)
	if a[4] != 0 {
		if err := copyOutSockaddr(t, a[4], a[5], r.From); err != nil {
			return 0, err
		}
	}
	return uint64(retLen(r, flags)), nil
}

// cmsgWriter lays out received control messages in the application's
// buffer as put_cmsg and scm_detach_fds do.
type cmsgWriter struct {
	t     *task
	addr  uint64 // 0: no control buffer
	rem   uint64
	flags int
}

func cmsgHeader(length uint64, level, typ int32) []byte {
	b := make([]byte, sizeofCmsghdr)
	binary.LittleEndian.PutUint64(b, length)
	binary.LittleEndian.PutUint32(b[8:], uint32(level))
	binary.LittleEndian.PutUint32(b[12:], uint32(typ))
	return b
}

// put writes one control message, truncated (MSG_CTRUNC) if it does not
// fit.
func (w *cmsgWriter) put(level, typ int32, data []byte) {
	if w.addr == 0 || w.rem < sizeofCmsghdr {
		w.flags |= socket.MsgCtrunc
		return
	}
	clen := uint64(sizeofCmsghdr + len(data))
	if w.rem < clen {
		w.flags |= socket.MsgCtrunc
		clen = w.rem
	}
	b := append(cmsgHeader(clen, level, typ), data...)[:clen]
	if copyOut(w.t, w.addr, b) != nil {
		w.flags |= socket.MsgCtrunc
		return
	}
	adv := min(cmsgAlign(uint64(sizeofCmsghdr+len(data))), w.rem)
	w.addr += adv
	w.rem -= adv
}

// putRights installs as many received files as fit as new fds, and
// writes their SCM_RIGHTS message. The rest are closed, with
// MSG_CTRUNC. It consumes the caller's references.
func (w *cmsgWriter) putRights(files []*vfs.File, cloexec bool) {
	defer releaseFiles(files)
	if len(files) == 0 {
		return
	}
	if w.addr == 0 {
		w.flags |= socket.MsgCtrunc
		return
	}
	fdmax := 0
	if w.rem > sizeofCmsghdr {
		fdmax = int((w.rem - sizeofCmsghdr) / 4)
	}
	fdmax = min(fdmax, len(files))
	fdt := w.t.FDTable()
	i := 0
	for ; i < fdmax; i++ {
		fd, err := fdt.New(0, files[i], cloexec, nofile(w.t))
		if err != nil {
			break
		}
		if copyOutU32(w.t, w.addr+sizeofCmsghdr+uint64(4*i), uint32(fd)) != nil {
			fdt.Remove(fd)
			break
		}
	}
	if i > 0 {
		clen := uint64(sizeofCmsghdr + 4*i)
		if copyOut(w.t, w.addr, cmsgHeader(clen, unix.SOL_SOCKET, unix.SCM_RIGHTS)) == nil {
			adv := min(cmsgAlign(clen), w.rem)
			w.addr += adv
			w.rem -= adv
		}
	}
	if i < len(files) {
		w.flags |= socket.MsgCtrunc
	}
}

// recvMsgHdr is recvmsg(2) into the msghdr at hdrAddr.
func recvMsgHdr(t *task, f *vfs.File, s socket.Socket, hdrAddr uint64, flags int) (int, error) {
	m, err := copyInMsghdr(t, hdrAddr)
	if err != nil {
		return 0, err
	}
	if m.name == 0 {
		m.namelen = 0
	}
	if m.namelen < 0 {
		return 0, unix.EINVAL
	}
	iovs, err := m.iovecs(t)
	if err != nil {
		return 0, err
	}
	ctx := sockCtx(t, f, flags&socket.MsgDontWait != 0)
	r, err := recvData(t, s, ctx, iovs, flags)
	if err != nil {
		return 0, err
	}
	if m.name != 0 {
		if err := copyOutSockaddr(t, m.name, hdrAddr+8, r.From); err != nil {
			releaseFiles(r.Rights)
			return 0, err
		}
	}
	w := &cmsgWriter{t: t, addr: m.control, rem: m.controllen}
	if m.control == 0 {
		w.rem = 0
	}
	if r.Cred != nil {
		w.put(unix.SOL_SOCKET, unix.SCM_CREDENTIALS, r.Cred.Marshal())
	}
	w.putRights(r.Rights, flags&socket.MsgCmsgCloexec != 0)
	outFlags := r.Flags | w.flags | flags&socket.MsgCmsgCloexec
	if err := copyOutU64(t, hdrAddr+40, m.controllen-w.rem); err != nil {
		return 0, err
	}
	if err := copyOutU32(t, hdrAddr+48, uint32(outFlags)); err != nil {
		return 0, err
	}
	return retLen(r, flags), nil
}

func sysSendmmsg(t *task, a *args) (uint64, error) {
	f, s, err := getSocket(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	vec, vlen, flags := a[1], uint32(a[2]), int(int32(a[3]))
	vlen = min(vlen, socket.MaxIOV)
	var sent uint32
	for sent < vlen {
		hdr := vec + uint64(sent)*sizeofMmsghdr
		n, err := sendMsgHdr(t, f, s, hdr, flags)
		if err == nil {
			err = copyOutU32(t, hdr+sizeofMsghdr, uint32(n))
		}
		if err != nil {
			if sent > 0 {
				break
			}
			return 0, err
		}
		sent++
	}
	return uint64(sent), nil
}

func sysRecvmmsg(t *task, a *args) (uint64, error) {
	f, s, err := getSocket(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	vec, vlen, flags, tsAddr := a[1], uint32(a[2]), int(int32(a[3])), a[4]
	var end time.Time
	if tsAddr != 0 {
		ts, err := getTimespec(t, tsAddr)
		if err != nil {
			return 0, err
		}
		end = time.Now().Add(tsDuration(ts))
	}
	vlen = min(vlen, socket.MaxIOV)
	var got uint32
	for got < vlen {
		hdr := vec + uint64(got)*sizeofMmsghdr
		n, err := recvMsgHdr(t, f, s, hdr, flags)
		if err == nil {
			err = copyOutU32(t, hdr+sizeofMsghdr, uint32(n))
		}
		if err != nil {
			if got > 0 {
				break
			}
			return 0, err
		}
		got++
		if flags&socket.MsgWaitForOne != 0 {
			flags |= socket.MsgDontWait
		}
		if tsAddr != 0 && !time.Now().Before(end) {
			break
		}
	}
	if tsAddr != 0 {
		left := max(time.Until(end), 0)
		if err := putTimespec(t, tsAddr, unix.NsecToTimespec(int64(left))); err != nil {
			return 0, err
		}
	}
	return uint64(got), nil
}
