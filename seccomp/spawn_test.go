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

// TestSpawnerChild runs in a process a Spawner started (TestSpawner): it
// prints its capability sets, then limits them as the sandbox's
// processes do and prints them again.
func TestSpawnerChild(t *testing.T) {
	spec, ok := os.LookupEnv("MOAT_SPAWN_KEEP")
	if !ok {
		t.Skip("run by TestSpawner")
	}
	printCaps := func(when string) {
		data, _ := os.ReadFile("/proc/self/status")
		for _, line := range strings.Split(string(data), "\n") {
			if f := strings.Fields(line); len(f) == 2 && strings.HasPrefix(f[0], "Cap") {
				fmt.Println(when, f[0], f[1])
			}
		}
	}
	printCaps("start")
	if !limitCaps(spec) {
		return
	}
	printCaps("limited")
}

func TestSpawner(t *testing.T) {
	if unix.Geteuid() != 0 {
		t.Skip("needs root")
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		t.Fatal(err)
	}
	all := fmt.Sprintf("%016x", uint64(data[1].Permitted)<<32|uint64(data[0].Permitted))
	mask := func(caps ...int) string {
		var m uint64
		for _, c := range caps {
			m |= 1 << c
		}
		return fmt.Sprintf("%016x", m)
	}
	tests := []struct {
		keep  []int
		bound string // CapBnd at the start
	}{
		{[]int{unix.CAP_CHOWN, unix.CAP_DAC_OVERRIDE, unix.CAP_SYS_PTRACE}, mask(unix.CAP_CHOWN, unix.CAP_DAC_OVERRIDE, unix.CAP_SYS_PTRACE)},
		{[]int{unix.CAP_SYS_PTRACE}, mask(unix.CAP_SYS_PTRACE)},
		{nil, mask()},
		{[]int{unix.CAP_CHOWN}, mask(unix.CAP_CHOWN)},
	}
	for _, tt := range tests {
		var keep []string
		for _, c := range tt.keep {
			keep = append(keep, strconv.Itoa(c))
		}
		var out strings.Builder
		cmd := exec.Command(os.Args[0], "-test.run=^TestSpawnerChild$")
		cmd.Env = append(os.Environ(), "MOAT_SPAWN_KEEP="+strings.Join(keep, ","))
		cmd.Stdout, cmd.Stderr = &out, &out
		s := NewSpawner(tt.keep)
		err := s.Start(cmd)
		if err == nil {
			err = cmd.Wait()
		}
		s.Close()
		if err != nil {
			t.Fatalf("keep %v: %v\n%s", tt.keep, err, out.String())
		}
		// A child starts with every capability for its setup, the
		// bounding set it keeps, and ends with only what it keeps.
		want := map[string]string{
			"start CapPrm:": all, "start CapEff:": all, "start CapBnd:": tt.bound, "start CapAmb:": mask(),
			"limited CapPrm:": mask(tt.keep...), "limited CapEff:": mask(tt.keep...), "limited CapBnd:": tt.bound,
			"limited CapInh:": mask(), "limited CapAmb:": mask(),
		}
		got := map[string]string{}
		for _, line := range strings.Split(out.String(), "\n") {
			if strings.HasPrefix(line, "error:") {
				t.Fatalf("keep %v: %s", tt.keep, line)
			}
			if f := strings.Fields(line); len(f) == 3 {
				got[f[0]+" "+f[1]] = f[2]
			}
		}
		for k, w := range want {
			if got[k] != w {
				t.Errorf("keep %v: %s %s, want %s\n%s", tt.keep, k, got[k], w, out.String())
			}
		}
	}
}
