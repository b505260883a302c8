package main

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestLogLikLoo runs a model with two observed statements and --log-lik, then has R read the
// chain CSVs the way loo users do (rstan::read_stan_csv, loo::extract_log_lik) and compare every
// draw's log_lik with the log densities R computes itself from the same draws (dnorm, dpois);
// finally loo::loo must accept the matrix. HMCC_REQUIRE_R=1 makes a missing R a failure.
func TestLogLikLoo(t *testing.T) {
	if _, err := exec.LookPath("Rscript"); err != nil {
		if os.Getenv("HMCC_REQUIRE_R") == "1" {
			t.Fatal("Rscript not found; scripts/test.sh installs r-cran-rstan and r-cran-loo")
		}
		t.Skip("Rscript not installed")
	}
	if err := exec.Command("Rscript", "-e", "suppressMessages(library(loo))").Run(); err != nil {
		if os.Getenv("HMCC_REQUIRE_R") == "1" {
			t.Fatal("R's loo package is missing; scripts/test.sh installs r-cran-loo")
		}
		t.Skip("R's loo package not installed")
	}
	dir := t.TempDir()
	model := filepath.Join(dir, "m.model")
	data := filepath.Join(dir, "d.csv")
	os.WriteFile(model, []byte(`data y[N] = column "y"
data x[N] = column "x"
data c[N] = column "c"
param a ~ Normal(0, 5)
param b ~ Normal(0, 5)
param s ~ HalfNormal(2)
y ~ Normal(a + b * x, s)
c ~ Poisson(exp(a / 4))
`), 0o644)
	os.WriteFile(data, []byte("y,x,c\n1.2,0,2\n-0.3,1,0\n2.5,2,3\n0.7,-1,1\n3.1,1.5,4\n"), 0o644)
	out := filepath.Join(dir, "out")
	code, stdout, stderr := hmcc(t, "run", model, data, "--log-lik", "--chains", "4", "--warmup", "300", "--draws", "200",
		"--seed", "3", "--output-dir", out, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if strings.Contains(stdout, "log_lik") {
		t.Errorf("the summary lists the log_lik columns:\n%s", stdout)
	}
	script := `suppressMessages({library(rstan); library(loo)})
fit <- read_stan_csv(Sys.glob(file.path(commandArgs(TRUE)[1], "output_*.csv")))
ll <- extract_log_lik(fit, "log_lik")
d <- read.csv(commandArgs(TRUE)[2])
p <- as.matrix(fit, pars = c("a", "b", "s"))
ref <- cbind(sapply(seq_len(nrow(d)), function(i) dnorm(d$y[i], p[, "a"] + p[, "b"] * d$x[i], p[, "s"], log = TRUE)),
             sapply(seq_len(nrow(d)), function(i) dpois(d$c[i], exp(p[, "a"] / 4), log = TRUE)))
cat("DIM", dim(ll), "\n")
cat("MAXDIFF", max(abs(ll - ref)), "\n")
l <- suppressWarnings(loo(ll, r_eff = relative_eff(exp(extract_log_lik(fit, merge_chains = FALSE)))))
cat("ELPD", l$estimates["elpd_loo", "Estimate"], "\n")
cat("LPD", sum(log(colMeans(exp(ref)))), "\n")
`
	res, err := exec.Command("Rscript", "-e", script, out, data).CombinedOutput()
	if err != nil {
		t.Fatalf("R failed: %v\n%s", err, res)
	}
	fields := map[string][]string{}
	for _, l := range strings.Split(string(res), "\n") {
		f := strings.Fields(l)
		if len(f) > 1 {
			fields[f[0]] = f[1:]
		}
	}
	if got := strings.Join(fields["DIM"], " "); got != "800 10" {
		t.Errorf("extract_log_lik gives a %s matrix, want 800 draws × 10 observations\n%s", got, res)
	}
	if d := fields["MAXDIFF"]; len(d) != 1 || !(parseF(d[0]) < 1e-9) {
		t.Errorf("log_lik differs from R's dnorm/dpois by %v\n%s", d, res)
	}
	// elpd_loo is at most the in-sample log predictive density and close below it
	elpd, lpd := parseF(first(fields["ELPD"])), parseF(first(fields["LPD"]))
	if !(elpd < lpd && elpd > lpd-10) {
		t.Errorf("elpd_loo %v, in-sample lpd %v\n%s", elpd, lpd, res)
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return "NaN"
	}
	return s[0]
}

func parseF(s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return math.NaN()
	}
	return v
}

// The log_lik columns --log-lik writes are not summarised (run's help says so): hmcc summary
// of the directory, which the write-failure path also uses for its summary.csv, leaves them out
// as run does, while a model's own quantity named log_lik (no --log-lik) is summarised by both.
func TestSummaryLeavesOutLogLik(t *testing.T) {
	own := filepath.Join(t.TempDir(), "own.model")
	src := string(mustRead(t, "../../models/eight_schools.model")) + "let log_lik = theta * 1\n"
	if err := os.WriteFile(own, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		model   string
		flag    string
		logLiks int // log_lik rows in both summaries
	}{{"../../models/eight_schools.model", "--log-lik", 0}, {own, "--quiet", 8}} {
		dir := t.TempDir()
		if code, out, errs := hmcc(t, "run", tc.model, "../../models/eight_schools.csv", tc.flag, "--chains", "2", "--warmup", "100",
			"--draws", "20", "--output-dir", dir, "--quiet"); code != 0 {
			t.Fatalf("exit %d\n%s\n%s", code, out, errs)
		}
		if got := strings.Count(string(mustRead(t, filepath.Join(dir, "summary.csv"))), "\nlog_lik["); got != tc.logLiks {
			t.Errorf("%s %s: run's summary.csv has %d log_lik rows, want %d", tc.model, tc.flag, got, tc.logLiks)
		}
		code, out, errs := hmcc(t, "summary", dir)
		if code != 0 {
			t.Fatalf("hmcc summary: exit %d\n%s", code, errs)
		}
		if got := strings.Count(out, "\nlog_lik["); got != tc.logLiks {
			t.Errorf("%s %s: hmcc summary prints %d log_lik rows, want %d:\n%s", tc.model, tc.flag, got, tc.logLiks, out)
		}
	}
}

// --log-lik on a model with no likelihood (a prior only) is refused with exit 2, for run and
// generate alike, instead of writing no column without a word.
func TestLogLikWithoutLikelihood(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "prior.model")
	if err := os.WriteFile(model, []byte("param mu ~ Normal(0, 1)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := hmcc(t, "run", model, "../../models/eight_schools.csv", "--log-lik", "--chains", "2", "--warmup", "10", "--draws", "10", "--output-dir", filepath.Join(dir, "out"), "--quiet")
	if code != 2 || !strings.Contains(errs, "the model observes no data") {
		t.Errorf("run --log-lik: exit %d, %q; want 2 and a message", code, errs)
	}
}
