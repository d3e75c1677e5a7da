package monotime

import (
	"testing"
	"time"
)

// TestNow checks that Now does not go backwards and keeps pace with
// time.Since over sleeps of several lengths.
func TestNow(t *testing.T) {
	for _, d := range []time.Duration{0, time.Millisecond, 20 * time.Millisecond} {
		start, wall := Now(), time.Now()
		time.Sleep(d)
		got, want := time.Duration(Now()-start), time.Since(wall)
		if got < d || got < 0 {
			t.Errorf("sleep %v: Now advanced %v", d, got)
		}
		if diff := want - got; diff < -time.Millisecond || diff > time.Millisecond {
			t.Errorf("sleep %v: Now advanced %v, time.Since %v", d, got, want)
		}
	}
}
