package ir

import (
	"fmt"
	"math"

	"github.com/hmcc-dev/hmcc/dist"
)

// ConstraintKind is the closed set of supports a parameter can have.
type ConstraintKind int

const (
	Unconstrained ConstraintKind = iota // real line: identity
	LowerBound                          // (lo, ∞): y = lo + exp(x)
	Interval                            // (lo, hi): y = lo + (hi − lo)·logistic(x)
	Simplex                             // K positive values summing to 1 from K − 1 coordinates: stick-breaking
	Ordered                             // K increasing values: y₁ = x₁, yₖ = yₖ₋₁ + exp(xₖ)
	CorrCholesky                        // the K×K Cholesky factor of a correlation matrix from K(K−1)/2 coordinates (matrix.go)
)

// Constraint maps an unconstrained coordinate x to the parameter's support. Each transform and
// its log-Jacobian is written once here; the sampler works on x and adds LogJacobian to the
// log density so that the density of y is preserved.
type Constraint struct {
	Kind   ConstraintKind
	Lo, Hi float64
}

// ConstraintFor returns the transform for a distribution's support.
func ConstraintFor(d dist.Domain) (Constraint, error) {
	switch d {
	case dist.Real:
		return Constraint{Kind: Unconstrained}, nil
	case dist.Positive, dist.NonNegative:
		return Constraint{Kind: LowerBound}, nil
	case dist.UnitInterval:
		return Constraint{Kind: Interval, Lo: 0, Hi: 1}, nil
	case dist.Simplex:
		return Constraint{Kind: Simplex}, nil
	case dist.CorrCholeskyFactor:
		return Constraint{Kind: CorrCholesky}, nil
	}
	return Constraint{}, fmt.Errorf("a parameter cannot have support %s", d)
}

func (c Constraint) String() string {
	switch c.Kind {
	case LowerBound:
		if c.Lo == 0 {
			return "positive"
		}
		return fmt.Sprintf("(%g, inf)", c.Lo)
	case Interval:
		if math.IsNaN(c.Lo) || math.IsNaN(c.Hi) {
			return "(lower, upper) from data"
		}
		return fmt.Sprintf("(%g, %g)", c.Lo, c.Hi)
	case Simplex:
		return "simplex"
	case Ordered:
		return "ordered"
	case CorrCholesky:
		return "Cholesky factor of a correlation matrix"
	}
	return "real"
}

// Coordinates is the number of coordinates of θ that a parameter of n elements takes: n − 1
// for a simplex, n otherwise.
func (c Constraint) Coordinates(n int) int {
	switch c.Kind {
	case Simplex:
		return n - 1
	case CorrCholesky:
		K := CorrCholeskySize(n)
		return K * (K - 1) / 2
	}
	return n
}

// ConstrainAll maps a parameter's coordinates x to its values y (len(y) elements, x holding
// Coordinates(len(y))) and returns the log-Jacobian of the map. For a simplex it is Stan's
// stick-breaking transform: with z_k = logistic(x_k − log(K − 1 − k)) (0-based k < K − 1) and the
// stick left r_0 = 1, y_k = r_k z_k, r_{k+1} = r_k − y_k, y_{K−1} = r_{K−1}, and
// log |J| = Σ_k log z_k + log(1 − z_k) + log r_k. The other kinds map each coordinate alone.
func (c Constraint) ConstrainAll(x, y []float64) float64 {
	lj := 0.0
	if c.Kind == CorrCholesky {
		lj, _ = CorrCholeskyConstrain(x, CorrCholeskySize(len(y)), y, nil, nil)
		return lj
	}
	if c.Kind == Ordered { // y₁ = x₁, yₖ = yₖ₋₁ + exp(xₖ); log |J| = Σₖ₌₂ xₖ (Stan's ordered transform)
		for i, v := range x {
			if i == 0 {
				y[0] = v
				continue
			}
			y[i] = y[i-1] + math.Exp(v)
			lj += v
		}
		return lj
	}
	if c.Kind != Simplex {
		for i, v := range x {
			y[i] = c.Constrain(v)
			lj += c.LogJacobian(v)
		}
		return lj
	}
	K := len(y)
	r := 1.0
	for k := 0; k < K-1; k++ {
		u := x[k] - math.Log(float64(K-1-k))
		z := InvLogit(u)
		y[k] = r * z
		lj += -Softplus(-u) - Softplus(u) + math.Log(r)
		r -= y[k]
	}
	y[K-1] = r
	return lj
}

// UnconstrainAll is the inverse of ConstrainAll: it writes the coordinates x of values y, or
// returns an error naming the first value outside the support (for a simplex, values that are
// not positive or do not sum to 1 within 1e-8; for an ordered vector, values that do not
// increase).
func (c Constraint) UnconstrainAll(y, x []float64) error {
	if c.Kind == CorrCholesky {
		return CorrCholeskyUnconstrain(y, CorrCholeskySize(len(y)), x)
	}
	if c.Kind == Ordered {
		for i, v := range y {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("element %d: %v is not a finite number", i+1, v)
			}
			if i == 0 {
				x[0] = v
				continue
			}
			if !(v > y[i-1]) {
				return fmt.Errorf("element %d is %v, not more than element %d (%v); an ordered vector increases", i+1, v, i, y[i-1])
			}
			x[i] = math.Log(v - y[i-1])
		}
		return nil
	}
	if c.Kind != Simplex {
		for i, v := range y {
			u, err := c.Unconstrain(v)
			if err != nil {
				return fmt.Errorf("element %d: %w", i+1, err)
			}
			x[i] = u
		}
		return nil
	}
	sum := 0.0
	for i, v := range y {
		if !(v > 0) || math.IsInf(v, 0) {
			return fmt.Errorf("element %d is %v; a simplex has positive elements that sum to 1", i+1, v)
		}
		sum += v
	}
	if math.Abs(sum-1) > 1e-8 {
		return fmt.Errorf("the elements sum to %v; a simplex's sum to 1", sum)
	}
	K := len(y)
	r := 1.0
	for k := 0; k < K-1; k++ {
		z := y[k] / r
		x[k] = math.Log(z) - math.Log1p(-z) + math.Log(float64(K-1-k))
		r -= y[k]
	}
	return nil
}

// Constrain returns y = T(x).
func (c Constraint) Constrain(x float64) float64 {
	switch c.Kind {
	case LowerBound:
		return c.Lo + math.Exp(x)
	case Interval:
		return c.Lo + (c.Hi-c.Lo)*InvLogit(x)
	}
	return x
}

// Deriv returns dy/dx at x.
func (c Constraint) Deriv(x float64) float64 {
	switch c.Kind {
	case LowerBound:
		return math.Exp(x)
	case Interval:
		s := InvLogit(x)
		return (c.Hi - c.Lo) * s * (1 - s)
	}
	return 1
}

// LogJacobian returns log |dy/dx| at x.
func (c Constraint) LogJacobian(x float64) float64 {
	switch c.Kind {
	case LowerBound:
		return x
	case Interval:
		// log σ(x) + log(1 − σ(x)) = −softplus(−x) − softplus(x)
		return math.Log(c.Hi-c.Lo) - Softplus(-x) - Softplus(x)
	}
	return 0
}

// DLogJacobian returns d/dx log |dy/dx|.
func (c Constraint) DLogJacobian(x float64) float64 {
	switch c.Kind {
	case LowerBound:
		return 1
	case Interval:
		return 1 - 2*InvLogit(x)
	}
	return 0
}

// Unconstrain returns x = T⁻¹(y), or an error when y is outside the support.
func (c Constraint) Unconstrain(y float64) (float64, error) {
	if math.IsNaN(y) || math.IsInf(y, 0) {
		return 0, fmt.Errorf("%v is not a finite number", y)
	}
	switch c.Kind {
	case LowerBound:
		if y <= c.Lo {
			return 0, fmt.Errorf("%v is outside the support %s", y, c)
		}
		return math.Log(y - c.Lo), nil
	case Interval:
		if y <= c.Lo || y >= c.Hi {
			return 0, fmt.Errorf("%v is outside the support %s", y, c)
		}
		u := (y - c.Lo) / (c.Hi - c.Lo)
		return math.Log(u) - math.Log1p(-u), nil
	}
	return y, nil
}
