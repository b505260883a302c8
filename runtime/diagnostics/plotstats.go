package diagnostics

import (
	"math"
	"slices"
)

// The statistics behind hmcc plot's panels. Unlike the rest of the package, these accept chains
// of different lengths: a plot drops each chain's non-finite draws first.

// Ranks replaces every draw by its rank among the draws of all chains pooled, 1 for the
// smallest, ties given the mean of the ranks they span (Vehtari et al. 2021, section 4: the rank
// normalisation behind R-hat, and the rank plot of section 5). NaNs rank last.
func Ranks(chains [][]float64) [][]float64 {
	var pool []float64
	for _, xs := range chains {
		pool = append(pool, xs...)
	}
	r := averageRanks(pool)
	out := make([][]float64, len(chains))
	for ch, xs := range chains {
		out[ch], r = r[:len(xs):len(xs)], r[len(xs):]
	}
	return out
}

// RankCounts bins each chain's ranks (1 … total) into bins of equal width and counts them.
func RankCounts(r [][]float64, total, bins int) [][]float64 {
	out := make([][]float64, len(r))
	for ch, rs := range r {
		out[ch] = make([]float64, bins)
		for _, x := range rs {
			b := min(bins-1, int((x-1)*float64(bins)/float64(total)))
			out[ch][b]++
		}
	}
	return out
}

// RankBins is ArviZ's choice for plot_rank, Sturges' rule doubled: ⌈2·log₂ n⌉ + 1 for n draws
// per chain, enough bins to show a chain stuck in one tail, few enough that a uniform histogram
// looks flat.
func RankBins(n int) int {
	if n < 2 {
		return 1
	}
	return int(math.Ceil(2*math.Log2(float64(n)))) + 1
}

// Bandwidth is Silverman's rule of thumb for a Gaussian kernel (Silverman 1986, eq. 3.31) as R's
// bw.nrd0 computes it, the default of density(): 0.9·min(sd, IQR/1.34)·n^(−1/5), the IQR keeping
// heavy tails from widening it. Where that spread is 0 it falls back, as R does, to the sd, then
// |x₁|, then 1, so that equal draws give a bump rather than a division by zero. xs must be
// finite and not empty.
func Bandwidth(xs []float64) float64 {
	sorted := slices.Clone(xs)
	slices.Sort(sorted)
	s := 0.0
	if len(xs) > 1 {
		s = sd(xs)
	}
	lo := min(s, (quantileSorted(sorted, 0.75)-quantileSorted(sorted, 0.25))/1.34)
	for _, fallback := range []float64{s, math.Abs(xs[0]), 1} {
		if lo > 0 {
			break
		}
		lo = fallback
	}
	return 0.9 * lo * math.Pow(float64(len(xs)), -0.2)
}

// KDE is the Gaussian kernel density estimate of xs with bandwidth h at each point of at:
// (1/(n·h)) Σᵢ φ((x − xᵢ)/h).
func KDE(xs []float64, h float64, at []float64) []float64 {
	out := make([]float64, len(at))
	c := 1 / (float64(len(xs)) * h * math.Sqrt(2*math.Pi))
	for k, x := range at {
		s := 0.0
		for _, xi := range xs {
			z := (x - xi) / h
			s += math.Exp(-0.5 * z * z)
		}
		out[k] = c * s
	}
	return out
}

// ReflectedKDE is KDE with every draw's kernel reflected at the finite bounds lo and hi
// (Silverman 1986, section 2.10), so that the density of a bounded parameter neither leaks past
// its bound nor is halved at it: at x inside,
// f(x) = (1/(n·h)) Σᵢ [φ((x − xᵢ)/h) + φ((x − (2·lo − xᵢ))/h) + φ((x − (2·hi − xᵢ))/h)].
func ReflectedKDE(xs []float64, h float64, at []float64, lo, hi float64) []float64 {
	out := KDE(xs, h, at)
	for _, b := range []float64{lo, hi} {
		if math.IsInf(b, 0) {
			continue
		}
		mirror := make([]float64, len(xs))
		for i, x := range xs {
			mirror[i] = 2*b - x
		}
		for k, v := range KDE(mirror, h, at) {
			out[k] += v
		}
	}
	return out
}

// Autocorrelation returns the sample autocorrelation of xs at lags 0 … maxLag (the biased
// estimator Stan and ArviZ plot: Σ (x_t − x̄)(x_{t+k} − x̄) / Σ (x_t − x̄)²).
func Autocorrelation(xs []float64, maxLag int) []float64 {
	n := len(xs)
	mean := 0.0
	for _, x := range xs {
		mean += x
	}
	mean /= float64(n)
	den := 0.0
	for _, x := range xs {
		den += (x - mean) * (x - mean)
	}
	out := make([]float64, min(maxLag, n-1)+1)
	for k := range out {
		num := 0.0
		for t := 0; t+k < n; t++ {
			num += (xs[t] - mean) * (xs[t+k] - mean)
		}
		if den > 0 {
			out[k] = num / den
		}
	}
	return out
}
