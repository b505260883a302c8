package dist

import "math"

// The mass functions below have ∂/∂x = 0 (x is an integer) and ∂/∂n = 0 for a count parameter
// n, which must be data.

// lfactorial returns log x! = lgamma(x + 1).
func lfactorial(x float64) float64 {
	v, _ := math.Lgamma(x + 1)
	return v
}

// lchoose returns log of the binomial coefficient C(n, k), 0 ≤ k ≤ n.
func lchoose(n, k float64) float64 {
	return lfactorial(n) - lfactorial(k) - lfactorial(n-k)
}

// Softplus returns log(1 + e^x) without overflow for large x or loss of precision for very
// negative x. The IR's softplus and the logit transforms use it too (ir.Softplus).
func Softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

// InvLogit returns the logistic function 1/(1 + e^−x), computed from e^−|x| so it never
// overflows (ir.InvLogit re-exports it).
func InvLogit(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// xlogy returns x log y, taken as 0 when x = 0 (so 0 · log 0 = 0).
func xlogy(x, y float64) float64 {
	if x == 0 {
		return 0
	}
	return x * math.Log(y)
}

// bernoulliLogDensity is the Bernoulli(p) log mass, as Stan's bernoulli_lpmf:
//
//	log p(x | p) = x log p + (1 − x) log(1 − p),  x ∈ {0, 1}, 0 ≤ p ≤ 1,
//
// with ∂/∂p = 1/p for x = 1 and −1/(1 − p) for x = 0.
func bernoulliLogDensity(x float64, p, d []float64) float64 {
	pr := p[0]
	if !Binary.Contains(x) || !Probability.Contains(pr) {
		return outside(d, 2)
	}
	if (x == 1 && pr == 0) || (x == 0 && pr == 1) {
		return outside(d, 2)
	}
	if x == 1 {
		if d != nil {
			d[0], d[1] = 0, 1/pr
		}
		return math.Log(pr)
	}
	if d != nil {
		d[0], d[1] = 0, -1/(1-pr)
	}
	return math.Log1p(-pr)
}

// binomialLogDensity is the Binomial(n, p) log mass, as Stan's binomial_lpmf:
//
//	log p(x | n, p) = log C(n, x) + x log p + (n − x) log(1 − p),  x ∈ {0, …, n},
//
// with ∂/∂p = x/p − (n − x)/(1 − p) (each term left out where its count is 0).
func binomialLogDensity(x float64, p, d []float64) float64 {
	n, pr := p[0], p[1]
	if !Count.Contains(x) || !Count.Contains(n) || x > n || !Probability.Contains(pr) {
		return outside(d, 3)
	}
	if (x > 0 && pr == 0) || (x < n && pr == 1) {
		return outside(d, 3)
	}
	if d != nil {
		dp := 0.0
		if x > 0 {
			dp += x / pr
		}
		if x < n {
			dp -= (n - x) / (1 - pr)
		}
		d[0], d[1], d[2] = 0, 0, dp
	}
	v := lchoose(n, x) + xlogy(x, pr)
	if x < n {
		v += (n - x) * math.Log1p(-pr)
	}
	return v
}

// binomialLogitLogDensity is the Binomial log mass with the success probability on the
// log-odds scale l, as Stan's binomial_logit_lpmf:
//
//	log p(x | n, l) = log C(n, x) − x Softplus(−l) − (n − x) Softplus(l),
//
// with ∂/∂l = x σ(−l) − (n − x) σ(l) = x − n σ(l).
func binomialLogitLogDensity(x float64, p, d []float64) float64 {
	n, l := p[0], p[1]
	if !Count.Contains(x) || !Count.Contains(n) || x > n || !Real.Contains(l) {
		return outside(d, 3)
	}
	v := lchoose(n, x)
	if x > 0 {
		v -= x * Softplus(-l)
	}
	if x < n {
		v -= (n - x) * Softplus(l)
	}
	if d != nil {
		d[0], d[1], d[2] = 0, 0, x*InvLogit(-l)-(n-x)*InvLogit(l)
	}
	return v
}

// poissonLogDensity is the Poisson(λ) log mass with rate λ, as Stan's poisson_lpmf:
//
//	log p(x | λ) = x log λ − λ − log x!,  x ∈ {0, 1, …},
//
// with ∂/∂λ = x/λ − 1.
func poissonLogDensity(x float64, p, d []float64) float64 {
	lambda := p[0]
	if !Count.Contains(x) || !Positive.Contains(lambda) {
		return outside(d, 2)
	}
	if d != nil {
		d[0], d[1] = 0, x/lambda-1
	}
	return xlogy(x, lambda) - lambda - lfactorial(x)
}

// poissonLogLogDensity is the Poisson log mass with the rate on the log scale, λ = e^α, as
// Stan's poisson_log_lpmf:
//
//	log p(x | α) = x α − e^α − log x!,
//
// with ∂/∂α = x − e^α.
func poissonLogLogDensity(x float64, p, d []float64) float64 {
	alpha := p[0]
	if !Count.Contains(x) || !Real.Contains(alpha) {
		return outside(d, 2)
	}
	e := math.Exp(alpha)
	if d != nil {
		d[0], d[1] = 0, x-e
	}
	return x*alpha - e - lfactorial(x)
}

// risingSumMax is the largest count for which lrise sums its terms one by one.
const risingSumMax = 64

// lrise returns log Γ(x + φ) − log Γ(φ) = Σ_{k<x} log(φ + k) for a whole x ≥ 0, and its
// derivative in φ, ψ(x + φ) − ψ(φ) = Σ_{k<x} 1/(φ + k). Small counts are summed term by term,
// which avoids the cancellation between two large log-gamma values when φ is large.
func lrise(x, phi float64) (v, dv float64) {
	if x <= risingSumMax {
		for k := 0.0; k < x; k++ {
			v += math.Log(phi + k)
			dv += 1 / (phi + k)
		}
		return v, dv
	}
	a, _ := math.Lgamma(x + phi)
	b, _ := math.Lgamma(phi)
	return a - b, digamma(x+phi) - digamma(phi)
}

// negBinomial2LogDensity is the negative binomial log mass with mean μ and precision φ
// (variance μ + μ²/φ), as Stan's neg_binomial_2_lpmf:
//
//	log p(x | μ, φ) = log C(x + φ − 1, x) + x log(μ/(μ + φ)) + φ log(φ/(μ + φ))
//	                = lgamma(x + φ) − lgamma(φ) − log x! + x log μ − x log(μ + φ) − φ log1p(μ/φ),
//
// with ∂/∂μ = x/μ − (x + φ)/(μ + φ) and
// ∂/∂φ = ψ(x + φ) − ψ(φ) − log1p(μ/φ) + (μ − x)/(μ + φ).
func negBinomial2LogDensity(x float64, p, d []float64) float64 {
	mu, phi := p[0], p[1]
	if !Count.Contains(x) || !Positive.Contains(mu) || !Positive.Contains(phi) {
		return outside(d, 3)
	}
	lr, dlr := lrise(x, phi)
	mp := mu + phi
	l1 := math.Log1p(mu / phi)
	if d != nil {
		d[0] = 0
		d[1] = x/mu - (x+phi)/mp
		d[2] = dlr - l1 + (mu-x)/mp
	}
	return lr - lfactorial(x) + xlogy(x, mu) - xlogy(x, mp) - phi*l1
}
