package kernel

import (
	"fmt"
	"path"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/arch"
	"github.com/moat-dev/moat/sentry/loader"
	"github.com/moat-dev/moat/sentry/mm"
	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

// This file serves the sandbox's control socket (sentry/control): the
// processes that `runsc exec` starts from outside the sandbox, and the
// kernel-wide freeze behind `runsc pause`.

// ExternalParent adopts the processes started from outside the sandbox
// (runsc exec). It has no tasks and PID 0, so its children see a parent
// PID of 0, as processes that runc execs into a PID namespace do; their
// exit statuses wait in it until Wait collects them.
type ExternalParent struct {
	tg *ThreadGroup
}

// NewExternalParent returns a parent for processes started from outside.
func (k *Kernel) NewExternalParent() *ExternalParent {
	return &ExternalParent{tg: &ThreadGroup{
		k: k, children: make(map[*ThreadGroup]struct{}), tasks: make(map[*Task]struct{}),
		handlers: &SignalHandlers{}, exitSignal: int(unix.SIGCHLD),
	}}
}

// CreateProcess loads a new process, a child of p, in its own session
// and process group. The caller starts it with Task.Start; if it never
// does, it must Discard it.
func (p *ExternalParent) CreateProcess(a ProcessArgs) (*Task, error) {
	k := p.tg.k
	root := k.Root
	r := &vfs.Resolver{Root: root, Start: root, FollowFinal: true, Creds: a.Creds.VFS()}
	cwd, err := k.VFS.Resolve(r, a.Cwd)
	if err != nil {
		return nil, fmt.Errorf("cwd %q: %w", a.Cwd, err)
	}
	k.mu.Lock()
	if k.init == nil || k.init.zombie {
		k.mu.Unlock()
		return nil, unix.ESRCH
	}
	id, ok := k.allocTID()
	if !ok {
		k.mu.Unlock()
		return nil, unix.EAGAIN
	}
	// Reserve the ID while the image loads.
	tg := &ThreadGroup{
		k: k, ID: id, tasks: make(map[*Task]struct{}), children: make(map[*ThreadGroup]struct{}),
		pgid: id, sid: id, exitSignal: int(unix.SIGCHLD), handlers: &SignalHandlers{}, limits: a.Limits, dumpable: 1,
	}
	k.tgs[id] = tg
	t := &Task{k: k, ID: id, tg: tg, interrupt: make(chan struct{}, 1), startTime: time.Now()}
	t.fds = newFDTable(a.FDs)
	t.fs = NewFSContext(root, cwd, a.Umask)
	t.fs.refs.Store(1)
	t.creds.Store(a.Creds)
	t.ctx = k.Platform.NewContext()
	t.altStack = arch.SignalStack{Flags: arch.SignalStackOff}
	k.mu.Unlock()

	fail := func(err error) (*Task, error) {
		k.mu.Lock()
		delete(k.tgs, id)
		k.mu.Unlock()
		t.fds.decRef()
		t.ctx.Release()
		return nil, err
	}
	as, err := k.Platform.NewAddressSpace()
	if err != nil {
		return fail(err)
	}
	m := mm.New(k.MemFile, as)
	m.IncUsers()
	t.mm = m
	if err := loadImage(t, a); err != nil {
		t.mm = nil
		m.DecUsers()
		return fail(err)
	}
	// Named after the file it was asked to run, as execve names it.
	t.SetName(path.Base(a.Path))
	k.mu.Lock()
	if k.init == nil || k.init.zombie {
		k.mu.Unlock()
		t.releaseMM()
		return fail(unix.ESRCH)
	}
	tg.leader = t
	tg.tasks[t] = struct{}{}
	tg.parent = p.tg
	p.tg.children[tg] = struct{}{}
	k.tasks[id] = t
	k.mu.Unlock()
	return t, nil
}

// loadImage loads a.Path into t's memory and sets its registers.
func loadImage(t *Task, a ProcessArgs) error {
	img, err := loader.Load(t.opener(), t.mm, t.loadArgs(a.Path, a.Argv, a.Envv))
	if err != nil {
		return err
	}
	recordExe(t.mm, img)
	img.Exe.Close()
	t.Regs = initialRegs(img.Entry, img.SP)
	return nil
}

// freezeState is a kernel's Freeze bookkeeping.
type freezeState struct {
	mu     sync.Mutex
	frozen map[*ThreadGroup]bool
}

var freezes sync.Map // *Kernel -> *freezeState

func (k *Kernel) freezeState() *freezeState {
	v, _ := freezes.LoadOrStore(k, &freezeState{})
	return v.(*freezeState)
}

// Wait waits until the child pid of p has exited, reaps it and returns
// its wait status. It returns early with ok false when stop is closed.
func (p *ExternalParent) Wait(pid int32, stop <-chan struct{}) (status uint32, err error) {
	k := p.tg.k
	e := waiter.NewEntry(waiter.EventIn)
	p.tg.ChildEvents.EventRegister(e)
	defer p.tg.ChildEvents.EventUnregister(e)
	for {
		k.mu.Lock()
		var child *ThreadGroup
		for c := range p.tg.children {
			if c.ID == pid {
				child = c
			}
		}
		if child == nil {
			k.mu.Unlock()
			return 0, unix.ECHILD
		}
		if child.zombie {
			delete(p.tg.children, child)
			child.releaseLocked()
			st := child.waitStatus
			k.mu.Unlock()
			child.notifyReaped()
			return st, nil
		}
		k.mu.Unlock()
		select {
		case <-e.C:
		case <-stop:
			return 0, unix.EINTR
		case <-time.After(time.Second):
			// A child orphaned by init's exit is not notified here.
		}
	}
}

// Children returns the IDs of p's children, living or not.
func (p *ExternalParent) Children() []int32 {
	k := p.tg.k
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []int32
	for c := range p.tg.children {
		out = append(out, c.ID)
	}
	return out
}

// Init returns the init process, or nil before it exists.
func (k *Kernel) Init() *ThreadGroup {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.init
}

// Comm returns the name of the group's leader, or "" once it has none.
func (tg *ThreadGroup) Comm() string {
	if l := tg.Leader(); l != nil {
		return l.Name()
	}
	return ""
}

// Freeze stops every process of the sandbox, as `runsc pause` does,
// until Thaw. Unlike SIGSTOP, the application cannot see it: no parent
// is told and wait reports nothing. Processes the application had
// stopped itself stay stopped after Thaw. It returns the number of
// processes frozen.
func (k *Kernel) Freeze() int {
	fs := k.freezeState()
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.frozen == nil {
		fs.frozen = make(map[*ThreadGroup]bool)
	}
	// A fork in progress can add a process: go round until none is new.
	for pass := 0; pass < 8; pass++ {
		added := false
		for _, tg := range k.ThreadGroups() {
			if fs.frozen[tg] {
				continue
			}
			k.sigMu.Lock()
			stopped := tg.groupStopLocked(0)
			if stopped {
				tg.job.reportStop = false
			}
			k.sigMu.Unlock()
			// A group the application stopped is left out, so that
			// Thaw does not continue it.
			if stopped {
				fs.frozen[tg] = true
				added = true
				for _, t := range tg.Tasks() {
					t.Interrupt()
				}
			}
		}
		if !added {
			break
		}
		time.Sleep(time.Millisecond)
	}
	return len(fs.frozen)
}

// Thaw resumes the processes Freeze stopped.
func (k *Kernel) Thaw() {
	fs := k.freezeState()
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for tg := range fs.frozen {
		k.sigMu.Lock()
		if tg.job.stopped && tg.job.stopSig == 0 {
			tg.job.stopped = false
			close(tg.job.contCh)
			tg.job.reportStop = false
			tg.job.reportCont = false
		}
		k.sigMu.Unlock()
	}
	fs.frozen = nil
}
