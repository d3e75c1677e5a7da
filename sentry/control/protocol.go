// Package control is the sandbox's control socket: the requests with
// which runsc drives a running sentry (start, exec, signal, wait, ps,
// stats, pause, resume, state), the server inside the sentry and the
// client runsc uses.
//
// The transport is a SOCK_SEQPACKET unix socket, bound by runsc at
// --root/<id>/control.sock and handed to the sentry as a listening FD.
// Each connection carries one request and one response, each a single
// JSON message. A request may carry host FDs with SCM_RIGHTS (the stdio
// of an exec'd process, in the order the request names them).
package control

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// MaxMessage bounds one message.
const MaxMessage = 1 << 20

// Request methods.
const (
	MethodPing   = "ping"
	MethodStart  = "start"
	MethodExec   = "exec"
	MethodSignal = "signal"
	MethodWait   = "wait"
	MethodPs     = "ps"
	MethodStats  = "stats"
	MethodPause  = "pause"
	MethodResume = "resume"
	MethodState  = "state"
)

// Request is one call.
type Request struct {
	Method string `json:"method"`
	// Signal: the signal, and which processes get it.
	Signal int `json:"signal,omitempty"`
	// All sends the signal to every process of the sandbox.
	All bool `json:"all,omitempty"`
	// PID is a process of the sandbox (its PID inside); 0 means init.
	PID int32 `json:"pid,omitempty"`
	// Exec: the process to run. Its stdio is the request's FDs: three
	// (stdin, stdout, stderr), or one terminal when Process.Terminal.
	Process *specs.Process `json:"process,omitempty"`
}

// Response is the answer to one call.
type Response struct {
	Error string `json:"error,omitempty"`
	// Errno is set when the error is an errno (ESRCH: no such process).
	Errno int `json:"errno,omitempty"`
	// Exec: the new process's PID in the sandbox.
	PID int32 `json:"pid,omitempty"`
	// Wait: the process's exit status, shell style (128+N for signal N).
	ExitStatus int `json:"exitStatus"`
	// Ps: the processes.
	Processes []Process `json:"processes,omitempty"`
	// Stats: usage.
	Stats *Stats `json:"stats,omitempty"`
	// State and ping: the sandbox's state.
	State *State `json:"state,omitempty"`
}

// Process describes one process of the sandbox, for `runsc ps`.
type Process struct {
	PID     int32  `json:"pid"`
	PPID    int32  `json:"ppid"`
	UID     uint32 `json:"uid"`
	Threads int    `json:"threads"`
	// CPUNanos is the CPU time used so far.
	CPUNanos uint64 `json:"cpuNanos"`
	Started  int64  `json:"started"` // unix nanoseconds
	Comm     string `json:"comm"`
	State    string `json:"state"` // R, Z, T
}

// Stats is the sandbox's resource usage.
type Stats struct {
	CPUNanos    uint64 `json:"cpuNanos"`
	MemoryBytes uint64 `json:"memoryBytes"`
	Pids        uint64 `json:"pids"`
	Syscalls    uint64 `json:"syscalls"`
	Faults      uint64 `json:"faults"`
}

// Sandbox states the sentry reports.
const (
	StateCreated = "created"
	StateRunning = "running"
	StatePaused  = "paused"
	StateStopped = "stopped"
)

// State is what the sentry knows of its container.
type State struct {
	Status string `json:"status"`
	// InitPID is init's PID in the sandbox, once started.
	InitPID int32 `json:"initPid"`
	// ExitStatus is init's status once stopped.
	ExitStatus int `json:"exitStatus"`
}

// Errno values in responses.
const (
	ErrnoESRCH = 3
)
