package runtime

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// Metrics lists the --metric choices: a diagonal inverse metric (Stan's diag_e), a dense one
// (dense_e), or auto, which at the end of each metric window picks dense when it lets the chains
// take markedly larger steps, there and in the window before (denseStepGain; dimensions up to
// denseMaxDim).
var Metrics = []string{"diag", "dense", "auto"}

// Metric is the inverse metric Σ the chains share: its diagonal always, and when it is dense the
// whole matrix and its lower Cholesky factor (dim×dim, row-major); Dense and Chol are nil when it
// is diagonal.
type Metric struct {
	Diag        []float64
	Dense, Chol []float64
}

// unitMetric is the identity, where warmup starts without a metric file.
func unitMetric(n int) Metric {
	d := make([]float64, n)
	for i := range d {
		d[i] = 1
	}
	return Metric{Diag: d}
}

// The dense metric. The inverse metric Σ (the estimated posterior covariance) has the Cholesky
// factor L (Σ = L Lᵀ). The momentum is p ~ N(0, Σ⁻¹), drawn as p = L⁻ᵀ z; the kinetic energy is
// ½ pᵀ Σ p and the velocity dx/dt = Σ p. A nil Chol means the metric is diagonal (Diag).

// scaleMomentum turns p, standard normals z on entry, into a draw of N(0, M) for the current
// metric: z/√Σᵢᵢ for a diagonal metric, L⁻ᵀz for a dense one.
func (m *Metric) scaleMomentum(p []float64) {
	if m.Chol == nil {
		for j := range p {
			p[j] /= math.Sqrt(m.Diag[j])
		}
		return
	}
	// Back substitution: Lᵀ p = z.
	n := len(p)
	for i := n - 1; i >= 0; i-- {
		v := p[i]
		for k := i + 1; k < n; k++ {
			v -= m.Chol[k*n+i] * p[k]
		}
		p[i] = v / m.Chol[i*n+i]
	}
}

// velocity writes Σ p into v.
func (m *Metric) velocity(p, v []float64) {
	if m.Chol == nil {
		for j, x := range p {
			v[j] = m.Diag[j] * x
		}
		return
	}
	n := len(p)
	for i := 0; i < n; i++ {
		row := m.Dense[i*n : (i+1)*n]
		a := 0.0
		for k, x := range p {
			a += row[k] * x
		}
		v[i] = a
	}
}

// whiten writes L⁻¹ x into w (x / √Σᵢᵢ for a diagonal metric): coordinates in which the
// metric's posterior estimate is a standard normal.
func (m *Metric) whiten(x, w []float64) {
	if m.Chol == nil {
		for j, v := range x {
			w[j] = v / math.Sqrt(m.Diag[j])
		}
		return
	}
	n := len(x)
	for i := 0; i < n; i++ {
		v := x[i]
		for k := 0; k < i; k++ {
			v -= m.Chol[i*n+k] * w[k]
		}
		w[i] = v / m.Chol[i*n+i]
	}
}

// kinetic is the kinetic energy ½ pᵀΣp; vel is scratch of one row.
func (m *Metric) kinetic(p, vel []float64) float64 {
	k := 0.0
	if m.Chol != nil {
		m.velocity(p, vel)
		for i, v := range p {
			k += vel[i] * v
		}
		return 0.5 * k
	}
	for i, v := range p {
		k += m.Diag[i] * v * v
	}
	return 0.5 * k
}

// clone is a copy that shares nothing with m.
func (m Metric) clone() Metric {
	c := Metric{Diag: append([]float64(nil), m.Diag...)}
	if m.Chol != nil {
		c.Dense, c.Chol = append([]float64(nil), m.Dense...), append([]float64(nil), m.Chol...)
	}
	return c
}

// setDense makes sigma (n×n, symmetric) the inverse metric; it reports false, leaving the
// metric as it was, when sigma is not positive definite.
func (m *Metric) setDense(sigma []float64) bool {
	n := len(m.Diag)
	var ch mat.Cholesky
	if !ch.Factorize(mat.NewSymDense(n, append([]float64(nil), sigma...))) {
		return false
	}
	var l mat.TriDense
	ch.LTo(&l)
	m.Chol = make([]float64, n*n)
	for i := 0; i < n; i++ {
		for k := 0; k <= i; k++ {
			m.Chol[i*n+k] = l.At(i, k)
		}
	}
	m.Dense = append(m.Dense[:0], sigma...)
	for i := 0; i < n; i++ {
		m.Diag[i] = sigma[i*n+i]
	}
	return true
}

// setDiag makes v the diagonal inverse metric.
func (m *Metric) setDiag(v []float64) {
	copy(m.Diag, v)
	m.Chol, m.Dense = nil, nil
}

// denseMaxDim is the largest dimension for which auto considers a dense metric: beyond it the
// n² work per leapfrog step and the n² numbers each window must estimate outweigh what is won.
const denseMaxDim = 200

// denseStepGain is how much larger the dense metric's initial step size must be than the
// diagonal's for auto to choose it, in two metric windows in a row. A dense step costs n² more
// arithmetic per chain, and one window's trial is coarse: each chain's step size is found by
// doubling and halving at its current position, and the median over a few chains moves by a
// factor of two from window to window. More than one doubling (2.5), twice, is asked for
// because a single doubling was not evidence: on breast cancer's horseshoe (4 chains, seeds 1
// and 4) the gains by window were 1, 2, 2, 1, 2 and 0.7, 2, 1.4, 2, 2; a dense metric taken on
// them, fitted to a funnel that no linear map whitens, diverged where the diagonal did not (min
// bulk-ESS 12 and 358 against 863 and 623 with the diagonal). Posteriors a dense metric really
// helps gain far more in every window (poly_regression: 2.8 to 1000). Measured in
// docs/samplers.md.
const denseStepGain = 2.5
