package mm

import "github.com/moat-dev/moat/sentry/memfile"

// MemFile returns the memory file that backs the address space's pages
// (the vDSO puts its pages there).
func (mm *MemoryManager) MemFile() *memfile.File { return mm.mf }
