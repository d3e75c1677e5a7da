package kernel

import "sync/atomic"

// ioContext is Linux's io_context as far as the sentry needs it: the I/O
// priority (ioprio_set), which threads made with CLONE_IO share. The
// sentry does not schedule I/O by it; the host does that for the
// sandbox as a whole.
type ioContext struct {
	prio atomic.Uint32
}

// IOPrio returns the thread's I/O priority as ioprio_get(2) reports it:
// class in bits 13-15, data below. A thread that never set one has 0
// (IOPRIO_CLASS_NONE), and so does one that set class NONE back.
func (t *Task) IOPrio() uint16 {
	if c := t.ioCtx.Load(); c != nil {
		return uint16(c.prio.Load())
	}
	return 0
}

// SetIOPrio records the thread's I/O priority, in the context it shares
// with its CLONE_IO threads if it has one.
func (t *Task) SetIOPrio(p uint16) {
	c := t.ioCtx.Load()
	if c == nil {
		n := &ioContext{}
		if t.ioCtx.CompareAndSwap(nil, n) {
			c = n
		} else {
			c = t.ioCtx.Load()
		}
	}
	c.prio.Store(uint32(p))
}

// childIOContext is the I/O context a new thread or process starts with,
// as Linux's copy_io: the parent's own with CLONE_IO, else a copy if the
// parent set a priority (class other than NONE), else none.
func (t *Task) childIOContext(share bool) *ioContext {
	c := t.ioCtx.Load()
	if c == nil || share {
		return c
	}
	p := c.prio.Load()
	if p>>13&7 == 0 {
		return nil
	}
	n := &ioContext{}
	n.prio.Store(p)
	return n
}
