package kernel

// OOM score adjustment bounds (OOM_SCORE_ADJ_MIN/MAX).
const (
	OOMScoreAdjMin = -1000
	OOMScoreAdjMax = 1000
)

// OOMScoreAdj returns the process's oom_score_adj. The sentry has no OOM
// killer of its own; the value is kept for /proc and for children, as
// the container's spec set it.
func (tg *ThreadGroup) OOMScoreAdj() int32 { return tg.oomScoreAdj.Load() }

// SetOOMScoreAdj sets the process's oom_score_adj, clamped to its range.
func (tg *ThreadGroup) SetOOMScoreAdj(v int) {
	tg.oomScoreAdj.Store(int32(max(OOMScoreAdjMin, min(v, OOMScoreAdjMax))))
}

// SeccompFilters returns the number of seccomp filters the task has
// (/proc/[pid]/status Seccomp_filters).
func (t *Task) SeccompFilters() int {
	if s := t.seccomp(); s != nil {
		return s.filter.Load().Depth()
	}
	return 0
}
