package epoll

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/fs/eventfd"
	"github.com/moat-dev/moat/sentry/fs/pipe"
	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

const (
	in  = uint32(waiter.EventIn)
	out = uint32(waiter.EventOut)
	hup = uint32(waiter.EventHUp)
	er  = uint32(waiter.EventErr)
)

func newFile(impl vfs.FileImpl) *vfs.File {
	return vfs.NewFile(impl, vfs.VirtualDentry{}, unix.O_RDWR)
}

// source is a pollable object the tests can make readable and drain.
type source struct {
	file  *vfs.File
	w     waiter.Waitable
	raise func()
	drain func()
}

func pipeSource() source {
	p := pipe.New(0)
	r := p.ReaderImpl().(*pipe.End)
	w := p.WriterImpl().(*pipe.End)
	return source{
		file:  newFile(r),
		w:     r,
		raise: func() { w.Write([]byte("x"), 0) },
		drain: func() {
			b := make([]byte, 1<<16)
			for {
				if _, err := r.Read(b, 0); err != nil {
					return
				}
			}
		},
	}
}

func eventfdSource() source {
	e := eventfd.New(0, false).(*eventfd.EventFD)
	one := make([]byte, 8)
	binary.LittleEndian.PutUint64(one, 1)
	return source{
		file:  newFile(e),
		w:     e,
		raise: func() { e.Write(one, 0) },
		drain: func() { e.Read(make([]byte, 8), 0) },
	}
}

var sources = []struct {
	name string
	make func() source
}{
	{"pipe", pipeSource},
	{"eventfd", eventfdSource},
}

// TestTriggerModes checks level-triggered, edge-triggered and one-shot
// reporting on a pipe and an eventfd. Steps: r raises, d drains, m
// re-arms with Modify, and a digit waits, expecting that many events.
func TestTriggerModes(t *testing.T) {
	modes := []struct {
		name   string
		flags  uint32
		script string
	}{
		{"level", 0, "0r11d0r1r1"},
		{"edge", EPOLLET, "0r10r10d0r1"},
		{"oneshot", EPOLLONESHOT, "0r10r0m1m10d0m0r10m1"},
		{"oneshot edge", EPOLLONESHOT | EPOLLET, "r10m10r0"},
	}
	for _, src := range sources {
		for _, mode := range modes {
			t.Run(src.name+"/"+mode.name, func(t *testing.T) {
				s := src.make()
				ep := New()
				defer ep.Release()
				if err := ep.Add(3, s.file, s.w, in|mode.flags, 77); err != nil {
					t.Fatal(err)
				}
				for i, c := range mode.script {
					switch c {
					case 'r':
						s.raise()
					case 'd':
						s.drain()
					case 'm':
						if err := ep.Modify(3, s.file, in|mode.flags, 77); err != nil {
							t.Fatal(err)
						}
					default:
						evs := ep.Wait(10)
						if len(evs) != int(c-'0') {
							t.Fatalf("step %d: %d events, want %c", i, len(evs), c)
						}
						for _, ev := range evs {
							if ev.Events != in || ev.Data != 77 {
								t.Fatalf("step %d: event %+v", i, ev)
							}
						}
					}
				}
			})
		}
	}
}

func TestAlwaysReportsErrAndHup(t *testing.T) {
	p := pipe.New(0)
	r := p.ReaderImpl().(*pipe.End)
	w := p.WriterImpl().(*pipe.End)
	rf, wf := newFile(r), newFile(w)
	ep := New()
	if err := ep.Add(3, rf, r, 0, 1); err != nil {
		t.Fatal(err)
	}
	if err := ep.Add(4, wf, w, in, 2); err != nil {
		t.Fatal(err)
	}
	if evs := ep.Wait(10); len(evs) != 0 {
		t.Fatalf("events before close: %+v", evs)
	}
	w.Write([]byte("x"), 0)
	if evs := ep.Wait(10); len(evs) != 0 {
		t.Fatalf("events not asked for: %+v", evs)
	}
	// Closing the write end shows EventHUp on the read end.
	ep.Delete(4, wf)
	w.Release()
	evs := ep.Wait(10)
	if len(evs) != 1 || evs[0] != (Event{hup, 1}) {
		t.Fatalf("after writer close: %+v", evs)
	}
	ep.Modify(3, rf, in, 1)
	evs = ep.Wait(10)
	if len(evs) != 1 || evs[0] != (Event{in | hup, 1}) {
		t.Fatalf("with EPOLLIN: %+v", evs)
	}

	// Closing the read end shows EventErr on the write end.
	p = pipe.New(0)
	r = p.ReaderImpl().(*pipe.End)
	w = p.WriterImpl().(*pipe.End)
	wf = newFile(w)
	if err := ep.Add(5, wf, w, out|EPOLLET, 5); err != nil {
		t.Fatal(err)
	}
	if evs := ep.Wait(10); len(evs) != 2 || evs[1] != (Event{out, 5}) {
		t.Fatalf("writable: %+v", evs)
	}
	r.Release()
	evs = ep.Wait(10)
	if len(evs) != 2 || evs[1] != (Event{out | er, 5}) {
		t.Fatalf("after reader close: %+v", evs)
	}
}

func TestCtlErrors(t *testing.T) {
	ep := New()
	s := eventfdSource()
	other := New()
	of := newFile(other)
	epf := newFile(ep)
	tests := []struct {
		name string
		do   func() error
		want error
	}{
		{"add", func() error { return ep.Add(3, s.file, s.w, in, 0) }, nil},
		{"add again", func() error { return ep.Add(3, s.file, s.w, out, 0) }, unix.EEXIST},
		{"same file, other fd", func() error { return ep.Add(4, s.file, s.w, out, 0) }, nil},
		{"not pollable", func() error { return ep.Add(5, newFile(plain{}), nil, in, 0) }, unix.EPERM},
		{"self", func() error { return ep.Add(6, epf, ep, in, 0) }, unix.EINVAL},
		{"exclusive with oneshot", func() error { return ep.Add(7, newFile(s.file.Impl), s.w, in|EPOLLEXCLUSIVE|EPOLLONESHOT, 0) }, unix.EINVAL},
		{"exclusive with rdnorm", func() error {
			return ep.Add(7, newFile(s.file.Impl), s.w, in|uint32(waiter.EventRdNorm)|EPOLLEXCLUSIVE, 0)
		}, unix.EINVAL},
		{"exclusive on epoll", func() error { return ep.Add(8, of, other, in|EPOLLEXCLUSIVE, 0) }, unix.EINVAL},
		{"exclusive", func() error { return ep.Add(9, s.file, s.w, in|out|EPOLLET|EPOLLEXCLUSIVE, 0) }, nil},
		{"modify exclusive interest", func() error { return ep.Modify(9, s.file, in, 0) }, unix.EINVAL},
		{"modify with exclusive", func() error { return ep.Modify(3, s.file, in|EPOLLEXCLUSIVE, 0) }, unix.EINVAL},
		{"modify", func() error { return ep.Modify(3, s.file, out, 9) }, nil},
		{"modify missing", func() error { return ep.Modify(10, s.file, out, 9) }, unix.ENOENT},
		{"modify other file", func() error { return ep.Modify(3, of, out, 9) }, unix.ENOENT},
		{"delete", func() error { return ep.Delete(3, s.file) }, nil},
		{"delete again", func() error { return ep.Delete(3, s.file) }, unix.ENOENT},
		{"modify deleted", func() error { return ep.Modify(3, s.file, in, 0) }, unix.ENOENT},
		{"nested", func() error { return ep.Add(8, of, other, in, 0) }, nil},
		{"loop", func() error { return other.Add(3, epf, ep, in, 0) }, unix.ELOOP},
		{"delete nested", func() error { return ep.Delete(8, of) }, nil},
		{"reverse now fine", func() error { return other.Add(3, epf, ep, in, 0) }, nil},
	}
	for _, tc := range tests {
		if err := tc.do(); err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if ep.Len() != 2 {
		t.Errorf("Len() = %d, want 2", ep.Len())
	}
}

func TestNestingDepth(t *testing.T) {
	eps := make([]*EventPoll, 7)
	files := make([]*vfs.File, len(eps))
	for i := range eps {
		eps[i] = New()
		files[i] = newFile(eps[i])
	}
	// A chain of MaxNests links (five instances) is allowed; one more
	// link is ELOOP, from either end.
	for i := range MaxNests {
		if err := eps[i].Add(1, files[i+1], eps[i+1], in, 0); err != nil {
			t.Fatalf("link %d: %v", i, err)
		}
	}
	if err := eps[MaxNests].Add(1, files[MaxNests+1], eps[MaxNests+1], in, 0); err != unix.ELOOP {
		t.Errorf("chain too long at the bottom: %v", err)
	}
	if err := eps[6].Add(1, files[0], eps[0], in, 0); err != unix.ELOOP {
		t.Errorf("chain too long at the top: %v", err)
	}
	// A loop through the chain.
	if err := eps[3].Add(2, files[1], eps[1], in, 0); err != unix.ELOOP {
		t.Errorf("loop: %v", err)
	}
	// Removing a link makes room again.
	if err := eps[0].Delete(1, files[1]); err != nil {
		t.Fatal(err)
	}
	if err := eps[MaxNests].Add(1, files[MaxNests+1], eps[MaxNests+1], in, 0); err != nil {
		t.Errorf("after shortening: %v", err)
	}
	// A released instance no longer counts.
	eps[1].Release()
	if err := eps[6].Add(1, files[2], eps[2], in, 0); err != nil {
		t.Errorf("after release: %v", err)
	}
}

func TestNested(t *testing.T) {
	s := pipeSource()
	inner, outer := New(), New()
	innerF := newFile(inner)
	if err := inner.Add(3, s.file, s.w, in, 1); err != nil {
		t.Fatal(err)
	}
	if err := outer.Add(4, innerF, inner, in|EPOLLET, 2); err != nil {
		t.Fatal(err)
	}
	e := waiter.NewEntry(waiter.EventIn)
	outer.EventRegister(e)
	defer outer.EventUnregister(e)
	if evs := outer.Wait(10); len(evs) != 0 || inner.Readiness(waiter.AllEvents) != 0 {
		t.Fatalf("ready too early: %v", evs)
	}
	s.raise()
	select {
	case <-e.C:
	default:
		t.Fatal("outer not notified")
	}
	if got := inner.Readiness(waiter.AllEvents); got != waiter.EventIn|waiter.EventRdNorm {
		t.Errorf("inner readiness %#x", got)
	}
	if evs := outer.Wait(10); len(evs) != 1 || evs[0] != (Event{in, 2}) {
		t.Fatalf("outer: %+v", evs)
	}
	if evs := outer.Wait(10); len(evs) != 0 {
		t.Fatalf("outer is edge-triggered: %+v", evs)
	}
	if evs := inner.Wait(10); len(evs) != 1 || evs[0] != (Event{in, 1}) {
		t.Fatalf("inner: %+v", evs)
	}
	s.drain()
	if got := inner.Readiness(waiter.AllEvents); got != 0 {
		t.Errorf("inner readiness after drain %#x", got)
	}
}

func TestWaitMaxRoundRobin(t *testing.T) {
	ep := New()
	const n = 5
	for i := range n {
		s := eventfdSource()
		s.raise()
		if err := ep.Add(i, s.file, s.w, in, uint64(i)); err != nil {
			t.Fatal(err)
		}
	}
	if evs := ep.Wait(0); evs != nil {
		t.Errorf("Wait(0) = %v", evs)
	}
	seen := map[uint64]int{}
	for range n {
		evs := ep.Wait(2)
		if len(evs) != 2 {
			t.Fatalf("Wait(2) gave %d", len(evs))
		}
		for _, ev := range evs {
			seen[ev.Data]++
		}
	}
	for i := range n {
		if seen[uint64(i)] != 2 {
			t.Errorf("interest %d reported %d times in %d rounds, want 2: %v", i, seen[uint64(i)], n, seen)
		}
	}
}

func TestRemoveFile(t *testing.T) {
	ep1, ep2 := New(), New()
	s := eventfdSource()
	s.raise()
	ep1.Add(3, s.file, s.w, in, 0)
	ep1.Add(4, s.file, s.w, in, 0)
	ep2.Add(3, s.file, s.w, in, 0)
	if len(ep1.Wait(10)) != 2 || len(ep2.Wait(10)) != 1 {
		t.Fatal("not ready")
	}
	ep1.RemoveFile(s.file)
	if ep1.Len() != 0 || len(ep1.Wait(10)) != 0 {
		t.Error("RemoveFile left interests")
	}
	if ep2.Len() != 1 {
		t.Error("RemoveFile touched another instance")
	}
	ep1.Add(3, s.file, s.w, in, 0)
	FileReleased(s.file)
	if ep1.Len() != 0 || ep2.Len() != 0 {
		t.Errorf("FileReleased left %d and %d", ep1.Len(), ep2.Len())
	}
	regMu.Lock()
	left := len(watchers[s.file])
	regMu.Unlock()
	if left != 0 {
		t.Errorf("registry holds %d", left)
	}
}

// plain is a file that cannot be polled.
type plain struct{ vfs.NoImpl }

func (plain) Stat() (vfs.Stat, error) { return vfs.Stat{}, nil }

// counting is a Waitable that records registrations.
type counting struct {
	q     waiter.Queue
	ready atomic.Uint32
	regs  atomic.Int32
}

func (c *counting) Readiness(m waiter.Mask) waiter.Mask { return waiter.Mask(c.ready.Load()) & m }
func (c *counting) EventRegister(e *waiter.Entry)       { c.regs.Add(1); c.q.EventRegister(e) }
func (c *counting) EventUnregister(e *waiter.Entry)     { c.regs.Add(-1); c.q.EventUnregister(e) }
func (c *counting) set(m waiter.Mask) {
	c.ready.Store(uint32(m))
	c.q.Notify(m)
}

func TestReleaseUnregisters(t *testing.T) {
	c := &counting{}
	ep := New()
	f := newFile(plain{})
	ep.Add(1, f, c, in, 0)
	ep.Add(2, f, c, out, 0)
	if c.regs.Load() != 2 {
		t.Fatalf("registrations %d", c.regs.Load())
	}
	ep.Delete(2, f)
	ep.Release()
	if c.regs.Load() != 0 {
		t.Errorf("registrations after release %d", c.regs.Load())
	}
	c.set(waiter.EventIn) // no callback into the released instance
	if len(ep.Wait(1)) != 0 {
		t.Error("released instance reports")
	}
	if err := ep.Add(1, f, c, in, 0); err != unix.EBADF {
		t.Errorf("add after release: %v", err)
	}
}

// TestReadinessFiltering uses a fake target to check which events are
// reported, and that a stale notification does not report anything.
func TestReadinessFiltering(t *testing.T) {
	c := &counting{}
	ep := New()
	f := newFile(plain{})
	ep.Add(1, f, c, in|uint32(waiter.EventRdHUp), 9)
	c.set(waiter.EventOut) // not asked for
	if evs := ep.Wait(4); len(evs) != 0 {
		t.Errorf("unasked event reported: %+v", evs)
	}
	c.set(waiter.EventIn | waiter.EventOut | waiter.EventRdHUp | waiter.EventPri)
	if evs := ep.Wait(4); len(evs) != 1 || evs[0].Events != in|uint32(waiter.EventRdHUp) {
		t.Errorf("got %+v", evs)
	}
	// Notified, but no longer ready by the time of Wait.
	c.set(waiter.EventIn)
	c.ready.Store(0)
	if evs := ep.Wait(4); len(evs) != 0 {
		t.Errorf("stale event reported: %+v", evs)
	}
	st, _ := ep.Stat()
	if st.Mode != 0o600 || st.Blksize != 4096 {
		t.Errorf("stat %+v", st)
	}
	if _, err := ep.Read(make([]byte, 8), 0); err != unix.EINVAL {
		t.Errorf("read: %v", err)
	}
	if _, err := ep.Write(make([]byte, 8), 0); err != unix.EINVAL {
		t.Errorf("write: %v", err)
	}
}

// waitBlocking is epoll_wait for a blocking caller: it waits on the
// instance's queue while Wait returns nothing.
func waitBlocking(ep *EventPoll, max int, stop <-chan struct{}) []Event {
	e := waiter.NewEntry(waiter.EventIn)
	ep.EventRegister(e)
	defer ep.EventUnregister(e)
	for {
		if evs := ep.Wait(max); len(evs) > 0 {
			return evs
		}
		select {
		case <-e.C:
		case <-stop:
			return nil
		}
	}
}

// TestConcurrent has producers write to several eventfds and pipes while
// consumer goroutines wait on one epoll instance (edge-triggered) and
// drain what it reports; every byte and count must be consumed, and
// others add, modify and delete unrelated interests meanwhile.
func TestConcurrent(t *testing.T) {
	ep := New()
	const nfd, per = 8, 500
	type src struct {
		efd  *eventfd.EventFD
		r, w *pipe.End
	}
	srcs := make([]src, nfd)
	for i := range srcs {
		if i%2 == 0 {
			e := eventfd.New(0, false).(*eventfd.EventFD)
			srcs[i].efd = e
			if err := ep.Add(i, newFile(e), e, in|EPOLLET, uint64(i)); err != nil {
				t.Fatal(err)
			}
		} else {
			p := pipe.New(0)
			srcs[i].r, srcs[i].w = p.ReaderImpl().(*pipe.End), p.WriterImpl().(*pipe.End)
			if err := ep.Add(i, newFile(srcs[i].r), srcs[i].r, in|EPOLLET, uint64(i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	var consumed atomic.Int64
	stop := make(chan struct{})
	var cw sync.WaitGroup
	for range 4 {
		cw.Add(1)
		go func() {
			defer cw.Done()
			b := make([]byte, 4096)
			for {
				evs := waitBlocking(ep, 3, stop)
				if evs == nil {
					return
				}
				for _, ev := range evs {
					s := srcs[ev.Data]
					// Edge-triggered: drain until EAGAIN.
					for {
						if s.efd != nil {
							if _, err := s.efd.Read(b, 0); err != nil {
								break
							}
							consumed.Add(int64(binary.LittleEndian.Uint64(b)))
						} else {
							n, err := s.r.Read(b, 0)
							if err != nil {
								break
							}
							consumed.Add(int64(n))
						}
					}
				}
			}
		}()
	}
	var pw sync.WaitGroup
	for i := range srcs {
		pw.Add(1)
		go func() {
			defer pw.Done()
			one := make([]byte, 8)
			binary.LittleEndian.PutUint64(one, 1)
			for range per {
				if s := srcs[i]; s.efd != nil {
					s.efd.Write(one, 0)
				} else {
					s.w.Write([]byte{1}, 0)
				}
			}
		}()
	}
	pw.Add(1)
	go func() {
		defer pw.Done()
		for j := range 200 {
			s := eventfdSource()
			s.raise()
			ep.Add(100+j, s.file, s.w, 0, 1000)
			ep.Modify(100+j, s.file, 0, 1000)
			ep.Delete(100+j, s.file)
		}
	}()
	pw.Wait()
	deadline := time.After(20 * time.Second)
	for consumed.Load() != nfd*per {
		select {
		case <-deadline:
			t.Fatalf("consumed %d of %d", consumed.Load(), nfd*per)
		case <-time.After(time.Millisecond):
		}
	}
	close(stop)
	cw.Wait()
}

// TestNestedStress runs waits on an outer instance, reads of an inner one
// and interest changes on both at once, to shake out lock-order problems.
func TestNestedStress(t *testing.T) {
	outer, inner := New(), New()
	innerF := newFile(inner)
	if err := outer.Add(1, innerF, inner, in, 1); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	loop := func(f func(i int)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				f(i)
			}
		}()
	}
	s := eventfdSource()
	inner.Add(1, s.file, s.w, in, 0)
	loop(func(int) { s.raise() })
	loop(func(int) { s.drain() })
	loop(func(int) { outer.Wait(4) })
	loop(func(int) { inner.Wait(4); inner.Readiness(waiter.EventIn) })
	loop(func(i int) {
		p := pipeSource()
		inner.Add(2, p.file, p.w, in|EPOLLET, 0)
		p.raise()
		outer.Modify(1, innerF, in|EPOLLONESHOT, 1)
		inner.Delete(2, p.file)
	})
	loop(func(i int) {
		e := New()
		ef := newFile(e)
		if err := outer.Add(10+i%3, ef, e, in, 0); err == nil {
			e.Add(1, innerF, inner, in, 0)
			e.Release()
			outer.RemoveFile(ef)
		}
	})
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
}
