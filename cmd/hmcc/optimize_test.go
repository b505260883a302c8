package main

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// poissonGamma writes a model with a Gamma(3, 2) prior on a Poisson rate and ten counts summing
// to 50: the posterior of λ is Gamma(a = 53, b = 12) (conjugacy). Its density has its mode at
// (a − 1)/b; the density of log λ (with the Jacobian λ) at a/b, with curvature −a there.
func poissonGamma(t *testing.T) (model, data string, a, b float64) {
	dir := t.TempDir()
	model = filepath.Join(dir, "pg.model")
	data = filepath.Join(dir, "pg.csv")
	src := "data y[N] = column \"y\"\nparam lambda ~ Gamma(3, 2)\ny ~ Poisson(lambda)\n"
	rows := "y\n3\n7\n5\n4\n6\n5\n2\n8\n5\n5\n"
	if err := os.WriteFile(model, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(data, []byte(rows), 0o644); err != nil {
		t.Fatal(err)
	}
	return model, data, 53, 12
}

// readApproxCSV returns the column names and rows of an optimize/laplace/pathfinder CSV, and
// its header comments.
func readApproxCSV(t *testing.T, path string) (cols []string, rows [][]float64, header string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var body []string
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(l, "#") {
			header += l + "\n"
		} else if l != "" {
			body = append(body, l)
		}
	}
	recs, err := csv.NewReader(strings.NewReader(strings.Join(body, "\n"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs[1:] {
		row := make([]float64, len(r))
		for i, c := range r {
			if row[i], err = strconv.ParseFloat(c, 64); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
		}
		rows = append(rows, row)
	}
	return recs[0], rows, header
}

func TestOptimizeModeWithAndWithoutJacobian(t *testing.T) {
	model, data, a, b := poissonGamma(t)
	for _, jac := range []bool{false, true} {
		out := filepath.Join(t.TempDir(), "o")
		args := []string{"optimize", model, data, "--output-dir", out, "--laplace", "4000"}
		want, says := (a-1)/b, "without the Jacobian"
		if jac {
			args = append(args, "--jacobian")
			want, says = a/b, "with the Jacobian"
		}
		code, stdout, stderr := hmcc(t, args...)
		if code != 0 {
			t.Fatalf("exit %d: %s %s", code, stdout, stderr)
		}
		if !strings.Contains(stdout, "mode "+says) || !strings.Contains(stdout, "converged") {
			t.Errorf("summary does not say %q / converged:\n%s", says, stdout)
		}
		cols, rows, header := readApproxCSV(t, filepath.Join(out, "optimize.csv"))
		if strings.Join(cols, ",") != "lp__,lambda" || len(rows) != 1 {
			t.Fatalf("optimize.csv: columns %v, %d rows", cols, len(rows))
		}
		if !strings.Contains(header, "# method = optimize") || !strings.Contains(header, "jacobian = "+strconv.Itoa(b2i(jac))) {
			t.Errorf("optimize.csv header:\n%s", header)
		}
		if got := rows[0][1]; math.Abs(got-want) > 1e-6 {
			t.Errorf("jacobian=%v: mode %v, want %v", jac, got, want)
		}
		// Laplace draws of θ = log λ: normal with variance the inverse negative Hessian at the mode,
		// 1/a with the Jacobian, 1/(a − 1) without (the curvature of (a − 1)θ − b e^θ at its mode).
		cols, rows, _ = readApproxCSV(t, filepath.Join(out, "laplace.csv"))
		if strings.Join(cols, ",") != "log_p__,log_g__,lambda" || len(rows) != 4000 {
			t.Fatalf("laplace.csv: columns %v, %d rows", cols, len(rows))
		}
		sd := 1 / math.Sqrt(a)
		if !jac {
			sd = 1 / math.Sqrt(a-1)
		}
		mean, ss := 0.0, 0.0
		for _, r := range rows {
			mean += math.Log(r[2]) / 4000
		}
		for _, r := range rows {
			ss += (math.Log(r[2]) - mean) * (math.Log(r[2]) - mean)
		}
		gotSD := math.Sqrt(ss / 3999)
		if math.Abs(mean-math.Log(want)) > 4*sd/math.Sqrt(4000) {
			t.Errorf("jacobian=%v: Laplace mean of log λ %v, want %v", jac, mean, math.Log(want))
		}
		// The sd of a normal sample's sd is about sd/√(2n).
		if math.Abs(gotSD-sd) > 4*sd/math.Sqrt(8000) {
			t.Errorf("jacobian=%v: Laplace sd of log λ %v, want %v", jac, gotSD, sd)
		}
	}
}

// Pathfinder's PSIS-resampled draws of λ match the conjugate posterior Gamma(53, 12): mean a/b
// and sd √a/b, within 5 standard errors (resampling duplicates draws: at least 250 effective of 1000).
func TestPathfinderMatchesConjugatePosterior(t *testing.T) {
	model, data, a, b := poissonGamma(t)
	out := filepath.Join(t.TempDir(), "p")
	code, stdout, stderr := hmcc(t, "pathfinder", model, data, "--output-dir", out)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "4 of 4 paths succeeded") || !strings.Contains(stdout, "Pareto k-hat") {
		t.Errorf("summary:\n%s", stdout)
	}
	cols, rows, header := readApproxCSV(t, filepath.Join(out, "pathfinder.csv"))
	if strings.Join(cols, ",") != "lp_approx__,lp__,lambda" || len(rows) != 1000 {
		t.Fatalf("pathfinder.csv: columns %v, %d rows", cols, len(rows))
	}
	if !strings.Contains(header, "# method = pathfinder") {
		t.Errorf("header:\n%s", header)
	}
	mean, ss := 0.0, 0.0
	for _, r := range rows {
		mean += r[2] / 1000
	}
	for _, r := range rows {
		ss += (r[2] - mean) * (r[2] - mean)
	}
	sd := math.Sqrt(ss / 999)
	wantMean, wantSD := a/b, math.Sqrt(a)/b
	if se := wantSD / math.Sqrt(250); math.Abs(mean-wantMean) > 5*se {
		t.Errorf("mean %v, want %v ± %v", mean, wantMean, 5*se)
	}
	if math.Abs(sd-wantSD) > 0.15*wantSD {
		t.Errorf("sd %v, want %v within 15%%", sd, wantSD)
	}
}

// A density without a maximum (one datum, a scale free to shrink onto it: log p → +Inf) and
// bad input are user errors, exit 2, with a message and no panic.
func TestOptimizeBadInputExits2(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "spike.model")
	data := filepath.Join(dir, "one.csv")
	os.WriteFile(model, []byte("data y[N] = column \"y\"\nparam mu ~ Normal(0, 10)\nparam sigma ~ Exponential(1)\ny ~ Normal(mu, sigma)\n"), 0o644)
	os.WriteFile(data, []byte("y\n1.5\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"optimize", model, data}, "no mode"},
		{[]string{"optimize", filepath.Join(dir, "missing.model"), data}, "missing.model"},
		{[]string{"pathfinder", filepath.Join(dir, "missing.model"), data}, "missing.model"},
		{[]string{"pathfinder", "../../models/kidiq.model", data}, `column "kid_score": no such column`},
		{[]string{"optimize", model, data, "--laplace", "-1"}, "cannot be negative"},
		{[]string{"pathfinder", model, data, "--paths", "0"}, "at least 1"},
	} {
		args := append(c.args, "--output-dir", filepath.Join(dir, "out"), "--overwrite")
		code, stdout, stderr := hmcc(t, args...)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Contains(stderr, "goroutine") {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q (stdout %q)", c.args, code, stderr, c.want, stdout)
		}
	}
	// An earlier run's file is not replaced without --overwrite.
	model2, data2, _, _ := poissonGamma(t)
	out := filepath.Join(dir, "twice")
	if code, _, stderr := hmcc(t, "optimize", model2, data2, "--output-dir", out); code != 0 {
		t.Fatal(stderr)
	}
	if code, _, stderr := hmcc(t, "optimize", model2, data2, "--output-dir", out); code != 2 || !strings.Contains(stderr, "--overwrite") {
		t.Errorf("second run: exit %d, %q", code, stderr)
	}
}

// The objective without the Jacobian: its gradient matches central finite differences of its
// value, and it differs from the sampler's density by exactly the log-Jacobian (tau > 0: θ_tau).
func TestDensityWithoutJacobianGradient(t *testing.T) {
	var out, errb strings.Builder
	e := &env{stdout: &out, stderr: &errb}
	m, f, err := modelDensity(e, "../../models/eight_schools.model", "../../models/eight_schools.csv", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	_, fj, err := modelDensity(e, "../../models/eight_schools.model", "../../models/eight_schools.csv", nil, true)
	if err != nil {
		t.Fatal(err)
	}
	d := m.Dim()
	theta := make([]float64, d)
	for i := range theta {
		theta[i] = 0.3*float64(i) - 1
	}
	grad, scratch := make([]float64, d), make([]float64, d)
	lp, _ := f(theta, grad)
	lpj, _ := fj(theta, scratch)
	if want := m.LogJacobian(theta, nil); math.Abs(lpj-lp-want) > 1e-10 {
		t.Errorf("with − without the Jacobian = %v, want the log-Jacobian %v", lpj-lp, want)
	}
	for i := range theta {
		h := 1e-6
		x := append([]float64(nil), theta...)
		x[i] += h
		up, _ := f(x, scratch)
		x[i] -= 2 * h
		down, _ := f(x, scratch)
		if fd := (up - down) / (2 * h); math.Abs(fd-grad[i]) > 1e-5*(1+math.Abs(fd)) {
			t.Errorf("coordinate %d: gradient %v, finite differences %v", i, grad[i], fd)
		}
	}
}
