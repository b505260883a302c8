package cudagen

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/compiler/cudagen/cudagentest"
	"github.com/hmcc-dev/hmcc/runtime"
)

// shimTarget is runtime's TrajectoryTarget (and, with a ring, ChunkedTarget) on the host shim: the
// generated kernels and plan do the work, as runtime/gpu.Target has them do it on the device.
type shimTarget struct {
	s           *shim
	p           *Program
	chains, dim int
	ring        int
	drawn       int // transitions whose momenta the kernels drew
}

func (g *shimTarget) Chains() int { return g.chains }
func (g *shimTarget) Dim() int    { return g.dim }

func (g *shimTarget) LogDensityGrad(theta, logp, grad []float64) error {
	g.s.set(g.p.Theta, Transpose(theta, g.chains, g.dim))
	if err := g.p.Eval(g.s); err != nil {
		return err
	}
	copy(logp, nanToInf(g.s.get(g.p.LogP)))
	copy(grad, Transpose(g.s.get(g.p.Grad), g.dim, g.chains))
	return nil
}

func nanToInf(v []float64) []float64 {
	for i, x := range v {
		if math.IsNaN(x) {
			v[i] = math.Inf(-1)
		}
	}
	return v
}

func (g *shimTarget) SetState(theta, invMetric []float64) error {
	g.s.set(g.p.HMC.InvMetric, invMetric)
	g.s.set(g.p.Theta, Transpose(theta, g.chains, g.dim))
	if err := g.p.Eval(g.s); err != nil {
		return err
	}
	return g.p.Commit(g.s)
}

// DrawsOnDevice: the kernels draw the momenta and uniforms (hmcc_hmc_draw), as on the GPU.
func (g *shimTarget) DrawsOnDevice() bool { return true }

func (g *shimTarget) run(in runtime.TransitionIn) error {
	h := g.p.HMC
	steps := make([]float64, g.chains)
	maxSteps := 0
	for i, l := range in.Steps {
		steps[i], maxSteps = float64(l), max(maxSteps, l)
	}
	g.s.set(h.StepSize, in.StepSize)
	g.s.set(h.Steps, steps)
	if in.Drawn == nil {
		return fmt.Errorf("the sampler drew the momenta on the host for a target that draws them")
	}
	g.drawn++
	g.s.set(h.RNG, CounterWords(in.Drawn.Key, in.Drawn.Iter, in.Drawn.FirstChain))
	if err := g.p.Draw(g.s); err != nil {
		return err
	}
	return g.p.Transition(g.s, maxSteps)
}

func (g *shimTarget) Transition(in runtime.TransitionIn, out *runtime.TransitionOut) error {
	if err := g.run(in); err != nil {
		return err
	}
	h := g.p.HMC
	copy(out.Accept, g.s.get(h.Accept))
	copy(out.Energy, g.s.get(h.Energy))
	copy(out.LogP, nanToInf(g.s.get(h.PosLogP)))
	for i, d := range g.s.get(h.Diverged) {
		out.Diverged[i] = d != 0
	}
	if out.Position != nil {
		copy(out.Position, Transpose(g.s.get(h.Pos), g.dim, g.chains))
	}
	return nil
}

// chunked is shimTarget with the ring of draws: runtime puts it in chunked mode.
type chunked struct{ *shimTarget }

func (g chunked) ChunkSize() int { return g.ring }

func (g chunked) TransitionRecord(in runtime.TransitionIn, slot int) error {
	if err := g.run(in); err != nil {
		return err
	}
	g.s.set(g.p.HMC.Slot, []float64{float64(slot)})
	return g.p.Record(g.s)
}

func (g chunked) Flush(k int) (*runtime.Recorded, error) {
	c, n := g.chains, g.dim
	draws, stats := g.s.get(g.p.HMC.Draws), g.s.get(g.p.HMC.Stats)
	r := &runtime.Recorded{}
	for s := 0; s < k; s++ {
		r.Position = append(r.Position, Transpose(draws[s*n*c:(s+1)*n*c], n, c))
		row := func(q int) []float64 { return append([]float64(nil), stats[(4*s+q)*c:(4*s+q+1)*c]...) }
		div := make([]bool, c)
		for i, v := range row(3) {
			div[i] = v != 0
		}
		r.LogP, r.Accept, r.Energy, r.Diverged = append(r.LogP, nanToInf(row(0))), append(r.Accept, row(1)), append(r.Energy, row(2)), append(r.Diverged, div)
	}
	return r, nil
}

type drawSink struct {
	draws [][]float64
	stats [][]runtime.Stats
}

func (d *drawSink) Adapted([]float64, []float64) error { return nil }
func (d *drawSink) Draw(_ int, stats []runtime.Stats, theta []float64) error {
	d.draws = append(d.draws, append([]float64(nil), theta...))
	d.stats = append(d.stats, append([]runtime.Stats(nil), stats...))
	return nil
}

// TestShimSamplerMatchesCPU compares the device transition with the sampler's own, not with a
// transcription of it: runtime.Sample runs hmc and chees once on the CPU executor and once on the
// generated kernels through the shim, from the same seed. Warmup evaluates through LogDensityGrad
// on each (the kernels agree with the CPU executor to 1e-10); after it the shim runs the
// transitions (per iteration, or recorded in a ring of 7 and flushed), the kernels drawing the
// momenta and uniforms themselves (hmcc_hmc_draw) from the streams the CPU sampler draws from
// (runtime/rng): the CPU and the device give the same chains up to rounding. HMC is chaotic: a
// difference of 1e-10 grows by orders of magnitude per iteration (measured: 1e-6 after 30 warmup
// iterations, 2e-5 one iteration later), so the first post-warmup iteration is held to 1e-6 and
// the second to 1e-3; the leapfrog counts must agree exactly. Streams are addressed by chain and
// iteration, so a divergence shifts no other chain's numbers and every transition is compared.
func TestShimSamplerMatchesCPU(t *testing.T) {
	m := cudagentest.Load(t, "../../models/sparse_logistic.model", "../../models/german_credit.csv")
	const chains = 4
	for _, sampler := range []string{"hmc", "chees"} {
		for _, ring := range []int{0, 7} {
			t.Run(fmt.Sprintf("%s/ring=%d", sampler, ring), func(t *testing.T) {
				p, err := Generate(m, Float64)
				if err != nil {
					t.Fatal(err)
				}
				p.SetDrawChunk(max(ring, 1))
				st := &shimTarget{s: startShim(t, buildShim(t, p, "c"), p, chains, 4, 64), p: p, chains: chains, dim: p.Dim, ring: ring}
				var dev runtime.Target = st
				if ring > 0 {
					dev = chunked{st}
				}
				cpu, err := compiler.Lower(m, chains)
				if err != nil {
					t.Fatal(err)
				}
				cfg := runtime.Config{Warmup: 30, Draws: 2, Seed: 4, TargetAccept: 0.8, PathLength: 1, MaxSteps: 64, Sampler: sampler}
				want, got := &drawSink{}, &drawSink{}
				if _, err := runtime.Sample(context.Background(), cpu, cfg, want); err != nil {
					t.Fatal(err)
				}
				res, err := runtime.Sample(context.Background(), dev, cfg, got)
				if err != nil {
					t.Fatal(err)
				}
				if res.DrawsDone != cfg.Draws || len(got.draws) != cfg.Draws {
					t.Fatalf("%d draws, want %d", len(got.draws), cfg.Draws)
				}
				if st.drawn != cfg.Draws {
					t.Fatalf("the kernels drew the momenta of %d transitions, want %d", st.drawn, cfg.Draws)
				}
				tol := []float64{1e-6, 1e-3}
				compared := 0
				for it := range want.draws {
					n := len(want.draws[it]) / chains
					for c, s := range want.stats[it] {
						g := got.stats[it][c]
						if g.Divergent != s.Divergent {
							t.Fatalf("iteration %d chain %d: divergent %v, CPU %v", it, c, g.Divergent, s.Divergent)
						}
						if g.NLeapfrog != s.NLeapfrog {
							t.Fatalf("iteration %d chain %d: %d leapfrog steps, CPU %d", it, c, g.NLeapfrog, s.NLeapfrog)
						}
						compare(t, fmt.Sprintf("iteration %d chain %d statistics", it, c), []float64{g.LogP, g.AcceptStat, g.Energy, g.StepSize},
							[]float64{s.LogP, s.AcceptStat, s.Energy, s.StepSize}, tol[it])
						compare(t, fmt.Sprintf("iteration %d chain %d draw", it, c), got.draws[it][c*n:(c+1)*n], want.draws[it][c*n:(c+1)*n], tol[it])
						compared++
					}
				}
				if compared != chains*cfg.Draws {
					t.Fatalf("%d chain transitions compared, want %d", compared, chains*cfg.Draws)
				}
			})
		}
	}
}

// warmupShim is shimTarget running warmup on the kernels too (runtime.WarmupTarget): the
// adaptation kernels reduce ChEES's statistics and the metric's moments (adapt.go), as
// runtime/gpu.Target has them do on the device.
type warmupShim struct {
	*shimTarget
	warmups, pulls int
}

func (g *warmupShim) WarmupTransition(in runtime.TransitionIn, out *runtime.TransitionOut) error {
	if err := g.p.SavePrev(g.s); err != nil {
		return err
	}
	g.warmups++
	return g.Transition(in, out)
}

func (g *warmupShim) ReduceWarmup(good []bool, jitter, length float64, chees, moments, dense bool) (runtime.AdaptStats, error) {
	a := g.p.Adapt
	flags := make([]float64, g.chains)
	for i, v := range good {
		if v {
			flags[i] = 1
		}
	}
	g.s.set(a.Good, flags)
	g.s.set(a.Params, []float64{jitter, length})
	st := runtime.AdaptStats{Gradient: math.NaN(), HarmonicMean: math.NaN()}
	if chees {
		if err := g.p.ChEES(g.s); err != nil {
			return st, err
		}
		out := g.s.get(a.Out)
		st = runtime.AdaptStats{Gradient: out[0], HarmonicMean: out[1], AcceptSum: out[2], Good: out[3]}
	}
	if moments {
		if err := g.p.AddMoments(g.s, dense); err != nil {
			return st, err
		}
	}
	return st, nil
}

func (g *warmupShim) Moments(dense, reset bool) (n float64, mean, m2, cov []float64, err error) {
	a := g.p.Adapt
	n, mean, m2 = g.s.get(a.N)[0], g.s.get(a.Mean), g.s.get(a.M2)
	if dense {
		cov = g.s.get(a.Cov)
	}
	if reset {
		err = g.p.ResetMoments(g.s)
	}
	return n, mean, m2, cov, err
}

func (g *warmupShim) Positions(theta []float64) error {
	g.pulls++
	copy(theta, Transpose(g.s.get(g.p.HMC.Pos), g.dim, g.chains))
	return nil
}

// TestShimWarmupMatchesCPU runs hmc's and chees's warmup on the generated kernels through the
// shim (runtime's device warmup: the adaptation kernels reduce ChEES's gradient and the metric's
// moments, and only per-chain scalars come back per iteration) and on the CPU executor from the
// same seed, at 70 chains (two reduction groups, so the sums are taken in another order than the
// CPU's). The kernels agree with the CPU executor to 1e-10 and the reductions to their rounding
// bounds (TestShimAdaptation), and HMC amplifies differences by about an order of magnitude per
// few iterations (TestShimSamplerMatchesCPU), so after 30 warmup iterations the tuning (step
// size, inverse metric, trajectory length) is held to 1e-5 relative and the leapfrog counts of
// the first draw must agree exactly. Every warmup transition runs on the kernels; positions come
// back twice (the one window's end, and warmup's end).
func TestShimWarmupMatchesCPU(t *testing.T) {
	m := cudagentest.Load(t, "../../models/sparse_logistic.model", "../../models/german_credit.csv")
	const chains = 70
	for _, sampler := range []string{"hmc", "chees"} {
		t.Run(sampler, func(t *testing.T) {
			p, err := Generate(m, Float64)
			if err != nil {
				t.Fatal(err)
			}
			st := &warmupShim{shimTarget: &shimTarget{s: startShim(t, buildShim(t, p, "c"), p, chains, 32, 64), p: p, chains: chains, dim: p.Dim}}
			cfg := runtime.Config{Warmup: 30, Draws: 1, Seed: 4, TargetAccept: 0.8, PathLength: 1, MaxSteps: 64, Sampler: sampler}
			worst, differ := cudagentest.WarmupAgainstCPU(t, m, st, cfg)
			if st.warmups != cfg.Warmup || st.pulls != 2 {
				t.Fatalf("%d warmup transitions on the kernels (want %d), positions back %d times (want 2)", st.warmups, cfg.Warmup, st.pulls)
			}
			t.Logf("largest relative difference in the tuning: %.3g", worst)
			if !(worst <= 1e-5) || differ > 0 {
				t.Errorf("the tuning differs from the CPU's by up to %.3g relative (allowed 1e-5); %d chains' first draws took other step counts", worst, differ)
			}
		})
	}
}
