// Package sys is the sandbox's /sys: the few read-only sysfs files that
// C libraries and language runtimes read, such as the online CPUs, the
// one NUMA node that holds them and the host's memory, and the
// transparent huge page settings.
package sys

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/fs/memstat"
	"github.com/moat-dev/moat/sentry/fs/synth"
	"github.com/moat-dev/moat/sentry/socket/inet"
	"github.com/moat-dev/moat/sentry/vfs"
)

// sysDev is the device number /sys reports.
var sysDev = unix.Mkdev(0, 21)

// New returns the root of a /sys filesystem. net returns the sandbox's
// network stack, for /sys/class/net (nil: no interfaces).
func New(net func() *inet.Stack) vfs.Inode {
	return newTree(runtime.NumCPU(), net)
}

// CPUList returns the list of n CPUs as the cpu/online file shows it:
// "0-3", or "0" for a single CPU.
func CPUList(n int) string {
	if n <= 1 {
		return "0"
	}
	return fmt.Sprintf("0-%d", n-1)
}

func newTree(ncpu int, net func() *inet.Stack) vfs.Inode {
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
	// The sandbox shows one NUMA node with every CPU and all memory:
	// it has no say in where the host places its threads and pages.
	node0 := map[string]vfs.Inode{
		"cpulist":  file(cpus),
		"cpumap":   file(CPUMask(ncpu) + "\n"),
		"distance": file("10\n"),
		"meminfo":  synth.NewFile(sysDev, nodeMeminfo),
	}
	for i := 0; i < ncpu; i++ {
		name := "cpu" + strconv.Itoa(i)
		cpu[name] = dir(map[string]vfs.Inode{"node0": synth.StaticSymlink(sysDev, "../../node/node0")})
		node0[name] = synth.StaticSymlink(sysDev, "../../cpu/"+name)
	}
	node := map[string]vfs.Inode{"node0": dir(node0)}
	for _, name := range []string{"online", "possible", "has_cpu", "has_memory", "has_normal_memory"} {
		node[name] = file("0\n")
	}
	// The sandbox has no block devices: their directories are empty,
	// as on a machine without disks.
	return dir(map[string]vfs.Inode{
		"devices": dir(map[string]vfs.Inode{
			"system": dir(map[string]vfs.Inode{
				"cpu":  dir(cpu),
				"node": dir(node),
			}),
			"virtual": dir(map[string]vfs.Inode{
				"net": netDevices(net),
			}),
		}),
		"class": dir(map[string]vfs.Inode{
			"net": netClass(net),
		}),
		"block": dir(nil),
		"dev": dir(map[string]vfs.Inode{
			"block": dir(nil),
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

// CPUMask returns the mask of n CPUs as a node's cpumap shows it: hex
// words of 32 CPUs, the highest first, separated by commas, the first as
// wide as the CPUs it holds need ("3" for two CPUs, "f,ffffffff" for 36).
func CPUMask(n int) string {
	if n <= 0 {
		return "0"
	}
	var words []string
	for left := n; left > 0; left -= 32 {
		bits := min(left, 32)
		digits := 8
		if left < 32 {
			digits = (left + 3) / 4
		}
		words = append(words, fmt.Sprintf("%0*x", digits, uint64(1)<<bits-1))
	}
	// words holds the lowest word first; the highest is printed first
	// and is the only partial one.
	for i, j := 0, len(words)-1; i < j; i, j = i+1, j-1 {
		words[i], words[j] = words[j], words[i]
	}
	return strings.Join(words, ",")
}

// nodeMeminfo is node0's meminfo: the host's figures, as /proc/meminfo
// has them, in the lines and order of Linux's per-node file; what the
// sentry does not know is zero.
func nodeMeminfo() ([]byte, error) {
	m, err := memstat.Host()
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	line := func(name string, v uint64) { b.WriteString("Node 0 " + memstat.Line(name, v, true)) }
	line("MemTotal", m.Total)
	line("MemFree", m.Free)
	line("MemUsed", m.Total-m.Free)
	for _, name := range []string{"SwapCached", "Active", "Inactive", "Active(anon)", "Inactive(anon)",
		"Active(file)", "Inactive(file)", "Unevictable", "Mlocked", "Dirty", "Writeback", "FilePages",
		"Mapped", "AnonPages"} {
		line(name, 0)
	}
	line("Shmem", m.Shared)
	for _, name := range []string{"KernelStack", "PageTables", "SecPageTables", "NFS_Unstable", "Bounce",
		"WritebackTmp", "KReclaimable", "Slab", "SReclaimable", "SUnreclaim", "AnonHugePages",
		"ShmemHugePages", "ShmemPmdMapped", "FileHugePages", "FilePmdMapped"} {
		line(name, 0)
	}
	for _, name := range []string{"HugePages_Total", "HugePages_Free", "HugePages_Surp"} {
		fmt.Fprintf(&b, "Node 0 %-17s%5d\n", name+":", 0)
	}
	return []byte(b.String()), nil
}
