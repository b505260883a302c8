package compiler_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/dataset"
	"github.com/hmcc-dev/hmcc/lang"
)

// BenchmarkLogDensityGrad measures chain-gradients per second of each bundled model at several
// batch sizes: `go test -run XXX -bench LogDensityGrad ./compiler/`. The reported
// chain-grads/s metric counts every chain in the batch.
func BenchmarkLogDensityGrad(b *testing.B) {
	models := []struct{ name, model, data string }{
		{"german_credit", "sparse_logistic.model", "german_credit.csv"},
		{"breast_cancer", "sparse_logistic.model", "breast_cancer.csv"},
		{"eight_schools", "eight_schools.model", "eight_schools.csv"},
		{"kidiq", "kidiq.model", "kidiq.csv"},
	}
	for _, mc := range models {
		for _, chains := range []int{1, 16, 128, 1024} {
			b.Run(fmt.Sprintf("%s/C=%d", mc.name, chains), func(b *testing.B) {
				src, err := os.ReadFile("../models/" + mc.model)
				if err != nil {
					b.Fatal(err)
				}
				ast, err := lang.Parse(mc.model, string(src))
				if err != nil {
					b.Fatal(err)
				}
				m, err := compiler.Check(ast)
				if err != nil {
					b.Fatal(err)
				}
				t, err := dataset.Read("../models/" + mc.data)
				if err != nil {
					b.Fatal(err)
				}
				if err := compiler.Bind(m, t); err != nil {
					b.Fatal(err)
				}
				p, err := compiler.Lower(m, chains)
				if err != nil {
					b.Fatal(err)
				}
				n := m.Dim()
				rng := rand.New(rand.NewPCG(1, 2))
				theta := make([]float64, chains*n)
				for i := range theta {
					theta[i] = rng.Float64() - 0.5
				}
				logp, grad := make([]float64, chains), make([]float64, chains*n)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if err := p.LogDensityGrad(theta, logp, grad); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N*chains)/b.Elapsed().Seconds(), "chain-grads/s")
			})
		}
	}
}
