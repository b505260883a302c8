package cudagen

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/compiler/cudagen/cudagentest"
	"github.com/hmcc-dev/hmcc/runtime/rng"
)

// TestShimDrawsMatchRNG: the momenta and uniforms hmcc_hmc_draw generates inside the kernels are
// runtime/rng's streams, the ones the CPU samplers draw from: chain chain0+c's momentum is
// Key.Normals(z, chain0+c, iter, rng.Momentum) divided by the square root of the inverse metric,
// and its uniform DrawnUniform. Float64: equal bit for bit, except where the C library's log, cos
// or sin and Go's differ in the last places (Go's math is its own, not libm's): then within 8 units
// in the last place of the Box-Muller radius r (measured: at most 4) (the normal is r cos a or r sin a, so an error in
// cos or sin is r's ulp however small the normal), and the test reports how many differ. Float32: one rounding of
// that. The draws cover several chain offsets (a shard's first chain), iterations up to 2^32-1, a
// seed using both key words, an odd dimension (the last pair's second normal is dropped) and block
// rows of a few pairs each, so every thread's first pair is not block 0.
func TestShimDrawsMatchRNG(t *testing.T) {
	m := cudagentest.Load(t, "../../models/radon.model", "../../models/radon_mn.csv") // 89 coordinates
	const chains, seed = 37, 0x1234_5678_9abc_def0
	key := rng.KeyOf(seed)
	for _, prec := range []Precision{Float64, Float32} {
		t.Run(prec.String(), func(t *testing.T) {
			p, err := Generate(m, prec)
			if err != nil {
				t.Fatal(err)
			}
			n, h := p.Dim, p.HMC
			if n%2 == 0 {
				t.Fatalf("dimension %d: the test wants an odd one", n)
			}
			s := startShim(t, buildShim(t, p, "c"), p, chains, 32, 2)
			invM := make([]float64, n)
			for i := range invM {
				invM[i] = 0.25 + float64(i)
				if prec == Float32 {
					invM[i] = float64(float32(invM[i]))
				}
			}
			s.set(h.InvMetric, invM)
			exact, total, worst := 0, 0, 0.0
			for _, addr := range [][2]uint32{{0, 0}, {1, 0}, {7, 1000}, {1<<32 - 1, 1 << 31}} {
				it, chain0 := addr[0], addr[1]
				s.set(h.RNG, CounterWords(key, it, chain0))
				if err := p.Draw(s); err != nil {
					t.Fatal(err)
				}
				mom, u := Transpose(s.get(h.Mom), n, chains), s.get(h.Uniform)
				z := make([]float64, n)
				for c := 0; c < chains; c++ {
					chain := chain0 + uint32(c)
					key.Normals(z, chain, it, rng.Momentum)
					for i := range z {
						want := z[i] / math.Sqrt(invM[i])
						got := mom[c*n+i]
						total++
						if prec == Float32 {
							if got != float64(float32(want)) && math.Abs(got-want) > 6e-8*math.Abs(want) {
								t.Fatalf("iteration %d chain %d coordinate %d: momentum %.9g, rng %.9g", it, c, i, got, want)
							}
							continue
						}
						if got == want {
							exact++
							continue
						}
						// Box-Muller's r cos a and r sin a: a last-place difference in cos or sin
						// is one of r's, whatever the size of the normal.
						z0, z1 := key.NormalPair(chain, it, rng.Momentum, uint32(i/2))
						ulps := math.Abs(got-want) / ulp(math.Hypot(z0, z1)/math.Sqrt(invM[i]))
						worst = max(worst, ulps)
						if ulps > 8 {
							t.Fatalf("iteration %d chain %d coordinate %d: momentum %.17g, rng %.17g (%.1f ulp of the radius)", it, chain, i, got, want, ulps)
						}
					}
					if want := DrawnUniform(key, chain, it); u[c] != want {
						t.Fatalf("iteration %d chain %d: uniform %.17g, want %.17g", it, chain, u[c], want)
					}
				}
			}
			if prec == Float64 {
				t.Logf("%d of %d momenta equal Key.Normals bit for bit, the rest within %.1f ulp of the radius", exact, total, worst)
				if exact < total/2 {
					t.Errorf("only %d of %d momenta are bitwise equal: not a last-place libm difference", exact, total)
				}
			}
		})
	}
}

// ulp is the spacing of float64 numbers at x.
func ulp(x float64) float64 {
	x = math.Abs(x)
	return math.Nextafter(x, math.Inf(1)) - x
}

// TestShimTransitionDrawsOnDevice: a transition whose momenta and uniforms the device draws is the
// transition the host computes from runtime/rng's draws (the reference of TestShimTransition),
// so the CPU and the device give the same chains to rounding from the same seed.
func TestShimTransitionDrawsOnDevice(t *testing.T) {
	m := cudagentest.Load(t, "../../models/eight_schools.model", "../../models/eight_schools.csv")
	p, err := Generate(m, Float64)
	if err != nil {
		t.Fatal(err)
	}
	const chains, seed, it, chain0 = 6, 99, 7, 40
	n, h := p.Dim, p.HMC
	s := startShim(t, buildShim(t, p, "c"), p, chains, 4, 7)
	src := rand.New(rand.NewPCG(3, 3))
	theta, invM := cudagentest.NearMode(src, chains*n), cudagentest.RandomInvMetric(src, n)
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
	key := rng.KeyOf(seed)
	s.set(h.RNG, CounterWords(key, it, chain0))
	if err := p.Draw(s); err != nil {
		t.Fatal(err)
	}
	if err := p.Transition(s, 6); err != nil {
		t.Fatal(err)
	}
	mom, u := make([]float64, chains*n), make([]float64, chains)
	z := make([]float64, n)
	for c := 0; c < chains; c++ {
		key.Normals(z, chain0+uint32(c), it, rng.Momentum)
		for i := range z {
			mom[c*n+i] = z[i] / math.Sqrt(invM[i])
		}
		u[c] = DrawnUniform(key, chain0+uint32(c), it)
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
