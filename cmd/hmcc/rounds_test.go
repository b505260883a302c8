package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// --warmup auto and --target-ess decide the run's lengths as it goes; CmdStanPy's reader (its
// checks, transcribed in readers_test.go) still finds num_warmup and num_samples equal to the
// rows written, and the run prints what it did.
func TestWarmupAutoAndTargetESSFilesRead(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := hmcc(t, "run", "../../models/kidiq.model", "../../models/kidiq.csv", "--chains", "4", "--warmup", "auto",
		"--draws", "100", "--target-ess", "800", "--save-warmup", "--threads", "1", "--output-dir", dir, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "target ESS 800: reached after") || !strings.Contains(errs, "warmup: auto: ") {
		t.Errorf("the run does not say how its lengths were chosen:\n%s\n%s", out, errs)
	}
	files := make([]string, 4)
	for c := range files {
		files[c] = filepath.Join(dir, fmt.Sprintf("output_%d.csv", c+1))
	}
	metas, err := cmdstanpyFromCSV(files)
	if err != nil {
		t.Fatalf("CmdStanPy would reject the output: %v", err)
	}
	m := metas[0]
	if m.config["num_samples"] != m.drawsSampling || m.config["num_warmup"] != m.drawsWarmup || m.drawsSampling <= 100 {
		t.Errorf("header num_samples %v, num_warmup %v; rows %d and %d (more than the first round's 100 expected)", m.config["num_samples"], m.config["num_warmup"], m.drawsSampling, m.drawsWarmup)
	}
	// --max-draws alone caps nothing: refused, naming the flag.
	if code, _, errs := hmcc(t, "run", "../../models/kidiq.model", "../../models/kidiq.csv", "--max-draws", "5000", "--output-dir", t.TempDir()); code != 2 || !strings.Contains(errs, "--max-draws") {
		t.Errorf("--max-draws without --target-ess: exit %d, %s", code, errs)
	}
	if code, _, errs := hmcc(t, "run", "../../models/kidiq.model", "../../models/kidiq.csv", "--warmup", "soon", "--output-dir", t.TempDir()); code != 2 || !strings.Contains(errs, "auto") {
		t.Errorf("--warmup soon: exit %d, %s", code, errs)
	}
}

// hmcc run starts from Pathfinder draws by default from pathfinderMinDim coordinates, and says
// so (with its cost); below, it starts uniform(-2, 2), which the header's init says; --init
// uniform opts out.
func TestDefaultInit(t *testing.T) {
	for _, c := range []struct {
		model, data string
		extra       []string
		stderr      string
		header      string
	}{
		{"poly_regression", "poly_regression", nil, "init: Pathfinder draws (4 of 4 paths", "pathfinder"},
		{"poly_regression", "poly_regression", []string{"--init", "uniform"}, "", "2"},
		{"kidiq", "kidiq", nil, "", "2"},
	} {
		dir := t.TempDir()
		args := append([]string{"run", "../../models/" + c.model + ".model", "../../models/" + c.data + ".csv", "--warmup", "20", "--draws", "10",
			"--threads", "1", "--output-dir", dir, "--quiet"}, c.extra...)
		code, out, errs := hmcc(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s\n%s", c.extra, code, out, errs)
		}
		if c.stderr != "" && !strings.Contains(errs, c.stderr) || c.stderr == "" && strings.Contains(errs, "init:") {
			t.Errorf("%s %v: stderr %q, want %q", c.model, c.extra, errs, c.stderr)
		}
		metas, err := cmdstanpyFromCSV([]string{filepath.Join(dir, "output_1.csv")})
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(metas[0].config["init"]); got != c.header {
			t.Errorf("%s %v: header init = %s, want %s", c.model, c.extra, got, c.header)
		}
	}
}
