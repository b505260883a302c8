package autodiff

import (
	"fmt"
	"sync"
	"testing"
)

// BenchmarkConcurrentKernels times one Bernoulli-logit evaluation of 8 chains × 1000 rows (the
// C kernel in use and the Go one) done by one goroutine, and the same done by two goroutines at
// once on separate buffers: with two free cores the second should take about as long as the first.
// `go test -run XXX -bench ConcurrentKernels ./autodiff/` (docs/performance.md, "two cores").
func BenchmarkConcurrentKernels(b *testing.B) {
	const R, K = 8, 1000
	y := make([]float64, K)
	for i := range y {
		y[i] = float64(i % 2)
	}
	type buffers struct{ l, dl, out []float64 }
	bufs := make([]buffers, 2)
	for i := range bufs {
		bufs[i] = buffers{make([]float64, R*K), make([]float64, R*K), make([]float64, R)}
		for j := range bufs[i].l {
			bufs[i].l[j] = float64(j%7) - 3
		}
	}
	for _, k := range []struct {
		name string
		f    func(y, l, dl, out []float64, K int)
	}{{"in-use", bernoulliRows}, {"go", bernoulliLogitRows}} {
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/goroutines=%d", k.name, workers), func(b *testing.B) {
				for b.Loop() {
					var wg sync.WaitGroup
					for i := range workers {
						wg.Add(1)
						go func() {
							defer wg.Done()
							k.f(y, bufs[i].l, bufs[i].dl, bufs[i].out, K)
						}()
					}
					wg.Wait()
				}
			})
		}
	}
}
