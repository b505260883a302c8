package diagnostics

import (
	"math"
	"testing"
)

// E-BFMI = Σ(E_n − E_{n−1})² / Σ(E_n − Ē)² (Betancourt 2016, eq. 7's estimator as Stan prints it).
func TestEBFMI(t *testing.T) {
	if got := EBFMI([]float64{1, 2, 3, 4}); math.Abs(got-0.6) > 1e-15 {
		t.Errorf("EBFMI(1,2,3,4) = %g, want 3/5", got)
	}
	// Alternating energies: differences of 2, variance 1 per draw → 4·3/4 = 3.
	if got := EBFMI([]float64{1, -1, 1, -1}); math.Abs(got-3) > 1e-15 {
		t.Errorf("EBFMI(alternating) = %g, want 3", got)
	}
	if !math.IsNaN(EBFMI([]float64{2, 2, 2})) {
		t.Error("constant energy should give NaN")
	}
}
