package main

import (
	"encoding/json"
	"fmt"

	hmcclib "github.com/hmcc-dev/hmcc"
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
	_, theta, err := readPoint(m, c.At)
	if err != nil {
		return err
	}
	if theta == nil {
		theta = make([]float64, m.Dim())
	}
	d, err := m.LogDensity(theta)
	if err != nil {
		return err
	}
	if c.JSON {
		return json.NewEncoder(e.stdout).Encode(d)
	}
	fmt.Fprintf(e.stdout, "log density: %.17g (every normalising constant, plus the log Jacobian of the constraining transforms)\n", d.LogDensity)
	if d.StanLP {
		fmt.Fprintf(e.stdout, "lp__:        %.17g (Stan's convention, as the output's lp__: the constants of ~ statements dropped, the Jacobian kept)\n", d.LP)
	} else {
		fmt.Fprintln(e.stdout, "lp__ is the log density above (a distribution of this model has no rule for Stan's dropped constants)")
	}
	fmt.Fprintln(e.stdout, "gradient (unconstrained):")
	for i, n := range d.Coordinates {
		fmt.Fprintf(e.stdout, "  %-16s % .17g\n", n, d.Gradient[i])
	}
	return nil
}

// readPoint reads the JSON file of natural-scale values at path (--at, --init) and maps them to
// the unconstrained scale; nil when path is "".
func readPoint(m *hmcclib.Model, path string) (map[string][]float64, []float64, error) {
	if path == "" {
		return nil, nil, nil
	}
	values, err := hmcclib.ReadPoint(path)
	if err != nil {
		return nil, nil, userError{err}
	}
	theta, err := m.Unconstrain(values)
	if err != nil {
		return nil, nil, userError{fmt.Errorf("%s: %w", path, err)}
	}
	return values, theta, nil
}
