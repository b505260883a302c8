package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// With --save-warmup the CSVs hold the warmup rows too; `hmcc summary` does not count them, and
// both summaries name elements as Stan does, theta[1].
func TestSummarySkipsSavedWarmup(t *testing.T) {
	dir := t.TempDir()
	code, runOut, errs := hmcc(t, "run", "../../models/eight_schools.model", "../../models/eight_schools.csv",
		"--chains", "2", "--warmup", "50", "--draws", "30", "--save-warmup", "--output-dir", dir, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	code, sumOut, errs := hmcc(t, "summary", dir)
	if code != 0 {
		t.Fatalf("summary exit %d: %s", code, errs)
	}
	for _, out := range []string{runOut, sumOut} {
		if !strings.Contains(out, "2 chains, 30 draws each") || !strings.Contains(out, "divergences: ") || !strings.Contains(out, "\ntheta[8] ") {
			t.Errorf("want 30 draws per chain and Stan's names:\n%s", out)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "summary.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "\ntheta_raw[1],") || strings.Contains(string(b), "theta_raw.1") {
		t.Errorf("summary.csv names:\n%s", b)
	}
	rows := 0
	for _, line := range strings.Split(string(mustRead(t, filepath.Join(dir, "output_1.csv"))), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			rows++
		}
	}
	if rows != 1+50+30 {
		t.Errorf("output_1.csv has %d lines that are not comments, want the header, 50 warmup rows and 30 draws", rows)
	}
	checkRstanReads(t, dir, 2, 30, []string{"mu", "theta[8]"})
	// Thinned: rstan keeps ⌈30/4⌉ draws after ⌈50/4⌉ warmup rows, as CmdStan writes them.
	thinned := t.TempDir()
	if code, _, errs := hmcc(t, "run", "../../models/eight_schools.model", "../../models/eight_schools.csv",
		"--chains", "2", "--warmup", "50", "--draws", "30", "--save-warmup", "--thin", "4", "--output-dir", thinned, "--quiet"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	checkRstanReads(t, thinned, 2, 8, []string{"mu", "theta[8]"})
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
