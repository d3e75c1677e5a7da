package mm

// Mappables whose pages can go away (a tmpfs file that is truncated) tell
// the memory managers that map them, so that the pages past the new end
// are unmapped and the next access faults, as Linux's
// unmap_mapping_range: SIGBUS past the end of the file.

// MapperTracker is implemented by Mappables that must learn which memory
// managers map them. AddMapper may be called more than once for one
// memory manager.
type MapperTracker interface {
	AddMapper(mm *MemoryManager)
}

// AddMapperTo adds mm to set, a MapperTracker's memory managers, made if
// nil. Each time the set reaches a power of two from 16 up, the memory
// managers released since (processes that exited) are dropped first: a
// file every process maps, such as a shared library, would otherwise keep
// every address space that ever mapped it.
func AddMapperTo(set map[*MemoryManager]struct{}, mm *MemoryManager) map[*MemoryManager]struct{} {
	if set == nil {
		set = make(map[*MemoryManager]struct{})
	}
	if n := len(set); n >= 16 && n&(n-1) == 0 {
		for m := range set {
			if m.released.Load() {
				delete(set, m)
			}
		}
	}
	set[mm] = struct{}{}
	return set
}

// track registers mm with obj if obj wants to know.
func (mm *MemoryManager) track(obj Mappable) {
	if t, ok := obj.(MapperTracker); ok {
		t.AddMapper(mm)
	}
}

// InvalidateFrom unmaps every page of obj at object offset off or above
// from mm, shared and private copies alike, so that the next access
// faults again. It reports whether mm still maps obj at all; the caller
// may forget mm if not. obj must be of a comparable type.
func (mm *MemoryManager) InvalidateFrom(obj Mappable, off uint64) bool {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	maps := false
	for _, v := range mm.vmas {
		if v.Obj == nil || v.Obj != obj {
			continue
		}
		maps = true
		start := v.Start
		if off > v.Off {
			if off-v.Off >= v.End-v.Start {
				continue
			}
			start = v.Start + PageRoundUp(off-v.Off)
		}
		if start >= v.End {
			continue
		}
		mm.dropPages(start, v.End)
		mm.unmapHost(start, v.End)
	}
	return maps
}
