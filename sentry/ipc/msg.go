package ipc

import (
	"encoding/binary"
	"math"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/moat-dev/moat/sentry/kernel"
)

// Message queue commands and flags (linux/msg.h).
const (
	MSG_STAT     = 11
	MSG_INFO     = 12
	MSG_STAT_ANY = 13

	MSG_NOERROR = 0o10000
	MSG_EXCEPT  = 0o20000
	MSG_COPY    = 0o40000
)

// Message queue limits: Linux's defaults.
const (
	MSGMNI  = 32000
	MSGMAX  = 8192
	MSGMNB  = 16384
	MSGPOOL = MSGMNI * MSGMNB / 1024
	MSGTQL  = MSGMNB
	MSGMAP  = MSGMNB
	MSGSSZ  = 16
	MSGSEG  = 0xffff
)

type msgNS struct {
	mu  sync.Mutex
	reg registry[*msgQueue]
}

type message struct {
	typ  int64
	text []byte
}

type msgQueue struct {
	perm                Perm
	msgs                []*message
	cbytes, qbytes      uint64
	lspid, lrpid        int32
	stime, rtime, ctime int64
	// changed is closed, and replaced, whenever the queue changes, to
	// wake blocked senders and receivers to look again.
	changed chan struct{}
}

func (q *msgQueue) notify() {
	close(q.changed)
	q.changed = make(chan struct{})
}

// Msgget implements msgget(2).
func (ns *Namespace) Msgget(c *Caller, key int32, flg int) (int32, error) {
	s := &ns.msg
	s.mu.Lock()
	defer s.mu.Unlock()
	_, p, create, err := lookupForGet(&s.reg, &c.Creds, key, flg, nil)
	if err != nil {
		return 0, err
	}
	if !create {
		return p.id, nil
	}
	q := &msgQueue{qbytes: MSGMNB, ctime: now(), changed: make(chan struct{})}
	q.perm = *newPerm(&c.Creds, key, flg)
	if err := s.reg.add(q, &q.perm); err != nil {
		return 0, err
	}
	return q.perm.id, nil
}

// Msgsnd implements msgsnd(2) once the message has been read in and its
// size and type checked. An interrupted wait returns ERESTARTNOHAND.
func (ns *Namespace) Msgsnd(c *Caller, id int32, typ int64, text []byte, flg int) error {
	s := &ns.msg
	s.mu.Lock()
	defer s.mu.Unlock()
	q, p, err := s.reg.byID(id)
	if err != nil {
		return err
	}
	for {
		if !p.allowed(&c.Creds, modeWrite) {
			return unix.EACCES
		}
		if p.removed {
			return unix.EIDRM
		}
		n := uint64(len(text))
		if n+q.cbytes <= q.qbytes && 1+uint64(len(q.msgs)) <= q.qbytes {
			break
		}
		if flg&IPC_NOWAIT != 0 {
			return unix.EAGAIN
		}
		ch := q.changed
		s.mu.Unlock()
		err := c.Blocker.BlockTimeout(ch, nil)
		s.mu.Lock()
		if err != nil {
			return kernel.ERESTARTNOHAND
		}
	}
	q.lspid = c.PID
	q.stime = now()
	q.msgs = append(q.msgs, &message{typ: typ, text: text})
	q.cbytes += uint64(len(text))
	q.notify()
	return nil
}

// findMsg returns the index of the message msgrcv(2) takes, or -1.
func (q *msgQueue) findMsg(typ int64, flg int) int {
	switch {
	case flg&MSG_COPY != 0:
		if typ >= 0 && typ < int64(len(q.msgs)) {
			return int(typ)
		}
		return -1
	case typ == 0:
		if len(q.msgs) > 0 {
			return 0
		}
		return -1
	case typ > 0:
		for i, m := range q.msgs {
			if (m.typ == typ) != (flg&MSG_EXCEPT != 0) {
				return i
			}
		}
		return -1
	}
	// The first message of the lowest type not above -typ.
	limit := int64(math.MaxInt64)
	if typ != math.MinInt64 {
		limit = -typ
	}
	best := -1
	for i, m := range q.msgs {
		if m.typ <= limit && (best < 0 || m.typ < q.msgs[best].typ) {
			best = i
		}
	}
	return best
}

// Msgrcv implements msgrcv(2): it returns the message's type and text,
// cut to bufsz with MSG_NOERROR. An interrupted wait returns
// ERESTARTNOHAND.
func (ns *Namespace) Msgrcv(c *Caller, id int32, bufsz int64, typ int64, flg int) (int64, []byte, error) {
	if id < 0 || bufsz < 0 {
		return 0, nil, unix.EINVAL
	}
	if flg&MSG_COPY != 0 && (flg&MSG_EXCEPT != 0 || flg&IPC_NOWAIT == 0) {
		return 0, nil, unix.EINVAL
	}
	s := &ns.msg
	s.mu.Lock()
	defer s.mu.Unlock()
	q, p, err := s.reg.byID(id)
	if err != nil {
		return 0, nil, err
	}
	for {
		if !p.allowed(&c.Creds, modeRead) {
			return 0, nil, unix.EACCES
		}
		if p.removed {
			return 0, nil, unix.EIDRM
		}
		if i := q.findMsg(typ, flg); i >= 0 {
			m := q.msgs[i]
			if bufsz < int64(len(m.text)) && flg&MSG_NOERROR == 0 {
				return 0, nil, unix.E2BIG
			}
			text := m.text
			if int64(len(text)) > bufsz {
				text = text[:bufsz]
			}
			if flg&MSG_COPY != 0 {
				if int64(len(m.text)) > min(bufsz, MSGMAX) {
					return 0, nil, unix.EINVAL
				}
				return m.typ, append([]byte(nil), text...), nil
			}
			q.msgs = append(q.msgs[:i], q.msgs[i+1:]...)
			q.cbytes -= uint64(len(m.text))
			q.rtime = now()
			q.lrpid = c.PID
			q.notify()
			return m.typ, text, nil
		}
		if flg&IPC_NOWAIT != 0 {
			return 0, nil, unix.ENOMSG
		}
		ch := q.changed
		s.mu.Unlock()
		err := c.Blocker.BlockTimeout(ch, nil)
		s.mu.Lock()
		if err != nil {
			return 0, nil, kernel.ERESTARTNOHAND
		}
	}
}

// MsqidDS is struct msqid64_ds.
type MsqidDS struct {
	Perm                Perm
	Stime, Rtime, Ctime int64
	Cbytes, Qnum        uint64
	Qbytes              uint64
	LSPID, LRPID        int32
}

// MsqidDSSize is sizeof(struct msqid64_ds) on amd64.
const MsqidDSSize = 120

// Marshal encodes the struct as the application sees it.
func (d *MsqidDS) Marshal() []byte {
	b := make([]byte, MsqidDSSize)
	le := binary.LittleEndian
	d.Perm.marshal(b)
	le.PutUint64(b[48:], uint64(d.Stime))
	le.PutUint64(b[56:], uint64(d.Rtime))
	le.PutUint64(b[64:], uint64(d.Ctime))
	le.PutUint64(b[72:], d.Cbytes)
	le.PutUint64(b[80:], d.Qnum)
	le.PutUint64(b[88:], d.Qbytes)
	le.PutUint32(b[96:], uint32(d.LSPID))
	le.PutUint32(b[100:], uint32(d.LRPID))
	return b
}

// UnmarshalMsqidQbytes reads msg_qbytes from a struct msqid64_ds.
func UnmarshalMsqidQbytes(b []byte) uint64 { return binary.LittleEndian.Uint64(b[88:]) }

// MsgStat implements IPC_STAT, MSG_STAT and MSG_STAT_ANY; see ShmStat.
func (ns *Namespace) MsgStat(c *Caller, id int32, byIndex, anyPerm bool) (MsqidDS, int32, error) {
	s := &ns.msg
	s.mu.Lock()
	defer s.mu.Unlock()
	var q *msgQueue
	var p *Perm
	var err error
	if byIndex {
		q, p, err = s.reg.byIndex(id)
	} else {
		q, p, err = s.reg.byID(id)
	}
	if err != nil {
		return MsqidDS{}, 0, err
	}
	if !anyPerm && !p.allowed(&c.Creds, modeRead) {
		return MsqidDS{}, 0, unix.EACCES
	}
	return MsqidDS{
		Perm: *p, Stime: q.stime, Rtime: q.rtime, Ctime: q.ctime,
		Cbytes: q.cbytes, Qnum: uint64(len(q.msgs)), Qbytes: q.qbytes,
		LSPID: q.lspid, LRPID: q.lrpid,
	}, p.id, nil
}

// MsgSet implements IPC_SET: owner, mode and msg_qbytes.
func (ns *Namespace) MsgSet(c *Caller, id int32, sp SetPerm, qbytes uint64) error {
	s := &ns.msg
	s.mu.Lock()
	defer s.mu.Unlock()
	q, p, err := s.reg.byID(id)
	if err != nil {
		return err
	}
	if !p.mayAdmin(&c.Creds) {
		return unix.EPERM
	}
	if qbytes > MSGMNB && !c.Creds.hasCap(capSysResource) {
		return unix.EPERM
	}
	if err := p.apply(sp); err != nil {
		return err
	}
	q.qbytes = qbytes
	q.ctime = now()
	// Senders may fit now; receivers may have lost permission.
	q.notify()
	return nil
}

// MsgRmid implements IPC_RMID: blocked senders and receivers fail with
// EIDRM.
func (ns *Namespace) MsgRmid(c *Caller, id int32) error {
	s := &ns.msg
	s.mu.Lock()
	defer s.mu.Unlock()
	q, p, err := s.reg.byID(id)
	if err != nil {
		return err
	}
	if !p.mayAdmin(&c.Creds) {
		return unix.EPERM
	}
	s.reg.remove(p)
	p.removed = true
	q.msgs = nil
	q.cbytes = 0
	q.notify()
	return nil
}

// MsgInfo implements IPC_INFO (usage false) and MSG_INFO: struct msginfo,
// and the highest index in use.
func (ns *Namespace) MsgInfo(usage bool) ([]byte, int32) {
	s := &ns.msg
	s.mu.Lock()
	defer s.mu.Unlock()
	pool, mp, tql := int64(MSGPOOL), int64(MSGMAP), int64(MSGTQL)
	if usage {
		pool, mp, tql = int64(s.reg.inUse()), 0, 0
		s.reg.each(func(q *msgQueue, _ *Perm) {
			mp += int64(len(q.msgs))
			tql += int64(q.cbytes)
		})
		mp, tql = min(mp, math.MaxInt32), min(tql, math.MaxInt32)
	}
	b := make([]byte, 32)
	le := binary.LittleEndian
	for i, v := range []int64{pool, mp, MSGMAX, MSGMNB, MSGMNI, MSGSSZ, tql} {
		le.PutUint32(b[4*i:], uint32(v))
	}
	le.PutUint16(b[28:], MSGSEG)
	return b, int32(s.reg.maxIdx())
}
