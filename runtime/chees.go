package runtime

import (
	"context"
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

// sampleChEES runs ChEES-HMC. Warmup follows Stan's windows for the pooled diagonal metric.
// During the initial fast buffer each chain still tunes its own step size, so that a chain
// started far out in the tails (where it needs a much smaller step) can reach the typical set;
// from then on all chains share the step size, tuned by dual averaging on the harmonic mean of
// their acceptance probabilities.
func sampleChEES(ctx context.Context, t Target, cfg Config, sink Sink) (*Result, error) {
	s := newSampler(t, cfg.Seed)
	res := &Result{Divergences: make([]int, s.c)}
	if err := s.initialise(cfg.Init); err != nil {
		return nil, err
	}
	steps := make([]int, s.c)
	accept := make([]float64, s.c)
	pooled := make([]float64, 0, s.c)
	prev := make([]float64, s.c*s.n)
	vel := make([]float64, s.c*s.n)
	scale := make([]float64, s.n)
	for j := range scale {
		scale[j] = 1 // cheesGradient gets whitened coordinates
	}
	wPrev := make([]float64, s.c*s.n)
	wProp := make([]float64, s.c*s.n)
	var adapter *trajectoryAdapter
	var shared *dualAveraging
	T := 0.0  // the trajectory length used after warmup
	iter := 0 // Halton index, counting every iteration

	setShared := func(eps float64) {
		for i := range s.stepSize {
			s.stepSize[i] = eps
		}
		shared = newDualAveraging(cheesTargetAccept, eps)
	}
	advance := func(warmup bool, stats []Stats) error {
		if adapter == nil {
			adapter = &trajectoryAdapter{logT: math.Log(meanStepSize(s.stepSize))}
			T = math.Exp(adapter.logT)
		}
		length := T
		if warmup {
			length = math.Exp(adapter.logT)
		}
		iter++
		h := halton(iter)
		for i, eps := range s.stepSize {
			steps[i] = int(min(max(math.Ceil(h*length/eps), 1), float64(cfg.MaxSteps)))
		}
		copy(prev, s.pos)
		if err := s.transition(steps, stats); err != nil {
			return err
		}
		if !warmup {
			return nil
		}
		for i, st := range stats {
			accept[i] = st.AcceptStat
		}
		// The criterion is measured in whitened coordinates (L⁻¹x), where the metric's estimate
		// of the posterior is a standard normal, so every direction counts alike.
		for i := 0; i < s.c; i++ {
			r := i * s.n
			s.velocity(s.mom[r:r+s.n], s.vel)
			s.whiten(s.vel, vel[r:r+s.n])
			s.whiten(prev[r:r+s.n], wPrev[r:r+s.n])
			s.whiten(s.scratchPos[r:r+s.n], wProp[r:r+s.n])
		}
		// Stray chains' trajectories say nothing about the posterior's scale: leave them out.
		s.markGood()
		for i, g := range s.good {
			if !g {
				accept[i] = 0
			}
		}
		adapter.update(cheesGradient(wPrev, wProp, vel, accept, scale, s.n, h, length))
		// Never ask for more than MaxSteps steps of the current step size.
		adapter.logT = math.Min(adapter.logT, math.Log(meanStepSize(s.stepSize)*float64(cfg.MaxSteps)))
		return nil
	}
	adapt := newAdaptation(cfg)
	adapt.stepSize = func(s *sampler, it int, stats []Stats) {
		if shared == nil && it >= adapt.sched.initBuffer {
			setShared(medianStepSize(s.stepSize, s.good))
		}
		if shared == nil {
			adapt.perChainUpdate(s, stats)
			return
		}
		// The harmonic mean is dominated by the worst chains, as it should be for chains in the
		// posterior; a stray chain (markGood) would instead shrink the step for everyone.
		pooled = pooled[:0]
		for i, st := range stats {
			if s.good[i] {
				pooled = append(pooled, st.AcceptStat)
			}
		}
		eps := shared.update(harmonicMean(pooled))
		for i := range s.stepSize {
			s.stepSize[i] = eps
		}
	}
	adapt.windowEnd = func(s *sampler, it int, last bool) {
		eps := medianStepSize(s.stepSize, s.good)
		setShared(eps)
		// The trajectory length was learned in the units of the old metric. Restart its search
		// from one step so it climbs to the first maximum of the criterion again (on a Gaussian,
		// ChEES with uniform jitter has further local maxima past π). The last window is left
		// alone: the metric barely moves there and few iterations remain.
		if !last {
			adapter = &trajectoryAdapter{logT: math.Log(eps)}
		}
	}
	adapt.final = func(s *sampler) {
		eps := meanStepSize(s.stepSize)
		if shared != nil {
			eps = shared.final()
		}
		for i := range s.stepSize {
			s.stepSize[i] = eps
		}
		T = math.Exp(adapter.logT)
		if adapter.iterations > 0 {
			T = math.Exp(adapter.avgLogT)
		}
		T = math.Min(T, eps*float64(cfg.MaxSteps))
	}
	res, err := s.run(ctx, cfg, sink, res, advance, adapt)
	if res != nil {
		res.TrajectoryLength = T
	}
	return res, err
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
