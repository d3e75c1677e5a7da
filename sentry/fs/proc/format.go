package proc

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/moat-dev/moat/sentry/fs/memstat"
	"github.com/moat-dev/moat/sentry/kernel"
)

// This file holds the text formats of /proc files, as pure functions of
// their inputs so that tests can compare them with Linux's output.

// mapsNameColumn is where /proc/[pid]/maps starts a mapping's name: the
// fixed part of the line is padded to 72 characters, then one space.
const mapsNameColumn = 72

// mapping is one line of /proc/[pid]/maps.
type mapping struct {
	Start, End         uint64
	Read, Write, Exec  bool
	Shared             bool
	Offset             uint64
	DevMajor, DevMinor uint32
	Ino                uint64
	Name               string
}

// formatMapsLine returns m as Linux prints it, with its newline.
func formatMapsLine(m mapping) string {
	perm := func(ok bool, c byte) byte {
		if ok {
			return c
		}
		return '-'
	}
	share := byte('p')
	if m.Shared {
		share = 's'
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%08x-%08x %c%c%c%c %08x %02x:%02x %d ",
		m.Start, m.End, perm(m.Read, 'r'), perm(m.Write, 'w'), perm(m.Exec, 'x'), share,
		m.Offset, m.DevMajor, m.DevMinor, m.Ino)
	if m.Name != "" {
		for b.Len() < mapsNameColumn+1 {
			b.WriteByte(' ')
		}
		b.WriteString(escapeMapsName(m.Name))
	}
	b.WriteByte('\n')
	return b.String()
}

// smapsUsage is one mapping's figures in /proc/[pid]/smaps, or the sum
// of them all in smaps_rollup, in kB.
type smapsUsage struct {
	Size, Rss, Pss, PssDirty, PssAnon, PssFile, PssShmem uint64
	SharedClean, SharedDirty, PrivateClean, PrivateDirty uint64
	Anonymous, Locked                                    uint64
	VmFlags                                              string
}

// add sums two mappings' figures, for smaps_rollup.
func (u smapsUsage) add(o smapsUsage) smapsUsage {
	return smapsUsage{
		Size: u.Size + o.Size, Rss: u.Rss + o.Rss, Pss: u.Pss + o.Pss, PssDirty: u.PssDirty + o.PssDirty,
		PssAnon: u.PssAnon + o.PssAnon, PssFile: u.PssFile + o.PssFile, PssShmem: u.PssShmem + o.PssShmem,
		SharedClean: u.SharedClean + o.SharedClean, SharedDirty: u.SharedDirty + o.SharedDirty,
		PrivateClean: u.PrivateClean + o.PrivateClean, PrivateDirty: u.PrivateDirty + o.PrivateDirty,
		Anonymous: u.Anonymous + o.Anonymous, Locked: u.Locked + o.Locked,
	}
}

// formatSmaps lays out the lines that follow a mapping's maps line in
// smaps (rollup false) or the [rollup] line in smaps_rollup, in Linux's
// order; the sandbox has no huge pages, KSM, lazy-free pages or swap.
func formatSmaps(u smapsUsage, rollup bool) string {
	var b strings.Builder
	line := func(name string, kb uint64) { b.WriteString(memstat.Line(name, kb, true)) }
	if !rollup {
		line("Size", u.Size)
		line("KernelPageSize", 4)
		line("MMUPageSize", 4)
	}
	line("Rss", u.Rss)
	line("Pss", u.Pss)
	line("Pss_Dirty", u.PssDirty)
	if rollup {
		line("Pss_Anon", u.PssAnon)
		line("Pss_File", u.PssFile)
		line("Pss_Shmem", u.PssShmem)
	}
	line("Shared_Clean", u.SharedClean)
	line("Shared_Dirty", u.SharedDirty)
	line("Private_Clean", u.PrivateClean)
	line("Private_Dirty", u.PrivateDirty)
	line("Referenced", u.Rss)
	line("Anonymous", u.Anonymous)
	for _, name := range []string{"KSM", "LazyFree", "AnonHugePages", "ShmemPmdMapped", "FilePmdMapped",
		"Shared_Hugetlb", "Private_Hugetlb", "Swap", "SwapPss"} {
		line(name, 0)
	}
	line("Locked", u.Locked)
	if !rollup {
		b.WriteString("THPeligible:    0\n")
		b.WriteString("VmFlags: ")
		if u.VmFlags != "" {
			b.WriteString(u.VmFlags + " ")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// escapeMapsName escapes a newline in a file name as \012, as Linux's
// seq_path does for maps.
func escapeMapsName(s string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	return strings.ReplaceAll(s, "\n", "\\012")
}

// escapeMountField escapes the characters that would break the fields of
// /proc/[pid]/mounts and mountinfo, in octal as Linux does.
func escapeMountField(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\n', '\\':
			fmt.Fprintf(&b, "\\%03o", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// statInfo holds the fields of /proc/[pid]/stat (proc(5) numbers them
// 1 to 52).
type statInfo struct {
	PID                          int32
	Comm                         string
	State                        byte
	PPID, PGRP, Session          int32
	TTY                          int32
	TPGID                        int32
	Flags                        uint32
	MinFlt, CMinFlt              uint64
	MajFlt, CMajFlt              uint64
	UTime, STime, CUTime, CSTime uint64
	Priority, Nice               int64
	RTPriority, Policy           uint64
	NumThreads                   int64
	StartTime                    uint64
	VSize                        uint64
	RSS                          int64
	RSSLim                       uint64
	StartCode, EndCode           uint64
	StartStack                   uint64
	Signal, Blocked              uint64
	SigIgnore, SigCatch          uint64
	ExitSignal                   int
	Processor                    int
	StartData, EndData, StartBrk uint64
	ArgStart, ArgEnd             uint64
	EnvStart, EnvEnd             uint64
	ExitCode                     int
	// HasMM is set when the task has an address space (not a zombie).
	HasMM bool
	// Permitted is false when the reader may not see the address-space
	// layout (PTRACE_MODE_READ fails): those fields print as Linux hides
	// them.
	Permitted bool
}

// formatStat returns the one line of /proc/[pid]/stat.
func formatStat(s *statInfo) string {
	var b strings.Builder
	u := func(v uint64) { b.WriteByte(' '); b.WriteString(strconv.FormatUint(v, 10)) }
	d := func(v int64) { b.WriteByte(' '); b.WriteString(strconv.FormatInt(v, 10)) }
	// hidden prints v when the reader may see it, else what Linux prints.
	hidden := func(v, otherwise uint64) {
		if s.Permitted {
			u(v)
		} else {
			u(otherwise)
		}
	}
	fmt.Fprintf(&b, "%d (%s) %c", s.PID, s.Comm, s.State)
	d(int64(s.PPID))
	d(int64(s.PGRP))
	d(int64(s.Session))
	d(int64(s.TTY))
	d(int64(s.TPGID))
	u(uint64(s.Flags))
	u(s.MinFlt)
	u(s.CMinFlt)
	u(s.MajFlt)
	u(s.CMajFlt)
	u(s.UTime)
	u(s.STime)
	d(int64(s.CUTime))
	d(int64(s.CSTime))
	d(s.Priority)
	d(s.Nice)
	d(s.NumThreads)
	d(0) // itrealvalue
	u(s.StartTime)
	u(s.VSize)
	d(s.RSS)
	u(s.RSSLim)
	if s.HasMM {
		hidden(s.StartCode, 1)
		hidden(s.EndCode, 1)
		hidden(s.StartStack, 0)
	} else {
		u(0)
		u(0)
		u(0)
	}
	u(0) // kstkesp
	u(0) // kstkeip
	// The old signal fields are decimal and hold only the first 31
	// signals; status has the full sets.
	const oldSigMask = 0x7fffffff
	u(s.Signal & oldSigMask)
	u(s.Blocked & oldSigMask)
	u(s.SigIgnore & oldSigMask)
	u(s.SigCatch & oldSigMask)
	u(0) // wchan
	u(0) // nswap
	u(0) // cnswap
	d(int64(s.ExitSignal))
	d(int64(s.Processor))
	u(s.RTPriority)
	u(s.Policy)
	u(0) // delayacct_blkio_ticks
	u(0) // guest_time
	d(0) // cguest_time
	if s.HasMM && s.Permitted {
		u(s.StartData)
		u(s.EndData)
		u(s.StartBrk)
		u(s.ArgStart)
		u(s.ArgEnd)
		u(s.EnvStart)
		u(s.EnvEnd)
	} else {
		b.WriteString(" 0 0 0 0 0 0 0")
	}
	if s.Permitted {
		d(int64(s.ExitCode))
	} else {
		d(0)
	}
	b.WriteByte('\n')
	return b.String()
}

// statusInfo holds the fields of /proc/[pid]/status.
type statusInfo struct {
	Name                         string
	Umask                        uint32
	HasUmask                     bool
	State                        byte
	Tgid, Pid, PPid, TracerPid   int32
	UID, GID                     [4]uint32 // real, effective, saved, filesystem
	FDSize                       int
	Groups                       []uint32
	NSpgid, NSsid                int32
	HasMM                        bool
	VmPeak, VmSize, VmLck, VmPin uint64 // kB
	VmHWM, VmRSS                 uint64
	RssAnon, RssFile, RssShmem   uint64
	VmData, VmStk, VmExe, VmLib  uint64
	VmPTE, VmSwap                uint64
	Threads                      int
	SigQueued, SigLimit          uint64
	SigPnd, ShdPnd               uint64
	SigBlk, SigIgn, SigCgt       uint64
	CapInh, CapPrm, CapEff       uint64
	CapBnd, CapAmb               uint64
	NoNewPrivs                   bool
	Seccomp                      int
	SeccompFilters               int
	Affinity                     []byte // CPU mask
	NumCPU                       int
	VoluntaryCS, NonvoluntaryCS  uint64
}

// stateName returns the state letter with the name Linux gives it.
func stateName(s byte) string {
	switch s {
	case 'R':
		return "R (running)"
	case 'S':
		return "S (sleeping)"
	case 'D':
		return "D (disk sleep)"
	case 'T':
		return "T (stopped)"
	case 't':
		return "t (tracing stop)"
	case 'X':
		return "X (dead)"
	case 'Z':
		return "Z (zombie)"
	case 'P':
		return "P (parked)"
	case 'I':
		return "I (idle)"
	}
	return string(s)
}

// formatStatus returns the text of /proc/[pid]/status.
func formatStatus(s *statusInfo) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("Name:\t%s\n", escapeStatusName(s.Name))
	if s.HasUmask {
		p("Umask:\t%04o\n", s.Umask)
	}
	p("State:\t%s\n", stateName(s.State))
	p("Tgid:\t%d\n", s.Tgid)
	p("Ngid:\t0\n")
	p("Pid:\t%d\n", s.Pid)
	p("PPid:\t%d\n", s.PPid)
	p("TracerPid:\t%d\n", s.TracerPid)
	p("Uid:\t%d\t%d\t%d\t%d\n", s.UID[0], s.UID[1], s.UID[2], s.UID[3])
	p("Gid:\t%d\t%d\t%d\t%d\n", s.GID[0], s.GID[1], s.GID[2], s.GID[3])
	p("FDSize:\t%d\n", s.FDSize)
	b.WriteString("Groups:\t")
	for i, g := range s.Groups {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatUint(uint64(g), 10))
	}
	// Linux ends the list with a space, even an empty one.
	b.WriteString(" \n")
	p("NStgid:\t%d\n", s.Tgid)
	p("NSpid:\t%d\n", s.Pid)
	p("NSpgid:\t%d\n", s.NSpgid)
	p("NSsid:\t%d\n", s.NSsid)
	if s.HasMM {
		kb := func(name string, v uint64) { p("%s:\t%8d kB\n", name, v) }
		kb("VmPeak", s.VmPeak)
		kb("VmSize", s.VmSize)
		kb("VmLck", s.VmLck)
		kb("VmPin", s.VmPin)
		kb("VmHWM", s.VmHWM)
		kb("VmRSS", s.VmRSS)
		kb("RssAnon", s.RssAnon)
		kb("RssFile", s.RssFile)
		kb("RssShmem", s.RssShmem)
		kb("VmData", s.VmData)
		kb("VmStk", s.VmStk)
		kb("VmExe", s.VmExe)
		kb("VmLib", s.VmLib)
		kb("VmPTE", s.VmPTE)
		kb("VmSwap", s.VmSwap)
		kb("HugetlbPages", 0)
	}
	p("CoreDumping:\t0\n")
	p("THP_enabled:\t1\n")
	p("Threads:\t%d\n", s.Threads)
	p("SigQ:\t%d/%d\n", s.SigQueued, s.SigLimit)
	p("SigPnd:\t%016x\n", s.SigPnd)
	p("ShdPnd:\t%016x\n", s.ShdPnd)
	p("SigBlk:\t%016x\n", s.SigBlk)
	p("SigIgn:\t%016x\n", s.SigIgn)
	p("SigCgt:\t%016x\n", s.SigCgt)
	p("CapInh:\t%016x\n", s.CapInh)
	p("CapPrm:\t%016x\n", s.CapPrm)
	p("CapEff:\t%016x\n", s.CapEff)
	p("CapBnd:\t%016x\n", s.CapBnd)
	p("CapAmb:\t%016x\n", s.CapAmb)
	nnp := 0
	if s.NoNewPrivs {
		nnp = 1
	}
	p("NoNewPrivs:\t%d\n", nnp)
	p("Seccomp:\t%d\n", s.Seccomp)
	p("Seccomp_filters:\t%d\n", s.SeccompFilters)
	p("Speculation_Store_Bypass:\tthread vulnerable\n")
	p("SpeculationIndirectBranch:\tconditional enabled\n")
	p("Cpus_allowed:\t%s\n", cpuMask(s.Affinity, s.NumCPU))
	p("Cpus_allowed_list:\t%s\n", cpuList(s.Affinity, s.NumCPU))
	p("Mems_allowed:\t%s1\n", strings.Repeat("00000000,", 31)+"0000000")
	p("Mems_allowed_list:\t0\n")
	p("voluntary_ctxt_switches:\t%d\n", s.VoluntaryCS)
	p("nonvoluntary_ctxt_switches:\t%d\n", s.NonvoluntaryCS)
	return b.String()
}

// escapeStatusName escapes a comm as status prints it: backslash and
// newline are escaped, and other control characters shown in octal.
func escapeStatusName(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b.WriteString("\\\\")
		case c == '\n':
			b.WriteString("\\n")
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, "\\%03o", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// cpuMask formats the first n bits of mask as Linux's "%*pb":
// hexadecimal in comma-separated 32-bit words, the first as wide as its
// bits need.
func cpuMask(mask []byte, n int) string {
	if n <= 0 {
		n = 1
	}
	bit := func(i int) bool { return i/8 < len(mask) && mask[i/8]&(1<<(i%8)) != 0 }
	words := (n + 31) / 32
	var parts []string
	for w := words - 1; w >= 0; w-- {
		bits := min(n-w*32, 32)
		var v uint32
		for i := 0; i < bits; i++ {
			if bit(w*32 + i) {
				v |= 1 << i
			}
		}
		width := 8
		if w == words-1 {
			width = (bits + 3) / 4
		}
		parts = append(parts, fmt.Sprintf("%0*x", width, v))
	}
	return strings.Join(parts, ",")
}

// cpuList formats the set bits among the first n of mask as a list of
// ranges ("0-3,6").
func cpuList(mask []byte, n int) string {
	bit := func(i int) bool { return i/8 < len(mask) && mask[i/8]&(1<<(i%8)) != 0 }
	var parts []string
	for i := 0; i < n; i++ {
		if !bit(i) {
			continue
		}
		j := i
		for j+1 < n && bit(j+1) {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(i))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", i, j))
		}
		i = j
	}
	return strings.Join(parts, ",")
}

// limitRows are the rows of /proc/[pid]/limits in resource order.
var limitRows = [kernel.NumRlimits]struct{ name, unit string }{
	kernel.RlimitCPU:        {"Max cpu time", "seconds"},
	kernel.RlimitFsize:      {"Max file size", "bytes"},
	kernel.RlimitData:       {"Max data size", "bytes"},
	kernel.RlimitStack:      {"Max stack size", "bytes"},
	kernel.RlimitCore:       {"Max core file size", "bytes"},
	kernel.RlimitRSS:        {"Max resident set", "bytes"},
	kernel.RlimitNproc:      {"Max processes", "processes"},
	kernel.RlimitNofile:     {"Max open files", "files"},
	kernel.RlimitMemlock:    {"Max locked memory", "bytes"},
	kernel.RlimitAS:         {"Max address space", "bytes"},
	kernel.RlimitLocks:      {"Max file locks", "locks"},
	kernel.RlimitSigpending: {"Max pending signals", "signals"},
	kernel.RlimitMsgqueue:   {"Max msgqueue size", "bytes"},
	kernel.RlimitNice:       {"Max nice priority", ""},
	kernel.RlimitRtprio:     {"Max realtime priority", ""},
	kernel.RlimitRttime:     {"Max realtime timeout", "us"},
}

// formatLimits returns the table of /proc/[pid]/limits.
func formatLimits(l kernel.Limits) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units")
	val := func(v uint64) string {
		if v == kernel.Infinity {
			return "unlimited"
		}
		return strconv.FormatUint(v, 10)
	}
	for r, row := range limitRows {
		fmt.Fprintf(&b, "%-25s %-20s %-20s ", row.name, val(l[r].Cur), val(l[r].Max))
		if row.unit != "" {
			fmt.Fprintf(&b, "%-10s", row.unit)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// formatUptime returns /proc/uptime for an uptime and a summed idle
// time, in seconds.
func formatUptime(up, idle float64) string {
	return fmt.Sprintf("%.2f %.2f\n", up, idle)
}

// formatIO lays out /proc/[pid]/io. The sandbox does no block I/O of its
// own (the host does it, for the gofer's files, and tmpfs does none), so
// read_bytes, write_bytes and cancelled_write_bytes are zero, as Linux
// reports them for reads and writes that stay in memory.
func formatIO(a kernel.IOAccounting) string {
	return fmt.Sprintf("rchar: %d\nwchar: %d\nsyscr: %d\nsyscw: %d\nread_bytes: 0\nwrite_bytes: 0\ncancelled_write_bytes: 0\n",
		a.RChar, a.WChar, a.SyscR, a.SyscW)
}
