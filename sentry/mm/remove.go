package mm

import (
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/memfile"
)

// MAdviseRemove implements MADV_REMOVE: the pages of [addr, addr+length)
// read as zeros afterwards, through every mapping of the object and (for
// a file) through read, as when Linux punches a hole in the backing
// shmem file. The memory is cleared rather than freed. Only shared
// mappings that may be writable qualify (EACCES otherwise); private
// anonymous and mlocked memory is EINVAL; a hole in the range ENOMEM.
func (mm *MemoryManager) MAdviseRemove(addr, length uint64) error {
	end := PageRoundUp(addr + length)
	if addr&pageMask != 0 || end < addr {
		return unix.EINVAL
	}
	mm.mu.Lock()
	defer mm.mu.Unlock()
	return mm.walkLocked(addr, end, func(v *VMA, a, e uint64) error {
		if v.Locked || v.Obj == nil {
			return unix.EINVAL
		}
		if v.Private || !v.MaxPerms.Write {
			return unix.EACCES
		}
		for p := a; p < e; p += memfile.PageSize {
			off, err := v.Obj.Page(v.Off + p - v.Start)
			if err != nil {
				// Past the end of the file: nothing there.
				break
			}
			clear(mm.mf.Bytes(off, memfile.PageSize))
		}
		return nil
	})
}
