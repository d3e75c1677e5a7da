package gofer_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/gofer"
	"github.com/moat-dev/moat/gofer/client"
	"github.com/moat-dev/moat/gofer/proto"
)

// TestExtraMounts serves a file and a directory outside the root as
// extra trees, as the sources of Docker's /etc/hosts and of a volume.
func TestExtraMounts(t *testing.T) {
	root := tree(t)
	outside := t.TempDir()
	hosts := filepath.Join(outside, "hosts")
	if err := os.WriteFile(hosts, []byte("127.0.0.1 localhost\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	vol := filepath.Join(outside, "vol")
	if err := os.Mkdir(vol, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(vol, "data"), []byte("volume"), 0o644); err != nil {
		t.Fatal(err)
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- gofer.Serve(fds[0], root, false, gofer.WithoutChroot(),
			gofer.WithMounts([]string{hosts, vol, filepath.Join(outside, "missing")}))
		unix.Close(fds[0])
	}()
	defer func() {
		unix.Close(fds[1])
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Serve did not return")
		}
	}()
	c := client.New(fds[1])

	// The file: read, then truncated and rewritten through a new open.
	fid, st, err := c.AttachRoot(1)
	if err != nil {
		t.Fatalf("AttachRoot(1): %v", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG || st.Size != 20 {
		t.Fatalf("file root stat: mode %o size %d", st.Mode, st.Size)
	}
	fd, err := c.Open(fid, unix.O_RDONLY)
	if err != nil {
		t.Fatalf("open file root: %v", err)
	}
	buf := make([]byte, 64)
	n, err := unix.Pread(fd, buf, 0)
	unix.Close(fd)
	if err != nil || string(buf[:n]) != "127.0.0.1 localhost\n" {
		t.Fatalf("read file root: %q %v", buf[:n], err)
	}
	fd, err = c.Open(fid, unix.O_WRONLY|unix.O_TRUNC)
	if err != nil {
		t.Fatalf("open file root for writing: %v", err)
	}
	if _, err := unix.Pwrite(fd, []byte("new\n"), 0); err != nil {
		t.Fatal(err)
	}
	unix.Close(fd)
	if b, _ := os.ReadFile(hosts); string(b) != "new\n" {
		t.Fatalf("host file after write: %q", b)
	}
	// Metadata changes of the file root (touch, chmod, truncate).
	if err := c.SetStat(fid, client.SetStatArgs{Mask: proto.SetStatMtime | proto.SetStatMode | proto.SetStatSize,
		Mtime: proto.Timespec{Sec: 1234567890}, Mode: 0o600, Size: 2}); err != nil {
		t.Fatalf("SetStat of a file root: %v", err)
	}
	var hst unix.Stat_t
	if err := unix.Stat(hosts, &hst); err != nil || hst.Mtim.Sec != 1234567890 || hst.Mode&0o7777 != 0o600 || hst.Size != 2 {
		t.Fatalf("host file after SetStat: mtime %d mode %o size %d %v", hst.Mtim.Sec, hst.Mode&0o7777, hst.Size, err)
	}

	// The directory: walked like the root.
	dir, _, err := c.AttachRoot(2)
	if err != nil {
		t.Fatalf("AttachRoot(2): %v", err)
	}
	fids, _, err := c.Walk(dir, []string{"data"})
	if err != nil || len(fids) != 1 {
		t.Fatalf("walk in directory root: %v", err)
	}
	if _, _, err := c.Walk(dir, []string{".."}); err != unix.EINVAL {
		t.Fatalf("walk to .. of a directory root: %v, want EINVAL", err)
	}

	// A source that could not be opened, and one that does not exist.
	if _, _, err := c.AttachRoot(3); err != unix.ENOENT {
		t.Fatalf("AttachRoot of a missing source: %v, want ENOENT", err)
	}
	if _, _, err := c.AttachRoot(4); err != unix.ENOENT {
		t.Fatalf("AttachRoot(4) of 3 mounts: %v, want ENOENT", err)
	}
}

// TestExtraMountReadonly checks that a read-only server opens a file
// root only for reading.
func TestExtraMountReadonly(t *testing.T) {
	root := tree(t)
	f := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- gofer.Serve(fds[0], root, true, gofer.WithoutChroot(), gofer.WithMounts([]string{f})) }()
	defer func() { unix.Close(fds[1]); <-done; unix.Close(fds[0]) }()
	c := client.New(fds[1])
	fid, _, err := c.AttachRoot(1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Open(fid, unix.O_RDWR); err != unix.EROFS {
		t.Fatalf("open for writing: %v, want EROFS", err)
	}
	fd, err := c.Open(fid, unix.O_RDONLY)
	if err != nil {
		t.Fatalf("open for reading: %v", err)
	}
	unix.Close(fd)
}
