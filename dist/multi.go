package dist

import (
	"math"
	"math/rand/v2"
	"sort"
)

// Multi is what a distribution of vectors or matrices with shape rules of its own adds to its
// row (Dist.Multi). Values are flat and row-major: a K×K matrix is K·K values, row after row.
type Multi struct {
	// VariateRank is 1 for a distribution of vectors [K] (the variate is one vector or the rows
	// of a matrix [N, K], each row one draw), 2 for a distribution of K×K matrices.
	VariateRank int
	// ParamRanks gives each parameter's rank: 0 a scalar, 1 a vector [K] (or a scalar, the same
	// for every element), 2 a K×K matrix.
	ParamRanks []int
	// LogDensity returns the log density of the n·K values x (n rows of K, or one K×K matrix)
	// with parameters p, every normalising constant included (Stan's _lpdf). When dx is not nil
	// it writes ∂/∂x into dx and ∂/∂p[i] into dp[i] (of p[i]'s length). A K×K argument is read
	// symmetrised where it is a covariance (MultiNormal) and by its lower triangle where it is a
	// Cholesky factor, and its gradient is the one of that reading. Outside the support it
	// returns −∞ and zero derivatives.
	LogDensity func(x []float64, K int, p [][]float64, dx []float64, dp [][]float64) float64
	// Sample draws one variate (K values, or K·K for a matrix) into x; false when p is outside
	// the parameters' domains.
	Sample func(r *rand.Rand, K int, p [][]float64, x []float64) bool
}

// multis holds the rows with Multi set, keyed by name.
var multis = map[string]*Dist{}

// LookupMulti returns the distribution of vectors or matrices registered under name.
func LookupMulti(name string) (*Dist, bool) {
	d, ok := multis[name]
	return d, ok
}

// MultiNames lists the distributions of vectors and matrices, sorted.
func MultiNames() []string {
	out := make([]string, 0, len(multis))
	for n := range multis {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

const multiGPU = "a density of a whole vector or matrix has no CUDA lowering yet"

func init() {
	for _, d := range []*Dist{
		{
			Name:    "MultiNormal",
			Params:  []Param{{Name: "mu", Domain: Real, Cond: "a vector [K] or a scalar"}, {Name: "Sigma", Domain: Real, Cond: "a K×K covariance matrix"}},
			Support: Real,
			Doc:     "MultiNormal(mean μ [K], covariance Σ [K, K]): −½K log 2π − ½ log|Σ| − ½ (x − μ)ᵀ Σ⁻¹ (x − μ)",
			Formula: "−½K log 2π − ½ log \\|Σ\\| − ½ (x − μ)ᵀ Σ⁻¹ (x − μ)",
			GPU:     CPUOnly(multiGPU),
			Multi:   &Multi{VariateRank: 1, ParamRanks: []int{1, 2}, LogDensity: multiNormalLogDensity, Sample: multiNormalSample},
		},
		{
			Name:    "MultiNormalCholesky",
			Params:  []Param{{Name: "mu", Domain: Real, Cond: "a vector [K] or a scalar"}, {Name: "L", Domain: Real, Cond: "the K×K lower Cholesky factor of the covariance"}},
			Support: Real,
			Doc:     "MultiNormalCholesky(mean μ [K], Cholesky factor L [K, K] of the covariance L Lᵀ): −½K log 2π − Σ log Lᵢᵢ − ½ ‖L⁻¹(x − μ)‖²",
			Formula: "−½K log 2π − Σ log Lᵢᵢ − ½ ‖L⁻¹(x − μ)‖²",
			GPU:     CPUOnly(multiGPU),
			Multi:   &Multi{VariateRank: 1, ParamRanks: []int{1, 2}, LogDensity: multiNormalCholeskyLogDensity, Sample: multiNormalCholeskySample},
		},
		{
			Name:    "LKJCorrCholesky",
			Params:  []Param{{Name: "eta", Domain: Positive}},
			Support: CorrCholeskyFactor,
			Doc:     "LKJCorrCholesky(shape η): the Cholesky factor L of an LKJ(η) correlation matrix L Lᵀ: log c(η, K) + Σᵢ₌₂ (K − i + 2η − 2) log Lᵢᵢ",
			Formula: "log c(η, K) + Σᵢ₌₂ᴷ (K − i + 2η − 2) log Lᵢᵢ",
			GPU:     CPUOnly(multiGPU),
			Multi:   &Multi{VariateRank: 2, ParamRanks: []int{0}, LogDensity: lkjCorrCholeskyLogDensity, Sample: lkjCorrCholeskySample},
		},
	} {
		if _, dup := multis[d.Name]; dup {
			panic("dist: duplicate distribution " + d.Name)
		}
		multis[d.Name] = d
	}
}

// Cholesky writes the lower Cholesky factor of the symmetric part ½(S + Sᵀ) of the K×K matrix S
// into L (row-major, zeros above the diagonal) and reports whether it is positive definite.
func Cholesky(S []float64, K int, L []float64) bool {
	clear(L[:K*K])
	for j := 0; j < K; j++ {
		s := S[j*K+j]
		for k := 0; k < j; k++ {
			s -= L[j*K+k] * L[j*K+k]
		}
		if !(s > 0) || math.IsInf(s, 0) {
			return false
		}
		d := math.Sqrt(s)
		L[j*K+j] = d
		for i := j + 1; i < K; i++ {
			s := 0.5 * (S[i*K+j] + S[j*K+i])
			for k := 0; k < j; k++ {
				s -= L[i*K+k] * L[j*K+k]
			}
			L[i*K+j] = s / d
		}
	}
	return true
}

// lowerSolve overwrites b with L⁻¹ b, L lower triangular K×K (only its lower triangle is read).
func lowerSolve(L []float64, K int, b []float64) {
	for i := 0; i < K; i++ {
		s := b[i]
		for k := 0; k < i; k++ {
			s -= L[i*K+k] * b[k]
		}
		b[i] = s / L[i*K+i]
	}
}

// upperSolveT overwrites b with L⁻ᵀ b.
func upperSolveT(L []float64, K int, b []float64) {
	for i := K - 1; i >= 0; i-- {
		s := b[i]
		for k := i + 1; k < K; k++ {
			s -= L[k*K+i] * b[k]
		}
		b[i] = s / L[i*K+i]
	}
}

func failMulti(dx []float64, dp [][]float64) float64 {
	if dx != nil {
		clear(dx)
		for _, d := range dp {
			clear(d)
		}
	}
	return math.Inf(-1)
}

// mvnCholesky is the multivariate normal log density of the rows of x given μ and the lower
// factor L. It writes ∂/∂x, ∂/∂μ and ∂/∂L (lower triangle) when dx is not nil: with
// z = L⁻¹(x − μ) and w = L⁻ᵀ z, ∂/∂x = −w, ∂/∂μ = Σ w and ∂/∂L = Σ (w zᵀ) − n·diag(1/Lᵢᵢ).
// It returns w's sum over the rows' outer products in ww (when not nil): MultiNormal's gradient.
func mvnCholesky(x []float64, K int, mu, L []float64, dx, dmu, dL, ww []float64) float64 {
	n := len(x) / K
	logDet := 0.0
	for i := 0; i < K; i++ {
		if !(L[i*K+i] > 0) || math.IsInf(L[i*K+i], 0) {
			return math.Inf(-1)
		}
		logDet += math.Log(L[i*K+i])
	}
	const halfLog2Pi = 0.91893853320467274178032973640561763986139747363778
	lp := -float64(n) * (float64(K)*halfLog2Pi + logDet)
	z := make([]float64, K)
	w := make([]float64, K)
	for r := 0; r < n; r++ {
		for i := 0; i < K; i++ {
			z[i] = x[r*K+i] - mu[i%len(mu)]
		}
		lowerSolve(L, K, z)
		q := 0.0
		for _, v := range z {
			q += v * v
		}
		lp -= 0.5 * q
		if dx == nil && ww == nil {
			continue
		}
		copy(w, z)
		upperSolveT(L, K, w)
		if dx != nil {
			for i := 0; i < K; i++ {
				dx[r*K+i] = -w[i]
				dmu[i%len(dmu)] += w[i]
			}
		}
		if dL != nil {
			for i := 0; i < K; i++ {
				for j := 0; j <= i; j++ {
					dL[i*K+j] += w[i] * z[j]
				}
			}
		}
		if ww != nil {
			for i := 0; i < K; i++ {
				for j := 0; j < K; j++ {
					ww[i*K+j] += w[i] * w[j]
				}
			}
		}
	}
	if dL != nil {
		for i := 0; i < K; i++ {
			dL[i*K+i] -= float64(n) / L[i*K+i]
		}
	}
	return lp
}

func finiteAll(vs ...[]float64) bool {
	for _, v := range vs {
		for _, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return false
			}
		}
	}
	return true
}

// multiNormalCholeskyLogDensity is Stan's multi_normal_cholesky_lpdf, summed over the rows of x:
// −½K log 2π − Σ log Lᵢᵢ − ½ ‖L⁻¹(x − μ)‖² per row. Only L's lower triangle is read.
func multiNormalCholeskyLogDensity(x []float64, K int, p [][]float64, dx []float64, dp [][]float64) float64 {
	mu, L := p[0], p[1]
	if len(L) != K*K || len(x)%K != 0 || !finiteAll(x, mu, L) {
		return failMulti(dx, dp)
	}
	var dmu, dL []float64
	if dx != nil {
		dmu, dL = dp[0], dp[1]
		clear(dmu)
		clear(dL)
	}
	lp := mvnCholesky(x, K, mu, L, dx, dmu, dL, nil)
	if math.IsInf(lp, -1) {
		return failMulti(dx, dp)
	}
	return lp
}

// multiNormalLogDensity is Stan's multi_normal_lpdf, summed over the rows of x, through the
// Cholesky factor of the symmetrised Σ. ∂/∂Σ = ½(Σᵣ wᵣwᵣᵀ − n Σ⁻¹) with w = Σ⁻¹(x − μ).
func multiNormalLogDensity(x []float64, K int, p [][]float64, dx []float64, dp [][]float64) float64 {
	mu, S := p[0], p[1]
	if len(S) != K*K || len(x)%K != 0 || !finiteAll(x, mu, S) {
		return failMulti(dx, dp)
	}
	L := make([]float64, K*K)
	if !Cholesky(S, K, L) {
		return failMulti(dx, dp)
	}
	var dmu, ww []float64
	if dx != nil {
		dmu = dp[0]
		clear(dmu)
		ww = make([]float64, K*K)
	}
	lp := mvnCholesky(x, K, mu, L, dx, dmu, nil, ww)
	if dx != nil {
		n := float64(len(x) / K)
		col := make([]float64, K)
		dS := dp[1]
		for j := 0; j < K; j++ { // column j of Σ⁻¹ = L⁻ᵀ L⁻¹ eⱼ
			clear(col)
			col[j] = 1
			lowerSolve(L, K, col)
			upperSolveT(L, K, col)
			for i := 0; i < K; i++ {
				dS[i*K+j] = 0.5 * (ww[i*K+j] - n*col[i])
			}
		}
	}
	return lp
}

// lkjConstant is log c(η, K), the normalising constant of the LKJ density of correlation
// matrices, det(Ω)^(η−1)·c (Lewandowski, Kurowicka & Joe 2009, eq. 16):
// −Σₖ₌₁ᴷ⁻¹ [(2η − 2 + K − k)(K − k) log 2 + (K − k) log B(bₖ, bₖ)], bₖ = η + (K − k − 1)/2,
// with its derivative in η.
func lkjConstant(eta float64, K int) (c, dc float64) {
	for k := 1; k < K; k++ {
		m := float64(K - k)
		b := eta + (m-1)/2
		c -= (2*eta-2+m)*m*ln2 + m*lbeta(b, b)
		dc -= 2*m*ln2 + m*2*(digamma(b)-digamma(2*b))
	}
	return c, dc
}

// lkjCorrCholeskyLogDensity is Stan's lkj_corr_cholesky_lpdf: the LKJ(η) density of Ω = L Lᵀ
// times the Jacobian of Ω ↦ L, log c(η, K) + Σᵢ₌₂ᴷ (K − i + 2η − 2) log Lᵢᵢ (1-based i). L must
// be lower triangular with a positive diagonal and rows of length 1 (within 1e-8).
func lkjCorrCholeskyLogDensity(x []float64, K int, p [][]float64, dx []float64, dp [][]float64) float64 {
	eta := p[0][0]
	if len(x) != K*K || !(eta > 0) || math.IsInf(eta, 0) || !finiteAll(x) {
		return failMulti(dx, dp)
	}
	for i := 0; i < K; i++ {
		row := 0.0
		for j := 0; j < K; j++ {
			if j > i && x[i*K+j] != 0 {
				return failMulti(dx, dp)
			}
			row += x[i*K+j] * x[i*K+j]
		}
		if !(x[i*K+i] > 0) || math.Abs(row-1) > 1e-8 {
			return failMulti(dx, dp)
		}
	}
	lp, dc := lkjConstant(eta, K)
	if dx != nil {
		clear(dx)
		dp[0][0] = dc
	}
	for i := 1; i < K; i++ { // 0-based i is row i+1
		coef := float64(K-i-1) + 2*eta - 2
		l := math.Log(x[i*K+i])
		lp += coef * l
		if dx != nil {
			dx[i*K+i] = coef / x[i*K+i]
			dp[0][0] += 2 * l
		}
	}
	return lp
}

// lkjCorrCholeskySample draws L by the canonical partial correlations, as Stan's
// lkj_corr_cholesky_rng: the partial correlation of entry (i, j), j < i (0-based), is
// 2·Beta(a, a) − 1 with a = η + (K − 2 − j)/2, and L is built from them as the transform does.
func lkjCorrCholeskySample(r *rand.Rand, K int, p [][]float64, x []float64) bool {
	eta := p[0][0]
	if !(eta > 0) || math.IsInf(eta, 0) {
		return false
	}
	clear(x[:K*K])
	x[0] = 1
	for i := 1; i < K; i++ {
		sum := 0.0
		for j := 0; j < i; j++ {
			a := eta + float64(K-2-j)/2
			z := 2*betaSample(r, []float64{a, a}) - 1
			v := z * math.Sqrt(1-sum)
			x[i*K+j] = v
			sum += v * v
		}
		x[i*K+i] = math.Sqrt(1 - sum)
	}
	return true
}

func multiNormalCholeskySample(r *rand.Rand, K int, p [][]float64, x []float64) bool {
	mu, L := p[0], p[1]
	if !finiteAll(mu, L) {
		return false
	}
	for i := 0; i < K; i++ {
		if !(L[i*K+i] > 0) {
			return false
		}
	}
	z := make([]float64, K)
	for i := range z {
		z[i] = r.NormFloat64()
	}
	for i := 0; i < K; i++ {
		s := mu[i%len(mu)]
		for j := 0; j <= i; j++ {
			s += L[i*K+j] * z[j]
		}
		x[i] = s
	}
	return true
}

func multiNormalSample(r *rand.Rand, K int, p [][]float64, x []float64) bool {
	L := make([]float64, K*K)
	if !finiteAll(p[1]) || !Cholesky(p[1], K, L) {
		return false
	}
	return multiNormalCholeskySample(r, K, [][]float64{p[0], L}, x)
}

// StanDroppedMulti is StanDropped for a distribution of vectors or matrices: the summands of its
// log density that Stan's ~ drops (propto), given which arguments vary with the parameters, over
// the n·K values x (or one K×K matrix). As Stan Math's multi_normal_cholesky_lpdf and
// multi_normal_lpdf: −½K log 2π per row always, and −Σ log Lᵢᵢ (½ log|Σ|) per row when the
// covariance does not vary; as lkj_corr_cholesky_lpdf: the constant log c(η, K) when η does
// not vary. When nothing varies the whole density is dropped.
func (d *Dist) StanDroppedMulti(x []float64, K int, p [][]float64, vx bool, vp []bool) float64 {
	if !vx && !anyTrue(vp) {
		return d.Multi.LogDensity(x, K, p, nil, nil)
	}
	switch d.Name {
	case "LKJCorrCholesky":
		if vp[0] {
			return 0
		}
		c, _ := lkjConstant(p[0][0], K)
		return c
	}
	const halfLog2Pi = 0.91893853320467274178032973640561763986139747363778
	n := float64(len(x) / K)
	drop := -n * float64(K) * halfLog2Pi
	if !vp[1] {
		L := p[1]
		if d.Name == "MultiNormal" {
			L = make([]float64, K*K)
			if !Cholesky(p[1], K, L) {
				return math.NaN()
			}
		}
		for i := 0; i < K; i++ {
			drop -= n * math.Log(L[i*K+i])
		}
	}
	return drop
}
