package boot

import (
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestGoferMounts(t *testing.T) {
	spec := &specs.Spec{
		Root: &specs.Root{Path: "/var/lib/c/rootfs"},
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/etc/hosts", Type: "bind", Source: "/var/lib/c/hosts", Options: []string{"rbind", "rprivate"}},
			{Destination: "/etc/resolv.conf", Source: "/var/lib/c/resolv.conf", Options: []string{"bind"}},
			{Destination: "/inside", Type: "bind", Source: "/var/lib/c/rootfs/data"},
			{Destination: "/prefix", Type: "bind", Source: "/var/lib/c/rootfs2"},
			{Destination: "/again", Type: "bind", Source: "/var/lib/c/hosts/"},
			{Destination: "/relative", Type: "bind", Source: "relative"},
			{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs"},
		},
	}
	want := []string{"/var/lib/c/hosts", "/var/lib/c/resolv.conf", "/var/lib/c/rootfs2"}
	if got := GoferMounts(spec); !reflect.DeepEqual(got, want) {
		t.Fatalf("GoferMounts = %q, want %q", got, want)
	}
	spec.Root.Path = "/"
	if got := GoferMounts(spec); got != nil {
		t.Fatalf("with root /: %q, want none", got)
	}
}

func TestProcessCreds(t *testing.T) {
	caps := []string{"CAP_CHOWN", "CAP_KILL"}
	for _, tc := range []struct {
		name   string
		p      specs.Process
		eff    uint64
		bnd    uint64
		errStr string
	}{
		{"no capabilities: root has all", specs.Process{}, 1<<41 - 1, 1<<41 - 1, ""},
		{"docker's sets", specs.Process{Capabilities: &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps}}, 1<<0 | 1<<5, 1<<0 | 1<<5, ""},
		{"cap-drop ALL", specs.Process{Capabilities: &specs.LinuxCapabilities{}}, 0, 0, ""},
		{"user without ambient", specs.Process{User: specs.User{UID: 1000}, Capabilities: &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps}}, 0, 1<<0 | 1<<5, ""},
		{"unknown name", specs.Process{Capabilities: &specs.LinuxCapabilities{Permitted: []string{"CAP_FLY"}}}, 0, 0, `process.capabilities.permitted: unknown capability "CAP_FLY"`},
	} {
		c, err := ProcessCreds(&tc.p)
		if tc.errStr != "" {
			if err == nil || err.Error() != tc.errStr {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.errStr)
			}
			continue
		}
		if err != nil || c.CapEffective != tc.eff || c.CapBounding != tc.bnd {
			t.Errorf("%s: eff %#x bnd %#x err %v; want eff %#x bnd %#x", tc.name, c.CapEffective, c.CapBounding, err, tc.eff, tc.bnd)
		}
	}
}
