package syscalls

import (
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
)

func init() {
	register(abi.SysReadahead, sysReadahead)
}

// readahead(fd, offset, count) asks for a regular file's pages to be
// read in advance. Like posix_fadvise's POSIX_FADV_WILLNEED it is advice:
// the sentry keeps no read-ahead of its own (a gofer file is read from
// the host's page cache, a tmpfs file is in memory), so it checks the
// arguments as Linux does and has nothing more to do.
func sysReadahead(t *task, a *args) (uint64, error) {
	f, err := getFile(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer f.DecRef()
	if !f.Readable() {
		return 0, unix.EBADF
	}
	st, err := f.Impl.Stat()
	if err != nil {
		return 0, err
	}
	if !st.IsRegular() {
		return 0, unix.EINVAL
	}
	return 0, nil
}
