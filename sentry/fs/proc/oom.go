package proc

import (
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/fs/synth"
	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/vfs"
)

// Bounds of the legacy oom_adj scale (OOM_DISABLE, OOM_ADJUST_MAX).
const (
	oomAdjMin = -17
	oomAdjMax = 15
)

// oomAdj converts oom_score_adj to the legacy oom_adj scale (-17..15),
// as the kernel shows it.
func oomAdj(scoreAdj int32) int {
	if scoreAdj == kernel.OOMScoreAdjMax {
		return oomAdjMax
	}
	return int(scoreAdj) * -oomAdjMin / kernel.OOMScoreAdjMax
}

// oomFile is /proc/[pid]/oom_score_adj, or oom_adj (legacy): the
// process's value, which a write replaces. The sentry has no OOM killer
// of its own: the value is kept for the process and the children it
// forks, as programs that set it expect to read it back. Who may write
// is decided by the file's mode and owner (the process's user, or
// root); unlike Linux, an unprivileged owner may also lower the value,
// which has no effect outside the sandbox.
type oomFile struct {
	*synth.File
	tg     *kernel.ThreadGroup
	legacy bool
}

func newOOMFile(dev, ino uint64, tg *kernel.ThreadGroup, legacy bool) *oomFile {
	f := &oomFile{tg: tg, legacy: legacy}
	f.File = &synth.File{Dev: dev, Ino: ino, Mode: unix.S_IFREG | 0o644, Data: f.data}
	return f
}

func (f *oomFile) data() ([]byte, error) {
	v := int(f.tg.OOMScoreAdj())
	if f.legacy {
		v = oomAdj(int32(v))
	}
	return []byte(strconv.Itoa(v) + "\n"), nil
}

// Open implements vfs.Inode.Open.
func (f *oomFile) Open(flags int) (vfs.FileImpl, error) {
	if flags&unix.O_ACCMODE == unix.O_RDONLY {
		return f.File.Open(flags)
	}
	return &oomWriter{f: f, read: flags&unix.O_ACCMODE == unix.O_RDWR}, nil
}

type oomWriter struct {
	vfs.NoImpl
	vfs.AlwaysReady
	f    *oomFile
	read bool
}

func (w *oomWriter) Read(dst []byte, off int64) (int, error) {
	if !w.read {
		return 0, unix.EBADF
	}
	data, _ := w.f.data()
	if off < 0 {
		return 0, unix.EINVAL
	}
	if off >= int64(len(data)) {
		return 0, nil
	}
	return copy(dst, data[off:]), nil
}

// Write sets the value from a decimal number, as Linux parses it:
// surrounding white space is allowed, anything else or a value out of
// range is EINVAL.
func (w *oomWriter) Write(src []byte, _ int64) (int, error) {
	if len(src) > 24 {
		return 0, unix.EINVAL
	}
	v, err := strconv.Atoi(strings.TrimSpace(string(src)))
	if err != nil {
		return 0, unix.EINVAL
	}
	if w.f.legacy {
		if v < oomAdjMin || v > oomAdjMax {
			return 0, unix.EINVAL
		}
		if v == oomAdjMax {
			v = kernel.OOMScoreAdjMax
		} else {
			v = v * kernel.OOMScoreAdjMax / -oomAdjMin
		}
	} else if v < kernel.OOMScoreAdjMin || v > kernel.OOMScoreAdjMax {
		return 0, unix.EINVAL
	}
	w.f.tg.SetOOMScoreAdj(v)
	return len(src), nil
}

func (w *oomWriter) Stat() (vfs.Stat, error) { return w.f.Stat() }
func (w *oomWriter) Size() (int64, error)    { return 0, nil }
