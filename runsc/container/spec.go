package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/moat-dev/moat/seccomp"
	"github.com/moat-dev/moat/sentry/kernel"
)

// MaxConfigSize bounds config.json.
const MaxConfigSize = 16 << 20

// maxNofile is the kernel's nr_open default: no RLIMIT_NOFILE above it
// can be set.
const maxNofile = 1 << 20

// LoadSpec reads and checks bundle/config.json. It returns the spec with
// root.path made absolute.
func LoadSpec(bundle string) (*specs.Spec, error) {
	p := filepath.Join(bundle, "config.json")
	f, err := os.Open(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("bundle %s has no config.json", bundle)
		}
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > MaxConfigSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", p, MaxConfigSize)
	}
	data := make([]byte, st.Size())
	if _, err := f.ReadAt(data, 0); err != nil && st.Size() > 0 {
		return nil, fmt.Errorf("reading %s: %w", p, err)
	}
	spec, err := ParseSpec(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	if !filepath.IsAbs(spec.Root.Path) {
		spec.Root.Path = filepath.Join(bundle, spec.Root.Path)
	}
	root, err := filepath.EvalSymlinks(spec.Root.Path)
	if err != nil {
		return nil, fmt.Errorf("root.path %s: %w", spec.Root.Path, err)
	}
	if st, err := os.Stat(root); err != nil {
		return nil, fmt.Errorf("root.path: %w", err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("root.path %s is not a directory", root)
	}
	spec.Root.Path = root
	return spec, nil
}

// ParseSpec decodes a config.json and checks it.
func ParseSpec(data []byte) (*specs.Spec, error) {
	var spec specs.Spec
	dec := json.NewDecoder(strings.NewReader(string(data)))
	if err := dec.Decode(&spec); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if err := Validate(&spec); err != nil {
		return nil, err
	}
	return &spec, nil
}

var namespaceTypes = map[specs.LinuxNamespaceType]bool{
	specs.PIDNamespace: true, specs.NetworkNamespace: true, specs.MountNamespace: true,
	specs.IPCNamespace: true, specs.UTSNamespace: true, specs.UserNamespace: true,
	specs.CgroupNamespace: true, specs.TimeNamespace: true,
}

// RlimitTypes are the rlimits config.json may name.
var RlimitTypes = map[string]bool{
	"RLIMIT_CPU": true, "RLIMIT_FSIZE": true, "RLIMIT_DATA": true, "RLIMIT_STACK": true,
	"RLIMIT_CORE": true, "RLIMIT_RSS": true, "RLIMIT_NPROC": true, "RLIMIT_NOFILE": true,
	"RLIMIT_MEMLOCK": true, "RLIMIT_AS": true, "RLIMIT_LOCKS": true, "RLIMIT_SIGPENDING": true,
	"RLIMIT_MSGQUEUE": true, "RLIMIT_NICE": true, "RLIMIT_RTPRIO": true, "RLIMIT_RTTIME": true,
}

// Validate checks a spec for what runsc needs and what runc refuses.
func Validate(spec *specs.Spec) error {
	if spec.Version == "" {
		return errors.New("ociVersion is missing")
	}
	if !strings.HasPrefix(spec.Version, "1.") {
		return fmt.Errorf("unsupported ociVersion %q (want 1.x)", spec.Version)
	}
	if spec.Root == nil || spec.Root.Path == "" {
		return errors.New("root.path is missing")
	}
	if err := ValidateProcess(spec.Process); err != nil {
		return err
	}
	for i, m := range spec.Mounts {
		if m.Destination == "" {
			return fmt.Errorf("mounts[%d]: destination is missing", i)
		}
	}
	if spec.Linux != nil {
		seen := map[specs.LinuxNamespaceType]bool{}
		for _, ns := range spec.Linux.Namespaces {
			if !namespaceTypes[ns.Type] {
				return fmt.Errorf("linux.namespaces: unknown namespace type %q", ns.Type)
			}
			if seen[ns.Type] {
				return fmt.Errorf("linux.namespaces: %q appears twice", ns.Type)
			}
			seen[ns.Type] = true
		}
		if spec.Linux.Seccomp != nil {
			if _, _, err := seccomp.OCIFilter(spec.Linux.Seccomp); err != nil {
				return fmt.Errorf("linux.seccomp: %w", err)
			}
		}
	}
	if err := ValidateHooks(spec.Hooks); err != nil {
		return err
	}
	return nil
}

// ValidateProcess checks a process (init's or exec's).
func ValidateProcess(p *specs.Process) error {
	if p == nil {
		return errors.New("process is missing")
	}
	if len(p.Args) == 0 || p.Args[0] == "" {
		return errors.New("process.args must not be empty")
	}
	if p.Cwd != "" && !filepath.IsAbs(p.Cwd) {
		return fmt.Errorf("process.cwd %q must be an absolute path", p.Cwd)
	}
	seen := map[string]bool{}
	for _, rl := range p.Rlimits {
		if !RlimitTypes[rl.Type] {
			return fmt.Errorf("process.rlimits: unknown rlimit type %q", rl.Type)
		}
		if seen[rl.Type] {
			return fmt.Errorf("process.rlimits: %s appears twice", rl.Type)
		}
		seen[rl.Type] = true
		if rl.Soft > rl.Hard {
			return fmt.Errorf("process.rlimits: %s soft limit %d exceeds the hard limit %d", rl.Type, rl.Soft, rl.Hard)
		}
		if rl.Type == "RLIMIT_NOFILE" && rl.Hard > maxNofile {
			return fmt.Errorf("process.rlimits: RLIMIT_NOFILE %d exceeds the system maximum %d", rl.Hard, maxNofile)
		}
	}
	for _, e := range p.Env {
		if !strings.Contains(e, "=") {
			return fmt.Errorf("process.env: %q is not of the form K=V", e)
		}
	}
	if c := p.Capabilities; c != nil {
		for name, set := range map[string][]string{
			"bounding": c.Bounding, "effective": c.Effective, "permitted": c.Permitted,
			"inheritable": c.Inheritable, "ambient": c.Ambient,
		} {
			if _, err := kernel.CapabilitySet(set); err != nil {
				return fmt.Errorf("process.capabilities.%s: %w", name, err)
			}
		}
	}
	if p.OOMScoreAdj != nil && (*p.OOMScoreAdj < kernel.OOMScoreAdjMin || *p.OOMScoreAdj > kernel.OOMScoreAdjMax) {
		return fmt.Errorf("process.oomScoreAdj %d is outside [%d, %d]", *p.OOMScoreAdj, kernel.OOMScoreAdjMin, kernel.OOMScoreAdjMax)
	}
	return nil
}

// ValidateHooks checks that hooks have absolute paths.
func ValidateHooks(h *specs.Hooks) error {
	if h == nil {
		return nil
	}
	for name, list := range map[string][]specs.Hook{
		"prestart": h.Prestart, "createRuntime": h.CreateRuntime, "createContainer": h.CreateContainer,
		"startContainer": h.StartContainer, "poststart": h.Poststart, "poststop": h.Poststop,
	} {
		for i, hk := range list {
			if !filepath.IsAbs(hk.Path) {
				return fmt.Errorf("hooks.%s[%d]: path %q must be absolute", name, i, hk.Path)
			}
			if hk.Timeout != nil && *hk.Timeout <= 0 {
				return fmt.Errorf("hooks.%s[%d]: timeout must be positive", name, i)
			}
		}
	}
	return nil
}
