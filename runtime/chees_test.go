package runtime

import (
	"context"
	"math"
	"testing"
)

func TestHaltonSequence(t *testing.T) {
	// Base-2 van der Corput: 1/2, 1/4, 3/4, 1/8, 5/8, 3/8, 7/8.
	want := []float64{0.5, 0.25, 0.75, 0.125, 0.625, 0.375, 0.875}
	for i, w := range want {
		if got := halton(i + 1); got != w {
			t.Errorf("halton(%d) = %g, want %g", i+1, got, w)
		}
	}
}

func TestTrajectoryAdapterDiscardsNonFinite(t *testing.T) {
	a := &trajectoryAdapter{logT: 1}
	a.update(math.NaN())
	a.update(math.Inf(1))
	if a.logT != 1 || a.iterations != 0 {
		t.Errorf("non-finite gradient moved the adapter: %+v", a)
	}
	a.update(100)
	if d := a.logT - 1; d <= 0 || d > cheesMaxLogUpdate+1e-12 {
		t.Errorf("one positive gradient moved log T by %g, want (0, %g]", d, cheesMaxLogUpdate)
	}
}

// On a standard normal, trajectories of length π/2 give independent draws and ChEES is
// maximised near there; the learned length must land in the neighbourhood and the draws must
// have the right moments within Monte Carlo error.
func TestChEESRecoversGaussian(t *testing.T) {
	scales := []float64{0.01, 1, 30, 5, 0.3}
	target := &gaussian{chains: 32, scales: scales}
	const draws = 300
	sink := newMemorySink(32, len(scales), draws)
	res, err := Sample(context.Background(), target, Config{Sampler: "chees", Warmup: 500, Draws: draws, Seed: 5, TargetAccept: 0.8, PathLength: 1, MaxSteps: 1024}, sink)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(res.StepSizes); i++ {
		if res.StepSizes[i] != res.StepSizes[0] {
			t.Fatalf("chains do not share the step size: %v", res.StepSizes)
		}
	}
	// With h·T, h uniform on (0, 1), E[ChEES] ∝ 1/2 − sin(2T)/(4T) per unit-scale coordinate,
	// largest at tan(2T) = 2T, T ≈ 2.25; the next local maximum is near 5.45.
	t.Logf("learned T = %g", res.TrajectoryLength)
	if res.TrajectoryLength < 1.2 || res.TrajectoryLength > 3.5 {
		t.Errorf("learned trajectory length %g, want near 2.25", res.TrajectoryLength)
	}
	checkGaussianMoments(t, sink.draws, scales)
}

func TestChEESNeedsTwoChains(t *testing.T) {
	target := &gaussian{chains: 1, scales: []float64{1}}
	if _, err := Sample(context.Background(), target, Config{Sampler: "chees", Warmup: 10, Draws: 10, TargetAccept: 0.8, PathLength: 1}, newMemorySink(1, 1, 10)); err == nil {
		t.Error("chees ran with one chain")
	}
}

// A short warmup has one metric window, which is also the last. The trajectory length learned
// during it is in the units of the unit metric warmup starts from, where a posterior with scales
// 0.01 to 30 forces a step (and so a starting length) of about 0.01; under the window's metric
// the posterior is about standard normal and the ChEES optimum near 2.25. Sampling with the old
// length (it was 0.013 at warmup 100 here before the fix) takes one leapfrog step per iteration:
// a random walk. The length must be at least one posterior sd in the new metric's units.
func TestChEESShortWarmupLearnsUsefulLength(t *testing.T) {
	scales := []float64{0.01, 1, 30, 5, 0.3}
	for _, warmup := range []int{50, 100, 150} {
		target := &gaussian{chains: 8, scales: scales}
		res, err := Sample(context.Background(), target, Config{Sampler: "chees", Warmup: warmup, Draws: 10, Seed: 3, TargetAccept: 0.8, PathLength: 1, MaxSteps: 1024}, newMemorySink(8, len(scales), 10))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("warmup %d: T %g, step size %g", warmup, res.TrajectoryLength, res.StepSizes[0])
		if res.TrajectoryLength < 1 || res.TrajectoryLength > 5 {
			t.Errorf("warmup %d: learned trajectory length %g, want about 1 to 2.25 (one posterior sd or more, below the criterion's second maximum)", warmup, res.TrajectoryLength)
		}
	}
}
