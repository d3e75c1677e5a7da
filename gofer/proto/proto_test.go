package proto

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

var sampleStat = Stat{
	Dev: 1, Ino: 2, Nlink: 3, Mode: 0o100644, UID: 4, GID: 5, Rdev: 6, Size: 7, Blksize: 4096, Blocks: 8,
	Atime: Timespec{9, 10}, Mtime: Timespec{11, 12}, Ctime: Timespec{-13, 999999999},
}

// sampleRequests has one request of every op.
func sampleRequests() map[Op]Message {
	return map[Op]Message{
		OpAttach:   &AttachReq{},
		OpWalk:     &WalkReq{Dir: 1, Names: []string{"usr", "bin", "x"}},
		OpOpen:     &OpenReq{FID: 2, Flags: 0o2},
		OpCreate:   &CreateReq{Dir: 3, Name: "f", Flags: 1, Mode: 0o644, UID: 1000, GID: NoID},
		OpMkdir:    &MkdirReq{Dir: 3, Name: "d", Mode: 0o755, UID: 1, GID: 2},
		OpMknod:    &MknodReq{Dir: 3, Name: "p", Mode: 0o10644, Dev: 0x0103, UID: 1, GID: 2},
		OpSymlink:  &SymlinkReq{Dir: 3, Name: "l", Target: "../a/b", UID: 1, GID: 2},
		OpLink:     &LinkReq{Dir: 3, Name: "h", Target: 9},
		OpReadlink: &FIDReq{FID: 4},
		OpUnlink:   &UnlinkReq{Dir: 3, Name: "x", Flags: 0x200},
		OpRename:   &RenameReq{OldDir: 3, OldName: "a", NewDir: 5, NewName: "b"},
		OpGetdents: &GetdentsReq{FID: 6, Offset: 100},
		OpStat:     &FIDReq{FID: 7},
		OpSetStat:  &SetStatReq{FID: 8, Mask: SetStatMode | SetStatAtime, Mode: 0o600, Atime: Timespec{1, 1<<30 - 1}},
		OpStatfs:   &FIDReq{FID: 9},
		OpClunk:    &FIDReq{FID: 10},
		OpStatAt:   &StatAtReq{Dir: 11, Names: []string{"a", "bb"}},
	}
}

// sampleResponses has one successful response of every op.
func sampleResponses() map[Op]Message {
	node := &NodeResp{FID: 11, Stat: sampleStat}
	return map[Op]Message{
		OpAttach:   node,
		OpWalk:     &WalkResp{FIDs: []FID{12, 13}, Stats: []Stat{sampleStat, sampleStat}, Errno: 2},
		OpOpen:     &EmptyResp{},
		OpCreate:   node,
		OpMkdir:    node,
		OpMknod:    node,
		OpSymlink:  node,
		OpLink:     node,
		OpReadlink: &ReadlinkResp{Target: "/etc/passwd"},
		OpUnlink:   &EmptyResp{},
		OpRename:   &EmptyResp{},
		OpGetdents: &GetdentsResp{Entries: []Dirent{{1, 4, "a"}, {2, 8, "bc"}}, More: true},
		OpStat:     &StatResp{Stat: sampleStat},
		OpSetStat:  &EmptyResp{},
		OpStatfs:   &StatfsResp{Statfs: Statfs{Type: 0xef53, Bsize: 4096, Blocks: 1, Bfree: 2, Bavail: 3, Files: 4, Ffree: 5, Fsid: [2]int32{-1, 7}, Namelen: 255, Frsize: 4096, Flags: 32}},
		OpClunk:    &EmptyResp{},
		OpStatAt:   &StatAtResp{Errnos: []uint32{0, 2, 0}, Stats: []Stat{sampleStat, {}, sampleStat}},
	}
}

func TestRoundTrip(t *testing.T) {
	for op := OpAttach; op < opMax; op++ {
		req := sampleRequests()[op]
		pkt := EncodeRequest(op, req)
		gotOp, got, err := DecodeRequest(pkt)
		if err != nil || gotOp != op || !reflect.DeepEqual(got, req) {
			t.Errorf("%v request: got %v %+v, %v; want %+v", op, gotOp, got, err, req)
		}
		resp := sampleResponses()[op]
		pkt = EncodeResponse(op, 0, resp)
		into := NewResponse(op)
		errno, err := DecodeResponse(pkt, op, into)
		if err != nil || errno != 0 || !reflect.DeepEqual(into, resp) {
			t.Errorf("%v response: got %+v, %d, %v; want %+v", op, into, errno, err, resp)
		}
		// Error responses carry no body.
		errno, err = DecodeResponse(EncodeResponse(op, 2, nil), op, NewResponse(op))
		if err != nil || errno != 2 {
			t.Errorf("%v error response: %d, %v", op, errno, err)
		}
	}
	if s := sampleStat; statSize != len(func() []byte { e := &Encoder{}; s.Encode(e); return e.Bytes() }()) {
		t.Errorf("statSize %d is wrong", statSize)
	}
}

func TestDecodeErrors(t *testing.T) {
	walk := EncodeRequest(OpWalk, &WalkReq{Dir: 1, Names: []string{"a"}})
	stat := EncodeResponse(OpStat, 0, &StatResp{Stat: sampleStat})
	for _, tc := range []struct {
		name string
		req  []byte // decoded as a request if non-nil
		resp []byte // else as a response to respOp
		op   Op
	}{
		{name: "empty request", req: []byte{}},
		{name: "short op", req: []byte{1}},
		{name: "unknown op", req: []byte{200, 0, 0, 0}},
		{name: "truncated walk", req: walk[:len(walk)-1]},
		{name: "trailing", req: append(append([]byte{}, walk...), 1)},
		{name: "walk of nothing", req: EncodeRequest(OpWalk, &WalkReq{Dir: 1})},
		{name: "too many names", req: EncodeRequest(OpWalk, &WalkReq{Dir: 1, Names: make([]string, MaxWalkNames+1)})},
		{name: "long name", req: EncodeRequest(OpWalk, &WalkReq{Dir: 1, Names: []string{strings.Repeat("a", MaxNameLen+1)}})},
		{name: "fid zero", req: EncodeRequest(OpStat, &FIDReq{FID: 0})},
		{name: "bad mask", req: EncodeRequest(OpSetStat, &SetStatReq{FID: 1, Mask: 1 << 20})},
		{name: "oversized", req: make([]byte, MaxMessageSize+1)},
		{name: "short response", resp: []byte{1, 0, 0, 0}, op: OpStat},
		{name: "wrong op", resp: EncodeResponse(OpClunk, 0, &EmptyResp{}), op: OpStat},
		{name: "truncated stat", resp: stat[:len(stat)-3], op: OpStat},
		{name: "trailing error", resp: append(EncodeResponse(OpStat, 5, nil), 0), op: OpStat},
		{name: "bad bool", resp: []byte{byte(OpGetdents), 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0}, op: OpGetdents},
		{name: "empty dirent name", resp: EncodeResponse(OpGetdents, 0, &GetdentsResp{Entries: []Dirent{{Ino: 1}}}), op: OpGetdents},
		{name: "more with none", resp: EncodeResponse(OpGetdents, 0, &GetdentsResp{More: true}), op: OpGetdents},
		{name: "walk nothing no error", resp: EncodeResponse(OpWalk, 0, &WalkResp{}), op: OpWalk},
		{name: "walk count lies", resp: []byte{byte(OpWalk), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 200, 0, 0, 0}, op: OpWalk},
		{name: "dirent count lies", resp: []byte{byte(OpGetdents), 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0}, op: OpGetdents},
		{name: "statat of nothing", req: EncodeRequest(OpStatAt, &StatAtReq{Dir: 1})},
		{name: "statat count lies", resp: []byte{byte(OpStatAt), 0, 0, 0, 0, 0, 0, 0, 200, 0, 0, 0}, op: OpStatAt},
		{name: "huge target", resp: []byte{byte(OpReadlink), 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}, op: OpReadlink},
	} {
		var err error
		if tc.req != nil {
			_, _, err = DecodeRequest(tc.req)
		} else {
			_, err = DecodeResponse(tc.resp, tc.op, NewResponse(tc.op))
		}
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", tc.name, err)
		}
	}
	// A server that could not read the op answers with op 0 and an errno.
	if errno, err := DecodeResponse(EncodeResponse(0, 22, nil), OpStat, NewResponse(OpStat)); err != nil || errno != 22 {
		t.Errorf("op-0 error response: %d, %v", errno, err)
	}
}

// FuzzDecode feeds arbitrary bytes to every decoder: none may panic, and
// whatever decodes must re-encode to the same bytes (the encoding is
// canonical).
func FuzzDecode(f *testing.F) {
	for op, m := range sampleRequests() {
		f.Add(EncodeRequest(op, m))
	}
	for op, m := range sampleResponses() {
		f.Add(EncodeResponse(op, 0, m))
		f.Add(EncodeResponse(op, 2, nil))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if op, m, err := DecodeRequest(data); err == nil {
			if again := EncodeRequest(op, m); !bytes.Equal(again, data) {
				t.Errorf("%v request re-encodes to %x, was %x", op, again, data)
			}
		} else if !errors.Is(err, ErrMalformed) {
			t.Errorf("request error %v does not wrap ErrMalformed", err)
		}
		for op := Op(0); op <= opMax; op++ {
			m := NewResponse(op)
			if m == nil {
				m = &EmptyResp{}
			}
			errno, err := DecodeResponse(data, op, m)
			if err != nil {
				if !errors.Is(err, ErrMalformed) {
					t.Errorf("response error %v does not wrap ErrMalformed", err)
				}
				continue
			}
			if errno == 0 {
				if again := EncodeResponse(op, 0, m); !bytes.Equal(again, data) {
					t.Errorf("%v response re-encodes to %x, was %x", op, again, data)
				}
			}
		}
	})
}
