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
	conf    *config.Config
	cwd     string
	env     envFlag
	volumes volumeFlag
	tty     ttyFlag
}

// NewDo returns the do command, using the global configuration conf.
func NewDo(conf *config.Config) *Do { return &Do{conf: conf} }

// Name implements subcommands.Command.
func (*Do) Name() string { return "do" }

// Synopsis implements subcommands.Command.
func (*Do) Synopsis() string {
	return "run a command in a sandbox with the host's root filesystem, under an in-memory overlay"
}

// Usage implements subcommands.Command.
func (*Do) Usage() string {
	return `do [--cwd DIR] [--env K=V]... [--volume HOST:SANDBOX[:OPTS]]... CMD [ARGS...]

Runs CMD in a new sandbox. The sandbox sees the host's root filesystem
through a gofer. With the default --overlay=memory, changes go to an
in-memory layer and the host's files never change; with --overlay=none
they are written through to the host. /tmp and /dev/shm are the
sandbox's own tmpfs. --volume mounts the host directory HOST at SANDBOX,
writable unless :ro is given; OPTS is a comma-separated list of ro, rw,
noexec, nosuid and nodev (and exec, suid, dev). CMD gets the caller's environment with
--env overrides, and runs in the caller's working directory unless --cwd
says otherwise. runsc do exits with CMD's exit status (128+N if signal N
killed it).

`
}

// SetFlags implements subcommands.Command.
func (d *Do) SetFlags(f *flag.FlagSet) {
	f.StringVar(&d.cwd, "cwd", "", "working directory of `DIR` for the command (default: the current directory)")
	f.Var(&d.env, "env", "set environment variable `K=V` for the command (repeatable)")
	d.tty.register(f)
	f.Var(&d.volumes, "volume", "mount host directory HOST at SANDBOX; OPTS: ro, rw, noexec, nosuid, nodev, comma-separated (`HOST:SANDBOX[:OPTS]`, repeatable)")
}

// volumeFlag collects repeated --volume HOST:SANDBOX[:OPTS] flags as bind
// mounts.
type volumeFlag []specs.Mount

func (v *volumeFlag) String() string {
	var parts []string
	for _, m := range *v {
		parts = append(parts, m.Source+":"+m.Destination)
	}
	return strings.Join(parts, ",")
}

func (v *volumeFlag) Set(s string) error {
	parts := strings.Split(s, ":")
	opts := []string{"rbind", "rw"}
	if len(parts) == 3 {
		for _, o := range strings.Split(parts[2], ",") {
			switch o {
			case "ro", "rw":
				opts[1] = o
			case "noexec", "nosuid", "nodev", "exec", "suid", "dev":
				opts = append(opts, o)
			default:
				return fmt.Errorf("%q: unknown option %q (want ro, rw, noexec, nosuid, nodev, exec, suid or dev)", s, o)
			}
		}
		parts = parts[:2]
	}
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return fmt.Errorf("%q is not of the form HOST:SANDBOX[:OPTS]", s)
	}
	if !filepath.IsAbs(parts[1]) {
		return fmt.Errorf("%q: the sandbox path must be absolute", s)
	}
	host, err := filepath.Abs(parts[0])
	if err != nil {
		return err
	}
	// The sentry walks the gofer's tree without following the host's
	// symlinks, so resolve them here.
	if host, err = filepath.EvalSymlinks(host); err != nil {
		return fmt.Errorf("--volume %q: %v", s, err)
	}
	if st, err := os.Stat(host); err != nil {
		return fmt.Errorf("--volume %q: %v", s, err)
	} else if !st.IsDir() {
		return fmt.Errorf("--volume %q: %s is not a directory", s, host)
	}
	*v = append(*v, specs.Mount{Destination: filepath.Clean(parts[1]), Type: "bind", Source: host, Options: opts})
	return nil
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
	term, err := d.tty.setup(spec)
	if err != nil {
		return Failf(d.conf, "do: terminal: %v", err)
	}
	defer term.restore()
	sb, err := sandbox.Start(d.conf, spec, sandbox.Options{})
	if err != nil {
		term.restore()
		return Failf(d.conf, "do: %v", err)
	}
	stop := sb.ForwardSignals()
	stopTTY := term.attach(sb)
	code, err := sb.Wait()
	stopTTY()
	term.restore()
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
		// The root is writable in the sandbox: under the default
		// overlay the writes stay in memory.
		Root:     &specs.Root{Path: "/"},
		Hostname: "moat",
		Mounts:   append(append(doMounts(), tmpMount), d.volumes...),
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

// tmpMount is the sandbox's /tmp: a tmpfs over the host's /tmp, whose
// files stay visible while changes stay in the sandbox.
var tmpMount = specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "mode=1777"}}

// doMounts are the mounts of `runsc do`: the defaults, but /sys is not
// read-only, as on the host whose view `do` gives.
func doMounts() []specs.Mount {
	mounts := DefaultMounts()
	for i, m := range mounts {
		if m.Destination == "/sys" {
			mounts[i].Options = []string{"nosuid", "noexec", "nodev"}
		}
	}
	return mounts
}

// DefaultMounts are the mounts `runc spec` generates, less cgroup and
// mqueue: those of `runsc spec`, and of `runsc do` with a writable /sys.
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
