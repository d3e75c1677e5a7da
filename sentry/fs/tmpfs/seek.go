package tmpfs

import "golang.org/x/sys/unix"

// SeekHole implements lseek's SEEK_DATA (hole false) and SEEK_HOLE (hole
// true) at page granularity, as Linux's tmpfs: a page the file holds is
// data, a missing one (never written, or punched out) a hole, and the end
// of the file is a hole too. off at or past the end is ENXIO.
func (f *regFile) SeekHole(off int64, hole bool) (int64, error) {
	in := f.in
	in.mu.Lock()
	defer in.mu.Unlock()
	size := in.size
	if off < 0 || off >= size {
		return 0, unix.ENXIO
	}
	idx := uint64(off) / pageSize
	if hole {
		for {
			if _, ok := in.pages[idx]; !ok {
				break
			}
			idx++
		}
		return min(max(off, int64(idx*pageSize)), size), nil
	}
	if _, ok := in.pages[idx]; ok {
		return off, nil
	}
	next, found := uint64(0), false
	for i := range in.pages {
		if i > idx && (!found || i < next) {
			next, found = i, true
		}
	}
	if !found || int64(next*pageSize) >= size {
		return 0, unix.ENXIO
	}
	return int64(next * pageSize), nil
}
