package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/hmcc-dev/hmcc/compiler"
)

type logdensityCmd struct {
	Model string `arg:"" help:"Model file (.model)."`
	Data  string `arg:"" help:"Data file (CSV)."`
	At    string `help:"JSON file with a point on the natural (constrained) scale, e.g. {\"tau\": 1, \"beta\": [0.1, 0.2]}; parameters left out are at unconstrained 0." type:"existingfile"`
	JSON  bool   `name:"json" help:"Print {\"logdensity\", \"gradient\", \"coordinates\"} as JSON."`

	// More holds further data files (several tables: data u[J] = column "u" from "counties").
	More []string `arg:"" optional:"" help:"More data files (CSV or JSON), which data declarations name with from \"name\" (the base name)."`
}

func (c *logdensityCmd) Run(e *env) error {
	m, err := load(e, c.Model, c.Data, c.More...)
	if err != nil {
		return err
	}
	theta := make([]float64, m.Dim())
	if c.At != "" {
		values, err := readPoint(c.At)
		if err != nil {
			return userError{err}
		}
		for name := range values {
			found := false
			for _, p := range m.Params {
				found = found || p.Name == name
			}
			if !found {
				return userError{fmt.Errorf("%s: %q is not a parameter of the model", c.At, name)}
			}
		}
		if err := compiler.Unconstrain(m, values, theta); err != nil {
			return userError{fmt.Errorf("%s: %w", c.At, err)}
		}
	}
	prog, err := compiler.Lower(m, 1)
	if err != nil {
		return err
	}
	lp := make([]float64, 1)
	grad := make([]float64, len(theta))
	if err := prog.LogDensityGrad(theta, lp, grad); err != nil {
		return err
	}
	names := m.CoordinateNames()
	offset, lpNote := stanLP(m)
	if c.JSON {
		out := struct {
			LogDensity  jsonFloat   `json:"logdensity"`
			LP          *jsonFloat  `json:"lp__,omitempty"`
			Gradient    []jsonFloat `json:"gradient"`
			Coordinates []string    `json:"coordinates"`
		}{jsonFloat(lp[0]), nil, make([]jsonFloat, len(grad)), names}
		if lpNote == lpStan {
			v := jsonFloat(lp[0] - offset)
			out.LP = &v
		}
		for i, g := range grad {
			out.Gradient[i] = jsonFloat(g)
		}
		enc := json.NewEncoder(e.stdout)
		return enc.Encode(out)
	}
	fmt.Fprintf(e.stdout, "log density: %.17g (every normalising constant, plus the log Jacobian of the constraining transforms)\n", lp[0])
	if lpNote == lpStan {
		fmt.Fprintf(e.stdout, "lp__:        %.17g (Stan's convention, as the output's lp__: the constants of ~ statements dropped, the Jacobian kept)\n", lp[0]-offset)
	} else {
		fmt.Fprintln(e.stdout, "lp__ is the log density above (a distribution of this model has no rule for Stan's dropped constants)")
	}
	fmt.Fprintln(e.stdout, "gradient (unconstrained):")
	for i, n := range names {
		fmt.Fprintf(e.stdout, "  %-16s % .17g\n", n, grad[i])
	}
	return nil
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

// readPoint reads {"name": number or [numbers]}.
func readPoint(path string) (map[string][]float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%s: not a JSON object of parameter values: %v", path, err)
	}
	out := map[string][]float64{}
	for k, v := range raw {
		var x float64
		if json.Unmarshal(v, &x) == nil {
			out[k] = []float64{x}
			continue
		}
		var xs []float64
		if err := json.Unmarshal(v, &xs); err != nil {
			var big *json.UnmarshalTypeError // 1e999: a number, but not a float64
			if errors.As(err, &big) && strings.HasPrefix(big.Value, "number") {
				return nil, fmt.Errorf("%s: %q: %s is beyond the range of a float64 (about ±1.8e308); give a finite value, e.g. {%q: 1.5}", path, k, strings.TrimSpace(string(v)), k)
			}
			return nil, fmt.Errorf("%s: %q must be a number or an array of numbers", path, k)
		}
		out[k] = xs
	}
	return out, nil
}
