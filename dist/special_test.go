package dist

import (
	"math"
	"testing"
)

// log(e¹ + e²) = 2 + log(1 + e⁻¹) = 2.3132616875182228 (by hand: log1p(1/e) = 0.31326168751822286);
// shifting by the maximum keeps e¹⁰⁰⁰ from overflowing; −∞ elements add nothing.
func TestLogSumExp(t *testing.T) {
	inf := math.Inf(1)
	for _, c := range []struct {
		x    []float64
		want float64
	}{
		{[]float64{1, 2}, 2.3132616875182228},
		{[]float64{1000, 1000}, 1000 + math.Ln2},
		{[]float64{-inf, 0}, 0},
		{[]float64{-inf, -inf}, -inf},
		{nil, -inf},
		{[]float64{inf, 0}, inf},
	} {
		if got := LogSumExp(c.x); !(got == c.want || math.Abs(got-c.want) <= 1e-15*math.Abs(c.want)) {
			t.Errorf("LogSumExp(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	if got := LogSumExp([]float64{math.NaN(), 0}); !math.IsNaN(got) {
		t.Errorf("LogSumExp(NaN, 0) = %v, want NaN", got)
	}
}
