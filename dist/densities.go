package dist

import "math"

// Mathematical constants, to more digits than float64 holds.
const (
	logPi          = 1.144729885849400174143427351353058711647   // log(π)
	log2Pi         = 1.837877066409345483560659472811235279723   // log(2π)
	halfLog2Pi     = log2Pi / 2                                  // ½ log(2π)
	log2OverPi     = -0.4515827052894548647261952298948821435718 // log(2/π)
	halfLog2OverPi = log2OverPi / 2                              // ½ log(2/π) = log 2 − ½ log(2π)
)

// outside zeroes the first n derivatives in d (if d is not nil) and returns
// the log density of a point outside the support, −∞.
func outside(d []float64, n int) float64 {
	if d != nil {
		clear(d[:n])
	}
	return math.Inf(-1)
}

// normalLogDensity is the Normal(μ, σ) log density
//
//	log p(x | μ, σ) = −½ log(2π) − log σ − ½ z²,  z = (x − μ)/σ,
//
// with ∂/∂x = −z/σ, ∂/∂μ = z/σ and ∂/∂σ = (z² − 1)/σ.
func normalLogDensity(x float64, p, d []float64) float64 {
	mu, sigma := p[0], p[1]
	if !Real.Contains(x) || !Real.Contains(mu) || !Positive.Contains(sigma) {
		return outside(d, 3)
	}
	z := (x - mu) / sigma
	if d != nil {
		d[0] = -z / sigma
		d[1] = z / sigma
		d[2] = (z*z - 1) / sigma
	}
	return -halfLog2Pi - math.Log(sigma) - 0.5*z*z
}

// gammaLogDensity is the Gamma(α, β) log density with shape α and rate β
// (mean α/β), as Stan's gamma_lpdf:
//
//	log p(x | α, β) = α log β − lgamma(α) + (α − 1) log x − β x,
//
// with ∂/∂x = (α − 1)/x − β, ∂/∂α = log β − ψ(α) + log x and
// ∂/∂β = α/β − x, where ψ is the digamma function.
func gammaLogDensity(x float64, p, d []float64) float64 {
	alpha, beta := p[0], p[1]
	if !Positive.Contains(x) || !Positive.Contains(alpha) || !Positive.Contains(beta) {
		return outside(d, 3)
	}
	logX, logBeta := math.Log(x), math.Log(beta)
	lgAlpha, _ := math.Lgamma(alpha)
	if d != nil {
		d[0] = (alpha-1)/x - beta
		d[1] = logBeta - digamma(alpha) + logX
		d[2] = alpha/beta - x
	}
	return alpha*logBeta - lgAlpha + (alpha-1)*logX - beta*x
}

// bernoulliLogitLogDensity is the Bernoulli log mass with the success
// probability given on the log-odds scale l, P(x = 1) = σ(l) = 1/(1 + e^−l):
//
//	log p(x | l) = x l − Softplus(l),  Softplus(l) = log(1 + e^l),
//
// with ∂/∂l = x − σ(l). It is evaluated as −Softplus(−l) for x = 1 and
// −Softplus(l) for x = 0, which is exact to rounding for every finite l.
func bernoulliLogitLogDensity(x float64, p, d []float64) float64 {
	l := p[0]
	if !Binary.Contains(x) || !Real.Contains(l) {
		return outside(d, 2)
	}
	// One exponential serves both the softplus and the sigmoid: with e = e^−|l|,
	// log1p(e) is the tail of Softplus(±l) and σ(±l) is 1/(1 + e) or e/(1 + e).
	// This term dominates logistic regressions, so the shared exp matters.
	s := l // the log-odds of the observed outcome: +l for x = 1, −l for x = 0
	if x == 0 {
		s = -l
	}
	e := math.Exp(-math.Abs(l))
	if d != nil {
		// ∂/∂l = x − σ(l) = ±σ(−s)
		var sigNeg float64 // σ(−s)
		if s >= 0 {
			sigNeg = e / (1 + e)
		} else {
			sigNeg = 1 / (1 + e)
		}
		d[0] = 0
		if x == 1 {
			d[1] = sigNeg
		} else {
			d[1] = -sigNeg
		}
	}
	return -(max(-s, 0) + math.Log1p(e))
}

// halfNormalLogDensity is the HalfNormal(σ) log density, the Normal(0, σ)
// folded onto x ≥ 0:
//
//	log p(x | σ) = log 2 − ½ log(2π) − log σ − ½ (x/σ)²,
//
// with ∂/∂x = −x/σ² and ∂/∂σ = ((x/σ)² − 1)/σ. The boundary x = 0 is in the
// support.
func halfNormalLogDensity(x float64, p, d []float64) float64 {
	sigma := p[0]
	if !NonNegative.Contains(x) || !Positive.Contains(sigma) {
		return outside(d, 2)
	}
	z := x / sigma
	if d != nil {
		d[0] = -z / sigma
		d[1] = (z*z - 1) / sigma
	}
	return halfLog2OverPi - math.Log(sigma) - 0.5*z*z
}

// log1pSquare returns, for the Cauchy kernel in z,
//
//	l = log(1 + z²),  r = 2z/(1 + z²) = dl/dz,  q = z²/(1 + z²),
//
// without overflow for large |z|.
func log1pSquare(z float64) (l, r, q float64) {
	a := math.Abs(z)
	if a <= 1 {
		z2 := z * z
		return math.Log1p(z2), 2 * z / (1 + z2), z2 / (1 + z2)
	}
	w := 1 / (a * a) // underflows harmlessly to 0 for huge |z|
	return 2*math.Log(a) + math.Log1p(w), 2 / (z + 1/z), 1 / (1 + w)
}

// halfCauchyLogDensity is the HalfCauchy(s) log density, the Cauchy(0, s)
// folded onto x ≥ 0:
//
//	log p(x | s) = log(2/π) − log s − log(1 + z²),  z = x/s,
//
// with ∂/∂x = −2z/(s(1 + z²)) and ∂/∂s = (z² − 1)/(s(1 + z²)). The boundary
// x = 0 is in the support.
func halfCauchyLogDensity(x float64, p, d []float64) float64 {
	s := p[0]
	if !NonNegative.Contains(x) || !Positive.Contains(s) {
		return outside(d, 2)
	}
	l, r, q := log1pSquare(x / s)
	if d != nil {
		d[0] = -r / s
		d[1] = (2*q - 1) / s
	}
	return log2OverPi - math.Log(s) - l
}

// exponentialLogDensity is the Exponential(λ) log density with rate λ
// (mean 1/λ):
//
//	log p(x | λ) = log λ − λ x,
//
// with ∂/∂x = −λ and ∂/∂λ = 1/λ − x. The boundary x = 0 is in the support.
func exponentialLogDensity(x float64, p, d []float64) float64 {
	lambda := p[0]
	if !NonNegative.Contains(x) || !Positive.Contains(lambda) {
		return outside(d, 2)
	}
	if d != nil {
		d[0] = -lambda
		d[1] = 1/lambda - x
	}
	return math.Log(lambda) - lambda*x
}

// logNormalLogDensity is the LogNormal(μ, σ) log density, log x ~ Normal(μ, σ):
//
//	log p(x | μ, σ) = −½ log(2π) − log σ − log x − ½ z²,  z = (log x − μ)/σ,
//
// with ∂/∂x = −(1 + z/σ)/x, ∂/∂μ = z/σ and ∂/∂σ = (z² − 1)/σ.
func logNormalLogDensity(x float64, p, d []float64) float64 {
	mu, sigma := p[0], p[1]
	if !Positive.Contains(x) || !Real.Contains(mu) || !Positive.Contains(sigma) {
		return outside(d, 3)
	}
	logX := math.Log(x)
	z := (logX - mu) / sigma
	if d != nil {
		d[0] = -(1 + z/sigma) / x
		d[1] = z / sigma
		d[2] = (z*z - 1) / sigma
	}
	return -halfLog2Pi - math.Log(sigma) - logX - 0.5*z*z
}

// cauchyLogDensity is the Cauchy(μ, s) log density with location μ and
// scale s:
//
//	log p(x | μ, s) = −log π − log s − log(1 + z²),  z = (x − μ)/s,
//
// with ∂/∂x = −2z/(s(1 + z²)), ∂/∂μ = 2z/(s(1 + z²)) and
// ∂/∂s = (z² − 1)/(s(1 + z²)).
func cauchyLogDensity(x float64, p, d []float64) float64 {
	mu, s := p[0], p[1]
	if !Real.Contains(x) || !Real.Contains(mu) || !Positive.Contains(s) {
		return outside(d, 3)
	}
	l, r, q := log1pSquare((x - mu) / s)
	if d != nil {
		d[0] = -r / s
		d[1] = r / s
		d[2] = (2*q - 1) / s
	}
	return -logPi - math.Log(s) - l
}

// studentTLogDensity is the StudentT(ν, μ, σ) log density with ν degrees of
// freedom, location μ and scale σ:
//
//	log p(x | ν, μ, σ) = lgamma((ν+1)/2) − lgamma(ν/2) − ½ log(νπ) − log σ
//	                     − (ν+1)/2 · log(1 + z²/ν),  z = (x − μ)/σ,
//
// with, writing t² = z²/ν and q = t²/(1 + t²),
//
//	∂/∂x = −(ν+1) z/(σ(ν + z²)),  ∂/∂μ = −∂/∂x,
//	∂/∂σ = ((ν+1) q − 1)/σ,
//	∂/∂ν = ½ψ((ν+1)/2) − ½ψ(ν/2) − 1/(2ν) − ½ log(1 + t²) + (ν+1) q/(2ν).
//
// For large ν the ν-only terms are evaluated by a Stirling series so that
// they do not lose accuracy to cancellation (see studentTConst).
func studentTLogDensity(x float64, p, d []float64) float64 {
	nu, mu, sigma := p[0], p[1], p[2]
	if !Real.Contains(x) || !Positive.Contains(nu) || !Real.Contains(mu) || !Positive.Contains(sigma) {
		return outside(d, 4)
	}
	v, dx, dnu, dsigma := studentT(x-mu, nu, sigma, d != nil)
	if d != nil {
		d[0], d[1], d[2], d[3] = dx, dnu, -dx, dsigma
	}
	return v
}

// studentT returns the StudentT(ν, 0, σ) log density at r = x − μ and, when grad is true, its
// partial derivatives in r (= ∂/∂x = −∂/∂μ), ν and σ.
func studentT(r, nu, sigma float64, grad bool) (v, dr, dnu, dsigma float64) {
	z := r / sigma
	sqrtNu := math.Sqrt(nu)
	l, rr, q := log1pSquare(z / sqrtNu)
	c, dc := studentTConst(nu)
	if grad {
		g := (nu + 1) / 2 * rr / sqrtNu // −∂/∂z of the kernel
		dr = -g / sigma
		dnu = dc - 0.5*l + (nu+1)/(2*nu)*q
		dsigma = ((nu+1)*q - 1) / sigma
	}
	return c - math.Log(sigma) - (nu+1)/2*l, dr, dnu, dsigma
}

// studentTSeriesMin is the ν from which studentTConst uses its Stirling
// series; there a = ν/2 ≥ 10 and the series truncation error is below 1e-16.
const studentTSeriesMin = 20

// studentTConst returns the Student-t normalising constant
//
//	c(ν) = lgamma((ν+1)/2) − lgamma(ν/2) − ½ log(νπ)
//
// and its derivative c′(ν) = ½ψ((ν+1)/2) − ½ψ(ν/2) − 1/(2ν).
//
// With a = ν/2, c(ν) = f(a) − ½ log(2π) where f(a) = lgamma(a + ½) −
// lgamma(a) − ½ log a → 0 as a → ∞. Computing c directly would subtract
// log-gamma values of size a log a, so for large ν f is evaluated from
// Stirling's series lgamma(x) = (x − ½) log x − x + ½ log(2π) + S(x):
//
//	f(a) = a log1p(1/(2a)) − ½ + S(a + ½) − S(a),
//	f′(a) = log1p(1/(2a)) − 1/(2a + 1) + S′(a + ½) − S′(a),
//
// and c′(ν) = ½ f′(ν/2).
func studentTConst(nu float64) (c, dc float64) {
	if nu < studentTSeriesMin {
		lg1, _ := math.Lgamma((nu + 1) / 2)
		lg2, _ := math.Lgamma(nu / 2)
		c = lg1 - lg2 - 0.5*(math.Log(nu)+logPi)
		dc = 0.5*(digamma((nu+1)/2)-digamma(nu/2)) - 0.5/nu
		return c, dc
	}
	a := nu / 2
	u := math.Log1p(1 / (2 * a))
	f := a*u - 0.5 + stirlingCorrection(a+0.5) - stirlingCorrection(a)
	df := u - 1/(2*a+1) + stirlingCorrectionDeriv(a+0.5) - stirlingCorrectionDeriv(a)
	return f - halfLog2Pi, 0.5 * df
}

// stirlingCorrection returns S(x) = lgamma(x) − ((x − ½) log x − x + ½ log(2π))
// by its asymptotic series Σₖ B₂ₖ/(2k(2k−1) x^(2k−1)), k = 1…7:
//
//	1/(12x) − 1/(360x³) + 1/(1260x⁵) − 1/(1680x⁷) + 1/(1188x⁹) − 691/(360360x¹¹) + 1/(156x¹³),
//
// accurate to 1e-16 (absolute) for x ≥ 10.
func stirlingCorrection(x float64) float64 {
	y := 1 / (x * x)
	return (1.0/12 - y*(1.0/360-y*(1.0/1260-y*(1.0/1680-y*(1.0/1188-y*(691.0/360360-y*(1.0/156))))))) / x
}

// stirlingCorrectionDeriv returns S′(x), the term-by-term derivative of the
// series in stirlingCorrection:
//
//	−1/(12x²) + 1/(120x⁴) − 1/(252x⁶) + 1/(240x⁸) − 1/(132x¹⁰) + 691/(32760x¹²) − 1/(12x¹⁴).
func stirlingCorrectionDeriv(x float64) float64 {
	y := 1 / (x * x)
	return -y * (1.0/12 - y*(1.0/120-y*(1.0/252-y*(1.0/240-y*(1.0/132-y*(691.0/32760-y*(1.0/12)))))))
}

// digammaAsymptoticMin is the x from which digamma uses its asymptotic
// series; below it the recurrence ψ(x) = ψ(x + 1) − 1/x moves x up.
const digammaAsymptoticMin = 10

// digamma returns ψ(x) = d/dx lgamma(x) for x > 0, to a few ulps (absolute
// near the root at x ≈ 1.4616). It shifts x up to at least 10 by the
// recurrence ψ(x) = ψ(x + 1) − 1/x, then uses the asymptotic series
//
//	ψ(x) = log x − 1/(2x) + S′(x),
//
// where S′ is the derivative of the Stirling correction (stirlingCorrectionDeriv),
// whose truncation error there is below 1e-16. (gonum's mathext.Digamma is
// only accurate to about 5e-11, too coarse for derivative checks.)
func digamma(x float64) float64 {
	switch {
	case math.IsNaN(x) || x < 0:
		return math.NaN()
	case x == 0:
		return math.Inf(-1)
	case math.IsInf(x, 1):
		return x
	}
	var shift float64
	for ; x < digammaAsymptoticMin; x++ {
		shift += 1 / x
	}
	return math.Log(x) - 0.5/x + stirlingCorrectionDeriv(x) - shift
}
