package compiler

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/ir"
	"github.com/hmcc-dev/hmcc/lang"
)

// oracleQuantities is what the reported quantities are by the language's reference semantics:
// every reported let and generated quantity evaluated by ir.Eval (drawn by ir.GenVar.Generate),
// the computation hmcc used before the outputs were compiled.
func oracleQuantities(m *ir.Model, theta []float64, rng *rand.Rand, out []float64) error {
	env := constrainedEnv(m, theta, out)
	env.Rand = rng
	k := naturalLen(m)
	for _, l := range m.Lets {
		if !l.Reported {
			continue
		}
		t, err := ir.Eval(ir.NewLetRef(ir.NewSpan(l.Pos, l.Pos), l), env)
		if err != nil {
			return err
		}
		k += copyColumnMajor(out[k:], t)
	}
	for _, g := range m.Generated {
		t, err := g.Generate(env)
		if err != nil {
			return err
		}
		k += copyColumnMajor(out[k:], t)
	}
	return nil
}

// copyColumnMajor copies t's values into dst, a matrix column by column as CmdStan writes it.
func copyColumnMajor(dst []float64, t *ir.Tensor) int {
	if len(t.Shape) != 2 {
		return copy(dst, t.Data)
	}
	for j, i := range ir.ColumnMajor(t.Shape) {
		dst[j] = t.Data[i]
	}
	return len(t.Data)
}

// oracleLogLik is the pointwise log-likelihood by ir.Term.Pointwise.
func oracleLogLik(m *ir.Model, theta []float64, out []float64) error {
	env := constrainedEnv(m, theta, make([]float64, naturalLen(m)))
	k := 0
	for _, t := range m.Terms {
		lp, err := t.Pointwise(env)
		if err != nil {
			return err
		}
		k += copy(out[k:], lp)
	}
	return nil
}

// oracleModels are every bundled model with its data, the generate model of the dump tests, and
// models written here for what the bundled ones lack: generated draws from a distribution of
// vectors and from a discrete one, generated values reading earlier draws, a mixture with
// components written out, simplex and ordered parameters.
func oracleModels(t *testing.T) map[string]*ir.Model {
	t.Helper()
	bundled := map[string][]string{
		"sparse_logistic/german_credit": {"sparse_logistic.model", "german_credit.csv"},
		"sparse_logistic/breast_cancer": {"sparse_logistic.model", "breast_cancer.csv"},
		"eight_schools":                 {"eight_schools.model", "eight_schools.csv"},
		"kidiq":                         {"kidiq.model", "kidiq.csv"},
		"radon":                         {"radon.model", "radon_mn.csv"},
		"radon_slopes":                  {"radon_slopes.model", "radon_mn.csv"},
		"radon_uranium":                 {"radon_uranium.model", "radon_mn.csv", "radon_counties.csv"},
		"wide_regression":               {"wide_regression.model", "wide_regression.csv"},
		"poly_regression":               {"poly_regression.model", "poly_regression.csv"},
		"ar2":                           {"ar2.model", "ar2.csv"},
		"arma11":                        {"arma11.model", "arma11.csv"},
		"garch11":                       {"garch11.model", "garch11.csv"},
		"normal_mixture":                {"normal_mixture.model", "mixture.csv"},
		"poisson_exposure":              {"poisson_exposure.model", "claims.csv"},
		"radon_ppc":                     {"testdata/dump/radon_ppc.model", "radon_mn.csv"},
	}
	models := map[string]*ir.Model{}
	for name, files := range bundled {
		path := "../models/" + files[0]
		if strings.HasPrefix(files[0], "testdata/") {
			path = files[0]
		}
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var csvs []string
		for _, f := range files[1:] {
			b, err := os.ReadFile("../models/" + f)
			if err != nil {
				t.Fatal(err)
			}
			csvs = append(csvs, f, string(b))
		}
		models[name] = bindFiles(t, name, string(src), csvs...)
	}
	written := map[string][]string{
		"generate": {lines(
			`data y[N] = column "y"`,
			`data g[N] = levels "g" as J`,
			"param a[J] ~ Normal(0, 1)",
			"param s ~ HalfNormal(1)",
			"param w[3] ~ Dirichlet(2)",
			"let mu = a[g]",
			"y ~ Normal(mu, s)",
			"generate y_rep ~ Normal(mu, s)",
			"generate resid = y - mu",
			"generate k[N] ~ Poisson(3)",
			"generate p[3] ~ Dirichlet(w * 10)",
			"generate c ~ Poisson(exp(a[1]) + 1)",
			"generate spread = sum((y_rep - resid)^2) + k[1] * p[2]",
			"generate z0 ~ Normal(0, 1)",
			"generate z1 ~ Normal(exp(log(s * 2) + 1), 1)",
			"generate z2 ~ Normal(0, 1)"),
			"d.csv", "y,g\n0.5,1\n-1,2\n2,2\n1.5,1\n"},
		// draws of the distributions of vectors and matrices (whole vectors, the rows of a
		// matrix, a K×K matrix) and matrix values computed from them
		"generate_multi": {lines(
			`data y[N] = column "y"`,
			"param mu[3] ~ Normal(0, 1)",
			"param s ~ HalfNormal(1)",
			"y ~ Normal(mu[1], s)",
			"generate L[3, 3] ~ LKJCorrCholesky(1.5)",
			"generate Om = L @ transpose(L)",
			"generate v ~ MultiNormalCholesky(mu, diag_pre_multiply(mu * 0 + s, L))",
			"generate W[N, 3] ~ MultiNormal(0, add_diag(Om, s))",
			"generate u ~ MultiNormal(mu, add_diag(Om, 1))",
			"generate r = v[2] + W[1, 3] + Om[2, 1]"),
			"d.csv", "y\n0.5\n-1\n2\n1.5\n"},
		"mixture_of": {lines(
			`data y[N] = column "y"`,
			"param w[2] ~ Dirichlet(1)",
			"param mu[2] ~ Ordered(Normal(0, 5))",
			"param s ~ HalfNormal(2)",
			"param th ~ Beta(2, 2)",
			"let spread = mu[2] - mu[1]",
			"y ~ Mixture(w, Normal(mu[1], s), StudentT(4, mu[2], s))",
			"y ~ Mixture(th, Normal(mu, s))"),
			"d.csv", "y\n-1.2\n0.3\n2.5\n4.1\n-0.7\n"},
	}
	for name, f := range written {
		models[name] = bindFiles(t, name, f[0], f[1:]...)
	}
	return models
}

func bindFiles(t testing.TB, name, src string, csvs ...string) *ir.Model {
	t.Helper()
	ast, err := lang.Parse(name+".model", src)
	if err != nil {
		t.Fatalf("%s: %s", name, diag.Render(err, src))
	}
	m, err := Check(ast)
	if err != nil {
		t.Fatalf("%s: %s", name, diag.Render(err, src))
	}
	bound, err := BindData(m, inputsFor(t, csvs...)...)
	if err != nil {
		t.Fatalf("%s: %s", name, diag.Render(err, src))
	}
	return bound
}

// closeRel reports whether got and want agree to tol relative, NaN matching NaN and
// infinities matching exactly.
func closeRel(got, want, tol float64) bool {
	if math.IsNaN(got) || math.IsNaN(want) {
		return math.IsNaN(got) && math.IsNaN(want)
	}
	if math.IsInf(got, 0) || math.IsInf(want, 0) {
		return got == want
	}
	return math.Abs(got-want) <= tol*math.Max(math.Abs(got), math.Abs(want))
}

// TestOutputsMatchEval holds the compiled outputs (CompileOutputs: reported lets, generated
// quantities, the pointwise log-likelihood) to ir.Eval's on every bundled model and the models
// above, at several random θ, to 1e-12 relative. The draws of generated quantities come from
// two copies of one stream, so they must agree as well: the compiled draws use the stream in
// the order ir.Eval does.
func TestOutputsMatchEval(t *testing.T) {
	const tol = 1e-12
	for name, m := range oracleModels(t) {
		t.Run(name, func(t *testing.T) {
			o, err := CompileOutputs(m)
			if err != nil {
				t.Fatal(err)
			}
			names := OutputNames(m)
			llNames := LogLikNames(m)
			got, want := make([]float64, len(names)), make([]float64, len(names))
			gotLL, wantLL := make([]float64, len(llNames)), make([]float64, len(llNames))
			rng := rand.New(rand.NewPCG(7, uint64(len(name))))
			for trial := 0; trial < 5; trial++ {
				theta := make([]float64, m.Dim())
				for i := range theta {
					theta[i] = 2*rng.Float64() - 1
				}
				seed := rng.Uint64()
				if err := o.Quantities(theta, rand.New(rand.NewPCG(seed, 1)), got); err != nil {
					t.Fatal(err)
				}
				if err := oracleQuantities(m, theta, rand.New(rand.NewPCG(seed, 1)), want); err != nil {
					t.Fatal(err)
				}
				if err := o.LogLik(theta, gotLL); err != nil {
					t.Fatal(err)
				}
				if err := oracleLogLik(m, theta, wantLL); err != nil {
					t.Fatal(err)
				}
				bad := 0
				check := func(what string, i int, g, w float64) {
					if !closeRel(g, w, tol) && bad < 5 {
						bad++
						t.Errorf("θ #%d: %s = %v compiled, %v by ir.Eval (relative difference %.2g)", trial, what, g, w, math.Abs(g-w)/math.Abs(w))
					}
				}
				for i := range got {
					check(names[i], i, got[i], want[i])
				}
				for i := range gotLL {
					check(llNames[i], i, gotLL[i], wantLL[i])
				}
			}
		})
	}
}

// TestOutputsWrappersCompileOnce checks that OutputsRand and LogLik, which cmd/hmcc calls per
// draw, reuse one compiled value per bound model and compile again for a model bound anew.
func TestOutputsWrappersCompileOnce(t *testing.T) {
	src := lines(`data y[N] = column "y"`, "param mu ~ Normal(0, 1)", "let m2 = mu * 2", "y ~ Normal(mu, 1)")
	m := bindFiles(t, "once", src, "d.csv", "y\n1\n2\n")
	a, err := compiledOutputs(m)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := compiledOutputs(m)
	if a != b {
		t.Error("compiled twice for one bound model")
	}
	out := make([]float64, 2)
	if err := Outputs(m, []float64{0.25}, out); err != nil || out[0] != 0.25 || out[1] != 0.5 {
		t.Errorf("Outputs = %v, %v; want [0.25 0.5]", out, err)
	}
	m2 := bindFiles(t, "once", src, "d.csv", "y\n5\n6\n")
	c, _ := compiledOutputs(m2)
	if c == a {
		t.Error("a second model shares the first one's compiled outputs")
	}
	// hmcc's draw sink calls from one goroutine at a time, but the wrappers are safe for more
	done := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func() {
			out, ll := make([]float64, 2), make([]float64, 2)
			for i := 0; i < 200; i++ {
				th := float64(g) + float64(i)/100
				if err := Outputs(m, []float64{th}, out); err != nil || out[1] != 2*th {
					done <- fmt.Errorf("Outputs at %v = %v, %v", th, out, err)
					return
				}
				if err := LogLik(m, []float64{th}, ll); err != nil || !closeRel(ll[0], -0.5*(1-th)*(1-th)-0.5*math.Log(2*math.Pi), 1e-14) {
					done <- fmt.Errorf("LogLik at %v = %v, %v", th, ll, err)
					return
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	ll := make([]float64, 2)
	if err := LogLik(m2, []float64{0}, ll); err != nil {
		t.Fatal(err)
	}
	for i, y := range []float64{5, 6} {
		if want := -0.5*y*y - 0.5*math.Log(2*math.Pi); !closeRel(ll[i], want, 1e-15) {
			t.Errorf("log_lik.%d = %v, want %v", i+1, ll[i], want)
		}
	}
}

// constrainedEnv maps θ to every parameter's natural scale, writing the values into dst
// (naturalLen(m) long, in declaration order), and returns ir.Eval's environment over them.
func constrainedEnv(m *ir.Model, theta, dst []float64) *ir.Env {
	params := make(map[*ir.ParamVar][]float64, len(m.Params))
	k := 0
	for _, p := range m.Params {
		n := m.Sizes.Len(p.Shape)
		v := dst[k : k+n]
		p.Constraint.ConstrainAll(theta[p.Offset:p.Offset+p.Len], v)
		params[p] = v
		k += n
	}
	return ir.NewEnv(m.Sizes, params)
}

// naturalLen is the number of parameter values on the natural scale: m.Dim() plus one for each
// simplex (K values from K − 1 coordinates).
func naturalLen(m *ir.Model) int {
	n := 0
	for _, p := range m.Params {
		n += m.Sizes.Len(p.Shape)
	}
	return n
}

// oracleNonFiniteTerm is NonFiniteTerm by ir.Eval, as hmcc computed it before.
func oracleNonFiniteTerm(m *ir.Model, theta []float64) string {
	env := constrainedEnv(m, theta, make([]float64, naturalLen(m)))
	terms := make([]*ir.Term, 0, len(m.Params)+len(m.Terms))
	for _, p := range m.Params {
		terms = append(terms, p.Prior)
	}
	terms = append(terms, m.Terms...)
	for _, t := range terms {
		lp, err := t.LogDensity(env)
		if err != nil || math.IsNaN(lp) || math.IsInf(lp, 0) {
			what := "the likelihood"
			if _, isParam := t.Variate.(*ir.ParamRef); isParam {
				what = "the prior"
			}
			return fmt.Sprintf("%s %s ~ %s at %s is %v there%s", what, variateName(t), t.Dist.Name, t.Pos, lp, oracleNonFiniteSource(t, env))
		}
	}
	return ""
}

func oracleNonFiniteSource(t *ir.Term, env *ir.Env) string {
	for _, a := range t.Args {
		if e, v := oracleInnermostNonFinite(a, env); e != nil {
			start, _ := e.Span()
			what := "the expression"
			switch x := e.(type) {
			case *ir.Unary:
				what = x.Func.Name + "(…)"
			case *ir.Binary:
				what = "the " + x.Op.Symbol
			case *ir.Folded:
				what = "the constant expression"
			}
			return fmt.Sprintf(", because %s at %s is %v", what, start, v)
		}
	}
	return ""
}

func oracleInnermostNonFinite(e ir.Expr, env *ir.Env) (ir.Expr, float64) {
	for _, c := range ir.Children(e) {
		if f, v := oracleInnermostNonFinite(c, env); f != nil {
			return f, v
		}
	}
	val, err := ir.Eval(e, env)
	if err != nil {
		return nil, 0
	}
	for _, x := range val.Data {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return e, x
		}
	}
	return nil, 0
}

// TestNonFiniteTermMatchesEval compares NonFiniteTerm's message with ir.Eval's on every model of
// TestOutputsMatchEval and a model whose densities fail in its arguments, at points where terms
// overflow or are NaN (and at 0, where all are finite).
func TestNonFiniteTermMatchesEval(t *testing.T) {
	models := oracleModels(t)
	models["failing"] = bindFiles(t, "failing", lines(
		`data y[N] = column "y"`,
		"param a ~ Normal(0, 1)",
		"param s ~ HalfNormal(1)",
		"y ~ Normal(log(a) + exp(a * 100), s)"), "d.csv", "y\n1\n2\n")
	found := 0
	for name, m := range models {
		for _, v := range []float64{0, 800, -800, 5, -3} {
			theta := make([]float64, m.Dim())
			for i := range theta {
				theta[i] = v
			}
			got, want := NonFiniteTerm(m, theta), oracleNonFiniteTerm(m, theta)
			if got != want {
				t.Errorf("%s at θ = %v: NonFiniteTerm = %q, ir.Eval gives %q", name, v, got, want)
			}
			if got != "" {
				found++
			}
		}
	}
	if found < 5 {
		t.Errorf("only %d points had a non-finite term: the comparison tests little", found)
	}
}
