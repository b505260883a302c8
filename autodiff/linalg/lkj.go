package linalg

import (
	"math"

	"gonum.org/v1/gonum/mathext"
)

const (
	logPi = 1.14472988584940017414342735135305871 // log π
	log2  = 0.693147180559945309417232121458176568
)

// LKJCorrCholesky writes for each chain Stan's lkj_corr_cholesky_lpdf(l | η) with its
// normalising constant:
//
//	c(η, K) + Σ_{i=2..K} (K − i + 2η − 2) log lᵢᵢ     (i 1-based)
//
// where c is Stan's do_lkj_constant (Lewandowski, Kurowicka and Joe 2009, theorem 5), including
// its closed form at η = 1 exactly. l (K×K) and eta (one value) are each shared or per chain.
// When not nil, gl (C·K·K) and geta (C) receive the per-chain partials: (K − i + 2η − 2)/lᵢᵢ on the
// diagonal, and ∂c/∂η + 2 Σᵢ log lᵢᵢ, with ∂c/∂η from the general branch (Stan's η = 1 branch is a
// constant and would give 0 there). η ≤ 0 or a diagonal entry of l that is not positive gives −Inf
// and zero partials.
func LKJCorrCholesky(C, K int, l, eta, out, gl, geta []float64) {
	checkBatch("LKJCorrCholesky variate", l, K*K, C)
	checkBatch("LKJCorrCholesky shape", eta, 1, C)
	for c := 0; c < C; c++ {
		lc, e := at(l, K*K, c), at(eta, 1, c)[0]
		g := part(gl, K*K, c)
		var ge []float64
		if geta != nil {
			ge = geta[c : c+1]
		}
		if !(e > 0) || math.IsInf(e, 0) || !validFactor(K, lc) {
			out[c] = math.Inf(-1)
			zeroAll(g, ge)
			continue
		}
		lp, sumLog := lkjConstant(e, K), 0.0
		zeroAll(g)
		for i := 1; i < K; i++ {
			d := lc[i*K+i]
			coef := float64(K-i-1) + 2*e - 2
			ld := math.Log(d)
			lp += coef * ld
			sumLog += ld
			if g != nil {
				g[i*K+i] = coef / d
			}
		}
		out[c] = lp
		if ge != nil {
			ge[0] = lkjConstantDeta(e, K) + 2*sumLog
		}
	}
}

// lkjConstant is Stan's do_lkj_constant(eta, K), both branches.
func lkjConstant(eta float64, K int) float64 {
	km1 := K - 1
	if eta == 1 {
		c := 0.0
		for k := 1; k <= km1/2; k++ {
			c -= lgamma(2 * float64(k))
		}
		fK, fKm1 := float64(K), float64(km1)
		if K%2 == 1 {
			c -= 0.25*(fK*fK-1)*logPi - 0.25*fKm1*fKm1*log2 - fKm1*lgamma(0.5*(fK+1))
		} else {
			c -= 0.25*fK*(fK-2)*logPi + 0.25*(3*fK*fK-4*fK)*log2 + fK*lgamma(0.5*fK) - fKm1*lgamma(fK)
		}
		return c
	}
	c := float64(km1) * lgamma(eta+0.5*float64(km1))
	for k := 1; k <= km1; k++ {
		c -= 0.5*float64(k)*logPi + lgamma(eta+0.5*float64(km1-k))
	}
	return c
}

// lkjConstantDeta is the derivative in η of lkjConstant's general branch.
func lkjConstantDeta(eta float64, K int) float64 {
	km1 := K - 1
	d := float64(km1) * mathext.Digamma(eta+0.5*float64(km1))
	for k := 1; k <= km1; k++ {
		d -= mathext.Digamma(eta + 0.5*float64(km1-k))
	}
	return d
}

func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// NumCorrFree is the number of unconstrained values of a K×K correlation Cholesky factor,
// K(K−1)/2.
func NumCorrFree(K int) int { return K * (K - 1) / 2 }

// tanhLog1mSq returns z = tanh u and log(1 − z²) = 2 log sech u from one expm1 and one log:
// with m = expm1(−2|u|), |z| = −m/(2 + m) and log(1 − z²) = 2(log 2 − |u| − log(2 + m)). Both
// stay accurate at both ends (no 1 − z² cancellation for large |u|, no 1 − e^{−2|u|} one for
// small).
func tanhLog1mSq(u float64) (z, l float64) {
	a := math.Abs(u)
	m := math.Expm1(-2 * a)
	return math.Copysign(-m/(2+m), u), 2 * (log2 - a - math.Log(2+m))
}

// tanhOf is tanhLog1mSq's z alone: the same rounding as the forward pass, for the reverse.
func tanhOf(u float64) float64 {
	m := math.Expm1(-2 * math.Abs(u))
	return math.Copysign(-m/(2+m), u)
}

// CorrCholesky is Stan's cholesky_corr_constrain for each chain: the K(K−1)/2 unconstrained
// values u (shared or per chain) become canonical partial correlations zₖ = tanh uₖ, taken row by
// row along the strict lower triangle, and then the Cholesky factor l (C·K·K) of a correlation
// matrix: for row i, lᵢ₀ = z, lᵢⱼ = z √(1 − Σ_{k<j} lᵢₖ²), lᵢᵢ = √(1 − Σ_{k<i} lᵢₖ²). When logJ is
// not nil it receives the log-Jacobian Stan adds to the log density:
//
//	Σₖ log(1 − zₖ²) + Σᵢ Σ_{1≤j<i} ½ log(1 − Σ_{k<j} lᵢₖ²).
func CorrCholesky(C, K int, u, l, logJ []float64) {
	m := NumCorrFree(K)
	checkBatch("CorrCholesky input", u, m, C)
	checkBatch("CorrCholesky output", l, K*K, C)
	for c := 0; c < C; c++ {
		uc, lc := at(u, m, c), at(l, K*K, c)
		lj := 0.0
		for i := range lc {
			lc[i] = 0
		}
		if K > 0 {
			lc[0] = 1
		}
		k := 0
		for i := 1; i < K; i++ {
			row := lc[i*K : i*K+K]
			z, lz := tanhLog1mSq(uc[k])
			row[0] = z
			lj += lz
			k++
			s := row[0] * row[0]
			// Σⱼ ½ log(1 − sⱼ₋₁) = log Πⱼ √(1 − sⱼ₋₁): the square roots the row needs anyway,
			// multiplied up and logged once per row (each factor is in (0, 1], and at least lᵢᵢ).
			prod := 1.0
			for j := 1; j < i; j++ {
				r := math.Sqrt(1 - s)
				prod *= r
				if prod < 1e-200 { // keep the product from underflowing on a near-singular row
					lj += math.Log(prod)
					prod = 1
				}
				z, lz := tanhLog1mSq(uc[k])
				row[j] = z * r
				lj += lz
				k++
				s += row[j] * row[j]
			}
			lj += math.Log(prod)
			row[i] = math.Sqrt(1 - s)
		}
		if logJ != nil {
			logJ[c] = lj
		}
	}
}

// CorrCholeskyRev adds to gu the reverse mode of CorrCholesky: gl (C·K·K, the adjoint of l, its
// lower triangle read) and glj (C, the adjoint of the log-Jacobian) may each be nil. It recomputes
// the forward pass row by row and walks each row backwards, carrying the adjoint of the running
// sum of squares.
func CorrCholeskyRev(C, K int, u, gl, glj, gu []float64, sc *Scratch) {
	m := NumCorrFree(K)
	checkBatch("CorrCholesky input", u, m, C)
	checkBatch("CorrCholesky input gradient", gu, m, C)
	work := sc.get(3 * K)
	x, z, sv := work[:K], work[K:2*K], work[2*K:3*K]
	for c := 0; c < C; c++ {
		uc, dc := at(u, m, c), at(gu, m, c)
		var g []float64
		if gl != nil {
			g = at(gl, K*K, c)
		}
		gj := 0.0
		if glj != nil {
			gj = glj[c]
		}
		k0 := 0
		for i := 1; i < K; i++ {
			// forward pass of row i: x (the row), z (its tanh values), sv[j] (Σ_{k≤j} xₖ²)
			s := 0.0
			for j := 0; j < i; j++ {
				z[j] = tanhOf(uc[k0+j])
				if j == 0 {
					x[0] = z[0]
				} else {
					x[j] = z[j] * math.Sqrt(1-s)
				}
				s += x[j] * x[j]
				sv[j] = s
			}
			sbar := 0.0 // adjoint of the running sum after column j
			if g != nil {
				sbar = -0.5 * g[i*K+i] / math.Sqrt(1-sv[i-1])
			}
			for j := i - 1; j >= 0; j-- {
				xbar := 2 * x[j] * sbar
				if g != nil {
					xbar += g[i*K+j]
				}
				zbar := xbar
				if j > 0 {
					r := math.Sqrt(1 - sv[j-1])
					zbar = xbar * r
					sbar += -0.5*xbar*z[j]/r - 0.5*gj/(1-sv[j-1])
				}
				dc[k0+j] += zbar*(1-z[j]*z[j]) - 2*gj*z[j]
			}
			k0 += i
		}
	}
}

// CorrCholeskyFree is Stan's cholesky_corr_free for one K×K factor l: the unconstrained values
// u (K(K−1)/2) with CorrCholesky(u) = l, for initial values.
func CorrCholeskyFree(K int, l, u []float64) {
	k := 0
	for i := 1; i < K; i++ {
		u[k] = math.Atanh(l[i*K])
		k++
		s := l[i*K] * l[i*K]
		for j := 1; j < i; j++ {
			u[k] = math.Atanh(l[i*K+j] / math.Sqrt(1-s))
			k++
			s += l[i*K+j] * l[i*K+j]
		}
	}
}
