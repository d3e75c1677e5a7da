package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// `runsc do -t`: the command runs on a sandbox terminal connected to the
// caller's. TestTTYBash drives an interactive bash through tmux as a
// person would; the others need no terminal.

// ttyNeedRoot skips tests that start sandboxes when not root.
func ttyNeedRoot(t *testing.T) {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("runsc do needs root")
	}
}

// pane is a tmux session running one command in a terminal of its own.
type ttyPane struct {
	t    *testing.T
	name string
}

func newTTYPane(t *testing.T, cols, rows int, command string) *ttyPane {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("no tmux")
	}
	p := &ttyPane{t: t, name: fmt.Sprintf("moat-tty-%d-%d", os.Getpid(), time.Now().UnixNano())}
	// A private server socket: nothing of the user's tmux is touched.
	out, err := p.tmux("new-session", "-d", "-s", p.name, "-x", fmt.Sprint(cols), "-y", fmt.Sprint(rows), command)
	if err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("screen at the end:\n%s", p.screen())
		}
		p.tmux("kill-server")
	})
	return p
}

func (p *ttyPane) tmux(args ...string) (string, error) {
	cmd := exec.Command("tmux", append([]string{"-L", p.name, "-f", "/dev/null"}, args...)...)
	// The pane gets a plain terminal.
	cmd.Env = append(os.Environ(), "TERM=xterm")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// keys types keys (tmux key names, e.g. "C-c", "Enter").
func (p *ttyPane) keys(keys ...string) {
	p.t.Helper()
	if out, err := p.tmux(append([]string{"send-keys", "-t", p.name}, keys...)...); err != nil {
		p.t.Fatalf("tmux send-keys %q: %v\n%s", keys, err, out)
	}
}

// screen returns what the pane shows, with scrollback.
func (p *ttyPane) screen() string {
	out, _ := p.tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", p.name)
	return out
}

// waitFor waits up to 20s for the screen to satisfy ok.
func (p *ttyPane) waitFor(what string, ok func(screen string) bool) string {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := p.screen()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("timed out waiting for %s; screen:\n%s", what, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

const ttyPrompt = "tty-test$ "

// waitPrompts waits until the screen shows n prompts.
func (p *ttyPane) waitPrompts(n int) string {
	p.t.Helper()
	return p.waitFor(fmt.Sprintf("prompt #%d", n), func(s string) bool { return strings.Count(s, ttyPrompt) >= n })
}

// TestTTYBash is the interactive case: bash on a sandbox terminal shows
// a prompt, runs ls, stops sleep with ^Z, resumes it with fg, interrupts
// it with ^C, follows the window size, and exits with its status; the
// caller's terminal settings are restored.
func TestTTYBash(t *testing.T) {
	ttyNeedRoot(t)
	bin := runsc(t)
	cmd := fmt.Sprintf(`before=$(stty -g); PS1='%s' %s do -t /bin/bash --norc --noprofile; echo "RUNSC-EXIT=$?"; `+
		`[ "$(stty -g)" = "$before" ] && echo TTY-RESTORED; sleep 600`, ttyPrompt, bin)
	p := newTTYPane(t, 120, 40, cmd)

	n := 1
	p.waitPrompts(n)
	p.keys("ls /", "Enter")
	n++
	s := p.waitPrompts(n)
	for _, want := range []string{"proc", "usr", "etc"} {
		if !strings.Contains(s, want) {
			t.Errorf("ls / shows no %q", want)
		}
	}

	p.keys("tty; stty size", "Enter")
	n++
	s = p.waitPrompts(n)
	if !strings.Contains(s, "/dev/pts/0") || !strings.Contains(s, "40 120") {
		t.Errorf("tty; stty size: want /dev/pts/0 and 40 120")
	}

	// ^Z stops the foreground job; bash reports it.
	p.keys("sleep 100", "Enter")
	time.Sleep(500 * time.Millisecond)
	p.keys("C-z")
	n++
	s = p.waitPrompts(n)
	if !strings.Contains(s, "Stopped") || !strings.Contains(s, "sleep 100") {
		t.Fatalf("^Z: no Stopped job")
	}
	// fg resumes it in the foreground, ^C interrupts it.
	p.keys("fg", "Enter")
	p.waitFor("fg", func(s string) bool { return strings.Count(s, "sleep 100") >= 3 })
	time.Sleep(500 * time.Millisecond)
	p.keys("C-c")
	n++
	p.waitPrompts(n)
	p.keys("echo status=$?", "Enter")
	n++
	s = p.waitPrompts(n)
	if !strings.Contains(s, "status=130") {
		t.Errorf("after ^C: want status=130 (SIGINT)")
	}
	p.keys("jobs; echo jobs-done", "Enter")
	n++
	s = p.waitPrompts(n)
	if strings.Contains(s[strings.LastIndex(s, "jobs; echo"):], "Stopped") {
		t.Errorf("a job is still stopped after fg and ^C")
	}

	// A new window size reaches the sandbox terminal.
	if out, err := p.tmux("resize-window", "-t", p.name, "-x", "100", "-y", "30"); err != nil {
		t.Fatalf("tmux resize-window: %v\n%s", err, out)
	}
	time.Sleep(500 * time.Millisecond)
	p.keys("stty size", "Enter")
	n++
	s = p.waitPrompts(n)
	if !strings.Contains(s, "30 100") {
		t.Errorf("after resize: want stty size 30 100")
	}

	p.keys("exit 7", "Enter")
	s = p.waitFor("runsc to exit", func(s string) bool { return strings.Contains(s, "RUNSC-EXIT=") })
	if !strings.Contains(s, "RUNSC-EXIT=7") {
		t.Errorf("want exit status 7")
	}
	s = p.waitFor("the terminal check", func(s string) bool { return strings.Contains(s, "TTY-RESTORED") })
}

// TestTTYPipedInput runs -t with stdin a pipe: the input is typed into
// the sandbox terminal, which echoes it, and its end is an end of file.
func TestTTYPipedInput(t *testing.T) {
	ttyNeedRoot(t)
	cmd := exec.Command(runsc(t), "do", "-t", "/bin/sh")
	cmd.Stdin = strings.NewReader("echo hi; exit 3\n")
	out, err := cmd.Output()
	if cmd.ProcessState == nil {
		t.Fatalf("runsc: %v", err)
	}
	if code := cmd.ProcessState.ExitCode(); code != 3 {
		t.Errorf("exit status %d, want 3; output %q", code, out)
	}
	if !strings.Contains(string(out), "hi\r\n") {
		t.Errorf("output %q has no \"hi\\r\\n\"", out)
	}

	// End of input is an end of file for the shell.
	cmd = exec.Command(runsc(t), "do", "-t", "/bin/sh", "-c", "cat; echo EOF")
	cmd.Stdin = strings.NewReader("a line\n")
	out, _ = cmd.Output()
	if !strings.Contains(string(out), "a line\r\na line\r\nEOF\r\n") {
		t.Errorf("cat output %q, want the echo, the line, then EOF", out)
	}
}

// TestTTYSession checks what the command on a terminal sees: the slave
// of /dev/pts on its stdio, as its controlling terminal, itself in the
// foreground; and that without -t (stdio not a terminal) it gets none.
func TestTTYSession(t *testing.T) {
	ttyNeedRoot(t)
	script := `tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-tty; ` +
		`exec 3</dev/tty && echo has-ctty; ` +
		`test "$(stat -c %F /dev/ptmx)" = "character special file" && echo ptmx`
	r := run(t, nil, "do", "-t", "/bin/sh", "-c", script)
	for _, want := range []string{"/dev/pts/0\r\n", "all-tty\r\n", "has-ctty\r\n", "ptmx\r\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("-t: output %q has no %q", r.stdout, want)
		}
	}
	if r.code != 0 {
		t.Errorf("-t: status %d, stderr %q", r.code, r.stderr)
	}

	r = run(t, nil, "do", "/bin/sh", "-c", "tty; exec 3</dev/tty")
	if !strings.Contains(r.stdout, "not a tty") || r.code == 0 {
		t.Errorf("without -t: got %q status %d, want not a tty and a failure", r.stdout, r.code)
	}
}
