package runtime

import (
	"context"
	"math"
	"testing"

	"github.com/hmcc-dev/hmcc/runtime/diagnostics"
)

// gaussian is an independent normal target with known scales, the analytic reference for the
// sampler tests: log p(x) = -Σ x_i²/(2 s_i²) + const.
type gaussian struct {
	chains int
	scales []float64
	evals  int
}

func (g *gaussian) Chains() int { return g.chains }
func (g *gaussian) Dim() int    { return len(g.scales) }
func (g *gaussian) LogDensityGrad(theta, logp, grad []float64) error {
	g.evals++
	g.chainsFrom(0, g.chains, theta, logp, grad)
	return nil
}

// chainsFrom evaluates chains [lo, hi) only.
func (g *gaussian) chainsFrom(lo, hi int, theta, logp, grad []float64) {
	n := len(g.scales)
	for c := lo; c < hi; c++ {
		lp := 0.0
		for i, s := range g.scales {
			x := theta[c*n+i]
			lp -= x * x / (2 * s * s)
			grad[c*n+i] = -x / (s * s)
		}
		logp[c] = lp
	}
}

type memorySink struct {
	chains, dim int
	draws       [][][]float64 // [coordinate][chain][iteration]
	stats       [][]Stats
	adapted     bool
	stepSizes   []float64
}

func newMemorySink(chains, dim, iters int) *memorySink {
	s := &memorySink{chains: chains, dim: dim, draws: make([][][]float64, dim)}
	for i := range s.draws {
		s.draws[i] = make([][]float64, chains)
		for c := range s.draws[i] {
			s.draws[i][c] = make([]float64, iters)
		}
	}
	return s
}

func (s *memorySink) Adapted(steps []float64, _ []float64) error {
	s.adapted, s.stepSizes = true, steps
	return nil
}

func (s *memorySink) Draw(iter int, stats []Stats, theta []float64) error {
	for c := 0; c < s.chains; c++ {
		for i := 0; i < s.dim; i++ {
			s.draws[i][c][iter] = theta[c*s.dim+i]
		}
	}
	s.stats = append(s.stats, append([]Stats(nil), stats...))
	return nil
}

// TestSamplerRecoversGaussian checks means and variances of a badly scaled Gaussian against the
// truth, with tolerances from each estimate's Monte Carlo standard error.
func TestSamplerRecoversGaussian(t *testing.T) {
	scales := []float64{0.01, 1, 30, 5, 0.3}
	target := &gaussian{chains: 8, scales: scales}
	const draws = 500
	sink := newMemorySink(8, len(scales), draws)
	res, err := Sample(context.Background(), target, Config{Warmup: 500, Draws: draws, Seed: 7, TargetAccept: 0.8, PathLength: 3, MaxSteps: 1024}, sink)
	if err != nil {
		t.Fatal(err)
	}
	if !sink.adapted || res.DrawsDone != draws {
		t.Fatalf("adapted=%v draws=%d", sink.adapted, res.DrawsDone)
	}
	checkGaussianMoments(t, sink.draws, scales)
	for i := range scales {
		x := sink.draws[i]
		if r := diagnostics.Rhat(x); r > 1.01 {
			t.Errorf("coordinate %d: R-hat %g", i, r)
		}
	}
	// The adapted inverse metric should approach the variances (within the noise of the last window).
	for i, s := range scales {
		if r := res.InvMetric[i] / (s * s); r < 0.7 || r > 1.4 {
			t.Errorf("inverse metric %d = %g, want about %g", i, res.InvMetric[i], s*s)
		}
	}
}

// TestLeapfrogConservesEnergy integrates a harmonic oscillator: with a small step the energy
// error of a long trajectory stays O(ε²) and the acceptance statistic near 1.
func TestLeapfrogConservesEnergy(t *testing.T) {
	target := &gaussian{chains: 3, scales: []float64{1, 2}}
	s := initialised(t, target, nil, 1)
	for i := range s.tu.StepSize {
		s.tu.StepSize[i] = 0.01
	}
	k := newHMCKernel(s.ev, uniformJitter)
	for i := 0; i < 3; i++ {
		s.r.Momentum(&s.tu.Metric, i, 0, k.info.Momentum[i*2:(i+1)*2])
	}
	if err := k.transition(s.st, s.tu, []int{500, 500, 500}, func(i int) float64 { return s.r.Accept(i, 0) }); err != nil {
		t.Fatal(err)
	}
	for c, st := range k.info.Stats {
		if st.Divergent || st.AcceptStat < 0.9999 {
			t.Errorf("chain %d: accept %g divergent %v", c, st.AcceptStat, st.Divergent)
		}
		if st.NLeapfrog != 500 {
			t.Errorf("chain %d: %d steps", c, st.NLeapfrog)
		}
	}
}

// nanTarget has a region (x > 1) where the density is NaN, like an overflow in a model.
type nanTarget struct{ gaussian }

func (g *nanTarget) LogDensityGrad(theta, logp, grad []float64) error {
	g.gaussian.LogDensityGrad(theta, logp, grad)
	for c := 0; c < g.chains; c++ {
		if theta[c] > 1 {
			logp[c] = math.NaN()
			grad[c] = math.NaN()
		}
	}
	return nil
}

// TestNonFiniteDensityIsDivergence checks that a NaN anywhere in a trajectory is counted as a
// divergence and never reaches the chain's state.
func TestNonFiniteDensityIsDivergence(t *testing.T) {
	for _, sampler := range Samplers {
		t.Run(sampler, func(t *testing.T) {
			target := &nanTarget{gaussian{chains: 4, scales: []float64{3}}}
			init := []float64{0, 0.5, -0.5, 0.9}
			sink := newMemorySink(4, 1, 200)
			res, err := Sample(context.Background(), target, Config{Sampler: sampler, Warmup: 100, Draws: 200, Seed: 3, TargetAccept: 0.8, PathLength: 3, Init: init}, sink)
			if err != nil {
				t.Fatal(err)
			}
			total := 0
			for _, d := range res.Divergences {
				total += d
			}
			if total == 0 {
				t.Error("no divergences recorded although half the mass lies in the NaN region's reach")
			}
			for c := range sink.draws[0] {
				for _, x := range sink.draws[0][c] {
					if math.IsNaN(x) || x > 1 {
						t.Fatalf("chain %d reached %g", c, x)
					}
				}
			}
		})
	}
}

func TestInitialisationFailsWhenNothingIsFinite(t *testing.T) {
	target := &nanTarget{gaussian{chains: 2, scales: []float64{1}}}
	init := []float64{5, 5}
	// Every retry draws uniform(-2, 2), which can succeed; force failure with a target that is NaN everywhere.
	bad := &allNaN{target}
	_, err := Sample(context.Background(), bad, Config{Warmup: 10, Draws: 10, TargetAccept: 0.8, PathLength: 1, Init: init}, newMemorySink(2, 1, 10))
	if err != ErrInit {
		t.Fatalf("got %v, want ErrInit", err)
	}
}

type allNaN struct{ *nanTarget }

func (a *allNaN) LogDensityGrad(theta, logp, grad []float64) error {
	for i := range logp {
		logp[i] = math.NaN()
	}
	return nil
}

func TestSameSeedSameDraws(t *testing.T) {
	run := func(seed uint64) [][][]float64 {
		target := &gaussian{chains: 3, scales: []float64{1, 2}}
		sink := newMemorySink(3, 2, 50)
		if _, err := Sample(context.Background(), target, Config{Warmup: 50, Draws: 50, Seed: seed, TargetAccept: 0.8, PathLength: 2}, sink); err != nil {
			t.Fatal(err)
		}
		return sink.draws
	}
	a, b, c := run(11), run(11), run(12)
	if !sameDraws(a, b) {
		t.Error("same seed gave different draws")
	}
	if sameDraws(a, c) {
		t.Error("different seeds gave identical draws")
	}
}

func TestInterruptStopsAtIterationBoundary(t *testing.T) {
	target := &gaussian{chains: 2, scales: []float64{1}}
	ctx, cancel := context.WithCancel(context.Background())
	sink := &cancelAfter{memorySink: newMemorySink(2, 1, 100), n: 10, cancel: cancel}
	res, err := Sample(ctx, target, Config{Warmup: 20, Draws: 100, Seed: 1, TargetAccept: 0.8, PathLength: 1}, sink)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || res.DrawsDone != 10 {
		t.Fatalf("interrupted=%v draws=%d, want true and 10", res.Interrupted, res.DrawsDone)
	}
}

type cancelAfter struct {
	*memorySink
	n      int
	cancel func()
}

func (s *cancelAfter) Draw(iter int, stats []Stats, theta []float64) error {
	if iter == s.n-1 {
		s.cancel()
	}
	return s.memorySink.Draw(iter, stats, theta)
}

// checkGaussianMoments holds the draws ([coordinate][chain][iteration]) of an independent
// Gaussian with the given scales to its truth: each mean within 4 MCSE of 0 and each E[x²]
// within 4 MCSE of s², the MCSE of E[x²] estimated from the draws of x² like any mean's.
func checkGaussianMoments(t *testing.T, draws [][][]float64, scales []float64) {
	t.Helper()
	for i, s := range scales {
		x := draws[i]
		m := diagnostics.Summarize(x)
		if z := math.Abs(m.Mean) / m.McseMean; z > 4 {
			t.Errorf("coordinate %d (scale %g): mean %g is %.1f MCSE from 0", i, s, m.Mean, z)
		}
		sq := make([][]float64, len(x))
		for c := range x {
			sq[c] = make([]float64, len(x[c]))
			for k, v := range x[c] {
				sq[c][k] = v * v
			}
		}
		m2 := diagnostics.Summarize(sq)
		if z := math.Abs(m2.Mean-s*s) / m2.McseMean; z > 4 {
			t.Errorf("coordinate %d: E[x²] = %g, want %g (%.1f MCSE)", i, m2.Mean, s*s, z)
		}
	}
}

// sameDraws reports whether two runs' draws are bitwise identical.
func sameDraws(x, y [][][]float64) bool {
	for i := range x {
		for j := range x[i] {
			for k := range x[i][j] {
				if x[i][j][k] != y[i][j][k] {
					return false
				}
			}
		}
	}
	return true
}
