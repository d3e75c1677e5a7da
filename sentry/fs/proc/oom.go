package proc

import "github.com/moat-dev/moat/sentry/kernel"

// oomAdj converts oom_score_adj to the legacy oom_adj scale (-17..15),
// as the kernel shows it.
func oomAdj(scoreAdj int32) int {
	if scoreAdj == kernel.OOMScoreAdjMax {
		return 15
	}
	return int(scoreAdj) * 17 / 1000
}
