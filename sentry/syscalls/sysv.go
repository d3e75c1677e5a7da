package syscalls

import (
	"encoding/binary"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/ipc"
	"github.com/moat-dev/moat/sentry/kernel"
)

// System V IPC: shared memory, semaphores and message queues. The objects
// live in the kernel's IPC namespace (sentry/ipc); the handlers here check
// and move the arguments.

func init() {
	register(abi.SysShmget, sysShmget)
	register(abi.SysShmat, sysShmat)
	register(abi.SysShmdt, sysShmdt)
	register(abi.SysShmctl, sysShmctl)
	register(abi.SysSemget, sysSemget)
	register(abi.SysSemop, sysSemop)
	register(abi.SysSemtimedop, sysSemtimedop)
	register(abi.SysSemctl, sysSemctl)
	register(abi.SysMsgget, sysMsgget)
	register(abi.SysMsgsnd, sysMsgsnd)
	register(abi.SysMsgrcv, sysMsgrcv)
	register(abi.SysMsgctl, sysMsgctl)
}

func ipcNS(t *task) *ipc.Namespace { return ipc.NamespaceFor(t.Kernel()) }

func ipcCaller(t *task) *ipc.Caller {
	c := t.Creds()
	tg := t.ThreadGroup()
	return &ipc.Caller{
		Creds: ipc.Creds{
			EUID: c.EffectiveUID, EGID: c.EffectiveGID, FSGID: c.FSGID,
			Groups: c.Groups, Caps: c.CapEffective,
		},
		PID:          tg.ID,
		Process:      tg,
		MemlockLimit: tg.Limit(kernel.RlimitMemlock).Cur,
		Blocker:      t,
	}
}

// copyInIPCDS reads the struct *id64_ds of an IPC_SET.
func copyInIPCDS(t *task, addr uint64, size int) ([]byte, error) {
	b := make([]byte, size)
	if err := copyIn(t, addr, b); err != nil {
		return nil, err
	}
	return b, nil
}

func sysShmget(t *task, a *args) (uint64, error) {
	id, err := ipcNS(t).Shmget(ipcCaller(t), int32(a[0]), a[1], int(int32(a[2])))
	return uint64(id), err
}

func sysShmat(t *task, a *args) (uint64, error) {
	return ipcNS(t).Shmat(ipcCaller(t), t.MM(), int32(a[0]), a[1], int(int32(a[2])))
}

func sysShmdt(t *task, a *args) (uint64, error) {
	return 0, ipcNS(t).Shmdt(ipcCaller(t), t.MM(), a[0])
}

func sysShmctl(t *task, a *args) (uint64, error) {
	id, cmd, buf := int32(a[0]), int32(a[1]), a[2]
	if cmd < 0 || id < 0 {
		return 0, unix.EINVAL
	}
	ns, c := ipcNS(t), ipcCaller(t)
	switch cmd {
	case ipc.IPC_INFO, ipc.SHM_INFO:
		var b []byte
		var ret int32
		if cmd == ipc.IPC_INFO {
			b, ret = ns.ShmInfo()
		} else {
			b, ret = ns.ShmUsage()
		}
		if err := copyOut(t, buf, b); err != nil {
			return 0, err
		}
		return uint64(ret), nil
	case ipc.IPC_STAT, ipc.SHM_STAT, ipc.SHM_STAT_ANY:
		ds, ret, err := ns.ShmStat(c, id, cmd != ipc.IPC_STAT, cmd == ipc.SHM_STAT_ANY)
		if err != nil {
			return 0, err
		}
		if err := copyOut(t, buf, ds.Marshal()); err != nil {
			return 0, err
		}
		if cmd == ipc.IPC_STAT {
			return 0, nil
		}
		return uint64(ret), nil
	case ipc.IPC_SET:
		b, err := copyInIPCDS(t, buf, ipc.ShmidDSSize)
		if err != nil {
			return 0, err
		}
		return 0, ns.ShmSet(c, id, ipc.UnmarshalSetPerm(b))
	case ipc.IPC_RMID:
		return 0, ns.ShmRmid(c, id)
	case ipc.SHM_LOCK, ipc.SHM_UNLOCK:
		return 0, ns.ShmLock(c, id, cmd == ipc.SHM_LOCK)
	}
	return 0, unix.EINVAL
}

func sysSemget(t *task, a *args) (uint64, error) {
	id, err := ipcNS(t).Semget(ipcCaller(t), int32(a[0]), int32(a[1]), int(int32(a[2])))
	return uint64(id), err
}

func sysSemop(t *task, a *args) (uint64, error) {
	return semtimedop(t, int32(a[0]), a[1], uint32(a[2]), 0)
}

func sysSemtimedop(t *task, a *args) (uint64, error) {
	return semtimedop(t, int32(a[0]), a[1], uint32(a[2]), a[3])
}

func semtimedop(t *task, id int32, sopsAddr uint64, nsops uint32, timeoutAddr uint64) (uint64, error) {
	if nsops < 1 || id < 0 {
		return 0, unix.EINVAL
	}
	if nsops > ipc.SEMOPM {
		return 0, unix.E2BIG
	}
	b := make([]byte, int(nsops)*ipc.SembufSize)
	if err := copyIn(t, sopsAddr, b); err != nil {
		return 0, err
	}
	var timeout *time.Duration
	if timeoutAddr != 0 {
		ts, err := getTimespec(t, timeoutAddr)
		if err != nil {
			return 0, err
		}
		d := tsDuration(ts)
		timeout = &d
	}
	// semop is never restarted after a signal handler (signal(7)).
	return 0, ipcNS(t).Semop(ipcCaller(t), id, ipc.UnmarshalSembufs(b), timeout)
}

func sysSemctl(t *task, a *args) (uint64, error) {
	id, num, cmd, arg := int32(a[0]), int32(a[1]), int32(a[2]), a[3]
	if id < 0 {
		return 0, unix.EINVAL
	}
	ns, c := ipcNS(t), ipcCaller(t)
	switch cmd {
	case ipc.IPC_INFO, ipc.SEM_INFO:
		b, ret := ns.SemInfo(cmd == ipc.SEM_INFO)
		if err := copyOut(t, arg, b); err != nil {
			return 0, err
		}
		return uint64(ret), nil
	case ipc.IPC_STAT, ipc.SEM_STAT, ipc.SEM_STAT_ANY:
		ds, ret, err := ns.SemStat(c, id, cmd != ipc.IPC_STAT, cmd == ipc.SEM_STAT_ANY)
		if err != nil {
			return 0, err
		}
		if err := copyOut(t, arg, ds.Marshal()); err != nil {
			return 0, err
		}
		if cmd == ipc.IPC_STAT {
			return 0, nil
		}
		return uint64(ret), nil
	case ipc.IPC_SET:
		b, err := copyInIPCDS(t, arg, ipc.SemidDSSize)
		if err != nil {
			return 0, err
		}
		return 0, ns.SemSetPerm(c, id, ipc.UnmarshalSetPerm(b))
	case ipc.IPC_RMID:
		return 0, ns.SemRmid(c, id)
	case ipc.GETVAL, ipc.GETPID, ipc.GETNCNT, ipc.GETZCNT:
		v, err := ns.SemGet(c, id, num, int(cmd))
		return uint64(v), err
	case ipc.GETALL:
		vals, err := ns.SemGetAll(c, id)
		if err != nil {
			return 0, err
		}
		b := make([]byte, 2*len(vals))
		for i, v := range vals {
			binary.LittleEndian.PutUint16(b[2*i:], v)
		}
		return 0, copyOut(t, arg, b)
	case ipc.SETALL:
		n, err := ns.SemNsems(c, id)
		if err != nil {
			return 0, err
		}
		b := make([]byte, 2*n)
		if err := copyIn(t, arg, b); err != nil {
			return 0, err
		}
		vals := make([]uint16, n)
		for i := range vals {
			vals[i] = binary.LittleEndian.Uint16(b[2*i:])
		}
		return 0, ns.SemSetAll(c, id, vals)
	case ipc.SETVAL:
		return 0, ns.SemSetVal(c, id, num, int32(arg))
	}
	return 0, unix.EINVAL
}

func sysMsgget(t *task, a *args) (uint64, error) {
	id, err := ipcNS(t).Msgget(ipcCaller(t), int32(a[0]), int(int32(a[1])))
	return uint64(id), err
}

func sysMsgsnd(t *task, a *args) (uint64, error) {
	id, msgp, size, flg := int32(a[0]), a[1], a[2], int(int32(a[3]))
	typ, err := copyInU64(t, msgp)
	if err != nil {
		return 0, err
	}
	if size > ipc.MSGMAX || id < 0 {
		return 0, unix.EINVAL
	}
	if int64(typ) < 1 {
		return 0, unix.EINVAL
	}
	text := make([]byte, size)
	if err := copyIn(t, msgp+8, text); err != nil {
		return 0, err
	}
	return 0, ipcNS(t).Msgsnd(ipcCaller(t), id, int64(typ), text, flg)
}

func sysMsgrcv(t *task, a *args) (uint64, error) {
	id, msgp, size, typ, flg := int32(a[0]), a[1], int64(a[2]), int64(a[3]), int(int32(a[4]))
	mtype, text, err := ipcNS(t).Msgrcv(ipcCaller(t), id, size, typ, flg)
	if err != nil {
		return 0, err
	}
	// Like Linux, a fault here loses the message.
	if err := copyOutU64(t, msgp, uint64(mtype)); err != nil {
		return 0, err
	}
	if err := copyOut(t, msgp+8, text); err != nil {
		return 0, err
	}
	return uint64(len(text)), nil
}

func sysMsgctl(t *task, a *args) (uint64, error) {
	id, cmd, buf := int32(a[0]), int32(a[1]), a[2]
	if id < 0 || cmd < 0 {
		return 0, unix.EINVAL
	}
	ns, c := ipcNS(t), ipcCaller(t)
	switch cmd {
	case ipc.IPC_INFO, ipc.MSG_INFO:
		b, ret := ns.MsgInfo(cmd == ipc.MSG_INFO)
		if err := copyOut(t, buf, b); err != nil {
			return 0, err
		}
		return uint64(ret), nil
	case ipc.IPC_STAT, ipc.MSG_STAT, ipc.MSG_STAT_ANY:
		ds, ret, err := ns.MsgStat(c, id, cmd != ipc.IPC_STAT, cmd == ipc.MSG_STAT_ANY)
		if err != nil {
			return 0, err
		}
		if err := copyOut(t, buf, ds.Marshal()); err != nil {
			return 0, err
		}
		if cmd == ipc.IPC_STAT {
			return 0, nil
		}
		return uint64(ret), nil
	case ipc.IPC_SET:
		b, err := copyInIPCDS(t, buf, ipc.MsqidDSSize)
		if err != nil {
			return 0, err
		}
		return 0, ns.MsgSet(c, id, ipc.UnmarshalSetPerm(b), ipc.UnmarshalMsqidQbytes(b))
	case ipc.IPC_RMID:
		return 0, ns.MsgRmid(c, id)
	}
	return 0, unix.EINVAL
}
