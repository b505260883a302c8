package compiler

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestFloat32ProductsCloseToFloat64 evaluates every shipped model with its matrix products in
// float32 and in float64 at the same random points, twice over (the float32 copy of the data
// matrix is made once and reused, so the second point checks that reuse). float32 rounds each
// product to about 6e-8 relative; the log density, a sum of N rows, moves by about that, while a
// gradient coordinate is a sum of N terms of both signs that cancel, so its relative change is
// larger (measured: 3.3e-8 and 2.0e-5 on German credit, 7e-10 and 8e-7 on kidiq). The tolerances,
// 1e-6 and 2e-4 relative to max(1, |value|), leave a factor of 10 or more and still catch a
// product computed from the wrong operands. Models without products must come out identical.
func TestFloat32ProductsCloseToFloat64(t *testing.T) {
	const chains = 3
	for _, sm := range shippedModels {
		t.Run(sm.name, func(t *testing.T) {
			m, double := compile(t, sm.model, sm.csv, chains)
			single, err := LowerWith(m, chains, Options{Float32Products: true})
			if err != nil {
				t.Fatal(err)
			}
			dim := m.Dim()
			rng := rand.New(rand.NewPCG(3, uint64(dim)))
			lp64, g64 := make([]float64, chains), make([]float64, chains*dim)
			lp32, g32 := make([]float64, chains), make([]float64, chains*dim)
			differs, worstLp, worstG := false, 0.0, 0.0
			for trial := 0; trial < 2; trial++ {
				theta := randomTheta(rng, chains, dim, sm.scale)
				if err := double.LogDensityGrad(theta, lp64, g64); err != nil {
					t.Fatal(err)
				}
				if err := single.LogDensityGrad(theta, lp32, g32); err != nil {
					t.Fatal(err)
				}
				for c := range lp64 {
					differs = differs || lp32[c] != lp64[c]
					worstLp = math.Max(worstLp, math.Abs(lp32[c]-lp64[c])/math.Max(1, math.Abs(lp64[c])))
					if math.Abs(lp32[c]-lp64[c]) > 1e-6*math.Max(1, math.Abs(lp64[c])) {
						t.Errorf("trial %d chain %d: log density %.10g in float32 products, %.10g in float64", trial, c, lp32[c], lp64[c])
					}
				}
				for i := range g64 {
					worstG = math.Max(worstG, math.Abs(g32[i]-g64[i])/math.Max(1, math.Abs(g64[i])))
					if math.Abs(g32[i]-g64[i]) > 2e-4*math.Max(1, math.Abs(g64[i])) {
						t.Errorf("trial %d: gradient[%d] %.10g in float32 products, %.10g in float64", trial, i, g32[i], g64[i])
					}
				}
			}
			t.Logf("largest relative differences: log density %.2g, gradient %.2g", worstLp, worstG)
			if hasProduct := sm.name == "sparse_logistic/german_credit" || sm.name == "kidiq"; hasProduct != differs {
				t.Errorf("model has a matrix product: %v, but float32 changed the result: %v", hasProduct, differs)
			}
		})
	}
}
