package main

import (
	hmcclib "github.com/hmcc-dev/hmcc"
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

func (c *optimizeCmd) Run(e *env) error {
	cfg := hmcclib.OptimizeConfig{Jacobian: c.Jacobian, Laplace: c.Laplace, Iter: c.Iter, Seed: c.Seed, Output: approxOutput(c.Model, c.Data, c.More, c.OutputDir, c.Overwrite)}
	if err := cfg.Check(); err != nil {
		return err
	}
	m, err := load(e, c.Model, c.Data, c.More...)
	if err != nil {
		return err
	}
	mode, err := m.Optimize(cfg)
	if mode != nil {
		mode.Report(e.stdout)
	}
	return err
}

func approxOutput(model, data string, more []string, dir string, overwrite bool) hmcclib.ApproxOutput {
	return hmcclib.ApproxOutput{Model: model, Data: append([]string{data}, more...), Dir: dir, Overwrite: overwrite, Version: version}
}
