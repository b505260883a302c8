package runtime

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// Metrics lists the --metric choices: a diagonal inverse metric (Stan's diag_e), a dense one
// (dense_e), or auto, which at the end of each metric window picks dense when it lets the chains
// take markedly larger steps (denseStepGain; dimensions up to denseMaxDim).
var Metrics = []string{"diag", "dense", "auto"}

// The dense metric. The inverse metric Σ (the estimated posterior covariance) has the Cholesky
// factor L (Σ = L Lᵀ). The momentum is p ~ N(0, Σ⁻¹), drawn as p = L⁻ᵀ z; the kinetic energy is
// ½ pᵀ Σ p and the velocity dx/dt = Σ p. A nil s.chol means the metric is diagonal (s.invMetric).

// drawMomentum fills p with a draw of N(0, M) for the current metric.
func (s *sampler) drawMomentum(p []float64) {
	if s.chol == nil {
		for j := range p {
			p[j] = s.rng.NormFloat64() / math.Sqrt(s.invMetric[j])
		}
		return
	}
	for j := range p {
		p[j] = s.rng.NormFloat64()
	}
	// Back substitution: Lᵀ p = z.
	n := s.n
	for i := n - 1; i >= 0; i-- {
		v := p[i]
		for k := i + 1; k < n; k++ {
			v -= s.chol[k*n+i] * p[k]
		}
		p[i] = v / s.chol[i*n+i]
	}
}

// velocity writes Σ p into v.
func (s *sampler) velocity(p, v []float64) {
	if s.chol == nil {
		for j, x := range p {
			v[j] = s.invMetric[j] * x
		}
		return
	}
	n := s.n
	for i := 0; i < n; i++ {
		row := s.dense[i*n : (i+1)*n]
		a := 0.0
		for k, x := range p {
			a += row[k] * x
		}
		v[i] = a
	}
}

// whiten writes L⁻¹ x into w (x / √Σᵢᵢ for a diagonal metric): coordinates in which the
// metric's posterior estimate is a standard normal.
func (s *sampler) whiten(x, w []float64) {
	if s.chol == nil {
		for j, v := range x {
			w[j] = v / math.Sqrt(s.invMetric[j])
		}
		return
	}
	n := s.n
	for i := 0; i < n; i++ {
		v := x[i]
		for k := 0; k < i; k++ {
			v -= s.chol[i*n+k] * w[k]
		}
		w[i] = v / s.chol[i*n+i]
	}
}

// setDense makes sigma (n×n, symmetric) the inverse metric; it reports false, leaving the
// metric as it was, when sigma is not positive definite.
func (s *sampler) setDense(sigma []float64) bool {
	n := s.n
	var ch mat.Cholesky
	if !ch.Factorize(mat.NewSymDense(n, append([]float64(nil), sigma...))) {
		return false
	}
	var l mat.TriDense
	ch.LTo(&l)
	s.chol = make([]float64, n*n)
	for i := 0; i < n; i++ {
		for k := 0; k <= i; k++ {
			s.chol[i*n+k] = l.At(i, k)
		}
	}
	s.dense = append(s.dense[:0], sigma...)
	for i := 0; i < n; i++ {
		s.invMetric[i] = sigma[i*n+i]
	}
	return true
}

// setDiag makes v the diagonal inverse metric.
func (s *sampler) setDiag(v []float64) {
	copy(s.invMetric, v)
	s.chol, s.dense = nil, nil
}

// denseMaxDim is the largest dimension for which auto considers a dense metric: beyond it the
// n² work per leapfrog step and the n² numbers each window must estimate outweigh what is won.
const denseMaxDim = 200

// denseStepGain is how much larger the dense metric's initial step size must be than the
// diagonal's for auto to choose it: a dense step costs n² more arithmetic per chain, and the
// heuristic step size has a factor-of-two resolution. Measured in docs/samplers.md.
const denseStepGain = 1.5
