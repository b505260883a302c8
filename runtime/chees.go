package runtime

import (
	"math"
	"slices"
)

// ChEES-HMC (Hoffman, Radul & Sountsov, "An Adaptive MCMC Scheme for Setting Trajectory Lengths
// in Hamiltonian Monte Carlo", AISTATS 2021). All chains share one step size, one trajectory
// length and one metric. The trajectory length T is learned during warmup by gradient ascent on
// the ChEES criterion, 1/4·E[(‖x′−E x‖² − ‖x−E x‖²)²], estimated across chains; each iteration
// integrates for h·T with h from a base-2 Halton sequence, so lengths are jittered but evenly
// spread. The constants below are those of TensorFlow Probability's
// GradientBasedTrajectoryLengthAdaptation, which the paper's authors wrote.
const (
	cheesTargetAccept   = 0.651 // optimal HMC acceptance for the harmonic mean (Beskos et al. 2013)
	cheesAdaptationRate = 0.025 // learning rate of the RMSProp-style update of log T
	cheesSqGradDecay    = 0.05  // weight of the newest squared gradient in its moving average
	cheesMaxLogUpdate   = 0.35  // |Δ log T| per iteration, about log(2)/2
)

// halton returns the i-th element (i ≥ 1) of the base-2 van der Corput sequence in (0, 1).
func halton(i int) float64 {
	h, f := 0.0, 0.5
	for ; i > 0; i >>= 1 {
		if i&1 == 1 {
			h += f
		}
		f /= 2
	}
	return h
}

// trajectoryAdapter learns the ChEES-optimal trajectory length.
type trajectoryAdapter struct {
	logT       float64
	avgSqGrad  float64
	avgLogT    float64
	iterations float64
}

// update takes one noisy gradient of the criterion with respect to log T (already weighted by
// acceptance and jitter) and moves log T. Non-finite gradients are discarded.
func (a *trajectoryAdapter) update(grad float64) {
	if math.IsNaN(grad) || math.IsInf(grad, 0) {
		return
	}
	a.iterations++
	a.avgSqGrad = (1-cheesSqGradDecay)*a.avgSqGrad + cheesSqGradDecay*grad*grad
	adjusted := a.avgSqGrad / (1 - math.Pow(1-cheesSqGradDecay, a.iterations))
	step := cheesAdaptationRate / math.Sqrt(adjusted+1e-20)
	a.logT += math.Max(-cheesMaxLogUpdate, math.Min(cheesMaxLogUpdate, step*grad))
	w := math.Pow(a.iterations, -0.5)
	a.avgLogT = w*a.logT + (1-w)*a.avgLogT
}

// cheesGradient estimates d ChEES / d log T from one batch of trajectories. prev and prop are the
// chains' states before and at the end of the trajectory, vel = dx/dt at the end (M⁻¹p), all in
// coordinates scaled by the metric so every direction counts alike; jitter is this iteration's
// Halton fraction. Each chain's term is weighted by its acceptance probability, as in the paper.
func cheesGradient(prev, prop, vel []float64, accept []float64, scale []float64, n int, jitter, T float64) float64 {
	c := len(accept)
	meanPrev := make([]float64, n)
	meanProp := make([]float64, n)
	wsum := 0.0
	for i := 0; i < c; i++ {
		w := accept[i]
		wsum += w
		for j := 0; j < n; j++ {
			meanPrev[j] += prev[i*n+j] / scale[j] / float64(c)
			if w > 0 {
				meanProp[j] += w * prop[i*n+j] / scale[j]
			}
		}
	}
	if wsum < 1e-20 {
		return math.NaN()
	}
	for j := range meanProp {
		meanProp[j] /= wsum
	}
	g, used := 0.0, 0.0
	for i := 0; i < c; i++ {
		if accept[i] <= 1e-4 {
			continue
		}
		var dPrev, dProp, dot float64
		for j := 0; j < n; j++ {
			a := prev[i*n+j]/scale[j] - meanPrev[j]
			b := prop[i*n+j]/scale[j] - meanProp[j]
			dPrev += a * a
			dProp += b * b
			dot += b * vel[i*n+j] / scale[j]
		}
		term := (dProp - dPrev) * dot * jitter
		if math.IsNaN(term) || math.IsInf(term, 0) {
			continue
		}
		g += accept[i] * term
		used += accept[i]
	}
	if used == 0 {
		return math.NaN()
	}
	// d/d log T = T · d/dT.
	return g / used * T
}

// cheesRule is ChEES-HMC's warmup (sampling runs the fixed-length kernel with Halton jitter).
// Warmup follows Stan's windows for the pooled metric. During the initial fast buffer each chain
// still tunes its own step size, so that a chain started far out in the tails (where it needs a
// much smaller step) can reach the typical set; from then on all chains share the step size,
// tuned by dual averaging on the harmonic mean of their acceptance probabilities. The trajectory
// length is learned from each warmup transition's proposals and end momenta (Info), in
// coordinates whitened by the current metric.
type cheesRule struct {
	adapter *trajectoryAdapter
	shared  *dualAveraging // nil until the initial buffer ends
	T       float64        // the trajectory length sampling uses
	windows int            // metric windows ended so far
	// prev holds the chains' positions before the transition observe sees (those update left).
	prev                             []float64
	accept, pooled                   []float64
	vel, wPrev, wProp, scale, rowVel []float64
}

func newCheesRule(c, n int) *cheesRule {
	r := &cheesRule{prev: make([]float64, c*n), accept: make([]float64, c), pooled: make([]float64, 0, c),
		vel: make([]float64, c*n), wPrev: make([]float64, c*n), wProp: make([]float64, c*n),
		scale: make([]float64, n), rowVel: make([]float64, n)}
	for j := range r.scale {
		r.scale[j] = 1 // cheesGradient gets whitened coordinates
	}
	return r
}

func (r *cheesRule) init(_ *adaptation, s *State, tu *Tuning) {
	r.adapter = &trajectoryAdapter{logT: math.Log(meanStepSize(tu.StepSize))}
	r.T = math.Exp(r.adapter.logT)
	tu.Length = r.T
	copy(r.prev, s.Pos)
}

func (r *cheesRule) setShared(tu *Tuning, eps float64) {
	for i := range tu.StepSize {
		tu.StepSize[i] = eps
	}
	r.shared = newDualAveraging(cheesTargetAccept, eps)
}

// observe takes one gradient step on log T from the transition's proposals and end momenta.
func (r *cheesRule) observe(a *adaptation, _ int, s *State, info *Info, tu *Tuning) {
	if a.dev.running() { // reduced where the chains are, from the same quantities
		r.adapter.update(a.devStats.Gradient)
		r.clamp(a, tu)
		return
	}
	for i, st := range info.Stats {
		r.accept[i] = st.AcceptStat
	}
	r.adapter.update(r.gradient(&tu.Metric, info.Proposal, info.Momentum, r.accept, a.good, halton(s.Iter), math.Exp(r.adapter.logT)))
	r.clamp(a, tu)
}

// gradient is d ChEES / d log T of the transition from r.prev to the proposals prop with end
// momenta mom (chains×dim) and acceptance probabilities accept under the metric m, the good
// chains' only, for the iteration's jitter and integration time length.
func (r *cheesRule) gradient(m *Metric, prop, mom, accept []float64, good []bool, jitter, length float64) float64 {
	c, n := len(accept), len(m.Diag)
	// The criterion is measured in whitened coordinates (L⁻¹x), where the metric's estimate
	// of the posterior is a standard normal, so every direction counts alike.
	for i := 0; i < c; i++ {
		o := i * n
		m.velocity(mom[o:o+n], r.rowVel)
		m.whiten(r.rowVel, r.vel[o:o+n])
		m.whiten(r.prev[o:o+n], r.wPrev[o:o+n])
		m.whiten(prop[o:o+n], r.wProp[o:o+n])
	}
	// Stray chains' trajectories say nothing about the posterior's scale: leave them out.
	copy(r.accept, accept)
	for i, g := range good {
		if !g {
			r.accept[i] = 0
		}
	}
	return cheesGradient(r.wPrev, r.wProp, r.vel, r.accept, r.scale, n, jitter, length)
}

// clamp never lets the trajectory ask for more than MaxSteps steps of the current step size.
func (r *cheesRule) clamp(a *adaptation, tu *Tuning) {
	r.adapter.logT = math.Min(r.adapter.logT, math.Log(meanStepSize(tu.StepSize)*float64(a.maxSteps)))
}

// next hands the next warmup transition its integration time and remembers where it starts.
func (r *cheesRule) next(s *State, tu *Tuning) {
	tu.Length = math.Exp(r.adapter.logT)
	copy(r.prev, s.Pos)
}

func (r *cheesRule) update(a *adaptation, it int, info *Info, tu *Tuning) {
	if r.shared == nil && !a.sched[it].initBuffer {
		r.setShared(tu, medianStepSize(tu.StepSize, a.good))
	}
	if r.shared == nil {
		a.perChainUpdate(info, tu)
		return
	}
	// The harmonic mean is dominated by the worst chains, as it should be for chains in the
	// posterior; a stray chain (markGood) would instead shrink the step for everyone.
	r.pooled = r.pooled[:0]
	for i, st := range info.Stats {
		if a.good[i] {
			r.pooled = append(r.pooled, st.AcceptStat)
		}
	}
	eps := r.shared.update(harmonicMean(r.pooled))
	for i := range tu.StepSize {
		setStepSize(tu, i, eps)
	}
}

func (r *cheesRule) windowEnd(a *adaptation, last bool, tu *Tuning) {
	eps := medianStepSize(tu.StepSize, a.good)
	r.setShared(tu, eps)
	r.windows++
	// The trajectory length was learned in the units of the old metric. It restarts from one
	// posterior sd in the new metric's units, where the estimate makes the posterior about
	// standard normal, and never below one step: below the criterion's first maximum (≈ 2.25 on
	// a Gaussian; with uniform jitter there are further maxima past π), so the climb finds that
	// one. It used to restart from one step, and below about two steps the search can stall:
	// every iteration's ⌈h·T/ε⌉ is one step, so the Halton jitter no longer spreads the lengths,
	// the gradient is always measured at the phase one step gives the stiffest directions
	// (negative when ε is near their stability limit), and log T random-walks by about
	// cheesAdaptationRate an iteration. Breast cancer, seed 1, kept T = 0.16 (1.7 steps)
	// through its whole 475-iteration last window and sampled with it: min bulk-ESS 6, R-hat 1.99.
	restart := math.Log(max(eps, 1))
	switch {
	case !last:
		r.adapter = &trajectoryAdapter{logT: restart}
	case r.windows == 1 || math.Exp(r.adapter.logT) < eps/2:
		// The last window's length is in the wrong units too when that window was the only one
		// (a warmup shorter than 200 iterations: it was learned under the unit metric warmup
		// started from) or when it is shorter than half the new metric's initial step size
		// (Stan's heuristic, one-step acceptance 0.8, finds about twice the step the shared
		// dual averaging settles on): the previous estimate was far from this one. Only the
		// terminal buffer remains, too short to climb from one step.
		r.adapter = &trajectoryAdapter{logT: restart}
	}
	// Otherwise the last window's length is kept: it was learned under an earlier estimate of
	// the same posterior, and the metric barely moves there.
}

func (r *cheesRule) final(_ *adaptation, adapted bool, tu *Tuning) {
	if adapted {
		eps := meanStepSize(tu.StepSize)
		if r.shared != nil {
			eps = r.shared.final()
		}
		for i := range tu.StepSize {
			setStepSize(tu, i, eps)
		}
		r.T = math.Exp(r.adapter.logT)
		if r.adapter.iterations > 0 {
			r.T = math.Exp(r.adapter.avgLogT)
		}
		r.T = math.Min(r.T, eps*float64(tu.MaxSteps))
	}
	tu.Length = r.T
}

// harmonicMean pools the chains' acceptance probabilities for the shared step size. It is
// dominated by the worst chains, so one chain that cannot move shrinks the step for all; zero
// counts as 1e-10 rather than as an infinite penalty.
func harmonicMean(a []float64) float64 {
	inv := 0.0
	for _, v := range a {
		inv += 1 / math.Max(v, 1e-10)
	}
	return float64(len(a)) / inv
}

// medianStepSize is the median of the good chains' step sizes (all chains' when none is marked
// good): the shared step size starts from a typical chain's, not from one pulled down by a
// chain stuck where it needs tiny steps.
func medianStepSize(eps []float64, good []bool) float64 {
	var v []float64
	for i, e := range eps {
		if good[i] {
			v = append(v, e)
		}
	}
	if len(v) == 0 {
		v = append(v, eps...)
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return math.Sqrt(v[len(v)/2-1] * v[len(v)/2])
}

// meanStepSize is the geometric mean of the chains' step sizes.
func meanStepSize(eps []float64) float64 {
	s := 0.0
	for _, e := range eps {
		s += math.Log(e)
	}
	return math.Exp(s / float64(len(eps)))
}
