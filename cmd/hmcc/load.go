package main

import (
	"fmt"
	"os"

	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/dataset"
	"github.com/hmcc-dev/hmcc/ir"
	"github.com/hmcc-dev/hmcc/lang"
)

// load runs the front half of the pipeline: parse, check, and (when dataPath is set) bind data.
func load(e *env, modelPath, dataPath string) (*ir.Model, error) {
	src, err := os.ReadFile(modelPath)
	if err != nil {
		return nil, userError{fmt.Errorf("cannot read the model: %w", err)}
	}
	e.src = string(src)
	ast, err := lang.Parse(modelPath, e.src)
	if err != nil {
		return nil, err
	}
	m, err := compiler.Check(ast)
	if err != nil {
		return nil, err
	}
	if dataPath == "" {
		return m, nil
	}
	table, err := dataset.Read(dataPath)
	if err != nil {
		return nil, err
	}
	if err := compiler.Bind(m, table); err != nil {
		return nil, err
	}
	return m, nil
}

type checkCmd struct {
	Model string `arg:"" help:"Model file (.model)." type:"existingfile"`
	Data  string `arg:"" optional:"" help:"Data file (CSV)."`
}

func (c *checkCmd) Run(e *env) error {
	m, err := load(e, c.Model, c.Data)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: ok\n", c.Model)
	for _, p := range m.Params {
		size := p.Shape.String()
		if m.Sizes != nil && len(p.Shape) > 0 {
			size = fmt.Sprintf("%s = %v", size, m.Sizes.Resolve(p.Shape))
		}
		fmt.Fprintf(e.stdout, "  param %-10s %-14s %-9s ~ %s\n", p.Name, size, p.Constraint, p.Prior.Dist.Name)
	}
	for _, d := range m.Data {
		fmt.Fprintf(e.stdout, "  data  %-10s %s\n", d.Name, d.Shape)
	}
	return nil
}
