// Package closedform holds log densities written out from the Stan Functions Reference (v2.3x,
// "Continuous Distributions" and "Binary Distributions") with package math only, independently of
// package dist, for tests that check hmcc's compiled densities against an implementation that
// shares none of their code. All include their normalising constants, as hmcc's do:
//
//	normal_lpdf(y | μ, σ)       = −½ log(2π) − log σ − ½ ((y − μ)/σ)²
//	gamma_lpdf(y | α, β)        = α log β − lgamma(α) + (α − 1) log y − β y
//	half-Cauchy(y | s)          = log 2 − log π − log s − log(1 + (y/s)²), y ≥ 0
//	exponential_lpdf(y | λ)     = log λ − λ y
//	bernoulli_logit_lpmf(y | η) = y η − log(1 + exp(η))
package closedform

import "math"

// Normal is normal_lpdf(y | mu, sigma).
func Normal(y, mu, sigma float64) float64 {
	z := (y - mu) / sigma
	return -0.5*math.Log(2*math.Pi) - math.Log(sigma) - 0.5*z*z
}

// Gamma is gamma_lpdf(y | alpha, beta) with shape alpha and rate beta.
func Gamma(y, alpha, beta float64) float64 {
	lg, _ := math.Lgamma(alpha)
	return alpha*math.Log(beta) - lg + (alpha-1)*math.Log(y) - beta*y
}

// HalfCauchy is the Cauchy(0, s) density truncated to y ≥ 0.
func HalfCauchy(y, s float64) float64 {
	z := y / s
	return math.Log(2) - math.Log(math.Pi) - math.Log(s) - math.Log(1+z*z)
}

// Exponential is exponential_lpdf(y | lambda).
func Exponential(y, lambda float64) float64 { return math.Log(lambda) - lambda*y }

// BernoulliLogit is y η − log(1 + e^η), with log(1 + e^η) = max(η, 0) + log1p(e^−|η|) so that
// it neither overflows nor loses precision.
func BernoulliLogit(y, eta float64) float64 {
	return y*eta - (math.Max(eta, 0) + math.Log1p(math.Exp(-math.Abs(eta))))
}
