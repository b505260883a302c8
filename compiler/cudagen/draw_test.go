package cudagen

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/compiler/cudagen/cudagentest"
	"github.com/hmcc-dev/hmcc/internal/philox"
)

// TestShimDrawsMatchPhilox: the momenta and uniforms hmcc_hmc_draw generates inside the kernels
// are internal/philox's streams, which the host computes: the same numbers to double rounding
// (float64), or to float32 rounding of the momentum (float32), for several chains, iterations
// past 2^32 (both counter words) and a seed using both key words.
func TestShimDrawsMatchPhilox(t *testing.T) {
	m := cudagentest.Load(t, "../../models/eight_schools.model", "../../models/eight_schools.csv")
	const chains, seed = 37, 0x1234_5678_9abc_def0
	for _, prec := range []Precision{Float64, Float32} {
		t.Run(prec.String(), func(t *testing.T) {
			p, err := Generate(m, prec)
			if err != nil {
				t.Fatal(err)
			}
			n, h := p.Dim, p.HMC
			s := startShim(t, buildShim(t, p, "c"), p, chains, 32, 8)
			invM := make([]float64, n)
			for i := range invM {
				invM[i] = 0.25 + float64(i)
				if prec == Float32 {
					invM[i] = float64(float32(invM[i]))
				}
			}
			s.set(h.InvMetric, invM)
			for _, it := range []uint64{0, 1, 1<<32 + 5} {
				s.set(h.RNG, CounterWords(seed, it))
				if err := p.Draw(s); err != nil {
					t.Fatal(err)
				}
				mom, u := Transpose(s.get(h.Mom), n, chains), s.get(h.Uniform)
				z := make([]float64, n)
				for c := 0; c < chains; c++ {
					philox.Normals(seed, uint32(c), it, z)
					for i := range z {
						want := z[i] / math.Sqrt(invM[i])
						tol := 1e-14
						if prec == Float32 {
							tol = 6e-8 // one rounding to float32
						}
						if got := mom[c*n+i]; math.Abs(got-want) > tol*math.Abs(want)+1e-300 {
							t.Fatalf("iteration %d chain %d coordinate %d: momentum %.17g, philox %.17g", it, c, i, got, want)
						}
					}
					if want := philox.Uniform(seed, uint32(c), it); math.Abs(u[c]-want) > 1e-16 {
						t.Fatalf("iteration %d chain %d: uniform %.17g, philox %.17g", it, c, u[c], want)
					}
				}
			}
		})
	}
}

// TestShimTransitionDrawsOnDevice: a transition whose momenta and uniforms the device draws is the
// transition the host computes from internal/philox's draws (the reference of TestShimTransition),
// so the CPU and the device give the same chains to rounding from the same seed.
func TestShimTransitionDrawsOnDevice(t *testing.T) {
	m := cudagentest.Load(t, "../../models/eight_schools.model", "../../models/eight_schools.csv")
	p, err := Generate(m, Float64)
	if err != nil {
		t.Fatal(err)
	}
	const chains, seed, it = 6, 99, 7
	n, h := p.Dim, p.HMC
	s := startShim(t, buildShim(t, p, "c"), p, chains, 4, 7)
	rng := rand.New(rand.NewPCG(3, 3))
	theta := cudagentest.RandomTheta(rng, chains*n)
	for i := range theta {
		theta[i] *= 0.25
	}
	invM := make([]float64, n)
	for i := range invM {
		invM[i] = 0.5 + rng.Float64()
	}
	eps, steps := []float64{0.05, 0.1, 0.02, 0.08, 0.05, 0.1}, []int{3, 1, 6, 2, 4, 5}
	stepsF := make([]float64, chains)
	for i, v := range steps {
		stepsF[i] = float64(v)
	}
	s.set(p.Theta, Transpose(theta, chains, n))
	if err := p.Eval(s); err != nil {
		t.Fatal(err)
	}
	if err := p.Commit(s); err != nil {
		t.Fatal(err)
	}
	s.set(h.InvMetric, invM)
	s.set(h.StepSize, eps)
	s.set(h.Steps, stepsF)
	s.set(h.RNG, CounterWords(seed, it))
	if err := p.Draw(s); err != nil {
		t.Fatal(err)
	}
	if err := p.Transition(s, 6); err != nil {
		t.Fatal(err)
	}
	mom, u := make([]float64, chains*n), make([]float64, chains)
	z := make([]float64, n)
	for c := 0; c < chains; c++ {
		philox.Normals(seed, uint32(c), it, z)
		for i := range z {
			mom[c*n+i] = z[i] / math.Sqrt(invM[i])
		}
		u[c] = philox.Uniform(seed, uint32(c), it)
	}
	cpu, err := compiler.Lower(m, chains)
	if err != nil {
		t.Fatal(err)
	}
	wantPos := append([]float64(nil), theta...)
	wantLP, wantAccept, wantEnergy, _ := cudagentest.CPUTransition(t, cpu, wantPos, mom, invM, eps, steps, u)
	accepted := 0
	for _, a := range s.get(h.Accept) {
		if a > 0.5 {
			accepted++
		}
	}
	if accepted == 0 {
		t.Error("no chain accepted: the test lost its subject")
	}
	compare(t, "position", Transpose(s.get(h.Pos), n, chains), wantPos, 1e-9)
	compare(t, "log density", s.get(h.PosLogP), wantLP, 1e-9)
	compare(t, "acceptance", s.get(h.Accept), wantAccept, 1e-9)
	compare(t, "energy", s.get(h.Energy), wantEnergy, 1e-9)
}
