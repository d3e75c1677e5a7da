package seccomp_test

import (
	"github.com/moat-dev/moat/seccomp"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/gofer"
	"github.com/moat-dev/moat/gofer/client"
)

// goferChild serves the directory in MOAT_SECCOMP_ROOT on fd 3 under the
// gofer's filter (without the chroot, which needs privileges; the filter
// is installed once the root is open, as in the real gofer).
func goferChild() int {
	ro := os.Getenv("MOAT_SECCOMP_RO") == "1"
	prog, err := seccomp.GoferFilter(seccomp.GoferOptions{ReadOnly: ro})
	if err == nil {
		err = seccomp.Install(prog)
	}
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		return 3
	}
	if err := gofer.Serve(3, os.Getenv("MOAT_SECCOMP_ROOT"), ro, gofer.WithoutChroot()); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		return 1
	}
	return 0
}

// startGofer serves root in a child process confined by the gofer's
// filter. It returns a client and a function that closes the connection
// and checks that the gofer exited cleanly.
func startGofer(t *testing.T, root string, ro bool) (*client.Client, func()) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts processes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	serverEnd := os.NewFile(uintptr(fds[1]), "gofer")
	cmd := exec.Command(exe, "-test.run=^$")
	roEnv := "0"
	if ro {
		roEnv = "1"
	}
	cmd.Env = append(os.Environ(), "MOAT_SECCOMP_CHILD=gofer-serve", "MOAT_SECCOMP_ROOT="+root, "MOAT_SECCOMP_RO="+roEnv)
	cmd.ExtraFiles = []*os.File{serverEnd}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	serverEnd.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	return client.New(fds[0]), func() {
		t.Helper()
		unix.Close(fds[0])
		select {
		case err = <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Fatal("the gofer did not exit when its socket closed")
		}
		if ee, ok := err.(*exec.ExitError); ok {
			if ws := ee.Sys().(syscall.WaitStatus); ws.Signaled() {
				t.Fatalf("the gofer died of %v (a call outside its filter?)", ws.Signal())
			}
		}
		if err != nil {
			t.Fatalf("gofer: %v", err)
		}
	}
}

// TestGoferUnderFilter runs every gofer operation against a server
// confined by the gofer's filter.
func TestGoferUnderFilter(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "file"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, finish := startGofer(t, root, false)
	defer finish()
	check := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}
	uid, gid := uint32(os.Getuid()), uint32(os.Getgid())
	rootFID, _, err := c.Attach()
	if err != nil {
		t.Fatalf("Attach: %v", err)
	}
	fids, _, err := c.Walk(rootFID, []string{"file"})
	check("Walk", err)
	if len(fids) == 1 {
		fd, err := c.Open(fids[0], unix.O_RDONLY)
		check("Open", err)
		if fd >= 0 {
			b := make([]byte, 5)
			n, _ := unix.Pread(fd, b, 0)
			if string(b[:n]) != "hello" {
				t.Errorf("read %q through the donated FD", b[:n])
			}
			unix.Close(fd)
		}
		fd, err = c.Open(fids[0], unix.O_RDWR|unix.O_TRUNC)
		check("Open O_RDWR|O_TRUNC", err)
		if fd >= 0 {
			unix.Close(fd)
		}
		check("SetStat", c.SetStat(fids[0], client.SetStatArgs{
			Mask: client.SetStatMode | client.SetStatSize | client.SetStatAtime | client.SetStatMtime | client.SetStatUID | client.SetStatGID,
			Mode: 0o600, Size: 2, UID: uid, GID: gid,
			Atime: client.Timespec{Sec: 1}, Mtime: client.Timespec{Sec: 2},
		}))
		_, err = c.Stat(fids[0])
		check("Stat", err)
		_, _, err = c.Link(rootFID, "hard", fids[0])
		check("Link", err)
	}
	nf, _, fd, err := c.Create(rootFID, "new", unix.O_RDWR, 0o640, uid, gid)
	check("Create", err)
	if err == nil {
		unix.Pwrite(fd, []byte("written"), 0)
		unix.Close(fd)
		check("Clunk", c.Clunk(nf))
	}
	dir, _, err := c.Mkdir(rootFID, "dir", 0o755, uid, gid)
	check("Mkdir", err)
	_, _, err = c.Mknod(rootFID, "fifo", unix.S_IFIFO|0o644, 0, uid, gid)
	check("Mknod", err)
	sym, _, err := c.Symlink(rootFID, "sym", "file", uid, gid)
	check("Symlink", err)
	if err == nil {
		target, err := c.Readlink(sym)
		check("Readlink", err)
		if target != "file" {
			t.Errorf("Readlink = %q", target)
		}
		check("SetStat of a symlink's times", c.SetStat(sym, client.SetStatArgs{Mask: client.SetStatMtime, Mtime: client.Timespec{Sec: 3}}))
	}
	check("Rename", c.Rename(rootFID, "new", dir, "moved"))
	ents, err := c.Getdents(rootFID)
	check("Getdents", err)
	if len(ents) < 5 {
		t.Errorf("Getdents: %d entries", len(ents))
	}
	_, err = c.Statfs(rootFID)
	check("Statfs", err)
	check("Unlink", c.Unlink(rootFID, "hard", 0))
	check("Unlink fifo", c.Unlink(rootFID, "fifo", 0))
	check("Unlink moved", c.Unlink(dir, "moved", 0))
	check("Rmdir", c.Unlink(rootFID, "dir", unix.AT_REMOVEDIR))
	// Errors come back as errors, not as a dead gofer.
	if _, _, err := c.Walk(rootFID, []string{"missing"}); err == nil {
		t.Error("Walk of a missing name succeeded")
	}
}

// TestReadOnlyGoferUnderFilter: a --readonly gofer under the read-only
// filter serves reads and refuses changes with EROFS, without dying.
func TestReadOnlyGoferUnderFilter(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "file"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("file", filepath.Join(root, "sym")); err != nil {
		t.Fatal(err)
	}
	c, finish := startGofer(t, root, true)
	defer finish()
	rootFID, _, err := c.Attach()
	if err != nil {
		t.Fatalf("Attach: %v", err)
	}
	fids, _, err := c.Walk(rootFID, []string{"file"})
	if err != nil || len(fids) != 1 {
		t.Fatalf("Walk: %v", err)
	}
	fd, err := c.Open(fids[0], unix.O_RDONLY)
	if err != nil {
		t.Errorf("Open: %v", err)
	} else {
		unix.Close(fd)
	}
	if _, err := c.Getdents(rootFID); err != nil {
		t.Errorf("Getdents: %v", err)
	}
	if _, err := c.Statfs(rootFID); err != nil {
		t.Errorf("Statfs: %v", err)
	}
	if syms, _, err := c.Walk(rootFID, []string{"sym"}); err != nil || len(syms) != 1 {
		t.Errorf("Walk sym: %v", err)
	} else if target, err := c.Readlink(syms[0]); err != nil || target != "file" {
		t.Errorf("Readlink = %q, %v", target, err)
	}
	erofs := func(what string, err error) {
		t.Helper()
		if err != unix.EROFS {
			t.Errorf("%s: %v, want EROFS", what, err)
		}
	}
	_, err = c.Open(fids[0], unix.O_RDWR)
	erofs("Open O_RDWR", err)
	_, _, _, err = c.Create(rootFID, "new", unix.O_RDWR, 0o640, 0, 0)
	erofs("Create", err)
	_, _, err = c.Mkdir(rootFID, "dir", 0o755, 0, 0)
	erofs("Mkdir", err)
	erofs("Unlink", c.Unlink(rootFID, "file", 0))
	erofs("Rename", c.Rename(rootFID, "file", rootFID, "other"))
	erofs("SetStat", c.SetStat(fids[0], client.SetStatArgs{Mask: client.SetStatMode, Mode: 0o600}))
}
