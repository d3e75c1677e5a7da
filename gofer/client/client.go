// Package client is the sentry's side of the gofer protocol: it sends
// requests to a gofer server over a SOCK_SEQPACKET socket and decodes its
// responses. A Client is safe for concurrent use; requests are serialized.
//
// Every method returns a unix.Errno for a failure the server reports, so
// callers can return it to the application unchanged. A malformed response
// or a broken socket is a different, non-Errno error (wrapping
// proto.ErrMalformed for the former); after one, the Client should be
// considered unusable.
package client

import (
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/gofer/proto"
)

// Re-exported protocol types, so that callers need only this package.
type (
	FID      = proto.FID
	Stat     = proto.Stat
	Statfs   = proto.Statfs
	Dirent   = proto.Dirent
	Timespec = proto.Timespec
)

// SetStat mask bits and NoID, re-exported from proto.
const (
	SetStatMode  = proto.SetStatMode
	SetStatUID   = proto.SetStatUID
	SetStatGID   = proto.SetStatGID
	SetStatSize  = proto.SetStatSize
	SetStatAtime = proto.SetStatAtime
	SetStatMtime = proto.SetStatMtime
	NoID         = proto.NoID
)

// maxErrno is the largest errno a response may carry (as MAX_ERRNO).
const maxErrno = 4095

// Client talks to one gofer server.
type Client struct {
	mu   sync.Mutex
	sock int
	buf  []byte
}

// New returns a Client using the connected socket fd. The Client does not
// close fd.
func New(fd int) *Client {
	return &Client{sock: fd, buf: make([]byte, proto.MaxMessageSize)}
}

// call sends request req of type op and decodes the response into resp.
// It returns the FD that came with the response if wantFD (-1 otherwise;
// unexpected FDs are closed), and the server's errno as a unix.Errno.
func (c *Client) call(op proto.Op, req, resp proto.Message, wantFD bool) (int, error) {
	pkt := proto.EncodeRequest(op, req)
	if len(pkt) > proto.MaxMessageSize {
		return -1, unix.ENAMETOOLONG
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := proto.Send(c.sock, pkt, -1); err != nil {
		return -1, err
	}
	rpkt, fds, err := proto.Recv(c.sock, c.buf)
	if err != nil {
		return -1, fmt.Errorf("gofer %v: %w", op, err)
	}
	errno, err := proto.DecodeResponse(rpkt, op, resp)
	if err == nil && errno > maxErrno {
		err = fmt.Errorf("%w: errno %d out of range", proto.ErrMalformed, errno)
	}
	if err == nil && errno == 0 && wantFD && len(fds) != 1 {
		err = fmt.Errorf("%w: %v response carries %d FDs, want 1", proto.ErrMalformed, op, len(fds))
	}
	if err != nil || errno != 0 || !wantFD {
		proto.CloseAll(fds)
		if err != nil {
			return -1, fmt.Errorf("gofer %v: %w", op, err)
		}
		if errno != 0 {
			return -1, serverErrno(errno)
		}
		return -1, nil
	}
	return fds[0], nil
}

// serverErrno is the errno the application gets for the server's e. The
// gofer's FD table is not the application's, whose own table is the
// sentry's: the gofer out of FDs is the whole sandbox out of a resource,
// ENFILE, and an application that got EMFILE would close its own files
// in vain.
func serverErrno(e uint32) unix.Errno {
	if unix.Errno(e) == unix.EMFILE {
		return unix.ENFILE
	}
	return unix.Errno(e)
}

// checkNode validates a NodeResp-style answer.
func checkNode(op proto.Op, r *proto.NodeResp) error {
	if r.FID == 0 {
		return fmt.Errorf("gofer %v: %w: FID 0", op, proto.ErrMalformed)
	}
	return nil
}

// Attach returns a new FID for the root of the served tree, and its Stat.
func (c *Client) Attach() (FID, Stat, error) { return c.AttachRoot(0) }

// AttachRoot returns a FID for the root of the server's extra tree n (a
// bind mount's source; 0 is the root filesystem, as Attach).
func (c *Client) AttachRoot(n uint32) (FID, Stat, error) {
	var r proto.NodeResp
	if _, err := c.call(proto.OpAttach, &proto.AttachReq{Root: n}, &r, false); err != nil {
		return 0, Stat{}, err
	}
	return r.FID, r.Stat, nil
}

// Walk walks names, one component at a time, from directory dir, without
// following symlinks. It returns a new FID and the Stat for each component
// walked. If a component fails, it returns those walked before it together
// with that component's errno (ENOENT, ENOTDIR, EINVAL for a name that is
// empty, ".", ".." or contains "/", ...). The caller must Clunk every FID
// returned, in both cases.
func (c *Client) Walk(dir FID, names []string) ([]FID, []Stat, error) {
	if len(names) == 0 {
		return nil, nil, nil
	}
	if len(names) > proto.MaxWalkNames {
		return nil, nil, unix.ENAMETOOLONG
	}
	for _, n := range names {
		if len(n) > proto.MaxNameLen {
			return nil, nil, unix.ENAMETOOLONG
		}
	}
	var r proto.WalkResp
	if _, err := c.call(proto.OpWalk, &proto.WalkReq{Dir: dir, Names: names}, &r, false); err != nil {
		return nil, nil, err
	}
	if len(r.FIDs) > len(names) || (r.Errno == 0 && len(r.FIDs) != len(names)) || r.Errno > maxErrno {
		// Keep what the server created so the caller can clunk it.
		return r.FIDs, r.Stats, fmt.Errorf("gofer Walk: %w: %d FIDs for %d names (errno %d)", proto.ErrMalformed, len(r.FIDs), len(names), r.Errno)
	}
	if r.Errno != 0 {
		return r.FIDs, r.Stats, serverErrno(r.Errno)
	}
	return r.FIDs, r.Stats, nil
}

// Open opens the file f with open(2) flags (O_CREAT is refused) and returns
// the host FD the server donates; the caller owns it. The server always
// adds O_NOFOLLOW, O_CLOEXEC and O_NOCTTY, and O_NONBLOCK for FIFOs so that
// it never blocks (clear it with fcntl if needed). Host devices and
// symlinks cannot be opened (EPERM, ELOOP). A read-only server refuses
// write access modes and O_TRUNC with EROFS.
func (c *Client) Open(f FID, flags int) (int, error) {
	return c.call(proto.OpOpen, &proto.OpenReq{FID: f, Flags: uint32(flags)}, &proto.EmptyResp{}, true)
}

// Create creates a regular file name in dir (always exclusively: EEXIST if
// name exists) with exactly mode&07777 and owner uid:gid (NoID keeps the
// server's), and opens it with flags. It returns a FID for the new file,
// its Stat, and the donated host FD.
func (c *Client) Create(dir FID, name string, flags int, mode, uid, gid uint32) (FID, Stat, int, error) {
	var r proto.NodeResp
	req := &proto.CreateReq{Dir: dir, Name: name, Flags: uint32(flags), Mode: mode, UID: uid, GID: gid}
	fd, err := c.call(proto.OpCreate, req, &r, true)
	if err == nil {
		if err = checkNode(proto.OpCreate, &r); err != nil {
			unix.Close(fd)
		}
	}
	if err != nil {
		return 0, Stat{}, -1, err
	}
	return r.FID, r.Stat, fd, nil
}

func (c *Client) node(op proto.Op, req proto.Message) (FID, Stat, error) {
	var r proto.NodeResp
	if _, err := c.call(op, req, &r, false); err != nil {
		return 0, Stat{}, err
	}
	if err := checkNode(op, &r); err != nil {
		return 0, Stat{}, err
	}
	return r.FID, r.Stat, nil
}

// Mkdir creates directory name in dir with mode&07777 and owner uid:gid,
// and returns a FID for it and its Stat.
func (c *Client) Mkdir(dir FID, name string, mode, uid, gid uint32) (FID, Stat, error) {
	return c.node(proto.OpMkdir, &proto.MkdirReq{Dir: dir, Name: name, Mode: mode, UID: uid, GID: gid})
}

// Mknod creates a node name in dir; mode holds the type (S_IFREG, S_IFIFO
// or S_IFSOCK; devices are refused with EPERM) and permissions.
func (c *Client) Mknod(dir FID, name string, mode uint32, dev uint64, uid, gid uint32) (FID, Stat, error) {
	return c.node(proto.OpMknod, &proto.MknodReq{Dir: dir, Name: name, Mode: mode, Dev: dev, UID: uid, GID: gid})
}

// Symlink creates a symlink name in dir pointing at target.
func (c *Client) Symlink(dir FID, name, target string, uid, gid uint32) (FID, Stat, error) {
	if len(target) > proto.MaxStringLen {
		return 0, Stat{}, unix.ENAMETOOLONG
	}
	return c.node(proto.OpSymlink, &proto.SymlinkReq{Dir: dir, Name: name, Target: target, UID: uid, GID: gid})
}

// Link creates name in dir as a hard link to target, and returns a FID for
// the new name.
func (c *Client) Link(dir FID, name string, target FID) (FID, Stat, error) {
	return c.node(proto.OpLink, &proto.LinkReq{Dir: dir, Name: name, Target: target})
}

// Readlink returns the target of symlink f (EINVAL if f is not one).
func (c *Client) Readlink(f FID) (string, error) {
	var r proto.ReadlinkResp
	if _, err := c.call(proto.OpReadlink, &proto.FIDReq{FID: f}, &r, false); err != nil {
		return "", err
	}
	return r.Target, nil
}

// Unlink removes name from dir; flags is 0 or unix.AT_REMOVEDIR.
func (c *Client) Unlink(dir FID, name string, flags int) error {
	_, err := c.call(proto.OpUnlink, &proto.UnlinkReq{Dir: dir, Name: name, Flags: uint32(flags)}, &proto.EmptyResp{}, false)
	return err
}

// Rename renames oldDir/oldName to newDir/newName. FIDs for the renamed
// file stay valid and follow it.
func (c *Client) Rename(oldDir FID, oldName string, newDir FID, newName string) error {
	req := &proto.RenameReq{OldDir: oldDir, OldName: oldName, NewDir: newDir, NewName: newName}
	_, err := c.call(proto.OpRename, req, &proto.EmptyResp{}, false)
	return err
}

// Getdents returns every entry of directory f, except "." and "..", in
// the host's order. The sentry supplies "." and ".." itself.
func (c *Client) Getdents(f FID) ([]Dirent, error) {
	var all []Dirent
	for {
		var r proto.GetdentsResp
		req := &proto.GetdentsReq{FID: f, Offset: uint64(len(all))}
		if _, err := c.call(proto.OpGetdents, req, &r, false); err != nil {
			return nil, err
		}
		all = append(all, r.Entries...)
		if !r.More {
			return all, nil
		}
	}
}

// StatAt returns the Stat of each of names in directory dir, not
// following symlinks and making no FIDs; errs[i] is the errno of a name
// that could not be stat'ed. At most proto.MaxWalkNames names.
func (c *Client) StatAt(dir FID, names []string) ([]Stat, []error, error) {
	if len(names) == 0 {
		return nil, nil, nil
	}
	if len(names) > proto.MaxWalkNames {
		return nil, nil, unix.EINVAL
	}
	for _, n := range names {
		if len(n) > proto.MaxNameLen {
			return nil, nil, unix.ENAMETOOLONG
		}
	}
	var r proto.StatAtResp
	if _, err := c.call(proto.OpStatAt, &proto.StatAtReq{Dir: dir, Names: names}, &r, false); err != nil {
		return nil, nil, err
	}
	if len(r.Errnos) != len(names) {
		return nil, nil, fmt.Errorf("gofer StatAt: %w: %d results for %d names", proto.ErrMalformed, len(r.Errnos), len(names))
	}
	errs := make([]error, len(names))
	for i, e := range r.Errnos {
		if e > maxErrno {
			return nil, nil, fmt.Errorf("gofer StatAt: %w: errno %d out of range", proto.ErrMalformed, e)
		}
		if e != 0 {
			errs[i] = serverErrno(e)
		}
	}
	return r.Stats, errs, nil
}

// Stat returns f's struct stat, as the host reports it.
func (c *Client) Stat(f FID) (Stat, error) {
	var r proto.StatResp
	if _, err := c.call(proto.OpStat, &proto.FIDReq{FID: f}, &r, false); err != nil {
		return Stat{}, err
	}
	return r.Stat, nil
}

// SetStatArgs are the new values for SetStat; Mask (SetStat* bits) says
// which to apply. Atime and Mtime may use unix.UTIME_NOW or
// unix.UTIME_OMIT in Nsec.
type SetStatArgs struct {
	Mask  uint32
	Mode  uint32
	UID   uint32
	GID   uint32
	Size  uint64
	Atime Timespec
	Mtime Timespec
}

// SetStat changes f's size, owner, mode and times, in that order, as a
// selects. It never follows a symlink (a symlink's mode cannot change:
// EOPNOTSUPP).
func (c *Client) SetStat(f FID, a SetStatArgs) error {
	req := &proto.SetStatReq{FID: f, Mask: a.Mask, Mode: a.Mode, UID: a.UID, GID: a.GID, Size: a.Size, Atime: a.Atime, Mtime: a.Mtime}
	_, err := c.call(proto.OpSetStat, req, &proto.EmptyResp{}, false)
	return err
}

// Statfs returns the struct statfs of the filesystem holding f.
func (c *Client) Statfs(f FID) (Statfs, error) {
	var r proto.StatfsResp
	if _, err := c.call(proto.OpStatfs, &proto.FIDReq{FID: f}, &r, false); err != nil {
		return Statfs{}, err
	}
	return r.Statfs, nil
}

// Clunk releases f. The server keeps a file's parent alive as long as any
// FID under it is, so FIDs may be clunked in any order.
func (c *Client) Clunk(f FID) error {
	_, err := c.call(proto.OpClunk, &proto.FIDReq{FID: f}, &proto.EmptyResp{}, false)
	return err
}

// IsErrno reports whether err is an errno from the server (as opposed to a
// transport or protocol failure).
func IsErrno(err error) bool {
	var e unix.Errno
	return errors.As(err, &e)
}
