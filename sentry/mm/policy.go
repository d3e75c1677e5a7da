package mm

import "golang.org/x/sys/unix"

// MaxNodes is the number of NUMA node IDs a node mask can name, as in
// the kernels distributions build (CONFIG_NODES_SHIFT=10).
const MaxNodes = 1024

// NodeMask is a set of NUMA node IDs, in the layout of the kernel's
// nodemask_t: bit n of word n/64 is node n.
type NodeMask [MaxNodes / 64]uint64

// Has reports whether node n is in the mask.
func (m *NodeMask) Has(n int) bool { return n >= 0 && n < MaxNodes && m[n/64]&(1<<(n%64)) != 0 }

// Empty reports whether the mask names no node.
func (m *NodeMask) Empty() bool { return *m == NodeMask{} }

// Policy is a NUMA memory policy, set for a thread by set_mempolicy(2)
// or for a range by mbind(2). The sandbox has one node, which every
// policy it accepts includes, so a policy changes no placement; it is
// kept so that get_mempolicy(2) reports what was set, and it follows
// its range through splits, merges, mremap and fork as Linux's does. A
// Policy is never changed once made: VMAs and tasks share it.
type Policy struct {
	// Mode is the MPOL_* mode, and Flags the MPOL_F_* mode flags the
	// caller gave with it.
	Mode, Flags int
	// Nodes is the node mask get_mempolicy reports: the caller's own
	// with MPOL_F_STATIC_NODES or MPOL_F_RELATIVE_NODES, else the
	// nodes the policy uses.
	Nodes NodeMask
	// HomeNode is set by set_mempolicy_home_node(2), -1 before.
	HomeNode int
}

// samePolicy reports whether two VMAs' policies are alike (nil is the
// default), so that the VMAs may merge.
func samePolicy(a, b *Policy) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// SetPolicy gives [start, end) the policy p (nil: none, so that the
// thread's applies), as mbind(2) does. The range must be mapped
// throughout unless holeOK, and must meet at least one mapping: EFAULT
// otherwise, with nothing changed.
func (mm *MemoryManager) SetPolicy(start, end uint64, p *Policy, holeOK bool) error {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	i := mm.findVMA(start)
	if i == len(mm.vmas) || mm.vmas[i].Start >= end {
		return unix.EFAULT
	}
	if !holeOK && !mm.mappedLocked(start, end) {
		return unix.EFAULT
	}
	mm.splitAt(start)
	mm.splitAt(end)
	for i := mm.findVMA(start); i < len(mm.vmas) && mm.vmas[i].Start < end; i++ {
		mm.vmas[i].Policy = p
	}
	mm.mergeAround(start, end)
	return nil
}

// SetHomeNode sets the home node of the policies of the mappings in
// [start, end), as set_mempolicy_home_node(2) does: mappings without a
// policy are passed over, and one whose policy is neither bind nor
// preferred-many stops the call with EOPNOTSUPP (the mappings before it
// keep their change). It is ENOENT when no mapping had a policy.
func (mm *MemoryManager) SetHomeNode(start, end uint64, node int, canHome func(*Policy) bool) error {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	err := error(unix.ENOENT)
	for a := start; a < end; {
		i := mm.findVMA(a)
		if i == len(mm.vmas) || mm.vmas[i].Start >= end {
			break
		}
		v := mm.vmas[i]
		a = min(v.End, end)
		if v.Policy == nil {
			continue
		}
		if !canHome(v.Policy) {
			err = unix.EOPNOTSUPP
			break
		}
		np := *v.Policy
		np.HomeNode = node
		lo := max(v.Start, start)
		mm.splitAt(lo)
		mm.splitAt(a)
		mm.vmas[mm.findVMA(lo)].Policy = &np
		err = nil
	}
	mm.mergeAround(start, end)
	return err
}

// PolicyAt returns the policy of the mapping that holds addr (nil for
// none); EFAULT if no mapping does.
func (mm *MemoryManager) PolicyAt(addr uint64) (*Policy, error) {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	v := mm.vmaAt(addr)
	if v == nil {
		return nil, unix.EFAULT
	}
	return v.Policy, nil
}

// PagePresent reports whether the page holding addr is in memory for
// this address space, as move_pages(2) asks: EFAULT if addr is not
// mapped, ENOENT if the page is not there.
func (mm *MemoryManager) PagePresent(addr uint64) error {
	mm.mu.Lock()
	defer mm.mu.Unlock()
	v := mm.vmaAt(addr)
	if v == nil {
		return unix.EFAULT
	}
	if !mm.residentLocked(v, PageRoundDown(addr)) {
		return unix.ENOENT
	}
	return nil
}
