package kernel

// IOPrio returns the thread's I/O priority as ioprio_get(2) reports it:
// class in bits 13-15, data below. A thread that never set one has 0
// (IOPRIO_CLASS_NONE), and so does one that set class NONE back.
func (t *Task) IOPrio() uint16 { return uint16(t.ioprio.Load()) }

// SetIOPrio records the thread's I/O priority. The sentry does not
// schedule I/O by it; the value is kept for ioprio_get and children.
func (t *Task) SetIOPrio(p uint16) { t.ioprio.Store(uint32(p)) }
