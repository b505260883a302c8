package hmcc

import (
	"encoding/json"

	"github.com/hmcc-dev/hmcc/compiler"
)

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
	if err := m.ready(); err != nil {
		return nil, err
	}
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

// MarshalJSON writes {"logdensity", "lp__" (when StanLP), "gradient", "coordinates"}, as
// hmcc logdensity --json prints it; non-finite numbers become the strings "NaN", "Infinity"
// and "-Infinity", which JSON can carry.
func (d *Density) MarshalJSON() ([]byte, error) {
	out := struct {
		LogDensity  jsonFloat   `json:"logdensity"`
		LP          *jsonFloat  `json:"lp__,omitempty"`
		Gradient    []jsonFloat `json:"gradient"`
		Coordinates []string    `json:"coordinates"`
	}{jsonFloat(d.LogDensity), nil, make([]jsonFloat, len(d.Gradient)), d.Coordinates}
	if d.StanLP {
		v := jsonFloat(d.LP)
		out.LP = &v
	}
	for i, g := range d.Gradient {
		out.Gradient[i] = jsonFloat(g)
	}
	return json.Marshal(out)
}

// jsonFloat writes non-finite numbers as strings JSON can carry ("-Infinity", "NaN").
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case v != v:
		return []byte(`"NaN"`), nil
	case v > 1.7976931348623157e308:
		return []byte(`"Infinity"`), nil
	case v < -1.7976931348623157e308:
		return []byte(`"-Infinity"`), nil
	}
	return json.Marshal(v)
}
