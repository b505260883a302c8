package dist

// Digamma returns ψ(x) = d/dx lgamma(x) for x ≥ 0, the function the Gamma family's derivatives
// use here, for kernels outside this package that must agree with the registry.
func Digamma(x float64) float64 { return digamma(x) }
