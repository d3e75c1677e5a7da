// Package gofer is the file server of a sandbox. It serves one directory
// tree (the container's root filesystem) to the sentry over a SOCK_SEQPACKET
// unix socket, speaking the protocol of gofer/proto, and donates host FDs
// for open files so that the sentry reads and writes them directly.
//
// The server walks one path component at a time with openat(2) relative to
// a directory FD, never following symlinks: the sentry resolves symlinks.
package gofer

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"runtime"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/gofer/proto"
	"github.com/moat-dev/moat/seccomp"
)

// Option changes how Serve runs.
type Option func(*options)

type options struct {
	noChroot bool
	log      *slog.Logger
	mounts   []string
}

// WithoutChroot makes Serve skip the unshare, mount and chroot steps and
// serve root by path from the current mount namespace and root. Tests use
// it to run a server inside the test process.
func WithoutChroot() Option { return func(o *options) { o.noChroot = true } }

// WithMounts serves the host files or directories at paths as extra
// trees, attached as 1, 2, ... in order: the sources of bind mounts
// outside the root filesystem. They are opened before the server
// confines itself to root. A path that cannot be opened is logged, and
// attaching it fails with its errno.
func WithMounts(paths []string) Option { return func(o *options) { o.mounts = paths } }

// WithLogger makes Serve log to l instead of slog.Default().
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// Serve serves the tree at root on the connected SOCK_SEQPACKET socket
// sock, one request at a time, until the peer closes the socket; then it
// returns nil. If readonly is set, every request that would modify the tree
// fails with EROFS.
//
// Unless WithoutChroot is given, Serve first locks its goroutine to its OS
// thread, moves that thread into a new mount namespace (made private, so
// nothing propagates back to the host) and chroots it into root. If that
// fails, as it does without privileges, Serve logs a warning and serves
// root by path. All file operations run on the locked thread; the thread is
// never unlocked, so it dies with the goroutine that called Serve.
func Serve(sock int, root string, readonly bool, opts ...Option) error {
	o := options{log: slog.Default()}
	for _, opt := range opts {
		opt(&o)
	}
	mounts := openMounts(o.mounts, readonly, o.log)
	if !o.noChroot {
		root = confine(root, o.log)
	}
	rootFD, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("gofer: opening root %q: %w", root, err)
	}
	if !o.noChroot {
		// Confined: from here the gofer may make only the host
		// syscalls its operations need (DESIGN.md invariant 3).
		if err := seccomp.LimitCapabilities(seccomp.GoferCapabilities(readonly)); err != nil {
			return fmt.Errorf("gofer: %w", err)
		}
		prog, err := seccomp.GoferFilter(seccomp.GoferOptions{ReadOnly: readonly})
		if err == nil {
			err = seccomp.Install(prog)
		}
		if err != nil {
			return fmt.Errorf("gofer: seccomp: %w", err)
		}
	}
	s := &server{
		sock:     sock,
		rootFD:   rootFD,
		readonly: readonly,
		log:      o.log,
		mounts:   mounts,
		fids:     make(map[proto.FID]*node),
		next:     1,
	}
	defer s.closeAll()
	return s.loop()
}

// confine moves the calling thread into a private mount namespace and a
// chroot at root, returning the path of root afterwards.
func confine(root string, log *slog.Logger) string {
	runtime.LockOSThread()
	if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
		log.Warn("gofer: cannot unshare the mount namespace; continuing in the current one", "err", err)
	} else if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		log.Warn("gofer: cannot make mounts private", "err", err)
	}
	if err := unix.Chroot(root); err != nil {
		log.Warn("gofer: cannot chroot; serving the root by path", "root", root, "err", err)
		return root
	}
	if err := unix.Chdir("/"); err != nil {
		log.Warn("gofer: chdir / after chroot", "err", err)
	}
	return "/"
}

// node is a file the server holds: an O_PATH FD, and where it was found
// (parent and name), which operations that cannot act on an O_PATH FD use.
// refs counts the FIDs naming the node and the nodes whose parent it is.
type node struct {
	fd     int
	parent *node // nil for a root
	name   string
	refs   int
	mode   uint32 // st_mode at walk time; the type never changes
	dev    uint64
	ino    uint64

	dirents []proto.Dirent // Getdents snapshot, taken at offset 0

	// root is the extra tree a root node that is a file belongs to:
	// such a node has no parent to reopen it through.
	root *extraRoot
}

func (n *node) isDir() bool     { return n.mode&unix.S_IFMT == unix.S_IFDIR }
func (n *node) isSymlink() bool { return n.mode&unix.S_IFMT == unix.S_IFLNK }
func (n *node) isReg() bool     { return n.mode&unix.S_IFMT == unix.S_IFREG }

// at returns a (dirfd, name) pair naming n for the *at syscalls that must
// be used with AT_SYMLINK_NOFOLLOW or that cannot take an O_PATH FD with
// AT_EMPTY_PATH. A directory (or a root) is named as "." in itself, which
// survives renames; anything else by its parent and name.
func (n *node) at() (int, string) {
	if n.parent == nil || n.isDir() {
		return n.fd, "."
	}
	return n.parent.fd, n.name
}

type server struct {
	sock     int
	rootFD   int
	mounts   []extraRoot
	readonly bool
	log      *slog.Logger
	fids     map[proto.FID]*node
	next     proto.FID
}

func (s *server) closeAll() {
	for fid, n := range s.fids {
		delete(s.fids, fid)
		s.decRef(n)
	}
	unix.Close(s.rootFD)
	for _, m := range s.mounts {
		if m.errno == 0 {
			unix.Close(m.fd)
		}
		if m.data >= 0 {
			unix.Close(m.data)
		}
	}
}

func (s *server) loop() error {
	buf := make([]byte, proto.MaxMessageSize)
	for {
		pkt, fds, err := proto.Recv(s.sock, buf)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if errors.Is(err, proto.ErrMalformed) {
				s.log.Warn("gofer: bad request packet", "err", err)
				if err := s.reply(0, uint32(unix.EINVAL), nil, -1); err != nil {
					return err
				}
				continue
			}
			return err
		}
		// Requests never carry FDs.
		proto.CloseAll(fds)
		op, req, err := proto.DecodeRequest(pkt)
		if err != nil {
			s.log.Warn("gofer: malformed request", "err", err)
			if err := s.reply(op, uint32(unix.EINVAL), nil, -1); err != nil {
				return err
			}
			continue
		}
		resp, donate, errno := s.handle(op, req)
		if errno != 0 {
			s.log.Debug("gofer: request failed", "op", op, "errno", errno)
		}
		err = s.reply(op, uint32(errno), resp, donate)
		if donate >= 0 {
			unix.Close(donate)
		}
		if err != nil {
			return err
		}
	}
}

func (s *server) reply(op proto.Op, errno uint32, m proto.Message, donate int) error {
	err := proto.Send(s.sock, proto.EncodeResponse(op, errno, m), donate)
	if errors.Is(err, unix.EPIPE) || errors.Is(err, unix.ECONNRESET) {
		return nil // the client went away; the next Recv sees EOF
	}
	return err
}

// handle serves one request. It returns the response body, an FD to
// donate (or -1; the caller closes it after sending), and an errno.
func (s *server) handle(op proto.Op, req proto.Message) (proto.Message, int, unix.Errno) {
	switch r := req.(type) {
	case *proto.AttachReq:
		m, err := s.attach(r)
		return m, -1, err
	case *proto.WalkReq:
		m, err := s.walk(r)
		return m, -1, err
	case *proto.OpenReq:
		fd, err := s.open(r)
		return &proto.EmptyResp{}, fd, err
	case *proto.CreateReq:
		return s.create(r)
	case *proto.MkdirReq:
		m, err := s.mkdir(r)
		return m, -1, err
	case *proto.MknodReq:
		m, err := s.mknod(r)
		return m, -1, err
	case *proto.SymlinkReq:
		m, err := s.symlink(r)
		return m, -1, err
	case *proto.LinkReq:
		m, err := s.link(r)
		return m, -1, err
	case *proto.UnlinkReq:
		return &proto.EmptyResp{}, -1, s.unlink(r)
	case *proto.RenameReq:
		return &proto.EmptyResp{}, -1, s.rename(r)
	case *proto.GetdentsReq:
		m, err := s.getdents(r)
		return m, -1, err
	case *proto.SetStatReq:
		return &proto.EmptyResp{}, -1, s.setStat(r)
	case *proto.StatAtReq:
		m, err := s.statAt(r)
		return m, -1, err
	case *proto.FIDReq:
		switch op {
		case proto.OpReadlink:
			m, err := s.readlink(r.FID)
			return m, -1, err
		case proto.OpStat:
			m, err := s.stat(r.FID)
			return m, -1, err
		case proto.OpStatfs:
			m, err := s.statfs(r.FID)
			return m, -1, err
		case proto.OpClunk:
			return &proto.EmptyResp{}, -1, s.clunk(r.FID)
		}
	}
	return nil, -1, unix.EINVAL
}

// ---- FID table ----

func (s *server) lookup(fid proto.FID) (*node, unix.Errno) {
	n, ok := s.fids[fid]
	if !ok {
		return nil, unix.EBADF
	}
	return n, 0
}

func (s *server) lookupDir(fid proto.FID) (*node, unix.Errno) {
	n, errno := s.lookup(fid)
	if errno != 0 {
		return nil, errno
	}
	if !n.isDir() {
		return nil, unix.ENOTDIR
	}
	return n, 0
}

// add puts a new node for fd (whose stat is st) under parent into the
// table, taking ownership of fd.
func (s *server) add(fd int, parent *node, name string, st *unix.Stat_t) proto.FID {
	n := &node{fd: fd, parent: parent, name: name, refs: 1, mode: st.Mode, dev: st.Dev, ino: st.Ino}
	if parent != nil {
		parent.refs++
	}
	fid := s.next
	s.next++
	s.fids[fid] = n
	return fid
}

func (s *server) decRef(n *node) {
	for n != nil {
		n.refs--
		if n.refs > 0 {
			return
		}
		unix.Close(n.fd)
		n.fd = -1
		n.dirents = nil
		n = n.parent
	}
}

// ---- helpers ----

func errnoOf(err error) unix.Errno {
	if err == nil {
		return 0
	}
	var e unix.Errno
	if errors.As(err, &e) {
		return e
	}
	return unix.EIO
}

// checkName rejects names that are not a single path component.
func checkName(name string) unix.Errno {
	if name == "" || name == "." || name == ".." {
		return unix.EINVAL
	}
	for i := 0; i < len(name); i++ {
		if name[i] == '/' || name[i] == 0 {
			return unix.EINVAL
		}
	}
	if len(name) > proto.MaxNameLen {
		return unix.ENAMETOOLONG
	}
	return 0
}

func fstat(fd int) (unix.Stat_t, unix.Errno) {
	var st unix.Stat_t
	err := unix.Fstatat(fd, "", &st, unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW)
	return st, errnoOf(err)
}

func toStat(st *unix.Stat_t) proto.Stat {
	return proto.Stat{
		Dev:     st.Dev,
		Ino:     st.Ino,
		Nlink:   uint64(st.Nlink),
		Mode:    st.Mode,
		UID:     st.Uid,
		GID:     st.Gid,
		Rdev:    st.Rdev,
		Size:    st.Size,
		Blksize: int64(st.Blksize),
		Blocks:  st.Blocks,
		Atime:   proto.Timespec{Sec: int64(st.Atim.Sec), Nsec: int64(st.Atim.Nsec)},
		Mtime:   proto.Timespec{Sec: int64(st.Mtim.Sec), Nsec: int64(st.Mtim.Nsec)},
		Ctime:   proto.Timespec{Sec: int64(st.Ctim.Sec), Nsec: int64(st.Ctim.Nsec)},
	}
}

func openat(dirfd int, name string, flags int, mode uint32) (int, unix.Errno) {
	for {
		fd, err := unix.Openat(dirfd, name, flags, mode)
		if err == unix.EINTR {
			continue
		}
		return fd, errnoOf(err)
	}
}

// reopen opens n with flags (O_NOFOLLOW and O_CLOEXEC are added) and
// checks that the result is still the file n names; if n's name now names
// another file, it fails with ESTALE.
func (s *server) reopen(n *node, flags int) (int, unix.Errno) {
	flags |= unix.O_NOFOLLOW | unix.O_CLOEXEC
	if n.root != nil && !n.isDir() {
		return n.root.reopen(flags)
	}
	if n.parent == nil || n.isDir() {
		return openat(n.fd, ".", flags, 0)
	}
	fd, errno := openat(n.parent.fd, n.name, flags, 0)
	if errno != 0 {
		return -1, errno
	}
	st, errno := fstat(fd)
	if errno == 0 && (st.Dev != n.dev || st.Ino != n.ino) {
		errno = unix.ESTALE
	}
	if errno != 0 {
		unix.Close(fd)
		return -1, errno
	}
	return fd, 0
}

// walkOne opens name in dir as a new node.
func (s *server) walkOne(dir *node, name string) (proto.FID, proto.Stat, unix.Errno) {
	if errno := checkName(name); errno != 0 {
		return 0, proto.Stat{}, errno
	}
	fd, errno := openat(dir.fd, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if errno != 0 {
		return 0, proto.Stat{}, errno
	}
	st, errno := fstat(fd)
	if errno != 0 {
		unix.Close(fd)
		return 0, proto.Stat{}, errno
	}
	return s.add(fd, dir, name, &st), toStat(&st), 0
}

// ---- operations ----

func (s *server) attach(r *proto.AttachReq) (*proto.NodeResp, unix.Errno) {
	rootFD := s.rootFD
	var extra *extraRoot
	if r.Root > 0 {
		if int(r.Root) > len(s.mounts) {
			return nil, unix.ENOENT
		}
		extra = &s.mounts[r.Root-1]
		if extra.errno != 0 {
			return nil, extra.errno
		}
		rootFD = extra.fd
	}
	fd, err := unix.FcntlInt(uintptr(rootFD), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, errnoOf(err)
	}
	st, errno := fstat(fd)
	if errno != 0 {
		unix.Close(fd)
		return nil, errno
	}
	fid := s.add(fd, nil, "", &st)
	s.fids[fid].root = extra
	return &proto.NodeResp{FID: fid, Stat: toStat(&st)}, 0
}

// extraRoot is a tree served besides the root filesystem: a bind
// mount's source, a directory or a file, opened before the server
// confined itself.
type extraRoot struct {
	path  string
	fd    int // O_PATH
	errno unix.Errno
	// data is a file root opened for I/O (-1 if not a regular file):
	// an O_PATH FD cannot be reopened without /proc, so opens of the
	// file share it. writable says whether it was opened for writing.
	data     int
	writable bool
}

// openMounts opens the extra trees. Symlinks in their paths are
// followed: they are host paths the runtime's caller chose.
func openMounts(paths []string, readonly bool, log *slog.Logger) []extraRoot {
	out := make([]extraRoot, len(paths))
	for i, p := range paths {
		m := &out[i]
		m.path, m.data = p, -1
		fd, err := unix.Open(p, unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			log.Warn("gofer: cannot open a bind mount source", "path", p, "err", err)
			m.errno = errnoOf(err)
			continue
		}
		m.fd = fd
		st, errno := fstat(fd)
		if errno != 0 || st.Mode&unix.S_IFMT != unix.S_IFREG {
			continue
		}
		if !readonly {
			if m.data, err = unix.Open(p, unix.O_RDWR|unix.O_CLOEXEC|unix.O_NOCTTY, 0); err == nil {
				m.writable = true
				continue
			}
		}
		if m.data, err = unix.Open(p, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOCTTY, 0); err != nil {
			log.Warn("gofer: cannot open a bind mount source", "path", p, "err", err)
			m.data = -1
		}
	}
	return out
}

// reopen opens a file root with flags: a new FD for its shared open file.
func (m *extraRoot) reopen(flags int) (int, unix.Errno) {
	if m.data < 0 {
		return -1, unix.EACCES
	}
	if flags&unix.O_ACCMODE != unix.O_RDONLY && !m.writable {
		return -1, unix.EACCES
	}
	fd, err := unix.FcntlInt(uintptr(m.data), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return -1, errnoOf(err)
	}
	if flags&unix.O_TRUNC != 0 && flags&unix.O_ACCMODE != unix.O_RDONLY {
		if err := unix.Ftruncate(fd, 0); err != nil {
			unix.Close(fd)
			return -1, errnoOf(err)
		}
	}
	return fd, 0
}

func (s *server) walk(r *proto.WalkReq) (*proto.WalkResp, unix.Errno) {
	cur, errno := s.lookup(r.Dir)
	if errno != 0 {
		return nil, errno
	}
	resp := &proto.WalkResp{}
	for _, name := range r.Names {
		fid, st, errno := s.walkOne(cur, name)
		if errno != 0 {
			resp.Errno = uint32(errno)
			break
		}
		resp.FIDs = append(resp.FIDs, fid)
		resp.Stats = append(resp.Stats, st)
		cur = s.fids[fid]
	}
	return resp, 0
}

func (s *server) open(r *proto.OpenReq) (int, unix.Errno) {
	n, errno := s.lookup(r.FID)
	if errno != 0 {
		return -1, errno
	}
	flags := int(r.Flags)
	if flags&unix.O_CREAT != 0 || flags&unix.O_TMPFILE == unix.O_TMPFILE {
		return -1, unix.EINVAL
	}
	if s.readonly && (flags&unix.O_ACCMODE != unix.O_RDONLY || flags&unix.O_TRUNC != 0) {
		return -1, unix.EROFS
	}
	switch n.mode & unix.S_IFMT {
	case unix.S_IFREG, unix.S_IFDIR:
	case unix.S_IFLNK:
		return -1, unix.ELOOP
	case unix.S_IFCHR, unix.S_IFBLK:
		// Host devices stay out of reach of the sandbox.
		return -1, unix.EPERM
	default:
		// FIFOs (and sockets, which fail anyway): never block the server.
		flags |= unix.O_NONBLOCK
	}
	return s.reopen(n, flags|unix.O_NOCTTY)
}

func (s *server) newNode(dir *node, name string) (*proto.NodeResp, unix.Errno) {
	fid, st, errno := s.walkOne(dir, name)
	if errno != 0 {
		return nil, errno
	}
	return &proto.NodeResp{FID: fid, Stat: st}, 0
}

// own sets the owner of the new file dir/name and then its mode (after
// chown, which may clear set-ID bits), so that the result does not depend
// on the server's umask. withMode is false for symlinks.
func own(dir *node, name string, uid, gid, mode uint32, withMode bool) unix.Errno {
	if uid != proto.NoID || gid != proto.NoID {
		if err := unix.Fchownat(dir.fd, name, int(int32(uid)), int(int32(gid)), unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return errnoOf(err)
		}
	}
	if withMode {
		if err := unix.Fchmodat(dir.fd, name, mode&07777, 0); err != nil {
			return errnoOf(err)
		}
	}
	return 0
}

func (s *server) create(r *proto.CreateReq) (proto.Message, int, unix.Errno) {
	dir, errno := s.lookupDir(r.Dir)
	if errno == 0 {
		errno = checkName(r.Name)
	}
	if errno == 0 && s.readonly {
		errno = unix.EROFS
	}
	flags := int(r.Flags)
	if errno == 0 && (flags&unix.O_PATH != 0 || flags&unix.O_TMPFILE == unix.O_TMPFILE || flags&unix.O_DIRECTORY != 0) {
		errno = unix.EINVAL
	}
	if errno != 0 {
		return nil, -1, errno
	}
	flags |= unix.O_CREAT | unix.O_EXCL | unix.O_NOFOLLOW | unix.O_CLOEXEC | unix.O_NOCTTY
	fd, errno := openat(dir.fd, r.Name, flags, r.Mode&07777)
	if errno != 0 {
		return nil, -1, errno
	}
	if errno := own(dir, r.Name, r.UID, r.GID, r.Mode, true); errno != 0 {
		unix.Close(fd)
		unix.Unlinkat(dir.fd, r.Name, 0)
		return nil, -1, errno
	}
	m, errno := s.newNode(dir, r.Name)
	if errno != 0 {
		unix.Close(fd)
		return nil, -1, errno
	}
	return m, fd, 0
}

func (s *server) modifyDir(fid proto.FID, name string) (*node, unix.Errno) {
	dir, errno := s.lookupDir(fid)
	if errno == 0 {
		errno = checkName(name)
	}
	if errno == 0 && s.readonly {
		errno = unix.EROFS
	}
	return dir, errno
}

func (s *server) mkdir(r *proto.MkdirReq) (*proto.NodeResp, unix.Errno) {
	dir, errno := s.modifyDir(r.Dir, r.Name)
	if errno != 0 {
		return nil, errno
	}
	if err := unix.Mkdirat(dir.fd, r.Name, r.Mode&07777); err != nil {
		return nil, errnoOf(err)
	}
	if errno := own(dir, r.Name, r.UID, r.GID, r.Mode, true); errno != 0 {
		unix.Unlinkat(dir.fd, r.Name, unix.AT_REMOVEDIR)
		return nil, errno
	}
	return s.newNode(dir, r.Name)
}

func (s *server) mknod(r *proto.MknodReq) (*proto.NodeResp, unix.Errno) {
	dir, errno := s.modifyDir(r.Dir, r.Name)
	if errno != 0 {
		return nil, errno
	}
	switch r.Mode & unix.S_IFMT {
	case 0, unix.S_IFREG, unix.S_IFIFO, unix.S_IFSOCK:
	case unix.S_IFCHR, unix.S_IFBLK:
		return nil, unix.EPERM // no host device nodes from the sandbox
	default:
		return nil, unix.EINVAL
	}
	if err := unix.Mknodat(dir.fd, r.Name, r.Mode, int(r.Dev)); err != nil {
		return nil, errnoOf(err)
	}
	if errno := own(dir, r.Name, r.UID, r.GID, r.Mode, true); errno != 0 {
		unix.Unlinkat(dir.fd, r.Name, 0)
		return nil, errno
	}
	return s.newNode(dir, r.Name)
}

func (s *server) symlink(r *proto.SymlinkReq) (*proto.NodeResp, unix.Errno) {
	dir, errno := s.modifyDir(r.Dir, r.Name)
	if errno != 0 {
		return nil, errno
	}
	if r.Target == "" || containsNUL(r.Target) {
		return nil, unix.ENOENT
	}
	if err := unix.Symlinkat(r.Target, dir.fd, r.Name); err != nil {
		return nil, errnoOf(err)
	}
	if errno := own(dir, r.Name, r.UID, r.GID, 0, false); errno != 0 {
		unix.Unlinkat(dir.fd, r.Name, 0)
		return nil, errno
	}
	return s.newNode(dir, r.Name)
}

func containsNUL(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return true
		}
	}
	return false
}

func (s *server) link(r *proto.LinkReq) (*proto.NodeResp, unix.Errno) {
	dir, errno := s.modifyDir(r.Dir, r.Name)
	if errno != 0 {
		return nil, errno
	}
	target, errno := s.lookup(r.Target)
	if errno != 0 {
		return nil, errno
	}
	if target.parent == nil || target.isDir() {
		return nil, unix.EPERM
	}
	if err := unix.Linkat(target.parent.fd, target.name, dir.fd, r.Name, 0); err != nil {
		return nil, errnoOf(err)
	}
	m, errno := s.newNode(dir, r.Name)
	if errno == 0 && (m.Stat.Dev != target.dev || m.Stat.Ino != target.ino) {
		// The target's name was replaced under us: undo.
		s.clunk(m.FID)
		unix.Unlinkat(dir.fd, r.Name, 0)
		return nil, unix.ESTALE
	}
	return m, errno
}

func (s *server) readlink(fid proto.FID) (*proto.ReadlinkResp, unix.Errno) {
	n, errno := s.lookup(fid)
	if errno != 0 {
		return nil, errno
	}
	if !n.isSymlink() {
		return nil, unix.EINVAL
	}
	buf := make([]byte, proto.MaxStringLen+1)
	k, err := unix.Readlinkat(n.fd, "", buf)
	if err != nil {
		return nil, errnoOf(err)
	}
	if k > proto.MaxStringLen {
		return nil, unix.ENAMETOOLONG
	}
	return &proto.ReadlinkResp{Target: string(buf[:k])}, 0
}

func (s *server) unlink(r *proto.UnlinkReq) unix.Errno {
	dir, errno := s.modifyDir(r.Dir, r.Name)
	if errno != 0 {
		return errno
	}
	if r.Flags&^unix.AT_REMOVEDIR != 0 {
		return unix.EINVAL
	}
	return errnoOf(unix.Unlinkat(dir.fd, r.Name, int(r.Flags)))
}

func (s *server) rename(r *proto.RenameReq) unix.Errno {
	oldDir, errno := s.modifyDir(r.OldDir, r.OldName)
	if errno != 0 {
		return errno
	}
	newDir, errno := s.modifyDir(r.NewDir, r.NewName)
	if errno != 0 {
		return errno
	}
	if err := unix.Renameat(oldDir.fd, r.OldName, newDir.fd, r.NewName); err != nil {
		return errnoOf(err)
	}
	// Nodes known by the old name now live under the new one.
	for _, n := range s.fids {
		for m := n; m != nil; m = m.parent {
			if m.parent == oldDir && m.name == r.OldName {
				newDir.refs++
				m.parent = newDir
				m.name = r.NewName
				s.decRef(oldDir)
			}
		}
	}
	return 0
}

func (s *server) getdents(r *proto.GetdentsReq) (*proto.GetdentsResp, unix.Errno) {
	n, errno := s.lookup(r.FID)
	if errno != 0 {
		return nil, errno
	}
	if !n.isDir() {
		return nil, unix.ENOTDIR
	}
	if r.Offset == 0 {
		ents, errno := readDir(n)
		if errno != 0 {
			return nil, errno
		}
		n.dirents = ents
	}
	if r.Offset > uint64(len(n.dirents)) {
		return nil, unix.EINVAL
	}
	resp := &proto.GetdentsResp{}
	budget := proto.MaxMessageSize - 64
	i := int(r.Offset)
	for ; i < len(n.dirents); i++ {
		sz := proto.DirentSize(len(n.dirents[i].Name))
		if sz > budget {
			break
		}
		budget -= sz
		resp.Entries = append(resp.Entries, n.dirents[i])
	}
	resp.More = i < len(n.dirents)
	if i == len(n.dirents) {
		n.dirents = nil // the client has everything; drop the snapshot
	}
	return resp, 0
}

// readDir returns every entry of directory n except "." and "..".
func readDir(n *node) ([]proto.Dirent, unix.Errno) {
	fd, errno := openat(n.fd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if errno != 0 {
		return nil, errno
	}
	defer unix.Close(fd)
	var ents []proto.Dirent
	buf := make([]byte, 32<<10)
	for {
		k, err := unix.Getdents(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, errnoOf(err)
		}
		if k <= 0 {
			return ents, 0
		}
		ents = parseDirents(buf[:k], ents)
	}
}

// parseDirents appends the linux_dirent64 records in b to ents.
func parseDirents(b []byte, ents []proto.Dirent) []proto.Dirent {
	const nameOff = 19 // d_ino 8, d_off 8, d_reclen 2, d_type 1
	for len(b) >= nameOff {
		reclen := int(b[16]) | int(b[17])<<8
		if reclen < nameOff || reclen > len(b) {
			break
		}
		rec := b[:reclen]
		b = b[reclen:]
		name := rec[nameOff:]
		for i, c := range name {
			if c == 0 {
				name = name[:i]
				break
			}
		}
		if len(name) == 0 || string(name) == "." || string(name) == ".." {
			continue
		}
		ino := uint64(rec[0]) | uint64(rec[1])<<8 | uint64(rec[2])<<16 | uint64(rec[3])<<24 |
			uint64(rec[4])<<32 | uint64(rec[5])<<40 | uint64(rec[6])<<48 | uint64(rec[7])<<56
		ents = append(ents, proto.Dirent{Ino: ino, Type: rec[18], Name: string(name)})
	}
	return ents
}

func (s *server) stat(fid proto.FID) (*proto.StatResp, unix.Errno) {
	n, errno := s.lookup(fid)
	if errno != 0 {
		return nil, errno
	}
	st, errno := fstat(n.fd)
	if errno != 0 {
		return nil, errno
	}
	return &proto.StatResp{Stat: toStat(&st)}, 0
}

// statAt stats names in a directory without following symlinks or
// making FIDs.
func (s *server) statAt(r *proto.StatAtReq) (*proto.StatAtResp, unix.Errno) {
	dir, errno := s.lookupDir(r.Dir)
	if errno != 0 {
		return nil, errno
	}
	resp := &proto.StatAtResp{Errnos: make([]uint32, len(r.Names)), Stats: make([]proto.Stat, len(r.Names))}
	for i, name := range r.Names {
		if errno := checkName(name); errno != 0 {
			resp.Errnos[i] = uint32(errno)
			continue
		}
		var st unix.Stat_t
		if err := unix.Fstatat(dir.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			resp.Errnos[i] = uint32(errnoOf(err))
			continue
		}
		resp.Stats[i] = toStat(&st)
	}
	return resp, 0
}

func (s *server) statfs(fid proto.FID) (*proto.StatfsResp, unix.Errno) {
	n, errno := s.lookup(fid)
	if errno != 0 {
		return nil, errno
	}
	var st unix.Statfs_t
	if err := unix.Fstatfs(n.fd, &st); err != nil {
		return nil, errnoOf(err)
	}
	return &proto.StatfsResp{Statfs: proto.Statfs{
		Type:    st.Type,
		Bsize:   st.Bsize,
		Blocks:  st.Blocks,
		Bfree:   st.Bfree,
		Bavail:  st.Bavail,
		Files:   st.Files,
		Ffree:   st.Ffree,
		Fsid:    st.Fsid.Val,
		Namelen: st.Namelen,
		Frsize:  st.Frsize,
		Flags:   st.Flags,
	}}, 0
}

func (s *server) setStat(r *proto.SetStatReq) unix.Errno {
	n, errno := s.lookup(r.FID)
	if errno != 0 {
		return errno
	}
	if r.Mask == 0 {
		return 0
	}
	if s.readonly {
		return unix.EROFS
	}
	if r.Mask&proto.SetStatSize != 0 {
		switch {
		case n.isDir():
			return unix.EISDIR
		case !n.isReg():
			return unix.EINVAL
		case r.Size > math.MaxInt64:
			return unix.EINVAL
		}
		fd, errno := s.reopen(n, unix.O_WRONLY|unix.O_NONBLOCK)
		if errno != 0 {
			return errno
		}
		err := unix.Ftruncate(fd, int64(r.Size))
		unix.Close(fd)
		if err != nil {
			return errnoOf(err)
		}
	}
	if r.Mask&(proto.SetStatUID|proto.SetStatGID) != 0 {
		uid, gid := -1, -1
		if r.Mask&proto.SetStatUID != 0 {
			uid = int(int32(r.UID))
		}
		if r.Mask&proto.SetStatGID != 0 {
			gid = int(int32(r.GID))
		}
		if err := unix.Fchownat(n.fd, "", uid, gid, unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return errnoOf(err)
		}
	}
	if r.Mask&proto.SetStatMode != 0 {
		if errno := chmod(n, r.Mode&07777); errno != 0 {
			return errno
		}
	}
	if r.Mask&(proto.SetStatAtime|proto.SetStatMtime) != 0 {
		ts := []unix.Timespec{{Nsec: unix.UTIME_OMIT}, {Nsec: unix.UTIME_OMIT}}
		if r.Mask&proto.SetStatAtime != 0 {
			ts[0] = unix.Timespec{Sec: r.Atime.Sec, Nsec: r.Atime.Nsec}
		}
		if r.Mask&proto.SetStatMtime != 0 {
			ts[1] = unix.Timespec{Sec: r.Mtime.Sec, Nsec: r.Mtime.Nsec}
		}
		dirfd, name, flags := n.fd, "", unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW
		if n.root == nil || n.isDir() {
			// A file root has no parent to name it by; others are
			// named by parent and name, which older kernels need.
			dirfd, name = n.at()
			flags = unix.AT_SYMLINK_NOFOLLOW
		}
		if err := unix.UtimesNanoAt(dirfd, name, ts, flags); err != nil {
			return errnoOf(err)
		}
	}
	return 0
}

// chmod changes n's mode without following a symlink: with fchmodat2 on
// n's own FD where the kernel has it (Linux 6.6), else through at().
func chmod(n *node, mode uint32) unix.Errno {
	if n.isSymlink() {
		return unix.EOPNOTSUPP // as Linux does for symlinks
	}
	err := unix.Fchmodat(n.fd, "", mode, unix.AT_EMPTY_PATH)
	if err != unix.EOPNOTSUPP && err != unix.ENOSYS {
		return errnoOf(err)
	}
	dirfd, name := n.at()
	return errnoOf(unix.Fchmodat(dirfd, name, mode, 0))
}

func (s *server) clunk(fid proto.FID) unix.Errno {
	n, errno := s.lookup(fid)
	if errno != 0 {
		return errno
	}
	delete(s.fids, fid)
	s.decRef(n)
	return 0
}
