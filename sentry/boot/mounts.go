package boot

import (
	"fmt"
	"path"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/fs/gofer"
	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/vfs"
)

// isBind reports whether m is a bind mount.
func isBind(m specs.Mount) bool {
	return m.Type == "bind" || hasOption(m.Options, "bind") || hasOption(m.Options, "rbind")
}

// specRoot is the host path of the spec's root filesystem.
func specRoot(spec *specs.Spec) string {
	if spec.Root != nil && spec.Root.Path != "" {
		return path.Clean(spec.Root.Path)
	}
	return "/"
}

// underRoot returns src relative to root, if it lies inside it.
func underRoot(root, src string) (string, bool) {
	if root == "/" {
		return src, true
	}
	rel, ok := strings.CutPrefix(src, root)
	if !ok || rel != "" && rel[0] != '/' {
		return "", false
	}
	return rel, true
}

// GoferMounts returns the host sources of the spec's bind mounts that lie
// outside its root filesystem (Docker's /etc/hosts, /etc/resolv.conf
// and /etc/hostname, volumes), each once, in the order of the spec. The
// gofer serves them as extra trees 1, 2, ... in this order, for the
// sentry to mount.
func GoferMounts(spec *specs.Spec) []string {
	root := specRoot(spec)
	var out []string
	seen := map[string]bool{}
	for _, m := range spec.Mounts {
		if !isBind(m) || !path.IsAbs(m.Source) {
			continue
		}
		src := path.Clean(m.Source)
		if _, in := underRoot(root, src); in || seen[src] {
			continue
		}
		seen[src] = true
		out = append(out, src)
	}
	return out
}

// bindSource returns the inode a bind mount's source names: a walk in
// the gofer's root filesystem, or one of the gofer's extra trees for a
// source outside it.
func bindSource(spec *specs.Spec, lower vfs.Inode, src string) (vfs.Inode, error) {
	src = path.Clean(src)
	rel, in := underRoot(specRoot(spec), src)
	if !in {
		for i, s := range GoferMounts(spec) {
			if s == src {
				return gofer.AttachMount(lower, uint32(i+1))
			}
		}
		return nil, fmt.Errorf("source %s is not served by the gofer", src)
	}
	// Its own gofer tree, not the rootfs's inodes: the host may change
	// a bound directory, while the rootfs under the overlay is taken
	// not to change.
	var names []string
	for _, name := range strings.Split(strings.Trim(rel, "/"), "/") {
		if name != "" {
			names = append(names, name)
		}
	}
	return gofer.AttachPath(lower, names)
}

// bindMountPoint resolves dst for a bind mount of src, creating it if it
// is missing as runc does: a directory for a directory, else an empty
// file.
func bindMountPoint(k *kernel.Kernel, dst string, src vfs.Inode) (vfs.VirtualDentry, error) {
	st, err := src.Stat()
	if err != nil {
		return vfs.VirtualDentry{}, err
	}
	if st.IsDir() {
		return mountPoint(k, dst)
	}
	r := &vfs.Resolver{Root: k.Root, Start: k.Root, FollowFinal: true}
	vd, err := k.VFS.Resolve(r, dst)
	if err != unix.ENOENT {
		return vd, err
	}
	dir, err := mountPoint(k, path.Dir(dst))
	if err != nil {
		return vd, err
	}
	return k.VFS.Mknod(dir, path.Base(dst), vfs.CreateOpts{Node: vfs.NewNode{Mode: unix.S_IFREG | 0o644}})
}
