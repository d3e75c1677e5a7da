// Package platform defines how the sentry runs application code: address
// spaces that it fills with memory-file mappings, and contexts that switch
// into application code until it traps back with a syscall, fault or signal.
package platform

import (
	"time"

	"golang.org/x/sys/unix"
)

// Registers is the amd64 general register set, laid out as the kernel's
// user_regs_struct so that ptrace can read and write it directly.
type Registers = unix.PtraceRegs

// AccessType is a set of page permissions.
type AccessType struct {
	Read, Write, Execute bool
}

// Prot converts the access type to PROT_* bits.
func (a AccessType) Prot() int {
	p := unix.PROT_NONE
	if a.Read {
		p |= unix.PROT_READ
	}
	if a.Write {
		p |= unix.PROT_WRITE
	}
	if a.Execute {
		p |= unix.PROT_EXEC
	}
	return p
}

// EventType says why Switch returned.
type EventType int

const (
	// EventSyscall: the application made a system call. Regs.Orig_rax
	// holds its number and Rip points after the syscall instruction.
	EventSyscall EventType = iota
	// EventFault: a memory access at Addr was not allowed by the
	// current host mappings. Code is the si_code (SEGV_MAPERR/ACCERR).
	EventFault
	// EventSignal: a synchronous signal other than a memory fault
	// (SIGILL, SIGFPE, SIGTRAP, SIGBUS) was raised by application code.
	EventSignal
	// EventInterrupted: Interrupt was called.
	EventInterrupted
)

// Event describes why application code stopped.
type Event struct {
	Type  EventType
	Signo int
	Code  int32
	Addr  uint64
	// Trapno and ErrCode are from the host trap when known.
	Trapno, ErrCode uint64
	// Patchable is set on an EventSyscall that trapped, from a context
	// that is a SyscallPatcher: its call site may be worth patching.
	Patchable bool
}

// SyscallPatcher is a Context that can serve system calls without a
// trap: application code that jumps to FastSyscallEntry, with the call's
// number in eax and its return address in rcx (as a syscall instruction
// leaves them), makes the call as if it had executed a syscall
// instruction, and returns there. The sentry patches call sites to do
// that (sentry/usertrap).
type SyscallPatcher interface {
	FastSyscallEntry() uint64
}

// Platform creates address spaces and contexts.
type Platform interface {
	NewAddressSpace() (AddressSpace, error)
	NewContext() Context
}

// AddressSpace is an application address space. Its mappings are all of
// the memory file (or of another host FD the platform was given).
type AddressSpace interface {
	// MapFile maps fd[off, off+length) at addr, replacing any mapping.
	MapFile(addr uintptr, fd int, off uint64, length uint64, perms AccessType) error
	// Unmap removes mappings in [addr, addr+length).
	Unmap(addr uintptr, length uint64)
	// Release destroys the address space.
	Release()
}

// FaultProber is implemented by contexts that can tell whether a fault
// at an address with no host mapping was a write, which the platform's
// fault event does not say. The kernel uses it only for faults that end
// in a signal, to fill in the page-fault error code of the signal frame.
type FaultProber interface {
	ProbeWrite(as AddressSpace, regs *Registers, addr uint64) (bool, error)
}

// CPUClock is implemented by contexts that can tell how much CPU time
// the application thread has used running application code.
type CPUClock interface {
	CPUTime() time.Duration
}

// ThreadBound is implemented by contexts whose goroutine must keep one OS
// thread for the context's life (under ptrace, that thread is the stub's
// tracer). Other contexts leave their goroutine free to move, so that
// waking a task blocked in the sentry needs no host thread hand-off.
type ThreadBound interface {
	ThreadBound()
}

// BlockNotifier is implemented by contexts that want to know when their
// task is about to block in the sentry, which is called on the task's
// goroutine between two Switches.
type BlockNotifier interface {
	Blocking()
}

// Context runs one application thread. Its methods other than Interrupt
// must be called from the goroutine that owns it (which also keeps its OS
// thread locked if the context is ThreadBound).
type Context interface {
	// Switch runs application code with regs in as until it traps.
	Switch(as AddressSpace, regs *Registers) (Event, error)
	// Interrupt makes a running or future Switch return promptly.
	Interrupt()
	// FPState returns the thread's extended FP state in XSAVE layout.
	FPState() ([]byte, error)
	// SetFPState replaces the thread's FP state (XSAVE layout).
	SetFPState(state []byte) error
	// Release frees the context's host resources.
	Release()
}
