package cmd

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"

	"github.com/google/subcommands"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/moat-dev/moat/runsc/config"
)

// Spec implements `runsc spec`: write a default config.json.
type Spec struct {
	conf   *config.Config
	bundle string
}

// NewSpec returns the spec command.
func NewSpec(conf *config.Config) *Spec { return &Spec{conf: conf} }

// Name implements subcommands.Command.
func (*Spec) Name() string { return "spec" }

// Synopsis implements subcommands.Command.
func (*Spec) Synopsis() string { return "write a default OCI config.json" }

// Usage implements subcommands.Command.
func (*Spec) Usage() string {
	return `spec [--bundle DIR]

Writes a starting config.json into the bundle (default: the current
directory), like runc's: it runs "sh" with a terminal in ./rootfs.
`
}

// SetFlags implements subcommands.Command.
func (s *Spec) SetFlags(f *flag.FlagSet) {
	f.StringVar(&s.bundle, "bundle", ".", "bundle `DIR` to write config.json into")
	f.StringVar(&s.bundle, "b", ".", "same as --bundle")
	f.Bool("rootless", false, "accepted for runc compatibility; ignored")
}

// DefaultSpec is the spec `runsc spec` writes.
func DefaultSpec() *specs.Spec {
	caps := []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}
	return &specs.Spec{
		Version: specs.Version,
		Process: &specs.Process{
			Terminal: true,
			User:     specs.User{UID: 0, GID: 0},
			Args:     []string{"sh"},
			Env:      []string{"PATH=" + DefaultPath, "TERM=xterm"},
			Cwd:      "/",
			Capabilities: &specs.LinuxCapabilities{
				Bounding: caps, Effective: caps, Permitted: caps,
			},
			Rlimits:         []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 1024, Soft: 1024}},
			NoNewPrivileges: true,
		},
		Root:     &specs.Root{Path: "rootfs", Readonly: true},
		Hostname: "runsc",
		Mounts: append(DefaultMounts(),
			specs.Mount{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
			specs.Mount{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}},
		),
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{
				{Type: specs.PIDNamespace}, {Type: specs.NetworkNamespace}, {Type: specs.IPCNamespace},
				{Type: specs.UTSNamespace}, {Type: specs.MountNamespace},
			},
			MaskedPaths: []string{"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
				"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"},
			ReadonlyPaths: []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"},
		},
	}
}

// Execute implements subcommands.Command.
func (s *Spec) Execute(_ context.Context, f *flag.FlagSet, _ ...any) subcommands.ExitStatus {
	if f.NArg() != 0 {
		return Usagef("spec: unexpected arguments %q", f.Args())
	}
	p := filepath.Join(s.bundle, "config.json")
	if _, err := os.Stat(p); err == nil {
		return Failf(s.conf, "spec: %s already exists; remove it first", p)
	}
	data, _ := json.MarshalIndent(DefaultSpec(), "", "\t")
	if err := os.WriteFile(p, append(data, '\n'), 0o666); err != nil {
		return Failf(s.conf, "spec: %v", err)
	}
	return subcommands.ExitSuccess
}
