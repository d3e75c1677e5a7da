package syscalls

import (
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/fs/pipe"
	"github.com/moat-dev/moat/sentry/waiter"
)

// tee(2): duplicate the data queued in one pipe into another.

func init() {
	register(abi.SysTee, sysTee)
}

func sysTee(t *task, a *args) (uint64, error) {
	length, flags := a[2], a[3]
	if flags&^(spliceMove|spliceNonblock|spliceMore|spliceGift) != 0 {
		return 0, unix.EINVAL
	}
	if length == 0 {
		// Linux answers before it looks at the descriptors.
		return 0, nil
	}
	in, err := getFile(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	defer in.DecRef()
	out, err := getFile(t, int32(a[1]))
	if err != nil {
		return 0, err
	}
	defer out.DecRef()
	if !in.Readable() || !out.Writable() {
		return 0, unix.EBADF
	}
	ie, oe := pipeEnd(in), pipeEnd(out)
	if ie == nil || oe == nil || ie.Pipe() == oe.Pipe() {
		return 0, unix.EINVAL
	}
	ip, op := ie.Pipe(), oe.Pipe()
	nonblock := flags&spliceNonblock != 0 || (in.Flags()|out.Flags())&unix.O_NONBLOCK != 0
	n := int(min(length, maxIO))
	for {
		// Wait for data in the input; with no writer left, an empty
		// input is the end.
		err := waitFor(t, in, waiter.EventIn, nonblock, func() bool {
			return ip.Buffered() > 0 || ip.Writers() == 0
		})
		if err != nil {
			return 0, err
		}
		if ip.Buffered() == 0 {
			return 0, nil
		}
		// Then for room in the output, which must have a reader.
		err = waitFor(t, out, waiter.EventOut, nonblock, func() bool {
			return op.Room() > 0 || op.Readers() == 0
		})
		if err != nil {
			return 0, err
		}
		copied, err := pipe.Tee(ip, op, n)
		if err == unix.EPIPE {
			sendSIGPIPE(t)
			return 0, err
		}
		if err != nil {
			return 0, err
		}
		if copied > 0 {
			return uint64(copied), nil
		}
		// Another task took the data or the room in between.
	}
}
