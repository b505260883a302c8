package lang

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hmcc-dev/hmcc/diag"
)

// FuzzParse parses arbitrary text: Parse must not panic, a failure must be a diagnostic whose
// positions lie inside the source, and rendering it must not panic.
func FuzzParse(f *testing.F) {
	seedWithModels(f)
	for _, s := range []string{
		"",
		"data y[N] = column \"y\"\nparam mu ~ Normal(0, 1)\ny ~ Normal(mu, 1)\n",
		"data X[N, 3] = standardize(columns except \"a\", \"b\")\n",
		"let w = -x^2^-1 @ (a + b) / 2e-3\n",
		"param tau ~ Gamma(0.5, 0.5\n",
		"param x[ ~ Normal(0, 1)",
		"data y = column \"unterminated\n",
		"let x = 1 $ 2\n",
		"let é = 1\n\tparam\t\"x\" ~",
		"\r\n\r\nlet x = 1e999999\r\n",
		"let x[N] = recur(a[1:2], t: x[t-1] * (y[t+K] >= 0) + ifelse(t == 1, 0, x[t-2]))\n",
		"y[2:N-1] ~ Normal(b[1] - -y[1:N - 2*K], s != 0)\n",
		"let c = a < b < c\nlet d = y[:N]\nlet e = recur(1, t x)\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		m, err := Parse("f.model", src)
		if err == nil {
			if m == nil {
				t.Fatal("nil model without an error")
			}
			return
		}
		checkDiagnostic(t, err, src)
		if diag.Render(err, src) == "" {
			t.Fatal("empty rendering")
		}
	})
}

// checkDiagnostic fails unless err is a well-formed diagnostic about src (diag.CheckWithin) with a
// kind (diag.CheckKinds).
func checkDiagnostic(t *testing.T, err error, src string) {
	t.Helper()
	if bad := diag.CheckWithin(err, src); bad != nil {
		t.Fatalf("%v\n%q", bad, src)
	}
	if bad := diag.CheckKinds(err); bad != nil {
		t.Fatalf("%v\n%q", bad, src)
	}
}

// seedWithModels adds every bundled model to a fuzz target's corpus.
func seedWithModels(f *testing.F) {
	models, _ := filepath.Glob(filepath.Join("..", "models", "*.model"))
	for _, p := range models {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
}
