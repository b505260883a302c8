package plots

import (
	"math"
	"testing"
)

// A positive parameter's density panel starts at its bound, 0; an unbounded one extends below.
func TestBoundedDensity(t *testing.T) {
	xs := make([]float64, 400)
	for i := range xs {
		xs[i] = -math.Log(1 - (float64(i)+0.5)/400) // exponential(1) quantiles
	}
	chains := [][]float64{xs[:200], xs[200:]}
	p, err := densityPlot("x", "x", chains, []string{"chain 1", "chain 2"}, 0, math.Inf(1))
	if err != nil {
		t.Fatal(err)
	}
	if p.X.Min != 0 {
		t.Errorf("bounded density starts at %v, want 0", p.X.Min)
	}
	if p, _ := densityPlot("x", "x", chains, []string{"chain 1", "chain 2"}, math.Inf(-1), math.Inf(1)); p.X.Min >= 0 {
		t.Errorf("unbounded density starts at %v, want below 0", p.X.Min)
	}
	if lo, hi := parseBounds("tau:0:inf;p:0:1").of("p.3"); lo != 0 || hi != 1 {
		t.Errorf("bounds of p.3: %v, %v", lo, hi)
	}
	if lo, _ := parseBounds("tau:0:inf").of("mu"); !math.IsInf(lo, -1) {
		t.Errorf("mu has no bound, got %v", lo)
	}
}
