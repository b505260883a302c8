package main

import (
	"fmt"

	hmcclib "github.com/hmcc-dev/hmcc"
	"github.com/hmcc-dev/hmcc/runtime/cmdstan"
	"github.com/hmcc-dev/hmcc/runtime/plots"
)

type plotCmd struct {
	Dir    string   `arg:"" help:"Directory with one CmdStan CSV per chain (hmcc's output_N.csv, or CmdStan's own)." type:"existingdir"`
	Vars   []string `help:"Quantities to plot, comma-separated; a name such as theta picks theta.1, theta.2, … (default: the first 12 model quantities)." placeholder:"NAME,..."`
	Out    string   `help:"A directory for one image per quantity (default DIR/plots), or a .png or .svg file for one grid of them all." placeholder:"FILE_OR_DIR"`
	Format string   `help:"png or svg (default: the extension of --out, else png)."`
	PPC    string   `name:"ppc" help:"Posterior predictive check: NAME=COLUMN overlays the density of COLUMN of --data (the observed data) on those of 50 draws of the generated vector NAME (e.g. y_rep=log_radon); written as ppc.png." placeholder:"NAME=COLUMN"`
	Data   string   `help:"The data file the run used, for --ppc." type:"existingfile"`
	Kind   []string `help:"Panels to draw, comma-separated: per quantity trace, rank, density (inside the parameter's support) and autocorr (each chain's autocorrelation), each a row of the image; and figures of the whole run: forest (medians with 50% and 90% intervals), pairs (scatter plots of the quantities, divergent transitions in red) and energy (E-BFMI: the energy's and its changes' distributions)." enum:"trace,rank,density,autocorr,forest,pairs,energy" default:"trace,rank,density"`
}

// Run draws the figures plotCmd asks for (package plots) and prints the files it wrote.
func (c *plotCmd) Run(e *env) error {
	format, single, err := plots.Target(c.Out, c.Format)
	if err != nil {
		return hmcclib.UserError{Err: err}
	}
	set, err := cmdstan.ReadChainDir(c.Dir)
	if err != nil {
		return hmcclib.UserError{Err: err}
	}
	if set.Draws == 0 {
		return hmcclib.UserError{Err: fmt.Errorf("%s: the chains hold no draws to plot", c.Dir)}
	}
	req := plots.Request{Dir: c.Dir, Vars: c.Vars, Out: c.Out, Kinds: c.Kind, PPC: c.PPC, Data: c.Data}
	written, note, err := plots.Draw(req, format, single, set.Paths, set.Files)
	if plots.IsInputError(err) {
		return hmcclib.UserError{Err: err}
	} else if err != nil {
		return err
	}
	for _, p := range written {
		fmt.Fprintln(e.stdout, "wrote", p)
	}
	if note != "" {
		fmt.Fprintln(e.stdout, note)
	}
	return nil
}
