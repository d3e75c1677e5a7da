package cmd

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/subcommands"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/moat-dev/moat/runsc/config"
	"github.com/moat-dev/moat/runsc/sandbox"
)

// DefaultPath is the PATH a `do` command gets if the caller has none.
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Do implements `runsc do`: run a command in a new sandbox whose root
// filesystem is the host's, read-only, without an OCI bundle.
type Do struct {
	conf *config.Config
	cwd  string
	env  envFlag
}

// NewDo returns the do command, using the global configuration conf.
func NewDo(conf *config.Config) *Do { return &Do{conf: conf} }

// Name implements subcommands.Command.
func (*Do) Name() string { return "do" }

// Synopsis implements subcommands.Command.
func (*Do) Synopsis() string {
	return "run a command in a sandbox with the host's root filesystem, read-only"
}

// Usage implements subcommands.Command.
func (*Do) Usage() string {
	return `do [--cwd DIR] [--env K=V]... CMD [ARGS...]

Runs CMD in a new sandbox. The sandbox sees the host's root filesystem,
read-only, through a gofer. CMD gets the caller's environment with --env
overrides, and runs in the caller's working directory unless --cwd says
otherwise. runsc do exits with CMD's exit status (128+N if signal N killed
it).

`
}

// SetFlags implements subcommands.Command.
func (d *Do) SetFlags(f *flag.FlagSet) {
	f.StringVar(&d.cwd, "cwd", "", "working directory of `DIR` for the command (default: the current directory)")
	f.Var(&d.env, "env", "set environment variable `K=V` for the command (repeatable)")
}

// envFlag collects repeated --env K=V flags.
type envFlag []string

func (e *envFlag) String() string { return strings.Join(*e, ",") }

func (e *envFlag) Set(v string) error {
	k, _, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q is not of the form K=V", v)
	}
	*e = append(*e, v)
	return nil
}

// Execute implements subcommands.Command.
func (d *Do) Execute(_ context.Context, f *flag.FlagSet, _ ...any) subcommands.ExitStatus {
	if f.NArg() == 0 {
		return Usagef("do: no command given\nusage: runsc %s", strings.SplitN(d.Usage(), "\n", 2)[0])
	}
	if f.Arg(0) == "" {
		return Usagef("do: empty command")
	}
	spec, err := d.spec(f.Args())
	if err != nil {
		return Usagef("do: %v", err)
	}
	sb, err := sandbox.Start(d.conf, spec, sandbox.Options{})
	if err != nil {
		return Failf(d.conf, "do: %v", err)
	}
	stop := sb.ForwardSignals()
	code, err := sb.Wait()
	stop()
	if err != nil {
		return Failf(d.conf, "do: %v", err)
	}
	return subcommands.ExitStatus(code)
}

// spec builds the OCI spec for running args.
func (d *Do) spec(args []string) (*specs.Spec, error) {
	cwd := d.cwd
	if cwd == "" {
		cwd = "/"
		if wd, err := os.Getwd(); err == nil {
			if st, err := os.Stat(wd); err == nil && st.IsDir() {
				cwd = wd
			}
		}
	} else if !filepath.IsAbs(cwd) {
		abs, err := filepath.Abs(cwd)
		if err != nil {
			return nil, fmt.Errorf("--cwd %q: %v", cwd, err)
		}
		cwd = abs
	}
	groups, _ := os.Getgroups()
	var gids []uint32
	for _, g := range groups {
		gids = append(gids, uint32(g))
	}
	return &specs.Spec{
		Version: specs.Version,
		Process: &specs.Process{
			User: specs.User{UID: uint32(os.Getuid()), GID: uint32(os.Getgid()), AdditionalGids: gids},
			Args: args,
			Env:  mergeEnv(os.Environ(), d.env),
			Cwd:  cwd,
		},
		Root:     &specs.Root{Path: "/", Readonly: true},
		Hostname: "moat",
		Mounts:   DefaultMounts(),
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{
				{Type: specs.PIDNamespace},
				{Type: specs.MountNamespace},
				{Type: specs.IPCNamespace},
				{Type: specs.UTSNamespace},
			},
		},
	}, nil
}

// DefaultMounts are the mounts of a `do` sandbox: those `runc spec`
// generates, less cgroup and mqueue.
func DefaultMounts() []specs.Mount {
	return []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc"},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
		{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
	}
}

// mergeEnv returns base with each K=V of overrides replacing base's K (or
// appended), and PATH set to DefaultPath if neither has one.
func mergeEnv(base, overrides []string) []string {
	var out []string
	index := map[string]int{}
	set := func(kv string) {
		k, _, _ := strings.Cut(kv, "=")
		if i, ok := index[k]; ok {
			out[i] = kv
			return
		}
		index[k] = len(out)
		out = append(out, kv)
	}
	for _, kv := range base {
		set(kv)
	}
	for _, kv := range overrides {
		set(kv)
	}
	if _, ok := index["PATH"]; !ok {
		set("PATH=" + DefaultPath)
	}
	return out
}
