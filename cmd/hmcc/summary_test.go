package main

import (
	"math"
	"reflect"
	"testing"
)

// E-BFMI = Σ(E_n − E_{n−1})² / Σ(E_n − Ē)² (Betancourt 2016, eq. 7's estimator as Stan prints it).
func TestEBFMI(t *testing.T) {
	if got := ebfmi([]float64{1, 2, 3, 4}); math.Abs(got-0.6) > 1e-15 {
		t.Errorf("ebfmi(1,2,3,4) = %g, want 3/5", got)
	}
	// Alternating energies: differences of 2, variance 1 per draw → 4·3/4 = 3.
	if got := ebfmi([]float64{1, -1, 1, -1}); math.Abs(got-3) > 1e-15 {
		t.Errorf("ebfmi(alternating) = %g, want 3", got)
	}
	if !math.IsNaN(ebfmi([]float64{2, 2, 2})) {
		t.Error("constant energy should give NaN")
	}
}

func TestSuperchains(t *testing.T) {
	if got := superchainIDs(6, 3); !reflect.DeepEqual(got, []int{0, 0, 1, 1, 2, 2}) {
		t.Errorf("superchainIDs(6, 3) = %v", got)
	}
	init := superchainInit(4, 2, 3, 1)
	for j := 0; j < 3; j++ {
		if init[j] != init[3+j] || init[6+j] != init[9+j] {
			t.Fatalf("chains of a superchain start apart: %v", init)
		}
		if init[j] < -2 || init[j] > 2 {
			t.Fatalf("initial value %g outside (-2, 2)", init[j])
		}
	}
	if init[0] == init[6] {
		t.Error("different superchains share a start")
	}
	if superchainIDs(4, 0) != nil || superchainInit(4, 0, 3, 1) != nil {
		t.Error("no superchains should mean independent starts")
	}
}
