//go:build hmcc_cuda

package gpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hmcc-dev/hmcc/autodiff"
	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/compiler/cudagen"
	"github.com/hmcc-dev/hmcc/compiler/cudagen/cudagentest"
	"github.com/hmcc-dev/hmcc/ir"
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

// TestMatchesCPU compares the device's log density and gradient with the CPU executor's at
// random points, for chain counts that do and do not fill a block. float64 agrees to 1e-9
// (NVRTC contracts a*b+c into fused multiply-adds and the device's libm differs from Go's by an
// ulp or two, the host shim test holds the same source to 1e-10); float32 to 1e-4 of the largest
// magnitude, the float32 shim test's tolerance.
func TestMatchesCPU(t *testing.T) {
	for _, c := range models {
		m := cudagentest.Load(t, c.model, c.data)
		for _, chains := range []int{1, 7, 300} {
			for _, prec := range []cudagen.Precision{cudagen.Float64, cudagen.Float32} {
				t.Run(fmt.Sprintf("%s/%d/%s", c.name, chains, prec), func(t *testing.T) {
					g, cpu := targets(t, m, chains, prec)
					rng := rand.New(rand.NewPCG(uint64(chains), 9))
					dim := m.Dim()
					for rep := 0; rep < 3; rep++ {
						theta := cudagentest.RandomTheta(rng, chains*dim)
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

// targets returns a device target and the CPU executor for the same model and chain count; the
// target is closed when the test ends.
func targets(t *testing.T, m *ir.Model, chains int, prec cudagen.Precision) (*Target, *autodiff.Program) {
	t.Helper()
	g, err := New(m, chains, Options{Precision: prec})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	cpu, err := compiler.Lower(m, chains)
	if err != nil {
		t.Fatal(err)
	}
	return g, cpu
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
		infMismatch := (math.IsInf(got[i], 0) || math.IsInf(want[i], 0)) && got[i] != want[i] // |x − Inf| ≤ tol·Inf holds
		if !(math.Abs(got[i]-want[i]) <= tol*scale*math.Max(1, math.Abs(want[i]))) || infMismatch {
			if bad++; bad <= 5 {
				t.Errorf("%s[%d] = %.17g, CPU %.17g", what, i, got[i], want[i])
			}
		}
	}
}

// TestSamples runs the default sampler end to end on the device for eight schools and checks the
// posterior mean of mu against testdata/reference/eight_schools.csv (Stan, long run: 4.397).
func TestSamples(t *testing.T) {
	m := cudagentest.Load(t, "../../models/eight_schools.model", "../../models/eight_schools.csv")
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
	m := cudagentest.Load(b, "../../models/sparse_logistic.model", "../../models/german_credit.csv")
	for _, prec := range []cudagen.Precision{cudagen.Float32, cudagen.Float64} {
		for _, chains := range []int{128, 1024, 4096, 16384} {
			b.Run(fmt.Sprintf("%s/C=%d", prec, chains), func(b *testing.B) {
				g, err := New(m, chains, Options{Precision: prec})
				if err != nil {
					b.Fatal(err)
				}
				defer g.Close()
				dim := m.Dim()
				theta := cudagentest.RandomTheta(rand.New(rand.NewPCG(1, 2)), chains*dim)
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

// TestTransition runs the device-resident HMC transition for German credit and compares it with
// runtime/hmc.go's transition on the CPU executor given the same draws (cudagentest.Transition,
// the reference compiler/cudagen's host shim test uses too), in float64.
func TestTransition(t *testing.T) {
	m := cudagentest.Load(t, "../../models/sparse_logistic.model", "../../models/german_credit.csv")
	const chains = 6
	n := m.Dim()
	g, cpu := targets(t, m, chains, cudagen.Float64)
	rng := rand.New(rand.NewPCG(3, 4))
	theta := cudagentest.RandomTheta(rng, chains*n)
	for i := range theta {
		theta[i] *= 0.25
	}
	mom, invM := make([]float64, chains*n), make([]float64, n)
	for i := range mom {
		mom[i] = rng.NormFloat64()
	}
	for i := range invM {
		invM[i] = 0.5 + rng.Float64()
	}
	in := TransitionIn{Momentum: mom, StepSize: []float64{0.01, 0.02, 0.005, 0.03, 0.01, 30}, Steps: []int{1, 4, 7, 2, 5, 3},
		Uniform: []float64{0.1, 0.9, 0.2, 0.999, 0.3, 0.5}}
	if err := g.SetPosition(theta); err != nil {
		t.Fatal(err)
	}
	if err := g.SetInvMetric(invM); err != nil {
		t.Fatal(err)
	}
	out := TransitionOut{Accept: make([]float64, chains), Energy: make([]float64, chains), LogP: make([]float64, chains),
		Diverged: make([]bool, chains), Position: make([]float64, chains*n)}
	if err := g.Transition(in, &out); err != nil {
		t.Fatal(err)
	}
	wantPos := append([]float64(nil), theta...)
	wantLP, wantAccept, wantEnergy, wantDiv := cudagentest.Transition(t, cpu.LogDensityGrad, chains, n, wantPos,
		append([]float64(nil), mom...), invM, in.StepSize, in.Steps, in.Uniform)
	for i := range wantDiv {
		if out.Diverged[i] != wantDiv[i] {
			t.Errorf("chain %d: diverged %v, CPU %v", i, out.Diverged[i], wantDiv[i])
		}
	}
	compare(t, "position", out.Position, wantPos, 1e-8, false)
	compare(t, "log density", out.LogP, wantLP, 1e-8, false)
	compare(t, "acceptance", out.Accept, wantAccept, 1e-8, false)
	compare(t, "energy", out.Energy, wantEnergy, 1e-8, false)
}

// BenchmarkTransition measures chain-gradients per second when the whole trajectory runs on the
// device (16 leapfrog steps per transition, every chain), German credit, float32: the figure to
// set beside BenchmarkLogDensityGrad, whose θ and gradient cross the bus at every step.
func BenchmarkTransition(b *testing.B) {
	m := cudagentest.Load(b, "../../models/sparse_logistic.model", "../../models/german_credit.csv")
	const steps = 16
	for _, chains := range []int{128, 1024, 4096, 16384} {
		b.Run(fmt.Sprintf("float32/C=%d", chains), func(b *testing.B) {
			g, err := New(m, chains, Options{Precision: cudagen.Float32})
			if err != nil {
				b.Fatal(err)
			}
			defer g.Close()
			n := m.Dim()
			rng := rand.New(rand.NewPCG(1, 2))
			theta := cudagentest.RandomTheta(rng, chains*n)
			for i := range theta {
				theta[i] *= 0.25
			}
			if err := g.SetPosition(theta); err != nil {
				b.Fatal(err)
			}
			in := TransitionIn{Momentum: make([]float64, chains*n), StepSize: make([]float64, chains), Steps: make([]int, chains),
				Uniform: make([]float64, chains)}
			out := TransitionOut{Accept: make([]float64, chains), Energy: make([]float64, chains), LogP: make([]float64, chains),
				Diverged: make([]bool, chains), Position: make([]float64, chains*n)}
			for i := range in.StepSize {
				in.StepSize[i], in.Steps[i] = 0.02, steps
			}
			b.ResetTimer()
			start := time.Now()
			for it := 0; it < b.N; it++ {
				for i := range in.Momentum {
					in.Momentum[i] = rng.NormFloat64()
				}
				for i := range in.Uniform {
					in.Uniform[i] = rng.Float64()
				}
				if err := g.Transition(in, &out); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(chains*steps*b.N)/time.Since(start).Seconds(), "chain-grads/s")
		})
	}
}

// TestTransitionRecord runs three transitions into the ring on the device and flushes them at
// once; a second target given the same inputs downloads every iteration with Transition. The
// chunk must hold the same iterations (to rounding: atomicAdd's order varies between runs).
func TestTransitionRecord(t *testing.T) {
	m := cudagentest.Load(t, "../../models/eight_schools.model", "../../models/eight_schools.csv")
	const chains, iters = 300, 3
	n := m.Dim()
	ring, err := New(m, chains, Options{Precision: cudagen.Float64, DrawChunk: iters})
	if err != nil {
		t.Fatal(err)
	}
	defer ring.Close()
	each, err := New(m, chains, Options{Precision: cudagen.Float64})
	if err != nil {
		t.Fatal(err)
	}
	defer each.Close()
	rng := rand.New(rand.NewPCG(5, 6))
	theta := cudagentest.RandomTheta(rng, chains*n)
	for _, g := range []*Target{ring, each} {
		if err := g.SetPosition(theta); err != nil {
			t.Fatal(err)
		}
	}
	var want []TransitionOut
	for it := 0; it < iters; it++ {
		in := TransitionIn{Momentum: make([]float64, chains*n), StepSize: make([]float64, chains), Steps: make([]int, chains),
			Uniform: make([]float64, chains)}
		for i := range in.Momentum {
			in.Momentum[i] = rng.NormFloat64()
		}
		for i := 0; i < chains; i++ {
			in.StepSize[i], in.Steps[i], in.Uniform[i] = 0.1, 1+i%9, rng.Float64()
		}
		if err := ring.TransitionRecord(in, it); err != nil {
			t.Fatal(err)
		}
		out := TransitionOut{Accept: make([]float64, chains), Energy: make([]float64, chains), LogP: make([]float64, chains),
			Diverged: make([]bool, chains), Position: make([]float64, chains*n)}
		if err := each.Transition(in, &out); err != nil {
			t.Fatal(err)
		}
		want = append(want, out)
	}
	got, err := ring.Flush(iters)
	if err != nil {
		t.Fatal(err)
	}
	for it := 0; it < iters; it++ {
		compare(t, fmt.Sprintf("iteration %d position", it), got.Position[it], want[it].Position, 1e-9, false)
		compare(t, fmt.Sprintf("iteration %d log density", it), got.LogP[it], want[it].LogP, 1e-9, false)
		compare(t, fmt.Sprintf("iteration %d acceptance", it), got.Accept[it], want[it].Accept, 1e-9, false)
		compare(t, fmt.Sprintf("iteration %d energy", it), got.Energy[it], want[it].Energy, 1e-9, false)
	}
}
