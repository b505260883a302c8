package runtime

import (
	"math"

	"github.com/hmcc-dev/hmcc/runtime/rng"
)

// jitter is how a fixed-length kernel spreads its integration time over iterations.
type jitter int

const (
	// uniformJitter draws each iteration's time uniformly from (0, 2·Length), shared by all chains
	// (a population stream) so their trajectories stay about equally long and never resonate
	// with the posterior's periods.
	uniformJitter jitter = iota
	// haltonJitter integrates iteration k for halton(k)·Length: jittered, but evenly spread (ChEES).
	haltonJitter
)

// hmcKernel is fixed-length HMC: every chain integrates for the iteration's time with its own
// step size (at least 1 and at most Tuning.MaxSteps leapfrog steps) and takes the Metropolis
// correction. Its buffers are scratch, reused by every call.
type hmcKernel struct {
	ev     *evaluator
	jitter jitter
	steps  []int
	h0     []float64
	div    []bool
	active []bool
	vel    []float64
	info   Info
	g, lp  []float64    // the proposal's gradient and log density
	ones   []int        // one leapfrog step per chain (initStepSize)
	heur   []rng.Stream // each chain's stream in initStepSize
	// metric is the transition's metric, for check, which leapfrogThen runs on the target's
	// workers; checkStep is k.check, bound once so that a step allocates nothing.
	metric    *Metric
	checkStep func(lo, hi int, vel []float64)
}

func newHMCKernel(ev *evaluator, j jitter) *hmcKernel {
	c, n := ev.c, ev.n
	k := &hmcKernel{ev: ev, jitter: j, steps: make([]int, c), h0: make([]float64, c), div: make([]bool, c),
		active: make([]bool, c), vel: make([]float64, n), g: make([]float64, c*n), lp: make([]float64, c), ones: make([]int, c),
		info: Info{Stats: make([]Stats, c), Proposal: make([]float64, c*n), Momentum: make([]float64, c*n)}}
	for i := range k.ones {
		k.ones[i] = 1
	}
	k.checkStep = k.check
	return k
}

// Step draws the iteration's leapfrog steps, momenta and Metropolis uniforms (iteration
// s.Iter's, before it counts this transition) and runs the transition.
func (k *hmcKernel) Step(r *Streams, s *State, tu *Tuning) (*Info, error) {
	it := uint32(s.Iter)
	s.Iter++
	k.drawSteps(r, it, s, tu, k.steps)
	n := k.ev.n
	for i := range s.LogP {
		r.Momentum(&tu.Metric, i, it, k.info.Momentum[i*n:(i+1)*n])
	}
	if err := k.transition(s, tu, k.steps, func(i int) float64 { return r.Accept(i, it) }); err != nil {
		return nil, err
	}
	return &k.info, nil
}

// drawSteps converts iteration it's integration time to each chain's number of leapfrog steps:
// ⌈t/ε⌉, at least 1 and at most tu.MaxSteps. s.Iter has already counted the iteration.
func (k *hmcKernel) drawSteps(r *Streams, it uint32, s *State, tu *Tuning, steps []int) {
	var t float64
	switch k.jitter {
	case uniformJitter:
		t = uniform(r.population(it, rng.Jitter)) * 2 * tu.Length
	case haltonJitter:
		t = halton(s.Iter) * tu.Length
	}
	for i, eps := range tu.StepSize {
		l := math.Ceil(t / eps)
		steps[i] = int(min(max(l, 1), float64(tu.MaxSteps)))
	}
}

// trialStep is one step of the step-size heuristic for every chain: each chain draws its
// momentum and then its Metropolis uniform in order from its stream in k.heur.
func (k *hmcKernel) trialStep(s *State, tu *Tuning) error {
	n := k.ev.n
	for i := range s.LogP {
		p := k.info.Momentum[i*n : (i+1)*n]
		normals(&k.heur[i], p)
		tu.Metric.scaleMomentum(p)
	}
	return k.transition(s, tu, k.ones, func(i int) float64 { return uniform(&k.heur[i]) })
}

// transition runs one HMC trajectory for every chain in lockstep from the momenta in
// k.info.Momentum and applies the Metropolis correction; chain i takes steps[i] leapfrog steps of
// size tu.StepSize[i] and is frozen once done. A chain whose energy error exceeds 1000 or becomes
// non-finite is marked divergent, frozen for the rest of the trajectory, and rejected; the others
// accept when uniform(i) is below their acceptance probability (uniform is not called for a
// divergent chain).
func (k *hmcKernel) transition(s *State, tu *Tuning, steps []int, uniform func(i int) float64) error {
	c, n := k.ev.c, k.ev.n
	m := &tu.Metric
	mom, x, g, lp := k.info.Momentum, k.info.Proposal, k.g, k.lp
	maxSteps := 0
	for _, l := range steps {
		maxSteps = max(maxSteps, l)
	}
	for i := 0; i < c; i++ {
		k.h0[i] = -s.LogP[i] + m.kinetic(mom[i*n:(i+1)*n], k.vel)
		k.div[i] = false
	}
	copy(x, s.Pos)
	copy(g, s.Grad)
	copy(lp, s.LogP)
	k.metric = m
	for l := 0; l < maxSteps; l++ {
		for i := range k.active {
			k.active[i] = !k.div[i] && l < steps[i]
		}
		if err := leapfrogThen(k.ev, m, tu.StepSize, k.active, x, mom, g, lp, k.vel, k.checkStep); err != nil {
			return err
		}
	}
	for i := 0; i < c; i++ {
		st := Stats{StepSize: tu.StepSize[i], NLeapfrog: steps[i], TreeDepth: treeDepth(steps[i])}
		accept := 0.0
		h := math.Inf(1)
		if !k.div[i] {
			h = -lp[i] + m.kinetic(mom[i*n:(i+1)*n], k.vel)
			accept = math.Min(1, math.Exp(k.h0[i]-h))
		}
		st.AcceptStat = accept
		st.Divergent = k.div[i]
		if !k.div[i] && uniform(i) < accept {
			copy(s.Pos[i*n:(i+1)*n], x[i*n:(i+1)*n])
			copy(s.Grad[i*n:(i+1)*n], g[i*n:(i+1)*n])
			s.LogP[i] = lp[i]
			st.Energy = h
		} else {
			st.Energy = k.h0[i]
		}
		st.LogP = s.LogP[i]
		k.info.Stats[i] = st
	}
	return nil
}

// check marks the chains of [lo, hi) that diverged in the step just taken; leapfrogThen runs it
// on the target's workers.
func (k *hmcKernel) check(lo, hi int, vel []float64) {
	n, m, mom, g, lp := k.ev.n, k.metric, k.info.Momentum, k.g, k.lp
	for i := lo; i < hi; i++ {
		if !k.active[i] {
			continue
		}
		h := -lp[i] + m.kinetic(mom[i*n:(i+1)*n], vel)
		if math.IsNaN(h) || math.IsInf(h, 0) || h-k.h0[i] > 1000 || !finiteRow(g[i*n:(i+1)*n]) {
			k.div[i] = true
		}
	}
}

// Transition is the CPU's fixed-length HMC transition with the draws given: chain i integrates
// in.Steps[i] leapfrog steps of size in.StepSize[i] from momentum in.Momentum (chains×dim) under
// the metric, and accepts when in.Uniform[i] is below its acceptance probability. s is updated in
// place (its Grad and LogP must be those at Pos). It is the transition the device-resident one
// (TrajectoryTarget.Transition) implements, and the reference its tests hold it to.
func Transition(t Target, s *State, metric Metric, in TransitionIn, out *TransitionOut) error {
	k := newHMCKernel(newEvaluator(t), uniformJitter)
	copy(k.info.Momentum, in.Momentum)
	tu := &Tuning{StepSize: in.StepSize, Metric: metric}
	if err := k.transition(s, tu, in.Steps, func(i int) float64 { return in.Uniform[i] }); err != nil {
		return err
	}
	for i, st := range k.info.Stats {
		out.Accept[i], out.Energy[i], out.LogP[i], out.Diverged[i] = st.AcceptStat, st.Energy, st.LogP, st.Divergent
	}
	if out.Position != nil {
		copy(out.Position, s.Pos)
	}
	return nil
}

// NewState evaluates the log density and gradient of t at theta (chains×dim) and returns the
// chains' state there.
func NewState(t Target, theta []float64) (*State, error) {
	s := newState(t.Chains(), t.Dim())
	copy(s.Pos, theta)
	if err := t.LogDensityGrad(s.Pos, s.LogP, s.Grad); err != nil {
		return nil, err
	}
	return s, nil
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
// step size in tu until its one-step acceptance crosses 0.8. Trial steps do not move the chains.
// Chain i draws from its stream (s.Iter, Adapt): the heuristic runs before iteration s.Iter.
func (k *hmcKernel) initStepSize(r *Streams, s *State, tu *Tuning) error {
	if len(k.heur) != k.ev.c {
		k.heur = make([]rng.Stream, k.ev.c)
	}
	for i := range k.heur {
		r.reset(&k.heur[i], i, uint32(s.Iter), rng.Adapt)
	}
	const target = 0.8
	pos := append([]float64(nil), s.Pos...)
	grad := append([]float64(nil), s.Grad...)
	logp := append([]float64(nil), s.LogP...)
	restore := func() {
		copy(s.Pos, pos)
		copy(s.Grad, grad)
		copy(s.LogP, logp)
	}
	defer restore()
	stats := k.info.Stats
	if err := k.trialStep(s, tu); err != nil {
		return err
	}
	dir := make([]float64, k.ev.c)
	done := make([]bool, k.ev.c)
	for i, st := range stats {
		dir[i] = 1
		if st.AcceptStat < target {
			dir[i] = -1
		}
	}
	for round := 0; round < 50; round++ {
		active := false
		for i := range tu.StepSize {
			if done[i] {
				continue
			}
			next := tu.StepSize[i] * math.Pow(2, dir[i])
			if next < 1e-12 || next > 1e7 {
				done[i] = true
				continue
			}
			tu.StepSize[i] = next
			active = true
		}
		if !active {
			return nil
		}
		restore()
		if err := k.trialStep(s, tu); err != nil {
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
