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
			if !fastDensities[d.Fast](vals, lays, partial, R, K, out) {
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
			if fastDensities[d.Fast](vals, lays, partial, R, K, out) {
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

// TestFastPathsMatchRows: every fast-path id a dist row can carry has a kernel here, every
// kernel here is an id some row carries, and each row's id is the kernel written for its density
// (the row carries the id, this package the code; neither names the other's distributions).
func TestFastPathsMatchRows(t *testing.T) {
	written := map[dist.FastPath]string{dist.FastNormal: "Normal", dist.FastGamma: "Gamma", dist.FastBernoulliLogit: "BernoulliLogit"}
	used := map[dist.FastPath]bool{}
	for _, name := range dist.Names() {
		d, _ := dist.Lookup(name)
		if d.Fast == dist.NoFastPath {
			continue
		}
		used[d.Fast] = true
		if fastDensities[d.Fast] == nil {
			t.Errorf("%s carries fast path %d, which autodiff has no kernel for", name, d.Fast)
		}
		if written[d.Fast] != name {
			t.Errorf("%s carries fast path %d, the kernel written for %q", name, d.Fast, written[d.Fast])
		}
	}
	for _, id := range dist.FastPaths() {
		if fastDensities[id] == nil {
			t.Errorf("fast path %d has no kernel", id)
		}
	}
	for id := range fastDensities {
		if !used[id] {
			t.Errorf("the kernel for fast path %d is carried by no row", id)
		}
	}
}

// TestBernoulliLogitFastShapes: the Bernoulli-logit fast path takes exactly observed outcomes
// [1, K] that are not differentiated with logits [R, K], and matches the registry there; any
// other shape, or an outcome with a derivative, is left to the generic loop.
func TestBernoulliLogitFastShapes(t *testing.T) {
	d, _ := dist.Lookup("BernoulliLogit")
	k := fastDensities[d.Fast]
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct {
		R, K     int
		y, l     tensor.Shape
		dy, take bool
	}{
		{3, 5, tensor.Shape{1, 5}, tensor.Shape{3, 5}, false, true},
		{1, 5, tensor.Shape{1, 5}, tensor.Shape{1, 5}, false, true},
		{3, 1, tensor.Shape{1, 1}, tensor.Shape{3, 1}, false, true},
		{1, 1, tensor.Shape{1, 1}, tensor.Shape{1, 1}, false, true},
		{3, 5, tensor.Shape{1, 5}, tensor.Shape{3, 5}, true, false},  // outcomes differentiated
		{3, 5, tensor.Shape{3, 5}, tensor.Shape{3, 5}, false, false}, // outcomes per chain
		{3, 5, tensor.Shape{1, 1}, tensor.Shape{3, 5}, false, false}, // one outcome for all
		{3, 5, tensor.Shape{1, 5}, tensor.Shape{1, 5}, false, false}, // logits shared by the chains
		{3, 5, tensor.Shape{1, 5}, tensor.Shape{3, 1}, false, false}, // one logit per chain
	} {
		y := make([]float64, c.y[0]*c.y[1])
		l := make([]float64, c.l[0]*c.l[1])
		for i := range y {
			y[i] = float64(rng.IntN(2))
		}
		for i := range l {
			l[i] = rng.NormFloat64()
		}
		lays := []layout{layoutOf(c.y), layoutOf(c.l)}
		partial := [][]float64{nil, make([]float64, c.R*c.K)}
		if c.dy {
			partial[0] = make([]float64, c.R*c.K)
		}
		out := make([]float64, c.R)
		if got := k([][]float64{y, l}, lays, partial, c.R, c.K, out); got != c.take {
			t.Errorf("y %v, l %v, dy %v: took it %v, want %v", c.y, c.l, c.dy, got, c.take)
			continue
		}
		if !c.take {
			continue
		}
		der := make([]float64, 2)
		for r := 0; r < c.R; r++ {
			want := 0.0
			for j := 0; j < c.K; j++ {
				want += d.LogDensity(y[j], []float64{l[r*lays[1].rs+j]}, der)
				if got := partial[1][r*c.K+j]; math.Abs(got-der[1]) > 1e-13 {
					t.Errorf("y %v, l %v: ∂/∂l at %d,%d = %v, registry %v", c.y, c.l, r, j, got, der[1])
				}
			}
			if math.Abs(out[r]-want) > 1e-13*math.Max(1, math.Abs(want)) {
				t.Errorf("y %v, l %v: row %d = %.17g, registry %.17g", c.y, c.l, r, out[r], want)
			}
		}
	}
}
