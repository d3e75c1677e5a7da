package vfs

import "sync"

// CharDeviceOpener opens the character device a device node names; stat
// reports the node that was opened (its inode, not the driver's).
type CharDeviceOpener func(flags int, stat func() (Stat, error)) (FileImpl, error)

// charDevices are the drivers of device numbers the sentry serves, so
// that a node made with mknod (in a tmpfs) opens like /dev's.
var charDevices struct {
	mu sync.RWMutex
	m  map[uint64]CharDeviceOpener
}

// RegisterCharDevice makes rdev (unix.Mkdev) open with open.
func RegisterCharDevice(rdev uint64, open CharDeviceOpener) {
	charDevices.mu.Lock()
	defer charDevices.mu.Unlock()
	if charDevices.m == nil {
		charDevices.m = make(map[uint64]CharDeviceOpener)
	}
	charDevices.m[rdev] = open
}

// CharDevice returns the opener of rdev, or nil if no driver serves it.
func CharDevice(rdev uint64) CharDeviceOpener {
	charDevices.mu.RLock()
	defer charDevices.mu.RUnlock()
	return charDevices.m[rdev]
}
