// Command bench is `make bench`: it runs the C microbenchmarks in micro.c
// natively and under `runsc do` on each platform, times `runsc do
// /bin/true`, and measures the sentry's peak RSS while it runs `sleep 5`.
// Each microbenchmark runs -runs times (5) in each environment, the
// environments taking turns, and the fastest median is kept, since other
// work on a shared machine only ever slows a run down. It
// prints a table with medians and ratios to native, and writes every
// figure to results.json (or -out) so that runs can be compared.
//
//	go run ./test/bench [-platforms ptrace,systrap] [-only getpid,fork_wait] [-out FILE]
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// micro lists the microbenchmarks of micro.c, with the goal (a ratio to
// native) of those that have one.
var micro = []struct {
	name, title string
	goal        float64
	big         bool // reads the big file, not the small one
	// bytes, when set, is what one op transfers: the table shows MB/s
	// instead of ns per op (results.json keeps ns per op; the ratio is
	// still of times, sandbox to native).
	bytes int
}{
	{"getpid", "getpid", 7, false, 0},
	{"clock_gettime", "clock_gettime", 2, false, 0},
	{"open_read_close", "open+read+close", 6, false, 0},
	{"fork_wait", "fork+waitpid", 3, false, 0},
	{"fork_exec", "fork+exec+wait /bin/true", 0, false, 0},
	{"pipe_pingpong", "pipe round trip", 4, false, 0},
	{"mmap_touch_1m", "mmap+touch+munmap 1 MiB", 0, false, 0},
	{"page_fault", "page fault (storm, per page)", 0, false, 0},
	{"stream_read", "streamed read 256 MiB", 1.5, true, 0},
	{"tcp_64k", "TCP loopback 64 KiB writes MB/s", 0, false, 64 << 10},
	{"tcp_100", "TCP loopback 100-byte write", 0, false, 0},
}

const (
	trueRuns     = 10
	trueGoalMS   = 60
	rssGoalMiB   = 20
	microTimeout = 90 * time.Second
	sleepSeconds = 5
)

// Results is what results.json holds.
type Results struct {
	Time      time.Time                     `json:"time"`
	Version   string                        `json:"version"`
	Host      string                        `json:"host"`
	CPUs      int                           `json:"cpus"`
	Platforms []string                      `json:"platforms"`
	LoadAvg   [2]string                     `json:"loadavg_start_end"`
	Runs      int                           `json:"runs"`
	Micro     map[string]map[string]float64 `json:"micro_ns_per_op"` // bench -> env -> least median ns/op of Runs runs
	TrueMS    map[string]float64            `json:"runsc_do_true_ms"`
	RSSKiB    map[string]int                `json:"sentry_peak_rss_kib"`
	Errors    []string                      `json:"errors,omitempty"`
}

func main() {
	platforms := flag.String("platforms", "ptrace,systrap", "comma-separated platforms to measure")
	only := flag.String("only", "", "comma-separated microbenchmarks to run (default all)")
	out := flag.String("out", "", "JSON output file (default test/bench/results.json)")
	skipStartup := flag.Bool("skip-startup", false, "skip the /bin/true and RSS measurements")
	runs := flag.Int("runs", 5, "run each microbenchmark this many times and keep the fastest median: other work on a shared machine only ever slows a run down")
	flag.Parse()

	root, err := repoRoot()
	if err != nil {
		fatal(err)
	}
	runsc := os.Getenv("MOAT_RUNSC")
	if runsc == "" {
		runsc = filepath.Join(root, "bin", "runsc")
	}
	if _, err := os.Stat(runsc); err != nil {
		fatal(fmt.Errorf("no runsc binary (run make): %v", err))
	}
	dir := filepath.Join(root, "test", "bench")
	build := filepath.Join(dir, "build")
	bin, data, big, err := buildMicro(dir, build)
	if err != nil {
		fatal(err)
	}
	if *out == "" {
		*out = filepath.Join(dir, "results.json")
	}
	res := &Results{
		Time: time.Now().UTC(), Version: gitVersion(root), Host: hostInfo(), CPUs: runtime.NumCPU(),
		Platforms: strings.Split(*platforms, ","), Runs: *runs,
		Micro: map[string]map[string]float64{}, TrueMS: map[string]float64{}, RSSKiB: map[string]int{},
	}
	res.LoadAvg[0] = loadAvg()
	envs := append([]string{"native"}, res.Platforms...)
	want := map[string]bool{}
	for _, n := range strings.Split(*only, ",") {
		if n != "" {
			want[n] = true
		}
	}

	start := time.Now()
	fmt.Printf("Moat benchmarks (%s, %d CPUs, %s; load average %s)\n\n", res.Host, res.CPUs, res.Version, res.LoadAvg[0])
	fmt.Printf("%-30s", fmt.Sprintf("median ns/op (best of %d)", *runs))
	for _, e := range envs {
		fmt.Printf(" %12s", e)
		if e != "native" {
			fmt.Printf(" %7s", "ratio")
		}
	}
	fmt.Printf(" %7s\n", "goal")
	for _, m := range micro {
		if len(want) > 0 && !want[m.name] {
			continue
		}
		res.Micro[m.name] = map[string]float64{}
		fmt.Printf("%-30s", m.title)
		// The environments take turns, run by run, so that a change in
		// the machine's load touches all of them alike.
		file := data
		if m.big {
			file = big
		}
		best := map[string]float64{}
		failed := map[string]error{}
		for r := 0; r < max(*runs, 1); r++ {
			for _, e := range envs {
				if failed[e] != nil {
					continue
				}
				cmd := []string{bin, m.name, file}
				if e != "native" {
					cmd = append([]string{runsc, "--platform=" + e, "do"}, cmd...)
				}
				v, err := runMicro(cmd)
				if err != nil {
					failed[e] = err
					continue
				}
				if b, ok := best[e]; !ok || v < b {
					best[e] = v
				}
			}
		}
		native := best["native"]
		for _, e := range envs {
			if err := failed[e]; err != nil {
				res.Errors = append(res.Errors, fmt.Sprintf("%s on %s: %v", m.name, e, err))
				fmt.Printf(" %12s", "error")
				if e != "native" {
					fmt.Printf(" %7s", "")
				}
				continue
			}
			v := best[e]
			res.Micro[m.name][e] = v
			if m.bytes > 0 {
				fmt.Printf(" %12.0f", float64(m.bytes)/v*1e3)
			} else {
				fmt.Printf(" %12.0f", v)
			}
			if e != "native" {
				if native > 0 {
					fmt.Printf(" %6.1fx", v/native)
				} else {
					fmt.Printf(" %7s", "")
				}
			}
		}
		if m.goal > 0 {
			fmt.Printf(" %6sx", strconv.FormatFloat(m.goal, 'g', -1, 64))
		}
		fmt.Println()
	}

	if !*skipStartup {
		fmt.Printf("\n%-30s", "startup and memory")
		for _, e := range envs {
			fmt.Printf(" %12s", e)
		}
		fmt.Printf(" %7s\n", "goal")
		fmt.Printf("%-30s", "runsc do /bin/true (ms)")
		for _, e := range envs {
			cmd := []string{"/bin/true"}
			if e != "native" {
				cmd = append([]string{runsc, "--platform=" + e, "do"}, cmd...)
			}
			ms, err := wallMedian(cmd, trueRuns)
			if err != nil {
				res.Errors = append(res.Errors, fmt.Sprintf("/bin/true on %s: %v", e, err))
				fmt.Printf(" %12s", "error")
				continue
			}
			res.TrueMS[e] = ms
			fmt.Printf(" %12.1f", ms)
		}
		fmt.Printf(" %5dms\n", trueGoalMS)
		fmt.Printf("%-30s %12s", "sentry peak RSS, sleep 5 (MiB)", "-")
		for _, e := range res.Platforms {
			kib, err := sentryPeakRSS(runsc, e)
			if err != nil {
				res.Errors = append(res.Errors, fmt.Sprintf("RSS on %s: %v", e, err))
				fmt.Printf(" %12s", "error")
				continue
			}
			res.RSSKiB[e] = kib
			fmt.Printf(" %12.1f", float64(kib)/1024)
		}
		fmt.Printf(" %4dMiB\n", rssGoalMiB)
	}
	for _, e := range res.Errors {
		fmt.Println("error:", e)
	}
	res.LoadAvg[1] = loadAvg()
	fmt.Printf("\nload average at the end: %s (other work on the machine skews the figures)\n", res.LoadAvg[1])
	b, _ := json.MarshalIndent(res, "", "  ")
	if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
		fatal(err)
	}
	fmt.Printf("\nwrote %s in %.0fs\n", *out, time.Since(start).Seconds())
	if len(res.Errors) > 0 {
		os.Exit(1)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if d == filepath.Dir(d) {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
	}
}

// bigSize is the size of the file that stream_read reads.
const bigSize = 256 << 20

// buildMicro compiles micro.c (when it changed), writes the small file
// that open_read_close reads, and makes the big file that stream_read
// reads (once). The files are outside /tmp, which is the sandbox's own
// tmpfs.
func buildMicro(dir, build string) (bin, data, big string, err error) {
	if err := os.MkdirAll(build, 0o755); err != nil {
		return "", "", "", err
	}
	src := filepath.Join(dir, "micro.c")
	bin = filepath.Join(build, "micro")
	si, err := os.Stat(src)
	if err != nil {
		return "", "", "", err
	}
	if bi, err := os.Stat(bin); err != nil || bi.ModTime().Before(si.ModTime()) {
		out, err := exec.Command("gcc", "-O2", "-Wall", "-o", bin, src).CombinedOutput()
		if err != nil {
			return "", "", "", fmt.Errorf("gcc micro.c: %v\n%s", err, out)
		}
	}
	data = filepath.Join(build, "data.txt")
	if err := os.WriteFile(data, bytes.Repeat([]byte("moat bench\n"), 20), 0o644); err != nil {
		return "", "", "", err
	}
	big = filepath.Join(build, "big.dat")
	if fi, err := os.Stat(big); err != nil || fi.Size() != bigSize {
		if err := writeBig(big); err != nil {
			return "", "", "", err
		}
	}
	return bin, data, big, nil
}

// writeBig writes bigSize bytes of a pattern (not a sparse file: reads of
// holes are cheaper than reads of data).
func writeBig(path string) error {
	chunk := bytes.Repeat([]byte("moat streamed read benchmark\n\x00\x01"), (1<<20)/32)
	f, err := os.Create(path + ".tmp")
	if err != nil {
		return err
	}
	for n := 0; n < bigSize; n += len(chunk) {
		if _, err := f.Write(chunk[:min(len(chunk), bigSize-n)]); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}

// runMicro runs one microbenchmark and returns the median of its reps.
func runMicro(argv []string) (float64, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	done := make(chan struct{})
	timer := time.AfterFunc(microTimeout, func() {
		if cmd.Process != nil {
			cmd.Process.Kill()
		}
		close(done)
	})
	out, err := cmd.Output()
	timer.Stop()
	select {
	case <-done:
		return 0, fmt.Errorf("timed out after %v", microTimeout)
	default:
	}
	if err != nil {
		return 0, fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	var vals []float64
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			continue
		}
		if v, err := strconv.ParseFloat(f[1], 64); err == nil {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		return 0, fmt.Errorf("no results: %q", out)
	}
	return median(vals), nil
}

func median(v []float64) float64 {
	sort.Float64s(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// wallMedian runs argv n times and returns the median wall time in ms.
func wallMedian(argv []string, n int) (float64, error) {
	var ms []float64
	for i := 0; i < n; i++ {
		start := time.Now()
		if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
			return 0, fmt.Errorf("%v: %s", err, out)
		}
		ms = append(ms, float64(time.Since(start).Microseconds())/1000)
	}
	return median(ms), nil
}

// sentryPeakRSS runs `runsc do sleep 5` and returns the highest VmHWM of
// its sentry (the child of runsc whose argv[0] is runsc-sandbox), in KiB.
func sentryPeakRSS(runsc, platform string) (int, error) {
	cmd := exec.Command(runsc, "--platform="+platform, "do", "sleep", strconv.Itoa(sleepSeconds))
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	peak, sentry := 0, 0
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err != nil {
				return 0, err
			}
			if peak == 0 {
				return 0, fmt.Errorf("never saw the sentry process")
			}
			return peak, nil
		case <-tick.C:
			if sentry == 0 {
				sentry = findSentry(cmd.Process.Pid)
			}
			if sentry != 0 {
				if kib := vmHWM(sentry); kib > peak {
					peak = kib
				}
			}
		}
	}
}

// findSentry looks for the sentry among the children of every thread of
// runsc (a child is listed under the thread that forked it).
func findSentry(parent int) int {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", parent))
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			pid, _ := strconv.Atoi(f)
			cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			if bytes.HasPrefix(cmdline, []byte("runsc-sandbox\x00")) {
				return pid
			}
		}
	}
	return 0
}

func vmHWM(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			f := strings.Fields(l)
			if len(f) >= 2 {
				v, _ := strconv.Atoi(f[1])
				return v
			}
		}
	}
	return 0
}

func gitVersion(root string) string {
	out, err := exec.Command("git", "-C", root, "describe", "--always", "--dirty").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

// loadAvg returns the 1, 5 and 15 minute load averages.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func hostInfo() string {
	out, err := exec.Command("uname", "-sr").Output()
	if err != nil {
		return runtime.GOOS
	}
	return strings.TrimSpace(string(out))
}
