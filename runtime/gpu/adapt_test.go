//go:build hmcc_cuda

package gpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hmcc-dev/hmcc/compiler/cudagen"
	"github.com/hmcc-dev/hmcc/compiler/cudagen/cudagentest"
	"github.com/hmcc-dev/hmcc/runtime"
	"github.com/hmcc-dev/hmcc/runtime/rng"
)

// chainMajor downloads a per-chain buffer of rows values per chain, chain-major.
func (t *Target) chainMajor(tb testing.TB, buf, rows int) []float64 {
	v := make([]float64, rows*t.chains)
	if err := t.do(func() error { return t.download(buf, v) }); err != nil {
		tb.Fatal(err)
	}
	out := make([]float64, len(v))
	transpose(out, v, rows, t.chains)
	return out
}

// TestWarmupStats runs warmup transitions on the device (momenta drawn there) and reduces them
// there (ReduceWarmup, Moments), at every chain count of chainCounts in both precisions, and
// holds the results to the CPU warmup's code (runtime.CheesGradient, HarmonicMean, Moments) fed
// what the device holds, with compiler/cudagen's TestShimAdaptation tolerances (the summations'
// forward error bounds, which NVRTC's fused multiply-adds do not loosen: each still rounds once).
func TestWarmupStats(t *testing.T) {
	m := cudagentest.Load(t, "../../models/sparse_logistic.model", "../../models/german_credit.csv")
	n := m.Dim()
	const u = 0x1p-53
	for _, chains := range chainCounts(t) {
		for _, prec := range []cudagen.Precision{cudagen.Float64, cudagen.Float32} {
			t.Run(fmt.Sprintf("%s/C=%d", prec, chains), func(t *testing.T) {
				g, _ := targets(t, m, chains, prec)
				src := rand.New(rand.NewPCG(7, uint64(chains)))
				theta, invM := cudagentest.NearMode(src, chains*n), cudagentest.RandomInvMetric(src, n)
				if err := g.SetState(theta, invM); err != nil {
					t.Fatal(err)
				}
				heldInvM := make([]float64, n)
				if err := g.do(func() error { return g.download(g.prog.HMC.InvMetric, heldInvM) }); err != nil {
					t.Fatal(err)
				}
				if _, _, _, _, err := g.Moments(true, true); err != nil {
					t.Fatal(err)
				}
				cpu := runtime.NewMoments(n, true)
				in := TransitionIn{StepSize: make([]float64, chains), Steps: make([]int, chains)}
				for i := range in.StepSize {
					in.StepSize[i], in.Steps[i] = 0.02*float64(1+i%3), 1+i%7
				}
				out := TransitionOut{Accept: make([]float64, chains), Energy: make([]float64, chains), LogP: make([]float64, chains),
					Diverged: make([]bool, chains)}
				for it := 0; it < 3; it++ {
					in.Drawn = &runtime.DrawAddress{Key: rng.KeyOf(3), Iter: uint32(it), FirstChain: 0}
					if err := g.WarmupTransition(in, &out); err != nil {
						t.Fatal(err)
					}
					good := make([]bool, chains)
					for i := range good {
						good[i] = i%10 != 3
					}
					jitter, length := 0.3+0.2*float64(it), 0.5
					got, err := g.ReduceWarmup(good, jitter, length, true, true, true)
					if err != nil {
						t.Fatal(err)
					}
					prev, prop := g.chainMajor(t, g.prog.Adapt.Prev, n), g.chainMajor(t, g.prog.Theta, n)
					mom, pos := g.chainMajor(t, g.prog.HMC.Mom, n), g.chainMajor(t, g.prog.HMC.Pos, n)
					want := runtime.CheesGradient(prev, prop, mom, out.Accept, good, heldInvM, jitter, length)
					// M of the bound: the magnitudes the cancellation acts on.
					var scale, used float64
					for i, a := range out.Accept {
						if !good[i] || a <= 1e-4 {
							continue
						}
						var d, dot float64
						for j := 0; j < n; j++ {
							s := math.Sqrt(heldInvM[j])
							x, y := prev[i*n+j]/s, prop[i*n+j]/s
							d += x*x + y*y
							dot += math.Abs(y * heldInvM[j] * mom[i*n+j] / s)
						}
						scale += a * d * dot * jitter
						used += a
					}
					if used > 0 {
						scale = scale / used * length
					}
					if math.IsNaN(want) != math.IsNaN(got.Gradient) || math.Abs(got.Gradient-want) > 64*float64(chains+n)*u*scale {
						t.Errorf("iteration %d: ChEES gradient %.17g, CPU %.17g", it, got.Gradient, want)
					}
					if hm := runtime.HarmonicMean(out.Accept, good); math.Abs(got.HarmonicMean-hm) > 4*float64(chains)*u*hm {
						t.Errorf("iteration %d: harmonic mean acceptance %.17g, CPU %.17g", it, got.HarmonicMean, hm)
					}
					cpu.Add(pos, good)
				}
				N, mean, m2, cov, err := g.Moments(true, false)
				if err != nil {
					t.Fatal(err)
				}
				if N != cpu.N() {
					t.Fatalf("%g positions in the moments, CPU %g", N, cpu.N())
				}
				wm, wm2, wcov := cpu.Mean(), cpu.M2(), cpu.CoMoments()
				kappa := make([]float64, n)
				for j := 0; j < n; j++ {
					sd := math.Sqrt(wm2[j] / N)
					kappa[j] = math.Sqrt(1 + wm[j]*wm[j]/(sd*sd))
					if math.Abs(mean[j]-wm[j]) > 8*N*u*(math.Abs(wm[j])+sd) || math.Abs(m2[j]-wm2[j]) > 8*N*kappa[j]*u*wm2[j] {
						t.Errorf("coordinate %d: mean %.17g, M2 %.17g; CPU %.17g, %.17g", j, mean[j], m2[j], wm[j], wm2[j])
					}
				}
				for j := 0; j < n; j++ {
					for k := 0; k <= j; k++ {
						if math.Abs(cov[j*n+k]-wcov[j*n+k]) > 8*N*kappa[j]*kappa[k]*u*math.Sqrt(wm2[j]*wm2[k]) {
							t.Errorf("co-moment [%d,%d] = %.17g, CPU %.17g", j, k, cov[j*n+k], wcov[j*n+k])
						}
					}
				}
			})
		}
	}
}

// BenchmarkWarmupReduce measures what the device adds to a warmup iteration to reduce its
// statistics there (ReduceWarmup: the good flags up, ChEES's gradient, the harmonic mean and the
// diagonal moments, four numbers back), German credit, float32, per iteration.
func BenchmarkWarmupReduce(b *testing.B) {
	m := cudagentest.Load(b, "../../models/sparse_logistic.model", "../../models/german_credit.csv")
	for _, chains := range []int{128, 1024, 4096, 16384} {
		b.Run(fmt.Sprintf("float32/C=%d", chains), func(b *testing.B) {
			g := startedTarget(b, m, chains)
			good := make([]bool, chains)
			for i := range good {
				good[i] = true
			}
			b.ResetTimer()
			for it := 0; it < b.N; it++ {
				if _, err := g.ReduceWarmup(good, 0.5, 1, true, true, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
