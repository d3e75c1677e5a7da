// Package systrap is the platform that runs application code in stub
// threads under a seccomp filter that turns every application system call
// into a SIGSYS. The stub's signal handler hands the thread's state to the
// sentry through memory they share, and waits for the reply, so neither
// system calls nor faults go through ptrace stops.
//
// Layout (see stub/layout.h): each address space is a host process that
// holds nothing but the stub's code page and its slots, at StubAddr and
// above. A slot is a 32 KiB window of the "sysmsg" memfd, shared with the
// sentry: a header page (futex words, commands and their results) and the
// signal stack of one stub thread. Slot 0 is the control thread's, which
// executes the sentry's requests (mmap and munmap, new threads, and in the
// master stub, new address spaces). Every other slot belongs to a thread
// that runs one task's code and is in the stub's signal handler whenever
// the sentry holds it: the kernel saved the application's registers and
// FP state in the signal frame on the slot's stack, where the sentry reads
// and rewrites them before it lets the handler return.
//
// Application code the sentry patched (sentry/usertrap) skips the signal:
// it jumps to the stub's fast_entry, which finds its slot through a thread
// map at the top of the stub region and saves the registers itself in a
// fast frame laid out as a signal frame, so the sentry reads either kind
// the same way (fast.go).
//
// Address spaces are forked from a master stub that the sentry starts once
// (exec'ing a tiny ELF). Stubs die with the sentry: the master has
// PR_SET_PDEATHSIG, each address space has it for the master, and under
// runsc all of them are in the sentry's PID namespace.
package systrap

import (
	"encoding/binary"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/platform"
)

const (
	// sysmsgSize is the virtual size of the sysmsg memfd; only slots in
	// use take memory.
	sysmsgSize     = 1 << 30
	maxGlobalSlots = tidmapOff / slotSize

	// interruptSignal makes a stub thread running application code
	// enter its handler.
	interruptSignal = unix.SIGUSR2

	// Offsets in the signal frame's ucontext and siginfo.
	ucMcontext = 40
	ucSigmask  = 40 + 256
	ucSize     = ucSigmask + 8
	siCode     = 8
	siAddr     = 16
)

// Platform is the systrap platform.
type Platform struct {
	memfd  int
	sysmsg int
	msg    []byte // the sentry's mapping of sysmsg

	master *control

	// spare is an address space forked ahead.
	spare     chan spareAS
	spareOnce sync.Once

	slotMu sync.Mutex
	free   []int // global slots ready for use
	next   int
	dead   []deadSlots
	// unused holds address spaces released as they were made (fork
	// takes one and then copies the parent's instead), for reuse.
	unused []*addressSpace

	// Spin budgets, in rounds of PAUSE.
	eventSpin int // sentry waiting for application code to trap
	cmdSpin   int // sentry waiting for a stub command to finish
	stubSpin  int // stub waiting for the sentry's reply
	// slowNS is how long the sentry must usually take to answer a
	// system call for the stub to be told to sleep at once.
	slowNS int64
	// inApp counts the contexts whose application code is running;
	// cpus is how many CPUs the sentry may use.
	inApp atomic.Int32
	cpus  int

	// handling is how long the sentry takes to answer each system call
	// (an average over recent calls, in ns): a stub whose call is one
	// that usually takes longer than its spin budget is told to sleep at
	// once, which leaves the CPU to the threads that will end the wait.
	handling [512]atomic.Int64

	// fsmapOn is set if the sentry keeps FS maps (see fsmap.go).
	fsmapOn bool
}

// deadSlots are the slots of a killed address space: they are reused once
// no stub process maps them and no context uses them.
type deadSlots struct {
	as    *addressSpace
	slots []int
}

// New starts the master stub. memfd is the memory file; it is the only
// FD that address spaces map.
func New(memfd int) (*Platform, error) {
	if err := checkLayout(); err != nil {
		return nil, err
	}
	filter, err := stubFilter()
	if err != nil {
		return nil, err
	}
	if slFilter+len(filter) > slotHdr {
		return nil, fmt.Errorf("systrap: filter too long")
	}
	sysmsg, err := unix.MemfdCreate("moat-sysmsg", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("systrap: memfd_create: %w", err)
	}
	if err := unix.Ftruncate(sysmsg, sysmsgSize); err != nil {
		unix.Close(sysmsg)
		return nil, fmt.Errorf("systrap: size sysmsg: %w", err)
	}
	msg, err := unix.Mmap(sysmsg, 0, sysmsgSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_NORESERVE)
	if err != nil {
		unix.Close(sysmsg)
		return nil, fmt.Errorf("systrap: map sysmsg: %w", err)
	}
	p := &Platform{memfd: memfd, sysmsg: sysmsg, msg: msg, next: 1, cpus: runtime.NumCPU(), fsmapOn: fsmapUsable()}
	p.setSpin()
	s := p.slotBytes(0)
	binary.LittleEndian.PutUint16(s[slFprog:], uint16(len(filter)/8))
	binary.LittleEndian.PutUint64(s[slFprog+8:], slotBase+slFilter)
	copy(s[slFilter:], filter)

	var pid int
	for try := 0; ; try++ {
		pid, err = startMaster(memfd, sysmsg)
		// The exec fails if the randomly placed initial stack of the
		// stub happens to cover the stub's code address: try again.
		if err == nil || try == 3 {
			break
		}
	}
	if err != nil {
		p.destroy()
		return nil, err
	}
	p.master, err = newControl(p, 0, pid)
	if err != nil {
		unix.Kill(pid, unix.SIGKILL)
		p.destroy()
		return nil, err
	}
	// A command the stub does not know is the simplest ping.
	if ret, err := p.master.call(0, 0); err != nil || ret != negErrno(unix.EINVAL) {
		p.master.kill()
		p.destroy()
		if err == nil {
			err = fmt.Errorf("answered %#x", ret)
		}
		return nil, fmt.Errorf("systrap: master stub did not start: %w", err)
	}
	// The first address space starts forking while the sentry boots.
	p.startForkAhead()
	return p, nil
}

func (p *Platform) startForkAhead() {
	p.spareOnce.Do(func() {
		p.spare = make(chan spareAS)
		go p.forkAhead()
	})
}

func (p *Platform) destroy() {
	unix.Munmap(p.msg)
	unix.Close(p.sysmsg)
}

// setSpin sets the spin budgets from a measure of PAUSE, so that they are
// about the same time on any CPU: the fastest of several short runs, as
// the sentry may be descheduled during any of them.
// MOAT_SYSTRAP_SPIN=event,cmd,stub (in microseconds) overrides them.
func (p *Platform) setSpin() {
	const rounds = 200
	best := time.Duration(1 << 62)
	for try := 0; try < 20; try++ {
		start := time.Now()
		for i := 0; i < rounds; i++ {
			spinPause()
		}
		best = min(best, time.Since(start))
	}
	perUS := float64(rounds) / max(float64(best.Nanoseconds())/1000, 0.001)
	// The stub waits up to 200 µs for the sentry's reply: a 128 KiB
	// read takes the sentry 5-17 µs of copying alone, and on a busy
	// host the sentry's thread is preempted now and then, for tens of
	// microseconds; a reply to a stub that gave up and slept costs a
	// host wake-up (5-10 µs here, more under load), and a streamed read
	// was 5% slower with a 50 µs budget (five runs in five). Syscalls
	// that usually take longer than 50 µs (slowSyscall) are told not to
	// spin at all.
	us := [3]float64{20, 50, 200}
	if v := os.Getenv("MOAT_SYSTRAP_SPIN"); v != "" {
		var a, b, c float64
		if n, _ := fmt.Sscanf(v, "%g,%g,%g", &a, &b, &c); n == 3 {
			us = [3]float64{a, b, c}
		}
	}
	p.eventSpin = int(us[0] * perUS)
	p.cmdSpin = int(us[1] * perUS)
	p.stubSpin = int(us[2] * perUS)
	p.slowNS = int64(min(us[2], 50) * 1000)
}

// slotBytes returns global slot g as the sentry sees it.
func (p *Platform) slotBytes(g int) []byte {
	return p.msg[g*slotSize : (g+1)*slotSize : (g+1)*slotSize]
}

func (p *Platform) header(g int) *slotHeader {
	return (*slotHeader)(unsafe.Pointer(&p.msg[g*slotSize]))
}

// allocSlot returns a zeroed global slot.
func (p *Platform) allocSlot() (int, error) {
	p.slotMu.Lock()
	defer p.slotMu.Unlock()
	if len(p.free) == 0 {
		p.reapLocked()
	}
	if n := len(p.free); n > 0 {
		g := p.free[n-1]
		p.free = p.free[:n-1]
		return g, nil
	}
	if p.next >= maxGlobalSlots {
		return 0, fmt.Errorf("systrap: out of stub slots")
	}
	p.next++
	return p.next - 1, nil
}

// retire takes back the slots of a released address space, for reuse
// once it is gone (see reapLocked).
func (p *Platform) retire(as *addressSpace, slots []int) {
	p.slotMu.Lock()
	defer p.slotMu.Unlock()
	p.dead = append(p.dead, deadSlots{as, slots})
}

// keepSlotMemory is how many free slots may keep their memory.
const keepSlotMemory = 64

// reapLocked frees the slots of released address spaces that are gone:
// every process of their process group has exited (a dying stub may
// still write to its slot: the kernel clears its state word when it
// exits) and no context still holds one of their threads (a context
// reads and writes its thread's slot until it lets go of it).
func (p *Platform) reapLocked() {
	keep := p.dead[:0]
	for _, d := range p.dead {
		if d.as.attached.Load() != 0 || unix.Kill(-d.as.ctl.pid, 0) != unix.ESRCH {
			keep = append(keep, d)
			continue
		}
		d.as.ctl.closePidfd()
		for _, g := range d.slots {
			// Zero it. A few free slots keep their memory: a
			// hole punched in the sysmsg file, which the sentry
			// maps, costs a TLB flush on every CPU it runs on,
			// and this is on the way of every fork.
			if len(p.free) < keepSlotMemory {
				clear(p.slotBytes(g))
			} else if err := unix.Fallocate(p.sysmsg, unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE,
				int64(g)*slotSize, slotSize); err != nil {
				clear(p.slotBytes(g))
			}
			p.free = append(p.free, g)
		}
	}
	clear(p.dead[len(keep):])
	p.dead = keep
}

// startMaster execs the stub image. The stub's PR_SET_PDEATHSIG watches
// the thread that forked it, so that thread is locked to a goroutine that
// never ends.
func startMaster(memfd, sysmsg int) (int, error) {
	fd, err := unix.MemfdCreate("moat-systrap-stub", unix.MFD_CLOEXEC)
	if err != nil {
		return 0, fmt.Errorf("systrap: memfd_create for stub: %w", err)
	}
	defer unix.Close(fd)
	img := stubELF()
	if n, err := unix.Write(fd, img); err != nil || n != len(img) {
		return 0, fmt.Errorf("systrap: write stub image: %v", err)
	}
	type result struct {
		pid int
		err error
	}
	done := make(chan result)
	go func() {
		runtime.LockOSThread()
		pid, err := syscall.ForkExec("/proc/self/fd/"+strconv.Itoa(fd), []string{"moat-stub"}, &syscall.ProcAttr{
			Env:   []string{},
			Files: []uintptr{uintptr(memfd), uintptr(sysmsg)},
			Sys:   &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL},
		})
		done <- result{pid, err}
		if err == nil {
			<-make(chan struct{})
		}
	}()
	r := <-done
	if r.err != nil {
		return 0, fmt.Errorf("systrap: start stub: %w", r.err)
	}
	return r.pid, nil
}

// stubELF builds the master stub's executable: its code at codeAddr, and
// a non-executable stack.
func stubELF() []byte {
	img := make([]byte, 0x1000+codeSize)
	le := binary.LittleEndian
	copy(img, []byte{0x7f, 'E', 'L', 'F', 2, 1, 1})
	le.PutUint16(img[16:], uint16(unix.ET_EXEC))
	le.PutUint16(img[18:], 62) // EM_X86_64
	le.PutUint32(img[20:], 1)
	le.PutUint64(img[24:], sym__start)
	le.PutUint64(img[32:], 64) // e_phoff
	le.PutUint16(img[52:], 64) // e_ehsize
	le.PutUint16(img[54:], 56) // e_phentsize
	le.PutUint16(img[56:], 2)  // e_phnum
	ph := img[64:]
	le.PutUint32(ph[0:], 1) // PT_LOAD
	le.PutUint32(ph[4:], 5) // R+X
	le.PutUint64(ph[8:], 0x1000)
	le.PutUint64(ph[16:], codeAddr)
	le.PutUint64(ph[24:], codeAddr)
	le.PutUint64(ph[32:], codeSize)
	le.PutUint64(ph[40:], codeSize)
	le.PutUint64(ph[48:], 0x1000)
	ph = img[64+56:]
	le.PutUint32(ph[0:], 0x6474e551) // PT_GNU_STACK
	le.PutUint32(ph[4:], 6)          // R+W
	copy(img[0x1000:], stubBlob)
	return img
}

// control is the control slot of an address space (or of the master).
type control struct {
	p   *Platform
	mu  sync.Mutex // serializes calls
	g   int
	h   *slotHeader
	pid int
	// dead is set (with mu held) when the address space is released:
	// no call touches the slot after that.
	dead  atomic.Bool
	pidfd atomic.Int64 // -1 once closed
}

func newControl(p *Platform, g, pid int) (*control, error) {
	c := &control{p: p, g: g, h: p.header(g), pid: pid}
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		fd = -1
	}
	c.pidfd.Store(int64(fd))
	return c, nil
}

// alive reports an error once the process is gone.
func (c *control) alive() error {
	if c.dead.Load() {
		return &errStubGone{"address space released"}
	}
	if fd := c.pidfd.Load(); fd >= 0 {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if n, _ := unix.Poll(fds, 0); n > 0 {
			return &errStubGone{fmt.Sprintf("process %d exited", c.pid)}
		}
		return nil
	}
	if unix.Kill(c.pid, 0) == unix.ESRCH {
		return &errStubGone{fmt.Sprintf("process %d exited", c.pid)}
	}
	return nil
}

// release ends the control slot's use: it waits for a call in flight.
func (c *control) release() {
	c.mu.Lock()
	c.dead.Store(true)
	c.mu.Unlock()
}

func (c *control) closePidfd() {
	if fd := c.pidfd.Swap(-1); fd >= 0 {
		unix.Close(int(fd))
	}
}

// kill kills the process and, through its process group, its threads.
// A process that has not made its group yet is killed by itself.
func (c *control) kill() {
	if unix.Kill(-c.pid, unix.SIGKILL) == unix.ESRCH {
		unix.Kill(c.pid, unix.SIGKILL)
	}
}

// call runs a command in the control thread and returns its raw result.
func (c *control) call(cmd, nr uint64, args ...uint64) (uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead.Load() {
		return 0, &errStubGone{"address space released"}
	}
	h := c.h
	h.cmd, h.sysno = cmd, nr
	for i := range h.args {
		h.args[i] = 0
	}
	copy(h.args[:], args)
	h.handToStub()
	if _, err := h.waitSentry(c.p.cmdSpin, c.alive); err != nil {
		return 0, err
	}
	return h.ret, nil
}

// batchEntry is one host system call of a batch: its number and
// arguments.
type batchEntry [7]uint64

// batchNotRun marks the result of a batch entry the stub has not run: no
// system call returns it.
const batchNotRun = 1 << 63

// callBatch runs a command that first runs the batch ents (at most
// batchMax) in the control thread. It returns the command's raw result
// and the error of the batch's first failed call, if any.
func (c *control) callBatch(ents []batchEntry, cmd uint64, args ...uint64) (uint64, error, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead.Load() {
		return 0, nil, &errStubGone{"address space released"}
	}
	b := putBatch(c.p.slotBytes(c.g), ents)
	h := c.h
	h.cmd, h.sysno = cmd, 0
	for i := range h.args {
		h.args[i] = 0
	}
	copy(h.args[:], args)
	h.handToStub()
	if _, err := h.waitSentry(c.p.cmdSpin, c.alive); err != nil {
		return 0, nil, err
	}
	for i, e := range ents {
		r := binary.LittleEndian.Uint64(b[i*batchWords*8+8*7:])
		if _, err := syscallResult(r, nil); err != nil || r == batchNotRun {
			if err == nil {
				err = fmt.Errorf("not run")
			}
			return h.ret, fmt.Errorf("systrap: batched syscall %d: %w", e[0], err), nil
		}
	}
	return h.ret, nil, nil
}

// putBatch writes the batch ents (at most batchMax) into control slot s,
// and returns its batch area.
func putBatch(s []byte, ents []batchEntry) []byte {
	b := s[slBatch : slBatch+batchMax*batchWords*8]
	for i, e := range ents {
		putEntry(b[i*batchWords*8:], e)
	}
	return b
}

// putEntry writes batch entry e at w, its result marked not run.
func putEntry(w []byte, e batchEntry) {
	for j, v := range e {
		binary.LittleEndian.PutUint64(w[8*j:], v)
	}
	binary.LittleEndian.PutUint64(w[8*7:], batchNotRun)
}

// syscallResult turns a raw syscall return into a value or an errno.
func syscallResult(ret uint64, err error) (uint64, error) {
	if err != nil {
		return 0, err
	}
	if r := int64(ret); r < 0 && r > -4096 {
		return 0, unix.Errno(-r)
	}
	return ret, nil
}

// NewAddressSpace returns a fresh address space: it holds only the stub's
// code, its control slot and a first thread. One is kept forked ahead, so
// that fork and execve do not wait for the stub's start.
func (p *Platform) NewAddressSpace() (platform.AddressSpace, error) {
	p.slotMu.Lock()
	if n := len(p.unused); n > 0 {
		as := p.unused[n-1]
		p.unused = p.unused[:n-1]
		p.slotMu.Unlock()
		return as, nil
	}
	p.slotMu.Unlock()
	p.startForkAhead()
	r := <-p.spare
	if r.err != nil {
		return nil, r.err
	}
	return r.as, nil
}

type spareAS struct {
	as  *addressSpace
	err error
}

// forkAhead keeps one address space ready in p.spare.
func (p *Platform) forkAhead() {
	for {
		as, err := p.forkAS()
		p.spare <- spareAS{as, err}
	}
}

// allocASSlots allocates the two slots a new address space starts with:
// its control thread's (g) and its first thread's (g1).
func (p *Platform) allocASSlots() (g, g1 int, err error) {
	if g, err = p.allocSlot(); err != nil {
		return 0, 0, err
	}
	if g1, err = p.allocSlot(); err != nil {
		p.retireNow(g)
		return 0, 0, err
	}
	return g, g1, nil
}

// forkAS forks an address space from the master stub.
func (p *Platform) forkAS() (*addressSpace, error) {
	g, g1, err := p.allocASSlots()
	if err != nil {
		return nil, err
	}
	first := slotRef{1, g1}
	initThreadSlot(p.header(g1), p.stubSpin)
	pid, err := syscallResult(p.master.call(cmdFork, 0, uint64(g)*slotSize, uint64(g1)*slotSize, forkCloneFlags))
	if err != nil {
		p.retireNow(g)
		p.retireNow(g1)
		return nil, fmt.Errorf("systrap: fork stub: %w", err)
	}
	ctl, _ := newControl(p, g, int(pid))
	return &addressSpace{p: p, ctl: ctl, slots: []slotRef{first}, first: &first}, nil
}

// maxUnused bounds the address spaces kept for reuse.
const maxUnused = 2

// keepUnused keeps as, released before any use, for the next
// NewAddressSpace; it reports false if there are enough kept already.
func (p *Platform) keepUnused(as *addressSpace) bool {
	p.slotMu.Lock()
	defer p.slotMu.Unlock()
	if len(p.unused) >= maxUnused {
		return false
	}
	as.released.Store(false)
	p.unused = append(p.unused, as)
	return true
}

// retireNow returns a slot that no stub ever mapped.
func (p *Platform) retireNow(g int) {
	clear(p.slotBytes(g)[:slotHdr])
	p.slotMu.Lock()
	p.free = append(p.free, g)
	p.slotMu.Unlock()
}

// NewContext returns a context with no stub thread yet; it gets one in
// the first address space it switches into.
func (p *Platform) NewContext() platform.Context {
	c := &context{p: p, eventSpin: newSpinBudget(p.eventSpin), stubSpin: newSpinBudget(p.stubSpin), lastNr: -1}
	c.aliveFn = c.alive
	return c
}

func negErrno(e unix.Errno) uint64 { return uint64(-int64(e)) }

// noteHandling records that the sentry took d ns to answer system call nr.
func (p *Platform) noteHandling(nr int, d int64) {
	h := &p.handling[nr]
	old := h.Load()
	h.Store(old + (d-old)/8)
}

// slowSyscall reports whether system call nr usually takes the sentry
// longer than slowNS.
func (p *Platform) slowSyscall(nr uint64) bool {
	return nr < uint64(len(p.handling)) && p.handling[nr].Load() > p.slowNS
}
