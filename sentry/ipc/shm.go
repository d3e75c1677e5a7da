package ipc

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/platform"
	"github.com/moat-dev/moat/sentry/memfile"
	"github.com/moat-dev/moat/sentry/mm"
)

// Shared memory flags and commands (linux/shm.h).
const (
	SHM_HUGETLB   = 0o4000
	SHM_NORESERVE = 0o10000

	SHM_RDONLY = 0o10000
	SHM_RND    = 0o20000
	SHM_REMAP  = 0o40000
	SHM_EXEC   = 0o100000

	SHM_LOCK     = 11
	SHM_UNLOCK   = 12
	SHM_STAT     = 13
	SHM_INFO     = 14
	SHM_STAT_ANY = 15

	// Mode bits of a segment's ipc_perm.
	SHM_DEST   = 0o1000
	SHM_LOCKED = 0o2000
)

// Shared memory limits: Linux's defaults.
const (
	SHMMIN = 1
	SHMMAX = ^uint64(0) - 1<<24
	SHMALL = ^uint64(0) - 1<<24 // in pages
	SHMMNI = 4096
	SHMSEG = SHMMNI
	SHMLBA = memfile.PageSize
)

// shmDev is the device the segments' pseudo-files report in
// /proc/[pid]/maps (00:01, the kernel's shm mount).
const shmDev = 1

// MMs calls yield for every distinct address space of the kernel, so
// that segment attachments can be counted.
type MMs func(yield func(*mm.MemoryManager))

type shmNS struct {
	mu         sync.Mutex
	reg        registry[*Shm]
	totalPages uint64
	mf         *memfile.File
	mms        MMs
}

// Shm is a shared memory segment.
type Shm struct {
	perm                Perm
	size                uint64
	pages               uint64
	cpid, lpid          int32
	atime, dtime, ctime int64
	obj                 *shmObject
}

// shmObject is the mappable memory of a segment. Its pages are freed when
// the object becomes unreachable: once the segment is destroyed and no
// VMA of any address space (including one being forked) refers to it.
type shmObject struct {
	cache *mm.PageCache
	seg   *Shm
	name  string
}

// Page implements mm.Mappable.
func (o *shmObject) Page(off uint64) (uint64, error) { return o.cache.Page(off) }

// Shmem implements mm.ShmemMappable.
func (o *shmObject) Shmem() {}

// Name implements mm.Mappable.
func (o *shmObject) Name() string { return o.name }

// pendingRelease counts the pages of destroyed segments whose memory
// waits for the garbage collector; past gcThreshold a collection is
// started so that the memory file does not fill up with them.
var (
	pendingRelease atomic.Int64
	gcRunning      atomic.Bool
)

const gcThreshold = (256 << 20) / memfile.PageSize

func releaseShmPages(a shmRelease) {
	a.cache.Release()
	pendingRelease.Add(-int64(a.pages))
}

type shmRelease struct {
	cache *mm.PageCache
	pages uint64
}

func noteDestroyed(pages uint64) {
	if pendingRelease.Add(int64(pages)) >= gcThreshold && gcRunning.CompareAndSwap(false, true) {
		go func() {
			runtime.GC()
			gcRunning.Store(false)
		}()
	}
}

// counts returns how many VMAs map each segment: shm_nattch. Linux counts
// one attach per VMA (an attach, a fork's copy, a split); so does this.
// s.mu is held.
func (s *shmNS) counts() map[*Shm]int {
	out := make(map[*Shm]int)
	if s.mms == nil {
		return out
	}
	s.mms(func(m *mm.MemoryManager) {
		for _, v := range m.VMAs() {
			if o, ok := v.Obj.(*shmObject); ok {
				out[o.seg]++
			}
		}
	})
	return out
}

// sweep destroys the segments marked for destruction that no process
// has attached any more. s.mu is held.
func (s *shmNS) sweep(counts map[*Shm]int) {
	var dead []*Shm
	s.reg.each(func(seg *Shm, p *Perm) {
		if p.Mode&SHM_DEST != 0 && counts[seg] == 0 {
			dead = append(dead, seg)
		}
	})
	for _, seg := range dead {
		s.destroy(seg)
	}
}

func (s *shmNS) destroy(seg *Shm) {
	s.reg.remove(&seg.perm)
	seg.perm.removed = true
	s.totalPages -= seg.pages
	noteDestroyed(seg.pages)
}

// Shmget implements shmget(2).
func (ns *Namespace) Shmget(c *Caller, key int32, size uint64, flg int) (int32, error) {
	s := &ns.shm
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(s.counts())
	_, p, create, err := lookupForGet(&s.reg, &c.Creds, key, flg, func(seg *Shm) error {
		if size > seg.size {
			return unix.EINVAL
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if !create {
		return p.id, nil
	}
	if size < SHMMIN || size > SHMMAX {
		return 0, unix.EINVAL
	}
	pages := (size + memfile.PageSize - 1) / memfile.PageSize
	if s.totalPages+pages < s.totalPages || s.totalPages+pages > SHMALL {
		return 0, unix.ENOSPC
	}
	seg := &Shm{size: size, pages: pages, cpid: c.PID, ctime: now()}
	seg.perm = *newPerm(&c.Creds, key, flg)
	if err := s.reg.add(seg, &seg.perm); err != nil {
		return 0, err
	}
	cache := mm.NewPageCache(s.mf, "", nil)
	cache.SetSize(int64(size))
	seg.obj = &shmObject{cache: cache, seg: seg, name: fmt.Sprintf("/SYSV%08x (deleted)", uint32(key))}
	runtime.AddCleanup(seg.obj, releaseShmPages, shmRelease{cache, pages})
	s.totalPages += pages
	return seg.perm.id, nil
}

// Shmat implements shmat(2) in the address space m.
func (ns *Namespace) Shmat(c *Caller, m *mm.MemoryManager, id int32, addr uint64, flg int) (uint64, error) {
	if id < 0 {
		return 0, unix.EINVAL
	}
	fixed := addr != 0
	if fixed {
		if addr&(SHMLBA-1) != 0 {
			if flg&SHM_RND == 0 {
				return 0, unix.EINVAL
			}
			addr &^= SHMLBA - 1
			if addr == 0 && flg&SHM_REMAP != 0 {
				return 0, unix.EINVAL
			}
		}
	} else if flg&SHM_REMAP != 0 {
		return 0, unix.EINVAL
	}
	perms := platform.AccessType{Read: true, Write: true}
	acc := uint32(modeRead | modeWrite)
	if flg&SHM_RDONLY != 0 {
		perms.Write = false
		acc = modeRead
	}
	if flg&SHM_EXEC != 0 {
		perms.Execute = true
		acc |= modeExec
	}
	s := &ns.shm
	s.mu.Lock()
	defer s.mu.Unlock()
	seg, p, err := s.reg.byID(id)
	if err != nil {
		return 0, err
	}
	if !p.allowed(&c.Creds, acc) {
		return 0, unix.EACCES
	}
	length := mm.PageRoundUp(seg.size)
	if fixed && flg&SHM_REMAP == 0 {
		if addr+length < addr {
			return 0, unix.EINVAL
		}
		for _, v := range m.VMAs() {
			if v.Start < addr+length && addr < v.End {
				return 0, unix.EINVAL
			}
		}
	}
	// Linux's shm pseudo-files allow any protection later (mprotect),
	// except writes to a segment attached read-only.
	maxPerms := platform.AccessType{Read: true, Write: flg&SHM_RDONLY == 0, Execute: true}
	got, err := m.MMap(mm.MMapOpts{
		Addr: addr, Length: length, Fixed: fixed,
		Perms: perms, MaxPerms: maxPerms,
		Obj: seg.obj, Dev: shmDev, Ino: uint64(uint32(seg.perm.id)),
	})
	if err != nil {
		return 0, err
	}
	seg.atime = now()
	seg.lpid = c.PID
	return got, nil
}

// Shmdt implements shmdt(2) in the address space m.
func (ns *Namespace) Shmdt(c *Caller, m *mm.MemoryManager, addr uint64) error {
	if addr&(memfile.PageSize-1) != 0 {
		return unix.EINVAL
	}
	s := &ns.shm
	s.mu.Lock()
	defer s.mu.Unlock()
	vmas := m.VMAs()
	i := 0
	for i < len(vmas) && vmas[i].End <= addr {
		i++
	}
	var obj *shmObject
	for ; i < len(vmas); i++ {
		if o, ok := vmas[i].Obj.(*shmObject); ok && vmas[i].Start-addr == vmas[i].Off {
			obj = o
			break
		}
	}
	if obj == nil {
		return unix.EINVAL
	}
	// The VMA found goes, and with it the rest of the attachment: the
	// VMAs of the same segment up to its size, at matching offsets.
	m.MUnmap(vmas[i].Start, vmas[i].End-vmas[i].Start)
	end := addr + mm.PageRoundUp(obj.seg.size)
	for i++; i < len(vmas) && vmas[i].End <= end; i++ {
		v := &vmas[i]
		if v.Obj == mm.Mappable(obj) && v.Start-addr == v.Off {
			m.MUnmap(v.Start, v.End-v.Start)
		}
	}
	obj.seg.dtime = now()
	obj.seg.lpid = c.PID
	s.sweep(s.counts())
	return nil
}

// ShmidDS is struct shmid64_ds.
type ShmidDS struct {
	Perm                Perm
	Segsz               uint64
	Atime, Dtime, Ctime int64
	CPID, LPID          int32
	Nattch              uint64
}

// ShmidDSSize is sizeof(struct shmid64_ds) on amd64.
const ShmidDSSize = 112

// Marshal encodes the struct as the application sees it.
func (d *ShmidDS) Marshal() []byte {
	b := make([]byte, ShmidDSSize)
	le := binary.LittleEndian
	d.Perm.marshal(b)
	le.PutUint64(b[48:], d.Segsz)
	le.PutUint64(b[56:], uint64(d.Atime))
	le.PutUint64(b[64:], uint64(d.Dtime))
	le.PutUint64(b[72:], uint64(d.Ctime))
	le.PutUint32(b[80:], uint32(d.CPID))
	le.PutUint32(b[84:], uint32(d.LPID))
	le.PutUint64(b[88:], d.Nattch)
	return b
}

// UnmarshalSetPerm reads the ipc_perm part of a *id64_ds for IPC_SET.
func UnmarshalSetPerm(b []byte) SetPerm { return unmarshalSetPerm(b) }

// ShmStat implements IPC_STAT (byIndex false), SHM_STAT and SHM_STAT_ANY
// (byIndex true; anyPerm skips the read check). It returns the
// identifier as the *_STAT commands do.
func (ns *Namespace) ShmStat(c *Caller, id int32, byIndex, anyPerm bool) (ShmidDS, int32, error) {
	s := &ns.shm
	s.mu.Lock()
	defer s.mu.Unlock()
	counts := s.counts()
	s.sweep(counts)
	var seg *Shm
	var p *Perm
	var err error
	if byIndex {
		seg, p, err = s.reg.byIndex(id)
	} else {
		seg, p, err = s.reg.byID(id)
	}
	if err != nil {
		return ShmidDS{}, 0, err
	}
	if !anyPerm && !p.allowed(&c.Creds, modeRead) {
		return ShmidDS{}, 0, unix.EACCES
	}
	return ShmidDS{
		Perm: *p, Segsz: seg.size, Atime: seg.atime, Dtime: seg.dtime, Ctime: seg.ctime,
		CPID: seg.cpid, LPID: seg.lpid, Nattch: uint64(counts[seg]),
	}, p.id, nil
}

// ShmSet implements IPC_SET.
func (ns *Namespace) ShmSet(c *Caller, id int32, sp SetPerm) error {
	s := &ns.shm
	s.mu.Lock()
	defer s.mu.Unlock()
	seg, p, err := s.reg.byID(id)
	if err != nil {
		return err
	}
	if !p.mayAdmin(&c.Creds) {
		return unix.EPERM
	}
	if err := p.apply(sp); err != nil {
		return err
	}
	seg.ctime = now()
	return nil
}

// ShmRmid implements IPC_RMID: the segment loses its key at once and is
// destroyed after its last detach.
func (ns *Namespace) ShmRmid(c *Caller, id int32) error {
	s := &ns.shm
	s.mu.Lock()
	defer s.mu.Unlock()
	seg, p, err := s.reg.byID(id)
	if err != nil {
		return err
	}
	if !p.mayAdmin(&c.Creds) {
		return unix.EPERM
	}
	s.reg.unlinkKey(p)
	p.Mode |= SHM_DEST
	if s.counts()[seg] == 0 {
		s.destroy(seg)
	}
	return nil
}

// ShmLock implements SHM_LOCK (lock true) and SHM_UNLOCK.
func (ns *Namespace) ShmLock(c *Caller, id int32, lock bool) error {
	s := &ns.shm
	s.mu.Lock()
	defer s.mu.Unlock()
	_, p, err := s.reg.byID(id)
	if err != nil {
		return err
	}
	if !c.Creds.hasCap(capIPCLock) {
		if c.Creds.EUID != p.UID && c.Creds.EUID != p.CUID {
			return unix.EPERM
		}
		if lock && c.MemlockLimit == 0 {
			return unix.EPERM
		}
	}
	if lock {
		p.Mode |= SHM_LOCKED
	} else {
		p.Mode &^= SHM_LOCKED
	}
	return nil
}

// ShmInfo implements IPC_INFO (struct shminfo64) and returns the highest
// index in use.
func (ns *Namespace) ShmInfo() ([]byte, int32) {
	s := &ns.shm
	s.mu.Lock()
	defer s.mu.Unlock()
	b := make([]byte, 9*8)
	le := binary.LittleEndian
	le.PutUint64(b[0:], SHMMAX)
	le.PutUint64(b[8:], SHMMIN)
	le.PutUint64(b[16:], SHMMNI)
	le.PutUint64(b[24:], SHMSEG)
	le.PutUint64(b[32:], SHMALL)
	return b, int32(s.reg.maxIdx())
}

// ShmUsage implements SHM_INFO (struct shm_info) and returns the highest
// index in use.
func (ns *Namespace) ShmUsage() ([]byte, int32) {
	s := &ns.shm
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(s.counts())
	b := make([]byte, 48)
	le := binary.LittleEndian
	le.PutUint32(b[0:], uint32(s.reg.inUse()))
	le.PutUint64(b[8:], s.totalPages)
	// shm_rss, shm_swp, swap_attempts, swap_successes: pages are not
	// tracked per segment; none is ever swapped.
	return b, int32(s.reg.maxIdx())
}
