package dist

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"
)

// The samplers below draw one variate for posterior predictive quantities (generate y ~ D(...)).
// Each takes parameters inside the distribution's domains (the caller checks) and returns NaN
// otherwise. Gamma, Beta, Binomial and Poisson use gonum's stat/distuv; the others are
// transformations of uniform, normal, exponential or gamma variates.

// valid reports whether every parameter lies in its domain.
func (d *Dist) valid(p []float64) bool {
	for i, q := range d.Params {
		if !q.Domain.Contains(p[i]) {
			return false
		}
	}
	return d.Support != Between || p[0] < p[1]
}

// Rand draws one variate of d with parameters p from r. It returns NaN when a parameter is
// outside its domain, and for a distribution of vectors (Dirichlet; see VectorRand).
func (d *Dist) Rand(r *rand.Rand, p []float64) float64 {
	if d.Vector || !d.valid(p) {
		return math.NaN()
	}
	return d.sample(r, p)
}

// unitOpen returns a uniform variate in (0, 1), never 0.
func unitOpen(r *rand.Rand) float64 {
	for {
		if u := r.Float64(); u > 0 {
			return u
		}
	}
}

func gammaRand(r *rand.Rand, shape, rate float64) float64 {
	return distuv.Gamma{Alpha: shape, Beta: rate, Src: r}.Rand()
}

func studentTRand(r *rand.Rand, nu float64) float64 {
	// Z / sqrt(V/ν) with V ~ χ²(ν) = Gamma(ν/2, rate ½).
	return r.NormFloat64() / math.Sqrt(gammaRand(r, nu/2, 0.5)/nu)
}

func binomialRand(r *rand.Rand, n, p float64) float64 {
	switch {
	case n == 0 || p == 0:
		return 0
	case p == 1:
		return n
	}
	return distuv.Binomial{N: n, P: p, Src: r}.Rand()
}

func poissonRand(r *rand.Rand, lambda float64) float64 {
	if math.IsInf(lambda, 1) || math.IsNaN(lambda) {
		return math.NaN()
	}
	return distuv.Poisson{Lambda: lambda, Src: r}.Rand()
}

// The samplers of the rows (Dist.sample): each draws one variate given parameters inside the
// domains.

func normalSample(r *rand.Rand, p []float64) float64 { return p[0] + p[1]*r.NormFloat64() }
func gammaSample(r *rand.Rand, p []float64) float64  { return gammaRand(r, p[0], p[1]) }
func bernoulliLogitSample(r *rand.Rand, p []float64) float64 {
	if r.Float64() < InvLogit(p[0]) {
		return 1
	}
	return 0
}
func halfNormalSample(r *rand.Rand, p []float64) float64 { return math.Abs(p[0] * r.NormFloat64()) }
func halfCauchySample(r *rand.Rand, p []float64) float64 {
	return math.Abs(p[0] * math.Tan(math.Pi*(unitOpen(r)-0.5)))
}
func exponentialSample(r *rand.Rand, p []float64) float64 { return r.ExpFloat64() / p[0] }
func logNormalSample(r *rand.Rand, p []float64) float64   { return math.Exp(p[0] + p[1]*r.NormFloat64()) }
func cauchySample(r *rand.Rand, p []float64) float64 {
	return p[0] + p[1]*math.Tan(math.Pi*(unitOpen(r)-0.5))
}
func studentTSample(r *rand.Rand, p []float64) float64 { return p[1] + p[2]*studentTRand(r, p[0]) }
func betaSample(r *rand.Rand, p []float64) float64 {
	return distuv.Beta{Alpha: p[0], Beta: p[1], Src: r}.Rand()
}
func uniformSample(r *rand.Rand, p []float64) float64 { return p[0] + (p[1]-p[0])*r.Float64() }
func bernoulliSample(r *rand.Rand, p []float64) float64 {
	if r.Float64() < p[0] {
		return 1
	}
	return 0
}
func binomialSample(r *rand.Rand, p []float64) float64 { return binomialRand(r, p[0], p[1]) }
func binomialLogitSample(r *rand.Rand, p []float64) float64 {
	return binomialRand(r, p[0], InvLogit(p[1]))
}
func poissonSample(r *rand.Rand, p []float64) float64    { return poissonRand(r, p[0]) }
func poissonLogSample(r *rand.Rand, p []float64) float64 { return poissonRand(r, math.Exp(p[0])) }

// negBinomial2Sample draws a Poisson whose rate is Gamma(φ, rate φ/μ): mean μ, variance μ + μ²/φ.
func negBinomial2Sample(r *rand.Rand, p []float64) float64 {
	return poissonRand(r, gammaRand(r, p[1], p[1]/p[0]))
}
func laplaceSample(r *rand.Rand, p []float64) float64 {
	e := r.ExpFloat64()
	if r.Uint64()&1 == 0 {
		e = -e
	}
	return p[0] + p[1]*e
}
func logisticSample(r *rand.Rand, p []float64) float64 {
	u := unitOpen(r)
	return p[0] + p[1]*(math.Log(u)-math.Log1p(-u))
}
func inverseGammaSample(r *rand.Rand, p []float64) float64 { return 1 / gammaRand(r, p[0], p[1]) }
func weibullSample(r *rand.Rand, p []float64) float64 {
	return p[1] * math.Pow(r.ExpFloat64(), 1/p[0])
}
func halfStudentTSample(r *rand.Rand, p []float64) float64 {
	return math.Abs(p[1] * studentTRand(r, p[0]))
}

// dirichletSample draws Dirichlet(α) into x as independent Gamma(α_k, 1) variates divided by their
// sum; false when an α_k is not positive or the sum underflows to 0.
func dirichletSample(r *rand.Rand, p [][]float64, x []float64) bool {
	sum := 0.0
	for k, a := range p[0] {
		if !Positive.Contains(a) {
			return false
		}
		x[k] = gammaRand(r, a, 1)
		sum += x[k]
	}
	if sum <= 0 {
		return false
	}
	for k := range x {
		x[k] /= sum
	}
	return true
}

// VectorRand draws one variate of a distribution of vectors into x, with parameters p (each of
// x's length), by the row's vector sampler (dirichletSample). Outside the parameters' domains x is
// all NaN.
func (d *Dist) VectorRand(r *rand.Rand, p [][]float64, x []float64) {
	ok := d.Vector && d.vectorSample != nil && len(x) >= 2
	for _, q := range p {
		ok = ok && len(q) == len(x)
	}
	if ok && d.vectorSample(r, p, x) {
		return
	}
	for k := range x {
		x[k] = math.NaN()
	}
}
