package mm

// Usage is what one mapping holds in memory, for /proc/[pid]/smaps. Page
// counts are in pages; the proportional sizes are in bytes, each page
// divided among the address spaces that hold a reference to it.
//
// A page of the address space's own (anonymous, or copied on write) is
// dirty, and shared while a fork left another reference to it. A page of
// a mapped object is clean unless the object is shared memory, and counts
// as shared in a shared mapping; the sentry does not count the address
// spaces that map an object's page, so such a page is not divided.
type Usage struct {
	VMA
	Rss, Anon                  uint64
	SharedClean, SharedDirty   uint64
	PrivateClean, PrivateDirty uint64
	Pss, PssDirty              uint64
	PssAnon, PssFile, PssShmem uint64
}

// Usage returns each mapping's usage, in address order.
func (mm *MemoryManager) Usage() []Usage {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	out := make([]Usage, len(mm.vmas))
	for i, v := range mm.vmas {
		u := &out[i]
		u.VMA = *v
		_, shmem := v.Obj.(ShmemMappable)
		mm.pages.each(v.Start/pageSize, v.End/pageSize, func(_ uint64, p *pte) bool {
			u.Rss++
			if p.owned || v.Obj == nil {
				refs := uint64(max(mm.mf.Refs(p.off), 1))
				pss := pageSize / refs
				u.Anon++
				u.Pss += pss
				u.PssDirty += pss
				u.PssAnon += pss
				if refs > 1 {
					u.SharedDirty++
				} else {
					u.PrivateDirty++
				}
				return true
			}
			u.Pss += pageSize
			switch {
			case shmem:
				u.PssShmem += pageSize
				u.PssDirty += pageSize
				if v.Private {
					u.PrivateDirty++
				} else {
					u.SharedDirty++
				}
			default:
				u.PssFile += pageSize
				if v.Private {
					u.PrivateClean++
				} else {
					u.SharedClean++
				}
			}
			return true
		})
	}
	return out
}
