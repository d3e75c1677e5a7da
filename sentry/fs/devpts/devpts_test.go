package devpts

import (
	"bytes"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/vfs"
	"github.com/moat-dev/moat/sentry/waiter"
)

// These tests drive a pair from outside any task, where reads and
// writes never wait; test/syscalls/pty_*.c check the same behaviour
// against Linux.

func openPair(t *testing.T) (*FS, *masterFile, *slaveFile) {
	t.Helper()
	fs := New()
	mi, err := fs.OpenMaster(fs.ptmx.Stat)
	if err != nil {
		t.Fatal(err)
	}
	m := mi.(*masterFile)
	if _, err := fs.get("0"); err != nil {
		t.Fatalf("/dev/pts/0 missing: %v", err)
	}
	if _, err := m.p.slave.Open(unix.O_RDWR | unix.O_NOCTTY); err != unix.EIO {
		t.Fatalf("open of a locked slave: %v, want EIO", err)
	}
	m.p.mu.Lock()
	m.p.locked = false
	m.p.mu.Unlock()
	si, err := m.p.slave.Open(unix.O_RDWR | unix.O_NOCTTY)
	if err != nil {
		t.Fatal(err)
	}
	return fs, m, si.(*slaveFile)
}

func write(t *testing.T, f vfs.FileImpl, s string) {
	t.Helper()
	n, err := f.Write([]byte(s), 0)
	if err != nil || n != len(s) {
		t.Fatalf("write %q: %d, %v", s, n, err)
	}
}

func read(t *testing.T, f vfs.FileImpl) string {
	t.Helper()
	b := make([]byte, 8192)
	n, err := f.Read(b, 0)
	if err == unix.EAGAIN {
		return ""
	}
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(b[:n])
}

func TestCanonicalEditing(t *testing.T) {
	_, m, s := openPair(t)
	write(t, m, "ab")
	if got := read(t, s); got != "" {
		t.Errorf("partial line readable: %q", got)
	}
	if s.Readiness(waiter.EventIn) != 0 {
		t.Errorf("partial line: slave readable")
	}
	write(t, m, "c\x7fd\r")
	if s.Readiness(waiter.EventIn) == 0 {
		t.Errorf("complete line: slave not readable")
	}
	if got := read(t, s); got != "abd\n" {
		t.Errorf("line %q, want %q", got, "abd\n")
	}
	if got := read(t, m); got != "abc\b \bd\r\n" {
		t.Errorf("echo %q", got)
	}
	write(t, m, "foo bar\x17baz\x04")
	if got := read(t, s); got != "foo baz" {
		t.Errorf("after VWERASE and VEOF: %q", got)
	}
	write(t, m, "\x04")
	if n, err := s.Read(make([]byte, 10), 0); n != 0 || err != nil {
		t.Errorf("VEOF alone: %d, %v; want 0, nil", n, err)
	}
}

func TestLineLimit(t *testing.T) {
	_, m, s := openPair(t)
	s.p.mu.Lock()
	s.p.termios.Lflag &^= fECHO
	s.p.mu.Unlock()
	write(t, m, string(bytes.Repeat([]byte("x"), 6000)))
	write(t, m, "\n")
	got := read(t, s)
	if len(got) != ldiscSize || got[ldiscSize-1] != '\n' {
		t.Errorf("long line: %d bytes ending %q, want %d ending in newline", len(got), got[len(got)-1:], ldiscSize)
	}
}

func TestOutputAndFlowControl(t *testing.T) {
	_, m, s := openPair(t)
	write(t, s, "a\nb\tc")
	if got := read(t, m); got != "a\r\nb\tc" {
		t.Errorf("output %q", got)
	}
	write(t, m, "\x13") // ^S
	if n, err := s.Write([]byte("x"), 0); n != 0 || err != unix.EAGAIN {
		t.Errorf("write while stopped: %d, %v; want EAGAIN", n, err)
	}
	write(t, m, "\x11") // ^Q
	write(t, s, "x")
	if got := read(t, m); got != "x" {
		t.Errorf("after ^Q: %q", got)
	}
	// The output queue is bounded: a writer gets a short count, then
	// EAGAIN.
	big := bytes.Repeat([]byte("y"), outputCap+100)
	n, err := s.Write(big, 0)
	if err != nil || n != outputCap {
		t.Errorf("big write: %d, %v; want %d", n, err, outputCap)
	}
	if _, err := s.Write(big, 0); err != unix.EAGAIN {
		t.Errorf("write to a full queue: %v, want EAGAIN", err)
	}
}

func TestRawModeAndVMIN(t *testing.T) {
	_, m, s := openPair(t)
	s.p.mu.Lock()
	tm := s.p.termios
	tm.Lflag &^= fICANON | fECHO | fISIG
	tm.Iflag &^= fICRNL
	tm.CC[vMIN] = 3
	s.p.setTermios(tm)
	s.p.unlock()
	write(t, m, "\r\x03")
	if got := read(t, s); got != "" {
		t.Errorf("VMIN=3 with 2 bytes: read %q", got)
	}
	if s.Readiness(waiter.EventIn) != 0 {
		t.Errorf("VMIN=3 with 2 bytes: readable")
	}
	write(t, m, "z")
	if got := read(t, s); got != "\r\x03z" {
		t.Errorf("raw read %q", got)
	}
}

func TestHangups(t *testing.T) {
	fs, m, s := openPair(t)
	write(t, s, "bye")
	s.Release()
	if m.Readiness(waiter.EventIn)&waiter.EventHUp == 0 {
		t.Errorf("master: no POLLHUP after the slave closed")
	}
	if got := read(t, m); got != "bye" {
		t.Errorf("master read %q", got)
	}
	if _, err := m.Read(make([]byte, 8), 0); err != unix.EIO {
		t.Errorf("master read with the slave closed: %v, want EIO", err)
	}
	si, err := m.p.slave.Open(unix.O_RDWR | unix.O_NOCTTY)
	if err != nil {
		t.Fatal(err)
	}
	s = si.(*slaveFile)
	m.Release()
	if n, err := s.Read(make([]byte, 8), 0); n != 0 || err != nil {
		t.Errorf("slave read after hangup: %d, %v; want 0, nil", n, err)
	}
	if _, err := s.Write([]byte("x"), 0); err != unix.EIO {
		t.Errorf("slave write after hangup: %v, want EIO", err)
	}
	if _, err := fs.get("0"); err != unix.ENOENT {
		t.Errorf("/dev/pts/0 after the master closed: %v, want ENOENT", err)
	}
	s.Release()
	if len(fs.ptys) != 0 {
		t.Errorf("index not freed")
	}
}

func TestConsole(t *testing.T) {
	fs := New()
	c, err := fs.NewConsole(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	si, err := c.OpenSlave(unix.O_RDWR)
	if err != nil {
		t.Fatal(err)
	}
	s := si.(*slaveFile)
	if _, err := c.Write([]byte("hi\r"), nil); err != nil {
		t.Fatal(err)
	}
	if got := read(t, s); got != "hi\n" {
		t.Errorf("slave read %q", got)
	}
	write(t, s, "out\n")
	b := make([]byte, 64)
	stop := make(chan struct{})
	time.AfterFunc(5*time.Second, func() { close(stop) })
	var got []byte
	for len(got) < len("hi\r\nout\r\n") {
		n, err := c.Read(b, stop)
		if err != nil {
			t.Fatalf("console read: %v (so far %q)", err, got)
		}
		got = append(got, b[:n]...)
		c.Done()
	}
	if string(got) != "hi\r\nout\r\n" {
		t.Errorf("console read %q", got)
	}
	// The last close of the slave waits for the output to be taken.
	write(t, s, "last")
	done := make(chan struct{})
	go func() {
		s.Release()
		close(done)
	}()
	select {
	case <-done:
		t.Fatalf("slave close did not wait for the console")
	case <-time.After(50 * time.Millisecond):
	}
	n, _ := c.Read(b, stop)
	if string(b[:n]) != "last" {
		t.Errorf("console read %q", b[:n])
	}
	c.Done()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatalf("slave close still waiting after the console took the output")
	}
}
