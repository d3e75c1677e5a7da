package systrap

import (
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The FS map (see stub/layout.h) spares the fast path the gettid it would
// take to find its thread's slot, which costs about as much as the rest
// of a fast call: the stub reads the thread pointer at %fs:0 and looks it
// up in a table the sentry keeps in the address space's control slot,
// from each thread's FS base to its slot.
//
// It is right only while %fs:0 holds the FS base (the x86-64 TLS ABI,
// which glibc, musl and Bionic follow) and while the sentry knows every
// thread's FS base. Go programs, whose %fs:0 is not a thread pointer,
// threads that share an FS base (vfork's child, a clone without
// CLONE_SETTLS) and threads whose bucket another has taken, miss, and
// take the thread map.

// fsmapUsable reports whether applications can change their FS base only
// through the sentry. With FSGSBASE enabled for user space (AT_HWCAP2 bit
// 1), wrfsbase changes it with no trap, and %fs:0 could then name
// another thread's slot: the map stays empty.
func fsmapUsable() bool {
	const atHWCap2, hwcap2FSGSBase = 26, 1 << 1
	auxv, err := unix.Auxv()
	if err != nil {
		return false
	}
	for _, kv := range auxv {
		if kv[0] == atHWCap2 {
			return kv[1]&hwcap2FSGSBase == 0
		}
	}
	return true
}

// fsMap is the sentry's side of an address space's FS map: which slots
// have each FS base, to know what each bucket should hold.
type fsMap struct {
	mu      sync.Mutex
	holders map[uint64][]int // FS base -> thread slot indexes
}

// fsHash is FSMAP_HASH: the bucket of FS base k.
func fsHash(k uint64) int { return int((k * fsmapMul) >> (64 - fsmapBits)) }

// fsKey reports whether FS base k can be in the map: a thread pointer is
// a nonzero user address.
func fsKey(k uint64) bool { return k != 0 && k < 1<<47 }

// fsEntry is what the bucket of key k holds for its holders: the slot
// index of its only holder, or none (0) if several threads share k.
func fsEntry(k uint64, holders []int) uint64 {
	if len(holders) == 1 {
		return k | uint64(holders[0])<<48
	}
	return k
}

// fsBucket returns bucket i of the address space's FS map.
func (as *addressSpace) fsBucket(i int) *uint64 {
	return (*uint64)(unsafe.Pointer(&as.p.slotBytes(as.ctl.g)[fsmapOff+8*i]))
}

// moveFS records that the thread in slot idx has FS base to, no longer
// from (0 for none).
func (as *addressSpace) moveFS(idx int, from, to uint64) {
	if from == to || (!fsKey(from) && !fsKey(to)) || !as.p.fsmapOn {
		return
	}
	m := &as.fsmap
	m.mu.Lock()
	defer m.mu.Unlock()
	if fsKey(from) {
		h := m.holders[from]
		if i := slices.Index(h, idx); i >= 0 {
			h = slices.Delete(h, i, i+1)
		}
		if len(h) == 0 {
			delete(m.holders, from)
		} else {
			m.holders[from] = h
		}
		as.fsRelease(from)
	}
	if fsKey(to) {
		if m.holders == nil {
			m.holders = make(map[uint64][]int)
		}
		h := append(m.holders[to], idx)
		m.holders[to] = h
		// The newest key takes the bucket: a thread that lost it to
		// a collision only takes the slower way.
		atomic.StoreUint64(as.fsBucket(fsHash(to)), fsEntry(to, h))
	}
}

// fsRelease updates the bucket of key k, which lost a holder: if it is
// k's, it goes to k's remaining holders, or else to another key of the
// bucket, or is emptied.
func (as *addressSpace) fsRelease(k uint64) {
	b := as.fsBucket(fsHash(k))
	if atomic.LoadUint64(b)&(1<<48-1) != k {
		return
	}
	m := &as.fsmap
	if h, ok := m.holders[k]; ok {
		atomic.StoreUint64(b, fsEntry(k, h))
		return
	}
	for k2, h := range m.holders {
		if fsHash(k2) == fsHash(k) {
			atomic.StoreUint64(b, fsEntry(k2, h))
			return
		}
	}
	atomic.StoreUint64(b, 0)
}

// setFSBase records the thread's new FS base on the host, in the FS map
// too.
func (th *thread) setFSBase(fs uint64) {
	th.as.moveFS(th.slot.idx, th.fsbase, fs)
	th.fsbase = fs
}
