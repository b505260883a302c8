package autodiff

import (
	"fmt"
	"math"
	"syscall"
	"testing"
	"time"

	"github.com/hmcc-dev/hmcc/dist"
	"github.com/hmcc-dev/hmcc/ir"
	"gorgonia.org/tensor"
)

// cpuTime is the process's user and system CPU time: on a shared machine the wall time of a
// benchmark also counts the time other processes held the cores, its CPU time does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func filled(rows, cols int, f func(i int) float64) *tensor.Dense {
	d := make([]float64, rows*cols)
	for i := range d {
		d[i] = f(i)
	}
	return tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(d))
}

// garchStep is the step of a GARCH(1,1) variance, a0 + a1·(y[t−1] − mu)² + b1·s2[t−1], with
// inputs 0: y, 1: mu, 2: a0, 3: a1, 4: b1.
func garchStep() []RecurInstr {
	return []RecurInstr{
		{Op: RecurAt, In: 0, Off: -1},                             // 0 y[t-1]
		{Op: RecurInput, In: 1},                                   // 1 mu
		{Op: RecurBinary, Binary: ir.BinaryOps["-"], A: 0, B: 1},  // 2
		{Op: RecurConst, Val: 2},                                  // 3
		{Op: RecurBinary, Binary: ir.BinaryOps["^"], A: 2, B: 3},  // 4 (y[t-1] - mu)^2
		{Op: RecurInput, In: 3},                                   // 5 a1
		{Op: RecurBinary, Binary: ir.BinaryOps["*"], A: 5, B: 4},  // 6
		{Op: RecurInput, In: 2},                                   // 7 a0
		{Op: RecurBinary, Binary: ir.BinaryOps["+"], A: 7, B: 6},  // 8
		{Op: RecurInput, In: 4},                                   // 9 b1
		{Op: RecurLag, K: 1},                                      // 10 s2[t-1]
		{Op: RecurBinary, Binary: ir.BinaryOps["*"], A: 9, B: 10}, // 11
		{Op: RecurBinary, Binary: ir.BinaryOps["+"], A: 8, B: 11}, // 12
	}
}

// BenchmarkRecurVsDensity compares the cost per time step of a recurrence kernel (the GARCH(1,1)
// variance: forward sweep and the backward sweep for every input) with the cost per element of
// the fused Normal density kernel (forward and the gradients in mu and sigma), both over N
// elements for C chains. The cpu-ns/step and cpu-ns/element metrics are per chain, in the
// process's CPU time (the wall time of a benchmark on a busy machine counts other processes).
func BenchmarkRecurVsDensity(b *testing.B) {
	const N = 1000
	for _, C := range []int{1, 16} {
		y := filled(1, N, func(i int) float64 { return math.Sin(float64(i)) })
		per := func(v float64) *tensor.Dense { return filled(C, 1, func(int) float64 { return v }) }
		b.Run(fmt.Sprintf("recur-garch/C=%d", C), func(b *testing.B) {
			k := &recurKernel{n: N, step: garchStep()}
			k.plan([]bool{false, true, true, true, true}) // y is data
			in := []*tensor.Dense{per(1), y, per(0.1), per(0.2), per(0.3), per(0.5)}
			out := tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(C, N))
			g := filled(C, N, func(i int) float64 { return 0.01 })
			dst := make([]*tensor.Dense, len(in))
			for i, t := range in {
				dst[i] = tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(t.Shape()...))
			}
			cpu := cpuTime()
			for b.Loop() {
				k.forward(in, out)
				for _, i := range []int{0, 2, 3, 4, 5} {
					k.backward(i, in, out, g, dst[i])
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N)/float64(N*C), "cpu-ns/step")
		})
		b.Run(fmt.Sprintf("normal-density/C=%d", C), func(b *testing.B) {
			d, _ := dist.Lookup("Normal")
			in := []*tensor.Dense{y, filled(C, N, func(i int) float64 { return math.Cos(float64(i)) }), per(1.3)}
			k := &densityKernel{d: d, wrt: []bool{false, true, true}, fast: fastDensities[d.Fast]}
			out := tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(C, 1))
			g := filled(C, 1, func(int) float64 { return 1 })
			dm := tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(C, N))
			ds := tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(C, 1))
			cpu := cpuTime()
			for b.Loop() {
				k.forward(in, out)
				k.backward(1, in, out, g, dm)
				k.backward(2, in, out, g, ds)
			}
			b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N)/float64(N*C), "cpu-ns/element")
		})
	}
}
