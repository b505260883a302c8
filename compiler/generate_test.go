package compiler

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/diag"
)

// TestGenerate checks the output columns of generated quantities: a value computed from data,
// parameters and an earlier draw, draws whose sizes come from their arguments or from their
// declaration, and the distribution of the draws at a fixed θ (mean and variance within five
// Monte Carlo standard errors of Normal(μ_i, σ) and Poisson(λ)).
func TestGenerate(t *testing.T) {
	src := lines(
		`data y[N] = column "y"`,
		`data g[N] = levels "g" as J`,
		"param a[J] ~ Normal(0, 1)",
		"param s ~ HalfNormal(1)",
		"let mu = a[g]",
		"y ~ Normal(mu, s)",
		"generate y_rep ~ Normal(mu, s)",
		"generate resid = y - mu",
		"generate k[N] ~ Poisson(3)",
		"generate spread = sum((y_rep - resid)^2)")
	m, _, err := bindSrc(t, src, "y,g\n0.5,1\n-1,2\n2,2\n")
	if err != nil {
		t.Fatal(diag.Render(err, src))
	}
	want := []string{"a.1", "a.2", "s", "mu.1", "mu.2", "mu.3", "y_rep.1", "y_rep.2", "y_rep.3",
		"resid.1", "resid.2", "resid.3", "k.1", "k.2", "k.3", "spread"}
	if got := OutputNames(m); !slices.Equal(got, want) {
		t.Fatalf("OutputNames = %v, want %v", got, want)
	}
	theta := []float64{0.3, -0.8, math.Log(0.5)} // a = (0.3, −0.8), s = 0.5
	mu := []float64{0.3, -0.8, -0.8}
	out := make([]float64, len(want))
	if err := Outputs(m, theta, out); err == nil || !strings.Contains(err.Error(), "no random source") {
		t.Errorf("Outputs without a random source: %v", err)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	const n = 40000
	var sum, sum2 [3]float64
	var ksum, ksum2 float64
	for range n {
		if err := OutputsRand(m, theta, rng, out); err != nil {
			t.Fatal(err)
		}
		spread := 0.0
		for i := 0; i < 3; i++ {
			if out[9+i] != []float64{0.5, -1, 2}[i]-mu[i] {
				t.Fatalf("resid = %v", out[9:12])
			}
			v := out[6+i]
			sum[i] += v
			sum2[i] += v * v
			spread += (v - out[9+i]) * (v - out[9+i])
			k := out[12+i]
			if k != math.Trunc(k) || k < 0 {
				t.Fatalf("k = %v", out[12:15])
			}
			ksum += k
			ksum2 += k * k
		}
		if math.Abs(out[15]-spread) > 1e-12*spread {
			t.Fatalf("spread = %v, want %v", out[15], spread)
		}
	}
	for i := 0; i < 3; i++ {
		mean, v := sum[i]/n, sum2[i]/n-(sum[i]/n)*(sum[i]/n)
		if math.Abs(mean-mu[i]) > 5*0.5/math.Sqrt(n) || math.Abs(v-0.25) > 5*0.25*math.Sqrt(2.0/n) {
			t.Errorf("y_rep.%d: mean %v variance %v, want %v and 0.25", i+1, mean, v, mu[i])
		}
	}
	if kmean, kv := ksum/(3*n), ksum2/(3*n)-(ksum/(3*n))*(ksum/(3*n)); math.Abs(kmean-3) > 5*math.Sqrt(3.0/(3*n)) || math.Abs(kv-3) > 0.1 {
		t.Errorf("k: mean %v variance %v, want 3 and 3", kmean, kv)
	}
}

// TestGenerateDirichlet draws simplexes: every draw sums to 1 and its mean is α/Σα.
func TestGenerateDirichlet(t *testing.T) {
	src := lines(
		`data y[N] = column "y"`,
		"param a ~ Gamma(2, 1)",
		"y ~ Exponential(a)",
		"generate w[N] ~ Dirichlet(a)",
		"generate v ~ Dirichlet(y)")
	m, _, err := bindSrc(t, src, "y\n1\n2\n3\n")
	if err != nil {
		t.Fatal(diag.Render(err, src))
	}
	if got := OutputNames(m); len(got) != 7 || got[1] != "w.1" || got[4] != "v.1" {
		t.Fatalf("OutputNames = %v", got)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	out := make([]float64, 7)
	const n = 20000
	var mean [3]float64
	for range n {
		if err := OutputsRand(m, []float64{0.3}, rng, out); err != nil {
			t.Fatal(err)
		}
		if s, s2 := out[1]+out[2]+out[3], out[4]+out[5]+out[6]; math.Abs(s-1) > 1e-14 || math.Abs(s2-1) > 1e-14 {
			t.Fatalf("draws %v do not sum to 1", out)
		}
		for k := range mean {
			mean[k] += out[4+k] / n
		}
	}
	for k, want := range []float64{1.0 / 6, 2.0 / 6, 3.0 / 6} {
		// Var v_k = α_k(6 − α_k)/(36 · 7)
		if se := math.Sqrt(float64(k+1) * float64(5-k) / (36 * 7) / n); math.Abs(mean[k]-want) > 5*se {
			t.Errorf("v.%d: mean %v, want %v", k+1, mean[k], want)
		}
	}
}

// TestGenerateMultivariate draws from the distributions of vectors and matrices at a fixed θ
// and checks the moments of 20000 draws against known values, each to five Monte Carlo
// standard errors: MultiNormal(m, S), MultiNormalCholesky(m, chol S) and the rows of a matrix
// drawn from MultiNormal have mean m and covariance S (the standard error of a sample covariance
// of normals is √((SᵢᵢSⱼⱼ + Sᵢⱼ²)/n)); under LKJ(η) in dimension K every off-diagonal element of
// Ω = L Lᵀ is 2·Beta(b, b) − 1 with b = η − 1 + K/2 (Lewandowski, Kurowicka & Joe 2009), mean 0
// and variance 1/(2b + 1), and Ω's diagonal is 1. The matrices come column by column, as
// CmdStan writes them.
func TestGenerateMultivariate(t *testing.T) {
	src := lines(
		`data m[K] = column "m"`,
		`data S[K, K] = columns "s1", "s2", "s3"`,
		"param a ~ Normal(0, 1)",
		"generate x ~ MultiNormal(m, S)",
		"generate z ~ MultiNormalCholesky(m, cholesky_decompose(S))",
		"generate Y[2, K] ~ MultiNormal(m, S)",
		"generate L[4, 4] ~ LKJCorrCholesky(0.8)",
		"generate Om = L @ transpose(L)")
	S := [][]float64{{2, 0.6, -0.3}, {0.6, 1, 0.2}, {-0.3, 0.2, 0.5}}
	mean := []float64{1, -2, 0.5}
	m, _, err := bindSrc(t, src, "m,s1,s2,s3\n1,2,0.6,-0.3\n-2,0.6,1,0.2\n0.5,-0.3,0.2,0.5\n")
	if err != nil {
		t.Fatal(diag.Render(err, src))
	}
	names := OutputNames(m)
	if len(names) != 1+3+3+6+16+16 || names[7] != "Y.1.1" || names[8] != "Y.2.1" || names[13] != "L.1.1" || names[14] != "L.2.1" {
		t.Fatalf("OutputNames = %v", names)
	}
	// the three-vectors: x, z and the two rows of Y (Y.i.k at 7 + (k−1)·2 + (i−1))
	vecs := [][3]int{{1, 2, 3}, {4, 5, 6}, {7, 9, 11}, {8, 10, 12}}
	const K, eta = 4, 0.8
	rng := rand.New(rand.NewPCG(15, 2))
	const n = 20000
	var sum [4][3]float64
	var cross [4][3][3]float64
	var osum, osum2 [K][K]float64
	out := make([]float64, len(names))
	for range n {
		if err := OutputsRand(m, []float64{0.1}, rng, out); err != nil {
			t.Fatal(err)
		}
		for v, ix := range vecs {
			for i := range 3 {
				sum[v][i] += out[ix[i]]
				for j := range 3 {
					cross[v][i][j] += (out[ix[i]] - mean[i]) * (out[ix[j]] - mean[j])
				}
			}
		}
		L, Om := out[13:29], out[29:45] // column-major: (i, j) at j·K + i
		for i := range K {
			for j := range K {
				if j > i && L[j*K+i] != 0 {
					t.Fatalf("L is not lower triangular: %v", L)
				}
				if i == j {
					if math.Abs(Om[j*K+i]-1) > 1e-12 {
						t.Fatalf("Ω's diagonal is not 1: %v", Om)
					}
					continue
				}
				osum[i][j] += Om[j*K+i]
				osum2[i][j] += Om[j*K+i] * Om[j*K+i]
			}
		}
	}
	what := []string{"x", "z", "Y[1, ]", "Y[2, ]"}
	for v := range vecs {
		for i := range 3 {
			if got, se := sum[v][i]/n, math.Sqrt(S[i][i]/n); math.Abs(got-mean[i]) > 5*se {
				t.Errorf("%s[%d]: mean %.4f, want %g ± %.4f", what[v], i+1, got, mean[i], se)
			}
			for j := range 3 {
				got := cross[v][i][j] / n
				se := math.Sqrt((S[i][i]*S[j][j] + S[i][j]*S[i][j]) / n)
				if math.Abs(got-S[i][j]) > 5*se {
					t.Errorf("%s: covariance (%d, %d) %.4f, want %g ± %.4f", what[v], i+1, j+1, got, S[i][j], se)
				}
			}
		}
	}
	b := eta - 1 + float64(K)/2
	wantVar := 1 / (2*b + 1)
	seMean := math.Sqrt(wantVar / n)
	seVar := math.Sqrt((3/((2*b+1)*(2*b+3)) - wantVar*wantVar) / n)
	for i := range K {
		for j := range K {
			if i == j {
				continue
			}
			mu := osum[i][j] / n
			v := osum2[i][j]/n - mu*mu
			if math.Abs(mu) > 5*seMean || math.Abs(v-wantVar) > 5*seVar {
				t.Errorf("Ω[%d, %d]: mean %.4f (want 0 ± %.4f), variance %.4f (want %.4f ± %.4f)", i+1, j+1, mu, seMean, v, wantVar, seVar)
			}
		}
	}
}
