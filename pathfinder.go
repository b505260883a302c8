package hmcc

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/ir"
	"github.com/hmcc-dev/hmcc/runtime/cmdstan"
	"github.com/hmcc-dev/hmcc/runtime/optimize"
)

// PathfinderConfig is what Pathfinder does (hmcc pathfinder's defaults: 4 paths, 1000 draws,
// 1000 iterations).
type PathfinderConfig struct {
	Paths  int // single-path runs, each from its own uniform(-2, 2) point (at least 1)
	Draws  int // draws returned and drawn from each path's approximation (at least 1)
	Iter   int // most L-BFGS iterations per path (0: runtime/optimize's default)
	Seed   uint64
	Output ApproxOutput
}

// Approximation is what Pathfinder drew.
type Approximation struct {
	Names   []string
	Draws   [][]float64 // the reported quantities of each draw
	LogP    []float64   // each draw's lp__ in Stan's convention
	LogQ    []float64   // each draw's log density under the approximation
	Paths   []*optimize.Path
	Failed  []error // the paths that failed, and why
	ParetoK float64 // PSIS k-hat of the pooled draws (with more than one path)
	paths   int
	dir     string
}

// Check refuses fewer than one path or draw (a UserError).
func (cfg PathfinderConfig) Check() error {
	if cfg.Paths < 1 || cfg.Draws < 1 {
		return UserError{fmt.Errorf("--paths %d --draws %d: both must be at least 1", cfg.Paths, cfg.Draws)}
	}
	return nil
}

// Pathfinder approximates the posterior by multi-path Pathfinder (hmcc pathfinder) and writes
// pathfinder.csv to cfg.Output.Dir.
func (m *Model) Pathfinder(cfg PathfinderConfig) (*Approximation, error) {
	o := cfg.Output
	o.Model = cmp.Or(o.Model, "the model")
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	f, err := m.density(o.Model, true)
	if err != nil {
		return nil, err
	}
	if err := prepareApproxDir(o, "pathfinder.csv"); err != nil {
		return nil, err
	}
	batch, err := batchDensity(m.ir)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x7061_7468_6600))
	res, err := optimize.Pathfinder(f, m.Dim(), cfg.Draws,
		optimize.PathfinderSettings{Settings: optimize.Settings{MaxIterations: cfg.Iter}, Draws: cfg.Draws, Paths: cfg.Paths, Batch: batch}, rng)
	if err != nil {
		if errors.Is(err, optimize.ErrNoMode) || res == nil {
			return nil, UserError{fmt.Errorf("%s: %w", o.Model, err)}
		}
		return nil, err
	}
	offset, lpNote := stanOffset(m.ir)
	names := compiler.OutputNames(m.ir)
	a := &Approximation{Names: names, Draws: make([][]float64, len(res.Draws)), LogQ: res.LogQ, LogP: make([]float64, len(res.Draws)),
		Paths: res.Paths, Failed: res.Failed, ParetoK: res.ParetoK, paths: cfg.Paths, dir: o.Dir}
	lead := make([][]float64, len(res.Draws))
	for i, th := range res.Draws {
		a.LogP[i] = res.LogP[i] - offset
		lead[i] = []float64{res.LogQ[i], a.LogP[i]}
		a.Draws[i] = make([]float64, len(names))
		if err := outputsAt(m.ir, th, rng, a.Draws[i]); err != nil {
			return nil, err
		}
	}
	h := cmdstan.ApproxHeader{Model: o.Model, Data: o.Data, Version: o.Version, Seed: cfg.Seed, LPNote: lpNote, Method: "pathfinder",
		Lines: []string{"    pathfinder", fmt.Sprintf("      num_paths = %d", cfg.Paths), fmt.Sprintf("      num_draws = %d", cfg.Draws),
			fmt.Sprintf("      max_lbfgs_iters = %d", cfg.Iter), "      history_size = 5 (Default)", "      num_elbo_draws = 25 (Default)",
			fmt.Sprintf("      psis_resample = %d", b2i(cfg.Paths > 1))}}
	if err := writeApprox(o, "pathfinder.csv", h, []string{"lp_approx__", "lp__"}, names, lead, a.Draws); err != nil {
		return nil, err
	}
	return a, nil
}

// Report prints what hmcc pathfinder prints: the paths' outcomes, the Pareto k-hat, the table
// and the file written.
func (a *Approximation) Report(w io.Writer) {
	fmt.Fprintf(w, "Pathfinder: %d of %d paths succeeded", len(a.Paths), a.paths)
	for _, p := range a.Paths {
		fmt.Fprintf(w, "; ELBO %.4g at iteration %d of %d", p.ELBO, p.Iteration, p.Iterations)
	}
	fmt.Fprintln(w)
	for _, err := range a.Failed {
		fmt.Fprintf(w, "  %v\n", err)
	}
	if a.paths > 1 {
		fmt.Fprintf(w, "PSIS Pareto k-hat %.3g", a.ParetoK)
		if !(a.ParetoK <= 0.7) && !math.IsInf(a.ParetoK, -1) {
			fmt.Fprint(w, " (above 0.7: the approximation is far from the posterior; use these draws as starting points, not as an answer)")
		}
		fmt.Fprintln(w)
	}
	WriteApproxTable(w, a.Names, nil, a.Draws)
	if a.dir != "" {
		fmt.Fprintf(w, "\nwrote pathfinder.csv to %s\n", a.dir)
	}
}

// runPathfinder is optimize.Pathfinder; tests replace it to make Pathfinder fail.
var runPathfinder = optimize.Pathfinder

// pathfinderStarts returns chains×dim starting points drawn by multi-path Pathfinder (4 paths,
// PSIS-resampled without replacement, one different draw per chain, or per superchain so that a
// superchain's chains start together as nested R-hat needs).
func pathfinderStarts(m *ir.Model, chains, superchains int, seed uint64) ([]float64, string, error) {
	dim := m.Dim()
	if dim == 0 {
		return nil, "", nil
	}
	prog, err := compiler.Lower(m, 1)
	if err != nil {
		return nil, "", err
	}
	lp := make([]float64, 1)
	f := func(theta, grad []float64) (float64, error) {
		err := prog.LogDensityGrad(theta, lp, grad)
		return lp[0], err
	}
	starts := chains
	if superchains > 0 {
		starts = superchains
	}
	batch, err := batchDensity(m)
	if err != nil {
		return nil, "", err
	}
	// 100 draws a path is enough for PSIS to fit its tail (20 of 400 pooled draws) and keeps the
	// cost of starting small next to warmup.
	rng := rand.New(rand.NewPCG(seed, 0x7061_7468_1417))
	res, err := runPathfinder(f, dim, starts, optimize.PathfinderSettings{Draws: max(100, starts), Batch: batch, Distinct: true}, rng)
	if err != nil {
		return nil, "", err
	}
	out := make([]float64, chains*dim)
	ids := make([]int, chains)
	if superchains > 0 {
		ids = SuperchainIDs(chains, superchains)
	} else {
		for c := range ids {
			ids[c] = c
		}
	}
	for c, s := range ids {
		copy(out[c*dim:(c+1)*dim], res.Draws[s])
	}
	evals := 0
	for _, p := range res.Paths {
		evals += p.Evals
	}
	note := fmt.Sprintf("%d of 4 paths, %d log density evaluations", len(res.Paths), evals)
	if !math.IsNaN(res.ParetoK) {
		note += fmt.Sprintf(", PSIS k-hat %.2f", res.ParetoK)
	}
	return out, note, nil
}

// batchSize is how many points one batched evaluation of the model takes: the 25 ELBO draws of
// one Pathfinder iterate at once.
const batchSize = 25

// batchDensity returns a function that evaluates the log density (with the Jacobian) of many
// points through a program lowered for batchSize chains, padding the last block.
func batchDensity(m *ir.Model) (func(points [][]float64, lps []float64) error, error) {
	prog, err := compiler.Lower(m, batchSize)
	if err != nil {
		return nil, err
	}
	d := m.Dim()
	theta := make([]float64, batchSize*d)
	grad := make([]float64, batchSize*d)
	lp := make([]float64, batchSize)
	return func(points [][]float64, lps []float64) error {
		for start := 0; start < len(points); start += batchSize {
			n := min(batchSize, len(points)-start)
			for c := 0; c < batchSize; c++ {
				copy(theta[c*d:(c+1)*d], points[start+min(c, n-1)])
			}
			if err := prog.LogDensityGrad(theta, lp, grad); err != nil {
				return err
			}
			copy(lps[start:start+n], lp[:n])
		}
		return nil
	}, nil
}
