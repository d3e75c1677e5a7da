package eventfd

import (
	"encoding/binary"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/waiter"
)

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.LittleEndian.PutUint64(b, v)
	return b
}

type step struct {
	write   bool
	buf     []byte // for writes; for reads, its length is the read size
	wantN   int
	wantErr error
	wantVal uint64 // value read
}

func rd(n int, want uint64, err error) step {
	s := step{buf: make([]byte, n), wantVal: want, wantErr: err}
	if err == nil {
		s.wantN = 8
	}
	return s
}

func wr(b []byte, err error) step {
	s := step{write: true, buf: b, wantErr: err}
	if err == nil {
		s.wantN = 8
	}
	return s
}

func TestScript(t *testing.T) {
	tests := []struct {
		name  string
		init  uint64
		sem   bool
		steps []step
	}{
		{"empty read is EAGAIN", 0, false, []step{rd(8, 0, unix.EAGAIN)}},
		{"short read is EINVAL", 5, false, []step{rd(7, 0, unix.EINVAL), rd(8, 5, nil)}},
		{"long read takes 8 bytes", 5, false, []step{rd(16, 5, nil)}},
		{"initial value read and reset", 3, false, []step{rd(8, 3, nil), rd(8, 0, unix.EAGAIN)}},
		{"writes add up", 0, false, []step{wr(u64(2), nil), wr(u64(40), nil), rd(8, 42, nil)}},
		{"short write is EINVAL", 0, false, []step{wr([]byte{1, 0, 0, 0, 0, 0, 0}, unix.EINVAL), rd(8, 0, unix.EAGAIN)}},
		{"long write uses 8 bytes", 0, false, []step{wr(append(u64(9), 1, 2, 3), nil), rd(8, 9, nil)}},
		{"write of 0 is fine", 0, false, []step{wr(u64(0), nil), rd(8, 0, unix.EAGAIN)}},
		{"max value is EINVAL", 0, false, []step{wr(u64(^uint64(0)), unix.EINVAL)}},
		{"up to MaxCount", 0, false, []step{wr(u64(MaxCount), nil), wr(u64(1), unix.EAGAIN), rd(8, MaxCount, nil), wr(u64(1), nil)}},
		{"overflow is EAGAIN", 10, false, []step{wr(u64(MaxCount-9), unix.EAGAIN), wr(u64(MaxCount-10), nil), wr(u64(0), nil)}},
		{"semaphore reads 1", 3, true, []step{rd(8, 1, nil), rd(8, 1, nil), wr(u64(1), nil), rd(8, 1, nil), rd(8, 1, nil), rd(8, 0, unix.EAGAIN)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := New(tc.init, tc.sem).(*EventFD)
			if e.Semaphore() != tc.sem {
				t.Fatal("semaphore flag")
			}
			for i, s := range tc.steps {
				var n int
				var err error
				if s.write {
					n, err = e.Write(s.buf, 0)
				} else {
					n, err = e.Read(s.buf, 0)
				}
				if n != s.wantN || err != s.wantErr {
					t.Fatalf("step %d: %d, %v; want %d, %v", i, n, err, s.wantN, s.wantErr)
				}
				if !s.write && err == nil {
					if v := binary.LittleEndian.Uint64(s.buf); v != s.wantVal {
						t.Fatalf("step %d read %d, want %d", i, v, s.wantVal)
					}
				}
			}
		})
	}
}

func TestReadiness(t *testing.T) {
	tests := []struct {
		count uint64
		want  waiter.Mask
	}{
		{0, waiter.EventOut},
		{1, waiter.EventIn | waiter.EventOut},
		{MaxCount - 1, waiter.EventIn | waiter.EventOut},
		{MaxCount, waiter.EventIn},
	}
	for _, tc := range tests {
		e := New(0, false).(*EventFD)
		e.Write(u64(tc.count), 0)
		if got := e.Readiness(waiter.AllEvents); got != tc.want {
			t.Errorf("count %#x: readiness %#x, want %#x", tc.count, got, tc.want)
		}
		if got := e.Readiness(waiter.EventOut); got != tc.want&waiter.EventOut {
			t.Errorf("count %#x: masked readiness %#x", tc.count, got)
		}
		if e.Count() != tc.count {
			t.Errorf("Count() = %d", e.Count())
		}
	}
}

func TestNotify(t *testing.T) {
	e := New(0, false).(*EventFD)
	in := waiter.NewEntry(waiter.EventIn)
	out := waiter.NewEntry(waiter.EventOut)
	e.EventRegister(in)
	e.EventRegister(out)
	defer e.EventUnregister(in)
	defer e.EventUnregister(out)
	fired := func(w *waiter.Entry) bool {
		select {
		case <-w.C:
			return true
		default:
			return false
		}
	}
	if err := e.Signal(1); err != nil {
		t.Fatal(err)
	}
	if !fired(in) || fired(out) {
		t.Error("write notifications")
	}
	e.Read(make([]byte, 8), 0)
	if fired(in) || !fired(out) {
		t.Error("read notifications")
	}
	e.Write(u64(1), 1)
	e.Write(u64(1), 1)
	if !fired(in) || fired(in) {
		t.Error("notification tokens")
	}
}

func TestStat(t *testing.T) {
	a, _ := New(0, false).Stat()
	b, _ := New(0, true).Stat()
	if a.Mode != 0o600 || a.Ino != b.Ino || a.Dev != unix.Mkdev(0, 13) || a.Nlink != 1 {
		t.Errorf("stat %+v", a)
	}
}

// TestConcurrentSemaphore has producers post and consumers take tokens
// of a semaphore eventfd, blocking with waiters on EAGAIN.
func TestConcurrentSemaphore(t *testing.T) {
	e := New(0, true).(*EventFD)
	const producers, consumers, per = 4, 4, 2000
	var wg sync.WaitGroup
	for range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range per {
				if _, err := e.Write(u64(1), 0); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	var mu sync.Mutex
	taken := 0
	var cw sync.WaitGroup
	for range consumers {
		cw.Add(1)
		go func() {
			defer cw.Done()
			w := waiter.NewEntry(waiter.EventIn)
			e.EventRegister(w)
			defer e.EventUnregister(w)
			b := make([]byte, 8)
			for range producers * per / consumers {
				for {
					_, err := e.Read(b, 0)
					if err == nil {
						break
					}
					if err != unix.EAGAIN {
						t.Error(err)
						return
					}
					select {
					case <-w.C:
					case <-time.After(20 * time.Second):
						t.Error("timed out")
						return
					}
				}
				if v := binary.LittleEndian.Uint64(b); v != 1 {
					t.Errorf("semaphore read %d", v)
				}
				mu.Lock()
				taken++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	cw.Wait()
	if taken != producers*per || e.Count() != 0 {
		t.Errorf("taken %d, left %d", taken, e.Count())
	}
}

// TestBlockedWriter checks that a write waiting for room wakes after a
// read.
func TestBlockedWriter(t *testing.T) {
	e := New(0, false).(*EventFD)
	e.Write(u64(MaxCount), 0)
	done := make(chan error)
	go func() {
		w := waiter.NewEntry(waiter.EventOut)
		e.EventRegister(w)
		defer e.EventUnregister(w)
		for {
			_, err := e.Write(u64(5), 0)
			if err != unix.EAGAIN {
				done <- err
				return
			}
			<-w.C
		}
	}()
	time.Sleep(10 * time.Millisecond)
	b := make([]byte, 8)
	e.Read(b, 0)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if e.Count() != 5 {
		t.Errorf("count %d", e.Count())
	}
}
