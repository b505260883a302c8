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
	Adapted(stepSizes []float64, invMetric []float64) error
	Draw(iter int, stats []Stats, theta []float64) error
}

// Result summarises a run.
type Result struct {
	StepSizes        []float64 // per chain
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
	stepSize   []float64 // per chain: each chain tunes its own, as Stan's chains do
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
		invMetric: make([]float64, n), stepSize: make([]float64, c),
		scratchPos: make([]float64, c*n), scratchGrd: make([]float64, c*n), scratchLP: make([]float64, c),
		mom: make([]float64, c*n), newLP: make([]float64, c)}
	for i := range s.invMetric {
		s.invMetric[i] = 1
	}
	for i := range s.stepSize {
		s.stepSize[i] = 1
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

// transition runs one HMC trajectory for every chain in lockstep and applies the Metropolis
// correction; chain i takes steps[i] leapfrog steps of size stepSize[i] and is frozen once done.
// A chain whose energy error exceeds 1000 or becomes non-finite is marked divergent, frozen for
// the rest of the trajectory, and rejected.
func (s *sampler) transition(steps []int, stats []Stats) error {
	c, n := s.c, s.n
	maxSteps := 0
	for _, l := range steps {
		maxSteps = max(maxSteps, l)
	}
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
	for l := 0; l < maxSteps; l++ {
		for i := 0; i < c; i++ {
			if diverged[i] || l >= steps[i] {
				continue
			}
			eps := s.stepSize[i]
			for j := i * n; j < (i+1)*n; j++ {
				s.mom[j] += 0.5 * eps * g[j]
				x[j] += eps * s.invMetric[j-i*n] * s.mom[j]
			}
		}
		if err := s.eval(x, lp, g); err != nil {
			return err
		}
		for i := 0; i < c; i++ {
			if diverged[i] || l >= steps[i] {
				continue
			}
			eps := s.stepSize[i]
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
		st := Stats{StepSize: s.stepSize[i], NLeapfrog: steps[i], TreeDepth: treeDepth(steps[i])}
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

// initStepSize applies Stan's heuristic to every chain at once: each chain doubles or halves its
// step size until its one-step acceptance crosses 0.8. Trial steps do not move the chains.
func (s *sampler) initStepSize(stats []Stats) error {
	const target = 0.8
	pos := append([]float64(nil), s.pos...)
	grad := append([]float64(nil), s.grad...)
	logp := append([]float64(nil), s.logp...)
	restore := func() {
		copy(s.pos, pos)
		copy(s.grad, grad)
		copy(s.logp, logp)
	}
	defer restore()
	ones := make([]int, s.c)
	for i := range ones {
		ones[i] = 1
	}
	if err := s.transition(ones, stats); err != nil {
		return err
	}
	dir := make([]float64, s.c)
	done := make([]bool, s.c)
	for i, st := range stats {
		dir[i] = 1
		if st.AcceptStat < target {
			dir[i] = -1
		}
	}
	for round := 0; round < 50; round++ {
		active := false
		for i := range s.stepSize {
			if done[i] {
				continue
			}
			next := s.stepSize[i] * math.Pow(2, dir[i])
			if next < 1e-12 || next > 1e7 {
				done[i] = true
				continue
			}
			s.stepSize[i] = next
			active = true
		}
		if !active {
			return nil
		}
		restore()
		if err := s.transition(ones, stats); err != nil {
			return err
		}
		for i, st := range stats {
			if !done[i] && ((dir[i] > 0 && st.AcceptStat < target) || (dir[i] < 0 && st.AcceptStat > target)) {
				done[i] = true
			}
		}
	}
	return nil
}

// warmupMaxSteps caps trajectories before the metric is known: with an identity metric the step
// size is set by the narrowest coordinate and full-length paths would cost thousands of
// gradients per iteration while the adaptation is still far from its final values.
const warmupMaxSteps = 128

// drawSteps draws this iteration's integration time, uniform on (0, 2·PathLength] and shared by
// all chains so their trajectories stay about equally long, and converts it to each chain's
// number of leapfrog steps: at least 1 and at most cap.
func (s *sampler) drawSteps(cfg *Config, cap int, steps []int) {
	t := (1 - s.rng.Float64()) * 2 * cfg.PathLength
	for i, eps := range s.stepSize {
		l := math.Ceil(t / eps)
		steps[i] = int(min(max(l, 1), float64(cap)))
	}
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
	steps := make([]int, s.c)
	start := time.Now()
	sched := newWindows(cfg.Warmup)
	if cfg.Warmup > 0 {
		if err := s.initStepSize(stats); err != nil {
			return nil, err
		}
	}
	da := make([]*dualAveraging, s.c)
	for i := range da {
		da[i] = newDualAveraging(cfg.TargetAccept, s.stepSize[i])
	}
	est := newWelford(s.n)
	for it := 0; it < cfg.Warmup; it++ {
		if ctx.Err() != nil {
			res.Interrupted = true
			break
		}
		s.drawSteps(&cfg, min(cfg.MaxSteps, warmupMaxSteps), steps)
		if err := s.transition(steps, stats); err != nil {
			return nil, err
		}
		for i, st := range stats {
			if st.Divergent {
				res.WarmupDivergence++
			}
			s.stepSize[i] = da[i].update(st.AcceptStat)
		}
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
			for i := range da {
				da[i].restart(s.stepSize[i])
			}
		}
		if cfg.Progress != nil {
			cfg.Progress("warmup", it+1, cfg.Warmup)
		}
	}
	if cfg.Warmup > 0 && !res.Interrupted {
		for i := range da {
			s.stepSize[i] = da[i].final()
		}
	}
	res.WarmupTime = time.Since(start)
	res.StepSizes = append([]float64(nil), s.stepSize...)
	res.InvMetric = append([]float64(nil), s.invMetric...)
	if !res.Interrupted {
		if err := sink.Adapted(res.StepSizes, res.InvMetric); err != nil {
			return nil, err
		}
	}
	start = time.Now()
	for it := 0; it < cfg.Draws && !res.Interrupted; it++ {
		if ctx.Err() != nil {
			res.Interrupted = true
			break
		}
		s.drawSteps(&cfg, cfg.MaxSteps, steps)
		if err := s.transition(steps, stats); err != nil {
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
