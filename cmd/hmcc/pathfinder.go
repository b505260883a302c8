package main

import (
	hmcclib "github.com/hmcc-dev/hmcc"
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
	cfg := hmcclib.PathfinderConfig{Paths: c.Paths, Draws: c.Draws, Iter: c.Iter, Seed: c.Seed, Output: approxOutput(c.Model, c.Data, c.More, c.OutputDir, c.Overwrite)}
	if err := cfg.Check(); err != nil {
		return err
	}
	m, err := load(e, c.Model, c.Data, c.More...)
	if err != nil {
		return err
	}
	a, err := m.Pathfinder(cfg)
	if err != nil {
		return err
	}
	a.Report(e.stdout)
	return nil
}
