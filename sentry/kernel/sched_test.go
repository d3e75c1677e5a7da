package kernel

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestChildSched(t *testing.T) {
	dl := DeadlineParams{Runtime: 1024, Deadline: 2000000, Period: 2000000}
	for _, tc := range []struct {
		name    string
		parent  SchedAttr
		want    SchedAttr
		wantErr error
	}{
		{"inherited", SchedAttr{Policy: SchedFIFO, Priority: 5, Nice: -3, Slice: 7},
			SchedAttr{Policy: SchedFIFO, Priority: 5, Nice: -3, Slice: 7}, nil},
		{"reset real time", SchedAttr{Policy: SchedRR, Priority: 5, Nice: 4, ResetOnFork: true},
			SchedAttr{Policy: schedNormal}, nil},
		{"reset negative nice", SchedAttr{Policy: 3, Nice: -4, ResetOnFork: true},
			SchedAttr{Policy: 3}, nil},
		{"reset keeps positive nice", SchedAttr{Policy: 5, Nice: 6, ResetOnFork: true},
			SchedAttr{Policy: 5, Nice: 6}, nil},
		{"reset deadline", SchedAttr{Policy: SchedDeadline, Deadline: dl, ResetOnFork: true},
			SchedAttr{Policy: schedNormal}, nil},
		{"deadline may not fork", SchedAttr{Policy: SchedDeadline, Deadline: dl}, SchedAttr{}, unix.EAGAIN},
	} {
		task := &Task{}
		task.SetSchedAttr(tc.parent)
		got, err := task.childSched()
		if err != tc.wantErr || (err == nil && got != tc.want) {
			t.Errorf("%s: childSched() = %+v, %v; want %+v, %v", tc.name, got, err, tc.want, tc.wantErr)
		}
	}
}
