package runtime

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Snapshot is the exact state of a run between two post-warmup iterations: where every chain
// is, the tuning warmup learned, the iteration count that addresses the random streams
// (Streams: there is no generator state to keep) and the account kept so far.
// Config.Resume continues a run from it, and the draws that follow are bitwise those the run
// would have made had it never stopped. Warmup's own state (the adaptation's estimators) is not
// part of it: a run stopped during warmup is started again.
type Snapshot struct {
	// Iters is the number of post-warmup iterations done (Result.DrawsDone before thinning).
	Iters int
	// Total is the post-warmup iterations planned when the snapshot was taken: Config.Draws,
	// and what Config.More's rounds have added (0 in snapshots from before rounds were kept:
	// Config.Draws).
	Total int
	// StateIter is State.Iter: transitions taken over warmup and sampling, which addresses the
	// next iteration's random numbers and ChEES's Halton jitter.
	StateIter       int
	Pos, Grad, LogP []float64 // chains×dim, chains×dim, chains
	// The tuning sampling uses.
	StepSize                   []float64
	MetricDiag, Dense, Chol    []float64 // Dense and Chol nil for a diagonal metric
	Length                     float64
	MaxSteps                   int
	Divergences, TreeDepthHits []int // TreeDepthHits nil unless NUTS
	WarmupDivergence           int
	TrajectoryLength           float64
	Gradients, Masked          int64
	Relocations                []Relocation
	MetricTrials               [][2]float64
	// The tuning as Result reports it (StepSizes, InvMetric, DenseInvMetric).
	ResStepSizes, ResInvMetric, ResDenseInvMetric []float64
	WarmupTime, SamplingTime                      time.Duration
	// How warmup went, as Result reports it: with Config.WarmupAuto, the length it chose and
	// the checks that chose it.
	WarmupDone    int
	WarmupChecks  []WarmupCheck
	WarmupSettled bool
}

// CheckpointSink is a Sink that keeps a run resumable. After every post-warmup iteration whose
// draw it has received, and once more when an interrupted run stops, Checkpoint is called with
// the number of post-warmup iterations done; snapshot returns the exact state there (a copy, so
// the sink may call it only when it means to keep one). stopping says the run ends there.
type CheckpointSink interface {
	Checkpoint(iters int, stopping bool, snapshot func() (*Snapshot, error)) error
}

// snapshot copies the run's state after res.DrawsDone post-warmup iterations, of total planned.
func snapshot(ev *evaluator, st *State, tu *Tuning, res *Result, total int, sampling time.Duration) (*Snapshot, error) {
	cp := func(v []float64) []float64 {
		if v == nil {
			return nil
		}
		return slices.Clone(v)
	}
	s := &Snapshot{Iters: res.DrawsDone, Total: total, StateIter: st.Iter, Pos: cp(st.Pos), Grad: cp(st.Grad), LogP: cp(st.LogP),
		StepSize: cp(tu.StepSize), MetricDiag: cp(tu.Metric.Diag), Dense: cp(tu.Metric.Dense), Chol: cp(tu.Metric.Chol),
		Length: tu.Length, MaxSteps: tu.MaxSteps,
		Divergences: slices.Clone(res.Divergences), WarmupDivergence: res.WarmupDivergence,
		TrajectoryLength: res.TrajectoryLength, Gradients: ev.grads, Masked: ev.masked,
		Relocations: slices.Clone(res.Relocations), MetricTrials: slices.Clone(res.MetricTrials),
		ResStepSizes: cp(res.StepSizes), ResInvMetric: cp(res.InvMetric), ResDenseInvMetric: cp(res.DenseInvMetric),
		WarmupTime: res.WarmupTime, SamplingTime: sampling,
		WarmupDone: res.WarmupDone, WarmupChecks: slices.Clone(res.WarmupChecks), WarmupSettled: res.WarmupSettled}
	if res.MaxTreeDepthHits != nil {
		s.TreeDepthHits = slices.Clone(res.MaxTreeDepthHits)
	}
	return s, nil
}

// restore puts a snapshot's state back: the chains and their iteration count, the tuning, the
// work counters and the result so far. It checks the snapshot's shapes against the run's.
func (s *Snapshot) restore(cfg Config, ev *evaluator, st *State, tu *Tuning, res *Result) error {
	c, n := ev.c, ev.n
	dense := s.Dense != nil
	switch {
	case len(s.Pos) != c*n || len(s.Grad) != c*n || len(s.LogP) != c || len(s.StepSize) != c || len(s.MetricDiag) != n:
		return fmt.Errorf("the checkpoint is of %d chains of %d coordinates, the run has %d of %d", len(s.LogP), len(s.MetricDiag), c, n)
	case dense && (len(s.Dense) != n*n || len(s.Chol) != n*n):
		return errors.New("the checkpoint's dense metric has the wrong size")
	case len(s.Divergences) != c || (s.TreeDepthHits != nil) != (res.MaxTreeDepthHits != nil) || s.TreeDepthHits != nil && len(s.TreeDepthHits) != c:
		return errors.New("the checkpoint's counts are not the run's chains' or sampler's")
	case s.Iters < 0 || s.Iters > s.total(cfg):
		return fmt.Errorf("the checkpoint is after %d post-warmup iterations; the run has %d", s.Iters, s.total(cfg))
	}
	copy(st.Pos, s.Pos)
	copy(st.Grad, s.Grad)
	copy(st.LogP, s.LogP)
	st.Iter = s.StateIter
	copy(tu.StepSize, s.StepSize)
	tu.Metric = Metric{Diag: slices.Clone(s.MetricDiag)}
	if dense {
		tu.Metric.Dense, tu.Metric.Chol = slices.Clone(s.Dense), slices.Clone(s.Chol)
	}
	tu.Length, tu.MaxSteps = s.Length, s.MaxSteps
	ev.grads, ev.masked = s.Gradients, s.Masked
	res.DrawsDone = s.Iters
	copy(res.Divergences, s.Divergences)
	if s.TreeDepthHits != nil {
		copy(res.MaxTreeDepthHits, s.TreeDepthHits)
	}
	res.WarmupDivergence, res.TrajectoryLength = s.WarmupDivergence, s.TrajectoryLength
	res.Relocations, res.MetricTrials = slices.Clone(s.Relocations), slices.Clone(s.MetricTrials)
	res.StepSizes, res.InvMetric = slices.Clone(s.ResStepSizes), slices.Clone(s.ResInvMetric)
	if s.ResDenseInvMetric != nil {
		res.DenseInvMetric = slices.Clone(s.ResDenseInvMetric)
	}
	res.WarmupTime = s.WarmupTime
	res.WarmupDone, res.WarmupChecks, res.WarmupSettled = s.WarmupDone, slices.Clone(s.WarmupChecks), s.WarmupSettled
	return nil
}

// total is the post-warmup iterations the run had planned at the snapshot: at least
// cfg.Draws, more when Config.More had asked for further rounds.
func (s *Snapshot) total(cfg Config) int { return max(s.Total, cfg.Draws) }
