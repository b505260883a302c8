package compiler

import (
	"math/rand/v2"
	"os"
	"testing"

	"github.com/hmcc-dev/hmcc/ir"
)

// BenchmarkOutputs measures the per-draw cost of one chain's outputs, as hmcc run's draw sink
// computes them for every saved row: the reported quantities (Quantities) and, with --log-lik,
// the pointwise log-likelihood, by the compiled graph and, for comparison in the same sitting,
// by ir.Eval (the evaluator used before): `go test -run XXX -bench Outputs ./compiler/`. Besides
// the wall time per draw it reports the process's CPU time per draw (cpu-µs/draw), which on a
// shared machine does not count the time other processes held the cores.
func BenchmarkOutputs(b *testing.B) {
	for _, mc := range []struct{ name, model, data string }{
		{"garch11", "../models/garch11.model", "garch11.csv"},
		{"radon_ppc", "testdata/dump/radon_ppc.model", "radon_mn.csv"},
		{"eight_schools", "../models/eight_schools.model", "eight_schools.csv"},
	} {
		src, err := os.ReadFile(mc.model)
		if err != nil {
			b.Fatal(err)
		}
		data, err := os.ReadFile("../models/" + mc.data)
		if err != nil {
			b.Fatal(err)
		}
		m := bindFiles(b, mc.name, string(src), mc.data, string(data))
		o, err := CompileOutputs(m)
		if err != nil {
			b.Fatal(err)
		}
		theta := make([]float64, m.Dim())
		r := rand.New(rand.NewPCG(1, 2))
		for i := range theta {
			theta[i] = r.Float64() - 0.5
		}
		out := make([]float64, len(OutputNames(m)))
		ll := make([]float64, len(LogLikNames(m)))
		for _, v := range []struct {
			name  string
			quant func(*ir.Model, []float64, *rand.Rand, []float64) error
			ll    func(*ir.Model, []float64, []float64) error
		}{
			{"compiled", func(_ *ir.Model, th []float64, rng *rand.Rand, out []float64) error {
				return o.Quantities(th, rng, out)
			},
				func(_ *ir.Model, th, out []float64) error { return o.LogLik(th, out) }},
			{"ir.Eval", oracleQuantities, oracleLogLik},
		} {
			b.Run(mc.name+"/quantities/"+v.name, func(b *testing.B) {
				rng := rand.New(rand.NewPCG(3, 4))
				b.ReportAllocs()
				cpu := cpuTime()
				for b.Loop() {
					if err := v.quant(m, theta, rng, out); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/1e3/float64(b.N), "cpu-µs/draw")
			})
			b.Run(mc.name+"/loglik/"+v.name, func(b *testing.B) {
				b.ReportAllocs()
				cpu := cpuTime()
				for b.Loop() {
					if err := v.ll(m, theta, ll); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/1e3/float64(b.N), "cpu-µs/draw")
			})
		}
	}
}
