package compiler_test

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/hmcc-dev/hmcc"
	"github.com/hmcc-dev/hmcc/autodiff"
	"github.com/hmcc-dev/hmcc/compiler"
)

// LogDensityGradAround runs before on each block's chains before that block is evaluated and after
// once it is, exactly once per chain, on the blocks autodiff.Blocks fixes, and gives the same bits
// as LogDensityGrad. The sampler moves its leapfrog updates into these hooks, so a hook that ran
// late, twice, or over the wrong rows would change the draws.
func TestLogDensityGradAroundHooks(t *testing.T) {
	src, err := os.ReadFile("../models/sparse_logistic.model")
	if err != nil {
		t.Fatal(err)
	}
	cm, err := hmcc.Compile("sparse_logistic.model", string(src), hmcc.File("../models/breast_cancer.csv"))
	if err != nil {
		t.Fatal(err)
	}
	m := cm.IR()
	const chains = 20 // blocks of 7, 7, 6
	n := m.Dim()
	rng := rand.New(rand.NewPCG(5, 6))
	want := make([]float64, chains*n)
	for i := range want {
		want[i] = rng.Float64()*2 - 1
	}
	ref, err := compiler.LowerParallel(m, chains, 1)
	if err != nil {
		t.Fatal(err)
	}
	refLP, refG := make([]float64, chains), make([]float64, chains*n)
	if err := ref.LogDensityGrad(want, refLP, refG); err != nil {
		t.Fatal(err)
	}
	for _, threads := range []int{1, 2, 3, 16} {
		par, err := compiler.LowerParallel(m, chains, threads)
		if err != nil {
			t.Fatal(err)
		}
		// theta starts as NaN: only before's copy makes a block's rows evaluable.
		theta := make([]float64, chains*n)
		for i := range theta {
			theta[i] = math.NaN()
		}
		lp, g := make([]float64, chains), make([]float64, chains*n)
		seenLP := make([]float64, chains)
		befores, afters := make([]int, chains), make([]int, chains)
		blockOf := make([][2]int, chains)
		before := func(lo, hi int) {
			copy(theta[lo*n:hi*n], want[lo*n:hi*n])
			for c := lo; c < hi; c++ {
				befores[c]++
				blockOf[c] = [2]int{lo, hi}
			}
		}
		after := func(lo, hi int) {
			for c := lo; c < hi; c++ {
				afters[c]++
				seenLP[c] = lp[c]
				if blockOf[c] != [2]int{lo, hi} {
					t.Errorf("threads %d chain %d: after over [%d, %d), before over %v", threads, c, lo, hi, blockOf[c])
				}
			}
		}
		if err := par.LogDensityGradAround(theta, lp, g, before, after); err != nil {
			t.Fatal(err)
		}
		start := 0
		for _, size := range autodiff.Blocks(chains) {
			for c := start; c < start+size; c++ {
				if blockOf[c] != [2]int{start, start + size} {
					t.Errorf("threads %d chain %d: block %v, want [%d, %d)", threads, c, blockOf[c], start, start+size)
				}
			}
			start += size
		}
		for c := 0; c < chains; c++ {
			if befores[c] != 1 || afters[c] != 1 {
				t.Errorf("threads %d chain %d: before ran %d times, after %d", threads, c, befores[c], afters[c])
			}
			if lp[c] != refLP[c] || seenLP[c] != refLP[c] {
				t.Errorf("threads %d chain %d: logp %v (after saw %v), LogDensityGrad %v", threads, c, lp[c], seenLP[c], refLP[c])
			}
		}
		for i := range g {
			if g[i] != refG[i] {
				t.Fatalf("threads %d: gradient %d is %v, LogDensityGrad %v", threads, i, g[i], refG[i])
			}
		}
	}
}
