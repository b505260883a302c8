package dist

import "math"

// dirichletLogDensity is the Dirichlet(α) log density of a simplex x (x_k > 0, Σ x_k = 1), as
// Stan's dirichlet_lpdf:
//
//	log p(x | α) = lgamma(Σ α_k) − Σ lgamma(α_k) + Σ (α_k − 1) log x_k,
//
// with ∂/∂x_k = (α_k − 1)/x_k and ∂/∂α_k = ψ(Σ α) − ψ(α_k) + log x_k. p[0] is α, of x's length.
// A point off the simplex (a coordinate outside (0, 1), or a sum further than 1e-8 from 1, Stan's
// tolerance) has density −∞.
func dirichletLogDensity(x []float64, p [][]float64, dx []float64, dp [][]float64) float64 {
	alpha := p[0]
	fail := func() float64 {
		if dx != nil {
			clear(dx)
			clear(dp[0])
		}
		return math.Inf(-1)
	}
	if len(alpha) != len(x) || len(x) < 2 {
		return fail()
	}
	sum, asum := 0.0, 0.0
	for k, v := range x {
		if !UnitInterval.Contains(v) || !Positive.Contains(alpha[k]) {
			return fail()
		}
		sum += v
		asum += alpha[k]
	}
	if math.Abs(sum-1) > simplexTolerance {
		return fail()
	}
	lgSum, _ := math.Lgamma(asum)
	v := lgSum
	for k, a := range alpha {
		lg, _ := math.Lgamma(a)
		v += (a-1)*math.Log(x[k]) - lg
	}
	if dx != nil {
		ds := digamma(asum)
		for k, a := range alpha {
			dx[k] = (a - 1) / x[k]
			dp[0][k] = ds - digamma(a) + math.Log(x[k])
		}
	}
	return v
}

// simplexTolerance is how far from 1 the sum of a simplex's coordinates may be (Stan's
// CONSTRAINT_TOLERANCE).
const simplexTolerance = 1e-8
