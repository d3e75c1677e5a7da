package kernel

import (
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/platform"
	"github.com/moat-dev/moat/sentry/usertrap"
)

// patchSyscall patches the call site of the system call that just
// trapped, on a platform that can then serve it without a trap.
func (t *Task) patchSyscall(ev platform.Event) {
	if !ev.Patchable {
		return
	}
	if sp, ok := t.ctx.(platform.SyscallPatcher); ok {
		usertrap.Patch(t.MM(), sp.FastSyscallEntry(), &t.Regs)
	}
}

// restartPatched handles a SIGILL that is a call restarted at a patched
// call site (see usertrap.Restart) and reports whether it was one.
func (t *Task) restartPatched(ev platform.Event) bool {
	if ev.Signo != int(unix.SIGILL) {
		return false
	}
	handled, call := usertrap.Restart(t.MM(), &t.Regs)
	if call {
		t.k.Stats.Syscalls.Add(1)
		t.syscall()
	}
	return handled
}
