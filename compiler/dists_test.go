package compiler

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/hmcc-dev/hmcc/autodiff"
	"github.com/hmcc-dev/hmcc/ir"
)

// compileSrc writes a model and its CSV to a temporary folder and compiles them for chains.
func compileSrc(t *testing.T, src, csv string, chains int) (*ir.Model, *autodiff.Program) {
	t.Helper()
	dir := t.TempDir()
	modelPath, csvPath := filepath.Join(dir, "m.model"), filepath.Join(dir, "d.csv")
	if err := os.WriteFile(modelPath, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(csvPath, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	return compile(t, modelPath, csvPath, chains)
}

// referenceLogDensity evaluates a bound model at one chain's unconstrained θ with the IR's
// reference evaluator: every prior and likelihood term by ir.Term.LogDensity (which calls the
// registry's densities one element at a time) plus each transform's log-Jacobian.
func referenceLogDensity(t *testing.T, m *ir.Model, theta []float64) float64 {
	t.Helper()
	params := map[*ir.ParamVar][]float64{}
	lp := 0.0
	for _, p := range m.Params {
		v := make([]float64, m.Sizes.Len(p.Shape))
		lp += p.Constraint.ConstrainAll(theta[p.Offset:p.Offset+p.Len], v)
		params[p] = v
	}
	env := ir.NewEnv(m.Sizes, params)
	terms := append([]*ir.Term(nil), m.Terms...)
	for _, p := range m.Params {
		terms = append(terms, p.Prior)
	}
	for _, term := range terms {
		v, err := term.LogDensity(env)
		if err != nil {
			t.Fatal(err)
		}
		lp += v
	}
	return lp
}

// checkCompiled compares a compiled model's log density with the reference evaluator and its
// gradient with central finite differences of the compiled log density, chain by chain.
func checkCompiled(t *testing.T, m *ir.Model, prog *autodiff.Program, chains int, scale float64, seed uint64) {
	t.Helper()
	dim := m.Dim()
	rng := rand.New(rand.NewPCG(seed, uint64(dim)))
	lp, g := make([]float64, chains), make([]float64, chains*dim)
	names := m.CoordinateNames()
	for point := 0; point < 3; point++ {
		theta := randomTheta(rng, chains, dim, scale)
		if err := prog.LogDensityGrad(theta, lp, g); err != nil {
			t.Fatal(err)
		}
		grad := append([]float64(nil), g...)
		base := append([]float64(nil), lp...)
		for c := 0; c < chains; c++ {
			want := referenceLogDensity(t, m, theta[c*dim:(c+1)*dim])
			if math.IsInf(want, 0) || math.IsNaN(want) {
				t.Fatalf("point %d chain %d: reference log density %v", point, c, want)
			}
			if !relClose(base[c], want, 1e-11) {
				t.Errorf("point %d chain %d: log density %.15g, reference evaluator %.15g", point, c, base[c], want)
			}
			for k := 0; k < dim; k++ {
				i := c*dim + k
				fd, h, _, _ := centralDifference(t, prog, theta, i, c)
				tol := 1e-6*math.Max(1, math.Abs(grad[i])) + 1e-14*math.Abs(base[c])/h
				if math.Abs(fd-grad[i]) > tol {
					t.Errorf("point %d chain %d coordinate %s: gradient %.10g, finite difference %.10g",
						point, c, names[k], grad[i], fd)
				}
			}
		}
	}
}

// TestDistributionsEndToEnd uses every distribution added for hierarchical models, the
// continuous ones both as priors (so through their support's transform) and as likelihoods,
// and the discrete ones as likelihoods, with arguments that depend on parameters. The compiled
// log density must equal the reference evaluator's and its gradient finite differences.
func TestDistributionsEndToEnd(t *testing.T) {
	src := lines(
		`data x[N] = column "x"`,
		`data u[N] = column "u"`,
		`data tt[N] = column "t"`,
		`data z[N] = column "z"`,
		`data c[N] = column "c"`,
		`data n[N] = column "n"`,
		`data s[N] = column "s"`,
		"param p ~ Beta(2, 3)",
		"param w ~ Uniform(-1, 3)",
		"param v ~ Uniform(0, sum(tt))", // bounds from data, set when the data are bound
		"param m ~ Laplace(0, 2)",
		"param l ~ Logistic(1, 2)",
		"param g ~ InverseGamma(3, 2)",
		"param k ~ Weibull(2, 1.5)",
		"param h ~ HalfStudentT(3, 1)",
		"param a ~ Normal(0, 1)",
		"param b ~ Normal(0, 1)",
		"u ~ Beta(p * k + 0.5, h + 0.2)",
		"x ~ Uniform(w - 20, v + 20)",
		"x ~ Laplace(m, g)",
		"x ~ Logistic(l, h + 0.1)",
		"tt ~ InverseGamma(k, g)",
		"tt ~ Weibull(k + 0.5, g)",
		"tt ~ HalfStudentT(h + 1, g)",
		"z ~ Bernoulli(p)",
		"s ~ Binomial(n, p)",
		"s ~ BinomialLogit(n, a + b * x)",
		"c ~ Poisson(g * tt)",
		"c ~ PoissonLog(a + b * x)",
		"c ~ NegBinomial2(k * tt, h)")
	csv := "x,u,t,z,c,n,s\n" +
		"-1.5,0.2,0.7,1,3,10,4\n" +
		"0.3,0.55,2.5,0,0,1,0\n" +
		"2.9,0.9,1.2,1,12,7,7\n" +
		"-0.4,0.05,0.1,0,1,20,3\n" +
		"1.1,0.7,4,1,5,0,0\n"
	const chains = 3
	m, prog := compileSrc(t, src, csv, chains)
	want := map[string]string{"p": "(0, 1)", "w": "(-1, 3)", "v": "(0, 8.5)", "m": "real", "l": "real",
		"g": "positive", "k": "positive", "h": "positive"}
	for _, p := range m.Params {
		if w, ok := want[p.Name]; ok && p.Constraint.String() != w {
			t.Errorf("parameter %s has constraint %s, want %s", p.Name, p.Constraint, w)
		}
	}
	checkCompiled(t, m, prog, chains, 1, 11)
}

// TestGroupsEndToEnd compiles varying intercepts and slopes with text groups, a group that no
// row uses, a gathered let and a gathered value inside a function, and checks the log density
// against the reference evaluator and the gradient (a scatter-add over each group's rows)
// against finite differences.
func TestGroupsEndToEnd(t *testing.T) {
	src := lines(
		`data y[N] = column "y"`,
		`data x[N] = column "x"`,
		`data county[N] = levels "county" as J`,
		`data region[N] = levels "region" as R`,
		"param mu_a ~ Normal(0, 5)",
		"param sigma_a ~ HalfNormal(1)",
		"param a[J] ~ Normal(mu_a, sigma_a)",
		"param b_raw[J] ~ Normal(0, 1)",
		"param sigma_b ~ HalfNormal(1)",
		"let b = sigma_b * b_raw",
		"param r[R] ~ Normal(0, 1)",
		"param sigma ~ Exponential(1)",
		"y ~ Normal(a[county] + b[county] * x + exp(r[region]) / 4, sigma)")
	// counties are text (sorted: AITKIN, ANOKA, BECKER); regions are codes 1…4 kept as they are,
	// so region 3, which no row has, is a parameter with only its prior.
	csv := "county,region,x,y\n" +
		"BECKER,1,0,1.2\n" +
		"AITKIN,2,1,0.4\n" +
		"ANOKA,4,0,2.1\n" +
		"BECKER,4,1,0.7\n" +
		"AITKIN,1,0,1.5\n" +
		"BECKER,2,0,0.9\n"
	const chains = 3
	m, prog := compileSrc(t, src, csv, chains)
	if m.Sizes["J"] != 3 || m.Sizes["R"] != 4 || m.Sizes["N"] != 6 {
		t.Fatalf("sizes %v, want N=6 J=3 R=4", m.Sizes)
	}
	county := m.Data[2]
	if got := county.Value.Data; !slicesEqual(got, []float64{3, 1, 2, 3, 1, 3}) {
		t.Errorf("county indices %v", got)
	}
	if got := county.Labels; len(got) != 3 || got[0] != "AITKIN" || got[2] != "BECKER" {
		t.Errorf("county labels %v", got)
	}
	if m.Dim() != 2+3+3+1+4+1 {
		t.Errorf("dim %d", m.Dim())
	}
	checkCompiled(t, m, prog, chains, 1, 12)
}

func slicesEqual(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestDirichletEndToEnd samples two simplexes: one with a scalar concentration that is a
// parameter, one with a vector of concentrations computed from parameters, and uses them through
// a grouping in a Poisson likelihood. The compiled log density (stick-breaking transform, its
// log-Jacobian and the Dirichlet density) must equal the reference evaluator's and its gradient
// finite differences; the output has K values per simplex and θ K − 1 coordinates.
func TestDirichletEndToEnd(t *testing.T) {
	src := lines(
		`data y[N] = column "y"`,
		`data g[N] = levels "g" as K`,
		"param conc ~ Gamma(2, 1)",
		"param w[K] ~ Dirichlet(conc)",
		"param u[K] ~ Normal(0, 1)",
		"param v[K] ~ Dirichlet(exp(u) + 0.5)",
		"param rate ~ Exponential(0.1)",
		"y ~ Poisson(rate * (w[g] + v[g]))")
	csv := "y,g\n3,1\n0,2\n5,3\n2,4\n7,3\n1,1\n"
	const chains = 3
	m, prog := compileSrc(t, src, csv, chains)
	if m.Dim() != 1+3+4+3+1 {
		t.Errorf("dim %d, want 12", m.Dim())
	}
	if got := OutputNames(m); len(got) != 1+4+4+4+1 || got[1] != "w.1" || got[4] != "w.4" {
		t.Errorf("output names %v", got)
	}
	checkCompiled(t, m, prog, chains, 1, 13)
	// The outputs are simplexes that Unconstrain maps back to θ.
	theta := []float64{0.2, 0.5, -1, 0.3, 0.1, -0.2, 0.4, 1.1, -0.7, 0.9, 0.05, 1}
	out := make([]float64, len(OutputNames(m)))
	if err := Outputs(m, theta, out); err != nil {
		t.Fatal(err)
	}
	if s := out[1] + out[2] + out[3] + out[4]; math.Abs(s-1) > 1e-14 {
		t.Errorf("w = %v sums to %v", out[1:5], s)
	}
	back := make([]float64, len(theta))
	vals := map[string][]float64{"conc": out[0:1], "w": out[1:5], "u": out[5:9], "v": out[9:13], "rate": out[13:14]}
	if err := Unconstrain(m, vals, back); err != nil {
		t.Fatal(err)
	}
	for i := range theta {
		if math.Abs(back[i]-theta[i]) > 1e-9 {
			t.Errorf("Unconstrain(Outputs(θ)) = %v, θ = %v", back, theta)
			break
		}
	}
}
