package cudagen

import (
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/compiler/cudagen/cudagentest"
)

// TestAtomicsAccumulateInDouble: in both precisions every atomicAdd of the generated kernels (the
// log density, the gradient of a parameter read at every element, a sum, a scatter through a
// grouping) adds into a double buffer, so the order in which block rows arrive changes a result by
// float64 rounding only, never by float32's.
func TestAtomicsAccumulateInDouble(t *testing.T) {
	target := regexp.MustCompile(`atomicAdd\(&b(\d+)_`)
	eachGenerated(t, func(t *testing.T, _ string, p *Program) {
		n := 0
		for _, m := range target.FindAllStringSubmatch(p.Source, -1) {
			i, _ := strconv.Atoi(m[1])
			if !p.Buffers[i].Double {
				t.Errorf("atomicAdd into %s, a buffer of the kernels' precision (%s), not double", p.Buffers[i].Name, p.Precision)
			}
			n++
		}
		if n == 0 {
			t.Error("no atomicAdd found: the test lost its subject")
		}
	})
}

// TestShimFloat32SumsInDouble: sum and mean of 100,000 float32 products y·mu, each 0.1·mu, in one
// block row (the case with the longest accumulation). Accumulated in float32, the running sum's
// rounding drifts by about 1e-4 relative (summing 0.1f a hundred thousand times gives 9998.6);
// in double the result is the exact sum of the float32 products to 1e-12.
func TestShimFloat32SumsInDouble(t *testing.T) {
	const n = 100000
	dir := t.TempDir()
	model := filepath.Join(dir, "sums.model")
	data := filepath.Join(dir, "sums.csv")
	src := `data y[N] = column "y"
param mu ~ Normal(0, 1)
param s ~ Normal(sum(y * mu), 1)
param m ~ Normal(mean(y * mu), 1)
`
	if err := os.WriteFile(model, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var csv strings.Builder
	csv.WriteString("y\n")
	for i := 0; i < n; i++ {
		csv.WriteString("0.1\n")
	}
	if err := os.WriteFile(data, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	m := cudagentest.Load(t, model, data)
	p, err := Generate(m, Float32)
	if err != nil {
		t.Fatal(err)
	}
	var outs []int
	for i, b := range p.Buffers {
		if strings.HasPrefix(b.Name, "sum") && strings.HasSuffix(b.Name, "_out") && !strings.Contains(b.Name, "adj") {
			outs = append(outs, i)
		}
	}
	if len(outs) != 2 {
		t.Fatalf("%d sums in the plan, want 2", len(outs))
	}
	const chains = 2
	s := startShim(t, buildShim(t, p, "c"), p, chains, 32, n) // one block row: n elements per thread
	theta := make([]float64, chains*p.Dim)
	theta[0], theta[p.Dim] = 1.3, -0.7 // mu of the two chains; mu is the first coordinate
	evalShim(t, s, p, theta, chains)
	for k, buf := range outs {
		got := s.get(buf)
		for c := 0; c < chains; c++ {
			mu := float32(theta[c*p.Dim])
			want := float64(n) * float64(float32(0.1)*mu) // the exact sum of the float32 products
			if k == 1 {
				want /= n
			}
			if rel := math.Abs(got[c]-want) / math.Abs(want); rel > 1e-12 {
				t.Errorf("%s of chain %d = %.10g, exact %.10g (relative error %.2g)", p.Buffers[buf].Name, c, got[c], want, rel)
			}
		}
	}
}
