package sys

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/fs/synth"
	"github.com/moat-dev/moat/sentry/socket/inet"
	"github.com/moat-dev/moat/sentry/vfs"
)

// /sys/class/net lists the sandbox's network interfaces, each a link to
// its directory under /sys/devices/virtual/net, whose files say what
// rtnetlink and /proc/net/dev say: index, type, flags, MTU, hardware
// address, state and traffic. Link speed and duplex, which Linux cannot
// report for a loopback either, are absent.

// Interface flags that the kernel computes for netlink but that are not
// part of a device's own flags, which sysfs shows.
const dynamicIffFlags = unix.IFF_RUNNING | unix.IFF_LOWER_UP | unix.IFF_DORMANT

func interfaces(net func() *inet.Stack) []inet.Interface {
	if net == nil {
		return nil
	}
	st := net()
	if st == nil {
		return nil
	}
	return st.Interfaces()
}

func lookupInterface(net func() *inet.Stack, name string) (inet.Interface, bool) {
	for _, ifc := range interfaces(net) {
		if ifc.Name == name {
			return ifc, true
		}
	}
	return inet.Interface{}, false
}

func interfaceNames(net func() *inet.Stack) []string {
	var names []string
	for _, ifc := range interfaces(net) {
		names = append(names, ifc.Name)
	}
	return names
}

// netClass is /sys/class/net.
func netClass(net func() *inet.Stack) vfs.Inode {
	return &synth.Dir{Dev: sysDev, Ino: synth.NewIno(), Mode: unix.S_IFDIR | 0o755,
		List: func() []string { return interfaceNames(net) },
		Get: func(name string) (vfs.Inode, error) {
			if _, ok := lookupInterface(net, name); !ok {
				return nil, unix.ENOENT
			}
			return synth.StaticSymlink(sysDev, "../../devices/virtual/net/"+name), nil
		}}
}

// netDevices is /sys/devices/virtual/net.
func netDevices(net func() *inet.Stack) vfs.Inode {
	return &synth.Dir{Dev: sysDev, Ino: synth.NewIno(), Mode: unix.S_IFDIR | 0o755,
		List: func() []string { return interfaceNames(net) },
		Get: func(name string) (vfs.Inode, error) {
			ifc, ok := lookupInterface(net, name)
			if !ok {
				return nil, unix.ENOENT
			}
			return netDeviceDir(net, ifc), nil
		}}
}

// netDeviceDir is one interface's directory.
func netDeviceDir(net func() *inet.Stack, ifc inet.Interface) vfs.Inode {
	file := func(s string) vfs.Inode { return synth.StaticFile(sysDev, s+"\n") }
	hw := hwAddr(ifc.HWAddr)
	operstate, carrier := "up", "1"
	if ifc.Flags&unix.IFF_LOOPBACK != 0 {
		// Linux's loopback reports no operational state of its own.
		operstate = "unknown"
	}
	if ifc.Flags&unix.IFF_RUNNING == 0 {
		operstate, carrier = "down", "0"
	}
	stat := func(pick func(inet.DevStats) uint64) vfs.Inode {
		return synth.NewFile(sysDev, func() ([]byte, error) {
			for _, d := range devStats(net) {
				if d.Name == ifc.Name {
					return []byte(fmt.Sprintf("%d\n", pick(d))), nil
				}
			}
			return []byte("0\n"), nil
		})
	}
	stats := map[string]vfs.Inode{
		"rx_bytes":   stat(func(d inet.DevStats) uint64 { return d.RxBytes }),
		"rx_packets": stat(func(d inet.DevStats) uint64 { return d.RxPackets }),
		"rx_errors":  stat(func(d inet.DevStats) uint64 { return d.RxErrs }),
		"rx_dropped": stat(func(d inet.DevStats) uint64 { return d.RxDrop }),
		"tx_bytes":   stat(func(d inet.DevStats) uint64 { return d.TxBytes }),
		"tx_packets": stat(func(d inet.DevStats) uint64 { return d.TxPackets }),
		"tx_errors":  stat(func(d inet.DevStats) uint64 { return d.TxErrs }),
		"tx_dropped": stat(func(d inet.DevStats) uint64 { return d.TxDrop }),
	}
	return synth.NewDir(sysDev, map[string]vfs.Inode{
		"ifindex":      file(fmt.Sprint(ifc.Index)),
		"iflink":       file(fmt.Sprint(ifc.Index)),
		"type":         file(fmt.Sprint(ifc.Type)),
		"flags":        file(fmt.Sprintf("%#x", ifc.Flags&^dynamicIffFlags)),
		"mtu":          file(fmt.Sprint(ifc.MTU)),
		"address":      file(hw),
		"broadcast":    file(hwAddr(make([]byte, len(ifc.HWAddr)))),
		"addr_len":     file(fmt.Sprint(len(ifc.HWAddr))),
		"dev_id":       file("0x0"),
		"operstate":    file(operstate),
		"carrier":      file(carrier),
		"tx_queue_len": file("1000"),
		"statistics":   synth.NewDir(sysDev, stats),
		"subsystem":    synth.StaticSymlink(sysDev, "../../../../class/net"),
	})
}

func devStats(net func() *inet.Stack) []inet.DevStats {
	if net == nil {
		return nil
	}
	return net().DevStats()
}

// hwAddr formats a hardware address as sysfs does: lower-case hex pairs
// joined by colons.
func hwAddr(b []byte) string {
	parts := make([]string, len(b))
	for i, v := range b {
		parts[i] = fmt.Sprintf("%02x", v)
	}
	return strings.Join(parts, ":")
}
