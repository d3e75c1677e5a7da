package ipc

import (
	"fmt"
	"strings"

	"github.com/moat-dev/moat/sentry/kernel"
)

// Headers of the /proc/sysvipc files.
const (
	procShmHeader = "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n"
	procSemHeader = "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n"
	procMsgHeader = "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n"
)

// ProcSysvipc returns the contents of /proc/sysvipc/<name> (shm, sem or
// msg) for kernel k: every object of that kind, whatever its permissions.
func ProcSysvipc(k *kernel.Kernel, name string) ([]byte, bool) {
	ns := NamespaceFor(k)
	switch name {
	case "shm":
		return ns.procShm(), true
	case "sem":
		return ns.procSem(), true
	case "msg":
		return ns.procMsg(), true
	}
	return nil, false
}

func (ns *Namespace) procShm() []byte {
	s := &ns.shm
	s.mu.Lock()
	defer s.mu.Unlock()
	counts := s.counts()
	s.sweep(counts)
	var b strings.Builder
	b.WriteString(procShmHeader)
	s.reg.each(func(seg *Shm, p *Perm) {
		// Pages are not tracked per segment: rss and swap are 0.
		fmt.Fprintf(&b, "%10d %10d  %4o %21d %5d %5d  %5d %5d %5d %5d %5d %10d %10d %10d %21d %21d\n",
			p.Key, p.id, p.Mode, seg.size, seg.cpid, seg.lpid, counts[seg],
			p.UID, p.GID, p.CUID, p.CGID, seg.atime, seg.dtime, seg.ctime, 0, 0)
	})
	return []byte(b.String())
}

func (ns *Namespace) procSem() []byte {
	s := &ns.sem
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	b.WriteString(procSemHeader)
	s.reg.each(func(set *semSet, p *Perm) {
		fmt.Fprintf(&b, "%10d %10d  %4o %10d %5d %5d %5d %5d %10d %10d\n",
			p.Key, p.id, p.Mode, len(set.sems), p.UID, p.GID, p.CUID, p.CGID, set.otime, set.ctime)
	})
	return []byte(b.String())
}

func (ns *Namespace) procMsg() []byte {
	s := &ns.msg
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	b.WriteString(procMsgHeader)
	s.reg.each(func(q *msgQueue, p *Perm) {
		fmt.Fprintf(&b, "%10d %10d  %4o  %10d %10d %5d %5d %5d %5d %5d %5d %10d %10d %10d\n",
			p.Key, p.id, p.Mode, q.cbytes, len(q.msgs), q.lspid, q.lrpid,
			p.UID, p.GID, p.CUID, p.CGID, q.stime, q.rtime, q.ctime)
	})
	return []byte(b.String())
}
