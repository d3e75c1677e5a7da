package e2e

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestOCISecurity checks the parts of the spec the sentry applies to the
// container's processes: capabilities, noNewPrivileges, seccomp,
// masked and read-only paths, oomScoreAdj and bind mounts of host files
// outside the rootfs; each for init and for an exec'd process.
func TestOCISecurity(t *testing.T) {
	e := newOCIEnv(t)
	subreaper(t)
	rootfs := filepath.Join(e.bundle, "rootfs")
	for _, d := range []string{"etc/secret", "etc/ro", "data"} {
		os.MkdirAll(filepath.Join(rootfs, d), 0o755)
	}
	os.WriteFile(filepath.Join(rootfs, "etc/secret/key"), []byte("s3cret"), 0o644)
	os.WriteFile(filepath.Join(rootfs, "etc/token"), []byte("t0ken"), 0o644)
	hosts := filepath.Join(e.dir, "hosts")
	os.WriteFile(hosts, []byte("10.1.2.3 moat-test-host\n"), 0o644)
	vol := filepath.Join(e.dir, "vol")
	os.Mkdir(vol, 0o755)
	os.WriteFile(filepath.Join(vol, "in"), []byte("from host"), 0o644)

	caps := []string{"CAP_KILL", "CAP_SETUID"} // no CAP_CHOWN
	adj := 345
	errno := uint(13)
	spec := func(args ...string) *specs.Spec {
		s := e.spec(args...)
		s.Process.Capabilities = &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps}
		s.Process.NoNewPrivileges = true
		s.Process.OOMScoreAdj = &adj
		s.Mounts = append(s.Mounts,
			specs.Mount{Destination: "/etc/hosts", Type: "bind", Source: hosts, Options: []string{"rbind", "rprivate"}},
			specs.Mount{Destination: "/vol", Type: "bind", Source: vol, Options: []string{"rbind"}})
		s.Linux.MaskedPaths = []string{"/etc/secret", "/etc/token", "/does/not/exist"}
		s.Linux.ReadonlyPaths = []string{"/etc/ro"}
		s.Linux.Seccomp = &specs.LinuxSeccomp{
			DefaultAction: specs.ActAllow,
			Architectures: []specs.Arch{specs.ArchX86_64},
			Syscalls: []specs.LinuxSyscall{
				{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: &errno},
				{Names: []string{"no_such_syscall"}, Action: specs.ActErrno},
			},
		}
		return s
	}
	e.writeSpec(spec("/bin/ocitool", "sleep", "100"))
	e.mustRunsc("create", "--bundle", e.bundle, "sec")
	e.mustRunsc("start", "sec")
	defer e.runsc(nil, "delete", "--force", "sec")

	// The same checks in an exec'd process and, through run, in init.
	check := func(t *testing.T, runIt func(args ...string) string) {
		t.Helper()
		status := runIt("/bin/ocitool", "read", "/proc/self/status")
		for _, want := range []string{"CapEff:\t00000000000000a0", "CapBnd:\t00000000000000a0", "NoNewPrivs:\t1", "Seccomp:\t2"} {
			if !strings.Contains(status, want+"\n") {
				t.Errorf("/proc/self/status lacks %q:\n%s", want, status)
			}
		}
		if out := runIt("/bin/ocitool", "chown", "/tmp", "5"); out != "Operation not permitted\n" {
			t.Errorf("chown without CAP_CHOWN: %q", out)
		}
		if out := runIt("/bin/ocitool", "mkdir", "/tmp/d"); out != "Permission denied\n" {
			t.Errorf("mkdir under a profile returning EACCES: %q", out)
		}
		if out := runIt("/bin/ocitool", "read", "/proc/self/oom_score_adj"); out != "345\n" {
			t.Errorf("oom_score_adj: %q", out)
		}
		if out := runIt("/bin/ocitool", "read", "/etc/token"); out != "" {
			t.Errorf("masked file read %q, want nothing", out)
		}
		if out := runIt("/bin/ocitool", "read", "/etc/secret/key"); out != "No such file or directory\n" {
			t.Errorf("file in a masked directory: %q", out)
		}
		if out := runIt("/bin/ocitool", "write", "/etc/secret/new", "x"); out != "Read-only file system\n" {
			t.Errorf("write in a masked directory: %q", out)
		}
		if out := runIt("/bin/ocitool", "write", "/etc/ro/x", "x"); out != "Read-only file system\n" {
			t.Errorf("write in a read-only path: %q", out)
		}
		if out := runIt("/bin/ocitool", "read", "/etc/hosts"); out != "10.1.2.3 moat-test-host\n" {
			t.Errorf("bind-mounted host file: %q", out)
		}
		if out := runIt("/bin/ocitool", "read", "/vol/in"); out != "from host" {
			t.Errorf("bind-mounted host directory: %q", out)
		}
	}
	t.Run("exec", func(t *testing.T) {
		check(t, func(args ...string) string {
			return e.runsc(nil, append([]string{"exec", "sec"}, args...)...).stdout
		})
		// runsc exec --cap adds a capability, as runc's does.
		if out := e.runsc(nil, "exec", "--cap", "CAP_CHOWN", "sec", "/bin/ocitool", "chown", "/tmp", "5").stdout; out != "ok\n" {
			t.Errorf("chown after exec --cap CAP_CHOWN: %q", out)
		}
		if r := e.runsc(nil, "exec", "--cap", "CAP_BOGUS", "sec", "/bin/ocitool", "echo"); r.code == 0 || !strings.Contains(r.stderr, `unknown capability "CAP_BOGUS"`) {
			t.Errorf("exec --cap CAP_BOGUS: %d %q", r.code, r.stderr)
		}
		// Writes through a bind mount reach the host.
		if out := e.runsc(nil, "exec", "sec", "/bin/ocitool", "write", "/vol/out", "from sandbox").stdout; out != "ok\n" {
			t.Fatalf("write to the bind-mounted directory: %q", out)
		}
		if b, _ := os.ReadFile(filepath.Join(vol, "out")); string(b) != "from sandbox" {
			t.Errorf("host sees %q", b)
		}
		// And through a bind-mounted file, opened with O_TRUNC.
		if out := e.runsc(nil, "exec", "sec", "/bin/ocitool", "write", "/etc/hosts", "10.3.2.1 changed\n").stdout; out != "ok\n" {
			t.Fatalf("write to the bind-mounted file: %q", out)
		}
		if b, _ := os.ReadFile(hosts); string(b) != "10.3.2.1 changed\n" {
			t.Errorf("host file has %q", b)
		}
		os.WriteFile(hosts, []byte("10.1.2.3 moat-test-host\n"), 0o644)
	})
	t.Run("host oom_score_adj", func(t *testing.T) {
		pid := e.state("sec").Pid
		if b, err := os.ReadFile(filepath.Join("/proc", itoa(pid), "oom_score_adj")); err != nil || string(b) != "345\n" {
			t.Errorf("sandbox process %d oom_score_adj %q %v, want 345", pid, b, err)
		}
	})
	t.Run("ambient", func(t *testing.T) {
		// A non-root user keeps exactly its ambient capabilities.
		amb := []string{"CAP_CHOWN", "CAP_NET_BIND_SERVICE"}
		s := e.spec("/bin/ocitool", "read", "/proc/self/status")
		s.Process.User = specs.User{UID: 1000, GID: 1000}
		s.Process.Capabilities = &specs.LinuxCapabilities{Bounding: append(amb, caps...), Effective: amb, Permitted: amb, Inheritable: amb, Ambient: amb}
		e.writeSpec(s)
		out := e.runsc(nil, "run", "--bundle", e.bundle, "amb").stdout
		for _, want := range []string{"CapEff:\t0000000000000401", "CapAmb:\t0000000000000401", "CapBnd:\t00000000000004a1"} {
			if !strings.Contains(out, want+"\n") {
				t.Errorf("status lacks %q:\n%s", want, out)
			}
		}
		s.Process.Args = []string{"/bin/ocitool", "chown", "/tmp", "5"}
		e.writeSpec(s)
		if out := e.runsc(nil, "run", "--bundle", e.bundle, "amb").stdout; out != "ok\n" {
			t.Errorf("chown with an ambient CAP_CHOWN: %q", out)
		}
	})
	t.Run("init", func(t *testing.T) {
		i := 0
		check(t, func(args ...string) string {
			i++
			id := "secrun" + itoa(i)
			e.writeSpec(spec(args...))
			r := e.runsc(nil, "run", "--bundle", e.bundle, id)
			if r.stdout == "" && (r.code != 0 || r.stderr != "") {
				// Say why, rather than fail on an empty string.
				return fmt.Sprintf("(run exit %d, stderr %q)", r.code, r.stderr)
			}
			return r.stdout
		})
	})
}

// TestOCIExecTTYNoLeak checks that the sandbox keeps no host FD of an
// exec'd process's terminal once the process is reaped (it kept two per
// `exec -t`).
func TestOCIExecTTYNoLeak(t *testing.T) {
	e := newOCIEnv(t)
	subreaper(t)
	e.writeSpec(e.spec("/bin/ocitool", "sleep", "100"))
	e.mustRunsc("create", "--bundle", e.bundle, "leak")
	e.mustRunsc("start", "leak")
	defer e.runsc(nil, "delete", "--force", "leak")
	execTTY := func(i int) {
		t.Helper()
		sock := filepath.Join(e.dir, "console"+itoa(i)+".sock")
		got := consoleSocket(t, sock)
		pidFile := filepath.Join(e.dir, "exec"+itoa(i)+".pid")
		e.mustRunsc("exec", "-t", "--console-socket", sock, "--detach", "--pid-file", pidFile, "leak", "/bin/ocitool", "echo", "hi")
		var master *os.File
		select {
		case master = <-got:
		case <-time.After(10 * time.Second):
		}
		if master == nil {
			t.Fatal("no terminal master came over the console socket")
		}
		defer master.Close()
		if line, err := bufio.NewReader(master).ReadString('\n'); strings.TrimSpace(line) != "hi" {
			t.Fatalf("exec -t output %q %v", line, err)
		}
		if code := reap(t, readPid(t, pidFile)); code != 0 {
			t.Fatalf("exec waiter exited %d", code)
		}
	}
	fds := func() int {
		ents, err := os.ReadDir(filepath.Join("/proc", itoa(e.state("leak").Pid), "fd"))
		if err != nil {
			t.Fatal(err)
		}
		return len(ents)
	}
	execTTY(0)
	before := fds()
	for i := 1; i <= 5; i++ {
		execTTY(i)
	}
	// The terminal is released when the waiter has reaped the process.
	var after int
	for try := 0; try < 50; try++ {
		if after = fds(); after <= before {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if after > before {
		t.Fatalf("the sandbox holds %d host FDs after 5 more exec -t, %d before", after, before)
	}
}
