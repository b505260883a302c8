// Package cudagentest holds what the tests of the GPU backend share: compiler/cudagen's, which run
// the generated source on a host shim, and runtime/gpu's, which run it on the device. It loads a
// model with its data, draws initial points, and computes the reference HMC transition that the
// device-resident one must reproduce. It is for tests only.
package cudagentest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/hmcc-dev/hmcc"
	"github.com/hmcc-dev/hmcc/ir"
)

// Load parses and checks the model file and binds the CSV data file to it. The model is named by
// its base name, which is what the header of the generated source (and so the golden files) shows.
func Load(t testing.TB, modelPath, dataPath string) *ir.Model {
	t.Helper()
	src, err := os.ReadFile(modelPath)
	if err != nil {
		t.Fatal(err)
	}
	m, err := hmcc.Compile(filepath.Base(modelPath), string(src), hmcc.File(dataPath))
	if err != nil {
		t.Fatal(err)
	}
	return m.IR()
}

// RandomTheta returns n unconstrained coordinates drawn uniformly from [-2, 2), the samplers'
// initialisation range.
func RandomTheta(rng *rand.Rand, n int) []float64 {
	theta := make([]float64, n)
	for i := range theta {
		theta[i] = rng.Float64()*4 - 2
	}
	return theta
}

// Transition is a test reference transcribed from runtime/hmc.go's transition, with the random
// draws supplied: the one the device-resident transition must reproduce. eval is the CPU
// executor's log density and gradient of c chains of dimension n, laid out chain-major. pos (the
// accepted state, updated in place where a chain accepts) and mom (the drawn momentum, consumed)
// are c×n; invM is the diagonal inverse metric (n); eps, steps and u are each chain's step size,
// number of leapfrog steps and acceptance uniform. It returns each chain's log density at its new
// state, acceptance probability, energy and divergence flag.
func Transition(t testing.TB, eval func(x, lp, g []float64) error, c, n int, pos, mom, invM, eps []float64, steps []int, u []float64) (lp0, accept, energy []float64, diverged []bool) {
	t.Helper()
	kinetic := func(p []float64) float64 {
		k := 0.0
		for i, v := range p {
			k += invM[i] * v * v
		}
		return 0.5 * k
	}
	lp0, g0 := make([]float64, c), make([]float64, c*n)
	if err := eval(pos, lp0, g0); err != nil {
		t.Fatal(err)
	}
	maxSteps := 0
	for _, l := range steps {
		maxSteps = max(maxSteps, l)
	}
	h0 := make([]float64, c)
	for i := 0; i < c; i++ {
		h0[i] = -lp0[i] + kinetic(mom[i*n:(i+1)*n])
	}
	x, g, lp := append([]float64(nil), pos...), append([]float64(nil), g0...), append([]float64(nil), lp0...)
	diverged = make([]bool, c)
	for l := 0; l < maxSteps; l++ {
		for i := 0; i < c; i++ {
			if diverged[i] || l >= steps[i] {
				continue
			}
			for j := i * n; j < (i+1)*n; j++ {
				mom[j] += 0.5 * eps[i] * g[j]
				x[j] += eps[i] * invM[j-i*n] * mom[j]
			}
		}
		if err := eval(x, lp, g); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < c; i++ {
			if diverged[i] || l >= steps[i] {
				continue
			}
			p := mom[i*n : (i+1)*n]
			finite := true
			for j := range p {
				p[j] += 0.5 * eps[i] * g[i*n+j]
				finite = finite && !math.IsNaN(g[i*n+j]) && !math.IsInf(g[i*n+j], 0)
			}
			h := -lp[i] + kinetic(p)
			if math.IsNaN(h) || math.IsInf(h, 0) || h-h0[i] > 1000 || !finite {
				diverged[i] = true
			}
		}
	}
	accept, energy = make([]float64, c), make([]float64, c)
	for i := 0; i < c; i++ {
		h := math.Inf(1)
		if !diverged[i] {
			h = -lp[i] + kinetic(mom[i*n:(i+1)*n])
			accept[i] = math.Min(1, math.Exp(h0[i]-h))
		}
		if !diverged[i] && u[i] < accept[i] {
			copy(pos[i*n:(i+1)*n], x[i*n:(i+1)*n])
			lp0[i] = lp[i]
			energy[i] = h
		} else {
			energy[i] = h0[i]
		}
	}
	return lp0, accept, energy, diverged
}

// Mismatches compares got with want element by element and describes each element out of
// tolerance. Element i may differ by tol·max(|want[i]|, floor·max_k |want[k]|): relative to its own
// magnitude, with a floor for elements that are small only because larger terms cancelled (a
// gradient coordinate near zero), set by the largest magnitude of the vector. The tolerance is
// linear in the values — scaling every value by k scales it by k — so a relative error of the
// kernels shows as the same relative error here at every magnitude. An infinite or NaN want
// requires the same value: a finite result never passes for an expected −Inf.
func Mismatches(got, want []float64, tol, floor float64) []string {
	if len(got) != len(want) {
		return []string{fmt.Sprintf("%d values, want %d", len(got), len(want))}
	}
	largest := 0.0
	for _, w := range want {
		if !math.IsInf(w, 0) && !math.IsNaN(w) {
			largest = math.Max(largest, math.Abs(w))
		}
	}
	var bad []string
	for i, w := range want {
		g := got[i]
		ok := false
		switch {
		case math.IsNaN(w):
			ok = math.IsNaN(g)
		case math.IsInf(w, 0):
			ok = g == w
		default:
			ok = math.Abs(g-w) <= tol*math.Max(math.Abs(w), floor*largest)
		}
		if !ok {
			bad = append(bad, fmt.Sprintf("[%d] = %.17g, want %.17g (relative difference %.3g)", i, g, w, (g-w)/math.Max(math.Abs(w), floor*largest)))
		}
	}
	return bad
}
