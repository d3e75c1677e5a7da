package client

import (
	"errors"
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/gofer/proto"
)

// fake starts a fake server that answers each request on its socket with the next of replies:
// a packet, and an FD to attach (or -1).
type reply struct {
	pkt []byte
	fd  int
}

func fake(t *testing.T, replies ...reply) *Client {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer unix.Close(fds[0])
		buf := make([]byte, proto.MaxMessageSize)
		for _, r := range replies {
			if _, fds, err := proto.Recv(fds[0], buf); err != nil {
				return
			} else {
				proto.CloseAll(fds)
			}
			if err := proto.Send(fds[0], r.pkt, r.fd); err != nil {
				t.Errorf("fake server: %v", err)
				return
			}
		}
		// Hold the socket open until the client closes its end.
		for {
			if _, fds, err := proto.Recv(fds[0], buf); err != nil {
				return
			} else {
				proto.CloseAll(fds)
			}
		}
	}()
	t.Cleanup(func() {
		unix.Close(fds[1])
		<-done
	})
	return New(fds[1])
}

// openFDs counts this process's open FDs.
func openFDs(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

func TestMalformedResponses(t *testing.T) {
	stat := proto.EncodeResponse(proto.OpStat, 0, &proto.StatResp{})
	for _, tc := range []struct {
		name string
		r    reply
		call func(c *Client) error
	}{
		{"truncated", reply{stat[:20], -1}, func(c *Client) error { _, err := c.Stat(1); return err }},
		{"wrong op", reply{proto.EncodeResponse(proto.OpClunk, 0, &proto.EmptyResp{}), -1}, func(c *Client) error { _, err := c.Stat(1); return err }},
		{"errno out of range", reply{proto.EncodeResponse(proto.OpStat, 5000, nil), -1}, func(c *Client) error { _, err := c.Stat(1); return err }},
		{"open without fd", reply{proto.EncodeResponse(proto.OpOpen, 0, &proto.EmptyResp{}), -1}, func(c *Client) error { _, err := c.Open(1, 0); return err }},
		{"walk too long", reply{proto.EncodeResponse(proto.OpWalk, 0, &proto.WalkResp{FIDs: []FID{2, 3}, Stats: make([]Stat, 2)}), -1},
			func(c *Client) error { _, _, err := c.Walk(1, []string{"a"}); return err }},
		{"walk too short", reply{proto.EncodeResponse(proto.OpWalk, 0, &proto.WalkResp{FIDs: []FID{2}, Stats: make([]Stat, 1)}), -1},
			func(c *Client) error { _, _, err := c.Walk(1, []string{"a", "b"}); return err }},
		{"attach fid 0", reply{append(append(proto.EncodeResponse(proto.OpAttach, 0, &proto.EmptyResp{}), make([]byte, 8)...), proto.EncodeResponse(proto.OpStat, 0, &proto.StatResp{})[8:]...), -1},
			func(c *Client) error { _, _, err := c.Attach(); return err }},
		{"empty packet", reply{[]byte{}, -1}, func(c *Client) error { _, err := c.Stat(1); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := fake(t, tc.r)
			err := tc.call(c)
			if !errors.Is(err, proto.ErrMalformed) {
				t.Errorf("err = %v, want ErrMalformed", err)
			}
			if IsErrno(err) {
				t.Errorf("err %v looks like a server errno", err)
			}
		})
	}
}

func TestUnexpectedFDsClosed(t *testing.T) {
	f, err := os.Open("/dev/null")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	before := openFDs(t)
	c := fake(t,
		reply{proto.EncodeResponse(proto.OpStat, 0, &proto.StatResp{}), int(f.Fd())},
		reply{proto.EncodeResponse(proto.OpOpen, uint32(unix.EACCES), nil), int(f.Fd())},
		reply{proto.EncodeResponse(proto.OpOpen, 0, &proto.EmptyResp{}), int(f.Fd())},
	)
	if _, err := c.Stat(1); err != nil {
		t.Errorf("Stat: %v", err)
	}
	if _, err := c.Open(1, 0); !errors.Is(err, unix.EACCES) {
		t.Errorf("Open: %v, want EACCES", err)
	}
	fd, err := c.Open(1, 0)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	unix.Close(fd)
	// The client's socket (and the fake's) are open now: 2 more.
	if after := openFDs(t); after != before+2 {
		t.Errorf("%d FDs open after, %d before: unexpected FDs leaked", after, before)
	}
}

func TestErrno(t *testing.T) {
	c := fake(t, reply{proto.EncodeResponse(proto.OpStat, uint32(unix.ENOENT), nil), -1},
		reply{proto.EncodeResponse(proto.OpWalk, 0, &proto.WalkResp{FIDs: []FID{7}, Stats: make([]Stat, 1), Errno: uint32(unix.ENOTDIR)}), -1})
	if _, err := c.Stat(1); err != unix.ENOENT {
		t.Errorf("Stat: %v, want ENOENT", err)
	}
	fids, stats, err := c.Walk(1, []string{"a", "b"})
	if err != unix.ENOTDIR || len(fids) != 1 || fids[0] != 7 || len(stats) != 1 {
		t.Errorf("Walk = %v, %v, %v; want [7], ENOTDIR", fids, stats, err)
	}
}

// TestGoferOutOfFDs: the gofer's EMFILE reaches the application as
// ENFILE, whether a call or a walk's step reports it.
func TestGoferOutOfFDs(t *testing.T) {
	c := fake(t, reply{proto.EncodeResponse(proto.OpOpen, uint32(unix.EMFILE), nil), -1},
		reply{proto.EncodeResponse(proto.OpWalk, 0, &proto.WalkResp{Errno: uint32(unix.EMFILE)}), -1},
		reply{proto.EncodeResponse(proto.OpStat, uint32(unix.EACCES), nil), -1})
	if _, err := c.Open(1, unix.O_RDONLY); err != unix.ENFILE {
		t.Errorf("Open: %v, want ENFILE", err)
	}
	if _, _, err := c.Walk(1, []string{"a"}); err != unix.ENFILE {
		t.Errorf("Walk: %v, want ENFILE", err)
	}
	if _, err := c.Stat(1); err != unix.EACCES {
		t.Errorf("Stat: %v, want EACCES", err)
	}
}

func TestClosedSocket(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[1])
	unix.Close(fds[0])
	if _, err := New(fds[1]).Stat(1); err == nil {
		t.Error("Stat on a closed socket succeeded")
	}
}
