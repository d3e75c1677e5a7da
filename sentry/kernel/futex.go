package kernel

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/mm"
)

// futexKey names a futex: an address in one address space, or, for
// shared mappings, a memory-file offset (mm nil) that every process
// mapping the page sees.
type futexKey struct {
	mm   *mm.MemoryManager
	addr uint64
}

func keyFor(m *mm.MemoryManager, addr uint64, private bool) futexKey {
	if !private {
		if off, ok := m.SharedKey(addr); ok {
			return futexKey{nil, off}
		}
	}
	return futexKey{m, addr}
}

type futexWaiter struct {
	bitset uint32
	ch     chan struct{}
	key    futexKey
	tid    int32 // PI waiters: who gets the lock
}

// futexTable holds the tasks waiting on futexes.
type futexTable struct {
	mu      sync.Mutex
	waiters map[futexKey][]*futexWaiter
}

func (f *futexTable) init() { f.waiters = make(map[futexKey][]*futexWaiter) }

func (f *futexTable) remove(w *futexWaiter) {
	ws := f.waiters[w.key]
	for i, o := range ws {
		if o == w {
			ws = append(ws[:i], ws[i+1:]...)
			break
		}
	}
	if len(ws) == 0 {
		delete(f.waiters, w.key)
	} else {
		f.waiters[w.key] = ws
	}
}

// wake wakes up to n waiters on the futex whose bitset intersects bitset.
func (f *futexTable) wake(key futexKey, n int, bitset uint32) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.wakeLocked(key, n, bitset)
}

func (f *futexTable) wakeLocked(key futexKey, n int, bitset uint32) int {
	woken := 0
	ws := f.waiters[key]
	for i := 0; i < len(ws) && woken < n; {
		w := ws[i]
		if w.bitset&bitset == 0 {
			i++
			continue
		}
		ws = append(ws[:i], ws[i+1:]...)
		close(w.ch)
		woken++
	}
	if len(ws) == 0 {
		delete(f.waiters, key)
	} else {
		f.waiters[key] = ws
	}
	return woken
}

// FutexWait implements FUTEX_WAIT(_BITSET): it sleeps while *addr == val.
// deadline is nil for no timeout.
func (t *Task) FutexWait(addr uint64, val uint32, bitset uint32, deadline *time.Time, private bool) error {
	if addr&3 != 0 {
		return unix.EINVAL
	}
	f := &t.k.futexes
	m := t.MM()
	w := &futexWaiter{bitset: bitset, ch: make(chan struct{}), key: keyFor(m, addr, private)}
	f.mu.Lock()
	var b [4]byte
	if _, err := m.CopyIn(addr, b[:]); err != nil {
		f.mu.Unlock()
		return unix.EFAULT
	}
	if binary.LittleEndian.Uint32(b[:]) != val {
		f.mu.Unlock()
		return unix.EAGAIN
	}
	f.waiters[w.key] = append(f.waiters[w.key], w)
	f.mu.Unlock()
	var timer <-chan time.Time
	if deadline != nil {
		tm := time.NewTimer(time.Until(*deadline))
		defer tm.Stop()
		timer = tm.C
	}
	err := t.BlockTimeout(w.ch, timer)
	if err != nil {
		f.mu.Lock()
		select {
		case <-w.ch:
			// Woken concurrently: the wake counts.
			err = nil
		default:
			f.remove(w)
		}
		f.mu.Unlock()
	}
	switch err {
	case nil:
		return nil
	case ErrTimedOut:
		return unix.ETIMEDOUT
	}
	return ERESTARTSYS
}

// FutexWake implements FUTEX_WAKE(_BITSET). As in Linux, a count below
// 1 still wakes one waiter.
func (t *Task) FutexWake(addr uint64, n int, bitset uint32, private bool) (int, error) {
	if addr&3 != 0 {
		return 0, unix.EINVAL
	}
	return t.k.futexes.wake(keyFor(t.MM(), addr, private), max(n, 1), bitset), nil
}

// FutexRequeue wakes n waiters on addr and moves up to n2 of the rest to
// addr2. If check is set, *addr must equal val (FUTEX_CMP_REQUEUE).
func (t *Task) FutexRequeue(addr, addr2 uint64, n, n2 int, check bool, val uint32, private bool) (int, error) {
	if addr&3 != 0 || addr2&3 != 0 {
		return 0, unix.EINVAL
	}
	f := &t.k.futexes
	m := t.MM()
	f.mu.Lock()
	defer f.mu.Unlock()
	if check {
		var b [4]byte
		if _, err := m.CopyIn(addr, b[:]); err != nil {
			return 0, unix.EFAULT
		}
		if binary.LittleEndian.Uint32(b[:]) != val {
			return 0, unix.EAGAIN
		}
	}
	key, key2 := keyFor(m, addr, private), keyFor(m, addr2, private)
	woken := f.wakeLocked(key, n, ^uint32(0))
	ws := f.waiters[key]
	moved := min(n2, len(ws))
	if key == key2 {
		// Requeued onto itself: the waiters stay, in order, and are
		// counted (Linux allows this for non-PI futexes).
		return woken + moved, nil
	}
	for _, w := range ws[:moved] {
		w.key = key2
	}
	f.waiters[key2] = append(f.waiters[key2], ws[:moved]...)
	if rest := ws[moved:]; len(rest) == 0 {
		delete(f.waiters, key)
	} else {
		f.waiters[key] = append([]*futexWaiter(nil), rest...)
	}
	return woken + moved, nil
}

// Robust futexes (see Documentation/locking/robust-futex-ABI): at exit,
// every lock the thread holds gets FUTEX_OWNER_DIED and a waiter is woken.
const (
	futexWaiters    = 0x80000000
	futexOwnerDied  = 0x40000000
	futexTIDMask    = 0x3fffffff
	robustListLimit = 2048
)

func (t *Task) exitRobustList() {
	head := t.robustList
	if head == 0 {
		return
	}
	t.robustList = 0
	m := t.MM()
	if m == nil {
		return
	}
	read := func(addr uint64) (uint64, bool) {
		var b [8]byte
		if _, err := m.CopyIn(addr, b[:]); err != nil {
			return 0, false
		}
		return binary.LittleEndian.Uint64(b[:]), true
	}
	entry, ok1 := read(head)
	offset, ok2 := read(head + 8)
	pending, ok3 := read(head + 16)
	if !ok1 || !ok2 || !ok3 {
		return
	}
	for i := 0; entry != head && entry != 0 && i < robustListLimit; i++ {
		next, ok := read(entry)
		if entry != pending {
			t.releaseRobustFutex(m, entry+offset)
		}
		if !ok {
			break
		}
		entry = next
	}
	if pending != 0 {
		t.releaseRobustFutex(m, pending+offset)
	}
}

func (t *Task) releaseRobustFutex(m *mm.MemoryManager, addr uint64) {
	if addr&3 != 0 {
		return
	}
	var b [4]byte
	if _, err := m.CopyIn(addr, b[:]); err != nil {
		return
	}
	word := binary.LittleEndian.Uint32(b[:])
	if word&futexTIDMask != uint32(t.ID) {
		return
	}
	nw := word&futexWaiters | futexOwnerDied
	binary.LittleEndian.PutUint32(b[:], nw)
	if _, err := m.CopyOut(addr, b[:]); err != nil {
		return
	}
	if word&futexWaiters != 0 {
		t.k.futexes.wake(keyFor(m, addr, false), 1, ^uint32(0))
	}
}

// Priority-inheritance futexes (FUTEX_LOCK_PI and friends): the futex
// word holds the owner's TID, and the kernel hands the lock to one waiter
// at a time. The sentry does not boost priorities (it has none to boost),
// but keeps the ownership protocol exactly.

// FutexLockPI takes the PI lock at addr, sleeping until deadline (nil:
// forever). With try set it does not sleep.
func (t *Task) FutexLockPI(addr uint64, deadline *time.Time, try bool) error {
	if addr&3 != 0 {
		return unix.EINVAL
	}
	f := &t.k.futexes
	m := t.MM()
	tid := uint32(t.ID)
	key := keyFor(m, addr, false)
	var timer <-chan time.Time
	if deadline != nil {
		tm := time.NewTimer(time.Until(*deadline))
		defer tm.Stop()
		timer = tm.C
	}
	for {
		f.mu.Lock()
		var result error
		var mine, wait bool
		err := m.Atomic32(addr, func(p *uint32) {
			for {
				v := atomic.LoadUint32(p)
				owner := v & futexTIDMask
				switch {
				case owner == 0:
					nv := tid | v&futexOwnerDied
					if len(f.waiters[key]) > 0 {
						nv |= futexWaiters
					}
					if atomic.CompareAndSwapUint32(p, v, nv) {
						mine = true
						return
					}
				case owner == tid:
					result = unix.EDEADLK
					return
				case try:
					result = unix.EAGAIN
					return
				default:
					if t.k.TaskByID(int32(owner)) == nil && v&futexOwnerDied == 0 {
						result = unix.ESRCH
						return
					}
					if atomic.CompareAndSwapUint32(p, v, v|futexWaiters) {
						wait = true
						return
					}
				}
			}
		})
		if err != nil {
			f.mu.Unlock()
			return unix.EFAULT
		}
		if mine || result != nil {
			f.mu.Unlock()
			return result
		}
		w := &futexWaiter{bitset: ^uint32(0), ch: make(chan struct{}), key: key, tid: int32(tid)}
		f.waiters[key] = append(f.waiters[key], w)
		f.mu.Unlock()
		if !wait {
			continue
		}
		berr := t.BlockTimeout(w.ch, timer)
		f.mu.Lock()
		handed := false
		select {
		case <-w.ch:
			handed = true
		default:
			f.remove(w)
		}
		f.mu.Unlock()
		if handed {
			// The unlocker made us the owner.
			return nil
		}
		switch berr {
		case ErrTimedOut:
			return unix.ETIMEDOUT
		case ErrInterrupted:
			return ERESTARTNOINTR
		}
	}
}

// FutexUnlockPI releases the PI lock at addr, handing it to the first
// waiter.
func (t *Task) FutexUnlockPI(addr uint64) error {
	if addr&3 != 0 {
		return unix.EINVAL
	}
	f := &t.k.futexes
	m := t.MM()
	key := keyFor(m, addr, false)
	f.mu.Lock()
	defer f.mu.Unlock()
	var result error
	err := m.Atomic32(addr, func(p *uint32) {
		v := atomic.LoadUint32(p)
		if v&futexTIDMask != uint32(t.ID) {
			result = unix.EPERM
			return
		}
		ws := f.waiters[key]
		if len(ws) == 0 {
			atomic.StoreUint32(p, 0)
			return
		}
		w := ws[0]
		nv := uint32(w.tid)
		if len(ws) > 1 {
			nv |= futexWaiters
		}
		atomic.StoreUint32(p, nv)
		f.remove(w)
		close(w.ch)
	})
	if err != nil {
		return unix.EFAULT
	}
	return result
}
