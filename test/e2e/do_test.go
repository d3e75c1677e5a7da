package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// nativeRun runs a command on the host for comparison.
func nativeRun(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Run()
	return result{code: cmd.ProcessState.ExitCode(), stdout: out.String(), stderr: errb.String()}
}

// hostDir returns a fresh directory that the sandbox also sees: not under
// /tmp, which is the sandbox's own tmpfs.
func hostDir(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp(wd, ".build-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// buildTestPrograms compiles the static C program and the Go program
// that the sandbox must run.
func buildTestPrograms(t *testing.T) (staticC, goProg string) {
	t.Helper()
	dir := hostDir(t)
	staticC = filepath.Join(dir, "static")
	if out, err := exec.Command("gcc", "-static", "-O1", "-o", staticC, "testdata/static.c").CombinedOutput(); err != nil {
		t.Fatalf("gcc -static: %v\n%s", err, out)
	}
	goProg = filepath.Join(dir, "gohello")
	cmd := exec.Command("go", "build", "-o", goProg, "testdata/gohello.go")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return staticC, goProg
}

// TestDoMatchesNative runs programs under `runsc do` and checks that
// they print exactly what they print natively, with the same status.
func TestDoMatchesNative(t *testing.T) {
	staticC, goProg := buildTestPrograms(t)
	for _, args := range [][]string{
		{"/bin/echo", "hello"},
		{"/bin/ls", "-la", "/usr"},
		{"/bin/cat", "/etc/os-release"},
		{"/bin/sh", "-c", "sha256sum /usr/bin/gcc-12"},
		{"/bin/sh", "-c", "ls -la /usr | wc -l"},
		{"/usr/bin/python3", "-c", "print(6*7)"},
		{"/usr/bin/perl", "-e", "print 6*7"},
		{"/bin/sh", "-c", "exit 3"},
		{"/bin/sh", "-c", "echo out; echo err >&2; exit 7"},
		{"/bin/bash", "-c", "x=$(echo sub); trap 'echo trapped' USR1; kill -USR1 $$; echo $x"},
		{staticC},
		{goProg},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			want := nativeRun(t, args...)
			got := run(t, nil, append([]string{"--platform=ptrace", "do"}, args...)...)
			if got.code != want.code || got.stdout != want.stdout || got.stderr != want.stderr {
				t.Errorf("sandbox: exit %d\nstdout %q\nstderr %q\nnative: exit %d\nstdout %q\nstderr %q",
					got.code, got.stdout, got.stderr, want.code, want.stdout, want.stderr)
			}
		})
	}
}

// TestDoExitStatus checks the statuses runsc do reports for programs
// that die or cannot start.
func TestDoExitStatus(t *testing.T) {
	dir := hostDir(t)
	segv := filepath.Join(dir, "segv")
	src := filepath.Join(dir, "segv.c")
	os.WriteFile(src, []byte("int main(void){ *(volatile int *)0 = 1; return 0; }\n"), 0o644)
	if out, err := exec.Command("gcc", "-o", segv, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{segv}, 139, ""},
		{[]string{"/bin/sh", "-c", "kill -TERM $$"}, 143, ""},
		{[]string{"/no/such"}, 127, "runsc: exec /no/such: no such file or directory\n"},
		{[]string{"/etc/passwd"}, 126, "runsc: exec /etc/passwd: permission denied\n"},
		{[]string{"no-such-command-anywhere"}, 127, "runsc: exec no-such-command-anywhere: no such file or directory\n"},
	} {
		r := run(t, nil, append([]string{"do"}, tc.args...)...)
		if r.code != tc.code || r.stderr != tc.stderr {
			t.Errorf("runsc do %q: exit %d, stderr %q; want %d, %q", tc.args, r.code, r.stderr, tc.code, tc.stderr)
		}
	}
}

// TestUname checks that the sentry reports its own release.
func TestUname(t *testing.T) {
	r := run(t, nil, "do", "/bin/uname", "-r")
	host := nativeRun(t, "/bin/uname", "-r")
	if r.code != 0 || r.stdout != "6.6.0-moat\n" || r.stdout == host.stdout {
		t.Errorf("uname -r in the sandbox: exit %d, %q (host %q)", r.code, r.stdout, host.stdout)
	}
}

// TestStrace checks that --strace shows decoded calls and results.
func TestStrace(t *testing.T) {
	r := run(t, nil, "--strace", "do", "/bin/true")
	for _, want := range []string{`openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3`, "exit_group(0)"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("--strace output lacks %q:\n%s", want, r.stderr)
		}
	}
}
