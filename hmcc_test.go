package hmcc_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc"
	"github.com/hmcc-dev/hmcc/dataset"
	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/runtime/cmdstan"
)

const (
	schoolsModel = "models/eight_schools.model"
	schoolsData  = "models/eight_schools.csv"
)

// The three ways of giving data (a file, a reader, values in memory) bind the same model: the
// log density and gradient at a point agree exactly.
func TestDataSourcesAgree(t *testing.T) {
	csv, err := os.ReadFile(schoolsData)
	if err != nil {
		t.Fatal(err)
	}
	values := hmcc.Values("schools", map[string]any{
		"y":     []float64{28, 8, -3, 7, -1, 1, 18, 12},
		"sigma": []float64{15, 10, 16, 11, 9, 11, 10, 18},
	})
	var want *hmcc.Density
	for i, d := range []hmcc.Data{hmcc.File(schoolsData), hmcc.CSV("schools.csv", strings.NewReader(string(csv))), values} {
		m, err := hmcc.CompileFile(schoolsModel, d)
		if err != nil {
			t.Fatalf("data %d: %v", i, err)
		}
		theta, err := m.Unconstrain(map[string][]float64{"mu": {1}, "tau": {2}, "theta_raw": {0.1, -0.2, 0.3, 0, 0.5, -1, 1, 0.25}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.LogDensity(theta)
		if err != nil {
			t.Fatal(err)
		}
		if want == nil {
			want = got
			continue
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("data %d: density %+v, the file's %+v", i, got, want)
		}
	}
}

// The draws Sample keeps in memory are the rows it writes into the chain CSVs, and a run
// without an output directory draws the same.
func TestSampleMemoryMatchesCSV(t *testing.T) {
	m, err := hmcc.CompileFile(schoolsModel, hmcc.File(schoolsData))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out, err := hmcc.OpenOutputDir(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	target := hmcc.Target{Chains: 2, Threads: 1}
	cfg := hmcc.Config{Warmup: 100, Draws: 40, Seed: 7, Sampler: "nuts", Thin: 2}
	inMemory, err := m.Sample(context.Background(), target, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer inMemory.Close()
	cfg.Output = &hmcc.Output{Dir: out, Header: cmdstan.Config{Model: "eight_schools.model"}}
	written, err := m.Sample(context.Background(), target, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer written.Close()
	if !written.Wrote || written.Result.DrawsDone != 20 {
		t.Fatalf("wrote %v, %d draws; want the files and 20 draws (40 thinned by 2)", written.Wrote, written.Result.DrawsDone)
	}
	for c := 0; c < 2; c++ {
		f, err := cmdstan.ReadFile(filepath.Join(dir, fmt.Sprintf("output_%d.csv", c+1)))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"lp__", "tau", "theta.3"} {
			col := -1
			for i, n := range f.Columns {
				if n == name {
					col = i
				}
			}
			if col < 0 {
				t.Fatalf("no column %s in %v", name, f.Columns)
			}
			mem, err := inMemory.Draws(name)
			if err != nil {
				t.Fatal(err)
			}
			kept, err := written.Draws(name)
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Draws) != len(mem[c]) {
				t.Fatalf("chain %d: %d rows in the file, %d draws in memory", c+1, len(f.Draws), len(mem[c]))
			}
			for d, row := range f.Draws {
				// The CSV holds the shortest decimal that reads back as the same float64.
				if row[col] != mem[c][d] || row[col] != kept[c][d] {
					t.Fatalf("chain %d draw %d of %s: file %v, memory %v, writing run %v", c+1, d+1, name, row[col], mem[c][d], kept[c][d])
				}
			}
		}
	}
	if _, err := written.Draws("nope"); err == nil || !strings.Contains(err.Error(), `no quantity "nope"`) {
		t.Errorf("unknown name: %v", err)
	}
}

// Errors keep their kinds through Compile and Sample: the caller can tell a model's diagnostic
// and a data error (theirs to fix) from a failure of the machine.
func TestErrorKinds(t *testing.T) {
	_, err := hmcc.Compile("bad.model", "param mu ~ Nrmal(0, 1)\n")
	var de *diag.Error
	var dl diag.List
	if !errors.As(err, &de) && !errors.As(err, &dl) {
		t.Errorf("unknown distribution: %T %v, want a diagnostic", err, err)
	}
	_, err = hmcc.Compile("m.model", "data y[N] = column \"y\"\nparam mu ~ Normal(0, 1)\ny ~ Normal(mu, 1)\n",
		hmcc.CSV("obs.csv", strings.NewReader("x\n1\n")))
	if err == nil || !strings.Contains(err.Error(), "obs.csv") {
		t.Errorf("missing column: %v, want an error naming obs.csv", err)
	}
	_, err = hmcc.Compile("m.model", "data y[N] = column \"y\"\nparam mu ~ Normal(0, 1)\ny ~ Normal(mu, 1)\n",
		hmcc.CSV("obs.csv", strings.NewReader("y\n1\nx\n")))
	var data *dataset.Error
	if !errors.As(err, &data) {
		t.Errorf("text in a numeric column: %T %v, want a *dataset.Error", err, err)
	}
	m, err := hmcc.CompileFile(schoolsModel, hmcc.File(schoolsData))
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Sample(context.Background(), hmcc.Target{Device: "gpu"}, hmcc.Config{})
	var ue hmcc.UserError
	if !errors.As(err, &ue) || !errors.Is(err, hmcc.ErrNoGPU) {
		t.Errorf("gpu without a backend: %v, want a UserError wrapping ErrNoGPU", err)
	}
	_, err = m.Sample(context.Background(), hmcc.Target{Chains: 4}, hmcc.Config{Superchains: 3})
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "Superchains must be at least 2 and divide the 4 chains, got 3") {
		t.Errorf("superchains that do not divide the chains: %v", err)
	}
	_, err = m.Sample(context.Background(), hmcc.Target{Chains: 2}, hmcc.Config{Init: map[string][]float64{"tau": {-1}}})
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "tau") {
		t.Errorf("init outside the support: %v, want a UserError naming tau", err)
	}
}

// A model that declares data cannot be sampled without them; one that declares none can.
func TestSampleWithoutData(t *testing.T) {
	m, err := hmcc.Compile("e.model", "data y[N] = column \"y\"\nparam mu ~ Normal(0, 1)\ny ~ Normal(mu, 1)\n")
	if err != nil {
		t.Fatal(err)
	}
	var ue hmcc.UserError
	if _, err := m.Sample(context.Background(), hmcc.Target{}, hmcc.Config{}); !errors.As(err, &ue) || !strings.Contains(err.Error(), "declares data (y)") {
		t.Errorf("sampling without the data: %v", err)
	}
	m, err = hmcc.Compile("prior.model", "param mu ~ Normal(3, 1)\n")
	if err != nil {
		t.Fatal(err)
	}
	fit, err := m.Sample(context.Background(), hmcc.Target{Chains: 2}, hmcc.Config{Warmup: 200, Draws: 200, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer fit.Close()
	mu, err := fit.Draws("mu")
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, v := range append(mu[0], mu[1]...) {
		sum += v
	}
	// 400 draws of Normal(3, 1) with an ESS well above 100: the mean is within 0.4 of 3 unless
	// the sampler is wrong (4 standard errors at ESS 100).
	if mean := sum / 400; mean < 2.6 || mean > 3.4 {
		t.Errorf("prior-only mean of mu = %.3f, want 3 ± 0.4", mean)
	}
}
