package ipc

import (
	"sync"

	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/memfile"
	"github.com/moat-dev/moat/sentry/mm"
)

// NewNamespace returns an empty IPC namespace whose segments take their
// pages from mf. mms lists the address spaces that may attach segments;
// it may be nil, and then segments count no attachments.
func NewNamespace(mf *memfile.File, mms MMs) *Namespace {
	ns := &Namespace{}
	ns.shm.reg = newRegistry[*Shm](SHMMNI)
	ns.shm.mf = mf
	ns.shm.mms = mms
	ns.sem.reg = newRegistry[*semSet](SEMMNI)
	ns.msg.reg = newRegistry[*msgQueue](MSGMNI)
	return ns
}

var (
	nsMu       sync.Mutex
	namespaces = map[*kernel.Kernel]*Namespace{}
)

func init() {
	kernel.SetIPCExitHook(func(k *kernel.Kernel, tg *kernel.ThreadGroup) {
		nsMu.Lock()
		ns := namespaces[k]
		nsMu.Unlock()
		if ns != nil {
			ns.ExitProcess(tg, tg.ID)
		}
	})
}

// NamespaceFor returns the IPC namespace of kernel k, creating it on
// first use.
func NamespaceFor(k *kernel.Kernel) *Namespace {
	nsMu.Lock()
	defer nsMu.Unlock()
	ns := namespaces[k]
	if ns == nil {
		ns = NewNamespace(k.MemFile, kernelMMs(k))
		namespaces[k] = ns
	}
	return ns
}

// kernelMMs lists every address space of k: those of live tasks.
func kernelMMs(k *kernel.Kernel) MMs {
	return func(yield func(*mm.MemoryManager)) {
		seen := make(map[*mm.MemoryManager]bool)
		for _, tg := range k.ThreadGroups() {
			for _, t := range tg.Tasks() {
				m := t.MM()
				if m == nil || seen[m] {
					continue
				}
				seen[m] = true
				yield(m)
			}
		}
	}
}
