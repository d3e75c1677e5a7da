package pipe

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

const timeout = 20 * time.Second

func ends(t *testing.T, capacity int) (*Pipe, *End, *End) {
	t.Helper()
	p := New(capacity)
	return p, p.ReaderImpl().(*End), p.WriterImpl().(*End)
}

// op is one step of a scripted test.
type op struct {
	kind string // "w", "r", "closeR", "closeW"
	n    int    // bytes to write or buffer size to read
	want int
	err  error
}

func TestScript(t *testing.T) {
	big := PipeBuf + 1
	tests := []struct {
		name string
		ops  []op
	}{
		{"read empty is EAGAIN", []op{{"r", 10, 0, unix.EAGAIN}}},
		{"partial read", []op{{"w", 5, 5, nil}, {"r", 2, 2, nil}, {"r", 100, 3, nil}, {"r", 1, 0, unix.EAGAIN}}},
		{"zero-length read and write", []op{{"r", 0, 0, nil}, {"w", 0, 0, nil}, {"r", 1, 0, unix.EAGAIN}}},
		{"EOF after writer closes, after the data", []op{{"w", 3, 3, nil}, {"closeW", 0, 0, nil}, {"r", 10, 3, nil}, {"r", 10, 0, nil}, {"r", 10, 0, nil}}},
		{"EPIPE without reader", []op{{"closeR", 0, 0, nil}, {"w", 1, 0, unix.EPIPE}, {"w", big, 0, unix.EPIPE}, {"w", 0, 0, nil}}},
		{"fill to capacity", []op{{"w", 65536, 65536, nil}, {"w", 1, 0, unix.EAGAIN}, {"w", big, 0, unix.EAGAIN}}},
		// The last of 16 slots has 36 bytes free: a big write puts its
		// part beyond whole pages (1 byte) there, and no more fits.
		{"large write is partial", []op{{"w", 65536 - 36, 65500, nil}, {"w", big, 1, nil}, {"r", 65536, 65501, nil}}},
		// A read that leaves part of the head slot frees no slot.
		{"PIPE_BUF write is atomic", []op{
			{"w", 65536, 65536, nil}, {"r", 1, 1, nil},
			{"w", PipeBuf, 0, unix.EAGAIN}, {"w", 1, 0, unix.EAGAIN}, {"r", 4095, 4095, nil},
			{"w", PipeBuf, PipeBuf, nil}, {"w", 1, 0, unix.EAGAIN},
		}},
		// The sequence of test/syscalls/pipe.c.
		{"pipe.c nonblocking", []op{
			{"w", 65536, 65536, nil}, {"w", 1, 0, unix.EAGAIN}, {"r", 1, 1, nil},
			{"w", PipeBuf, 0, unix.EAGAIN}, {"r", 8191, 8191, nil}, {"w", big, big, nil},
			{"r", 1 << 20, 65536 - 8192 + big, nil}, {"r", 1, 0, unix.EAGAIN},
			{"closeW", 0, 0, nil}, {"r", 1, 0, nil},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, r, w := ends(t, 0)
			var wseq, rseq byte
			for i, o := range tc.ops {
				var n int
				var err error
				switch o.kind {
				case "w":
					b := make([]byte, o.n)
					for j := range b {
						b[j] = wseq + byte(j)
					}
					n, err = w.Write(b, 0)
					wseq += byte(n)
				case "r":
					b := make([]byte, o.n)
					n, err = r.Read(b, 0)
					for j := 0; j < n; j++ {
						if b[j] != rseq {
							t.Fatalf("op %d: byte %d = %d, want %d", i, j, b[j], rseq)
						}
						rseq++
					}
				case "closeR":
					r.Release()
				case "closeW":
					w.Release()
				}
				if n != o.want || !errors.Is(err, o.err) && err != o.err {
					t.Fatalf("op %d %s(%d) = %d, %v; want %d, %v", i, o.kind, o.n, n, err, o.want, o.err)
				}
			}
		})
	}
}

func TestWrongEnd(t *testing.T) {
	_, r, w := ends(t, 0)
	if _, err := r.Write([]byte("x"), 0); err != unix.EBADF {
		t.Errorf("write on read end: %v", err)
	}
	if _, err := w.Read(make([]byte, 1), 0); err != unix.EBADF {
		t.Errorf("read on write end: %v", err)
	}
}

func TestReadiness(t *testing.T) {
	const all = waiter.AllEvents
	in := waiter.EventIn | waiter.EventRdNorm
	out := waiter.EventOut | waiter.EventWrNorm
	tests := []struct {
		name   string
		setup  func(p *Pipe, r, w *End)
		rWant  waiter.Mask
		wWant  waiter.Mask
		closeR bool
	}{
		{"empty", func(p *Pipe, r, w *End) {}, 0, out, false},
		{"data", func(p *Pipe, r, w *End) { w.Write([]byte("x"), 0) }, in, out, false},
		{"nearly full", func(p *Pipe, r, w *End) { w.Write(make([]byte, 65536-PipeBuf+1), 0) }, in, 0, false},
		{"PIPE_BUF free", func(p *Pipe, r, w *End) { w.Write(make([]byte, 65536-PipeBuf), 0) }, in, out, false},
		{"writer closed", func(p *Pipe, r, w *End) { w.Release() }, waiter.EventHUp, 0, false},
		{"writer closed with data", func(p *Pipe, r, w *End) { w.Write([]byte("x"), 0); w.Release() }, in | waiter.EventHUp, 0, false},
		{"reader closed", func(p *Pipe, r, w *End) { r.Release() }, 0, out | waiter.EventErr, true},
		{"reader closed, full", func(p *Pipe, r, w *End) { w.Write(make([]byte, 65536), 0); r.Release() }, 0, waiter.EventErr, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, r, w := ends(t, 0)
			tc.setup(p, r, w)
			if got := r.Readiness(all); !tc.closeR && got != tc.rWant {
				t.Errorf("reader readiness %#x, want %#x", got, tc.rWant)
			}
			if got := w.Readiness(all); got != tc.wWant && p.Writers() > 0 {
				t.Errorf("writer readiness %#x, want %#x", got, tc.wWant)
			}
			if got := r.Readiness(waiter.EventOut); got != 0 {
				t.Errorf("reader readiness masked %#x", got)
			}
		})
	}
}

func TestFIFOHangup(t *testing.T) {
	p := NewFIFO(0)
	if p.ReaderImpl() != nil || p.WriterImpl() != nil {
		t.Fatal("FIFO has pipe(2) ends")
	}
	// A reader that opened with no writer sees neither EventIn nor
	// EventHUp, and reads EOF.
	r := p.OpenReader()
	if got := r.Readiness(waiter.AllEvents); got != 0 {
		t.Errorf("readiness before any writer: %#x", got)
	}
	if n, err := r.Read(make([]byte, 1), 0); n != 0 || err != nil {
		t.Errorf("read with no writer = %d, %v", n, err)
	}
	w := p.OpenWriter()
	if rs, ws := p.OpenCounts(); rs != 1 || ws != 1 {
		t.Errorf("open counts %d %d", rs, ws)
	}
	if _, err := r.Read(make([]byte, 1), 0); err != unix.EAGAIN {
		t.Errorf("read with writer: %v", err)
	}
	w.Write([]byte("abc"), 0)
	w.Release()
	if got := r.Readiness(waiter.AllEvents); got != waiter.EventIn|waiter.EventRdNorm|waiter.EventHUp {
		t.Errorf("readiness after writer: %#x", got)
	}
	// A second reader opened while a writer is present sees HUP too.
	w2 := p.OpenWriter()
	r2 := p.OpenReader()
	w2.Release()
	if got := r2.Readiness(waiter.EventHUp); got != waiter.EventHUp {
		t.Errorf("second reader: %#x", got)
	}
	// An O_RDWR end never sees EOF or EPIPE by itself.
	r.Release()
	r2.Release()
	rw := p.OpenReadWriter()
	if p.Readers() != 1 || p.Writers() != 1 {
		t.Fatalf("counts %d %d", p.Readers(), p.Writers())
	}
	// All ends were closed: the data was discarded.
	if _, err := rw.Read(make([]byte, 1), 0); err != unix.EAGAIN {
		t.Errorf("rdwr read on emptied FIFO: %v", err)
	}
	if n, err := rw.Write([]byte("hi"), 0); n != 2 || err != nil {
		t.Errorf("rdwr write = %d, %v", n, err)
	}
	b := make([]byte, 4)
	if n, _ := rw.Read(b, 0); string(b[:n]) != "hi" {
		t.Errorf("rdwr read %q", b[:n])
	}
	if got := rw.Readiness(waiter.AllEvents); got != waiter.EventOut|waiter.EventWrNorm {
		t.Errorf("rdwr readiness %#x", got)
	}
	rw.Release()
	rw.Release() // idempotent
	if p.Readers() != 0 || p.Writers() != 0 {
		t.Errorf("counts after release %d %d", p.Readers(), p.Writers())
	}
}

func TestOpenNotification(t *testing.T) {
	p := NewFIFO(0)
	e := waiter.NewEntry(waiter.EventIn)
	p.EventRegisterOpen(e)
	defer p.EventUnregisterOpen(e)
	w := p.OpenWriter()
	select {
	case <-e.C:
	default:
		t.Fatal("no notification on open")
	}
	w.Release()
	select {
	case <-e.C:
	default:
		t.Fatal("no notification on close")
	}
}

func TestNotify(t *testing.T) {
	_, r, w := ends(t, 4096)
	re := waiter.NewEntry(waiter.EventIn)
	we := waiter.NewEntry(waiter.EventOut)
	r.EventRegister(re)
	w.EventRegister(we)
	got := func(e *waiter.Entry) bool {
		select {
		case <-e.C:
			return true
		default:
			return false
		}
	}
	w.Write([]byte("x"), 0)
	if !got(re) || got(we) {
		t.Error("write: wrong notifications")
	}
	r.Read(make([]byte, 1), 0)
	if got(re) || !got(we) {
		t.Error("read: wrong notifications")
	}
	w.Release()
	if !got(re) {
		t.Error("writer close did not wake the reader")
	}
	r.EventUnregister(re)
	w.EventUnregister(we)

	_, r, w = ends(t, 4096)
	we = waiter.NewEntry(waiter.EventOut)
	w.EventRegister(we)
	r.Release()
	if !got(we) {
		t.Error("reader close did not wake the writer")
	}
}

type mem struct{ b []byte }

func (m *mem) CopyIn(addr uint64, dst []byte) (int, error) {
	if addr+uint64(len(dst)) > uint64(len(m.b)) {
		return 0, unix.EFAULT
	}
	return copy(dst, m.b[addr:]), nil
}

func (m *mem) CopyOut(addr uint64, src []byte) (int, error) {
	if addr+uint64(len(src)) > uint64(len(m.b)) {
		return 0, unix.EFAULT
	}
	return copy(m.b[addr:], src), nil
}

var _ vfs.Memory = (*mem)(nil)

func TestFIONREAD(t *testing.T) {
	_, r, w := ends(t, 0)
	w.Write([]byte("hello"), 0)
	m := &mem{b: make([]byte, 16)}
	for _, e := range []*End{r, w} {
		if ret, err := e.Ioctl(m, unix.TIOCINQ, 4); ret != 0 || err != nil {
			t.Fatalf("FIONREAD = %d, %v", ret, err)
		}
		if got := binary.LittleEndian.Uint32(m.b[4:]); got != 5 {
			t.Errorf("FIONREAD wrote %d", got)
		}
	}
	if _, err := r.Ioctl(m, unix.TIOCINQ, 100); err != unix.EFAULT {
		t.Errorf("bad address: %v", err)
	}
	if _, err := r.Ioctl(m, unix.TCGETS, 0); err != unix.ENOTTY {
		t.Errorf("other ioctl: %v", err)
	}
}

func TestCapacity(t *testing.T) {
	tests := []struct {
		held    int
		n       int
		priv    bool
		want    int
		wantErr error
	}{
		{0, 0, false, 4096, nil},
		{0, 1, false, 4096, nil},
		{0, 4096, false, 4096, nil},
		{0, 4097, false, 8192, nil},
		{0, 3 * 4096, false, 16384, nil},
		{0, 1 << 20, false, 1 << 20, nil},
		{0, 1<<20 + 1, false, 0, unix.EPERM},
		{0, -1, false, 0, unix.EINVAL},
		{0, 1<<31 + 1, false, 0, unix.EINVAL},
		{5000, 4096, false, 0, unix.EBUSY},
		{5000, 8192, false, 8192, nil},
		{65536, 65536, false, 65536, nil},
		{100, 1 << 18, false, 1 << 18, nil},
		{0, 1<<20 + 1, true, 2 << 20, nil},
	}
	for _, tc := range tests {
		p, r, w := ends(t, 0)
		if p.Capacity() != DefaultCapacity {
			t.Fatalf("default capacity %d", p.Capacity())
		}
		data := make([]byte, tc.held)
		for i := range data {
			data[i] = byte(i * 7)
		}
		// Move the ring's head so that the data wraps.
		w.Write(make([]byte, 60000), 0)
		r.Read(make([]byte, 60000), 0)
		for off := 0; off < len(data); {
			n, err := w.Write(data[off:], 0)
			if err != nil {
				t.Fatal(err)
			}
			off += n
		}
		got, err := p.SetCapacity(tc.n, tc.priv)
		if got != tc.want || err != tc.wantErr {
			t.Errorf("held %d SetCapacity(%d) = %d, %v; want %d, %v", tc.held, tc.n, got, err, tc.want, tc.wantErr)
			continue
		}
		if err == nil && p.Capacity() != tc.want {
			t.Errorf("Capacity() = %d", p.Capacity())
		}
		out := make([]byte, tc.held+10)
		n, _ := r.Read(out, 0)
		if !bytes.Equal(out[:n], data) {
			t.Errorf("held %d SetCapacity(%d): data changed", tc.held, tc.n)
		}
		// The pipe now takes exactly Capacity bytes.
		c := p.Capacity()
		if n, _ := w.Write(make([]byte, c+PipeBuf+1), 0); n != c {
			t.Errorf("fill after resize: %d, want %d", n, c)
		}
	}
	if p := New(5000); p.Capacity() != 8192 {
		t.Errorf("New(5000) capacity %d", p.Capacity())
	}
}

func TestStat(t *testing.T) {
	p, r, w := ends(t, 0)
	p.SetOwner(1000, 100)
	rs, _ := r.Stat()
	ws, _ := w.Stat()
	if rs.Ino != ws.Ino || rs.Mode != unix.S_IFIFO|0o600 || rs.Blksize != 4096 || rs.Dev != unix.Mkdev(0, 12) ||
		rs.UID != 1000 || rs.GID != 100 || rs.Nlink != 1 {
		t.Errorf("stat %+v", rs)
	}
	q, r2, _ := ends(t, 0)
	qs, _ := r2.Stat()
	if qs.Ino == rs.Ino {
		t.Error("two pipes share an inode number")
	}
	_ = q
	if rs.Mtime.Sec == 0 {
		t.Error("no mtime")
	}
}

// blockingWrite writes all of b, waiting for readiness on EAGAIN as the
// syscall layer does for a blocking file.
func blockingWrite(e *End, b []byte) (int, error) {
	ent := waiter.NewEntry(waiter.EventOut | waiter.EventErr)
	e.EventRegister(ent)
	defer e.EventUnregister(ent)
	done := 0
	for done < len(b) {
		n, err := e.Write(b[done:], 0)
		done += n
		switch {
		case err == unix.EAGAIN:
			select {
			case <-ent.C:
			case <-time.After(timeout):
				return done, unix.ETIMEDOUT
			}
		case err != nil:
			return done, err
		}
	}
	return done, nil
}

// blockingRead reads at least one byte, or returns 0 at EOF.
func blockingRead(e *End, b []byte) (int, error) {
	ent := waiter.NewEntry(waiter.EventIn | waiter.EventHUp)
	e.EventRegister(ent)
	defer e.EventUnregister(ent)
	for {
		n, err := e.Read(b, 0)
		if err != unix.EAGAIN {
			return n, err
		}
		select {
		case <-ent.C:
		case <-time.After(timeout):
			return 0, unix.ETIMEDOUT
		}
	}
}

func TestConcurrentMiB(t *testing.T) {
	for _, capacity := range []int{4096, 65536} {
		_, r, w := ends(t, capacity)
		const total = 1 << 20
		src := make([]byte, total)
		rand.New(rand.NewSource(1)).Read(src)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewSource(2))
			for off := 0; off < total; {
				n := min(total-off, 1+rng.Intn(3*PipeBuf))
				if _, err := blockingWrite(w, src[off:off+n]); err != nil {
					t.Errorf("write: %v", err)
					return
				}
				off += n
			}
			w.Release()
		}()
		var got []byte
		rng := rand.New(rand.NewSource(3))
		buf := make([]byte, 3*PipeBuf)
		for {
			n, err := blockingRead(r, buf[:1+rng.Intn(len(buf))])
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if n == 0 {
				break
			}
			got = append(got, buf[:n]...)
		}
		wg.Wait()
		if !bytes.Equal(got, src) {
			t.Fatalf("capacity %d: received %d bytes, differing from the %d sent", capacity, len(got), len(src))
		}
		r.Release()
	}
}

// TestAtomicConcurrentWriters has several writers send records of up to
// PipeBuf bytes; each record must arrive whole.
func TestAtomicConcurrentWriters(t *testing.T) {
	p, r, w := ends(t, 0)
	const writers, records = 4, 300
	var wg sync.WaitGroup
	for id := range writers {
		we := w
		if id > 0 {
			we = p.OpenWriter()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer we.Release()
			rng := rand.New(rand.NewSource(int64(id)))
			for seq := range records {
				n := 8 + rng.Intn(PipeBuf-7)
				rec := bytes.Repeat([]byte{byte(id)}, n)
				binary.LittleEndian.PutUint16(rec[1:], uint16(n))
				binary.LittleEndian.PutUint32(rec[3:], uint32(seq))
				if k, err := blockingWrite(we, rec); k != n || err != nil {
					t.Errorf("write %d: %d, %v", n, k, err)
					return
				}
			}
		}()
	}
	var stream []byte
	buf := make([]byte, 10000)
	for {
		n, err := blockingRead(r, buf[:1+rand.Intn(len(buf))])
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		stream = append(stream, buf[:n]...)
	}
	wg.Wait()
	next := make([]int, writers)
	for len(stream) > 0 {
		id := int(stream[0])
		if id >= writers || len(stream) < 7 {
			t.Fatalf("corrupt stream at record header %v", stream[:min(7, len(stream))])
		}
		n := int(binary.LittleEndian.Uint16(stream[1:]))
		seq := int(binary.LittleEndian.Uint32(stream[3:]))
		if seq != next[id] || n > len(stream) {
			t.Fatalf("writer %d: record %d of %d bytes, want record %d", id, seq, n, next[id])
		}
		for _, c := range stream[7:n] {
			if c != byte(id) {
				t.Fatalf("writer %d record %d interleaved", id, seq)
			}
		}
		next[id]++
		stream = stream[n:]
	}
	for id, n := range next {
		if n != records {
			t.Errorf("writer %d: %d records", id, n)
		}
	}
}

// TestBlockedWriterGetsEPIPE checks that closing the reader wakes a writer
// waiting for room, which then fails with EPIPE.
func TestBlockedWriterGetsEPIPE(t *testing.T) {
	_, r, w := ends(t, 4096)
	w.Write(make([]byte, 4096), 0)
	done := make(chan error)
	go func() {
		_, err := blockingWrite(w, make([]byte, 100))
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	r.Release()
	if err := <-done; err != unix.EPIPE {
		t.Errorf("blocked write: %v, want EPIPE", err)
	}
}

// TestSlots checks the page-slot accounting Linux uses: a write tops up
// the last page with its part beyond whole pages, else takes new slots;
// packet writes are never merged and are read one at a time.
func TestSlots(t *testing.T) {
	type step struct {
		write  bool
		packet bool
		n      int
		want   int
		err    error
	}
	w := func(n, want int, err error) step { return step{write: true, n: n, want: want, err: err} }
	pw := func(n, want int, err error) step { return step{write: true, packet: true, n: n, want: want, err: err} }
	r := func(n, want int) step { return step{n: n, want: want} }
	tests := []struct {
		name  string
		steps []step
	}{
		{"full pipe refuses", []step{w(65536, 65536, nil), w(1, 0, unix.EAGAIN), w(PipeBuf+1, 0, unix.EAGAIN)}},
		{"byte takes a slot", []step{w(1, 1, nil), w(65536, 61440, nil), r(1<<17, 61441)}},
		{"small writes merge", []step{w(4000, 4000, nil), w(96, 96, nil), w(1, 1, nil), r(1<<17, 4097)}},
		{"half page read frees nothing", []step{w(65536, 65536, nil), r(2048, 2048), w(100, 0, unix.EAGAIN)}},
		{"page read frees a slot", []step{w(65536, 65536, nil), r(4096, 4096), w(3*4096, 4096, nil)}},
		{"merge only the tail", []step{w(1, 1, nil), w(4097, 4097, nil), r(1<<17, 4098)}},
		{"atomic write needs a slot", []step{
			w(3000, 3000, nil), w(3000, 3000, nil), w(3000, 3000, nil), w(3000, 3000, nil),
			w(3000, 3000, nil), w(3000, 3000, nil), w(3000, 3000, nil), w(3000, 3000, nil),
			w(3000, 3000, nil), w(3000, 3000, nil), w(3000, 3000, nil), w(3000, 3000, nil),
			w(3000, 3000, nil), w(3000, 3000, nil), w(3000, 3000, nil), w(3000, 3000, nil),
			w(2000, 0, unix.EAGAIN), w(1000, 1000, nil), w(97, 0, unix.EAGAIN)}},
		{"packets", []step{pw(5, 5, nil), pw(6, 6, nil), r(100, 5), r(3, 3), r(100, 0)}},
		{"big packet splits", []step{pw(PipeBuf+10, PipeBuf+10, nil), r(1<<17, PipeBuf), r(1<<17, 10)}},
		{"stream then packet", []step{w(5, 5, nil), pw(5, 5, nil), w(5, 5, nil), r(100, 10), r(100, 5)}},
	}
	for _, tc := range tests {
		_, re, we := ends(t, 0)
		for i, s := range tc.steps {
			var got int
			var err error
			if s.write {
				got, err = we.WriteMode(make([]byte, s.n), s.packet)
			} else {
				got, err = re.Read(make([]byte, s.n), 0)
				if err == unix.EAGAIN {
					got, err = 0, nil
				}
			}
			if got != s.want || !errors.Is(err, s.err) && err != s.err {
				t.Errorf("%s: step %d (%+v): got %d, %v", tc.name, i, s, got, err)
				break
			}
		}
	}
}
