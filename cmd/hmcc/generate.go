package main

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/ir"
	"github.com/hmcc-dev/hmcc/runtime/cmdstan"
)

// generateCmd is CmdStan's standalone generated quantities: it reads the parameter draws of a
// finished fit and computes, for every draw, the model's reported lets and generate statements
// on the data given now, which may include new data (predictions). MODEL may be the fitted model
// itself or the same parameters with more data and generate statements.
type generateCmd struct {
	Model     string   `arg:"" help:"Model file (.model): the fitted model, or one with the same parameters and more data and generate statements." type:"existingfile"`
	Data      string   `arg:"" help:"Data file (CSV or JSON), as for run." type:"existingfile"`
	More      []string `arg:"" optional:"" help:"More data files, e.g. new data for predictions, named by from \"name\" in the model."`
	Draws     string   `required:"" help:"Directory of the fit's chain CSVs (output_*.csv of hmcc run, or CmdStan's)." type:"existingdir"`
	OutputDir string   `default:"generated" help:"Directory for the output_<chain>.csv files: the parameters, reported lets and generated quantities of every draw."`
	Seed      uint64   `default:"1" help:"Random seed of the generate NAME ~ Dist draws (one stream per chain)."`
	Overwrite bool     `help:"Replace the files of an earlier run in --output-dir (every output_N.csv, summary.csv, plots/), as hmcc run --overwrite does."`
	LogLik    bool     `name:"log-lik" help:"Also write log_lik.1 … log_lik.M, the log density of every observed element of MODEL's data at each draw (for the log predictive density of new data)."`
}

func (g *generateCmd) Run(e *env) error {
	m, err := load(e, g.Model, g.Data, g.More...)
	if err != nil {
		return err
	}
	paths, err := chainFiles(g.Draws)
	if err != nil {
		return err
	}
	names := compiler.OutputNames(m)
	nOut := len(names)
	if g.LogLik {
		if err := compiler.CheckLogLikName(m); err != nil {
			return userError{err}
		}
		names = append(names, compiler.LogLikNames(m)...)
	}
	if abs1, _ := filepath.Abs(g.OutputDir); abs1 != "" {
		if abs2, _ := filepath.Abs(g.Draws); abs1 == abs2 {
			return userError{fmt.Errorf("--output-dir is the directory of the draws (%s); write the generated quantities elsewhere", g.Draws)}
		}
	}
	// The directory is hmcc run's: locked, an earlier run's files refused unless --overwrite,
	// and then all of them replaced, so no chain of that run stays among the new ones.
	out, err := openOutputDir(g.OutputDir, g.Overwrite)
	if err != nil {
		return err
	}
	defer out.close()
	values := make([]float64, len(names))
	theta := make([]float64, m.Dim())
	total := 0
	for c, path := range paths {
		f, err := cmdstan.ReadFile(path)
		if err != nil {
			var ce *cmdstan.Error
			if errors.As(err, &ce) {
				return userError{err}
			}
			return err
		}
		col := map[string]int{}
		for i, n := range f.Columns {
			col[n] = i
		}
		type slot struct {
			p    *ir.ParamVar
			cols []int
		}
		var slots []slot
		for _, p := range m.Params {
			s := slot{p: p}
			for _, n := range ir.ElementNames(p.Name, m.Sizes.Resolve(p.Shape)) {
				i, ok := col[n]
				if !ok {
					return userError{fmt.Errorf("%s has no column %s, which parameter %s needs; were the draws made with this model's parameters and data sizes?", path, n, p.Name)}
				}
				s.cols = append(s.cols, i)
			}
			slots = append(slots, s)
		}
		sampler := make([]int, 7) // lp__ … energy__, copied through; -1 when the file has none
		for i, n := range []string{"lp__", "accept_stat__", "stepsize__", "treedepth__", "n_leapfrog__", "divergent__", "energy__"} {
			if k, ok := col[n]; ok {
				sampler[i] = k
			} else {
				sampler[i] = -1
			}
		}
		if c == 0 { // the first chain's draws fit the model: replace the earlier run now
			if err := out.commit(); err != nil {
				return ioError{err}
			}
		}
		w, err := cmdstan.Create(filepath.Join(g.OutputDir, fmt.Sprintf("output_%d.csv", c+1)), cmdstan.Config{
			Model: filepath.Base(g.Model), DataFile: strings.Join(append([]string{g.Data}, g.More...), ","), Chain: c + 1,
			Seed: g.Seed, Draws: len(f.Draws), Version: version, Engine: f.Config["engine"], RunID: out.runID}, names)
		if err != nil {
			return userError{fmt.Errorf("cannot write output: %w", err)}
		}
		rng := rand.New(rand.NewPCG(g.Seed, 0x6e7e_0000_0000+uint64(c)))
		for d, row := range f.Draws {
			vals := map[string][]float64{}
			for _, s := range slots {
				v := make([]float64, len(s.cols))
				for k, i := range s.cols {
					v[k] = row[i]
				}
				vals[s.p.Name] = v
			}
			if err := compiler.Unconstrain(m, vals, theta); err != nil {
				w.Close(0, 0)
				return userError{fmt.Errorf("%s, draw %d: %w", path, d+1, err)}
			}
			if err := compiler.OutputsRand(m, theta, rng, values[:nOut]); err != nil {
				w.Close(0, 0)
				return err
			}
			if g.LogLik {
				if err := compiler.LogLik(m, theta, values[nOut:]); err != nil {
					w.Close(0, 0)
					return err
				}
			}
			get := func(k int) float64 {
				if sampler[k] < 0 {
					return 0
				}
				return row[sampler[k]]
			}
			if err := w.Row(get(0), get(1), get(2), int(get(3)), int(get(4)), get(5) != 0, get(6), values); err != nil {
				w.Close(0, 0)
				return fmt.Errorf("writing output: %w", err)
			}
		}
		if err := w.Close(0, 0); err != nil {
			return fmt.Errorf("writing output: %w", err)
		}
		total += len(f.Draws)
	}
	fmt.Fprintf(e.stdout, "computed %d quantities for %d draws of %d chains; wrote %d chain CSVs to %s (hmcc summary %s summarises them)\n",
		len(names), total, len(paths), len(paths), g.OutputDir, g.OutputDir)
	return nil
}

// chainFiles lists a fit's chain CSVs: output_*.csv in chain order, or else every CSV but
// summary.csv.
func chainFiles(dir string) ([]string, error) {
	paths, _ := filepath.Glob(filepath.Join(dir, "output_*.csv"))
	if len(paths) == 0 {
		all, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
		for _, p := range all {
			if filepath.Base(p) != "summary.csv" {
				paths = append(paths, p)
			}
		}
	}
	if len(paths) == 0 {
		return nil, userError{fmt.Errorf("%s has no chain CSVs (output_*.csv); give the --output-dir of a finished hmcc run", dir)}
	}
	sort.Slice(paths, func(i, j int) bool { // output_2 before output_10
		if len(paths[i]) != len(paths[j]) {
			return len(paths[i]) < len(paths[j])
		}
		return paths[i] < paths[j]
	})
	return paths, nil
}
