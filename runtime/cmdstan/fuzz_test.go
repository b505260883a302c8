package cmdstan

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// FuzzRoundTrip writes draws made of fuzzed values with Writer and reads them back with Read:
// the columns and every value (NaN equal to NaN, the sign of zero kept) must survive.
func FuzzRoundTrip(f *testing.F) {
	f.Add(uint8(2), 0.1+0.2, math.Copysign(0, -1), 1e-300, 1.7976931348623157e308)
	f.Add(uint8(0), math.NaN(), math.Inf(1), math.Inf(-1), 5e-324)
	f.Add(uint8(7), -12345678.9, 1.0, 0.0, math.Pi)
	f.Fuzz(func(t *testing.T, ncol uint8, a, b, c, d float64) {
		seed := []float64{a, b, c, d}
		n := int(ncol % 16)
		cols := make([]string, n)
		for j := range cols {
			cols[j] = fmt.Sprintf("x.%d", j+1)
		}
		path := filepath.Join(t.TempDir(), "output_1.csv")
		w, err := Create(path, Config{Model: "m.model", DataFile: "d.csv", Chain: 1, Seed: 1, Draws: 3, Version: "fuzz"}, cols)
		if err != nil {
			t.Fatal(err)
		}
		metric := make([]float64, n)
		for j := range metric {
			metric[j] = seed[(j+1)%4]
		}
		if err := w.Adaptation(a, metric); err != nil {
			t.Fatal(err)
		}
		var want [][]float64
		for i := range 3 {
			vals := make([]float64, n)
			for j := range vals {
				vals[j] = seed[(i+j)%4]
			}
			div := i == 1
			if err := w.Row(seed[i], seed[(i+1)%4], seed[(i+2)%4], i, 2*i+1, div, seed[(i+3)%4], vals); err != nil {
				t.Fatal(err)
			}
			dv := 0.0
			if div {
				dv = 1
			}
			want = append(want, append([]float64{seed[i], seed[(i+1)%4], seed[(i+2)%4], float64(i), float64(2*i + 1), dv, seed[(i+3)%4]}, vals...))
		}
		if err := w.Close(time.Second, 2*time.Second); err != nil {
			t.Fatal(err)
		}
		file, err := ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if wantCols := append(slices.Clone(SamplerColumns), cols...); !slices.Equal(file.Columns, wantCols) {
			t.Fatalf("columns %v, want %v", file.Columns, wantCols)
		}
		if len(file.Draws) != len(want) {
			t.Fatalf("%d draws, want %d", len(file.Draws), len(want))
		}
		for i := range want {
			if !slices.EqualFunc(file.Draws[i], want[i], sameFloat) {
				t.Fatalf("draw %d: read %v, wrote %v", i, file.Draws[i], want[i])
			}
		}
		if !sameFloat(file.StepSize, a) || len(file.InvMetric) != n || !slices.EqualFunc(file.InvMetric, metric, sameFloat) {
			t.Fatalf("adaptation: read %v %v, wrote %v %v", file.StepSize, file.InvMetric, a, metric)
		}
	})
}

// FuzzRead reads arbitrary bytes: it must not panic, errors must be *Error with a line number, and
// what it accepts must be rectangular.
func FuzzRead(f *testing.F) {
	f.Add([]byte(cmdstanOutput))
	f.Add([]byte("a,b\n# Adaptation terminated\n# Step size = 0.5\n# Elements of inverse mass matrix:\n# 1, 0.5\n# 0.5, 2\n1,2\n"))
	f.Add([]byte("lp__,x\n1,2\n3,nan\n"))
	f.Add([]byte("a,b\n1\n"))
	f.Add([]byte("# a = 1\n#   b\n#     c = 2 (Default)\nx\n#  Elapsed Time: 1 seconds (Warm-up)\n"))
	f.Add([]byte("x\r\n\r\n-0\r\n1e-300\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Read(bytes.NewReader(data))
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T %v is not an *Error", err, err)
			}
			if len(data) > 0 && e.Line < 1 {
				t.Fatalf("error without a line: %v", err)
			}
			return
		}
		if len(file.Columns) == 0 {
			t.Fatal("accepted a file without columns")
		}
		for i, row := range file.Draws {
			if len(row) != len(file.Columns) {
				t.Fatalf("draw %d has %d values for %d columns", i, len(row), len(file.Columns))
			}
		}
	})
}
