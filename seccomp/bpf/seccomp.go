package bpf

import "fmt"

// Layout of struct seccomp_data, the input of a seccomp filter:
//
//	struct seccomp_data {
//		int   nr;                  //  0
//		__u32 arch;                //  4
//		__u64 instruction_pointer; //  8
//		__u64 args[6];             // 16
//	};
//
// Filters read it in 32-bit words, in host byte order (little-endian on
// amd64), so the low half of a 64-bit field comes first.
const (
	OffsetNr        = 0
	OffsetArch      = 4
	OffsetIPLow     = 8
	OffsetIPHigh    = 12
	OffsetArgs      = 16
	SeccompDataSize = 64
)

// ArgLow and ArgHigh are the offsets of the two halves of argument i.
func ArgLow(i int) uint32  { return OffsetArgs + 8*uint32(i) }
func ArgHigh(i int) uint32 { return OffsetArgs + 8*uint32(i) + 4 }

// Architectures (AUDIT_ARCH_*).
const (
	AuditArchX86_64 = 0xc000003e
	AuditArchI386   = 0x40000003
	// X32SyscallBit marks x32 syscall numbers (__X32_SYSCALL_BIT); x32
	// calls report AUDIT_ARCH_X86_64.
	X32SyscallBit = 0x40000000
)

// Seccomp return values. The top 16 bits are the action, the low 16 bits
// its data. Compared as signed 32-bit numbers, actions are ordered from
// most to least restrictive.
const (
	RetKillProcess = 0x80000000
	RetKillThread  = 0x00000000
	RetTrap        = 0x00030000
	RetErrno       = 0x00050000
	RetUserNotif   = 0x7fc00000
	RetTrace       = 0x7ff00000
	RetLog         = 0x7ffc0000
	RetAllow       = 0x7fff0000

	RetActionFull = 0xffff0000
	RetData       = 0x0000ffff
)

// Action is a seccomp return value: an action and its 16 bits of data.
type Action uint32

// Errno returns the action ERRNO(e).
func Errno(e uint16) Action { return Action(RetErrno | uint32(e)) }

// Trap returns the action TRAP(data).
func Trap(data uint16) Action { return Action(RetTrap | uint32(data)) }

// Trace returns the action TRACE(data).
func Trace(data uint16) Action { return Action(RetTrace | uint32(data)) }

// Common actions.
const (
	KillProcess = Action(RetKillProcess)
	KillThread  = Action(RetKillThread)
	UserNotif   = Action(RetUserNotif)
	Log         = Action(RetLog)
	Allow       = Action(RetAllow)
)

// Kind is the action without its data.
func (a Action) Kind() uint32 { return uint32(a) & RetActionFull }

// Data is the action's 16 bits of data.
func (a Action) Data() uint16 { return uint16(uint32(a) & RetData) }

// Precedence orders actions as the kernel does when several filters
// are stacked: the lowest value wins.
func (a Action) Precedence() int32 { return int32(a.Kind()) }

func (a Action) String() string {
	switch a.Kind() {
	case RetKillProcess:
		return "KILL_PROCESS"
	case RetKillThread:
		return "KILL_THREAD"
	case RetTrap:
		return fmt.Sprintf("TRAP(%d)", a.Data())
	case RetErrno:
		return fmt.Sprintf("ERRNO(%d)", a.Data())
	case RetUserNotif:
		return "USER_NOTIF"
	case RetTrace:
		return fmt.Sprintf("TRACE(%d)", a.Data())
	case RetLog:
		return "LOG"
	case RetAllow:
		return "ALLOW"
	}
	return fmt.Sprintf("unknown action %#x", uint32(a))
}
