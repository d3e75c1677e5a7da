package systrap

import (
	"encoding/binary"
	"sync/atomic"
)

// The fast path: application code patched by the sentry jumps to the
// stub's fast_entry instead of trapping, and the stub saves the
// registers in the slot's fast frame, laid out as a signal frame (see
// stub/layout.h). The sentry reads and writes either frame the same way;
// the stub's uctx and info words say which one the last event used.

// Offsets in the XSAVE area's software-reserved bytes, which XSAVE does
// not write: the kernel puts the size and features of its frame there,
// and the fast frame gets a copy.
const (
	swXfeatures = swBytes + 8
	swXsize     = swBytes + 16
	fpMagic2    = 0x46505845
)

// FastSyscallEntry implements platform.SyscallPatcher.
func (c *context) FastSyscallEntry() uint64 { return sym_fast_entry }

// initFast sets up the fast frame of a new thread from the signal frame
// of its first trap: the segment word and FP layout the kernel uses. It
// reports whether the thread can take fast calls; it cannot if the
// kernel's XSAVE area does not fit the fast frame.
func (th *thread) initFast() bool {
	uc, _, err := th.frame()
	if err != nil {
		return false
	}
	off, size, features, err := th.fpArea()
	if err != nil || features == 0 || size > sigStack-fastFP-4 {
		return false
	}
	m := th.mem
	clear(m[fastUC : fastInfo+128])
	mc := th.mcontext(fastUC)
	mc[18] = th.mcontext(uc)[18] // cs, gs, fs, ss
	mc[23] = th.base + fastFP
	le := binary.LittleEndian
	le.PutUint32(m[fastInfo:], 31) // si_signo: SIGSYS
	le.PutUint32(m[fastInfo+siCode:], 1)
	copy(m[fastFP:fastFP+size], m[off:off+size])
	le.PutUint32(m[fastFP+size:], fpMagic2)
	atomic.StoreUint32(&th.h.fpdirty, 0)
	th.h.xmask = features
	return true
}

// fastFrame reports whether the last event came through the fast path.
func (th *thread) fastFrame() bool { return th.h.uctx == th.base+fastUC }

// mapThread enters the thread in the thread map, where the fast path
// finds its slot, and reports whether it fits there.
func (p *Platform) mapThread(th *thread) bool {
	if th.tid <= 0 || th.tid >= tidmapMax {
		return false
	}
	binary.LittleEndian.PutUint16(p.msg[tidmapOff+2*th.tid:], uint16(th.slot.idx))
	return true
}
