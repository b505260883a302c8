package hmcc

import "github.com/hmcc-dev/hmcc/compiler"

// Density is the log density of a model at one point and its gradient.
type Density struct {
	// LogDensity keeps every normalising constant, plus the log Jacobian of the constraining
	// transforms.
	LogDensity float64
	// LP is lp__ in Stan's convention (the constants of ~ statements dropped, the Jacobian
	// kept) when StanLP is set; a model with a distribution that has no rule for Stan's
	// dropped constants has only LogDensity.
	LP     float64
	StanLP bool
	// Gradient is on the unconstrained scale, one entry per Coordinates name.
	Gradient    []float64
	Coordinates []string
}

// LogDensity evaluates the log density and its gradient at theta (unconstrained coordinates,
// see Unconstrain).
func (m *Model) LogDensity(theta []float64) (*Density, error) {
	prog, err := compiler.Lower(m.ir, 1)
	if err != nil {
		return nil, err
	}
	lp := make([]float64, 1)
	grad := make([]float64, len(theta))
	if err := prog.LogDensityGrad(theta, lp, grad); err != nil {
		return nil, err
	}
	offset, note := stanLP(m.ir)
	return &Density{LogDensity: lp[0], LP: lp[0] - offset, StanLP: note == lpStan, Gradient: grad, Coordinates: m.ir.CoordinateNames()}, nil
}
