package kernel

import "sync/atomic"

// IOAccounting is a task's or a process's I/O as /proc/[pid]/io reports
// it: the bytes that the read and write families of system calls moved,
// and how many such calls were made.
type IOAccounting struct{ RChar, WChar, SyscR, SyscW uint64 }

// Add returns the sum.
func (a IOAccounting) Add(o IOAccounting) IOAccounting {
	return IOAccounting{a.RChar + o.RChar, a.WChar + o.WChar, a.SyscR + o.SyscR, a.SyscW + o.SyscW}
}

// ioCounters are a task's IOAccounting, written by the task and read by
// /proc.
type ioCounters struct{ rchar, wchar, syscr, syscw atomic.Uint64 }

// countRead records a call of the read family that read n bytes.
func (t *Task) countRead(n uint64) {
	t.io.syscr.Add(1)
	if n > 0 {
		t.io.rchar.Add(n)
	}
}

// countWrite records a call of the write family that wrote n bytes.
func (t *Task) countWrite(n uint64) {
	t.io.syscw.Add(1)
	if n > 0 {
		t.io.wchar.Add(n)
	}
}

// CountedRead records the result of a call of the read family, n bytes
// read, and passes it on.
func (t *Task) CountedRead(n uint64, err error) (uint64, error) {
	t.countRead(n)
	return n, err
}

// CountedWrite records the result of a call of the write family.
func (t *Task) CountedWrite(n uint64, err error) (uint64, error) {
	t.countWrite(n)
	return n, err
}

// CountCopy records a call that copied n bytes from one file to another
// (sendfile, copy_file_range), which counts as a read and a write.
func (t *Task) CountCopy(n uint64) {
	t.countRead(n)
	t.countWrite(n)
}

// IO returns the task's I/O so far.
func (t *Task) IO() IOAccounting {
	return IOAccounting{t.io.rchar.Load(), t.io.wchar.Load(), t.io.syscr.Load(), t.io.syscw.Load()}
}

// IO returns the I/O of the whole process: live threads and those that
// have exited.
func (tg *ThreadGroup) IO() IOAccounting { return sumThreads(tg, &tg.exitedIO, (*Task).IO) }
