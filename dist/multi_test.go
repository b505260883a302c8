package dist

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestLKJSampleMarginals: under LKJ(η) in dimension K every correlation of Ω = L Lᵀ has the
// marginal 2·Beta(b, b) − 1 with b = η − 1 + K/2 (Lewandowski, Kurowicka & Joe 2009, sec. 3.2),
// mean 0 and variance 1/(2b + 1). Checked on 40000 draws to five standard errors.
func TestLKJSampleMarginals(t *testing.T) {
	d, _ := LookupMulti("LKJCorrCholesky")
	rng := rand.New(rand.NewPCG(9, 10))
	for _, tc := range []struct {
		K   int
		eta float64
	}{{2, 1}, {3, 2}, {4, 0.7}} {
		K := tc.K
		b := tc.eta - 1 + float64(K)/2
		wantVar := 1 / (2*b + 1)
		const n = 40000
		L := make([]float64, K*K)
		sum, sum2 := map[[2]int]float64{}, map[[2]int]float64{}
		for range n {
			if !d.Multi.Sample(rng, K, [][]float64{{tc.eta}}, L) {
				t.Fatal("no draw")
			}
			if lp := d.Multi.LogDensity(L, K, [][]float64{{tc.eta}}, nil, nil); math.IsInf(lp, 0) || math.IsNaN(lp) {
				t.Fatalf("a draw outside the support: %v (%v)", L, lp)
			}
			for i := 1; i < K; i++ {
				for j := 0; j < i; j++ {
					r := 0.0
					for k := 0; k < K; k++ {
						r += L[i*K+k] * L[j*K+k]
					}
					sum[[2]int{i, j}] += r
					sum2[[2]int{i, j}] += r * r
				}
			}
		}
		for ij, s := range sum {
			mean := s / n
			v := sum2[ij]/n - mean*mean
			seMean := math.Sqrt(wantVar / n)
			// the variance of r² for 2Beta(b, b) − 1: E r⁴ − (E r²)², E r⁴ = 3/((2b + 1)(2b + 3))
			seVar := math.Sqrt((3/((2*b+1)*(2*b+3)) - wantVar*wantVar) / n)
			if math.Abs(mean) > 5*seMean || math.Abs(v-wantVar) > 5*seVar {
				t.Errorf("K=%d η=%g Ω%v: mean %.4f (want 0 ± %.4f), variance %.4f (want %.4f ± %.4f)", K, tc.eta, ij, mean, seMean, v, wantVar, seVar)
			}
		}
	}
}

// TestLKJDensityIntegratesToOne: for K = 2, L = [[1, 0], [r, √(1 − r²)]] is a function of the one
// correlation r; with r = tanh(x) (the correlation-Cholesky transform) the density of x is
// LKJCorrCholesky(L(x)) times the transform's Jacobian 1 − r², which must integrate to 1 over the
// real line if the density's normalising constant is right.
func TestLKJDensityIntegratesToOne(t *testing.T) {
	d, _ := LookupMulti("LKJCorrCholesky")
	for _, eta := range []float64{0.5, 1, 2, 7.5} {
		total := 0.0
		const h = 1e-3
		for x := -20.0; x <= 20; x += h {
			r := math.Tanh(x)
			L := []float64{1, 0, r, math.Sqrt(1 - r*r)}
			lp := d.Multi.LogDensity(L, 2, [][]float64{{eta}}, nil, nil)
			total += h * math.Exp(lp+math.Log1p(-r*r))
		}
		if math.Abs(total-1) > 1e-6 {
			t.Errorf("η = %g: the density integrates to %.9f", eta, total)
		}
	}
}

// TestMultiGradients holds the gradients of the multivariate densities to central differences.
func TestMultiGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	K := 3
	L := []float64{1.2, 0, 0, 0.3, 0.8, 0, -0.4, 0.2, 0.5}
	S := make([]float64, K*K) // S = L Lᵀ
	for i := 0; i < K; i++ {
		for j := 0; j < K; j++ {
			for k := 0; k < K; k++ {
				S[i*K+j] += L[i*K+k] * L[j*K+k]
			}
		}
	}
	x := make([]float64, 2*K)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	corr := []float64{1, 0, 0, 0.6, 0.8, 0, -0.3, 0.5, math.Sqrt(1 - 0.09 - 0.25)}
	for _, tc := range []struct {
		name string
		x    []float64
		p    [][]float64
	}{
		{"MultiNormalCholesky", x, [][]float64{{0.1, -0.2, 0.3}, L}},
		{"MultiNormal", x, [][]float64{{0.5}, S}},
		{"LKJCorrCholesky", corr, [][]float64{{1.7}}},
	} {
		d, _ := LookupMulti(tc.name)
		dx := make([]float64, len(tc.x))
		dp := make([][]float64, len(tc.p))
		for i, p := range tc.p {
			dp[i] = make([]float64, len(p))
		}
		lp := d.Multi.LogDensity(tc.x, K, tc.p, dx, dp)
		if math.IsInf(lp, 0) || math.IsNaN(lp) {
			t.Fatalf("%s: %v", tc.name, lp)
		}
		check := func(what string, v []float64, got []float64) {
			for i := range v {
				if tc.name == "LKJCorrCholesky" && what == "x" {
					continue // moving one element leaves the support (rows of length 1): the compiler's tests check it through the transform
				}
				h := 1e-6
				v0 := v[i]
				v[i] = v0 + h
				up := d.Multi.LogDensity(tc.x, K, tc.p, nil, nil)
				v[i] = v0 - h
				down := d.Multi.LogDensity(tc.x, K, tc.p, nil, nil)
				v[i] = v0
				if fd := (up - down) / (2 * h); math.Abs(fd-got[i]) > 1e-6*math.Max(1, math.Abs(fd)) {
					t.Errorf("%s: ∂/∂%s[%d] = %.10g, finite difference %.10g", tc.name, what, i, got[i], fd)
				}
			}
		}
		check("x", tc.x, dx)
		for i := range tc.p {
			check(d.Params[i].Name, tc.p[i], dp[i])
		}
	}
}
