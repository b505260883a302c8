package main

import (
	"fmt"
	"io"
	"math/rand/v2"

	hmcclib "github.com/hmcc-dev/hmcc"
	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/ir"
	"github.com/hmcc-dev/hmcc/runtime/optimize"
)

// runPathfinder is optimize.Pathfinder; tests replace it to make Pathfinder fail.
var runPathfinder = optimize.Pathfinder

// initPathfinder is --init's value that starts chains from Pathfinder draws.
const initPathfinder = "pathfinder"

// pathfinderStart returns chains×dim starting points drawn by multi-path Pathfinder (4 paths,
// PSIS-resampled, one draw per chain, or per superchain so that a superchain's chains start
// together as nested R-hat needs). When Pathfinder fails it says why on w and returns nil: the
// sampler's own uniform(−2, 2) starts.
func pathfinderStart(w io.Writer, m *ir.Model, chains, superchains int, seed uint64) []float64 {
	points, err := pathfinderPoints(m, chains, superchains, seed)
	if err != nil {
		fmt.Fprintf(w, "--init pathfinder: %v; the chains start uniform(-2, 2) on the unconstrained scale instead\n", err)
		return nil
	}
	return points
}

func pathfinderPoints(m *ir.Model, chains, superchains int, seed uint64) ([]float64, error) {
	dim := m.Dim()
	if dim == 0 {
		return nil, nil
	}
	prog, err := compiler.Lower(m, 1)
	if err != nil {
		return nil, err
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
	// 100 draws a path is enough for PSIS to fit its tail (20 of 400 pooled draws) and keeps the
	// cost of starting small next to warmup.
	batch, err := batchDensity(m)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x7061_7468_1417))
	res, err := runPathfinder(f, dim, starts, optimize.PathfinderSettings{Draws: max(100, starts), Batch: batch}, rng)
	if err != nil {
		return nil, err
	}
	out := make([]float64, chains*dim)
	ids := make([]int, chains)
	if superchains > 0 {
		ids = hmcclib.SuperchainIDs(chains, superchains)
	} else {
		for c := range ids {
			ids[c] = c
		}
	}
	for c, s := range ids {
		copy(out[c*dim:(c+1)*dim], res.Draws[s])
	}
	return out, nil
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
