// Package dist is the registry of probability distributions known to hmcc.
//
// The type checker, the lowering to executable code, the command-line help
// and the generated documentation all read the same table, so a distribution
// added here is available everywhere at once. Every entry carries its
// parameter domains, the support of its variate and a log density that
// includes all normalising constants together with all first partial
// derivatives, and every other facet of the distribution (facets.go): its
// sampler for generate, the constants Stan's ~ drops, the roles of its
// arguments in the prior warnings, the id of its fast CPU kernel in autodiff
// and its GPU mark (a CUDA lowering in compiler/cudagen, or CPU only and why).
// Where a facet's code lives in another package, a test there holds it to the row.
package dist

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// Domain is the set a value or a parameter lives in.
type Domain int

const (
	Real               Domain = iota // (-inf, inf)
	Positive                         // (0, inf)
	NonNegative                      // [0, inf)
	UnitInterval                     // (0, 1)
	Binary                           // {0, 1}, integer valued
	Probability                      // [0, 1]
	Count                            // {0, 1, 2, …}, integer valued
	Between                          // [lower, upper], bounded by the distribution's first two parameters
	Simplex                          // vectors of positive numbers that sum to 1
	CorrCholeskyFactor               // lower-triangular K×K matrices L with positive diagonal and rows of length 1: L Lᵀ is a correlation matrix
)

// String returns the conventional mathematical name of the domain, for
// diagnostics and documentation.
func (d Domain) String() string {
	switch d {
	case Real:
		return "real"
	case Positive:
		return "positive"
	case NonNegative:
		return "non-negative"
	case UnitInterval:
		return "(0, 1)"
	case Binary:
		return "{0, 1}"
	case Probability:
		return "[0, 1]"
	case Count:
		return "{0, 1, 2, …}"
	case Between:
		return "[lower, upper]"
	case Simplex:
		return "simplex"
	case CorrCholeskyFactor:
		return "Cholesky factor of a correlation matrix"
	}
	return fmt.Sprintf("Domain(%d)", int(d))
}

// Contains reports whether x is finite and lies in the domain.
func (d Domain) Contains(x float64) bool {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return false
	}
	switch d {
	case Real:
		return true
	case Positive:
		return x > 0
	case NonNegative:
		return x >= 0
	case UnitInterval:
		return x > 0 && x < 1
	case Binary:
		return x == 0 || x == 1
	case Probability:
		return x >= 0 && x <= 1
	case Count:
		return x >= 0 && x == math.Trunc(x) && x <= maxCount
	case Between:
		return true // the bounds are the distribution's parameters; LogDensity checks them
	case Simplex:
		return x > 0 && x < 1 // one coordinate; the sum is VectorLogDensity's to check
	}
	return false
}

// maxCount is the largest count a Count holds: 2⁵³, beyond which float64 skips integers.
const maxCount = 1 << 53

// Integer reports whether the domain holds only whole numbers.
func (d Domain) Integer() bool { return d == Binary || d == Count }

// phrase describes a parameter's domain in the argument column of the docs' table.
func (d Domain) phrase() string {
	switch d {
	case Real:
		return "real"
	case Positive:
		return "> 0"
	case NonNegative:
		return "≥ 0"
	case UnitInterval:
		return "in (0, 1)"
	case Probability:
		return "in [0, 1]"
	case Count:
		return "whole ≥ 0 (data)"
	}
	return d.String()
}

// Param is a named parameter of a distribution and the domain it must lie in. A Count
// parameter (Binomial's n) must be data: the log density is not differentiable in it.
type Param struct {
	Name   string
	Domain Domain
	// Cond, when set, replaces the domain's wording in the docs' table ("real > lower").
	Cond string
}

// Dist describes one probability distribution.
type Dist struct {
	// Name is the distribution's name as written in models, e.g. "Normal".
	Name string
	// Params lists the parameters in the order they are written in models
	// and passed to LogDensity.
	Params []Param
	// Support is the set the variate lives in.
	Support Domain
	// Discrete is true for a probability mass function.
	Discrete bool
	// Doc is a one-line description: parameterisation and log density.
	Doc string
	// Formula is the log density as the docs' table shows it, in terms of x and the parameters.
	Formula string
	// SupportDoc, when set, replaces Support's name in the docs' table ("{0, …, n}").
	SupportDoc string
	// LogDensity returns log p(x | p...) including every normalising
	// constant (it equals Stan's _lpdf/_lpmf and NumPyro's log_prob). When d
	// is not nil it must have length at least 1+len(p), and LogDensity
	// writes the partial derivatives into it: d[0] = ∂/∂x (0 for discrete
	// distributions) and d[1+i] = ∂/∂p[i].
	//
	// Outside the support, or with a parameter outside its domain, it
	// returns math.Inf(-1) and zero derivatives. Where a density is finite on
	// the boundary of a Positive support (HalfNormal, HalfCauchy and
	// Exponential at x = 0) that boundary point is accepted, as in Stan.
	//
	// len(p) must equal len(Params).
	LogDensity func(x float64, p []float64, d []float64) float64

	// Vector marks a distribution of a whole vector (Dirichlet): its variate and each parameter
	// are vectors of one length, and VectorLogDensity replaces LogDensity (which is nil). It
	// writes ∂/∂x into dx and ∂/∂p[i] into dp[i] when dx is not nil, −∞ and zeros outside.
	Vector           bool
	VectorLogDensity func(x []float64, p [][]float64, dx []float64, dp [][]float64) float64

	// sample draws one variate (rand.go), vectorSample one vector into x (false when the
	// parameters cannot be drawn from); Rand and VectorRand check the parameters first.
	sample       func(r *rand.Rand, p []float64) float64
	vectorSample func(r *rand.Rand, p [][]float64, x []float64) bool
	// stanDrop gives the summands Stan's ~ drops (stanconst.go), stanDropVector the same for a
	// vector distribution; StanDropped and StanDroppedVector report false where it is nil.
	stanDrop       dropRule
	stanDropVector func(x []float64, p [][]float64, vx bool, vp []bool) float64

	// LocScale, when set, names the location and scale arguments (facets.go).
	LocScale *LocScale
	// Vague names what the prior warnings check for when there is no scale argument.
	Vague Vague
	// Fast names the specialised CPU kernel autodiff evaluates the density with, if any.
	Fast FastPath
	// GPU says whether compiler/cudagen lowers the density to CUDA, or why not.
	GPU GPU

	// Multi, when set, makes the row a distribution of vectors or matrices with shape rules of
	// its own (multi.go): MultiNormal, MultiNormalCholesky, LKJCorrCholesky. Such rows are kept
	// apart from the registry of scalar and Dirichlet rows (LookupMulti, MultiNames).
	Multi *Multi
}

// registry holds every distribution, keyed by name. Entries are shared and
// must not be modified by callers.
var registry = map[string]*Dist{}

// names is the sorted list of registered names; order lists them as registered, the order of
// the docs' table.
var names, order []string

func register(d *Dist) {
	if _, dup := registry[d.Name]; dup {
		panic("dist: duplicate distribution " + d.Name)
	}
	if d.Vector && d.vectorSample == nil || !d.Vector && d.sample == nil || d.GPU.CUDA == (d.GPU.CPUOnly != "") {
		panic("dist: " + d.Name + " needs a sampler and either a GPU lowering or a CPU-only mark")
	}
	registry[d.Name] = d
	names = append(names, d.Name)
	order = append(order, d.Name)
	sort.Strings(names)
}

func init() {
	for _, d := range []*Dist{
		{
			Name:       "Normal",
			Params:     []Param{{Name: "mu", Domain: Real}, {Name: "sigma", Domain: Positive}},
			Support:    Real,
			Doc:        "Normal(mean μ, standard deviation σ): −½ log(2π) − log σ − ½ ((x − μ)/σ)²",
			Formula:    "−½ log 2π − log σ − ½((x − μ)/σ)²",
			LogDensity: normalLogDensity,
			sample:     normalSample,
			LocScale:   &LocScale{Scale: 1, Loc: 0},
			Fast:       FastNormal,
			stanDrop:   normalStanDropped,
			GPU:        OnGPU,
		},
		{
			Name:       "Gamma",
			Params:     []Param{{Name: "shape", Domain: Positive}, {Name: "rate", Domain: Positive}},
			Support:    Positive,
			Doc:        "Gamma(shape α, rate β): α log β − lgamma(α) + (α − 1) log x − β x",
			Formula:    "α log β − lgamma(α) + (α − 1) log x − βx",
			LogDensity: gammaLogDensity,
			sample:     gammaSample,
			Fast:       FastGamma,
			Vague:      VagueEpsilon,
			stanDrop:   gammaStanDropped,
			GPU:        OnGPU,
		},
		{
			Name:       "BernoulliLogit",
			Params:     []Param{{Name: "logit", Domain: Real}},
			Support:    Binary,
			Discrete:   true,
			Doc:        "BernoulliLogit(log-odds l): x l − log(1 + exp(l)), i.e. Bernoulli with P(x = 1) = 1/(1 + exp(−l))",
			Formula:    "x·l − log(1 + eˡ)",
			LogDensity: bernoulliLogitLogDensity,
			sample:     bernoulliLogitSample,
			Fast:       FastBernoulliLogit,
			stanDrop:   bernoulliLogitStanDropped,
			GPU:        OnGPU,
		},
		{
			Name:       "HalfNormal",
			Params:     []Param{{Name: "sigma", Domain: Positive}},
			Support:    Positive,
			Doc:        "HalfNormal(scale σ): log 2 − ½ log(2π) − log σ − ½ (x/σ)², x ≥ 0",
			Formula:    "log 2 − ½ log 2π − log σ − ½(x/σ)²",
			LogDensity: halfNormalLogDensity,
			sample:     halfNormalSample,
			LocScale:   &LocScale{Scale: 0, Loc: -1},
			stanDrop:   halfNormalStanDropped,
			GPU:        OnGPU,
		},
		{
			Name:       "HalfCauchy",
			Params:     []Param{{Name: "scale", Domain: Positive}},
			Support:    Positive,
			Doc:        "HalfCauchy(scale s): log(2/π) − log s − log(1 + (x/s)²), x ≥ 0",
			Formula:    "log(2/π) − log s − log(1 + (x/s)²)",
			LogDensity: halfCauchyLogDensity,
			sample:     halfCauchySample,
			LocScale:   &LocScale{Scale: 0, Loc: -1},
			stanDrop:   halfCauchyStanDropped,
			GPU:        OnGPU,
		},
		{
			Name:       "Exponential",
			Params:     []Param{{Name: "rate", Domain: Positive}},
			Support:    Positive,
			Doc:        "Exponential(rate λ): log λ − λ x, x ≥ 0",
			Formula:    "log λ − λx",
			LogDensity: exponentialLogDensity,
			sample:     exponentialSample,
			Vague:      VagueRate,
			stanDrop:   exponentialStanDropped,
			GPU:        OnGPU,
		},
		{
			Name:       "LogNormal",
			Params:     []Param{{Name: "mu", Domain: Real}, {Name: "sigma", Domain: Positive}},
			Support:    Positive,
			Doc:        "LogNormal(log-mean μ, log-sd σ): −½ log(2π) − log σ − log x − ½ ((log x − μ)/σ)²",
			Formula:    "−½ log 2π − log σ − log x − ½((log x − μ)/σ)²",
			LogDensity: logNormalLogDensity,
			sample:     logNormalSample,
			LocScale:   &LocScale{Scale: 1, Loc: -1},
			stanDrop:   logNormalStanDropped,
			GPU:        OnGPU,
		},
		{
			Name:       "Cauchy",
			Params:     []Param{{Name: "loc", Domain: Real}, {Name: "scale", Domain: Positive}},
			Support:    Real,
			Doc:        "Cauchy(location μ, scale s): −log π − log s − log(1 + ((x − μ)/s)²)",
			Formula:    "−log π − log s − log(1 + ((x − m)/s)²)",
			LogDensity: cauchyLogDensity,
			sample:     cauchySample,
			LocScale:   &LocScale{Scale: 1, Loc: 0},
			stanDrop:   cauchyStanDropped,
			GPU:        OnGPU,
		},
		{
			Name:       "StudentT",
			Params:     []Param{{Name: "nu", Domain: Positive}, {Name: "mu", Domain: Real}, {Name: "sigma", Domain: Positive}},
			Support:    Real,
			Doc:        "StudentT(degrees of freedom ν, location μ, scale σ): lgamma((ν+1)/2) − lgamma(ν/2) − ½ log(νπ) − log σ − (ν+1)/2 log(1 + ((x − μ)/σ)²/ν)",
			Formula:    "lgamma((ν+1)/2) − lgamma(ν/2) − ½ log νπ − log σ − (ν+1)/2 · log(1 + z²/ν), z = (x − μ)/σ",
			LogDensity: studentTLogDensity,
			sample:     studentTSample,
			LocScale:   &LocScale{Scale: 2, Loc: 1},
			stanDrop:   studentTStanDropped,
			GPU:        OnGPU,
		},
		{
			Name:       "Beta",
			Params:     []Param{{Name: "alpha", Domain: Positive}, {Name: "beta", Domain: Positive}},
			Support:    UnitInterval,
			Doc:        "Beta(shape α, shape β): (α − 1) log x + (β − 1) log(1 − x) − log B(α, β)",
			Formula:    "(α − 1) log x + (β − 1) log(1 − x) − log B(α, β)",
			LogDensity: betaLogDensity,
			sample:     betaSample,
			stanDrop:   betaStanDropped,
			GPU:        CPUOnly(noTranscription),
		},
		{
			Name:       "Uniform",
			Params:     []Param{{Name: "lower", Domain: Real}, {Name: "upper", Domain: Real, Cond: "real > lower"}},
			Support:    Between,
			Doc:        "Uniform(lower a, upper b): −log(b − a) for a ≤ x ≤ b",
			Formula:    "−log(b − a)",
			LogDensity: uniformLogDensity,
			sample:     uniformSample,
			Vague:      VagueRange,
			stanDrop:   uniformStanDropped,
			GPU:        CPUOnly(noTranscription),
		},
		{
			Name:       "Bernoulli",
			Params:     []Param{{Name: "p", Domain: Probability}},
			Support:    Binary,
			Discrete:   true,
			Doc:        "Bernoulli(success probability p): x log p + (1 − x) log(1 − p)",
			Formula:    "x log p + (1 − x) log(1 − p)",
			LogDensity: bernoulliLogDensity,
			sample:     bernoulliSample,
			stanDrop:   bernoulliStanDropped,
			GPU:        CPUOnly(noTranscription),
		},
		{
			Name:       "Binomial",
			Params:     []Param{{Name: "n", Domain: Count}, {Name: "p", Domain: Probability}},
			Support:    Count,
			SupportDoc: "{0, …, n}",
			Discrete:   true,
			Doc:        "Binomial(trials n, success probability p): log C(n, x) + x log p + (n − x) log(1 − p)",
			Formula:    "log C(n, x) + x log p + (n − x) log(1 − p)",
			LogDensity: binomialLogDensity,
			sample:     binomialSample,
			stanDrop:   binomialStanDropped,
			GPU:        CPUOnly(noTranscription),
		},
		{
			Name:       "BinomialLogit",
			Params:     []Param{{Name: "n", Domain: Count}, {Name: "logit", Domain: Real}},
			Support:    Count,
			SupportDoc: "{0, …, n}",
			Discrete:   true,
			Doc:        "BinomialLogit(trials n, log-odds l): log C(n, x) + x l − n log(1 + exp(l))",
			Formula:    "log C(n, x) + x·l − n log(1 + eˡ)",
			LogDensity: binomialLogitLogDensity,
			sample:     binomialLogitSample,
			stanDrop:   binomialLogitStanDropped,
			GPU:        CPUOnly(noTranscription),
		},
		{
			Name:       "Poisson",
			Params:     []Param{{Name: "rate", Domain: Positive}},
			Support:    Count,
			Discrete:   true,
			Doc:        "Poisson(rate λ): x log λ − λ − log x!",
			Formula:    "x log λ − λ − log x!",
			LogDensity: poissonLogDensity,
			sample:     poissonSample,
			stanDrop:   poissonStanDropped,
			GPU:        CPUOnly(noTranscription),
		},
		{
			Name:       "PoissonLog",
			Params:     []Param{{Name: "log_rate", Domain: Real}},
			Support:    Count,
			Discrete:   true,
			Doc:        "PoissonLog(log rate α): x α − exp(α) − log x!, i.e. Poisson with rate exp(α)",
			Formula:    "x·α − eᵅ − log x!",
			LogDensity: poissonLogLogDensity,
			sample:     poissonLogSample,
			stanDrop:   poissonLogStanDropped,
			GPU:        CPUOnly(noTranscription),
		},
		{
			Name:       "NegBinomial2",
			Params:     []Param{{Name: "mu", Domain: Positive}, {Name: "phi", Domain: Positive}},
			Support:    Count,
			Discrete:   true,
			Doc:        "NegBinomial2(mean μ, precision φ; variance μ + μ²/φ): log C(x + φ − 1, x) + x log(μ/(μ + φ)) + φ log(φ/(μ + φ))",
			Formula:    "log C(x + φ − 1, x) + x log(μ/(μ + φ)) + φ log(φ/(μ + φ))",
			LogDensity: negBinomial2LogDensity,
			sample:     negBinomial2Sample,
			stanDrop:   negBinomial2StanDropped,
			GPU:        CPUOnly(noTranscription),
		},
		{
			Name:       "Laplace",
			Params:     []Param{{Name: "mu", Domain: Real}, {Name: "sigma", Domain: Positive}},
			Support:    Real,
			Doc:        "Laplace(location μ, scale σ): −log 2 − log σ − |x − μ|/σ (Stan's double_exponential)",
			Formula:    "−log 2 − log σ − \\|x − μ\\|/σ",
			LogDensity: laplaceLogDensity,
			sample:     laplaceSample,
			LocScale:   &LocScale{Scale: 1, Loc: 0},
			stanDrop:   laplaceStanDropped,
			GPU:        CPUOnly(noTranscription),
		},
		{
			Name:       "Logistic",
			Params:     []Param{{Name: "mu", Domain: Real}, {Name: "sigma", Domain: Positive}},
			Support:    Real,
			Doc:        "Logistic(location μ, scale σ): −z − log σ − 2 log(1 + exp(−z)), z = (x − μ)/σ",
			Formula:    "−z − log σ − 2 log(1 + e⁻ᶻ), z = (x − μ)/σ",
			LogDensity: logisticLogDensity,
			sample:     logisticSample,
			LocScale:   &LocScale{Scale: 1, Loc: 0},
			stanDrop:   logisticStanDropped,
			GPU:        CPUOnly(noTranscription),
		},
		{
			Name:       "InverseGamma",
			Params:     []Param{{Name: "shape", Domain: Positive}, {Name: "scale", Domain: Positive}},
			Support:    Positive,
			Doc:        "InverseGamma(shape α, scale β): α log β − lgamma(α) − (α + 1) log x − β/x",
			Formula:    "α log β − lgamma(α) − (α + 1) log x − β/x",
			LogDensity: inverseGammaLogDensity,
			sample:     inverseGammaSample,
			Vague:      VagueEpsilon,
			stanDrop:   inverseGammaStanDropped,
			GPU:        CPUOnly(noTranscription),
		},
		{
			Name:       "Weibull",
			Params:     []Param{{Name: "shape", Domain: Positive}, {Name: "scale", Domain: Positive}},
			Support:    Positive,
			Doc:        "Weibull(shape α, scale σ): log α − log σ + (α − 1) log(x/σ) − (x/σ)^α",
			Formula:    "log α − log σ + (α − 1) log(x/σ) − (x/σ)^α",
			LogDensity: weibullLogDensity,
			sample:     weibullSample,
			stanDrop:   weibullStanDropped,
			GPU:        CPUOnly(noTranscription),
		},
		{
			Name:       "HalfStudentT",
			Params:     []Param{{Name: "nu", Domain: Positive}, {Name: "sigma", Domain: Positive}},
			Support:    Positive,
			Doc:        "HalfStudentT(degrees of freedom ν, scale σ): log 2 + StudentT(ν, 0, σ) log density, x ≥ 0",
			Formula:    "log 2 + StudentT(ν, 0, σ) at x",
			LogDensity: halfStudentTLogDensity,
			sample:     halfStudentTSample,
			LocScale:   &LocScale{Scale: 1, Loc: -1},
			stanDrop:   halfStudentTStanDropped,
			GPU:        CPUOnly(noTranscription),
		},
		{
			Name:             "Dirichlet",
			Params:           []Param{{Name: "alpha", Domain: Positive, Cond: "> 0, a vector [K] or a scalar"}},
			Support:          Simplex,
			Doc:              "Dirichlet(concentrations α, a vector): lgamma(Σ α) − Σ lgamma(α_k) + Σ (α_k − 1) log x_k, x a simplex",
			Formula:          "lgamma(Σ α) − Σ lgamma(αₖ) + Σ (αₖ − 1) log xₖ",
			Vector:           true,
			VectorLogDensity: dirichletLogDensity,
			vectorSample:     dirichletSample,
			stanDropVector:   dirichletStanDropped,
			GPU:              CPUOnly("a density of a whole vector, and the simplex transform, have no CUDA lowering yet"),
		},
	} {
		register(d)
	}
}

// Lookup returns the distribution registered under name (case-sensitive).
// The returned value is shared and must not be modified.
func Lookup(name string) (*Dist, bool) {
	d, ok := registry[name]
	return d, ok
}

// Names returns the names of all registered distributions, sorted.
func Names() []string {
	return append([]string(nil), names...)
}
