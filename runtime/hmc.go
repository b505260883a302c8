package runtime

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Config controls a run.
type Config struct {
	Warmup, Draws int
	Seed          uint64
	// TargetAccept is the mean acceptance statistic dual averaging aims for (Stan's adapt_delta).
	TargetAccept float64
	// PathLength is the mean integration time in units of the metric-scaled posterior: each
	// iteration draws its time uniformly from (0, 2·PathLength], so trajectory lengths never
	// resonate with the posterior's periods.
	PathLength float64
	// MaxSteps caps leapfrog steps per iteration (Stan's 2^max_treedepth).
	MaxSteps int
	// Init, if set, is the starting θ (chains×dim); otherwise each coordinate is uniform(-2, 2).
	Init []float64
	// Progress, if set, is called after every iteration.
	Progress func(phase string, iter, total int)
}

// Stats are the per-chain sampler diagnostics of one iteration, CmdStan's sampler columns.
type Stats struct {
	LogP, AcceptStat, StepSize float64
	TreeDepth, NLeapfrog       int
	Divergent                  bool
	Energy                     float64
}

// Sink receives the adapted tuning once warmup ends, then every post-warmup iteration: each
// chain's statistics and position θ (chains×dim).
type Sink interface {
	Adapted(stepSize float64, invMetric []float64) error
	Draw(iter int, stats []Stats, theta []float64) error
}

// Result summarises a run.
type Result struct {
	StepSize         float64
	InvMetric        []float64
	WarmupTime       time.Duration
	SamplingTime     time.Duration
	DrawsDone        int // sampling iterations completed
	Interrupted      bool
	Gradients        int64 // chain-gradient evaluations, all chains together
	Divergences      []int // per chain, post-warmup
	WarmupDivergence int
}

// ErrInit is returned when no chain can start at a finite log density.
var ErrInit = errors.New("could not find an initial point with finite log density and gradient")

// sampler holds the batched state: every slice is chains×dim or one entry per chain.
type sampler struct {
	t          Target
	c, n       int
	rng        *rand.Rand
	pos, grad  []float64
	logp       []float64
	invMetric  []float64
	stepSize   float64
	grads      int64
	scratchPos []float64
	scratchGrd []float64
	scratchLP  []float64
	mom        []float64
	newLP      []float64
}

func newSampler(t Target, seed uint64) *sampler {
	c, n := t.Chains(), t.Dim()
	s := &sampler{t: t, c: c, n: n, rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)),
		pos: make([]float64, c*n), grad: make([]float64, c*n), logp: make([]float64, c),
		invMetric: make([]float64, n), stepSize: 1,
		scratchPos: make([]float64, c*n), scratchGrd: make([]float64, c*n), scratchLP: make([]float64, c),
		mom: make([]float64, c*n), newLP: make([]float64, c)}
	for i := range s.invMetric {
		s.invMetric[i] = 1
	}
	return s
}

func (s *sampler) eval(pos, logp, grad []float64) error {
	s.grads += int64(s.c)
	return s.t.LogDensityGrad(pos, logp, grad)
}

func finiteRow(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// initialise draws starting points uniform(-2, 2) and redraws, per chain, those whose density or
// gradient is not finite, up to 100 attempts as Stan does.
func (s *sampler) initialise(init []float64) error {
	if init != nil {
		copy(s.pos, init)
	} else {
		for i := range s.pos {
			s.pos[i] = s.rng.Float64()*4 - 2
		}
	}
	for attempt := 0; attempt < 100; attempt++ {
		if err := s.eval(s.pos, s.logp, s.grad); err != nil {
			return err
		}
		bad := 0
		for c := 0; c < s.c; c++ {
			if math.IsInf(s.logp[c], 0) || math.IsNaN(s.logp[c]) || !finiteRow(s.grad[c*s.n:(c+1)*s.n]) {
				bad++
				for i := c * s.n; i < (c+1)*s.n; i++ {
					s.pos[i] = s.rng.Float64()*4 - 2
				}
			}
		}
		if bad == 0 {
			return nil
		}
	}
	return ErrInit
}

func (s *sampler) kinetic(p []float64) float64 {
	k := 0.0
	for i, v := range p {
		k += s.invMetric[i] * v * v
	}
	return 0.5 * k
}

// transition runs one jittered-length HMC trajectory for every chain in lockstep and applies the
// Metropolis correction. A chain whose energy error exceeds 1000 or becomes non-finite is marked
// divergent and frozen for the rest of the trajectory, then rejected.
func (s *sampler) transition(steps int, stats []Stats) error {
	c, n, eps := s.c, s.n, s.stepSize
	h0 := make([]float64, c)
	for i := 0; i < c; i++ {
		p := s.mom[i*n : (i+1)*n]
		for j := range p {
			p[j] = s.rng.NormFloat64() / math.Sqrt(s.invMetric[j])
		}
		h0[i] = -s.logp[i] + s.kinetic(p)
	}
	x, g, lp := s.scratchPos, s.scratchGrd, s.scratchLP
	copy(x, s.pos)
	copy(g, s.grad)
	copy(lp, s.logp)
	diverged := make([]bool, c)
	for l := 0; l < steps; l++ {
		for i := 0; i < c; i++ {
			if diverged[i] {
				continue
			}
			for j := i * n; j < (i+1)*n; j++ {
				s.mom[j] += 0.5 * eps * g[j]
				x[j] += eps * s.invMetric[j-i*n] * s.mom[j]
			}
		}
		if err := s.eval(x, lp, g); err != nil {
			return err
		}
		for i := 0; i < c; i++ {
			if diverged[i] {
				continue
			}
			p := s.mom[i*n : (i+1)*n]
			for j := range p {
				p[j] += 0.5 * eps * g[i*n+j]
			}
			h := -lp[i] + s.kinetic(p)
			if math.IsNaN(h) || math.IsInf(h, 0) || h-h0[i] > 1000 || !finiteRow(g[i*n:(i+1)*n]) {
				diverged[i] = true
			}
		}
	}
	for i := 0; i < c; i++ {
		st := Stats{StepSize: eps, NLeapfrog: steps, TreeDepth: treeDepth(steps)}
		accept := 0.0
		h := math.Inf(1)
		if !diverged[i] {
			h = -lp[i] + s.kinetic(s.mom[i*n:(i+1)*n])
			accept = math.Min(1, math.Exp(h0[i]-h))
		}
		st.AcceptStat = accept
		st.Divergent = diverged[i]
		if !diverged[i] && s.rng.Float64() < accept {
			copy(s.pos[i*n:(i+1)*n], x[i*n:(i+1)*n])
			copy(s.grad[i*n:(i+1)*n], g[i*n:(i+1)*n])
			s.logp[i] = lp[i]
			st.Energy = h
		} else {
			st.Energy = h0[i]
		}
		st.LogP = s.logp[i]
		stats[i] = st
	}
	return nil
}

// treeDepth reports the depth a NUTS tree would need for this many leapfrog steps
// (2^depth >= steps), so that tooling reading treedepth__ sees a comparable number.
func treeDepth(steps int) int {
	d := 0
	for (1 << d) < steps {
		d++
	}
	return d
}

// initStepSize doubles or halves the step size until the mean one-step acceptance across chains
// crosses 0.8 (Stan's heuristic, pooled over the batch).
func (s *sampler) initStepSize(stats []Stats) error {
	const target = 0.8
	meanAccept := func() (float64, error) {
		if err := s.transition(1, stats); err != nil {
			return 0, err
		}
		a := 0.0
		for _, st := range stats {
			a += st.AcceptStat
		}
		return a / float64(len(stats)), nil
	}
	// Trial steps must not move the chains: remember and restore the state.
	pos := append([]float64(nil), s.pos...)
	grad := append([]float64(nil), s.grad...)
	logp := append([]float64(nil), s.logp...)
	defer func() {
		copy(s.pos, pos)
		copy(s.grad, grad)
		copy(s.logp, logp)
	}()
	a, err := meanAccept()
	if err != nil {
		return err
	}
	dir := 1.0
	if a < target {
		dir = -1
	}
	for i := 0; i < 50; i++ {
		next := s.stepSize * math.Pow(2, dir)
		if next < 1e-12 || next > 1e7 {
			break
		}
		s.stepSize = next
		copy(s.pos, pos)
		copy(s.grad, grad)
		copy(s.logp, logp)
		if a, err = meanAccept(); err != nil {
			return err
		}
		if (dir > 0 && a < target) || (dir < 0 && a > target) {
			break
		}
	}
	return nil
}

// harmonicMeanAccept pools the chains' acceptance statistics for step-size adaptation. The
// harmonic mean is dominated by the worst chains, so a chain stuck far out in the tails (where it
// rejects everything) shrinks the shared step size until it can move, instead of being outvoted
// by the chains that already mix (the choice of ChEES-HMC, Hoffman et al. 2021).
func harmonicMeanAccept(stats []Stats) float64 {
	const floor = 1e-10 // a zero acceptance counts as very small, not as an infinite penalty
	inv := 0.0
	for _, st := range stats {
		inv += 1 / max(st.AcceptStat, floor)
	}
	return float64(len(stats)) / inv
}

// warmupMaxSteps caps trajectories before the metric is known: with an identity metric the step
// size is set by the narrowest coordinate and full-length paths would cost thousands of
// gradients per iteration while the adaptation is still far from its final values.
const warmupMaxSteps = 128

// steps draws this iteration's number of leapfrog steps: integration time uniform on
// (0, 2·PathLength], divided by the step size, at least 1 and at most cap.
func (s *sampler) steps(cfg *Config, cap int) int {
	t := (1 - s.rng.Float64()) * 2 * cfg.PathLength
	l := int(math.Ceil(t / s.stepSize))
	return min(max(l, 1), cap)
}

// Sample runs warmup and sampling for every chain of the target in lockstep. It stops early, at an
// iteration boundary, when ctx is cancelled; Result.Interrupted then says so.
func Sample(ctx context.Context, t Target, cfg Config, sink Sink) (*Result, error) {
	if cfg.MaxSteps <= 0 {
		cfg.MaxSteps = 1024
	}
	if cfg.TargetAccept <= 0 || cfg.TargetAccept >= 1 {
		return nil, fmt.Errorf("target acceptance must be in (0, 1), got %g", cfg.TargetAccept)
	}
	if cfg.PathLength <= 0 {
		return nil, fmt.Errorf("path length must be positive, got %g", cfg.PathLength)
	}
	s := newSampler(t, cfg.Seed)
	res := &Result{Divergences: make([]int, s.c)}
	if err := s.initialise(cfg.Init); err != nil {
		return nil, err
	}
	stats := make([]Stats, s.c)
	start := time.Now()
	sched := newWindows(cfg.Warmup)
	if cfg.Warmup > 0 {
		if err := s.initStepSize(stats); err != nil {
			return nil, err
		}
	}
	da := newDualAveraging(cfg.TargetAccept, s.stepSize)
	est := newWelford(s.n)
	for it := 0; it < cfg.Warmup; it++ {
		if ctx.Err() != nil {
			res.Interrupted = true
			break
		}
		if err := s.transition(s.steps(&cfg, min(cfg.MaxSteps, warmupMaxSteps)), stats); err != nil {
			return nil, err
		}
		for _, st := range stats {
			if st.Divergent {
				res.WarmupDivergence++
			}
		}
		s.stepSize = da.update(harmonicMeanAccept(stats))
		if sched.inSlow(it) {
			for c := 0; c < s.c; c++ {
				est.add(s.pos[c*s.n : (c+1)*s.n])
			}
		}
		if sched.endsWindow(it) {
			est.variance(s.invMetric)
			est.reset()
			if err := s.initStepSize(stats); err != nil {
				return nil, err
			}
			da.restart(s.stepSize)
		}
		if cfg.Progress != nil {
			cfg.Progress("warmup", it+1, cfg.Warmup)
		}
	}
	if cfg.Warmup > 0 {
		s.stepSize = da.final()
	}
	res.WarmupTime = time.Since(start)
	res.StepSize = s.stepSize
	res.InvMetric = append([]float64(nil), s.invMetric...)
	if !res.Interrupted {
		if err := sink.Adapted(s.stepSize, res.InvMetric); err != nil {
			return nil, err
		}
	}
	start = time.Now()
	for it := 0; it < cfg.Draws && !res.Interrupted; it++ {
		if ctx.Err() != nil {
			res.Interrupted = true
			break
		}
		if err := s.transition(s.steps(&cfg, cfg.MaxSteps), stats); err != nil {
			return nil, err
		}
		for c, st := range stats {
			if st.Divergent {
				res.Divergences[c]++
			}
		}
		if err := sink.Draw(it, stats, s.pos); err != nil {
			return nil, err
		}
		res.DrawsDone++
		if cfg.Progress != nil {
			cfg.Progress("sampling", it+1, cfg.Draws)
		}
	}
	res.SamplingTime = time.Since(start)
	res.Gradients = s.grads
	return res, nil
}
