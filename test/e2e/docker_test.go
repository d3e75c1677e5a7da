package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// dockerEnv is a containerd and a dockerd of the test's own, with their
// own sockets and directories, so that they leave any other daemon (and
// /etc/docker/daemon.json) alone. Docker runs with no iptables, bridge
// or forwarding changes, as the contract asks.
type dockerEnv struct {
	t          *testing.T
	dir        string // sockets and state
	ctrSock    string
	dockerSock string
	procs      []*exec.Cmd
}

// ensureDocker installs docker.io and busybox-static if they are missing,
// or skips the test saying why it cannot.
func ensureDocker(t *testing.T) {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("Docker tests need root")
	}
	missing := func() bool {
		for _, b := range []string{"dockerd", "containerd", "docker", "ctr", "busybox"} {
			if _, err := exec.LookPath(b); err != nil {
				return true
			}
		}
		return false
	}
	if !missing() {
		return
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		t.Skip("Docker is not installed and there is no apt-get to install it")
	}
	t.Log("installing docker.io and busybox-static")
	if out, err := exec.Command("apt-get", "update").CombinedOutput(); err != nil {
		t.Skipf("cannot install Docker: apt-get update: %v\n%s", err, out)
	}
	cmd := exec.Command("apt-get", "install", "-y", "--no-install-recommends", "docker.io", "busybox-static")
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("cannot install Docker: %v\n%s", err, out)
	}
	if missing() {
		t.Skip("Docker is still missing after apt-get install")
	}
}

func startDocker(t *testing.T) *dockerEnv {
	t.Helper()
	ensureDocker(t)
	dir, err := os.MkdirTemp("/run", "moat-docker-")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.MkdirTemp("/var/lib", "moat-docker-")
	if err != nil {
		t.Fatal(err)
	}
	d := &dockerEnv{t: t, dir: dir, ctrSock: filepath.Join(dir, "containerd.sock"), dockerSock: filepath.Join(dir, "docker.sock")}
	t.Cleanup(func() {
		d.stop()
		// Whatever the daemons left mounted under their directories.
		exec.Command("sh", "-c", "grep -o ' "+data+"[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l").Run()
		exec.Command("sh", "-c", "grep -o ' "+dir+"[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l").Run()
		os.RemoveAll(data)
		os.RemoveAll(dir)
	})
	daemonJSON := filepath.Join(dir, "daemon.json")
	if r := run(t, nil, "install", "--config-file", daemonJSON, "--runtime", "moat"); r.code != 0 {
		t.Fatalf("runsc install: %s", r.stderr)
	}
	ctrConf := filepath.Join(dir, "containerd.toml")
	os.WriteFile(ctrConf, []byte(fmt.Sprintf("version = 2\nroot = %q\nstate = %q\n[grpc]\n  address = %q\n[ttrpc]\n  address = %q\n",
		filepath.Join(data, "containerd"), filepath.Join(dir, "containerd"), d.ctrSock, d.ctrSock+".ttrpc")), 0o644)
	d.daemon("containerd", "--config", ctrConf)
	d.waitFor("containerd", func() bool { _, err := os.Stat(d.ctrSock); return err == nil })
	d.daemon("dockerd", "--containerd", d.ctrSock, "--host", "unix://"+d.dockerSock,
		"--data-root", filepath.Join(data, "docker"), "--exec-root", filepath.Join(dir, "docker"),
		"--pidfile", filepath.Join(dir, "docker.pid"), "--config-file", daemonJSON,
		"--iptables=false", "--ip6tables=false", "--bridge=none", "--ip-forward=false", "--ip-masq=false")
	d.waitFor("dockerd", func() bool { return exec.Command("docker", "-H", "unix://"+d.dockerSock, "info").Run() == nil })
	if out := d.mustDocker("info", "--format", "{{json .Runtimes}}"); !strings.Contains(out, "moat") {
		t.Fatalf("dockerd does not list the moat runtime: %s", out)
	}
	d.importBusybox()
	return d
}

// daemon starts a daemon of the test's, logging to the test's directory.
func (d *dockerEnv) daemon(name string, args ...string) {
	d.t.Helper()
	log, err := os.Create(filepath.Join(d.dir, name+".log"))
	if err != nil {
		d.t.Fatal(err)
	}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		d.t.Skipf("cannot start %s: %v", name, err)
	}
	log.Close()
	d.procs = append(d.procs, cmd)
}

func (d *dockerEnv) waitFor(name string, ready func() bool) {
	d.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !ready() {
		if time.Now().After(deadline) {
			logs, _ := os.ReadFile(filepath.Join(d.dir, name+".log"))
			d.t.Fatalf("%s did not start:\n%s", name, tail(string(logs), 3000))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// stop removes the containers and stops the daemons the test started,
// by PID, dockerd first.
func (d *dockerEnv) stop() {
	if len(d.procs) == 0 {
		return
	}
	if out, err := exec.Command("docker", "-H", "unix://"+d.dockerSock, "ps", "-aq").Output(); err == nil {
		if ids := strings.Fields(string(out)); len(ids) > 0 {
			exec.Command("docker", append([]string{"-H", "unix://" + d.dockerSock, "rm", "-f"}, ids...)...).Run()
		}
	}
	for i := len(d.procs) - 1; i >= 0; i-- {
		p := d.procs[i]
		p.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { p.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			p.Process.Kill()
			<-done
		}
	}
	d.procs = nil
}

func (d *dockerEnv) docker(args ...string) (string, int) {
	d.t.Helper()
	cmd := exec.Command("docker", append([]string{"-H", "unix://" + d.dockerSock}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		d.t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(90 * time.Second):
		cmd.Process.Kill()
		<-done
		d.t.Fatalf("docker %q did not finish; output:\n%s", args, out.String())
	}
	return out.String(), cmd.ProcessState.ExitCode()
}

func (d *dockerEnv) mustDocker(args ...string) string {
	d.t.Helper()
	out, code := d.docker(args...)
	if code != 0 {
		d.t.Fatalf("docker %q: status %d\n%s", args, code, out)
	}
	return out
}

// importBusybox makes the image local/busybox:1 from the host's static
// busybox.
func (d *dockerEnv) importBusybox() {
	d.t.Helper()
	bb, _ := exec.LookPath("busybox")
	root := hostDir(d.t)
	for _, dir := range []string{"bin", "proc", "sys", "dev", "etc", "tmp"} {
		os.MkdirAll(filepath.Join(root, dir), 0o755)
	}
	data, err := os.ReadFile(bb)
	if err != nil {
		d.t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "bin", "busybox"), data, 0o755)
	if out, err := exec.Command("chroot", root, "/bin/busybox", "--install", "-s", "/bin").CombinedOutput(); err != nil {
		d.t.Fatalf("busybox --install: %v %s", err, out)
	}
	cmd := exec.Command("sh", "-c", fmt.Sprintf("tar -C %s -c . | docker -H unix://%s import -c 'CMD [\"/bin/sh\"]' - local/busybox:1", root, d.dockerSock))
	if out, err := cmd.CombinedOutput(); err != nil {
		d.t.Fatalf("docker import: %v %s", err, out)
	}
}

func TestDocker(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	d := startDocker(t)
	runArgs := func(args ...string) []string {
		return append([]string{"run", "--rm", "--runtime=moat", "--network=none"}, args...)
	}

	t.Run("echo", func(t *testing.T) {
		if out := d.mustDocker(runArgs("local/busybox:1", "echo", "hi")...); out != "hi\n" {
			t.Fatalf("%q", out)
		}
	})
	t.Run("uname", func(t *testing.T) {
		if out := d.mustDocker(runArgs("local/busybox:1", "uname", "-r")...); !strings.Contains(out, "moat") {
			t.Fatalf("uname -r printed %q, not the sentry's release", out)
		}
	})
	t.Run("exit code", func(t *testing.T) {
		if out, code := d.docker(runArgs("local/busybox:1", "sh", "-c", "exit 3")...); code != 3 {
			t.Fatalf("status %d: %s", code, out)
		}
	})
	t.Run("tty", func(t *testing.T) {
		if out := d.mustDocker(runArgs("-t", "local/busybox:1", "tty")...); !strings.Contains(out, "/dev/pts/") {
			t.Fatalf("docker run -t: %q", out)
		}
	})
	t.Run("flags", func(t *testing.T) {
		out := d.mustDocker(runArgs("-w", "/tmp", "-e", "FOO=bar", "--user", "1000:1000", "local/busybox:1", "sh", "-c", "pwd; echo $FOO; id -u; id -g")...)
		if out != "/tmp\nbar\n1000\n1000\n" {
			t.Fatalf("-w -e --user: %q", out)
		}
		out, _ = d.docker(runArgs("--read-only", "local/busybox:1", "sh", "-c", "touch /x && echo wrote")...)
		if strings.Contains(out, "wrote") || !strings.Contains(out, "Read-only") {
			t.Fatalf("--read-only: %q", out)
		}
	})
	t.Run("lifecycle", func(t *testing.T) {
		id := strings.TrimSpace(d.mustDocker("run", "-d", "--runtime=moat", "--network=none", "--memory", "256m", "--pids-limit", "50", "local/busybox:1", "sleep", "1000"))
		if out := d.mustDocker("exec", id, "echo", "from exec"); out != "from exec\n" {
			t.Errorf("docker exec: %q", out)
		}
		if _, code := d.docker("exec", id, "sh", "-c", "exit 4"); code != 4 {
			t.Errorf("docker exec status %d, want 4", code)
		}
		if out := d.mustDocker("top", id); !strings.Contains(out, "PID") {
			t.Errorf("docker top: %q", out)
		}
		for _, f := range []struct{ ctrl, file, want string }{
			{"memory", "memory.limit_in_bytes", "268435456"},
			{"pids", "pids.max", "50"},
		} {
			b, err := os.ReadFile(filepath.Join("/sys/fs/cgroup", f.ctrl, "docker", id, f.file))
			if err != nil {
				b, err = os.ReadFile(filepath.Join("/sys/fs/cgroup", "docker", id, strings.Replace(f.file, "limit_in_bytes", "max", 1)))
			}
			if err != nil || strings.TrimSpace(string(b)) != f.want {
				t.Errorf("cgroup %s: %q %v, want %s", f.file, b, err, f.want)
			}
		}
		d.mustDocker("pause", id)
		if st := strings.TrimSpace(d.mustDocker("inspect", "-f", "{{.State.Status}}", id)); st != "paused" {
			t.Errorf("after pause: %s", st)
		}
		d.mustDocker("unpause", id)
		if out := d.mustDocker("exec", id, "echo", "alive"); out != "alive\n" {
			t.Errorf("exec after unpause: %q", out)
		}
		d.mustDocker("kill", id)
		if code := strings.TrimSpace(d.mustDocker("wait", id)); code != "137" {
			t.Errorf("docker kill: exit %s, want 137", code)
		}
		d.mustDocker("rm", id)

		id = strings.TrimSpace(d.mustDocker("run", "-d", "--runtime=moat", "--network=none", "local/busybox:1", "sh", "-c", "trap 'exit 5' TERM; echo ready; while true; do /bin/busybox sleep 0.1; done"))
		// The signal must not come before the trap is set. (sleep runs
		// as a separate process: busybox sh's in-process sleep applet
		// does not yet see the trap under the sentry.)
		deadline := time.Now().Add(30 * time.Second)
		for out, _ := d.docker("logs", id); !strings.Contains(out, "ready"); out, _ = d.docker("logs", id) {
			if time.Now().After(deadline) {
				t.Fatalf("the container never got ready: %q", out)
			}
			time.Sleep(100 * time.Millisecond)
		}
		d.mustDocker("stop", "-t", "10", id)
		if code := strings.TrimSpace(d.mustDocker("inspect", "-f", "{{.State.ExitCode}}", id)); code != "5" {
			t.Errorf("docker stop: exit %s, want 5", code)
		}
		d.mustDocker("rm", id)
	})
	t.Run("capabilities", func(t *testing.T) {
		capEff := func(args ...string) string {
			out := d.mustDocker(runArgs(append(args, "local/busybox:1", "grep", "CapEff", "/proc/self/status")...)...)
			return strings.TrimSpace(strings.TrimPrefix(out, "CapEff:"))
		}
		// Docker's default set; with CAP_SYS_ADMIN (21) added; none.
		for _, c := range []struct {
			args []string
			want string
		}{
			{nil, "00000000a80425fb"},
			{[]string{"--cap-add=SYS_ADMIN"}, "00000000a82425fb"},
			{[]string{"--cap-drop=ALL"}, "0000000000000000"},
			{[]string{"--user=1000"}, "0000000000000000"},
		} {
			if got := capEff(c.args...); got != c.want {
				t.Errorf("%q: CapEff %s, want %s", c.args, got, c.want)
			}
		}
		if out := d.mustDocker(runArgs("local/busybox:1", "sh", "-c", "chown 5 /tmp && echo chowned")...); out != "chowned\n" {
			t.Errorf("chown with the default capabilities: %q", out)
		}
		// --privileged: every capability Docker knows, no seccomp.
		out := d.mustDocker(runArgs("--privileged", "local/busybox:1", "grep", "-E", "^(CapEff|Seccomp):", "/proc/self/status")...)
		var eff uint64
		if _, err := fmt.Sscanf(out, "CapEff:\t%x\nSeccomp:\t0\n", &eff); err != nil || eff&(1<<21|1<<0|1<<12) != 1<<21|1<<0|1<<12 {
			t.Errorf("--privileged: %q %v", out, err)
		}
		out, code := d.docker(runArgs("--cap-drop=ALL", "local/busybox:1", "chown", "5", "/tmp")...)
		if code == 0 || !strings.Contains(out, "Operation not permitted") {
			t.Errorf("chown with --cap-drop=ALL: status %d %q", code, out)
		}
		out, code = d.docker(runArgs("--cap-drop=CHOWN", "local/busybox:1", "chown", "5", "/tmp")...)
		if code == 0 || !strings.Contains(out, "Operation not permitted") {
			t.Errorf("chown with --cap-drop=CHOWN: status %d %q", code, out)
		}
	})
	t.Run("no-new-privileges", func(t *testing.T) {
		if out := d.mustDocker(runArgs("local/busybox:1", "grep", "NoNewPrivs", "/proc/self/status")...); out != "NoNewPrivs:\t0\n" {
			t.Errorf("default: %q", out)
		}
		if out := d.mustDocker(runArgs("--security-opt", "no-new-privileges", "local/busybox:1", "grep", "NoNewPrivs", "/proc/self/status")...); out != "NoNewPrivs:\t1\n" {
			t.Errorf("--security-opt no-new-privileges: %q", out)
		}
		id := strings.TrimSpace(d.mustDocker("run", "-d", "--runtime=moat", "--network=none", "--security-opt", "no-new-privileges", "local/busybox:1", "sleep", "1000"))
		defer d.docker("rm", "-f", id)
		if out := d.mustDocker("exec", id, "grep", "NoNewPrivs", "/proc/self/status"); out != "NoNewPrivs:\t1\n" {
			t.Errorf("docker exec: %q", out)
		}
	})
	t.Run("seccomp", func(t *testing.T) {
		// Docker's default profile is in force (and busybox runs
		// under it in every other test); unconfined turns it off.
		if out := d.mustDocker(runArgs("local/busybox:1", "grep", "^Seccomp:", "/proc/self/status")...); out != "Seccomp:\t2\n" {
			t.Errorf("default profile: %q", out)
		}
		if out := d.mustDocker(runArgs("--security-opt", "seccomp=unconfined", "local/busybox:1", "grep", "^Seccomp:", "/proc/self/status")...); out != "Seccomp:\t0\n" {
			t.Errorf("seccomp=unconfined: %q", out)
		}
		prof := filepath.Join(hostDir(t), "profile.json")
		os.WriteFile(prof, []byte(`{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],`+
			`"syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":13},`+
			`{"names":["getppid"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":0,"op":"SCMP_CMP_EQ"}]}]}`), 0o644)
		out, code := d.docker(runArgs("--security-opt", "seccomp="+prof, "local/busybox:1", "sh", "-c", "mkdir /tmp/d; echo status=$?")...)
		if code != 0 || !strings.Contains(out, "Permission denied") || !strings.Contains(out, "status=1") {
			t.Errorf("a profile failing mkdir with EACCES: status %d %q", code, out)
		}
		id := strings.TrimSpace(d.mustDocker("run", "-d", "--runtime=moat", "--network=none", "--security-opt", "seccomp="+prof, "local/busybox:1", "sleep", "1000"))
		defer d.docker("rm", "-f", id)
		if out, _ := d.docker("exec", id, "mkdir", "/tmp/e"); !strings.Contains(out, "Permission denied") {
			t.Errorf("docker exec under the profile: %q", out)
		}
	})
	t.Run("masked and read-only paths", func(t *testing.T) {
		// Docker makes /proc/sys (among others) read-only and masks
		// /proc/kcore and others, unless systempaths=unconfined.
		mi := "grep ' /proc/sys ' /proc/self/mountinfo; cat /proc/kcore 2>/dev/null | wc -c"
		out := d.mustDocker(runArgs("local/busybox:1", "sh", "-c", mi)...)
		if !strings.Contains(out, " /proc/sys ro") || !strings.HasSuffix(out, "\n0\n") {
			t.Errorf("default: %q", out)
		}
		out = d.mustDocker(runArgs("--security-opt", "systempaths=unconfined", "local/busybox:1", "sh", "-c", mi)...)
		if strings.Contains(out, "/proc/sys") {
			t.Errorf("systempaths=unconfined: %q", out)
		}
	})
	t.Run("oom-score-adj", func(t *testing.T) {
		id := strings.TrimSpace(d.mustDocker("run", "-d", "--runtime=moat", "--network=none", "--oom-score-adj", "321", "local/busybox:1", "sleep", "1000"))
		defer d.docker("rm", "-f", id)
		if out := d.mustDocker("exec", id, "cat", "/proc/1/oom_score_adj"); out != "321\n" {
			t.Errorf("inside: %q", out)
		}
		pid := strings.TrimSpace(d.mustDocker("inspect", "-f", "{{.State.Pid}}", id))
		if b, err := os.ReadFile("/proc/" + pid + "/oom_score_adj"); err != nil || string(b) != "321\n" {
			t.Errorf("host process %s: %q %v", pid, b, err)
		}
	})
	t.Run("etc files and volumes", func(t *testing.T) {
		vol := hostDir(t)
		os.WriteFile(filepath.Join(vol, "in"), []byte("from host\n"), 0o644)
		out := d.mustDocker(runArgs("--hostname", "moathost", "--add-host", "db.example:10.9.8.7", "-v", vol+":/data",
			"local/busybox:1", "sh", "-c", "cat /etc/hostname /etc/hosts /data/in; echo from container > /data/out; echo '10.0.0.9 added' >> /etc/hosts && touch /etc/hosts && tail -n1 /etc/hosts")...)
		for _, want := range []string{"moathost\n", "127.0.0.1\tlocalhost\n", "10.9.8.7\tdb.example\n", "from host\n", "10.0.0.9 added\n"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if b, _ := os.ReadFile(filepath.Join(vol, "out")); string(b) != "from container\n" {
			t.Errorf("the volume on the host has %q", b)
		}
		// The mount point is made before the root becomes read-only.
		if out, _ := d.docker(runArgs("--read-only", "-v", vol+":/data:ro", "local/busybox:1", "sh", "-c", "cat /data/in; touch /data/x 2>&1")...); !strings.Contains(out, "from host") || !strings.Contains(out, "Read-only") {
			t.Errorf("read-only volume: %q", out)
		}
	})
	t.Run("ctr", func(t *testing.T) {
		tar := filepath.Join(hostDir(t), "b.tar")
		d.mustDocker("save", "local/busybox:1", "-o", tar)
		ctr := func(args ...string) (string, error) {
			out, err := exec.Command("ctr", append([]string{"-a", d.ctrSock, "-n", "moat-test"}, args...)...).CombinedOutput()
			return string(out), err
		}
		if out, err := ctr("images", "import", tar); err != nil {
			t.Fatalf("ctr import: %v %s", err, out)
		}
		out, err := ctr("run", "--rm", "--runc-binary", runsc(t), "docker.io/local/busybox:1", "moat-c1", "echo", "hi")
		if err != nil || out != "hi\n" {
			t.Fatalf("ctr run: %v %q", err, out)
		}
	})
}
