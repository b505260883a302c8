package dist

import "math"

// Stan's `y ~ foo(θ)` adds foo's log density without the summands that do not involve a
// parameter (Stan Reference Manual, "Sampling statements": "drops all the terms in the log
// density that are constant"; Stan Math decides term by term with include_summand<propto, …>).
// hmcc samples the fully normalised density and, to write lp__ in Stan's convention, subtracts
// what Stan would have dropped. The rules below transcribe, for each distribution, which
// summands each Stan Math _lpdf/_lpmf includes for which non-constant arguments. hmcc's own
// half distributions (HalfNormal, HalfCauchy, HalfStudentT) are Stan's normal, cauchy and
// student_t on a positive variable: the log 2 of the half is a constant and is dropped too.

// dropRule returns the dropped summands of one element given which arguments vary with the
// parameters (vx for the variate, vp[i] for p[i]); the values of varying arguments must not be
// read. It is only called when at least one argument varies.
type dropRule func(x float64, p []float64, vx bool, vp []bool) float64

func lgam(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// The rules of the rows (Dist.stanDrop), one per distribution.

func normalStanDropped(x float64, p []float64, vx bool, vp []bool) float64 {
	r := -halfLog2Pi
	if !vp[1] {
		r -= math.Log(p[1])
	}
	return r
}

func gammaStanDropped(x float64, p []float64, vx bool, vp []bool) float64 {
	r := 0.0
	if !vp[0] {
		r -= lgam(p[0])
		if !vp[1] {
			r += p[0] * math.Log(p[1])
		}
		if !vx {
			r += (p[0] - 1) * math.Log(x)
		}
	}
	if !vx && !vp[1] {
		r -= p[1] * x
	}
	return r
}

func bernoulliLogitStanDropped(x float64, p []float64, vx bool, vp []bool) float64 { return 0 }

func halfNormalStanDropped(x float64, p []float64, vx bool, vp []bool) float64 {
	r := math.Ln2 - halfLog2Pi
	if !vp[0] {
		r -= math.Log(p[0])
	}
	return r
}

func halfCauchyStanDropped(x float64, p []float64, vx bool, vp []bool) float64 {
	r := math.Log(2 / math.Pi)
	if !vp[0] {
		r -= math.Log(p[0])
	}
	return r
}

func exponentialStanDropped(x float64, p []float64, vx bool, vp []bool) float64 {
	if !vp[0] {
		return math.Log(p[0])
	}
	return 0
}

func logNormalStanDropped(x float64, p []float64, vx bool, vp []bool) float64 {
	r := -halfLog2Pi
	if !vp[1] {
		r -= math.Log(p[1])
	}
	if !vx {
		r -= math.Log(x)
	}
	return r
}

func cauchyStanDropped(x float64, p []float64, vx bool, vp []bool) float64 {
	r := -math.Log(math.Pi)
	if !vp[1] {
		r -= math.Log(p[1])
	}
	return r
}

func studentTStanDropped(x float64, p []float64, vx bool, vp []bool) float64 {
	r := -0.5 * math.Log(math.Pi)
	if !vp[0] {
		r += lgam((p[0]+1)/2) - lgam(p[0]/2) - 0.5*math.Log(p[0])
	}
	if !vp[2] {
		r -= math.Log(p[2])
	}
	return r
}

func betaStanDropped(x float64, p []float64, vx bool, vp []bool) float64 {
	r := 0.0
	if !vp[0] {
		r -= lgam(p[0])
		if !vx {
			r += (p[0] - 1) * math.Log(x)
		}
	}
	if !vp[1] {
		r -= lgam(p[1])
		if !vx {
			r += (p[1] - 1) * math.Log1p(-x)
		}
	}
	if !vp[0] && !vp[1] {
		r += lgam(p[0] + p[1])
	}
	return r
}

func uniformStanDropped(x float64, p []float64, vx bool, vp []bool) float64 {
	if !vp[0] && !vp[1] {
		return -math.Log(p[1] - p[0])
	}
	return 0
}

func bernoulliStanDropped(x float64, p []float64, vx bool, vp []bool) float64 { return 0 }

func binomialStanDropped(x float64, p []float64, vx bool, vp []bool) float64 { return lchoose(p[0], x) }

func binomialLogitStanDropped(x float64, p []float64, vx bool, vp []bool) float64 {
	return lchoose(p[0], x)
}

func poissonStanDropped(x float64, p []float64, vx bool, vp []bool) float64 { return -lgam(x + 1) }

func poissonLogStanDropped(x float64, p []float64, vx bool, vp []bool) float64 { return -lgam(x + 1) }

// negBinomial2StanDropped follows Stan Math's neg_binomial_2_lpmf: binomial_coefficient_log(n + φ − 1, n) for φ, n log μ for
// μ, and −φ log1p(μ/φ) − n log(μ + φ) for either.
func negBinomial2StanDropped(x float64, p []float64, vx bool, vp []bool) float64 {
	r := 0.0
	if !vp[1] {
		r += lgam(x+p[1]) - lgam(x+1) - lgam(p[1])
	}
	if !vp[0] && x > 0 {
		r += x * math.Log(p[0])
	}
	return r
}

// laplaceStanDropped is Stan's double_exponential.
func laplaceStanDropped(x float64, p []float64, vx bool, vp []bool) float64 {
	r := -math.Ln2
	if !vp[1] {
		r -= math.Log(p[1])
	}
	return r
}

func logisticStanDropped(x float64, p []float64, vx bool, vp []bool) float64 {
	if !vp[1] {
		return -math.Log(p[1])
	}
	return 0
}

func inverseGammaStanDropped(x float64, p []float64, vx bool, vp []bool) float64 {
	r := 0.0
	if !vp[0] {
		r -= lgam(p[0])
		if !vp[1] {
			r += p[0] * math.Log(p[1])
		}
		if !vx {
			r -= (p[0] + 1) * math.Log(x)
		}
	}
	if !vx && !vp[1] {
		r -= p[1] / x
	}
	return r
}

func weibullStanDropped(x float64, p []float64, vx bool, vp []bool) float64 {
	r := 0.0
	if !vp[0] {
		r += math.Log(p[0])
		if !vx {
			r += (p[0] - 1) * math.Log(x)
		}
		if !vp[1] {
			r -= p[0] * math.Log(p[1])
		}
	}
	return r
}

func halfStudentTStanDropped(x float64, p []float64, vx bool, vp []bool) float64 {
	r := math.Ln2 - 0.5*math.Log(math.Pi)
	if !vp[0] {
		r += lgam((p[0]+1)/2) - lgam(p[0]/2) - 0.5*math.Log(p[0])
	}
	if !vp[1] {
		r -= math.Log(p[1])
	}
	return r
}

// StanDropped returns the summands of log p(x | p) that Stan's `~` statement leaves out, given
// which arguments vary with the model's parameters (vx: the variate; vp[i]: p[i]). The values
// of varying arguments are not read. When nothing varies the whole density is dropped. ok is
// false for a distribution with no rule (then lp__ cannot be put in Stan's convention).
func (d *Dist) StanDropped(x float64, p []float64, vx bool, vp []bool) (v float64, ok bool) {
	if !vx && !anyTrue(vp) {
		if d.Vector {
			return 0, false // a vector distribution's constant is StanDroppedVector's
		}
		return d.LogDensity(x, p, nil), true
	}
	if d.stanDrop == nil {
		return 0, false
	}
	return d.stanDrop(x, p, vx, vp), true
}

// StanDroppedVector is StanDropped for a vector distribution (Dirichlet), over the whole vector.
func (d *Dist) StanDroppedVector(x []float64, p [][]float64, vx bool, vp []bool) (float64, bool) {
	if !vx && !anyTrue(vp) {
		return d.VectorLogDensity(x, p, nil, nil), true
	}
	if d.stanDropVector == nil {
		return 0, false
	}
	return d.stanDropVector(x, p, vx, vp), true
}

// dirichletStanDropped follows Stan Math's dirichlet_lpdf: lgamma(Σα) − Σ lgamma(α) for α.
func dirichletStanDropped(x []float64, p [][]float64, vx bool, vp []bool) float64 {
	if vp[0] {
		return 0
	}
	sum, r := 0.0, 0.0
	for _, a := range p[0] {
		sum += a
		r -= lgam(a)
	}
	return r + lgam(sum)
}

func anyTrue(b []bool) bool {
	for _, v := range b {
		if v {
			return true
		}
	}
	return false
}
