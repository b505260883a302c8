package hmcc

import (
	"context"
	"encoding/csv"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/runtime/optimize"
)

// poissonGamma compiles a model with a Gamma(3, 2) prior on a Poisson rate and ten counts summing
// to 50: the posterior of λ is Gamma(a = 53, b = 12) (conjugacy). Its density has its mode at
// (a − 1)/b; the density of log λ (with the Jacobian λ) at a/b, with curvature −a there.
func poissonGamma(t *testing.T) (m *Model, a, b float64) {
	src := "data y[N] = column \"y\"\nparam lambda ~ Gamma(3, 2)\ny ~ Poisson(lambda)\n"
	m, err := Compile("pg.model", src, CSV("pg", strings.NewReader("y\n3\n7\n5\n4\n6\n5\n2\n8\n5\n5\n")))
	if err != nil {
		t.Fatal(err)
	}
	return m, 53, 12
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
	m, a, b := poissonGamma(t)
	for _, jac := range []bool{false, true} {
		out := filepath.Join(t.TempDir(), "o")
		want, says := (a-1)/b, "without the Jacobian"
		if jac {
			want, says = a/b, "with the Jacobian"
		}
		mode, err := m.Optimize(OptimizeConfig{Jacobian: jac, Laplace: 4000, Seed: 1, Output: ApproxOutput{Model: "pg.model", Dir: out}})
		if err != nil {
			t.Fatal(err)
		}
		var report strings.Builder
		mode.Report(&report)
		if !strings.Contains(report.String(), "mode "+says) || !mode.Converged || !strings.Contains(report.String(), "converged") {
			t.Errorf("summary does not say %q / converged:\n%s", says, report.String())
		}
		cols, rows, header := readApproxCSV(t, filepath.Join(out, "optimize.csv"))
		if strings.Join(cols, ",") != "lp__,lambda" || len(rows) != 1 {
			t.Fatalf("optimize.csv: columns %v, %d rows", cols, len(rows))
		}
		if !strings.Contains(header, "# method = optimize") || !strings.Contains(header, "jacobian = "+strconv.Itoa(b2i(jac))) {
			t.Errorf("optimize.csv header:\n%s", header)
		}
		if got := rows[0][1]; math.Abs(got-want) > 1e-6 || math.Abs(mode.Values[0]-want) > 1e-6 {
			t.Errorf("jacobian=%v: mode %v (Mode.Values %v), want %v", jac, got, mode.Values, want)
		}
		// Laplace draws of θ = log λ: normal with variance the inverse negative Hessian at the mode,
		// 1/a with the Jacobian, 1/(a − 1) without (the curvature of (a − 1)θ − b e^θ at its mode).
		cols, rows, _ = readApproxCSV(t, filepath.Join(out, "laplace.csv"))
		if strings.Join(cols, ",") != "log_p__,log_g__,lambda" || len(rows) != 4000 || len(mode.Laplace) != 4000 {
			t.Fatalf("laplace.csv: columns %v, %d rows (Mode.Laplace %d)", cols, len(rows), len(mode.Laplace))
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
	m, a, b := poissonGamma(t)
	out := filepath.Join(t.TempDir(), "p")
	res, err := m.Pathfinder(PathfinderConfig{Paths: 4, Draws: 1000, Seed: 1, Output: ApproxOutput{Model: "pg.model", Dir: out}})
	if err != nil {
		t.Fatal(err)
	}
	var report strings.Builder
	res.Report(&report)
	if !strings.Contains(report.String(), "4 of 4 paths succeeded") || !strings.Contains(report.String(), "Pareto k-hat") {
		t.Errorf("summary:\n%s", report.String())
	}
	cols, rows, header := readApproxCSV(t, filepath.Join(out, "pathfinder.csv"))
	if strings.Join(cols, ",") != "lp_approx__,lp__,lambda" || len(rows) != 1000 || len(res.Draws) != 1000 {
		t.Fatalf("pathfinder.csv: columns %v, %d rows (Approximation.Draws %d)", cols, len(rows), len(res.Draws))
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

// The objective without the Jacobian: its gradient matches central finite differences of its
// value, and it differs from the sampler's density by exactly the log-Jacobian (tau > 0: θ_tau).
func TestDensityWithoutJacobianGradient(t *testing.T) {
	m, err := CompileFile("models/eight_schools.model", File("models/eight_schools.csv"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := m.density("eight_schools.model", false)
	if err != nil {
		t.Fatal(err)
	}
	fj, err := m.density("eight_schools.model", true)
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
	if want := m.ir.LogJacobian(theta, nil); math.Abs(lpj-lp-want) > 1e-10 {
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

// When Pathfinder fails, InitPathfinder says why on Messages and the chains start as without it:
// the same draws as a run with no InitPathfinder.
func TestInitPathfinderFallsBack(t *testing.T) {
	saved := runPathfinder
	defer func() { runPathfinder = saved }()
	runPathfinder = func(optimize.LogDensity, int, int, optimize.PathfinderSettings, *rand.Rand) (*optimize.Result, error) {
		return nil, errors.New("every Pathfinder path failed; the first: path 1: test failure")
	}
	m, err := CompileFile("models/eight_schools.model", File("models/eight_schools.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var msgs strings.Builder
	cfg := Config{Warmup: -1, Draws: 2, Seed: 3}
	plain, err := m.Sample(context.Background(), Target{Chains: 2}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	cfg.InitPathfinder, cfg.Messages = true, &msgs
	fell, err := m.Sample(context.Background(), Target{Chains: 2}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer fell.Close()
	want := "init: Pathfinder failed: every Pathfinder path failed; the first: path 1: test failure; the chains start uniform(-2, 2)"
	if !strings.Contains(msgs.String(), want) {
		t.Errorf("messages %q, want %q", msgs.String(), want)
	}
	a, _ := plain.Draws("tau")
	b, _ := fell.Draws("tau")
	for c := range a {
		for i := range a[c] {
			if a[c][i] != b[c][i] {
				t.Fatalf("chain %d draw %d: tau %v after the fallback, %v without InitPathfinder", c, i, b[c][i], a[c][i])
			}
		}
	}
}

// With InitPathfinder, each superchain's chains start together from one Pathfinder draw.
func TestInitPathfinderSuperchains(t *testing.T) {
	m, err := CompileFile("models/eight_schools.model", File("models/eight_schools.csv"))
	if err != nil {
		t.Fatal(err)
	}
	starts, _, err := pathfinderStarts(m.ir, 8, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	d := m.Dim()
	ids := SuperchainIDs(8, 2)
	for c := 1; c < 8; c++ {
		same := slicesEqual(starts[c*d:(c+1)*d], starts[(c-1)*d:c*d])
		if same != (ids[c] == ids[c-1]) {
			t.Errorf("chains %d and %d (superchains %d, %d): same start %v", c-1, c, ids[c-1], ids[c], same)
		}
	}
}

func slicesEqual(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Without superchains every chain starts from its own Pathfinder draw, even where PSIS weights
// are dominated by one draw: breast cancer's k-hat is about 3.8, and resampling with replacement
// gave all four chains one start (then ChEES, which adapts from the chains' spread, learned a
// trajectory of two leapfrog steps and a min bulk-ESS of 6 in 10,000 draws).
func TestInitPathfinderStartsDiffer(t *testing.T) {
	m, err := CompileFile("models/sparse_logistic.model", File("models/breast_cancer.csv"))
	if err != nil {
		t.Fatal(err)
	}
	const chains = 4
	starts, _, err := pathfinderStarts(m.ir, chains, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	d := m.Dim()
	for a := 0; a < chains; a++ {
		for b := a + 1; b < chains; b++ {
			if slicesEqual(starts[a*d:(a+1)*d], starts[b*d:(b+1)*d]) {
				t.Errorf("chains %d and %d start at the same point", a+1, b+1)
			}
		}
	}
}
