// Package dev is the sandbox's /dev: null, zero, full, random, urandom,
// tty, ptmx and pts (a devpts instance), and the fd links, all served by
// the sentry.
package dev

import (
	"crypto/rand"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/fs/devpts"
	"github.com/moat-dev/moat/sentry/fs/synth"
	"github.com/moat-dev/moat/sentry/kernel"
	"github.com/moat-dev/moat/sentry/vfs"
)

// fsDev is the device number /dev reports, as a tmpfs would have.
var fsDev = unix.Mkdev(0, 5)

type kind int

const (
	null kind = iota
	zero
	full
	random
)

type devFile struct {
	vfs.NoImpl
	vfs.AlwaysReady
	k    kind
	stat func() (vfs.Stat, error)
}

func (d *devFile) Read(dst []byte, _ int64) (int, error) {
	switch d.k {
	case null:
		return 0, nil
	case random:
		rand.Read(dst)
	default:
		clear(dst)
	}
	return len(dst), nil
}

func (d *devFile) Write(src []byte, _ int64) (int, error) {
	if d.k == full {
		return 0, unix.ENOSPC
	}
	return len(src), nil
}

func (d *devFile) Stat() (vfs.Stat, error) { return d.stat() }

// Size implements vfs.Seekable: lseek on these devices succeeds.
func (d *devFile) Size() (int64, error) { return 0, nil }

func device(k kind, minor uint32) *synth.Device {
	d := &synth.Device{Dev: fsDev, Ino: synth.NewIno(), Mode: unix.S_IFCHR | 0o666, Rdev: unix.Mkdev(1, minor)}
	d.NewImpl = func(int) (vfs.FileImpl, error) { return &devFile{k: k, stat: d.Stat}, nil }
	return d
}

// memDevices are the memory devices (major 1) by minor number.
var memDevices = map[uint32]kind{3: null, 5: zero, 7: full, 8: random, 9: random}

func init() {
	// Nodes made with mknod elsewhere (a tmpfs) open the same
	// devices; their stat is the node's own.
	vfs.RegisterCharDevice(unix.Mkdev(5, 0), openControllingTTY)
	for minor, k := range memDevices {
		vfs.RegisterCharDevice(unix.Mkdev(1, minor), func(_ int, stat func() (vfs.Stat, error)) (vfs.FileImpl, error) {
			return &devFile{k: k, stat: stat}, nil
		})
	}
}

// openControllingTTY opens the caller's controlling terminal, as /dev/tty
// does; stat reports the node that was opened.
func openControllingTTY(flags int, stat func() (vfs.Stat, error)) (vfs.FileImpl, error) {
	t := kernel.CurrentTask()
	if t == nil {
		return nil, unix.ENXIO
	}
	ctty := t.Kernel().ControllingTTY(t.ThreadGroup())
	if ctty == nil {
		return nil, unix.ENXIO
	}
	return devpts.OpenControllingTTY(ctty, flags, stat)
}

// New returns the root of a /dev filesystem.
func New() vfs.Inode {
	// /dev/tty is the caller's controlling terminal.
	tty := &synth.Device{Dev: fsDev, Ino: synth.NewIno(), Mode: unix.S_IFCHR | 0o666, Rdev: unix.Mkdev(5, 0)}
	tty.NewImpl = func(flags int) (vfs.FileImpl, error) { return openControllingTTY(flags, tty.Stat) }
	// /dev/ptmx allocates a pseudoterminal of /dev/pts.
	pts := devpts.New()
	ptmx := &synth.Device{Dev: fsDev, Ino: synth.NewIno(), Mode: unix.S_IFCHR | 0o666, Rdev: unix.Mkdev(5, 2)}
	ptmx.NewImpl = func(int) (vfs.FileImpl, error) { return pts.OpenMaster(ptmx.Stat) }
	root := synth.NewDir(fsDev, map[string]vfs.Inode{
		"null":    device(null, 3),
		"zero":    device(zero, 5),
		"full":    device(full, 7),
		"random":  device(random, 8),
		"urandom": device(random, 9),
		"tty":     tty,
		"ptmx":    ptmx,
		"fd":      synth.StaticSymlink(fsDev, "/proc/self/fd"),
		"stdin":   synth.StaticSymlink(fsDev, "/proc/self/fd/0"),
		"stdout":  synth.StaticSymlink(fsDev, "/proc/self/fd/1"),
		"stderr":  synth.StaticSymlink(fsDev, "/proc/self/fd/2"),
		"shm":     synth.NewDir(fsDev, nil),
		"pts":     pts.Root(),
	})
	root.Mode = unix.S_IFDIR | 0o755
	return root
}
