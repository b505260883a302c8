package runtime

import (
	"math"
	"reflect"
	"testing"
)

// Stan's windowed adaptation for 1000 warmup iterations: init buffer 75, metric windows ending at
// 100, 150, 250, 450 and 950 (the last stretched to the 50-iteration terminal buffer). Source:
// Stan Reference Manual, "HMC algorithm parameters: automatic parameter tuning".
func TestWindowsMatchStan(t *testing.T) {
	cases := []struct {
		warmup int
		ends   []int
	}{
		{1000, []int{100, 150, 250, 450, 950}},
		{2000, []int{100, 150, 250, 450, 850, 1950}},
		{150, []int{100}},
		// Below 150 Stan uses 15% / 75% / 10%.
		{100, []int{90}},
		{10, nil},
	}
	for _, c := range cases {
		w := newWindows(c.warmup)
		if !reflect.DeepEqual(w.ends, c.ends) {
			t.Errorf("warmup %d: window ends %v, want %v", c.warmup, w.ends, c.ends)
		}
	}
	w := newWindows(1000)
	if w.inSlow(74) || !w.inSlow(75) || !w.inSlow(949) || w.inSlow(950) {
		t.Error("slow phase should be iterations 75..949")
	}
	if !w.endsWindow(99) || w.endsWindow(100) || !w.endsWindow(949) {
		t.Error("window ends misplaced")
	}
}

// With acceptance exp(-ε) the step size giving mean acceptance δ is -log δ.
func TestDualAveragingFindsTarget(t *testing.T) {
	d := newDualAveraging(0.8, 1)
	eps := 1.0
	for i := 0; i < 2000; i++ {
		eps = d.update(math.Exp(-eps))
	}
	want := -math.Log(0.8)
	if got := d.final(); math.Abs(got-want)/want > 0.05 {
		t.Errorf("final step size %g, want %g", got, want)
	}
}

func TestWelfordRegularisedVariance(t *testing.T) {
	w := newWelford(2)
	xs := [][]float64{{1, 10}, {2, 20}, {3, 30}, {4, 40}, {5, 50}}
	for _, x := range xs {
		w.add(x)
	}
	out := make([]float64, 2)
	w.variance(out)
	// sample variances 2.5 and 250, shrunk: n/(n+5)·v + 1e-3·5/(n+5) with n = 5.
	want := []float64{0.5*2.5 + 0.5e-3, 0.5*250 + 0.5e-3}
	for i := range out {
		if math.Abs(out[i]-want[i]) > 1e-12 {
			t.Errorf("variance %d = %g, want %g", i, out[i], want[i])
		}
	}
}

// The schedule laid out for 1000 warmup iterations is Stan's windows (TestWindowsMatchStan):
// fast buffer 0..74, slow 75..949, windows ending at 100, 150, 250, 450 and 950 (the last the
// last window), and stray chains looked for every 25 iterations until the last window starts
// (iteration 450).
func TestScheduleIsStansWindows(t *testing.T) {
	sched := newSchedule(1000)
	var ends, relocs []int
	for it, ph := range sched {
		if ph.initBuffer != (it < 75) || ph.slow != (it >= 75 && it < 950) {
			t.Fatalf("iteration %d: %+v", it, ph)
		}
		if ph.endsWindow {
			ends = append(ends, it+1)
		}
		if ph.lastWindow != (it == 949) {
			t.Errorf("iteration %d: last window %v", it, ph.lastWindow)
		}
		if ph.relocate {
			relocs = append(relocs, it+1)
		}
	}
	if !reflect.DeepEqual(ends, []int{100, 150, 250, 450, 950}) {
		t.Errorf("window ends %v", ends)
	}
	if len(relocs) != 18 || relocs[0] != 25 || relocs[len(relocs)-1] != 450 {
		t.Errorf("relocations after %v, want every 25th iteration up to 450", relocs)
	}
	if len(newSchedule(10)) != 10 {
		t.Error("a warmup too short for windows still has one phase per iteration")
	}
}

// A step size that is not a positive finite number is discarded: the chain keeps its own.
func TestNonFiniteStepSizeIsDiscarded(t *testing.T) {
	tu := &Tuning{StepSize: []float64{0.5, 0.5, 0.5, 0.5}}
	setStepSize(tu, 0, math.Inf(1))
	setStepSize(tu, 1, math.NaN())
	setStepSize(tu, 2, 0)
	setStepSize(tu, 3, 0.25)
	if !reflect.DeepEqual(tu.StepSize, []float64{0.5, 0.5, 0.5, 0.25}) {
		t.Errorf("step sizes %v, want only the finite update applied", tu.StepSize)
	}
}

// A metric estimate that is not finite (a chain's position overflowed) is discarded and the
// metric stays what it was.
func TestNonFiniteMetricIsDiscarded(t *testing.T) {
	for _, metric := range []string{"diag", "dense"} {
		f := newFixture(&gaussian{chains: 2, scales: []float64{1, 1}}, 1)
		a := newAdaptation(f.ev, Config{Warmup: 100, TargetAccept: 0.8, Metric: metric, MaxSteps: 16}, nil)
		a.est = newWelford(2)
		if metric == "dense" {
			a.est = newDenseWelford(2)
		}
		for _, x := range [][]float64{{1, 2}, {math.Inf(1), 0}, {3, 1}} {
			a.est.add(x)
		}
		copy(f.tu.Metric.Diag, []float64{2, 3})
		if err := a.setMetric(f.r, f.st, f.tu); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(f.tu.Metric.Diag, []float64{2, 3}) || f.tu.Metric.Chol != nil {
			t.Errorf("%s: metric %+v after a non-finite estimate, want the old one", metric, f.tu.Metric)
		}
	}
}
