package vfs

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// Timespec is a time in seconds and nanoseconds.
type Timespec struct{ Sec, Nsec int64 }

// Stat is the metadata of a file, with struct stat's fields.
type Stat struct {
	Dev, Ino, Nlink     uint64
	Mode, UID, GID      uint32
	Rdev                uint64
	Size, Blksize       int64
	Blocks              int64
	Atime, Mtime, Ctime Timespec
	// Btime is the birth time, zero where the filesystem does not
	// know it (statx leaves STATX_BTIME out then).
	Btime Timespec
}

// IsDir reports whether the file is a directory.
func (s *Stat) IsDir() bool { return s.Mode&unix.S_IFMT == unix.S_IFDIR }

// IsSymlink reports whether the file is a symbolic link.
func (s *Stat) IsSymlink() bool { return s.Mode&unix.S_IFMT == unix.S_IFLNK }

// IsRegular reports whether the file is a regular file.
func (s *Stat) IsRegular() bool { return s.Mode&unix.S_IFMT == unix.S_IFREG }

// DirentType returns the d_type value for the file's type.
func (s *Stat) DirentType() uint8 { return uint8(s.Mode & unix.S_IFMT >> 12) }

// MarshalStat encodes s as the amd64 struct stat (144 bytes).
func (s *Stat) MarshalStat() []byte {
	b := make([]byte, 144)
	le := binary.LittleEndian
	le.PutUint64(b[0:], s.Dev)
	le.PutUint64(b[8:], s.Ino)
	le.PutUint64(b[16:], s.Nlink)
	le.PutUint32(b[24:], s.Mode)
	le.PutUint32(b[28:], s.UID)
	le.PutUint32(b[32:], s.GID)
	le.PutUint64(b[40:], s.Rdev)
	le.PutUint64(b[48:], uint64(s.Size))
	le.PutUint64(b[56:], uint64(s.Blksize))
	le.PutUint64(b[64:], uint64(s.Blocks))
	for i, t := range []Timespec{s.Atime, s.Mtime, s.Ctime} {
		le.PutUint64(b[72+16*i:], uint64(t.Sec))
		le.PutUint64(b[80+16*i:], uint64(t.Nsec))
	}
	return b
}

// statxBasic is STATX_BASIC_STATS.
const statxBasic = 0x7ff

// MarshalStatx encodes s as struct statx (256 bytes).
func (s *Stat) MarshalStatx(mntID uint64) []byte {
	b := make([]byte, 256)
	le := binary.LittleEndian
	le.PutUint32(b[0:], statxBasic|0x1000) // | STATX_MNT_ID
	le.PutUint32(b[4:], uint32(s.Blksize))
	le.PutUint32(b[16:], uint32(s.Nlink))
	le.PutUint32(b[20:], s.UID)
	le.PutUint32(b[24:], s.GID)
	le.PutUint16(b[28:], uint16(s.Mode))
	le.PutUint64(b[32:], s.Ino)
	le.PutUint64(b[40:], uint64(s.Size))
	le.PutUint64(b[48:], uint64(s.Blocks))
	put := func(off int, t Timespec) {
		le.PutUint64(b[off:], uint64(t.Sec))
		le.PutUint32(b[off+8:], uint32(t.Nsec))
	}
	if s.Btime != (Timespec{}) {
		le.PutUint32(b[0:], statxBasic|0x1000|0x800) // | STATX_MNT_ID | STATX_BTIME
		put(80, s.Btime)
	}
	put(64, s.Atime)
	put(96, s.Ctime)
	put(112, s.Mtime)
	le.PutUint32(b[128:], unix.Major(s.Rdev))
	le.PutUint32(b[132:], unix.Minor(s.Rdev))
	le.PutUint32(b[136:], unix.Major(s.Dev))
	le.PutUint32(b[140:], unix.Minor(s.Dev))
	le.PutUint64(b[144:], mntID)
	return b
}
