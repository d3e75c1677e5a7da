// Package strace formats the sentry's system calls the way strace(1) prints
// them. The sentry calls Enter before and Exit after every system call when
// --strace is on.
//
// Each known system call has a table entry that gives the kind of each of its
// arguments (file descriptor, path, flags, struct pointer, ...). Input
// arguments are decoded from application memory when the line is formatted;
// output arguments (read buffers, struct stat, ...) are decoded by Exit only
// if the call succeeded, and printed as a bare pointer otherwise. System
// calls without an entry print their arguments in hex. A successful execve
// has replaced the memory its arguments were in, so its Exit line shows
// them as pointers: log the Enter line to see the path and argv.
//
// Nothing here trusts the application: every read of its memory is capped,
// an address that cannot be read is printed as a hex pointer, and a bug in a
// decoder falls back to a plain hex line instead of panicking.
package strace

import (
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/moat-dev/moat/sentry/abi"
)

// Memory reads application memory; it returns how many bytes it copied and
// an error (EFAULT) if it could not copy them all.
type Memory interface {
	CopyIn(addr uint64, dst []byte) (int, error)
}

// call is one system call being formatted.
type call struct {
	nr    uintptr
	args  [6]uint64
	mem   Memory
	exit  bool   // formatting the completed call
	ret   uint64 // raw return value, valid when exit
	errno int    // nonzero if the call failed, valid when exit
}

// done reports whether the call has completed successfully, so that its
// output arguments hold results.
func (c *call) done() bool { return c.exit && c.errno == 0 }

// arg formats one argument whose raw value is v.
type arg func(c *call, v uint64) string

// sysInfo describes how to print one system call.
type sysInfo struct {
	// args formats each argument in order; their number is the number of
	// arguments printed.
	args []arg
	// custom, if set, replaces args: it returns the formatted arguments.
	custom func(c *call) []string
	// ret, if set, formats a successful return value (the default is a
	// signed decimal).
	ret func(c *call) string
}

// panics counts decoder panics that were recovered; tests check it is zero.
var panics atomic.Int64

// repanic makes a decoder panic propagate instead of being recovered; tests
// set it to see the stack.
var repanic atomic.Bool

// Enter formats the call line before the syscall runs, e.g.
// `openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC)`.
func Enter(nr uintptr, args [6]uint64, mem Memory) (line string) {
	c := &call{nr: nr, args: args, mem: mem}
	defer func() {
		if r := recover(); r != nil {
			if repanic.Load() {
				panic(r)
			}
			panics.Add(1)
			line = fallback(c)
		}
	}()
	return c.name() + "(" + strings.Join(c.formatArgs(), ", ") + ")"
}

// Exit formats the completed call with its result, e.g.
// `openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3` or
// `= -1 ENOENT (No such file or directory)`; output arguments (read buffers,
// struct stat, etc.) are decoded after the call. ret is the raw return value;
// errno != 0 means failure.
func Exit(nr uintptr, args [6]uint64, ret uint64, errno int, mem Memory) (line string) {
	c := &call{nr: nr, args: args, mem: mem, exit: true, ret: ret, errno: errno}
	defer func() {
		if r := recover(); r != nil {
			if repanic.Load() {
				panic(r)
			}
			panics.Add(1)
			line = fallback(c) + " = " + formatHexRet(c)
		}
	}()
	return c.name() + "(" + strings.Join(c.formatArgs(), ", ") + ") = " + c.formatRet()
}

// fallback prints the call with all six arguments in hex; it is used when a
// decoder fails.
func fallback(c *call) string {
	var b strings.Builder
	b.WriteString(c.name())
	b.WriteByte('(')
	for i, a := range c.args {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(hex(a))
	}
	b.WriteByte(')')
	return b.String()
}

func formatHexRet(c *call) string {
	if c.errno != 0 {
		return errnoString(c.errno)
	}
	return hex(c.ret)
}

// name returns the Linux name of the system call, or syscall_0xNNN.
func (c *call) name() string {
	if c.nr < abi.SyscallCount && abi.SyscallNames[c.nr] != "" {
		return abi.SyscallNames[c.nr]
	}
	return fmt.Sprintf("syscall_%#x", c.nr)
}

func (c *call) info() *sysInfo {
	if c.nr < abi.SyscallCount {
		return lookup(c.nr)
	}
	return nil
}

func (c *call) formatArgs() []string {
	info := c.info()
	switch {
	case info == nil:
		out := make([]string, 6)
		for i := range out {
			out[i] = hex(c.args[i])
		}
		return out
	case info.custom != nil:
		return info.custom(c)
	default:
		out := make([]string, len(info.args))
		for i, f := range info.args {
			out[i] = f(c, c.args[i])
		}
		return out
	}
}

func (c *call) formatRet() string {
	if c.errno != 0 {
		return errnoString(c.errno)
	}
	if info := c.info(); info != nil && info.ret != nil {
		return info.ret(c)
	}
	return fmt.Sprint(int64(c.ret))
}
