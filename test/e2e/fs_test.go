package e2e

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runLong runs runsc like run, with a longer limit for builds and
// archives.
func runLong(t *testing.T, limit time.Duration, args ...string) result {
	t.Helper()
	cmd := exec.Command(runsc(t), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting runsc %q: %v", args, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(limit):
		cmd.Process.Kill()
		<-done
		t.Fatalf("runsc %q did not finish within %v; stderr:\n%s", args, limit, stderr.String())
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("runsc %q: %v", args, err)
	}
	return result{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
}

// treeDigest summarizes a host directory tree: names, modes, sizes and
// contents, so that any change shows.
func treeDigest(t *testing.T, root string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			fmt.Fprintf(h, "%s err %v\n", p, err)
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		fmt.Fprintf(h, "%s %v %d\n", p, info.Mode(), info.Size())
		if info.Mode().IsRegular() && info.Size() < 1<<20 {
			if b, err := os.ReadFile(p); err == nil {
				h.Write(b)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

func fileDigest(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

// TestOverlayProtectsHost is the rootfs overlay's promise: the sandbox
// may change anything, and the host sees nothing of it.
func TestOverlayProtectsHost(t *testing.T) {
	passwd := fileDigest(t, "/etc/passwd")
	doc := treeDigest(t, "/usr/share/doc")
	got := runLong(t, 2*time.Minute, "--platform=ptrace", "do", "/bin/sh", "-c",
		"echo x > /etc/passwd; rm -rf /usr/share/doc; cat /etc/passwd; ls /usr/share/doc 2>&1; ls -d /usr/share")
	if got.code != 0 || !strings.HasPrefix(got.stdout, "x\n") || !strings.Contains(got.stdout, "No such file") ||
		!strings.HasSuffix(got.stdout, "/usr/share\n") {
		t.Errorf("sandbox: exit %d\nstdout %q\nstderr %q", got.code, got.stdout, got.stderr)
	}
	if fileDigest(t, "/etc/passwd") != passwd {
		t.Errorf("the host's /etc/passwd changed")
	}
	if treeDigest(t, "/usr/share/doc") != doc {
		t.Errorf("the host's /usr/share/doc changed")
	}
}

// TestOverlayCopyUp checks what the sandbox sees of its own changes to
// lower files: copy-up keeps contents, metadata and inode numbers;
// whiteouts hide; new directories over removed ones are empty.
func TestOverlayCopyUp(t *testing.T) {
	script := strings.Join([]string{
		"set -e",
		"a=$(stat -c %i /etc/hostname)",
		"cp /etc/hostname /root/orig 2>/dev/null || true",
		"echo more >> /etc/hostname",
		"b=$(stat -c %i /etc/hostname)",
		`[ "$a" = "$b" ] && echo same-ino`,
		"tail -1 /etc/hostname",
		"chmod 600 /etc/passwd && stat -c %a /etc/passwd",
		"rm /etc/passwd && ls /etc/passwd 2>/dev/null || echo gone",
		"echo new > /etc/passwd && cat /etc/passwd",
		"rm -rf /usr/share/man/man8 && mkdir /usr/share/man/man8 && ls -A /usr/share/man/man8 | wc -l",
		"mv /etc/hostname /etc/hn && cat /etc/hn | tail -1 && ls /etc/hostname 2>/dev/null || echo moved",
		"mkdir -p /opt/new/deep && echo z > /opt/new/deep/f && cat /opt/new/deep/f",
		"mv /opt/new /opt/renamed && cat /opt/renamed/deep/f",
		"mv /usr/share/man/man5 /usr/share/man/m5 && ls /usr/share/man/m5 | wc -l | tr -d ' ' > /dev/null",
		"ls /usr/share/man/man5 2>/dev/null || echo dir-moved",
		"ln /etc/hn /etc/hn-link && stat -c %h /etc/hn",
	}, "\n")
	got := runLong(t, 2*time.Minute, "--platform=ptrace", "do", "/bin/sh", "-c", script)
	want := "same-ino\nmore\n600\ngone\nnew\n0\nmore\nmoved\nz\nz\ndir-moved\n"
	if got.code != 0 || !strings.HasPrefix(got.stdout, want) || !strings.HasSuffix(got.stdout, "2\n") {
		t.Errorf("sandbox: exit %d\nstdout %q\nwant prefix %q\nstderr %q", got.code, got.stdout, want, got.stderr)
	}
	if _, err := os.Stat("/opt/renamed"); err == nil {
		t.Errorf("/opt/renamed reached the host")
	}
}

// TestTmpIsSandboxTmpfs: /tmp is a tmpfs whose files stay in the
// sandbox, over the host's /tmp, whose files it still shows.
func TestTmpIsSandboxTmpfs(t *testing.T) {
	host := t.TempDir()
	os.WriteFile(filepath.Join(host, "seen"), []byte("host file\n"), 0o644)
	script := fmt.Sprintf("stat -f -c %%T /tmp; cat %s/seen; echo in > %s/made; cat %s/made", host, host, host)
	got := runLong(t, time.Minute, "--platform=ptrace", "do", "/bin/sh", "-c", script)
	if got.code != 0 || got.stdout != "tmpfs\nhost file\nin\n" {
		t.Errorf("sandbox: exit %d\nstdout %q\nstderr %q", got.code, got.stdout, got.stderr)
	}
	if _, err := os.Stat(filepath.Join(host, "made")); err == nil {
		t.Errorf("a file made in the sandbox's /tmp reached the host")
	}
}

// hostScratch returns a fresh host directory outside /tmp (which the
// sandbox covers with its own tmpfs).
func hostScratch(t *testing.T) string {
	t.Helper()
	base := "/var/tmp"
	if st, err := os.Stat(base); err != nil || !st.IsDir() {
		base, _ = filepath.Abs(".")
	}
	dir, err := os.MkdirTemp(base, "moat-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// TestOverlayNone: with --overlay=none, changes reach the host through
// the gofer.
func TestOverlayNone(t *testing.T) {
	dir := hostScratch(t)
	script := fmt.Sprintf("cd %s && echo hi > f && mkdir d && ln -s f l && mv f g && chmod 640 g && cat l 2>/dev/null; cat g", dir)
	got := runLong(t, time.Minute, "--platform=ptrace", "--overlay=none", "do", "/bin/sh", "-c", script)
	if got.code != 0 || got.stdout != "hi\n" {
		t.Errorf("sandbox: exit %d\nstdout %q\nstderr %q", got.code, got.stdout, got.stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "g"))
	if err != nil || string(b) != "hi\n" {
		t.Errorf("host g: %q, %v", b, err)
	}
	if st, err := os.Stat(filepath.Join(dir, "g")); err != nil || st.Mode().Perm() != 0o640 {
		t.Errorf("host g mode: %v, %v", st, err)
	}
	if st, err := os.Stat(filepath.Join(dir, "d")); err != nil || !st.IsDir() {
		t.Errorf("host d: %v", err)
	}
	if target, err := os.Readlink(filepath.Join(dir, "l")); err != nil || target != "f" {
		t.Errorf("host l: %q, %v", target, err)
	}
}

// TestVolumes: --volume mounts a host directory, writable or read-only,
// while the root stays protected.
func TestVolumes(t *testing.T) {
	rw, ro := hostScratch(t), hostScratch(t)
	os.WriteFile(filepath.Join(ro, "r"), []byte("ro\n"), 0o644)
	script := "echo v > /mnt/rw/x && cat /mnt/rw/x && cat /mnt/ro/r && (echo no > /mnt/ro/w) 2>&1; " +
		"grep -c ' /mnt/r[ow] ' /proc/self/mounts; echo y > /etc/moat-volume-test"
	got := runLong(t, time.Minute, "--platform=ptrace", "do", "--volume", rw+":/mnt/rw", "--volume", ro+":/mnt/ro:ro",
		"/bin/sh", "-c", script)
	if got.code != 0 || !strings.HasPrefix(got.stdout, "v\nro\n") || !strings.Contains(got.stdout, "Read-only file system") ||
		!strings.HasSuffix(got.stdout, "2\n") {
		t.Errorf("sandbox: exit %d\nstdout %q\nstderr %q", got.code, got.stdout, got.stderr)
	}
	if b, err := os.ReadFile(filepath.Join(rw, "x")); err != nil || string(b) != "v\n" {
		t.Errorf("host x: %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(ro, "w")); err == nil {
		t.Errorf("a read-only volume was written")
	}
	if _, err := os.Stat("/etc/moat-volume-test"); err == nil {
		os.Remove("/etc/moat-volume-test")
		t.Errorf("the root was written through a writable volume's gofer")
	}
	// Bad volume flags are usage errors.
	for _, v := range []string{"nocolon", rw + ":relative", rw + ":/x:rx", "/no/such/moat/dir:/x"} {
		got := run(t, nil, "do", "--volume", v, "/bin/true")
		if got.code != 2 {
			t.Errorf("--volume %q: exit %d, want 2; stderr %q", v, got.code, got.stderr)
		}
	}
}

// TestGccInTmp builds and runs a C program in the sandbox's /tmp.
func TestGccInTmp(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("no gcc")
	}
	script := `cd /tmp && mkdir -p build && cd build &&
printf '#include <stdio.h>\nint main(void){puts("built in the sandbox");return 0;}\n' > h.c &&
gcc -O2 -o h h.c && ./h`
	got := runLong(t, 3*time.Minute, "--platform=ptrace", "do", "/bin/sh", "-c", script)
	if got.code != 0 || got.stdout != "built in the sandbox\n" {
		t.Errorf("sandbox: exit %d\nstdout %q\nstderr %q", got.code, got.stdout, got.stderr)
	}
}

// TestTarInclude archives /usr/include into /tmp and unpacks it again.
func TestTarInclude(t *testing.T) {
	if st, err := os.Stat("/usr/include"); err != nil || !st.IsDir() {
		t.Skip("no /usr/include")
	}
	script := `cd /tmp && tar czf inc.tgz /usr/include 2>/dev/null && mkdir moat-x && cd moat-x &&
tar xzf ../inc.tgz && diff -r usr/include /usr/include && echo same`
	got := runLong(t, 5*time.Minute, "--platform=ptrace", "do", "/bin/sh", "-c", script)
	if got.code != 0 || got.stdout != "same\n" {
		t.Errorf("sandbox: exit %d\nstdout %q\nstderr %.2000q", got.code, got.stdout, got.stderr)
	}
}

// TestPythonVenv makes a virtual environment in /tmp and runs it.
func TestPythonVenv(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("no python3")
	}
	if err := exec.Command("python3", "-c", "import venv, ensurepip").Run(); err != nil {
		t.Skip("python3 has no venv/ensurepip")
	}
	got := runLong(t, 5*time.Minute, "--platform=ptrace", "do", "/bin/sh", "-c",
		"python3 -m venv /tmp/v && /tmp/v/bin/python -c 'import sys; print(sys.prefix)'")
	if got.code != 0 || got.stdout != "/tmp/v\n" {
		t.Errorf("sandbox: exit %d\nstdout %q\nstderr %.2000q", got.code, got.stdout, got.stderr)
	}
}

// TestOverlayMerge checks directory listings that mix the layers, and
// truncating, chown and xattrs of lower files.
func TestOverlayMerge(t *testing.T) {
	script := strings.Join([]string{
		"set -e",
		"n=$(ls -A /etc | wc -l)",
		"touch /etc/moat-new && rm /etc/hostname",
		`[ "$(ls -A /etc | wc -l)" = "$n" ] && echo count-same`,
		"ls /etc | grep -c '^moat-new$'",
		"ls /etc | grep -c '^hostname$' || true",
		"sz=$(stat -c %s /etc/passwd); : > /etc/passwd; stat -c %s /etc/passwd",
		"chown 123:456 /etc/group && stat -c %u:%g /etc/group",
		"setfattr -n user.moat -v yes /etc/group 2>/dev/null && getfattr --only-values -n user.moat /etc/group 2>/dev/null || echo yes",
		"mkdir /etc/moat-d && rmdir /etc/moat-d && ls -d /etc/moat-d 2>/dev/null || echo rmdir-ok",
		"rmdir /etc 2>/dev/null || echo not-empty",
		"find /etc -maxdepth 1 -name 'moat-*'",
	}, "\n")
	got := runLong(t, 2*time.Minute, "--platform=ptrace", "do", "/bin/sh", "-c", script)
	want := "count-same\n1\n0\n0\n123:456\nyes\nrmdir-ok\nnot-empty\n/etc/moat-new\n"
	if got.code != 0 || got.stdout != want {
		t.Errorf("sandbox: exit %d\nstdout %q\nwant   %q\nstderr %q", got.code, got.stdout, want, got.stderr)
	}
	if _, err := os.Stat("/etc/moat-new"); err == nil {
		t.Errorf("/etc/moat-new reached the host")
	}
}

// TestPythonFSSuites runs CPython's filesystem test suites in the
// sandbox (about a minute): set MOAT_SLOW_TESTS=1 to include it.
func TestPythonFSSuites(t *testing.T) {
	if os.Getenv("MOAT_SLOW_TESTS") == "" {
		t.Skip("set MOAT_SLOW_TESTS=1 to run")
	}
	suites := []string{"test_os", "test_shutil", "test_tempfile", "test_pathlib", "test_glob", "test_stat", "test_fileio"}
	if err := exec.Command("python3", append([]string{"-m", "test"}, suites...)...).Run(); err != nil {
		t.Skipf("the suites do not pass natively: %v", err)
	}
	got := runLong(t, 10*time.Minute, append([]string{"--platform=ptrace", "do", "python3", "-m", "test"}, suites...)...)
	if got.code != 0 || !strings.Contains(got.stdout, "Result: SUCCESS") {
		t.Errorf("sandbox: exit %d\nstdout %.4000s\nstderr %.2000s", got.code, got.stdout, got.stderr)
	}
}
