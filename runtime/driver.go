package runtime

import (
	"context"
	"time"
)

// step advances every chain by one transition and fills stats; warmup says which phase it is in.
type step func(warmup bool, stats []Stats) error

// run is the loop every kernel shares: warmup through adapt (which tunes after each warmup
// transition and returns at the end of warmup), then the adapted tuning goes to the sink, then
// the post-warmup draws. It stops at an iteration boundary when ctx is cancelled.
func (s *sampler) run(ctx context.Context, cfg Config, sink Sink, res *Result, advance step, adapt *adaptation) (*Result, error) {
	stats := make([]Stats, s.c)
	if cfg.InvMetric != nil { // CmdStan's metric_file: the metric warmup starts from
		copy(s.invMetric, cfg.InvMetric)
	}
	warmupSink, _ := sink.(WarmupSink)
	start := time.Now()
	if cfg.Warmup > 0 {
		if err := s.initStepSize(stats); err != nil {
			return nil, err
		}
	}
	adapt.begin(s)
	for it := 0; it < cfg.Warmup; it++ {
		if ctx.Err() != nil {
			res.Interrupted = true
			break
		}
		if err := advance(true, stats); err != nil {
			return nil, err
		}
		for _, st := range stats {
			if st.Divergent {
				res.WarmupDivergence++
			}
		}
		if warmupSink != nil { // before adapt.update, so the row shows the step size it used
			if err := warmupSink.WarmupDraw(it, stats, s.pos); err != nil {
				return nil, err
			}
		}
		if err := adapt.update(s, it, stats); err != nil {
			return nil, err
		}
		if cfg.Progress != nil {
			cfg.Progress("warmup", it+1, cfg.Warmup)
		}
	}
	if cfg.Warmup > 0 && !res.Interrupted {
		adapt.finish(s)
	}
	res.Relocations = adapt.moved
	res.MetricTrials = adapt.denseTrials
	res.WarmupTime = time.Since(start)
	res.StepSizes = append([]float64(nil), s.stepSize...)
	res.InvMetric = append([]float64(nil), s.invMetric...)
	if s.chol != nil {
		res.DenseInvMetric = append([]float64(nil), s.dense...)
	}
	if !res.Interrupted {
		adapted := res.InvMetric
		if res.DenseInvMetric != nil { // the sink writes the metric sampling uses, all of it
			adapted = res.DenseInvMetric
		}
		if err := sink.Adapted(res.StepSizes, adapted); err != nil {
			return nil, err
		}
	}
	// Only the fixed-length kernels (hmc, chees) run their transitions through sampler.transition,
	// which hands them to the target and records them in its ring; any other kernel (NUTS builds
	// trees through LogDensityGrad) emits every draw itself and must not put the target in chunked
	// mode, or it writes no draws. The device kernels take a diagonal metric; with a dense one the
	// host integrates.
	fixedLength := cfg.Sampler == "" || cfg.Sampler == "hmc" || cfg.Sampler == "chees"
	if dt, ok := s.t.(TrajectoryTarget); ok && fixedLength && s.chol == nil {
		s.device = dt // from here the fixed-length kernels integrate on the target's side
		if ct, ok := dt.(ChunkedTarget); ok && ct.ChunkSize() > 1 {
			s.chunked = ct // and keep a chunk of draws there before bringing them back
		}
	}
	emit := func(stats []Stats, pos []float64) error {
		for c, st := range stats {
			if st.Divergent {
				res.Divergences[c]++
			}
			if res.MaxTreeDepthHits != nil && st.TreeDepth >= cfg.MaxTreeDepth {
				res.MaxTreeDepthHits[c]++
			}
		}
		if err := sink.Draw(res.DrawsDone, stats, pos); err != nil {
			return err
		}
		res.DrawsDone++
		if cfg.Progress != nil {
			cfg.Progress("sampling", res.DrawsDone, cfg.Draws)
		}
		return nil
	}
	start = time.Now()
	for it := 0; it < cfg.Draws && !res.Interrupted; it++ {
		if ctx.Err() != nil {
			res.Interrupted = true
			break
		}
		if err := advance(false, stats); err != nil {
			return nil, err
		}
		// A sink's failure returns the result so far with it: warmup's tuning (and what
		// ChEES learned) still describes the draws the sink kept.
		if s.chunked == nil {
			if err := emit(stats, s.pos); err != nil {
				return res, err
			}
			continue
		}
		if s.chunkFull() || it == cfg.Draws-1 || ctx.Err() != nil {
			if err := s.flushChunk(stats, emit); err != nil {
				return res, err
			}
		}
	}
	// Draws recorded on the device before an interruption are still the user's.
	if err := s.flushChunk(stats, emit); err != nil {
		return res, err
	}
	res.SamplingTime = time.Since(start)
	res.Gradients = s.grads
	if s.grads > 0 {
		res.MaskedFraction = float64(s.masked) / float64(s.grads)
	}
	return res, nil
}

// adaptation is the warmup tuning of a kernel: Stan's windows for the pooled diagonal metric,
// with a step-size rule plugged in. The default rule, used by hmc and nuts, is Stan's: every
// chain tunes its own step size by dual averaging toward cfg.TargetAccept.
type adaptation struct {
	sched windows
	est   *welford
	// stepSize tunes step sizes after a warmup transition; windowEnd re-initialises them after a
	// metric update; final fixes them for sampling. Nil fields take the per-chain defaults.
	stepSize  func(s *sampler, it int, stats []Stats)
	windowEnd func(s *sampler, it int, last bool)
	final     func(s *sampler)
	target    float64
	metric    string // "diag", "dense" or "auto"
	// denseTrials records auto's comparisons, per metric window: the diagonal's and the dense
	// metric's median initial step size.
	denseTrials [][2]float64
	perChain    []*dualAveraging
	// moved records the stray chains moved onto other chains' positions (see relocate).
	moved []Relocation
}

func newAdaptation(cfg Config) *adaptation {
	metric := cfg.Metric
	if metric == "" {
		metric = "diag"
	}
	return &adaptation{sched: newWindows(cfg.Warmup), target: cfg.TargetAccept, metric: metric}
}

func (a *adaptation) begin(s *sampler) {
	a.est = newWelford(s.n)
	if a.metric == "dense" || (a.metric == "auto" && s.n <= denseMaxDim) {
		a.est = newDenseWelford(s.n)
	}
	a.perChain = make([]*dualAveraging, s.c)
	for i := range a.perChain {
		a.perChain[i] = newDualAveraging(a.target, s.stepSize[i])
	}
}

// perChainUpdate is Stan's rule: each chain's own dual averaging on its own acceptance statistic.
func (a *adaptation) perChainUpdate(s *sampler, stats []Stats) {
	for i, st := range stats {
		s.stepSize[i] = a.perChain[i].update(st.AcceptStat)
	}
}

func (a *adaptation) update(s *sampler, it int, stats []Stats) error {
	s.markGood()
	if a.relocateAt(it) && s.strays() > 0 {
		a.relocate(s, it)
		s.markGood()
	}
	if a.stepSize != nil {
		a.stepSize(s, it, stats)
	} else {
		a.perChainUpdate(s, stats)
	}
	if a.sched.inSlow(it) {
		// Stray chains (far below the others' log density) are left out of the metric: their
		// spread is that of the road to the posterior, not of the posterior, and pooled in it
		// would give the chains that have arrived a metric orders of magnitude too wide.
		for c := 0; c < s.c; c++ {
			if s.good[c] {
				a.est.add(s.pos[c*s.n : (c+1)*s.n])
			}
		}
	}
	if a.sched.endsWindow(it) {
		if err := a.setMetric(s, stats); err != nil {
			return err
		}
		a.est.reset()
		if err := s.initStepSize(stats); err != nil {
			return err
		}
		for i := range a.perChain {
			a.perChain[i].restart(s.stepSize[i])
		}
		if a.windowEnd != nil {
			a.windowEnd(s, it, it == a.sched.ends[len(a.sched.ends)-1]-1)
		}
	}
	return nil
}

// setMetric makes the window's estimate the metric: diagonal, dense, or (auto) whichever
// lets the chains take larger steps (denseStepGain). A dense estimate that is not positive
// definite falls back to its diagonal.
func (a *adaptation) setMetric(s *sampler, stats []Stats) error {
	v := make([]float64, s.n)
	a.est.variance(v)
	if a.est.cov == nil {
		s.setDiag(v)
		return nil
	}
	sigma := make([]float64, s.n*s.n)
	a.est.covariance(sigma)
	if a.metric == "dense" {
		if !s.setDense(sigma) {
			s.setDiag(v)
		}
		return nil
	}
	// auto: the step size Stan's heuristic finds under each candidate, median over chains. The
	// trajectory needed is about as long under both (each whitens the estimated posterior), so
	// the number of leapfrog steps, the cost, goes as 1/ε.
	saved := append([]float64(nil), s.stepSize...)
	trial := func() (float64, error) {
		copy(s.stepSize, saved)
		if err := s.initStepSize(stats); err != nil {
			return 0, err
		}
		all := make([]bool, s.c)
		for i := range all {
			all[i] = true
		}
		return medianStepSize(s.stepSize, all), nil
	}
	s.setDiag(v)
	epsDiag, err := trial()
	if err != nil {
		return err
	}
	if !s.setDense(sigma) {
		s.setDiag(v)
		copy(s.stepSize, saved)
		return nil
	}
	epsDense, err := trial()
	if err != nil {
		return err
	}
	copy(s.stepSize, saved)
	a.denseTrials = append(a.denseTrials, [2]float64{epsDiag, epsDense})
	if epsDense < denseStepGain*epsDiag {
		s.setDiag(v)
	}
	return nil
}

// relocateEvery is how often, in warmup iterations, stray chains are looked for.
const relocateEvery = 25

// relocateAt reports whether iteration it ends a stretch after which stray chains are moved:
// every relocateEvery iterations until the last metric window starts, so the final metric and
// step size are learned from chains that have mixed on their own for a whole window.
func (a *adaptation) relocateAt(it int) bool {
	ends := a.sched.ends
	if len(ends) == 0 || (it+1)%relocateEvery != 0 {
		return false
	}
	lastStart := a.sched.initBuffer
	if len(ends) > 1 {
		lastStart = ends[len(ends)-2]
	}
	return it+1 <= lastStart
}

// Relocation is one move of stray chains during warmup: at iteration Iter (1-based), the chains
// Chains (1-based) were far below the others' log density and were put on the positions of
// chains picked at random among the rest.
type Relocation struct {
	Iter   int
	Chains []int
}

// relocate moves every stray chain onto the position of a chain picked at random among the good
// ones, taking over that chain's step size and its dual-averaging state too. A chain that starts
// far out in the tails (or is caught on a ridge it cannot climb) otherwise drags the pooled
// adaptation: with a shared step size and metric it can stay there for the whole run. Warmup
// draws are not kept, so moving chains leaves the post-warmup draws valid.
func (a *adaptation) relocate(s *sampler, it int) {
	var donors, moved []int
	for c := 0; c < s.c; c++ {
		if s.good[c] {
			donors = append(donors, c)
		}
	}
	for c := 0; c < s.c; c++ {
		if s.good[c] {
			continue
		}
		d := donors[s.rng.IntN(len(donors))]
		copy(s.pos[c*s.n:(c+1)*s.n], s.pos[d*s.n:(d+1)*s.n])
		copy(s.grad[c*s.n:(c+1)*s.n], s.grad[d*s.n:(d+1)*s.n])
		s.logp[c] = s.logp[d]
		s.stepSize[c] = s.stepSize[d]
		da := *a.perChain[d]
		a.perChain[c] = &da
		moved = append(moved, c+1)
	}
	a.moved = append(a.moved, Relocation{Iter: it + 1, Chains: moved})
}

func (a *adaptation) finish(s *sampler) {
	if a.final != nil {
		a.final(s)
		return
	}
	for i := range a.perChain {
		s.stepSize[i] = a.perChain[i].final()
	}
}
