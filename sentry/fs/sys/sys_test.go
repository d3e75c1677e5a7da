package sys

import (
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/vfs"
)

func read(t *testing.T, root vfs.Inode, path ...string) string {
	t.Helper()
	in := root
	for _, name := range path {
		var err error
		if in, err = in.Lookup(name); err != nil {
			t.Fatalf("lookup %v: %v", path, err)
		}
	}
	impl, err := in.Open(unix.O_RDONLY)
	if err != nil {
		t.Fatalf("open %v: %v", path, err)
	}
	defer impl.Release()
	buf := make([]byte, 256)
	n, err := impl.Read(buf, 0)
	if err != nil {
		t.Fatalf("read %v: %v", path, err)
	}
	return string(buf[:n])
}

func TestTree(t *testing.T) {
	for _, tc := range []struct {
		ncpu int
		want string
	}{{1, "0\n"}, {2, "0-1\n"}, {64, "0-63\n"}} {
		root := newTree(tc.ncpu, nil)
		for _, f := range []string{"online", "possible", "present"} {
			if got := read(t, root, "devices", "system", "cpu", f); got != tc.want {
				t.Errorf("%d CPUs: cpu/%s = %q, want %q", tc.ncpu, f, got, tc.want)
			}
		}
		cpu, err := root.Lookup("devices")
		if err == nil {
			cpu, err = cpu.Lookup("system")
		}
		if err == nil {
			cpu, err = cpu.Lookup("cpu")
		}
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < tc.ncpu; i++ {
			d, err := cpu.Lookup("cpu" + strconv.Itoa(i))
			if err != nil {
				t.Fatalf("cpu%d: %v", i, err)
			}
			if st, _ := d.Stat(); !st.IsDir() {
				t.Errorf("cpu%d is not a directory", i)
			}
		}
		if _, err := cpu.Lookup("cpu" + strconv.Itoa(tc.ncpu)); err != unix.ENOENT {
			t.Errorf("cpu%d: %v", tc.ncpu, err)
		}
	}
	root := New(nil)
	if got := read(t, root, "kernel", "mm", "transparent_hugepage", "enabled"); got != "always [madvise] never\n" {
		t.Errorf("thp enabled %q", got)
	}
	if got := read(t, root, "kernel", "mm", "transparent_hugepage", "hpage_pmd_size"); got != "2097152\n" {
		t.Errorf("hpage_pmd_size %q", got)
	}
	fs, err := root.Lookup("fs")
	if err != nil {
		t.Fatal(err)
	}
	cg, err := fs.Lookup("cgroup")
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := cg.Stat(); !st.IsDir() {
		t.Errorf("fs/cgroup is not a directory")
	}
	f, err := root.Lookup("kernel")
	if err == nil {
		f, err = f.Lookup("mm")
	}
	if err == nil {
		f, err = f.Lookup("transparent_hugepage")
	}
	if err == nil {
		f, err = f.Lookup("enabled")
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Open(unix.O_WRONLY); err == nil {
		t.Errorf("sysfs file opened for writing")
	}
	if CPUList(0) != "0" || CPUList(3) != "0-2" {
		t.Errorf("CPUList")
	}
}

func TestCPUMask(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{
		{1, "1"},
		{2, "3"},
		{4, "f"},
		{5, "1f"},
		{32, "ffffffff"},
		{36, "f,ffffffff"},
		{64, "ffffffff,ffffffff"},
		{65, "1,ffffffff,ffffffff"},
	} {
		if got := CPUMask(tc.n); got != tc.want {
			t.Errorf("CPUMask(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
