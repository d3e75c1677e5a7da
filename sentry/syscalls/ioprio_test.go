package syscalls

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/kernel"
)

func TestIoprioCheck(t *testing.T) {
	root := &kernel.Creds{CapEffective: 1<<kernel.CapSysAdmin | 1<<kernel.CapSysNice}
	nice := &kernel.Creds{CapEffective: 1 << kernel.CapSysNice}
	user := &kernel.Creds{}
	prio := func(class, data int) uint16 { return uint16(class<<ioprioClassShift | data) }
	for _, tc := range []struct {
		name  string
		prio  uint16
		creds *kernel.Creds
		want  error
	}{
		{"none", 0, user, nil},
		{"none with data", prio(ioprioClassNone, 1), user, unix.EINVAL},
		{"best effort", prio(ioprioClassBE, 7), user, nil},
		{"best effort wide data", prio(ioprioClassBE, 0x3f), user, nil},
		{"idle", prio(ioprioClassIdle, 9), user, nil},
		{"real time unprivileged", prio(ioprioClassRT, 0), user, unix.EPERM},
		{"real time with CAP_SYS_NICE", prio(ioprioClassRT, 0), nice, nil},
		{"real time as root", prio(ioprioClassRT, 7), root, nil},
		{"class 4", prio(4, 0), root, unix.EINVAL},
		{"class 7", prio(7, 1), root, unix.EINVAL},
	} {
		if got := ioprioCheck(tc.prio, tc.creds); got != tc.want {
			t.Errorf("%s: ioprioCheck(%#x) = %v, want %v", tc.name, tc.prio, got, tc.want)
		}
	}
}

func TestIoprioBest(t *testing.T) {
	for _, tc := range []struct {
		a, b, want uint16
	}{
		{0, 0, ioprioDefault},
		{0, 2<<13 | 7, ioprioDefault},
		{2<<13 | 1, 0, 2<<13 | 1},
		{3<<13 | 0, 2<<13 | 7, 2<<13 | 7},
		{1<<13 | 7, 2<<13 | 0, 1<<13 | 7},
		{3<<13 | 5, 3<<13 | 5, 3<<13 | 5},
	} {
		if got := ioprioBest(tc.a, tc.b); got != tc.want {
			t.Errorf("ioprioBest(%#x, %#x) = %#x, want %#x", tc.a, tc.b, got, tc.want)
		}
	}
}
