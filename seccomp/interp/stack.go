package interp

import "github.com/moat-dev/moat/seccomp/bpf"

// CacheSize bounds the syscall numbers whose verdicts a Stack caches; it
// covers every amd64 syscall.
const CacheSize = 512

// MaxPathInstructions bounds the instructions of a stack, each filter
// counted with a penalty of 4 (Linux's MAX_INSNS_PER_PATH).
const MaxPathInstructions = (1 << 18) / bpf.InstructionSize

// Stack is the stack of seccomp filters of a task. It is immutable:
// Push returns a new stack that shares the old one, so that threads and
// children share their filters as they do on Linux.
//
// For each syscall number below CacheSize, a stack remembers its verdict
// for the native architecture if no filter looks at anything but the
// number and the architecture for it (as Linux's action cache does, but
// for every action, not only ALLOW).
type Stack struct {
	prog  *Program
	prev  *Stack
	log   bool
	insns int
	arch  uint32

	cached [CacheSize]uint32
	known  [CacheSize / 64]uint64
}

// Push returns s with prog on top. log is SECCOMP_FILTER_FLAG_LOG. arch
// is the architecture verdicts are cached for. s may be nil.
func (s *Stack) Push(prog *Program, log bool, arch uint32) *Stack {
	n := &Stack{prog: prog, prev: s, log: log, insns: prog.Len(), arch: arch}
	if s != nil {
		n.insns += s.insns + 4
	}
	for nr := range n.cached {
		r, ok := prog.ConstResult(int32(nr), arch)
		if !ok {
			continue
		}
		// Evaluation starts from ALLOW and takes a result only if it is
		// strictly lower, newest filter first.
		if !Lower(r, bpf.RetAllow) {
			r = bpf.RetAllow
		}
		if s != nil {
			if s.arch != arch || !s.isKnown(nr) {
				continue
			}
			if p := s.cached[nr]; Lower(p, r) {
				r = p
			}
		}
		n.cached[nr] = r
		n.known[nr/64] |= 1 << (nr % 64)
	}
	return n
}

func (s *Stack) isKnown(nr int) bool { return s.known[nr/64]&(1<<(nr%64)) != 0 }

// Instructions counts the instructions of the stack with Linux's
// penalty of 4 for each filter below the top one.
func (s *Stack) Instructions() int {
	if s == nil {
		return 0
	}
	return s.insns
}

// Contains reports whether a is s or a stack below it.
func (s *Stack) Contains(a *Stack) bool {
	for ; s != nil; s = s.prev {
		if s == a {
			return true
		}
	}
	return false
}

// Run returns the verdict of the stack for d: of all the filters'
// results, the one with the lowest action, the newest filter's on a tie.
// log reports whether the deciding filter was installed with
// SECCOMP_FILTER_FLAG_LOG (unknown for cached verdicts: false).
func (s *Stack) Run(d *Data) (ret uint32, log bool) {
	if nr := uint32(d.Nr); nr < CacheSize && d.Arch == s.arch && s.isKnown(int(nr)) {
		return s.cached[nr], false
	}
	return s.RunAll(d)
}

// RunAll is Run without the cache.
func (s *Stack) RunAll(d *Data) (ret uint32, log bool) {
	ret = bpf.RetAllow
	for f := s; f != nil; f = f.prev {
		if r := f.prog.Run(d); Lower(r, ret) {
			ret, log = r, f.log
		}
	}
	return ret, log
}

// Depth returns the number of filters in the stack (/proc's
// Seccomp_filters); 0 for nil.
func (s *Stack) Depth() int {
	n := 0
	for ; s != nil; s = s.prev {
		n++
	}
	return n
}
