package hmcc

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/hmcc-dev/hmcc/runtime"
	"github.com/hmcc-dev/hmcc/runtime/cmdstan"
)

// BenchmarkSinkDraw is the host's cost per iteration of writing the chain CSVs (German credit:
// 74 columns a row) at the chain counts of a GPU run: the reported quantities, formatting, one
// flush per file, and the draws kept for the diagnostics. One op is one iteration of every chain.
//
//	go test -run XXX -bench SinkDraw -benchtime 20x .
func BenchmarkSinkDraw(b *testing.B) {
	m, err := CompileFile("models/sparse_logistic.model", File("models/german_credit.csv"))
	if err != nil {
		b.Fatal(err)
	}
	for _, chains := range []int{1024, 4096, 16384} {
		b.Run(fmt.Sprint(chains), func(b *testing.B) {
			out, err := OpenOutputDir(b.TempDir(), true)
			if err != nil {
				b.Fatal(err)
			}
			defer out.Close()
			cfg := Config{Warmup: 1, Draws: b.N + 1, Output: &Output{Dir: out, Header: cmdstan.Config{Model: "m"}}}.withDefaults()
			s := newSink(m, Target{Chains: chains, Threads: 1}.withDefaults(), cfg, 0, m.Names())
			defer s.store.Close()
			n := m.Dim()
			inv := make([]float64, n)
			eps := make([]float64, chains)
			theta := make([]float64, chains*n)
			stats := make([]runtime.Stats, chains)
			r := rand.New(rand.NewPCG(1, 2))
			for i := range theta {
				theta[i] = r.NormFloat64()
			}
			for c := range stats {
				inv[c%n], eps[c] = 1, 0.1
				stats[c] = runtime.Stats{LogP: -100 * r.Float64(), AcceptStat: r.Float64(), StepSize: 0.1, NLeapfrog: 15, Energy: 120}
			}
			if err := s.Adapted(eps, inv); err != nil {
				b.Fatal(err)
			}
			if err := s.Draw(0, stats, theta); err != nil { // opens the files
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 1; i <= b.N; i++ {
				if err := s.Draw(i, stats, theta); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
