package dist

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestDirichlet(t *testing.T) {
	d, _ := Lookup("Dirichlet")
	for _, c := range vectorKnownValues {
		got := d.VectorLogDensity(c.x, c.p, nil, nil)
		if math.Abs(got-c.want) > relTol*math.Abs(c.want) {
			t.Errorf("Dirichlet(%v) at %v: %.17g, want %.17g", c.p, c.x, got, c.want)
		}
	}
	// Gradients against central differences. A step in one coordinate leaves the simplex, so the
	// steps in x are 1e-9, inside the 1e-8 tolerance on the sum.
	r := rand.New(rand.NewPCG(2, 4))
	for range 200 {
		K := 2 + r.IntN(5)
		x, a := make([]float64, K), make([]float64, K)
		sum := 0.0
		for k := range x {
			x[k] = r.ExpFloat64() + 0.05
			sum += x[k]
			a[k] = math.Exp(3*r.Float64() - 1.5)
		}
		for k := range x {
			x[k] /= sum
		}
		dx, da := make([]float64, K), make([]float64, K)
		f := d.VectorLogDensity(x, [][]float64{a}, dx, [][]float64{da})
		for k := range K {
			for _, which := range []string{"x", "alpha"} {
				v, grad, h := x, dx, 1e-9
				if which == "alpha" {
					v, grad, h = a, da, 1e-6*a[k]
				}
				orig := v[k]
				v[k] = orig + h
				up := d.VectorLogDensity(x, [][]float64{a}, nil, nil)
				v[k] = orig - h
				down := d.VectorLogDensity(x, [][]float64{a}, nil, nil)
				v[k] = orig
				fd := (up - down) / (2 * h)
				if tol := 1e-5*math.Abs(grad[k]) + 1e-6*(1+math.Abs(f))/math.Abs(orig); math.Abs(fd-grad[k]) > tol {
					t.Errorf("Dirichlet(%v) at %v: ∂/∂%s_%d = %.10g, finite difference %.10g", a, x, which, k, grad[k], fd)
				}
			}
		}
	}
	// Off the simplex, or with a bad concentration: −∞ and zero derivatives.
	for _, c := range []struct{ x, a []float64 }{
		{[]float64{0.3, 0.6}, []float64{1, 1}},    // sums to 0.9
		{[]float64{0, 1}, []float64{1, 1}},        // a coordinate at 0
		{[]float64{0.5, 0.5}, []float64{1, 0}},    // α not positive
		{[]float64{0.5, 0.5}, []float64{1, 1, 1}}, // lengths differ
		{[]float64{1}, []float64{2}},              // one coordinate
		{[]float64{0.5, math.NaN(), 0.5}, []float64{1, 1, 1}},
	} {
		dx, da := slices.Repeat([]float64{7}, len(c.x)), slices.Repeat([]float64{7}, len(c.a))
		if got := d.VectorLogDensity(c.x, [][]float64{c.a}, dx, [][]float64{da}); !math.IsInf(got, -1) {
			t.Errorf("Dirichlet(%v) at %v = %v, want -Inf", c.a, c.x, got)
		}
		if slices.ContainsFunc(dx, func(v float64) bool { return v != 0 }) || slices.ContainsFunc(da, func(v float64) bool { return v != 0 }) {
			t.Errorf("Dirichlet(%v) at %v: derivatives %v %v, want zeros", c.a, c.x, dx, da)
		}
	}
}
