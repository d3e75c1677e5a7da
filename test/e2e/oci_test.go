package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// ociEnv is a state root, a log and a bundle whose rootfs holds the
// static ocitool (testdata/ocitool.c) as /bin/ocitool.
type ociEnv struct {
	t      *testing.T
	root   string
	log    string
	bundle string
	dir    string
}

var (
	ocitoolOnce sync.Once
	ocitoolPath string
	ocitoolErr  error
)

// buildOcitool compiles ocitool once for the package, outside /tmp.
func buildOcitool(t *testing.T) string {
	t.Helper()
	ocitoolOnce.Do(func() {
		wd, err := os.Getwd()
		if err != nil {
			ocitoolErr = err
			return
		}
		dir, err := os.MkdirTemp(wd, ".ocitool-")
		if err != nil {
			ocitoolErr = err
			return
		}
		ocitoolPath = filepath.Join(dir, "ocitool")
		if out, err := exec.Command("gcc", "-static", "-O1", "-o", ocitoolPath, "testdata/ocitool.c").CombinedOutput(); err != nil {
			ocitoolErr = fmt.Errorf("gcc -static: %v\n%s", err, out)
		}
	})
	if ocitoolErr != nil {
		t.Fatal(ocitoolErr)
	}
	return ocitoolPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if ocitoolPath != "" {
		os.RemoveAll(filepath.Dir(ocitoolPath))
	}
	os.Exit(code)
}

func newOCIEnv(t *testing.T) *ociEnv {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("the OCI lifecycle needs root (namespaces)")
	}
	tool := buildOcitool(t)
	dir := hostDir(t)
	e := &ociEnv{t: t, root: filepath.Join(dir, "state"), log: filepath.Join(dir, "log.json"),
		bundle: filepath.Join(dir, "bundle"), dir: dir}
	rootfs := filepath.Join(e.bundle, "rootfs")
	for _, d := range []string{"bin", "proc", "dev", "sys", "tmp"} {
		if err := os.MkdirAll(filepath.Join(rootfs, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(tool)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rootfs, "bin", "ocitool"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Leave nothing running, whatever the test did.
		ids, _ := os.ReadDir(e.root)
		for _, id := range ids {
			e.runsc(nil, "delete", "--force", id.Name())
		}
	})
	return e
}

// spec returns a config for running args.
func (e *ociEnv) spec(args ...string) *specs.Spec {
	return &specs.Spec{
		Version:  "1.0.2",
		Process:  &specs.Process{Args: args, Env: []string{"PATH=/bin", "FOO=bar"}, Cwd: "/"},
		Root:     &specs.Root{Path: "rootfs"},
		Hostname: "ocihost",
		Mounts:   []specs.Mount{{Destination: "/proc", Type: "proc", Source: "proc"}},
		Linux: &specs.Linux{Namespaces: []specs.LinuxNamespace{
			{Type: specs.PIDNamespace}, {Type: specs.MountNamespace}, {Type: specs.IPCNamespace}, {Type: specs.UTSNamespace},
		}},
	}
}

func (e *ociEnv) writeSpec(s *specs.Spec) {
	e.t.Helper()
	data, err := json.Marshal(s)
	if err != nil {
		e.t.Fatal(err)
	}
	e.writeConfig(string(data))
}

func (e *ociEnv) writeConfig(data string) {
	e.t.Helper()
	if err := os.WriteFile(filepath.Join(e.bundle, "config.json"), []byte(data), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

// runsc runs runsc with the env's global flags. Its stdout and stderr
// are files, never pipes: a sandbox that create leaves running holds
// them. The container's output goes to out if not nil, and then
// result.stdout is empty.
func (e *ociEnv) runsc(out *os.File, args ...string) result {
	e.t.Helper()
	full := append([]string{"--root", e.root, "--log", e.log, "--log-format", "json"}, args...)
	stdout, err := os.CreateTemp(e.dir, "stdout-")
	if err != nil {
		e.t.Fatal(err)
	}
	defer os.Remove(stdout.Name())
	defer stdout.Close()
	stderr, err := os.CreateTemp(e.dir, "stderr-")
	if err != nil {
		e.t.Fatal(err)
	}
	defer os.Remove(stderr.Name())
	defer stderr.Close()
	cmd := exec.Command(runsc(e.t), full...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if out != nil {
		cmd.Stdout, cmd.Stderr = out, out
	}
	if err := cmd.Start(); err != nil {
		e.t.Fatalf("runsc %q: %v", args, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-done
		e.t.Fatalf("runsc %q did not finish within a minute", args)
	}
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		e.t.Fatalf("runsc %q: %v", args, err)
	}
	o, _ := os.ReadFile(stdout.Name())
	se, _ := os.ReadFile(stderr.Name())
	return result{code: cmd.ProcessState.ExitCode(), stdout: string(o), stderr: string(se)}
}

func (e *ociEnv) mustRunsc(args ...string) result {
	e.t.Helper()
	r := e.runsc(nil, args...)
	if r.code != 0 {
		e.t.Fatalf("runsc %q: status %d\nstdout: %s\nstderr: %s", args, r.code, r.stdout, r.stderr)
	}
	return r
}

type ociState struct {
	ID     string `json:"id"`
	Pid    int    `json:"pid"`
	Status string `json:"status"`
	Bundle string `json:"bundle"`
}

func (e *ociEnv) state(id string) ociState {
	e.t.Helper()
	r := e.mustRunsc("state", id)
	var s ociState
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		e.t.Fatalf("state %s: %v\n%s", id, err, r.stdout)
	}
	return s
}

// outFile is a file for a container's output.
func (e *ociEnv) outFile(name string) *os.File {
	e.t.Helper()
	f, err := os.Create(filepath.Join(e.dir, name))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { f.Close() })
	return f
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// waitFor polls cond for up to 10s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// subreaper makes the test process adopt orphans (as containerd's shim
// does) until the test ends, so that it can reap the processes whose
// PIDs runsc writes to --pid-file.
func subreaper(t *testing.T) {
	t.Helper()
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Skipf("PR_SET_CHILD_SUBREAPER: %v", err)
	}
	t.Cleanup(func() { unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0) })
}

// reap waits for pid, an adopted process, and returns its shell-style
// exit status.
func reap(t *testing.T, pid int) int {
	t.Helper()
	done := make(chan int, 1)
	go func() {
		var ws unix.WaitStatus
		for {
			_, err := unix.Wait4(pid, &ws, 0, nil)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				done <- -1
				return
			}
			break
		}
		switch {
		case ws.Exited():
			done <- ws.ExitStatus()
		case ws.Signaled():
			done <- 128 + int(ws.Signal())
		default:
			done <- -1
		}
	}()
	select {
	case c := <-done:
		return c
	case <-time.After(20 * time.Second):
		t.Fatalf("process %d did not exit", pid)
	}
	return -1
}

func readPid(t *testing.T, p string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimSpace(readFile(t, p)))
	if err != nil {
		t.Fatalf("pid file %s: %v", p, err)
	}
	return n
}

func TestOCILifecycle(t *testing.T) {
	e := newOCIEnv(t)
	subreaper(t)
	e.writeSpec(e.spec("/bin/ocitool", "trap"))
	out := e.outFile("out")
	pidFile := filepath.Join(e.dir, "init.pid")
	if r := e.runsc(out, "create", "--bundle", e.bundle, "--pid-file", pidFile, "c1"); r.code != 0 {
		t.Fatalf("create: %d %s", r.code, r.stderr)
	}
	pid := readPid(t, pidFile)
	st := e.state("c1")
	if st.Status != "created" || st.Pid != pid || st.ID != "c1" || st.Bundle != e.bundle {
		t.Fatalf("after create: state %+v, pid file %d", st, pid)
	}
	if s := readFile(t, filepath.Join(e.dir, "out")); s != "" {
		t.Fatalf("the process ran before start: %q", s)
	}
	if r := e.runsc(nil, "start", "c1"); r.code != 0 {
		t.Fatalf("start: %s", r.stderr)
	}
	if st := e.state("c1"); st.Status != "running" {
		t.Fatalf("after start: %+v", st)
	}
	if r := e.runsc(nil, "start", "c1"); r.code == 0 {
		t.Fatal("a second start succeeded")
	}
	waitFor(t, "ready", func() bool { return strings.Contains(readFile(t, filepath.Join(e.dir, "out")), "ready") })
	e.mustRunsc("kill", "c1", "TERM")
	r := e.runsc(nil, "wait", "c1")
	if r.code != 42 || !strings.Contains(r.stdout, `"exitStatus":42`) {
		t.Fatalf("wait: status %d, %q", r.code, r.stdout)
	}
	// The --pid-file process exits with the container's status.
	if code := reap(t, pid); code != 42 {
		t.Fatalf("pid-file process exited %d, want 42", code)
	}
	if st := e.state("c1"); st.Status != "stopped" {
		t.Fatalf("after exit: %+v", st)
	}
	if got := readFile(t, filepath.Join(e.dir, "out")); got != "ready\ngot TERM\n" {
		t.Fatalf("output %q", got)
	}
	e.mustRunsc("delete", "c1")
	if _, err := os.Stat(filepath.Join(e.root, "c1")); !os.IsNotExist(err) {
		t.Fatalf("state left after delete: %v", err)
	}
	if r := e.runsc(nil, "state", "c1"); r.code == 0 || !strings.Contains(r.stderr, "does not exist") {
		t.Fatalf("state of a deleted container: %d %q", r.code, r.stderr)
	}
}

func TestOCIKillSignals(t *testing.T) {
	e := newOCIEnv(t)
	e.writeSpec(e.spec("/bin/ocitool", "sleep", "100"))
	e.mustRunsc("create", "--bundle", e.bundle, "k1")
	e.mustRunsc("start", "k1")
	if r := e.runsc(nil, "kill", "k1", "NOSUCHSIG"); r.code == 0 {
		t.Fatal("kill with a bad signal succeeded")
	}
	e.mustRunsc("kill", "--all", "k1", "9")
	if r := e.runsc(nil, "wait", "k1"); r.code != 137 {
		t.Fatalf("wait after SIGKILL: %d %q", r.code, r.stdout)
	}
	if r := e.runsc(nil, "kill", "k1", "KILL"); r.code == 0 {
		t.Fatal("kill of a stopped container succeeded")
	}
	e.mustRunsc("delete", "k1")

	// A created container that is killed never runs.
	e.writeSpec(e.spec("/bin/ocitool", "echo", "ran"))
	out := e.outFile("k2.out")
	if r := e.runsc(out, "create", "--bundle", e.bundle, "k2"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	e.mustRunsc("kill", "k2", "SIGTERM")
	if r := e.runsc(nil, "wait", "k2"); r.code != 143 {
		t.Fatalf("wait after SIGTERM before start: %d", r.code)
	}
	if s := readFile(t, out.Name()); s != "" {
		t.Fatalf("a killed created container ran: %q", s)
	}
}

func TestOCIRun(t *testing.T) {
	e := newOCIEnv(t)
	e.writeSpec(e.spec("/bin/ocitool", "hostname"))
	r := e.runsc(nil, "run", "--bundle", e.bundle, "r1")
	if r.code != 0 || r.stdout != "ocihost\n" {
		t.Fatalf("run: %d %q %q", r.code, r.stdout, r.stderr)
	}
	e.writeSpec(e.spec("/bin/ocitool", "exit", "7"))
	if r := e.runsc(nil, "run", "--bundle", e.bundle, "r1"); r.code != 7 {
		t.Fatalf("run: status %d, want 7", r.code)
	}
	if _, err := os.Stat(filepath.Join(e.root, "r1")); !os.IsNotExist(err) {
		t.Fatal("run left its state")
	}
}

func TestOCIExec(t *testing.T) {
	e := newOCIEnv(t)
	subreaper(t)
	e.writeSpec(e.spec("/bin/ocitool", "sleep", "100"))
	e.mustRunsc("create", "--bundle", e.bundle, "e1")
	if r := e.runsc(nil, "exec", "e1", "/bin/ocitool", "echo", "x"); r.code == 0 {
		t.Fatal("exec in a created container succeeded")
	}
	e.mustRunsc("start", "e1")
	if r := e.runsc(nil, "exec", "e1", "/bin/ocitool", "echo", "from", "exec"); r.code != 0 || r.stdout != "from exec\n" {
		t.Fatalf("exec: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := e.runsc(nil, "exec", "e1", "ocitool", "exit", "3"); r.code != 3 {
		t.Fatalf("exec exit status %d, want 3", r.code)
	}
	if r := e.runsc(nil, "exec", "--cwd", "/tmp", "--env", "FOO=baz", "--user", "1000:1001", "e1", "ocitool", "getenv", "FOO"); r.stdout != "baz\n" {
		t.Fatalf("exec --env: %q %q", r.stdout, r.stderr)
	}
	if r := e.runsc(nil, "exec", "--cwd", "/tmp", "e1", "ocitool", "pwd"); r.stdout != "/tmp\n" {
		t.Fatalf("exec --cwd: %q %q", r.stdout, r.stderr)
	}
	if r := e.runsc(nil, "exec", "--user", "1000:1001", "e1", "ocitool", "id"); r.stdout != "1000 1001\n" {
		t.Fatalf("exec --user: %q %q", r.stdout, r.stderr)
	}
	// --process, detached, as containerd's shim calls it: the pid file
	// names a host process that exits with the process's status.
	p := specs.Process{Args: []string{"/bin/ocitool", "exit", "9"}, Cwd: "/", Env: []string{"PATH=/bin"}}
	data, _ := json.Marshal(p)
	procFile := filepath.Join(e.dir, "process.json")
	os.WriteFile(procFile, data, 0o644)
	pidFile := filepath.Join(e.dir, "exec.pid")
	e.mustRunsc("exec", "--process", procFile, "--detach", "--pid-file", pidFile, "e1")
	if code := reap(t, readPid(t, pidFile)); code != 9 {
		t.Fatalf("exec waiter exited %d, want 9", code)
	}
	if r := e.runsc(nil, "exec", "e1", "/bin/nonexistent"); r.code == 0 || !strings.Contains(r.stderr, "no such file") {
		t.Fatalf("exec of a missing file: %d %q", r.code, r.stderr)
	}
	e.mustRunsc("delete", "--force", "e1")
}

func TestOCIPsPauseResume(t *testing.T) {
	e := newOCIEnv(t)
	e.writeSpec(e.spec("/bin/ocitool", "tick"))
	out := e.outFile("tick")
	if r := e.runsc(out, "create", "--bundle", e.bundle, "p1"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	e.mustRunsc("start", "p1")
	st := e.state("p1")
	r := e.mustRunsc("ps", "--format", "json", "p1")
	var pids []int
	if err := json.Unmarshal([]byte(r.stdout), &pids); err != nil || len(pids) != 1 || pids[0] != st.Pid {
		t.Fatalf("ps --format json: %q (sentry %d): %v", r.stdout, st.Pid, err)
	}
	if r := e.mustRunsc("ps", "p1"); !strings.Contains(r.stdout, "ocitool") {
		t.Fatalf("ps: %q", r.stdout)
	}
	lines := func() int { return strings.Count(readFile(t, out.Name()), "\n") }
	waitFor(t, "ticks", func() bool { return lines() > 3 })
	e.mustRunsc("pause", "p1")
	if st := e.state("p1"); st.Status != "paused" {
		t.Fatalf("after pause: %+v", st)
	}
	if r := e.runsc(nil, "exec", "p1", "ocitool", "echo"); r.code == 0 {
		t.Fatal("exec in a paused container succeeded")
	}
	time.Sleep(100 * time.Millisecond)
	n := lines()
	time.Sleep(300 * time.Millisecond)
	if m := lines(); m != n {
		t.Fatalf("the paused container ran: %d lines, then %d", n, m)
	}
	e.mustRunsc("resume", "p1")
	if st := e.state("p1"); st.Status != "running" {
		t.Fatalf("after resume: %+v", st)
	}
	waitFor(t, "ticks after resume", func() bool { return lines() > n+3 })
	r = e.mustRunsc("events", "--stats", "p1")
	var ev struct {
		Type string `json:"type"`
		ID   string `json:"id"`
		Data struct {
			Pids struct {
				Current int `json:"current"`
			} `json:"pids"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &ev); err != nil || ev.Type != "stats" || ev.ID != "p1" || ev.Data.Pids.Current != 1 {
		t.Fatalf("events --stats: %q: %v", r.stdout, err)
	}
	cmd := exec.Command(runsc(t), "--root", e.root, "update", "--resources", "-", "p1")
	cmd.Stdin = strings.NewReader(`{"pids":{"limit":100},"memory":{"limit":268435456}}`)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("update: %v %s", err, out)
	}
	r = e.mustRunsc("list", "--format", "json")
	var list []ociState
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != 1 || list[0].ID != "p1" || list[0].Status != "running" {
		t.Fatalf("list: %q %v", r.stdout, err)
	}
	if r := e.runsc(nil, "delete", "p1"); r.code == 0 {
		t.Fatal("delete of a running container succeeded without --force")
	}
	e.mustRunsc("delete", "--force", "p1")
	if _, err := os.Stat(filepath.Join(e.root, "p1")); !os.IsNotExist(err) {
		t.Fatal("delete --force left the state")
	}
	if st.Pid > 0 {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d/stat", st.Pid)); err == nil {
			if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", st.Pid)); !strings.Contains(string(b), ") Z") {
				t.Fatalf("the sentry %d lives on after delete --force", st.Pid)
			}
		}
	}
}

func TestOCIInvalidConfig(t *testing.T) {
	e := newOCIEnv(t)
	good := `"process":{"args":["/bin/ocitool","echo"],"cwd":"/"}`
	cases := []struct{ name, config, want string }{
		{"bad JSON", `{"ociVersion": "1.0.2",`, "invalid JSON"},
		{"no root.path", `{"ociVersion":"1.0.2",` + good + `,"root":{}}`, "root.path"},
		{"missing root dir", `{"ociVersion":"1.0.2",` + good + `,"root":{"path":"nowhere"}}`, "root.path"},
		{"unknown namespace", `{"ociVersion":"1.0.2",` + good + `,"root":{"path":"rootfs"},"linux":{"namespaces":[{"type":"bogus"}]}}`, "unknown namespace"},
		{"absurd rlimit", `{"ociVersion":"1.0.2","process":{"args":["/bin/ocitool"],"cwd":"/","rlimits":[{"type":"RLIMIT_NOFILE","soft":99999999999,"hard":99999999999}]},"root":{"path":"rootfs"}}`, "RLIMIT_NOFILE"},
		{"soft above hard", `{"ociVersion":"1.0.2","process":{"args":["/bin/ocitool"],"cwd":"/","rlimits":[{"type":"RLIMIT_CORE","soft":10,"hard":1}]},"root":{"path":"rootfs"}}`, "exceeds the hard limit"},
		{"unknown rlimit", `{"ociVersion":"1.0.2","process":{"args":["/bin/ocitool"],"cwd":"/","rlimits":[{"type":"RLIMIT_BOGUS","soft":1,"hard":1}]},"root":{"path":"rootfs"}}`, "RLIMIT_BOGUS"},
		{"no args", `{"ociVersion":"1.0.2","process":{"args":[],"cwd":"/"},"root":{"path":"rootfs"}}`, "process.args"},
		{"unknown capability", `{"ociVersion":"1.0.2","process":{"args":["/bin/ocitool"],"cwd":"/","capabilities":{"bounding":["CAP_CHOWN","CAP_FLY"]}},"root":{"path":"rootfs"}}`, `unknown capability "CAP_FLY"`},
		{"bad seccomp action", `{"ociVersion":"1.0.2","process":{"args":["/bin/ocitool"],"cwd":"/"},"root":{"path":"rootfs"},"linux":{"seccomp":{"defaultAction":"SCMP_ACT_BOGUS"}}}`, "linux.seccomp"},
		{"missing bind source", `{"ociVersion":"1.0.2","process":{"args":["/bin/ocitool"],"cwd":"/"},"root":{"path":"rootfs"},"mounts":[{"destination":"/x","type":"bind","source":"/nonexistent/moat"}]}`, "bind mount source"},
		{"missing program", `{"ociVersion":"1.0.2","process":{"args":["/bin/nonexistent"],"cwd":"/"},"root":{"path":"rootfs"}}`, "no such file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			os.Remove(e.log)
			e.writeConfig(c.config)
			r := e.runsc(nil, "create", "--bundle", e.bundle, "bad")
			if r.code == 0 {
				t.Fatal("create succeeded")
			}
			if ents, _ := os.ReadDir(e.root); len(ents) != 0 {
				t.Fatalf("state left behind: %v", ents)
			}
			log := readFile(t, e.log)
			lines := strings.Split(strings.TrimSpace(log), "\n")
			var last struct{ Level, Msg string }
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil {
				t.Fatalf("log is not JSON lines: %q", log)
			}
			if last.Level != "error" || !strings.Contains(last.Msg, c.want) {
				t.Fatalf("last log record %+v, want an error about %q", last, c.want)
			}
		})
	}
	// Existing and unknown IDs.
	e.writeSpec(e.spec("/bin/ocitool", "sleep", "100"))
	e.mustRunsc("create", "--bundle", e.bundle, "dup")
	if r := e.runsc(nil, "create", "--bundle", e.bundle, "dup"); r.code == 0 || !strings.Contains(r.stderr, "already exists") {
		t.Fatalf("create of an existing ID: %d %q", r.code, r.stderr)
	}
	e.mustRunsc("delete", "dup")
	for _, args := range [][]string{{"start", "nope"}, {"state", "nope"}, {"kill", "nope"}, {"delete", "nope"},
		{"pause", "nope"}, {"exec", "nope", "x"}, {"ps", "nope"}, {"wait", "nope"}, {"state", "../etc"}} {
		if r := e.runsc(nil, args...); r.code == 0 || !(strings.Contains(r.stderr, "does not exist") || strings.Contains(r.stderr, "invalid container ID")) {
			t.Errorf("%q: %d %q", args, r.code, r.stderr)
		}
	}
	if r := e.runsc(nil, "delete", "--force", "nope"); r.code != 0 {
		t.Errorf("delete --force of an unknown ID: %d %q", r.code, r.stderr)
	}
}

func TestOCIHooks(t *testing.T) {
	e := newOCIEnv(t)
	s := e.spec("/bin/ocitool", "echo", "hi")
	hook := func(name string) specs.Hook {
		return specs.Hook{Path: "/bin/sh", Args: []string{"sh", "-c", "cat > " + filepath.Join(e.dir, name+".json")}}
	}
	s.Hooks = &specs.Hooks{
		Prestart:        []specs.Hook{hook("prestart")},
		CreateRuntime:   []specs.Hook{hook("createRuntime")},
		CreateContainer: []specs.Hook{hook("createContainer")},
		StartContainer:  []specs.Hook{hook("startContainer")},
		Poststart:       []specs.Hook{hook("poststart")},
		Poststop:        []specs.Hook{hook("poststop")},
	}
	e.writeSpec(s)
	out := e.outFile("hooks.out")
	if r := e.runsc(out, "create", "--bundle", e.bundle, "h1"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	e.mustRunsc("start", "h1")
	e.runsc(nil, "wait", "h1")
	e.mustRunsc("delete", "h1")
	want := map[string]string{"prestart": "creating", "createRuntime": "creating", "createContainer": "creating",
		"startContainer": "created", "poststart": "running", "poststop": "stopped"}
	for name, status := range want {
		var st ociState
		data := readFile(t, filepath.Join(e.dir, name+".json"))
		if err := json.Unmarshal([]byte(data), &st); err != nil {
			t.Fatalf("%s hook got %q: %v", name, data, err)
		}
		if st.ID != "h1" || st.Status != status || st.Bundle != e.bundle || st.Pid == 0 {
			t.Errorf("%s hook got state %+v, want status %s", name, st, status)
		}
	}
	// A failing createRuntime hook fails create and leaves nothing.
	s.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "echo nope >&2; exit 3"}}}}
	e.writeSpec(s)
	if r := e.runsc(nil, "create", "--bundle", e.bundle, "h2"); r.code == 0 || !strings.Contains(r.stderr, "createRuntime") {
		t.Fatalf("create with a failing hook: %d %q", r.code, r.stderr)
	}
	if ents, _ := os.ReadDir(e.root); len(ents) != 0 {
		t.Fatalf("state left behind: %v", ents)
	}
}

func TestOCIConsoleSocket(t *testing.T) {
	e := newOCIEnv(t)
	s := e.spec("/bin/ocitool", "tty")
	s.Process.Terminal = true
	e.writeSpec(s)
	if r := e.runsc(nil, "create", "--bundle", e.bundle, "t0"); r.code == 0 {
		t.Fatal("create with a terminal and no --console-socket succeeded")
	}
	sock := filepath.Join(e.dir, "console.sock")
	got := consoleSocket(t, sock)
	e.mustRunsc("create", "--bundle", e.bundle, "--console-socket", sock, "t1")
	var master *os.File
	select {
	case master = <-got:
	case <-time.After(10 * time.Second):
	}
	if master == nil {
		t.Fatal("no terminal master came over the console socket")
	}
	defer master.Close()
	if _, err := unix.IoctlGetTermios(int(master.Fd()), unix.TCGETS); err != nil {
		t.Fatalf("the FD is not a terminal: %v", err)
	}
	e.mustRunsc("start", "t1")
	lines := make(chan string, 1)
	go func() {
		line, err := bufio.NewReader(master).ReadString('\n')
		if err != nil {
			line += fmt.Sprintf(" (error: %v)", err)
		}
		lines <- line
	}()
	select {
	case line := <-lines:
		if strings.TrimSpace(line) != "tty" {
			t.Fatalf("the container's stdin is not a terminal: %q", line)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no output on the terminal")
	}
	if r := e.runsc(nil, "wait", "t1"); r.code != 0 {
		t.Fatalf("wait: %d", r.code)
	}
	e.mustRunsc("delete", "t1")

	// exec -t with a console socket, as `docker exec -t` calls it.
	e.writeSpec(e.spec("/bin/ocitool", "sleep", "100"))
	e.mustRunsc("create", "--bundle", e.bundle, "t2")
	e.mustRunsc("start", "t2")
	sock2 := filepath.Join(e.dir, "console2.sock")
	got2 := consoleSocket(t, sock2)
	pidFile := filepath.Join(e.dir, "exec.pid")
	e.mustRunsc("exec", "-t", "--console-socket", sock2, "--detach", "--pid-file", pidFile, "t2", "/bin/ocitool", "tty")
	var m2 *os.File
	select {
	case m2 = <-got2:
	case <-time.After(10 * time.Second):
	}
	if m2 == nil {
		t.Fatal("exec: no terminal master came over the console socket")
	}
	defer m2.Close()
	line, err := bufio.NewReader(m2).ReadString('\n')
	if strings.TrimSpace(line) != "tty" {
		t.Fatalf("exec -t: the process's stdin is not a terminal: %q %v", line, err)
	}
	e.mustRunsc("delete", "--force", "t2")
}

// consoleSocket listens on path and returns the terminal master FD that
// runsc sends there, or nil.
func consoleSocket(t *testing.T, path string) <-chan *os.File {
	t.Helper()
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	got := make(chan *os.File, 1)
	go func() {
		c, err := l.AcceptUnix()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		buf, oob := make([]byte, 4096), make([]byte, unix.CmsgSpace(4))
		_, oobn, _, _, err := c.ReadMsgUnix(buf, oob)
		if err != nil {
			got <- nil
			return
		}
		msgs, _ := unix.ParseSocketControlMessage(oob[:oobn])
		if len(msgs) != 1 {
			got <- nil
			return
		}
		fds, _ := unix.ParseUnixRights(&msgs[0])
		if len(fds) != 1 {
			got <- nil
			return
		}
		got <- os.NewFile(uintptr(fds[0]), "master")
	}()
	return got
}

func TestOCISpecFeaturesInstall(t *testing.T) {
	dir := hostDir(t)
	if r := run(t, nil, "spec", "--bundle", dir); r.code != 0 {
		t.Fatalf("spec: %s", r.stderr)
	}
	var s specs.Spec
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(dir, "config.json"))), &s); err != nil || s.Root.Path != "rootfs" || len(s.Process.Args) == 0 {
		t.Fatalf("spec wrote %+v: %v", s, err)
	}
	if r := run(t, nil, "spec", "--bundle", dir); r.code == 0 {
		t.Fatal("spec overwrote config.json")
	}
	r := run(t, nil, "features")
	var f map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &f); err != nil || f["ociVersionMin"] == nil {
		t.Fatalf("features: %q %v", r.stdout, err)
	}
	daemon := filepath.Join(dir, "daemon.json")
	os.WriteFile(daemon, []byte(`{"debug": true, "runtimes": {"other": {"path": "/x"}}}`), 0o644)
	if r := run(t, nil, "install", "--config-file", daemon, "--runtime", "moat", "--", "--platform=systrap"); r.code != 0 {
		t.Fatalf("install: %s", r.stderr)
	}
	var cfg struct {
		Debug    bool `json:"debug"`
		Runtimes map[string]struct {
			Path        string   `json:"path"`
			RuntimeArgs []string `json:"runtimeArgs"`
		} `json:"runtimes"`
	}
	json.Unmarshal([]byte(readFile(t, daemon)), &cfg)
	if !cfg.Debug || cfg.Runtimes["other"].Path != "/x" || cfg.Runtimes["moat"].Path != runsc(t) ||
		len(cfg.Runtimes["moat"].RuntimeArgs) != 1 {
		t.Fatalf("install wrote %s", readFile(t, daemon))
	}
	if r := run(t, nil, "uninstall", "--config-file", daemon, "--runtime", "moat"); r.code != 0 {
		t.Fatalf("uninstall: %s", r.stderr)
	}
	cfg.Runtimes = nil
	json.Unmarshal([]byte(readFile(t, daemon)), &cfg)
	if _, ok := cfg.Runtimes["moat"]; ok || cfg.Runtimes["other"].Path != "/x" || !cfg.Debug {
		t.Fatalf("uninstall wrote %s", readFile(t, daemon))
	}
}

var _ = syscall.SIGTERM
