package hmcc

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	goruntime "runtime"
	"sync"

	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/runtime"
	"github.com/hmcc-dev/hmcc/runtime/cmdstan"
	"github.com/hmcc-dev/hmcc/runtime/draws"
	"github.com/hmcc-dev/hmcc/runtime/rng"
)

// sink receives the sampler's iterations (runtime.Sink): it computes each draw's reported
// quantities, writes every chain's CSV row when there is an output directory, and keeps the
// draws the diagnostics need.
type sink struct {
	m         *Model
	names     []string
	chains    int
	out       *OutputDir                     // nil: draws kept in memory only
	config    func(chain int) cmdstan.Config // each chain file's header
	writers   []*cmdstan.Writer              // nil until the first draw
	stepSizes []float64                      // the adapted tuning, written with the first draw
	invMetric []float64                      // the diagonal, or with a dense metric the whole matrix
	metric    string                         // CmdStan's name for the adapted metric: diag_e or dense_e
	kept      int                            // whole iterations in every chain's file
	marks     []int64                        // each file's length after those iterations
	failure   *WriteFailure
	store     *DrawStore
	// rows holds every chain's values of the iteration being written (chains × columns), and
	// rowErrs what went wrong with each chain's (writeRows).
	rows    []float64
	rowErrs []error
	// gen and genRand are each chain's stream for generated draws (nil when the model draws
	// none): the row of run iteration t (warmup then sampling) of global chain g draws from
	// stream (g, t, Generate), so saved warmup rows and thinning leave the other rows as they are.
	gen        []rng.Stream
	genRand    []*rand.Rand
	genKey     rng.Key
	first      int      // the global id of chain 0
	warmup     int      // warmup iterations: sampling iteration i is run iteration warmup+i
	columns    []string // the CSV's: names, then the log_lik columns with LogLik
	logLik     bool     // each row's values have the pointwise log-likelihood after the named quantities
	thin       int      // keep iterations 0, thin, 2·thin, …
	lpOffset   float64  // subtracted from the sampler's log density to give lp__ (stanLP)
	nuts       bool     // treedepth__ is NUTS's; fixed-length trajectories build no tree and write 0
	saveWarmup bool
	metricDir  string // where output_<chain>_metric.json go; "" for none
	// divergences and depthHits count the kept rows' per chain.
	divergences, depthHits []int
	maxDepth               int
	observer               func(phase string, divergent int, stepSize float64)
	// warmupUsed is the warmup length the run used (WarmupLength), -1 until known.
	warmupUsed int
	// target is Config.TargetESS; the rest is what more needs to judge a round.
	target, maxDraws int
	superchains      int
	rounds           []Round
	// ck keeps the checkpoint (nil unless Output.Resumable).
	ck *checkpointer
}

func newSink(m *Model, t Target, cfg Config, superchains int, columns []string) *sink {
	names := m.Names()
	lpOffset, lpNote := stanLP(m.ir)
	iters := cfg.Draws
	if cfg.TargetESS > 0 {
		iters = cfg.MaxDraws
	}
	kept := (iters + cfg.Thin - 1) / cfg.Thin
	dir := ""
	if cfg.Output != nil {
		dir = cfg.Output.Dir.path
	}
	s := &sink{m: m, names: names, chains: t.Chains, store: NewDrawStore(dir, t.Chains, kept, 1+len(names)),
		columns: columns, logLik: cfg.LogLik, thin: cfg.Thin, lpOffset: lpOffset, nuts: cfg.Sampler == "nuts",
		divergences: make([]int, t.Chains), depthHits: make([]int, t.Chains), maxDepth: cfg.MaxTreeDepth, observer: cfg.Observe,
		warmupUsed: -1, target: cfg.TargetESS, maxDraws: cfg.MaxDraws, superchains: superchains}
	s.first, s.warmup, s.genKey = cfg.Shard.FirstChain(t.Chains), cfg.Warmup, rng.KeyOf(cfg.Seed)
	if compiler.Draws(m.ir) { // generate NAME ~ Dist: one random stream per chain, apart from the sampler's
		s.gen = make([]rng.Stream, t.Chains)
		for c := range s.gen {
			s.genRand = append(s.genRand, rand.New(&s.gen[c]))
		}
	}
	o := cfg.Output
	if o == nil {
		return s
	}
	s.out, s.saveWarmup = o.Dir, o.SaveWarmup
	if o.SaveMetric {
		s.metricDir = o.Dir.path
	}
	// The chain files are made when the first row is ready (open): a run that fails before
	// then leaves the output directory as it was.
	s.config = func(c int) cmdstan.Config {
		h := o.Header
		h.Chain, h.Seed, h.Warmup, h.Draws = s.first+c+1, cfg.Seed, cfg.Warmup, cfg.Draws
		if s.warmupUsed >= 0 { // --warmup auto: the length it chose
			h.Warmup = s.warmupUsed
		}
		h.Shard, h.RNG = cfg.Shard.String(), rng.Name
		if h.ModelHash == "" {
			h.ModelHash = m.SourceHash()
		}
		if h.DataHash == "" { // the hashes Compile took as it read the data
			h.DataHash = m.DataHash()
		}
		h.TargetAccept, h.PathLength, h.Engine, h.MaxDepth = cfg.TargetAccept, cfg.PathLength, engine(cfg.Sampler), cfg.MaxTreeDepth
		h.Thin, h.SaveWarmup, h.Sampler, h.MaxSteps = cfg.Thin, o.SaveWarmup, cfg.Sampler, cfg.MaxSteps
		h.Chains, h.Threads, h.Superchains, h.Device, h.Precision, h.LogDensity = t.Chains, t.Threads, superchains, t.Device, t.Precision, lpNote
		h.Bounds, h.RunID, h.Metric, h.LogLik = paramBounds(m.ir), o.Dir.runID, headerMetric(cfg.Metric), len(columns)-len(names)
		return h
	}
	return s
}

// observe passes one iteration's divergences and mean step size to the observer.
func (s *sink) observe(phase string, stats []runtime.Stats) {
	if s.observer == nil || len(stats) == 0 {
		return
	}
	div, eps := 0, 0.0
	for _, st := range stats {
		if st.Divergent {
			div++
		}
		eps += st.StepSize
	}
	s.observer(phase, div, eps/float64(len(stats)))
}

// lock holds the output directory's lock while rows are written, so an immediate exit never
// splits one.
func (s *sink) lock() func() {
	if s.out == nil {
		return func() {}
	}
	s.out.mu.Lock()
	return s.out.mu.Unlock
}

// Adapted records the adapted tuning. With SaveWarmup the chain files already hold the warmup
// rows, so the adaptation block follows them now, as in CmdStan's files; otherwise it is
// written with the header when the first draw is ready (open).
func (s *sink) Adapted(stepSizes []float64, invMetric []float64) error {
	defer s.lock()()
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

// WarmupLength records the warmup length the run used (runtime.WarmupLengthSink): the header
// says it, filled in place when the files were opened during warmup (SaveWarmup).
func (s *sink) WarmupLength(n int) error {
	defer s.lock()()
	s.warmupUsed = n
	s.warmup = n // post-warmup iterations are counted from here, as the sampler's streams are
	for c, w := range s.writers {
		if err := w.FillCount("num_warmup", n); err != nil {
			return s.fail(c, err)
		}
	}
	return nil
}

// writeMetrics writes each chain's adapted step size and inverse metric to
// output_<chain>_metric.json (SaveMetric), once the directory holds this run's files.
func (s *sink) writeMetrics() error {
	if s.metricDir == "" || s.stepSizes == nil {
		return nil
	}
	for c := range s.stepSizes {
		path := filepath.Join(s.metricDir, fmt.Sprintf("output_%d_metric.json", s.first+c+1))
		if err := cmdstan.WriteMetricFile(path, s.stepSizes[c], s.invMetric, s.m.Dim()); err != nil {
			return IOError{fmt.Errorf("writing %s: %w", path, err)}
		}
	}
	return nil
}

// open makes every chain's file under a hidden name, writes its header (and the adaptation,
// when warmup is over), and only when all of them are written replaces the earlier run's files
// with them. A failure before that point removes the new files and leaves the directory as it
// was.
func (s *sink) open() error {
	ws := make([]*cmdstan.Writer, s.chains)
	discard := func() {
		for _, w := range ws {
			if w != nil {
				w.Discard()
			}
		}
	}
	// Thousands of chains are thousands of files: they are made (and published) in parallel.
	errs := make([]error, s.chains)
	inParallel(s.chains, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			path := filepath.Join(s.out.path, fmt.Sprintf("output_%d.csv", s.first+c+1)) // named by global chain id
			w, err := cmdstan.CreatePending(path, s.config(c), s.columns)
			ws[c] = w
			if err == nil && s.stepSizes != nil {
				err = errors.Join(w.SetMetric(s.metric), w.Adaptation(s.stepSizes[c], s.invMetric))
			}
			errs[c] = err
		}
	})
	if err := firstError(errs); err != nil {
		discard()
		return IOError{fmt.Errorf("cannot write the chain files into %s: %w; nothing in it was changed; %s", s.out.path, err, WriteAdvice(err, s.out.path))}
	}
	if err := s.out.Commit(); err != nil {
		discard()
		return IOError{err}
	}
	inParallel(s.chains, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			errs[c] = ws[c].Publish()
		}
	})
	if err := firstError(errs); err != nil {
		discard()
		return IOError{fmt.Errorf("cannot write the chain files into %s: %w", s.out.path, err)}
	}
	s.writers = ws
	s.marks = make([]int64, len(ws))
	for c, w := range ws {
		s.marks[c] = w.Written()
	}
	if err := s.started(); err != nil {
		return err
	}
	return s.writeMetrics()
}

// WantsWarmupPositions: only a run that saves warmup draws reads their positions; the others
// let warmup keep them on the device (runtime.WarmupPositionsSink).
func (s *sink) WantsWarmupPositions() bool { return s.saveWarmup }

// WarmupDraw writes the warmup rows SaveWarmup asks for; they go to the CSVs only, never to
// the draws the diagnostics use.
func (s *sink) WarmupDraw(iter int, stats []runtime.Stats, theta []float64) error {
	s.observe("warmup", stats)
	if !s.saveWarmup || iter%s.thin != 0 {
		return nil
	}
	defer s.lock()()
	if s.writers == nil {
		if err := s.open(); err != nil {
			return err
		}
	}
	return s.writeRows(theta, iter, stats, nil)
}

// writeRows computes every chain's reported quantities at run iteration it (generated ones from
// its stream (g, it, Generate) when the model draws any) and pointwise log-likelihood into
// s.rows, calls keep (nil for none: the caller keeps the values it needs), then writes and
// flushes each chain's CSV row and, when every file took its row, marks their lengths as the
// last whole iteration a write failure cuts back to. Nothing is written unless every chain's
// values were computed and kept, so any failure leaves the files at a whole iteration. With
// many chains (a GPU run's thousands) the chains are split between goroutines: every chain
// has a file of its own, so rows are formatted and written in parallel, one file's rows still
// in order (the quantities' and log-likelihood's programs run one call at a time, under their
// lock; the constraint transforms run in parallel); errors are reported as the serial loop
// would, the lowest chain's first.
func (s *sink) writeRows(theta []float64, it int, stats []runtime.Stats, keep func() error) error {
	cols := len(s.columns)
	if len(s.rows) != s.chains*cols {
		s.rows = make([]float64, s.chains*cols)
		s.rowErrs = make([]error, s.chains)
	}
	n := len(theta) / s.chains
	compute := func(lo, hi int) {
		for c := lo; c < hi; c++ {
			s.rowErrs[c] = s.chainValues(c, theta[c*n:(c+1)*n], it, s.rows[c*cols:(c+1)*cols])
		}
	}
	if s.writers != nil {
		inParallel(s.chains, compute)
	} else {
		compute(0, s.chains) // in memory only: the values are all there is to do
	}
	if err := firstError(s.rowErrs); err != nil {
		return err
	}
	if keep != nil {
		if err := keep(); err != nil {
			return err
		}
	}
	if s.writers == nil {
		return nil
	}
	inParallel(s.chains, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			s.rowErrs[c] = s.row(c, stats[c], s.rows[c*cols:(c+1)*cols])
			if s.rowErrs[c] == nil {
				s.rowErrs[c] = s.writers[c].Flush()
			}
		}
	})
	for c, err := range s.rowErrs {
		if err != nil {
			return s.fail(c, err)
		}
	}
	for c, w := range s.writers {
		s.marks[c] = w.Written()
	}
	return nil
}

// inParallel runs part over chains [0, n) split into contiguous ranges, one goroutine each, up
// to GOMAXPROCS of them and at least parallelChainsMin chains each (a run of a few chains
// gains nothing from the fork and join, and runs part(0, n) here).
func inParallel(n int, part func(lo, hi int)) {
	workers := min(goruntime.GOMAXPROCS(0), n/parallelChainsMin)
	if workers <= 1 {
		part(0, n)
		return
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Go(func() { part(lo, hi) })
	}
	wg.Wait()
}

// parallelChainsMin is the fewest chains per goroutine inParallel splits them into.
const parallelChainsMin = 64

// firstError is the lowest chain's error, as a loop over the chains would have stopped at.
func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// chainValues computes chain c's values at run iteration it into values (writeRows). It
// touches only chain c's state: writeRows runs chains in parallel.
func (s *sink) chainValues(c int, theta []float64, it int, values []float64) error {
	var gen *rand.Rand
	if s.gen != nil {
		s.gen[c].Reset(s.genKey, uint32(s.first+c), uint32(it), rng.Generate)
		gen = s.genRand[c]
	}
	out, err := s.m.outputs()
	if err != nil {
		return err
	}
	if err := out.Quantities(theta, gen, values); err != nil {
		return err
	}
	if s.writers == nil {
		return nil // in memory only: no log-likelihood columns
	}
	return s.logLikValues(theta, values)
}

// logLikValues fills the pointwise log-likelihood columns after the named quantities (LogLik).
func (s *sink) logLikValues(theta, values []float64) error {
	if !s.logLik {
		return nil
	}
	out, err := s.m.outputs()
	if err != nil {
		return err
	}
	return out.LogLik(theta, values[len(s.names):])
}

// row writes one chain's CSV row from values, with lp__ and energy__ in Stan's convention.
func (s *sink) row(c int, st runtime.Stats, values []float64) error {
	depth := st.TreeDepth
	if !s.nuts {
		depth = 0
	}
	return s.writers[c].Row(st.LogP-s.lpOffset, st.AcceptStat, st.StepSize, depth, st.NLeapfrog, st.Divergent, st.Energy+s.lpOffset, values)
}

// keptResult is res as the rows kept after warmup show it: with Thin, fewer draws and the
// divergences and tree-depth hits among them.
func (s *sink) keptResult(res *runtime.Result) *runtime.Result {
	out := *res
	out.DrawsDone = s.kept
	out.Divergences = s.divergences
	if res.MaxTreeDepthHits != nil {
		out.MaxTreeDepthHits = s.depthHits
	}
	return &out
}

func (s *sink) Draw(iter int, stats []runtime.Stats, theta []float64) error {
	s.observe("sampling", stats)
	if iter%s.thin != 0 {
		return nil
	}
	defer s.lock()()
	if s.writers == nil && s.out != nil {
		if err := s.open(); err != nil {
			return err
		}
	}
	iter /= s.thin
	cols := len(s.columns)
	keep := func() error { // the draws the diagnostics use, before any row is written
		for c, st := range stats {
			if err := s.store.Set(0, c, iter, st.LogP-s.lpOffset); err != nil {
				return err
			}
			if err := s.store.SetEnergy(c, iter, st.Energy+s.lpOffset); err != nil {
				return err
			}
			for k, v := range s.rows[c*cols : c*cols+len(s.names)] {
				if err := s.store.Set(k+1, c, iter, v); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := s.writeRows(theta, s.warmup+iter*s.thin, stats, keep); err != nil {
		return err
	}
	for c, st := range stats { // counted with the rows that hold them
		if st.Divergent {
			s.divergences[c]++
		}
		if s.nuts && st.TreeDepth >= s.maxDepth {
			s.depthHits[c]++
		}
	}
	s.kept = iter + 1
	return nil
}

func (s *sink) fail(c int, err error) error {
	s.failure = &WriteFailure{Path: s.writers[c].Path(), Err: err}
	return s.failure
}

// DrawStore keeps the draws of every quantity and each chain's energy__ for the diagnostics, in
// bounded memory (package draws spills to a temporary file beyond DrawBudget).
type DrawStore struct {
	*draws.Store
	energy int // the store's index of energy__, after the named quantities
}

// DrawBudget is the memory a DrawStore buffers in before it spills to disk (a variable so a
// test can force spilling).
var DrawBudget = draws.DefaultBudget

// NewDrawStore makes a store of iters iterations of chains chains of quantities quantities and
// energy__; a spill file goes to dir (os.TempDir() if empty).
func NewDrawStore(dir string, chains, iters, quantities int) *DrawStore {
	return &DrawStore{Store: draws.New(dir, chains, quantities+1, iters, DrawBudget), energy: quantities}
}

// SetEnergy records chain c's energy__ at iteration it.
func (d *DrawStore) SetEnergy(c, it int, v float64) error { return d.Set(d.energy, c, it, v) }

// Energies returns each chain's first n energies.
func (d *DrawStore) Energies(n int) ([][]float64, error) { return d.Quantity(d.energy, n) }

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
