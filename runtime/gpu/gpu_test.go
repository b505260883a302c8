//go:build hmcc_cuda

package gpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hmcc-dev/hmcc/autodiff"
	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/compiler/cudagen"
	"github.com/hmcc-dev/hmcc/compiler/cudagen/cudagentest"
	"github.com/hmcc-dev/hmcc/ir"
	"github.com/hmcc-dev/hmcc/runtime"
	"github.com/hmcc-dev/hmcc/runtime/rng"
)

// These tests need an NVIDIA GPU: the test binary exits in cu's initialiser without one. Build
// it here with scripts/cuda-check.sh and run it on a GPU machine (docs/gpu.md).

var models = []struct{ name, model, data string }{
	{"sparse_logistic_german_credit", "../../models/sparse_logistic.model", "../../models/german_credit.csv"},
	{"sparse_logistic_breast_cancer", "../../models/sparse_logistic.model", "../../models/breast_cancer.csv"},
	{"eight_schools", "../../models/eight_schools.model", "../../models/eight_schools.csv"},
	{"kidiq", "../../models/kidiq.model", "../../models/kidiq.csv"},
}

// chainCounts are the batch sizes of the device tests: HMCC_GPU_CHAINS (comma-separated), or
// 1 to 16,384 (scripts/gpu-check.sh runs the defaults).
func chainCounts(t *testing.T) []int {
	spec := os.Getenv("HMCC_GPU_CHAINS")
	if spec == "" {
		return []int{1, 7, 300, 1024, 16384}
	}
	var out []int
	for _, f := range strings.Split(spec, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			t.Fatalf("HMCC_GPU_CHAINS: %q is not a chain count", f)
		}
		out = append(out, n)
	}
	return out
}

// TestMatchesCPU compares the device's log density and gradient with the CPU executor's at
// random points, for chain counts that do and do not fill a block, up to 16,384. float64 agrees to 1e-9
// (NVRTC contracts a*b+c into fused multiply-adds and the device's libm differs from Go's by an
// ulp or two, the host shim test holds the same source to 1e-10); float32 to 1e-4 of the largest
// magnitude, the float32 shim test's tolerance.
func TestMatchesCPU(t *testing.T) {
	for _, c := range models {
		m := cudagentest.Load(t, c.model, c.data)
		for _, chains := range chainCounts(t) {
			for _, prec := range []cudagen.Precision{cudagen.Float64, cudagen.Float32} {
				t.Run(fmt.Sprintf("%s/%d/%s", c.name, chains, prec), func(t *testing.T) {
					g, cpu := targets(t, m, chains, prec)
					rng := rand.New(rand.NewPCG(uint64(chains), 9))
					dim := m.Dim()
					reps := 3
					if chains > 1024 {
						reps = 1 // the CPU executor's share of the time
					}
					for rep := 0; rep < reps; rep++ {
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

// TestDeterministic: the device's log density and gradient are the same bit for bit from call to
// call and whatever the threads per block, in both precisions (the kernels use no atomics: block
// rows' partial sums are added in row order; compiler/cudagen's TestShimDeterministic is the same
// check on the host). German credit (1,000 data rows, several block rows per chain) and radon
// (a gradient through a grouping).
func TestDeterministic(t *testing.T) {
	for _, c := range []struct{ name, model, data string }{models[0], {"radon", "../../models/radon.model", "../../models/radon_mn.csv"}} {
		m := cudagentest.Load(t, c.model, c.data)
		for _, prec := range []cudagen.Precision{cudagen.Float64, cudagen.Float32} {
			t.Run(fmt.Sprintf("%s/%s", c.name, prec), func(t *testing.T) {
				const chains = 1000
				g, _ := targets(t, m, chains, prec)
				dim := m.Dim()
				theta := cudagentest.RandomTheta(rand.New(rand.NewPCG(7, 7)), chains*dim)
				var wantLP, wantGrad []float64
				for run, block := range []int{g.block, g.block, 32, 128, 64} {
					g.block = block
					lp, grad := make([]float64, chains), make([]float64, chains*dim)
					if err := g.LogDensityGrad(theta, lp, grad); err != nil {
						t.Fatal(err)
					}
					if run == 0 {
						wantLP, wantGrad = lp, grad
						continue
					}
					for i := range lp {
						if math.Float64bits(lp[i]) != math.Float64bits(wantLP[i]) {
							t.Fatalf("run %d, block %d: chain %d log density %.17g, first run %.17g", run, block, i, lp[i], wantLP[i])
						}
					}
					for i := range grad {
						if math.Float64bits(grad[i]) != math.Float64bits(wantGrad[i]) {
							t.Fatalf("run %d, block %d: gradient %d %.17g, first run %.17g", run, block, i, grad[i], wantGrad[i])
						}
					}
				}
			})
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

// compare holds float64 results to tol relative to each value (absolute below 1) and, with
// scaled, float32 results to compiler/cudagen's float32 tolerance: tol relative to each value
// with a floor of 1% of the vector's largest magnitude (cudagentest.Mismatches), which is linear
// in the values and rejects kernels whose exp and log are 5% wrong (cudagen's
// TestShimFloat32Detects). An expected ±Inf or NaN must be matched exactly.
func compare(t *testing.T, what string, got, want []float64, tol float64, scaled bool) {
	t.Helper()
	var bad []string
	if scaled {
		bad = cudagentest.Mismatches(got, want, tol, 1e-2)
	} else {
		// max(|w|, 1) is Mismatches' floor with the largest magnitude taken as 1
		for i := range want {
			w, g := want[i], got[i]
			ok := g == w || math.IsNaN(g) && math.IsNaN(w) ||
				!math.IsInf(w, 0) && !math.IsNaN(w) && math.Abs(g-w) <= tol*math.Max(1, math.Abs(w))
			if !ok {
				bad = append(bad, fmt.Sprintf("[%d] = %.17g, CPU %.17g", i, g, w))
			}
		}
	}
	for k, b := range bad {
		if k == 5 {
			t.Errorf("%s: %d values out of tolerance in all", what, len(bad))
			break
		}
		t.Errorf("%s%s", what, b)
	}
}

// TestSamples runs the default sampler end to end on the device for eight schools, with the draws
// recorded in the 64-slot ring on the device and flushed a chunk at a time as hmcc-gpu does, and
// checks the posterior mean of every unconstrained coordinate but log tau against
// testdata/reference/eight_schools.csv (Stan, long run). Then NUTS, which steps through
// LogDensityGrad on the same chunked target, must deliver every draw (fault 1 of issue 17).
func TestSamples(t *testing.T) {
	m := cudagentest.Load(t, "../../models/eight_schools.model", "../../models/eight_schools.csv")
	// mu, then theta_raw[1..8] (coordinate 1 is log tau): reference means and sds.
	ref := map[int][2]float64{0: {4.3973763, 3.3220391}, 2: {0.32170163, 0.9901113}, 3: {0.097553761, 0.93297457},
		4: {-0.086390956, 0.96091884}, 5: {0.061062606, 0.93949887}, 6: {-0.16951246, 0.93643499},
		7: {-0.075334457, 0.94284351}, 8: {0.35592776, 0.96771045}, 9: {0.072748959, 0.96255271}}
	for _, sampler := range []string{"chees", "nuts"} {
		t.Run(sampler, func(t *testing.T) {
			chains, draws := 64, 500
			if sampler == "nuts" {
				chains, draws = 16, 300
			}
			g, err := New(m, chains, Options{Precision: cudagen.Float32, DrawChunk: 64})
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			sink := &meanSink{dim: m.Dim(), sum: make([]float64, m.Dim())}
			cfg := runtime.Config{Warmup: 500, Draws: draws, Seed: 3, TargetAccept: 0.8, PathLength: 3, MaxSteps: 1024, Sampler: sampler, MaxTreeDepth: 10}
			res, err := runtime.Sample(t.Context(), g, cfg, sink)
			if err != nil {
				t.Fatal(err)
			}
			if res.DrawsDone != draws || sink.n != draws*chains {
				t.Fatalf("%d draws done, %d chain-draws at the sink; want %d and %d", res.DrawsDone, sink.n, draws, draws*chains)
			}
			// With a bulk-ESS of at least 1000 (the CPU build gets several thousand from 64×500
			// chees draws), five MCSEs are 5/sqrt(1000) = 0.16 sd.
			for i, r := range ref {
				if mean := sink.sum[i] / float64(sink.n); math.Abs(mean-r[0]) > 0.16*r[1] {
					t.Errorf("posterior mean of coordinate %d: %.3f, Stan %.3f ± %.3f", i, mean, r[0], 0.16*r[1])
				}
			}
		})
	}
}

// TestSamplesWarmupOnDevice: hmc's and chees's warmup runs on the device (runtime's device
// warmup: the transitions there, ChEES's gradient and the metric's moments reduced there, only
// per-chain scalars back per iteration) and tunes as warmup on the CPU executor from the same
// seed does, up to the rounding HMC amplifies: after 30 iterations at 256 chains (four reduction groups) in float64
// the step sizes, inverse metric and trajectory length within 1e-4 relative (the host shim, with
// the same kernels, measured 1.1e-6 for hmc and 1.3e-13 for chees at 70 chains:
// compiler/cudagen's TestShimWarmupMatchesCPU; the device's fused multiply-adds and libm add
// an ulp or two per operation). Every warmup transition must have run on the device. The
// first draw's leapfrog counts ⌈t/ε⌉ must agree for chees (one shared step size) and for all but
// 1% of the chains for hmc, whose 256 per-chain step sizes each differ by rounding and so
// flip a count now and then.
func TestSamplesWarmupOnDevice(t *testing.T) {
	m := cudagentest.Load(t, "../../models/sparse_logistic.model", "../../models/german_credit.csv")
	const chains = 256
	for _, sampler := range []string{"hmc", "chees"} {
		t.Run(sampler, func(t *testing.T) {
			g, err := New(m, chains, Options{Precision: cudagen.Float64, DrawChunk: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			dev := &countedWarmup{Target: g}
			cfg := runtime.Config{Warmup: 30, Draws: 1, Seed: 4, TargetAccept: 0.8, PathLength: 1, MaxSteps: 64, Sampler: sampler}
			worst, differ := cudagentest.WarmupAgainstCPU(t, m, dev, cfg)
			t.Logf("largest relative difference in the tuning: %.3g; %d chains' first draws took other step counts", worst, differ)
			if dev.warmups != cfg.Warmup {
				t.Fatalf("%d warmup transitions on the device, want %d", dev.warmups, cfg.Warmup)
			}
			allowed := 0
			if sampler == "hmc" {
				allowed = chains / 100
			}
			if !(worst <= 1e-4) || differ > allowed {
				t.Errorf("the tuning differs from the CPU's by up to %.3g relative (allowed 1e-4); %d of %d chains' first draws took other step counts (allowed %d)", worst, differ, chains, allowed)
			}
		})
	}
}

// countedWarmup is the device target counting the warmup transitions run on it.
type countedWarmup struct {
	*Target
	warmups int
}

func (c *countedWarmup) WarmupTransition(in TransitionIn, out *TransitionOut) error {
	c.warmups++
	return c.Target.WarmupTransition(in, out)
}

type meanSink struct {
	dim int
	sum []float64
	n   int
}

func (s *meanSink) Adapted([]float64, []float64) error { return nil }
func (s *meanSink) Draw(_ int, stats []runtime.Stats, theta []float64) error {
	for c := range stats {
		for i := range s.sum {
			s.sum[i] += theta[c*s.dim+i]
		}
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
// the CPU samplers' own transition (runtime.Transition through cudagentest.CPUTransition,
// the reference compiler/cudagen's host shim test uses too): float64 to 1e-8, and float32, the
// GPU's default, to 1e-3 relative (seven leapfrog steps of float32 rounding; θ is given as
// float32 holds it). Then the same transition with the momenta and uniforms drawn on the device
// (TransitionDrawn) against the reference fed runtime/rng's draws (Key.Normals, DrawnUniform).
func TestTransition(t *testing.T) {
	m := cudagentest.Load(t, "../../models/sparse_logistic.model", "../../models/german_credit.csv")
	const chains = 6
	n := m.Dim()
	for _, prec := range []cudagen.Precision{cudagen.Float64, cudagen.Float32} {
		for _, drawn := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/device_draws=%v", prec, drawn), func(t *testing.T) {
				g, cpu := targets(t, m, chains, prec)
				src := rand.New(rand.NewPCG(3, 4))
				theta := cudagentest.NearMode(src, chains*n)
				for i := range theta {
					if prec == cudagen.Float32 {
						theta[i] = float64(float32(theta[i]))
					}
				}
				mom, invM := make([]float64, chains*n), make([]float64, n)
				for i := range mom {
					mom[i] = src.NormFloat64()
				}
				for i := range invM {
					invM[i] = 0.5 + float64(float32(src.Float64()))
				}
				in := TransitionIn{Momentum: mom, StepSize: []float64{0.01, 0.02, 0.005, 0.03, 0.01, 30}, Steps: []int{1, 4, 7, 2, 5, 3},
					Uniform: []float64{0.1, 0.9, 0.2, 0.999, 0.3, 0.5}}
				const iter, chain0 = 5, 100
				key := rng.KeyOf(11)
				if drawn {
					z := make([]float64, n)
					for c := 0; c < chains; c++ {
						key.Normals(z, chain0+uint32(c), iter, rng.Momentum)
						for i := range z {
							mom[c*n+i] = z[i] / math.Sqrt(invM[i])
						}
						in.Uniform[c] = cudagen.DrawnUniform(key, chain0+uint32(c), iter)
					}
				}
				if err := g.SetPosition(theta); err != nil {
					t.Fatal(err)
				}
				if err := g.SetInvMetric(invM); err != nil {
					t.Fatal(err)
				}
				out := TransitionOut{Accept: make([]float64, chains), Energy: make([]float64, chains), LogP: make([]float64, chains),
					Diverged: make([]bool, chains), Position: make([]float64, chains*n)}
				var err error
				if drawn {
					err = g.TransitionDrawn(key, iter, chain0, in, &out)
				} else {
					err = g.Transition(in, &out)
				}
				if err != nil {
					t.Fatal(err)
				}
				wantPos := append([]float64(nil), theta...)
				wantLP, wantAccept, wantEnergy, wantDiv := cudagentest.CPUTransition(t, cpu, wantPos,
					append([]float64(nil), mom...), invM, in.StepSize, in.Steps, in.Uniform)
				for i := range wantDiv {
					if out.Diverged[i] != wantDiv[i] {
						t.Errorf("chain %d: diverged %v, CPU %v", i, out.Diverged[i], wantDiv[i])
					}
				}
				tol, scaled := 1e-8, false
				if prec == cudagen.Float32 {
					tol, scaled = 1e-3, true
				}
				compare(t, "position", out.Position, wantPos, tol, scaled)
				compare(t, "log density", out.LogP, wantLP, tol, scaled)
				compare(t, "acceptance", out.Accept, wantAccept, tol, scaled)
				compare(t, "energy", out.Energy, wantEnergy, tol, scaled)
			})
		}
	}
}

// startedTarget is a float32 target of chains chains of m, every chain at its own point near the
// mode (cudagentest.NearMode), for the benchmarks; it is closed when b ends.
func startedTarget(b *testing.B, m *ir.Model, chains int) *Target {
	g, err := New(m, chains, Options{Precision: cudagen.Float32})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { g.Close() })
	if err := g.SetPosition(cudagentest.NearMode(rand.New(rand.NewPCG(1, 2)), chains*m.Dim())); err != nil {
		b.Fatal(err)
	}
	return g
}

// BenchmarkTransition measures chain-gradients per second when the whole trajectory runs on the
// device (16 leapfrog steps per transition, every chain, momenta drawn on the device), German
// credit, float32: the figure to
// set beside BenchmarkLogDensityGrad, whose θ and gradient cross the bus at every step.
func BenchmarkTransition(b *testing.B) {
	m := cudagentest.Load(b, "../../models/sparse_logistic.model", "../../models/german_credit.csv")
	const steps = 16
	for _, chains := range []int{128, 1024, 4096, 16384} {
		b.Run(fmt.Sprintf("float32/C=%d", chains), func(b *testing.B) {
			g, n := startedTarget(b, m, chains), m.Dim()
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
				// momenta and uniforms drawn on the device (Philox): nothing drawn on the host
				if err := g.TransitionDrawn(rng.KeyOf(1), uint32(it), 0, in, &out); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(chains*steps*b.N)/time.Since(start).Seconds(), "chain-grads/s")
		})
	}
}

// TestTransitionRecord runs three transitions into the ring on the device and flushes them at
// once; a second target given the same inputs downloads every iteration with Transition. The
// chunk must hold the same iterations, to 1e-9 (the kernels use no atomics since issue 17, so
// they should agree bit for bit; the tolerance is from when they did).
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
