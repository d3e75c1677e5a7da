package kernel

import (
	"encoding/binary"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/platform"
	"github.com/moat-dev/moat/sentry/arch"
	"github.com/moat-dev/moat/sentry/loader"
	"github.com/moat-dev/moat/sentry/mm"
	"github.com/moat-dev/moat/sentry/strace"
	"github.com/moat-dev/moat/sentry/vfs"
)

// Clone flags.
const (
	CLONE_VM             = 0x100
	CLONE_FS             = 0x200
	CLONE_FILES          = 0x400
	CLONE_SIGHAND        = 0x800
	CLONE_PIDFD          = 0x1000
	CLONE_PTRACE         = 0x2000
	CLONE_VFORK          = 0x4000
	CLONE_PARENT         = 0x8000
	CLONE_THREAD         = 0x10000
	CLONE_NEWNS          = 0x20000
	CLONE_SYSVSEM        = 0x40000
	CLONE_SETTLS         = 0x80000
	CLONE_PARENT_SETTID  = 0x100000
	CLONE_CHILD_CLEARTID = 0x200000
	CLONE_DETACHED       = 0x400000
	CLONE_UNTRACED       = 0x800000
	CLONE_CHILD_SETTID   = 0x1000000
	CLONE_NEWCGROUP      = 0x2000000
	CLONE_NEWUTS         = 0x4000000
	CLONE_NEWIPC         = 0x8000000
	CLONE_NEWUSER        = 0x10000000
	CLONE_NEWPID         = 0x20000000
	CLONE_NEWNET         = 0x40000000
	CLONE_IO             = 0x80000000
	// CLONE_CLEAR_SIGHAND (clone3 only) resets the child's handled
	// signals to SIG_DFL.
	CLONE_CLEAR_SIGHAND = 0x100000000
	cloneNamespaces     = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET
)

// initialRegs are the registers of a new process image.
func initialRegs(entry, sp uint64) platform.Registers {
	return platform.Registers{Rip: entry, Rsp: sp, Cs: 0x33, Ss: 0x2b, Eflags: 0x202, Orig_rax: ^uint64(0)}
}

// ProcessArgs describe the init process.
type ProcessArgs struct {
	Path   string
	Argv   []string
	Envv   []string
	Cwd    string
	Creds  *Creds
	Limits Limits
	Umask  uint32
	FDs    *vfs.FDTable
	Name   string
}

// CreateInit loads and starts the sandbox's first process.
func (k *Kernel) CreateInit(a ProcessArgs) (*Task, error) {
	root := k.Root
	r := &vfs.Resolver{Root: root, Start: root, FollowFinal: true, Creds: a.Creds.VFS()}
	cwd, err := k.VFS.Resolve(r, a.Cwd)
	if err != nil {
		return nil, fmt.Errorf("cwd %q: %w", a.Cwd, err)
	}
	k.mu.Lock()
	id, _ := k.allocTID()
	tg := &ThreadGroup{
		k: k, ID: id, tasks: make(map[*Task]struct{}), children: make(map[*ThreadGroup]struct{}),
		pgid: id, sid: id, exitSignal: int(unix.SIGCHLD), handlers: &SignalHandlers{}, limits: a.Limits, dumpable: 1,
	}
	t := &Task{k: k, ID: id, tg: tg, interrupt: make(chan struct{}, 1), startTime: time.Now()}
	t.fds = newFDTable(a.FDs)
	t.fs = NewFSContext(root, cwd, a.Umask)
	t.fs.refs.Store(1)
	t.creds.Store(a.Creds)
	t.ctx = k.Platform.NewContext()
	t.altStack = arch.SignalStack{Flags: arch.SignalStackOff}
	k.mu.Unlock()

	as, err := k.Platform.NewAddressSpace()
	if err != nil {
		return nil, err
	}
	m := mm.New(k.MemFile, as)
	m.IncUsers()
	t.mm = m
	img, err := loader.Load(t.opener(), m, t.loadArgs(a.Path, a.Argv, a.Envv))
	if err != nil {
		m.DecUsers()
		return nil, err
	}
	recordExe(m, img)
	img.Exe.Close()
	// Linux names the process after the file it was asked to run (the
	// script, not its interpreter).
	t.SetName(path.Base(a.Path))
	t.Regs = initialRegs(img.Entry, img.SP)
	k.mu.Lock()
	tg.leader = t
	tg.tasks[t] = struct{}{}
	k.tasks[id] = t
	k.tgs[id] = tg
	k.init = tg
	k.mu.Unlock()
	return t, nil
}

func (t *Task) loadArgs(p string, argv, envv []string) loader.Args {
	c := t.Creds()
	a := loader.Args{Path: p, Argv: argv, Envv: envv, StackSize: t.tg.Limit(RlimitStack).Cur,
		NoRandomize: t.Personality()&PerAddrNoRandomize != 0}
	a.Creds.UID, a.Creds.EUID, a.Creds.GID, a.Creds.EGID = c.RealUID, c.EffectiveUID, c.RealGID, c.EffectiveGID
	return a
}

// CloneArgs are the arguments of clone and clone3.
type CloneArgs struct {
	Flags                           uint64
	Stack, ParentTID, ChildTID, TLS uint64
	ExitSignal                      int
	// PidFD, set with CLONE_PIDFD, makes and hands over the pidfd of
	// the new process (or thread, with CLONE_THREAD). It runs before
	// the child starts; an error there (a fault writing the fd number)
	// is returned from Clone, with the child started anyway.
	PidFD func(child *Task) error
}

// Clone creates a thread or process and returns its ID.
func (t *Task) Clone(a CloneArgs) (int32, error) {
	f := a.Flags
	if f&CLONE_THREAD != 0 && f&CLONE_SIGHAND == 0 || f&CLONE_SIGHAND != 0 && f&CLONE_VM == 0 {
		return 0, unix.EINVAL
	}
	if f&CLONE_FS != 0 && f&(CLONE_NEWNS|CLONE_NEWUSER) != 0 {
		return 0, unix.EINVAL
	}
	if f&CLONE_SIGHAND != 0 && f&CLONE_CLEAR_SIGHAND != 0 {
		return 0, unix.EINVAL
	}
	if f&CLONE_PARENT != 0 && t.tg == t.k.Init() {
		// init cannot make siblings: it has no parent to share.
		return 0, unix.EINVAL
	}
	if f&CLONE_PIDFD != 0 && (f&CLONE_DETACHED != 0 || a.PidFD == nil) {
		return 0, unix.EINVAL
	}
	if f&cloneNamespaces&^CLONE_NEWNS != 0 {
		// Namespaces other than mount namespaces are not supported
		// inside the sandbox yet.
		return 0, unix.EPERM
	}
	if f&CLONE_NEWNS != 0 && !t.Creds().HasCap(CapSysAdmin) {
		return 0, unix.EPERM
	}
	if a.ExitSignal < 0 || a.ExitSignal > NumSignals {
		return 0, unix.EINVAL
	}
	childSched, err := t.childSched()
	if err != nil {
		return 0, err
	}
	k := t.k
	parentMM := t.MM()
	var childMM *mm.MemoryManager
	if f&CLONE_VM != 0 {
		childMM = parentMM
	} else {
		as, err := k.Platform.NewAddressSpace()
		if err != nil {
			k.Log.Error("new address space", "err", err)
			return 0, unix.ENOMEM
		}
		childMM = parentMM.Fork(as)
	}
	childMM.IncUsers()
	nt := &Task{k: k, interrupt: make(chan struct{}, 1), Regs: t.Regs, startTime: time.Now()}
	nt.ctx = k.Platform.NewContext()
	if fp, err := t.ctx.FPState(); err == nil && fp != nil {
		nt.ctx.SetFPState(fp)
	}
	nt.mm = childMM
	if f&CLONE_FILES != 0 {
		t.fds.refs.Add(1)
		nt.fds = t.fds
	} else {
		nt.fds = newFDTable(t.fds.Fork())
	}
	if f&CLONE_FS != 0 {
		t.fs.refs.Add(1)
		nt.fs = t.fs
	} else {
		nt.fs = t.fs.fork()
		if f&CLONE_NEWNS != 0 {
			nt.fs.enterNewMountNamespace(k.VFS)
		}
	}
	nt.creds.Store(t.Creds())
	t.inheritSeccomp(nt)
	if m := t.Affinity(); m != nil {
		nt.aff.mask = m
	}
	nt.sched.SchedAttr = childSched
	nt.memPolicy.Store(t.MemPolicy())
	nt.ioCtx.Store(t.childIOContext(f&CLONE_IO != 0))
	nt.persona.Store(t.Personality())
	nt.SetName(t.Name())
	nt.Regs.Rax = 0
	if a.Stack != 0 {
		nt.Regs.Rsp = a.Stack
	}
	if f&CLONE_SETTLS != 0 {
		nt.Regs.Fs_base = a.TLS
	}

	k.mu.Lock()
	if t.tg.exiting {
		k.mu.Unlock()
		childMM.DecUsers()
		return 0, ERESTARTNOINTR
	}
	c := t.Creds()
	if lim := t.tg.Limit(RlimitNproc).Cur; lim != Infinity && !c.HasCap(CapSysResource) && !c.HasCap(CapSysAdmin) &&
		k.countUserTasks(c.RealUID) >= lim {
		k.mu.Unlock()
		childMM.DecUsers()
		return 0, unix.EAGAIN
	}
	id, ok := k.allocTID()
	if !ok {
		k.mu.Unlock()
		childMM.DecUsers()
		return 0, unix.EAGAIN
	}
	nt.ID = id
	if f&CLONE_THREAD != 0 {
		nt.tg = t.tg
	} else {
		parent := t.tg
		parentThread := t
		if f&CLONE_PARENT != 0 && t.tg.parent != nil {
			parent, parentThread = t.tg.parent, t.tg.parentThread
		}
		k.sigMu.Lock()
		handlers := t.tg.handlers
		if f&CLONE_CLEAR_SIGHAND != 0 {
			// What exec does: handled signals back to SIG_DFL,
			// ignored ones stay ignored.
			handlers = handlers.resetForExec()
		} else if f&CLONE_SIGHAND == 0 {
			handlers = handlers.fork()
		}
		k.sigMu.Unlock()
		nt.tg = &ThreadGroup{
			k: k, ID: id, leader: nt, tasks: make(map[*Task]struct{}), children: make(map[*ThreadGroup]struct{}),
			parent: parent, parentThread: parentThread, pgid: t.tg.pgid, sid: t.tg.sid, exitSignal: a.ExitSignal,
			handlers: handlers, limits: t.tg.Limits(), dumpable: t.tg.dumpable,
		}
		nt.tg.oomScoreAdj.Store(t.tg.oomScoreAdj.Load())
		parent.children[nt.tg] = struct{}{}
		k.tgs[id] = nt.tg
	}
	nt.tg.tasks[nt] = struct{}{}
	k.tasks[id] = nt
	k.mu.Unlock()

	k.sigMu.Lock()
	nt.sigMask = t.sigMask
	if f&CLONE_VM == 0 || f&CLONE_VFORK != 0 {
		nt.altStack = t.altStack
	} else {
		nt.altStack = arch.SignalStack{Flags: arch.SignalStackOff}
	}
	k.sigMu.Unlock()

	var tid [4]byte
	binary.LittleEndian.PutUint32(tid[:], uint32(id))
	if f&CLONE_PARENT_SETTID != 0 {
		parentMM.CopyOut(a.ParentTID, tid[:])
	}
	if f&CLONE_CHILD_SETTID != 0 {
		childMM.CopyOut(a.ChildTID, tid[:])
	}
	if f&CLONE_CHILD_CLEARTID != 0 {
		nt.clearChildTID = a.ChildTID
	}
	var pidfdErr error
	if f&CLONE_PIDFD != 0 {
		pidfdErr = a.PidFD(nt)
	}
	var vforkDone chan struct{}
	if f&CLONE_VFORK != 0 {
		vforkDone = make(chan struct{})
		nt.vforkDone = vforkDone
	}
	nt.Start()
	if vforkDone != nil {
		// The parent waits for the child to exec or exit; only its own
		// death cuts the wait short, as Linux's killable wait.
		for !t.killed.Load() {
			select {
			case <-vforkDone:
			case <-t.interrupt:
				continue
			}
			break
		}
	}
	if pidfdErr != nil {
		return 0, pidfdErr
	}
	return id, nil
}

// Execve replaces the task's program.
func (t *Task) Execve(p string, argv, envv []string) error {
	k := t.k
	as, err := k.Platform.NewAddressSpace()
	if err != nil {
		k.Log.Error("new address space", "err", err)
		return unix.ENOMEM
	}
	m := mm.New(k.MemFile, as)
	m.IncUsers()
	la := t.loadArgs(p, argv, envv)
	la.CredsFor = func(exe loader.Executable) loader.Creds {
		n := t.execCreds(t.Creds(), exe)
		return loader.Creds{UID: n.RealUID, EUID: n.EffectiveUID, GID: n.RealGID, EGID: n.EffectiveGID, Secure: setIDExec(n)}
	}
	img, err := loader.Load(t.opener(), m, la)
	if err != nil {
		m.DecUsers()
		return err
	}
	recordExe(m, img)
	oc := t.Creds()
	nc := t.execCreds(oc, img.Exe)
	img.Exe.Close()
	// Past the point of no return. Other threads die, and the caller
	// becomes the thread group leader with the process's ID.
	t.killOtherThreads()
	t.mmMu.Lock()
	old := t.mm
	t.mm = m
	t.mmMu.Unlock()
	t.tg.noteRSS(old)
	old.DecUsers()
	if t.fds.refs.Load() > 1 {
		nf := newFDTable(t.fds.Fork())
		t.fds.decRef()
		t.fds = nf
	}
	t.fds.CloseOnExec()
	k.sigMu.Lock()
	t.tg.handlers = t.tg.handlers.resetForExec()
	t.altStack = arch.SignalStack{Flags: arch.SignalStackOff}
	k.sigMu.Unlock()
	t.clearChildTID = 0
	t.robustList = 0
	k.mu.Lock()
	t.tg.execed = true
	t.tg.dumpable = 1
	if setIDExec(nc) {
		// A set-ID program is not dumpable (suid_dumpable 0).
		t.tg.dumpable = 0
	}
	k.mu.Unlock()
	t.SetCreds(nc)
	t.SetPersonality(execPersonality(t.Personality(), setIDExec(nc)))
	// Linux clears the parent-death signal only when exec changes the
	// effective or filesystem IDs or grants capabilities.
	if nc.EffectiveUID != oc.EffectiveUID || nc.EffectiveGID != oc.EffectiveGID ||
		nc.FSUID != oc.FSUID || nc.FSGID != oc.FSGID || nc.CapPermitted&^oc.CapPermitted != 0 {
		t.pdeathSig.Store(0)
	}
	t.SetName(path.Base(p))
	t.Regs = initialRegs(img.Entry, img.SP)
	if t.vforkDone != nil {
		close(t.vforkDone)
		t.vforkDone = nil
	}
	return ErrNoReturn
}

// Exit ends the calling thread with code (exit(2)).
func (t *Task) Exit(code int) {
	t.exitCode = code
	t.killed.Store(true)
}

// ExitGroup ends the whole process (exit_group(2)).
func (t *Task) ExitGroup(code int) {
	t.tg.groupExit(WaitStatusExited(code))
}

// SetClearChildTID implements set_tid_address.
func (t *Task) SetClearChildTID(addr uint64) { t.clearChildTID = addr }

// SetRobustList records the robust futex list head.
func (t *Task) SetRobustList(addr uint64) { t.robustList = addr }

// RobustList returns the robust futex list head.
func (t *Task) RobustList() uint64 { return t.robustList }

// Resolver returns a path resolver starting at the task's cwd, or at the
// directory of dirfd.
func (t *Task) Resolver(follow bool) *vfs.Resolver {
	fs := t.fs
	return &vfs.Resolver{Root: fs.Root(), Start: fs.Cwd(), FollowFinal: follow, Creds: t.Creds().VFS()}
}

// execOpener opens executables in the task's filesystem view.
type execOpener struct{ t *Task }

func (t *Task) opener() loader.Opener { return execOpener{t} }

func (o execOpener) OpenExecutable(p string) (loader.Executable, error) {
	t := o.t
	r := t.Resolver(true)
	vd, err := t.k.VFS.Resolve(r, p)
	if err != nil {
		return nil, err
	}
	st, err := vd.Inode().Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() || !st.IsRegular() {
		return nil, unix.EACCES
	}
	if t.k.VFS.Flags(vd.Mount).NoExec {
		return nil, unix.EACCES
	}
	if err := r.Creds.CheckAccess(&st, vfs.MayExec); err != nil {
		return nil, err
	}
	impl, err := vd.Inode().Open(unix.O_RDONLY)
	if err != nil {
		return nil, err
	}
	return &executable{impl: impl, st: st, name: t.k.VFS.PathOf(t.k.Root, vd), vd: vd}, nil
}

// recordExe remembers in m the file img was loaded from, which
// /proc/PID/exe shows.
func recordExe(m *mm.MemoryManager, img *loader.Image) {
	if e, ok := img.Exe.(*executable); ok {
		m.ExeFile = e.vd
	}
}

type executable struct {
	impl vfs.FileImpl
	st   vfs.Stat
	name string
	vd   vfs.VirtualDentry
}

func (e *executable) ReadAt(b []byte, off int64) (int, error) {
	total := 0
	for total < len(b) {
		n, err := e.impl.Read(b[total:], off+int64(total))
		if err != nil {
			return total, err
		}
		if n == 0 {
			break
		}
		total += n
	}
	if total < len(b) {
		return total, io.EOF
	}
	return total, nil
}

func (e *executable) Size() int64 { return e.st.Size }

func (e *executable) Mappable() (mm.Mappable, error) {
	if m, ok := e.impl.(vfs.Mapper); ok {
		return m.Mappable()
	}
	return nil, unix.ENODEV
}

func (e *executable) DevIno() (uint64, uint64) { return e.st.Dev, e.st.Ino }

func (e *executable) Close() { e.impl.Release() }

// straceEnter and straceExit print syscalls for --strace.
func (t *Task) straceEnter(nr uint64, args SyscallArgs) {
	if nr == unix.SYS_EXIT || nr == unix.SYS_EXIT_GROUP || nr == unix.SYS_EXECVE || nr == unix.SYS_RT_SIGRETURN {
		t.straceLine(strace.Enter(uintptr(nr), args, straceMem{t}) + " ...")
	}
}

func (t *Task) straceExit(nr uint64, args SyscallArgs, ret uint64, errno int) {
	line := strace.Exit(uintptr(nr), args, ret, errno, straceMem{t})
	t.straceLine(line)
}

func (t *Task) straceLine(s string) {
	line := fmt.Sprintf("[%5d] %s", t.ID, strings.TrimRight(s, "\n"))
	if t.k.StraceOut != nil {
		t.k.StraceOut(line)
	} else {
		t.k.Log.Info(line)
	}
}

type straceMem struct{ t *Task }

func (m straceMem) CopyIn(addr uint64, dst []byte) (int, error) {
	mm := m.t.MM()
	if mm == nil {
		return 0, unix.EFAULT
	}
	return mm.CopyIn(addr, dst)
}

// killOtherThreads ends every other thread of the process and waits for
// them, as execve does; the caller then takes the leader's thread ID.
func (t *Task) killOtherThreads() {
	k := t.k
	others := 0
	for _, o := range t.tg.Tasks() {
		if o != t {
			o.killed.Store(true)
			o.Interrupt()
			others++
		}
	}
	if others > 0 {
		// A thread blocked on the host (a read of the caller's
		// terminal) may take a while; do not wait forever.
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			k.mu.Lock()
			n := len(t.tg.tasks)
			k.mu.Unlock()
			if n <= 1 {
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	tg := t.tg
	if t.ID != tg.ID {
		delete(k.tasks, t.ID)
		t.ID = tg.ID
		k.tasks[t.ID] = t
	}
	tg.leader = t
}
