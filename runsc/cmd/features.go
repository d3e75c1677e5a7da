package cmd

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"

	"github.com/google/subcommands"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"

	"github.com/moat-dev/moat/sentry/kernel"
)

// Features implements `runsc features`: what this runtime supports, as
// the OCI features JSON.
type Features struct{}

// Name implements subcommands.Command.
func (*Features) Name() string { return "features" }

// Synopsis implements subcommands.Command.
func (*Features) Synopsis() string { return "print the runtime's features as JSON" }

// Usage implements subcommands.Command.
func (*Features) Usage() string { return "features\n\nPrints the OCI features document.\n" }

// SetFlags implements subcommands.Command.
func (*Features) SetFlags(*flag.FlagSet) {}

// Execute implements subcommands.Command.
func (*Features) Execute(context.Context, *flag.FlagSet, ...any) subcommands.ExitStatus {
	yes, no := true, false
	f := features.Features{
		OCIVersionMin: "1.0.0",
		OCIVersionMax: specs.Version,
		Hooks:         []string{"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"},
		MountOptions:  []string{"ro", "rw", "bind", "rbind", "nosuid", "nodev", "noexec", "mode", "size", "nr_inodes", "uid", "gid"},
		Linux: &features.Linux{
			Namespaces:   []string{"pid", "network", "mount", "ipc", "uts", "user", "cgroup"},
			Cgroup:       &features.Cgroup{V1: &yes, V2: &yes, Systemd: &yes, SystemdUser: &no},
			Capabilities: kernel.CapabilityNames(),
			Seccomp: &features.Seccomp{Enabled: &yes, Archs: []string{"SCMP_ARCH_X86_64"},
				Actions:        []string{"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_TRACE", "SCMP_ACT_LOG"},
				Operators:      []string{"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"},
				SupportedFlags: []string{"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"}},
			Apparmor: &features.Apparmor{Enabled: &no},
			Selinux:  &features.Selinux{Enabled: &no},
		},
		Annotations: map[string]string{
			"org.opencontainers.runtime-spec.features.runtime": "moat",
			"dev.moat.sandbox": "sentry",
		},
	}
	out, _ := json.MarshalIndent(f, "", "    ")
	fmt.Println(string(out))
	return subcommands.ExitSuccess
}
