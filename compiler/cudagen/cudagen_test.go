package cudagen

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/compiler/cudagen/cudagentest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// bundled are the models the GPU backend must compile, each with the data it ships with, plus a
// test model that uses every construct and distribution.
// tol is the float64 agreement required with the CPU executor (see testdata/lgamma.model for the
// one exception).
var bundled = []struct {
	name, model, data string
	tol               float64
}{
	{"sparse_logistic_german_credit", "../../models/sparse_logistic.model", "../../models/german_credit.csv", 1e-10},
	{"eight_schools", "../../models/eight_schools.model", "../../models/eight_schools.csv", 1e-10},
	{"kidiq", "../../models/kidiq.model", "../../models/kidiq.csv", 1e-10},
	{"all", "testdata/all.model", "testdata/all.csv", 1e-10},
	{"lgamma", "testdata/lgamma.model", "testdata/all.csv", 1e-9},
	{"groups", "testdata/groups.model", "testdata/groups.csv", 1e-10},
	{"arith", "testdata/arith.model", "testdata/all.csv", 1e-10},
}

// dump is what the golden files hold: the source and the plan that drives it.
func dump(p *Program) string {
	var b strings.Builder
	b.WriteString(p.Source)
	b.WriteString("\n/* buffers:\n")
	for i, bf := range p.Buffers {
		switch {
		case bf.PerChain:
			fmt.Fprintf(&b, "  %d %s: %d per chain", i, bf.Name, bf.Rows)
		default:
			fmt.Fprintf(&b, "  %d %s: data, %d values", i, bf.Name, len(bf.Data))
		}
		if bf.Double {
			b.WriteString(", double")
		}
		b.WriteString("\n")
	}
	b.WriteString("   plan:\n")
	for _, s := range p.Steps {
		switch s.Kind {
		case Zero:
			fmt.Fprintf(&b, "  zero %s\n", p.Buffers[s.Buf].Name)
		case Launch:
			fmt.Fprintf(&b, "  launch %s over %d\n", s.Kernel, s.N)
		case MatMul:
			g := s.Gemm
			fmt.Fprintf(&b, "  gemm trans=%v %s[%dx%d] %s -> %s\n", g.Trans, p.Buffers[g.Mat].Name, g.Rows, g.Cols,
				p.Buffers[g.In].Name, p.Buffers[g.Out].Name)
		}
	}
	b.WriteString("*/\n")
	return b.String()
}

// TestGolden holds the generated source of every bundled model, in both precisions, to the files
// in testdata; `go test ./compiler/cudagen -update` rewrites them after an intended change.
func TestGolden(t *testing.T) {
	eachGenerated(t, func(t *testing.T, name string, p *Program) {
		got := dump(p)
		path := filepath.Join("testdata", name+".cu.golden")
		if *update {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if got != string(want) {
			t.Errorf("generated source differs from %s; diff it with go test -update and git diff", path)
		}
	})
}

// eachGenerated generates every bundled model in both precisions and runs f on each program as
// the subtest name_precision, which it is also given.
func eachGenerated(t *testing.T, f func(t *testing.T, name string, p *Program)) {
	for _, c := range bundled {
		m := cudagentest.Load(t, c.model, c.data)
		for _, prec := range []Precision{Float64, Float32} {
			name := c.name + "_" + prec.String()
			t.Run(name, func(t *testing.T) {
				p, err := Generate(m, prec)
				if err != nil {
					t.Fatal(err)
				}
				f(t, name, p)
			})
		}
	}
}

// TestUnsupported checks that what the backend cannot compile is an error that says what it is.
func TestUnsupported(t *testing.T) {
	m := cudagentest.Load(t, "../../models/eight_schools.model", "../../models/eight_schools.csv")
	saved := distributions["HalfCauchy"]
	delete(distributions, "HalfCauchy")
	defer func() { distributions["HalfCauchy"] = saved }()
	_, err := Generate(m, Float64)
	var u *Unsupported
	if !errors.As(err, &u) {
		t.Fatalf("got %v, want an Unsupported error", err)
	}
	if want := "the GPU backend does not support the distribution HalfCauchy (it has BernoulliLogit, Cauchy, Exponential, " +
		"Gamma, HalfNormal, LogNormal, Normal, StudentT) yet; run this model on the CPU (--device cpu)"; err.Error() != want {
		t.Errorf("got %q\nwant %q", err, want)
	}
}
