package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	hmcclib "github.com/hmcc-dev/hmcc"
	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/ir"
	"github.com/hmcc-dev/hmcc/runtime/optimize"
)

type optimizeCmd struct {
	Model     string   `arg:"" help:"Model file (.model)."`
	Data      string   `arg:"" help:"Data file (CSV or JSON)."`
	More      []string `arg:"" optional:"" help:"More data files, which data declarations name with from \"name\"."`
	Jacobian  bool     `help:"Include the log-Jacobian of the constraining transforms: the mode of the density of the unconstrained parameters (the MAP there, what a Laplace approximation of the posterior needs). Without it (the default, as in Stan) the mode is that of the model as written on the parameters' own scale: a penalised maximum likelihood estimate."`
	Laplace   int      `help:"Also draw N points from the Laplace approximation at the mode (a normal with the inverse of the negative Hessian as covariance, on the unconstrained scale) into laplace.csv." placeholder:"N"`
	Iter      int      `default:"2000" help:"Most L-BFGS iterations."`
	Seed      uint64   `default:"1" help:"Random seed for the initial point (uniform(-2, 2) on the unconstrained scale) and the Laplace draws."`
	OutputDir string   `default:"output" help:"Directory for optimize.csv (and laplace.csv)."`
	Overwrite bool     `help:"Replace optimize.csv / laplace.csv left in --output-dir by an earlier run."`
}

// modelDensity loads and lowers a model for one chain and returns its log density of θ: with the
// log-Jacobian of the constraining transforms (what the samplers use), or without it (the density
// of the parameters on their own scale, as a function of θ).
func modelDensity(e *env, model, data string, more []string, jacobian bool) (*ir.Model, optimize.LogDensity, error) {
	lib, err := load(e, model, data, more...)
	if err != nil {
		return nil, nil, err
	}
	m := lib.IR()
	if m.Dim() == 0 {
		return nil, nil, hmcclib.UserError{Err: fmt.Errorf("%s has no parameters: there is nothing to optimize or approximate", model)}
	}
	prog, err := compiler.Lower(m, 1)
	if err != nil {
		return nil, nil, err
	}
	lp := make([]float64, 1)
	jac := make([]float64, m.Dim())
	f := func(theta, grad []float64) (float64, error) {
		if err := prog.LogDensityGrad(theta, lp, grad); err != nil {
			return 0, err
		}
		if jacobian {
			return lp[0], nil
		}
		clear(jac)
		lj := m.LogJacobian(theta, jac)
		for i := range grad {
			grad[i] -= jac[i]
		}
		return lp[0] - lj, nil
	}
	return m, f, nil
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
	return nil, hmcclib.UserError{Err: errors.New("no initial point uniform(-2, 2) on the unconstrained scale has a finite log density and gradient after 100 tries; check the data and the priors' supports")}
}

// modeKind says in words which objective was maximised.
func modeKind(jacobian bool) string {
	if jacobian {
		return "with the Jacobian (jacobian=1): the mode of the unconstrained parameters' density, the MAP on the unconstrained scale"
	}
	return "without the Jacobian (jacobian=0, Stan's default): the mode of the model as written, a penalised maximum likelihood estimate on the parameters' own scale"
}

func (c *optimizeCmd) Run(e *env) error {
	if c.Laplace < 0 {
		return hmcclib.UserError{Err: fmt.Errorf("--laplace %d: the number of draws cannot be negative", c.Laplace)}
	}
	m, f, err := modelDensity(e, c.Model, c.Data, c.More, c.Jacobian)
	if err != nil {
		return err
	}
	files := []string{"optimize.csv"}
	if c.Laplace > 0 {
		files = append(files, "laplace.csv")
	}
	if err := prepareApproxDir(c.OutputDir, c.Overwrite, files...); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(c.Seed, 0x6f70_7469_6d00))
	init, err := randomInit(f, m.Dim(), rng)
	if err != nil {
		return err
	}
	mode, err := optimize.FindMode(f, init, optimize.Settings{MaxIterations: c.Iter})
	if err != nil {
		if errors.Is(err, optimize.ErrNoMode) {
			return hmcclib.UserError{Err: fmt.Errorf("%s: %w", c.Model, err)}
		}
		return err
	}
	if edge, grows := boundaryCoordinate(m, mode); edge != "" && grows && !mode.Converged {
		return hmcclib.UserError{Err: fmt.Errorf("%s: %w: the log density still increases as %s approaches the edge of its support (it is %.3g there), so the density has no maximum inside the support; %s", c.Model, optimize.ErrNoMode, edge, paramValue(m, mode.Theta, edge), modeKindShort(c.Jacobian))}
	}
	offset, lpNote := stanOffset(m)
	names := compiler.OutputNames(m)
	header := approxHeader{model: c.Model, data: append([]string{c.Data}, c.More...), seed: c.Seed, lpNote: lpNote,
		method: "optimize", lines: []string{"    optimize", fmt.Sprintf("      algorithm = lbfgs (Default)"),
			fmt.Sprintf("      jacobian = %d", b2i(c.Jacobian)), fmt.Sprintf("      iter = %d", c.Iter), "      save_iterations = 0 (Default)"}}
	out := make([]float64, len(names))
	if err := outputsAt(m, mode.Theta, rng, out); err != nil {
		return err
	}
	if err := writeApproxCSV(filepath.Join(c.OutputDir, "optimize.csv"), header, []string{"lp__"}, names,
		[][]float64{{mode.LogDensity - offset}}, [][]float64{out}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "mode %s\n", modeKind(c.Jacobian))
	status := "converged"
	if !mode.Converged {
		status = "NOT converged (" + mode.Status + "); raise --iter or check the model"
	}
	fmt.Fprintf(e.stdout, "L-BFGS: %d iterations, %d log density evaluations, %s\n", mode.Iterations, mode.Evals, status)
	fmt.Fprintf(e.stdout, "lp__ = %.6g\n", mode.LogDensity-offset)
	if edge, _ := boundaryCoordinate(m, mode); edge != "" {
		fmt.Fprintf(e.stdout, "note: %s is at the edge of its support; the mode is on the boundary of the support (for a scale, often a sign that the data cannot estimate it, or that the Jacobian is needed)\n", edge)
	}
	var lap [][]float64
	if c.Laplace > 0 {
		l, err := optimize.NewLaplace(f, mode.Theta)
		if err != nil {
			return hmcclib.UserError{Err: fmt.Errorf("%s: %w", c.Model, err)}
		}
		var lps [][]float64
		theta := make([]float64, m.Dim())
		grad := make([]float64, m.Dim())
		for k := 0; k < c.Laplace; k++ {
			lq := l.Draw(rng, theta)
			lp, err := f(theta, grad)
			if err != nil {
				return err
			}
			row := make([]float64, len(names))
			if err := outputsAt(m, theta, rng, row); err != nil {
				return err
			}
			lap = append(lap, row)
			lps = append(lps, []float64{lp - offset, lq})
		}
		lh := header
		lh.method = "laplace"
		lh.lines = []string{"    laplace", fmt.Sprintf("      mode = %s", filepath.Join(c.OutputDir, "optimize.csv")),
			fmt.Sprintf("      jacobian = %d", b2i(c.Jacobian)), fmt.Sprintf("      draws = %d", c.Laplace)}
		if err := writeApproxCSV(filepath.Join(c.OutputDir, "laplace.csv"), lh, []string{"log_p__", "log_g__"}, names, lps, lap); err != nil {
			return err
		}
	}
	printApproxTable(e.stdout, names, out, lap)
	fmt.Fprintf(e.stdout, "\nwrote %s to %s\n", strings.Join(files, " and "), c.OutputDir)
	return nil
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

// prepareApproxDir makes dir and refuses to replace the named files unless overwrite.
func prepareApproxDir(dir string, overwrite bool, files ...string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return hmcclib.IOError{Err: err}
	}
	if overwrite {
		return nil
	}
	for _, f := range files {
		p := filepath.Join(dir, f)
		if _, err := os.Stat(p); err == nil {
			return hmcclib.UserError{Err: fmt.Errorf("%s exists from an earlier run; pass --overwrite to replace it, or choose another --output-dir", p)}
		}
	}
	return nil
}

// approxHeader is the comment block of an optimize, laplace or pathfinder CSV, CmdStan's layout.
type approxHeader struct {
	model  string
	data   []string
	seed   uint64
	lpNote string
	method string
	lines  []string // the method's own section
}

func writeApproxCSV(path string, h approxHeader, lead, names []string, leadVals, vals [][]float64) error {
	f, err := os.Create(path)
	if err != nil {
		return hmcclib.IOError{Err: err}
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "# stan_version_major = 2")
	fmt.Fprintln(w, "# stan_version_minor = 33")
	fmt.Fprintln(w, "# stan_version_patch = 0")
	fmt.Fprintf(w, "# hmcc_version = %s\n", version)
	fmt.Fprintf(w, "# model = %s\n", filepath.Base(h.model))
	fmt.Fprintf(w, "# method = %s\n", h.method)
	for _, l := range h.lines {
		fmt.Fprintf(w, "#%s\n", l)
	}
	fmt.Fprintln(w, "# id = 1 (Default)")
	fmt.Fprintln(w, "# data")
	fmt.Fprintf(w, "#   file = %s\n", strings.Join(h.data, ","))
	fmt.Fprintln(w, "# init = 2 (Default)")
	fmt.Fprintln(w, "# random")
	fmt.Fprintf(w, "#   seed = %d\n", h.seed)
	fmt.Fprintln(w, "# output")
	fmt.Fprintf(w, "#   file = %s\n", path)
	fmt.Fprintf(w, "# hmcc_lp = %s\n", h.lpNote)
	fmt.Fprintln(w, strings.Join(append(append([]string(nil), lead...), names...), ","))
	for i, row := range vals {
		cells := make([]string, 0, len(lead)+len(row))
		for _, v := range leadVals[i] {
			cells = append(cells, formatCell(v))
		}
		for _, v := range row {
			cells = append(cells, formatCell(v))
		}
		fmt.Fprintln(w, strings.Join(cells, ","))
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return hmcclib.IOError{Err: err}
	}
	if err := f.Close(); err != nil {
		return hmcclib.IOError{Err: err}
	}
	return nil
}

func formatCell(v float64) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	return strconv.FormatFloat(v, 'g', 9, 64)
}

// printApproxTable prints each quantity's value at the mode (point, when not nil) and, with
// draws, their mean, sd and 5%, 50%, 95% quantiles.
func printApproxTable(w io.Writer, names []string, point []float64, draws [][]float64) {
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

// quantiles returns the sample quantiles of v (sorted in place), linear between order statistics.
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
