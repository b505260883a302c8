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

// TestDirichletRand compares the draws' means, variances and one covariance with
// E x_k = α_k/α₀, Var x_k = α_k(α₀ − α_k)/(α₀²(α₀ + 1)), Cov(x_j, x_k) = −α_jα_k/(α₀²(α₀ + 1)):
// means within five Monte Carlo standard errors, the variances within 3 % and the covariance
// within 5 % (about five standard errors of each at this sample size).
func TestDirichletRand(t *testing.T) {
	d, _ := Lookup("Dirichlet")
	r := rand.New(rand.NewPCG(8, 8))
	a := []float64{0.5, 2, 3.5}
	a0 := 6.0
	const n = 100000
	x := make([]float64, 3)
	var s, s2 [3]float64
	var s01 float64
	for range n {
		d.VectorRand(r, [][]float64{a}, x)
		if math.Abs(x[0]+x[1]+x[2]-1) > 1e-14 {
			t.Fatalf("draw %v does not sum to 1", x)
		}
		for k, v := range x {
			s[k] += v
			s2[k] += v * v
		}
		s01 += x[0] * x[1]
	}
	for k := range a {
		mean, v := s[k]/n, s2[k]/n-(s[k]/n)*(s[k]/n)
		wantV := a[k] * (a0 - a[k]) / (a0 * a0 * (a0 + 1))
		if math.Abs(mean-a[k]/a0) > 5*math.Sqrt(wantV/n) || math.Abs(v-wantV) > 0.03*wantV {
			t.Errorf("x_%d: mean %v variance %v, want %v and %v", k, mean, v, a[k]/a0, wantV)
		}
	}
	cov := s01/n - (s[0]/n)*(s[1]/n)
	if want := -a[0] * a[1] / (a0 * a0 * (a0 + 1)); math.Abs(cov-want) > 0.05*math.Abs(want) {
		t.Errorf("Cov(x_1, x_2) = %v, want %v", cov, want)
	}
	d.VectorRand(r, [][]float64{{1, -1, 1}}, x)
	if !math.IsNaN(x[0]) || !math.IsNaN(x[2]) {
		t.Errorf("a negative concentration drew %v", x)
	}
}
