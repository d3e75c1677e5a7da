package seccomp

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestLimitCapabilitiesChild runs in a child process started by
// TestLimitCapabilities: it limits the capabilities and prints what
// /proc/self/status then says of every thread.
func TestLimitCapabilitiesChild(t *testing.T) {
	spec := os.Getenv("MOAT_CAPS_KEEP")
	if spec == "" {
		t.Skip("run by TestLimitCapabilities")
	}
	if !limitCaps(spec) {
		return
	}
	tasks, _ := os.ReadDir("/proc/self/task")
	for _, task := range tasks {
		data, _ := os.ReadFile("/proc/self/task/" + task.Name() + "/status")
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "Cap") {
				fmt.Println(strings.Join(strings.Fields(line), " "))
			}
		}
	}
}

func TestLimitCapabilities(t *testing.T) {
	if unix.Geteuid() != 0 {
		t.Skip("needs root")
	}
	tests := []struct {
		keep string
		want string // CapEff, CapPrm and CapBnd of every thread
	}{
		{"none", "0000000000000000"},
		{strconv.Itoa(unix.CAP_SYS_PTRACE), fmt.Sprintf("%016x", uint64(1)<<unix.CAP_SYS_PTRACE)},
		{fmt.Sprintf("%d,%d", unix.CAP_CHOWN, unix.CAP_DAC_OVERRIDE), "0000000000000003"},
	}
	for _, tt := range tests {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLimitCapabilitiesChild$")
		cmd.Env = append(os.Environ(), "MOAT_CAPS_KEEP="+tt.keep)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("keep %s: %v\n%s", tt.keep, err, out)
		}
		seen := 0
		for _, line := range strings.Split(string(out), "\n") {
			f := strings.Fields(line)
			if len(f) != 2 || !strings.HasPrefix(f[0], "Cap") {
				if strings.HasPrefix(line, "error:") {
					t.Fatalf("keep %s: %s", tt.keep, line)
				}
				continue
			}
			want := tt.want
			if f[0] == "CapInh:" || f[0] == "CapAmb:" {
				want = "0000000000000000"
			}
			if f[1] != want {
				t.Errorf("keep %s: %s %s, want %s", tt.keep, f[0], f[1], want)
			}
			seen++
		}
		if seen < 5 {
			t.Errorf("keep %s: only %d capability lines:\n%s", tt.keep, seen, out)
		}
	}
}

// limitCaps runs LimitCapabilities with the comma-separated capability
// numbers of spec, for the child processes of the capability tests; it
// prints the error and reports false if there is one.
func limitCaps(spec string) bool {
	var keep []int
	for _, f := range strings.Split(spec, ",") {
		if n, err := strconv.Atoi(f); err == nil {
			keep = append(keep, n)
		}
	}
	if err := LimitCapabilities(keep); err != nil {
		fmt.Println("error:", err)
		return false
	}
	return true
}
