package syscalls

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/vfs"
)

func init() {
	register(abi.SysStatfs, sysStatfs)
	register(abi.SysFstatfs, sysFstatfs)
}

// Statfser is implemented by inodes of filesystems with real capacity
// figures, such as the gofer's and tmpfs.
type Statfser = vfs.Statfser

// fsMagic are the f_type values of the sentry's own filesystems.
var fsMagic = map[string]int64{
	"proc":    0x9fa0,
	"sysfs":   0x62656572,
	"tmpfs":   0x01021994,
	"devpts":  0x1cd1,
	"overlay": 0x794c7630,
}

// The f_type of the kernel's internal filesystems.
const (
	pipeFSMagic      = 0x50495045
	sockFSMagic      = 0x534f434b
	anonInodeFSMagic = 0x09041934
)

// Mount flags statfs reports (ST_*).
const (
	stRdonly  = 0x1
	stNosuid  = 0x2
	stNodev   = 0x4
	stNoexec  = 0x8
	stRelatim = 0x400
)

func statfsOf(vd vfs.VirtualDentry) (unix.Statfs_t, error) {
	var st unix.Statfs_t
	if s, ok := vd.Inode().(Statfser); ok {
		var err error
		if st, err = s.Statfs(); err != nil {
			return st, err
		}
	} else {
		st = unix.Statfs_t{Type: fsMagic[vd.Mount.FSType], Bsize: 4096, Namelen: 255, Frsize: 4096}
	}
	if vd.Mount.FSType == "overlay" {
		st.Type = fsMagic["overlay"]
	}
	// f_flags are the mount's flags, ST_VALID (0x20) included.
	st.Flags = 0x20 | stRelatim
	f := vd.Mount.Flags()
	for _, b := range []struct {
		set  bool
		flag int64
	}{{f.Readonly, stRdonly}, {f.NoSuid, stNosuid}, {f.NoDev, stNodev}, {f.NoExec, stNoexec}} {
		if b.set {
			st.Flags |= b.flag
		}
	}
	return st, nil
}

func writeStatfs(t *task, addr uint64, s unix.Statfs_t) (uint64, error) {
	b := make([]byte, 120)
	le := binary.LittleEndian
	for i, v := range []uint64{uint64(s.Type), uint64(s.Bsize), s.Blocks, s.Bfree, s.Bavail, s.Files, s.Ffree} {
		le.PutUint64(b[8*i:], v)
	}
	le.PutUint32(b[56:], uint32(s.Fsid.Val[0]))
	le.PutUint32(b[60:], uint32(s.Fsid.Val[1]))
	le.PutUint64(b[64:], uint64(s.Namelen))
	le.PutUint64(b[72:], uint64(s.Frsize))
	le.PutUint64(b[80:], uint64(s.Flags))
	return 0, copyOut(t, addr, b)
}

func sysStatfs(t *task, a *args) (uint64, error) {
	path, err := copyInPath(t, a[0])
	if err != nil {
		return 0, err
	}
	vd, err := resolveAt(t, atFDCWD, path, true)
	if err != nil {
		return 0, err
	}
	s, err := statfsOf(vd)
	if err != nil {
		return 0, err
	}
	return writeStatfs(t, a[1], s)
}

func sysFstatfs(t *task, a *args) (uint64, error) {
	f, err := getFile(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if !f.VD.Ok() {
		// Pipes, sockets and anonymous files live on internal
		// filesystems; memfds on an internal tmpfs.
		typ := int64(anonInodeFSMagic)
		if st, err := f.Impl.Stat(); err == nil {
			switch st.Mode & unix.S_IFMT {
			case unix.S_IFIFO:
				typ = pipeFSMagic
			case unix.S_IFSOCK:
				typ = sockFSMagic
			case unix.S_IFREG:
				typ = fsMagic["tmpfs"]
			}
		}
		return writeStatfs(t, a[1], unix.Statfs_t{Type: typ, Bsize: 4096, Namelen: 255, Frsize: 4096, Flags: 0x20})
	}
	s, err := statfsOf(f.VD)
	if err != nil {
		return 0, err
	}
	return writeStatfs(t, a[1], s)
}
