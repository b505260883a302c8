package dist

// The facets of a row that other packages act on. Where the implementation lives outside dist
// (autodiff's fast kernels, compiler/cudagen's CUDA transcriptions), the row carries the data or
// a typed id and that package keys its implementation by it; a test there checks that the two
// agree, so adding a row without its facets, or a kernel without a row, fails a test rather than
// falling back silently.

// LocScale names the arguments of a location-scale family, or of its half, for the prior
// warnings (compiler/warn.go): a very large scale makes a nearly flat prior, and a scale that is
// a parameter makes a hierarchy.
type LocScale struct {
	// Scale is the index of the scale argument.
	Scale int
	// Loc is the index of the location argument when the variate is Loc + Scale × a variate of
	// the standard form (the same family with location 0 and scale 1, other arguments as given),
	// so that a centred hierarchy can be rewritten non-centred; −1 when it is not (the half
	// families have no location, and LogNormal's location and scale act on the log).
	Loc int
}

// Centrable reports whether the variate is location + scale × a standard variate.
func (l *LocScale) Centrable() bool { return l != nil && l.Loc >= 0 }

// FastPath names a specialised CPU kernel for a density, which autodiff (fastdensity.go) keys
// by this id and uses when the shapes of the arguments allow it, falling back to the generic
// loop over LogDensity otherwise.
type FastPath int

const (
	// NoFastPath: the generic loop only.
	NoFastPath FastPath = iota
	// FastNormal: σ one per chain (or one for all), so log σ is computed once per chain.
	FastNormal
	// FastGamma: α and β one per chain, so lgamma(α), log β and ψ(α) are computed once per chain.
	FastGamma
	// FastBernoulliLogit: observed outcomes shared by all chains and logits per chain and
	// element, the inner loop of a logistic regression (vectorised in C where cgo is available).
	FastBernoulliLogit
)

// FastPaths lists every FastPath but NoFastPath, for the test that autodiff has each.
func FastPaths() []FastPath { return []FastPath{FastNormal, FastGamma, FastBernoulliLogit} }

// GPU is a row's support in the GPU backend (hmcc-gpu, docs/gpu.md): either compiler/cudagen
// has a CUDA lowering of it (CUDA), or it runs on the CPU only for the reason CPUOnly gives. The
// rows of ir's functions and operators use it too. A test in compiler/cudagen fails for a row
// with neither, and for a row that claims a lowering cudagen lacks; docs/gpu.md's support list
// is generated from these marks.
type GPU struct {
	CUDA    bool
	CPUOnly string
}

// OnGPU marks a row that compiler/cudagen lowers to CUDA.
var OnGPU = GPU{CUDA: true}

// CPUOnly marks a row that runs on the CPU only, saying why.
func CPUOnly(why string) GPU { return GPU{CPUOnly: why} }

// noTranscription is why most CPU-only distributions are: nothing stands in the way but the work.
const noTranscription = "no CUDA transcription of its density yet"

// Vague names what makes a prior of a distribution without a scale argument nearly flat or
// nearly improper, for the prior warnings (compiler/warn.go).
type Vague int

const (
	// NotVague: nothing to check (or the scale argument of LocScale is).
	NotVague Vague = iota
	// VagueRate: a tiny rate, the first argument, makes a huge mean (Exponential).
	VagueRate
	// VagueRange: a huge width between the first two arguments, lower and upper (Uniform).
	VagueRange
	// VagueEpsilon: both arguments tiny, the (ε, ε) priors, which are not vague but nearly
	// improper (Gamma, InverseGamma; Gelman 2006).
	VagueEpsilon
)
