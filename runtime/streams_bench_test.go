package runtime

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// BenchmarkIterationDraws is what one fixed-length iteration draws for C chains of German
// credit's 49 coordinates (diagonal metric): every chain's momentum and Metropolis uniform, from
// the Philox streams (philox) and, for comparison, the way they were drawn before, from one PCG
// generator in chain order (pcg). Compare with one batched gradient of the same chains
// (compiler's BenchmarkLogDensityGrad/german_credit/f64/T=1/C=…); an iteration takes at least
// one, and typically tens.
func BenchmarkIterationDraws(b *testing.B) {
	const n = 49
	for _, c := range []int{16, 128} {
		m := unitMetric(n)
		for j := range m.Diag {
			m.Diag[j] = 0.5 + float64(j)/n
		}
		mom := make([]float64, c*n)
		u := make([]float64, c)
		b.Run(fmt.Sprintf("philox/C=%d", c), func(b *testing.B) {
			r := NewStreams(1, 0)
			for it := 0; it < b.N; it++ {
				for i := 0; i < c; i++ {
					r.Momentum(&m, i, uint32(it), mom[i*n:(i+1)*n])
					u[i] = r.Accept(i, uint32(it))
				}
			}
		})
		b.Run(fmt.Sprintf("pcg/C=%d", c), func(b *testing.B) {
			g := rand.New(rand.NewPCG(1, 0x9e3779b97f4a7c15))
			for it := 0; it < b.N; it++ {
				for j := range mom {
					mom[j] = g.NormFloat64() / math.Sqrt(m.Diag[j%n])
				}
				for i := range u {
					u[i] = g.Float64()
				}
			}
		})
	}
}
