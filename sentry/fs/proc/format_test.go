package proc

import (
	"strings"
	"testing"

	"github.com/moat-dev/moat/sentry/fs/memstat"
	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/vfs"
	"golang.org/x/sys/unix"
)

// The expected strings in these tests are lines printed by Linux 6.x.

func TestFormatMapsLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    mapping
		want string
	}{
		{
			"file",
			mapping{Start: 0x56024a8f1000, End: 0x56024a8f3000, Read: true, DevMajor: 0xfe, Ino: 247026, Name: "/usr/bin/cat"},
			"56024a8f1000-56024a8f3000 r--p 00000000 fe:00 247026                     /usr/bin/cat\n",
		},
		{
			"text with offset",
			mapping{Start: 0x7f4a3a228000, End: 0x7f4a3a37e000, Read: true, Exec: true, Offset: 0x26000, DevMajor: 0xfe, Ino: 326269, Name: "/usr/lib/x86_64-linux-gnu/libc.so.6"},
			"7f4a3a228000-7f4a3a37e000 r-xp 00026000 fe:00 326269                     /usr/lib/x86_64-linux-gnu/libc.so.6\n",
		},
		{
			"anonymous",
			mapping{Start: 0x7f4a3a17d000, End: 0x7f4a3a19f000, Read: true, Write: true},
			"7f4a3a17d000-7f4a3a19f000 rw-p 00000000 00:00 0 \n",
		},
		{
			"heap",
			mapping{Start: 0x56026484e000, End: 0x56026486f000, Read: true, Write: true, Name: "[heap]"},
			"56026484e000-56026486f000 rw-p 00000000 00:00 0                          [heap]\n",
		},
		{
			"shared",
			mapping{Start: 0x7f4a3a3e5000, End: 0x7f4a3a3ec000, Read: true, Shared: true, DevMajor: 0xfe, Ino: 325737, Name: "/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache"},
			"7f4a3a3e5000-7f4a3a3ec000 r--s 00000000 fe:00 325737                     /usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache\n",
		},
		{
			"wide addresses",
			mapping{Start: 0xffffffffff600000, End: 0xffffffffff601000, Exec: true, Name: "[vsyscall]"},
			"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n",
		},
		{
			"narrow addresses",
			mapping{Start: 0x400000, End: 0x401000, Read: true, Exec: true, DevMajor: 8, DevMinor: 1, Ino: 12, Name: "/bin/prog"},
			"00400000-00401000 r-xp 00000000 08:01 12                                 /bin/prog\n",
		},
		{
			"newline in name",
			mapping{Start: 0x400000, End: 0x401000, Read: true, Name: "/tmp/a\nb"},
			"00400000-00401000 r--p 00000000 00:00 0                                  /tmp/a\\012b\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := formatMapsLine(tc.m); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestFormatStat(t *testing.T) {
	s := &statInfo{
		PID: 24065, Comm: "cat", State: 'R', PPID: 24062, PGRP: 24062, Session: 21918,
		TPGID: -1, Flags: 4194304, MinFlt: 99, Priority: 20, NumThreads: 1, StartTime: 138054,
		VSize: 3133440, RSS: 401, RSSLim: kernel.Infinity,
		StartCode: 93942411927552, EndCode: 93942411947433, StartStack: 140721324434848,
		ExitSignal: 17, StartData: 93942411963440, EndData: 93942411965056, StartBrk: 93943461761024,
		ArgStart: 140721324435965, ArgEnd: 140721324435985, EnvStart: 140721324435985, EnvEnd: 140721324437483,
		HasMM: true, Permitted: true,
	}
	want := "24065 (cat) R 24062 24062 21918 0 -1 4194304 99 0 0 0 0 0 0 0 20 0 1 0 138054 3133440 401 18446744073709551615 93942411927552 93942411947433 140721324434848 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 93942411963440 93942411965056 93943461761024 140721324435965 140721324435985 140721324435985 140721324437483 0\n"
	if got := formatStat(s); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if n := len(strings.Fields(want)); n != 52 {
		t.Fatalf("reference line has %d fields", n)
	}

	// Another user's process hides its layout; a zombie has none.
	s.Permitted = false
	hidden := formatStat(s)
	if !strings.Contains(hidden, " 18446744073709551615 1 1 0 0 0 ") || !strings.HasSuffix(hidden, " 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n") {
		t.Errorf("unpermitted: %q", hidden)
	}
	z := &statInfo{PID: 7, Comm: "a b)", State: 'Z', ExitSignal: 17, ExitCode: 256, Permitted: true}
	zs := formatStat(z)
	if !strings.HasPrefix(zs, "7 (a b)) Z ") || !strings.HasSuffix(zs, " 0 0 0 0 0 0 0 256\n") || len(strings.Fields(zs)) != 53 {
		t.Errorf("zombie: %q", zs)
	}
	// Only the first 31 signals fit in the old decimal fields.
	sig := formatStat(&statInfo{PID: 1, Comm: "x", State: 'S', SigIgnore: 1<<12 | 1<<24 | 1<<40, SigCatch: 2})
	if f := strings.Fields(sig); f[32] != "16781312" || f[33] != "2" {
		t.Errorf("signal fields %q %q", f[32], f[33])
	}
}

func TestFormatLimits(t *testing.T) {
	l := kernel.DefaultLimits()
	l[kernel.RlimitNproc] = kernel.Rlimit{Cur: 96364, Max: 96364}
	l[kernel.RlimitSigpending] = kernel.Rlimit{Cur: 96364, Max: 96364}
	l[kernel.RlimitNofile] = kernel.Rlimit{Cur: 20000, Max: 20000}
	want := `Limit                     Soft Limit           Hard Limit           Units     
Max cpu time              unlimited            unlimited            seconds   
Max file size             unlimited            unlimited            bytes     
Max data size             unlimited            unlimited            bytes     
Max stack size            8388608              unlimited            bytes     
Max core file size        0                    unlimited            bytes     
Max resident set          unlimited            unlimited            bytes     
Max processes             96364                96364                processes 
Max open files            20000                20000                files     
Max locked memory         8388608              8388608              bytes     
Max address space         unlimited            unlimited            bytes     
Max file locks            unlimited            unlimited            locks     
Max pending signals       96364                96364                signals   
Max msgqueue size         819200               819200               bytes     
Max nice priority         0                    0                    
Max realtime priority     0                    0                    
Max realtime timeout      unlimited            unlimited            us        
`
	if got := formatLimits(l); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestFormatStatus(t *testing.T) {
	s := &statusInfo{
		Name: "cat", Umask: 0o22, HasUmask: true, State: 'R', Tgid: 24064, Pid: 24064, PPid: 24062,
		FDSize: 256, NSpgid: 24062, NSsid: 21918, HasMM: true, VmPeak: 3060, VmSize: 3060, VmStk: 132,
		Threads: 1, SigQueued: 1, SigLimit: 96364, SigCgt: 0x400,
		CapPrm: 0x1fffeffffff, CapEff: 0x1fffeffffff, CapBnd: 0x1fffeffffff,
		Affinity: []byte{3}, NumCPU: 2,
	}
	got := formatStatus(s)
	for _, want := range []string{
		"Name:\tcat\nUmask:\t0022\nState:\tR (running)\nTgid:\t24064\nNgid:\t0\nPid:\t24064\nPPid:\t24062\nTracerPid:\t0\n",
		"Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t256\nGroups:\t \nNStgid:\t24064\nNSpid:\t24064\nNSpgid:\t24062\nNSsid:\t21918\n",
		"VmPeak:\t    3060 kB\nVmSize:\t    3060 kB\n",
		"VmStk:\t     132 kB\n",
		"Threads:\t1\nSigQ:\t1/96364\nSigPnd:\t0000000000000000\n",
		"SigCgt:\t0000000000000400\nCapInh:\t0000000000000000\nCapPrm:\t000001fffeffffff\n",
		"Cpus_allowed:\t3\nCpus_allowed_list:\t0-1\n",
		"Mems_allowed:\t00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000001\nMems_allowed_list:\t0\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("status lacks %q:\n%s", want, got)
		}
	}
	s.Groups = []uint32{4, 24, 27}
	if got := formatStatus(s); !strings.Contains(got, "\nGroups:\t4 24 27 \n") {
		t.Errorf("groups: %s", got)
	}
	z := formatStatus(&statusInfo{Name: "a\nb", State: 'Z'})
	if strings.Contains(z, "VmSize") || !strings.Contains(z, "Name:\ta\\nb\n") || !strings.Contains(z, "State:\tZ (zombie)\n") {
		t.Errorf("zombie status:\n%s", z)
	}
}

func TestCPUMask(t *testing.T) {
	all := func(n int) []byte {
		m := make([]byte, 128)
		for i := 0; i < n; i++ {
			m[i/8] |= 1 << (i % 8)
		}
		return m
	}
	for _, tc := range []struct {
		mask           []byte
		n              int
		wantMask, list string
	}{
		{all(1), 1, "1", "0"},
		{all(2), 2, "3", "0-1"},
		{all(8), 8, "ff", "0-7"},
		{all(32), 32, "ffffffff", "0-31"},
		{all(40), 40, "ff,ffffffff", "0-39"},
		{[]byte{0b1011_0001}, 8, "b1", "0,4-5,7"},
		{[]byte{0x01, 0, 0, 0, 0x01}, 36, "1,00000001", "0,32"},
	} {
		if got := cpuMask(tc.mask, tc.n); got != tc.wantMask {
			t.Errorf("cpuMask(%x, %d) = %q, want %q", tc.mask, tc.n, got, tc.wantMask)
		}
		if got := cpuList(tc.mask, tc.n); got != tc.list {
			t.Errorf("cpuList(%x, %d) = %q, want %q", tc.mask, tc.n, got, tc.list)
		}
	}
}

func TestMeminfo(t *testing.T) {
	text := formatMeminfo(memstat.Info{Total: 1000, Free: 500, Buffers: 100, Shared: 10})
	if !strings.HasPrefix(text, "MemTotal:           1000 kB\nMemFree:             500 kB\nMemAvailable:        600 kB\nBuffers:             100 kB\n") {
		t.Errorf("meminfo:\n%s", text)
	}
}

func TestSmallFormats(t *testing.T) {
	if got := formatFDInfo(0, 0o100000, 23, 3); got != "pos:\t0\nflags:\t0100000\nmnt_id:\t23\nino:\t3\n" {
		t.Errorf("fdinfo %q", got)
	}
	if got := formatUptime(1486.634, 1876.839); got != "1486.63 1876.84\n" {
		t.Errorf("uptime %q", got)
	}
	if got := escapeMountField("/a b\\c\td"); got != `/a\040b\134c\011d` {
		t.Errorf("escape %q", got)
	}
	for name, want := range map[string]int32{"1": 1, "123": 123, "0": 0, "01": 0, "-1": 0, "+1": 0, "1a": 0, "": 0, "99999999999": 0, "self": 0} {
		got, ok := parseID(name)
		if ok != (want != 0) || got != want {
			t.Errorf("parseID(%q) = %d, %v", name, got, ok)
		}
	}
	for _, tc := range []struct {
		st   vfs.Stat
		want string
	}{
		{vfs.Stat{Mode: unix.S_IFCHR, Rdev: unix.Mkdev(136, 3)}, "/dev/pts/3"},
		{vfs.Stat{Mode: unix.S_IFCHR, Rdev: unix.Mkdev(1, 3)}, "/dev/null"},
		{vfs.Stat{Mode: unix.S_IFCHR, Rdev: unix.Mkdev(5, 0)}, "/dev/tty"},
		{vfs.Stat{Mode: unix.S_IFIFO, Ino: 77}, "pipe:[77]"},
		{vfs.Stat{Mode: unix.S_IFSOCK, Ino: 78}, "socket:[78]"},
		{vfs.Stat{Mode: unix.S_IFREG, Ino: 79}, "host:[79]"},
	} {
		if got := hostFilePath(&tc.st); got != tc.want {
			t.Errorf("hostFilePath(%v) = %q, want %q", tc.st, got, tc.want)
		}
	}
	if fdSize(nil) != 64 || fdSize([]int{0, 1, 63}) != 64 || fdSize([]int{64}) != 128 || fdSize([]int{200}) != 256 {
		t.Errorf("fdSize")
	}
}

func TestFormatSmaps(t *testing.T) {
	// The first mapping of cat's smaps on Linux 6.18, after its maps line.
	want := `Size:                  8 kB
KernelPageSize:        4 kB
MMUPageSize:           4 kB
Rss:                   8 kB
Pss:                   8 kB
Pss_Dirty:             0 kB
Shared_Clean:          0 kB
Shared_Dirty:          0 kB
Private_Clean:         8 kB
Private_Dirty:         0 kB
Referenced:            8 kB
Anonymous:             0 kB
KSM:                   0 kB
LazyFree:              0 kB
AnonHugePages:         0 kB
ShmemPmdMapped:        0 kB
FilePmdMapped:         0 kB
Shared_Hugetlb:        0 kB
Private_Hugetlb:       0 kB
Swap:                  0 kB
SwapPss:               0 kB
Locked:                0 kB
THPeligible:    0
VmFlags: rd mr mw me 
`
	u := smapsUsage{Size: 8, Rss: 8, Pss: 8, PrivateClean: 8, VmFlags: "rd mr mw me"}
	if got := formatSmaps(u, false); got != want {
		t.Errorf("smaps:\n%s\nwant:\n%s", got, want)
	}
	rollup := formatSmaps(u.add(smapsUsage{Rss: 4, Pss: 2, PssAnon: 2, SharedDirty: 4, Anonymous: 4}), true)
	if !strings.HasPrefix(rollup, "Rss:                  12 kB\nPss:                  10 kB\nPss_Dirty:             0 kB\nPss_Anon:              2 kB\n") ||
		!strings.HasSuffix(rollup, "Locked:                0 kB\n") || strings.Contains(rollup, "VmFlags") {
		t.Errorf("smaps_rollup:\n%s", rollup)
	}
}
