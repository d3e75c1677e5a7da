package gofer_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/gofer"
	"github.com/moat-dev/moat/gofer/client"
	"github.com/moat-dev/moat/gofer/proto"
)

// tree builds the test tree:
//
//	file      "hello", 0644
//	sub/      0755
//	sub/inner "inner", 0600
//	link ->   file
//	dangling -> nowhere
//	fifo      0600
func tree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(root, "file"), []byte("hello"), 0o644))
	must(os.Mkdir(filepath.Join(root, "sub"), 0o755))
	must(os.WriteFile(filepath.Join(root, "sub", "inner"), []byte("inner"), 0o600))
	must(os.Symlink("file", filepath.Join(root, "link")))
	must(os.Symlink("nowhere", filepath.Join(root, "dangling")))
	must(unix.Mkfifo(filepath.Join(root, "fifo"), 0o600))
	return root
}

type fixture struct {
	root    string
	c       *client.Client
	raw     int // the client's socket, for raw packets
	rootFID client.FID
}

// serve starts a server over root in a goroutine and returns a client
// attached to it. Cleanup closes the socket and checks that Serve returned
// nil.
func serve(t *testing.T, root string, readonly bool) *fixture {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- gofer.Serve(fds[0], root, readonly, gofer.WithoutChroot())
		unix.Close(fds[0])
	}()
	t.Cleanup(func() {
		unix.Close(fds[1])
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Serve did not return after the socket closed")
		}
	})
	c := client.New(fds[1])
	fid, _, err := c.Attach()
	if err != nil {
		t.Fatalf("Attach: %v", err)
	}
	return &fixture{root: root, c: c, raw: fds[1], rootFID: fid}
}

func hostStat(t *testing.T, path string) proto.Stat {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		t.Fatal(err)
	}
	return proto.Stat{
		Dev: st.Dev, Ino: st.Ino, Nlink: st.Nlink, Mode: st.Mode, UID: st.Uid, GID: st.Gid,
		Rdev: st.Rdev, Size: st.Size, Blksize: st.Blksize, Blocks: st.Blocks,
		Atime: proto.Timespec{Sec: st.Atim.Sec, Nsec: st.Atim.Nsec},
		Mtime: proto.Timespec{Sec: st.Mtim.Sec, Nsec: st.Mtim.Nsec},
		Ctime: proto.Timespec{Sec: st.Ctim.Sec, Nsec: st.Ctim.Nsec},
	}
}

// walk walks path (slash-separated) from the root and fails the test on
// error.
func (f *fixture) walk(t *testing.T, path string) client.FID {
	t.Helper()
	fids, _, err := f.c.Walk(f.rootFID, strings.Split(path, "/"))
	if err != nil {
		t.Fatalf("Walk(%q): %v", path, err)
	}
	return fids[len(fids)-1]
}

func TestWalk(t *testing.T) {
	f := serve(t, tree(t), true)
	for _, tc := range []struct {
		names   []string
		walked  int
		wantErr error
	}{
		{[]string{"file"}, 1, nil},
		{[]string{"sub"}, 1, nil},
		{[]string{"sub", "inner"}, 2, nil},
		{[]string{"link"}, 1, nil},
		{[]string{"dangling"}, 1, nil},
		{[]string{"missing"}, 0, unix.ENOENT},
		{[]string{"sub", "missing"}, 1, unix.ENOENT},
		{[]string{"file", "x"}, 1, unix.ENOTDIR},
		{[]string{"link", "x"}, 1, unix.ENOTDIR}, // symlinks are not followed
		{[]string{".."}, 0, unix.EINVAL},
		{[]string{"."}, 0, unix.EINVAL},
		{[]string{""}, 0, unix.EINVAL},
		{[]string{"sub/inner"}, 0, unix.EINVAL},
		{[]string{"sub", "..", "file"}, 1, unix.EINVAL},
		{[]string{"a\x00b"}, 0, unix.EINVAL},
		{[]string{strings.Repeat("x", 255)}, 0, unix.ENOENT},
		{[]string{strings.Repeat("x", 256)}, 0, unix.ENAMETOOLONG},
	} {
		t.Run(fmt.Sprintf("%q", tc.names), func(t *testing.T) {
			fids, stats, err := f.c.Walk(f.rootFID, tc.names)
			if !errors.Is(err, tc.wantErr) || (err != nil && tc.wantErr == nil) {
				t.Fatalf("Walk: err = %v, want %v", err, tc.wantErr)
			}
			if len(fids) != tc.walked || len(stats) != tc.walked {
				t.Fatalf("Walk: %d FIDs, %d stats; want %d", len(fids), len(stats), tc.walked)
			}
			path := f.root
			for i := range fids {
				path = filepath.Join(path, tc.names[i])
				if want := hostStat(t, path); stats[i] != want {
					t.Errorf("stat of %s = %+v, want %+v", path, stats[i], want)
				}
			}
			for _, fid := range fids {
				if err := f.c.Clunk(fid); err != nil {
					t.Errorf("Clunk: %v", err)
				}
			}
		})
	}
}

func TestStat(t *testing.T) {
	f := serve(t, tree(t), true)
	for _, path := range []string{"file", "sub", "sub/inner", "link", "dangling", "fifo"} {
		fid := f.walk(t, path)
		st, err := f.c.Stat(fid)
		if err != nil {
			t.Fatalf("Stat(%s): %v", path, err)
		}
		if want := hostStat(t, filepath.Join(f.root, path)); st != want {
			t.Errorf("Stat(%s) = %+v, want %+v", path, st, want)
		}
	}
	st, err := f.c.Stat(f.rootFID)
	if err != nil {
		t.Fatal(err)
	}
	if want := hostStat(t, f.root); st != want {
		t.Errorf("Stat(root) = %+v, want %+v", st, want)
	}
	if st := hostStat(t, filepath.Join(f.root, "link")); st.Mode&unix.S_IFMT != unix.S_IFLNK {
		t.Errorf("link mode %o, want a symlink", st.Mode)
	}
}

func TestStatAt(t *testing.T) {
	f := serve(t, tree(t), true)
	names := []string{"file", "sub", "link", "dangling", "fifo", "missing", "..", "a/b"}
	stats, errs, err := f.c.StatAt(f.rootFID, names)
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range names[:5] {
		if errs[i] != nil {
			t.Errorf("StatAt(%s): %v", name, errs[i])
		} else if want := hostStat(t, filepath.Join(f.root, name)); stats[i] != want {
			t.Errorf("StatAt(%s) = %+v, want %+v", name, stats[i], want)
		}
	}
	for i, want := range []error{unix.ENOENT, unix.EINVAL, unix.EINVAL} {
		if errs[5+i] != want {
			t.Errorf("StatAt(%q): %v, want %v", names[5+i], errs[5+i], want)
		}
	}
	// A file is not a directory; too many names are refused.
	if _, _, err := f.c.StatAt(f.walk(t, "file"), []string{"x"}); err != unix.ENOTDIR {
		t.Errorf("StatAt on a file: %v, want ENOTDIR", err)
	}
	if _, _, err := f.c.StatAt(f.rootFID, make([]string, proto.MaxWalkNames+1)); err != unix.EINVAL {
		t.Errorf("StatAt of too many names: %v, want EINVAL", err)
	}
}

func TestOpen(t *testing.T) {
	f := serve(t, tree(t), true)
	for _, tc := range []struct {
		path    string
		flags   int
		want    string // contents, for regular files
		wantErr error
	}{
		{"file", unix.O_RDONLY, "hello", nil},
		{"sub/inner", unix.O_RDONLY, "inner", nil},
		{"sub", unix.O_RDONLY | unix.O_DIRECTORY, "", nil},
		{"", unix.O_RDONLY | unix.O_DIRECTORY, "", nil},
		{"file", unix.O_RDONLY | unix.O_DIRECTORY, "", unix.ENOTDIR},
		{"link", unix.O_RDONLY, "", unix.ELOOP},
		{"file", unix.O_RDONLY | unix.O_CREAT, "", unix.EINVAL},
		{"file", unix.O_WRONLY, "", unix.EROFS},
		{"file", unix.O_RDWR, "", unix.EROFS},
		{"file", unix.O_RDONLY | unix.O_TRUNC, "", unix.EROFS},
		{"fifo", unix.O_RDONLY, "", nil}, // does not block the server
	} {
		t.Run(fmt.Sprintf("%s/%#x", tc.path, tc.flags), func(t *testing.T) {
			fid := f.rootFID
			if tc.path != "" {
				fid = f.walk(t, tc.path)
			}
			fd, err := f.c.Open(fid, tc.flags)
			if !errors.Is(err, tc.wantErr) || (err != nil && tc.wantErr == nil) {
				t.Fatalf("Open: err = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				if fd != -1 {
					t.Errorf("Open failed but returned fd %d", fd)
				}
				return
			}
			defer unix.Close(fd)
			fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
			if err != nil || fl&unix.FD_CLOEXEC == 0 {
				t.Errorf("donated fd is not close-on-exec (%#x, %v)", fl, err)
			}
			if tc.want != "" {
				buf := make([]byte, 100)
				n, err := unix.Pread(fd, buf, 0)
				if err != nil || string(buf[:n]) != tc.want {
					t.Errorf("pread = %q, %v; want %q", buf[:n], err, tc.want)
				}
			}
		})
	}
}

func TestReadlink(t *testing.T) {
	f := serve(t, tree(t), true)
	for _, tc := range []struct {
		path, want string
		wantErr    error
	}{
		{"link", "file", nil},
		{"dangling", "nowhere", nil},
		{"file", "", unix.EINVAL},
		{"sub", "", unix.EINVAL},
	} {
		got, err := f.c.Readlink(f.walk(t, tc.path))
		if got != tc.want || !errors.Is(err, tc.wantErr) || (err != nil && tc.wantErr == nil) {
			t.Errorf("Readlink(%s) = %q, %v; want %q, %v", tc.path, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestGetdents(t *testing.T) {
	root := tree(t)
	// A directory too big for one packet.
	big := filepath.Join(root, "big")
	if err := os.Mkdir(big, 0o755); err != nil {
		t.Fatal(err)
	}
	var bigNames []string
	for i := 0; i < 3000; i++ {
		name := fmt.Sprintf("%04d-%s", i, strings.Repeat("n", 40))
		bigNames = append(bigNames, name)
		if err := os.WriteFile(filepath.Join(big, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f := serve(t, root, true)

	types := map[string]uint8{
		"file": unix.DT_REG, "sub": unix.DT_DIR, "link": unix.DT_LNK,
		"dangling": unix.DT_LNK, "fifo": unix.DT_FIFO, "big": unix.DT_DIR,
	}
	ents, err := f.c.Getdents(f.rootFID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != len(types) {
		t.Errorf("got %d entries %+v, want %d", len(ents), ents, len(types))
	}
	for _, e := range ents {
		want, ok := types[e.Name]
		if !ok {
			t.Errorf("unexpected entry %q", e.Name)
			continue
		}
		if e.Type != want {
			t.Errorf("%s: type %d, want %d", e.Name, e.Type, want)
		}
		if st := hostStat(t, filepath.Join(root, e.Name)); e.Ino != st.Ino {
			t.Errorf("%s: ino %d, want %d", e.Name, e.Ino, st.Ino)
		}
	}

	bigEnts, err := f.c.Getdents(f.walk(t, "big"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range bigEnts {
		got = append(got, e.Name)
	}
	sort.Strings(got)
	if strings.Join(got, ",") != strings.Join(bigNames, ",") {
		t.Errorf("big directory: got %d entries, want %d", len(got), len(bigNames))
	}

	// Reading it again gives the same (fresh) listing.
	again, err := f.c.Getdents(f.rootFID)
	if err != nil || len(again) != len(ents) {
		t.Errorf("second Getdents: %d entries, %v", len(again), err)
	}

	if _, err := f.c.Getdents(f.walk(t, "file")); !errors.Is(err, unix.ENOTDIR) {
		t.Errorf("Getdents(file): %v, want ENOTDIR", err)
	}
}

func TestStatfs(t *testing.T) {
	f := serve(t, tree(t), true)
	got, err := f.c.Statfs(f.rootFID)
	if err != nil {
		t.Fatal(err)
	}
	var want unix.Statfs_t
	if err := unix.Statfs(f.root, &want); err != nil {
		t.Fatal(err)
	}
	if got.Type != want.Type || got.Bsize != want.Bsize || got.Namelen != want.Namelen || got.Fsid != want.Fsid.Val || got.Flags != want.Flags {
		t.Errorf("Statfs = %+v, want %+v", got, want)
	}
}

func TestBadFID(t *testing.T) {
	f := serve(t, tree(t), false)
	fid := f.walk(t, "file")
	if err := f.c.Clunk(fid); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"Stat":   func() error { _, err := f.c.Stat(fid); return err }(),
		"Open":   func() error { _, err := f.c.Open(fid, 0); return err }(),
		"Walk":   func() error { _, _, err := f.c.Walk(fid, []string{"x"}); return err }(),
		"Clunk":  f.c.Clunk(fid),
		"Unused": func() error { _, err := f.c.Stat(12345); return err }(),
	} {
		if !errors.Is(err, unix.EBADF) {
			t.Errorf("%s on a clunked FID: %v, want EBADF", name, err)
		}
	}
	// A file outlives the clunk of its parent.
	sub := f.walk(t, "sub")
	fids, _, err := f.c.Walk(sub, []string{"inner"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.c.Clunk(sub); err != nil {
		t.Fatal(err)
	}
	fd, err := f.c.Open(fids[0], unix.O_RDONLY)
	if err != nil {
		t.Fatalf("Open after the parent's clunk: %v", err)
	}
	unix.Close(fd)
	// Directory operations on a non-directory.
	file := f.walk(t, "file")
	if _, _, err := f.c.Mkdir(file, "x", 0o755, client.NoID, client.NoID); !errors.Is(err, unix.ENOTDIR) {
		t.Errorf("Mkdir in a file: %v, want ENOTDIR", err)
	}
}

func TestReadonly(t *testing.T) {
	root := tree(t)
	f := serve(t, root, true)
	sub := f.walk(t, "sub")
	file := f.walk(t, "file")
	uid, gid := uint32(os.Getuid()), uint32(os.Getgid())
	for name, call := range map[string]func() error{
		"Create": func() error {
			_, _, fd, err := f.c.Create(sub, "new", unix.O_RDWR, 0o644, uid, gid)
			if fd >= 0 {
				unix.Close(fd)
			}
			return err
		},
		"Mkdir":   func() error { _, _, err := f.c.Mkdir(sub, "new", 0o755, uid, gid); return err },
		"Mknod":   func() error { _, _, err := f.c.Mknod(sub, "new", unix.S_IFIFO|0o644, 0, uid, gid); return err },
		"Symlink": func() error { _, _, err := f.c.Symlink(sub, "new", "x", uid, gid); return err },
		"Link":    func() error { _, _, err := f.c.Link(sub, "new", file); return err },
		"Unlink":  func() error { return f.c.Unlink(sub, "inner", 0) },
		"Rmdir":   func() error { return f.c.Unlink(f.rootFID, "sub", unix.AT_REMOVEDIR) },
		"Rename":  func() error { return f.c.Rename(sub, "inner", f.rootFID, "moved") },
		"Chmod":   func() error { return f.c.SetStat(file, client.SetStatArgs{Mask: client.SetStatMode, Mode: 0o600}) },
		"Truncate": func() error {
			return f.c.SetStat(file, client.SetStatArgs{Mask: client.SetStatSize, Size: 1})
		},
		"Utimes": func() error {
			return f.c.SetStat(file, client.SetStatArgs{Mask: client.SetStatMtime, Mtime: client.Timespec{Nsec: unix.UTIME_NOW}})
		},
	} {
		if err := call(); !errors.Is(err, unix.EROFS) {
			t.Errorf("%s: %v, want EROFS", name, err)
		}
	}
	ents, err := f.c.Getdents(sub)
	if err != nil || len(ents) != 1 || ents[0].Name != "inner" {
		t.Errorf("sub changed: %+v, %v", ents, err)
	}
	if b, err := os.ReadFile(filepath.Join(root, "file")); err != nil || string(b) != "hello" {
		t.Errorf("file changed: %q, %v", b, err)
	}
}

func TestWriteOps(t *testing.T) {
	old := syscall.Umask(0o077) // modes must not depend on the umask
	defer syscall.Umask(old)
	root := tree(t)
	f := serve(t, root, false)
	uid, gid := uint32(os.Getuid()), uint32(os.Getgid())
	sub := f.walk(t, "sub")

	// Create, write through the donated fd.
	nfid, nst, fd, err := f.c.Create(sub, "new", unix.O_RDWR, 0o640, uid, gid)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if _, err := unix.Pwrite(fd, []byte("written"), 0); err != nil {
		t.Fatal(err)
	}
	unix.Close(fd)
	if b, err := os.ReadFile(filepath.Join(root, "sub", "new")); err != nil || string(b) != "written" {
		t.Errorf("created file holds %q, %v", b, err)
	}
	if nst.Mode != unix.S_IFREG|0o640 || nst.UID != uid || nst.GID != gid {
		t.Errorf("created file: mode %o uid %d gid %d", nst.Mode, nst.UID, nst.GID)
	}
	if _, _, fd, err := f.c.Create(sub, "new", unix.O_RDWR, 0o640, uid, gid); !errors.Is(err, unix.EEXIST) {
		t.Errorf("Create of an existing name: %v, want EEXIST", err)
		if fd >= 0 {
			unix.Close(fd)
		}
	}
	if _, _, _, err := f.c.Create(sub, "..", unix.O_RDWR, 0o640, uid, gid); !errors.Is(err, unix.EINVAL) {
		t.Errorf("Create of ..: %v, want EINVAL", err)
	}

	// Mkdir, Mknod, Symlink.
	_, dst, err := f.c.Mkdir(sub, "dir", 0o711, uid, gid)
	if err != nil || dst.Mode != unix.S_IFDIR|0o711 {
		t.Errorf("Mkdir: mode %o, %v", dst.Mode, err)
	}
	_, fst, err := f.c.Mknod(sub, "pipe", unix.S_IFIFO|0o604, 0, uid, gid)
	if err != nil || fst.Mode != unix.S_IFIFO|0o604 {
		t.Errorf("Mknod: mode %o, %v", fst.Mode, err)
	}
	if _, _, err := f.c.Mknod(sub, "dev", unix.S_IFCHR|0o600, unix.Mkdev(1, 3), uid, gid); !errors.Is(err, unix.EPERM) {
		t.Errorf("Mknod of a device: %v, want EPERM", err)
	}
	sfid, sst, err := f.c.Symlink(sub, "sym", "../file", uid, gid)
	if err != nil || sst.Mode&unix.S_IFMT != unix.S_IFLNK {
		t.Errorf("Symlink: mode %o, %v", sst.Mode, err)
	}
	if target, err := f.c.Readlink(sfid); err != nil || target != "../file" {
		t.Errorf("Readlink of new symlink = %q, %v", target, err)
	}
	if got, err := os.Readlink(filepath.Join(root, "sub", "sym")); err != nil || got != "../file" {
		t.Errorf("host readlink = %q, %v", got, err)
	}

	// Link.
	_, lst, err := f.c.Link(f.rootFID, "hard", nfid)
	if err != nil || lst.Ino != nst.Ino || lst.Nlink != 2 {
		t.Errorf("Link: ino %d (want %d) nlink %d, %v", lst.Ino, nst.Ino, lst.Nlink, err)
	}
	if _, _, err := f.c.Link(f.rootFID, "dirlink", sub); !errors.Is(err, unix.EPERM) {
		t.Errorf("Link of a directory: %v, want EPERM", err)
	}

	// SetStat.
	if err := f.c.SetStat(nfid, client.SetStatArgs{Mask: client.SetStatMode | client.SetStatSize, Mode: 0o600, Size: 3}); err != nil {
		t.Errorf("SetStat mode+size: %v", err)
	}
	if st := hostStat(t, filepath.Join(root, "sub", "new")); st.Mode != unix.S_IFREG|0o600 || st.Size != 3 {
		t.Errorf("after SetStat: mode %o size %d", st.Mode, st.Size)
	}
	before := hostStat(t, filepath.Join(root, "sub", "new"))
	if err := f.c.SetStat(nfid, client.SetStatArgs{Mask: client.SetStatAtime | client.SetStatMtime,
		Atime: client.Timespec{Sec: 1000, Nsec: 5}, Mtime: client.Timespec{Nsec: unix.UTIME_OMIT}}); err != nil {
		t.Errorf("SetStat atime: %v", err)
	}
	after := hostStat(t, filepath.Join(root, "sub", "new"))
	if after.Atime != (proto.Timespec{Sec: 1000, Nsec: 5}) || after.Mtime != before.Mtime {
		t.Errorf("after SetStat times: atime %+v mtime %+v (was %+v)", after.Atime, after.Mtime, before.Mtime)
	}
	if err := f.c.SetStat(nfid, client.SetStatArgs{Mask: client.SetStatMtime, Mtime: client.Timespec{Sec: 2000}}); err != nil {
		t.Errorf("SetStat mtime: %v", err)
	}
	if st, err := f.c.Stat(nfid); err != nil || st.Mtime != (proto.Timespec{Sec: 2000}) || st.Atime != after.Atime {
		t.Errorf("Stat after mtime change: %+v, %v", st, err)
	}
	if err := f.c.SetStat(nfid, client.SetStatArgs{Mask: client.SetStatUID | client.SetStatGID, UID: uid, GID: gid}); err != nil {
		t.Errorf("SetStat owner: %v", err)
	}
	if err := f.c.SetStat(sfid, client.SetStatArgs{Mask: client.SetStatMode, Mode: 0o600}); !errors.Is(err, unix.EOPNOTSUPP) {
		t.Errorf("chmod of a symlink: %v, want EOPNOTSUPP", err)
	}
	if err := f.c.SetStat(sub, client.SetStatArgs{Mask: client.SetStatSize}); !errors.Is(err, unix.EISDIR) {
		t.Errorf("truncate of a directory: %v, want EISDIR", err)
	}
	if err := f.c.SetStat(sub, client.SetStatArgs{Mask: client.SetStatMode, Mode: 0o700}); err != nil {
		t.Errorf("chmod of a directory: %v", err)
	}
	if st := hostStat(t, filepath.Join(root, "sub")); st.Mode != unix.S_IFDIR|0o700 {
		t.Errorf("sub mode %o after chmod", st.Mode)
	}

	// Rename: the FID follows the file.
	if err := f.c.Rename(sub, "new", f.rootFID, "renamed"); err != nil {
		t.Fatalf("Rename: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "renamed")); err != nil {
		t.Errorf("after Rename: %v", err)
	}
	fd, err = f.c.Open(nfid, unix.O_RDONLY)
	if err != nil {
		t.Errorf("Open of a renamed FID: %v", err)
	} else {
		unix.Close(fd)
	}

	// Unlink.
	if err := f.c.Unlink(f.rootFID, "renamed", 0); err != nil {
		t.Errorf("Unlink: %v", err)
	}
	if _, err := f.c.Open(nfid, unix.O_RDONLY); !errors.Is(err, unix.ENOENT) {
		t.Errorf("Open of an unlinked file: %v, want ENOENT", err)
	}
	if err := f.c.Unlink(sub, "dir", 0); !errors.Is(err, unix.EISDIR) {
		t.Errorf("Unlink of a directory without AT_REMOVEDIR: %v, want EISDIR", err)
	}
	if err := f.c.Unlink(sub, "dir", unix.AT_REMOVEDIR); err != nil {
		t.Errorf("rmdir: %v", err)
	}
	if err := f.c.Unlink(f.rootFID, "sub", unix.AT_REMOVEDIR); !errors.Is(err, unix.ENOTEMPTY) {
		t.Errorf("rmdir of a non-empty directory: %v, want ENOTEMPTY", err)
	}
	if err := f.c.Unlink(sub, "x", 0x1000); !errors.Is(err, unix.EINVAL) {
		t.Errorf("Unlink with bad flags: %v, want EINVAL", err)
	}

	// Open for writing with O_TRUNC.
	fd, err = f.c.Open(f.walk(t, "file"), unix.O_WRONLY|unix.O_TRUNC)
	if err != nil {
		t.Fatalf("Open O_TRUNC: %v", err)
	}
	unix.Close(fd)
	if st := hostStat(t, filepath.Join(root, "file")); st.Size != 0 {
		t.Errorf("file size %d after O_TRUNC", st.Size)
	}
}

// rawCall sends pkt (with an FD attached if attach >= 0) and returns the
// response's op and errno.
func rawCall(t *testing.T, sock int, pkt []byte, attach int) (proto.Op, uint32) {
	t.Helper()
	if err := proto.Send(sock, pkt, attach); err != nil {
		t.Fatalf("send: %v", err)
	}
	buf := make([]byte, proto.MaxMessageSize)
	resp, fds, err := proto.Recv(sock, buf)
	if err != nil {
		t.Fatalf("recv: %v", err)
	}
	proto.CloseAll(fds)
	d := proto.NewDecoder(resp)
	op, errno := proto.Op(d.Uint32()), d.Uint32()
	if d.Err() != nil {
		t.Fatalf("short response %x", resp)
	}
	return op, errno
}

func TestMalformedRequests(t *testing.T) {
	f := serve(t, tree(t), false)
	valid := proto.EncodeRequest(proto.OpStat, &proto.FIDReq{FID: f.rootFID})
	walk := proto.EncodeRequest(proto.OpWalk, &proto.WalkReq{Dir: f.rootFID, Names: []string{"file"}})
	for _, tc := range []struct {
		name   string
		pkt    []byte
		wantOp proto.Op
	}{
		{"empty", []byte{}, 0},
		{"short op", []byte{1, 0}, 0},
		{"unknown op", []byte{99, 0, 0, 0}, 99},
		{"op zero", []byte{0, 0, 0, 0}, 0},
		{"truncated walk", walk[:len(walk)-2], proto.OpWalk},
		{"trailing bytes", append(append([]byte{}, valid...), 0), proto.OpStat},
		{"FID 0", proto.EncodeRequest(proto.OpStat, &proto.FIDReq{FID: 0})[:12], proto.OpStat},
		{"huge string length", []byte{byte(proto.OpWalk), 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}, proto.OpWalk},
		{"huge count", []byte{byte(proto.OpWalk), 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f}, proto.OpWalk},
		{"oversized", make([]byte, proto.MaxMessageSize+100), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op, errno := rawCall(t, f.raw, tc.pkt, -1)
			if op != tc.wantOp || unix.Errno(errno) != unix.EINVAL {
				t.Errorf("response op %v errno %d, want op %v EINVAL", op, errno, tc.wantOp)
			}
			// The server still serves.
			if _, err := f.c.Stat(f.rootFID); err != nil {
				t.Errorf("Stat after a bad request: %v", err)
			}
		})
	}
	// An FD sent with a request is closed by the server and ignored.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	op, errno := rawCall(t, f.raw, valid, int(w.Fd()))
	w.Close()
	if op != proto.OpStat || errno != 0 {
		t.Errorf("request with an FD: op %v errno %d", op, errno)
	}
	// With the server's copy closed too, the pipe reports EOF.
	if n, err := r.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Errorf("pipe read = %d, %v; the server kept the donated FD", n, err)
	}
}

func TestServeEndsOnClose(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- gofer.Serve(fds[0], tree(t), true, gofer.WithoutChroot()) }()
	c := client.New(fds[1])
	if _, _, err := c.Attach(); err != nil {
		t.Fatal(err)
	}
	unix.Close(fds[1])
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
	unix.Close(fds[0])
}

func TestServeBadRoot(t *testing.T) {
	if err := gofer.Serve(-1, filepath.Join(t.TempDir(), "missing"), true, gofer.WithoutChroot()); err == nil {
		t.Error("Serve of a missing root succeeded")
	}
}
