package runtime

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/hmcc-dev/hmcc/runtime/rng"
)

// Config controls a run.
type Config struct {
	Warmup, Draws int
	Seed          uint64
	// FirstChain is the global id (0-based) of the target's first chain: chain i of the batch
	// draws its random numbers as global chain FirstChain+i (Streams), so a shard of a larger
	// run draws what those chains would.
	FirstChain int
	// TargetAccept is the mean acceptance statistic dual averaging aims for (Stan's adapt_delta).
	TargetAccept float64
	// PathLength is the mean integration time in units of the metric-scaled posterior: each
	// iteration draws its time uniformly from (0, 2·PathLength], so trajectory lengths never
	// resonate with the posterior's periods.
	PathLength float64
	// MaxSteps caps leapfrog steps per iteration (Stan's 2^max_treedepth).
	MaxSteps int
	// MaxTreeDepth caps NUTS trees (Stan's max_treedepth, default 10).
	MaxTreeDepth int
	// InvMetric, if set, is the inverse metric warmup starts from (and sampling uses when there
	// is no warmup), as CmdStan's metric_file: dim numbers (diagonal) or dim² (dense, row-major);
	// otherwise the identity.
	InvMetric []float64
	// StepSize, if positive, is every chain's initial step size (CmdStan's stepsize argument,
	// default 1): where warmup starts its search, and the step size sampling uses when there is
	// no warmup.
	StepSize float64
	// Init, if set, is the starting θ (chains×dim); otherwise each coordinate is uniform(-2, 2)
	// (InitialPoint).
	Init []float64
	// Sampler names the kernel: "hmc" (the default), "chees" or "nuts".
	Sampler string
	// Metric is "diag" (the default), "dense" or "auto" (see Metrics).
	Metric string
	// Progress, if set, is called after every iteration.
	Progress func(phase string, iter, total int)
	// Resume, if set, continues a run from a snapshot its CheckpointSink kept: no
	// initialisation and no warmup; sampling goes on from the snapshot's iteration with its
	// state, tuning and generator (checkpoint.go). The rest of the Config must be the run's.
	Resume *Snapshot

	// WarmupAuto ends warmup once adaptation has settled (settle.go); Warmup is then the cap.
	WarmupAuto bool
	// More, if set, is asked after the last of the draws so far (Draws, then what it asked for)
	// how many more to make; 0 ends sampling (--target-ess).
	More func(done int) int
}

// Stats are the per-chain sampler diagnostics of one iteration, CmdStan's sampler columns.
type Stats struct {
	LogP, AcceptStat, StepSize float64
	TreeDepth, NLeapfrog       int
	Divergent                  bool
	Energy                     float64
}

// Sink receives the adapted tuning once warmup ends, then every post-warmup iteration: each
// chain's statistics and position θ (chains×dim). Adapted's invMetric is the diagonal (dim
// values), or for a dense metric the whole dim×dim matrix, row-major.
type Sink interface {
	Adapted(stepSizes []float64, invMetric []float64) error
	Draw(iter int, stats []Stats, theta []float64) error
}

// WarmupSink is a Sink that also receives every warmup iteration (CmdStan's save_warmup), in
// the same form as Draw.
type WarmupSink interface {
	WarmupDraw(iter int, stats []Stats, theta []float64) error
}

// WarmupLengthSink is a Sink told, before Adapted, how many warmup iterations ran (which
// Config.WarmupAuto decides during the run).
type WarmupLengthSink interface {
	WarmupLength(n int) error
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
	MaxTreeDepthHits []int // per chain, post-warmup iterations whose tree reached MaxTreeDepth (NUTS)
	// MaskedFraction is the share of chain-gradient evaluations spent on chains that had already
	// finished their trajectory and waited, frozen, for the others in the batch.
	MaskedFraction float64
	// TrajectoryLength is the integration time ChEES learned (0 for other samplers).
	TrajectoryLength float64
	// DenseInvMetric is the adapted dense inverse metric (dim×dim), nil when it is diagonal;
	// InvMetric then holds its diagonal.
	DenseInvMetric []float64
	// MetricTrials lists, for --metric auto, each metric window's median initial step size
	// under the diagonal and the dense estimate (auto took dense when the second was at least
	// denseStepGain times the first).
	MetricTrials [][2]float64
	// Relocations lists the stray chains warmup moved onto other chains' positions.
	Relocations []Relocation
	// WarmupDone is the number of warmup iterations run; with Config.WarmupAuto, WarmupChecks
	// lists the checks made at the end of each metric window and WarmupSettled says whether
	// one passed (otherwise warmup ran to the cap).
	WarmupDone    int
	WarmupChecks  []WarmupCheck
	WarmupSettled bool
}

// ErrInit is returned when no chain can start at a finite log density.
var ErrInit = errors.New("could not find an initial point with finite log density and gradient")

// strayGap is how far below the chains' median log density a chain must be to count as stray.
// At stationarity −log p of a d-dimensional posterior spreads like χ²_d/2 (sd √(d/2)), so a gap
// of 10 + 4√d is more than five such sds: chains in the posterior are practically never stray,
// while one that has not found it yet is typically hundreds of units below.
func strayGap(dim int) float64 { return 10 + 4*math.Sqrt(float64(dim)) }

// minChainsForStray is the fewest chains whose median says where the posterior is.
const minChainsForStray = 4

// markGood sets good: a chain is good unless its log density is more than strayGap below the
// median of all chains' (or not finite). With fewer than minChainsForStray chains every chain
// counts as good.
func markGood(logp []float64, dim int, good []bool) {
	for i := range good {
		good[i] = true
	}
	if len(logp) < minChainsForStray {
		return
	}
	lp := append([]float64(nil), logp...)
	for i, v := range lp {
		if math.IsNaN(v) {
			lp[i] = math.Inf(-1)
		}
	}
	med := median(lp)
	if math.IsInf(med, 0) {
		return
	}
	cut := med - strayGap(dim)
	for i, v := range logp {
		good[i] = v >= cut
	}
}

// median returns the median of v (the mean of the two middle values when len(v) is even),
// reordering v. It selects rather than sorts (Hoare's quickselect, median-of-three pivots): the
// GPU runs markGood on 16,384 chains every warmup iteration, where a sort is a millisecond.
func median(v []float64) float64 {
	k := len(v) / 2
	lo, hi := 0, len(v)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		// median of three to v[hi] as the pivot
		if v[mid] < v[lo] {
			v[mid], v[lo] = v[lo], v[mid]
		}
		if v[hi] < v[lo] {
			v[hi], v[lo] = v[lo], v[hi]
		}
		if v[mid] < v[hi] {
			v[mid], v[hi] = v[hi], v[mid]
		}
		p, i := v[hi], lo
		for j := lo; j < hi; j++ {
			if v[j] < p {
				v[i], v[j] = v[j], v[i]
				i++
			}
		}
		v[i], v[hi] = v[hi], v[i]
		switch {
		case k < i:
			hi = i - 1
		case k > i:
			lo = i + 1
		default:
			lo, hi = i, i
		}
	}
	m := v[k]
	if len(v)%2 == 1 {
		return m
	}
	below := v[0] // v[:k] holds the k smallest: the other middle value is their largest
	for _, x := range v[1:k] {
		below = max(below, x)
	}
	return 0.5 * (below + m)
}

// strays counts the chains markGood left out.
func strays(good []bool) int {
	k := 0
	for _, g := range good {
		if !g {
			k++
		}
	}
	return k
}

func finiteRow(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// InitialPoint fills theta with global chain g's starting point at attempt a: each coordinate
// uniform(−2, 2), drawn in order from stream (g, a, Init).
func InitialPoint(k rng.Key, g uint32, a int, theta []float64) {
	var s rng.Stream
	s.Reset(k, g, uint32(a), rng.Init)
	for i := range theta {
		theta[i] = uniform(&s)*4 - 2
	}
}

// initialise draws starting points uniform(-2, 2) (or takes init) and redraws, per chain, those
// whose density or gradient is not finite, up to 100 attempts as Stan does: attempt a of chain
// i is InitialPoint(chain i's global id, a).
func initialise(ev *evaluator, r *Streams, s *State, init []float64) error {
	n := ev.n
	if init != nil {
		copy(s.Pos, init)
	} else {
		for c := range s.LogP {
			InitialPoint(r.key, r.Chain(c), 0, s.Pos[c*n:(c+1)*n])
		}
	}
	for attempt := 0; attempt < 100; attempt++ {
		if err := ev.eval(s.Pos, s.LogP, s.Grad); err != nil {
			return err
		}
		bad := 0
		for c := range s.LogP {
			if math.IsInf(s.LogP[c], 0) || math.IsNaN(s.LogP[c]) || !finiteRow(s.Grad[c*n:(c+1)*n]) {
				bad++
				InitialPoint(r.key, r.Chain(c), attempt+1, s.Pos[c*n:(c+1)*n])
			}
		}
		if bad == 0 {
			return nil
		}
	}
	return ErrInit
}

// Samplers lists the kernels Sample can run, by their --sampler names.
var Samplers = []string{"hmc", "chees", "nuts"}

// Sample runs warmup and sampling for every chain of the target in lockstep with the kernel
// cfg.Sampler names. It stops early, at an iteration boundary, when ctx is cancelled;
// Result.Interrupted then says so. When the sink fails a draw, the Result so far (the tuning
// warmup learned) comes back with the error.
func Sample(ctx context.Context, t Target, cfg Config, sink Sink) (*Result, error) {
	if cfg.MaxSteps <= 0 {
		cfg.MaxSteps = 1024
	}
	if cfg.TargetAccept <= 0 || cfg.TargetAccept >= 1 {
		return nil, fmt.Errorf("target acceptance must be in (0, 1), got %g", cfg.TargetAccept)
	}
	if cfg.PathLength <= 0 && cfg.Sampler != "nuts" {
		return nil, fmt.Errorf("path length must be positive, got %g", cfg.PathLength)
	}
	if n := t.Dim(); cfg.InvMetric != nil && len(cfg.InvMetric) != n && len(cfg.InvMetric) != n*n {
		return nil, fmt.Errorf("the inverse metric has %d elements; the model has %d unconstrained coordinates (a diagonal metric has %d, a dense one %d)", len(cfg.InvMetric), n, n, n*n)
	}
	switch cfg.Metric {
	case "", "diag", "dense", "auto":
	default:
		return nil, fmt.Errorf("unknown metric %q (have %v)", cfg.Metric, Metrics)
	}
	var j jitter
	switch cfg.Sampler {
	case "", "hmc":
		j = uniformJitter
	case "chees":
		if t.Chains() < 2 {
			return nil, fmt.Errorf("the chees sampler learns from several chains; use --chains 2 or more")
		}
		j = haltonJitter
	case "nuts":
		if cfg.MaxTreeDepth <= 0 {
			cfg.MaxTreeDepth = 10
		}
	default:
		return nil, fmt.Errorf("unknown sampler %q (have %v)", cfg.Sampler, Samplers)
	}
	if cfg.FirstChain < 0 || int64(cfg.FirstChain)+int64(t.Chains()) > math.MaxInt32 {
		return nil, fmt.Errorf("global chain ids %d to %d are out of range (0 to %d)", cfg.FirstChain, int64(cfg.FirstChain)+int64(t.Chains())-1, math.MaxInt32-1)
	}
	if cfg.Resume != nil {
		cfg.Warmup = 0 // warmup's tuning comes with the snapshot
	}
	ev := newEvaluator(t)
	c, n := ev.c, ev.n
	r := NewStreams(cfg.Seed, cfg.FirstChain)
	st := newState(c, n)
	res := &Result{Divergences: make([]int, c)}
	if cfg.Resume == nil { // a resumed run's chains are where its snapshot has them
		if err := initialise(ev, r, st, cfg.Init); err != nil {
			return nil, err
		}
	}
	tu := &Tuning{StepSize: make([]float64, c), Metric: unitMetric(n), Length: cfg.PathLength, MaxSteps: cfg.MaxSteps}
	for i := range tu.StepSize {
		tu.StepSize[i] = 1
		if cfg.StepSize > 0 {
			tu.StepSize[i] = cfg.StepSize
		}
	}
	switch { // CmdStan's metric_file: the metric warmup starts from
	case len(cfg.InvMetric) == n*n && n > 1:
		if !tu.Metric.setDense(cfg.InvMetric) {
			return nil, errors.New("the dense inverse metric is not positive definite")
		}
	case cfg.InvMetric != nil:
		copy(tu.Metric.Diag, cfg.InvMetric)
	}
	var p plan
	switch cfg.Sampler {
	case "", "hmc":
		k := newHMCKernel(ev, j)
		tu.MaxSteps = min(cfg.MaxSteps, warmupMaxSteps)
		p = plan{warmup: k, sampling: func(tu *Tuning) Kernel { return k.onDevice(t, tu) }, adapt: newAdaptation(ev, cfg, nil)}
		p.onDeviceWarmup(t, k, cfg, sink, tu)
	case "chees":
		k := newHMCKernel(ev, j)
		p = plan{warmup: k, sampling: func(tu *Tuning) Kernel { return k.onDevice(t, tu) },
			adapt: newAdaptation(ev, cfg, newCheesRule(c, n)), learnsLength: true}
		p.onDeviceWarmup(t, k, cfg, sink, tu)
	case "nuts":
		k := newNUTS(ev, cfg.MaxTreeDepth)
		res.MaxTreeDepthHits = make([]int, c)
		p = plan{warmup: k, sampling: func(*Tuning) Kernel { return k }, adapt: newAdaptation(ev, cfg, nil)}
	}
	if cfg.Resume != nil {
		if err := cfg.Resume.restore(cfg, ev, st, tu, res); err != nil {
			return nil, err
		}
	}
	return run(ctx, cfg, sink, ev, r, st, tu, p, res)
}
