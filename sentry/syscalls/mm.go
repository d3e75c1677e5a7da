package syscalls

import (
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/platform"
	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/memfile"
	"github.com/moat-dev/moat/sentry/mm"
	"github.com/moat-dev/moat/sentry/vfs"
)

func init() {
	register(abi.SysMmap, sysMmap)
	register(abi.SysMunmap, sysMunmap)
	register(abi.SysMprotect, sysMprotect)
	register(abi.SysBrk, sysBrk)
	register(abi.SysMremap, sysMremap)
	register(abi.SysMadvise, sysMadvise)
	register(abi.SysMsync, sysMsync)
}

func protToAccess(prot uint64) platform.AccessType {
	return platform.AccessType{
		Read:    prot&(unix.PROT_READ|unix.PROT_WRITE|unix.PROT_EXEC) != 0,
		Write:   prot&unix.PROT_WRITE != 0,
		Execute: prot&unix.PROT_EXEC != 0,
	}
}

const mapFixedNoReplace = 0x100000

// sharedAnonMemFile is set by boot so that MAP_SHARED|MAP_ANONYMOUS can
// allocate from the memory file.
var sharedAnonMemFile *memfile.File

// SetMemFile tells the handlers which memory file backs shared anonymous
// mappings.
func SetMemFile(mf *memfile.File) { sharedAnonMemFile = mf }

func sysMmap(t *task, a *args) (uint64, error) {
	addr, length, prot, flags, fd, off := a[0], a[1], a[2], int(a[3]), int32(a[4]), a[5]
	if prot&^(unix.PROT_READ|unix.PROT_WRITE|unix.PROT_EXEC|unix.PROT_GROWSDOWN|unix.PROT_GROWSUP) != 0 {
		return 0, unix.EINVAL
	}
	typ := flags & 0xf
	if typ != unix.MAP_SHARED && typ != unix.MAP_PRIVATE && typ != unix.MAP_SHARED_VALIDATE {
		return 0, unix.EINVAL
	}
	if length == 0 || off&(memfile.PageSize-1) != 0 {
		return 0, unix.EINVAL
	}
	if mm.PageRoundUp(length) == 0 {
		return 0, unix.ENOMEM
	}
	o := mm.MMapOpts{
		Addr: addr, Length: length,
		Fixed: flags&unix.MAP_FIXED != 0, NoReplace: flags&mapFixedNoReplace != 0 && flags&unix.MAP_FIXED == 0,
		Perms: protToAccess(prot), Private: typ == unix.MAP_PRIVATE,
		MaxPerms: platform.AccessType{Read: true, Write: true, Execute: true},
	}
	if flags&unix.MAP_ANONYMOUS != 0 {
		if !o.Private {
			o.Obj = mm.NewPageCache(sharedAnonMemFile, "/dev/zero (deleted)", nil)
		}
	} else {
		f, err := getFile(t, fd)
		if err != nil {
			return 0, err
		}
		defer f.DecRef()
		if !f.Readable() {
			return 0, unix.EACCES
		}
		mp, ok := f.Impl.(vfs.Mapper)
		if !ok {
			return 0, unix.ENODEV
		}
		if !o.Private {
			if !f.Writable() {
				o.MaxPerms.Write = false
				if o.Perms.Write {
					return 0, unix.EACCES
				}
			}
		}
		if ws, ok := f.Impl.(writeSealer); ok && !o.Private && ws.WriteSealed() {
			// A write-sealed memfd: no shared mapping may write it,
			// now or after mprotect.
			if o.Perms.Write {
				return 0, unix.EPERM
			}
			o.MaxPerms.Write = false
		}
		if f.VD.Ok() && t.Kernel().VFS.Flags(f.VD.Mount).NoExec {
			// A file of a noexec mount is never executable, nor
			// can mprotect make it so later (EACCES there).
			if o.Perms.Execute {
				return 0, unix.EPERM
			}
			o.MaxPerms.Execute = false
		}
		obj, err := mp.Mappable()
		if err != nil {
			return 0, err
		}
		if off+mm.PageRoundUp(length) < off {
			return 0, unix.EOVERFLOW
		}
		o.Obj, o.Off = obj, off
		if st, err := f.Impl.Stat(); err == nil {
			o.Dev, o.Ino = st.Dev, st.Ino
		}
		if f.VD.Ok() {
			o.Name = t.Kernel().VFS.PathOf(t.Kernel().Root, f.VD)
		}
	}
	if prot&unix.PROT_READ != 0 && o.MaxPerms.Execute && readImpliesExec(t) {
		// personality READ_IMPLIES_EXEC, unless on a noexec mount.
		o.Perms.Execute = true
	}
	return t.MM().MMap(o)
}

func sysMunmap(t *task, a *args) (uint64, error) {
	return 0, t.MM().MUnmap(a[0], a[1])
}

func sysMprotect(t *task, a *args) (uint64, error) {
	prot := a[2]
	if prot&^(unix.PROT_READ|unix.PROT_WRITE|unix.PROT_EXEC|unix.PROT_GROWSDOWN|unix.PROT_GROWSUP) != 0 {
		return 0, unix.EINVAL
	}
	return 0, t.MM().MProtect(a[0], a[1], protToAccess(prot))
}

func sysBrk(t *task, a *args) (uint64, error) {
	return t.MM().Brk(a[0]), nil
}

func sysMremap(t *task, a *args) (uint64, error) {
	flags := a[3]
	if flags&^(unix.MREMAP_MAYMOVE|unix.MREMAP_FIXED|unix.MREMAP_DONTUNMAP) != 0 {
		return 0, unix.EINVAL
	}
	if flags&unix.MREMAP_DONTUNMAP != 0 {
		return 0, unix.EINVAL
	}
	return t.MM().MRemap(a[0], a[1], a[2], flags&unix.MREMAP_MAYMOVE != 0, flags&unix.MREMAP_FIXED != 0, a[4])
}

func sysMadvise(t *task, a *args) (uint64, error) {
	addr, length, advice := a[0], a[1], int(a[2])
	if addr&(memfile.PageSize-1) != 0 {
		return 0, unix.EINVAL
	}
	switch advice {
	case unix.MADV_DONTNEED:
		return 0, t.MM().MAdviseDontNeed(addr, length)
	case unix.MADV_REMOVE:
		return 0, t.MM().MAdviseRemove(addr, length)
	case unix.MADV_NORMAL, unix.MADV_RANDOM, unix.MADV_SEQUENTIAL, unix.MADV_WILLNEED,
		unix.MADV_HUGEPAGE, unix.MADV_NOHUGEPAGE, unix.MADV_DONTDUMP, unix.MADV_DODUMP,
		unix.MADV_DONTFORK, unix.MADV_DOFORK, unix.MADV_MERGEABLE, unix.MADV_UNMERGEABLE,
		unix.MADV_COLD, unix.MADV_PAGEOUT, unix.MADV_FREE:
		// Hints that leave contents as they are; MADV_FREE may keep
		// the pages, which is what the sentry does. The range must
		// still be mapped.
		if !t.MM().IsMapped(addr, length) {
			return 0, unix.ENOMEM
		}
		return 0, nil
	}
	return 0, unix.EINVAL
}

// writeSealer is a file whose writes may be sealed (F_SEAL_WRITE).
type writeSealer interface{ WriteSealed() bool }

func sysMsync(t *task, a *args) (uint64, error) {
	flags := a[2]
	if a[0]&(memfile.PageSize-1) != 0 || flags&^(unix.MS_ASYNC|unix.MS_SYNC|unix.MS_INVALIDATE) != 0 ||
		flags&unix.MS_ASYNC != 0 && flags&unix.MS_SYNC != 0 {
		return 0, unix.EINVAL
	}
	// msync walks the range as Linux does: a hole is ENOMEM (at once
	// for plain MS_SYNC, else once the rest is done), and MS_INVALIDATE
	// on an mlocked mapping is EBUSY. Then the dirty pages of shared
	// file mappings are written back (host files on the gofer).
	start, end := a[0], a[0]+(a[1]+memfile.PageSize-1)&^(memfile.PageSize-1)
	if end < start {
		return 0, unix.ENOMEM
	}
	unmapped := false
	for _, v := range t.MM().VMAs() {
		if start >= end || v.Start >= end {
			break
		}
		if v.End <= start {
			continue
		}
		if start < v.Start {
			if flags == unix.MS_SYNC {
				return 0, unix.ENOMEM
			}
			unmapped = true
		}
		if flags&unix.MS_INVALIDATE != 0 && v.Locked {
			return 0, unix.EBUSY
		}
		start = v.End
	}
	if start < end || unmapped {
		return 0, unix.ENOMEM
	}
	if err := t.MM().WriteBack(a[0], end); err != nil {
		t.Kernel().Log.Warn("msync: write back failed", "start", a[0], "end", end, "err", err)
		return 0, unix.EIO
	}
	return 0, nil
}
