package hmcc

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/ir"
)

// lpStan and lpFull are the header's hmcc_lp values: what lp__ holds.
const (
	lpStan = "stan_convention"  // constants of ~ statements dropped, Jacobian kept: Stan's lp__
	lpFull = "fully_normalised" // every normalising constant kept, Jacobian kept
)

// stanLP returns what to subtract from hmcc's log density to write lp__ in Stan's convention,
// and the header's note saying which convention lp__ follows. A model with a distribution that
// has no rule for Stan's dropped constants keeps the full density, and says so.
func stanLP(m *ir.Model) (float64, string) {
	c, err := compiler.StanDroppedConstant(m)
	if err != nil {
		return 0, lpFull
	}
	return c, lpStan
}

// paramBounds lists the parameters whose support is bounded, "name:lo:hi;…" (inf for no upper
// bound), for the header's hmcc_bounds, which hmcc plot reads to keep densities inside them.
func paramBounds(m *ir.Model) string {
	var parts []string
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for _, p := range m.Params {
		c := p.Constraint
		switch {
		case c.Kind == ir.LowerBound:
			parts = append(parts, p.Name+":"+num(c.Lo)+":inf")
		case c.Kind == ir.Interval && !math.IsNaN(c.Lo) && !math.IsNaN(c.Hi):
			parts = append(parts, p.Name+":"+num(c.Lo)+":"+num(c.Hi))
		case c.Kind == ir.Simplex:
			parts = append(parts, p.Name+":0:1")
		}
	}
	return strings.Join(parts, ";")
}

// ReadPointFile reads the point at path (ReadPoint, for hmcc run --init and hmcc logdensity
// --at) and maps it to the unconstrained scale (Unconstrain): the values and the coordinates,
// both nil when path is "". Its errors are the caller's to fix (UserError).
func (m *Model) ReadPointFile(path string) (map[string][]float64, []float64, error) {
	if path == "" {
		return nil, nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, UserError{err}
	}
	return m.ParsePoint(path, b)
}

// ParsePoint is ReadPointFile of the file's content b, already read (hmcc run hashes it as the
// resume checkpoint records it, and parses the same bytes).
func (m *Model) ParsePoint(path string, b []byte) (map[string][]float64, []float64, error) {
	values, rows, err := parsePoint(path, b)
	if err != nil {
		return nil, nil, UserError{err}
	}
	if err := m.matricesRowMajor(values, rows); err != nil {
		return nil, nil, UserError{fmt.Errorf("%s: %w", path, err)}
	}
	theta, err := m.Unconstrain(values)
	if err != nil {
		return nil, nil, UserError{fmt.Errorf("%s: %w", path, err)}
	}
	return values, theta, nil
}

// matricesRowMajor puts the values of each matrix parameter in the row-major order
// compiler.Unconstrain reads: a flat array lists a matrix column by column, as the CSV of a draw
// names its columns (L.1.1, L.2.1, …, as CmdStan), so that a draw's row read back is that draw's
// position; an array of arrays (rows[name] holds their lengths) lists its rows, as CmdStan's
// JSON does, and must have the matrix's shape.
func (m *Model) matricesRowMajor(values map[string][]float64, rows map[string][]int) error {
	if err := m.ready(); err != nil {
		return err
	}
	for _, p := range m.ir.Params {
		v, ok := values[p.Name]
		if !ok || len(p.Shape) != 2 {
			if r, nested := rows[p.Name]; ok && nested && len(r) > 0 {
				return fmt.Errorf("%q is not a matrix; give a number or an array of numbers", p.Name)
			}
			continue
		}
		shape := m.ir.Sizes.Resolve(p.Shape)
		if r, nested := rows[p.Name]; nested {
			good := len(r) == shape[0]
			for _, n := range r {
				good = good && n == shape[1]
			}
			if !good {
				return fmt.Errorf("parameter %s is a %d×%d matrix; give %d arrays of %d numbers (its rows), or %d numbers column by column", p.Name, shape[0], shape[1], shape[0], shape[1], shape[0]*shape[1])
			}
			continue
		}
		if len(v) != shape[0]*shape[1] {
			continue // Unconstrain names the wrong count
		}
		rm := make([]float64, len(v))
		for j, i := range ir.ColumnMajor(shape) {
			rm[i] = v[j]
		}
		values[p.Name] = rm
	}
	return nil
}

// ReadPoint reads a JSON file of values on the natural scale, {"name": number, [numbers] or
// [[numbers], …]} (hmcc run --init, hmcc logdensity --at); an array of arrays is flattened
// row by row.
func ReadPoint(path string) (map[string][]float64, error) {
	out, _, err := readPoint(path)
	return out, err
}

// readPoint is ReadPoint, also returning the row lengths of each value given as an array of
// arrays.
func readPoint(path string) (map[string][]float64, map[string][]int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	return parsePoint(path, b)
}

func parsePoint(path string, b []byte) (map[string][]float64, map[string][]int, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, nil, fmt.Errorf("%s: not a JSON object of parameter values: %v", path, err)
	}
	out := map[string][]float64{}
	rows := map[string][]int{}
	for k, v := range raw {
		var x float64
		if json.Unmarshal(v, &x) == nil {
			out[k] = []float64{x}
			continue
		}
		var xss [][]float64
		if json.Unmarshal(v, &xss) == nil && len(xss) > 0 {
			for _, r := range xss {
				out[k] = append(out[k], r...)
				rows[k] = append(rows[k], len(r))
			}
			continue
		}
		var xs []float64
		if err := json.Unmarshal(v, &xs); err != nil {
			var big *json.UnmarshalTypeError // 1e999: a number, but not a float64
			if errors.As(err, &big) && strings.HasPrefix(big.Value, "number") {
				return nil, nil, fmt.Errorf("%s: %q: %s is beyond the range of a float64 (about ±1.8e308); give a finite value, e.g. {%q: 1.5}", path, k, strings.TrimSpace(string(v)), k)
			}
			return nil, nil, fmt.Errorf("%s: %q must be a number or an array of numbers (or, for a matrix, an array of its rows)", path, k)
		}
		out[k] = xs
	}
	return out, rows, nil
}
