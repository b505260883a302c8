package compiler

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/dataset"
	"github.com/hmcc-dev/hmcc/diag"
)

// TestShippedModelWarnings: the bundled models warn only where they are meant to. The radon
// models keep the centred intercepts of Gelman & Hill, which their 919 houses make harmless but
// which is still worth a warning; eight_schools is the non-centred example the warning cites.
func TestShippedModelWarnings(t *testing.T) {
	want := map[string][]string{
		"radon.model":        {"radon.model:10:17: warning: parameter a has a centred hierarchical prior"},
		"radon_slopes.model": {"radon_slopes.model:10:18: warning: parameter a has a centred hierarchical prior"},
	}
	models, _ := filepath.Glob("../models/*.model")
	if len(models) < 5 {
		t.Fatalf("found %d models", len(models))
	}
	for _, path := range models {
		name := filepath.Base(path)
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		out := diagnose(name, string(src))
		var got []string
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, ": warning: ") || strings.Contains(l, ": error: ") {
				got = append(got, l)
			}
		}
		if len(got) != len(want[name]) {
			t.Errorf("%s: %d diagnostics, want %d:\n%s", name, len(got), len(want[name]), out)
			continue
		}
		for i, w := range want[name] {
			if !strings.HasPrefix(got[i], w) {
				t.Errorf("%s: %q, want it to start with %q", name, got[i], w)
			}
		}
	}
}

// TestWarningsNeedLikelihoodAndData: a centred prior that no likelihood reads is not reported
// (there is nothing for the data to pull against), a Uniform whose bounds come from data is
// judged once the data are bound, and data read through a let that binding folds stay used.
func TestWarningsNeedLikelihoodAndData(t *testing.T) {
	src := lines(
		`data y[N] = column "y"`,
		`data t[N] = column "t"`,
		`data g[N] = levels "g" as J`,
		"param s ~ HalfNormal(1)",
		"param a[J] ~ Normal(0, s)", // read by no likelihood
		"param u ~ Uniform(0, sum(t))",
		"let t2 = t * 2", // folded when bound: t and t2 must still count as used
		"y ~ Normal(u + t2, 1)",
		"generate a_sum = sum(a[g])")
	m, err := checkSrc(t, src)
	if err != nil {
		t.Fatal(diag.Render(err, src))
	}
	if ws := Warnings(m); ws != nil {
		t.Errorf("warnings before binding:\n%s", diag.Render(ws, src))
	}
	dir := t.TempDir()
	csv := filepath.Join(dir, "d.csv")
	if err := os.WriteFile(csv, []byte("y,t,g\n1,20000,1\n2,1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	table, err := dataset.Read(csv)
	if err != nil {
		t.Fatal(err)
	}
	m, err = BindData(m, TableInput(table))
	if err != nil {
		t.Fatal(err)
	}
	got := diag.Render(Warnings(m), src)
	want := "t.model:6:19: warning: the prior of u is very wide: Uniform from 0 to 20001\n"
	if !strings.HasPrefix(got, want) || strings.Count(got, "warning:") != 1 {
		t.Errorf("after binding got\n%s\nwant one warning starting\n%s", got, want)
	}
}
