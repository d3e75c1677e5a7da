package syscalls

import (
	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/kernel"
)

// handlers maps syscall numbers to their implementation. Numbers absent
// here return ENOSYS and are logged once.
var handlers = map[int]kernel.SyscallFn{}

func register(nr int, fn kernel.SyscallFn) { handlers[nr] = fn }

// Install fills the kernel's syscall table.
func Install() {
	for nr := range kernel.SyscallTable {
		kernel.SyscallTable[nr] = kernel.Syscall{Name: abi.SyscallNames[nr], Fn: handlers[nr]}
	}
}

// Implemented reports whether nr has a handler.
func Implemented(nr int) bool { return handlers[nr] != nil }
