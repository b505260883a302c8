package compiler

import (
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/hmcc-dev/hmcc/autodiff"
	"github.com/hmcc-dev/hmcc/dataset"
	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/internal/closedform"
	"github.com/hmcc-dev/hmcc/ir"
	"github.com/hmcc-dev/hmcc/lang"
)

// This file checks the compiled log density of the shipped models against an independent
// implementation written with package math only: its own CSV reading and standardization here, and
// the densities of internal/closedform. Densities follow the Stan Functions Reference (v2.3x), "Continuous Distributions"
// and "Binary Distributions"; all include their normalising constants, as hmcc's do:
//
//	normal_lpdf(y | μ, σ)      = −½ log(2π) − log σ − ½ ((y − μ)/σ)²        (Normal distribution)
//	gamma_lpdf(y | α, β)       = α log β − lgamma(α) + (α − 1) log y − β y   (Gamma distribution)
//	cauchy_lpdf(y | μ, s)      = −log π − log s − log(1 + ((y − μ)/s)²)      (Cauchy distribution)
//	half-Cauchy                = log 2 + cauchy_lpdf(y | 0, s), y ≥ 0        (truncation to y ≥ 0)
//	exponential_lpdf(y | λ)    = log λ − λ y                                 (Exponential distribution)
//	bernoulli_logit_lpmf(y | η) = y η − log(1 + exp(η))                      (Bernoulli distribution, logit parameterization)
//
// A parameter with support (0, ∞) is sampled as θ with y = exp(θ); the log density in θ adds
// log |dy/dθ| = θ (Stan Reference Manual, "Constraint Transforms", lower bounded scalar).

// refTable reads a CSV with encoding/csv: header names and columns of text.
type refTable struct {
	names []string
	cols  map[string][]string
}

func readRefTable(t *testing.T, path string) refTable {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	tab := refTable{names: recs[0], cols: map[string][]string{}}
	for _, r := range recs[1:] {
		for j, name := range tab.names {
			tab.cols[name] = append(tab.cols[name], r[j])
		}
	}
	return tab
}

func (r refTable) floats(t *testing.T, name string) []float64 {
	t.Helper()
	cells, ok := r.cols[name]
	if !ok {
		t.Fatalf("no column %q", name)
	}
	out := make([]float64, len(cells))
	for i, c := range cells {
		v, err := strconv.ParseFloat(c, 64)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = v
	}
	return out
}

// refStandardize returns (v − mean)/sd with the population sd (divide by n).
func refStandardize(v []float64) []float64 {
	n := float64(len(v))
	mean := 0.0
	for _, x := range v {
		mean += x
	}
	mean /= n
	ss := 0.0
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	sd := math.Sqrt(ss / n)
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = (x - mean) / sd
	}
	return out
}

// sparseLogisticRef: y = target; X = standardize(every other column); θ = (log τ, log λ[D], β[D]).
func sparseLogisticRef(t *testing.T, csvPath string) (dim int, logp func(theta []float64) float64) {
	tab := readRefTable(t, csvPath)
	y := tab.floats(t, "target")
	var X [][]float64 // by column
	for _, n := range tab.names {
		if n != "target" {
			X = append(X, refStandardize(tab.floats(t, n)))
		}
	}
	D := len(X)
	return 1 + 2*D, func(th []float64) float64 {
		lp := 0.0
		tau := math.Exp(th[0])
		lp += closedform.Gamma(tau, 0.5, 0.5) + th[0]
		w := make([]float64, D)
		for j := 0; j < D; j++ {
			lambda, beta := math.Exp(th[1+j]), th[1+D+j]
			lp += closedform.Gamma(lambda, 0.5, 0.5) + th[1+j]
			lp += closedform.Normal(beta, 0, 1)
			w[j] = tau * lambda * beta
		}
		for i := range y {
			eta := 0.0
			for j := 0; j < D; j++ {
				eta += X[j][i] * w[j]
			}
			lp += closedform.BernoulliLogit(y[i], eta)
		}
		return lp
	}
}

// eightSchoolsRef: θ = (μ, log τ, θ_raw[J]); y ~ Normal(μ + τ θ_raw, σ).
func eightSchoolsRef(t *testing.T, csvPath string) (int, func([]float64) float64) {
	tab := readRefTable(t, csvPath)
	y, sigma := tab.floats(t, "y"), tab.floats(t, "sigma")
	J := len(y)
	return 2 + J, func(th []float64) float64 {
		mu, tau := th[0], math.Exp(th[1])
		lp := closedform.Normal(mu, 0, 5) + closedform.HalfCauchy(tau, 5) + th[1]
		for j := 0; j < J; j++ {
			raw := th[2+j]
			lp += closedform.Normal(raw, 0, 1)
			lp += closedform.Normal(y[j], mu+tau*raw, sigma[j])
		}
		return lp
	}
}

// kidiqRef: X = standardize(mom_hs, mom_iq) in that order; θ = (α, β[2], log σ).
func kidiqRef(t *testing.T, csvPath string) (int, func([]float64) float64) {
	tab := readRefTable(t, csvPath)
	y := tab.floats(t, "kid_score")
	hs, iq := refStandardize(tab.floats(t, "mom_hs")), refStandardize(tab.floats(t, "mom_iq"))
	return 4, func(th []float64) float64 {
		alpha, b1, b2, sigma := th[0], th[1], th[2], math.Exp(th[3])
		lp := closedform.Normal(alpha, 0, 100) + closedform.Normal(b1, 0, 10) + closedform.Normal(b2, 0, 10)
		lp += closedform.Exponential(sigma, 0.1) + th[3]
		for i := range y {
			lp += closedform.Normal(y[i], alpha+hs[i]*b1+iq[i]*b2, sigma)
		}
		return lp
	}
}

// radonRef: county = county_idx as it is (1…85); θ = (μ_a, log σ_a, a[J], b, log σ_y), or for the
// varying slopes θ = (μ_a, log σ_a, a[J], μ_b, log σ_b, b_raw[J], log σ_y) with b = μ_b + σ_b b_raw.
// Half-normal(s) is log 2 + normal_lpdf(y | 0, s), y ≥ 0.
func radonRef(slopes bool) func(t *testing.T, csvPath string) (int, func([]float64) float64) {
	return func(t *testing.T, csvPath string) (int, func([]float64) float64) {
		tab := readRefTable(t, csvPath)
		y, x, cidx := tab.floats(t, "log_radon"), tab.floats(t, "floor_measure"), tab.floats(t, "county_idx")
		J := 0
		for _, c := range cidx {
			J = max(J, int(c))
		}
		halfNormal := func(v, s float64) float64 { return math.Log(2) + closedform.Normal(v, 0, s) }
		dim := 2 + J + 2
		if slopes {
			dim = 2 + J + 2 + J + 1
		}
		return dim, func(th []float64) float64 {
			muA, sigmaA := th[0], math.Exp(th[1])
			a := th[2 : 2+J]
			lp := closedform.Normal(muA, 0, 10) + halfNormal(sigmaA, 2) + th[1]
			for _, v := range a {
				lp += closedform.Normal(v, muA, sigmaA)
			}
			b := make([]float64, J)
			var sigmaY float64
			if slopes {
				muB, sigmaB := th[2+J], math.Exp(th[3+J])
				lp += closedform.Normal(muB, 0, 10) + halfNormal(sigmaB, 2) + th[3+J]
				for j := 0; j < J; j++ {
					raw := th[4+J+j]
					lp += closedform.Normal(raw, 0, 1)
					b[j] = muB + sigmaB*raw
				}
				sigmaY = math.Exp(th[4+2*J])
				lp += halfNormal(sigmaY, 2) + th[4+2*J]
			} else {
				lp += closedform.Normal(th[2+J], 0, 10)
				for j := range b {
					b[j] = th[2+J]
				}
				sigmaY = math.Exp(th[3+J])
				lp += halfNormal(sigmaY, 2) + th[3+J]
			}
			for i := range y {
				c := int(cidx[i]) - 1
				lp += closedform.Normal(y[i], a[c]+b[c]*x[i], sigmaY)
			}
			return lp
		}
	}
}

type shippedModel struct {
	name, model, csv string
	ref              func(t *testing.T, csvPath string) (int, func([]float64) float64)
	scale            float64 // sd of the random θ coordinates
}

var shippedModels = []shippedModel{
	{"sparse_logistic/german_credit", "../models/sparse_logistic.model", "../models/german_credit.csv", sparseLogisticRef, 0.7},
	{"eight_schools", "../models/eight_schools.model", "../models/eight_schools.csv", eightSchoolsRef, 1.5},
	{"kidiq", "../models/kidiq.model", "../models/kidiq.csv", kidiqRef, 2},
	{"radon", "../models/radon.model", "../models/radon_mn.csv", radonRef(false), 1},
	{"radon_slopes", "../models/radon_slopes.model", "../models/radon_mn.csv", radonRef(true), 1},
}

// compile parses, checks, binds and lowers a model file for the given batch size.
func compile(t *testing.T, modelPath, csvPath string, chains int) (*ir.Model, *autodiff.Program) {
	t.Helper()
	src, err := os.ReadFile(modelPath)
	if err != nil {
		t.Fatal(err)
	}
	ast, err := lang.Parse(modelPath, string(src))
	if err != nil {
		t.Fatal(diag.Render(err, string(src)))
	}
	m, err := Check(ast)
	if err != nil {
		t.Fatal(diag.Render(err, string(src)))
	}
	tab, err := dataset.Read(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	m, err = BindData(m, TableInput(tab))
	if err != nil {
		t.Fatal(diag.Render(err, string(src)))
	}
	p, err := Lower(m, chains)
	if err != nil {
		t.Fatal(err)
	}
	return m, p
}

// relClose reports whether got is within tol of want, relative to |want| when that exceeds 1.
// Infinities and NaN match only themselves: |finite − (−Inf)| ≤ tol·Inf would hold otherwise.
func relClose(got, want, tol float64) bool {
	if math.IsInf(want, 0) || math.IsInf(got, 0) || math.IsNaN(want) || math.IsNaN(got) {
		return got == want || math.IsNaN(got) && math.IsNaN(want)
	}
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

// randomTheta fills a chains×dim batch: row 0 is zero, the others N(0, scale²) draws.
func randomTheta(rng *rand.Rand, chains, dim int, scale float64) []float64 {
	theta := make([]float64, chains*dim)
	for i := dim; i < len(theta); i++ {
		theta[i] = scale * rng.NormFloat64()
	}
	return theta
}

func TestLogDensityMatchesReference(t *testing.T) {
	const chains = 3
	for _, sm := range shippedModels {
		t.Run(sm.name, func(t *testing.T) {
			dim, ref := sm.ref(t, sm.csv)
			m, prog := compile(t, sm.model, sm.csv, chains)
			if m.Dim() != dim || prog.Dim() != dim || prog.Chains() != chains {
				t.Fatalf("dim %d/%d chains %d, want dim %d chains %d", m.Dim(), prog.Dim(), prog.Chains(), dim, chains)
			}
			rng := rand.New(rand.NewPCG(1, uint64(dim)))
			logp, grad := make([]float64, chains), make([]float64, chains*dim)
			for trial := 0; trial < 4; trial++ {
				theta := randomTheta(rng, chains, dim, sm.scale)
				if err := prog.LogDensityGrad(theta, logp, grad); err != nil {
					t.Fatal(err)
				}
				for c := 0; c < chains; c++ {
					want := ref(theta[c*dim : (c+1)*dim])
					if math.IsNaN(want) || math.IsInf(want, 0) {
						t.Fatalf("reference is %v at %v", want, theta[c*dim:(c+1)*dim])
					}
					if !relClose(logp[c], want, 1e-9) {
						t.Errorf("trial %d chain %d: log density %.15g, reference %.15g (rel err %.2g)",
							trial, c, logp[c], want, math.Abs(logp[c]-want)/math.Abs(want))
					}
				}
				// The rows differ, so equal outputs would mean the batch mixes chains.
				if logp[0] == logp[1] || logp[1] == logp[2] {
					t.Errorf("trial %d: chains with different θ gave equal log densities %v", trial, logp)
				}
			}
		})
	}
}

// TestBatchRowsIndependent evaluates a batch, then the same rows in reverse order, then each row
// alone in a one-chain program: every chain's results must be the same bit for bit.
func TestBatchRowsIndependent(t *testing.T) {
	const chains = 3
	for _, sm := range shippedModels {
		t.Run(sm.name, func(t *testing.T) {
			m, prog := compile(t, sm.model, sm.csv, chains)
			_, single := compile(t, sm.model, sm.csv, 1)
			dim := m.Dim()
			theta := randomTheta(rand.New(rand.NewPCG(7, 7)), chains, dim, sm.scale)
			lp, g := make([]float64, chains), make([]float64, chains*dim)
			if err := prog.LogDensityGrad(theta, lp, g); err != nil {
				t.Fatal(err)
			}
			rev := make([]float64, len(theta))
			for c := 0; c < chains; c++ {
				copy(rev[(chains-1-c)*dim:], theta[c*dim:(c+1)*dim])
			}
			lpr, gr := make([]float64, chains), make([]float64, chains*dim)
			if err := prog.LogDensityGrad(rev, lpr, gr); err != nil {
				t.Fatal(err)
			}
			lp1, g1 := make([]float64, 1), make([]float64, dim)
			for c := 0; c < chains; c++ {
				r := chains - 1 - c
				// OpenBLAS's kernels block rows differently at the edges of a batch, so a chain's
				// last bits may depend on its row: equal to rounding, not bitwise.
				if !relClose(lpr[r], lp[c], 1e-13) {
					t.Errorf("chain %d: log density %v in order, %v reversed", c, lp[c], lpr[r])
				}
				if err := single.LogDensityGrad(theta[c*dim:(c+1)*dim], lp1, g1); err != nil {
					t.Fatal(err)
				}
				if !relClose(lp1[0], lp[c], 1e-13) {
					t.Errorf("chain %d: log density %v in a batch, %v alone", c, lp[c], lp1[0])
				}
				for k := 0; k < dim; k++ {
					if !relClose(gr[r*dim+k], g[c*dim+k], 1e-12) {
						t.Errorf("chain %d coordinate %d: gradient %v in order, %v reversed", c, k, g[c*dim+k], gr[r*dim+k])
					}
					if !relClose(g1[k], g[c*dim+k], 1e-12) {
						t.Errorf("chain %d coordinate %d: gradient %v in a batch, %v alone", c, k, g[c*dim+k], g1[k])
					}
				}
			}
		})
	}
}

// TestGradientFiniteDifferences compares every coordinate of every chain's gradient with a
// central difference of the log density, perturbing one chain's coordinate at a time; the other
// chains' log densities must not move at all.
func TestGradientFiniteDifferences(t *testing.T) {
	const chains = 4
	for _, sm := range shippedModels {
		t.Run(sm.name, func(t *testing.T) {
			m, prog := compile(t, sm.model, sm.csv, chains)
			dim := m.Dim()
			rng := rand.New(rand.NewPCG(42, uint64(dim)))
			lp, g := make([]float64, chains), make([]float64, chains*dim)
			worst := 0.0
			for point := 0; point < 3; point++ {
				theta := randomTheta(rng, chains, dim, sm.scale)
				if err := prog.LogDensityGrad(theta, lp, g); err != nil {
					t.Fatal(err)
				}
				grad := append([]float64(nil), g...)
				base := append([]float64(nil), lp...)
				for c := 0; c < chains; c++ {
					for k := 0; k < dim; k++ {
						i := c*dim + k
						fd, h, lpPlus, lpMinus := centralDifference(t, prog, theta, i, c)
						// rounding in lp±: a few ulps of |lp| divided by 2h
						tol := 1e-6*math.Max(1, math.Abs(grad[i])) + 1e-14*math.Abs(base[c])/h
						if err := math.Abs(fd - grad[i]); err > tol {
							t.Errorf("point %d chain %d coordinate %d (%s): gradient %.10g, finite difference %.10g",
								point, c, k, m.CoordinateNames()[k], grad[i], fd)
						} else {
							worst = math.Max(worst, err/tol)
						}
						for o := 0; o < chains; o++ {
							if o != c && (lpPlus[o] != base[o] || lpMinus[o] != base[o]) {
								t.Errorf("moving chain %d's θ changed chain %d's log density", c, o)
							}
						}
					}
				}
			}
			t.Logf("largest error / tolerance: %.3g", worst)
		})
	}
}

// TestSmallModelLogDensity covers what the shipped models do not: a let used twice, sum, folded
// data expressions, a scalar let broadcast against a vector, HalfNormal and StudentT.
//
//	half-normal:     log 2 + normal_lpdf(y | 0, σ), y ≥ 0
//	student_t_lpdf(y | ν, μ, σ) = lgamma((ν+1)/2) − lgamma(ν/2) − ½ log(νπ) − log σ
//	                              − (ν+1)/2 log(1 + ((y − μ)/σ)²/ν)      (Student-t distribution)
func TestSmallModelLogDensity(t *testing.T) {
	src := lines(
		`data y[N] = column "y"`,
		`data x[N] = column "x"`,
		"param a ~ Normal(0, 2)",
		"param s ~ HalfNormal(1)",
		"param v[N] ~ Normal(0, 1)",
		"let m = a + v * exp(-x / 2)",
		"let t = sum(m) / 3",
		"y ~ StudentT(4, m - t, s + 0.5)")
	dir := t.TempDir()
	modelPath, csvPath := dir+"/m.model", dir+"/d.csv"
	if err := os.WriteFile(modelPath, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(csvPath, []byte("y,x\n1.5,0\n-0.5,1\n3,2\n0.25,-1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ys, xs := []float64{1.5, -0.5, 3, 0.25}, []float64{0, 1, 2, -1}
	studentT := func(y, nu, mu, sigma float64) float64 {
		a, _ := math.Lgamma((nu + 1) / 2)
		b, _ := math.Lgamma(nu / 2)
		z := (y - mu) / sigma
		return a - b - 0.5*math.Log(nu*math.Pi) - math.Log(sigma) - (nu+1)/2*math.Log1p(z*z/nu)
	}
	ref := func(th []float64) float64 {
		a, s := th[0], math.Exp(th[1])
		lp := closedform.Normal(a, 0, 2) + math.Log(2) + closedform.Normal(s, 0, 1) + th[1]
		m := make([]float64, 4)
		sum := 0.0
		for i := range m {
			lp += closedform.Normal(th[2+i], 0, 1)
			m[i] = a + th[2+i]*math.Exp(-xs[i]/2)
			sum += m[i]
		}
		for i := range m {
			lp += studentT(ys[i], 4, m[i]-sum/3, s+0.5)
		}
		return lp
	}
	const chains = 3
	m, prog := compile(t, modelPath, csvPath, chains)
	dim := m.Dim()
	if dim != 6 {
		t.Fatalf("dim %d, want 6", dim)
	}
	rng := rand.New(rand.NewPCG(5, 5))
	matchReference(t, prog, chains, dim, rng, nil, ref)
}

// matchReference evaluates prog at three batches of random points (rng) and holds every chain's
// log density to ref's within 1e-12 relative, and every gradient coordinate to ref's central
// difference (step 1e-6) within 1e-6; names, when given, label the coordinates in messages.
func matchReference(t *testing.T, prog *autodiff.Program, chains, dim int, rng *rand.Rand, names []string, ref func([]float64) float64) {
	t.Helper()
	lp, g := make([]float64, chains), make([]float64, chains*dim)
	for trial := 0; trial < 3; trial++ {
		theta := randomTheta(rng, chains, dim, 1)
		if err := prog.LogDensityGrad(theta, lp, g); err != nil {
			t.Fatal(err)
		}
		for c := 0; c < chains; c++ {
			row := append([]float64(nil), theta[c*dim:(c+1)*dim]...)
			if want := ref(row); !relClose(lp[c], want, 1e-12) {
				t.Errorf("trial %d chain %d: log density %.15g, reference %.15g", trial, c, lp[c], want)
			}
			for k := range row {
				x, h := row[k], 1e-6
				row[k] = x + h
				up := ref(row)
				row[k] = x - h
				down := ref(row)
				row[k] = x
				if fd := (up - down) / (2 * h); math.Abs(g[c*dim+k]-fd) > 1e-6*math.Max(1, math.Abs(fd)) {
					label := fmt.Sprint(k)
					if names != nil {
						label += " (" + names[k] + ")"
					}
					t.Errorf("trial %d chain %d coordinate %s: gradient %.10g, finite difference of the reference %.10g", trial, c, label, g[c*dim+k], fd)
				}
			}
		}
	}
}

// centralDifference returns chain c's central difference of the log density in coordinate i of
// theta (chains×dim), the step h it used (1e-5, relative beyond 1) and every chain's log density
// at the two points; theta is restored.
func centralDifference(t *testing.T, prog *autodiff.Program, theta []float64, i, c int) (fd, h float64, lpPlus, lpMinus []float64) {
	t.Helper()
	chains := prog.Chains()
	scratch := make([]float64, len(theta))
	lpPlus, lpMinus = make([]float64, chains), make([]float64, chains)
	h = 1e-5 * math.Max(1, math.Abs(theta[i]))
	x := theta[i]
	theta[i] = x + h
	if err := prog.LogDensityGrad(theta, lpPlus, scratch); err != nil {
		t.Fatal(err)
	}
	theta[i] = x - h
	if err := prog.LogDensityGrad(theta, lpMinus, scratch); err != nil {
		t.Fatal(err)
	}
	theta[i] = x
	return (lpPlus[c] - lpMinus[c]) / (2 * h), h, lpPlus, lpMinus
}
