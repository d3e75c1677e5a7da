package boot

import (
	"github.com/moat-dev/moat/platform"
	"github.com/moat-dev/moat/platform/systrap"
)

func init() {
	platforms["systrap"] = func(memfd int) (platform.Platform, uint64, error) {
		p, err := systrap.New(memfd)
		return p, systrap.StubAddr, err
	}
}
