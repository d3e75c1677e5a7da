package loader

import (
	"bytes"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/memfile"
	"github.com/moat-dev/moat/sentry/mm"
)

// memExec is an executable held in memory.
type memExec struct {
	data  []byte
	mf    *memfile.File
	cache *mm.PageCache
}

func (e *memExec) ReadAt(b []byte, off int64) (int, error) {
	return bytes.NewReader(e.data).ReadAt(b, off)
}
func (e *memExec) Size() int64 { return int64(len(e.data)) }
func (e *memExec) Mappable() (mm.Mappable, error) {
	if e.cache == nil {
		e.cache = mm.NewPageCache(e.mf, "fuzz", func(dst []byte, off int64) (int, error) {
			return bytes.NewReader(e.data).ReadAt(dst, off)
		})
		e.cache.SetSize(int64(len(e.data)))
	}
	return e.cache, nil
}
func (e *memExec) DevIno() (uint64, uint64) { return 1, 1 }
func (e *memExec) Close()                   {}

// memOpener serves the main file and, for its interpreter, the same
// bytes again (or ENOENT for other paths).
type memOpener struct {
	files  map[string][]byte
	mf     *memfile.File
	opened []*memExec
}

func (o *memOpener) OpenExecutable(p string) (Executable, error) {
	d, ok := o.files[p]
	if !ok {
		return nil, unix.ENOENT
	}
	e := &memExec{data: d, mf: o.mf}
	o.opened = append(o.opened, e)
	return e, nil
}

// FuzzLoad loads arbitrary bytes as a program into a real memory
// manager (with no platform address space): it must fail cleanly or
// produce an image, never panic.
func FuzzLoad(f *testing.F) {
	for _, p := range []string{"/bin/true"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("#!/bin/sh\n"))
	f.Add([]byte("#!\n"))
	f.Add([]byte("\x7fELF\x02\x01\x01"))
	mf, err := memfile.New(1 << 32)
	if err != nil {
		f.Skip(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o := &memOpener{mf: mf, files: map[string][]byte{"/prog": data, "/lib64/ld-linux-x86-64.so.2": data, "/bin/sh": data}}
		timer := time.AfterFunc(3*time.Second, func() {
			os.WriteFile("/tmp/slow-input", data, 0o644)
			panic("load took over 3s")
		})
		defer timer.Stop()
		m := mm.New(mf, nil)
		img, err := Load(o, m, Args{Path: "/prog", Argv: []string{"prog"}, Envv: []string{"A=1"}})
		if err == nil && (img.Entry == 0 && img.SP == 0) {
			t.Fatalf("loaded image without entry or stack")
		}
		m.Release()
		for _, e := range o.opened {
			if e.cache != nil {
				e.cache.Release()
			}
		}
		if used := mf.UsedPages(); used != 0 {
			t.Fatalf("%d pages leaked", used)
		}
	})
}
