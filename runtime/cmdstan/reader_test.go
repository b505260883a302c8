package cmdstan

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// sameFloat is == except that NaN equals NaN and the sign of zero counts.
func sameFloat(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return a == b && math.Signbit(a) == math.Signbit(b)
}

func TestReadWhatWriterWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "output_2.csv")
	cfg := Config{Model: "m.model", DataFile: "d.csv", Chain: 2, Seed: 17, Warmup: 10, Draws: 3, TargetAccept: 0.8,
		Version: "test", Engine: "nuts", MaxDepth: 10}
	w, err := Create(path, cfg, []string{"a", "b.1", "b.2"})
	if err != nil {
		t.Fatal(err)
	}
	metric := []float64{1, 2.5, 1e-300}
	if err := w.Adaptation(0.123456789, metric); err != nil {
		t.Fatal(err)
	}
	values := [][]float64{
		{math.Copysign(0, -1), 1e-300, 1.7976931348623157e308},
		{0.1 + 0.2, -12345678901234567890, 5e-324},
		{math.NaN(), math.Inf(1), math.Inf(-1)},
	}
	for i, v := range values {
		if err := w.Row(-3.5-float64(i), 0.75, 0.123456789, 3, 7, i == 1, 4.25, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(1500*time.Millisecond, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wantCols := append(slices.Clone(SamplerColumns), "a", "b.1", "b.2")
	if !slices.Equal(f.Columns, wantCols) {
		t.Errorf("columns %v, want %v", f.Columns, wantCols)
	}
	if len(f.Draws) != len(values) {
		t.Fatalf("%d draws, want %d", len(f.Draws), len(values))
	}
	for i, row := range f.Draws {
		div := 0.0
		if i == 1 {
			div = 1
		}
		want := append([]float64{-3.5 - float64(i), 0.75, 0.123456789, 3, 7, div, 4.25}, values[i]...)
		if len(row) != len(want) {
			t.Fatalf("draw %d has %d values, want %d", i, len(row), len(want))
		}
		for j := range want {
			if !sameFloat(row[j], want[j]) {
				t.Errorf("draw %d column %s: read %v, wrote %v", i, f.Columns[j], row[j], want[j])
			}
		}
	}
	if f.StepSize != 0.123456789 {
		t.Errorf("step size %v", f.StepSize)
	}
	if !slices.Equal(f.InvMetric, metric) {
		t.Errorf("inverse metric %v, want %v", f.InvMetric, metric)
	}
	if f.WarmupSeconds != 1.5 || f.SamplingSeconds != 2 {
		t.Errorf("timing %v, %v", f.WarmupSeconds, f.SamplingSeconds)
	}
	for k, want := range map[string]string{
		"num_samples": "3", "num_warmup": "10", "id": "2", "seed": "17", "engine": "nuts", "max_depth": "10",
		"delta": "0.8", "model": "m.model", "hmcc_version": "test", "method": "sample", "file": "d.csv",
		"sample.num_samples": "3", "sample.adapt.delta": "0.8", "sample.algorithm": "hmc", "sample.hmc.engine": "nuts",
		"sample.hmc.nuts.max_depth": "10", "data.file": "d.csv", "output.file": path, "random.seed": "17",
	} {
		if got, ok := f.Config[k]; !ok || got != want {
			t.Errorf("Config[%q] = %q (present %v), want %q", k, got, ok, want)
		}
	}
}

// A file as CmdStan 2.33 writes it for the bernoulli example (shortened).
const cmdstanOutput = `# stan_version_major = 2
# stan_version_minor = 33
# stan_version_patch = 1
# model = bernoulli_model
# start_datetime = 2023-10-04 12:00:00 UTC
# method = sample (Default)
#   sample
#     num_samples = 3
#     num_warmup = 1000 (Default)
#     save_warmup = 0 (Default)
#     thin = 1 (Default)
#     adapt
#       engaged = 1 (Default)
#       gamma = 0.050000000000000003 (Default)
#       delta = 0.80000000000000004 (Default)
#     algorithm = hmc (Default)
#       hmc
#         engine = nuts (Default)
#           nuts
#             max_depth = 10 (Default)
#         metric = diag_e (Default)
#         metric_file =  (Default)
#         stepsize = 1 (Default)
#     num_chains = 1 (Default)
# id = 1 (Default)
# data
#   file = bernoulli.data.json
# init = 2 (Default)
# random
#   seed = 1234
# output
#   file = output.csv (Default)
#   diagnostic_file =  (Default)
#   refresh = 100 (Default)
# stanc_version = stanc3 v2.33.0
# stancflags = 
lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,theta
# Adaptation terminated
# Step size = 0.932037
# Diagonal elements of inverse mass matrix:
# 0.591014
-7.58097,0.827715,0.932037,1,3,0,8.12371,0.0963735
-6.84366,1,0.932037,1,1,0,7.43461,0.147882
-8.03452,nan,0.932037,2,3,0,inf,0.421958
# 
#  Elapsed Time: 0.005 seconds (Warm-up)
#                0.012 seconds (Sampling)
#                0.017 seconds (Total)
# 
`

func TestReadCmdStanOutput(t *testing.T) {
	f, err := Read(strings.NewReader(strings.ReplaceAll(cmdstanOutput, "\n", "\r\n")))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.Columns, ","); got != "lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,theta" {
		t.Errorf("columns %s", got)
	}
	if len(f.Draws) != 3 || f.Draws[0][7] != 0.0963735 || f.Draws[1][0] != -6.84366 || !math.IsNaN(f.Draws[2][1]) || !math.IsInf(f.Draws[2][6], 1) {
		t.Errorf("draws %v", f.Draws)
	}
	if f.StepSize != 0.932037 || !slices.Equal(f.InvMetric, []float64{0.591014}) {
		t.Errorf("adaptation %v %v", f.StepSize, f.InvMetric)
	}
	if f.WarmupSeconds != 0.005 || f.SamplingSeconds != 0.012 {
		t.Errorf("timing %v %v", f.WarmupSeconds, f.SamplingSeconds)
	}
	for k, want := range map[string]string{"num_samples": "3", "num_warmup": "1000", "id": "1", "seed": "1234",
		"engine": "nuts", "metric_file": "", "stancflags": "", "file": "bernoulli.data.json", "output.file": "output.csv",
		"stanc_version": "stanc3 v2.33.0", "model": "bernoulli_model"} {
		if got, ok := f.Config[k]; !ok || got != want {
			t.Errorf("Config[%q] = %q (present %v), want %q", k, got, ok, want)
		}
	}
}

func TestReadDenseMetricAndNoAdaptation(t *testing.T) {
	f, err := Read(strings.NewReader("a,b\n# Adaptation terminated\n# Step size = 0.5\n# Elements of inverse mass matrix:\n# 1, 0.5\n# 0.5, 2\n1,2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.InvMetric, []float64{1, 0.5, 0.5, 2}) || f.StepSize != 0.5 || len(f.Draws) != 1 {
		t.Errorf("%+v", f)
	}
	f, err = Read(strings.NewReader("lp__,x\n1,2\n3,4")) // fixed_param: no adaptation, no final newline
	if err != nil {
		t.Fatal(err)
	}
	if f.InvMetric != nil || f.StepSize != 0 || len(f.Draws) != 2 || f.Draws[1][1] != 4 {
		t.Errorf("%+v", f)
	}
}

func TestReadErrors(t *testing.T) {
	for _, c := range []struct{ name, text, want string }{
		{"empty", "", "no header line"},
		{"only comments", "# a = 1\n#\n", "line 2: no header line"},
		{"ragged short", "# x = 1\na,b,c\n1,2,3\n1,2\n", "line 4: the row has 2 values, the header has 3 columns"},
		{"ragged long", "a,b\n1,2,3\n", "line 2: the row has 3 values, the header has 2 columns"},
		{"non-numeric", "a,b.1\n1,2\n1,abc\n", `line 3: column "b.1": "abc" is not a number`},
		{"empty cell", "a,b\n,2\n", `line 2: column "a": "" is not a number`},
		{"empty name", "a,,b\n", "line 1: the header has no name for column 2"},
		{"duplicate name", "a,b,a\n", `line 1: column "a": appears twice in the header (columns 1 and 3)`},
		{"step size", "a\n# Step size = fast\n", `line 2: step size: "fast" is not a number`},
		{"metric", "a\n# Diagonal elements of inverse mass matrix:\n# 1, x\n", `line 3: inverse metric: "x" is not a number`},
		{"metric missing", "a\n# Diagonal elements of inverse mass matrix:\n1\n", "line 3: a draw where the diagonal"},
		{"metric at end", "a\n# Diagonal elements of inverse mass matrix:\n", "line 2: the file ends where the inverse metric should be"},
		{"timing", "a\n#  Elapsed Time: soon seconds (Warm-up)\n", `line 2: elapsed time: "soon" is not a number`},
	} {
		_, err := Read(strings.NewReader(c.text))
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: error %v is not an *Error", c.name, err)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q, want it to contain %q", c.name, err, c.want)
		}
	}
}

func TestReadFileNamesThePath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(path, []byte("a,b\n1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(path)
	if err == nil || !strings.HasPrefix(err.Error(), path+":2: ") {
		t.Errorf("error %v", err)
	}
	if _, err := ReadFile(filepath.Join(t.TempDir(), "missing.csv")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// A CmdStan file written with save_warmup = 1 holds the warmup iterations before the adaptation
// block; they are not draws (CmdStan 2.21's layout; the same in 2.33 with save_warmup = true).
func TestReadSaveWarmup(t *testing.T) {
	const text = `# method = sample (Default)
#   sample
#     num_samples = 2
#     num_warmup = 3
#     save_warmup = %s
#     thin = 1 (Default)
lp__,accept_stat__,x
-1,0.9,0.5
-2,0.8,0.6
-3,0.7,0.7
# Adaptation terminated
# Step size = 0.5
# Diagonal elements of inverse mass matrix:
# 1.5
-4,0.6,0.8
-5,0.5,0.9
`
	for _, flag := range []string{"1", "true"} {
		f, err := Read(strings.NewReader(strings.Replace(text, "%s", flag, 1)))
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Warmup) != 3 || len(f.Draws) != 2 || f.Warmup[2][2] != 0.7 || f.Draws[0][2] != 0.8 || f.StepSize != 0.5 {
			t.Errorf("save_warmup = %s: warmup %v, draws %v, step size %v", flag, f.Warmup, f.Draws, f.StepSize)
		}
	}
	// Without save_warmup every row is a draw, wherever the adaptation block sits.
	f, err := Read(strings.NewReader(strings.Replace(text, "%s", "0", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Warmup) != 0 || len(f.Draws) != 5 {
		t.Errorf("save_warmup = 0: %d warmup rows, %d draws", len(f.Warmup), len(f.Draws))
	}
}
