package control

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// SocketName is the control socket's name in the container's state
// directory.
const SocketName = "control.sock"

// ShortPath runs fn with a path that names dir/name and is short enough
// for a unix socket address (108 bytes), whatever dir's length: it goes
// through /proc/self/fd. Docker's state directories are longer than
// that limit.
func ShortPath(dir, name string, fn func(path string) error) error {
	p := filepath.Join(dir, name)
	if len(p) < 100 {
		return fn(p)
	}
	d, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(d)
	return fn(fmt.Sprintf("/proc/self/fd/%d/%s", d, name))
}

// Listen binds the control socket in dir and returns its listening FD.
func Listen(dir string) (int, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	err = ShortPath(dir, SocketName, func(p string) error {
		return unix.Bind(fd, &unix.SockaddrUnix{Name: p})
	})
	if err == nil {
		err = unix.Listen(fd, 64)
	}
	if err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("control socket in %s: %w", dir, err)
	}
	return fd, nil
}

// Error is a failed request.
type Error struct {
	Msg   string
	Errno int
}

func (e *Error) Error() string { return e.Msg }

// Call sends req, with fds, to the sandbox whose state directory is dir
// and returns its response. A timeout of 0 waits as long as it takes
// (for wait). A failure of the sandbox's side comes back as *Error.
func Call(dir string, req *Request, fds []int, timeout time.Duration) (*Response, error) {
	var conn *net.UnixConn
	err := ShortPath(dir, SocketName, func(p string) error {
		c, err := net.DialUnix("unixpacket", nil, &net.UnixAddr{Name: p, Net: "unixpacket"})
		conn = c
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("connecting to the sandbox: %w", err)
	}
	defer conn.Close()
	if timeout > 0 {
		conn.SetDeadline(time.Now().Add(timeout))
	}
	msg, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	if len(msg) > MaxMessage {
		return nil, fmt.Errorf("request too large (%d bytes)", len(msg))
	}
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	if _, _, err := conn.WriteMsgUnix(msg, oob, nil); err != nil {
		return nil, fmt.Errorf("sending %s request: %w", req.Method, err)
	}
	buf := make([]byte, MaxMessage)
	n, err := conn.Read(buf)
	if err != nil {
		return nil, fmt.Errorf("reading %s response: %w", req.Method, err)
	}
	if n == 0 {
		return nil, fmt.Errorf("%s: the sandbox closed the connection", req.Method)
	}
	var resp Response
	if err := json.Unmarshal(buf[:n], &resp); err != nil {
		return nil, fmt.Errorf("malformed %s response: %w", req.Method, err)
	}
	if resp.Error != "" {
		return &resp, &Error{Msg: resp.Error, Errno: resp.Errno}
	}
	return &resp, nil
}

// Exists reports whether dir has a control socket.
func Exists(dir string) bool {
	_, err := os.Lstat(filepath.Join(dir, SocketName))
	return err == nil
}
