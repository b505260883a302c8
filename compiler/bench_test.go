package compiler_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	goruntime "runtime"
	"testing"

	"github.com/hmcc-dev/hmcc"
	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/ir"
)

// BenchmarkLogDensityGrad measures chain-gradients per second of each bundled model at several
// batch sizes: `go test -run XXX -bench LogDensityGrad ./compiler/`. The reported
// chain-grads/s metric counts every chain in the batch. Each model runs on one goroutine in
// float64 ("f64/T=1"); models with a matrix product also with float32 products ("f32/T=1"); and
// batches of 16 chains or more also split over every core ("f64/T=<cores>", as hmcc run does by
// default).
func BenchmarkLogDensityGrad(b *testing.B) {
	models := []struct {
		name, model, data string
		product           bool
	}{
		{"german_credit", "sparse_logistic.model", "german_credit.csv", true},
		{"breast_cancer", "sparse_logistic.model", "breast_cancer.csv", true},
		{"eight_schools", "eight_schools.model", "eight_schools.csv", false},
		{"kidiq", "kidiq.model", "kidiq.csv", true},
		{"radon", "radon.model", "radon_mn.csv", false},
		{"radon_slopes", "radon_slopes.model", "radon_mn.csv", false},
	}
	cores := goruntime.NumCPU()
	for _, mc := range models {
		m := bindModel(b, mc.model, mc.data)
		for _, chains := range []int{1, 16, 128, 1024} {
			type variant struct {
				name    string
				threads int
				opt     compiler.Options
			}
			variants := []variant{{"f64/T=1", 1, compiler.Options{}}}
			if mc.product {
				variants = append(variants, variant{"f32/T=1", 1, compiler.Options{Float32Products: true}})
			}
			if cores > 1 && chains >= 16 {
				variants = append(variants, variant{fmt.Sprintf("f64/T=%d", cores), cores, compiler.Options{}})
			}
			for _, v := range variants {
				b.Run(fmt.Sprintf("%s/%s/C=%d", mc.name, v.name, chains), func(b *testing.B) {
					p, err := compiler.LowerParallelWith(m, chains, v.threads, v.opt)
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
}

// bindModel parses, checks and binds a bundled model to its data (hmcc.Compile).
func bindModel(b *testing.B, model, data string) *ir.Model {
	src, err := os.ReadFile("../models/" + model)
	if err != nil {
		b.Fatal(err)
	}
	m, err := hmcc.Compile(model, string(src), hmcc.File("../models/"+data))
	if err != nil {
		b.Fatal(err)
	}
	return m.IR()
}
