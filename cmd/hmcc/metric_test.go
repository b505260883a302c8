package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/runtime/cmdstan"
)

// --save-metric writes CmdStan's metric file beside each chain's CSV; --metric-file reads it
// back, and with --warmup 0 sampling uses it and its step size as they are: the adaptation block
// repeats them.
func TestMetricFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if code, out, errs := hmcc(t, "run", "../../models/eight_schools.model", "../../models/eight_schools.csv", "--sampler", "nuts",
		"--chains", "2", "--warmup", "200", "--draws", "20", "--save-metric", "--output-dir", dir, "--quiet"); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	var saved struct {
		StepSize   float64   `json:"stepsize"`
		MetricType string    `json:"metric_type"`
		InvMetric  []float64 `json:"inv_metric"`
	}
	metricPath := filepath.Join(dir, "output_2_metric.json")
	if err := json.Unmarshal(mustRead(t, metricPath), &saved); err != nil {
		t.Fatal(err)
	}
	f, err := cmdstan.ReadFile(filepath.Join(dir, "output_2.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if saved.StepSize != f.StepSize || saved.MetricType != "diag_e" || len(saved.InvMetric) != 10 || saved.InvMetric[1] != f.InvMetric[1] {
		t.Fatalf("metric file %+v, CSV step size %v metric %v", saved, f.StepSize, f.InvMetric)
	}
	again := t.TempDir()
	if code, out, errs := hmcc(t, "run", "../../models/eight_schools.model", "../../models/eight_schools.csv", "--sampler", "nuts",
		"--chains", "2", "--warmup", "0", "--draws", "20", "--metric-file", metricPath, "--output-dir", again, "--quiet"); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	g, err := cmdstan.ReadFile(filepath.Join(again, "output_1.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if g.Config["metric_file"] != metricPath || len(g.InvMetric) != 10 {
		t.Fatalf("header metric_file %q, metric %v", g.Config["metric_file"], g.InvMetric)
	}
	// ... and the file's step size (it sampled with step size 1 before).
	if g.StepSize != saved.StepSize {
		t.Errorf("step size sampling used: %v, the file has %v", g.StepSize, saved.StepSize)
	}
	for i, v := range g.InvMetric {
		if v != saved.InvMetric[i] {
			t.Errorf("element %d of the metric sampling used: %v, the file has %v", i+1, v, saved.InvMetric[i])
		}
	}
	// Bad files: a clear message naming the file and what to do, exit 2.
	for body, want := range map[string]string{
		`{"inv_metric": [1, 2]}`:                          `"inv_metric" has 2 elements; the model has 10 unconstrained coordinates`,
		`{"inv_metric": [[1, 0], [0, 1]]}`:                `"inv_metric" is a matrix of 2 rows; the model has 10 unconstrained coordinates`,
		`{"metric": [1]}`:                                 `no "inv_metric" entry`,
		`{"inv_metric": [1, 1, 1, 1, 1, 1, 1, 1, 1, -1]}`: `element 10 is -1; every element must be a positive finite number`,
		`not json`: `not a CmdStan metric file`,
	} {
		bad := filepath.Join(t.TempDir(), "m.json")
		os.WriteFile(bad, []byte(body), 0o644)
		code, _, errs := hmcc(t, "run", "../../models/eight_schools.model", "../../models/eight_schools.csv",
			"--metric-file", bad, "--output-dir", t.TempDir(), "--quiet")
		if code != 2 || !strings.Contains(errs, bad+": ") || !strings.Contains(errs, want) {
			t.Errorf("%s: exit %d, %q; want 2 and %q", body, code, errs, want)
		}
	}
	if code, _, errs := hmcc(t, "run", "../../models/eight_schools.model", "../../models/eight_schools.csv", "--thin", "0", "--quiet"); code != 2 || !strings.Contains(errs, "--thin must be at least 1, got 0") {
		t.Errorf("--thin 0: exit %d, %s", code, errs)
	}
}

// A run whose warmup adapts a dense metric says so where CmdStan does: the header's metric is
// dense_e and the adaptation block holds the whole matrix, one row per line, with and without
// --save-warmup (whose header is written before warmup has chosen the metric).
func TestDenseMetricInHeaderAndAdaptation(t *testing.T) {
	for _, saveWarmup := range []bool{false, true} {
		dir := t.TempDir()
		args := []string{"run", "../../models/eight_schools.model", "../../models/eight_schools.csv", "--metric", "dense",
			"--chains", "2", "--warmup", "150", "--draws", "10", "--output-dir", dir, "--quiet"}
		if saveWarmup {
			args = append(args, "--save-warmup")
		}
		if code, out, errs := hmcc(t, args...); code != 0 {
			t.Fatalf("exit %d\n%s\n%s", code, out, errs)
		}
		f, err := cmdstan.ReadFile(filepath.Join(dir, "output_1.csv"))
		if err != nil {
			t.Fatal(err)
		}
		if f.Config["metric"] != "dense_e" || len(f.InvMetric) != 10*10 {
			t.Errorf("--save-warmup %v: header metric %q, adaptation block of %d elements; want dense_e and 100", saveWarmup, f.Config["metric"], len(f.InvMetric))
			continue
		}
		off := 0.0 // a dense estimate has nonzero covariances
		for i := range 10 {
			for j := range 10 {
				if i != j {
					off += math.Abs(f.InvMetric[i*10+j])
				}
			}
		}
		if off == 0 {
			t.Errorf("--save-warmup %v: the dense metric written is diagonal", saveWarmup)
		}
	}
}

// A dense metric round-trips too: --save-metric writes the whole matrix (dense_e), and a run
// with --warmup 0 samples with that matrix and the saved step size.
func TestDenseMetricFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if code, out, errs := hmcc(t, "run", "../../models/eight_schools.model", "../../models/eight_schools.csv", "--metric", "dense",
		"--chains", "2", "--warmup", "150", "--draws", "10", "--save-metric", "--output-dir", dir, "--quiet"); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	var saved struct {
		StepSize   float64     `json:"stepsize"`
		MetricType string      `json:"metric_type"`
		InvMetric  [][]float64 `json:"inv_metric"`
	}
	metricPath := filepath.Join(dir, "output_1_metric.json")
	if err := json.Unmarshal(mustRead(t, metricPath), &saved); err != nil {
		t.Fatalf("%s: %v", metricPath, err)
	}
	if saved.MetricType != "dense_e" || len(saved.InvMetric) != 10 || len(saved.InvMetric[0]) != 10 {
		t.Fatalf("metric file %+v, want a 10×10 dense_e matrix", saved)
	}
	again := t.TempDir()
	if code, out, errs := hmcc(t, "run", "../../models/eight_schools.model", "../../models/eight_schools.csv",
		"--chains", "2", "--warmup", "0", "--draws", "10", "--metric-file", metricPath, "--output-dir", again, "--quiet"); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	g, err := cmdstan.ReadFile(filepath.Join(again, "output_2.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if g.Config["metric"] != "dense_e" || len(g.InvMetric) != 100 || g.StepSize != saved.StepSize {
		t.Fatalf("header metric %q, %d metric elements, step size %v; want dense_e, 100, %v", g.Config["metric"], len(g.InvMetric), g.StepSize, saved.StepSize)
	}
	for i := range 10 {
		for j := range 10 {
			if g.InvMetric[i*10+j] != saved.InvMetric[i][j] {
				t.Fatalf("element [%d, %d] of the metric sampling used: %v, the file has %v", i+1, j+1, g.InvMetric[i*10+j], saved.InvMetric[i][j])
			}
		}
	}
	// A matrix that is not symmetric, or not positive definite, is refused with exit 2.
	asym := make([][]float64, 10)
	for i := range asym {
		asym[i] = make([]float64, 10)
		asym[i][i] = 1
	}
	asym[0][1] = 0.5
	notPD := make([][]float64, 10)
	for i := range notPD {
		notPD[i] = make([]float64, 10)
		for j := range notPD[i] {
			notPD[i][j] = 1 // rank one
		}
	}
	for name, m := range map[string][][]float64{"not symmetric": asym, "not positive definite": notPD} {
		bad := filepath.Join(t.TempDir(), "m.json")
		b, _ := json.Marshal(map[string]any{"inv_metric": m})
		os.WriteFile(bad, b, 0o644)
		code, _, errs := hmcc(t, "run", "../../models/eight_schools.model", "../../models/eight_schools.csv",
			"--warmup", "0", "--draws", "5", "--metric-file", bad, "--output-dir", t.TempDir(), "--quiet")
		if code != 2 || !strings.Contains(errs, name) {
			t.Errorf("%s: exit %d, %q; want 2 and a message saying so", name, code, errs)
		}
	}
}
