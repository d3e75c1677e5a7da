package boot

import (
	"github.com/moat-dev/moat/platform"
	"github.com/moat-dev/moat/platform/ptrace"
)

// platforms builds each platform by name for a memory file. It returns
// the platform and the end of the application address range it leaves
// free (its stub lives above).
var platforms = map[string]func(memfd int) (platform.Platform, uint64, error){
	"ptrace": func(memfd int) (platform.Platform, uint64, error) {
		p, err := ptrace.New(memfd)
		return p, ptrace.StubAddr, err
	},
}
