// Package proto defines the gofer protocol: the messages that the sentry
// (through gofer/client) and the gofer server exchange over a SOCK_SEQPACKET
// unix socket, and their binary encoding.
//
// Every packet is one message. A request is
//
//	op uint32 | request body
//
// and its response is
//
//	op uint32 | errno uint32 | response body (present only when errno == 0)
//
// where op echoes the request's op (or is 0 if the request was too short to
// carry one). All integers are little-endian; strings and lists carry a
// uint32 length prefix. Responses to Open and Create carry one host FD in an
// SCM_RIGHTS control message. Walk reports a failure part way along the path
// inside its body (WalkResp.Errno), so that the components already walked are
// not lost; its top-level errno is for failures before walking anything.
package proto

import (
	"fmt"
)

// FID names a file on the server: a host O_PATH file descriptor the server
// holds. FID 0 is never valid.
type FID uint64

// Op is a request type.
type Op uint32

// The operations.
const (
	OpAttach Op = iota + 1
	OpWalk
	OpOpen
	OpCreate
	OpMkdir
	OpMknod
	OpSymlink
	OpLink
	OpReadlink
	OpUnlink
	OpRename
	OpGetdents
	OpStat
	OpSetStat
	OpStatfs
	OpClunk
	OpStatAt
	opMax
)

var opNames = [...]string{
	OpAttach:   "Attach",
	OpWalk:     "Walk",
	OpOpen:     "Open",
	OpCreate:   "Create",
	OpMkdir:    "Mkdir",
	OpMknod:    "Mknod",
	OpSymlink:  "Symlink",
	OpLink:     "Link",
	OpReadlink: "Readlink",
	OpUnlink:   "Unlink",
	OpRename:   "Rename",
	OpGetdents: "Getdents",
	OpStat:     "Stat",
	OpSetStat:  "SetStat",
	OpStatfs:   "Statfs",
	OpClunk:    "Clunk",
	OpStatAt:   "StatAt",
}

func (o Op) String() string {
	if o > 0 && o < opMax {
		return opNames[o]
	}
	return fmt.Sprintf("Op(%d)", uint32(o))
}

// Valid reports whether o is a known operation.
func (o Op) Valid() bool { return o > 0 && o < opMax }

// DonatesFD reports whether a successful response to o carries a host FD.
func (o Op) DonatesFD() bool { return o == OpOpen || o == OpCreate }

// Timespec is a time as struct timespec.
type Timespec struct {
	Sec  int64
	Nsec int64
}

// Stat is struct stat, field for field as the host reported it.
type Stat struct {
	Dev     uint64
	Ino     uint64
	Nlink   uint64
	Mode    uint32
	UID     uint32
	GID     uint32
	Rdev    uint64
	Size    int64
	Blksize int64
	Blocks  int64
	Atime   Timespec
	Mtime   Timespec
	Ctime   Timespec
}

// statSize is the encoded size of a Stat.
const statSize = 8*3 + 4*3 + 8*4 + 16*3

// Dirent is one directory entry. Type is a DT_* constant.
type Dirent struct {
	Ino  uint64
	Type uint8
	Name string
}

// Statfs is struct statfs.
type Statfs struct {
	Type    int64
	Bsize   int64
	Blocks  uint64
	Bfree   uint64
	Bavail  uint64
	Files   uint64
	Ffree   uint64
	Fsid    [2]int32
	Namelen int64
	Frsize  int64
	Flags   int64
}

// SetStat mask bits: which fields of a SetStatReq to apply.
const (
	SetStatMode uint32 = 1 << iota
	SetStatUID
	SetStatGID
	SetStatSize
	SetStatAtime
	SetStatMtime
	setStatAll = SetStatMode | SetStatUID | SetStatGID | SetStatSize | SetStatAtime | SetStatMtime
)

// NoID, as a UID or GID, leaves the owner or group unchanged (like -1 for
// chown).
const NoID = ^uint32(0)

// Message is a request or response body.
type Message interface {
	Encode(e *Encoder)
	Decode(d *Decoder)
}

func (t *Timespec) encode(e *Encoder) {
	e.Int64(t.Sec)
	e.Int64(t.Nsec)
}

func (t *Timespec) decode(d *Decoder) {
	t.Sec = d.Int64()
	t.Nsec = d.Int64()
}

// Encode implements Message.
func (s *Stat) Encode(e *Encoder) {
	e.Uint64(s.Dev)
	e.Uint64(s.Ino)
	e.Uint64(s.Nlink)
	e.Uint32(s.Mode)
	e.Uint32(s.UID)
	e.Uint32(s.GID)
	e.Uint64(s.Rdev)
	e.Int64(s.Size)
	e.Int64(s.Blksize)
	e.Int64(s.Blocks)
	s.Atime.encode(e)
	s.Mtime.encode(e)
	s.Ctime.encode(e)
}

// Decode implements Message.
func (s *Stat) Decode(d *Decoder) {
	s.Dev = d.Uint64()
	s.Ino = d.Uint64()
	s.Nlink = d.Uint64()
	s.Mode = d.Uint32()
	s.UID = d.Uint32()
	s.GID = d.Uint32()
	s.Rdev = d.Uint64()
	s.Size = d.Int64()
	s.Blksize = d.Int64()
	s.Blocks = d.Int64()
	s.Atime.decode(d)
	s.Mtime.decode(d)
	s.Ctime.decode(d)
}

// Encode implements Message.
func (s *Statfs) Encode(e *Encoder) {
	e.Int64(s.Type)
	e.Int64(s.Bsize)
	e.Uint64(s.Blocks)
	e.Uint64(s.Bfree)
	e.Uint64(s.Bavail)
	e.Uint64(s.Files)
	e.Uint64(s.Ffree)
	e.Uint32(uint32(s.Fsid[0]))
	e.Uint32(uint32(s.Fsid[1]))
	e.Int64(s.Namelen)
	e.Int64(s.Frsize)
	e.Int64(s.Flags)
}

// Decode implements Message.
func (s *Statfs) Decode(d *Decoder) {
	s.Type = d.Int64()
	s.Bsize = d.Int64()
	s.Blocks = d.Uint64()
	s.Bfree = d.Uint64()
	s.Bavail = d.Uint64()
	s.Files = d.Uint64()
	s.Ffree = d.Uint64()
	s.Fsid[0] = int32(d.Uint32())
	s.Fsid[1] = int32(d.Uint32())
	s.Namelen = d.Int64()
	s.Frsize = d.Int64()
	s.Flags = d.Int64()
}

func decodeName(d *Decoder) string {
	return d.String(MaxNameLen)
}

func decodeFID(d *Decoder) FID {
	f := FID(d.Uint64())
	if f == 0 && d.err == nil {
		d.Fail("FID 0")
	}
	return f
}

// ---- Requests ----

// AttachReq asks for the root of a served tree: 0 is the root
// filesystem, N the Nth extra tree (a bind mount's source) given to the
// server.
type AttachReq struct {
	Root uint32
}

// WalkReq walks Names one component at a time from directory Dir.
type WalkReq struct {
	Dir   FID
	Names []string
}

// OpenReq opens FID with open(2) flags Flags.
type OpenReq struct {
	FID   FID
	Flags uint32
}

// CreateReq creates and opens a regular file Name in Dir.
type CreateReq struct {
	Dir   FID
	Name  string
	Flags uint32
	Mode  uint32
	UID   uint32
	GID   uint32
}

// MkdirReq creates directory Name in Dir.
type MkdirReq struct {
	Dir  FID
	Name string
	Mode uint32
	UID  uint32
	GID  uint32
}

// MknodReq creates node Name in Dir; Mode includes the file type.
type MknodReq struct {
	Dir  FID
	Name string
	Mode uint32
	Dev  uint64
	UID  uint32
	GID  uint32
}

// SymlinkReq creates symlink Name in Dir pointing at Target.
type SymlinkReq struct {
	Dir    FID
	Name   string
	Target string
	UID    uint32
	GID    uint32
}

// LinkReq creates hard link Name in Dir to the file Target.
type LinkReq struct {
	Dir    FID
	Name   string
	Target FID
}

// FIDReq is the body of requests that name only a FID: Readlink, Stat,
// Statfs, Clunk.
type FIDReq struct {
	FID FID
}

// StatAtReq asks for the Stat of each of Names in directory Dir, without
// following symlinks and without making FIDs: a directory listing's
// metadata in one round trip.
type StatAtReq struct {
	Dir   FID
	Names []string
}

// UnlinkReq removes Name from Dir; Flags may be AT_REMOVEDIR.
type UnlinkReq struct {
	Dir   FID
	Name  string
	Flags uint32
}

// RenameReq renames OldDir/OldName to NewDir/NewName.
type RenameReq struct {
	OldDir  FID
	OldName string
	NewDir  FID
	NewName string
}

// GetdentsReq reads directory FID from entry index Offset. Offset 0
// (re)reads the directory; later offsets page through that snapshot.
type GetdentsReq struct {
	FID    FID
	Offset uint64
}

// SetStatReq changes the fields of FID selected by Mask (SetStat* bits).
// Atime and Mtime may use UTIME_NOW or UTIME_OMIT in Nsec.
type SetStatReq struct {
	FID   FID
	Mask  uint32
	Mode  uint32
	UID   uint32
	GID   uint32
	Size  uint64
	Atime Timespec
	Mtime Timespec
}

// Encode implements Message.
func (m *AttachReq) Encode(e *Encoder) { e.Uint32(m.Root) }

// Decode implements Message.
func (m *AttachReq) Decode(d *Decoder) { m.Root = d.Uint32() }

// Encode implements Message.
func (m *WalkReq) Encode(e *Encoder) {
	e.Uint64(uint64(m.Dir))
	e.Uint32(uint32(len(m.Names)))
	for _, n := range m.Names {
		e.String(n)
	}
}

// Decode implements Message.
func (m *WalkReq) Decode(d *Decoder) {
	m.Dir = decodeFID(d)
	n := d.Count(MaxWalkNames, 4, "walk names")
	if n == 0 && d.err == nil {
		d.Fail("walk of no names")
	}
	m.Names = make([]string, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		m.Names = append(m.Names, decodeName(d))
	}
}

// Encode implements Message.
func (m *StatAtReq) Encode(e *Encoder) {
	e.Uint64(uint64(m.Dir))
	e.Uint32(uint32(len(m.Names)))
	for _, n := range m.Names {
		e.String(n)
	}
}

// Decode implements Message.
func (m *StatAtReq) Decode(d *Decoder) {
	m.Dir = decodeFID(d)
	n := d.Count(MaxWalkNames, 4, "statat names")
	if n == 0 && d.err == nil {
		d.Fail("statat of no names")
	}
	m.Names = make([]string, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		m.Names = append(m.Names, decodeName(d))
	}
}

// Encode implements Message.
func (m *OpenReq) Encode(e *Encoder) {
	e.Uint64(uint64(m.FID))
	e.Uint32(m.Flags)
}

// Decode implements Message.
func (m *OpenReq) Decode(d *Decoder) {
	m.FID = decodeFID(d)
	m.Flags = d.Uint32()
}

// Encode implements Message.
func (m *CreateReq) Encode(e *Encoder) {
	e.Uint64(uint64(m.Dir))
	e.String(m.Name)
	e.Uint32(m.Flags)
	e.Uint32(m.Mode)
	e.Uint32(m.UID)
	e.Uint32(m.GID)
}

// Decode implements Message.
func (m *CreateReq) Decode(d *Decoder) {
	m.Dir = decodeFID(d)
	m.Name = decodeName(d)
	m.Flags = d.Uint32()
	m.Mode = d.Uint32()
	m.UID = d.Uint32()
	m.GID = d.Uint32()
}

// Encode implements Message.
func (m *MkdirReq) Encode(e *Encoder) {
	e.Uint64(uint64(m.Dir))
	e.String(m.Name)
	e.Uint32(m.Mode)
	e.Uint32(m.UID)
	e.Uint32(m.GID)
}

// Decode implements Message.
func (m *MkdirReq) Decode(d *Decoder) {
	m.Dir = decodeFID(d)
	m.Name = decodeName(d)
	m.Mode = d.Uint32()
	m.UID = d.Uint32()
	m.GID = d.Uint32()
}

// Encode implements Message.
func (m *MknodReq) Encode(e *Encoder) {
	e.Uint64(uint64(m.Dir))
	e.String(m.Name)
	e.Uint32(m.Mode)
	e.Uint64(m.Dev)
	e.Uint32(m.UID)
	e.Uint32(m.GID)
}

// Decode implements Message.
func (m *MknodReq) Decode(d *Decoder) {
	m.Dir = decodeFID(d)
	m.Name = decodeName(d)
	m.Mode = d.Uint32()
	m.Dev = d.Uint64()
	m.UID = d.Uint32()
	m.GID = d.Uint32()
}

// Encode implements Message.
func (m *SymlinkReq) Encode(e *Encoder) {
	e.Uint64(uint64(m.Dir))
	e.String(m.Name)
	e.String(m.Target)
	e.Uint32(m.UID)
	e.Uint32(m.GID)
}

// Decode implements Message.
func (m *SymlinkReq) Decode(d *Decoder) {
	m.Dir = decodeFID(d)
	m.Name = decodeName(d)
	m.Target = d.String(MaxStringLen)
	m.UID = d.Uint32()
	m.GID = d.Uint32()
}

// Encode implements Message.
func (m *LinkReq) Encode(e *Encoder) {
	e.Uint64(uint64(m.Dir))
	e.String(m.Name)
	e.Uint64(uint64(m.Target))
}

// Decode implements Message.
func (m *LinkReq) Decode(d *Decoder) {
	m.Dir = decodeFID(d)
	m.Name = decodeName(d)
	m.Target = decodeFID(d)
}

// Encode implements Message.
func (m *FIDReq) Encode(e *Encoder) { e.Uint64(uint64(m.FID)) }

// Decode implements Message.
func (m *FIDReq) Decode(d *Decoder) { m.FID = decodeFID(d) }

// Encode implements Message.
func (m *UnlinkReq) Encode(e *Encoder) {
	e.Uint64(uint64(m.Dir))
	e.String(m.Name)
	e.Uint32(m.Flags)
}

// Decode implements Message.
func (m *UnlinkReq) Decode(d *Decoder) {
	m.Dir = decodeFID(d)
	m.Name = decodeName(d)
	m.Flags = d.Uint32()
}

// Encode implements Message.
func (m *RenameReq) Encode(e *Encoder) {
	e.Uint64(uint64(m.OldDir))
	e.String(m.OldName)
	e.Uint64(uint64(m.NewDir))
	e.String(m.NewName)
}

// Decode implements Message.
func (m *RenameReq) Decode(d *Decoder) {
	m.OldDir = decodeFID(d)
	m.OldName = decodeName(d)
	m.NewDir = decodeFID(d)
	m.NewName = decodeName(d)
}

// Encode implements Message.
func (m *GetdentsReq) Encode(e *Encoder) {
	e.Uint64(uint64(m.FID))
	e.Uint64(m.Offset)
}

// Decode implements Message.
func (m *GetdentsReq) Decode(d *Decoder) {
	m.FID = decodeFID(d)
	m.Offset = d.Uint64()
}

// Encode implements Message.
func (m *SetStatReq) Encode(e *Encoder) {
	e.Uint64(uint64(m.FID))
	e.Uint32(m.Mask)
	e.Uint32(m.Mode)
	e.Uint32(m.UID)
	e.Uint32(m.GID)
	e.Uint64(m.Size)
	m.Atime.encode(e)
	m.Mtime.encode(e)
}

// Decode implements Message.
func (m *SetStatReq) Decode(d *Decoder) {
	m.FID = decodeFID(d)
	m.Mask = d.Uint32()
	if m.Mask&^setStatAll != 0 {
		d.Fail("unknown SetStat mask bits %#x", m.Mask&^setStatAll)
	}
	m.Mode = d.Uint32()
	m.UID = d.Uint32()
	m.GID = d.Uint32()
	m.Size = d.Uint64()
	m.Atime.decode(d)
	m.Mtime.decode(d)
}

// NewRequest returns an empty request body for op, or nil if op is unknown.
func NewRequest(op Op) Message {
	switch op {
	case OpAttach:
		return &AttachReq{}
	case OpWalk:
		return &WalkReq{}
	case OpOpen:
		return &OpenReq{}
	case OpCreate:
		return &CreateReq{}
	case OpMkdir:
		return &MkdirReq{}
	case OpMknod:
		return &MknodReq{}
	case OpSymlink:
		return &SymlinkReq{}
	case OpLink:
		return &LinkReq{}
	case OpReadlink, OpStat, OpStatfs, OpClunk:
		return &FIDReq{}
	case OpUnlink:
		return &UnlinkReq{}
	case OpRename:
		return &RenameReq{}
	case OpGetdents:
		return &GetdentsReq{}
	case OpSetStat:
		return &SetStatReq{}
	case OpStatAt:
		return &StatAtReq{}
	}
	return nil
}

// ---- Responses ----

// NodeResp answers Attach, Create, Mkdir, Mknod, Symlink and Link: the new
// FID and its Stat.
type NodeResp struct {
	FID  FID
	Stat Stat
}

// WalkResp answers Walk: a FID and Stat for each component walked, and the
// errno that stopped the walk early (0 if every component was walked).
type WalkResp struct {
	FIDs  []FID
	Stats []Stat
	Errno uint32
}

// ReadlinkResp answers Readlink.
type ReadlinkResp struct {
	Target string
}

// GetdentsResp answers Getdents with the next batch of entries. More is
// set if entries remain past this batch.
type GetdentsResp struct {
	Entries []Dirent
	More    bool
}

// StatAtResp answers StatAt: for each name, an errno and, when it is 0,
// the Stat.
type StatAtResp struct {
	Errnos []uint32
	Stats  []Stat
}

// StatResp answers Stat.
type StatResp struct {
	Stat Stat
}

// StatfsResp answers Statfs.
type StatfsResp struct {
	Statfs Statfs
}

// EmptyResp answers Open (whose result is the donated FD), Unlink, Rename,
// SetStat and Clunk.
type EmptyResp struct{}

// Encode implements Message.
func (m *NodeResp) Encode(e *Encoder) {
	e.Uint64(uint64(m.FID))
	m.Stat.Encode(e)
}

// Decode implements Message.
func (m *NodeResp) Decode(d *Decoder) {
	m.FID = decodeFID(d)
	m.Stat.Decode(d)
}

// Encode implements Message.
func (m *WalkResp) Encode(e *Encoder) {
	e.Uint32(m.Errno)
	e.Uint32(uint32(len(m.FIDs)))
	for i := range m.FIDs {
		e.Uint64(uint64(m.FIDs[i]))
		m.Stats[i].Encode(e)
	}
}

// Decode implements Message.
func (m *WalkResp) Decode(d *Decoder) {
	m.Errno = d.Uint32()
	n := d.Count(MaxWalkNames, 8+statSize, "walked FIDs")
	m.FIDs = make([]FID, n)
	m.Stats = make([]Stat, n)
	for i := 0; i < n && d.err == nil; i++ {
		m.FIDs[i] = decodeFID(d)
		m.Stats[i].Decode(d)
	}
	if n == 0 && m.Errno == 0 && d.err == nil {
		d.Fail("walk response with no FIDs and no error")
	}
}

// Encode implements Message.
func (m *ReadlinkResp) Encode(e *Encoder) { e.String(m.Target) }

// Decode implements Message.
func (m *ReadlinkResp) Decode(d *Decoder) { m.Target = d.String(MaxStringLen) }

// direntMinSize is the smallest encoded Dirent: ino, type, empty name.
const direntMinSize = 8 + 1 + 4

// DirentSize is the encoded size of a Dirent with the given name length.
func DirentSize(nameLen int) int { return direntMinSize + nameLen }

// Encode implements Message.
func (m *GetdentsResp) Encode(e *Encoder) {
	e.Bool(m.More)
	e.Uint32(uint32(len(m.Entries)))
	for i := range m.Entries {
		e.Uint64(m.Entries[i].Ino)
		e.Uint8(m.Entries[i].Type)
		e.String(m.Entries[i].Name)
	}
}

// Decode implements Message.
func (m *GetdentsResp) Decode(d *Decoder) {
	m.More = d.Bool()
	n := d.Count(MaxMessageSize/direntMinSize, direntMinSize+1, "dirents")
	m.Entries = make([]Dirent, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		var de Dirent
		de.Ino = d.Uint64()
		de.Type = d.Uint8()
		de.Name = decodeName(d)
		if d.err == nil && de.Name == "" {
			d.Fail("dirent with empty name")
		}
		m.Entries = append(m.Entries, de)
	}
	if m.More && n == 0 && d.err == nil {
		d.Fail("empty getdents batch claims more entries")
	}
}

// Encode implements Message.
func (m *StatAtResp) Encode(e *Encoder) {
	e.Uint32(uint32(len(m.Errnos)))
	for i, errno := range m.Errnos {
		e.Uint32(errno)
		if errno == 0 {
			m.Stats[i].Encode(e)
		}
	}
}

// Decode implements Message.
func (m *StatAtResp) Decode(d *Decoder) {
	n := d.Count(MaxWalkNames, 4, "statat results")
	m.Errnos = make([]uint32, n)
	m.Stats = make([]Stat, n)
	for i := 0; i < n && d.err == nil; i++ {
		m.Errnos[i] = d.Uint32()
		if m.Errnos[i] == 0 {
			m.Stats[i].Decode(d)
		}
	}
}

// Encode implements Message.
func (m *StatResp) Encode(e *Encoder) { m.Stat.Encode(e) }

// Decode implements Message.
func (m *StatResp) Decode(d *Decoder) { m.Stat.Decode(d) }

// Encode implements Message.
func (m *StatfsResp) Encode(e *Encoder) { m.Statfs.Encode(e) }

// Decode implements Message.
func (m *StatfsResp) Decode(d *Decoder) { m.Statfs.Decode(d) }

// Encode implements Message.
func (*EmptyResp) Encode(*Encoder) {}

// Decode implements Message.
func (*EmptyResp) Decode(*Decoder) {}

// NewResponse returns an empty response body for op, or nil if op is
// unknown.
func NewResponse(op Op) Message {
	switch op {
	case OpAttach, OpCreate, OpMkdir, OpMknod, OpSymlink, OpLink:
		return &NodeResp{}
	case OpWalk:
		return &WalkResp{}
	case OpReadlink:
		return &ReadlinkResp{}
	case OpGetdents:
		return &GetdentsResp{}
	case OpStat:
		return &StatResp{}
	case OpStatAt:
		return &StatAtResp{}
	case OpStatfs:
		return &StatfsResp{}
	case OpOpen, OpUnlink, OpRename, OpSetStat, OpClunk:
		return &EmptyResp{}
	}
	return nil
}

// ---- Framing ----

// EncodeRequest returns the packet for request m of type op.
func EncodeRequest(op Op, m Message) []byte {
	e := &Encoder{buf: make([]byte, 0, 64)}
	e.Uint32(uint32(op))
	m.Encode(e)
	return e.Bytes()
}

// DecodeRequest decodes a request packet. On error it still returns the op
// if the packet was long enough to carry one, so that the server can echo
// it in its error response.
func DecodeRequest(pkt []byte) (Op, Message, error) {
	if len(pkt) > MaxMessageSize {
		return 0, nil, fmt.Errorf("%w: request of %d bytes exceeds %d", ErrMalformed, len(pkt), MaxMessageSize)
	}
	d := NewDecoder(pkt)
	op := Op(d.Uint32())
	if err := d.Err(); err != nil {
		return 0, nil, err
	}
	m := NewRequest(op)
	if m == nil {
		return op, nil, fmt.Errorf("%w: unknown op %d", ErrMalformed, uint32(op))
	}
	m.Decode(d)
	if err := d.Finish(); err != nil {
		return op, nil, fmt.Errorf("%v request: %w", op, err)
	}
	return op, m, nil
}

// EncodeResponse returns the packet answering a request of type op. If
// errno is non-zero, m is ignored and may be nil.
func EncodeResponse(op Op, errno uint32, m Message) []byte {
	e := &Encoder{buf: make([]byte, 0, 64)}
	e.Uint32(uint32(op))
	e.Uint32(errno)
	if errno == 0 {
		m.Encode(e)
	}
	return e.Bytes()
}

// DecodeResponse decodes pkt, the response to a request of type op, into
// m. It returns the response's errno; m is filled only when that is 0. A
// response that names another op (other than 0 with an errno, which the
// server sends when it could not read the request's op) is an error.
func DecodeResponse(pkt []byte, op Op, m Message) (uint32, error) {
	if len(pkt) > MaxMessageSize {
		return 0, fmt.Errorf("%w: response of %d bytes exceeds %d", ErrMalformed, len(pkt), MaxMessageSize)
	}
	d := NewDecoder(pkt)
	got := Op(d.Uint32())
	errno := d.Uint32()
	if err := d.Err(); err != nil {
		return 0, err
	}
	if got != op && !(got == 0 && errno != 0) {
		return 0, fmt.Errorf("%w: response for %v to a %v request", ErrMalformed, got, op)
	}
	if errno != 0 {
		if err := d.Finish(); err != nil {
			return 0, err
		}
		return errno, nil
	}
	m.Decode(d)
	if err := d.Finish(); err != nil {
		return 0, fmt.Errorf("%v response: %w", op, err)
	}
	return 0, nil
}
