package cudagen

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hmcc-dev/hmcc/compiler/cudagen/cudagentest"
)

// TestUnsupportedIndexing checks that the constructs of issue 14 that have no CUDA lowering yet
// (docs/gpu.md lists them) are refused when the CUDA is generated, saying which.
func TestUnsupportedIndexing(t *testing.T) {
	cases := map[string]string{
		"y ~ Normal(mu + b[1], 1)":                               "an element of a vector (x[1])",
		"y[2:N] ~ Normal(mu + b[2] * y[1:N-1], 1)":               "an element of a vector (x[1])",
		"y[2:N] ~ Normal(mu + y[1:N-1], 1)":                      "", // observed slices of data: folded, supported
		"y ~ Normal(mu * (mu > 0), 1)":                           "the comparison >",
		"y ~ Normal(mu * (y > 0) + N, 1)":                        "", // data only: folded, supported
		"y ~ Normal(ifelse(y > 0, mu, 0), 1)":                    "ifelse",
		"let x[N] = recur(mu, t: mu * x[t-1])\ny ~ Normal(x, 1)": "the recurrence x (recur)",
		"y ~ Normal(mu + sum(b[1:2]), 1)":                        "a slice (y[2:N])",
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "d.csv")
	os.WriteFile(data, []byte("y\n1\n-2\n3\n"), 0o644)
	for stmt, what := range cases {
		model := filepath.Join(dir, "m.model")
		os.WriteFile(model, []byte("data y[N] = column \"y\"\nparam mu ~ Normal(0, 1)\nparam b[2] ~ Normal(0, 1)\n"+stmt+"\n"), 0o644)
		m := cudagentest.Load(t, model, data)
		_, err := Generate(m, Float64)
		if what == "" {
			if err != nil {
				t.Errorf("%s: %v", stmt, err)
			}
			continue
		}
		var u *Unsupported
		if !errors.As(err, &u) {
			t.Errorf("%s: got %v, want an Unsupported error", stmt, err)
			continue
		}
		if want := "the GPU backend does not support " + what + " yet; run this model on the CPU (--device cpu)"; err.Error() != want {
			t.Errorf("%s: got %q\nwant %q", stmt, err, want)
		}
	}
}
