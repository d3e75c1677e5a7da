package vfs_test

import (
	"testing"

	"github.com/moat-dev/moat/sentry/fs/synth"
	"github.com/moat-dev/moat/sentry/vfs"
)

// TestNamespaceLifetime: a copied namespace has its own mounts, which
// lookups in the original do not reach, and which go when its last user
// leaves; the initial namespace stays.
func TestNamespaceLifetime(t *testing.T) {
	root := synth.NewDir(1, map[string]vfs.Inode{"a": synth.NewDir(1, nil), "b": synth.NewDir(1, nil)})
	v, rm := vfs.New(root, "synth", "root", vfs.MountFlags{})
	rootVD := vfs.VirtualDentry{Mount: rm, Dentry: rm.Root}
	a, err := v.Child(rootVD, "a")
	if err != nil {
		t.Fatal(err)
	}
	v.Mount(a, synth.NewDir(2, nil), "synth", "first", vfs.MountFlags{NoExec: true})
	ns, copies := v.CloneNamespace(rm.NS)
	ns.IncUsers()
	if len(copies) != 2 || len(v.Mounts(ns)) != 2 {
		t.Fatalf("copy has %d mounts (%d copies), want 2", len(v.Mounts(ns)), len(copies))
	}
	croot := vfs.VirtualDentry{Mount: copies[rm], Dentry: rm.Root}
	b, err := v.Child(croot, "b")
	if err != nil {
		t.Fatal(err)
	}
	v.Mount(b, synth.NewDir(3, nil), "synth", "second", vfs.MountFlags{})
	tests := []struct {
		name    string
		ns      *vfs.MountNamespace
		from    vfs.VirtualDentry
		path    string
		wantDev uint64
	}{
		{"original sees its mount", rm.NS, rootVD, "a", 2},
		{"original misses the copy's", rm.NS, rootVD, "b", 1},
		{"copy sees the copied mount", ns, croot, "a", 2},
		{"copy sees its own", ns, croot, "b", 3},
	}
	for _, tc := range tests {
		vd, err := v.Child(tc.from, tc.path)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		st, _ := vd.Inode().Stat()
		if st.Dev != tc.wantDev {
			t.Errorf("%s: dev %d, want %d", tc.name, st.Dev, tc.wantDev)
		}
	}
	if f := v.Flags(copies[a.Mount]); f.NoExec {
		t.Errorf("the root's copy has the child's flags: %+v", f)
	}
	v.DecUsers(ns)
	if n := len(v.Mounts(ns)); n != 0 {
		t.Errorf("after the last user left, the copy has %d mounts", n)
	}
	if n := len(v.Mounts(rm.NS)); n != 2 {
		t.Errorf("the initial namespace has %d mounts, want 2", n)
	}
	// The initial namespace keeps a user of its own: its last
	// context leaving does not detach its mounts.
	rm.NS.IncUsers()
	v.DecUsers(rm.NS)
	if n := len(v.Mounts(rm.NS)); n != 2 {
		t.Errorf("the initial namespace lost its mounts: %d left", n)
	}
}
