package main

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"

	hmcclib "github.com/hmcc-dev/hmcc"
	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/runtime/optimize"
)

type pathfinderCmd struct {
	Model     string   `arg:"" help:"Model file (.model)."`
	Data      string   `arg:"" help:"Data file (CSV or JSON)."`
	More      []string `arg:"" optional:"" help:"More data files, which data declarations name with from \"name\"."`
	Paths     int      `default:"4" help:"Single-path Pathfinder runs, each from its own uniform(-2, 2) initial point; with more than one, the pooled draws are importance-resampled (PSIS)."`
	Draws     int      `default:"1000" help:"Draws written (and drawn from each path's approximation)."`
	Iter      int      `default:"1000" help:"Most L-BFGS iterations per path."`
	Seed      uint64   `default:"1" help:"Random seed."`
	OutputDir string   `default:"output" help:"Directory for pathfinder.csv."`
	Overwrite bool     `help:"Replace a pathfinder.csv left in --output-dir by an earlier run."`
}

func (c *pathfinderCmd) Run(e *env) error {
	if c.Paths < 1 || c.Draws < 1 {
		return hmcclib.UserError{Err: fmt.Errorf("--paths %d --draws %d: both must be at least 1", c.Paths, c.Draws)}
	}
	m, f, err := modelDensity(e, c.Model, c.Data, c.More, true)
	if err != nil {
		return err
	}
	if err := prepareApproxDir(c.OutputDir, c.Overwrite, "pathfinder.csv"); err != nil {
		return err
	}
	batch, err := batchDensity(m)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(c.Seed, 0x7061_7468_6600))
	res, err := optimize.Pathfinder(f, m.Dim(), c.Draws,
		optimize.PathfinderSettings{Settings: optimize.Settings{MaxIterations: c.Iter}, Draws: c.Draws, Paths: c.Paths, Batch: batch}, rng)
	if err != nil {
		if errors.Is(err, optimize.ErrNoMode) || res == nil {
			return hmcclib.UserError{Err: fmt.Errorf("%s: %w", c.Model, err)}
		}
		return err
	}
	offset, lpNote := stanOffset(m)
	names := compiler.OutputNames(m)
	lead := make([][]float64, len(res.Draws))
	rows := make([][]float64, len(res.Draws))
	for i, th := range res.Draws {
		lead[i] = []float64{res.LogQ[i], res.LogP[i] - offset}
		rows[i] = make([]float64, len(names))
		if err := outputsAt(m, th, rng, rows[i]); err != nil {
			return err
		}
	}
	h := approxHeader{model: c.Model, data: append([]string{c.Data}, c.More...), seed: c.Seed, lpNote: lpNote, method: "pathfinder",
		lines: []string{"    pathfinder", fmt.Sprintf("      num_paths = %d", c.Paths), fmt.Sprintf("      num_draws = %d", c.Draws),
			fmt.Sprintf("      max_lbfgs_iters = %d", c.Iter), "      history_size = 5 (Default)", "      num_elbo_draws = 25 (Default)",
			fmt.Sprintf("      psis_resample = %d", b2i(c.Paths > 1))}}
	path := filepath.Join(c.OutputDir, "pathfinder.csv")
	if err := writeApproxCSV(path, h, []string{"lp_approx__", "lp__"}, names, lead, rows); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Pathfinder: %d of %d paths succeeded", len(res.Paths), c.Paths)
	for _, p := range res.Paths {
		fmt.Fprintf(e.stdout, "; ELBO %.4g at iteration %d of %d", p.ELBO, p.Iteration, p.Iterations)
	}
	fmt.Fprintln(e.stdout)
	for _, err := range res.Failed {
		fmt.Fprintf(e.stdout, "  %v\n", err)
	}
	if c.Paths > 1 {
		fmt.Fprintf(e.stdout, "PSIS Pareto k-hat %.3g", res.ParetoK)
		if !(res.ParetoK <= 0.7) && !math.IsInf(res.ParetoK, -1) {
			fmt.Fprint(e.stdout, " (above 0.7: the approximation is far from the posterior; use these draws as starting points, not as an answer)")
		}
		fmt.Fprintln(e.stdout)
	}
	printApproxTable(e.stdout, names, nil, rows)
	fmt.Fprintf(e.stdout, "\nwrote pathfinder.csv to %s\n", c.OutputDir)
	return nil
}
