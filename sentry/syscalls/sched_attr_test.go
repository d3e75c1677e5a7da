package syscalls

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/kernel"
)

func TestCheckSchedAttrSize(t *testing.T) {
	for _, tc := range []struct {
		name    string
		size    uint32
		tail    []byte
		want    int
		wantErr error
	}{
		{"zero is version 0", 0, nil, 48, nil},
		{"version 0", 48, nil, 48, nil},
		{"between versions", 52, nil, 52, nil},
		{"current", 56, nil, 56, nil},
		{"too small", 40, nil, 0, unix.E2BIG},
		{"one short", 47, nil, 0, unix.E2BIG},
		{"larger, zero tail", 64, make([]byte, 8), 56, nil},
		{"larger, tail set", 64, []byte{0, 0, 0, 1, 0, 0, 0, 0}, 0, unix.E2BIG},
		{"a page", 4096, make([]byte, 4096-56), 56, nil},
		{"past a page", 4097, nil, 0, unix.E2BIG},
	} {
		got, err := checkSchedAttrSize(tc.size, tc.tail)
		if got != tc.want || err != tc.wantErr {
			t.Errorf("%s: checkSchedAttrSize(%d) = %d, %v; want %d, %v", tc.name, tc.size, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestValidDeadline(t *testing.T) {
	for _, tc := range []struct {
		runtime, deadline, period uint64
		want                      bool
	}{
		{1024, 2000000, 0, true},
		{1023, 2000000, 0, false},
		{1000000, 0, 2000000, false},
		{3000000, 2000000, 0, false},
		{1000000, 2000000, 1000000, false},
		{1000000, 2000000, 4000000, true},
		{10000, 100000, 0, true},
		{10000, 99999, 0, false},
		{10000, 1 << 22 * 1000, 0, true},
		{10000, 1<<22*1000 + 1, 0, false},
		{10000, 100000, 1 << 63, false},
	} {
		a := schedAttr{Runtime: tc.runtime, Deadline: tc.deadline, Period: tc.period}
		if got := validDeadline(a); got != tc.want {
			t.Errorf("validDeadline(%d, %d, %d) = %v, want %v", tc.runtime, tc.deadline, tc.period, got, tc.want)
		}
	}
}

func TestSchedAttrRoundTrip(t *testing.T) {
	a := schedAttr{Size: 56, Policy: 6, Flags: 5, Nice: -7, Priority: 3, Runtime: 1, Deadline: 2, Period: 3, UtilMin: 4, UtilMax: 1024}
	if got := decodeSchedAttr(a.encode()); got != a {
		t.Errorf("decode(encode(%+v)) = %+v", a, got)
	}
	// A version 0 struct leaves the clamps zero.
	if got := decodeSchedAttr(a.encode()[:48]); got.UtilMin != 0 || got.UtilMax != 0 || got.Period != 3 {
		t.Errorf("decode of 48 bytes = %+v", got)
	}
}

func TestGetSchedAttr(t *testing.T) {
	dl := kernel.DeadlineParams{Runtime: 1, Deadline: 2, Period: 3, Flags: schedFlagReclaim}
	for _, tc := range []struct {
		name string
		in   kernel.SchedAttr
		want schedAttr
	}{
		{"fair", kernel.SchedAttr{Policy: schedBatch, Nice: 4, Slice: 5000000},
			schedAttr{Policy: schedBatch, Nice: 4, Runtime: 5000000}},
		{"fair, default slice", kernel.SchedAttr{Nice: -2},
			schedAttr{Nice: -2, Runtime: defaultSlice()}},
		{"real time hides nice", kernel.SchedAttr{Policy: schedFIFO, Priority: 9, Nice: 5, ResetOnFork: true},
			schedAttr{Policy: schedFIFO, Priority: 9, Flags: schedFlagResetOnFork}},
		{"deadline", kernel.SchedAttr{Policy: schedDeadline, Nice: 5, Deadline: dl},
			schedAttr{Policy: schedDeadline, Runtime: 1, Deadline: 2, Period: 3, Flags: schedFlagReclaim}},
	} {
		if got := getSchedAttr(tc.in); got != tc.want {
			t.Errorf("%s: getSchedAttr(%+v) = %+v, want %+v", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestDLBandwidth(t *testing.T) {
	for _, tc := range []struct {
		runtime, period, want uint64
	}{
		{950000, 1000000, 996147},
		{50000, 1000000, 52428},
		{50000000, 100000000, 1 << 19},
		{1, 1, 1 << 20},
		{5, 0, 0},
		{1 << 62, 1 << 62, 1 << 20},
	} {
		if got := dlBandwidth(tc.runtime, tc.period); got != tc.want {
			t.Errorf("dlBandwidth(%d, %d) = %d, want %d", tc.runtime, tc.period, got, tc.want)
		}
	}
}

func TestCPUsIn(t *testing.T) {
	all := make([]byte, 128)
	for i := range all {
		all[i] = 0xff
	}
	for _, tc := range []struct {
		name string
		mask []byte
		want int
	}{
		{"empty", nil, 0},
		{"none", make([]byte, 128), 0},
		{"cpu 0", []byte{1}, 1},
		{"beyond the sandbox", append(make([]byte, 127), 0x80), 0},
		{"all", all, runtime.NumCPU()},
	} {
		if got := cpusIn(tc.mask); got != tc.want {
			t.Errorf("%s: cpusIn = %d, want %d", tc.name, got, tc.want)
		}
	}
}
