package kernel

import (
	"testing"

	"github.com/moat-dev/moat/sentry/waiter"
)

func TestPidFDStates(t *testing.T) {
	all := waiter.EventIn | waiter.EventOut
	for _, tc := range []struct {
		name            string
		zombie, release bool
		mask, want      waiter.Mask
		pid             int32
	}{
		{"running", false, false, all, 0, 7},
		{"zombie", true, false, all, waiter.EventIn, 7},
		{"zombie, out only", true, false, waiter.EventOut, 0, 7},
		{"reaped", true, true, all, waiter.EventIn | waiter.EventHUp, -1},
		// POLLHUP is reported whatever was asked for.
		{"reaped, out only", true, true, waiter.EventOut, waiter.EventHUp, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := &Kernel{tgs: make(map[int32]*ThreadGroup)}
			tg := &ThreadGroup{k: k, ID: 7}
			k.tgs[7] = tg
			tg.zombie = tc.zombie
			if tc.release {
				tg.releaseLocked()
				if k.tgs[7] != nil {
					t.Fatal("reaped process keeps its ID")
				}
			}
			p := &PidFD{tg: tg}
			if got := p.Readiness(tc.mask); got != tc.want {
				t.Errorf("Readiness(%#x) = %#x, want %#x", tc.mask, got, tc.want)
			}
			if got := p.PID(); got != tc.pid {
				t.Errorf("PID() = %d, want %d", got, tc.pid)
			}
		})
	}
}

// A reaped process's ID may already belong to another: releasing must
// not free the newcomer's.
func TestPidFDReleaseKeepsReusedID(t *testing.T) {
	k := &Kernel{tgs: make(map[int32]*ThreadGroup)}
	old := &ThreadGroup{k: k, ID: 7}
	newer := &ThreadGroup{k: k, ID: 7}
	k.tgs[7] = newer
	old.releaseLocked()
	if k.tgs[7] != newer {
		t.Fatal("the newcomer lost its ID")
	}
}

func TestThreadPidFDStates(t *testing.T) {
	all := waiter.EventIn | waiter.EventOut
	for _, tc := range []struct {
		name                 string
		leader, exited, reap bool
		want                 waiter.Mask
		pid                  int32
	}{
		{"thread running", false, false, false, 0, 8},
		// A thread is released as it exits.
		{"thread exited", false, true, false, waiter.EventIn | waiter.EventHUp, -1},
		{"leader running", true, false, false, 0, 7},
		// The leader stays until its process is reaped.
		{"leader exited", true, true, false, waiter.EventIn, 7},
		{"leader reaped", true, true, true, waiter.EventIn | waiter.EventHUp, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := &Kernel{tgs: make(map[int32]*ThreadGroup)}
			tg := &ThreadGroup{k: k, ID: 7}
			k.tgs[7] = tg
			tg.leader = &Task{k: k, ID: 7, tg: tg}
			th := tg.leader
			if !tc.leader {
				th = &Task{k: k, ID: 8, tg: tg}
			}
			th.threadExited = tc.exited
			if tc.reap {
				tg.zombie = true
				tg.releaseLocked()
			}
			p := &PidFD{tg: tg, thread: th}
			if got := p.Readiness(all); got != tc.want {
				t.Errorf("Readiness = %#x, want %#x", got, tc.want)
			}
			if got := p.PID(); got != tc.pid {
				t.Errorf("PID() = %d, want %d", got, tc.pid)
			}
			if got := p.OfNonLeader(); got != !tc.leader {
				t.Errorf("OfNonLeader() = %v", got)
			}
		})
	}
}
