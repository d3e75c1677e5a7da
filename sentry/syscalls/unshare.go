package syscalls

import "github.com/moat-dev/moat/sentry/abi"

// unshare(2): see kernel.Task.Unshare for what the sandbox supports.

func init() {
	register(abi.SysUnshare, func(t *task, a *args) (uint64, error) {
		return 0, t.Unshare(a[0])
	})
}
