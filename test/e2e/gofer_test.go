package e2e

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/gofer/client"
)

// startGofer runs `runsc gofer` over root and returns a client for it and
// a function that closes the socket and returns the gofer's exit code.
func startGofer(t *testing.T, root string, readonly bool) (*client.Client, *exec.Cmd, func() int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	goferEnd := os.NewFile(uintptr(fds[0]), "gofer")
	args := []string{"gofer", "--root", root, "--io-fd", "3"}
	if readonly {
		args = append(args, "--readonly")
	}
	cmd := exec.Command(runsc(t), args...)
	cmd.ExtraFiles = []*os.File{goferEnd}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	goferEnd.Close()
	var stopped bool
	stop := func() int {
		if stopped {
			return -1
		}
		stopped = true
		unix.Close(fds[1])
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Errorf("gofer did not exit after its socket closed")
		}
		return cmd.ProcessState.ExitCode()
	}
	t.Cleanup(func() { stop() })
	return client.New(fds[1]), cmd, stop
}

func TestGoferProcess(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc", "hostname"), []byte("sandbox\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// An absolute symlink: the gofer never follows it, so it cannot escape.
	if err := os.Symlink("/etc", filepath.Join(root, "escape")); err != nil {
		t.Fatal(err)
	}

	c, cmd, stop := startGofer(t, root, true)
	rootFID, st, err := c.Attach()
	if err != nil {
		t.Fatalf("Attach: %v", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		t.Errorf("root mode %o", st.Mode)
	}
	fids, _, err := c.Walk(rootFID, []string{"etc", "hostname"})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	fd, err := c.Open(fids[1], unix.O_RDONLY)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	buf := make([]byte, 64)
	n, _ := unix.Pread(fd, buf, 0)
	unix.Close(fd)
	if string(buf[:n]) != "sandbox\n" {
		t.Errorf("read %q", buf[:n])
	}
	if _, _, err := c.Walk(rootFID, []string{"escape", "passwd"}); !errors.Is(err, unix.ENOTDIR) {
		t.Errorf("walk through a symlink: %v, want ENOTDIR", err)
	}
	if target, err := c.Readlink(fids[0]); !errors.Is(err, unix.EINVAL) {
		t.Errorf("Readlink(dir) = %q, %v", target, err)
	}
	if _, _, err := c.Mkdir(rootFID, "new", 0o755, client.NoID, client.NoID); !errors.Is(err, unix.EROFS) {
		t.Errorf("Mkdir on a read-only gofer: %v, want EROFS", err)
	}

	if os.Getuid() == 0 {
		// The gofer runs in a mount namespace of its own.
		mine, err1 := os.Readlink("/proc/self/ns/mnt")
		theirs, err2 := os.Readlink(filepath.Join("/proc", itoa(cmd.Process.Pid), "ns", "mnt"))
		if err1 != nil || err2 != nil {
			t.Logf("cannot read mount namespaces: %v %v", err1, err2)
		} else if mine == theirs {
			// Only the serving thread is moved; look at every thread.
			tasks, _ := os.ReadDir(filepath.Join("/proc", itoa(cmd.Process.Pid), "task"))
			var moved bool
			for _, task := range tasks {
				ns, err := os.Readlink(filepath.Join("/proc", itoa(cmd.Process.Pid), "task", task.Name(), "ns", "mnt"))
				if err == nil && ns != mine {
					moved = true
				}
			}
			if !moved {
				t.Errorf("gofer shares our mount namespace %s", mine)
			}
		}
	}
	if os.Getuid() == 0 {
		// The serving thread is chrooted into root.
		tasks, _ := os.ReadDir(filepath.Join("/proc", itoa(cmd.Process.Pid), "task"))
		var chrooted bool
		for _, task := range tasks {
			r, err := os.Readlink(filepath.Join("/proc", itoa(cmd.Process.Pid), "task", task.Name(), "root"))
			if err == nil && r == root {
				chrooted = true
			}
		}
		if !chrooted {
			t.Errorf("no gofer thread is chrooted into %s", root)
		}
	}
	if code := stop(); code != 0 {
		t.Errorf("gofer exited %d after its socket closed, want 0", code)
	}
}

func TestGoferReadWrite(t *testing.T) {
	root := t.TempDir()
	c, _, stop := startGofer(t, root, false)
	rootFID, _, err := c.Attach()
	if err != nil {
		t.Fatal(err)
	}
	_, st, fd, err := c.Create(rootFID, "f", unix.O_WRONLY, 0o640, uint32(os.Getuid()), uint32(os.Getgid()))
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	unix.Pwrite(fd, []byte("data"), 0)
	unix.Close(fd)
	if st.Mode != unix.S_IFREG|0o640 {
		t.Errorf("mode %o, want 0640 (the gofer's umask must not apply)", st.Mode)
	}
	if b, err := os.ReadFile(filepath.Join(root, "f")); err != nil || string(b) != "data" {
		t.Errorf("host file: %q, %v", b, err)
	}
	if code := stop(); code != 0 {
		t.Errorf("gofer exited %d", code)
	}
}

// runsc do starts a gofer and a sentry (`runsc boot`): each logs to its own
// --debug-log file. What the sentry then does is up to boot.Run.
func TestDoStartsGoferAndBoot(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("runsc do needs root")
	}
	dir := t.TempDir()
	r := run(t, nil, "--debug-log", filepath.Join(dir, "%COMMAND%.log"), "do", "/bin/true")
	for _, name := range []string{"do", "gofer", "boot"} {
		if _, err := os.Stat(filepath.Join(dir, name+".log")); err != nil {
			t.Errorf("runsc do (exit %d, stderr %q): no %s log: %v", r.code, r.stderr, name, err)
		}
	}
	do, _ := os.ReadFile(filepath.Join(dir, "do.log"))
	if !strings.Contains(string(do), "sentry exited") {
		t.Errorf("do log lacks the sentry's exit:\n%s", do)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestGoferFDsBounded reads more host files than the gofer may hold FDs
// (RLIMIT_NOFILE 1024 for runsc and so for the gofer): through the rootfs
// overlay and through a --volume. The gofer holds a host FD for each FID,
// and the sentry must let go of the FIDs of files it no longer uses, or
// every open past the limit fails with EMFILE.
func TestGoferFDsBounded(t *testing.T) {
	dir := hostScratch(t)
	const n = 3000
	for i := range n {
		if err := os.WriteFile(filepath.Join(dir, "f"+strconv.Itoa(i)), []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		args []string
		path string
	}{
		{"overlay", nil, dir},
		{"volume", []string{"--volume", dir + ":/mnt:ro"}, "/mnt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Each name read twice, the second time after the first
			// pass pushed it out of the dentry cache.
			script := `n=0; for p in 1 2; do for f in "$0"/f*; do read x < "$f" && n=$((n+1)); done; done; echo "read $n"`
			args := append([]string{"-c", `ulimit -Sn 1024 && ulimit -Hn 1024 && exec "$@"`, "sh", runsc(t), "do"}, tc.args...)
			args = append(args, "sh", "-c", script, tc.path)
			cmd := exec.Command("sh", args...)
			out, err := cmd.CombinedOutput()
			if want := "read " + strconv.Itoa(2*n) + "\n"; err != nil || string(out) != want {
				t.Fatalf("%v; output %q, want %q", err, tail(string(out), 500), want)
			}
		})
	}
}
