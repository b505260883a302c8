package cudagen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/compiler/cudagen/cudagentest"
)

// TestNoAtomics: no generated kernel uses an atomic operation (whose order of arrival varies
// between runs, so that a fixed seed would not reproduce), and the per-chain partial sums across
// block rows are double in both precisions, so a float32 sum never rounds to float32 between rows.
func TestNoAtomics(t *testing.T) {
	atomic := regexp.MustCompile(`atomic\w*\s*\(`)
	eachGenerated(t, func(t *testing.T, _ string, p *Program) {
		if atomic.MatchString(p.Source) {
			t.Error("the generated source uses an atomic operation")
		}
		for _, b := range p.Buffers {
			if b.Name == "part" && !b.Double {
				t.Errorf("the partial sums are %s, not double", p.Precision)
			}
		}
	})
}

// TestShimDeterministic: the log density and gradient are the same bit for bit whatever the
// threads per block and the order in which a launch's blocks and threads run (the shim runs them
// forwards, or backwards as a GPU may schedule them), for every bundled model in both precisions,
// with several block rows per chain. Before the partial sums, block rows added into the log
// density, the gradient of scalar parameters and the scatter through a grouping with atomicAdd in
// whatever order they finished, and reversing that order changed the results' last bits.
func TestShimDeterministic(t *testing.T) {
	const chains = 37
	for _, c := range bundled {
		m := cudagentest.Load(t, c.model, c.data)
		for _, prec := range []Precision{Float64, Float32} {
			t.Run(c.name+"_"+prec.String(), func(t *testing.T) {
				p, err := Generate(m, prec)
				if err != nil {
					t.Fatal(err)
				}
				exe := buildShim(t, p, "c")
				theta := cudagentest.RandomTheta(rand.New(rand.NewPCG(5, uint64(len(c.name)))), chains*p.Dim)
				var wantLP, wantGrad []float64
				for run, cfg := range []struct{ block, reverse int }{{32, 0}, {128, 1}, {1, 1}, {64, 0}} {
					s := startShim(t, exe, p, chains, cfg.block, MinChunk)
					fmt.Fprintf(s.in, "order %d\n", cfg.reverse)
					lp, grad := evalShim(t, s, p, theta, chains)
					if run == 0 {
						wantLP, wantGrad = lp, grad
						continue
					}
					for i := range lp {
						if math.Float64bits(lp[i]) != math.Float64bits(wantLP[i]) {
							t.Fatalf("block %d, reverse %d: chain %d log density %.17g, first run %.17g", cfg.block, cfg.reverse, i, lp[i], wantLP[i])
						}
					}
					for i := range grad {
						if math.Float64bits(grad[i]) != math.Float64bits(wantGrad[i]) {
							t.Fatalf("block %d, reverse %d: gradient %d (chain %d) %.17g, first run %.17g", cfg.block, cfg.reverse, i, i/p.Dim, grad[i], wantGrad[i])
						}
					}
				}
			})
		}
	}
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
