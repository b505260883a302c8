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
	"strings"
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
	Model        string  `arg:"" help:"Model file (.model)."`
	Data         string  `arg:"" help:"Data file (CSV)."`
	Chains       int     `default:"4" help:"Number of chains, all evaluated in one batch."`
	Warmup       int     `default:"1000" help:"Warmup (adaptation) iterations per chain."`
	Draws        int     `default:"1000" help:"Post-warmup draws per chain."`
	Seed         uint64  `default:"1" help:"Random seed; the same seed and chain count give the same draws."`
	OutputDir    string  `default:"output" help:"Directory for output_<chain>.csv and summary.csv; a directory holding an earlier run's files is refused unless --overwrite."`
	Overwrite    bool    `help:"Replace the files of an earlier run in --output-dir (every output_N.csv, summary.csv, plots/), once this run is about to write its first draw."`
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
	SaveWarmup   bool    `name:"save-warmup" help:"Also write the warmup iterations to the chain CSVs, before the adaptation block (CmdStan's save_warmup); they are never counted as draws."`
	Thin         int     `default:"1" help:"Keep every k-th iteration (CmdStan's thin): --draws counts iterations, and ceil(draws/k) are written and summarised."`
	MetricFile   string  `name:"metric-file" help:"CmdStan metric file (JSON {\"inv_metric\": [...]}, a diagonal inverse metric): the metric warmup starts from, and the one sampling uses with --warmup 0." type:"existingfile"`
	SaveMetric   bool    `name:"save-metric" help:"Also write each chain's adapted step size and inverse metric to output_<chain>_metric.json (CmdStan's save_metric), which --metric-file reads; of a dense metric, its diagonal."`

	// More holds further data files (several tables: data u[J] = column "u" from "counties").
	More []string `arg:"" optional:"" help:"More data files (CSV or JSON), which data declarations name with from \"name\" (the base name)."`
	// LogLik adds the pointwise log-likelihood columns that R's loo reads.
	LogLik bool   `name:"log-lik" help:"Also write log_lik.1 … log_lik.M, the log density of every observed element at each draw (the observed statements' elements in source order), as R's loo::extract_log_lik reads them. Not summarised."`
	Init   string `help:"JSON file of starting values on the natural scale, {\"name\": number or [numbers]}, for some or all parameters; every chain starts there (parameters not given start uniform(-2, 2) on the unconstrained scale). --init pathfinder starts each chain (each superchain) from its own multi-path Pathfinder draw, falling back to uniform(-2, 2) with a message when Pathfinder fails."`
	Metric string `default:"auto" enum:"diag,dense,auto" help:"Inverse metric learned in warmup: diag (per-coordinate variances), dense (full covariance, with shrinkage; for strongly correlated posteriors) or auto (at each metric window, dense when it allows steps 1.5x larger; up to 200 dimensions). See docs/samplers.md."`
}

func (r *runCmd) validate() error {
	if err := r.validateNumbers(); err != nil {
		return err
	}
	switch {
	case r.checkDevice() != nil:
		return r.checkDevice()
	case r.Chains < 2 && r.Sampler == "chees":
		return fmt.Errorf("the chees sampler learns its trajectory length across chains and needs --chains 2 or more; with one chain use --sampler nuts")
	case r.Thin < 1:
		return fmt.Errorf("--thin must be at least 1, got %d", r.Thin)
	case r.Superchains < 0 || r.Superchains == 1 || (r.Superchains > 0 && r.Chains%r.Superchains != 0):
		return fmt.Errorf("--superchains must be at least 2 and divide --chains (%d), got %d", r.Chains, r.Superchains)
	}
	return nil
}

func (r *runCmd) Run(e *env) error {
	if err := r.validate(); err != nil {
		return userError{err}
	}
	out, err := openOutputDir(r.OutputDir, r.Overwrite)
	if err != nil {
		return err
	}
	defer out.close()
	m, err := load(e, r.Model, r.Data, r.More...)
	if err != nil {
		return err
	}
	if err := checkMemory(m, r.Chains); err != nil {
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
	if r.Superchains == 0 {
		r.Superchains = autoSuperchains(r.Chains, r.Draws)
	}
	init := superchainInit(r.Chains, r.Superchains, m.Dim(), r.Seed)
	if r.Init == initPathfinder {
		init = pathfinderStart(e.stderr, m, r.Chains, r.Superchains, r.Seed, init)
	} else if r.Init != "" {
		if init, err = initFromFile(m, r.Init, init, r.Chains, r.Seed); err != nil {
			return userError{err}
		}
	}
	names := compiler.OutputNames(m)
	lpOffset, lpNote := stanLP(m)
	var initMetric []float64
	if r.MetricFile != "" {
		if initMetric, err = readMetricFile(r.MetricFile, m.Dim()); err != nil {
			return userError{err}
		}
	}
	columns := names // the CSV's; log_lik columns are written but not summarised
	if r.LogLik {
		if err := compiler.CheckLogLikName(m); err != nil {
			return userError{err}
		}
		columns = append(append([]string(nil), names...), compiler.LogLikNames(m)...)
	}
	kept := (r.Draws + r.Thin - 1) / r.Thin
	sink := &drawSink{m: m, names: names, chains: r.Chains, draws: newDrawStore(r.OutputDir, r.Chains, kept, 1+len(names)),
		values: make([]float64, len(columns)), columns: columns, logLik: r.LogLik, out: out, thin: r.Thin, lpOffset: lpOffset, nuts: r.Sampler == "nuts", saveWarmup: r.SaveWarmup,
		divergences: make([]int, r.Chains), depthHits: make([]int, r.Chains), maxDepth: r.MaxTreedepth}
	if r.SaveMetric {
		sink.metricDir = r.OutputDir
	}
	if compiler.Draws(m) { // generate NAME ~ Dist: one random stream per chain, apart from the sampler's
		for c := 0; c < r.Chains; c++ {
			sink.rngs = append(sink.rngs, rand.New(rand.NewPCG(uint64(r.Seed), 0x6e7e_0000_0000+uint64(c))))
			// Saved warmup rows draw from streams of their own, so --save-warmup leaves the
			// post-warmup draws as they were.
			sink.warmupRngs = append(sink.warmupRngs, rand.New(rand.NewPCG(uint64(r.Seed), 0x6e7e_1000_0000+uint64(c))))
		}
	}
	// The chain files are made when the first row is ready (drawSink.open): a run that fails
	// before then leaves --output-dir as it was.
	sink.config = func(c int) cmdstan.Config {
		return cmdstan.Config{
			Model: filepath.Base(r.Model), DataFile: strings.Join(append([]string{r.Data}, r.More...), ","), Chain: c + 1, Seed: r.Seed, Warmup: r.Warmup, Draws: r.Draws,
			TargetAccept: r.TargetAccept, PathLength: r.PathLength, Version: version, Engine: engine(r.Sampler), MaxDepth: r.MaxTreedepth,
			Thin: r.Thin, SaveWarmup: r.SaveWarmup, Sampler: r.Sampler, MaxSteps: r.MaxSteps, MetricFile: r.MetricFile, Init: r.Init,
			Chains: r.Chains, Threads: r.Threads, Superchains: r.Superchains, Device: r.Device, Precision: r.Precision, LogDensity: lpNote,
			Bounds: paramBounds(m), RunID: out.runID, Metric: headerMetric(r.Metric), LogLik: len(columns) - len(names)}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	finished := make(chan struct{})
	defer close(finished)
	// Notify before the watcher starts: a signal that comes before the goroutine first runs must
	// still reach it, not kill the process without closing the chain files.
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	go watchSignals(sig, cancel, finished, e.stderr, sink)
	bar := newProgress(e.stderr, r.Quiet)
	sink.progress = bar
	cfg := runtime.Config{Warmup: r.Warmup, Draws: r.Draws, Seed: r.Seed, TargetAccept: r.TargetAccept,
		PathLength: r.PathLength, MaxSteps: r.MaxSteps, Sampler: r.Sampler, MaxTreeDepth: r.MaxTreedepth, Progress: bar.update,
		Init: init, InvMetric: initMetric, Metric: r.Metric}
	if r.MetricFile != "" && r.Metric == "auto" {
		cfg.Metric = "diag" // a CmdStan metric file holds a diagonal metric: keep its form
	}
	start := time.Now()
	res, err := runtime.Sample(ctx, prog, cfg, sink)
	bar.done()
	if sink.failure != nil {
		if res != nil && res.TrajectoryLength > 0 { // learned in warmup, before the write failed
			sink.mu.Lock()
			for _, w := range sink.writers {
				w.Fill("int_time", res.TrajectoryLength)
				w.Fill("hmcc_trajectory_length", res.TrajectoryLength)
			}
			sink.mu.Unlock()
		}
		return r.keepWhatWasWritten(e, sink)
	}
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
	defer sink.draws.Close()
	if res.DrawsDone == 0 || sink.writers == nil {
		// Interrupted before the first draw: nothing is summarised. Only --save-warmup has
		// written anything by then: its warmup rows, closed as whole rows.
		if sink.writers == nil {
			fmt.Fprintf(e.stdout, "no draws: interrupted during warmup, before the first draw; %s was left as it was\n", r.OutputDir)
			return errInterrupted
		}
		sink.mu.Lock()
		defer sink.mu.Unlock()
		for _, w := range sink.writers {
			if err := w.Close(res.WarmupTime, res.SamplingTime); err != nil {
				return ioError{fmt.Errorf("closing %s: %w", w.Path(), err)}
			}
		}
		fmt.Fprintf(e.stdout, "no draws: interrupted during warmup, before the first draw; the warmup rows saved so far are in %s\n", r.OutputDir)
		return errInterrupted
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
	sink.summarising = true // from here an interrupt stops at once: every draw is on disk
	for c, w := range sink.writers {
		if res.TrajectoryLength > 0 { // what ChEES learned, into the header's slots
			if err := errors.Join(w.Fill("int_time", res.TrajectoryLength), w.Fill("hmcc_trajectory_length", res.TrajectoryLength)); err != nil {
				sink.failure = &writeFailure{path: w.Path(), err: err}
				sink.mu.Unlock()
				return ioError{fmt.Errorf("writing the learned trajectory length into %s: %w", w.Path(), err)}
			}
		}
		if err := w.Close(res.WarmupTime, res.SamplingTime); err != nil {
			sink.failure = &writeFailure{path: w.Path(), err: err}
			sink.mu.Unlock()
			return ioError{fmt.Errorf("writing the timing trailer of %s: %w; every draw was written before it, so hmcc summary %s still reads the run", sink.writers[c].Path(), err, r.OutputDir)}
		}
	}
	sink.mu.Unlock()
	elapsed := time.Since(start)
	// The summary describes the rows written (thinned), as `hmcc summary` does reading them back.
	res = sink.keptResult(res)
	sink.draws.superchains = r.Superchains
	sum, err := summarize(sink.draws, res.DrawsDone, append([]string{"lp__"}, names...), superchainIDs(r.Chains, r.Superchains))
	if err != nil {
		return err
	}
	sink.mu.Lock()
	err = writeSummaryCSV(filepath.Join(r.OutputDir, "summary.csv"), sum)
	sink.mu.Unlock()
	if err != nil {
		return ioError{fmt.Errorf("writing summary.csv: %w; the chain CSVs are complete, so hmcc summary %s prints the summary (free space or fix the directory first to have it written)", err, r.OutputDir)}
	}
	if res.Interrupted {
		fmt.Fprintf(e.stdout, "PARTIAL RESULTS: interrupted after %d of %d draws per chain\n", res.DrawsDone, kept) // rows, as --thin keeps them
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
func watchSignals(sig <-chan os.Signal, cancel context.CancelFunc, finished <-chan struct{}, stderr io.Writer, sink *drawSink) {
	for first := true; ; first = false {
		select {
		case <-sig:
		case <-finished:
			return
		}
		sink.mu.Lock()
		if sink.summarising {
			fmt.Fprintf(stderr, "\ninterrupted: every draw is written; stopped without the summary (hmcc summary %s prints it)\n", sink.out.path)
			os.Exit(exitInterrupted)
		}
		sink.mu.Unlock()
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
	mu          sync.Mutex // held while rows are written, so an immediate exit never splits one
	m           *ir.Model
	names       []string
	chains      int
	out         *outputDir
	config      func(chain int) cmdstan.Config // each chain file's header
	writers     []*cmdstan.Writer              // nil until the first draw
	stepSizes   []float64                      // the adapted tuning, written with the first draw
	invMetric   []float64                      // the diagonal, or with a dense metric the whole matrix
	metric      string                         // CmdStan's name for the adapted metric: diag_e or dense_e
	kept        int                            // whole iterations in every chain's file
	marks       []int64                        // each file's length after those iterations
	failure     *writeFailure
	summarising bool // sampling is over and every row is written
	draws       *drawStore
	values      []float64
	rngs        []*rand.Rand // per chain, for generated draws; nil when the model draws none
	columns     []string     // the CSV's: names, then the log_lik columns with --log-lik
	logLik      bool         // values has the pointwise log-likelihood after the named quantities
	// warmupRngs are rngs' counterparts for saved warmup rows.
	warmupRngs []*rand.Rand
	thin       int     // keep iterations 0, thin, 2·thin, …
	lpOffset   float64 // subtracted from the sampler's log density to give lp__ (stanLP)
	nuts       bool    // treedepth__ is NUTS's; fixed-length trajectories build no tree and write 0
	saveWarmup bool
	metricDir  string // where output_<chain>_metric.json go; "" for none
	// divergences and depthHits count the kept rows' per chain.
	divergences, depthHits []int
	maxDepth               int
	progress               *progress // told each iteration's divergences and step size; nil for none
}

// observe passes one iteration's divergences and mean step size to the progress display.
func (s *drawSink) observe(phase string, stats []runtime.Stats) {
	if s.progress == nil || len(stats) == 0 {
		return
	}
	div, eps := 0, 0.0
	for _, st := range stats {
		if st.Divergent {
			div++
		}
		eps += st.StepSize
	}
	s.progress.observe(phase, div, eps/float64(len(stats)))
}

// writeFailure is a chain file that could not be written (no space, an I/O error).
type writeFailure struct {
	path string
	err  error
}

func (f *writeFailure) Error() string {
	err := f.err
	var pe *os.PathError // its path may be the hidden name the file had before it was published
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Sprintf("writing %s: %v", f.path, err)
}

// Adapted records the adapted tuning. With --save-warmup the chain files already hold the
// warmup rows, so the adaptation block follows them now, as in CmdStan's files; otherwise it is
// written with the header when the first draw is ready (open).
func (s *drawSink) Adapted(stepSizes []float64, invMetric []float64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stepSizes = append([]float64(nil), stepSizes...)
	s.invMetric = append([]float64(nil), invMetric...)
	// A dense metric comes as the whole dim×dim matrix (runtime.Sink).
	if n := s.m.Dim(); n > 1 && len(invMetric) == n*n {
		s.metric = "dense_e"
	} else {
		s.metric = "diag_e"
	}
	if s.writers == nil {
		return nil
	}
	for c, w := range s.writers {
		if err := errors.Join(w.SetMetric(s.metric), w.Adaptation(s.stepSizes[c], s.invMetric)); err != nil {
			return s.fail(c, err)
		}
	}
	return s.writeMetrics()
}

// writeMetrics writes each chain's adapted step size and inverse metric to
// output_<chain>_metric.json (--save-metric), once the directory holds this run's files.
func (s *drawSink) writeMetrics() error {
	if s.metricDir == "" || s.stepSizes == nil {
		return nil
	}
	for c := range s.stepSizes {
		path := filepath.Join(s.metricDir, fmt.Sprintf("output_%d_metric.json", c+1))
		if err := writeMetricFile(path, s.stepSizes[c], s.diagonal()); err != nil {
			return ioError{fmt.Errorf("writing %s: %w", path, err)}
		}
	}
	return nil
}

// diagonal is the adapted inverse metric's diagonal: the metric file --metric-file reads back
// holds a diagonal metric.
func (s *drawSink) diagonal() []float64 {
	n := s.m.Dim()
	if s.metric != "dense_e" {
		return s.invMetric
	}
	d := make([]float64, n)
	for i := range d {
		d[i] = s.invMetric[i*n+i]
	}
	return d
}

// open makes every chain's file under a hidden name, writes its header (and the adaptation,
// when warmup is over), and only when all of them are written replaces the earlier run's files
// with them. A failure before that point removes the new files and leaves the directory as it
// was.
func (s *drawSink) open() error {
	ws := make([]*cmdstan.Writer, 0, s.chains)
	discard := func() {
		for _, w := range ws {
			w.Discard()
		}
	}
	for c := 0; c < s.chains; c++ {
		path := filepath.Join(s.out.path, fmt.Sprintf("output_%d.csv", c+1))
		w, err := cmdstan.CreatePending(path, s.config(c), s.columns)
		if w != nil {
			ws = append(ws, w)
		}
		if err == nil && s.stepSizes != nil {
			err = errors.Join(w.SetMetric(s.metric), w.Adaptation(s.stepSizes[c], s.invMetric))
		}
		if err != nil {
			discard()
			return ioError{fmt.Errorf("cannot write the chain files into %s: %w; nothing in it was changed; %s", s.out.path, err, writeAdvice(err, s.out.path))}
		}
	}
	if err := s.out.commit(); err != nil {
		discard()
		return ioError{err}
	}
	for _, w := range ws {
		if err := w.Publish(); err != nil {
			discard()
			return ioError{fmt.Errorf("cannot write the chain files into %s: %w", s.out.path, err)}
		}
	}
	s.writers = ws
	s.marks = make([]int64, len(ws))
	for c, w := range ws {
		s.marks[c] = w.Written()
	}
	return s.writeMetrics()
}

// WarmupDraw writes the warmup rows --save-warmup asks for; they go to the CSVs only, never to
// the draws the diagnostics use.
func (s *drawSink) WarmupDraw(iter int, stats []runtime.Stats, theta []float64) error {
	s.observe("warmup", stats)
	if !s.saveWarmup || iter%s.thin != 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.writers == nil {
		if err := s.open(); err != nil {
			return err
		}
	}
	n := len(theta) / s.chains
	for c, st := range stats {
		if err := s.writeChain(c, theta[c*n:(c+1)*n], s.warmupRngs, st); err != nil {
			return err
		}
	}
	return s.flushAll()
}

// writeChain computes chain c's reported quantities (generated ones from its stream in rngs,
// when the model draws any) and pointwise log-likelihood at theta, and writes its CSV row.
func (s *drawSink) writeChain(c int, theta []float64, rngs []*rand.Rand, st runtime.Stats) error {
	var rng *rand.Rand
	if rngs != nil {
		rng = rngs[c]
	}
	if err := compiler.OutputsRand(s.m, theta, rng, s.values); err != nil {
		return err
	}
	if err := s.logLikValues(theta); err != nil {
		return err
	}
	if err := s.row(c, st); err != nil {
		return s.fail(c, err)
	}
	return nil
}

// flushAll flushes every chain's file and, when all succeeded, marks their lengths as the
// last whole iteration a write failure cuts back to.
func (s *drawSink) flushAll() error {
	for c, w := range s.writers {
		if err := w.Flush(); err != nil {
			return s.fail(c, err)
		}
	}
	for c, w := range s.writers {
		s.marks[c] = w.Written()
	}
	return nil
}

// logLikValues fills the pointwise log-likelihood columns after the named quantities (--log-lik).
func (s *drawSink) logLikValues(theta []float64) error {
	if !s.logLik {
		return nil
	}
	return compiler.LogLik(s.m, theta, s.values[len(s.names):])
}

// row writes one chain's CSV row from s.values, with lp__ and energy__ in Stan's convention.
func (s *drawSink) row(c int, st runtime.Stats) error {
	depth := st.TreeDepth
	if !s.nuts {
		depth = 0
	}
	return s.writers[c].Row(st.LogP-s.lpOffset, st.AcceptStat, st.StepSize, depth, st.NLeapfrog, st.Divergent, st.Energy+s.lpOffset, s.values)
}

// keptResult is res as the rows written after warmup show it: with --thin, fewer draws and the
// divergences and tree-depth hits among them.
func (s *drawSink) keptResult(res *runtime.Result) *runtime.Result {
	out := *res
	out.DrawsDone = s.kept
	out.Divergences = s.divergences
	if res.MaxTreeDepthHits != nil {
		out.MaxTreeDepthHits = s.depthHits
	}
	return &out
}

func (s *drawSink) Draw(iter int, stats []runtime.Stats, theta []float64) error {
	s.observe("sampling", stats)
	if iter%s.thin != 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.writers == nil {
		if err := s.open(); err != nil {
			return err
		}
	}
	iter /= s.thin
	n := len(theta) / s.chains
	for c, st := range stats {
		if err := s.writeChain(c, theta[c*n:(c+1)*n], s.rngs, st); err != nil {
			return err
		}
		if st.Divergent {
			s.divergences[c]++
		}
		if s.nuts && st.TreeDepth >= s.maxDepth {
			s.depthHits[c]++
		}
		if err := s.draws.set(0, c, iter, st.LogP-s.lpOffset); err != nil {
			return err
		}
		if err := s.draws.setEnergy(c, iter, st.Energy+s.lpOffset); err != nil {
			return err
		}
		for k, v := range s.values[:len(s.names)] {
			if err := s.draws.set(k+1, c, iter, v); err != nil {
				return err
			}
		}
	}
	if err := s.flushAll(); err != nil {
		return err
	}
	s.kept = iter + 1
	return nil
}

func (s *drawSink) fail(c int, err error) error {
	s.failure = &writeFailure{path: s.writers[c].Path(), err: err}
	return s.failure
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

// headerMetric is the metric the header names before warmup has chosen one (a file written
// from the first saved warmup row); the adaptation corrects it (Writer.SetMetric).
func headerMetric(metric string) string {
	if metric == "dense" {
		return "dense_e"
	}
	return "diag_e"
}

// engine is the CmdStan engine name recorded in the CSV header.
func engine(sampler string) string {
	if sampler == "nuts" {
		return "nuts"
	}
	return "static"
}
