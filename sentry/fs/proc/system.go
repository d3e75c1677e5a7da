package proc

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/fs/memstat"
	"github.com/moat-dev/moat/sentry/fs/pipe"
	"github.com/moat-dev/moat/sentry/fs/synth"
	"github.com/moat-dev/moat/sentry/ipc"
	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/mm"
	"github.com/moat-dev/moat/sentry/socket/inet"
	"github.com/moat-dev/moat/sentry/vfs"
)

// The system-wide files of /proc and the read-only /proc/sys.

// meminfo reports the host's memory, as the sandbox's memory comes from
// it, in the lines and order of Linux's /proc/meminfo.
func meminfo() ([]byte, error) {
	m, err := memstat.Host()
	if err != nil {
		return nil, err
	}
	return []byte(formatMeminfo(m)), nil
}

// formatMeminfo lays out /proc/meminfo from the figures the sentry knows
// (in kB); the others are zero.
func formatMeminfo(m memstat.Info) string {
	total, free, buffers, shared, swapTotal, swapFree := m.Total, m.Free, m.Buffers, m.Shared, m.SwapTotal, m.SwapFree
	var b strings.Builder
	line := func(name string, v uint64) { b.WriteString(memstat.Line(name, v, true)) }
	line("MemTotal", total)
	line("MemFree", free)
	line("MemAvailable", min(free+buffers, total))
	line("Buffers", buffers)
	line("Cached", 0)
	line("SwapCached", 0)
	for _, n := range []string{"Active", "Inactive", "Active(anon)", "Inactive(anon)", "Active(file)", "Inactive(file)", "Unevictable", "Mlocked"} {
		line(n, 0)
	}
	line("SwapTotal", swapTotal)
	line("SwapFree", swapFree)
	for _, n := range []string{"Zswap", "Zswapped", "Dirty", "Writeback", "AnonPages", "Mapped"} {
		line(n, 0)
	}
	line("Shmem", shared)
	for _, n := range []string{"KReclaimable", "Slab", "SReclaimable", "SUnreclaim", "KernelStack", "PageTables",
		"SecPageTables", "NFS_Unstable", "Bounce", "WritebackTmp"} {
		line(n, 0)
	}
	line("CommitLimit", total/2+swapTotal)
	line("Committed_AS", 0)
	line("VmallocTotal", 34359738367)
	line("VmallocUsed", 0)
	line("VmallocChunk", 0)
	line("Percpu", 0)
	for _, n := range []string{"AnonHugePages", "ShmemHugePages", "ShmemPmdMapped", "FileHugePages", "FilePmdMapped"} {
		line(n, 0)
	}
	for _, n := range []string{"HugePages_Total", "HugePages_Free", "HugePages_Rsvd", "HugePages_Surp"} {
		b.WriteString(memstat.Line(n, 0, false))
	}
	line("Hugepagesize", 2048)
	line("Hugetlb", 0)
	line("DirectMap4k", 0)
	line("DirectMap2M", 0)
	return b.String()
}

// uptime is the sandbox's: its kernel booted with it. The CPUs are
// counted as idle whenever the sentry has no figure, as in stat.
func (p *procFS) uptime() ([]byte, error) {
	up := p.k.Uptime().Seconds()
	return []byte(formatUptime(up, up*float64(p.ncpu))), nil
}

// loadavg has no load figures (the sentry does not track run queues),
// but has the task counts and the last PID.
func (p *procFS) loadavg() ([]byte, error) {
	return []byte(fmt.Sprintf("0.00 0.00 0.00 1/%d %d\n", p.k.NumTasks(), p.k.LastPID())), nil
}

// stat is /proc/stat: CPU time (all idle: the sentry does not account
// CPU time yet), boot time and process counts.
func (p *procFS) stat() ([]byte, error) {
	up := p.k.Uptime()
	idle := uint64(up / (time.Second / clockTicks))
	var b strings.Builder
	fmt.Fprintf(&b, "cpu  0 0 0 %d 0 0 0 0 0 0\n", idle*uint64(p.ncpu))
	for i := 0; i < p.ncpu; i++ {
		fmt.Fprintf(&b, "cpu%d 0 0 0 %d 0 0 0 0 0 0\n", i, idle)
	}
	b.WriteString("intr 0\nctxt 0\n")
	fmt.Fprintf(&b, "btime %d\n", p.k.BootTime().Unix())
	fmt.Fprintf(&b, "processes %d\n", p.k.LastPID())
	b.WriteString("procs_running 1\nprocs_blocked 0\n")
	b.WriteString("softirq 0 0 0 0 0 0 0 0 0 0 0\n")
	return []byte(b.String()), nil
}

func version() ([]byte, error) {
	return []byte(fmt.Sprintf("Linux version %s (moat@moat) (go) %s\n", kernel.Release, kernel.Version)), nil
}

// swaps is /proc/swaps: the sandbox has no swap areas of its own.
func swaps() ([]byte, error) {
	return []byte("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"), nil
}

// partitions is /proc/partitions: the sandbox has no block devices, so
// the table has its header only (and /proc/diskstats no lines at all).
func partitions() ([]byte, error) {
	return []byte("major minor  #blocks  name\n\n"), nil
}

func diskstats() ([]byte, error) { return nil, nil }

// vmstat is /proc/vmstat with the counters the sentry keeps: the free
// pages (the host's, as meminfo reports), the page faults of the
// sandbox's tasks, and no swapping. Linux's list depends on its
// configuration; readers take what is there.
func (p *procFS) vmstat() ([]byte, error) {
	m, err := memstat.Host()
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "nr_free_pages %d\n", m.Free/4)
	b.WriteString("pswpin 0\npswpout 0\n")
	fmt.Fprintf(&b, "pgfault %d\n", p.k.Stats.Faults.Load())
	return []byte(b.String()), nil
}

// netDev is /proc/net/dev: each interface's traffic, in Linux's layout
// (which ifconfig, netstat -i and psutil parse by column). The sandbox's
// only interface is a loopback, which has no FIFO, framing, collision or
// carrier errors, compression or multicast: those columns are zero.
func (p *procFS) netDev() ([]byte, error) {
	var b strings.Builder
	b.WriteString("Inter-|   Receive                                                |  Transmit\n")
	b.WriteString(" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n")
	st, err := p.netStack()
	if err != nil {
		return nil, err
	}
	for _, d := range st.DevStats() {
		fmt.Fprintf(&b, "%6s:%8d %7d %4d %4d %4d %5d %10d %9d %8d %7d %4d %4d %4d %5d %7d %10d\n",
			d.Name, d.RxBytes, d.RxPackets, d.RxErrs, d.RxDrop, 0, 0, 0, 0,
			d.TxBytes, d.TxPackets, d.TxErrs, d.TxDrop, 0, 0, 0, 0)
	}
	return []byte(b.String()), nil
}

// netStack returns the sandbox's network stack; nil (which has no
// interfaces and no sockets) if nobody set NetStack.
func (p *procFS) netStack() (*inet.Stack, error) {
	if NetStack == nil {
		return nil, nil
	}
	return NetStack(p.k)
}

// netConns is /proc/net/tcp, tcp6, udp or udp6: the sandbox's open
// sockets of that family and type, in Linux's layout (netstat, lsof and
// psutil parse it by field). Addresses are the 32-bit words of the
// address in the host's byte order, ports in hex. Timers, retransmits
// and the socket pointer are zero; the TCP columns after the pointer are
// those of a socket at its initial RTO (1 s) and window (10 segments).
func (p *procFS) netConns(family, typ int) ([]byte, error) {
	st, err := p.netStack()
	if err != nil {
		return nil, err
	}
	conns := st.Conns(family, typ)
	v6 := family == unix.AF_INET6
	tcp := typ == unix.SOCK_STREAM
	var b strings.Builder
	// Lines of tcp are padded to 149 characters, of udp to 127; those
	// of tcp6 and udp6 are not.
	pad := func(start, width int) {
		if !v6 {
			for b.Len()-start < width {
				b.WriteByte(' ')
			}
		}
		b.WriteByte('\n')
	}
	width := 149
	head := "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
	if v6 {
		head = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
	}
	if !tcp {
		width = 127
		head += " ref pointer drops"
		if !v6 {
			head = " " + head
		}
	}
	start := b.Len()
	b.WriteString(head)
	pad(start, width)
	for i, c := range conns {
		start := b.Len()
		if tcp {
			fmt.Fprintf(&b, "%4d: ", i)
		} else {
			fmt.Fprintf(&b, "%5d: ", i)
		}
		fmt.Fprintf(&b, "%s:%04X %s:%04X %02X %08X:%08X 00:00000000 00000000 %5d %8d %d ",
			hexAddr(c.Local), c.LPort, hexAddr(c.Remote), c.RPort, c.State, c.TxQueue, c.RxQueue, c.UID, 0, c.Ino)
		if tcp {
			ssthresh := -1
			if c.State == tcpListen {
				ssthresh = 0
			}
			fmt.Fprintf(&b, "1 0000000000000000 100 0 0 10 %d", ssthresh)
		} else {
			b.WriteString("2 0000000000000000 0")
		}
		pad(start, width)
	}
	return []byte(b.String()), nil
}

// netUnix is /proc/net/unix: the sandbox's unix sockets in Linux's
// layout (netstat -x and lsof parse it by field): a socket's address
// (zero here, as Linux shows it to a reader without CAP_SYSLOG), a
// reference count, the protocol (0), __SO_ACCEPTCON for a listener, the
// type, the SS_* state, the inode, and the name if it has one, an
// abstract name with @ for its leading and inner NULs.
func (p *procFS) netUnix() ([]byte, error) {
	var b strings.Builder
	b.WriteString("Num       RefCount Protocol Flags    Type St Inode Path\n")
	if UnixSockets == nil {
		return []byte(b.String()), nil
	}
	for _, e := range UnixSockets(p.k) {
		flags := 0
		if e.Listening {
			flags = soAcceptCon
		}
		fmt.Fprintf(&b, "%016x: %08X %08X %08X %04X %02X %5d", 0, 2, 0, flags, e.Type, e.State, e.Ino)
		if a := e.Addr; a != nil {
			name := a.Name
			if a.Abstract {
				name = "@" + strings.ReplaceAll(name, "\x00", "@")
			}
			b.WriteString(" " + name)
		}
		b.WriteByte('\n')
	}
	return []byte(b.String()), nil
}

// soAcceptCon is __SO_ACCEPTCON, a listening socket's flag.
const soAcceptCon = 1 << 16

// tcpListen is Linux's TCP_LISTEN state number.
const tcpListen = 10

// hexAddr lays out an address as /proc/net does: each 32-bit word read
// in the host's (little-endian) byte order, in hex.
func hexAddr(a []byte) string {
	var b strings.Builder
	for i := 0; i+4 <= len(a); i += 4 {
		fmt.Fprintf(&b, "%08X", binary.LittleEndian.Uint32(a[i:]))
	}
	return b.String()
}

// filesystems lists the filesystem types of the sentry.
func filesystems() ([]byte, error) {
	var b strings.Builder
	for _, fs := range []string{"sysfs", "tmpfs", "proc", "devpts", "pipefs", "anon_inodefs", "9p", "overlay"} {
		fmt.Fprintf(&b, "nodev\t%s\n", fs)
	}
	return []byte(b.String()), nil
}

// sysDir is /proc/sys: the sentry's own values, read-only.
func (p *procFS) sysDir() vfs.Inode {
	val := func(path, v string) vfs.Inode {
		return &synth.File{Dev: procDev, Ino: inoOf("/sys/" + path), Mode: unix.S_IFREG | 0o444,
			Data: func() ([]byte, error) { return []byte(v + "\n"), nil }}
	}
	fn := func(path string, f func() string) vfs.Inode {
		return &synth.File{Dev: procDev, Ino: inoOf("/sys/" + path), Mode: unix.S_IFREG | 0o444,
			Data: func() ([]byte, error) { return []byte(f() + "\n"), nil }}
	}
	dir := func(path string, children map[string]vfs.Inode) vfs.Inode {
		return &synth.Dir{Dev: procDev, Ino: inoOf("/sys/" + path), Mode: unix.S_IFDIR | 0o555, Static: children}
	}
	return dir("", map[string]vfs.Inode{
		"kernel": dir("kernel", map[string]vfs.Inode{
			"hostname":     fn("kernel/hostname", p.k.Hostname),
			"domainname":   fn("kernel/domainname", p.k.Domainname),
			"osrelease":    val("kernel/osrelease", kernel.Release),
			"ostype":       val("kernel/ostype", "Linux"),
			"version":      val("kernel/version", kernel.Version),
			"pid_max":      val("kernel/pid_max", "4194304"),
			"threads-max":  val("kernel/threads-max", "4194304"),
			"ngroups_max":  val("kernel/ngroups_max", "65536"),
			"cap_last_cap": val("kernel/cap_last_cap", fmt.Sprint(kernel.CapLastCap)),
			"overflowuid":  val("kernel/overflowuid", "65534"),
			"overflowgid":  val("kernel/overflowgid", "65534"),
			"shmmax":       val("kernel/shmmax", fmt.Sprint(ipc.SHMMAX)),
			"shmall":       val("kernel/shmall", fmt.Sprint(ipc.SHMALL)),
			"shmmni":       val("kernel/shmmni", fmt.Sprint(ipc.SHMMNI)),
			"sem":          val("kernel/sem", fmt.Sprintf("%d\t%d\t%d\t%d", ipc.SEMMSL, ipc.SEMMNS, ipc.SEMOPM, ipc.SEMMNI)),
			"msgmax":       val("kernel/msgmax", fmt.Sprint(ipc.MSGMAX)),
			"msgmnb":       val("kernel/msgmnb", fmt.Sprint(ipc.MSGMNB)),
			"msgmni":       val("kernel/msgmni", fmt.Sprint(ipc.MSGMNI)),
			"random": dir("kernel/random", map[string]vfs.Inode{
				"boot_id":       val("kernel/random/boot_id", p.bootID),
				"uuid":          fn("kernel/random/uuid", newUUID),
				"entropy_avail": val("kernel/random/entropy_avail", "256"),
				"poolsize":      val("kernel/random/poolsize", "256"),
			}),
		}),
		"vm": dir("vm", map[string]vfs.Inode{
			"overcommit_memory": val("vm/overcommit_memory", "0"),
			"overcommit_ratio":  val("vm/overcommit_ratio", "50"),
			"max_map_count":     val("vm/max_map_count", "65530"),
			"mmap_min_addr":     val("vm/mmap_min_addr", fmt.Sprint(mm.MinAddr)),
		}),
		"fs": dir("fs", map[string]vfs.Inode{
			"nr_open":       val("fs/nr_open", fmt.Sprint(kernel.NrOpen)),
			"file-max":      val("fs/file-max", "9223372036854775807"),
			"pipe-max-size": val("fs/pipe-max-size", fmt.Sprint(pipe.MaxCapacity)),
		}),
		"net": dir("net", map[string]vfs.Inode{
			"core": dir("net/core", map[string]vfs.Inode{
				"somaxconn": val("net/core/somaxconn", fmt.Sprint(inet.Somaxconn)),
			}),
			"ipv4": dir("net/ipv4", map[string]vfs.Inode{
				"ip_local_port_range": val("net/ipv4/ip_local_port_range", fmt.Sprintf("%d\t%d", inet.EphemeralFirst, inet.EphemeralLast)),
				"ip_default_ttl":      val("net/ipv4/ip_default_ttl", fmt.Sprint(inet.DefaultTTL)),
			}),
		}),
	})
}
