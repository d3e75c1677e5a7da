package boot

import (
	"fmt"
	"os"
	"path"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/seccomp"
	"github.com/moat-dev/moat/seccomp/bpf"
	"github.com/moat-dev/moat/sentry/fs/dev"
	"github.com/moat-dev/moat/sentry/fs/tmpfs"
	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/memfile"
	"github.com/moat-dev/moat/sentry/vfs"
)

// This file applies the security parts of the spec's process to the
// tasks the sandbox starts (init, and those of runsc exec): credentials
// with the spec's capability sets, no_new_privs, the container's seccomp
// profile and oom_score_adj; and the masked and read-only paths of
// linux.maskedPaths and linux.readonlyPaths.

// ProcessCreds returns the credentials a spec process runs with: its
// user and groups, and, if the spec names capabilities, those sets, as
// runc leaves them once the process has executed its program (so root's
// permitted and effective sets are its bounding and inheritable sets).
// Without process.capabilities root has every capability, as under runc
// run as root. An unknown capability name is an error.
func ProcessCreds(p *specs.Process) (*kernel.Creds, error) {
	c := kernel.UserCreds(p.User.UID, p.User.GID, p.User.AdditionalGids)
	if p.Capabilities == nil {
		return c, nil
	}
	sets := []struct {
		name  string
		names []string
		dst   *uint64
	}{
		{"bounding", p.Capabilities.Bounding, &c.CapBounding},
		{"effective", p.Capabilities.Effective, &c.CapEffective},
		{"permitted", p.Capabilities.Permitted, &c.CapPermitted},
		{"inheritable", p.Capabilities.Inheritable, &c.CapInheritable},
		{"ambient", p.Capabilities.Ambient, &c.CapAmbient},
	}
	for _, s := range sets {
		v, err := kernel.CapabilitySet(s.names)
		if err != nil {
			return nil, fmt.Errorf("process.capabilities.%s: %w", s.name, err)
		}
		*s.dst = v
	}
	return c.ForExec(), nil
}

// containerSeccomp is the container's compiled seccomp profile, which
// init and every exec'd process get (runc gives exec'd processes the
// container's profile too); nil without one.
var containerSeccomp struct {
	prog  []bpf.Instruction
	flags uint32
}

// compileSeccomp compiles spec's linux.seccomp for applyProcess.
func compileSeccomp(spec *specs.Spec) error {
	if spec.Linux == nil || spec.Linux.Seccomp == nil {
		return nil
	}
	prog, flags, err := seccomp.OCIFilter(spec.Linux.Seccomp)
	if err != nil {
		return fmt.Errorf("linux.seccomp: %w", err)
	}
	containerSeccomp.prog, containerSeccomp.flags = prog, flags
	return nil
}

// applyProcess gives a created, not yet started task the rest of what
// its spec process asks: no_new_privs, the container's seccomp filter
// and oom_score_adj (the container init's for an exec'd process, which
// runc's exec'd processes inherit).
func applyProcess(t *kernel.Task, p *specs.Process, oomScoreAdj *int) error {
	if p.NoNewPrivileges {
		t.SetNoNewPrivs()
	}
	if oomScoreAdj != nil {
		t.ThreadGroup().SetOOMScoreAdj(*oomScoreAdj)
	}
	if containerSeccomp.prog != nil {
		if err := t.InstallSeccompProgram(containerSeccomp.prog, containerSeccomp.flags); err != nil {
			return fmt.Errorf("install seccomp profile: %w", err)
		}
	}
	return nil
}

// maskPaths hides each of linux.maskedPaths as runc does: a file under
// the sandbox's empty character device /dev/null, a directory under an
// empty read-only tmpfs. Paths that do not exist are skipped.
func maskPaths(k *kernel.Kernel, mf *memfile.File, paths []string) error {
	null, err := dev.New().Lookup("null")
	if err != nil {
		return fmt.Errorf("masked paths: %w", err)
	}
	for _, p := range paths {
		vd, err := resolveSpecPath(k, p)
		if err == unix.ENOENT || err == unix.ENOTDIR {
			continue
		}
		if err != nil {
			return fmt.Errorf("linux.maskedPaths: %s: %w", p, err)
		}
		st, err := vd.Inode().Stat()
		if err != nil {
			return fmt.Errorf("linux.maskedPaths: %s: %w", p, err)
		}
		if st.IsDir() {
			empty := tmpfs.New(mf, tmpfs.Options{Mode: 0o555, Size: 4096})
			k.VFS.Mount(vd, empty.Root(), "tmpfs", "tmpfs", vfs.MountFlags{Readonly: true})
			continue
		}
		k.VFS.Mount(vd, null, "devtmpfs", "udev", vfs.MountFlags{Readonly: true})
	}
	return nil
}

// readonlyPaths makes each of linux.readonlyPaths a read-only bind mount
// of itself. Paths that do not exist are skipped.
func readonlyPaths(k *kernel.Kernel, paths []string) error {
	for _, p := range paths {
		vd, err := resolveSpecPath(k, p)
		if err == unix.ENOENT || err == unix.ENOTDIR {
			continue
		}
		if err != nil {
			return fmt.Errorf("linux.readonlyPaths: %s: %w", p, err)
		}
		flags := k.VFS.Flags(vd.Mount)
		flags.Readonly = true
		k.VFS.Mount(vd, vd.Inode(), vd.Mount.FSType, vd.Mount.Source, flags)
	}
	return nil
}

// resolveSpecPath resolves an absolute path of the spec in the sandbox.
func resolveSpecPath(k *kernel.Kernel, p string) (vfs.VirtualDentry, error) {
	r := &vfs.Resolver{Root: k.Root, Start: k.Root, FollowFinal: true}
	return k.VFS.Resolve(r, path.Clean("/"+p))
}

// setHostOOMScoreAdj gives the sentry process the spec's oom_score_adj
// on the host before the platform forks its helper processes, which
// inherit it (runsc sets it from outside too, for the gofer).
func setHostOOMScoreAdj(p *specs.Process) error {
	if p == nil || p.OOMScoreAdj == nil {
		return nil
	}
	if err := os.WriteFile("/proc/self/oom_score_adj", []byte(strconv.Itoa(*p.OOMScoreAdj)), 0); err != nil {
		return fmt.Errorf("set oom_score_adj: %w", err)
	}
	return nil
}
