package tmpfs

import (
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/mm"
)

// File seals (memfd_create(2), fcntl(2) F_ADD_SEALS): restrictions a
// shmem file takes on for good. Every tmpfs file starts with F_SEAL_SEAL
// (no seals can be added); a memfd made with MFD_ALLOW_SEALING starts with
// none.
const (
	SealSeal        = unix.F_SEAL_SEAL
	SealShrink      = unix.F_SEAL_SHRINK
	SealGrow        = unix.F_SEAL_GROW
	SealWrite       = unix.F_SEAL_WRITE
	SealFutureWrite = unix.F_SEAL_FUTURE_WRITE

	// knownSeals are the seals the sentry enforces. F_SEAL_EXEC (which
	// freezes the mode's execute bits) is not one of them, so adding it
	// is EINVAL, as on Linux before 6.3.
	knownSeals = SealSeal | SealShrink | SealGrow | SealWrite | SealFutureWrite

	writeSeals = SealWrite | SealFutureWrite
)

// AllowSealing clears the initial F_SEAL_SEAL (MFD_ALLOW_SEALING).
func (in *Inode) AllowSealing() {
	in.mu.Lock()
	in.sealable = true
	in.mu.Unlock()
}

// sealsLocked returns the file's seals. in.mu must be held.
func (in *Inode) sealsLocked() uint32 {
	if !in.sealable {
		return in.seals | SealSeal
	}
	return in.seals
}

// Seals returns the file's seals (F_GET_SEALS).
func (in *Inode) Seals() uint32 {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.sealsLocked()
}

// AddSeals adds seals (F_ADD_SEALS): EINVAL for unknown bits, EPERM once
// F_SEAL_SEAL is set, EBUSY for F_SEAL_WRITE while a shared mapping may
// write the file.
func (in *Inode) AddSeals(seals uint32) error {
	if seals&^knownSeals != 0 {
		return unix.EINVAL
	}
	in.mu.Lock()
	cur := in.sealsLocked()
	var mappers []*mm.MemoryManager
	for m := range in.mappers {
		mappers = append(mappers, m)
	}
	in.mu.Unlock()
	if cur&SealSeal != 0 {
		return unix.EPERM
	}
	if seals&SealWrite != 0 && cur&SealWrite == 0 {
		// Linux's mapping_deny_writable: no VM_SHARED|VM_MAYWRITE
		// mapping may exist. (Mappers are looked at without in.mu:
		// mm takes in.mu under its own lock when it faults.)
		self := mm.Mappable(mappable{in})
		for _, m := range mappers {
			for _, v := range m.VMAs() {
				if v.Obj == self && !v.Private && v.MaxPerms.Write {
					return unix.EBUSY
				}
			}
		}
	}
	in.mu.Lock()
	in.seals |= seals
	in.mu.Unlock()
	return nil
}

// WriteSealed reports whether writes are sealed (F_SEAL_WRITE or
// F_SEAL_FUTURE_WRITE): mmap refuses shared writable mappings then.
func (in *Inode) WriteSealed() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.seals&writeSeals != 0
}

// sealedWriteLen returns how many of n bytes at off a write may store
// under the seals, or EPERM if none. Linux checks each page-sized piece:
// with F_SEAL_GROW the piece that would pass the end fails, so a write
// across the end is short. in.mu must be held.
func (in *Inode) sealedWriteLen(off int64, n int) (int, error) {
	if in.seals&writeSeals != 0 {
		return 0, unix.EPERM
	}
	if in.seals&SealGrow != 0 && off+int64(n) > in.size {
		// The pieces before the page holding the end are stored.
		ok := in.size &^ (pageSize - 1)
		if ok <= off {
			return 0, unix.EPERM
		}
		return int(ok - off), nil
	}
	return n, nil
}

// sealedResize checks a change of size to size against the seals. in.mu
// must be held.
func (in *Inode) sealedResize(size int64) error {
	if size < in.size && in.seals&SealShrink != 0 || size > in.size && in.seals&SealGrow != 0 {
		return unix.EPERM
	}
	return nil
}
