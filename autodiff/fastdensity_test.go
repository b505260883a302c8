package autodiff

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hmcc-dev/hmcc/dist"
	"gorgonia.org/tensor"
)

// TestFastDensitiesMatchRegistry holds the Normal and Gamma fast paths to the registry's densities
// evaluated element by element, for every layout they accept (a variate per element or shared by
// the chains; a location per element, per chain or shared; scales per chain or shared), with
// every partial derivative requested; and checks that they decline what they do not cover.
func TestFastDensitiesMatchRegistry(t *testing.T) {
	const R, K = 3, 5
	rng := rand.New(rand.NewPCG(5, 8))
	shapes := map[string]tensor.Shape{"full": {R, K}, "row": {1, K}, "chain": {R, 1}, "one": {1, 1}}
	cases := []struct {
		dist string
		x    string
		args []string
	}{
		{"Normal", "full", []string{"full", "chain"}},
		{"Normal", "full", []string{"one", "one"}},
		{"Normal", "row", []string{"full", "chain"}},
		{"Normal", "row", []string{"chain", "one"}},
		{"Normal", "full", []string{"row", "chain"}},
		{"Gamma", "full", []string{"one", "one"}},
		{"Gamma", "full", []string{"chain", "chain"}},
		{"Gamma", "row", []string{"chain", "one"}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/x=%s/%v", c.dist, c.x, c.args), func(t *testing.T) {
			d, _ := dist.Lookup(c.dist)
			names := append([]string{c.x}, c.args...)
			vals, lays, partial := make([][]float64, 3), make([]layout, 3), make([][]float64, 3)
			for i, n := range names {
				s := shapes[n]
				vals[i] = make([]float64, s[0]*s[1])
				for j := range vals[i] {
					vals[i][j] = rng.NormFloat64()
					if i > 0 || c.dist == "Gamma" { // scales, shapes, rates and Gamma variates are positive
						vals[i][j] = math.Exp(vals[i][j])
					}
				}
				lays[i] = layoutOf(s)
				partial[i] = make([]float64, R*K)
			}
			out := make([]float64, R)
			if !fastDensities[c.dist](vals, lays, partial, R, K, out) {
				t.Fatal("the fast path declined")
			}
			p, dd := make([]float64, 2), make([]float64, 3)
			for r := 0; r < R; r++ {
				want := 0.0
				for k := 0; k < K; k++ {
					for i := 1; i < 3; i++ {
						p[i-1] = vals[i][r*lays[i].rs+k*lays[i].cs]
					}
					want += d.LogDensity(vals[0][r*lays[0].rs+k*lays[0].cs], p, dd)
					for i := range 3 {
						if got := partial[i][r*K+k]; math.Abs(got-dd[i]) > 1e-12*math.Max(1, math.Abs(dd[i])) {
							t.Errorf("row %d element %d: partial %d = %.17g, registry %.17g", r, k, i, got, dd[i])
						}
					}
				}
				if math.Abs(out[r]-want) > 1e-12*math.Max(1, math.Abs(want)) {
					t.Errorf("row %d: %.17g, registry %.17g", r, out[r], want)
				}
			}
			// Outside the domain (a scale of −1) or the support (a Gamma variate of −1) the generic
			// loop must take over.
			bad := 2
			if c.dist == "Gamma" {
				bad = 0
			}
			saved := vals[bad][0]
			vals[bad][0] = -1
			if fastDensities[c.dist](vals, lays, partial, R, K, out) {
				t.Errorf("accepted %g as argument %d", vals[bad][0], bad)
			}
			vals[bad][0] = saved
		})
	}
	// A scale per element is left to the generic loop.
	lays := []layout{layoutOf(tensor.Shape{R, K}), layoutOf(tensor.Shape{R, K}), layoutOf(tensor.Shape{R, K})}
	full := make([]float64, R*K)
	if normalRows([][]float64{full, full, full}, lays, make([][]float64, 3), R, K, make([]float64, R)) {
		t.Error("normalRows accepted a scale per element")
	}
}
