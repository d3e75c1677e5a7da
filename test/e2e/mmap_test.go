package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
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
