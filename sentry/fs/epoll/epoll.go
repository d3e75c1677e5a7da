// Package epoll implements epoll(7) instances.
//
// An EventPoll holds an interest list keyed by (fd, file description), as
// Linux does, and a ready list. Each interest registers a waiter.Entry on
// its target whose callback puts the interest on the ready list and
// notifies the EventPoll's own queue. Wait re-polls the targets on the
// ready list with their Readiness, so what it reports is current:
// level-triggered interests stay on the ready list while they are ready,
// edge-triggered ones leave it once reported, and one-shot ones are
// disabled until Modify.
//
// Wait never blocks: a caller registers a waiter.Entry on the EventPoll,
// calls Wait again, and blocks until notified.
package epoll

import (
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

// Flags of epoll_event.events that are not readiness events.
const (
	EPOLLEXCLUSIVE uint32 = 1 << 28
	EPOLLWAKEUP    uint32 = 1 << 29
	EPOLLONESHOT   uint32 = 1 << 30
	EPOLLET        uint32 = 1 << 31

	privateBits = EPOLLEXCLUSIVE | EPOLLWAKEUP | EPOLLONESHOT | EPOLLET
	// exclusiveOK are the bits that may accompany EPOLLEXCLUSIVE.
	exclusiveOK = uint32(waiter.EventIn|waiter.EventOut|waiter.EventErr|waiter.EventHUp) |
		EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE
	// alwaysEvents are reported whether asked for or not.
	alwaysEvents = uint32(waiter.EventErr | waiter.EventHUp)
)

// MaxNests is the longest chain of epoll instances watching one another,
// in links (Linux's EP_MAX_NESTS): five instances.
const MaxNests = 4

// Anonymous inode identity, shared with sentry/fs/eventfd: like Linux's
// anon_inode, every epoll instance reports the same inode.
var (
	AnonDev        = unix.Mkdev(0, 13)
	AnonIno uint64 = 1
)

var anonTime = func() vfs.Timespec {
	t := time.Now()
	return vfs.Timespec{Sec: t.Unix(), Nsec: int64(t.Nanosecond())}
}()

// readyEvents are what an EventPoll reports when it has events.
const readyEvents = waiter.EventIn | waiter.EventRdNorm

// Event is a reported event, struct epoll_event's fields.
type Event struct {
	Events uint32
	Data   uint64
}

type key struct {
	fd   int
	file *vfs.File
}

// interest is an entry of the interest list.
//
// Locking: events and removed change only with both ep.mu and ep.rmu held,
// so either lock makes them safe to read; data is guarded by ep.mu; the
// ready-list fields by ep.rmu.
type interest struct {
	ep    *EventPoll
	key   key
	w     waiter.Waitable
	child *EventPoll // w, if it is an epoll instance
	entry *waiter.Entry

	events  uint32
	data    uint64
	removed bool

	onReady    bool
	prev, next *interest
	// gen counts the times the interest was put on the ready list.
	gen uint64
}

// mask returns the readiness events to poll for; 0 once a one-shot
// interest has fired.
func (it *interest) mask() waiter.Mask {
	return waiter.Mask(it.events &^ privateBits)
}

// callback runs when the target notifies readiness.
func (it *interest) callback(m waiter.Mask) {
	ep := it.ep
	ep.rmu.Lock()
	if it.removed || m&it.mask() == 0 {
		ep.rmu.Unlock()
		return
	}
	ep.pushBackLocked(it)
	ep.rmu.Unlock()
	ep.q.Notify(readyEvents)
}

// EventPoll is an epoll instance: a vfs.FileImpl (read and write fail
// with EINVAL) and a waiter.Waitable, readable when an event is ready, so
// that epoll instances can be polled and nested. It is safe for concurrent
// use.
type EventPoll struct {
	vfs.NoImpl

	q waiter.Queue

	// mu serializes interest-list changes, Wait and Readiness; target
	// Readiness methods are called with it held. It is never taken by
	// callbacks.
	mu        sync.Mutex
	interests map[key]*interest
	byFile    map[*vfs.File]map[*interest]struct{}
	released  bool

	// rmu guards the ready list, a circular doubly linked list through
	// ready. Callbacks take only rmu.
	rmu   sync.Mutex
	ready interest

	// children and parents are the epoll instances this one watches and
	// is watched by, with counts of interests; guarded by loopMu.
	children map[*EventPoll]int
	parents  map[*EventPoll]int
}

var (
	_ vfs.FileImpl    = (*EventPoll)(nil)
	_ waiter.Waitable = (*EventPoll)(nil)
)

// New returns an empty epoll instance.
func New() *EventPoll {
	ep := &EventPoll{
		interests: make(map[key]*interest),
		byFile:    make(map[*vfs.File]map[*interest]struct{}),
	}
	ep.ready.prev, ep.ready.next = &ep.ready, &ep.ready
	return ep
}

// pushBackLocked puts it at the tail of the ready list if it is not on it.
// ep.rmu must be held.
func (ep *EventPoll) pushBackLocked(it *interest) {
	it.gen++
	if it.onReady {
		return
	}
	it.onReady = true
	it.prev, it.next = ep.ready.prev, &ep.ready
	ep.ready.prev.next = it
	ep.ready.prev = it
}

// pushFrontLocked puts it at the head of the ready list if it is not on
// it. ep.rmu must be held.
func (ep *EventPoll) pushFrontLocked(it *interest) {
	if it.onReady {
		return
	}
	it.onReady = true
	it.prev, it.next = &ep.ready, ep.ready.next
	ep.ready.next.prev = it
	ep.ready.next = it
}

// unlinkLocked takes it off the ready list. ep.rmu must be held.
func (ep *EventPoll) unlinkLocked(it *interest) {
	if !it.onReady {
		return
	}
	it.prev.next = it.next
	it.next.prev = it.prev
	it.prev, it.next = nil, nil
	it.onReady = false
}

// readyLocked returns the ready list's interests in order. ep.rmu must be
// held.
func (ep *EventPoll) readyLocked() []*interest {
	var l []*interest
	for it := ep.ready.next; it != &ep.ready; it = it.next {
		l = append(l, it)
	}
	return l
}

// Add implements EPOLL_CTL_ADD for file, open as fd, whose readiness is
// w. w is nil when the file cannot be polled: EPERM. Adding an epoll
// instance to itself is EINVAL; a loop of instances or a chain longer than
// MaxNests links is ELOOP; an (fd, file) pair already present is EEXIST.
// EPOLLEXCLUSIVE is accepted with EPOLLIN, EPOLLOUT, EPOLLET and
// EPOLLWAKEUP only, and not on an epoll target (EINVAL); it changes
// nothing here, as every waiter is woken anyway.
func (ep *EventPoll) Add(fd int, file *vfs.File, w waiter.Waitable, events uint32, data uint64) error {
	if w == nil {
		return unix.EPERM
	}
	child, _ := w.(*EventPoll)
	if child == ep || (file != nil && file.Impl == vfs.FileImpl(ep)) {
		return unix.EINVAL
	}
	if events&EPOLLEXCLUSIVE != 0 && (child != nil || events&^exclusiveOK != 0) {
		return unix.EINVAL
	}
	events |= alwaysEvents
	if child != nil {
		if err := linkEpoll(ep, child); err != nil {
			return err
		}
	}
	k := key{fd, file}
	ep.mu.Lock()
	if ep.released {
		ep.mu.Unlock()
		unlinkEpoll(ep, child)
		return unix.EBADF
	}
	if _, ok := ep.interests[k]; ok {
		ep.mu.Unlock()
		unlinkEpoll(ep, child)
		return unix.EEXIST
	}
	it := &interest{ep: ep, key: k, w: w, child: child, events: events, data: data}
	// The entry takes every notification; the callback filters with the
	// current interest mask, which Modify may change.
	it.entry = &waiter.Entry{Mask: ^waiter.Mask(0), Callback: it.callback}
	ep.interests[k] = it
	fs := ep.byFile[file]
	if fs == nil {
		fs = make(map[*interest]struct{})
		ep.byFile[file] = fs
	}
	fs[it] = struct{}{}
	watch(file, ep)
	// Register before polling so that no change is missed in between.
	w.EventRegister(it.entry)
	ready := w.Readiness(it.mask()) != 0
	if ready {
		ep.rmu.Lock()
		ep.pushBackLocked(it)
		ep.rmu.Unlock()
	}
	ep.mu.Unlock()
	if ready {
		ep.q.Notify(readyEvents)
	}
	return nil
}

// Modify implements EPOLL_CTL_MOD: it replaces the events and data of the
// interest (fd, file), re-arming a one-shot interest. ENOENT if absent;
// EINVAL with EPOLLEXCLUSIVE or on an interest added with it.
func (ep *EventPoll) Modify(fd int, file *vfs.File, events uint32, data uint64) error {
	if events&EPOLLEXCLUSIVE != 0 {
		return unix.EINVAL
	}
	events |= alwaysEvents
	ep.mu.Lock()
	it, ok := ep.interests[key{fd, file}]
	if !ok {
		ep.mu.Unlock()
		return unix.ENOENT
	}
	if it.events&EPOLLEXCLUSIVE != 0 {
		ep.mu.Unlock()
		return unix.EINVAL
	}
	it.data = data
	ep.rmu.Lock()
	it.events = events
	ep.rmu.Unlock()
	ready := it.w.Readiness(it.mask()) != 0
	if ready {
		ep.rmu.Lock()
		ep.pushBackLocked(it)
		ep.rmu.Unlock()
	}
	ep.mu.Unlock()
	if ready {
		ep.q.Notify(readyEvents)
	}
	return nil
}

// Delete implements EPOLL_CTL_DEL. ENOENT if (fd, file) is absent.
func (ep *EventPoll) Delete(fd int, file *vfs.File) error {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	it, ok := ep.interests[key{fd, file}]
	if !ok {
		return unix.ENOENT
	}
	ep.removeLocked(it)
	return nil
}

// RemoveFile drops every interest in file, under any fd: Linux does so
// when the last reference to a file description goes.
func (ep *EventPoll) RemoveFile(file *vfs.File) {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	for it := range ep.byFile[file] {
		ep.removeLocked(it)
	}
}

// removeLocked drops it. ep.mu must be held.
func (ep *EventPoll) removeLocked(it *interest) {
	it.w.EventUnregister(it.entry)
	ep.rmu.Lock()
	it.removed = true
	ep.unlinkLocked(it)
	ep.rmu.Unlock()
	delete(ep.interests, it.key)
	file := it.key.file
	if fs := ep.byFile[file]; fs != nil {
		delete(fs, it)
		if len(fs) == 0 {
			delete(ep.byFile, file)
			unwatch(file, ep)
		}
	}
	if it.child != nil {
		unlinkEpoll(ep, it.child)
	}
}

// Len returns the number of interests.
func (ep *EventPoll) Len() int {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	return len(ep.interests)
}

// Wait returns up to max events ready now, without blocking; nil if none
// (or max <= 0). A level-triggered interest that was reported stays ready
// and moves to the tail of the ready list, so that repeated calls with a
// small max go round all ready interests.
func (ep *EventPoll) Wait(max int) []Event {
	if max <= 0 {
		return nil
	}
	ep.mu.Lock()
	// Take the ready list. Callbacks during the scan put interests back
	// on the (now empty) list, so no notification is lost.
	ep.rmu.Lock()
	tx := ep.readyLocked()
	for _, it := range tx {
		ep.unlinkLocked(it)
	}
	ep.rmu.Unlock()

	var out []Event
	var requeue []*interest
	i := 0
	for ; i < len(tx) && len(out) < max; i++ {
		it := tx[i]
		m := it.mask()
		if it.removed || m == 0 {
			continue
		}
		r := it.w.Readiness(m) & m
		if r == 0 {
			continue
		}
		out = append(out, Event{Events: uint32(r), Data: it.data})
		switch {
		case it.events&EPOLLONESHOT != 0:
			ep.rmu.Lock()
			it.events &= privateBits
			ep.rmu.Unlock()
		case it.events&EPOLLET == 0:
			requeue = append(requeue, it)
		}
	}

	ep.rmu.Lock()
	// Interests not looked at go back first, in order.
	for j := len(tx) - 1; j >= i; j-- {
		if it := tx[j]; !it.removed {
			ep.pushFrontLocked(it)
		}
	}
	for _, it := range requeue {
		if !it.onReady {
			ep.pushBackLocked(it)
		}
	}
	more := ep.ready.next != &ep.ready
	ep.rmu.Unlock()
	ep.mu.Unlock()
	// Other waiters may take what is still ready, as Linux wakes them.
	if len(out) > 0 && more {
		ep.q.Notify(readyEvents)
	}
	return out
}

// Readiness implements waiter.Waitable.Readiness: EventIn|EventRdNorm
// when Wait would return an event. Interests found not ready are dropped
// from the ready list, as Wait would.
func (ep *EventPoll) Readiness(mask waiter.Mask) waiter.Mask {
	if mask&readyEvents == 0 {
		return 0
	}
	ep.mu.Lock()
	defer ep.mu.Unlock()
	type snap struct {
		it  *interest
		gen uint64
	}
	ep.rmu.Lock()
	var l []snap
	for it := ep.ready.next; it != &ep.ready; it = it.next {
		l = append(l, snap{it, it.gen})
	}
	ep.rmu.Unlock()
	for _, s := range l {
		m := s.it.mask()
		if !s.it.removed && m != 0 && s.it.w.Readiness(m)&m != 0 {
			return readyEvents & mask
		}
		// Not ready: drop it unless it was notified since the snapshot.
		ep.rmu.Lock()
		if s.it.gen == s.gen {
			ep.unlinkLocked(s.it)
		}
		ep.rmu.Unlock()
	}
	return 0
}

// EventRegister implements waiter.Waitable.EventRegister.
func (ep *EventPoll) EventRegister(e *waiter.Entry) { ep.q.EventRegister(e) }

// EventUnregister implements waiter.Waitable.EventUnregister.
func (ep *EventPoll) EventUnregister(e *waiter.Entry) { ep.q.EventUnregister(e) }

// Stat implements vfs.FileImpl.Stat: the shared anonymous inode, mode
// 0600 with no file type bits.
func (ep *EventPoll) Stat() (vfs.Stat, error) {
	return vfs.Stat{
		Dev:     AnonDev,
		Ino:     AnonIno,
		Nlink:   1,
		Mode:    0o600,
		Blksize: 4096,
		Atime:   anonTime,
		Mtime:   anonTime,
		Ctime:   anonTime,
	}, nil
}

// Release implements vfs.FileImpl.Release: it drops every interest.
func (ep *EventPoll) Release() {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	if ep.released {
		return
	}
	ep.released = true
	for _, it := range ep.interests {
		ep.removeLocked(it)
	}
}

// Registry of the epoll instances watching each file, for FileReleased.
var (
	regMu    sync.Mutex
	watchers = make(map[*vfs.File]map[*EventPoll]struct{})
)

func watch(f *vfs.File, ep *EventPoll) {
	regMu.Lock()
	s := watchers[f]
	if s == nil {
		s = make(map[*EventPoll]struct{})
		watchers[f] = s
	}
	s[ep] = struct{}{}
	regMu.Unlock()
}

func unwatch(f *vfs.File, ep *EventPoll) {
	regMu.Lock()
	if s := watchers[f]; s != nil {
		delete(s, ep)
		if len(s) == 0 {
			delete(watchers, f)
		}
	}
	regMu.Unlock()
}

// FileReleased drops file from every epoll instance watching it. The
// syscall layer calls it when the last reference to file goes (Linux's
// eventpoll_release), so that a closed file does not stay registered.
func FileReleased(file *vfs.File) {
	regMu.Lock()
	var eps []*EventPoll
	for ep := range watchers[file] {
		eps = append(eps, ep)
	}
	regMu.Unlock()
	for _, ep := range eps {
		ep.RemoveFile(file)
	}
}

// loopMu guards the graph of epoll instances watching one another
// (children and parents). It is taken with no EventPoll.mu held or after
// one, never before one.
var loopMu sync.Mutex

// linkEpoll records that ep watches child, or returns ELOOP if that would
// close a loop or make a chain longer than MaxNests.
func linkEpoll(ep, child *EventPoll) error {
	loopMu.Lock()
	defer loopMu.Unlock()
	down := child.depthBelow(ep, map[*EventPoll]int{})
	if down > MaxNests || down+1+ep.depthAbove(map[*EventPoll]int{}) > MaxNests {
		return unix.ELOOP
	}
	if ep.children == nil {
		ep.children = make(map[*EventPoll]int)
	}
	if child.parents == nil {
		child.parents = make(map[*EventPoll]int)
	}
	ep.children[child]++
	child.parents[ep]++
	return nil
}

// unlinkEpoll undoes one linkEpoll. child may be nil.
func unlinkEpoll(ep, child *EventPoll) {
	if child == nil {
		return
	}
	loopMu.Lock()
	defer loopMu.Unlock()
	if ep.children[child]--; ep.children[child] <= 0 {
		delete(ep.children, child)
	}
	if child.parents[ep]--; child.parents[ep] <= 0 {
		delete(child.parents, ep)
	}
}

// loopDepth stands for a loop in depth computations.
const loopDepth = 1 << 20

// depthBelow returns the longest chain of links from e down through
// epoll instances it watches, or loopDepth if one of them is target.
// loopMu must be held.
func (e *EventPoll) depthBelow(target *EventPoll, memo map[*EventPoll]int) int {
	if d, ok := memo[e]; ok {
		return d
	}
	d := 0
	for c := range e.children {
		if c == target {
			d = loopDepth
			break
		}
		d = max(d, c.depthBelow(target, memo)+1)
		if d > MaxNests {
			break
		}
	}
	memo[e] = d
	return d
}

// depthAbove returns the longest chain of links up from e through the
// epoll instances watching it. loopMu must be held.
func (e *EventPoll) depthAbove(memo map[*EventPoll]int) int {
	if d, ok := memo[e]; ok {
		return d
	}
	d := 0
	for p := range e.parents {
		d = max(d, p.depthAbove(memo)+1)
		if d > MaxNests {
			break
		}
	}
	memo[e] = d
	return d
}
