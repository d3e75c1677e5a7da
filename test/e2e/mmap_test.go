package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestSharedMappingWriteBack: stores through writable MAP_SHARED mappings
// of files on the gofer filesystem reach the host file, on munmap and on
// exit, for a --volume bind mount and for the rootfs with --overlay=none,
// on both platforms. The program (test/syscalls/fs_mmap_shared_write.c)
// checks coherence and SIGBUS inside the sandbox itself.
func TestSharedMappingWriteBack(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("no gcc")
	}
	prog := filepath.Join(hostScratch(t), "mmap_shared_write")
	if out, err := exec.Command("gcc", "-static", "-O1", "-I../syscalls", "-o", prog, "../syscalls/fs_mmap_shared_write.c").CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	pageOf := func(s string, off int) []byte {
		b := make([]byte, 4096)
		copy(b[off:], s)
		return b
	}
	want := map[string][]byte{
		"coherent": append(append(pageOf("mapped-1", 0), pageOf("written", 10)...), pageOf("Third", 100)...),
		"shrink":   append(bytes.Repeat([]byte{'x'}, 100), make([]byte, 8192-100)...),
		"unmapped": pageOf("after close", 7),
		"exit":     append(make([]byte, 4096), pageOf("at exit", 1)...),
	}
	for _, platform := range []string{"ptrace", "systrap"} {
		for _, mode := range []string{"volume", "overlay-none"} {
			t.Run(platform+"/"+mode, func(t *testing.T) {
				dir := hostScratch(t)
				args := []string{"--platform=" + platform, "do", "--volume", dir + ":/mnt", prog, "/mnt"}
				if mode == "overlay-none" {
					args = []string{"--platform=" + platform, "--overlay=none", "do", prog, dir}
				}
				got := runLong(t, time.Minute, args...)
				if got.code != 0 || got.stdout != "PASS\n" {
					t.Fatalf("sandbox: exit %d\nstdout %q\nstderr %q", got.code, got.stdout, got.stderr)
				}
				for name, w := range want {
					b, err := os.ReadFile(filepath.Join(dir, name))
					if err != nil || !bytes.Equal(b, w) {
						t.Errorf("host %s: %d bytes (want %d), %v; first differing byte at %d", name, len(b), len(w), err, firstDiff(b, w))
					}
				}
			})
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// evictTree builds the host tree the evict_* programs take: dir/f (one
// page of zeroes) and n empty files in dir/many, more than
// vfs.MaxEvictableDentries.
func evictTree(t *testing.T, n int) string {
	t.Helper()
	data := filepath.Join(hostScratch(t), "data")
	if err := os.MkdirAll(filepath.Join(data, "many"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "f"), make([]byte, 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := os.WriteFile(filepath.Join(data, "many", strconv.Itoa(i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return data
}

// buildStatic compiles testdata/NAME.c into a static program in a
// scratch directory.
func buildStatic(t *testing.T, name string) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("no gcc")
	}
	prog := filepath.Join(hostScratch(t), name)
	if out, err := exec.Command("gcc", "-static", "-O1", "-o", prog, "testdata/"+name+".c").CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	return prog
}

// TestEvictedDentryKeepsFile: a file mapped and closed, whose dentry the
// dentry cache then evicts (more lookups than its cap), is still the same
// file when opened again: one page cache for the mapping and the new fd.
// Through a --volume, where the stores reach the host, and through the
// rootfs overlay, where they stay in the sandbox.
func TestEvictedDentryKeepsFile(t *testing.T) {
	prog := buildStatic(t, "evict_coherent")
	const n = 10000 // more than vfs.MaxEvictableDentries
	t.Run("volume", func(t *testing.T) {
		data := evictTree(t, n)
		got := runLong(t, 2*time.Minute, "do", "--volume", data+":/mnt", prog, "/mnt", strconv.Itoa(n))
		if got.code != 0 || got.stdout != "coherent\n" {
			t.Errorf("sandbox: exit %d\nstdout %q\nstderr %q", got.code, got.stdout, got.stderr)
		}
		b, err := os.ReadFile(filepath.Join(data, "f"))
		if err != nil || string(b[:7]) != "via-map" || string(b[100:106]) != "via-fd" {
			t.Errorf("host f: %q %q, %v", b[:7], b[100:106], err)
		}
	})
	t.Run("overlay", func(t *testing.T) {
		data := evictTree(t, n)
		got := runLong(t, 2*time.Minute, "do", prog, data, strconv.Itoa(n))
		if got.code != 0 || got.stdout != "coherent\n" {
			t.Errorf("sandbox: exit %d\nstdout %q\nstderr %q", got.code, got.stdout, got.stderr)
		}
		if b, err := os.ReadFile(filepath.Join(data, "f")); err != nil || string(b) != string(make([]byte, 4096)) {
			t.Errorf("host f changed: %q, %v", b[:8], err)
		}
	})
}

// TestEvictedDentryKeepsWatch: an inotify watch on a file reports a write
// made by its path after enough other lookups to push the file's dentry
// out of the dentry cache, were the watch not holding it. Through the
// rootfs overlay, which builds a new inode for a name looked up anew, and
// through a --volume.
func TestEvictedDentryKeepsWatch(t *testing.T) {
	prog := buildStatic(t, "evict_inotify")
	const n = 10000
	for _, tc := range []struct {
		name string
		args func(data string) []string
	}{
		{"overlay", func(data string) []string { return []string{"do", prog, data, strconv.Itoa(n)} }},
		{"volume", func(data string) []string {
			return []string{"do", "--volume", data + ":/mnt", prog, "/mnt", strconv.Itoa(n)}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := evictTree(t, n)
			got := runLong(t, 2*time.Minute, tc.args(data)...)
			if got.code != 0 || got.stdout != "notified\n" {
				t.Errorf("sandbox: exit %d\nstdout %q\nstderr %q", got.code, got.stdout, got.stderr)
			}
		})
	}
}

// TestUnmappedCacheSeesHostChange: the sandbox keeps the pages of a file
// after its last mapping goes, for the next one; a change the host makes
// to the file meanwhile (same size) must be what the next mapping shows.
func TestUnmappedCacheSeesHostChange(t *testing.T) {
	prog := buildStatic(t, "cache_stale")
	data := hostScratch(t)
	page := make([]byte, 8192)
	copy(page, "original")
	if err := os.WriteFile(filepath.Join(data, "f"), page, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(runsc(t), "do", "--volume", data+":/mnt", prog, "/mnt")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	deadline := time.Now().Add(time.Minute)
	for {
		if _, err := os.Stat(filepath.Join(data, "ready")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sandbox never mapped the file; stderr %q", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	copy(page, "changed!")
	if err := os.WriteFile(filepath.Join(data, "f"), page, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if got, want := stdout.String(), "map changed! read changed!\n"; err != nil || got != want {
		t.Errorf("sandbox: %v\nstdout %q, want %q\nstderr %q", err, got, want, stderr.String())
	}
}
