// Package cudagentest holds what the tests of the GPU backend share: compiler/cudagen's, which run
// the generated source on a host shim, and runtime/gpu's, which run it on the device. It loads a
// model with its data, draws initial points, and runs the CPU sampler's HMC transition with given
// draws, which the device-resident one must reproduce. It is for tests only.
package cudagentest

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/hmcc-dev/hmcc"
	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/ir"
	"github.com/hmcc-dev/hmcc/runtime"
)

// Load parses and checks the model file and binds the CSV data file to it. The model is named by
// its base name, which is what the header of the generated source (and so the golden files) shows.
func Load(t testing.TB, modelPath, dataPath string) *ir.Model {
	t.Helper()
	src, err := os.ReadFile(modelPath)
	if err != nil {
		t.Fatal(err)
	}
	m, err := hmcc.Compile(filepath.Base(modelPath), string(src), hmcc.File(dataPath))
	if err != nil {
		t.Fatal(err)
	}
	return m.IR()
}

// RandomTheta returns n unconstrained coordinates drawn uniformly from [-2, 2), the samplers'
// initialisation range.
func RandomTheta(rng *rand.Rand, n int) []float64 {
	theta := make([]float64, n)
	for i := range theta {
		theta[i] = rng.Float64()*4 - 2
	}
	return theta
}

// NearMode returns n unconstrained coordinates drawn uniformly from [-0.5, 0.5) (RandomTheta's
// scaled by a quarter): near the bundled models' modes, where small steps are accepted.
func NearMode(rng *rand.Rand, n int) []float64 {
	theta := RandomTheta(rng, n)
	for i := range theta {
		theta[i] *= 0.25
	}
	return theta
}

// RandomInvMetric returns a diagonal inverse metric of n values drawn uniformly from [0.5, 1.5).
func RandomInvMetric(rng *rand.Rand, n int) []float64 {
	invM := make([]float64, n)
	for i := range invM {
		invM[i] = 0.5 + rng.Float64()
	}
	return invM
}

// CPUTransition runs the samplers' own fixed-length HMC transition (runtime.Transition) on a
// CPU target with the random draws supplied: the transition the device-resident one must
// reproduce. target is the CPU executor of c chains of dimension n, laid out chain-major. pos
// (the starting state, updated in place where a chain accepts) and mom (the drawn momentum) are
// c×n; invM is the diagonal inverse metric (n); eps, steps and u are each chain's step size,
// number of leapfrog steps and acceptance uniform. It returns each chain's log density at its new
// state, acceptance probability, energy and divergence flag.
func CPUTransition(t testing.TB, target runtime.Target, pos, mom, invM, eps []float64, steps []int, u []float64) (lp, accept, energy []float64, diverged []bool) {
	t.Helper()
	c := target.Chains()
	s, err := runtime.NewState(target, pos)
	if err != nil {
		t.Fatal(err)
	}
	out := runtime.TransitionOut{Accept: make([]float64, c), Energy: make([]float64, c), LogP: make([]float64, c),
		Diverged: make([]bool, c), Position: pos}
	in := runtime.TransitionIn{Momentum: mom, StepSize: eps, Steps: steps, Uniform: u}
	if err := runtime.Transition(target, s, runtime.Metric{Diag: invM}, in, &out); err != nil {
		t.Fatal(err)
	}
	return out.LogP, out.Accept, out.Energy, out.Diverged
}

// Mismatches compares got with want element by element and describes each element out of
// tolerance. Element i may differ by tol·max(|want[i]|, floor·max_k |want[k]|): relative to its own
// magnitude, with a floor for elements that are small only because larger terms cancelled (a
// gradient coordinate near zero), set by the largest magnitude of the vector. The tolerance is
// linear in the values — scaling every value by k scales it by k — so a relative error of the
// kernels shows as the same relative error here at every magnitude. An infinite or NaN want
// requires the same value: a finite result never passes for an expected −Inf.
func Mismatches(got, want []float64, tol, floor float64) []string {
	if len(got) != len(want) {
		return []string{fmt.Sprintf("%d values, want %d", len(got), len(want))}
	}
	largest := 0.0
	for _, w := range want {
		if !math.IsInf(w, 0) && !math.IsNaN(w) {
			largest = math.Max(largest, math.Abs(w))
		}
	}
	var bad []string
	for i, w := range want {
		g := got[i]
		ok := false
		switch {
		case math.IsNaN(w):
			ok = math.IsNaN(g)
		case math.IsInf(w, 0):
			ok = g == w
		default:
			ok = math.Abs(g-w) <= tol*math.Max(math.Abs(w), floor*largest)
		}
		if !ok {
			bad = append(bad, fmt.Sprintf("[%d] = %.17g, want %.17g (relative difference %.3g)", i, g, w, (g-w)/math.Max(math.Abs(w), floor*largest)))
		}
	}
	return bad
}

// WarmupAgainstCPU runs cfg (a warmup and a draw or more) on dev and, from the same seed, on the
// CPU executor of m with as many chains, and returns the largest relative difference of the
// tuning warmup adapted (every chain's step size, the inverse metric, and the trajectory length
// ChEES learned) and how many chains' first draws took another number of leapfrog steps: the
// device warmup's tests on the host shim and on a GPU hold these to their tolerances.
func WarmupAgainstCPU(t testing.TB, m *ir.Model, dev runtime.Target, cfg runtime.Config) (worst float64, stepsDiffer int) {
	t.Helper()
	cpu, err := compiler.Lower(m, dev.Chains())
	if err != nil {
		t.Fatal(err)
	}
	want, got := &firstDraw{}, &firstDraw{}
	wantRes, err := runtime.Sample(context.Background(), cpu, cfg, want)
	if err != nil {
		t.Fatal(err)
	}
	res, err := runtime.Sample(context.Background(), dev, cfg, got)
	if err != nil {
		t.Fatal(err)
	}
	rel := func(a, b []float64) {
		if len(a) != len(b) {
			t.Fatalf("%d tuning values on the device, %d on the CPU", len(a), len(b))
		}
		for i := range b {
			d := math.Abs(a[i]-b[i]) / math.Max(math.Abs(b[i]), math.SmallestNonzeroFloat64)
			if math.IsNaN(d) {
				d = math.Inf(1)
			}
			worst = max(worst, d)
		}
	}
	rel(res.StepSizes, wantRes.StepSizes)
	rel(res.InvMetric, wantRes.InvMetric)
	rel([]float64{res.TrajectoryLength}, []float64{wantRes.TrajectoryLength})
	for c, s := range want.stats {
		if got.stats[c].NLeapfrog != s.NLeapfrog {
			stepsDiffer++
		}
	}
	return worst, stepsDiffer
}

// firstDraw is a runtime.Sink keeping the first draw's statistics.
type firstDraw struct{ stats []runtime.Stats }

func (s *firstDraw) Adapted([]float64, []float64) error { return nil }
func (s *firstDraw) Draw(it int, stats []runtime.Stats, _ []float64) error {
	if it == 0 {
		s.stats = append([]runtime.Stats(nil), stats...)
	}
	return nil
}
