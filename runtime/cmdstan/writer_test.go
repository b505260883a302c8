package cmdstan

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestWriterLayoutAndRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "output_1.csv")
	w, err := Create(path, Config{Model: "m.model", DataFile: "d.csv", Chain: 1, Seed: 9, Warmup: 10, Draws: 2, TargetAccept: 0.8, PathLength: 3, Version: "test"}, []string{"a", "b.1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Adaptation(0.123456789, []float64{1, 2.5}); err != nil {
		t.Fatal(err)
	}
	values := [][]float64{{0.1 + 0.2, -1e-300}, {math.Pi, 12345678.9}}
	for i, v := range values {
		if err := w.Row(-3.5, 0.75, 0.123456789, 3, 7, i == 1, 4.25, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(1500*time.Millisecond, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, want := range []string{"# method = sample (Default)", "#     num_samples = 2", "#     num_warmup = 10",
		"#         engine = static", "# id = 1", "#   seed = 9",
		"lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,a,b.1\n# Adaptation terminated\n# Step size = 0.123456789\n# Diagonal elements of inverse mass matrix:\n# 1, 2.5\n",
		"#  Elapsed Time: 1.500 seconds (Warm-up)", "#                3.500 seconds (Total)"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	var rows [][]string
	for _, line := range strings.Split(text, "\n") {
		if line != "" && !strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "lp__") {
			rows = append(rows, strings.Split(line, ","))
		}
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	if got := strings.Join(rows[1][:7], ","); got != "-3.5,0.75,0.123456789,3,7,1,4.25" {
		t.Errorf("sampler columns %s", got)
	}
	for i, r := range rows {
		for j, want := range values[i] {
			got, err := strconv.ParseFloat(r[7+j], 64)
			if err != nil || got != want {
				t.Errorf("row %d value %d: %q reads back as %v, wrote %v", i, j, r[7+j], got, want)
			}
		}
	}
}
