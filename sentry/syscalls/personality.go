package syscalls

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/moat-dev/moat/sentry/abi"
	"github.com/moat-dev/moat/sentry/kernel"
)

// personality(2): the thread's execution domain (low byte, PER_LINUX and
// friends) and its flags. Linux takes any 32-bit value and checks none;
// 0xffffffff only asks. The flags that matter to the sentry act at exec:
// ADDR_NO_RANDOMIZE fixes the layout of the next program, and exec drops
// READ_IMPLIES_EXEC (and, for set-ID programs, the flags that would
// weaken them; see kernel.execPersonality).

func init() {
	register(abi.SysPersonality, sysPersonality)
}

// personalityQuery is the argument that reads without changing.
const personalityQuery = 0xffffffff

func sysPersonality(t *task, a *args) (uint64, error) {
	// The argument is an unsigned int: the upper half of the register
	// is ignored, so 0x1ffffffff also only asks.
	p := uint32(a[0])
	old := t.Personality()
	if p != personalityQuery {
		t.SetPersonality(p)
	}
	// The old value comes back as an unsigned int, never as an errno.
	return uint64(old), nil
}

// Execution domains (the persona's low byte) and flags that change what
// uname says.
const (
	perMask    = 0xff
	perLinux32 = 0x0008
	uname26    = 0x0020000
)

// unameRelease is uname's release field for a persona: with UNAME26 a
// program that only knows 2.6 kernels is told 2.6.(60 + minor), the
// rest of the release (after the version numbers) kept, as Linux.
func unameRelease(p uint32, release string) string {
	if p&uname26 == 0 {
		return release
	}
	// The version numbers: digits and dots, up to the third dot.
	end, dots := 0, 0
	for end < len(release) {
		c := release[end]
		if c == '.' {
			dots++
			if dots >= 3 {
				break
			}
		} else if c < '0' || c > '9' {
			break
		}
		end++
	}
	minor := 0
	if parts := strings.SplitN(release[:end], ".", 3); len(parts) > 1 {
		minor, _ = strconv.Atoi(parts[1])
	}
	return fmt.Sprintf("2.6.%d%s", 60+minor, release[end:])
}

// unameMachine is uname's machine field for a persona: a PER_LINUX32
// process (setarch i386, linux32) is told it runs on i686.
func unameMachine(p uint32) string {
	if p&perMask == perLinux32 {
		return "i686"
	}
	return "x86_64"
}

// readImpliesExec reports whether the thread's readable mappings are
// made executable too (READ_IMPLIES_EXEC). Linux does so at mmap, for
// memory that may be executed; a 64-bit program has the flag only if it
// set it itself, since exec clears it.
func readImpliesExec(t *task) bool {
	return t.Personality()&kernel.PerReadImpliesExec != 0
}
