package ir

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hmcc-dev/hmcc/dist"
)

var constraints = []struct {
	c    Constraint
	name string
	in   func(y float64) bool // the support, written out independently
}{
	{Constraint{Kind: Unconstrained}, "real", func(y float64) bool { return true }},
	{Constraint{Kind: LowerBound, Lo: 0}, "positive", func(y float64) bool { return y > 0 }},
	{Constraint{Kind: LowerBound, Lo: 2}, "(2, inf)", func(y float64) bool { return y > 2 }},
	{Constraint{Kind: Interval, Lo: 0, Hi: 1}, "(0, 1)", func(y float64) bool { return y > 0 && y < 1 }},
	{Constraint{Kind: Interval, Lo: -3, Hi: 5}, "(-3, 5)", func(y float64) bool { return y > -3 && y < 5 }},
}

// centralDiff is the central difference of f at x with step h.
func centralDiff(f func(float64) float64, x, h float64) float64 {
	return (f(x+h) - f(x-h)) / (2 * h)
}

func TestConstraintString(t *testing.T) {
	for _, tc := range constraints {
		if got := tc.c.String(); got != tc.name {
			t.Errorf("%+v.String() = %q, want %q", tc.c, got, tc.name)
		}
	}
}

func TestConstraintRoundTrip(t *testing.T) {
	for _, tc := range constraints {
		for x := -8.0; x <= 8; x += 0.25 {
			y := tc.c.Constrain(x)
			if !tc.in(y) {
				t.Errorf("%s: Constrain(%v) = %v is outside the support", tc.name, x, y)
				continue
			}
			back, err := tc.c.Unconstrain(y)
			if err != nil {
				t.Errorf("%s: Unconstrain(%v): %v", tc.name, y, err)
				continue
			}
			if math.Abs(back-x) > 1e-9*math.Max(1, math.Abs(x)) {
				t.Errorf("%s: Unconstrain(Constrain(%v)) = %v", tc.name, x, back)
			}
		}
		// and from the constrained side, at points spread over the support
		for _, y := range []float64{-100, -2.9, -1, -1e-3, 1e-300, 1e-3, 0.5, 0.999, 2.5, 4.99, 7, 1e6} {
			if !tc.in(y) {
				continue
			}
			x, err := tc.c.Unconstrain(y)
			if err != nil {
				t.Errorf("%s: Unconstrain(%v): %v", tc.name, y, err)
				continue
			}
			if got := tc.c.Constrain(x); math.Abs(got-y) > 1e-12*math.Max(1, math.Abs(y)) {
				t.Errorf("%s: Constrain(Unconstrain(%v)) = %v", tc.name, y, got)
			}
		}
	}
}

func TestConstraintKnownValues(t *testing.T) {
	tests := []struct {
		c    Constraint
		x, y float64
	}{
		{Constraint{Kind: Unconstrained}, -1.5, -1.5},
		{Constraint{Kind: LowerBound, Lo: 0}, 0, 1},
		{Constraint{Kind: LowerBound, Lo: 2}, math.Log(3), 5},
		{Constraint{Kind: Interval, Lo: 0, Hi: 1}, 0, 0.5},
		{Constraint{Kind: Interval, Lo: -3, Hi: 5}, 0, 1},
		{Constraint{Kind: Interval, Lo: -3, Hi: 5}, math.Log(3), 3}, // logistic(log 3) = 3/4
	}
	for _, tt := range tests {
		if got := tt.c.Constrain(tt.x); math.Abs(got-tt.y) > 1e-15*math.Max(1, math.Abs(tt.y)) {
			t.Errorf("%s: Constrain(%v) = %v, want %v", tt.c, tt.x, got, tt.y)
		}
	}
}

func TestConstraintUnconstrainOutside(t *testing.T) {
	tests := []struct {
		c    Constraint
		y    float64
		want string
	}{
		{Constraint{Kind: LowerBound}, 0, "0 is outside the support positive"},
		{Constraint{Kind: LowerBound}, -1, "-1 is outside the support positive"},
		{Constraint{Kind: LowerBound, Lo: 2}, 2, "2 is outside the support (2, inf)"},
		{Constraint{Kind: LowerBound, Lo: 2}, 1.5, "1.5 is outside the support (2, inf)"},
		{Constraint{Kind: Interval, Lo: 0, Hi: 1}, 1, "1 is outside the support (0, 1)"},
		{Constraint{Kind: Interval, Lo: -3, Hi: 5}, -3, "-3 is outside the support (-3, 5)"},
		{Constraint{Kind: Interval, Lo: -3, Hi: 5}, 6, "6 is outside the support (-3, 5)"},
		{Constraint{Kind: Unconstrained}, math.NaN(), "NaN is not a finite number"},
		{Constraint{Kind: Unconstrained}, math.Inf(1), "+Inf is not a finite number"},
		{Constraint{Kind: LowerBound}, math.Inf(1), "+Inf is not a finite number"},
	}
	for _, tt := range tests {
		_, err := tt.c.Unconstrain(tt.y)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: Unconstrain(%v) error %v, want %q", tt.c, tt.y, err, tt.want)
		}
	}
}

// TestConstraintDerivatives checks Deriv and DLogJacobian against central differences and
// LogJacobian against log|Deriv|.
func TestConstraintDerivatives(t *testing.T) {
	for _, tc := range constraints {
		for x := -6.0; x <= 6; x += 0.37 {
			h := 1e-5
			fd := centralDiff(tc.c.Constrain, x, h)
			d := tc.c.Deriv(x)
			if math.Abs(fd-d) > 1e-7*math.Max(1, math.Abs(d)) {
				t.Errorf("%s: Deriv(%v) = %v, finite difference %v", tc.name, x, d, fd)
			}
			if lj, want := tc.c.LogJacobian(x), math.Log(math.Abs(d)); math.Abs(lj-want) > 1e-12*math.Max(1, math.Abs(want)) {
				t.Errorf("%s: LogJacobian(%v) = %v, log|Deriv| = %v", tc.name, x, lj, want)
			}
			fdl := centralDiff(tc.c.LogJacobian, x, h)
			if dl := tc.c.DLogJacobian(x); math.Abs(fdl-dl) > 1e-7 {
				t.Errorf("%s: DLogJacobian(%v) = %v, finite difference %v", tc.name, x, dl, fdl)
			}
		}
		// far in the tails the log-Jacobian stays finite even where Deriv underflows
		for _, x := range []float64{-800, 800} {
			if lj := tc.c.LogJacobian(x); math.IsNaN(lj) || math.IsInf(lj, 0) {
				t.Errorf("%s: LogJacobian(%v) = %v", tc.name, x, lj)
			}
		}
	}
	// the interval's log-Jacobian is log(hi − lo) − |x| + O(e^−|x|) in the tails
	c := Constraint{Kind: Interval, Lo: -3, Hi: 5}
	if got, want := c.LogJacobian(-800), math.Log(8)-800; math.Abs(got-want) > 1e-12*800 {
		t.Errorf("LogJacobian(-800) = %v, want %v", got, want)
	}
}

func TestConstraintFor(t *testing.T) {
	tests := []struct {
		d    dist.Domain
		want Constraint
	}{
		{dist.Real, Constraint{Kind: Unconstrained}},
		{dist.Positive, Constraint{Kind: LowerBound, Lo: 0}},
		{dist.NonNegative, Constraint{Kind: LowerBound, Lo: 0}},
		{dist.UnitInterval, Constraint{Kind: Interval, Lo: 0, Hi: 1}},
	}
	for _, tt := range tests {
		got, err := ConstraintFor(tt.d)
		if err != nil || got != tt.want {
			t.Errorf("ConstraintFor(%s) = %+v, %v; want %+v", tt.d, got, err, tt.want)
		}
	}
	if _, err := ConstraintFor(dist.Binary); err == nil || err.Error() != "a parameter cannot have support {0, 1}" {
		t.Errorf("ConstraintFor(Binary) error %v", err)
	}
}

// TestSimplex checks the stick-breaking transform: its values are a simplex, UnconstrainAll
// inverts it, x = 0 gives the uniform simplex (Stan's centring), and its log-Jacobian is the log
// determinant of the finite-difference Jacobian of x ↦ (y_1, …, y_{K−1}).
func TestSimplex(t *testing.T) {
	c := Constraint{Kind: Simplex}
	if c.String() != "simplex" || c.Coordinates(4) != 3 {
		t.Fatalf("String %q, Coordinates(4) %d", c, c.Coordinates(4))
	}
	y := make([]float64, 4)
	c.ConstrainAll([]float64{0, 0, 0}, y)
	for _, v := range y {
		if math.Abs(v-0.25) > 1e-15 {
			t.Fatalf("x = 0 gives %v, want the uniform simplex", y)
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 50 {
		K := 2 + r.IntN(5)
		x := make([]float64, K-1)
		for i := range x {
			x[i] = 2 * r.NormFloat64()
		}
		y := make([]float64, K)
		lj := c.ConstrainAll(x, y)
		sum := 0.0
		for _, v := range y {
			if !(v > 0) {
				t.Fatalf("%v has a non-positive element", y)
			}
			sum += v
		}
		if math.Abs(sum-1) > 1e-14 {
			t.Errorf("%v sums to %v", y, sum)
		}
		back := make([]float64, K-1)
		if err := c.UnconstrainAll(y, back); err != nil {
			t.Fatal(err)
		}
		for i := range x {
			if math.Abs(back[i]-x[i]) > 1e-9*math.Max(1, math.Abs(x[i])) {
				t.Errorf("round trip %v → %v → %v", x, y, back)
				break
			}
		}
		// Jacobian of the first K−1 values by central differences, then its log determinant.
		n := K - 1
		J := make([][]float64, n)
		yp, ym := make([]float64, K), make([]float64, K)
		for i := range J {
			J[i] = make([]float64, n)
		}
		for j := 0; j < n; j++ {
			xp, xm := append([]float64(nil), x...), append([]float64(nil), x...)
			xp[j] += 1e-6
			xm[j] -= 1e-6
			c.ConstrainAll(xp, yp)
			c.ConstrainAll(xm, ym)
			for i := 0; i < n; i++ {
				J[i][j] = (yp[i] - ym[i]) / 2e-6
			}
		}
		if got, want := lj, logAbsDet(J); math.Abs(got-want) > 1e-6*math.Max(1, math.Abs(want)) {
			t.Errorf("K=%d: log-Jacobian %v, log|det| of the finite-difference Jacobian %v", K, got, want)
		}
	}
	for _, bad := range [][]float64{{0.5, 0.6}, {0, 1}, {-0.5, 1.5}, {math.NaN(), 1}} {
		if err := c.UnconstrainAll(bad, make([]float64, 1)); err == nil {
			t.Errorf("UnconstrainAll(%v) succeeded", bad)
		}
	}
}

// logAbsDet is log |det A| by Gaussian elimination with partial pivoting.
func logAbsDet(A [][]float64) float64 {
	n := len(A)
	a := make([][]float64, n)
	for i := range A {
		a[i] = append([]float64(nil), A[i]...)
	}
	ld := 0.0
	for k := 0; k < n; k++ {
		p := k
		for i := k + 1; i < n; i++ {
			if math.Abs(a[i][k]) > math.Abs(a[p][k]) {
				p = i
			}
		}
		a[k], a[p] = a[p], a[k]
		ld += math.Log(math.Abs(a[k][k]))
		for i := k + 1; i < n; i++ {
			f := a[i][k] / a[k][k]
			for j := k; j < n; j++ {
				a[i][j] -= f * a[k][j]
			}
		}
	}
	return ld
}
