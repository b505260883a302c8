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
