package dist

import "math"

// ln2 is log 2.
const ln2 = 0.6931471805599453094172321214581765680755

// lbeta returns log B(a, b) = lgamma(a) + lgamma(b) − lgamma(a + b).
func lbeta(a, b float64) float64 {
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	return la + lb - lab
}

// betaLogDensity is the Beta(α, β) log density, as Stan's beta_lpdf:
//
//	log p(x | α, β) = (α − 1) log x + (β − 1) log(1 − x) − log B(α, β),  0 < x < 1,
//
// with ∂/∂x = (α − 1)/x − (β − 1)/(1 − x), ∂/∂α = log x + ψ(α + β) − ψ(α) and
// ∂/∂β = log(1 − x) + ψ(α + β) − ψ(β).
func betaLogDensity(x float64, p, d []float64) float64 {
	a, b := p[0], p[1]
	if !UnitInterval.Contains(x) || !Positive.Contains(a) || !Positive.Contains(b) {
		return outside(d, 3)
	}
	logX, log1mX := math.Log(x), math.Log1p(-x)
	if d != nil {
		dab := digamma(a + b)
		d[0] = (a-1)/x - (b-1)/(1-x)
		d[1] = logX + dab - digamma(a)
		d[2] = log1mX + dab - digamma(b)
	}
	return (a-1)*logX + (b-1)*log1mX - lbeta(a, b)
}

// uniformLogDensity is the Uniform(a, b) log density on the closed interval [a, b], as Stan's
// uniform_lpdf:
//
//	log p(x | a, b) = −log(b − a),  a ≤ x ≤ b,
//
// with ∂/∂x = 0, ∂/∂a = 1/(b − a) and ∂/∂b = −1/(b − a). It is −∞ unless a < b.
func uniformLogDensity(x float64, p, d []float64) float64 {
	lo, hi := p[0], p[1]
	if !Real.Contains(x) || !Real.Contains(lo) || !Real.Contains(hi) || !(lo < hi) || x < lo || x > hi {
		return outside(d, 3)
	}
	w := hi - lo
	if d != nil {
		d[0], d[1], d[2] = 0, 1/w, -1/w
	}
	return -math.Log(w)
}

// laplaceLogDensity is the Laplace (double exponential) log density with location μ and scale
// σ, as Stan's double_exponential_lpdf:
//
//	log p(x | μ, σ) = −log 2 − log σ − |x − μ|/σ,
//
// with ∂/∂x = −sign(x − μ)/σ, ∂/∂μ = sign(x − μ)/σ and ∂/∂σ = (|x − μ|/σ − 1)/σ. At x = μ,
// where the density has a kink, sign is taken as 0 (Stan's choice).
func laplaceLogDensity(x float64, p, d []float64) float64 {
	mu, sigma := p[0], p[1]
	if !Real.Contains(x) || !Real.Contains(mu) || !Positive.Contains(sigma) {
		return outside(d, 3)
	}
	r := x - mu
	a := math.Abs(r) / sigma
	if d != nil {
		s := 0.0
		switch {
		case r > 0:
			s = 1
		case r < 0:
			s = -1
		}
		d[0] = -s / sigma
		d[1] = s / sigma
		d[2] = (a - 1) / sigma
	}
	return -ln2 - math.Log(sigma) - a
}

// logisticLogDensity is the Logistic(μ, s) log density, as Stan's logistic_lpdf:
//
//	log p(x | μ, s) = −z − log s − 2 log(1 + e^−z),  z = (x − μ)/s,
//
// evaluated as −|z| − log s − 2 log1p(e^−|z|) (the density is symmetric in z), with
// ∂/∂x = −tanh(z/2)/s, ∂/∂μ = tanh(z/2)/s and ∂/∂s = (z tanh(z/2) − 1)/s.
func logisticLogDensity(x float64, p, d []float64) float64 {
	mu, s := p[0], p[1]
	if !Real.Contains(x) || !Real.Contains(mu) || !Positive.Contains(s) {
		return outside(d, 3)
	}
	z := (x - mu) / s
	a := math.Abs(z)
	e := math.Exp(-a)
	if d != nil {
		th := (1 - e) / (1 + e) // tanh(|z|/2)
		if z < 0 {
			th = -th
		}
		d[0] = -th / s
		d[1] = th / s
		d[2] = (z*th - 1) / s
	}
	return -a - math.Log(s) - 2*math.Log1p(e)
}

// inverseGammaLogDensity is the InverseGamma(α, β) log density with shape α and scale β (1/x
// is Gamma(α, rate β)), as Stan's inv_gamma_lpdf:
//
//	log p(x | α, β) = α log β − lgamma(α) − (α + 1) log x − β/x,
//
// with ∂/∂x = (β/x − α − 1)/x, ∂/∂α = log β − ψ(α) − log x and ∂/∂β = α/β − 1/x.
func inverseGammaLogDensity(x float64, p, d []float64) float64 {
	alpha, beta := p[0], p[1]
	if !Positive.Contains(x) || !Positive.Contains(alpha) || !Positive.Contains(beta) {
		return outside(d, 3)
	}
	logX, logBeta := math.Log(x), math.Log(beta)
	lgAlpha, _ := math.Lgamma(alpha)
	if d != nil {
		d[0] = (beta/x - alpha - 1) / x
		d[1] = logBeta - digamma(alpha) - logX
		d[2] = alpha/beta - 1/x
	}
	return alpha*logBeta - lgAlpha - (alpha+1)*logX - beta/x
}

// weibullLogDensity is the Weibull(α, σ) log density with shape α and scale σ, as Stan's
// weibull_lpdf:
//
//	log p(x | α, σ) = log α − log σ + (α − 1) log(x/σ) − (x/σ)^α,  x > 0,
//
// with, writing L = log(x/σ) and t = (x/σ)^α, ∂/∂x = (α − 1 − α t)/x,
// ∂/∂α = 1/α + L (1 − t) and ∂/∂σ = α (t − 1)/σ.
func weibullLogDensity(x float64, p, d []float64) float64 {
	alpha, sigma := p[0], p[1]
	if !Positive.Contains(x) || !Positive.Contains(alpha) || !Positive.Contains(sigma) {
		return outside(d, 3)
	}
	logSigma := math.Log(sigma)
	L := math.Log(x) - logSigma
	t := math.Exp(alpha * L)
	if d != nil {
		d[0] = (alpha - 1 - alpha*t) / x
		d[1] = 1/alpha + L*(1-t)
		d[2] = alpha * (t - 1) / sigma
	}
	return math.Log(alpha) - logSigma + (alpha-1)*L - t
}

// halfStudentTLogDensity is the HalfStudentT(ν, σ) log density, the StudentT(ν, 0, σ) folded
// onto x ≥ 0:
//
//	log p(x | ν, σ) = log 2 + student_t_lpdf(x | ν, 0, σ),
//
// with the derivatives of studentTLogDensity. The boundary x = 0 is in the support.
func halfStudentTLogDensity(x float64, p, d []float64) float64 {
	nu, sigma := p[0], p[1]
	if !NonNegative.Contains(x) || !Positive.Contains(nu) || !Positive.Contains(sigma) {
		return outside(d, 3)
	}
	v, dx, dnu, dsigma := studentT(x, nu, sigma, d != nil)
	if d != nil {
		d[0], d[1], d[2] = dx, dnu, dsigma
	}
	return ln2 + v
}
