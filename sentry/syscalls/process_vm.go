package syscalls

import (
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/mm"
)

func init() {
	register(abi.SysProcessVmReadv, func(t *task, a *args) (uint64, error) { return processVM(t, a, false) })
	register(abi.SysProcessVmWritev, func(t *task, a *args) (uint64, error) { return processVM(t, a, true) })
}

// processVM serves process_vm_readv(pid, local_iov, liovcnt, remote_iov,
// riovcnt, flags) and process_vm_writev: a copy between the caller's
// memory and that of the process pid, which the caller must be allowed
// to ptrace. It stops at the first part of either side that cannot be
// read or written, and returns what it copied; EFAULT if nothing.
func processVM(t *task, a *args, write bool) (uint64, error) {
	pid, lcnt, rcnt, flags := int32(a[0]), a[2], a[4], a[5]
	if flags != 0 || lcnt > 1024 || rcnt > 1024 {
		return 0, unix.EINVAL
	}
	local, err := copyInIovecs(t, a[1], int32(lcnt))
	if err != nil {
		return 0, err
	}
	for _, v := range local {
		// The caller's own ranges must lie in its address space.
		if v.base+v.len < v.base || v.base+v.len > mm.MaxAddr {
			return 0, unix.EFAULT
		}
	}
	remote, err := copyInIovecs(t, a[3], int32(rcnt))
	if err != nil {
		return 0, err
	}
	if iovTotal(local) == 0 || iovTotal(remote) == 0 {
		return 0, nil
	}
	if pid == 0 {
		// Unlike move_pages, no pid stands for the caller here.
		return 0, unix.ESRCH
	}
	target, err := traceableTask(t, pid)
	if err != nil {
		return 0, err
	}
	tm := target.MM()
	if tm == nil {
		return 0, unix.ESRCH
	}
	if write {
		return transfer(t.MM(), local, tm, remote)
	}
	return transfer(tm, remote, t.MM(), local)
}

// memIO is an address space to copy through.
type memIO interface {
	CopyIn(addr uint64, dst []byte) (int, error)
	CopyOut(addr uint64, src []byte) (int, error)
}

// transfer copies the bytes of src's iovecs into dst's, in order, until
// either list ends or a copy falls short; it returns how many bytes it
// copied, or EFAULT if a fault came before any.
func transfer(src memIO, from []iovec, dst memIO, to []iovec) (uint64, error) {
	buf := make([]byte, 64<<10)
	var total uint64
	for len(from) > 0 && len(to) > 0 {
		if from[0].len == 0 {
			from = from[1:]
			continue
		}
		if to[0].len == 0 {
			to = to[1:]
			continue
		}
		n := min(from[0].len, to[0].len, uint64(len(buf)))
		got, err := src.CopyIn(from[0].base, buf[:n])
		put, err2 := dst.CopyOut(to[0].base, buf[:got])
		total += uint64(put)
		if err != nil || err2 != nil || uint64(put) < n {
			if total == 0 {
				return 0, unix.EFAULT
			}
			return total, nil
		}
		from[0].base += n
		from[0].len -= n
		to[0].base += n
		to[0].len -= n
	}
	return total, nil
}
