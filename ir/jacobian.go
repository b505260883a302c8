package ir

import "math"

// LogJacobian returns the log-Jacobian of the constraining transforms of every parameter of a
// bound model at θ, the term the log density adds so that it is a density of θ, and adds its
// gradient with respect to θ into grad (when grad is not nil). Subtracting both gives the log
// density of the parameters on their natural scale as a function of θ: the objective of a
// penalised maximum likelihood estimate (Stan's optimize with jacobian=false).
func (m *Model) LogJacobian(theta, grad []float64) float64 {
	lj := 0.0
	for _, p := range m.Params {
		x := theta[p.Offset : p.Offset+p.Len]
		var g []float64
		if grad != nil {
			g = grad[p.Offset : p.Offset+p.Len]
		}
		lj += p.Constraint.logJacobianGrad(x, g)
	}
	return lj
}

// logJacobianGrad is ConstrainAll's log-Jacobian for coordinates x, adding its gradient into g.
func (c Constraint) logJacobianGrad(x, g []float64) float64 {
	lj := 0.0
	switch c.Kind {
	case CorrCholesky: // one forward tangent per coordinate: K is small
		n := len(x)
		K := 1
		for K*(K-1)/2 < n {
			K++
		}
		L, dL, dx := make([]float64, K*K), make([]float64, K*K), make([]float64, n)
		for i := range x {
			if g == nil {
				break
			}
			clear(dx)
			dx[i] = 1
			_, d := CorrCholeskyConstrain(x, K, L, dx, dL)
			g[i] += d
		}
		lj, _ = CorrCholeskyConstrain(x, K, L, nil, nil)
	case Ordered: // Σₖ₌₂ xₖ
		for i := 1; i < len(x); i++ {
			lj += x[i]
			if g != nil {
				g[i]++
			}
		}
	case Simplex:
		// With uₖ = xₖ − log(K − 1 − k) (0-based k < K − 1) and log rₖ = −Σⱼ₍ⱼ<ₖ₎ softplus(uⱼ),
		// log|J| = Σₖ −softplus(−uₖ) − (K − 1 − k)·softplus(uₖ), so
		// ∂/∂xₖ = σ(−uₖ) − (K − 1 − k)·σ(uₖ).
		K := len(x) + 1
		for k, v := range x {
			n := float64(K - 1 - k)
			u := v - math.Log(n)
			lj += -Softplus(-u) - n*Softplus(u)
			if g != nil {
				g[k] += InvLogit(-u) - n*InvLogit(u)
			}
		}
	default:
		for i, v := range x {
			lj += c.LogJacobian(v)
			if g != nil {
				g[i] += c.DLogJacobian(v)
			}
		}
	}
	return lj
}
