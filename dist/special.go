package dist

import "math"

// Digamma returns ψ(x) = d/dx lgamma(x) for x ≥ 0, the function the Gamma family's derivatives
// use here, for kernels outside this package that must agree with the registry.
func Digamma(x float64) float64 { return digamma(x) }

// LogSumExp is log Σ exp(xₖ) of a slice without overflow (shifted by the largest element): −∞
// for an empty slice or one of −∞ only, +∞ when an element is. The mixtures' densities, their
// fused kernels and the reference evaluator all use this one.
func LogSumExp(x []float64) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = max(m, v)
	}
	if math.IsInf(m, 0) {
		return m
	}
	s := 0.0
	for _, v := range x {
		s += math.Exp(v - m)
	}
	return m + math.Log(s)
}
