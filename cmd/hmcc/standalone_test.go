package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/runtime/cmdstan"
)

// TestGenerateOnNewData fits a regression, then computes predictions on new data from the saved
// draws with hmcc generate and a model that adds the new data and generate statements: every
// output row must carry the fit's parameter values unchanged, mu_new must be a + b * x_new of
// that draw exactly, and y_new must be drawn (differ from mu_new).
func TestGenerateOnNewData(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string { return writeIn(t, dir, name, text) }
	data := write("d.csv", "y,x\n1.2,0\n-0.3,1\n2.5,2\n0.7,-1\n3.1,1.5\n")
	fitModel := write("fit.model", "data y[N] = column \"y\"\ndata x[N] = column \"x\"\nparam a ~ Normal(0, 5)\nparam b ~ Normal(0, 5)\nparam s ~ HalfNormal(2)\ny ~ Normal(a + b * x, s)\n")
	fit := filepath.Join(dir, "fit")
	if code, out, errs := hmcc(t, "run", fitModel, data, "--chains", "2", "--warmup", "100", "--draws", "50", "--output-dir", fit, "--quiet"); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	newData := write("new.csv", "x\n-2\n0.5\n4\n")
	predModel := write("pred.model", "data y[N] = column \"y\"\ndata x[N] = column \"x\"\ndata x_new[M] = column \"x\" from \"new\"\n"+
		"param a ~ Normal(0, 5)\nparam b ~ Normal(0, 5)\nparam s ~ HalfNormal(2)\ny ~ Normal(a + b * x, s)\n"+
		"generate mu_new = a + b * x_new\ngenerate y_new ~ Normal(mu_new, s)\n")
	out := filepath.Join(dir, "pred")
	code, stdout, errs := hmcc(t, "generate", predModel, data, newData, "--draws", fit, "--output-dir", out, "--seed", "5", "--log-lik")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, errs)
	}
	for c := 1; c <= 2; c++ {
		in, err := cmdstan.ReadFile(filepath.Join(fit, "output_"+string(rune('0'+c))+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := cmdstan.ReadFile(filepath.Join(out, "output_"+string(rune('0'+c))+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Draws) != 50 || len(in.Draws) != 50 {
			t.Fatalf("chain %d: %d draws generated from %d", c, len(got.Draws), len(in.Draws))
		}
		idx := func(f *cmdstan.File, n string) int {
			for i, c := range f.Columns {
				if c == n {
					return i
				}
			}
			t.Fatalf("no column %s in %v", n, f.Columns)
			return -1
		}
		for d := range got.Draws {
			for _, p := range []string{"lp__", "a", "b", "s"} {
				if g, w := got.Draws[d][idx(got, p)], in.Draws[d][idx(in, p)]; math.Abs(g-w) > 1e-12*math.Max(1, math.Abs(w)) {
					t.Fatalf("chain %d draw %d: %s = %v, the fit has %v", c, d, p, g, w)
				}
			}
			a, b := in.Draws[d][idx(in, "a")], in.Draws[d][idx(in, "b")]
			for k, x := range []float64{-2, 0.5, 4} {
				name := "mu_new." + string(rune('1'+k))
				if g := got.Draws[d][idx(got, name)]; math.Abs(g-(a+b*x)) > 1e-12*math.Max(1, math.Abs(g)) {
					t.Fatalf("chain %d draw %d: %s = %v, want a + b x = %v", c, d, name, g, a+b*x)
				}
				if got.Draws[d][idx(got, "y_new."+string(rune('1'+k)))] == got.Draws[d][idx(got, name)] {
					t.Fatalf("y_new equals mu_new: not drawn")
				}
			}
			// --log-lik: the log density of the observed y (normal_lpdf) at this draw
			s := in.Draws[d][idx(in, "s")]
			for i, xy := range [][2]float64{{0, 1.2}, {1, -0.3}, {2, 2.5}, {-1, 0.7}, {1.5, 3.1}} {
				z := (xy[1] - a - b*xy[0]) / s
				want := -0.5*math.Log(2*math.Pi) - math.Log(s) - 0.5*z*z
				if g := got.Draws[d][idx(got, "log_lik."+string(rune('1'+i)))]; math.Abs(g-want) > 1e-10 {
					t.Fatalf("chain %d draw %d: log_lik.%d = %v, normal_lpdf gives %v", c, d, i+1, g, want)
				}
			}
		}
	}
	// a model whose parameters the draws lack is refused
	other := write("other.model", "data y[N] = column \"y\"\nparam c ~ Normal(0, 5)\ny ~ Normal(c, 1)\n")
	code, _, errs = hmcc(t, "generate", other, data, "--draws", fit, "--output-dir", filepath.Join(dir, "o"))
	if code != 2 || !strings.Contains(errs, "has no column c, which parameter c needs") {
		t.Errorf("exit %d: %s", code, errs)
	}
}

// hmcc generate's --output-dir follows hmcc run's rules: a directory holding an earlier run's
// files is refused unless --overwrite, which replaces all of them, so no chain of the earlier
// run is left among the new ones (there, a 4-chain run's output_3.csv beside a 2-chain fit's).
func TestGenerateOutputDirHoldingAnEarlierRun(t *testing.T) {
	dir := t.TempDir()
	fit, out := filepath.Join(dir, "fit"), filepath.Join(dir, "out")
	es := []string{"../../models/eight_schools.model", "../../models/eight_schools.csv"}
	for _, run := range []struct {
		dir    string
		chains string
	}{{fit, "2"}, {out, "4"}} {
		if code, o, errs := hmcc(t, append([]string{"run"}, append(es, "--chains", run.chains, "--warmup", "50", "--draws", "10", "--output-dir", run.dir, "--quiet")...)...); code != 0 {
			t.Fatalf("exit %d\n%s\n%s", code, o, errs)
		}
	}
	before := mustRead(t, filepath.Join(out, "output_1.csv"))
	code, _, errs := hmcc(t, append([]string{"generate"}, append(es, "--draws", fit, "--output-dir", out)...)...)
	if code != 2 || !strings.Contains(errs, "pass --overwrite") {
		t.Errorf("generate into a directory holding an earlier run: exit %d, %q; want 2 and a refusal", code, errs)
	}
	if string(mustRead(t, filepath.Join(out, "output_1.csv"))) != string(before) {
		t.Errorf("the refused generate changed %s", out)
	}
	if code, o, errs := hmcc(t, append([]string{"generate"}, append(es, "--draws", fit, "--output-dir", out, "--overwrite")...)...); code != 0 {
		t.Fatalf("generate --overwrite: exit %d\n%s\n%s", code, o, errs)
	}
	for _, name := range []string{"output_3.csv", "output_4.csv", "summary.csv"} {
		if _, err := os.Stat(filepath.Join(out, name)); err == nil {
			t.Errorf("generate --overwrite left the earlier run's %s", name)
		}
	}
	if code, o, errs := hmcc(t, "summary", out); code != 0 {
		t.Errorf("hmcc summary of the generated quantities: exit %d\n%s\n%s", code, o, errs)
	}
	// The draws' own directory is refused, even with --overwrite (which would remove the draws).
	if code, _, errs := hmcc(t, append([]string{"generate"}, append(es, "--draws", fit, "--output-dir", fit, "--overwrite")...)...); code != 2 || !strings.Contains(errs, "is the directory of the draws") {
		t.Errorf("generate into the draws' directory: exit %d, %q", code, errs)
	}
	if _, err := os.Stat(filepath.Join(fit, "output_1.csv")); err != nil {
		t.Errorf("the draws are gone: %v", err)
	}
}
