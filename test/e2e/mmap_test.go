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

// TestEvictedDentryKeepsFile: a file mapped and closed, whose dentry the
// dentry cache then evicts (more lookups than its cap), is still the same
// file when opened again: one page cache for the mapping and the new fd.
func TestEvictedDentryKeepsFile(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("no gcc")
	}
	dir := hostScratch(t)
	prog := filepath.Join(dir, "evict_coherent")
	if out, err := exec.Command("gcc", "-static", "-O1", "-o", prog, "testdata/evict_coherent.c").CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	const n = 10000 // more than vfs.MaxEvictableDentries
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
	got := runLong(t, 2*time.Minute, "do", "--volume", data+":/mnt", prog, "/mnt", strconv.Itoa(n))
	if got.code != 0 || got.stdout != "coherent\n" {
		t.Errorf("sandbox: exit %d\nstdout %q\nstderr %q", got.code, got.stdout, got.stderr)
	}
	b, err := os.ReadFile(filepath.Join(data, "f"))
	if err != nil || string(b[:7]) != "via-map" || string(b[100:106]) != "via-fd" {
		t.Errorf("host f: %q %q, %v", b[:7], b[100:106], err)
	}
}
