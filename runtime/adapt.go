package runtime

import (
	"math"

	"github.com/hmcc-dev/hmcc/runtime/rng"
)

// dualAveraging tunes the step size towards a target acceptance statistic (Nesterov's dual
// averaging as in Hoffman & Gelman 2014, with Stan's constants).
type dualAveraging struct {
	target, gamma, t0, kappa float64
	mu, sBar, xBar           float64
	counter                  float64
}

func newDualAveraging(target, eps float64) *dualAveraging {
	d := &dualAveraging{target: target, gamma: 0.05, t0: 10, kappa: 0.75}
	d.restart(eps)
	return d
}

// restart begins a new adaptation phase around eps, as Stan does after each metric update.
func (d *dualAveraging) restart(eps float64) {
	d.mu = math.Log(10 * eps)
	d.sBar, d.xBar, d.counter = 0, 0, 0
}

// update takes the mean acceptance statistic of the last iteration and returns the next step size.
func (d *dualAveraging) update(accept float64) float64 {
	if math.IsNaN(accept) {
		accept = 0
	}
	accept = math.Min(1, accept)
	d.counter++
	eta := 1 / (d.counter + d.t0)
	d.sBar = (1-eta)*d.sBar + eta*(d.target-accept)
	x := d.mu - d.sBar*math.Sqrt(d.counter)/d.gamma
	w := math.Pow(d.counter, -d.kappa)
	d.xBar = (1-w)*d.xBar + w*x
	return math.Exp(x)
}

// final is the step size used after warmup: the averaged iterate.
func (d *dualAveraging) final() float64 { return math.Exp(d.xBar) }

// welford accumulates per-coordinate means and variances of draws pooled over all chains and,
// when cov is set, their full co-moment matrix.
type welford struct {
	n    float64
	mean []float64
	m2   []float64
	cov  []float64 // dim×dim co-moments, or nil
	d    []float64
}

func newWelford(dim int) *welford {
	return &welford{mean: make([]float64, dim), m2: make([]float64, dim), d: make([]float64, dim)}
}

// newDenseWelford also keeps the co-moments for a dense metric.
func newDenseWelford(dim int) *welford {
	w := newWelford(dim)
	w.cov = make([]float64, dim*dim)
	return w
}

func (w *welford) reset() {
	w.n = 0
	for i := range w.mean {
		w.mean[i], w.m2[i] = 0, 0
	}
	for i := range w.cov {
		w.cov[i] = 0
	}
}

// addGood adds the positions of the good chains (pos is chains×dim, chain-major), one chain
// after another.
func (w *welford) addGood(pos []float64, good []bool) {
	n := len(w.mean)
	for c, g := range good {
		if g {
			w.add(pos[c*n : (c+1)*n])
		}
	}
}

func (w *welford) add(x []float64) {
	w.n++
	for i, v := range x {
		w.d[i] = v - w.mean[i]
		w.mean[i] += w.d[i] / w.n
		w.m2[i] += w.d[i] * (v - w.mean[i])
	}
	if w.cov == nil {
		return
	}
	n := len(x)
	for i := 0; i < n; i++ {
		row := w.cov[i*n : (i+1)*n]
		di := w.d[i]
		for k := 0; k <= i; k++ {
			row[k] += di * (x[k] - w.mean[k])
		}
	}
}

// covariance returns Stan's regularised dense estimate (n/(n+5))·S + 1e-3·(5/(n+5))·I, S the
// sample covariance, in out (dim×dim).
func (w *welford) covariance(out []float64) {
	n := len(w.mean)
	for i := 0; i < n; i++ {
		for k := 0; k <= i; k++ {
			v := (w.n / (w.n + 5)) * w.cov[i*n+k] / (w.n - 1)
			if i == k {
				v += 1e-3 * (5 / (w.n + 5))
			}
			out[i*n+k], out[k*n+i] = v, v
		}
	}
}

// variance returns Stan's regularised estimate: shrunk towards 1e-3 with weight 5/(n+5).
func (w *welford) variance(out []float64) {
	for i := range out {
		v := w.m2[i] / (w.n - 1)
		out[i] = (w.n/(w.n+5))*v + 1e-3*(5/(w.n+5))
	}
}

// windows is Stan's warmup schedule: a fast initial buffer for the step size, slow windows
// doubling in length where the metric is estimated, and a terminal buffer for the final step size.
type windows struct {
	warmup, initBuffer, termBuffer, base int
	ends                                 []int // iteration (0-based, exclusive) at which each metric window ends
}

func newWindows(warmup int) windows { return newWindowsUpTo(warmup, math.MaxInt/4) }

// newWindowsUpTo is Stan's schedule with metric windows that stop doubling at maxWindow
// iterations: --warmup auto's, which judges adaptation after every window and so wants windows
// often enough to end warmup well before the cap.
func newWindowsUpTo(warmup, maxWindow int) windows {
	w := windows{warmup: warmup, initBuffer: 75, termBuffer: 50, base: 25}
	if warmup < 20 {
		return windows{warmup: warmup} // too short to adapt the metric
	}
	if w.initBuffer+w.base+w.termBuffer > warmup {
		w.initBuffer = int(0.15 * float64(warmup))
		w.termBuffer = int(0.1 * float64(warmup))
		w.base = warmup - (w.initBuffer + w.termBuffer)
	}
	end := warmup - w.termBuffer
	start, size := w.initBuffer, w.base
	for start < end {
		next := start + size
		grown := min(2*size, max(maxWindow, size))
		// stretch the last window to the terminal buffer rather than leave a short one
		if next+grown > end {
			next = end
		}
		w.ends = append(w.ends, next)
		start, size = next, grown
	}
	return w
}

// inSlow reports whether iteration i collects draws for the metric.
func (w windows) inSlow(i int) bool {
	return len(w.ends) > 0 && i >= w.initBuffer && i < w.ends[len(w.ends)-1]
}

// endsWindow reports whether iteration i is the last of a metric window.
func (w windows) endsWindow(i int) bool {
	for _, e := range w.ends {
		if i == e-1 {
			return true
		}
	}
	return false
}

// phase is one warmup iteration's place in the schedule, precomputed for the whole warmup.
type phase struct {
	initBuffer bool // in the initial fast buffer, before any metric window
	slow       bool // its positions join the metric estimate
	endsWindow bool // it ends a metric window
	lastWindow bool // that window is the last
	relocate   bool // stray chains are looked for and moved after it
	winPos     int  // in a metric window: the iteration's place in it (0-based), and
	winLen     int  // the window's length
}

// newSchedule lays out warmup: Stan's windows (newWindows) and the relocations (relocateAt).
func newSchedule(warmup int) []phase { return newScheduleFrom(newWindows(warmup)) }

// autoWindow is the longest metric window of --warmup auto's schedule.
const autoWindow = 200

func newScheduleFrom(w windows) []phase {
	warmup := w.warmup
	sched := make([]phase, warmup)
	for it := range sched {
		sched[it] = phase{initBuffer: it < w.initBuffer, slow: w.inSlow(it), endsWindow: w.endsWindow(it),
			relocate: relocateAt(w, it)}
		sched[it].lastWindow = sched[it].endsWindow && it == w.ends[len(w.ends)-1]-1
	}
	start := w.initBuffer
	for _, end := range w.ends {
		for it := start; it < end; it++ {
			sched[it].winPos, sched[it].winLen = it-start, end-start
		}
		start = end
	}
	return sched
}

// relocateEvery is how often, in warmup iterations, stray chains are looked for.
const relocateEvery = 25

// relocateAt reports whether iteration it ends a stretch after which stray chains are moved:
// every relocateEvery iterations until the last metric window starts, so the final metric and
// step size are learned from chains that have mixed on their own for a whole window.
func relocateAt(w windows, it int) bool {
	ends := w.ends
	if len(ends) == 0 || (it+1)%relocateEvery != 0 {
		return false
	}
	lastStart := w.initBuffer
	if len(ends) > 1 {
		lastStart = ends[len(ends)-2]
	}
	return it+1 <= lastStart
}

// adaptation is warmup as init/update/final over a Tuning: Stan's windows for the pooled
// metric, with a step-size rule plugged in. The default rule, used by hmc and nuts, is Stan's:
// every chain tunes its own step size by dual averaging toward the target acceptance. An update
// that is not finite (a step size, a metric estimate) is discarded, not applied.
type adaptation struct {
	sched    []phase
	target   float64
	metric   string // "diag", "dense" or "auto"
	maxSteps int    // Config.MaxSteps, the cap sampling uses
	est      *welford
	perChain []*dualAveraging
	// good marks the chains that are not stray (markGood): those the pooled adaptation learns
	// from.
	good []bool
	// heuristic runs the one-step transitions of Stan's initial step size heuristic.
	heuristic *hmcKernel
	rule      stepRule // nil: per-chain dual averaging
	// denseTrials records auto's comparisons, per metric window: the diagonal's and the dense
	// metric's median initial step size.
	denseTrials [][2]float64
	// densePaid says the last metric window's trial found the dense estimate's step size
	// denseStepGain times the diagonal's; auto takes dense only when two windows in a row do
	// (see denseStepGain in metric.go).
	densePaid bool
	// moved records the stray chains moved onto other chains' positions (see relocate).
	moved []Relocation
	// settle, with Config.WarmupAuto, judges after each metric window whether adaptation has
	// settled and then ends warmup after a terminal buffer of term iterations (settle.go).
	settle *settler
	term   int
	// dev, when warmup runs where the target keeps the chains, reduces the statistics there
	// (devicewarmup.go); nil on the host.
	dev      *deviceWarmup
	devStats AdaptStats // the device's reduction of the iteration being adapted to
	// learnsLength: the rule is ChEES's, which needs the gradient of its criterion.
	learnsLength bool
}

// stepRule is a kernel's own step-size (and trajectory) adaptation in place of the per-chain
// default: init after the initial step sizes are found, observe after each warmup transition
// (once the stray chains are marked, before any is relocated), update for the step sizes,
// windowEnd after each metric update, next at the end of every update (the tuning and start of
// the next transition are final then), and final for sampling's tuning (adapted: warmup ran to
// its end).
type stepRule interface {
	init(a *adaptation, s *State, tu *Tuning)
	observe(a *adaptation, it int, s *State, info *Info, tu *Tuning)
	update(a *adaptation, it int, info *Info, tu *Tuning)
	windowEnd(a *adaptation, last bool, tu *Tuning)
	next(s *State, tu *Tuning)
	final(a *adaptation, adapted bool, tu *Tuning)
}

func newAdaptation(ev *evaluator, cfg Config, rule stepRule) *adaptation {
	metric := cfg.Metric
	if metric == "" {
		metric = "diag"
	}
	good := make([]bool, ev.c)
	for i := range good {
		good[i] = true
	}
	a := &adaptation{sched: newSchedule(cfg.Warmup), target: cfg.TargetAccept, metric: metric, maxSteps: cfg.MaxSteps,
		good: good, heuristic: newHMCKernel(ev, uniformJitter), rule: rule}
	_, a.learnsLength = rule.(*cheesRule)
	if cfg.WarmupAuto {
		w := newWindowsUpTo(cfg.Warmup, autoWindow)
		a.sched, a.settle, a.term = newScheduleFrom(w), newSettler(ev.c, ev.n), w.termBuffer
	}
	return a
}

// init finds every chain's initial step size (when there is a warmup) and starts the estimators.
func (a *adaptation) init(r *Streams, s *State, tu *Tuning) error {
	n := len(tu.Metric.Diag)
	if len(a.sched) > 0 {
		if err := a.heuristic.initStepSize(r, s, tu); err != nil {
			return err
		}
	}
	a.est = newWelford(n)
	if a.metric == "dense" || (a.metric == "auto" && n <= denseMaxDim) {
		a.est = newDenseWelford(n)
	}
	a.perChain = make([]*dualAveraging, len(tu.StepSize))
	for i := range a.perChain {
		a.perChain[i] = newDualAveraging(a.target, tu.StepSize[i])
	}
	if a.dev != nil {
		a.dev.dense = a.est.cov != nil
	}
	if a.rule != nil {
		a.rule.init(a, s, tu)
	}
	return nil
}

// perChainUpdate is Stan's rule: each chain's own dual averaging on its own acceptance statistic.
func (a *adaptation) perChainUpdate(info *Info, tu *Tuning) {
	for i, st := range info.Stats {
		setStepSize(tu, i, a.perChain[i].update(st.AcceptStat))
	}
}

// setStepSize makes eps chain i's step size unless it is not a positive finite number.
func setStepSize(tu *Tuning, i int, eps float64) {
	if eps > 0 && !math.IsInf(eps, 1) {
		tu.StepSize[i] = eps
	}
}

// update tunes after warmup iteration it.
func (a *adaptation) update(r *Streams, it int, s *State, info *Info, tu *Tuning) error {
	ph := a.sched[it]
	n := len(tu.Metric.Diag)
	markGood(s.LogP, n, a.good)
	relocating := ph.relocate && strays(a.good) > 0
	dev := a.dev.running()
	if dev && (a.learnsLength || ph.slow && !relocating) {
		// One reduction: ChEES's statistics, and the positions for the metric unless stray
		// chains are about to move. tu.Length is exp(log T), which next set and observe uses.
		st, err := a.dev.reduce(a.good, halton(s.Iter), tu.Length, a.learnsLength, ph.slow && !relocating)
		if err != nil {
			return err
		}
		a.devStats = st
	}
	if a.rule != nil {
		a.rule.observe(a, it, s, info, tu)
	}
	if relocating {
		if dev {
			if err := a.dev.pull(s, false); err != nil {
				return err
			}
		}
		a.relocate(r, it, s, tu)
		markGood(s.LogP, n, a.good)
		if a.settle != nil {
			a.settle.strays = true
		}
		if dev {
			if err := a.dev.push(s, tu); err != nil {
				return err
			}
		}
	}
	if a.rule != nil {
		a.rule.update(a, it, info, tu)
	} else {
		a.perChainUpdate(info, tu)
	}
	if ph.slow {
		// Stray chains (far below the others' log density) are left out of the metric: their
		// spread is that of the road to the posterior, not of the posterior, and pooled in it
		// would give the chains that have arrived a metric orders of magnitude too wide.
		switch {
		case !dev:
			a.est.addGood(s.Pos, a.good)
		case relocating: // the moved chains' new positions, now on the device
			if _, err := a.dev.reduce(a.good, 0, 0, false, true); err != nil {
				return err
			}
		}
		if a.settle != nil {
			a.settle.add(ph.winPos, ph.winLen, s, a.good)
		}
	}
	if ph.endsWindow && a.settle != nil && !ph.lastWindow && a.settle.windowEnd(it, a.windowStep(tu)) {
		// Settled: this window's estimate is the final metric; the terminal buffer follows.
		a.sched = truncateAfter(a.sched, it, a.term)
		a.settle.settleAt = it
		ph = a.sched[it]
	}
	if ph.endsWindow {
		if dev {
			if err := a.dev.windowMoments(a.est); err != nil {
				return err
			}
			if err := a.dev.pull(s, true); err != nil { // for the step-size heuristic
				return err
			}
		}
		if err := a.setMetric(r, s, tu); err != nil {
			return err
		}
		a.est.reset()
		if err := a.heuristic.initStepSize(r, s, tu); err != nil {
			return err
		}
		for i := range a.perChain {
			a.perChain[i].restart(tu.StepSize[i])
		}
		if a.rule != nil {
			a.rule.windowEnd(a, ph.lastWindow, tu)
		}
		if dev {
			if err := a.dev.push(s, tu); err != nil {
				return err
			}
		}
	}
	if a.rule != nil {
		a.rule.next(s, tu)
	}
	return nil
}

// setMetric makes the window's estimate the metric: diagonal, dense, or (auto) dense when it
// lets the chains take larger steps (denseStepGain) in this window and the one before (see
// densePaid). A dense estimate that is not positive definite falls back to its diagonal; an
// estimate that is not finite is discarded.
func (a *adaptation) setMetric(r *Streams, s *State, tu *Tuning) error {
	n := len(tu.Metric.Diag)
	v := make([]float64, n)
	a.est.variance(v)
	if !finiteRow(v) {
		return nil
	}
	m := &tu.Metric
	if a.est.cov == nil {
		m.setDiag(v)
		return nil
	}
	sigma := make([]float64, n*n)
	a.est.covariance(sigma)
	if a.metric == "dense" {
		if !finiteRow(sigma) || !m.setDense(sigma) {
			m.setDiag(v)
		}
		return nil
	}
	// auto: the step size Stan's heuristic finds under each candidate, median over chains. The
	// trajectory needed is about as long under both (each whitens the estimated posterior), so
	// the number of leapfrog steps, the cost, goes as 1/ε.
	saved := append([]float64(nil), tu.StepSize...)
	all := make([]bool, len(saved))
	for i := range all {
		all[i] = true
	}
	trial := func() (float64, error) {
		copy(tu.StepSize, saved)
		if err := a.heuristic.initStepSize(r, s, tu); err != nil {
			return 0, err
		}
		return medianStepSize(tu.StepSize, all), nil
	}
	m.setDiag(v)
	epsDiag, err := trial()
	if err != nil {
		return err
	}
	if !finiteRow(sigma) || !m.setDense(sigma) {
		m.setDiag(v)
		copy(tu.StepSize, saved)
		a.densePaid = false
		return nil
	}
	epsDense, err := trial()
	if err != nil {
		return err
	}
	copy(tu.StepSize, saved)
	a.denseTrials = append(a.denseTrials, [2]float64{epsDiag, epsDense})
	paid := epsDense >= denseStepGain*epsDiag
	confirmed := paid && a.densePaid
	a.densePaid = paid
	if !confirmed {
		m.setDiag(v)
	}
	return nil
}

// Relocation is one move of stray chains during warmup: at iteration Iter (1-based), the chains
// Chains (1-based) were far below the others' log density and were put on the positions of
// chains picked at random among the rest.
type Relocation struct {
	Iter   int
	Chains []int
}

// relocate moves every stray chain onto the position of a chain picked at random among the good
// ones (drawn in order from the population stream (it, Adapt)), taking over that chain's step
// size and its dual-averaging state too. A chain that starts
// far out in the tails (or is caught on a ridge it cannot climb) otherwise drags the pooled
// adaptation: with a shared step size and metric it can stay there for the whole run. Warmup
// draws are not kept, so moving chains leaves the post-warmup draws valid.
func (a *adaptation) relocate(r *Streams, it int, s *State, tu *Tuning) {
	n := len(tu.Metric.Diag)
	var donors, moved []int
	for c, g := range a.good {
		if g {
			donors = append(donors, c)
		}
	}
	pick := r.population(uint32(it), rng.Adapt)
	for c, g := range a.good {
		if g {
			continue
		}
		d := donors[min(int(uniform(pick)*float64(len(donors))), len(donors)-1)]
		copy(s.Pos[c*n:(c+1)*n], s.Pos[d*n:(d+1)*n])
		copy(s.Grad[c*n:(c+1)*n], s.Grad[d*n:(d+1)*n])
		s.LogP[c] = s.LogP[d]
		tu.StepSize[c] = tu.StepSize[d]
		da := *a.perChain[d]
		a.perChain[c] = &da
		moved = append(moved, c+1)
	}
	a.moved = append(a.moved, Relocation{Iter: it + 1, Chains: moved})
}

// final fixes sampling's tuning: the averaged step sizes when warmup ran to its end (adapted),
// and the full cap on leapfrog steps.
func (a *adaptation) final(adapted bool, tu *Tuning) {
	tu.MaxSteps = a.maxSteps
	if a.rule != nil {
		a.rule.final(a, adapted, tu)
		return
	}
	if !adapted {
		return
	}
	for i := range a.perChain {
		setStepSize(tu, i, a.perChain[i].final())
	}
}
