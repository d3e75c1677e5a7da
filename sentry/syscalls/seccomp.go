package syscalls

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/seccomp/bpf"
	"github.com/moat-dev/moat/seccomp/interp"
	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/kernel"
)

func init() {
	register(abi.SysSeccomp, sysSeccomp)
	prctlHandlers[unix.PR_SET_SECCOMP] = prctlSetSeccomp
	prctlHandlers[unix.PR_GET_SECCOMP] = func(t *task, a *args) (uint64, error) {
		return uint64(t.SeccompMode()), nil
	}
	prctlHandlers[unix.PR_SET_NO_NEW_PRIVS] = func(t *task, a *args) (uint64, error) {
		if a[1] != 1 || a[2] != 0 || a[3] != 0 || a[4] != 0 {
			return 0, unix.EINVAL
		}
		t.SetNoNewPrivs()
		return 0, nil
	}
	prctlHandlers[unix.PR_GET_NO_NEW_PRIVS] = func(t *task, a *args) (uint64, error) {
		if a[1] != 0 || a[2] != 0 || a[3] != 0 || a[4] != 0 {
			return 0, unix.EINVAL
		}
		if t.NoNewPrivs() {
			return 1, nil
		}
		return 0, nil
	}
}

// seccompFilterFlags are the SECCOMP_SET_MODE_FILTER flags the sentry
// supports. SECCOMP_FILTER_FLAG_NEW_LISTENER (user notification) and
// SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (which needs it) are not, and
// get EINVAL as on a kernel without them: that is how libseccomp probes.
const seccompFilterFlags = kernel.SeccompFilterFlagTSync | kernel.SeccompFilterFlagLog |
	kernel.SeccompFilterFlagSpecAllow | kernel.SeccompFilterFlagTSyncESRCH

// Sizes SECCOMP_GET_NOTIF_SIZES reports: struct seccomp_notif,
// seccomp_notif_resp and seccomp_data.
const (
	sizeofSeccompNotif     = 80
	sizeofSeccompNotifResp = 24
)

func sysSeccomp(t *task, a *args) (uint64, error) {
	op, flags, uargs := uint32(a[0]), uint32(a[1]), a[2]
	switch op {
	case unix.SECCOMP_SET_MODE_STRICT:
		if flags != 0 || uargs != 0 {
			return 0, unix.EINVAL
		}
		return 0, t.SetSeccompStrict()
	case unix.SECCOMP_SET_MODE_FILTER:
		return seccompSetFilter(t, flags, uargs)
	case unix.SECCOMP_GET_ACTION_AVAIL:
		if flags != 0 {
			return 0, unix.EINVAL
		}
		action, err := copyInU32(t, uargs)
		if err != nil {
			return 0, err
		}
		switch action {
		case bpf.RetKillProcess, bpf.RetKillThread, bpf.RetTrap, bpf.RetErrno,
			bpf.RetUserNotif, bpf.RetTrace, bpf.RetLog, bpf.RetAllow:
			return 0, nil
		}
		return 0, unix.EOPNOTSUPP
	case unix.SECCOMP_GET_NOTIF_SIZES:
		if flags != 0 {
			return 0, unix.EINVAL
		}
		var b [6]byte
		binary.LittleEndian.PutUint16(b[0:], sizeofSeccompNotif)
		binary.LittleEndian.PutUint16(b[2:], sizeofSeccompNotifResp)
		binary.LittleEndian.PutUint16(b[4:], bpf.SeccompDataSize)
		return 0, copyOut(t, uargs, b[:])
	}
	return 0, unix.EINVAL
}

// seccompSetFilter implements SECCOMP_SET_MODE_FILTER, with Linux's order
// of checks: flags, the struct sock_fprog, its length, the privilege
// rule, the instructions, the program itself, then the task's state.
func seccompSetFilter(t *task, flags uint32, uargs uint64) (uint64, error) {
	if flags&^seccompFilterFlags != 0 {
		return 0, unix.EINVAL
	}
	// struct sock_fprog { unsigned short len; struct sock_filter *filter; }
	var fprog [16]byte
	if err := copyIn(t, uargs, fprog[:]); err != nil {
		return 0, err
	}
	n := int(binary.LittleEndian.Uint16(fprog[0:]))
	addr := binary.LittleEndian.Uint64(fprog[8:])
	if n == 0 || n > bpf.MaxInstructions {
		return 0, unix.EINVAL
	}
	if !t.NoNewPrivs() && !t.Creds().HasCap(kernel.CapSysAdmin) {
		return 0, unix.EACCES
	}
	raw := make([]byte, n*bpf.InstructionSize)
	if err := copyIn(t, addr, raw); err != nil {
		return 0, err
	}
	insns, err := bpf.Unmarshal(raw)
	if err != nil {
		return 0, unix.EINVAL
	}
	prog, err := interp.Compile(insns)
	if err != nil {
		t.Kernel().Log.Debug("seccomp: filter rejected", "tid", t.ID, "err", err)
		return 0, unix.EINVAL
	}
	return t.InstallSeccompFilter(prog, flags)
}

func prctlSetSeccomp(t *task, a *args) (uint64, error) {
	switch a[1] {
	case unix.SECCOMP_MODE_STRICT:
		return 0, t.SetSeccompStrict()
	case unix.SECCOMP_MODE_FILTER:
		// prctl has no flags argument.
		return seccompSetFilter(t, 0, a[2])
	}
	return 0, unix.EINVAL
}
