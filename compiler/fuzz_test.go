package compiler

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/dataset"
	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/lang"
)

// bundledModels returns the sources of models/*.model, sorted by name.
func bundledModels(f *testing.F) []string {
	paths, err := filepath.Glob(filepath.Join("..", "models", "*.model"))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no bundled models: %v", err)
	}
	var srcs []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		srcs = append(srcs, string(b))
	}
	return srcs
}

// headLines returns the first n lines of a bundled CSV.
func headLines(f *testing.F, name string, n int) string {
	b, err := os.ReadFile(filepath.Join("..", "models", name))
	if err != nil {
		f.Fatal(err)
	}
	ls := strings.SplitAfter(string(b), "\n")
	return strings.Join(ls[:min(n, len(ls))], "")
}

// checkDiagnostic fails unless err is a well-formed diagnostic about src (diag.CheckWithin) whose
// errors each have a kind (diag.CheckKinds).
func checkDiagnostic(t *testing.T, err error, src string) {
	t.Helper()
	if bad := diag.CheckWithin(err, src); bad != nil {
		t.Fatalf("%v\n%q", bad, src)
	}
	if bad := diag.CheckKinds(err); bad != nil {
		t.Fatalf("%v\n%q", bad, src)
	}
}

// FuzzCheck parses and checks arbitrary model text: neither may panic, and every error is a
// diagnostic inside the source.
func FuzzCheck(f *testing.F) {
	for _, src := range bundledModels(f) {
		f.Add(src)
	}
	for _, s := range []string{
		lines(header, "param mu ~ Normal(0, 1)", "y ~ Normal(mus, 1)"),
		lines(header, "param x ~ Normal(x, 1)"),
		lines(header, "param mu ~ Normal(0, 1)", "y ~ Normal(mu * N, 1)"),
		lines(header, "param s ~ halfcauchy(1)", "y ~ Normal(0, s)"),
		lines(matrix, "param w[D] ~ Normal(0, 1)", "let z = X @ w", "let t = sum(z) + exp(-w)^2", "param y2 ~ Normal(t, 1)"),
		lines(matrix, "param w[3] ~ Normal(0, 1)", "let z = w @ X"),
		lines(header, "data y[N] = column \"y\"", "param a[0] ~ Gamma(1e999, -1)"),
		lines(header, "param p ~ Beta(1, 1)", "y ~ Bernoulli(p)", "y ~ Bernoulli(p)"),
		lines("data X[N, D, K] = columns \"a\"", "param mu[N] ~ Normal(0, 1)", "mu ~ Normal(0, 1)"),
		lines(header, `data g[N] = levels "g" as J`, "param a[J] ~ Normal(0, 1)", "y ~ Normal(a[g] + a[y], 1)", "generate r ~ Normal(a[g], 1)"),
		lines(header, `data g[N] = levels "g"`, "param w[J] ~ Dirichlet(a)", "param u ~ Uniform(0, sum(y))", "generate k[N] = w[g] * u"),
		lines(header, "param p ~ Beta(1, 1)", "y ~ Binomial(p, 3)", "generate z ~ Dirichlet(p)", "generate q = z[z]"),
		lines(matrix, "const Xt = transpose(X)", "const m = mean(y) + dot(y, y)", "param w[N] ~ Normal(m, 1e6)", "param s ~ Gamma(0.001, 0.001)", "param a[D] ~ StudentT(3, -m, s * 2)", "y ~ Normal(X @ a + dot(w, w), s)"),
		lines(header, "const c = transpose(y) + mu", "let M = transpose(X) @ dot(y)", "param u ~ Uniform(-1e9, mean(y))"),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		m, err := lang.Parse("f.model", src)
		if err != nil {
			checkDiagnostic(t, err, src)
			return
		}
		im, err := Check(m)
		if err != nil {
			checkDiagnostic(t, err, src)
			return
		}
		if ws := Warnings(im); ws != nil {
			checkDiagnostic(t, ws, src)
		}
	})
}

// FuzzBind binds arbitrary CSV text to a bundled model (which one is fuzzed too): reading and
// binding must not panic, and every error is a diagnostic inside the model or a *dataset.Error,
// each with a kind.
func FuzzBind(f *testing.F) {
	srcs := bundledModels(f) // eight_schools, kidiq, radon, radon_slopes, sparse_logistic
	for i, name := range []string{"eight_schools.csv", "kidiq.csv", "radon_mn.csv", "radon_mn.csv", "breast_cancer.csv", "german_credit.csv"} {
		f.Add(uint8(min(i, len(srcs)-1)), headLines(f, name, 4))
	}
	for _, s := range []string{
		"school,y,sigma\nA,28,0\n",
		"school,y,sigma\nA,28,-1\nB,1,1\n",
		"y,sigma\n1e308,1e-308\n",
		"y,sigma\nNaN,1\n",
		"sigma\n1\n",
		"kid_score,mom_iq,mom_hs\n1,2,3\n",
		"kid_score,mom_iq,mom_hs\n1,2,3\n4,2,3\n",
		"target,a\n1,1\n0,2\n",
		"target,a\n2,1\n0,2\n",
		"target\n1\n",
		"county_idx,floor_measure,log_radon\n0,0,1\n2,1,0.5\n",
		"county_idx,floor_measure,log_radon\nA,0,1\n,1,0.5\n",
		"county_idx,floor_measure,log_radon\n1.5,0,1\n-3,1,0.5\n",
		"y\n1\n2\n3\n", // the time series: too short for AR(2), one step of a recurrence
		"y\n1\n",
		"y\n",
	} {
		for i := range srcs {
			f.Add(uint8(i), s)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, csv string) {
		src := srcs[int(which)%len(srcs)]
		lm, err := lang.Parse("f.model", src)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Check(lm)
		if err != nil {
			t.Fatal(err)
		}
		tab, err := dataset.ReadFrom("f.csv", strings.NewReader(csv))
		if err != nil {
			var de *dataset.Error
			if !errors.As(err, &de) || de.Kind == "" {
				t.Fatalf("dataset error %T is not a *dataset.Error with a kind: %v", err, err)
			}
			return
		}
		if _, err := BindData(m, TableInput(tab)); err != nil {
			var de *dataset.Error
			if errors.As(err, &de) {
				if de.Msg == "" || de.Kind == "" {
					t.Fatalf("*dataset.Error without a message or a kind: %+v", de)
				}
				return
			}
			checkDiagnostic(t, err, src)
		}
	})
}
