package compiler_test

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/hmcc-dev/hmcc"
	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/ir"
)

// Splitting the chains across goroutines must not change any chain's result beyond rounding
// (bitwise with the pure-Go BLAS; OpenBLAS blocks rows differently at a batch's edges).
func TestLowerParallelMatchesSingleGraph(t *testing.T) {
	src, err := os.ReadFile("../models/sparse_logistic.model")
	if err != nil {
		t.Fatal(err)
	}
	cm, err := hmcc.Compile("sparse_logistic.model", string(src), hmcc.File("../models/breast_cancer.csv"))
	if err != nil {
		t.Fatal(err)
	}
	m := cm.IR()
	for _, chains := range []int{7, 20} { // one block; three blocks (7, 7, 6) over 1, 2, 3, 7, 16 workers
		checkParallel(t, m, chains)
	}
}

func checkParallel(t *testing.T, m *ir.Model, chains int) {
	t.Helper()
	n := m.Dim()
	rng := rand.New(rand.NewPCG(3, 4))
	theta := make([]float64, chains*n)
	for i := range theta {
		theta[i] = rng.Float64()*2 - 1
	}
	one, err := compiler.Lower(m, chains)
	if err != nil {
		t.Fatal(err)
	}
	wantLP, wantG := make([]float64, chains), make([]float64, chains*n)
	if err := one.LogDensityGrad(theta, wantLP, wantG); err != nil {
		t.Fatal(err)
	}
	var firstLP, firstG []float64
	for _, threads := range []int{1, 2, 3, 7, 16} {
		par, err := compiler.LowerParallel(m, chains, threads)
		if err != nil {
			t.Fatal(err)
		}
		if par.Chains() != chains || par.Dim() != n {
			t.Fatalf("threads %d: %d chains × %d", threads, par.Chains(), par.Dim())
		}
		lp, g := make([]float64, chains), make([]float64, chains*n)
		for rep := 0; rep < 2; rep++ {
			if err := par.LogDensityGrad(theta, lp, g); err != nil {
				t.Fatal(err)
			}
			// Blocks are fixed by the chain count, so every thread count gives the same bits.
			if firstLP == nil {
				firstLP, firstG = append([]float64(nil), lp...), append([]float64(nil), g...)
			}
			for c := range lp {
				if lp[c] != firstLP[c] {
					t.Fatalf("threads %d chain %d: logp %v, threads 1 %v", threads, c, lp[c], firstLP[c])
				}
			}
			for i := range g {
				if g[i] != firstG[i] {
					t.Fatalf("threads %d: gradient %d is %v, threads 1 %v", threads, i, g[i], firstG[i])
				}
			}
			for c := range lp {
				if math.Abs(lp[c]-wantLP[c]) > 1e-13*math.Abs(wantLP[c]) {
					t.Errorf("threads %d chain %d: logp %v, single graph %v", threads, c, lp[c], wantLP[c])
				}
			}
			for i := range g {
				if math.Abs(g[i]-wantG[i]) > 1e-12*(1+math.Abs(wantG[i])) {
					t.Fatalf("threads %d: gradient %d is %v, single graph %v", threads, i, g[i], wantG[i])
				}
			}
		}
	}
}
