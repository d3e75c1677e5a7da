// Package container keeps the state of OCI containers on disk, under
// --root/<id>/:
//
//	state.json     the container's state (written atomically: a temporary
//	               file renamed over it, under the directory's flock)
//	control.sock   the sandbox's control socket (sentry/control)
//	exit-status    init's exit status, written by the sentry as it ends
//
// A container's status comes from state.json and from whether its
// sandbox (the sentry process) still lives: once it is gone the
// container is stopped.
package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Names of the files in a container's directory.
const (
	StateFile  = "state.json"
	ExitFile   = "exit-status"
	lockSuffix = ".lock"
)

// Statuses, as in the OCI runtime spec (runc's "paused" too).
const (
	Creating = "creating"
	Created  = "created"
	Running  = "running"
	Paused   = "paused"
	Stopped  = "stopped"
)

// ErrNotExist is returned for an unknown container ID.
var ErrNotExist = errors.New("container does not exist")

// ErrExist is returned when creating an ID that is taken.
var ErrExist = errors.New("container already exists")

// State is what state.json holds. Its first fields are the OCI state
// (and runc's rootfs, created and owner); the rest is runsc's own.
type State struct {
	OCIVersion  string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Status      string            `json:"status"`
	Pid         int               `json:"pid"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Created     time.Time         `json:"created"`
	Owner       string            `json:"owner"`

	// SentryStart and GoferStart are the processes' start times (in
	// clock ticks since boot, /proc/PID/stat field 22), so that a
	// reused PID is not taken for them.
	SentryStart uint64 `json:"sentryStart"`
	GoferPid    int    `json:"goferPid"`
	GoferStart  uint64 `json:"goferStart"`
	// Process is the container's init process, the base of exec's.
	Process *specs.Process `json:"process,omitempty"`
	// Hooks are the spec's hooks, run at start and delete.
	Hooks *specs.Hooks `json:"hooks,omitempty"`
	// Resources are the linux.resources, as updated.
	Resources *specs.LinuxResources `json:"resources,omitempty"`
	// Cgroups are the cgroup directories made for the sandbox.
	Cgroups []string `json:"cgroups,omitempty"`
	// ExitStatus is init's, once known.
	ExitStatus *int `json:"exitStatus,omitempty"`
}

// OCIState returns the state in the OCI shape, as hooks and `runsc state`
// see it.
func (s *State) OCIState() specs.State {
	return specs.State{Version: s.OCIVersion, ID: s.ID, Status: specs.ContainerState(s.Status),
		Pid: s.Pid, Bundle: s.Bundle, Annotations: s.Annotations}
}

// Container is one container's directory and state.
type Container struct {
	Dir   string
	State State
	lock  *os.File
}

// idRE is compiled on first use: runsc's every start (the gofer's and
// the sentry's too) paid for it.
var idRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w+\-.]+$`) })

// ValidateID checks a container ID as runc does.
func ValidateID(id string) error {
	if id == "" {
		return errors.New("container ID must not be empty")
	}
	if len(id) > 1024 || !idRE().MatchString(id) || id == "." || id == ".." {
		return fmt.Errorf("invalid container ID %q", id)
	}
	return nil
}

// Dir returns the state directory of id under root.
func Dir(root, id string) string { return filepath.Join(root, id) }

// Create makes the directory of a new container id under root, locked.
// It fails with ErrExist if the ID is taken.
func Create(root, id string) (*Container, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(root, 0o711); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	dir := Dir(root, id)
	if err := os.Mkdir(dir, 0o711); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("container %q: %w", id, ErrExist)
		}
		return nil, fmt.Errorf("state directory: %w", err)
	}
	c := &Container{Dir: dir}
	if err := c.Lock(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return c, nil
}

// Load reads container id's state, without locking it.
func Load(root, id string) (*Container, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	dir := Dir(root, id)
	data, err := os.ReadFile(filepath.Join(dir, StateFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("container %q: %w", id, ErrNotExist)
		}
		return nil, err
	}
	c := &Container{Dir: dir}
	if err := json.Unmarshal(data, &c.State); err != nil {
		return nil, fmt.Errorf("container %q: corrupt state: %w", id, err)
	}
	c.refresh()
	return c, nil
}

// LoadLocked loads container id and takes its lock; Unlock releases it.
func LoadLocked(root, id string) (*Container, error) {
	c, err := Load(root, id)
	if err != nil {
		return nil, err
	}
	if err := c.Lock(); err != nil {
		return nil, err
	}
	// Another call may have changed it while we waited.
	return c, c.Reload()
}

// Reload rereads the state from disk.
func (c *Container) Reload() error {
	data, err := os.ReadFile(filepath.Join(c.Dir, StateFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("container %q: %w", c.State.ID, ErrNotExist)
		}
		return err
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("container %q: corrupt state: %w", c.State.ID, err)
	}
	c.State = s
	c.refresh()
	return nil
}

// Lock takes the container's exclusive lock: a flock on its directory.
func (c *Container) Lock() error {
	if c.lock != nil {
		return nil
	}
	f, err := os.Open(c.Dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("container %q: %w", filepath.Base(c.Dir), ErrNotExist)
		}
		return err
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return fmt.Errorf("locking %s: %w", c.Dir, err)
	}
	c.lock = f
	return nil
}

// Unlock releases the lock.
func (c *Container) Unlock() {
	if c.lock != nil {
		c.lock.Close()
		c.lock = nil
	}
}

// Save writes the state atomically.
func (c *Container) Save() error {
	data, err := json.Marshal(&c.State)
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(c.Dir, StateFile), data, 0o600)
}

// WriteFileAtomic writes data to path through a temporary file renamed
// over it, so that readers see the old or the new content, whole.
func WriteFileAtomic(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(mode)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// Destroy removes the container's directory.
func (c *Container) Destroy() error {
	err := os.RemoveAll(c.Dir)
	c.Unlock()
	return err
}

// refresh sets the status to stopped if the sandbox has exited, and
// picks up init's exit status.
func (c *Container) refresh() {
	s := &c.State
	if s.Status == Stopped || s.Status == Creating {
		c.readExit()
		return
	}
	// The sentry records init's exit status before it answers waiters
	// and winds down, so a status on file means stopped even while the
	// sentry process is still ending: `runsc wait` then `delete` works.
	c.readExit()
	if s.ExitStatus != nil || !ProcessAlive(s.Pid, s.SentryStart) {
		s.Status = Stopped
	}
}

func (c *Container) readExit() {
	if c.State.ExitStatus != nil {
		return
	}
	data, err := os.ReadFile(filepath.Join(c.Dir, ExitFile))
	if err != nil {
		return
	}
	first, _, _ := strings.Cut(string(data), "\n")
	if n, err := strconv.Atoi(strings.TrimSpace(first)); err == nil {
		c.State.ExitStatus = &n
	}
}

// BootError returns the error with which the sandbox failed to start,
// if it reported one.
func (c *Container) BootError() string {
	data, err := os.ReadFile(filepath.Join(c.Dir, ExitFile))
	if err != nil {
		return ""
	}
	first, rest, _ := strings.Cut(string(data), "\n")
	if first != "-" {
		return ""
	}
	return strings.TrimSpace(rest)
}

// SandboxAlive reports whether the sentry still runs.
func (c *Container) SandboxAlive() bool {
	return ProcessAlive(c.State.Pid, c.State.SentryStart)
}

// ProcessAlive reports whether pid runs (and is not a zombie) and, if
// start is not 0, was started at start.
func ProcessAlive(pid int, start uint64) bool {
	if pid <= 0 {
		return false
	}
	st, state, err := ProcStart(pid)
	if err != nil || state == 'Z' || state == 'X' {
		return false
	}
	return start == 0 || st == start
}

// ProcStart returns pid's start time and state from /proc/PID/stat.
func ProcStart(pid int) (uint64, byte, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	// The command name, in parentheses, may hold spaces: fields are
	// counted after its closing one.
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	f := strings.Fields(string(data[i+1:]))
	// f[0] is field 3 (state); field 22 (starttime) is f[19].
	if len(f) < 20 {
		return 0, 0, fmt.Errorf("malformed /proc/%d/stat", pid)
	}
	st, err := strconv.ParseUint(f[19], 10, 64)
	return st, f[0][0], err
}

// List returns the IDs of the containers under root.
func List(root string) ([]string, error) {
	ents, err := os.ReadDir(root)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var ids []string
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, e.Name(), StateFile)); err == nil {
			ids = append(ids, e.Name())
		}
	}
	return ids, nil
}

// WritePidFile writes pid to path atomically, as runc does.
func WritePidFile(path string, pid int) error {
	if path == "" {
		return nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	return WriteFileAtomic(abs, []byte(strconv.Itoa(pid)), 0o644)
}
