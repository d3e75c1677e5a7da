package cmd

import (
	"flag"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/moat-dev/moat/runsc/config"
)

func TestMergeEnv(t *testing.T) {
	for _, tc := range []struct {
		base, over, want []string
	}{
		{[]string{"A=1", "PATH=/x"}, nil, []string{"A=1", "PATH=/x"}},
		{[]string{"A=1", "PATH=/x"}, []string{"A=2", "B=3"}, []string{"A=2", "PATH=/x", "B=3"}},
		{nil, []string{"A=b=c"}, []string{"A=b=c", "PATH=" + DefaultPath}},
		{[]string{"A=1", "A=2"}, nil, []string{"A=2", "PATH=" + DefaultPath}},
		{nil, []string{"PATH=/only"}, []string{"PATH=/only"}},
	} {
		if got := mergeEnv(tc.base, tc.over); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("mergeEnv(%q, %q) = %q, want %q", tc.base, tc.over, got, tc.want)
		}
	}
}

func parseDo(t *testing.T, args ...string) (*Do, *flag.FlagSet) {
	t.Helper()
	d := NewDo(config.Default())
	f := flag.NewFlagSet("do", flag.ContinueOnError)
	f.SetOutput(io.Discard)
	d.SetFlags(f)
	if err := f.Parse(args); err != nil {
		t.Fatalf("parse %q: %v", args, err)
	}
	return d, f
}

func TestDoSpec(t *testing.T) {
	t.Setenv("MOAT_TEST_VAR", "from-caller")
	d, f := parseDo(t, "--env", "MOAT_TEST_VAR=overridden", "--env", "NEW=1", "--cwd", "/tmp", "/bin/echo", "--not-a-flag", "x")
	if got := f.Args(); !reflect.DeepEqual(got, []string{"/bin/echo", "--not-a-flag", "x"}) {
		t.Fatalf("args %q: flag parsing must stop at the command", got)
	}
	spec, err := d.spec(f.Args())
	if err != nil {
		t.Fatal(err)
	}
	p := spec.Process
	if !reflect.DeepEqual(p.Args, f.Args()) || p.Cwd != "/tmp" {
		t.Errorf("process %+v", p)
	}
	env := strings.Join(p.Env, "\n")
	if !strings.Contains(env, "MOAT_TEST_VAR=overridden") || strings.Contains(env, "from-caller") || !strings.Contains(env, "NEW=1") {
		t.Errorf("env %q", p.Env)
	}
	if spec.Root.Path != "/" || spec.Root.Readonly || spec.Hostname != "moat" {
		t.Errorf("root %+v hostname %q", spec.Root, spec.Hostname)
	}
	if p.User.UID != uint32(os.Getuid()) || p.User.GID != uint32(os.Getgid()) {
		t.Errorf("user %+v", p.User)
	}

	// Default cwd: the caller's.
	d, f = parseDo(t, "/bin/true")
	spec, err = d.spec(f.Args())
	wd, _ := os.Getwd()
	if err != nil || spec.Process.Cwd != wd {
		t.Errorf("default cwd %q, want %q (%v)", spec.Process.Cwd, wd, err)
	}
	// Relative --cwd is made absolute.
	d, f = parseDo(t, "--cwd", "rel", "/bin/true")
	if spec, err = d.spec(f.Args()); err != nil || spec.Process.Cwd != wd+"/rel" {
		t.Errorf("relative cwd %q, %v", spec.Process.Cwd, err)
	}
}

func TestParseSpec(t *testing.T) {
	for _, tc := range []struct {
		json string
		ok   bool
	}{
		{`{"process":{"args":["/bin/true"],"cwd":"/"},"root":{"path":"/"}}`, true},
		{`{"ociVersion":"1.0.2","process":{"args":["x"]},"root":{"path":"rootfs"},"unknownExtension":1}`, true},
		{``, false},
		{`{`, false},
		{`null`, false},
		{`{"process":{"args":[]},"root":{"path":"/"}}`, false},
		{`{"process":{"args":[""]},"root":{"path":"/"}}`, false},
		{`{"process":{"args":["x"]}}`, false},
		{`{"process":{"args":["x"]},"root":{"path":""}}`, false},
		{`{"process":{"args":"x"},"root":{"path":"/"}}`, false},
	} {
		_, err := ParseSpec([]byte(tc.json))
		if (err == nil) != tc.ok {
			t.Errorf("ParseSpec(%s): %v, want ok=%v", tc.json, err, tc.ok)
		}
	}
}

func TestEnvFlag(t *testing.T) {
	var e envFlag
	for _, bad := range []string{"", "NOEQ", "=v"} {
		if err := e.Set(bad); err == nil {
			t.Errorf("Set(%q) succeeded", bad)
		}
	}
	if err := e.Set("K="); err != nil {
		t.Errorf("Set(K=): %v", err)
	}
}
