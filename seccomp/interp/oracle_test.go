package interp

import (
	"runtime"
	"sync"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/seccomp/bpf"
)

// The host kernel is the reference for what a seccomp program means.
// These helpers ask it, without ever confining the test process:
//
//   - kernelAccepts installs a program with SECCOMP_FILTER_FLAG_TSYNC while
//     another thread of the process (the "anchor") has a filter of its own.
//     The kernel checks the program first (EINVAL if it rejects it) and then
//     finds that the anchor cannot be synchronised, so it returns the
//     anchor's TID and installs nothing.
//   - kernelRun installs a program on a fresh OS thread that exits right
//     after one syscall. The program is rewritten so that every RET
//     returns ERRNO with 12 bits of the original result, read back in
//     three runs; any syscall other than the probe number is allowed.

// seccompInstall calls seccomp(SECCOMP_SET_MODE_FILTER, flags, prog).
func seccompInstall(flags uintptr, prog []bpf.Instruction) (uintptr, syscall.Errno) {
	raw := make([]unix.SockFilter, len(prog))
	for i, in := range prog {
		raw[i] = unix.SockFilter{Code: in.Op, Jt: in.Jt, Jf: in.Jf, K: in.K}
	}
	fprog := unix.SockFprog{Len: uint16(len(raw))}
	if len(raw) > 0 {
		fprog.Filter = &raw[0]
	}
	r, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, flags, uintptr(unsafe.Pointer(&fprog)))
	runtime.KeepAlive(raw)
	return r, e
}

type oracle struct {
	reqs chan func()
}

var (
	oracleOnce sync.Once
	theOracle  *oracle
	oracleWhy  string
)

// hostOracle returns the kernel oracle, or skips the test if the host
// cannot serve as one.
func hostOracle(t testing.TB) *oracle {
	oracleOnce.Do(func() {
		ready := make(chan string)
		// The anchor: a thread with an allow-all filter, parked forever.
		go func() {
			runtime.LockOSThread()
			if _, _, e := unix.RawSyscall6(unix.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0); e != 0 {
				ready <- "PR_SET_NO_NEW_PRIVS: " + e.Error()
				return
			}
			if _, e := seccompInstall(0, []bpf.Instruction{bpf.Stmt(bpf.ClassRet|bpf.K, bpf.RetAllow)}); e != 0 {
				ready <- "seccomp: " + e.Error()
				return
			}
			ready <- ""
			select {}
		}()
		if why := <-ready; why != "" {
			oracleWhy = why
			return
		}
		o := &oracle{reqs: make(chan func())}
		go func() {
			runtime.LockOSThread()
			if _, _, e := unix.RawSyscall6(unix.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0); e != 0 {
				ready <- "PR_SET_NO_NEW_PRIVS: " + e.Error()
				return
			}
			ready <- ""
			for fn := range o.reqs {
				fn()
			}
		}()
		if why := <-ready; why != "" {
			oracleWhy = why
			return
		}
		theOracle = o
	})
	if theOracle == nil {
		t.Skipf("host kernel cannot serve as seccomp oracle: %s", oracleWhy)
	}
	return theOracle
}

// kernelAccepts reports whether the host kernel accepts prog.
func (o *oracle) kernelAccepts(t testing.TB, prog []bpf.Instruction) bool {
	var r uintptr
	var e syscall.Errno
	done := make(chan struct{})
	o.reqs <- func() {
		r, e = seccompInstall(unix.SECCOMP_FILTER_FLAG_TSYNC, prog)
		close(done)
	}
	<-done
	switch {
	case e == unix.EINVAL:
		return false
	case e == 0 && r > 0:
		return true
	}
	t.Fatalf("oracle: seccomp returned %d, %v; want a TID or EINVAL", r, e)
	return false
}

// probeNr is the syscall the runs probe with (getppid: the Go runtime
// never calls it on its own).
const probeNr = unix.SYS_GETPPID

// runOnce installs prog on a fresh thread and makes the probe syscall.
// It returns the raw syscall return value.
func runOnce(t testing.TB, prog []bpf.Instruction, args [6]uint64) uintptr {
	var r uintptr
	var err syscall.Errno
	done := make(chan struct{})
	go func() {
		defer close(done)
		// The thread is never unlocked, so it exits with the goroutine
		// and takes its filter with it.
		runtime.LockOSThread()
		if _, _, e := unix.RawSyscall6(unix.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0); e != 0 {
			err = e
			return
		}
		if _, e := seccompInstall(0, prog); e != 0 {
			err = e
			return
		}
		var e syscall.Errno
		r, _, e = unix.RawSyscall6(probeNr, uintptr(args[0]), uintptr(args[1]), uintptr(args[2]), uintptr(args[3]), uintptr(args[4]), uintptr(args[5]))
		if e != 0 {
			// Go's wrapper returns -1 and the errno apart.
			r = uintptr(-int64(e))
		}
	}()
	<-done
	if err != 0 {
		t.Fatalf("installing probe filter: %v", err)
	}
	return r
}

// observable rewrites prog so that every RET returns
// ERRNO((result >> shift) & 0xfff), and a division by a zero X returns
// ERRNO(0) (the kernel would return 0, KILL_THREAD, which the probe
// cannot survive). Calls other than probeNr are allowed. The rewrite uses
// M[15], which test programs leave alone.
func observable(prog []bpf.Instruction, shift uint32) ([]bpf.Instruction, error) {
	b := bpf.NewBuilder()
	labels := make([]bpf.Label, len(prog))
	for i := range labels {
		labels[i] = b.NewLabel()
	}
	zero, start := b.NewLabel(), b.NewLabel()
	b.Load(bpf.OffsetNr)
	b.If(bpf.ClassJmp|bpf.Jeq|bpf.K, probeNr, start, bpf.Next)
	b.RetAction(bpf.Allow)
	b.Bind(start)
	b.Stmt(bpf.ClassLd|bpf.Imm, 0) // programs start with A = X = 0
	encodeA := func() {
		if shift != 0 {
			b.Stmt(bpf.ClassAlu|bpf.Rsh|bpf.K, shift)
		}
		b.Stmt(bpf.ClassAlu|bpf.And|bpf.K, 0xfff)
		b.Stmt(bpf.ClassAlu|bpf.Or|bpf.K, bpf.RetErrno)
		b.Stmt(bpf.ClassRet|bpf.A, 0)
	}
	for i, in := range prog {
		b.Bind(labels[i])
		switch {
		case in.Op == bpf.ClassRet|bpf.K:
			b.Stmt(bpf.ClassLd|bpf.Imm, in.K)
			encodeA()
		case in.Op == bpf.ClassRet|bpf.A:
			encodeA()
		case in.Op == bpf.ClassAlu|bpf.Div|bpf.X || in.Op == bpf.ClassAlu|bpf.Mod|bpf.X:
			b.Stmt(bpf.ClassSt, 15)
			b.Stmt(bpf.ClassMisc|bpf.Txa, 0)
			b.If(bpf.ClassJmp|bpf.Jeq|bpf.K, 0, zero, bpf.Next)
			b.Stmt(bpf.ClassLd|bpf.Mem, 15)
			b.Stmt(in.Op, in.K)
		case in.Op == bpf.ClassJmp|bpf.Ja:
			b.Goto(labels[i+1+int(in.K)])
		case bpf.IsCondJump(in.Op):
			b.If(in.Op, in.K, labels[i+1+int(in.Jt)], labels[i+1+int(in.Jf)])
		default:
			b.Stmt(in.Op, in.K)
		}
	}
	b.Bind(zero)
	b.RetAction(bpf.Errno(0))
	return b.Program()
}

// kernelResult returns the 32-bit result of prog for a probe call with
// args, as the host kernel computes it, with division by zero reported
// as 0.
func kernelResult(t testing.TB, prog []bpf.Instruction, args [6]uint64) uint32 {
	var res uint32
	for _, shift := range []uint32{0, 12, 24} {
		obs, err := observable(prog, shift)
		if err != nil {
			t.Fatalf("rewriting program: %v", err)
		}
		r := runOnce(t, obs, args)
		v := uint32(-int64(r))
		if v > 0xfff {
			t.Fatalf("probe returned %#x, not an encoded errno", r)
		}
		res |= v << shift
	}
	return res
}

var (
	probeIPOnce sync.Once
	probeIP     uint64
)

// hostProbeIP is the instruction pointer seccomp reports for the probe
// syscall (the address after its syscall instruction).
func hostProbeIP(t testing.TB) uint64 {
	probeIPOnce.Do(func() {
		lo := kernelResult(t, []bpf.Instruction{bpf.Stmt(bpf.ClassLd|bpf.W|bpf.Abs, bpf.OffsetIPLow), bpf.Stmt(bpf.ClassRet|bpf.A, 0)}, [6]uint64{})
		hi := kernelResult(t, []bpf.Instruction{bpf.Stmt(bpf.ClassLd|bpf.W|bpf.Abs, bpf.OffsetIPHigh), bpf.Stmt(bpf.ClassRet|bpf.A, 0)}, [6]uint64{})
		probeIP = uint64(hi)<<32 | uint64(lo)
	})
	return probeIP
}

// probeData is the seccomp_data of a probe call.
func probeData(t testing.TB, args [6]uint64) Data {
	return Data{Nr: probeNr, Arch: bpf.AuditArchX86_64, InstructionPointer: hostProbeIP(t), Args: args}
}
