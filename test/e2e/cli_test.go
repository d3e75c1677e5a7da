package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}, {"--debug", "--version"}} {
		r := run(t, nil, args...)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "runsc version ") || strings.Count(r.stdout, "\n") != 1 {
			t.Errorf("runsc %q: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
}

// Usage errors exit 2 with a clear message, and never start anything.
func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // in stderr
	}{
		{[]string{"--bogus", "version"}, "runsc: flag provided but not defined: -bogus"},
		{[]string{"--debug=maybe", "version"}, "runsc: invalid boolean value"},
		{[]string{"do"}, "runsc: do: no command given"},
		{[]string{"do", "--cwd", "/"}, "runsc: do: no command given"},
		{[]string{"do", "--env", "NOEQUALS", "/bin/true"}, "K=V"},
		{[]string{"do", "--nosuchflag", "/bin/true"}, "flag provided but not defined"},
		{[]string{"--log-format", "xml", "do", "/bin/true"}, `runsc: invalid --log-format "xml": must be text or json`},
		{[]string{"--log-format=xml", "version"}, "--log-format"},
		{[]string{"--platform", "kvm", "do", "/bin/true"}, `runsc: invalid --platform "kvm"`},
		{[]string{"nosuchcommand"}, `runsc: unknown subcommand "nosuchcommand"`},
		{[]string{}, "Usage"},
		{[]string{"boot"}, "runsc: boot: --gofer-fd and --spec-fd are required"},
		{[]string{"gofer"}, "runsc: gofer: --root and --io-fd are required"},
		{[]string{"version", "extra"}, "runsc: version: unexpected arguments"},
	} {
		r := run(t, nil, tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("runsc %q: exit %d, stderr %q; want exit 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

// bootWithSpec runs `runsc <global> boot` with spec on --spec-fd 4 and one
// end of a socketpair as --gofer-fd 3.
func bootWithSpec(t *testing.T, spec []byte, global ...string) result {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	sock, peer := os.NewFile(uintptr(fds[0]), "sock"), os.NewFile(uintptr(fds[1]), "peer")
	defer sock.Close()
	defer peer.Close()
	specFile := filepath.Join(t.TempDir(), "spec.json")
	if err := os.WriteFile(specFile, spec, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(specFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	args := append(global, "boot", "--gofer-fd", "3", "--spec-fd", "4")
	return run(t, []*os.File{sock, f}, args...)
}

// A malformed spec is a clear error with exit status 1, never a panic.
func TestBootMalformedSpec(t *testing.T) {
	for _, spec := range []string{
		"",
		"{",
		"null",
		"[]",
		`{"process": 5}`,
		`{"root": {"path": "/"}}`,
		`{"process": {"args": []}, "root": {"path": "/"}}`,
		`{"process": {"args": ["/bin/true"]}}`,
		strings.Repeat("x", 1<<20),
	} {
		r := bootWithSpec(t, []byte(spec))
		if r.code != 1 || !strings.Contains(r.stderr, "runsc: boot: ") || strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "goroutine") {
			t.Errorf("spec %.40q: exit %d, stderr %q; want exit 1 and a clear error", spec, r.code, r.stderr)
		}
	}
}

// With --log and --log-format json, errors go to the log as runc-style
// JSON lines.
func TestJSONLog(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "log.json")
	r := bootWithSpec(t, []byte("{"), "--log", logFile, "--log-format", "json")
	if r.code != 1 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	data, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var rec struct{ Level, Msg, Time string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line %q is not JSON: %v", line, err)
			continue
		}
		if !strings.HasPrefix(line, `{"level":"`) || rec.Time == "" {
			t.Errorf("log line %q is not in runc's format", line)
		}
		if rec.Level == "error" && strings.Contains(rec.Msg, "malformed spec") {
			found = true
		}
	}
	if !found {
		t.Errorf("no error record about the spec in %q", data)
	}
}
