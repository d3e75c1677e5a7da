package overlay

import (
	"fmt"
	"sort"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/fs/tmpfs"
	"github.com/moat-dev/moat/sentry/memfile"
	"github.com/moat-dev/moat/sentry/vfs"
)

// fixture is a VFS whose root is an overlay of a tmpfs over another tmpfs
// (the "lower" one, filled first and then left alone).
type fixture struct {
	t     *testing.T
	v     *vfs.VFS
	root  vfs.VirtualDentry
	lower *tmpfs.Inode
}

func newFixture(t *testing.T) *fixture {
	mf, err := memfile.New(256 << 20)
	if err != nil {
		t.Fatal(err)
	}
	lower := tmpfs.New(mf, tmpfs.Options{Mode: 0o755}).Root()
	mk := func(dir *tmpfs.Inode, name string, mode uint32, data string) *tmpfs.Inode {
		if mode&unix.S_IFMT == unix.S_IFREG {
			in, f, err := dir.Create(name, vfs.NewNode{Mode: mode}, unix.O_WRONLY)
			if err != nil {
				t.Fatal(err)
			}
			f.Write([]byte(data), 0)
			f.Release()
			return in.(*tmpfs.Inode)
		}
		in, err := dir.Mknod(name, vfs.NewNode{Mode: mode, Target: data})
		if err != nil {
			t.Fatal(err)
		}
		return in.(*tmpfs.Inode)
	}
	etc := mk(lower, "etc", unix.S_IFDIR|0o755, "")
	mk(etc, "passwd", unix.S_IFREG|0o644, "root:x:0:0\n")
	mk(etc, "hosts", unix.S_IFREG|0o644, "127.0.0.1 localhost\n")
	mk(etc, "link", unix.S_IFLNK|0o777, "passwd")
	usr := mk(lower, "usr", unix.S_IFDIR|0o755, "")
	share := mk(usr, "share", unix.S_IFDIR|0o755, "")
	mk(share, "a", unix.S_IFREG|0o644, "A")
	mk(share, "b", unix.S_IFREG|0o644, "B")
	mk(usr, "bin", unix.S_IFDIR|0o755, "")

	upper := tmpfs.New(mf, tmpfs.Options{Mode: 0o755})
	ov := New(upper.Root(), lower)
	v, m := vfs.New(ov.Root(), "overlay", "overlay", vfs.MountFlags{})
	return &fixture{t: t, v: v, root: vfs.VirtualDentry{Mount: m, Dentry: m.Root}, lower: lower}
}

func (f *fixture) resolve(path string) (vfs.VirtualDentry, error) {
	return f.v.Resolve(&vfs.Resolver{Root: f.root, Start: f.root}, path)
}

func (f *fixture) parent(path string) (vfs.VirtualDentry, string) {
	f.t.Helper()
	p, err := f.v.ResolveParentLast(&vfs.Resolver{Root: f.root, Start: f.root, FollowFinal: true}, path)
	if err != nil {
		f.t.Fatalf("parent of %s: %v", path, err)
	}
	return p.Dir, p.Name
}

func (f *fixture) read(path string) string {
	f.t.Helper()
	vd, err := f.resolve(path)
	if err != nil {
		f.t.Fatalf("resolve %s: %v", path, err)
	}
	impl, err := vd.Inode().Open(unix.O_RDONLY)
	if err != nil {
		f.t.Fatalf("open %s: %v", path, err)
	}
	defer impl.Release()
	buf := make([]byte, 4096)
	n, _ := impl.Read(buf, 0)
	return string(buf[:n])
}

func (f *fixture) write(path, data string, flags int) {
	f.t.Helper()
	vd, err := f.resolve(path)
	var impl vfs.FileImpl
	if err == unix.ENOENT {
		dir, name := f.parent(path)
		_, impl, err = f.v.Create(dir, name, vfs.CreateOpts{Node: vfs.NewNode{Mode: 0o644}, Flags: unix.O_WRONLY})
	} else if err == nil {
		impl, err = vd.Inode().Open(unix.O_WRONLY | flags)
		if err == nil && flags&unix.O_TRUNC != 0 {
			err = vd.Inode().(vfs.Setattrer).Setattr(&vfs.SetAttr{Mask: vfs.SetSize})
		}
	}
	if err != nil {
		f.t.Fatalf("write %s: %v", path, err)
	}
	defer impl.Release()
	off := int64(0)
	if flags&unix.O_APPEND != 0 {
		off, _ = impl.(vfs.Seekable).Size()
	}
	impl.Write([]byte(data), off)
}

func (f *fixture) list(path string) []string {
	f.t.Helper()
	vd, err := f.resolve(path)
	if err != nil {
		f.t.Fatalf("resolve %s: %v", path, err)
	}
	impl, err := vd.Inode().Open(unix.O_RDONLY)
	if err != nil {
		f.t.Fatal(err)
	}
	defer impl.Release()
	ents, err := impl.(vfs.DirReader).Readdir()
	if err != nil {
		f.t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name)
	}
	sort.Strings(names)
	return names
}

func (f *fixture) stat(path string) vfs.Stat {
	f.t.Helper()
	vd, err := f.resolve(path)
	if err != nil {
		f.t.Fatalf("resolve %s: %v", path, err)
	}
	st, err := vd.Inode().Stat()
	if err != nil {
		f.t.Fatal(err)
	}
	return st
}

func TestCopyUpKeepsLower(t *testing.T) {
	f := newFixture(t)
	before := f.stat("/etc/passwd")
	f.write("/etc/passwd", "more\n", unix.O_APPEND)
	if got := f.read("/etc/passwd"); got != "root:x:0:0\nmore\n" {
		t.Errorf("after append: %q", got)
	}
	after := f.stat("/etc/passwd")
	if after.Ino != before.Ino || after.Dev != before.Dev {
		t.Errorf("copy-up changed the identity: %d/%d -> %d/%d", before.Dev, before.Ino, after.Dev, after.Ino)
	}
	// The lower layer is untouched.
	lp, _ := f.lower.Lookup("etc")
	pw, _ := lp.Lookup("passwd")
	if st, _ := pw.Stat(); st.Size != int64(len("root:x:0:0\n")) {
		t.Errorf("lower passwd changed: size %d", st.Size)
	}
	// O_TRUNC copies up nothing.
	f.write("/etc/hosts", "x", unix.O_TRUNC)
	if got := f.read("/etc/hosts"); got != "x" {
		t.Errorf("after truncate: %q", got)
	}
}

func TestWhiteoutsAndOpaque(t *testing.T) {
	f := newFixture(t)
	c := &vfs.Creds{Caps: ^uint64(0)}
	dir, name := f.parent("/usr/share/a")
	if err := f.v.Unlink(c, dir, name, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.resolve("/usr/share/a"); err != unix.ENOENT {
		t.Errorf("removed file: %v", err)
	}
	if got := f.list("/usr/share"); fmt.Sprint(got) != "[b]" {
		t.Errorf("listing after unlink: %v", got)
	}
	// Not empty: b is still in the lower layer.
	dir, name = f.parent("/usr/share")
	if err := f.v.Unlink(c, dir, name, true); err != unix.ENOTEMPTY {
		t.Errorf("rmdir of a non-empty merged dir: %v", err)
	}
	d2, n2 := f.parent("/usr/share/b")
	if err := f.v.Unlink(c, d2, n2, false); err != nil {
		t.Fatal(err)
	}
	if err := f.v.Unlink(c, dir, name, true); err != nil {
		t.Fatalf("rmdir: %v", err)
	}
	// A new directory of the same name is empty: opaque.
	if _, err := f.v.Mknod(dir, name, vfs.CreateOpts{Node: vfs.NewNode{Mode: unix.S_IFDIR | 0o755}}); err != nil {
		t.Fatal(err)
	}
	if got := f.list("/usr/share"); len(got) != 0 {
		t.Errorf("new directory over a removed one lists %v", got)
	}
	// Link counts follow.
	if st := f.stat("/usr"); st.Nlink != 4 {
		t.Errorf("/usr nlink %d, want 4", st.Nlink)
	}
	// A file created where one was removed.
	f.write("/usr/share/a", "new", 0)
	if got := f.read("/usr/share/a"); got != "new" {
		t.Errorf("recreated: %q", got)
	}
}

func TestRenames(t *testing.T) {
	f := newFixture(t)
	c := &vfs.Creds{Caps: ^uint64(0)}
	od, on := f.parent("/etc/passwd")
	nd, nn := f.parent("/usr/passwd")
	if err := f.v.Rename(c, od, on, nd, nn, 0); err != nil {
		t.Fatal(err)
	}
	if got := f.read("/usr/passwd"); got != "root:x:0:0\n" {
		t.Errorf("moved file reads %q", got)
	}
	if _, err := f.resolve("/etc/passwd"); err != unix.ENOENT {
		t.Errorf("old name: %v", err)
	}
	// A directory with a lower layer does not move.
	od, on = f.parent("/usr/share")
	nd, nn = f.parent("/share")
	if err := f.v.Rename(c, od, on, nd, nn, 0); err != unix.EXDEV {
		t.Errorf("rename of a lower directory: %v, want EXDEV", err)
	}
	// An upper-only one does, with its contents.
	dir, name := f.parent("/new")
	if _, err := f.v.Mknod(dir, name, vfs.CreateOpts{Node: vfs.NewNode{Mode: unix.S_IFDIR | 0o755}}); err != nil {
		t.Fatal(err)
	}
	f.write("/new/f", "F", 0)
	od, on = f.parent("/new")
	nd, nn = f.parent("/usr/new2")
	if err := f.v.Rename(c, od, on, nd, nn, 0); err != nil {
		t.Fatal(err)
	}
	if got := f.read("/usr/new2/f"); got != "F" {
		t.Errorf("moved dir's file: %q", got)
	}
	// Exchange of two lower files.
	od, on = f.parent("/etc/hosts")
	nd, nn = f.parent("/usr/passwd")
	if err := f.v.Rename(c, od, on, nd, nn, vfs.RenameExchange); err != nil {
		t.Fatal(err)
	}
	if f.read("/etc/hosts") != "root:x:0:0\n" || f.read("/usr/passwd") != "127.0.0.1 localhost\n" {
		t.Errorf("exchange: %q %q", f.read("/etc/hosts"), f.read("/usr/passwd"))
	}
}

// TestConcurrent races copy-ups, creations and removals (for -race).
func TestConcurrent(t *testing.T) {
	f := newFixture(t)
	c := &vfs.Creds{Caps: ^uint64(0)}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				vd, err := f.resolve("/etc/passwd")
				if err != nil {
					t.Error(err)
					return
				}
				impl, err := vd.Inode().Open(unix.O_RDWR)
				if err != nil {
					t.Error(err)
					return
				}
				impl.Write([]byte("x"), int64(g))
				impl.Release()
				dir, _ := f.parent("/usr/bin/x")
				name := fmt.Sprintf("f%d-%d", g, i)
				_, impl, err = f.v.Create(dir, name, vfs.CreateOpts{Node: vfs.NewNode{Mode: 0o644}, Flags: unix.O_WRONLY})
				if err != nil {
					t.Error(err)
					return
				}
				impl.Release()
				f.list("/usr/bin")
				if err := f.v.Unlink(c, dir, name, false); err != nil {
					t.Error(err)
				}
			}
		}(g)
	}
	wg.Wait()
	if got := f.list("/usr/bin"); len(got) != 0 {
		t.Errorf("left over: %v", got)
	}
}

// countingDir is a lower directory that counts the lookups and the opens
// (for readdir) that reach it.
type countingDir struct {
	vfs.Inode
	lookups, opens int
}

func (d *countingDir) Lookup(name string) (vfs.Inode, error) {
	d.lookups++
	return d.Inode.Lookup(name)
}

func (d *countingDir) Open(flags int) (vfs.FileImpl, error) {
	d.opens++
	return d.Inode.Open(flags)
}

// TestLowerIndex checks that a directory asks its lower directory about
// each name until lowerIndexAfter names were missing, and then reads it
// once to answer missing names itself.
func TestLowerIndex(t *testing.T) {
	mf, err := memfile.New(64 << 20)
	if err != nil {
		t.Fatal(err)
	}
	lowerRoot := tmpfs.New(mf, tmpfs.Options{Mode: 0o755}).Root()
	for _, name := range []string{"a", "b", "c"} {
		if _, err := lowerRoot.Mknod(name, vfs.NewNode{Mode: unix.S_IFDIR | 0o755}); err != nil {
			t.Fatal(err)
		}
	}
	lower := &countingDir{Inode: lowerRoot}
	root := New(tmpfs.New(mf, tmpfs.Options{Mode: 0o755}).Root(), lower).Root()
	steps := []struct {
		name        string
		err         error
		lookups     int // lower lookups so far
		opens       int // lower opens (readdirs) so far
		description string
	}{
		{"a", nil, 1, 0, "a name that exists: asked"},
		{"b", nil, 2, 0, "another: asked, no index"},
		{"x1", unix.ENOENT, 3, 0, "miss 1"},
		{"x2", unix.ENOENT, 4, 0, "miss 2"},
		{"x3", unix.ENOENT, 5, 0, "miss 3"},
		{"x4", unix.ENOENT, 6, 0, "miss 4: now an index is due"},
		{"x5", unix.ENOENT, 6, 1, "answered from the index read now"},
		{"x6", unix.ENOENT, 6, 1, "and from the same index"},
		{"c", nil, 7, 1, "a name in the index: asked for its inode"},
	}
	for _, s := range steps {
		_, err := root.Lookup(s.name)
		if err != s.err {
			t.Errorf("%s: Lookup(%q) = %v, want %v", s.description, s.name, err, s.err)
		}
		if lower.lookups != s.lookups || lower.opens != s.opens {
			t.Errorf("%s: after Lookup(%q): %d lower lookups and %d opens, want %d and %d",
				s.description, s.name, lower.lookups, lower.opens, s.lookups, s.opens)
		}
	}
}
