package main

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestBayesplotRendersOutput renders bayesplot's mcmc_trace, mcmc_rank_overlay and
// mcmc_nuts_energy (r-cran-bayesplot, from Debian) from hmcc's CSVs for the default sampler,
// and checks each plot holds every chain and draw: bayesplot reads the sampler columns through
// rstan's read_stan_csv and nuts_params.
func TestBayesplotRendersOutput(t *testing.T) {
	if raceEnabled {
		t.Skip("tests R's bayesplot, not hmcc's concurrency; the plain test run covers it")
	}
	if _, err := exec.LookPath("Rscript"); err != nil {
		if os.Getenv("HMCC_REQUIRE_R") == "1" {
			t.Fatal("Rscript not found; scripts/test.sh installs r-cran-bayesplot")
		}
		t.Skip("Rscript not installed")
	}
	dir, plots := t.TempDir(), t.TempDir()
	if code, out, errs := hmcc(t, "run", "../../models/eight_schools.model", "../../models/eight_schools.csv",
		"--chains", "4", "--warmup", "300", "--draws", "200", "--output-dir", dir, "--quiet"); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	out, err := exec.Command("Rscript", "testdata/bayesplot.R", dir, plots).CombinedOutput()
	if err != nil {
		t.Fatalf("bayesplot: %v\n%s", err, out)
	}
	got := map[string]string{} // the R script's lines: "trace PARAMETERS 2 …" → got["trace PARAMETERS"]
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 1 {
			got[f[0]+" "+f[1]] = strings.Join(f[1:], " ")
		}
	}
	for k, v := range map[string]string{
		"trace PARAMETERS": "PARAMETERS 2 CHAINS 4 ROWS 1600", // 2 parameters × 4 chains × 200 draws
		"rank PARAMETERS":  "PARAMETERS 2 CHAINS 4",
		"energy PANELS":    "PANELS 4 DRAWS 800", // one panel per chain
		"nuts_params accept_stat__,divergent__,energy__,n_leapfrog__,stepsize__,treedepth__": "accept_stat__,divergent__,energy__,n_leapfrog__,stepsize__,treedepth__",
	} {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q\n%s", k, got[k], v, out)
		}
	}
	for _, name := range []string{"trace", "rank", "energy"} {
		f := strings.Fields(got[name+" FILE"])
		if len(f) != 2 {
			t.Errorf("%s.pdf not rendered\n%s", name, out)
		} else if n, err := strconv.Atoi(f[1]); err != nil || n < 1000 {
			t.Errorf("%s.pdf: %s bytes\n%s", name, f[1], out)
		}
	}
}
