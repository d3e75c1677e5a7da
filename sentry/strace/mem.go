package strace

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

const (
	// maxRead caps every single read of application memory.
	maxRead = 4096
	// maxString is how many bytes of a string or buffer are shown, like
	// strace's default -s 32.
	maxString = 32
	// maxPath is how many bytes of a path are shown: strace prints paths
	// whole, up to PATH_MAX.
	maxPath = 4096
	// maxElems is how many elements of an array are shown.
	maxElems = 8
	// pageSize bounds the chunks in which C strings are read, so that a
	// string that ends just before an unmapped page is still read.
	pageSize = 4096
)

var le = binary.LittleEndian

// read copies up to n bytes (at most maxRead) at addr. It returns what it
// copied and whether that was all n bytes.
func (c *call) read(addr uint64, n int) ([]byte, bool) {
	if n <= 0 {
		return nil, true
	}
	if n > maxRead {
		n = maxRead
	}
	if c.mem == nil {
		return nil, false
	}
	buf := make([]byte, n)
	got, err := c.mem.CopyIn(addr, buf)
	if got < 0 {
		got = 0
	}
	if got > n {
		got = n
	}
	return buf[:got], got == n && err == nil
}

// readStruct reads exactly n bytes at addr, or returns nil.
func (c *call) readStruct(addr uint64, n int) []byte {
	if addr == 0 {
		return nil
	}
	b, ok := c.read(addr, n)
	if !ok || len(b) != n {
		return nil
	}
	return b
}

func (c *call) readU64(addr uint64) (uint64, bool) {
	b := c.readStruct(addr, 8)
	if b == nil {
		return 0, false
	}
	return le.Uint64(b), true
}

func (c *call) readU32(addr uint64) (uint32, bool) {
	b := c.readStruct(addr, 4)
	if b == nil {
		return 0, false
	}
	return le.Uint32(b), true
}

// readCString reads a NUL-terminated string of at most limit bytes at addr.
// It returns the string (without its NUL), whether it was longer than limit,
// and whether it could be read at all.
func (c *call) readCString(addr uint64, limit int) (s []byte, truncated, ok bool) {
	for len(s) <= limit {
		a := addr + uint64(len(s))
		if a < addr {
			return nil, false, false // wrapped around
		}
		n := int(pageSize - a%pageSize)
		if want := limit + 1 - len(s); n > want {
			n = want
		}
		chunk, _ := c.read(a, n)
		for i, ch := range chunk {
			if ch == 0 {
				return append(s, chunk[:i]...), false, true
			}
		}
		s = append(s, chunk...)
		if len(chunk) < n {
			return nil, false, false // faulted before the NUL
		}
	}
	return s[:limit], true, true
}

// quote quotes b like strace: C escapes for \t\n\v\f\r, \" and \\, and
// octal for other non-printable bytes; more appends "...".
func quote(b []byte, more bool) string {
	var s strings.Builder
	s.Grow(len(b) + 8)
	s.WriteByte('"')
	for i, ch := range b {
		switch ch {
		case '"', '\\':
			s.WriteByte('\\')
			s.WriteByte(ch)
		case '\t':
			s.WriteString(`\t`)
		case '\n':
			s.WriteString(`\n`)
		case '\v':
			s.WriteString(`\v`)
		case '\f':
			s.WriteString(`\f`)
		case '\r':
			s.WriteString(`\r`)
		default:
			if ch >= 0x20 && ch < 0x7f {
				s.WriteByte(ch)
			} else if i+1 < len(b) && b[i+1] >= '0' && b[i+1] <= '7' {
				fmt.Fprintf(&s, `\%03o`, ch)
			} else {
				fmt.Fprintf(&s, `\%o`, ch)
			}
		}
	}
	s.WriteByte('"')
	if more {
		s.WriteString("...")
	}
	return s.String()
}

// quoteHex quotes b with every byte as \xNN.
func quoteHex(b []byte, more bool) string {
	var s strings.Builder
	s.Grow(4*len(b) + 5)
	s.WriteByte('"')
	for _, ch := range b {
		fmt.Fprintf(&s, `\x%02x`, ch)
	}
	s.WriteByte('"')
	if more {
		s.WriteString("...")
	}
	return s.String()
}

// cstring formats the C string at addr, showing at most limit bytes.
func (c *call) cstring(addr uint64, limit int) string {
	if addr == 0 {
		return "NULL"
	}
	s, trunc, ok := c.readCString(addr, limit)
	if !ok {
		return hex(addr)
	}
	return quote(s, trunc)
}

// buffer formats n bytes at addr as a quoted string of at most maxString
// bytes.
func (c *call) buffer(addr uint64, n uint64) string {
	if addr == 0 && n != 0 {
		return "NULL"
	}
	show := n
	if show > maxString {
		show = maxString
	}
	b, ok := c.read(addr, int(show))
	if !ok {
		return hex(addr)
	}
	return quote(b, n > show)
}

// hex formats v like strace's %#lx: "0" for zero, else 0x....
func hex(v uint64) string {
	if v == 0 {
		return "0"
	}
	return "0x" + strconv.FormatUint(v, 16)
}

// ptr formats a pointer: NULL for zero, else hex.
func ptr(v uint64) string {
	if v == 0 {
		return "NULL"
	}
	return "0x" + strconv.FormatUint(v, 16)
}

// kernel-internal errnos that a syscall can return to signal a restart.
var restartErrnos = map[int][2]string{
	512: {"ERESTARTSYS", "To be restarted if SA_RESTART is set"},
	513: {"ERESTARTNOINTR", "To be restarted"},
	514: {"ERESTARTNOHAND", "To be restarted if no handler"},
	515: {"ENOIOCTLCMD", "No ioctl command"},
	516: {"ERESTART_RESTARTBLOCK", "Interrupted by signal"},
}

// errnoString formats a failure result: "-1 ENOENT (No such file or
// directory)".
func errnoString(errno int) string {
	if errno < 0 {
		errno = -errno
	}
	if r, ok := restartErrnos[errno]; ok {
		return "? " + r[0] + " (" + r[1] + ")"
	}
	e := syscall.Errno(errno)
	name := unix.ErrnoName(e)
	if name == "" {
		return fmt.Sprintf("-1 (errno %d)", errno)
	}
	msg := e.Error()
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	return "-1 " + name + " (" + msg + ")"
}
