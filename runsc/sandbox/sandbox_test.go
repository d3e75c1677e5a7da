package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/runsc/config"
)

// The test binary doubles as a fake runsc: with MOAT_FAKE_DIR set, it acts
// as the gofer or boot subcommand it is started as, checks what it got, and
// reports into that directory.
func TestMain(m *testing.M) {
	if dir := os.Getenv("MOAT_FAKE_DIR"); dir != "" {
		os.Exit(fake(dir))
	}
	os.Exit(m.Run())
}

func report(dir, name, msg string) {
	os.WriteFile(filepath.Join(dir, name), []byte(msg), 0o644)
}

func isSeqpacket(fd int) error {
	typ, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
	if err != nil {
		return err
	}
	if typ != unix.SOCK_SEQPACKET {
		return fmt.Errorf("socket type %d", typ)
	}
	return nil
}

func fake(dir string) int {
	role := ""
	for _, a := range os.Args[1:] {
		if a == "gofer" || a == "boot" {
			role = a
			break
		}
	}
	switch role {
	case "gofer":
		if err := isSeqpacket(3); err != nil {
			report(dir, "gofer", "fd 3: "+err.Error())
			return 1
		}
		report(dir, "gofer", fmt.Sprintf("ok %q", os.Args))
		// Serve until killed.
		for {
			time.Sleep(time.Hour)
		}
	case "boot":
		if err := isSeqpacket(3); err != nil {
			report(dir, "boot", "fd 3: "+err.Error())
			return 1
		}
		data, err := io.ReadAll(os.NewFile(4, "spec"))
		if err != nil {
			report(dir, "boot", "fd 4: "+err.Error())
			return 1
		}
		var spec specs.Spec
		if err := json.Unmarshal(data, &spec); err != nil {
			report(dir, "boot", "spec: "+err.Error())
			return 1
		}
		args := spec.Process.Args
		report(dir, "boot", fmt.Sprintf("ok pid=%d args=%q", os.Getpid(), args))
		// Let the gofer report before the sandbox kills it.
		for i := 0; i < 1000; i++ {
			if _, err := os.Stat(filepath.Join(dir, "gofer")); err == nil {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		switch args[0] {
		case "exit":
			n, _ := strconv.Atoi(args[1])
			return n
		case "wait-signal":
			ch := make(chan os.Signal, 1)
			signal.Notify(ch, syscall.SIGUSR1, syscall.SIGTERM)
			report(dir, "ready", "")
			sig := <-ch
			return 100 + int(sig.(syscall.Signal))
		}
		return 99
	}
	return 98
}

func startFake(t *testing.T, args ...string) (*Sandbox, string) {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("the sandbox's namespaces need root")
	}
	dir := t.TempDir()
	t.Setenv("MOAT_FAKE_DIR", dir)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	spec := &specs.Spec{Process: &specs.Process{Args: args}, Root: &specs.Root{Path: "/", Readonly: true}}
	sb, err := Start(config.Default(), spec, Options{Exe: exe})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	return sb, dir
}

func readReport(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatalf("no report from %s: %v", name, err)
	}
	return string(b)
}

func TestStartAndWait(t *testing.T) {
	sb, dir := startFake(t, "exit", "7")
	code, err := sb.Wait()
	if err != nil || code != 7 {
		t.Errorf("Wait = %d, %v; want 7", code, err)
	}
	if r := readReport(t, dir, "boot"); r[:2] != "ok" || !strings.Contains(r, "pid=1 ") {
		t.Errorf("boot: %s", r)
	}
	if r := readReport(t, dir, "gofer"); r[:2] != "ok" || !strings.Contains(r, `"--root" "/" "--io-fd" "3" "--readonly"`) {
		t.Errorf("gofer: %s", r)
	}
	if sb.Gofer.ProcessState == nil {
		t.Error("the gofer was not reaped")
	}
}

func TestForwardSignals(t *testing.T) {
	sb, dir := startFake(t, "wait-signal")
	stop := sb.ForwardSignals()
	defer stop()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, "ready")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			sb.Sentry.Process.Kill()
			t.Fatal("fake sentry never got ready")
		}
		time.Sleep(10 * time.Millisecond)
	}
	syscall.Kill(os.Getpid(), syscall.SIGUSR1)
	code, err := sb.Wait()
	if err != nil || code != 100+int(syscall.SIGUSR1) {
		t.Errorf("Wait = %d, %v; want %d", code, err, 100+int(syscall.SIGUSR1))
	}
}

func TestExitCode(t *testing.T) {
	for _, tc := range []struct {
		ws   syscall.WaitStatus
		want int
	}{
		{0, 0},
		{7 << 8, 7},
		{255 << 8, 255},
		{syscall.WaitStatus(syscall.SIGKILL), 137},
		{syscall.WaitStatus(syscall.SIGSEGV) | 0x80, 139}, // core dumped
	} {
		if got := ExitCode(tc.ws); got != tc.want {
			t.Errorf("ExitCode(%#x) = %d, want %d", uint32(tc.ws), got, tc.want)
		}
	}
}

func TestStartNoRoot(t *testing.T) {
	if _, err := Start(config.Default(), &specs.Spec{Process: &specs.Process{Args: []string{"x"}}}, Options{}); err == nil {
		t.Error("Start without a root succeeded")
	}
}
