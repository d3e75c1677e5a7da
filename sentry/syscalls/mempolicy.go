package syscalls

import (
	"encoding/binary"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/mm"
)

// The NUMA memory policy calls. The sandbox shows one node, node 0,
// which holds every CPU and all memory (/sys/devices/system/node): a
// policy can only name it, every page is on it, and a move or migration
// has nothing to do. The calls check what Linux checks and keep the
// policies, which get_mempolicy reports back, so that libnuma, numactl
// and the programs built on them find a working NUMA system of one node.

func init() {
	register(abi.SysSetMempolicy, sysSetMempolicy)
	register(abi.SysGetMempolicy, sysGetMempolicy)
	register(abi.SysMbind, sysMbind)
	register(abi.SysSetMempolicyHomeNode, sysSetMempolicyHomeNode)
	register(abi.SysMigratePages, sysMigratePages)
	register(abi.SysMovePages, sysMovePages)
}

// Policy modes and mode flags (linux/mempolicy.h).
const (
	mpolDefault            = 0
	mpolPreferred          = 1
	mpolBind               = 2
	mpolInterleave         = 3
	mpolLocal              = 4
	mpolPreferredMany      = 5
	mpolWeightedInterleave = 6
	mpolMax                = 7

	mpolFStaticNodes   = 1 << 15
	mpolFRelativeNodes = 1 << 14
	mpolFNumaBalancing = 1 << 13
	mpolModeFlags      = mpolFStaticNodes | mpolFRelativeNodes | mpolFNumaBalancing

	// get_mempolicy flags.
	mpolFNode        = 1
	mpolFAddr        = 2
	mpolFMemsAllowed = 4

	// mbind and move_pages flags.
	mpolMFStrict  = 1
	mpolMFMove    = 2
	mpolMFMoveAll = 4
)

// onlineNodes is the set of nodes the sandbox has: node 0.
var onlineNodes = mm.NodeMask{1}

// splitMode separates a mode argument into its mode and flags, with
// Linux's checks: a known mode, not both static and relative nodes, and
// NUMA balancing only with bind or preferred-many.
func splitMode(arg int32) (mode, flags int, err error) {
	flags = int(arg) & mpolModeFlags
	mode = int(arg) &^ mpolModeFlags
	if mode < 0 || mode >= mpolMax {
		return 0, 0, unix.EINVAL
	}
	if flags&mpolFStaticNodes != 0 && flags&mpolFRelativeNodes != 0 {
		return 0, 0, unix.EINVAL
	}
	if flags&mpolFNumaBalancing != 0 && mode != mpolBind && mode != mpolPreferredMany {
		return 0, 0, unix.EINVAL
	}
	return mode, flags, nil
}

// copyInNodes reads a node mask of maxnode-1 bits (the calls have
// always counted one more than they use) from addr. Bits past the nodes
// a mask can name must be clear; a mask longer than a page is EINVAL.
func copyInNodes(t *task, addr, maxnode uint64) (mm.NodeMask, error) {
	var m mm.NodeMask
	maxnode--
	if maxnode == 0 || addr == 0 {
		return m, nil
	}
	if maxnode > 4096*8 {
		return m, unix.EINVAL
	}
	// The words beyond the mask's reach, from the last down.
	for w := (maxnode - 1) / 64; w >= mm.MaxNodes/64; w-- {
		v, err := copyInU64(t, addr+8*w)
		if err != nil {
			return m, unix.EFAULT
		}
		if v != 0 {
			return m, unix.EINVAL
		}
	}
	n := min(maxnode, mm.MaxNodes)
	words := (n + 63) / 64
	b := make([]byte, 8*words)
	if err := copyIn(t, addr, b); err != nil {
		return m, unix.EFAULT
	}
	for i := range words {
		m[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	if n%64 != 0 {
		m[words-1] &= 1<<(n%64) - 1
	}
	return m, nil
}

// newPolicy makes the policy for a mode, its flags and the caller's
// nodes; nil is the default policy. Nodes the sandbox lacks are dropped
// (or, with relative nodes, folded onto the ones it has), and a policy
// left without a node is EINVAL.
func newPolicy(mode, flags int, nodes mm.NodeMask) (*mm.Policy, error) {
	userNodes := flags&(mpolFStaticNodes|mpolFRelativeNodes) != 0
	switch {
	case mode == mpolDefault:
		if !nodes.Empty() {
			return nil, unix.EINVAL
		}
		return nil, nil
	case mode == mpolPreferred && nodes.Empty():
		// An empty preferred set means local allocation.
		if userNodes {
			return nil, unix.EINVAL
		}
		return &mm.Policy{Mode: mpolLocal, Flags: flags, HomeNode: -1}, nil
	case mode == mpolLocal:
		if !nodes.Empty() || userNodes {
			return nil, unix.EINVAL
		}
		return &mm.Policy{Mode: mpolLocal, Flags: flags, HomeNode: -1}, nil
	case nodes.Empty():
		return nil, unix.EINVAL
	}
	var used mm.NodeMask
	if flags&mpolFRelativeNodes != 0 {
		// Relative node n is the (n mod count)th allowed node: with
		// one node, every one is node 0.
		used = onlineNodes
	} else {
		for i := range used {
			used[i] = nodes[i] & onlineNodes[i]
		}
		if used.Empty() {
			return nil, unix.EINVAL
		}
	}
	p := &mm.Policy{Mode: mode, Flags: flags, Nodes: used, HomeNode: -1}
	if userNodes {
		p.Nodes = nodes
	}
	return p, nil
}

// set_mempolicy(mode, nodemask, maxnode)
func sysSetMempolicy(t *task, a *args) (uint64, error) {
	mode, flags, err := splitMode(int32(a[0]))
	if err != nil {
		return 0, err
	}
	nodes, err := copyInNodes(t, a[1], a[2])
	if err != nil {
		return 0, err
	}
	p, err := newPolicy(mode, flags, nodes)
	if err != nil {
		return 0, err
	}
	t.SetMemPolicy(p)
	return 0, nil
}

// policyNodes is the node mask get_mempolicy reports for p.
func policyNodes(p *mm.Policy) mm.NodeMask {
	if p == nil || p.Mode == mpolLocal {
		return mm.NodeMask{}
	}
	return p.Nodes
}

// get_mempolicy(mode, nodemask, maxnode, addr, flags)
func sysGetMempolicy(t *task, a *args) (uint64, error) {
	modeAddr, maskAddr, maxnode, addr, flags := a[0], a[1], a[2], a[3], a[4]
	if maskAddr != 0 && maxnode < 1 {
		return 0, unix.EINVAL
	}
	if flags&^(mpolFNode|mpolFAddr|mpolFMemsAllowed) != 0 {
		return 0, unix.EINVAL
	}
	var mode int
	var nodes mm.NodeMask
	switch {
	case flags&mpolFMemsAllowed != 0:
		if flags&(mpolFNode|mpolFAddr) != 0 {
			return 0, unix.EINVAL
		}
		nodes = onlineNodes
	default:
		p := t.MemPolicy()
		if flags&mpolFAddr != 0 {
			var err error
			if p, err = t.MM().PolicyAt(addr); err != nil {
				return 0, err
			}
		} else if addr != 0 {
			return 0, unix.EINVAL
		}
		switch {
		case flags&mpolFNode != 0 && flags&mpolFAddr != 0:
			// The node of the page at addr, which is brought in
			// as a read would bring it: node 0.
			if t.MM().HandleFault(addr, false) != nil {
				return 0, unix.EFAULT
			}
			mode = 0
		case flags&mpolFNode != 0:
			// The node the thread's next interleaved page goes to.
			if p == nil || (p.Mode != mpolInterleave && p.Mode != mpolWeightedInterleave) {
				return 0, unix.EINVAL
			}
			mode = 0
		case p != nil:
			mode = p.Mode | p.Flags
		}
		nodes = policyNodes(p)
	}
	if modeAddr != 0 {
		if err := copyOutU32(t, modeAddr, uint32(int32(mode))); err != nil {
			return 0, err
		}
	}
	if maskAddr != 0 {
		return 0, copyOutNodes(t, maskAddr, maxnode, &nodes)
	}
	return 0, nil
}

// copyOutNodes writes a node mask for a caller that gave maxnode
// (counted, as on input, one more than it uses) to addr: the words that
// can name the sandbox's nodes, and zeros for the rest of a mask of up
// to a page.
func copyOutNodes(t *task, addr, maxnode uint64, nodes *mm.NodeMask) error {
	size := (maxnode - 1 + 63) / 64 * 8
	const have = 8 // one word names every node there is
	if size > have {
		if size > 4096 {
			return unix.EINVAL
		}
		if err := copyOut(t, addr+have, make([]byte, size-have)); err != nil {
			return err
		}
		size = have
	}
	var b [have]byte
	binary.LittleEndian.PutUint64(b[:], nodes[0])
	return copyOut(t, addr, b[:size])
}

// mbind(addr, len, mode, nodemask, maxnode, flags)
func sysMbind(t *task, a *args) (uint64, error) {
	start, length, flags := a[0], a[1], a[5]
	mode, mflags, err := splitMode(int32(a[2]))
	if err != nil {
		return 0, err
	}
	nodes, err := copyInNodes(t, a[3], a[4])
	if err != nil {
		return 0, err
	}
	if uint32(flags)&^(mpolMFStrict|mpolMFMove|mpolMFMoveAll) != 0 {
		return 0, unix.EINVAL
	}
	if uint32(flags)&mpolMFMoveAll != 0 && !t.Creds().HasCap(kernel.CapSysNice) {
		return 0, unix.EPERM
	}
	end, err := policyRange(start, length)
	if err != nil || end == start {
		return 0, err
	}
	p, err := newPolicy(mode, mflags, nodes)
	if err != nil {
		return 0, err
	}
	// Every page is on node 0, which the policy includes: none is
	// misplaced (MPOL_MF_STRICT) or to be moved (MPOL_MF_MOVE*). The
	// default policy may span holes.
	return 0, t.MM().SetPolicy(start, end, p, p == nil)
}

// policyRange checks an mbind-style range: start page aligned and the
// length, rounded up to pages, not wrapping. It returns the range's end.
func policyRange(start, length uint64) (uint64, error) {
	if mm.PageRoundDown(start) != start {
		return 0, unix.EINVAL
	}
	end := start + mm.PageRoundUp(length)
	if end < start {
		return 0, unix.EINVAL
	}
	return end, nil
}

// set_mempolicy_home_node(start, len, home_node, flags)
func sysSetMempolicyHomeNode(t *task, a *args) (uint64, error) {
	start, length, home, flags := a[0], a[1], a[2], a[3]
	if mm.PageRoundDown(start) != start || flags != 0 {
		return 0, unix.EINVAL
	}
	if home >= mm.MaxNodes || !onlineNodes.Has(int(home)) {
		return 0, unix.EINVAL
	}
	end, err := policyRange(start, length)
	if err != nil || end == start {
		return 0, err
	}
	canHome := func(p *mm.Policy) bool { return p.Mode == mpolBind || p.Mode == mpolPreferredMany }
	return 0, t.MM().SetHomeNode(start, end, int(home), canHome)
}

// memoryTarget finds the process whose pages migrate_pages or
// move_pages is about (pid 0: the caller), which the caller must be
// allowed to trace, and which must still have its memory.
func memoryTarget(t *task, pid int32) (*kernel.Task, error) {
	target, err := traceableTask(t, pid)
	if err != nil {
		return nil, err
	}
	if target.MM() == nil {
		return nil, unix.EINVAL
	}
	return target, nil
}

// migrate_pages(pid, maxnode, old_nodes, new_nodes)
func sysMigratePages(t *task, a *args) (uint64, error) {
	if _, err := copyInNodes(t, a[2], a[1]); err != nil {
		return 0, err
	}
	to, err := copyInNodes(t, a[3], a[1])
	if err != nil {
		return 0, err
	}
	if _, err := memoryTarget(t, int32(a[0])); err != nil {
		return 0, err
	}
	var usable mm.NodeMask
	outside := false
	for i := range to {
		usable[i] = to[i] & onlineNodes[i]
		outside = outside || to[i] != usable[i]
	}
	if outside && !t.Creds().HasCap(kernel.CapSysNice) {
		return 0, unix.EPERM
	}
	if usable.Empty() {
		return 0, unix.EINVAL
	}
	// Every page is on node 0 already: none is left unmoved.
	return 0, nil
}

// move_pages(pid, count, pages, nodes, status, flags)
func sysMovePages(t *task, a *args) (uint64, error) {
	count, pages, nodes, status, flags := a[1], a[2], a[3], a[4], a[5]
	if flags&^(mpolMFMove|mpolMFMoveAll) != 0 {
		return 0, unix.EINVAL
	}
	if flags&mpolMFMoveAll != 0 && !t.Creds().HasCap(kernel.CapSysNice) {
		return 0, unix.EPERM
	}
	target, err := memoryTarget(t, int32(a[0]))
	if err != nil {
		return 0, err
	}
	tm := target.MM()
	for i := range count {
		page, err := copyInU64(t, pages+8*i)
		if err != nil {
			return 0, err
		}
		if nodes != 0 {
			node, err := copyInU32(t, nodes+4*i)
			if err != nil {
				return 0, err
			}
			// Linux answers a node it has no memory on, or no
			// such node at all, with ENODEV, and stops there.
			if !onlineNodes.Has(int(int32(node))) {
				return 0, unix.ENODEV
			}
		}
		// A page in memory is on node 0, where a move leaves it.
		st := int32(0)
		if err := tm.PagePresent(page); err != nil {
			st = -int32(err.(unix.Errno))
		}
		if err := copyOutU32(t, status+4*i, uint32(st)); err != nil {
			return 0, err
		}
	}
	return 0, nil
}
