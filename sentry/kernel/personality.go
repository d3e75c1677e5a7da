package kernel

// Personality flags (personality(2)) that exec clears.
const (
	// PerReadImpliesExec makes PROT_READ mappings executable. Linux
	// clears it on every exec of a 64-bit program.
	PerReadImpliesExec = 0x0400000
	// PerAddrNoRandomize turns off address space randomization.
	PerAddrNoRandomize  = 0x0040000
	perAddrCompatLayout = 0x0200000
	perMmapPageZero     = 0x0100000
	// perClearOnSetID are the flags Linux drops when exec runs a
	// set-user-ID or set-group-ID program (PER_CLEAR_ON_SETID).
	perClearOnSetID = PerReadImpliesExec | PerAddrNoRandomize | perAddrCompatLayout | perMmapPageZero
)

// Personality returns the thread's execution domain and flags. Like
// Linux's task_struct field, it belongs to the thread and passes to the
// threads and processes it creates.
func (t *Task) Personality() uint32 { return t.persona.Load() }

// SetPersonality sets the thread's execution domain and flags.
func (t *Task) SetPersonality(p uint32) { t.persona.Store(p) }

// execPersonality is what the personality becomes across an exec of a
// 64-bit program: READ_IMPLIES_EXEC goes, and for a set-ID program the
// flags that could weaken it go too.
func execPersonality(p uint32, setID bool) uint32 {
	p &^= PerReadImpliesExec
	if setID {
		p &^= perClearOnSetID
	}
	return p
}
