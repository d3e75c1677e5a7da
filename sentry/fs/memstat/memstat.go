// Package memstat holds the memory figures that the sandbox's /proc and
// /sys report, and the line layout Linux gives them. The sandbox's memory
// comes from the host's, so the figures are the host's.
package memstat

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Info is a snapshot of the host's memory, in kB.
type Info struct {
	Total, Free, Buffers, Shared uint64
	SwapTotal, SwapFree          uint64
}

// Host reads the host's figures with sysinfo(2).
func Host() (Info, error) {
	var si unix.Sysinfo_t
	if err := unix.Sysinfo(&si); err != nil {
		return Info{}, fmt.Errorf("sysinfo: %w", err)
	}
	unit := max(uint64(si.Unit), 1)
	kb := func(v uint64) uint64 { return v * unit / 1024 }
	return Info{
		Total:     kb(si.Totalram),
		Free:      kb(si.Freeram),
		Buffers:   kb(si.Bufferram),
		Shared:    kb(si.Sharedram),
		SwapTotal: kb(si.Totalswap),
		SwapFree:  kb(si.Freeswap),
	}, nil
}

// Line formats one "Name:    value kB" line as /proc/meminfo and each
// NUMA node's meminfo lay it out; kB is false for the page counts.
func Line(name string, v uint64, kB bool) string {
	if kB {
		return fmt.Sprintf("%-16s%8d kB\n", name+":", v)
	}
	return fmt.Sprintf("%-16s%8d\n", name+":", v)
}
