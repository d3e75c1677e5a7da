package kernel

import (
	"fmt"
	"strings"
)

// capNames are the capability names of capabilities(7), by number.
var capNames = [...]string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
	"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
	"CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
	"CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
	"CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
}

// CapabilitySet turns capability names ("CAP_CHOWN"; case-insensitive,
// the CAP_ prefix optional) into a mask. An unknown name is an error.
func CapabilitySet(names []string) (uint64, error) {
	var set uint64
	for _, n := range names {
		u := strings.ToUpper(n)
		if !strings.HasPrefix(u, "CAP_") {
			u = "CAP_" + u
		}
		found := false
		for i, c := range capNames {
			if c == u {
				set |= 1 << uint(i)
				found = true
				break
			}
		}
		if !found {
			return 0, fmt.Errorf("unknown capability %q", n)
		}
	}
	return set, nil
}

// ForExec returns the credentials after an execve of a file with no
// file capabilities and no set-user-ID bit, by the rules of
// capabilities(7): root (real or effective UID 0) gets its bounding and
// inheritable sets as permitted, effective only if its effective UID is
// 0, unless SECBIT_NOROOT is set; anyone else keeps only the ambient set.
// The ambient set survives, limited to what is permitted and inheritable.
// PR_SET_KEEPCAPS is cleared.
func (c *Creds) ForExec() *Creds {
	n := c.Copy()
	n.KeepCaps = false
	n.CapAmbient &= n.CapPermitted & n.CapInheritable
	if (c.RealUID == 0 || c.EffectiveUID == 0) && c.SecureBits&SecbitNoRoot == 0 {
		n.CapPermitted = (c.CapBounding | c.CapInheritable) | n.CapAmbient
		if c.EffectiveUID == 0 {
			n.CapEffective = n.CapPermitted
		} else {
			n.CapEffective = n.CapAmbient
		}
		return n
	}
	n.CapPermitted = n.CapAmbient
	n.CapEffective = n.CapAmbient
	return n
}

// CapabilityNames returns the names of the capabilities the sandbox
// knows, by number.
func CapabilityNames() []string { return append([]string(nil), capNames[:]...) }
