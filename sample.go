package hmcc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/runtime"
	"github.com/hmcc-dev/hmcc/runtime/cmdstan"
	"github.com/hmcc-dev/hmcc/runtime/rng"
)

// Config is what a run does: the kernel, its lengths, seed and tuning, and where the draws go.
// Zero fields take the defaults of hmcc run.
type Config struct {
	// Sampler is "chees" (the default; needs 2 or more chains), "nuts" or "hmc" (docs/samplers.md).
	Sampler string
	// Warmup is the number of warmup iterations per chain (default 1000; negative for none).
	Warmup int
	// WarmupAuto ends warmup once adaptation has settled (docs/samplers.md); Warmup is then the
	// cap (default 1000).
	WarmupAuto bool
	// Draws is the number of post-warmup iterations per chain (default 1000); with TargetESS,
	// the first round's.
	Draws int
	// TargetESS, if positive, keeps sampling in rounds until the minimum bulk- and tail-ESS over
	// every quantity reach it with a clean verdict, or MaxDraws iterations per chain were made
	// (Fit.Rounds says how it went).
	TargetESS int
	// MaxDraws caps the post-warmup iterations per chain with TargetESS (default 10·Draws).
	MaxDraws int
	// Seed fixes every random draw: the same seed, chains and sampler give the same draws.
	// Every random number a chain uses is addressed by the seed, its global chain id (Shard),
	// the iteration and its purpose (package runtime/rng), so a chain's draws do not depend on
	// threads or on how the run is sharded, apart from warmup's pooled adaptation.
	Seed uint64
	// Shard runs shard Index of Count (1-based): Target.Chains is this shard's number of chains,
	// and its chains are global chains (Index−1)·Chains … Index·Chains−1, which their random
	// streams and file names follow. The zero value is shard 1 of 1.
	Shard Shard
	// TargetAccept is the mean acceptance rate step size adaptation aims for (default 0.8).
	TargetAccept float64
	// PathLength is hmc's mean integration time in posterior standard deviations (default 3).
	PathLength float64
	// MaxSteps caps the leapfrog steps of one iteration (default 1024).
	MaxSteps int
	// MaxTreeDepth caps NUTS trees (default 10).
	MaxTreeDepth int
	// Metric is the inverse metric warmup learns: "auto" (the default), "diag" or "dense".
	Metric string
	// InvMetric, if set, is the inverse metric warmup starts from (sampling uses it when there
	// is no warmup): Dim() numbers (diagonal) or Dim()² (dense, row-major); Metric "auto" then
	// keeps its form.
	InvMetric []float64
	// StepSize, if positive, is the initial step size (default 1): where warmup starts, and what
	// sampling uses with no warmup, as with the step size a metric file saved by a previous run.
	StepSize float64
	// Init gives starting values on the natural scale for some or all parameters, which every
	// chain starts from (the others start uniform(-2, 2) on the unconstrained scale).
	Init map[string][]float64
	// Starts, if set, is every chain's starting point on the unconstrained scale (chains×dim,
	// row-major); Init and InitPathfinder are then not used.
	Starts []float64
	// InitPathfinder starts each chain (each superchain) from its own multi-path Pathfinder draw
	// (4 paths, PSIS-resampled), as hmcc run --init pathfinder does; when Pathfinder fails, Sample
	// says why on Messages and the chains start uniform(-2, 2). Init is then not used.
	InitPathfinder bool
	// Messages, if set, receives Sample's notes (InitPathfinder's fallback).
	Messages io.Writer
	// Superchains groups the chains into K superchains sharing an initial point (nested R-hat);
	// 0 chooses as hmcc run does (superchains of 4 for 16 or more chains of at most 250 draws),
	// negative means none.
	Superchains int
	// Thin keeps every Thin-th iteration (default 1).
	Thin int
	// LogLik adds the pointwise log-likelihood columns log_lik.1 … to the CSVs (not kept in
	// memory).
	LogLik bool
	// Output, if set, writes CmdStan CSVs to a directory; the draws are kept for Fit.Draws either way.
	Output *Output
	// Progress, if set, is called after every iteration; Observe, if set, before it with the
	// number of divergent chains and their mean step size.
	Progress func(phase string, iter, total int)
	Observe  func(phase string, divergent int, stepSize float64)
}

// Output says where and how Sample writes CmdStan CSVs: output_<chain>.csv in Dir.
type Output struct {
	Dir *OutputDir
	// Header holds what the chain files' headers say about the caller's inputs (Model,
	// DataFile, Version, MetricFile, Init); Sample fills in the rest.
	Header cmdstan.Config
	// SaveWarmup also writes the warmup rows (CmdStan's save_warmup).
	SaveWarmup bool
	// SaveMetric also writes each chain's adapted tuning to output_<chain>_metric.json.
	SaveMetric bool
	// Resumable, if set, keeps Dir/hmcc_checkpoint.json so that the run can be resumed, or
	// continues the run of Resumable.From (checkpoint.go).
	Resumable *Resumable
}

// Shard is one shard of a run split over processes or machines (hmcc run --shard i/n).
type Shard struct{ Index, Count int }

// FirstChain is the global id (0-based) of the shard's first chain when it runs chains chains.
func (s Shard) FirstChain(chains int) int {
	if s.Index < 1 {
		return 0
	}
	return (s.Index - 1) * chains
}

// IsZero reports whether s is the zero value, shard 1 of 1.
func (s Shard) IsZero() bool { return s == Shard{} }

// String is s in hmcc run's --shard form, i/n (1/1 for the zero value).
func (s Shard) String() string {
	if s.IsZero() {
		return "1/1"
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Warmup, 1000)
	c.Warmup = max(c.Warmup, 0)
	def(&c.Draws, 1000)
	if c.TargetESS > 0 {
		def(&c.MaxDraws, 10*c.Draws)
	}
	def(&c.MaxSteps, 1024)
	def(&c.MaxTreeDepth, 10)
	def(&c.Thin, 1)
	if c.TargetAccept == 0 {
		c.TargetAccept = 0.8
	}
	if c.PathLength == 0 {
		c.PathLength = 3
	}
	if c.Sampler == "" {
		c.Sampler = "chees"
	}
	if c.Metric == "" {
		c.Metric = "auto"
	}
	return c
}

// Fit is the outcome of Sample.
type Fit struct {
	// Result is the sampler's account of the run, as the rows kept (thinned) show it.
	Result *runtime.Result
	// Superchains is the number of superchains the run used (0 for none).
	Superchains int
	// Wrote is set when the chain files were written: a run interrupted during warmup (without
	// SaveWarmup) leaves the output directory as it was.
	Wrote bool
	// Rounds, with Config.TargetESS, lists each round's outcome; TargetReached says whether the
	// last met the target with a clean verdict (otherwise MaxDraws stopped it).
	Rounds        []Round
	TargetReached bool

	names []string
	store *DrawStore
}

// Names are the quantities kept for every draw: lp__, then Model.Names.
func (f *Fit) Names() []string { return f.names }

// Store holds every kept draw of each quantity of Names, and each chain's energy__.
func (f *Fit) Store() *DrawStore { return f.store }

// Draws returns the kept draws of one quantity (an element name such as "theta.2", or "lp__"),
// one slice per chain.
func (f *Fit) Draws(name string) ([][]float64, error) {
	for q, n := range f.names {
		if n == name {
			return f.store.Quantity(q, f.Result.DrawsDone)
		}
	}
	return nil, UserError{fmt.Errorf("no quantity %q; the fit has %s", name, strings.Join(f.names, ", "))}
}

// Close releases the draws (and the temporary file they may have spilled to).
func (f *Fit) Close() error {
	if f.store == nil {
		return nil
	}
	return f.store.Close()
}

// Sample runs the sampler on the model's batched log density built for t. ctx's cancellation
// stops it at the next iteration boundary: the Fit then holds the draws made (Result.Interrupted).
// When writing a chain file fails, the error is a *WriteFailure and the files are cut back to
// whole iterations.
func (m *Model) Sample(ctx context.Context, t Target, cfg Config) (*Fit, error) {
	t, cfg = t.withDefaults(), cfg.withDefaults()
	if err := m.ready(); err != nil {
		return nil, err
	}
	if err := t.Check(); err != nil {
		return nil, UserError{err}
	}
	superchains := cfg.Superchains
	if superchains == 0 {
		superchains = AutoSuperchains(t.Chains, cfg.Draws)
	}
	superchains = max(superchains, 0)
	if err := check(t, cfg, superchains); err != nil {
		return nil, UserError{err}
	}
	prog, release, err := t.build(m.ir)
	if err != nil {
		return nil, err
	}
	defer release()
	first := cfg.Shard.FirstChain(t.Chains)
	init := superchainInit(t.Chains, superchains, m.Dim(), cfg.Seed, first)
	from := resumeFrom(cfg)
	resuming := from != nil && !from.InWarmup() // a run in warmup starts again
	if cfg.Starts == nil && cfg.InitPathfinder && !resuming {
		// Pathfinder draws the starts of a whole batch at once: another shard's draws its own.
		pfSeed := cfg.Seed
		if first > 0 {
			pfSeed ^= uint64(first) * 0x9e3779b97f4a7c15
		}
		starts, note, err := pathfinderStarts(m.ir, t.Chains, superchains, pfSeed)
		if err != nil && cfg.Messages != nil {
			fmt.Fprintf(cfg.Messages, "init: Pathfinder failed: %v; the chains start uniform(-2, 2) on the unconstrained scale instead\n", err)
		}
		if starts != nil && cfg.Messages != nil {
			fmt.Fprintf(cfg.Messages, "init: Pathfinder draws (%s)\n", note)
		}
		if starts != nil {
			init = starts
		}
	} else if cfg.Starts != nil {
		if len(cfg.Starts) != t.Chains*m.Dim() {
			return nil, UserError{fmt.Errorf("%d starting coordinates for %d chains of %d coordinates", len(cfg.Starts), t.Chains, m.Dim())}
		}
		init = cfg.Starts
	} else if cfg.Init != nil {
		if init, err = m.initAt(cfg.Init, init, t.Chains, cfg.Seed, first); err != nil {
			return nil, UserError{err}
		}
	}
	names := m.Names()
	columns := names // the CSV's; log_lik columns are written but not kept
	if cfg.LogLik {
		if err := compiler.CheckLogLikName(m.ir); err != nil {
			return nil, UserError{err}
		}
		columns = append(append([]string(nil), names...), compiler.LogLikNames(m.ir)...)
	}
	s := newSink(m, t, cfg, superchains, columns)
	defer func() {
		if s.store != nil {
			s.store.Close() // handed to the Fit unless the run failed
		}
	}()
	if s.ck, err = newCheckpointer(cfg); err != nil {
		return nil, err
	}
	rcfg := runtime.Config{Warmup: cfg.Warmup, Draws: cfg.Draws, Seed: cfg.Seed, FirstChain: first, TargetAccept: cfg.TargetAccept,
		PathLength: cfg.PathLength, MaxSteps: cfg.MaxSteps, Sampler: cfg.Sampler, MaxTreeDepth: cfg.MaxTreeDepth, Progress: cfg.Progress,
		Init: init, InvMetric: cfg.InvMetric, StepSize: cfg.StepSize, Metric: cfg.Metric, WarmupAuto: cfg.WarmupAuto}
	if cfg.TargetESS > 0 {
		rcfg.More = func(done int) int { return s.more(done) }
	}
	if cfg.InvMetric != nil && cfg.Metric == "auto" { // keep the given metric's form
		rcfg.Metric = "diag"
		if n := m.Dim(); n > 1 && len(cfg.InvMetric) == n*n {
			rcfg.Metric = "dense"
		}
	}
	if resuming {
		if rcfg.Resume, err = s.resume(from); err != nil {
			return nil, err
		}
	}
	res, err := runtime.Sample(ctx, prog, rcfg, s)
	if s.failure != nil {
		return nil, s.cutBack(res)
	}
	if err != nil {
		if errors.Is(err, runtime.ErrInit) {
			why := ""
			if term := compiler.NonFiniteTerm(m.ir, make([]float64, m.Dim())); term != "" {
				why = fmt.Sprintf(" (at the point where every unconstrained coordinate is 0, %s)", term)
			}
			return nil, UserError{fmt.Errorf("%v after 100 attempts per chain%s; check that the priors and data give the model a finite density", err, why)}
		}
		return nil, err
	}
	fit := &Fit{Result: res, Superchains: superchains, names: append([]string{"lp__"}, names...), Rounds: s.rounds}
	fit.TargetReached = len(s.rounds) > 0 && s.rounds[len(s.rounds)-1].Reached
	if err := s.finish(res); err != nil {
		return nil, err
	}
	if !res.Interrupted {
		if err := s.finished(); err != nil {
			return nil, err
		}
	}
	fit.Wrote = s.out == nil || s.writers != nil
	if res.DrawsDone > 0 && fit.Wrote {
		fit.Result = s.keptResult(res)
	} else {
		fit.Result = &runtime.Result{}
		*fit.Result = *res
		fit.Result.DrawsDone = 0
	}
	fit.store, s.store = s.store, nil
	return fit, nil
}

// check refuses what the sampler cannot run (hmcc run's flags are checked before, with
// messages that name them).
func check(t Target, cfg Config, superchains int) error {
	switch {
	case t.Chains < 1 || t.Threads < 1:
		return fmt.Errorf("Target.Chains and Target.Threads must be at least 1, got %d and %d", t.Chains, t.Threads)
	case cfg.Draws < 1 || cfg.Thin < 1 || cfg.MaxSteps < 1 || cfg.MaxTreeDepth < 1:
		return fmt.Errorf("Config.Draws, Thin, MaxSteps and MaxTreeDepth must be at least 1, got %d, %d, %d and %d", cfg.Draws, cfg.Thin, cfg.MaxSteps, cfg.MaxTreeDepth)
	case !(cfg.TargetAccept > 0 && cfg.TargetAccept < 1):
		return fmt.Errorf("Config.TargetAccept must be strictly between 0 and 1, got %g", cfg.TargetAccept)
	case !(cfg.PathLength > 0 && cfg.PathLength <= 1e6):
		return fmt.Errorf("Config.PathLength must be positive and at most 1e6, got %g", cfg.PathLength)
	case cfg.TargetESS > 0 && cfg.MaxDraws < cfg.Draws:
		return fmt.Errorf("Config.MaxDraws (%d) must be at least Config.Draws (%d) with a target ESS", cfg.MaxDraws, cfg.Draws)
	case superchains == 1 || superchains > 0 && t.Chains%superchains != 0:
		return fmt.Errorf("Config.Superchains must be at least 2 and divide the %d chains, got %d", t.Chains, superchains)
	case !cfg.Shard.IsZero() && (cfg.Shard.Count < 1 || cfg.Shard.Index < 1 || cfg.Shard.Index > cfg.Shard.Count):
		return fmt.Errorf("Config.Shard must have 1 <= Index <= Count, got %d of %d", cfg.Shard.Index, cfg.Shard.Count)
	case int64(cfg.Shard.Count)*int64(t.Chains) > math.MaxInt32:
		return fmt.Errorf("%d shards of %d chains are more than %d chains in all", cfg.Shard.Count, t.Chains, math.MaxInt32)
	}
	return nil
}

// finish closes the chain files: with the learned trajectory length in their headers, and the
// timing trailer. A run interrupted before its first draw closes the warmup rows it saved.
func (s *sink) finish(res *runtime.Result) error {
	if s.writers == nil {
		return nil
	}
	s.out.mu.Lock()
	defer s.out.mu.Unlock()
	if res.DrawsDone == 0 {
		for _, w := range s.writers {
			if err := w.Close(res.WarmupTime, res.SamplingTime); err != nil {
				return IOError{fmt.Errorf("closing %s: %w", w.Path(), err)}
			}
		}
		return nil
	}
	s.out.complete = true // from here an interrupt may stop at once: every draw is on disk
	for _, w := range s.writers {
		if s.target > 0 { // the rounds decided the length: the header says what was drawn
			if err := w.FillCount("num_samples", res.DrawsDone); err != nil {
				return IOError{fmt.Errorf("writing num_samples into %s: %w", w.Path(), err)}
			}
		}
		if res.TrajectoryLength > 0 { // what ChEES learned, into the header's slots
			if err := errors.Join(w.Fill("int_time", res.TrajectoryLength), w.Fill("hmcc_trajectory_length", res.TrajectoryLength)); err != nil {
				return IOError{fmt.Errorf("writing the learned trajectory length into %s: %w", w.Path(), err)}
			}
		}
		if err := w.Close(res.WarmupTime, res.SamplingTime); err != nil {
			return IOError{fmt.Errorf("writing the timing trailer of %s: %w; every draw was written before it, so hmcc summary %s still reads the run", w.Path(), err, s.out.path)}
		}
	}
	return nil
}

// cutBack ends a run whose chain files could not be written: every file is cut back to the end
// of the last iteration that every chain wrote whole, so the chains have the same length and no
// partial row.
func (s *sink) cutBack(res *runtime.Result) *WriteFailure {
	s.out.mu.Lock()
	defer s.out.mu.Unlock()
	f := s.failure
	f.Kept, f.SavedWarmup = s.kept, s.saveWarmup
	for c, w := range s.writers {
		if res != nil && res.TrajectoryLength > 0 { // learned in warmup, before the write failed
			w.Fill("int_time", res.TrajectoryLength)
			w.Fill("hmcc_trajectory_length", res.TrajectoryLength)
		}
		if err := w.CutTo(s.marks[c]); err != nil && f.CutErr == nil {
			f.CutErr = fmt.Errorf("cutting %s back: %w", w.Path(), err)
		}
	}
	return f
}

// AutoSuperchains is the number of superchains a run uses by default: 0 (plain chains) unless
// the chains are many and short. From 16 chains of at most 250 draws, chains are grouped into
// superchains of 4 chains that start from one point, and hmcc's verdict judges nested R-hat (Margossian et al.), which stays reliable when each chain is
// too short for split R-hat to settle (docs/samplers.md).
func AutoSuperchains(chains, draws int) int {
	const nestedMinChains, nestedMaxDraws, nestedChainsPer = 16, 250, 4
	if chains < nestedMinChains || draws > nestedMaxDraws || chains%nestedChainsPer != 0 {
		return 0
	}
	return chains / nestedChainsPer
}

// SuperchainIDs assigns chains to K superchains in consecutive blocks (nil when K is 0).
func SuperchainIDs(chains, k int) []int {
	if k == 0 {
		return nil
	}
	ids := make([]int, chains)
	for c := range ids {
		ids[c] = c / (chains / k)
	}
	return ids
}

// superchainInit gives every chain of a superchain the initial point its first chain would
// draw on its own (runtime.InitialPoint at attempt 0, uniform(−2, 2) on the unconstrained
// scale); nil when K is 0: each chain draws its own. first is the global id of chain 0.
func superchainInit(chains, k, dim int, seed uint64, first int) []float64 {
	if k == 0 {
		return nil
	}
	key := rng.KeyOf(seed)
	init := make([]float64, chains*dim)
	for c, s := range SuperchainIDs(chains, k) {
		lead := s * (chains / k)
		if c == lead {
			runtime.InitialPoint(key, uint32(first+c), 0, init[c*dim:(c+1)*dim])
		} else {
			copy(init[c*dim:(c+1)*dim], init[lead*dim:(lead+1)*dim])
		}
	}
	return init
}

// initAt starts every chain at values (natural scale, some or all parameters); base
// (chains×dim, or nil for the uniform(−2, 2) points the chains would draw on their own,
// runtime.InitialPoint) gives the others. first is the global id of chain 0.
func (m *Model) initAt(values map[string][]float64, base []float64, chains int, seed uint64, first int) ([]float64, error) {
	if err := m.checkNames(values); err != nil {
		return nil, err
	}
	dim := m.Dim()
	if base == nil {
		key := rng.KeyOf(seed)
		base = make([]float64, chains*dim)
		for c := 0; c < chains; c++ {
			runtime.InitialPoint(key, uint32(first+c), 0, base[c*dim:(c+1)*dim])
		}
	}
	for c := 0; c < chains; c++ {
		if err := compiler.Unconstrain(m.ir, values, base[c*dim:(c+1)*dim]); err != nil {
			return nil, err
		}
	}
	return base, nil
}

// checkNames refuses a name that is not a parameter of the model.
func (m *Model) checkNames(values map[string][]float64) error {
	for name := range values {
		found := false
		for _, p := range m.ir.Params {
			found = found || p.Name == name
		}
		if !found {
			return fmt.Errorf("%q is not a parameter of the model", name)
		}
	}
	return nil
}

// Unconstrain maps a point on the natural scale (some or all parameters; the others at
// unconstrained 0) to the unconstrained coordinates the sampler moves. Unknown names, wrong
// sizes and values outside a parameter's support are errors naming the parameter.
func (m *Model) Unconstrain(values map[string][]float64) ([]float64, error) {
	if err := m.ready(); err != nil { // a model compiled without data has no sizes yet
		return nil, err
	}
	if err := m.checkNames(values); err != nil {
		return nil, err
	}
	theta := make([]float64, m.Dim())
	if err := compiler.Unconstrain(m.ir, values, theta); err != nil {
		return nil, err
	}
	return theta, nil
}
