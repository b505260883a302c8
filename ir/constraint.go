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
	}
	return "real"
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
