package tmpfs

import (
	"bytes"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/platform"
	"github.com/moat-dev/moat/sentry/memfile"
	"github.com/moat-dev/moat/sentry/mm"
	"github.com/moat-dev/moat/sentry/vfs"
)

func newFS(t *testing.T, o Options) (*FS, *memfile.File) {
	t.Helper()
	mf, err := memfile.New(64 << 20)
	if err != nil {
		t.Fatal(err)
	}
	return New(mf, o), mf
}

func create(t *testing.T, dir *Inode, name string) (*Inode, vfs.FileImpl) {
	t.Helper()
	in, f, err := dir.Create(name, vfs.NewNode{Mode: unix.S_IFREG | 0o644}, unix.O_RDWR)
	if err != nil {
		t.Fatal(err)
	}
	return in.(*Inode), f
}

// TestMappingIsTheFile: the pages mmap gets are the file's own, in both
// directions.
func TestMappingIsTheFile(t *testing.T) {
	fs, mf := newFS(t, Options{})
	in, f := create(t, fs.Root(), "f")
	defer f.Release()
	f.Write([]byte("hello"), 4096+10)
	m, err := f.(vfs.Mapper).Mappable()
	if err != nil {
		t.Fatal(err)
	}
	off, err := m.Page(4096)
	if err != nil {
		t.Fatal(err)
	}
	page := mf.Bytes(off, 4096)
	if !bytes.Equal(page[10:15], []byte("hello")) {
		t.Errorf("page holds %q", page[10:15])
	}
	copy(page[9:], "mapped")
	buf := make([]byte, 6)
	if n, _ := in.ReadAt(buf, 4096+9); n != 6 || string(buf) != "mapped" {
		t.Errorf("read after a store through the mapping: %q", buf[:n])
	}
	// A hole gets a page on fault; past the end is beyond EOF.
	if _, err := m.Page(0); err != nil {
		t.Errorf("fault on a hole: %v", err)
	}
	if _, err := m.Page(8192); err != mm.ErrBeyondEOF {
		t.Errorf("fault past the end: %v", err)
	}
}

func TestTruncateZeroes(t *testing.T) {
	fs, _ := newFS(t, Options{})
	in, f := create(t, fs.Root(), "f")
	defer f.Release()
	f.Write(bytes.Repeat([]byte{'a'}, 10000), 0)
	if err := in.Truncate(5); err != nil {
		t.Fatal(err)
	}
	in.Truncate(10000)
	buf := make([]byte, 10000)
	n, _ := in.ReadAt(buf, 0)
	if n != 10000 || string(buf[:5]) != "aaaaa" || bytes.Count(buf[5:], []byte{0}) != 9995 {
		t.Errorf("after shrink and grow: %d bytes, %q...", n, buf[:8])
	}
	if st, _ := in.Stat(); st.Blocks != 8 {
		t.Errorf("blocks %d, want 8 (one page)", st.Blocks)
	}
}

func TestSizeLimit(t *testing.T) {
	fs, _ := newFS(t, Options{Size: 4 * 4096})
	in, f := create(t, fs.Root(), "f")
	n, err := f.Write(make([]byte, 5*4096), 0)
	if n != 4*4096 || err != nil {
		t.Errorf("write past the limit: %d, %v", n, err)
	}
	if _, err := f.Write([]byte{1}, 5*4096); err != unix.ENOSPC {
		t.Errorf("write when full: %v", err)
	}
	st, _ := fs.Statfs()
	if st.Blocks != 4 || st.Bfree != 0 {
		t.Errorf("statfs %d blocks, %d free", st.Blocks, st.Bfree)
	}
	// Removing the file frees its pages once it is closed.
	fs.Root().Unlink("f", false)
	f.Release()
	if st, _ := fs.Statfs(); st.Bfree != 4 {
		t.Errorf("after unlink and close: %d free", st.Bfree)
	}
	_ = in
}

func TestOptions(t *testing.T) {
	o, err := ParseOptions([]string{"size=64k", "mode=1700", "uid=5", "gid=6", "nosuid", "nr_inodes=10"}, 0)
	if err != nil || o.Size != 64<<10 || o.Mode != 0o1700 || o.UID != 5 || o.GID != 6 || o.NrInodes != 10 {
		t.Errorf("ParseOptions: %+v, %v", o, err)
	}
	if o, err := ParseOptions([]string{"size=50%"}, 1<<30); err != nil || o.Size != 512<<20 {
		t.Errorf("size=50%%: %+v, %v", o, err)
	}
	for _, bad := range []string{"size=", "size=x", "mode=99", "uid=-1"} {
		if _, err := ParseOptions([]string{bad}, 1<<30); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestConcurrentWriters(t *testing.T) {
	fs, _ := newFS(t, Options{})
	in, f := create(t, fs.Root(), "f")
	defer f.Release()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			chunk := bytes.Repeat([]byte{byte('a' + g)}, 4096)
			for i := 0; i < 20; i++ {
				f.Write(chunk, int64((g*20+i)*4096))
				in.Stat()
				buf := make([]byte, 100)
				in.ReadAt(buf, int64(i*100))
			}
		}(g)
	}
	wg.Wait()
	if st, _ := in.Stat(); st.Size != 160*4096 {
		t.Errorf("size %d", st.Size)
	}
}

// TestMappingKeepsFile: a file unlinked and closed while mapped keeps
// its data for the mapping, through splits, forks and remaps, and its
// pages go back to the memory file when the last mapping goes.
func TestMappingKeepsFile(t *testing.T) {
	rw := platform.AccessType{Read: true, Write: true}
	const size = 64 << 10
	tests := []struct {
		name string
		// hold makes more mappings of [addr, addr+size) in m and
		// returns the memory managers to release last.
		hold func(t *testing.T, m *mm.MemoryManager, addr uint64) []*mm.MemoryManager
	}{
		{"plain", func(*testing.T, *mm.MemoryManager, uint64) []*mm.MemoryManager { return nil }},
		{"split", func(t *testing.T, m *mm.MemoryManager, addr uint64) []*mm.MemoryManager {
			if err := m.MProtect(addr+4096, 4096, platform.AccessType{Read: true}); err != nil {
				t.Fatal(err)
			}
			return nil
		}},
		{"fork", func(t *testing.T, m *mm.MemoryManager, addr uint64) []*mm.MemoryManager {
			return []*mm.MemoryManager{m.Fork(nil)}
		}},
		{"remap", func(t *testing.T, m *mm.MemoryManager, addr uint64) []*mm.MemoryManager {
			if _, err := m.MRemap(addr, size, size, true, false, 0); err != nil {
				t.Fatal(err)
			}
			return nil
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs, mf := newFS(t, Options{})
			before := mf.UsedPages()
			in, f := create(t, fs.Root(), "f")
			in.Truncate(size)
			obj, err := f.(vfs.Mapper).Mappable()
			if err != nil {
				t.Fatal(err)
			}
			m := mm.New(mf, nil)
			addr, err := m.MMap(mm.MMapOpts{Length: size, Perms: rw, MaxPerms: rw, Obj: obj})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.CopyOut(addr+size-5, []byte("hello")); err != nil {
				t.Fatal(err)
			}
			others := tc.hold(t, m, addr)
			if err := fs.Root().Unlink("f", false); err != nil {
				t.Fatal(err)
			}
			f.Release()
			if got := mf.UsedPages() - before; got == 0 {
				t.Fatalf("pages freed while the file is still mapped")
			}
			for _, o := range append([]*mm.MemoryManager{m}, others...) {
				buf := make([]byte, 5)
				vmas := o.VMAs()
				last := vmas[len(vmas)-1]
				if _, err := o.CopyIn(last.End-5, buf); err != nil || string(buf) != "hello" {
					t.Errorf("read through the mapping after unlink and close: %q, %v", buf, err)
				}
			}
			m.Release()
			if len(others) == 0 && mf.UsedPages() != before {
				t.Errorf("after the last unmap: %d pages in use, want %d", mf.UsedPages(), before)
			}
			for _, o := range others {
				if mf.UsedPages() == before {
					t.Errorf("pages freed while a forked copy still maps the file")
				}
				o.Release()
			}
			if got := mf.UsedPages(); got != before {
				t.Errorf("after every mapping went: %d pages in use, want %d", got, before)
			}
		})
	}
}
