// Package sys is the sandbox's /sys: the few read-only sysfs files that
// C libraries and language runtimes read, such as the online CPUs and
// the transparent huge page settings.
package sys

import (
	"fmt"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/fs/synth"
	"github.com/moat-dev/moat/sentry/vfs"
)

// sysDev is the device number /sys reports.
var sysDev = unix.Mkdev(0, 21)

// New returns the root of a /sys filesystem.
func New() vfs.Inode {
	return newTree(runtime.NumCPU())
}

// CPUList returns the list of n CPUs as the cpu/online file shows it:
// "0-3", or "0" for a single CPU.
func CPUList(n int) string {
	if n <= 1 {
		return "0"
	}
	return fmt.Sprintf("0-%d", n-1)
}

func newTree(ncpu int) vfs.Inode {
	dir := func(children map[string]vfs.Inode) vfs.Inode {
		return &synth.Dir{Dev: sysDev, Ino: synth.NewIno(), Mode: unix.S_IFDIR | 0o755, Static: children}
	}
	file := func(s string) vfs.Inode { return synth.StaticFile(sysDev, s) }
	cpus := CPUList(ncpu) + "\n"
	cpu := map[string]vfs.Inode{
		"online":   file(cpus),
		"possible": file(cpus),
		"present":  file(cpus),
		"offline":  file("\n"),
	}
	for i := 0; i < ncpu; i++ {
		cpu["cpu"+strconv.Itoa(i)] = dir(nil)
	}
	return dir(map[string]vfs.Inode{
		"devices": dir(map[string]vfs.Inode{
			"system": dir(map[string]vfs.Inode{
				"cpu": dir(cpu),
			}),
		}),
		"kernel": dir(map[string]vfs.Inode{
			"mm": dir(map[string]vfs.Inode{
				"transparent_hugepage": dir(map[string]vfs.Inode{
					"enabled":        file("always [madvise] never\n"),
					"defrag":         file("always defer defer+madvise [madvise] never\n"),
					"hpage_pmd_size": file("2097152\n"),
				}),
			}),
		}),
		"fs": dir(map[string]vfs.Inode{
			"cgroup": dir(nil),
		}),
	})
}
