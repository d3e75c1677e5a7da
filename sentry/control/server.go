package control

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Sandbox is what the server drives: the sentry's side of each request.
type Sandbox interface {
	// Start starts init.
	Start() error
	// Exec starts p with stdio on the host FDs fds, which it takes
	// over, and returns its PID in the sandbox.
	Exec(p *specs.Process, fds []int) (int32, error)
	// Signal sends sig to pid (0: init), or to every process with all.
	Signal(pid int32, sig int, all bool) error
	// Wait waits for pid (0: init) to exit and returns its status,
	// shell style; it gives up when stop is closed.
	Wait(pid int32, stop <-chan struct{}) (int, error)
	Ps() []Process
	Stats() Stats
	Pause() error
	Resume() error
	State() State
}

// maxFDs bounds the FDs one request may carry.
const maxFDs = 8

// Server serves a control socket.
type Server struct {
	ln   *net.UnixListener
	sb   Sandbox
	log  *slog.Logger
	wg   sync.WaitGroup
	stop chan struct{}
	once sync.Once
	// closing is set once Close has begun.
	closing atomic.Bool
}

// NewServer serves sb on the listening SOCK_SEQPACKET socket fd, which
// it takes over. Serve must be called to accept connections.
func NewServer(fd int, sb Sandbox, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.Default()
	}
	f := os.NewFile(uintptr(fd), "control")
	l, err := net.FileListener(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	ul, ok := l.(*net.UnixListener)
	if !ok {
		l.Close()
		return nil, fmt.Errorf("control socket: not a unix socket")
	}
	return &Server{ln: ul, sb: sb, log: log, stop: make(chan struct{})}, nil
}

// Serve accepts connections until Close.
func (s *Server) Serve() {
	for {
		c, err := s.ln.AcceptUnix()
		if err != nil {
			if s.closing.Load() {
				return
			}
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			s.log.Warn("control: accept", "err", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.handle(c)
		}()
	}
}

// Close stops accepting and gives requests in flight (a wait for init,
// say, that is answering now) up to timeout to finish. Waits still
// blocked are then told to give up.
func (s *Server) Close(timeout time.Duration) {
	s.once.Do(func() {
		s.closing.Store(true)
		s.ln.Close()
		done := make(chan struct{})
		go func() { s.wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(timeout):
		}
		close(s.stop)
	})
}

func (s *Server) handle(c *net.UnixConn) {
	defer c.Close()
	buf := make([]byte, MaxMessage)
	oob := make([]byte, unix.CmsgSpace(maxFDs*4))
	n, oobn, flags, _, err := c.ReadMsgUnix(buf, oob)
	if err != nil {
		return
	}
	var fds []int
	if oobn > 0 {
		msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
		if err == nil {
			for _, m := range msgs {
				if r, err := unix.ParseUnixRights(&m); err == nil {
					fds = append(fds, r...)
				}
			}
		}
	}
	closeFDs := func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
		fds = nil
	}
	var resp Response
	var req Request
	switch {
	case flags&(unix.MSG_TRUNC|unix.MSG_CTRUNC) != 0:
		closeFDs()
		resp.Error = "request too large"
	default:
		if err := json.Unmarshal(buf[:n], &req); err != nil {
			closeFDs()
			resp.Error = fmt.Sprintf("malformed request: %v", err)
			break
		}
		s.log.Debug("control request", "method", req.Method, "pid", req.PID, "signal", req.Signal, "fds", len(fds))
		resp = s.dispatch(&req, fds)
		fds = nil
	}
	out, _ := json.Marshal(&resp)
	if _, err := c.Write(out); err != nil {
		s.log.Debug("control: reply", "method", req.Method, "err", err)
	}
}

func errResponse(err error) Response {
	r := Response{Error: err.Error()}
	var errno unix.Errno
	if errors.As(err, &errno) {
		r.Errno = int(errno)
	}
	return r
}

func (s *Server) dispatch(req *Request, fds []int) Response {
	if req.Method != MethodExec {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}
	var err error
	switch req.Method {
	case MethodPing, MethodState:
		st := s.sb.State()
		return Response{State: &st}
	case MethodStart:
		err = s.sb.Start()
	case MethodExec:
		if req.Process == nil || len(req.Process.Args) == 0 {
			for _, fd := range fds {
				unix.Close(fd)
			}
			return Response{Error: "exec: no process args"}
		}
		pid, err := s.sb.Exec(req.Process, fds)
		if err != nil {
			return errResponse(err)
		}
		return Response{PID: pid}
	case MethodSignal:
		if req.Signal <= 0 || req.Signal > 64 {
			return Response{Error: fmt.Sprintf("invalid signal %d", req.Signal)}
		}
		err = s.sb.Signal(req.PID, req.Signal, req.All)
	case MethodWait:
		st, err := s.sb.Wait(req.PID, s.stop)
		if err != nil {
			return errResponse(err)
		}
		return Response{ExitStatus: st}
	case MethodPs:
		return Response{Processes: s.sb.Ps()}
	case MethodStats:
		st := s.sb.Stats()
		return Response{Stats: &st}
	case MethodPause:
		err = s.sb.Pause()
	case MethodResume:
		err = s.sb.Resume()
	default:
		return Response{Error: fmt.Sprintf("unknown method %q", req.Method)}
	}
	if err != nil {
		return errResponse(err)
	}
	return Response{}
}
