package autodiff

import (
	"math"

	"github.com/hmcc-dev/hmcc/dist"
)

// Fast paths, keyed by the id a dist row carries (dist.Dist.Fast); TestFastPathsMatchRows holds
// the two together.
//
// Normal and Gamma, the two densities hierarchical models use most, when their parameters are
// one value per chain (or one for all): priors such as beta ~ Normal(0, 1) and likelihoods such
// as y ~ Normal(mu, sigma). The generic loop calls the registry's density per
// element, recomputing log σ, or lgamma(α), log β and ψ(α), for every element; here they are
// computed once per chain. Each returns false, leaving the work to the generic loop, when its
// shapes are not covered or any value is outside the support or the parameter domains, so the
// registry's conventions for those cases (−Inf and zero derivatives) hold unchanged. Tests hold
// both to the registry (fastdensity_test.go).
//
// BernoulliLogit when the outcomes are data shared by all chains and the logits are one row per
// chain (bernoulliLogitFast).
var fastDensities = map[dist.FastPath]fastKernel{
	dist.FastNormal:         normalRows,
	dist.FastGamma:          gammaRows,
	dist.FastBernoulliLogit: bernoulliLogitFast,
}

// fastKernel evaluates a density term per chain into out, with the partial derivatives into
// partial where it is not nil, or returns false to leave it to the generic loop.
type fastKernel func(vals [][]float64, lays []layout, partial [][]float64, R, K int, out []float64) bool

// bernoulliLogitFast is y ~ BernoulliLogit(l) with y one row [1, K] that is not differentiated
// (observed outcomes, checked to be 0 or 1 when the data were bound) and l one row per chain
// [R, K]: the loop of bernoulliRows.
func bernoulliLogitFast(vals [][]float64, lays []layout, partial [][]float64, R, K int, out []float64) bool {
	ly, ll := lays[0], lays[1]
	// In shapes: y is [1, K] and l is [R, K] (each axis of an input is 1 or the broadcast size).
	if partial[0] != nil || ly.rs != 0 || K > 1 && (ly.cs != 1 || ll.cs != 1) || R > 1 && ll.rs == 0 {
		return false
	}
	bernoulliRows(vals[0], vals[1], partial[1], out, K)
	return true
}

const halfLog2Pi = 0.91893853320467274178 // ½ log 2π

// normalRows is x ~ Normal(μ, σ) with x and μ of any layout and σ one per chain or one in all.
func normalRows(vals [][]float64, lays []layout, partial [][]float64, R, K int, out []float64) bool {
	x, mu, sigma := vals[0], vals[1], vals[2]
	lx, lm, ls := lays[0], lays[1], lays[2]
	if ls.cs != 0 {
		return false
	}
	dx, dm, ds := partial[0], partial[1], partial[2]
	for r := 0; r < R; r++ {
		s := sigma[r*ls.rs]
		if !(s > 0 && s <= math.MaxFloat64) {
			return false
		}
		inv := 1 / s
		sumSq := 0.0
		for c := 0; c < K; c++ {
			xv, m := x[r*lx.rs+c*lx.cs], mu[r*lm.rs+c*lm.cs]
			z := (xv - m) * inv
			if math.IsNaN(z) || math.IsInf(z, 0) || math.IsInf(xv, 0) || math.IsInf(m, 0) {
				return false
			}
			sumSq += z * z
			j := r*K + c
			if dx != nil {
				dx[j] = -z * inv
			}
			if dm != nil {
				dm[j] = z * inv
			}
			if ds != nil {
				ds[j] = (z*z - 1) * inv
			}
		}
		out[r] = -0.5*sumSq - float64(K)*(math.Log(s)+halfLog2Pi)
	}
	return true
}

// gammaRows is x ~ Gamma(α, β) (shape, rate) with x of any layout and α, β one per chain or one
// in all.
func gammaRows(vals [][]float64, lays []layout, partial [][]float64, R, K int, out []float64) bool {
	x, alpha, beta := vals[0], vals[1], vals[2]
	lx, la, lb := lays[0], lays[1], lays[2]
	if la.cs != 0 || lb.cs != 0 {
		return false
	}
	dx, da, db := partial[0], partial[1], partial[2]
	for r := 0; r < R; r++ {
		a, b := alpha[r*la.rs], beta[r*lb.rs]
		if !(a > 0 && a <= math.MaxFloat64 && b > 0 && b <= math.MaxFloat64) {
			return false
		}
		lgA, _ := math.Lgamma(a)
		logB := math.Log(b)
		psi := 0.0
		if da != nil {
			psi = dist.Digamma(a)
		}
		acc := 0.0
		for c := 0; c < K; c++ {
			xv := x[r*lx.rs+c*lx.cs]
			if !(xv > 0 && xv <= math.MaxFloat64) {
				return false
			}
			logX := math.Log(xv)
			acc += (a-1)*logX - b*xv
			j := r*K + c
			if dx != nil {
				dx[j] = (a-1)/xv - b
			}
			if da != nil {
				da[j] = logB - psi + logX
			}
			if db != nil {
				db[j] = a/b - xv
			}
		}
		out[r] = acc + float64(K)*(a*logB-lgA)
	}
	return true
}
