package runtime

import "math"

// Warmup's adaptation statistics as functions of one batch of chains, exported for the GPU
// backend, whose kernels reduce them on the device (compiler/cudagen/adapt.go): its tests hold
// the device's numbers to these, which run the CPU warmup's own code (welford, cheesGradient,
// harmonicMean, Metric's whitening).

// Moments is warmup's running estimate of the posterior's moments for the metric (Stan's
// Welford accumulator, with the co-moments when dense).
type Moments struct{ w *welford }

// NewMoments starts an empty estimate over dim coordinates.
func NewMoments(dim int, dense bool) *Moments {
	if dense {
		return &Moments{w: newDenseWelford(dim)}
	}
	return &Moments{w: newWelford(dim)}
}

// Add adds the positions of the good chains (pos is chains×dim, chain-major) one chain after
// another, as a warmup iteration in a metric window does.
func (m *Moments) Add(pos []float64, good []bool) { m.w.addGood(pos, good) }

// N is the number of positions added.
func (m *Moments) N() float64 { return m.w.n }

// Mean and M2 are the per-coordinate mean and sum of squared deviations from it.
func (m *Moments) Mean() []float64 { return append([]float64(nil), m.w.mean...) }
func (m *Moments) M2() []float64   { return append([]float64(nil), m.w.m2...) }

// CoMoments is the dim×dim row-major sum of products of deviations, lower triangle (k ≤ j) only,
// the rest zero; nil unless dense.
func (m *Moments) CoMoments() []float64 {
	if m.w.cov == nil {
		return nil
	}
	return append([]float64(nil), m.w.cov...)
}

// Variance is Stan's regularised variance estimate from the moments (the diagonal metric warmup
// sets at the end of a window).
func (m *Moments) Variance() []float64 {
	v := make([]float64, len(m.w.mean))
	m.w.variance(v)
	return v
}

// CheesGradient is ChEES warmup's gradient of the criterion with respect to log T for one
// transition under the diagonal inverse metric invMetric, as cheesRule.observe computes it:
// prev, prop and mom (chains×dim) are the chains' starts, proposals and end momenta, accept
// their acceptance probabilities, good the chains markGood keeps (the others count as not
// accepted), jitter the iteration's Halton fraction and length the integration time T.
func CheesGradient(prev, prop, mom, accept []float64, good []bool, invMetric []float64, jitter, length float64) float64 {
	r := newCheesRule(len(accept), len(invMetric))
	copy(r.prev, prev)
	return r.gradient(&Metric{Diag: invMetric}, prop, mom, accept, good, jitter, length)
}

// HarmonicMean is the shared step size's dual-averaging input under ChEES: the harmonic mean of
// the good chains' acceptance probabilities (NaN when none is good).
func HarmonicMean(accept []float64, good []bool) float64 {
	var pooled []float64
	for i, g := range good {
		if g {
			pooled = append(pooled, accept[i])
		}
	}
	if len(pooled) == 0 {
		return math.NaN()
	}
	return harmonicMean(pooled)
}
