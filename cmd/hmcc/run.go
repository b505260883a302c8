package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/ir"
	"github.com/hmcc-dev/hmcc/runtime"
	"github.com/hmcc-dev/hmcc/runtime/cmdstan"
	"github.com/hmcc-dev/hmcc/runtime/draws"
)

type runCmd struct {
	Model        string  `arg:"" help:"Model file (.model)." type:"existingfile"`
	Data         string  `arg:"" help:"Data file (CSV)." type:"existingfile"`
	Chains       int     `default:"4" help:"Number of chains, all evaluated in one batch."`
	Warmup       int     `default:"1000" help:"Warmup (adaptation) iterations per chain."`
	Draws        int     `default:"1000" help:"Post-warmup draws per chain."`
	Seed         uint64  `default:"1" help:"Random seed; the same seed and chain count give the same draws."`
	OutputDir    string  `default:"output" help:"Directory for output_<chain>.csv and summary.csv."`
	TargetAccept float64 `default:"0.8" help:"Mean acceptance rate the per-chain step size adaptation aims for (hmc, nuts, and ChEES during its initial buffer; ChEES's shared step size targets a harmonic mean of 0.651)."`
	PathLength   float64 `default:"3" help:"hmc: mean integration time, in posterior standard deviations after metric adaptation; each iteration jitters it uniformly on (0, 2x]."`
	MaxSteps     int     `default:"1024" help:"Maximum leapfrog steps per iteration."`
	Sampler      string  `default:"chees" enum:"chees,nuts,hmc" help:"Kernel: chees (ChEES-HMC: shared step size and learned trajectory length; needs 2+ chains), nuts (Stan's No-U-Turn sampler) or hmc (jittered HMC, per-chain step sizes). See docs/samplers.md."`
	MaxTreedepth int     `default:"10" help:"NUTS: maximum tree depth (2^depth leapfrog steps)."`
	Device       string  `default:"${device}" enum:"cpu,gpu" help:"Where to run: cpu, or gpu (only in the hmcc-gpu build, where it is the default; see docs/gpu.md)."`
	Precision    string  `default:"${precision}" enum:"float32,float64" help:"Arithmetic: float32 (the hmcc-gpu default; sums and the Metropolis step stay float64; on the CPU only the matrix products X @ w) or float64."`
	Superchains  int     `help:"Group the chains into K superchains whose chains share an initial point, and judge convergence by nested R-hat (Margossian et al. 2022), made for many short chains. Default: superchains of 4 chains when there are 16 or more chains of at most 250 draws, else none."`
	Threads      int     `default:"${cores}" help:"Goroutines evaluating the chains, in fixed blocks of up to 8 chains (default: all cores); the draws do not depend on it."`
	Quiet        bool    `help:"No progress bar."`
	Init         string  `help:"JSON file of starting values on the natural scale, {\"name\": number or [numbers]}, for some or all parameters; every chain starts there (parameters not given start uniform(-2, 2) on the unconstrained scale)." type:"existingfile"`
	Metric       string  `default:"auto" enum:"diag,dense,auto" help:"Inverse metric learned in warmup: diag (per-coordinate variances), dense (full covariance, with shrinkage; for strongly correlated posteriors) or auto (at each metric window, dense when it allows steps 1.5x larger; up to 200 dimensions). See docs/samplers.md."`
}

func (r *runCmd) validate() error {
	switch {
	case r.checkDevice() != nil:
		return r.checkDevice()
	case r.Chains < 1:
		return fmt.Errorf("--chains must be at least 1, got %d", r.Chains)
	case r.Chains < 2 && r.Sampler == "chees":
		return fmt.Errorf("the chees sampler learns its trajectory length across chains and needs --chains 2 or more; with one chain use --sampler nuts")
	case r.Warmup < 0:
		return fmt.Errorf("--warmup must be 0 or more, got %d", r.Warmup)
	case r.Draws < 1:
		return fmt.Errorf("--draws must be at least 1, got %d", r.Draws)
	case r.TargetAccept <= 0 || r.TargetAccept >= 1:
		return fmt.Errorf("--target-accept must be between 0 and 1, got %g", r.TargetAccept)
	case r.PathLength <= 0:
		return fmt.Errorf("--path-length must be positive, got %g", r.PathLength)
	case r.MaxTreedepth < 1 || r.MaxTreedepth > 30:
		return fmt.Errorf("--max-treedepth must be between 1 and 30, got %d", r.MaxTreedepth)
	case r.Threads < 1:
		return fmt.Errorf("--threads must be at least 1, got %d", r.Threads)
	case r.MaxSteps < 1:
		return fmt.Errorf("--max-steps must be at least 1, got %d", r.MaxSteps)
	case r.Superchains < 0 || r.Superchains == 1 || (r.Superchains > 0 && r.Chains%r.Superchains != 0):
		return fmt.Errorf("--superchains must be at least 2 and divide --chains (%d), got %d", r.Chains, r.Superchains)
	}
	return nil
}

func (r *runCmd) Run(e *env) error {
	if err := r.validate(); err != nil {
		return userError{err}
	}
	m, err := load(e, r.Model, r.Data)
	if err != nil {
		return err
	}
	// The checker's warnings (a centred hierarchy, a very wide prior, unused data) matter most
	// right before a run that they predict will sample badly.
	if ws := compiler.Warnings(m); len(ws) > 0 {
		fmt.Fprint(e.stderr, diag.Render(ws, e.src))
	}
	prog, release, err := r.target(m)
	if err != nil {
		return err
	}
	defer release()
	if err := os.MkdirAll(r.OutputDir, 0o755); err != nil {
		return userError{fmt.Errorf("cannot create the output directory: %w", err)}
	}
	if r.Superchains == 0 {
		r.Superchains = autoSuperchains(r.Chains, r.Draws)
	}
	init := superchainInit(r.Chains, r.Superchains, m.Dim(), r.Seed)
	if r.Init != "" {
		if init, err = initFromFile(m, r.Init, init, r.Chains, r.Seed); err != nil {
			return userError{err}
		}
	}
	names := compiler.OutputNames(m)
	sink := &drawSink{m: m, names: names, chains: r.Chains, draws: newDrawStore(r.OutputDir, r.Chains, r.Draws, 1+len(names)),
		values: make([]float64, len(names))}
	if compiler.Draws(m) { // generate NAME ~ Dist: one random stream per chain, apart from the sampler's
		for c := 0; c < r.Chains; c++ {
			sink.rngs = append(sink.rngs, rand.New(rand.NewPCG(uint64(r.Seed), 0x6e7e_0000_0000+uint64(c))))
		}
	}
	for c := 0; c < r.Chains; c++ {
		w, err := cmdstan.Create(filepath.Join(r.OutputDir, fmt.Sprintf("output_%d.csv", c+1)), cmdstan.Config{
			Model: filepath.Base(r.Model), DataFile: r.Data, Chain: c + 1, Seed: r.Seed, Warmup: r.Warmup, Draws: r.Draws,
			TargetAccept: r.TargetAccept, PathLength: r.PathLength, Version: version, Engine: engine(r.Sampler), MaxDepth: r.MaxTreedepth}, names)
		if err != nil {
			return userError{fmt.Errorf("cannot write output: %w", err)}
		}
		sink.writers = append(sink.writers, w)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	finished := make(chan struct{})
	defer close(finished)
	go watchSignals(cancel, finished, e.stderr, sink)
	bar := newProgress(e.stderr, r.Quiet)
	cfg := runtime.Config{Warmup: r.Warmup, Draws: r.Draws, Seed: r.Seed, TargetAccept: r.TargetAccept,
		PathLength: r.PathLength, MaxSteps: r.MaxSteps, Sampler: r.Sampler, MaxTreeDepth: r.MaxTreedepth, Progress: bar.update,
		Init: init, Metric: r.Metric}
	start := time.Now()
	res, err := runtime.Sample(ctx, prog, cfg, sink)
	bar.done()
	if err != nil {
		if errors.Is(err, runtime.ErrInit) {
			why := ""
			if term := compiler.NonFiniteTerm(m, make([]float64, m.Dim())); term != "" {
				why = fmt.Sprintf(" (at the point where every unconstrained coordinate is 0, %s)", term)
			}
			return userError{fmt.Errorf("%v after 100 attempts per chain%s; check that the priors and data give the model a finite density", err, why)}
		}
		return err
	}
	if len(res.Relocations) > 0 {
		moved, iters := 0, []int{}
		for _, m := range res.Relocations {
			moved += len(m.Chains)
			iters = append(iters, m.Iter)
		}
		fmt.Fprintf(e.stderr, "warmup: moved %d stray chain(s) (log density far below the others') onto other chains' positions, at iterations %v\n", moved, iters)
	}
	sink.mu.Lock()
	for _, w := range sink.writers {
		if err := w.Close(res.WarmupTime, res.SamplingTime); err != nil {
			sink.mu.Unlock()
			return fmt.Errorf("writing output: %w", err)
		}
	}
	sink.mu.Unlock()
	elapsed := time.Since(start)
	defer sink.draws.Close()
	sink.draws.superchains = r.Superchains
	sum, err := summarize(sink.draws, res.DrawsDone, append([]string{"lp__"}, names...), superchainIDs(r.Chains, r.Superchains))
	if err != nil {
		return err
	}
	if err := writeSummaryCSV(filepath.Join(r.OutputDir, "summary.csv"), sum); err != nil {
		return fmt.Errorf("writing summary: %w", err)
	}
	if res.Interrupted {
		fmt.Fprintf(e.stdout, "PARTIAL RESULTS: interrupted after %d of %d draws per chain\n", res.DrawsDone, r.Draws)
	}
	if err := printSummary(e.stdout, sum, res, sink.draws, elapsed); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\nwrote %d chain CSVs and summary.csv to %s\n", r.Chains, r.OutputDir)
	if res.Interrupted {
		return errInterrupted
	}
	return nil
}

// watchSignals turns the first SIGINT or SIGTERM into a cancellation, which stops sampling at the
// next iteration boundary and still writes the trailers and the summary. A second signal exits at
// once: the user asked twice. It takes the sink's lock first, so no chain's CSV is left holding
// half a row; the files then lack only the timing trailer, which readers of CmdStan CSVs treat as
// optional.
func watchSignals(cancel context.CancelFunc, finished <-chan struct{}, stderr io.Writer, sink *drawSink) {
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	for first := true; ; first = false {
		select {
		case <-sig:
		case <-finished:
			return
		}
		if first {
			fmt.Fprintln(stderr, "\ninterrupted: finishing the current iteration and writing what was drawn (interrupt again to stop at once)")
			cancel()
			continue
		}
		sink.mu.Lock()
		fmt.Fprintln(stderr, "second interrupt: stopped without the summary; every draw written so far is complete in the chain CSVs")
		os.Exit(130)
	}
}

// drawSink writes every chain's row and keeps the draws the diagnostics need.
type drawSink struct {
	mu      sync.Mutex // held while rows are written, so an immediate exit never splits one
	m       *ir.Model
	names   []string
	chains  int
	writers []*cmdstan.Writer
	draws   *drawStore
	values  []float64
	rngs    []*rand.Rand // per chain, for generated draws; nil when the model draws none
}

func (s *drawSink) Adapted(stepSizes []float64, invMetric []float64) error {
	for c, w := range s.writers {
		if err := w.Adaptation(stepSizes[c], invMetric); err != nil {
			return err
		}
	}
	return nil
}

func (s *drawSink) Draw(iter int, stats []runtime.Stats, theta []float64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(theta) / s.chains
	for c, st := range stats {
		var rng *rand.Rand
		if s.rngs != nil {
			rng = s.rngs[c]
		}
		if err := compiler.OutputsRand(s.m, theta[c*n:(c+1)*n], rng, s.values); err != nil {
			return err
		}
		if err := s.writers[c].Row(st.LogP, st.AcceptStat, st.StepSize, st.TreeDepth, st.NLeapfrog, st.Divergent, st.Energy, s.values); err != nil {
			return err
		}
		if err := s.draws.set(0, c, iter, st.LogP); err != nil {
			return err
		}
		if err := s.draws.setEnergy(c, iter, st.Energy); err != nil {
			return err
		}
		for k, v := range s.values {
			if err := s.draws.set(k+1, c, iter, v); err != nil {
				return err
			}
		}
		if err := s.writers[c].Flush(); err != nil {
			return err
		}
	}
	return nil
}

// drawStore keeps the draws of every quantity and each chain's energy__ for the diagnostics, in
// bounded memory (package draws spills to a temporary file beyond draws.DefaultBudget).
type drawStore struct {
	*draws.Store
	chains, energy int // energy is the store's index of energy__, after the named quantities
	superchains    int // superchains of the run (0: none), which makes the verdict judge nested R-hat
}

// drawBudget is the memory the draw store buffers in before it spills to disk (a variable so a
// test can force spilling).
var drawBudget = draws.DefaultBudget

func newDrawStore(dir string, chains, iters, quantities int) *drawStore {
	return &drawStore{Store: draws.New(dir, chains, quantities+1, iters, drawBudget), chains: chains, energy: quantities}
}

func (d *drawStore) set(q, c, it int, v float64) error { return d.Set(q, c, it, v) }

func (d *drawStore) setEnergy(c, it int, v float64) error { return d.Set(d.energy, c, it, v) }

// energies returns each chain's first n energies.
func (d *drawStore) energies(n int) ([][]float64, error) { return d.Quantity(d.energy, n) }

// Many short chains: from nestedMinChains chains of at most nestedMaxDraws draws, chains are
// grouped automatically into superchains of nestedChainsPer chains that start from one point,
// and the verdict judges nested R-hat (Margossian et al.), which stays reliable when each chain
// is too short for split R-hat to settle (docs/samplers.md).
const nestedMinChains, nestedMaxDraws, nestedChainsPer = 16, 250, 4

// autoSuperchains is the number of superchains a run without --superchains uses: 0 (plain
// chains) unless the chains are many and short.
func autoSuperchains(chains, draws int) int {
	if chains < nestedMinChains || draws > nestedMaxDraws || chains%nestedChainsPer != 0 {
		return 0
	}
	return chains / nestedChainsPer
}

// superchainIDs assigns chains to K superchains in consecutive blocks (nil when K is 0).
func superchainIDs(chains, k int) []int {
	if k == 0 {
		return nil
	}
	ids := make([]int, chains)
	for c := range ids {
		ids[c] = c / (chains / k)
	}
	return ids
}

// superchainInit draws K initial points uniform(−2, 2) on the unconstrained scale and gives
// every chain of a superchain the same one (nil when K is 0: each chain draws its own).
func superchainInit(chains, k, dim int, seed uint64) []float64 {
	if k == 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	points := make([]float64, k*dim)
	for i := range points {
		points[i] = rng.Float64()*4 - 2
	}
	init := make([]float64, chains*dim)
	for c, s := range superchainIDs(chains, k) {
		copy(init[c*dim:(c+1)*dim], points[s*dim:(s+1)*dim])
	}
	return init
}

// initFromFile reads --init: values on the natural scale for some or all parameters, which every
// chain starts from; base (chains×dim, or nil for uniform(−2, 2) draws) gives the others.
// Unknown names, wrong sizes and values outside a parameter's support are errors naming the
// parameter.
func initFromFile(m *ir.Model, path string, base []float64, chains int, seed uint64) ([]float64, error) {
	values, err := readPoint(path)
	if err != nil {
		return nil, err
	}
	for name := range values {
		found := false
		for _, p := range m.Params {
			found = found || p.Name == name
		}
		if !found {
			return nil, fmt.Errorf("%s: %q is not a parameter of the model", path, name)
		}
	}
	dim := m.Dim()
	if base == nil {
		rng := rand.New(rand.NewPCG(seed, 0x1417))
		base = make([]float64, chains*dim)
		for i := range base {
			base[i] = rng.Float64()*4 - 2
		}
	}
	for c := 0; c < chains; c++ {
		if err := compiler.Unconstrain(m, values, base[c*dim:(c+1)*dim]); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return base, nil
}

// engine is the CmdStan engine name recorded in the CSV header.
func engine(sampler string) string {
	if sampler == "nuts" {
		return "nuts"
	}
	return "static"
}
