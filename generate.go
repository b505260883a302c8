package hmcc

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"

	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/ir"
	"github.com/hmcc-dev/hmcc/runtime/cmdstan"
	"github.com/hmcc-dev/hmcc/runtime/rng"
)

// Generate is CmdStan's standalone generated quantities: it reads the parameter draws of a
// finished fit's chain files (paths, in chain order; cmdstan.ChainFiles lists them) and writes, for every
// draw, the model's parameters, reported lets and generated quantities (and with logLik the
// pointwise log-likelihood) into out's output_<chain>.csv. The model may be the fitted one or the
// same parameters with more data and generate statements. header holds what the files' headers
// say about the caller's inputs (Model, DataFile, Version). It returns the number of columns
// written after the sampler's and the number of draws.
func (m *Model) Generate(paths []string, out *OutputDir, header cmdstan.Config, seed uint64, logLik bool) (columns, draws int, err error) {
	if err := m.ready(); err != nil {
		return 0, 0, err
	}
	prog, err := m.outputs()
	if err != nil {
		return 0, 0, err
	}
	names := m.Names()
	nOut := len(names)
	if logLik {
		if err := compiler.CheckLogLikName(m.ir); err != nil {
			return 0, 0, UserError{err}
		}
		names = append(names, compiler.LogLikNames(m.ir)...)
	}
	values := make([]float64, len(names))
	theta := make([]float64, m.Dim())
	total := 0
	key := rng.KeyOf(seed)
	for c, path := range paths {
		f, err := cmdstan.ReadFile(path)
		if err != nil {
			var ce *cmdstan.Error
			if errors.As(err, &ce) {
				return 0, 0, UserError{err}
			}
			return 0, 0, err
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
		for _, p := range m.ir.Params {
			s := slot{p: p}
			for _, n := range ir.ElementNames(p.Name, m.ir.Sizes.Resolve(p.Shape)) {
				i, ok := col[n]
				if !ok {
					return 0, 0, UserError{fmt.Errorf("%s has no column %s, which parameter %s needs; were the draws made with this model's parameters and data sizes?", path, n, p.Name)}
				}
				s.cols = append(s.cols, i)
			}
			slots = append(slots, s)
		}
		sampler := make([]int, 7) // lp__ … energy__, copied through; -1 when the file has none
		for i, n := range cmdstan.SamplerColumns {
			if k, ok := col[n]; ok {
				sampler[i] = k
			} else {
				sampler[i] = -1
			}
		}
		if c == 0 { // the first chain's draws fit the model: replace the earlier run now
			if err := out.Commit(); err != nil {
				return 0, 0, IOError{err}
			}
		}
		h := header
		h.Chain, h.Seed, h.Draws, h.Engine, h.RunID = c+1, seed, len(f.Draws), f.Config["engine"], out.runID
		w, err := cmdstan.Create(filepath.Join(out.path, fmt.Sprintf("output_%d.csv", c+1)), h, names)
		if err != nil {
			return 0, 0, UserError{fmt.Errorf("cannot write output: %w", err)}
		}
		// Draw d of chain file c generates from stream (c, d, Generate) (package rng).
		var stream rng.Stream
		gen := rand.New(&stream)
		for d, row := range f.Draws {
			vals := map[string][]float64{}
			for _, s := range slots {
				v := make([]float64, len(s.cols))
				for k, i := range s.cols {
					v[k] = row[i]
				}
				vals[s.p.Name] = v
			}
			if err := compiler.Unconstrain(m.ir, vals, theta); err != nil {
				w.Close(0, 0)
				return 0, 0, UserError{fmt.Errorf("%s, draw %d: %w", path, d+1, err)}
			}
			stream.Reset(key, uint32(c), uint32(d), rng.Generate)
			if err := prog.Quantities(theta, gen, values[:nOut]); err != nil {
				w.Close(0, 0)
				return 0, 0, err
			}
			if logLik {
				if err := prog.LogLik(theta, values[nOut:]); err != nil {
					w.Close(0, 0)
					return 0, 0, err
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
				return 0, 0, fmt.Errorf("writing output: %w", err)
			}
		}
		if err := w.Close(0, 0); err != nil {
			return 0, 0, fmt.Errorf("writing output: %w", err)
		}
		total += len(f.Draws)
	}
	return len(names), total, nil
}
