package hmcc

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/ir"
	"github.com/hmcc-dev/hmcc/runtime/cmdstan"
	"github.com/hmcc-dev/hmcc/runtime/optimize"
)

// ApproxOutput names the model in messages and says where Optimize and Pathfinder write their
// CmdStan CSVs (optimize.csv, laplace.csv, pathfinder.csv); an empty Dir writes none.
type ApproxOutput struct {
	Model     string   // the model file, as messages and the header name it (default "the model")
	Data      []string // the data files the header names
	Dir       string
	Overwrite bool   // replace the files an earlier run left in Dir
	Version   string // hmcc's, for the header
}

// OptimizeConfig is what Optimize does (hmcc optimize's default Iter is 2000).
type OptimizeConfig struct {
	// Jacobian includes the log-Jacobian of the constraining transforms: the mode of the
	// unconstrained parameters' density. Without it (Stan's default) the mode is that of the model
	// as written on the parameters' own scale.
	Jacobian bool
	// Laplace, when positive, also draws that many points from the Laplace approximation at the mode.
	Laplace int
	Iter    int // most L-BFGS iterations (0: runtime/optimize's default)
	// Seed fixes the initial point (uniform(-2, 2) on the unconstrained scale) and the Laplace draws.
	Seed   uint64
	Output ApproxOutput
}

// Mode is what Optimize found.
type Mode struct {
	Jacobian          bool
	Names             []string    // the reported quantities
	Values            []float64   // their values at the mode
	LP                float64     // the log density at the mode, lp__ in Stan's convention
	Iterations, Evals int         // L-BFGS iterations and log density evaluations
	Converged         bool        // false when L-BFGS stopped for Status
	Status            string      // why L-BFGS stopped
	Boundary          string      // a coordinate at the edge of its support, if any
	Laplace           [][]float64 // the Laplace draws of the reported quantities
	files             []string
	dir               string
	failed            bool // the Laplace approximation failed: Report prints the mode's lines only
}

// density returns the model's log density of θ for one chain: with the log-Jacobian of the
// constraining transforms (what the samplers use), or without it (the density of the parameters
// on their own scale, as a function of θ).
func (m *Model) density(name string, jacobian bool) (optimize.LogDensity, error) {
	if err := m.ready(); err != nil {
		return nil, err
	}
	if m.Dim() == 0 {
		return nil, UserError{fmt.Errorf("%s has no parameters: there is nothing to optimize or approximate", name)}
	}
	prog, err := compiler.Lower(m.ir, 1)
	if err != nil {
		return nil, err
	}
	lp := make([]float64, 1)
	jac := make([]float64, m.Dim())
	return func(theta, grad []float64) (float64, error) {
		if err := prog.LogDensityGrad(theta, lp, grad); err != nil {
			return 0, err
		}
		if jacobian {
			return lp[0], nil
		}
		clear(jac)
		lj := m.ir.LogJacobian(theta, jac)
		for i := range grad {
			grad[i] -= jac[i]
		}
		return lp[0] - lj, nil
	}, nil
}

// randomInit draws a point uniform(−2, 2) on the unconstrained scale with a finite log density
// and gradient, trying 100 times as Stan does.
func randomInit(f optimize.LogDensity, dim int, rng *rand.Rand) ([]float64, error) {
	theta := make([]float64, dim)
	grad := make([]float64, dim)
	for try := 0; try < 100; try++ {
		for i := range theta {
			theta[i] = 4*rng.Float64() - 2
		}
		lp, err := f(theta, grad)
		if err != nil {
			return nil, err
		}
		ok := !math.IsInf(lp, 0) && !math.IsNaN(lp)
		for _, g := range grad {
			ok = ok && !math.IsInf(g, 0) && !math.IsNaN(g)
		}
		if ok {
			return theta, nil
		}
	}
	return nil, UserError{errors.New("no initial point uniform(-2, 2) on the unconstrained scale has a finite log density and gradient after 100 tries; check the data and the priors' supports")}
}

// Check refuses a negative number of Laplace draws (a UserError).
func (cfg OptimizeConfig) Check() error {
	if cfg.Laplace < 0 {
		return UserError{fmt.Errorf("--laplace %d: the number of draws cannot be negative", cfg.Laplace)}
	}
	return nil
}

// Optimize finds the mode of the model's density by L-BFGS (hmcc optimize), writes optimize.csv
// (and laplace.csv) to cfg.Output.Dir, and with cfg.Laplace draws from the Laplace approximation
// there. When the Laplace approximation fails, the Mode is returned with the error.
func (m *Model) Optimize(cfg OptimizeConfig) (*Mode, error) {
	o := cfg.Output
	o.Model = cmp.Or(o.Model, "the model")
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	f, err := m.density(o.Model, cfg.Jacobian)
	if err != nil {
		return nil, err
	}
	files := []string{"optimize.csv"}
	if cfg.Laplace > 0 {
		files = append(files, "laplace.csv")
	}
	if err := prepareApproxDir(o, files...); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6f70_7469_6d00))
	init, err := randomInit(f, m.Dim(), rng)
	if err != nil {
		return nil, err
	}
	mode, err := optimize.FindMode(f, init, optimize.Settings{MaxIterations: cfg.Iter})
	if err != nil {
		if errors.Is(err, optimize.ErrNoMode) {
			return nil, UserError{fmt.Errorf("%s: %w", o.Model, err)}
		}
		return nil, err
	}
	edge, grows := boundaryCoordinate(m.ir, mode)
	if edge != "" && grows && !mode.Converged {
		return nil, UserError{fmt.Errorf("%s: %w: the log density still increases as %s approaches the edge of its support (it is %.3g there), so the density has no maximum inside the support; %s", o.Model, optimize.ErrNoMode, edge, paramValue(m.ir, mode.Theta, edge), modeKindShort(cfg.Jacobian))}
	}
	offset, lpNote := stanOffset(m.ir)
	names := compiler.OutputNames(m.ir)
	header := cmdstan.ApproxHeader{Model: o.Model, Data: o.Data, Version: o.Version, Seed: cfg.Seed, LPNote: lpNote,
		Method: "optimize", Lines: []string{"    optimize", "      algorithm = lbfgs (Default)",
			fmt.Sprintf("      jacobian = %d", b2i(cfg.Jacobian)), fmt.Sprintf("      iter = %d", cfg.Iter), "      save_iterations = 0 (Default)"}}
	res := &Mode{Jacobian: cfg.Jacobian, Names: names, Values: make([]float64, len(names)), LP: mode.LogDensity - offset,
		Iterations: mode.Iterations, Evals: mode.Evals, Converged: mode.Converged, Status: mode.Status, Boundary: edge, files: files, dir: o.Dir}
	if err := outputsAt(m.ir, mode.Theta, rng, res.Values); err != nil {
		return nil, err
	}
	if err := writeApprox(o, "optimize.csv", header, []string{"lp__"}, names, [][]float64{{res.LP}}, [][]float64{res.Values}); err != nil {
		return nil, err
	}
	if cfg.Laplace == 0 {
		return res, nil
	}
	l, err := optimize.NewLaplace(f, mode.Theta)
	if err != nil {
		res.failed = true
		return res, UserError{fmt.Errorf("%s: %w", o.Model, err)}
	}
	var lps [][]float64
	theta := make([]float64, m.Dim())
	grad := make([]float64, m.Dim())
	for k := 0; k < cfg.Laplace; k++ {
		lq := l.Draw(rng, theta)
		lp, err := f(theta, grad)
		if err != nil {
			return nil, err
		}
		row := make([]float64, len(names))
		if err := outputsAt(m.ir, theta, rng, row); err != nil {
			return nil, err
		}
		res.Laplace = append(res.Laplace, row)
		lps = append(lps, []float64{lp - offset, lq})
	}
	header.Method = "laplace"
	header.Lines = []string{"    laplace", fmt.Sprintf("      mode = %s", filepath.Join(o.Dir, "optimize.csv")),
		fmt.Sprintf("      jacobian = %d", b2i(cfg.Jacobian)), fmt.Sprintf("      draws = %d", cfg.Laplace)}
	if err := writeApprox(o, "laplace.csv", header, []string{"log_p__", "log_g__"}, names, lps, res.Laplace); err != nil {
		return nil, err
	}
	return res, nil
}

// Report prints what hmcc optimize prints: the objective, L-BFGS's outcome, lp__, a note on a
// mode at the boundary, the table and the files written.
func (r *Mode) Report(w io.Writer) {
	if r.Jacobian {
		fmt.Fprintln(w, "mode with the Jacobian (jacobian=1): the mode of the unconstrained parameters' density, the MAP on the unconstrained scale")
	} else {
		fmt.Fprintln(w, "mode without the Jacobian (jacobian=0, Stan's default): the mode of the model as written, a penalised maximum likelihood estimate on the parameters' own scale")
	}
	status := "converged"
	if !r.Converged {
		status = "NOT converged (" + r.Status + "); raise --iter or check the model"
	}
	fmt.Fprintf(w, "L-BFGS: %d iterations, %d log density evaluations, %s\n", r.Iterations, r.Evals, status)
	fmt.Fprintf(w, "lp__ = %.6g\n", r.LP)
	if r.Boundary != "" {
		fmt.Fprintf(w, "note: %s is at the edge of its support; the mode is on the boundary of the support (for a scale, often a sign that the data cannot estimate it, or that the Jacobian is needed)\n", r.Boundary)
	}
	if r.failed {
		return
	}
	WriteApproxTable(w, r.Names, r.Values, r.Laplace)
	if r.dir != "" {
		fmt.Fprintf(w, "\nwrote %s to %s\n", strings.Join(r.files, " and "), r.dir)
	}
}

// boundaryCoordinate names the first constrained coordinate of the mode farther than 10 from 0
// on the unconstrained scale (e^(−10) ≈ 5e-5 of the way to its bound: on the boundary for all
// practical purposes), and whether the log density still increases towards that bound there.
func boundaryCoordinate(m *ir.Model, mode *optimize.Mode) (string, bool) {
	names := m.CoordinateNames()
	for _, p := range m.Params {
		if p.Constraint.Kind == ir.Unconstrained {
			continue
		}
		for i := p.Offset; i < p.Offset+p.Len; i++ {
			if x := mode.Theta[i]; math.Abs(x) > 10 {
				return names[i], x*mode.Gradient[i] > 0
			}
		}
	}
	return "", false
}

// paramValue is the natural-scale value of the named coordinate at θ.
func paramValue(m *ir.Model, theta []float64, coord string) float64 {
	out := make([]float64, len(compiler.OutputNames(m)))
	if compiler.Outputs(m, theta, out) != nil {
		return math.NaN()
	}
	for i, n := range compiler.OutputNames(m) {
		if n == coord {
			return out[i]
		}
	}
	return math.NaN()
}

func modeKindShort(jacobian bool) string {
	if jacobian {
		return "a posterior can still be proper without a mode: hmcc run samples it"
	}
	return "without the Jacobian a scale can shrink onto the data: try --jacobian, or hmcc run to sample the posterior"
}

// stanOffset returns what to subtract from the log density to write lp__ in Stan's convention
// (the constants of ~ statements dropped), and the header's hmcc_lp note, as hmcc run does.
func stanOffset(m *ir.Model) (float64, string) {
	c, err := compiler.StanDroppedConstant(m)
	if err != nil {
		return 0, "fully_normalised"
	}
	return c, "stan_convention"
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// outputsAt writes the reported quantities at θ (parameters on their own scale, reported lets,
// generated quantities).
func outputsAt(m *ir.Model, theta []float64, rng *rand.Rand, out []float64) error {
	if !compiler.Draws(m) {
		rng = nil
	}
	return compiler.OutputsRand(m, theta, rng, out)
}

// prepareApproxDir makes o.Dir and refuses to replace the named files unless o.Overwrite.
func prepareApproxDir(o ApproxOutput, files ...string) error {
	if o.Dir == "" {
		return nil
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return IOError{err}
	}
	if o.Overwrite {
		return nil
	}
	for _, f := range files {
		p := filepath.Join(o.Dir, f)
		if _, err := os.Stat(p); err == nil {
			return UserError{fmt.Errorf("%s exists from an earlier run; pass --overwrite to replace it, or choose another --output-dir", p)}
		}
	}
	return nil
}

// writeApprox writes o.Dir/file unless o.Dir is empty.
func writeApprox(o ApproxOutput, file string, h cmdstan.ApproxHeader, lead, names []string, leadVals, vals [][]float64) error {
	if o.Dir == "" {
		return nil
	}
	if err := cmdstan.WriteApprox(filepath.Join(o.Dir, file), h, lead, names, leadVals, vals); err != nil {
		return IOError{err}
	}
	return nil
}

// WriteApproxTable prints each quantity's value at the mode (point, when not nil) and, with
// draws, their mean, sd and 5%, 50%, 95% quantiles.
func WriteApproxTable(w io.Writer, names []string, point []float64, draws [][]float64) {
	width := 8
	for _, n := range names {
		width = max(width, len(n))
	}
	fmt.Fprintf(w, "\n%-*s", width, "name")
	if point != nil {
		fmt.Fprintf(w, " %12s", "mode")
	}
	if len(draws) > 0 {
		fmt.Fprintf(w, " %12s %12s %12s %12s %12s", "mean", "sd", "5%", "50%", "95%")
	}
	fmt.Fprintln(w)
	col := make([]float64, len(draws))
	for j, n := range names {
		fmt.Fprintf(w, "%-*s", width, n)
		if point != nil {
			fmt.Fprintf(w, " %12.5g", point[j])
		}
		if len(draws) > 0 {
			mean := 0.0
			for i, r := range draws {
				col[i] = r[j]
				mean += r[j] / float64(len(draws))
			}
			ss := 0.0
			for _, v := range col {
				ss += (v - mean) * (v - mean)
			}
			sd := math.Sqrt(ss / math.Max(1, float64(len(col)-1)))
			q := quantiles(col, 0.05, 0.5, 0.95)
			fmt.Fprintf(w, " %12.5g %12.5g %12.5g %12.5g %12.5g", mean, sd, q[0], q[1], q[2])
		}
		fmt.Fprintln(w)
	}
}

// quantiles returns the sample quantiles of v, linear between order statistics.
func quantiles(v []float64, ps ...float64) []float64 {
	s := append([]float64(nil), v...)
	slices.Sort(s)
	out := make([]float64, len(ps))
	for i, p := range ps {
		h := p * float64(len(s)-1)
		lo := int(math.Floor(h))
		hi := min(lo+1, len(s)-1)
		out[i] = s[lo] + (h-float64(lo))*(s[hi]-s[lo])
	}
	return out
}
