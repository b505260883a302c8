package main

import (
	"fmt"
	"path/filepath"
	"strings"

	hmcclib "github.com/hmcc-dev/hmcc"
	"github.com/hmcc-dev/hmcc/runtime/cmdstan"
)

// generateCmd is CmdStan's standalone generated quantities (hmcclib.Model.Generate): it reads the
// parameter draws of a finished fit and computes, for every draw, the model's reported lets and
// generate statements on the data given now, which may include new data (predictions). MODEL
// may be the fitted model itself or the same parameters with more data and generate statements.
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
	paths, err := cmdstan.ChainFiles(g.Draws)
	if err != nil {
		return userError{err}
	}
	if abs1, _ := filepath.Abs(g.OutputDir); abs1 != "" {
		if abs2, _ := filepath.Abs(g.Draws); abs1 == abs2 {
			return userError{fmt.Errorf("--output-dir is the directory of the draws (%s); write the generated quantities elsewhere", g.Draws)}
		}
	}
	// The directory is hmcc run's: locked, an earlier run's files refused unless --overwrite,
	// and then all of them replaced, so no chain of that run stays among the new ones.
	out, err := hmcclib.OpenOutputDir(g.OutputDir, g.Overwrite)
	if err != nil {
		return err
	}
	defer out.Close()
	header := cmdstan.Config{Model: filepath.Base(g.Model), DataFile: strings.Join(append([]string{g.Data}, g.More...), ","), Version: version}
	columns, total, err := m.Generate(paths, out, header, g.Seed, g.LogLik)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "computed %d quantities for %d draws of %d chains; wrote %d chain CSVs to %s (hmcc summary %s summarises them)\n",
		columns, total, len(paths), len(paths), g.OutputDir, g.OutputDir)
	return nil
}
