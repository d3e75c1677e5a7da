// Package logging sets up log/slog for runsc from the global flags:
// --log (where logs go; stderr by default), --log-format (text or json),
// --debug (debug level) and --debug-log (a second, debug-level log file).
//
// In JSON format every record is one line in the style of runc's logs,
// which containerd and Docker read:
//
//	{"level":"error","msg":"...","time":"2006-01-02T15:04:05.999999999Z07:00", ...attrs}
package logging

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moat-dev/moat/runsc/config"
)

// Setup makes slog.Default log as conf says, for the subcommand command
// (which %COMMAND% in --debug-log names). It returns a function that
// closes the log files.
func Setup(conf *config.Config, command string) (func(), error) {
	level := slog.LevelInfo
	if conf.Debug {
		level = slog.LevelDebug
	}
	var closers []io.Closer
	closeAll := func() {
		for _, c := range closers {
			c.Close()
		}
	}
	var out io.Writer = os.Stderr
	if conf.Log == "" && !conf.Debug {
		// stderr is the application's too: only errors go there
		// unless asked for.
		level = slog.LevelError
	}
	if conf.Log != "" {
		f, err := openLog(conf.Log)
		if err != nil {
			return closeAll, err
		}
		closers = append(closers, f)
		out = f
	}
	h := NewHandler(out, conf.LogFormat, level)
	if conf.DebugLog != "" {
		path := ExpandDebugLog(conf.DebugLog, command, os.Getpid())
		f, err := openLog(path)
		if err != nil {
			closeAll()
			return func() {}, err
		}
		closers = append(closers, f)
		h = Tee(h, NewHandler(f, conf.LogFormat, slog.LevelDebug))
	}
	slog.SetDefault(slog.New(h))
	return closeAll, nil
}

// ExpandDebugLog replaces %COMMAND% and %PID% in a --debug-log path.
func ExpandDebugLog(path, command string, pid int) string {
	if command == "" {
		command = "runsc"
	}
	path = strings.ReplaceAll(path, "%COMMAND%", command)
	return strings.ReplaceAll(path, "%PID%", strconv.Itoa(pid))
}

func openLog(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening log file: %w", err)
	}
	return f, nil
}

// NewHandler returns a handler writing format ("json" or anything else
// for text) records of at least level to w.
func NewHandler(w io.Writer, format string, level slog.Leveler) slog.Handler {
	if format == "json" {
		return &jsonHandler{mu: &sync.Mutex{}, w: w, level: level}
	}
	return slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})
}

// jsonHandler writes runc-style JSON lines.
type jsonHandler struct {
	mu     *sync.Mutex
	w      io.Writer
	level  slog.Leveler
	attrs  []byte // pre-encoded attributes from WithAttrs, each ",\"k\":v"
	prefix string // group prefix from WithGroup, "g1.g2."
}

func (h *jsonHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.level.Level()
}

// LevelName returns the runc/logrus name of a level.
func LevelName(l slog.Level) string {
	switch {
	case l >= slog.LevelError:
		return "error"
	case l >= slog.LevelWarn:
		return "warning"
	case l >= slog.LevelInfo:
		return "info"
	default:
		return "debug"
	}
}

func (h *jsonHandler) Handle(_ context.Context, r slog.Record) error {
	t := r.Time
	if t.IsZero() {
		t = time.Now()
	}
	buf := make([]byte, 0, 256)
	buf = append(buf, `{"level":"`...)
	buf = append(buf, LevelName(r.Level)...)
	buf = append(buf, `","msg":`...)
	buf = appendJSON(buf, r.Message)
	buf = append(buf, `,"time":"`...)
	buf = t.AppendFormat(buf, time.RFC3339Nano)
	buf = append(buf, '"')
	buf = append(buf, h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		buf = appendAttr(buf, h.prefix, a)
		return true
	})
	buf = append(buf, "}\n"...)
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := h.w.Write(buf)
	return err
}

func (h *jsonHandler) WithAttrs(as []slog.Attr) slog.Handler {
	h2 := *h
	h2.attrs = append([]byte(nil), h.attrs...)
	for _, a := range as {
		h2.attrs = appendAttr(h2.attrs, h.prefix, a)
	}
	return &h2
}

func (h *jsonHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.prefix = h.prefix + name + "."
	return &h2
}

func appendAttr(buf []byte, prefix string, a slog.Attr) []byte {
	v := a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return buf
	}
	if v.Kind() == slog.KindGroup {
		p := prefix
		if a.Key != "" {
			p += a.Key + "."
		}
		for _, ga := range v.Group() {
			buf = appendAttr(buf, p, ga)
		}
		return buf
	}
	buf = append(buf, ',')
	buf = appendJSON(buf, prefix+a.Key)
	buf = append(buf, ':')
	var x any
	switch v.Kind() {
	case slog.KindString:
		x = v.String()
	case slog.KindDuration:
		x = v.Duration().String()
	case slog.KindTime:
		x = v.Time().Format(time.RFC3339Nano)
	default:
		x = v.Any()
		if err, ok := x.(error); ok {
			x = err.Error()
		}
	}
	return appendJSON(buf, x)
}

func appendJSON(buf []byte, x any) []byte {
	b, err := json.Marshal(x)
	if err != nil {
		b, _ = json.Marshal(fmt.Sprintf("%+v", x))
	}
	return append(buf, b...)
}

// Tee returns a handler that sends each record to every handler in hs
// that is enabled for its level.
func Tee(hs ...slog.Handler) slog.Handler { return teeHandler(hs) }

type teeHandler []slog.Handler

func (t teeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	for _, h := range t {
		if h.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

func (t teeHandler) Handle(ctx context.Context, r slog.Record) error {
	var first error
	for _, h := range t {
		if h.Enabled(ctx, r.Level) {
			if err := h.Handle(ctx, r.Clone()); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

func (t teeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make(teeHandler, len(t))
	for i, h := range t {
		out[i] = h.WithAttrs(as)
	}
	return out
}

func (t teeHandler) WithGroup(name string) slog.Handler {
	out := make(teeHandler, len(t))
	for i, h := range t {
		out[i] = h.WithGroup(name)
	}
	return out
}
