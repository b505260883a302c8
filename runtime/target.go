// Package runtime runs Hamiltonian Monte Carlo for many chains at once against a batched
// log-density target, adapts the step size and mass matrix during warmup, and reports draws.
package runtime

// Target is a log density over an unconstrained space, evaluated for a batch of chains at once.
// theta and grad are chains×dim, row-major; logp has one entry per chain. A chain whose density
// cannot be evaluated gets -Inf or NaN; the sampler treats that as a divergence.
type Target interface {
	Chains() int
	Dim() int
	LogDensityGrad(theta, logp, grad []float64) error
}
