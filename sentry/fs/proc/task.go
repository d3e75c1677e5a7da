package proc

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/fs/synth"
	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/mm"
	"github.com/moat-dev/moat/sentry/vfs"
)

// The per-process and per-thread directories: /proc/[pid] and
// /proc/[pid]/task/[tid].

// pfRandomize is PF_RANDOMIZE, set for every task with a randomized
// address space.
const pfRandomize = 0x00400000

// maxArgBytes bounds what cmdline and environ return.
const maxArgBytes = 4 << 20

// taskDir returns /proc/[pid] for the process of t (thread false, t its
// leader or the thread a TID lookup named), or /proc/[pid]/task/[tid]
// (thread true).
func (p *procFS) taskDir(t *kernel.Task, thread bool) vfs.Inode {
	tg := t.ThreadGroup()
	key := fmt.Sprintf("/%d", t.ID)
	if thread {
		key = fmt.Sprintf("/%d/task/%d", tg.ID, t.ID)
	}
	file := func(name string, perm uint32, data func() ([]byte, error)) vfs.Inode {
		return &owned{Inode: &synth.File{Dev: procDev, Ino: inoOf(key + "/" + name), Mode: unix.S_IFREG | perm, Data: data}, t: t}
	}
	link := func(name string, target func() (string, error)) vfs.Inode {
		return &owned{Inode: &synth.Symlink{Dev: procDev, Ino: inoOf(key + "/" + name), Target: target}, t: t}
	}
	text := func(s string) func() ([]byte, error) {
		return func() ([]byte, error) { return []byte(s), nil }
	}
	children := map[string]vfs.Inode{
		"cmdline": file("cmdline", 0o444, func() ([]byte, error) { return p.cmdline(t, thread) }),
		"environ": file("environ", 0o400, func() ([]byte, error) { return p.environ(t, thread) }),
		"io": file("io", 0o400, func() ([]byte, error) {
			a := tg.IO()
			if thread {
				a = t.IO()
			}
			return []byte(formatIO(a)), nil
		}),
		"auxv": file("auxv", 0o400, func() ([]byte, error) { return p.auxvData(t, thread) }),
		"comm": file("comm", 0o644, func() ([]byte, error) { return []byte(t.Name() + "\n"), nil }),
		"personality": file("personality", 0o400, func() ([]byte, error) {
			if !p.permitted(t) {
				return nil, unix.EPERM
			}
			return []byte(fmt.Sprintf("%08x\n", t.Personality())), nil
		}),
		"stat":          file("stat", 0o444, func() ([]byte, error) { return []byte(formatStat(p.statInfo(t, thread))), nil }),
		"statm":         file("statm", 0o444, func() ([]byte, error) { return p.statm(t, thread), nil }),
		"status":        file("status", 0o444, func() ([]byte, error) { return []byte(formatStatus(p.statusInfo(t, thread))), nil }),
		"maps":          file("maps", 0o444, func() ([]byte, error) { return p.maps(t, thread) }),
		"smaps":         file("smaps", 0o444, func() ([]byte, error) { return p.smaps(t, thread, false) }),
		"smaps_rollup":  file("smaps_rollup", 0o444, func() ([]byte, error) { return p.smaps(t, thread, true) }),
		"limits":        file("limits", 0o444, func() ([]byte, error) { return []byte(formatLimits(tg.Limits())), nil }),
		"mounts":        file("mounts", 0o444, func() ([]byte, error) { return p.mounts(t, false) }),
		"mountinfo":     file("mountinfo", 0o444, func() ([]byte, error) { return p.mounts(t, true) }),
		"cgroup":        file("cgroup", 0o444, text("0::/\n")),
		"oom_score":     file("oom_score", 0o444, text("0\n")),
		"oom_adj":       &owned{Inode: newOOMFile(procDev, inoOf(key+"/oom_adj"), tg, true), t: t},
		"loginuid":      file("loginuid", 0o644, text("4294967295\n")),
		"sessionid":     file("sessionid", 0o444, text("4294967295\n")),
		"uid_map":       file("uid_map", 0o644, text(idMap)),
		"gid_map":       file("gid_map", 0o644, text(idMap)),
		"wchan":         file("wchan", 0o444, text("0")),
		"oom_score_adj": &owned{Inode: newOOMFile(procDev, inoOf(key+"/oom_score_adj"), tg, false), t: t},
		"exe":           link("exe", func() (string, error) { return p.exeTarget(t, thread) }),
		"cwd": link("cwd", func() (string, error) {
			return p.fsTarget(t, func(fs *kernel.FSContext) vfs.VirtualDentry { return fs.Cwd() })
		}),
		"root": link("root", func() (string, error) {
			return p.fsTarget(t, func(fs *kernel.FSContext) vfs.VirtualDentry { return fs.Root() })
		}),
		"ns":     p.nsDir(t, key+"/ns"),
		"fd":     &owned{Inode: p.fdDir(t, key+"/fd", false), t: t},
		"fdinfo": &owned{Inode: p.fdDir(t, key+"/fdinfo", true), t: t},
	}
	if !thread {
		children["task"] = &owned{Inode: p.threadsDir(tg, key+"/task"), t: t}
	}
	return &owned{Inode: &synth.Dir{Dev: procDev, Ino: inoOf(key), Mode: unix.S_IFDIR | 0o555, Static: children}, t: t,
		process: !thread}
}

// idMap is uid_map and gid_map: the identity mapping of the initial user
// namespace.
const idMap = "         0          0 4294967295\n"

// threadsDir is /proc/[pid]/task.
func (p *procFS) threadsDir(tg *kernel.ThreadGroup, key string) vfs.Inode {
	d := &synth.Dir{Dev: procDev, Ino: inoOf(key), Mode: unix.S_IFDIR | 0o555}
	d.List = func() []string {
		var ids []int
		for _, t := range tg.Tasks() {
			ids = append(ids, int(t.ID))
		}
		sort.Ints(ids)
		out := make([]string, len(ids))
		for i, id := range ids {
			out[i] = strconv.Itoa(id)
		}
		return out
	}
	d.Get = func(name string) (vfs.Inode, error) {
		id, ok := parseID(name)
		if !ok {
			return nil, unix.ENOENT
		}
		t := p.k.TaskByID(id)
		if t == nil || t.ThreadGroup() != tg {
			return nil, unix.ENOENT
		}
		return p.taskDir(t, true), nil
	}
	return d
}

// mmOf returns the address space a file of t's directory describes: t's
// own, or for a process directory whose leader has exited, that of
// another thread of the group.
func mmOf(t *kernel.Task, thread bool) *mm.MemoryManager {
	if m := t.MM(); m != nil || thread {
		return m
	}
	for _, o := range t.ThreadGroup().Tasks() {
		if m := o.MM(); m != nil {
			return m
		}
	}
	return nil
}

// readRange reads [start, end) of m, as much as is mapped.
func readRange(m *mm.MemoryManager, start, end uint64) []byte {
	if end <= start {
		return nil
	}
	buf := make([]byte, min(end-start, maxArgBytes))
	n, _ := m.CopyIn(start, buf)
	return buf[:n]
}

// cmdline returns the argument block. A process that overwrote the NUL
// ending its arguments (setproctitle) has its title run on into the
// environment block up to the first NUL, as on Linux.
func (p *procFS) cmdline(t *kernel.Task, thread bool) ([]byte, error) {
	m := mmOf(t, thread)
	if m == nil {
		return nil, nil
	}
	b := readRange(m, m.ArgStart, m.ArgEnd)
	if len(b) > 0 && b[len(b)-1] != 0 {
		if i := strings.IndexByte(string(b), 0); i >= 0 {
			return b[:i], nil
		}
		rest := readRange(m, m.ArgEnd, m.EnvEnd)
		if i := strings.IndexByte(string(rest), 0); i >= 0 {
			rest = rest[:i]
		}
		b = append(b, rest...)
	}
	return b, nil
}

func (p *procFS) environ(t *kernel.Task, thread bool) ([]byte, error) {
	if !p.permitted(t) {
		return nil, unix.EACCES
	}
	m := mmOf(t, thread)
	if m == nil {
		return nil, nil
	}
	return readRange(m, m.EnvStart, m.EnvEnd), nil
}

func (p *procFS) auxvData(t *kernel.Task, thread bool) ([]byte, error) {
	if !p.permitted(t) {
		return nil, unix.EACCES
	}
	m := mmOf(t, thread)
	if m == nil {
		return nil, nil
	}
	b := make([]byte, 0, len(m.Auxv)*8)
	for _, v := range m.Auxv {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	return b, nil
}

// exeTarget is the executable's path.
func (p *procFS) exeTarget(t *kernel.Task, thread bool) (string, error) {
	if !p.permitted(t) {
		return "", unix.EACCES
	}
	m := mmOf(t, thread)
	if m == nil {
		return "", unix.ENOENT
	}
	img := p.imageOf(t, m, m.VMAs(), p.callerRoot())
	if img.exe == "" {
		return "", unix.ENOENT
	}
	return img.exe, nil
}

// fsTarget is the cwd or root link.
func (p *procFS) fsTarget(t *kernel.Task, which func(*kernel.FSContext) vfs.VirtualDentry) (string, error) {
	if !p.permitted(t) {
		return "", unix.EACCES
	}
	fs := t.FSContext()
	if fs == nil || t.ThreadGroup().IsZombie() {
		return "", unix.ENOENT
	}
	vd := which(fs)
	if !vd.Ok() {
		return "", unix.ENOENT
	}
	return p.k.VFS.PathOf(p.callerRoot(), vd), nil
}

// isLive reports whether t has not exited.
func isLive(t *kernel.Task) bool {
	for _, o := range t.ThreadGroup().Tasks() {
		if o == t {
			return true
		}
	}
	return false
}

// threadCount is the number of threads of tg; a zombie keeps its leader.
func threadCount(tg *kernel.ThreadGroup) int {
	return max(len(tg.Tasks()), 1)
}

// stateOf is t's state letter. The sentry does not record whether a task
// is blocked, so only the caller counts as running.
func (p *procFS) stateOf(t *kernel.Task) byte {
	tg := t.ThreadGroup()
	if tg.IsZombie() || !isLive(t) {
		return 'Z'
	}
	if tg.Stopped() {
		return 'T'
	}
	if _, c := p.caller(); c == t {
		return 'R'
	}
	return 'S'
}

// vmStats are the sizes of an address space, in bytes.
type vmStats struct {
	size, data, stack, exe, lib uint64
	startCode, endCode          uint64
	startData, endData          uint64
	startBrk                    uint64
}

func vmStatsOf(vmas []mm.VMA, img *image) vmStats {
	var s vmStats
	for i := range vmas {
		v := &vmas[i]
		n := v.End - v.Start
		s.size += n
		isExe := v.Obj != nil && img.hasExe && (devIno{v.Dev, v.Ino}) == img.exeID
		switch {
		case v.Name == "[stack]":
			s.stack += n
		case v.Name == "[heap]":
			if s.startBrk == 0 {
				s.startBrk = v.Start
			}
			s.data += n
		case v.Private && v.Perms.Write:
			s.data += n
		}
		if isExe {
			if s.startCode == 0 {
				s.startCode = v.Start
			}
			if v.Perms.Execute {
				s.exe += n
				s.endCode = v.End
			}
			if v.Perms.Write && s.startData == 0 {
				s.startData, s.endData = v.Start, v.End
			}
		} else if v.Obj != nil && v.Perms.Execute {
			s.lib += n
		}
	}
	return s
}

// statInfo gathers the fields of t's stat file.
func (p *procFS) statInfo(t *kernel.Task, thread bool) *statInfo {
	tg := t.ThreadGroup()
	s := &statInfo{
		PID: t.ID, Comm: t.Name(), State: p.stateOf(t),
		PPID: tg.PPID(), PGRP: tg.PGID(), Session: tg.SID(),
		TTY: int32(p.k.TTYNr(tg)), TPGID: p.k.TTYForegroundPGID(tg), Flags: pfRandomize,
		Nice: int64(t.Nice()), NumThreads: int64(threadCount(tg)),
		RSSLim:    tg.Limit(kernel.RlimitRSS).Cur,
		Signal:    t.TaskPendingSignals(),
		Blocked:   t.SignalMask(),
		Processor: t.CPU(),
		Permitted: p.permitted(t),
	}
	s.SigIgnore, s.SigCatch = tg.SignalDispositions()
	s.Priority, s.RTPriority, s.Policy = schedFields(t.SchedAttr())
	tick := time.Second / clockTicks
	u, c := tg.CPUUsage(), tg.ChildrenCPUUsage()
	if thread {
		u = t.CPUUsage()
	}
	s.UTime, s.STime = uint64(u.User/tick), uint64(u.Sys/tick)
	s.CUTime, s.CSTime = uint64(c.User/tick), uint64(c.Sys/tick)
	s.MinFlt, s.CMinFlt = u.MinFlt, c.MinFlt
	if t.IsLeader() {
		s.ExitSignal = tg.ExitSignal()
	} else {
		s.ExitSignal = -1
	}
	if st := t.StartTime(); !st.IsZero() {
		s.StartTime = uint64(st.Sub(p.k.BootTime()) / (time.Second / clockTicks))
	}
	if ws, zombie := tg.WaitStatus(); zombie {
		s.ExitCode = int(ws)
	}
	if s.State == 'Z' {
		return s
	}
	if m := mmOf(t, thread); m != nil {
		vmas := m.VMAs()
		img := p.imageOf(t, m, vmas, p.callerRoot())
		vs := vmStatsOf(vmas, &img)
		s.HasMM = true
		s.VSize = vs.size
		s.RSS = int64(m.RSS().Total())
		s.StartCode, s.EndCode = vs.startCode, vs.endCode
		s.StartStack = startStack(m, vmas)
		s.StartData, s.EndData, s.StartBrk = vs.startData, vs.endData, vs.startBrk
		s.ArgStart, s.ArgEnd, s.EnvStart, s.EnvEnd = m.ArgStart, m.ArgEnd, m.EnvStart, m.EnvEnd
	}
	return s
}

// statm is sizes in pages: total, resident, shared, text, lib, data, dirty.
func (p *procFS) statm(t *kernel.Task, thread bool) []byte {
	m := mmOf(t, thread)
	if m == nil || t.ThreadGroup().IsZombie() {
		return []byte("0 0 0 0 0 0 0\n")
	}
	vmas := m.VMAs()
	img := p.imageOf(t, m, vmas, p.callerRoot())
	vs := vmStatsOf(vmas, &img)
	const pg = 4096
	rss := m.RSS()
	return []byte(fmt.Sprintf("%d %d %d %d 0 %d 0\n", vs.size/pg, rss.Total(), rss.File+rss.Shmem, vs.exe/pg, (vs.data+vs.stack)/pg))
}

// fdSize is the size of the FD table Linux would have: a multiple of 64
// that holds the highest open fd.
func fdSize(fds []int) int {
	n := 64
	if len(fds) > 0 {
		for n <= fds[len(fds)-1] {
			n *= 2
		}
	}
	return n
}

// statusInfo gathers the fields of t's status file.
func (p *procFS) statusInfo(t *kernel.Task, thread bool) *statusInfo {
	tg := t.ThreadGroup()
	c := t.Creds()
	s := &statusInfo{
		Name: t.Name(), State: p.stateOf(t),
		Tgid: tg.ID, Pid: t.ID, PPid: tg.PPID(),
		UID:      [4]uint32{c.RealUID, c.EffectiveUID, c.SavedUID, c.FSUID},
		GID:      [4]uint32{c.RealGID, c.EffectiveGID, c.SavedGID, c.FSGID},
		Groups:   c.Groups,
		NSpgid:   tg.PGID(),
		NSsid:    tg.SID(),
		Threads:  threadCount(tg),
		SigLimit: tg.Limit(kernel.RlimitSigpending).Cur,
		SigPnd:   t.TaskPendingSignals(),
		ShdPnd:   tg.SharedPendingSignals(),
		SigBlk:   t.SignalMask(),
		// The task's own, not its process's, as Linux shows them.
		VoluntaryCS: t.CPUUsage().NVCSw,
		CapInh:      c.CapInheritable, CapPrm: c.CapPermitted, CapEff: c.CapEffective, CapBnd: c.CapBounding, CapAmb: c.CapAmbient,
		NoNewPrivs: t.NoNewPrivs(), Seccomp: int(t.SeccompMode()), SeccompFilters: t.SeccompFilters(),
		Affinity: t.Affinity(),
		NumCPU:   p.ncpu,
	}
	s.SigQueued = uint64(tg.QueuedSignals())
	s.SigIgn, s.SigCgt = tg.SignalDispositions()
	if fs := t.FSContext(); fs != nil {
		s.Umask, s.HasUmask = fs.Umask(), true
	}
	if fdt := t.FDTable(); fdt != nil && fdt.FDTable != nil {
		s.FDSize = fdSize(fdt.FDs())
	} else {
		s.FDSize = 64
	}
	if s.State == 'Z' {
		return s
	}
	if m := mmOf(t, thread); m != nil {
		vmas := m.VMAs()
		img := p.imageOf(t, m, vmas, p.callerRoot())
		vs := vmStatsOf(vmas, &img)
		s.HasMM = true
		s.VmPeak, s.VmSize = vs.size/1024, vs.size/1024
		rss := m.RSS()
		const kbPerPage = 4
		s.VmHWM, s.VmRSS = rss.Peak*kbPerPage, rss.Total()*kbPerPage
		s.RssAnon, s.RssFile, s.RssShmem = rss.Anon*kbPerPage, rss.File*kbPerPage, rss.Shmem*kbPerPage
		s.VmData, s.VmStk, s.VmExe, s.VmLib = vs.data/1024, vs.stack/1024, vs.exe/1024, vs.lib/1024
	}
	return s
}

// schedFields are stat's priority, rt_priority and policy fields: a fair
// task's priority is 20 + nice, a real-time one's -1 - its priority, a
// deadline one's -101, as Linux's prio less 100.
func schedFields(a kernel.SchedAttr) (prio int64, rtPrio, policy uint64) {
	switch a.Policy {
	case kernel.SchedFIFO, kernel.SchedRR:
		return -1 - int64(a.Priority), uint64(a.Priority), uint64(a.Policy)
	case kernel.SchedDeadline:
		return -101, 0, uint64(a.Policy)
	}
	return 20 + int64(a.Nice), 0, uint64(a.Policy)
}

// memoryOf returns the address space that maps and smaps describe, once
// the caller may read it; nil for a task that has none left (a zombie).
func (p *procFS) memoryOf(t *kernel.Task, thread bool) (*mm.MemoryManager, error) {
	if !p.permitted(t) {
		return nil, unix.EACCES
	}
	return mmOf(t, thread), nil
}

// maps is /proc/[pid]/maps.
func (p *procFS) maps(t *kernel.Task, thread bool) ([]byte, error) {
	m, err := p.memoryOf(t, thread)
	if m == nil {
		return nil, err
	}
	vmas := m.VMAs()
	img := p.imageOf(t, m, vmas, p.callerRoot())
	var b strings.Builder
	for i := range vmas {
		b.WriteString(formatMapsLine(mappingOf(&vmas[i], &img)))
	}
	return []byte(b.String()), nil
}

// smaps is /proc/[pid]/smaps, or with rollup smaps_rollup, which sums
// the mappings under one line spanning them all.
func (p *procFS) smaps(t *kernel.Task, thread, rollup bool) ([]byte, error) {
	m, err := p.memoryOf(t, thread)
	if m == nil {
		return nil, err
	}
	us := m.Usage()
	var b strings.Builder
	if rollup {
		if len(us) == 0 {
			return nil, nil
		}
		var sum smapsUsage
		for i := range us {
			sum = sum.add(smapsUsageOf(&us[i]))
		}
		b.WriteString(formatMapsLine(mapping{Start: us[0].Start, End: us[len(us)-1].End, Name: "[rollup]"}))
		b.WriteString(formatSmaps(sum, true))
		return []byte(b.String()), nil
	}
	vmas := make([]mm.VMA, len(us))
	for i := range us {
		vmas[i] = us[i].VMA
	}
	img := p.imageOf(t, m, vmas, p.callerRoot())
	for i := range us {
		b.WriteString(formatMapsLine(mappingOf(&vmas[i], &img)))
		b.WriteString(formatSmaps(smapsUsageOf(&us[i]), false))
	}
	return []byte(b.String()), nil
}

// smapsUsageOf turns a mapping's usage into smaps' figures, in kB.
func smapsUsageOf(u *mm.Usage) smapsUsage {
	const pageKB = 4
	s := smapsUsage{
		Size: (u.End - u.Start) / 1024, Rss: u.Rss * pageKB,
		Pss: u.Pss / 1024, PssDirty: u.PssDirty / 1024,
		PssAnon: u.PssAnon / 1024, PssFile: u.PssFile / 1024, PssShmem: u.PssShmem / 1024,
		SharedClean: u.SharedClean * pageKB, SharedDirty: u.SharedDirty * pageKB,
		PrivateClean: u.PrivateClean * pageKB, PrivateDirty: u.PrivateDirty * pageKB,
		Anonymous: u.Anon * pageKB,
		VmFlags:   vmFlags(&u.VMA),
	}
	if u.Locked {
		s.Locked = s.Pss
	}
	return s
}

// vmFlags lists a mapping's flags as smaps' VmFlags line names them, in
// Linux's order: the access it has and may have, shared, the stack's
// growing down, mlock, and the accounting of private writable memory.
func vmFlags(v *mm.VMA) string {
	var f []string
	add := func(ok bool, name string) {
		if ok {
			f = append(f, name)
		}
	}
	add(v.Perms.Read, "rd")
	add(v.Perms.Write, "wr")
	add(v.Perms.Execute, "ex")
	add(!v.Private, "sh")
	add(v.MaxPerms.Read, "mr")
	add(v.MaxPerms.Write, "mw")
	add(v.MaxPerms.Execute, "me")
	add(!v.Private, "ms")
	add(v.Name == "[stack]", "gd")
	add(v.Locked, "lo")
	add(v.Private && v.Perms.Write, "ac")
	return strings.Join(f, " ")
}

// mappingOf describes v for maps, naming the program's own mappings,
// which the loader leaves unnamed, from img.
func mappingOf(v *mm.VMA, img *image) mapping {
	mp := mapping{
		Start: v.Start, End: v.End,
		Read: v.Perms.Read, Write: v.Perms.Write, Exec: v.Perms.Execute,
		Shared: !v.Private,
		Name:   v.Name,
	}
	if v.Obj != nil {
		mp.Offset = v.Off
		mp.DevMajor, mp.DevMinor = unix.Major(v.Dev), unix.Minor(v.Dev)
		mp.Ino = v.Ino
		if mp.Name == "" {
			mp.Name = v.Obj.Name()
		}
		if mp.Name == "" {
			id := devIno{v.Dev, v.Ino}
			switch {
			case img.hasExe && id == img.exeID:
				mp.Name = img.exe
			case img.hasInterp && id == img.interpID:
				mp.Name = img.interp
			}
		}
	}
	return mp
}

// mounts is /proc/[pid]/mounts (info false) or mountinfo (info true).
func (p *procFS) mounts(t *kernel.Task, info bool) ([]byte, error) {
	root := p.k.Root
	if fs := t.FSContext(); fs != nil {
		root = fs.Root()
	}
	var b strings.Builder
	for _, m := range p.k.VFS.Mounts(root.Mount.NS) {
		point := p.k.VFS.PathOf(root, vfs.VirtualDentry{Mount: m, Dentry: m.Root})
		opts := mountOptions(p.k.VFS.Flags(m))
		source := m.Source
		if source == "" {
			source = "none"
		}
		if !info {
			fmt.Fprintf(&b, "%s %s %s %s 0 0\n", escapeMountField(source), escapeMountField(point), m.FSType, opts)
			continue
		}
		var parent uint64
		if m.Parent != nil {
			parent = m.Parent.ID
		}
		var dev uint64
		if st, err := m.Root.Inode().Stat(); err == nil {
			dev = st.Dev
		}
		super := "rw"
		if m.Flags().Readonly {
			super = "ro"
		}
		fsRoot := p.k.VFS.FSPath(vfs.VirtualDentry{Mount: m, Dentry: m.Root})
		// The optional fields: the peer group of a shared mount, the
		// master of a slave.
		var optional string
		shared, master := p.k.VFS.Propagation(m)
		if shared != 0 {
			optional += fmt.Sprintf(" shared:%d", shared)
		}
		if master != 0 {
			optional += fmt.Sprintf(" master:%d", master)
		}
		fmt.Fprintf(&b, "%d %d %d:%d %s %s %s%s - %s %s %s\n", m.ID, parent, unix.Major(dev), unix.Minor(dev),
			escapeMountField(fsRoot), escapeMountField(point), opts, optional, m.FSType, escapeMountField(source), super)
	}
	return []byte(b.String()), nil
}

// mountOptions formats per-mount flags as Linux shows them: ro or rw,
// then nosuid, nodev and noexec, then the atime rule (always relatime).
func mountOptions(f vfs.MountFlags) string {
	opts := []string{"rw"}
	if f.Readonly {
		opts[0] = "ro"
	}
	if f.NoSuid {
		opts = append(opts, "nosuid")
	}
	if f.NoDev {
		opts = append(opts, "nodev")
	}
	if f.NoExec {
		opts = append(opts, "noexec")
	}
	return strings.Join(append(opts, "relatime"), ",")
}
