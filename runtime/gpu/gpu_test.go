//go:build hmcc_cuda

package gpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/compiler/cudagen"
	"github.com/hmcc-dev/hmcc/dataset"
	"github.com/hmcc-dev/hmcc/ir"
	"github.com/hmcc-dev/hmcc/lang"
	"github.com/hmcc-dev/hmcc/runtime"
)

// These tests need an NVIDIA GPU: the test binary exits in cu's initialiser without one. Build
// it here with scripts/cuda-check.sh and run it on a GPU machine (docs/gpu.md).

var models = []struct{ name, model, data string }{
	{"sparse_logistic_german_credit", "../../models/sparse_logistic.model", "../../models/german_credit.csv"},
	{"sparse_logistic_breast_cancer", "../../models/sparse_logistic.model", "../../models/breast_cancer.csv"},
	{"eight_schools", "../../models/eight_schools.model", "../../models/eight_schools.csv"},
	{"kidiq", "../../models/kidiq.model", "../../models/kidiq.csv"},
}

func load(t testing.TB, modelPath, dataPath string) *ir.Model {
	t.Helper()
	src, err := os.ReadFile(modelPath)
	if err != nil {
		t.Fatal(err)
	}
	ast, err := lang.Parse(modelPath, string(src))
	if err != nil {
		t.Fatal(err)
	}
	m, err := compiler.Check(ast)
	if err != nil {
		t.Fatal(err)
	}
	table, err := dataset.Read(dataPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := compiler.Bind(m, table); err != nil {
		t.Fatal(err)
	}
	return m
}

func randomTheta(rng *rand.Rand, n int) []float64 {
	theta := make([]float64, n)
	for i := range theta {
		theta[i] = rng.Float64()*4 - 2
	}
	return theta
}

// TestMatchesCPU compares the device's log density and gradient with the CPU executor's at
// random points, for chain counts that do and do not fill a block. float64 agrees to 1e-9
// (NVRTC contracts a*b+c into fused multiply-adds and the device's libm differs from Go's by an
// ulp or two, the host shim test holds the same source to 1e-10); float32 to 1e-4 of the largest
// magnitude, the float32 shim test's tolerance.
func TestMatchesCPU(t *testing.T) {
	for _, c := range models {
		m := load(t, c.model, c.data)
		for _, chains := range []int{1, 7, 300} {
			for _, prec := range []cudagen.Precision{cudagen.Float64, cudagen.Float32} {
				t.Run(fmt.Sprintf("%s/%d/%s", c.name, chains, prec), func(t *testing.T) {
					g, err := New(m, chains, Options{Precision: prec})
					if err != nil {
						t.Fatal(err)
					}
					defer g.Close()
					cpu, err := compiler.Lower(m, chains)
					if err != nil {
						t.Fatal(err)
					}
					rng := rand.New(rand.NewPCG(uint64(chains), 9))
					dim := m.Dim()
					for rep := 0; rep < 3; rep++ {
						theta := randomTheta(rng, chains*dim)
						if prec == cudagen.Float32 {
							for i := range theta {
								theta[i] = float64(float32(theta[i]))
							}
						}
						lp, grad := make([]float64, chains), make([]float64, chains*dim)
						wantLP, wantGrad := make([]float64, chains), make([]float64, chains*dim)
						if err := g.LogDensityGrad(theta, lp, grad); err != nil {
							t.Fatal(err)
						}
						if err := cpu.LogDensityGrad(theta, wantLP, wantGrad); err != nil {
							t.Fatal(err)
						}
						tol, scaled := 1e-9, false
						if prec == cudagen.Float32 {
							tol, scaled = 1e-4, true
						}
						compare(t, "log density", lp, wantLP, tol, scaled)
						compare(t, "gradient", grad, wantGrad, tol, scaled)
					}
				})
			}
		}
	}
}

func compare(t *testing.T, what string, got, want []float64, tol float64, scaled bool) {
	t.Helper()
	scale := 1.0
	if scaled {
		for _, w := range want {
			scale = math.Max(scale, math.Abs(w))
		}
	}
	bad := 0
	for i := range want {
		if !(math.Abs(got[i]-want[i]) <= tol*scale*math.Max(1, math.Abs(want[i]))) {
			if bad++; bad <= 5 {
				t.Errorf("%s[%d] = %.17g, CPU %.17g", what, i, got[i], want[i])
			}
		}
	}
}

// TestSamples runs the default sampler end to end on the device for eight schools and checks the
// posterior mean of mu against testdata/reference/eight_schools.csv (Stan, long run: 4.397).
func TestSamples(t *testing.T) {
	m := load(t, "../../models/eight_schools.model", "../../models/eight_schools.csv")
	g, err := New(m, 64, Options{Precision: cudagen.Float32})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	sink := &meanSink{dim: m.Dim()}
	cfg := runtime.Config{Warmup: 500, Draws: 500, Seed: 3, TargetAccept: 0.8, PathLength: 3, MaxSteps: 1024, Sampler: "chees", MaxTreeDepth: 10}
	if _, err := runtime.Sample(t.Context(), g, cfg, sink); err != nil {
		t.Fatal(err)
	}
	// mu's posterior sd is 3.32; 64×500 draws with a bulk-ESS of at least 1000 (the CPU build
	// gets several thousand) give an MCSE below 0.11, so 0.5 is about five MCSEs.
	mean := sink.sum / float64(sink.n)
	if math.Abs(mean-4.397) > 0.5 {
		t.Errorf("posterior mean of mu %.3f, want 4.397 ± 0.5", mean)
	}
}

type meanSink struct {
	dim int
	sum float64
	n   int
}

func (s *meanSink) Adapted([]float64, []float64) error { return nil }
func (s *meanSink) Draw(_ int, stats []runtime.Stats, theta []float64) error {
	for c := range stats {
		s.sum += theta[c*s.dim] // mu is unconstrained: θ is its value
		s.n++
	}
	return nil
}

// BenchmarkLogDensityGrad measures chain-gradients per second for the German credit model at
// the chain counts of docs/performance.md, in both precisions. Reported as chain-grads/s.
func BenchmarkLogDensityGrad(b *testing.B) {
	m := load(b, "../../models/sparse_logistic.model", "../../models/german_credit.csv")
	for _, prec := range []cudagen.Precision{cudagen.Float32, cudagen.Float64} {
		for _, chains := range []int{128, 1024, 4096, 16384} {
			b.Run(fmt.Sprintf("%s/C=%d", prec, chains), func(b *testing.B) {
				g, err := New(m, chains, Options{Precision: prec})
				if err != nil {
					b.Fatal(err)
				}
				defer g.Close()
				dim := m.Dim()
				theta := randomTheta(rand.New(rand.NewPCG(1, 2)), chains*dim)
				lp, grad := make([]float64, chains), make([]float64, chains*dim)
				b.ResetTimer()
				start := time.Now()
				for i := 0; i < b.N; i++ {
					if err := g.LogDensityGrad(theta, lp, grad); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(chains*b.N)/time.Since(start).Seconds(), "chain-grads/s")
			})
		}
	}
}
