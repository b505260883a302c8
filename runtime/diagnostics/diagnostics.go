// Package diagnostics computes MCMC convergence diagnostics and posterior
// summaries for one scalar quantity, following the algorithms of the R
// package posterior (version 1.4.0 for everything except RhatNested, which
// follows posterior >= 1.5.0):
//
//   - Vehtari, Gelman, Simpson, Carpenter and Bürkner (2021).
//     Rank-normalization, folding, and localization: an improved R-hat for
//     assessing convergence of MCMC. Bayesian Analysis 16(2), 667–718.
//   - Margossian, Hoffman, Sountsov, Riou-Durand, Vehtari and Gelman (2024).
//     Nested R-hat: assessing the convergence of Markov chain Monte Carlo
//     when running many short chains. Bayesian Analysis.
//
// Draws are given as [][]float64 indexed [chain][iteration]; every chain must
// have the same length (a ragged input panics).
//
// Where posterior returns NA, these functions return NaN. That happens when
// the draws (or the derived quantity the diagnostic is computed on, e.g. the
// folded draws or a quantile indicator) are constant up to an absolute
// tolerance of machine epsilon, when any draw is NaN or ±Inf, when there are
// too few draws (fewer than 3 iterations per split chain for ESS), or when
// the input is empty. No function panics on such input.
//
// Besides these, EBFMI judges a chain's energy draws (Betancourt 2016), and plotstats.go holds
// the statistics hmcc plot's panels show: pooled ranks, rank histograms, kernel densities and
// autocorrelations.
package diagnostics

import (
	"cmp"
	"math"
	"slices"
	"sort"
)

// Summary holds the default summary of posterior::summarise_draws for one
// variable (mean, sd, 5%/50%/95% quantiles, rhat, ess_bulk, ess_tail) plus
// the Monte Carlo standard errors of the mean and of the 5% and 95%
// quantiles.
type Summary struct {
	Mean, SD, Q5, Q50, Q95 float64
	Rhat, EssBulk, EssTail float64
	McseMean, McseQ5       float64
	McseQ95                float64
}

// Summarize computes all fields of Summary. It gives what the exported functions give one by one
// (a test holds them equal) but sorts the draws once for every quantile, the median and the
// quantiles' standard errors, rank-normalises the split chains once for R-hat and bulk-ESS, and
// computes each quantile's ESS once: about half the time, which matters when a run summarises
// many quantities of many chains.
func Summarize(draws [][]float64) Summary {
	checkRect(draws)
	x := flatten(draws)
	if len(x) == 0 || slices.ContainsFunc(x, math.IsNaN) {
		return summarizeEach(draws, x)
	}
	sorted := slices.Clone(x)
	slices.Sort(sorted)
	s := Summary{Mean: mean(x), SD: sd(x), Q5: quantileSorted(sorted, 0.05), Q50: quantileSorted(sorted, 0.5),
		Q95: quantileSorted(sorted, 0.95), McseMean: McseMean(draws)}
	z := zScale(splitChains(draws))
	s.EssBulk = essCore(z)
	med := medianSorted(sorted)
	bulk := rhatCore(z)
	tail := rhatCore(zScale(splitChains(mapDraws(draws, func(v float64) float64 { return math.Abs(v - med) }))))
	s.Rhat = math.NaN()
	if !math.IsNaN(bulk) && !math.IsNaN(tail) {
		s.Rhat = math.Max(bulk, tail)
	}
	na := shouldReturnNA(x)
	ess05, ess95 := math.NaN(), math.NaN()
	if !na {
		ess05, ess95 = essBelow(draws, s.Q5), essBelow(draws, s.Q95)
	}
	s.EssTail = math.NaN()
	if !math.IsNaN(ess05) && !math.IsNaN(ess95) {
		s.EssTail = math.Min(ess05, ess95)
	}
	s.McseQ5, s.McseQ95 = mcseQuantileSorted(sorted, ess05, 0.05), mcseQuantileSorted(sorted, ess95, 0.95)
	return s
}

// summarizeEach is Summarize by the exported functions, for the inputs (empty, NaN) where their
// own conventions decide.
func summarizeEach(draws [][]float64, x []float64) Summary {
	return Summary{
		Mean:     mean(x),
		SD:       sd(x),
		Q5:       Quantile(x, 0.05),
		Q50:      Quantile(x, 0.5),
		Q95:      Quantile(x, 0.95),
		Rhat:     Rhat(draws),
		EssBulk:  EssBulk(draws),
		EssTail:  EssTail(draws),
		McseMean: McseMean(draws),
		McseQ5:   McseQuantile(draws, 0.05),
		McseQ95:  McseQuantile(draws, 0.95),
	}
}

// Rhat is posterior::rhat: the maximum of the rank-normalised split-Rhat of
// the draws and of the draws folded around their median, |x - median(x)|.
// Returns NaN if either is NaN (e.g. constant input).
func Rhat(draws [][]float64) float64 {
	checkRect(draws)
	x := flatten(draws)
	if len(x) == 0 {
		return math.NaN()
	}
	bulk := rhatCore(zScale(splitChains(draws)))
	med := median(x)
	folded := mapDraws(draws, func(v float64) float64 { return math.Abs(v - med) })
	tail := rhatCore(zScale(splitChains(folded)))
	if math.IsNaN(bulk) || math.IsNaN(tail) {
		return math.NaN()
	}
	return math.Max(bulk, tail)
}

// RhatBasic is posterior::rhat_basic with split = TRUE: the classic split
// Rhat of the raw draws, without rank normalisation or folding.
func RhatBasic(draws [][]float64) float64 {
	checkRect(draws)
	return rhatCore(splitChains(draws))
}

// EssBulk is posterior::ess_bulk: the effective sample size of the
// rank-normalised split chains.
func EssBulk(draws [][]float64) float64 {
	checkRect(draws)
	return essCore(zScale(splitChains(draws)))
}

// EssTail is posterior::ess_tail: the minimum of the effective sample sizes
// of the 5% and 95% quantile indicators.
func EssTail(draws [][]float64) float64 {
	q05 := EssQuantile(draws, 0.05)
	q95 := EssQuantile(draws, 0.95)
	if math.IsNaN(q05) || math.IsNaN(q95) {
		return math.NaN()
	}
	return math.Min(q05, q95)
}

// EssQuantile is posterior::ess_quantile for one probability p in [0, 1]:
// the effective sample size of the split chains of the indicator
// I(x <= Quantile(x, p)). For p == 1, p is replaced by (S - 0.5)/S where S is
// the total number of draws, as posterior does.
func EssQuantile(draws [][]float64, p float64) float64 {
	checkRect(draws)
	x := flatten(draws)
	if len(x) == 0 || shouldReturnNA(x) || math.IsNaN(p) || p < 0 || p > 1 {
		return math.NaN()
	}
	if p == 1 {
		s := float64(len(x))
		p = (s - 0.5) / s
	}
	return essBelow(draws, Quantile(x, p))
}

// essBelow is the effective sample size of the split chains of the indicator I(x ≤ q).
func essBelow(draws [][]float64, q float64) float64 {
	ind := mapDraws(draws, func(v float64) float64 {
		if v <= q {
			return 1
		}
		return 0
	})
	return essCore(splitChains(ind))
}

// EssMean is posterior::ess_mean (equivalently ess_basic): the effective
// sample size of the split chains of the raw draws.
func EssMean(draws [][]float64) float64 {
	checkRect(draws)
	return essCore(splitChains(draws))
}

// McseMean is posterior::mcse_mean: sd(x) / sqrt(EssMean(x)).
func McseMean(draws [][]float64) float64 {
	checkRect(draws)
	x := flatten(draws)
	if len(x) == 0 {
		return math.NaN()
	}
	return sd(x) / math.Sqrt(EssMean(draws))
}

// McseQuantile is posterior::mcse_quantile for one probability p in [0, 1].
// With ess = EssQuantile(draws, p), it takes the 0.1586553 and 0.8413447
// quantiles a1, a2 of Beta(ess*p + 1, ess*(1-p) + 1), and returns half the
// distance between the sorted draws at (1-based) positions
// max(floor(a1*S), 1) and min(ceil(a2*S), S), where S is the number of draws.
func McseQuantile(draws [][]float64, p float64) float64 {
	ess := EssQuantile(draws, p)
	x := flatten(draws)
	sort.Float64s(x)
	return mcseQuantileSorted(x, ess, p)
}

// mcseQuantileSorted is McseQuantile given the sorted draws x and the quantile's ESS.
func mcseQuantileSorted(x []float64, ess, p float64) float64 {
	if math.IsNaN(ess) {
		return math.NaN()
	}
	a1 := qbeta(0.1586553, ess*p+1, ess*(1-p)+1)
	a2 := qbeta(0.8413447, ess*p+1, ess*(1-p)+1)
	if math.IsNaN(a1) || math.IsNaN(a2) {
		return math.NaN()
	}
	s := len(x)
	i1 := int(math.Max(math.Floor(a1*float64(s)), 1))
	i2 := int(math.Min(math.Ceil(a2*float64(s)), float64(s)))
	return (x[i2-1] - x[i1-1]) / 2
}

// Quantile is R's quantile(x, p, type = 7) (also posterior::quantile2). The
// input is not modified. p is clamped to [0, 1]. It returns NaN for empty
// input, NaN p, or input containing NaN (where R would raise an error).
func Quantile(x []float64, p float64) float64 {
	n := len(x)
	if n == 0 || math.IsNaN(p) {
		return math.NaN()
	}
	s := make([]float64, n)
	copy(s, x)
	for _, v := range s {
		if math.IsNaN(v) {
			return math.NaN()
		}
	}
	sort.Float64s(s)
	return quantileSorted(s, p)
}

// RhatNested is posterior::rhat_nested (posterior >= 1.5.0): the nested
// Rhat of Margossian et al. (2024) computed on the raw (not split, not
// rank-normalised) chains. superchains[c] identifies the superchain of
// chain c. It returns NaN (posterior's NA) if len(superchains) differs from
// the number of chains, if the superchains do not all contain the same
// number of chains, if there is only one superchain, or if the draws are
// constant or contain NaN/Inf.
func RhatNested(draws [][]float64, superchains []int) float64 {
	checkRect(draws)
	x := flatten(draws)
	if len(x) == 0 || shouldReturnNA(x) || len(superchains) != len(draws) {
		return math.NaN()
	}
	niter := len(draws[0])
	// Superchains in order of first appearance, and their member chains.
	var ids []int
	members := map[int][]int{}
	for c, k := range superchains {
		if _, ok := members[k]; !ok {
			ids = append(ids, k)
		}
		members[k] = append(members[k], c)
	}
	perSuper := len(members[ids[0]])
	for _, k := range ids {
		if len(members[k]) != perSuper {
			return math.NaN()
		}
	}
	if len(ids) < 2 {
		return math.NaN() // var() of a single superchain mean is NA in R
	}
	chainMean := make([]float64, len(draws))
	chainVar := make([]float64, len(draws))
	for c, ch := range draws {
		chainMean[c] = mean(ch)
		chainVar[c] = varCentered(ch, chainMean[c])
	}
	superMean := make([]float64, len(ids))
	within := make([]float64, len(ids)) // var_within_chain + var_between_chain
	for j, k := range ids {
		var all []float64
		var means, vars []float64
		for _, c := range members[k] {
			all = append(all, draws[c]...)
			means = append(means, chainMean[c])
			vars = append(vars, chainVar[c])
		}
		superMean[j] = mean(all)
		wc, bc := 0.0, 0.0
		if niter > 1 {
			wc = mean(vars)
		}
		if perSuper > 1 {
			bc = variance(means)
		}
		within[j] = wc + bc
	}
	bSuper := variance(superMean)
	wSuper := mean(within)
	return math.Sqrt(1 + bSuper/wSuper)
}

// ---------------------------------------------------------------------------
// Internals.

// checkRect panics if the chains do not all have the same length.
func checkRect(draws [][]float64) {
	for _, ch := range draws {
		if len(ch) != len(draws[0]) {
			panic("diagnostics: chains have different lengths")
		}
	}
}

func flatten(draws [][]float64) []float64 {
	n := 0
	for _, ch := range draws {
		n += len(ch)
	}
	out := make([]float64, 0, n)
	for _, ch := range draws {
		out = append(out, ch...)
	}
	return out
}

func mapDraws(draws [][]float64, f func(float64) float64) [][]float64 {
	out := make([][]float64, len(draws))
	for c, ch := range draws {
		o := make([]float64, len(ch))
		for i, v := range ch {
			o[i] = f(v)
		}
		out[c] = o
	}
	return out
}

// splitChains is posterior's .split_chains: each chain is cut into its first
// floor(n/2) and its last floor(n/2) iterations; for odd n the middle
// iteration is dropped. Chains of length 1 are returned unsplit.
func splitChains(draws [][]float64) [][]float64 {
	if len(draws) == 0 {
		return nil
	}
	n := len(draws[0])
	if n == 1 {
		return draws
	}
	out := make([][]float64, 0, 2*len(draws))
	for _, ch := range draws {
		out = append(out, ch[:n/2])
	}
	for _, ch := range draws {
		out = append(out, ch[(n+1)/2:])
	}
	return out
}

// zScale is posterior's z_scale: average ranks r over all draws (ties get
// the mean rank), transformed to qnorm((r - 3/8) / (S + 1/4)).
func zScale(draws [][]float64) [][]float64 {
	x := flatten(draws)
	r := averageRanks(x)
	s := float64(len(x))
	const c = 3.0 / 8
	out := make([][]float64, len(draws))
	k := 0
	for ci, ch := range draws {
		o := make([]float64, len(ch))
		for i, v := range ch {
			if math.IsNaN(v) {
				o[i] = math.NaN()
			} else {
				o[i] = qnorm((r[k] - c) / (s - 2*c + 1))
			}
			k++
		}
		out[ci] = o
	}
	return out
}

// averageRanks returns 1-based ranks with ties replaced by their average,
// as R's rank(x, ties.method = "average"). NaNs are ranked last.
func averageRanks(x []float64) []float64 {
	n := len(x)
	// Sort (value, position) pairs: the order among equal values does not matter because ties
	// share their average rank, so an unstable sort on the values alone suffices.
	type pair struct {
		v float64
		i int
	}
	ps := make([]pair, n)
	for i, v := range x {
		ps[i] = pair{v, i}
	}
	slices.SortFunc(ps, func(a, b pair) int {
		switch an, bn := math.IsNaN(a.v), math.IsNaN(b.v); {
		case an || bn:
			return cmp.Compare(b2i(an), b2i(bn)) // NaN after numbers
		case a.v < b.v:
			return -1
		case a.v > b.v:
			return 1
		}
		return 0
	})
	r := make([]float64, n)
	for i := 0; i < n; {
		j := i + 1
		for j < n && ps[j].v == ps[i].v {
			j++
		}
		avg := float64(i+1+j) / 2 // mean of ranks i+1 .. j
		for k := i; k < j; k++ {
			r[ps[k].i] = avg
		}
		i = j
	}
	return r
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// shouldReturnNA is posterior's should_return_NA: any NaN/Inf, or
// |max - min| < machine epsilon.
func shouldReturnNA(x []float64) bool {
	if len(x) == 0 {
		return true
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return true
		}
		lo = math.Min(lo, v)
		hi = math.Max(hi, v)
	}
	return math.Abs(hi-lo) < epsilon
}

const epsilon = 2.220446049250313e-16 // R's .Machine$double.eps

// rhatCore is posterior's .rhat on an [chain][iteration] matrix.
func rhatCore(m [][]float64) float64 {
	x := flatten(m)
	if shouldReturnNA(x) {
		return math.NaN()
	}
	nchains := len(m)
	n := len(m[0])
	if nchains < 2 || n < 2 {
		return math.NaN()
	}
	means := make([]float64, nchains)
	vars := make([]float64, nchains)
	for c, ch := range m {
		means[c] = mean(ch)
		vars[c] = varCentered(ch, means[c])
	}
	fn := float64(n)
	between := fn * variance(means)
	within := mean(vars)
	return math.Sqrt((between/within + fn - 1) / fn)
}

// essCore is posterior's .ess on an [chain][iteration] matrix: Geyer's
// initial positive and initial monotone sequence estimators applied to the
// chain-averaged autocovariances, combined with the between-chain variance,
// and tau capped from below at 1/log10(total draws).
func essCore(m [][]float64) float64 {
	nchains := len(m)
	if nchains == 0 {
		return math.NaN()
	}
	n := len(m[0])
	if n < 3 || shouldReturnNA(flatten(m)) {
		return math.NaN()
	}
	acs := make([]*autocov, nchains)
	for c, ch := range m {
		acs[c] = newAutocov(ch)
	}
	return essWith(m, acs)
}

// essWith is the body of essCore, given the (lazy) autocovariances of the
// chains of m.
func essWith(m [][]float64, acs []*autocov) float64 {
	nchains := len(m)
	n := len(m[0])
	fn := float64(n)
	means := make([]float64, nchains)
	for c, ch := range m {
		means[c] = mean(ch)
	}
	// acovMean(k) is the mean over chains of the lag-k autocovariance.
	acovMean := func(k int) float64 {
		vals := make([]float64, nchains)
		for c := range acs {
			vals[c] = acs[c].at(k)
		}
		return mean(vals)
	}
	acov0 := acovMean(0)
	meanVar := acov0 * fn / (fn - 1)
	varPlus := meanVar * (fn - 1) / fn
	if nchains > 1 {
		varPlus += variance(means)
	}
	rho := make([]float64, n)
	t := 0
	rhoEven := 1.0
	rho[t] = rhoEven
	rhoOdd := 1 - (meanVar-acovMean(t+1))/varPlus
	rho[t+1] = rhoOdd
	for t < n-5 && !math.IsNaN(rhoEven+rhoOdd) && rhoEven+rhoOdd > 0 {
		t += 2
		rhoEven = 1 - (meanVar-acovMean(t))/varPlus
		rhoOdd = 1 - (meanVar-acovMean(t+1))/varPlus
		if rhoEven+rhoOdd >= 0 {
			rho[t] = rhoEven
			rho[t+1] = rhoOdd
		}
	}
	maxT := t
	if rhoEven > 0 {
		rho[maxT] = rhoEven
	}
	// Initial monotone sequence.
	t = 0
	for t <= maxT-4 {
		t += 2
		if rho[t]+rho[t+1] > rho[t-2]+rho[t-1] {
			rho[t] = (rho[t-2] + rho[t-1]) / 2
			rho[t+1] = rho[t]
		}
	}
	ess := float64(nchains * n)
	// R: sum(rho_hat_t[1:max_t]); when max_t == 0, 1:0 selects element 1.
	var sum float64
	if maxT == 0 {
		sum = rho[0]
	} else {
		sum = kahanSum(rho[:maxT])
	}
	tauHat := -1 + 2*sum + rho[maxT]
	tauBound := 1 / math.Log10(ess)
	if tauHat < tauBound {
		tauHat = tauBound
	}
	return ess / tauHat
}

// autocov lazily evaluates posterior's autocovariance(x):
// acov[k] = sum_{t} (x_t - xbar)(x_{t+k} - xbar) / N, i.e. the biased
// estimator normalised so that acov[0] = var(x) * (N-1)/N; all zeros for a
// constant chain. The first lags are computed directly (O(N) each); if many
// lags are requested all of them are computed at once by FFT.
type autocov struct {
	yc     []float64 // centred draws
	varx   float64
	direct []float64 // lags computed directly so far
	all    []float64 // all lags (FFT), once computed
}

// fftAfterLags is the number of directly computed lags after which the
// remaining ones are computed by FFT.
const fftAfterLags = 64

func newAutocov(x []float64) *autocov {
	m := mean(x)
	yc := make([]float64, len(x))
	for i, v := range x {
		yc[i] = v - m
	}
	return &autocov{yc: yc, varx: varCentered(x, m)}
}

func (a *autocov) at(k int) float64 {
	n := len(a.yc)
	if a.varx == 0 {
		return 0
	}
	if a.all != nil {
		return a.all[k]
	}
	if k >= len(a.direct) && k >= fftAfterLags && n > 2*fftAfterLags {
		a.all = autocovFFT(a.yc, a.varx)
		return a.all[k]
	}
	for len(a.direct) <= k {
		a.direct = append(a.direct, lagProduct(a.yc, len(a.direct)))
	}
	// Normalise like R: ac / ac[1] * varx * (N - 1) / N.
	fn := float64(n)
	return a.direct[k] / a.direct[0] * a.varx * (fn - 1) / fn
}

func lagProduct(yc []float64, k int) float64 {
	var s, comp float64
	for t := 0; t+k < len(yc); t++ {
		s, comp = neumaierAdd(s, comp, yc[t]*yc[t+k])
	}
	return s + comp
}

// autocovFFT computes all lags of the autocovariance of the centred draws yc
// by zero-padded FFT, normalised as posterior's autocovariance.
func autocovFFT(yc []float64, varx float64) []float64 {
	n := len(yc)
	size := 1
	for size < 2*n {
		size <<= 1
	}
	re := make([]float64, size)
	im := make([]float64, size)
	copy(re, yc)
	fft(re, im, false)
	for i := range re {
		re[i] = re[i]*re[i] + im[i]*im[i]
		im[i] = 0
	}
	fft(re, im, true)
	out := make([]float64, n)
	fn := float64(n)
	for k := 0; k < n; k++ {
		out[k] = re[k] / re[0] * varx * (fn - 1) / fn
	}
	return out
}

// fft is an in-place iterative radix-2 complex FFT (len must be a power of
// two). The inverse is unnormalised, like R's fft(inverse = TRUE).
func fft(re, im []float64, inverse bool) {
	n := len(re)
	for i, j := 1, 0; i < n; i++ {
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j ^= bit
		if i < j {
			re[i], re[j] = re[j], re[i]
			im[i], im[j] = im[j], im[i]
		}
	}
	sign := -1.0
	if inverse {
		sign = 1
	}
	for length := 2; length <= n; length <<= 1 {
		half := length / 2
		for k := 0; k < half; k++ {
			ang := sign * 2 * math.Pi * float64(k) / float64(length)
			wr, wi := math.Cos(ang), math.Sin(ang)
			for i := k; i < n; i += length {
				j := i + half
				tr := wr*re[j] - wi*im[j]
				ti := wr*im[j] + wi*re[j]
				re[j], im[j] = re[i]-tr, im[i]-ti
				re[i], im[i] = re[i]+tr, im[i]+ti
			}
		}
	}
}

func quantileSorted(s []float64, p float64) float64 {
	n := len(s)
	p = math.Max(0, math.Min(1, p))
	index := 1 + float64(n-1)*p
	lo := math.Floor(index)
	hi := math.Ceil(index)
	qs := s[int(lo)-1]
	xh := s[int(hi)-1]
	if index > lo && xh != qs {
		h := index - lo
		qs = (1-h)*qs + h*xh
	}
	return qs
}

// median is R's median(x).
func median(x []float64) float64 {
	s := make([]float64, len(x))
	copy(s, x)
	sort.Float64s(s)
	return medianSorted(s)
}

func medianSorted(s []float64) float64 {
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func neumaierAdd(sum, comp, v float64) (float64, float64) {
	t := sum + v
	if math.Abs(sum) >= math.Abs(v) {
		comp += (sum - t) + v
	} else {
		comp += (v - t) + sum
	}
	return t, comp
}

func kahanSum(x []float64) float64 {
	var s, c float64
	for _, v := range x {
		s, c = neumaierAdd(s, c, v)
	}
	return s + c
}

// mean is R's mean(x): an accurate sum divided by n, refined by the mean of
// the residuals.
func mean(x []float64) float64 {
	n := float64(len(x))
	if len(x) == 0 {
		return math.NaN()
	}
	m := kahanSum(x) / n
	if math.IsInf(m, 0) || math.IsNaN(m) {
		return m
	}
	var s, c float64
	for _, v := range x {
		s, c = neumaierAdd(s, c, v-m)
	}
	return m + (s+c)/n
}

// varCentered is the sample variance (denominator n-1) about centre m.
func varCentered(x []float64, m float64) float64 {
	if len(x) < 2 {
		return math.NaN()
	}
	var s, c float64
	for _, v := range x {
		d := v - m
		s, c = neumaierAdd(s, c, d*d)
	}
	return (s + c) / float64(len(x)-1)
}

// variance is R's var(x) (denominator n-1); NaN for fewer than 2 values.
func variance(x []float64) float64 { return varCentered(x, mean(x)) }

// sd is R's sd(x).
func sd(x []float64) float64 { return math.Sqrt(variance(x)) }
