package logging

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moat-dev/moat/runsc/config"
)

func TestJSONLine(t *testing.T) {
	var b bytes.Buffer
	l := slog.New(NewHandler(&b, "json", slog.LevelInfo))
	l.Debug("hidden")
	l.With("id", "c1").WithGroup("g").Error("boom \"quoted\"", "err", errors.New("bad"), "n", 3, "d", time.Second)
	line := b.String()
	if !strings.HasPrefix(line, `{"level":"error","msg":"boom \"quoted\"","time":"`) || !strings.HasSuffix(line, "}\n") || strings.Count(line, "\n") != 1 {
		t.Fatalf("line = %q", line)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatalf("not JSON: %v: %q", err, line)
	}
	for k, want := range map[string]any{"level": "error", "id": "c1", "g.err": "bad", "g.n": 3.0, "g.d": "1s"} {
		if m[k] != want {
			t.Errorf("%s = %v, want %v", k, m[k], want)
		}
	}
	if _, err := time.Parse(time.RFC3339Nano, m["time"].(string)); err != nil {
		t.Errorf("time: %v", err)
	}
}

func TestSetup(t *testing.T) {
	dir := t.TempDir()
	old := slog.Default()
	defer slog.SetDefault(old)
	conf := config.Default()
	conf.Log = filepath.Join(dir, "log.json")
	conf.LogFormat = "json"
	conf.DebugLog = filepath.Join(dir, "debug-%COMMAND%.log")
	closeLogs, err := Setup(conf, "do")
	if err != nil {
		t.Fatal(err)
	}
	slog.Debug("dbg")
	slog.Error("err")
	closeLogs()
	main, _ := os.ReadFile(conf.Log)
	debug, _ := os.ReadFile(filepath.Join(dir, "debug-do.log"))
	if strings.Contains(string(main), "dbg") || !strings.Contains(string(main), `"msg":"err"`) {
		t.Errorf("log = %q", main)
	}
	if !strings.Contains(string(debug), "dbg") || !strings.Contains(string(debug), `"msg":"err"`) {
		t.Errorf("debug log = %q", debug)
	}
	conf.Log = filepath.Join(dir, "missing", "log")
	if _, err := Setup(conf, "do"); err == nil {
		t.Error("Setup with an unwritable log succeeded")
	}
}

func TestExpand(t *testing.T) {
	if got := ExpandDebugLog("/x/%COMMAND%.%PID%", "boot", 7); got != "/x/boot.7" {
		t.Errorf("got %q", got)
	}
}
