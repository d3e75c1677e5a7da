package systrap

import "testing"

func TestSpinBudget(t *testing.T) {
	tests := []struct {
		name  string
		slept []bool
		want  int // cur after the updates, with max 1000
	}{
		{"never sleeps", []bool{false, false, false}, 1000},
		{"one late answer keeps the budget", []bool{false, true}, 1000},
		{"late answers apart keep it", []bool{true, false, true, false, true}, 1000},
		{"two in a row halve it", []bool{true, true}, 500},
		{"each further one halves it again", []bool{true, true, true, true}, 125},
		{"down to the least", []bool{true, true, true, true, true, true, true, true, true, true}, minSpin},
		{"an answer in time restores it", []bool{true, true, true, false}, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newSpinBudget(1000)
			for _, s := range tt.slept {
				b.update(s)
			}
			if b.cur != tt.want {
				t.Errorf("budget %d, want %d", b.cur, tt.want)
			}
		})
	}
}

func TestSpinBudgetProbes(t *testing.T) {
	b := newSpinBudget(1000)
	b.update(true)
	b.update(true)
	full := 0
	for range probeEvery * 4 {
		if b.get() == 1000 {
			full++
		}
	}
	if full != 4 {
		t.Errorf("a reduced budget was tried at full size %d times in %d waits, want 4", full, probeEvery*4)
	}
}
