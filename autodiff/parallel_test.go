package autodiff

import (
	"fmt"
	"sync/atomic"
	"testing"
)

// LogDensityGradAround allocates nothing beyond what its parts' evaluations do, for one part
// (evaluated on the caller's goroutine) and for several on a team of each size: it made a
// closure over its arguments for the team on every call, and a sampler calls it on every
// leapfrog step.
func TestParallelAddsNoAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes what allocates")
	}
	gc := graphCases(t)[0]
	const chains = 2 // per part
	for _, tc := range []struct{ parts, workers int }{{1, 1}, {3, 1}, {3, 2}, {3, 3}} {
		t.Run(fmt.Sprintf("parts=%d/workers=%d", tc.parts, tc.workers), func(t *testing.T) {
			parts := make([]*Program, tc.parts)
			for i := range parts {
				b := NewBuilder(chains, gc.dim)
				gc.build(t, b)
				p, err := b.Compile()
				if err != nil {
					t.Fatal(err)
				}
				parts[i] = p
			}
			par, err := NewParallelWorkers(parts, tc.workers)
			if err != nil {
				t.Fatal(err)
			}
			n := chains * gc.dim
			theta, lp, g := make([]float64, tc.parts*n), make([]float64, tc.parts*chains), make([]float64, tc.parts*n)
			for i := range theta {
				theta[i] = 0.1 * float64(i%7)
			}
			partAllocs := 0.0
			for i, p := range parts {
				partAllocs += testing.AllocsPerRun(50, func() {
					if err := p.LogDensityGrad(theta[i*n:(i+1)*n], lp[i*chains:(i+1)*chains], g[i*n:(i+1)*n]); err != nil {
						t.Fatal(err)
					}
				})
			}
			var calls atomic.Int64
			hook := func(lo, hi int) { calls.Add(1) }
			allocs := testing.AllocsPerRun(50, func() {
				if err := par.LogDensityGradAround(theta, lp, g, hook, hook); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != partAllocs {
				t.Errorf("%v allocations per call, its parts' evaluations %v", allocs, partAllocs)
			}
			if got := calls.Load(); got != 51*2*int64(tc.parts) { // AllocsPerRun calls once more to warm up
				t.Errorf("the hooks ran %d times in 51 calls of %d parts, want %d", got, tc.parts, 51*2*tc.parts)
			}
		})
	}
}
