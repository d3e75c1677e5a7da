// Package syscalls runs the C behaviour tests in this directory, first on the
// host kernel and then inside the sandbox on every platform.
//
// Each NAME.c here is a small program that checks one area of the syscall
// interface against exact Linux semantics. It prints nothing but "PASS\n"
// and exits 0 when every check holds; otherwise it prints each failed check
// (file:line, expression, got/want) to stderr and exits 1. testutil.h holds
// the check macros.
//
// The runner compiles every NAME.c once per test process into build/NAME
// (gcc -O1 -Wall, dynamically linked), and a few also into build/NAME_static
// (-static), because static binaries must work too. A binary that is newer
// than its source and the headers here, and was built with the same command line
// (recorded in build/NAME.cmd), is not rebuilt. Each .c file starts with
// "//go:build ignore" so that the go tool does not try to build it as cgo.
// Then, for each program:
//
//	TestSyscalls/native/NAME   runs build/NAME on the host. This checks the
//	                           test itself: it must pass on real Linux.
//	TestSyscalls/ptrace/NAME   runs `$RUNSC --platform=ptrace do build/NAME`.
//
// RUNSC is $MOAT_RUNSC if set, else ../../bin/runsc (build it with `make` at
// the top of the repository). If it does not exist, the sandbox groups fail.
//
// Examples:
//
//	go test ./test/syscalls/ -run 'TestSyscalls/native/' -v       # all, natively
//	go test ./test/syscalls/ -run 'TestSyscalls/native/^pipe$' -v # one, natively
//	go test ./test/syscalls/ -run 'TestSyscalls/ptrace/^pipe$' -v # one, under ptrace
//	go test ./test/syscalls/ -run 'TestSyscalls/.*/^pipe$' -v     # one, everywhere
//	MOAT_RUNSC=/path/to/runsc go test ./test/syscalls/           # another runsc
//
// (Anchor the name: 'pipe$' alone would also match shell_pipe.)
//
// A program can also be run by hand after a first `go test` has built it:
//
//	test/syscalls/build/pipe
//	bin/runsc --platform=ptrace do $PWD/test/syscalls/build/pipe
//
// At most maxParallel programs run at once (the CI machines have 2 cores),
// and each run has a timeout, so a hang fails rather than blocks.
package syscalls

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// platforms lists the sandbox platforms every test runs under. Adding a
// platform is one line here.
var platforms = []string{
	"ptrace",
	"systrap",
}

// staticTests are also built with -static, as NAME_static.
var staticTests = []string{
	"arch_prctl",
	"execve",
	"signal",
	"threads",
}

const (
	// maxParallel bounds how many test programs (and compilers) run at once.
	maxParallel = 2
	// runTimeout bounds one run of one test program.
	runTimeout = 60 * time.Second
	// buildDir holds the compiled programs (gitignored).
	buildDir = "build"
)

var (
	cflags = []string{"-O1", "-Wall", "-pthread"}

	sem = make(chan struct{}, maxParallel)

	buildOnce sync.Once
	builds    map[string]*buildResult // by program name
	buildErr  error
)

type buildResult struct {
	bin    string // absolute path
	output string // compiler output (warnings or errors)
	err    error
}

// acquire takes one of the maxParallel slots; the returned func gives it back.
func acquire() func() {
	sem <- struct{}{}
	return func() { <-sem }
}

// makeFixtures makes in dir the files that tests need to find on the host
// rather than make themselves (what a test makes under the sandbox is in
// the sandbox's overlay): fifo_fixture, a FIFO that the sandbox reaches
// through the gofer.
func makeFixtures(dir string) error {
	p := filepath.Join(dir, "fifo_fixture")
	if st, err := os.Lstat(p); err == nil && st.Mode()&os.ModeNamedPipe != 0 {
		return nil
	}
	os.Remove(p)
	if err := syscall.Mkfifo(p, 0o666); err != nil {
		return fmt.Errorf("make %s: %w", p, err)
	}
	return os.Chmod(p, 0o666)
}

// buildAll compiles every .c file once per process.
func buildAll() (map[string]*buildResult, error) {
	buildOnce.Do(func() {
		builds, buildErr = compile()
	})
	return builds, buildErr
}

func compile() (map[string]*buildResult, error) {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		return nil, fmt.Errorf("gcc not found: the syscall tests need a C compiler: %v", err)
	}
	srcs, err := filepath.Glob("*.c")
	if err != nil {
		return nil, err
	}
	if len(srcs) == 0 {
		return nil, errors.New("no *.c test programs found in the test directory")
	}
	absBuild, err := filepath.Abs(buildDir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(absBuild, 0o755); err != nil {
		return nil, err
	}
	if err := makeFixtures(absBuild); err != nil {
		return nil, err
	}
	isStatic := make(map[string]bool)
	for _, s := range staticTests {
		isStatic[s] = true
	}

	type job struct {
		name, src string
		extra     []string
	}
	// Any header may be included (testutil.h, mountutil.h, syspatch.h):
	// a change to one rebuilds every program.
	headers, err := filepath.Glob("*.h")
	if err != nil {
		return nil, err
	}
	var jobs []job
	for _, src := range srcs {
		name := strings.TrimSuffix(src, ".c")
		jobs = append(jobs, job{name: name, src: src})
		if isStatic[name] {
			jobs = append(jobs, job{name: name + "_static", src: src, extra: []string{"-static"}})
		}
	}
	for _, s := range staticTests {
		if _, err := os.Stat(s + ".c"); err != nil {
			return nil, fmt.Errorf("staticTests names %q, which has no %s.c", s, s)
		}
	}

	res := make(map[string]*buildResult)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer acquire()()
			bin := filepath.Join(absBuild, j.name)
			args := append([]string{}, cflags...)
			args = append(args, j.extra...)
			args = append(args, "-o", bin, j.src)
			r := &buildResult{bin: bin}
			stamp := bin + ".cmd"
			cmdline := gcc + " " + strings.Join(args, " ") + "\n"
			if !upToDate(bin, stamp, cmdline, append([]string{j.src}, headers...)...) {
				os.Remove(stamp)
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				defer cancel()
				cmd := exec.CommandContext(ctx, gcc, args...)
				out, err := cmd.CombinedOutput()
				r.output = string(out)
				if err != nil {
					r.err = fmt.Errorf("gcc %s: %v", strings.Join(args, " "), err)
				} else if err := os.WriteFile(stamp, []byte(cmdline), 0o644); err != nil {
					r.err = err
				}
			}
			mu.Lock()
			res[j.name] = r
			mu.Unlock()
		}()
	}
	wg.Wait()
	return res, nil
}

// upToDate reports whether bin exists, was built by exactly cmdline (as
// recorded in stamp), and is newer than every one of srcs.
func upToDate(bin, stamp, cmdline string, srcs ...string) bool {
	b, err := os.ReadFile(stamp)
	if err != nil || string(b) != cmdline {
		return false
	}
	bi, err := os.Stat(bin)
	if err != nil {
		return false
	}
	for _, s := range srcs {
		si, err := os.Stat(s)
		if err != nil || !si.ModTime().Before(bi.ModTime()) {
			return false
		}
	}
	return true
}

// runsc returns the absolute path of the runsc binary under test.
func runsc() (string, error) {
	p := os.Getenv("MOAT_RUNSC")
	if p == "" {
		p = filepath.Join("..", "..", "bin", "runsc")
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(abs); err != nil {
		return "", fmt.Errorf("runsc not found at %s (%v): run `make` at the top of the repository first, or set MOAT_RUNSC", abs, err)
	}
	return abs, nil
}

// runResult is what one run of a test program produced.
type runResult struct {
	stdout, stderr []byte
	err            error
	elapsed        time.Duration
	timedOut       bool
}

// run runs argv with a timeout, from /, with stdin from /dev/null. The
// command gets its own process group, and a timeout kills the whole group.
func run(argv []string) runResult {
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = "/"
	cmd.Stdin = nil
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	// If a grandchild keeps stdout or stderr open, give up on it.
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	return runResult{
		stdout:   stdout.Bytes(),
		stderr:   stderr.Bytes(),
		err:      err,
		elapsed:  time.Since(start),
		timedOut: ctx.Err() != nil,
	}
}

// check fails t unless r is a clean pass: exit status 0 and stdout exactly
// "PASS\n".
func check(t *testing.T, argv []string, r runResult) {
	t.Helper()
	ok := r.err == nil && !r.timedOut && string(r.stdout) == "PASS\n"
	if ok {
		if len(r.stderr) > 0 {
			t.Logf("stderr:\n%s", r.stderr)
		}
		return
	}
	var why string
	switch {
	case r.timedOut:
		why = fmt.Sprintf("timed out after %v", runTimeout)
	case r.err != nil:
		why = r.err.Error()
	default:
		why = `exit status 0 but stdout is not exactly "PASS\n"`
	}
	t.Errorf("%s: %s (after %v)\n--- stdout ---\n%s--- stderr ---\n%s--- end ---",
		strings.Join(argv, " "), why, r.elapsed.Round(time.Millisecond),
		withNewline(r.stdout), withNewline(r.stderr))
}

func withNewline(b []byte) string {
	if len(b) == 0 || b[len(b)-1] == '\n' {
		return string(b)
	}
	return string(b) + "\n"
}

func TestSyscalls(t *testing.T) {
	res, err := buildAll()
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(res))
	for n := range res {
		names = append(names, n)
	}
	sort.Strings(names)

	// nativeFailed records which programs failed natively; their sandbox
	// runs are then meaningless and are skipped with a pointer to the cause.
	var mu sync.Mutex
	nativeFailed := make(map[string]bool)

	runAll := func(t *testing.T, prefix []string, native bool) {
		for _, name := range names {
			b := res[name]
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				if b.err != nil {
					t.Fatalf("build failed: %v\n%s", b.err, b.output)
				}
				if !native {
					mu.Lock()
					nf := nativeFailed[name]
					mu.Unlock()
					if nf {
						t.Skipf("native/%s failed, so the test itself is wrong; fix it first", name)
					}
				}
				if b.output != "" {
					t.Logf("compiler output:\n%s", b.output)
				}
				argv := append(append([]string{}, prefix...), b.bin)
				release := acquire()
				r := run(argv)
				release()
				check(t, argv, r)
				if native && t.Failed() {
					mu.Lock()
					nativeFailed[name] = true
					mu.Unlock()
				}
			})
		}
	}

	// Parallel subtests inside a group finish before t.Run of the group
	// returns, so every native run is done before the sandbox runs start.
	t.Run("native", func(t *testing.T) {
		runAll(t, nil, true)
	})
	for _, p := range platforms {
		t.Run(p, func(t *testing.T) {
			bin, err := runsc()
			if err != nil {
				t.Fatal(err)
			}
			runAll(t, []string{bin, "--platform=" + p, "do"}, false)
		})
	}
}
