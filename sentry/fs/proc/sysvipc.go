package proc

import (
	"github.com/moat-dev/moat/sentry/fs/synth"
	"github.com/moat-dev/moat/sentry/ipc"
	"github.com/moat-dev/moat/sentry/vfs"
	"golang.org/x/sys/unix"
)

// sysvipcDir is /proc/sysvipc: the System V IPC objects of the sandbox.
func (p *procFS) sysvipcDir(file func(string, func() ([]byte, error)) vfs.Inode) vfs.Inode {
	entry := func(name string) vfs.Inode {
		return file("sysvipc/"+name, func() ([]byte, error) {
			b, _ := ipc.ProcSysvipc(p.k, name)
			return b, nil
		})
	}
	d := &synth.Dir{Dev: procDev, Ino: inoOf("/sysvipc"), Mode: unix.S_IFDIR | 0o555}
	d.Static = map[string]vfs.Inode{"shm": entry("shm"), "sem": entry("sem"), "msg": entry("msg")}
	return d
}
