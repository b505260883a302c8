package diagnostics

import (
	"math"
	"reflect"
	"testing"
)

// Ranks by hand: the pooled draws 1, 2, 2, 3, 5 have ranks 1, 2.5 (the tie shares ranks 2 and
// 3), 4 and 5.
func TestRanks(t *testing.T) {
	r := Ranks([][]float64{{3, 1}, {2, 2, 5}})
	if want := [][]float64{{4, 1}, {2.5, 2.5, 5}}; !reflect.DeepEqual(r, want) {
		t.Fatalf("ranks = %v, want %v", r, want)
	}
	// Two bins over ranks 1…5: (r−1)·2/5 < 1 for r < 3.5, so 1 and 2.5 fall in the first.
	if got, want := RankCounts(r, 5, 2), [][]float64{{1, 1}, {2, 1}}; !reflect.DeepEqual(got, want) {
		t.Errorf("rankCounts = %v, want %v", got, want)
	}
	// Chains interleaved perfectly fill every bin equally: the flat histogram of mixed chains.
	r = Ranks([][]float64{{1, 3, 5, 7}, {2, 4, 6, 8}})
	if got, want := RankCounts(r, 8, 4), [][]float64{{1, 1, 1, 1}, {1, 1, 1, 1}}; !reflect.DeepEqual(got, want) {
		t.Errorf("rankCounts of interleaved chains = %v, want %v", got, want)
	}
	// ⌈2·log₂ n⌉ + 1: n = 1000 → ⌈19.93⌉ + 1, n = 100 → ⌈13.29⌉ + 1.
	if RankBins(1000) != 21 || RankBins(100) != 15 || RankBins(1) != 1 {
		t.Errorf("RankBins(1000, 100, 1) = %d, %d, %d", RankBins(1000), RankBins(100), RankBins(1))
	}
}

func TestKDE(t *testing.T) {
	// One point: the estimate is the Gaussian kernel itself, exp(−(x−x₀)²/2h²)/(h√2π).
	x0, h := 1.5, 0.7
	at := []float64{-1, 0, 1.5, 2, 4}
	got := KDE([]float64{x0}, h, at)
	for k, x := range at {
		want := math.Exp(-(x-x0)*(x-x0)/(2*h*h)) / (h * math.Sqrt(2*math.Pi))
		if math.Abs(got[k]-want) > 1e-15 {
			t.Errorf("kde at %g = %.17g, want %.17g", x, got[k], want)
		}
	}
	// Two points: the mean of their kernels; at the midpoint of 0 and 2 with h = 1, φ(1).
	if got := KDE([]float64{0, 2}, 1, []float64{1})[0]; math.Abs(got-math.Exp(-0.5)/math.Sqrt(2*math.Pi)) > 1e-15 {
		t.Errorf("kde midpoint = %.17g", got)
	}
	// Bandwidths from R 4's bw.nrd0 (print(bw.nrd0(x), digits = 17)): the IQR branch (a tail
	// value inflates the sd), the sd branch (IQR 0), and the |x₁| fallback (all equal).
	for _, c := range []struct {
		xs   []float64
		want float64
	}{
		{[]float64{1, 2, 3, 4, 5, 6, 7, 30}, 1.5509141488562004},
		{[]float64{0, 0, 0, 0, 10}, 2.9171818740469728},
		{[]float64{3, 3, 3}, 2.167402216752623},
		{[]float64{1, 1, 1, 1, 1, 1, 2}, 0.2305015666098425},
	} {
		if got := Bandwidth(c.xs); math.Abs(got-c.want) > 1e-14*c.want {
			t.Errorf("Bandwidth(%v) = %.17g, want %.17g", c.xs, got, c.want)
		}
	}
}

// The sample autocorrelation: 1 at lag 0; for alternating ±1 over n draws, −(n−1)/n at lag 1 and
// (n−2)/n at lag 2.
func TestAutocorrelation(t *testing.T) {
	xs := []float64{1, -1, 1, -1, 1, -1, 1, -1, 1, -1}
	r := Autocorrelation(xs, 3)
	for k, want := range []float64{1, -0.9, 0.8, -0.7} {
		if math.Abs(r[k]-want) > 1e-15 {
			t.Errorf("lag %d: %v, want %v", k, r[k], want)
		}
	}
}

// A positive parameter's density stays inside its support and keeps its mass: reflected at 0,
// the estimate integrates to 1 over [0, ∞) (the plain estimate would lose the mass below 0).
func TestReflectedKDE(t *testing.T) {
	xs := make([]float64, 400)
	for i := range xs {
		xs[i] = -math.Log(1 - (float64(i)+0.5)/400) // exponential(1) quantiles
	}
	h := Bandwidth(xs)
	const n = 4000
	at := make([]float64, n)
	for k := range at {
		at[k] = 12 * float64(k) / (n - 1)
	}
	integral := func(ys []float64) float64 {
		s := 0.0
		for k := 1; k < n; k++ {
			s += (ys[k] + ys[k-1]) / 2 * (at[k] - at[k-1])
		}
		return s
	}
	if got := integral(ReflectedKDE(xs, h, at, 0, math.Inf(1))); math.Abs(got-1) > 2e-3 {
		t.Errorf("reflected density integrates to %.4f over [0, 12]", got)
	}
	if got := integral(KDE(xs, h, at)); got > 0.99 {
		t.Errorf("the plain estimate keeps %.4f above 0; the test does not test the reflection", got)
	}
}
