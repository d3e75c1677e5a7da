// Package waiter lets blocking code wait for readiness events on files:
// pipes, eventfds, epoll instances and sockets notify a Queue, and waiters
// registered on it with an interest mask are woken.
package waiter

import "sync"

// Mask is a set of readiness events, with the values of the EPOLL* bits.
type Mask uint32

// Readiness events.
const (
	EventIn     Mask = 0x1
	EventPri    Mask = 0x2
	EventOut    Mask = 0x4
	EventErr    Mask = 0x8
	EventHUp    Mask = 0x10
	EventRdNorm Mask = 0x40
	EventWrNorm Mask = 0x100
	EventRdHUp  Mask = 0x2000

	// AllEvents is every event a file can report.
	AllEvents Mask = EventIn | EventPri | EventOut | EventErr | EventHUp | EventRdNorm | EventWrNorm | EventRdHUp
)

// Entry is a registration on a Queue. When an event in Mask is notified,
// Callback runs (if set) and C receives a token without blocking.
type Entry struct {
	Mask     Mask
	C        chan struct{}
	Callback func(Mask)
}

// NewEntry returns an entry with a one-slot channel.
func NewEntry(mask Mask) *Entry {
	return &Entry{Mask: mask, C: make(chan struct{}, 1)}
}

// Queue is a set of waiters.
type Queue struct {
	mu      sync.Mutex
	entries map[*Entry]struct{}
}

// EventRegister adds e.
func (q *Queue) EventRegister(e *Entry) {
	q.mu.Lock()
	if q.entries == nil {
		q.entries = make(map[*Entry]struct{})
	}
	q.entries[e] = struct{}{}
	q.mu.Unlock()
}

// EventUnregister removes e.
func (q *Queue) EventUnregister(e *Entry) {
	q.mu.Lock()
	delete(q.entries, e)
	q.mu.Unlock()
}

// Notify wakes the waiters interested in any event of mask.
func (q *Queue) Notify(mask Mask) {
	q.mu.Lock()
	var cbs []*Entry
	for e := range q.entries {
		if e.Mask&mask == 0 {
			continue
		}
		if e.C != nil {
			select {
			case e.C <- struct{}{}:
			default:
			}
		}
		if e.Callback != nil {
			cbs = append(cbs, e)
		}
	}
	q.mu.Unlock()
	// Callbacks run unlocked so that they may take other locks, such as
	// an epoll instance's.
	for _, e := range cbs {
		e.Callback(mask)
	}
}

// Waitable is an object that reports readiness.
type Waitable interface {
	// Readiness returns the events of mask that are ready now.
	Readiness(mask Mask) Mask
	EventRegister(e *Entry)
	EventUnregister(e *Entry)
}
