package seccomp

import (
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"sync"

	"golang.org/x/sys/unix"
)

// Spawner starts processes whose capability bounding set is already the
// one they will keep, so that their LimitCapabilities has nothing to drop
// from it. Each drop there is an AllThreadsSyscall, which stops the world
// and wakes every thread, some forty times over: milliseconds of a
// sandbox's start.
//
// It works on one OS thread, locked to its goroutine, that it prepares as
// soon as it is made, while the caller gets the process ready: the
// thread's inheritable set becomes its permitted set, and its bounding
// set loses what the processes will not keep. A process that root execs
// gets bounding | inheritable as its permitted set (capabilities(7)), so
// the child starts with every capability it had before, for its setup,
// and with the reduced bounding set, which exec preserves. Its
// LimitCapabilities then clears the inheritable set with the rest, as
// before. Where the preparation fails (not root, SECBIT_NOROOT), Start
// starts processes as exec.Cmd.Start does, and their LimitCapabilities
// drops everything itself.
type Spawner struct {
	reqs chan spawnReq
	once sync.Once
}

type spawnReq struct {
	cmd *exec.Cmd
	err chan error
}

// NewSpawner starts a Spawner's thread for processes that keep the
// capabilities in keep.
func NewSpawner(keep []int) *Spawner {
	s := &Spawner{reqs: make(chan spawnReq)}
	go s.run(keep)
	return s
}

// Start starts cmd from the Spawner's thread.
func (s *Spawner) Start(cmd *exec.Cmd) error {
	r := spawnReq{cmd: cmd, err: make(chan error, 1)}
	s.reqs <- r
	return <-r.err
}

// Close ends the Spawner's thread. A process started with a parent-death
// signal gets it then, as its parent is that thread: close the Spawner
// once its processes are gone, or right away if they have none.
func (s *Spawner) Close() {
	s.once.Do(func() { close(s.reqs) })
}

func (s *Spawner) run(keep []int) {
	// Never unlocked: the thread's capability sets differ from the
	// other threads' from here on, so it must end with this goroutine.
	runtime.LockOSThread()
	// Should a drop fail, the process drops the rest itself.
	if raiseInheritable() == nil {
		dropBounding(keep)
	}
	for r := range s.reqs {
		r.err <- r.cmd.Start()
	}
}

// raiseInheritable makes the calling thread's inheritable set its
// permitted set, if root's exec rule will turn it into the permitted set
// of what the thread execs.
func raiseInheritable() error {
	if unix.Geteuid() != 0 {
		return errors.New("not root")
	}
	if bits, err := unix.PrctlRetInt(unix.PR_GET_SECUREBITS, 0, 0, 0, 0); err != nil || bits&(1<<0) != 0 { // SECURE_NOROOT
		return errors.New("root has no capabilities at exec")
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capget: %w", err)
	}
	for i := range data {
		data[i].Inheritable = data[i].Permitted
	}
	// A plain syscall: it changes this thread only.
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capset: %w", err)
	}
	return nil
}

// dropBounding drops from the calling thread's bounding set every
// capability not in keep.
func dropBounding(keep []int) error {
	in := map[int]bool{}
	for _, c := range keep {
		in[c] = true
	}
	for c := 0; c <= lastCap(); c++ {
		if in[c] {
			continue
		}
		if r, _ := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(c), 0, 0, 0); r == 0 {
			continue
		}
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0); err != nil {
			return fmt.Errorf("dropping %d from the bounding set: %w", c, err)
		}
	}
	return nil
}
