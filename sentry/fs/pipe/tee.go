package pipe

import "golang.org/x/sys/unix"

// Tee copies up to n bytes from the front of src to the end of dst
// without consuming them, as tee(2) does. It copies no more than src holds
// and dst has room for, so it returns 0 when src is empty or dst is full;
// EPIPE when dst has no reader. src and dst must be different pipes.
func Tee(src, dst *Pipe, n int) (int, error) {
	// Two tees in opposite directions must not deadlock: lock in
	// inode order.
	first, second := src, dst
	if second.ino < first.ino {
		first, second = second, first
	}
	first.mu.Lock()
	second.mu.Lock()
	if dst.readers == 0 {
		second.mu.Unlock()
		first.mu.Unlock()
		return 0, unix.EPIPE
	}
	// No more than dst's free slots take (see Room).
	n = min(n, src.size, dst.roomLocked())
	if n > 0 {
		b := make([]byte, n)
		src.copyOut(b)
		dst.write(b)
		now := nowSpec()
		dst.mtime, dst.ctime = now, now
	}
	second.mu.Unlock()
	first.mu.Unlock()
	if n > 0 {
		dst.rq.Notify(readableEvents)
	}
	return n, nil
}
