package systrap

import (
	"encoding/binary"
	"fmt"
	"unsafe"
)

//go:generate sh stub/gen.sh

// The stub's layout, as in stub/layout.h. checkLayout compares it with the
// copy compiled into the blob.
const (
	// StubAddr is the start of the stub's region; application memory
	// ends here.
	StubAddr = 0x7fffc0000000
	stubEnd  = 0x7ffffffff000
	codeAddr = StubAddr + 0x1000
	codeSize = 0x3000
	slotBase = StubAddr + 0x10000
	slotSize = 0x8000
	slotHdr  = 0x1000
	// maxSlots bounds the slots (stub threads) of one address space,
	// its control slot included.
	maxSlots = (tidmapAddr - slotBase) / slotSize

	// The thread map (see layout.h): a u16 slot index per thread ID.
	tidmapMax  = 0x400000
	tidmapSize = 2 * tidmapMax
	tidmapAddr = stubEnd - tidmapSize
	tidmapOff  = sysmsgSize - tidmapSize
	fastSkip   = 256

	// The FS map (see layout.h and fsmap.go).
	fsmapOff  = 0x4400
	fsmapBits = 9
	fsmapN    = 1 << fsmapBits
	fsmapMul  = 0x9e3779b97f4a7c15

	sysmsgFD = 1
	memFD    = 0

	slFprog      = 0x100
	slFilter     = 0x200
	threadStack  = 0x1000
	stStub       = 1
	stSentry     = 2
	cmdRun       = 1
	cmdSyscall   = 2
	cmdExit      = 3
	cmdNewThread = 4
	cmdFork      = 5
	cmdBatch     = 6

	slBatch    = 0x400
	batchWords = 8
	batchMax   = 256

	threadBatchMax = 40
	pendingRunning = 0xffffffff

	threadCloneFlags = 0x240f11
	forkCloneFlags   = 17
	cloneParentFlag  = 0x8000
	noMap            = ^uint64(0)

	// The fast path (see layout.h).
	sigStack  = 0x4000
	fastUC    = 0x1000
	fastInfo  = 0x1140
	fastStack = 0x1800
	fastFP    = 0x1800
)

// slotHeader is the start of a slot, shared with the stub (struct slot in
// stub.c). The application can write it too: nothing read from it is
// trusted beyond the bounds checks of its users.
type slotHeader struct {
	state         uint32
	stubWaiting   uint32
	sentryWaiting uint32
	tid           uint32
	cmd           uint64
	rax           uint64 // a fast-path call's rax (SL_RAX in layout.h)
	sysno         uint64
	args          [6]uint64
	ret           uint64
	signo         uint64
	info          uint64
	uctx          uint64
	fsbase        uint64
	gsbase        uint64
	setbase       uint64
	spin          uint64
	nospin        uint32
	pending       uint32
	fpdirty       uint32
	_             uint32
	xmask         uint64
	_             [2]uint64
	inFast        uint32 // the stub's alone (see SL_INFAST)
	byTID         uint32 // fast calls that missed the FS map (SL_BYTID)
	stash         uint64 // the stub's (SL_STASH)
}

func checkLayout() error {
	want := []uint64{
		0x6d6f61747374756b, StubAddr, stubEnd, codeAddr, codeSize, slotBase, slotSize, slotHdr,
		uint64(unsafe.Offsetof(slotHeader{}.state)), uint64(unsafe.Offsetof(slotHeader{}.cmd)),
		uint64(unsafe.Offsetof(slotHeader{}.args)), uint64(unsafe.Offsetof(slotHeader{}.ret)),
		uint64(unsafe.Offsetof(slotHeader{}.signo)), uint64(unsafe.Offsetof(slotHeader{}.uctx)),
		uint64(unsafe.Offsetof(slotHeader{}.setbase)), uint64(unsafe.Offsetof(slotHeader{}.spin)),
		slFprog, slFilter, threadStack, stStub, stSentry, cmdRun, cmdSyscall, cmdExit, cmdNewThread, cmdFork,
		threadCloneFlags, forkCloneFlags, uint64(unsafe.Offsetof(slotHeader{}.tid)), noMap,
		uint64(unsafe.Offsetof(slotHeader{}.nospin)), cloneParentFlag,
		cmdBatch, slBatch, batchWords, batchMax, uint64(unsafe.Offsetof(slotHeader{}.pending)),
		threadBatchMax, pendingRunning,
		uint64(unsafe.Offsetof(slotHeader{}.fpdirty)), uint64(unsafe.Offsetof(slotHeader{}.xmask)),
		sigStack, fastUC, fastInfo, fastStack, fastFP,
		tidmapMax, tidmapAddr, tidmapOff, fastSkip, uint64(unsafe.Offsetof(slotHeader{}.inFast)),
		uint64(unsafe.Offsetof(slotHeader{}.byTID)), maxSlots, fsmapOff, fsmapBits, fsmapMul,
		uint64(unsafe.Offsetof(slotHeader{}.stash)),
	}
	if sym_stub_layout < codeAddr || sym_stub_layout-codeAddr+8*uint64(len(want)) > uint64(len(stubBlob)) {
		return fmt.Errorf("systrap: stub layout table out of range")
	}
	b := stubBlob[sym_stub_layout-codeAddr:]
	for i, w := range want {
		if got := binary.LittleEndian.Uint64(b[8*i:]); got != w {
			return fmt.Errorf("systrap: stub blob layout word %d is %#x, sentry has %#x: run go generate", i, got, w)
		}
	}
	return nil
}
