package runtime

// The samplers are kernels in the manner of BlackJAX (mcmc/hmc.py, mcmc/nuts.py): a kernel's
// structure (which integrator, which jitter, which target) is fixed when it is built, and each
// call Step(streams, state, tuning) advances every chain by one transition. The chains are a batch
// dimension: positions and gradients are chains×dim, row-major. Warmup (adapt.go) is a separate
// init/update/final over the Tuning, and one loop (driver.go) drives both.

// State is where the chains are: for C chains of dimension D, Pos and Grad are C×D and LogP has
// C entries. Iter counts the transitions taken over the whole run, warmup then sampling: it is
// the index that addresses the next transition's random numbers (Streams), so a resumed run
// continues from it. Kernels whose integration time is jittered by a
// deterministic sequence (ChEES's Halton jitter) read it, as BlackJAX's DynamicHMCState carries
// its random_generator_arg.
type State struct {
	Pos, Grad []float64
	LogP      []float64
	Iter      int
}

func newState(c, n int) *State {
	return &State{Pos: make([]float64, c*n), Grad: make([]float64, c*n), LogP: make([]float64, c)}
}

// Tuning is what warmup adapts and a kernel reads on every call: each chain's step size, the
// inverse metric the chains share, the integration time of the fixed-length kernels (the mean
// when the kernel jitters it at random, the whole when by a sequence) and the cap on leapfrog
// steps per transition.
type Tuning struct {
	StepSize []float64 // per chain
	Metric   Metric
	Length   float64
	MaxSteps int
}

// Info is what a transition reports besides the new state. Stats are each chain's CmdStan
// sampler columns. Proposal and Momentum (chains×dim), set by the fixed-length kernel, are each
// chain's end of trajectory before the Metropolis decision and its momentum there, which ChEES's
// trajectory adaptation learns from. Deferred says the kernel kept the iteration where it runs
// (a device's ring); its statistics and draw come later from Flush.
type Info struct {
	Stats              []Stats
	Proposal, Momentum []float64
	Deferred           bool
}

// Kernel advances every chain by one transition: it reads the tuning, draws iteration s.Iter's
// numbers from the chains' streams (Streams), counts the iteration in s.Iter, updates s in place
// and returns the transition's Info, which stays valid until the next call.
type Kernel interface {
	Step(r *Streams, s *State, tu *Tuning) (*Info, error)
}

// deferring is a Kernel that can keep iterations where it runs (Info.Deferred) and hand them back
// together: Full says its store is full, Flush calls emit for each kept iteration in order with
// its statistics and positions, which it also makes s's.
type deferring interface {
	Kernel
	Full() bool
	Flush(s *State, tu *Tuning, emit func(stats []Stats, pos []float64) error) error
}

// evaluator is the target with the work counters every kernel adds to.
type evaluator struct {
	t     Target
	c, n  int
	grads int64 // chain-gradient evaluations, all chains together
	// rows is chains×dim scratch for per-chain work run on the target's workers (leapfrogThen):
	// a block of chains [lo, hi) uses row lo, which no other block uses.
	rows []float64
	// masked counts the evaluations of chains frozen while others finished their trajectory.
	masked int64
	// step is the leapfrog step in progress, whose callbacks the target's workers run; see step.
	step *step
}

func newEvaluator(t Target) *evaluator { return &evaluator{t: t, c: t.Chains(), n: t.Dim()} }

func (e *evaluator) eval(pos, logp, grad []float64) error {
	e.grads += int64(e.c)
	return e.t.LogDensityGrad(pos, logp, grad)
}

// blockTarget is a Target that can run per-chain work on the goroutines that evaluate its blocks
// of chains, around each block's evaluation (autodiff.Parallel): leapfrog moves its kicks and
// drift there, so that they are spread over the threads with the gradient instead of running
// serially between evaluations. Each chain's arithmetic is the same either way.
type blockTarget interface {
	LogDensityGradAround(theta, logp, grad []float64, before, after func(lo, hi int)) error
}

// leapfrog is the integrator every CPU kernel uses: one step for each chain i with active[i],
// of the signed step size eps[i] (NUTS integrates backward with −ε): a half kick p += ε/2·∇log p,
// a drift x += ε·Σp, the evaluation of every row at x, and the second half kick. A batched target
// evaluates all rows, so the inactive ones are evaluated too and counted as masked; their x, p
// and g must be finite points and are left as they were apart from g and lp. vel is scratch for a
// dense metric when the target runs the chains' updates on the caller's goroutine.
func leapfrog(ev *evaluator, m *Metric, eps []float64, active []bool, x, p, g, lp, vel []float64) error {
	return leapfrogThen(ev, m, eps, active, x, p, g, lp, vel, nil)
}

// leapfrogThen is leapfrog followed by then(lo, hi, scratch) for chains [lo, hi) once their step
// is done (nil: nothing), with scratch of length dim that no other call running at the same time
// uses: a kernel's per-step check of each chain (its energy) then runs on the target's workers
// too. then must touch only its chains' entries. A step allocates nothing (TestLeapfrogAllocs):
// then should be a function value made once, not a closure made per step.
func leapfrogThen(ev *evaluator, m *Metric, eps []float64, active []bool, x, p, g, lp, vel []float64,
	then func(lo, hi int, scratch []float64)) error {
	for _, on := range active {
		if !on {
			ev.masked++
		}
	}
	st := ev.step
	if st == nil {
		st = newStep(ev)
		ev.step = st
	}
	st.m, st.eps, st.active, st.x, st.p, st.g, st.then = m, eps, active, x, p, g, then
	if bt, ok := ev.t.(blockTarget); ok {
		ev.grads += int64(ev.c)
		if len(ev.rows) != ev.c*ev.n {
			ev.rows = make([]float64, ev.c*ev.n)
		}
		return bt.LogDensityGradAround(x, lp, g, st.before, st.after)
	}
	st.kickDrift(0, len(active), vel)
	if err := ev.eval(x, lp, g); err != nil {
		return err
	}
	st.kick(0, len(active))
	if then != nil {
		then(0, len(active), vel)
	}
	return nil
}

// step is one leapfrog step's arguments, for its parts that a blockTarget runs on its workers.
// The parts were closures over the arguments, made on every step; they escaped through the
// blockTarget interface, so every step allocated them. The evaluator keeps one step and binds its
// before and after method values once: a step fills in the arguments and allocates nothing.
type step struct {
	ev            *evaluator
	m             *Metric
	eps           []float64
	active        []bool
	x, p, g       []float64
	then          func(lo, hi int, scratch []float64)
	before, after func(lo, hi int) // st.blockBefore and st.blockAfter, bound once
}

func newStep(ev *evaluator) *step {
	st := &step{ev: ev}
	st.before, st.after = st.blockBefore, st.blockAfter
	return st
}

// kickDrift is the first half kick and the drift of chains [lo, hi); vel is the caller's
// scratch, one per goroutine.
func (st *step) kickDrift(lo, hi int, vel []float64) {
	n, m, eps, active, x, p, g := st.ev.n, st.m, st.eps, st.active, st.x, st.p, st.g
	for i := lo; i < hi; i++ {
		if !active[i] {
			continue
		}
		e := eps[i]
		if m.Chol != nil {
			for j := i * n; j < (i+1)*n; j++ {
				p[j] += 0.5 * e * g[j]
			}
			m.velocity(p[i*n:(i+1)*n], vel)
			for j, v := range vel {
				x[i*n+j] += e * v
			}
			continue
		}
		for j := i * n; j < (i+1)*n; j++ {
			p[j] += 0.5 * e * g[j]
			x[j] += e * m.Diag[j-i*n] * p[j]
		}
	}
}

// kick is the second half kick of chains [lo, hi).
func (st *step) kick(lo, hi int) {
	n, eps, active, p, g := st.ev.n, st.eps, st.active, st.p, st.g
	for i := lo; i < hi; i++ {
		if !active[i] {
			continue
		}
		e := eps[i]
		for j := i * n; j < (i+1)*n; j++ {
			p[j] += 0.5 * e * g[j]
		}
	}
}

// blockBefore and blockAfter run around the evaluation of the block of chains [lo, hi), with
// the block's row of the evaluator's scratch.
func (st *step) blockBefore(lo, hi int) {
	n := st.ev.n
	st.kickDrift(lo, hi, st.ev.rows[lo*n:(lo+1)*n])
}

func (st *step) blockAfter(lo, hi int) {
	st.kick(lo, hi)
	if st.then != nil {
		n := st.ev.n
		st.then(lo, hi, st.ev.rows[lo*n:(lo+1)*n])
	}
}
