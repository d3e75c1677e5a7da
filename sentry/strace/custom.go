package strace

import "strconv"

// Formatters for system calls whose arguments depend on each other.

// a formats argument i with f.
func (c *call) a(i int, f arg) string { return f(c, c.args[i]) }

// openArgs formats open(path, flags[, mode]) starting at argument i; the
// mode is shown only when the flags use it, like strace.
func (c *call) openArgs(i int) []string {
	s := []string{c.a(i, aPath), c.a(i+1, aOpenFlags)}
	if c.args[i+1]&(oCreat|oTmpfile) != 0 {
		s = append(s, c.a(i+2, aMode))
	}
	return s
}

func fmtOpen(c *call) []string { return c.openArgs(0) }

func fmtOpenat(c *call) []string { return append([]string{c.a(0, aDirFD)}, c.openArgs(1)...) }

func fmtFutex(c *call) []string {
	s := []string{c.a(0, aPtr), c.a(1, func(_ *call, v uint64) string { return futexOp(v) })}
	cmd := c.args[1] &^ (futexPrivate | futexClockRealtime)
	val := strconv.Itoa(int(int32(c.args[2])))
	bitset := func(v uint64) string {
		if uint32(v) == 0xffffffff {
			return "FUTEX_BITSET_MATCH_ANY"
		}
		return hex(uint64(uint32(v)))
	}
	switch cmd {
	case 0: // FUTEX_WAIT
		s = append(s, val, c.a(3, aTimespec))
	case 1, 7, 8: // FUTEX_WAKE, FUTEX_UNLOCK_PI, FUTEX_TRYLOCK_PI
		if cmd == 1 {
			s = append(s, val)
		}
	case 2: // FUTEX_FD
		s = append(s, c.a(2, aSignal))
	case 3: // FUTEX_REQUEUE
		s = append(s, val, c.a(3, aU32), c.a(4, aPtr))
	case 4, 12: // FUTEX_CMP_REQUEUE, FUTEX_CMP_REQUEUE_PI
		s = append(s, val, c.a(3, aU32), c.a(4, aPtr), c.a(5, aInt))
	case 5: // FUTEX_WAKE_OP
		s = append(s, val, c.a(3, aU32), c.a(4, aPtr), c.a(5, aHex))
	case 6, 13: // FUTEX_LOCK_PI, FUTEX_LOCK_PI2
		s = append(s, c.a(3, aTimespec))
	case 9: // FUTEX_WAIT_BITSET
		s = append(s, val, c.a(3, aTimespec), bitset(c.args[5]))
	case 10: // FUTEX_WAKE_BITSET
		s = append(s, val, bitset(c.args[5]))
	case 11: // FUTEX_WAIT_REQUEUE_PI
		s = append(s, val, c.a(3, aTimespec), c.a(4, aPtr))
	default:
		s = append(s, c.a(2, aHex), c.a(3, aHex), c.a(4, aHex), c.a(5, aHex))
	}
	return s
}

// flockStruct formats a struct flock pointer.
func aFlock(c *call, v uint64) string {
	b := c.readStruct(v, 32)
	if b == nil {
		return ptr(v)
	}
	return "{l_type=" + lockTypes.format(uint64(le.Uint16(b))) +
		", l_whence=" + whenceNames.format(uint64(le.Uint16(b[2:]))) +
		", l_start=" + strconv.FormatInt(int64(le.Uint64(b[8:])), 10) +
		", l_len=" + strconv.FormatInt(int64(le.Uint64(b[16:])), 10) +
		", l_pid=" + strconv.Itoa(int(int32(le.Uint32(b[24:])))) + "}"
}

func fmtFcntl(c *call) []string {
	s := []string{c.a(0, aFD), fcntlCmds.formatInt(c.args[1])}
	switch c.args[1] {
	case 1, 3, 9, 11, 1025, 1032, 1034: // F_GETFD, F_GETFL, F_GETOWN, F_GETSIG, F_GETLEASE, F_GETPIPE_SZ, F_GET_SEALS
	case 2: // F_SETFD
		s = append(s, fdFlags.format(c.args[2]))
	case 4: // F_SETFL
		s = append(s, openFlags(c.args[2]))
	case 5, 36: // F_GETLK, F_OFD_GETLK
		s = append(s, c.a(2, out(aFlock)))
	case 6, 7, 37, 38: // F_SETLK, F_SETLKW, F_OFD_SETLK, F_OFD_SETLKW
		s = append(s, c.a(2, aFlock))
	case 10: // F_SETSIG
		s = append(s, c.a(2, aSignal))
	case 1024: // F_SETLEASE
		s = append(s, lockTypes.formatInt(c.args[2]))
	case 1033: // F_ADD_SEALS
		s = append(s, sealFlags.format(c.args[2]))
	case 0, 1030, 8, 1031: // F_DUPFD, F_DUPFD_CLOEXEC, F_SETOWN, F_SETPIPE_SZ
		s = append(s, c.a(2, aInt))
	default:
		s = append(s, c.a(2, aHex))
	}
	return s
}

func fcntlRet(c *call) string {
	if c.ret == 0 {
		return "0"
	}
	switch c.args[1] {
	case 1: // F_GETFD
		return hex(c.ret) + " (flags " + fdFlags.format(c.ret) + ")"
	case 3: // F_GETFL
		return hex(c.ret) + " (flags " + openFlags(c.ret) + ")"
	case 1034: // F_GET_SEALS
		return hex(c.ret) + " (seals " + sealFlags.format(c.ret) + ")"
	}
	return strconv.FormatInt(int64(c.ret), 10)
}

func fmtIoctl(c *call) []string {
	req := uint64(uint32(c.args[1]))
	name, ok := ioctlReqs[req]
	if !ok {
		name = hex(req)
	}
	s := []string{c.a(0, aFD), name}
	var a string
	switch req {
	case 0x5413: // TIOCGWINSZ
		a = c.a(2, out(aWinsize))
	case 0x5414: // TIOCSWINSZ
		a = c.a(2, aWinsize)
	case 0x5421, 0x5452, 0x5410, 0x540E, 0x40045431: // FIONBIO, FIOASYNC, TIOCSPGRP, TIOCSCTTY(arg), TIOCSPTLCK
		if req == 0x540E {
			a = c.a(2, aInt)
		} else {
			a = c.a(2, aIntPtr)
		}
	case 0x541B, 0x540F, 0x5411, 0x80045430, 0x5429, 0x5424: // FIONREAD, TIOCGPGRP, TIOCOUTQ, TIOCGPTN, TIOCGSID, TIOCGETD
		a = c.a(2, out(aIntPtr))
	case 0x5450, 0x5451, 0x5422, 0x540C, 0x540D: // FIONCLEX, FIOCLEX, TIOCNOTTY, TIOCEXCL, TIOCNXCL: no argument
		return s
	case 0x5409, 0x540A, 0x540B: // TCSBRK, TCXONC, TCFLSH
		a = c.a(2, aInt)
	case 0x80081272: // BLKGETSIZE64
		a = c.a(2, out(aU64Ptr))
	default:
		a = c.a(2, aPtr)
	}
	return append(s, a)
}

func fmtPrctl(c *call) []string {
	op := uint64(uint32(c.args[0]))
	s := []string{prctlOps.formatHex(op, "PR_???")}
	switch op {
	case 1: // PR_SET_PDEATHSIG
		return append(s, c.a(1, aSignal))
	case 2: // PR_GET_PDEATHSIG
		return append(s, c.a(1, out(func(c *call, v uint64) string {
			x, ok := c.readU32(v)
			if !ok {
				return ptr(v)
			}
			return "[" + signalName(uint64(x)) + "]"
		})))
	case 3, 7, 21, 27, 30, 37, 39, 42, 46, 58: // getters without arguments
		if op == 37 { // PR_GET_CHILD_SUBREAPER
			return append(s, c.a(1, out(aIntPtr)))
		}
		return s
	case 15: // PR_SET_NAME
		return append(s, c.a(1, func(c *call, v uint64) string { return c.cstring(v, 16) }))
	case 16: // PR_GET_NAME
		return append(s, c.a(1, out(func(c *call, v uint64) string { return c.cstring(v, 16) })))
	case 4, 8, 23, 24, 29, 36: // setters with one value
		return append(s, c.a(1, aUint))
	case 22: // PR_SET_SECCOMP
		mode := map[uint64]string{0: "SECCOMP_MODE_DISABLED", 1: "SECCOMP_MODE_STRICT", 2: "SECCOMP_MODE_FILTER"}
		if n, ok := mode[c.args[1]]; ok {
			return append(s, n, c.a(2, aPtr))
		}
		return append(s, c.a(1, aHex), c.a(2, aPtr))
	case 0x53564d41: // PR_SET_VMA
		return append(s, c.a(1, aHex), c.a(2, aPtr), c.a(3, aUint), c.a(4, aStr))
	}
	return append(s, c.a(1, aHex), c.a(2, aHex), c.a(3, aHex), c.a(4, aHex))
}

func fmtArchPrctl(c *call) []string {
	code := c.args[0]
	s := []string{archPrctlCodes.formatHex(code, "ARCH_???")}
	switch code {
	case 0x1003, 0x1004: // ARCH_GET_FS, ARCH_GET_GS
		return append(s, c.a(1, out(func(c *call, v uint64) string {
			x, ok := c.readU64(v)
			if !ok {
				return ptr(v)
			}
			return "[" + hex(x) + "]"
		})))
	case 0x1011, 0x1012: // ARCH_GET_CPUID, ARCH_SET_CPUID
		return append(s, c.a(1, aUint))
	}
	return append(s, c.a(1, aHex))
}

// fmtClone formats clone(flags, stack, parent_tid, child_tid, tls) the way
// strace does, naming each argument and omitting unused ones.
func fmtClone(c *call) []string {
	fl := c.args[0]
	s := []string{"child_stack=" + ptr(c.args[1]), "flags=" + cloneFlags(fl)}
	if fl&0x100000 != 0 { // CLONE_PARENT_SETTID
		s = append(s, "parent_tid="+ptr(c.args[2]))
	}
	if fl&(0x200000|0x1000000) != 0 { // CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID
		s = append(s, "child_tidptr="+ptr(c.args[3]))
	}
	if fl&0x80000 != 0 { // CLONE_SETTLS
		s = append(s, "tls="+ptr(c.args[4]))
	}
	return s
}

// fmtExecve formats execve and execveat from argument i on. A successful
// execve has replaced the memory its arguments pointed to, so Exit shows
// them as pointers then; the sentry should log the Enter line for detail.
func fmtExecve(i int) func(c *call) []string {
	return func(c *call) []string {
		var s []string
		if i == 1 {
			s = append(s, c.a(0, aDirFD))
		}
		if c.done() {
			s = append(s, ptr(c.args[i]), ptr(c.args[i+1]), ptr(c.args[i+2]))
		} else {
			s = append(s, c.a(i, aPath), c.a(i+1, aArgv), c.a(i+2, aArgv))
		}
		if i == 1 {
			s = append(s, c.a(4, flags(atFlagSet)))
		}
		return s
	}
}

func fmtSocket(c *call) []string {
	proto := c.args[2]
	var p string
	switch c.args[0] {
	case 2, 10: // AF_INET, AF_INET6
		p = ipProtocols.formatInt(proto)
	case 16: // AF_NETLINK
		p = netlinkProtocols.formatInt(proto)
	default:
		p = aInt(c, proto)
	}
	return []string{socketFamilies.formatInt(c.args[0]), socketType(c.args[1]), p}
}

func fmtSocketpair(c *call) []string {
	s := fmtSocket(c)
	return append(s, c.a(3, out(aPipeFDs)))
}

// sockopt formats a socket option level and name.
func (c *call) sockopt() (string, string) {
	level := uint64(uint32(c.args[1]))
	name := uint64(uint32(c.args[2]))
	ln := sockLevels.formatInt(level)
	if names, ok := sockOptNames[level]; ok {
		return ln, names.formatInt(name)
	}
	return ln, aInt(c, name)
}

// optval formats a socket option value of n bytes.
func (c *call) optval(v uint64, n uint64) string {
	if n == 4 {
		return aIntPtr(c, v)
	}
	return c.buffer(v, n)
}

func fmtSetsockopt(c *call) []string {
	level, name := c.sockopt()
	return []string{c.a(0, aFD), level, name, c.optval(c.args[3], uint64(uint32(c.args[4]))), c.a(4, aU32)}
}

func fmtGetsockopt(c *call) []string {
	level, name := c.sockopt()
	val := ptr(c.args[3])
	if c.done() {
		if n, ok := c.readU32(c.args[4]); ok {
			val = c.optval(c.args[3], uint64(n))
		}
	}
	return []string{c.a(0, aFD), level, name, val, c.a(4, out(aIntPtr))}
}

// fmtMmap formats mmap(addr, length, prot, flags, fd, offset).
func fmtMmap(c *call) []string {
	return []string{c.a(0, aPtr), c.a(1, aUint), c.a(2, aProt), c.a(3, aMmapFlags), c.a(4, aFD), c.a(5, aHex)}
}

func fmtWaitid(c *call) []string {
	return []string{idTypes.formatInt(c.args[0]), c.a(1, aInt), c.a(2, out(aSiginfo)), waitOptions.format(c.args[3]), c.a(4, aPtr)}
}

func fmtMknod(c *call, i int) []string {
	s := []string{c.a(i, aPath), c.a(i+1, aFileMode)}
	if t := c.args[i+1] & 0o170000; t == 0o20000 || t == 0o60000 {
		s = append(s, makedev(c.args[i+2]))
	}
	return s
}

func fmtSeccomp(c *call) []string {
	s := []string{seccompOps.formatInt(c.args[0])}
	switch c.args[0] {
	case 1:
		s = append(s, seccompFlags.format(c.args[1]), c.a(2, aPtr))
	default:
		s = append(s, c.a(1, aHex), c.a(2, aPtr))
	}
	return s
}

func fmtShmctl(c *call) []string {
	return []string{c.a(0, aInt), ipcCmds.formatInt(c.args[1]), c.a(2, aPtr)}
}

func fmtPersonality(c *call) []string {
	v := uint64(uint32(c.args[0]))
	if v == 0xffffffff {
		return []string{"0xffffffff"}
	}
	base := "PER_LINUX"
	if v&0xff != 0 {
		base = hex(v & 0xff)
	}
	if rest := personalityFlags.formatZero(v&^0xff, ""); rest != "" {
		base += "|" + rest
	}
	return []string{base}
}

func retPersonality(c *call) string {
	v := uint64(uint32(c.ret))
	return hex(v) + " (" + fmtPersonality(&call{args: [6]uint64{v}})[0] + ")"
}

func retHex(c *call) string { return hex(c.ret) }

func retNone(*call) string { return "?" }
