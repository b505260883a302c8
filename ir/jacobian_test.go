package ir

import (
	"math"
	"testing"
)

// The log-Jacobian and its gradient agree with ConstrainAll's log-Jacobian and with central
// finite differences of it, for every kind of constraint.
func TestLogJacobianGradMatchesConstrainAll(t *testing.T) {
	x := []float64{0.3, -1.2, 0.8, 2.1}
	for _, c := range []Constraint{{Kind: Unconstrained}, {Kind: LowerBound, Lo: 1.5},
		{Kind: Interval, Lo: -2, Hi: 3}, {Kind: Simplex}, {Kind: Ordered}} {
		n := len(x)
		if c.Kind == Simplex {
			n++
		}
		y := make([]float64, n)
		want := c.ConstrainAll(x, y)
		g := make([]float64, len(x))
		if got := c.logJacobianGrad(x, g); math.Abs(got-want) > 1e-12 {
			t.Errorf("%s: log-Jacobian %v, ConstrainAll gives %v", c, got, want)
		}
		for i := range x {
			h := 1e-6
			xp := append([]float64(nil), x...)
			xm := append([]float64(nil), x...)
			xp[i] += h
			xm[i] -= h
			fd := (c.ConstrainAll(xp, y) - c.ConstrainAll(xm, y)) / (2 * h)
			if math.Abs(fd-g[i]) > 1e-7 {
				t.Errorf("%s: d/dx%d = %v, finite differences give %v", c, i+1, g[i], fd)
			}
		}
	}
}

func TestModelLogJacobianSumsParams(t *testing.T) {
	m := &Model{Params: []*ParamVar{
		{Name: "a", Constraint: Constraint{Kind: LowerBound}, Offset: 0, Len: 2},
		{Name: "b", Constraint: Constraint{Kind: Simplex}, Offset: 2, Len: 2},
	}}
	theta := []float64{0.5, -0.25, 0.1, 0.7}
	g := make([]float64, 4)
	lj := m.LogJacobian(theta, g)
	y := make([]float64, 3)
	want := 0.5 - 0.25 + Constraint{Kind: Simplex}.ConstrainAll(theta[2:], y)
	if math.Abs(lj-want) > 1e-12 || g[0] != 1 || g[1] != 1 {
		t.Errorf("LogJacobian = %v (grad %v), want %v with grad 1 for a", lj, g, want)
	}
}
