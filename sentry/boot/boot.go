// Package boot builds a sentry Kernel from an OCI spec and runs the
// container's init process until it exits.
package boot

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path"
	"runtime/pprof"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/platform"
	"github.com/moat-dev/moat/runsc/config"
	"github.com/moat-dev/moat/seccomp"
	"github.com/moat-dev/moat/seccomp/bpf"
	"github.com/moat-dev/moat/sentry/fs/dev"
	"github.com/moat-dev/moat/sentry/fs/gofer"
	"github.com/moat-dev/moat/sentry/fs/host"
	"github.com/moat-dev/moat/sentry/fs/overlay"
	procfs "github.com/moat-dev/moat/sentry/fs/proc"
	sysfs "github.com/moat-dev/moat/sentry/fs/sys"
	"github.com/moat-dev/moat/sentry/fs/tmpfs"
	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/loader"
	"github.com/moat-dev/moat/sentry/memfile"
	"github.com/moat-dev/moat/sentry/mm"
	"github.com/moat-dev/moat/sentry/socket/inet"
	"github.com/moat-dev/moat/sentry/syscalls"
	"github.com/moat-dev/moat/sentry/vfs"
)

// memFileSize is the virtual size of the memory file; only used pages
// take memory.
const memFileSize = 64 << 30

// Exit statuses for a command that cannot be started, as shells use.
const (
	exitNotFound = 127
	exitNoExec   = 126
)

// Run boots a sandbox for spec, serving its root filesystem from the gofer
// connected on goferFD, with the application's stdio on stdio. It returns
// the exit status for the sentry process: the init process's exit code, or
// 128+N if signal N killed it.
func Run(conf *config.Config, spec *specs.Spec, goferFD int, stdio [3]int) int {
	log := slog.Default()
	// A CPU profile of the sentry, for development: the file is opened
	// before the sentry loses access to the host filesystem.
	if p := os.Getenv("MOAT_SENTRY_CPUPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil {
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	// The filter depends only on the platform: it compiles while the
	// sandbox is built.
	type compiled struct {
		prog []bpf.Instruction
		err  error
	}
	filter := make(chan compiled, 1)
	go func() {
		prog, err := seccomp.SentryFilter(seccomp.SentryOptions{Platform: conf.Platform})
		filter <- compiled{prog, err}
	}()
	k, err := build(conf, spec, goferFD, stdio, log)
	if err != nil {
		fmt.Fprintf(os.Stderr, "runsc: %v\n", err)
		if conf.Log != "" {
			log.Error("boot failed", "err", err)
		}
		reportBootError(err)
		var se *startError
		if errors.As(err, &se) {
			return se.status
		}
		return 1
	}
	forwardSignals(k)
	if controlFD >= 0 {
		// Under a control socket init waits for its start request;
		// it must be known before the socket serves one.
		startInit(builtInit)
	}
	ctl := startControl(k, spec, log)
	// From here the sentry may make only the host syscalls it needs
	// (DESIGN.md invariant 2). Profiling needs more, so a profiled
	// sentry runs unfiltered.
	if os.Getenv("MOAT_SENTRY_CPUPROFILE") == "" {
		err := seccomp.LimitCapabilities(seccomp.SentryCapabilities(conf.Platform))
		f := <-filter
		if err == nil {
			err = f.err
		}
		if err == nil {
			err = seccomp.Install(f.prog)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "runsc: seccomp: %v\n", err)
			log.Error("seccomp", "err", err)
			return 1
		}
	}
	ctl.serve()
	if controlFD < 0 {
		startInit(builtInit)
	}
	<-k.Done()
	log.Debug("sandbox stats", "syscalls", k.Stats.Syscalls.Load(), "faults", k.Stats.Faults.Load(),
		"switch_ms", k.Stats.SwitchNanos.Load()/1e6, "memfile_pages", k.MemFile.UsedPages())
	status := k.ExitStatus()
	ctl.finish(shellStatus(status))
	if status&0x7f != 0 {
		return 128 + int(status&0x7f)
	}
	return int(status >> 8 & 0xff)
}

// prestart is what Prestart makes: the memory file and the platform.
type prestart struct {
	mf      *memfile.File
	p       platform.Platform
	maxAddr uint64
	err     error
}

// prestarted is Prestart's result, for build.
var prestarted *prestart

// Prestart makes what the sentry needs before it knows the spec: the
// memory file and the platform, whose first stub process takes
// milliseconds to start. The caller reads the spec meanwhile, in another
// goroutine: Prestart runs on the caller's, as build would (the stub's
// parent-death signal is tied to the thread that starts it). Without a
// Prestart, Run makes them itself.
func Prestart(conf *config.Config) {
	prestarted = makePlatform(conf)
}

func makePlatform(conf *config.Config) *prestart {
	mf, err := memfile.New(memFileSize)
	if err != nil {
		return &prestart{err: err}
	}
	newPlatform, ok := platforms[conf.Platform]
	if !ok {
		return &prestart{err: fmt.Errorf("unknown platform %q", conf.Platform)}
	}
	p, maxAddr, err := newPlatform(mf.FD())
	if err != nil {
		err = fmt.Errorf("start %s platform: %w", conf.Platform, err)
	}
	return &prestart{mf: mf, p: p, maxAddr: maxAddr, err: err}
}

type startError struct {
	status int
	err    error
}

func (e *startError) Error() string { return e.err.Error() }

func build(conf *config.Config, spec *specs.Spec, goferFD int, stdio [3]int, log *slog.Logger) (*kernel.Kernel, error) {
	if spec.Process == nil || len(spec.Process.Args) == 0 {
		return nil, errors.New("spec has no process args")
	}
	readHostAuxv()
	raiseNofile()
	if err := setHostOOMScoreAdj(spec.Process); err != nil {
		log.Warn("oom_score_adj", "err", err)
	}
	// A write to a closed pipe must come back as EPIPE, for the sentry to
	// turn into the application's SIGPIPE.
	signal.Ignore(unix.SIGPIPE)

	ps := prestarted
	if ps == nil {
		ps = makePlatform(conf)
	}
	if ps.err != nil {
		return nil, ps.err
	}
	mf, p := ps.mf, ps.p
	mm.MaxAddr = ps.maxAddr
	goferRoot, err := gofer.New(goferFD, mf)
	if err != nil {
		return nil, fmt.Errorf("attach to gofer: %w", err)
	}
	vfs.MaxEvictableDentries = min(vfs.MaxEvictableDentries, gofer.DentryBudget())
	// The root: by default an overlay whose writes stay in memory;
	// with --overlay=none the gofer's tree itself, written through.
	var rootInode vfs.Inode = goferRoot
	fstype := "9p"
	if conf.Overlay != "none" {
		// The upper layer lives in the sandbox's memory, sized by
		// the host's; statfs reports the host disk, less what the
		// sandbox wrote.
		upper := tmpfs.New(mf, tmpfs.Options{Mode: 0o755, Size: totalMemory()})
		gofer.SetUnchanging(goferRoot)
		ov := overlay.New(upper.Root(), goferRoot)
		ov.ReportLowerStatfs()
		rootInode, fstype = ov.Root(), "overlay"
	}
	readonly := spec.Root == nil || spec.Root.Readonly
	source := "/"
	if fstype == "overlay" {
		source = "overlay"
	}
	// A read-only root becomes read-only once the spec's mount points
	// are made in it (in the overlay's memory), as runc makes them
	// before it remounts the root.
	v, rootMount := vfs.New(rootInode, fstype, source, vfs.MountFlags{Readonly: readonly && fstype != "overlay"})
	root := vfs.VirtualDentry{Mount: rootMount, Dentry: rootMount.Root}
	k := kernel.New(p, mf, v, root, log)
	if conf.Strace {
		k.Strace = true
		k.StraceOut = func(s string) { log.Info(s) }
		if conf.DebugLog == "" && conf.Log == "" {
			k.StraceOut = func(s string) { fmt.Fprintln(os.Stderr, s) }
		}
	}
	if spec.Hostname != "" {
		k.SetHostname(spec.Hostname)
	}
	syscalls.Install()
	syscalls.SetMemFile(mf)
	if err := mountSynthetic(k, spec, mf, goferRoot); err != nil {
		return nil, err
	}
	if spec.Linux != nil {
		// In runc's order: read-only paths, then masked ones.
		if err := readonlyPaths(k, spec.Linux.ReadonlyPaths); err != nil {
			return nil, err
		}
		if err := maskPaths(k, mf, spec.Linux.MaskedPaths); err != nil {
			return nil, err
		}
	}
	if readonly {
		v.SetFlags(rootMount, vfs.MountFlags{Readonly: true})
	}
	if err := compileSeccomp(spec); err != nil {
		return nil, err
	}

	fds := vfs.NewFDTable()
	for i, hfd := range stdio {
		nfd, err := unix.Dup(hfd)
		if err != nil {
			return nil, fmt.Errorf("dup stdio %d: %w", i, err)
		}
		unix.CloseOnExec(nfd)
		fl, err := unix.FcntlInt(uintptr(nfd), unix.F_GETFL, 0)
		if err != nil {
			fl = unix.O_RDWR
		}
		f := vfs.NewFile(host.New(nfd), vfs.VirtualDentry{}, fl&(unix.O_ACCMODE|unix.O_APPEND))
		fds.Set(i, f, false, 3)
		f.DecRef()
	}

	proc := spec.Process
	creds, err := ProcessCreds(proc)
	if err != nil {
		return nil, err
	}
	limits := kernel.DefaultLimits()
	var hostNofile unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &hostNofile) == nil {
		limits[kernel.RlimitNofile] = kernel.Rlimit{Cur: min(1024, hostNofile.Max), Max: min(hostNofile.Max, kernel.NrOpen)}
	}
	for _, rl := range proc.Rlimits {
		if r, ok := rlimitNames[rl.Type]; ok {
			limits[r] = kernel.Rlimit{Cur: rl.Soft, Max: rl.Hard}
		}
	}
	cwd := proc.Cwd
	if cwd == "" {
		cwd = "/"
	}
	argv := proc.Args
	file := argv[0]
	if !strings.Contains(file, "/") {
		file = lookPath(k, creds, proc.Env, file)
	}
	umask := uint32(0o022)
	if proc.User.Umask != nil {
		umask = *proc.User.Umask & 0o777
	}
	t, err := k.CreateInit(kernel.ProcessArgs{
		Path: file, Argv: argv, Envv: proc.Env, Cwd: cwd, Creds: creds,
		Limits: limits, Umask: umask, FDs: fds,
	})
	if err != nil {
		return nil, execError(argv[0], err)
	}
	if err := applyProcess(t, proc, proc.OOMScoreAdj); err != nil {
		return nil, err
	}
	if err := setupTerminal(k, spec, t, stdio); err != nil {
		return nil, err
	}
	if err := sandboxSelf(log); err != nil {
		log.Warn("could not confine the sentry", "err", err)
	}
	// Init starts in Run, once the sentry's seccomp filter is in place.
	builtInit = t
	return k, nil
}

// builtInit is the init task build made, started by Run.
var builtInit *kernel.Task

// execError turns a failed start into the message and status a shell
// would give.
func execError(name string, err error) error {
	var errno unix.Errno
	status := exitNoExec
	if errors.As(err, &errno) {
		switch errno {
		case unix.ENOENT, unix.ENOTDIR:
			status = exitNotFound
		}
		return &startError{status, fmt.Errorf("exec %s: %s", name, errnoText(errno))}
	}
	return &startError{status, fmt.Errorf("exec %s: %v", name, err)}
}

func errnoText(e unix.Errno) string {
	s := e.Error()
	if s == "" {
		return fmt.Sprintf("errno %d", int(e))
	}
	return s
}

// lookPath finds file in the PATH of env, inside the sandbox.
func lookPath(k *kernel.Kernel, creds *kernel.Creds, env []string, file string) string {
	pathVar := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	for _, e := range env {
		if strings.HasPrefix(e, "PATH=") {
			pathVar = e[5:]
		}
	}
	for _, dir := range strings.Split(pathVar, ":") {
		if dir == "" {
			dir = "."
		}
		p := path.Join(dir, file)
		r := &vfs.Resolver{Root: k.Root, Start: k.Root, FollowFinal: true, Creds: creds.VFS()}
		vd, err := k.VFS.Resolve(r, p)
		if err != nil {
			continue
		}
		st, err := vd.Inode().Stat()
		if err == nil && st.IsRegular() && st.Mode&0o111 != 0 {
			return p
		}
	}
	return file
}

var rlimitNames = map[string]int{
	"RLIMIT_CPU": kernel.RlimitCPU, "RLIMIT_FSIZE": kernel.RlimitFsize, "RLIMIT_DATA": kernel.RlimitData,
	"RLIMIT_STACK": kernel.RlimitStack, "RLIMIT_CORE": kernel.RlimitCore, "RLIMIT_RSS": kernel.RlimitRSS,
	"RLIMIT_NPROC": kernel.RlimitNproc, "RLIMIT_NOFILE": kernel.RlimitNofile, "RLIMIT_MEMLOCK": kernel.RlimitMemlock,
	"RLIMIT_AS": kernel.RlimitAS, "RLIMIT_LOCKS": kernel.RlimitLocks, "RLIMIT_SIGPENDING": kernel.RlimitSigpending,
	"RLIMIT_MSGQUEUE": kernel.RlimitMsgqueue, "RLIMIT_NICE": kernel.RlimitNice, "RLIMIT_RTPRIO": kernel.RlimitRtprio,
	"RLIMIT_RTTIME": kernel.RlimitRttime,
}

// mountSynthetic mounts the sentry's own /dev, /proc and /sys where the
// root filesystem has directories for them, then the spec's other mounts:
// tmpfs (/tmp, /dev/shm, ...) and bind mounts of host directories.
func mountSynthetic(k *kernel.Kernel, spec *specs.Spec, mf *memfile.File, lower vfs.Inode) error {
	procfs.NetStack = syscalls.NetStack
	procfs.UnixSockets = syscalls.UnixSockets
	mounts := []struct {
		dst    string
		fstype string
		root   func() vfs.Inode
	}{
		{"/dev", "tmpfs", dev.New},
		// proc.New reads the host's cpuinfo: this runs before the
		// sentry gives up the host filesystem.
		{"/proc", "proc", func() vfs.Inode { return procfs.New(k) }},
		{"/sys", "sysfs", func() vfs.Inode {
			return sysfs.New(func() *inet.Stack {
				st, _ := syscalls.NetStack(k)
				return st
			})
		}},
	}
	for _, m := range mounts {
		r := &vfs.Resolver{Root: k.Root, Start: k.Root, FollowFinal: true}
		vd, err := k.VFS.Resolve(r, m.dst)
		if err != nil {
			continue
		}
		k.VFS.Mount(vd, m.root(), m.fstype, m.fstype, specMountFlags(spec, m.dst))
	}
	for _, m := range spec.Mounts {
		// A mount the sandbox cannot make (a bind mount of a host
		// directory outside the rootfs the gofer serves, a mount point
		// in a read-only root) is left out, as before mounts existed,
		// rather than failing the container.
		if err := mountSpec(k, spec, mf, lower, m); err != nil {
			slog.Default().Warn("mount left out", "type", m.Type, "source", m.Source, "destination", m.Destination, "err", err)
		}
	}
	return nil
}

// mountFlags returns the per-mount flags OCI mount options name (ro,
// nosuid, nodev, noexec; a later rw, suid, dev or exec undoes one).
func mountFlags(opts []string) vfs.MountFlags {
	var f vfs.MountFlags
	for _, o := range opts {
		switch o {
		case "ro":
			f.Readonly = true
		case "rw":
			f.Readonly = false
		case "nosuid":
			f.NoSuid = true
		case "suid":
			f.NoSuid = false
		case "nodev":
			f.NoDev = true
		case "dev":
			f.NoDev = false
		case "noexec":
			f.NoExec = true
		case "exec":
			f.NoExec = false
		}
	}
	return f
}

// specMountFlags returns the flags the spec gives the mount at dst, for
// the sandbox's own /dev, /proc and /sys.
func specMountFlags(spec *specs.Spec, dst string) vfs.MountFlags {
	var f vfs.MountFlags
	for _, m := range spec.Mounts {
		if path.Clean("/"+m.Destination) == dst {
			f = mountFlags(m.Options)
		}
	}
	return f
}

// hasOption reports whether opts holds o.
func hasOption(opts []string, o string) bool {
	for _, x := range opts {
		if x == o {
			return true
		}
	}
	return false
}

// totalMemory is the host's RAM, which tmpfs sizes are a share of.
func totalMemory() uint64 {
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) != nil {
		return 4 << 30
	}
	return uint64(si.Totalram) * uint64(si.Unit)
}

// mountPoint resolves dst, creating the directory (and its parents) in
// a writable filesystem if it is missing, as runc does.
func mountPoint(k *kernel.Kernel, dst string) (vfs.VirtualDentry, error) {
	r := &vfs.Resolver{Root: k.Root, Start: k.Root, FollowFinal: true}
	vd, err := k.VFS.Resolve(r, dst)
	if err == nil {
		return vd, nil
	}
	if err != unix.ENOENT {
		return vd, err
	}
	cur := k.Root
	for _, name := range strings.Split(strings.Trim(path.Clean(dst), "/"), "/") {
		next, err := k.VFS.Child(cur, name)
		if err == unix.ENOENT {
			next, err = k.VFS.Mknod(cur, name, vfs.CreateOpts{Node: vfs.NewNode{Mode: unix.S_IFDIR | 0o755}})
		}
		if err != nil {
			return vd, err
		}
		cur = next
	}
	return cur, nil
}

// mountSpec performs one OCI mount.
func mountSpec(k *kernel.Kernel, spec *specs.Spec, mf *memfile.File, lower vfs.Inode, m specs.Mount) error {
	dst := path.Clean("/" + m.Destination)
	flags := mountFlags(m.Options)
	bind := m.Type == "bind" || hasOption(m.Options, "bind") || hasOption(m.Options, "rbind")
	switch {
	case bind:
		// The gofer serves the rootfs, and the sources outside it
		// (GoferMounts) as trees of their own.
		in, err := bindSource(spec, lower, m.Source)
		if err != nil {
			return err
		}
		vd, err := bindMountPoint(k, dst, in)
		if err != nil {
			return err
		}
		// mountinfo's root field shows the host directory, as a
		// bind mount of the host's filesystem would.
		bm := k.VFS.Mount(vd, in, "9p", path.Clean(m.Source), flags)
		bm.FSRoot = path.Clean(m.Source)
	case m.Type == "tmpfs" && dst != "/dev":
		o, err := tmpfs.ParseOptions(m.Options, totalMemory())
		if err != nil {
			return err
		}
		if o.Size == 0 {
			o.Size = totalMemory() / 2
		}
		vd, err := mountPoint(k, dst)
		if err != nil {
			return err
		}
		src := m.Source
		if src == "" {
			src = "tmpfs"
		}
		var root vfs.Inode = tmpfs.New(mf, o).Root()
		if dst == "/tmp" {
			// A tmpfs on /tmp does not hide what the rootfs has
			// there: it becomes the upper layer over it.
			if lowerTmp, err := lower.Lookup("tmp"); err == nil {
				if st, err := lowerTmp.Stat(); err == nil && st.IsDir() {
					root = overlay.New(root, lowerTmp).Root()
				}
			}
		}
		k.VFS.Mount(vd, root, "tmpfs", src, flags)
	}
	return nil
}

// readHostAuxv passes the hardware capability words of the host through
// to applications: they describe the CPU that runs their code.
func readHostAuxv() {
	b, err := os.ReadFile("/proc/self/auxv")
	if err != nil {
		return
	}
	for i := 0; i+16 <= len(b); i += 16 {
		tag, val := binary.LittleEndian.Uint64(b[i:]), binary.LittleEndian.Uint64(b[i+8:])
		switch tag {
		case 16, 26, 51: // AT_HWCAP, AT_HWCAP2, AT_MINSIGSTKSZ
			loader.HostAuxv[tag] = val
		}
	}
}

// raiseNofile lifts the sentry's own FD limit: each open file of the
// application may hold a host FD.
func raiseNofile() {
	var l unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &l) == nil && l.Cur < l.Max {
		l.Cur = l.Max
		unix.Setrlimit(unix.RLIMIT_NOFILE, &l)
	}
}

// forwardSignals passes signals sent to the sentry process to the
// container's init, as a container runtime does.
func forwardSignals(k *kernel.Kernel) {
	ch := make(chan os.Signal, 8)
	signal.Notify(ch, unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2)
	go func() {
		for s := range ch {
			k.SignalInit(int(s.(unix.Signal)))
		}
	}()
}

// sandboxSelf moves the sentry into an empty root so that it cannot
// reach the host filesystem: a new tmpfs becomes / and the old root is
// detached. It needs the private mount namespace runsc gives the sentry.
func sandboxSelf(log *slog.Logger) error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make mounts private: %w", err)
	}
	dir, err := os.MkdirTemp("", "moat-root-")
	if err != nil {
		return err
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "size=1m,mode=0555"); err != nil {
		os.Remove(dir)
		return fmt.Errorf("mount empty root: %w", err)
	}
	old := path.Join(dir, "old")
	if err := unix.Mkdir(old, 0); err != nil {
		return err
	}
	if err := unix.PivotRoot(dir, old); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return err
	}
	if err := unix.Unmount("/old", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach old root: %w", err)
	}
	unix.Rmdir("/old")
	if err := unix.Mount("", "/", "", unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_BIND, ""); err != nil {
		log.Debug("remount root read-only", "err", err)
	}
	return nil
}
