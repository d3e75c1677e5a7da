// Package e2e runs the runsc binary (../../bin/runsc, or $MOAT_RUNSC) as a
// user would. It builds nothing: run `make` first, or `make test`.
package e2e

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// runsc returns the path of the binary under test, skipping the test if
// there is none.
func runsc(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("MOAT_RUNSC"); p != "" {
		return p
	}
	p, err := filepath.Abs("../../bin/runsc")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("no runsc binary at %s: run make first, or set MOAT_RUNSC", p)
	}
	return p
}

type result struct {
	code           int
	stdout, stderr string
}

// run runs runsc with args (and extra FDs from 3 up) and returns its exit
// code and output; it fails the test if runsc does not finish within a
// minute or cannot be started.
func run(t *testing.T, extra []*os.File, args ...string) result {
	t.Helper()
	cmd := exec.Command(runsc(t), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.ExtraFiles = extra
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting runsc %q: %v", args, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("runsc %q did not finish within a minute; stderr:\n%s", args, stderr.String())
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("runsc %q: %v", args, err)
	}
	return result{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
}
