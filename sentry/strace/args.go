package strace

import (
	"fmt"
	"math/bits"
	"net/netip"
	"strconv"
	"strings"
)

// Scalar arguments.

func aInt(_ *call, v uint64) string  { return strconv.Itoa(int(int32(v))) }
func aLong(_ *call, v uint64) string { return strconv.FormatInt(int64(v), 10) }
func aUint(_ *call, v uint64) string { return strconv.FormatUint(v, 10) }
func aU32(_ *call, v uint64) string  { return strconv.FormatUint(uint64(uint32(v)), 10) }
func aHex(_ *call, v uint64) string  { return hex(v) }
func aPtr(_ *call, v uint64) string  { return ptr(v) }
func aFD(_ *call, v uint64) string   { return strconv.Itoa(int(int32(v))) }

// aDirFD is a directory FD of an *at call.
func aDirFD(_ *call, v uint64) string {
	if int32(v) == atFDCWD {
		return "AT_FDCWD"
	}
	return strconv.Itoa(int(int32(v)))
}

func aPath(c *call, v uint64) string { return c.cstring(v, maxPath) }
func aStr(c *call, v uint64) string  { return c.cstring(v, maxString) }

// aMode is a permission mode: 0644.
func aMode(_ *call, v uint64) string { return fmt.Sprintf("0%03o", uint32(v)) }

var fileTypes = enum{
	0o140000: "S_IFSOCK", 0o120000: "S_IFLNK", 0o100000: "S_IFREG",
	0o60000: "S_IFBLK", 0o40000: "S_IFDIR", 0o20000: "S_IFCHR", 0o10000: "S_IFIFO",
}

// fileMode formats a full st_mode: S_IFREG|S_ISUID|0755.
func fileMode(m uint32) string {
	var parts []string
	if t := uint64(m & 0o170000); t != 0 {
		if n, ok := fileTypes[t]; ok {
			parts = append(parts, n)
		} else {
			parts = append(parts, fmt.Sprintf("%#o", t))
		}
	}
	for _, f := range []flag{{0o4000, "S_ISUID"}, {0o2000, "S_ISGID"}, {0o1000, "S_ISVTX"}} {
		if uint64(m)&f.v != 0 {
			parts = append(parts, f.name)
		}
	}
	parts = append(parts, fmt.Sprintf("0%03o", m&0o777))
	return strings.Join(parts, "|")
}

func aFileMode(_ *call, v uint64) string { return fileMode(uint32(v)) }

func aOpenFlags(_ *call, v uint64) string { return openFlags(v) }
func aProt(_ *call, v uint64) string      { return protFlags.formatZero(v, "PROT_NONE") }
func aMmapFlags(_ *call, v uint64) string { return mmapFlags(v) }
func aSignal(_ *call, v uint64) string    { return signalName(v) }
func aAccess(_ *call, v uint64) string    { return accessModes.formatZero(v, "F_OK") }
func aClock(_ *call, v uint64) string     { return clockIDs.formatInt(v) }
func aWhence(_ *call, v uint64) string    { return whenceNames.format(v) }

// flags returns a formatter for a flags argument.
func flags(fs flagSet) arg { return func(_ *call, v uint64) string { return fs.format(v) } }

// enumArg returns a formatter for an enumerated argument.
func enumArg(e enum) arg { return func(_ *call, v uint64) string { return e.formatInt(v) } }

// out wraps the formatter of an output argument: it is decoded only once
// the call has succeeded; before that, or on failure, the pointer is shown.
func out(f arg) arg {
	return func(c *call, v uint64) string {
		if !c.done() || v == 0 {
			return ptr(v)
		}
		return f(c, v)
	}
}

// inBuf is a buffer whose length is argument n.
func inBuf(n int) arg {
	return func(c *call, v uint64) string { return c.buffer(v, c.args[n]) }
}

// outBuf is an output buffer of length argument n, filled with as many
// bytes as the call returned.
func outBuf(n int) arg {
	return out(func(c *call, v uint64) string {
		l := c.ret
		if l > c.args[n] {
			l = c.args[n]
		}
		return c.buffer(v, l)
	})
}

// outHexBuf is outBuf shown with every byte in hex, like strace shows
// random bytes.
func outHexBuf(n int) arg {
	return out(func(c *call, v uint64) string {
		l := c.ret
		if l > c.args[n] {
			l = c.args[n]
		}
		show := l
		if show > maxString {
			show = maxString
		}
		b, ok := c.read(v, int(show))
		if !ok {
			return ptr(v)
		}
		return quoteHex(b, l > show)
	})
}

// aStatxFlags formats statx flags, which name the default sync type too.
func aStatxFlags(_ *call, v uint64) string {
	s := atFlagSet.formatZero(v, "")
	if v&0x6000 == 0 {
		if s == "" {
			return "AT_STATX_SYNC_AS_STAT"
		}
		return "AT_STATX_SYNC_AS_STAT|" + s
	}
	return s
}

// outStr is an output C string.
var outStr = out(func(c *call, v uint64) string { return c.cstring(v, maxPath) })

// Structs.

func timespec(b []byte) string {
	return fmt.Sprintf("{tv_sec=%d, tv_nsec=%d}", int64(le.Uint64(b)), int64(le.Uint64(b[8:])))
}

func timeval(b []byte) string {
	return fmt.Sprintf("{tv_sec=%d, tv_usec=%d}", int64(le.Uint64(b)), int64(le.Uint64(b[8:])))
}

func aTimespec(c *call, v uint64) string {
	b := c.readStruct(v, 16)
	if b == nil {
		return ptr(v)
	}
	return timespec(b)
}

func aTimeval(c *call, v uint64) string {
	b := c.readStruct(v, 16)
	if b == nil {
		return ptr(v)
	}
	return timeval(b)
}

func aItimerspec(c *call, v uint64) string {
	b := c.readStruct(v, 32)
	if b == nil {
		return ptr(v)
	}
	return "{it_interval=" + timespec(b) + ", it_value=" + timespec(b[16:]) + "}"
}

func aItimerval(c *call, v uint64) string {
	b := c.readStruct(v, 32)
	if b == nil {
		return ptr(v)
	}
	return "{it_interval=" + timeval(b) + ", it_value=" + timeval(b[16:]) + "}"
}

// aUtimens is utimensat's struct timespec[2].
func aUtimens(c *call, v uint64) string {
	b := c.readStruct(v, 32)
	if b == nil {
		return ptr(v)
	}
	var parts [2]string
	for i := range parts {
		ts := b[i*16:]
		switch le.Uint64(ts[8:]) {
		case 1<<30 - 1:
			parts[i] = "UTIME_NOW"
		case 1<<30 - 2:
			parts[i] = "UTIME_OMIT"
		default:
			parts[i] = timespec(ts)
		}
	}
	return "[" + parts[0] + ", " + parts[1] + "]"
}

// aTimevals2 is utimes' struct timeval[2].
func aTimevals2(c *call, v uint64) string {
	b := c.readStruct(v, 32)
	if b == nil {
		return ptr(v)
	}
	return "[" + timeval(b) + ", " + timeval(b[16:]) + "]"
}

// sigset formats a 64-bit signal mask like strace: [INT TERM], or
// ~[...] listing the missing signals when more than half are set.
func sigset(m uint64) string {
	prefix := ""
	if bits.OnesCount64(m) > 32 {
		prefix = "~"
		m = ^m
	}
	var names []string
	for s := uint64(1); s <= 64; s++ {
		if m&(1<<(s-1)) != 0 {
			names = append(names, strings.TrimPrefix(signalName(s), "SIG"))
		}
	}
	return prefix + "[" + strings.Join(names, " ") + "]"
}

// aSigset is a sigset_t pointer whose size is argument n.
func aSigset(n int) arg {
	return func(c *call, v uint64) string {
		size := c.args[n]
		if size == 0 || size > 128 {
			return ptr(v)
		}
		if size > 8 {
			size = 8
		}
		b := c.readStruct(v, int(size))
		if b == nil {
			return ptr(v)
		}
		var m uint64
		for i := len(b) - 1; i >= 0; i-- {
			m = m<<8 | uint64(b[i])
		}
		return sigset(m)
	}
}

// aSigsetFixed is an 8-byte sigset_t pointer.
var aSigsetFixed = func(c *call, v uint64) string {
	m, ok := c.readU64(v)
	if !ok {
		return ptr(v)
	}
	return sigset(m)
}

func sigHandler(h uint64) string {
	switch h {
	case 0:
		return "SIG_DFL"
	case 1:
		return "SIG_IGN"
	}
	return ptr(h)
}

// aSigaction is a kernel struct sigaction pointer: handler, flags,
// restorer, mask.
func aSigaction(c *call, v uint64) string {
	b := c.readStruct(v, 32)
	if b == nil {
		return ptr(v)
	}
	fl := le.Uint64(b[8:])
	s := fmt.Sprintf("{sa_handler=%s, sa_mask=%s, sa_flags=%s", sigHandler(le.Uint64(b)), sigset(le.Uint64(b[24:])), saFlags.format(fl))
	if fl&0x04000000 != 0 {
		s += ", sa_restorer=" + ptr(le.Uint64(b[16:]))
	}
	return s + "}"
}

// aStack is a stack_t pointer.
func aStack(c *call, v uint64) string {
	b := c.readStruct(v, 24)
	if b == nil {
		return ptr(v)
	}
	return fmt.Sprintf("{ss_sp=%s, ss_flags=%s, ss_size=%d}", ptr(le.Uint64(b)), ssFlags.format(uint64(le.Uint32(b[8:]))), le.Uint64(b[16:]))
}

func makedev(d uint64) string {
	major := (d>>8)&0xfff | (d>>32)&^0xfff
	minor := d&0xff | (d>>12)&^0xff
	return fmt.Sprintf("makedev(%#x, %#x)", major, minor)
}

// aStat is a struct stat pointer (amd64 layout), shown briefly.
func aStat(c *call, v uint64) string {
	b := c.readStruct(v, 144)
	if b == nil {
		return ptr(v)
	}
	mode := le.Uint32(b[24:])
	s := "{st_mode=" + fileMode(mode)
	if t := mode & 0o170000; t == 0o20000 || t == 0o60000 {
		s += ", st_rdev=" + makedev(le.Uint64(b[40:]))
	} else {
		s += fmt.Sprintf(", st_size=%d", int64(le.Uint64(b[48:])))
	}
	return s + ", ...}"
}

// aStatx is a struct statx pointer, shown briefly.
func aStatx(c *call, v uint64) string {
	b := c.readStruct(v, 0x98)
	if b == nil {
		return ptr(v)
	}
	mode := uint32(le.Uint16(b[0x1c:]))
	s := "{stx_mask=" + statxMask.format(uint64(le.Uint32(b))) + ", stx_attributes=" + hex(le.Uint64(b[8:])) + ", stx_mode=" + fileMode(mode)
	if t := mode & 0o170000; t == 0o20000 || t == 0o60000 {
		s += fmt.Sprintf(", stx_rdev_major=%d, stx_rdev_minor=%d", le.Uint32(b[0x80:]), le.Uint32(b[0x84:]))
	} else {
		s += fmt.Sprintf(", stx_size=%d", le.Uint64(b[0x28:]))
	}
	return s + ", ...}"
}

// aStatfs is a struct statfs pointer, shown briefly.
func aStatfs(c *call, v uint64) string {
	b := c.readStruct(v, 120)
	if b == nil {
		return ptr(v)
	}
	return fmt.Sprintf("{f_type=%s, f_bsize=%d, f_blocks=%d, f_bfree=%d, ...}", hex(le.Uint64(b)), int64(le.Uint64(b[8:])), le.Uint64(b[16:]), le.Uint64(b[24:]))
}

func rlim(v uint64) string {
	switch {
	case v == ^uint64(0):
		return "RLIM64_INFINITY"
	case v > 0 && v%1024 == 0:
		return fmt.Sprintf("%d*1024", v/1024)
	}
	return strconv.FormatUint(v, 10)
}

// aRlimit is a struct rlimit pointer.
func aRlimit(c *call, v uint64) string {
	b := c.readStruct(v, 16)
	if b == nil {
		return ptr(v)
	}
	return "{rlim_cur=" + rlim(le.Uint64(b)) + ", rlim_max=" + rlim(le.Uint64(b[8:])) + "}"
}

// aIntPtr is an int pointer: [42].
func aIntPtr(c *call, v uint64) string {
	x, ok := c.readU32(v)
	if !ok {
		return ptr(v)
	}
	return "[" + strconv.Itoa(int(int32(x))) + "]"
}

// aU64Ptr is a 64-bit integer pointer: [42].
func aU64Ptr(c *call, v uint64) string {
	x, ok := c.readU64(v)
	if !ok {
		return ptr(v)
	}
	return "[" + strconv.FormatUint(x, 10) + "]"
}

// aPipeFDs is pipe's int[2].
func aPipeFDs(c *call, v uint64) string {
	b := c.readStruct(v, 8)
	if b == nil {
		return ptr(v)
	}
	return fmt.Sprintf("[%d, %d]", int32(le.Uint32(b)), int32(le.Uint32(b[4:])))
}

// aArgv is a NULL-terminated array of strings (execve argv and envp).
func aArgv(c *call, v uint64) string {
	if v == 0 {
		return "NULL"
	}
	var elems []string
	for i := 0; ; i++ {
		p, ok := c.readU64(v + uint64(i)*8)
		if !ok {
			if i == 0 {
				return ptr(v)
			}
			elems = append(elems, "... /* "+ptr(v+uint64(i)*8)+" */")
			break
		}
		if p == 0 {
			break
		}
		if i == maxElems {
			elems = append(elems, "...")
			break
		}
		elems = append(elems, c.cstring(p, maxString))
	}
	return "[" + strings.Join(elems, ", ") + "]"
}

// wstatus formats a wait status like strace.
func wstatus(s uint32) string {
	switch {
	case s&0x7f == 0:
		return fmt.Sprintf("[{WIFEXITED(s) && WEXITSTATUS(s) == %d}]", (s>>8)&0xff)
	case s&0xff == 0x7f:
		return fmt.Sprintf("[{WIFSTOPPED(s) && WSTOPSIG(s) == %s}]", signalName(uint64((s>>8)&0xff)))
	case s == 0xffff:
		return "[{WIFCONTINUED(s)}]"
	}
	r := fmt.Sprintf("[{WIFSIGNALED(s) && WTERMSIG(s) == %s", signalName(uint64(s&0x7f)))
	if s&0x80 != 0 {
		r += " && WCOREDUMP(s)"
	}
	return r + "}]"
}

func aWstatus(c *call, v uint64) string {
	s, ok := c.readU32(v)
	if !ok {
		return ptr(v)
	}
	return wstatus(s)
}

// aUtsname is a struct utsname pointer, shown briefly.
func aUtsname(c *call, v uint64) string {
	b := c.readStruct(v, 65*2)
	if b == nil {
		return ptr(v)
	}
	field := func(f []byte) string {
		for i, ch := range f {
			if ch == 0 {
				return quote(f[:i], false)
			}
		}
		return quote(f, true)
	}
	return "{sysname=" + field(b[:65]) + ", nodename=" + field(b[65:]) + ", ...}"
}

// aDirents is a getdents buffer: the pointer and the number of entries.
func aDirents(c *call, v uint64) string {
	n := c.ret
	if n > c.args[2] {
		n = c.args[2]
	}
	// Read it in chunks of at most maxRead, up to 64 KiB.
	const limit = 64 << 10
	if n > limit {
		return ptr(v)
	}
	var buf []byte
	for uint64(len(buf)) < n {
		want := n - uint64(len(buf))
		if want > maxRead {
			want = maxRead
		}
		b, ok := c.read(v+uint64(len(buf)), int(want))
		if !ok {
			return ptr(v)
		}
		buf = append(buf, b...)
	}
	// d_reclen is at offset 16 in both linux_dirent and linux_dirent64.
	count := 0
	for off := 0; off+18 <= len(buf); count++ {
		reclen := int(le.Uint16(buf[off+16:]))
		if reclen == 0 {
			break
		}
		off += reclen
	}
	return fmt.Sprintf("%s /* %d entries */", ptr(v), count)
}

// aCPUSet is a CPU mask of ret bytes.
func aCPUSet(c *call, v uint64) string {
	n := c.ret
	if n > 128 {
		n = 128
	}
	b, ok := c.read(v, int(n))
	if !ok {
		return ptr(v)
	}
	var cpus []string
	for i, x := range b {
		for j := 0; j < 8; j++ {
			if x&(1<<j) != 0 {
				cpus = append(cpus, strconv.Itoa(i*8+j))
			}
		}
	}
	return "[" + strings.Join(cpus, " ") + "]"
}

// aWinsize is a struct winsize pointer.
func aWinsize(c *call, v uint64) string {
	b := c.readStruct(v, 8)
	if b == nil {
		return ptr(v)
	}
	return fmt.Sprintf("{ws_row=%d, ws_col=%d, ws_xpixel=%d, ws_ypixel=%d}", le.Uint16(b), le.Uint16(b[2:]), le.Uint16(b[4:]), le.Uint16(b[6:]))
}

// sockaddr formats n bytes of a socket address at v.
func (c *call) sockaddr(v uint64, n uint64) string {
	if v == 0 {
		return "NULL"
	}
	if n < 2 {
		return ptr(v)
	}
	if n > 128 {
		n = 128
	}
	b := c.readStruct(v, int(n))
	if b == nil {
		return ptr(v)
	}
	fam := uint64(le.Uint16(b))
	s := "{sa_family=" + socketFamilies.format(fam)
	switch {
	case fam == 1: // AF_UNIX
		path := b[2:]
		if len(path) == 0 {
			break
		}
		abstract := path[0] == 0
		if abstract {
			path = path[1:]
		} else if i := strings.IndexByte(string(path), 0); i >= 0 {
			path = path[:i]
		}
		if abstract {
			s += ", sun_path=@" + quote(path, false)
		} else {
			s += ", sun_path=" + quote(path, false)
		}
	case fam == 2 && len(b) >= 8: // AF_INET
		addr := netip.AddrFrom4([4]byte(b[4:8]))
		s += fmt.Sprintf(", sin_port=htons(%d), sin_addr=inet_addr(%q)", uint16(b[2])<<8|uint16(b[3]), addr.String())
	case fam == 10 && len(b) >= 24: // AF_INET6
		addr := netip.AddrFrom16([16]byte(b[8:24]))
		s += fmt.Sprintf(", sin6_port=htons(%d), sin6_flowinfo=htonl(%d), inet_pton(AF_INET6, %q, &sin6_addr)", uint16(b[2])<<8|uint16(b[3]), uint32(b[4])<<24|uint32(b[5])<<16|uint32(b[6])<<8|uint32(b[7]), addr.String())
		if len(b) >= 28 {
			s += fmt.Sprintf(", sin6_scope_id=%d", le.Uint32(b[24:]))
		}
	case fam == 16 && len(b) >= 12: // AF_NETLINK
		s += fmt.Sprintf(", nl_pid=%d, nl_groups=%08x", le.Uint32(b[4:]), le.Uint32(b[8:]))
	default:
		s += ", sa_data=" + quote(b[2:], false)
	}
	return s + "}"
}

// aSockaddr is a socket address whose length is argument n.
func aSockaddr(n int) arg {
	return func(c *call, v uint64) string { return c.sockaddr(v, uint64(uint32(c.args[n]))) }
}

// aSockaddrOut is an output socket address whose length is in the
// socklen_t that argument n points to.
func aSockaddrOut(n int) arg {
	return out(func(c *call, v uint64) string {
		l, ok := c.readU32(c.args[n])
		if !ok {
			return ptr(v)
		}
		return c.sockaddr(v, uint64(l))
	})
}

// iovec formats an array of cnt iovecs at v. If data >= 0 only that many
// bytes in total are shown (readv's result).
func (c *call) iovec(v uint64, cnt uint64, data int64) string {
	if v == 0 {
		return "NULL"
	}
	var elems []string
	for i := uint64(0); i < cnt; i++ {
		if i == maxElems {
			elems = append(elems, "...")
			break
		}
		b := c.readStruct(v+i*16, 16)
		if b == nil {
			if i == 0 {
				return ptr(v)
			}
			elems = append(elems, "... /* "+ptr(v+i*16)+" */")
			break
		}
		base, l := le.Uint64(b), le.Uint64(b[8:])
		shown := l
		if data >= 0 {
			if uint64(data) < shown {
				shown = uint64(data)
			}
			data -= int64(shown)
		}
		elems = append(elems, fmt.Sprintf("{iov_base=%s, iov_len=%d}", c.buffer(base, shown), l))
	}
	return "[" + strings.Join(elems, ", ") + "]"
}

// aIovecIn is an input iovec array whose count is argument n.
func aIovecIn(n int) arg {
	return func(c *call, v uint64) string { return c.iovec(v, c.args[n], -1) }
}

// aIovecOut is an output iovec array whose count is argument n, filled with
// ret bytes.
func aIovecOut(n int) arg {
	return out(func(c *call, v uint64) string {
		return c.iovec(v, c.args[n], int64(c.ret&(1<<62-1)))
	})
}

// msghdr formats a struct msghdr; data limits the bytes shown as for iovec.
func (c *call) msghdr(v uint64, data int64) string {
	b := c.readStruct(v, 56)
	if b == nil {
		return ptr(v)
	}
	name, namelen := le.Uint64(b), le.Uint32(b[8:])
	iov, iovlen := le.Uint64(b[16:]), le.Uint64(b[24:])
	controllen, fl := le.Uint64(b[40:]), le.Uint32(b[48:])
	return fmt.Sprintf("{msg_name=%s, msg_namelen=%d, msg_iov=%s, msg_iovlen=%d, msg_controllen=%d, msg_flags=%s}",
		c.sockaddr(name, uint64(namelen)), namelen, c.iovec(iov, iovlen, data), iovlen, controllen, msgFlags.format(uint64(fl)))
}

func aMsghdrIn(c *call, v uint64) string { return c.msghdr(v, -1) }

var aMsghdrOut = out(func(c *call, v uint64) string { return c.msghdr(v, int64(c.ret&(1<<62-1))) })

// aPollFDs is poll's struct pollfd array of argument n entries.
func aPollFDs(n int) arg {
	return func(c *call, v uint64) string {
		if v == 0 {
			return "NULL"
		}
		var elems []string
		for i := uint64(0); i < c.args[n]; i++ {
			if i == maxElems {
				elems = append(elems, "...")
				break
			}
			b := c.readStruct(v+i*8, 8)
			if b == nil {
				return ptr(v)
			}
			elems = append(elems, fmt.Sprintf("{fd=%d, events=%s}", int32(le.Uint32(b)), pollEvents.format(uint64(le.Uint16(b[4:])))))
		}
		return "[" + strings.Join(elems, ", ") + "]"
	}
}

// pollRet formats poll's result with the returned events.
func pollRet(c *call) string {
	n := int64(c.ret)
	if n <= 0 {
		if n == 0 {
			return "0 (Timeout)"
		}
		return strconv.FormatInt(n, 10)
	}
	var elems []string
	for i := uint64(0); i < c.args[1] && i < 64; i++ {
		b := c.readStruct(c.args[0]+i*8, 8)
		if b == nil {
			break
		}
		if re := le.Uint16(b[6:]); re != 0 {
			if len(elems) == maxElems {
				elems = append(elems, "...")
				break
			}
			elems = append(elems, fmt.Sprintf("{fd=%d, revents=%s}", int32(le.Uint32(b)), pollEvents.format(uint64(re))))
		}
	}
	return fmt.Sprintf("%d ([%s])", n, strings.Join(elems, ", "))
}

// aFDSet is a select fd_set of argument n (nfds) bits.
func aFDSet(n int) arg {
	return func(c *call, v uint64) string {
		if v == 0 {
			return "NULL"
		}
		nfds := c.args[n]
		if nfds > 1024 {
			nfds = 1024
		}
		b := c.readStruct(v, int((nfds+63)/64*8))
		if b == nil {
			if nfds == 0 {
				return "[]"
			}
			return ptr(v)
		}
		var fds []string
		for fd := uint64(0); fd < nfds; fd++ {
			if b[fd/8]&(1<<(fd%8)) != 0 {
				fds = append(fds, strconv.FormatUint(fd, 10))
			}
		}
		return "[" + strings.Join(fds, " ") + "]"
	}
}

func epollEvent(b []byte) string {
	d := le.Uint64(b[4:])
	return fmt.Sprintf("{events=%s, data={u32=%d, u64=%d}}", epollEvents.format(uint64(le.Uint32(b))), uint32(d), d)
}

// aEpollEvent is a struct epoll_event pointer (packed, 12 bytes on amd64).
func aEpollEvent(c *call, v uint64) string {
	b := c.readStruct(v, 12)
	if b == nil {
		return ptr(v)
	}
	return epollEvent(b)
}

// aEpollEvents is epoll_wait's output array of ret events.
var aEpollEvents = out(func(c *call, v uint64) string {
	var elems []string
	for i := uint64(0); i < c.ret && i < 1024; i++ {
		if i == maxElems {
			elems = append(elems, "...")
			break
		}
		b := c.readStruct(v+i*12, 12)
		if b == nil {
			return ptr(v)
		}
		elems = append(elems, epollEvent(b))
	}
	return "[" + strings.Join(elems, ", ") + "]"
})

// aSigevent is a struct sigevent pointer.
func aSigevent(c *call, v uint64) string {
	b := c.readStruct(v, 16)
	if b == nil {
		return ptr(v)
	}
	return fmt.Sprintf("{sigev_value={sival_int=%d, sival_ptr=%s}, sigev_signo=%s, sigev_notify=%s}",
		int32(le.Uint32(b)), ptr(le.Uint64(b)), signalName(uint64(le.Uint32(b[8:]))), sigevNotify.formatInt(uint64(le.Uint32(b[12:]))))
}

// aSiginfo is a siginfo_t pointer, shown briefly.
func aSiginfo(c *call, v uint64) string {
	b := c.readStruct(v, 16)
	if b == nil {
		return ptr(v)
	}
	return fmt.Sprintf("{si_signo=%s, si_code=%d, ...}", signalName(uint64(le.Uint32(b))), int32(le.Uint32(b[8:])))
}

// aCapHeader is a struct __user_cap_header_struct pointer.
func aCapHeader(c *call, v uint64) string {
	b := c.readStruct(v, 8)
	if b == nil {
		return ptr(v)
	}
	return fmt.Sprintf("{version=%#x, pid=%d}", le.Uint32(b), int32(le.Uint32(b[4:])))
}

// aOpenHow is openat2's struct open_how.
func aOpenHow(c *call, v uint64) string {
	b := c.readStruct(v, 24)
	if b == nil {
		return ptr(v)
	}
	return fmt.Sprintf("{flags=%s, mode=%s, resolve=%s}", openFlags(le.Uint64(b)), aMode(c, le.Uint64(b[8:])), resolveFlags.format(le.Uint64(b[16:])))
}

// aCloneArgs is clone3's struct clone_args, shown briefly.
func aCloneArgs(c *call, v uint64) string {
	b := c.readStruct(v, 64)
	if b == nil {
		return ptr(v)
	}
	s := "{flags=" + cloneFlagSet.format(le.Uint64(b))
	if fl := le.Uint64(b); fl&0x1000 != 0 {
		s += ", pidfd=" + ptr(le.Uint64(b[8:]))
	}
	if fl := le.Uint64(b); fl&(0x200000|0x1000000) != 0 {
		s += ", child_tid=" + ptr(le.Uint64(b[16:]))
	}
	if fl := le.Uint64(b); fl&0x100000 != 0 {
		s += ", parent_tid=" + ptr(le.Uint64(b[24:]))
	}
	s += ", exit_signal=" + signalName(le.Uint64(b[32:]))
	s += ", stack=" + ptr(le.Uint64(b[40:]))
	s += ", stack_size=" + hex(le.Uint64(b[48:]))
	if fl := le.Uint64(b); fl&0x80000 != 0 {
		s += ", tls=" + ptr(le.Uint64(b[56:]))
	}
	return s + "}"
}
