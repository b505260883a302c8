package cudagen

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hmcc-dev/hmcc/compiler"
)

// refTransition is runtime/hmc.go's transition with the random draws supplied: the reference the
// device-resident transition must reproduce. It runs on the CPU executor.
func refTransition(t *testing.T, eval func(x, lp, g []float64) error, c, n int, pos, mom, invM, eps []float64, steps []int, u []float64) (lp0, accept, energy []float64, diverged []bool) {
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

// TestShimTransition runs the device-resident HMC transition on the host shim and compares the
// accepted state, log density, acceptance probability, energy and divergence flag of every chain
// with runtime's transition on the CPU executor, given the same momentum, step sizes, step counts
// and uniforms. The chains take different numbers of steps (so some wait, frozen, for others),
// one chain's step size is large enough to diverge, and the uniforms make some chains accept and
// others reject.
func TestShimTransition(t *testing.T) {
	const chains = 6
	for _, c := range bundled {
		if c.name != "sparse_logistic_german_credit" && c.name != "eight_schools" && c.name != "groups" {
			continue // kidiq's density at θ near 0 (far from its posterior) rejects every step
		}
		t.Run(c.name, func(t *testing.T) {
			m := load(t, c.model, c.data)
			p, err := Generate(m, Float64)
			if err != nil {
				t.Fatal(err)
			}
			n := p.Dim
			p.SetDrawChunk(3)
			s := startShim(t, buildShim(t, p, "c"), p, chains, 4, 7)
			rng := rand.New(rand.NewPCG(3, uint64(n)))
			theta := randomTheta(rng, chains*n)
			for i := range theta {
				theta[i] *= 0.25 // near the mode, where small steps are accepted
			}
			mom, invM := make([]float64, chains*n), make([]float64, n)
			for i := range mom {
				mom[i] = rng.NormFloat64()
			}
			for i := range invM {
				invM[i] = 0.5 + rng.Float64()
			}
			eps := []float64{0.01, 0.02, 0.005, 0.03, 0.01, 30}
			steps := []int{1, 4, 7, 2, 5, 3}
			stepsF := make([]float64, chains)
			for i, v := range steps {
				stepsF[i] = float64(v)
			}

			cpu, err := compiler.Lower(m, chains)
			if err != nil {
				t.Fatal(err)
			}
			// The acceptance probabilities do not depend on the uniforms: a dry run finds them,
			// and the uniforms are then chosen so that even chains accept (u = a/2) and odd ones
			// reject (u = (1+a)/2 is never below a), whatever a is.
			_, dry, _, _ := refTransition(t, cpu.LogDensityGrad, chains, n, append([]float64(nil), theta...),
				append([]float64(nil), mom...), invM, eps, steps, make([]float64, chains))
			u := make([]float64, chains)
			for i, a := range dry {
				u[i] = a / 2
				if i%2 == 1 {
					u[i] = (1 + a) / 2
				}
			}

			s.set(p.Theta, Transpose(theta, chains, n))
			if err := p.Eval(s); err != nil {
				t.Fatal(err)
			}
			if err := p.Commit(s); err != nil {
				t.Fatal(err)
			}
			h := p.HMC
			s.set(h.Mom, Transpose(mom, chains, n))
			s.set(h.InvMetric, invM)
			s.set(h.StepSize, eps)
			s.set(h.Steps, stepsF)
			s.set(h.Uniform, u)
			if err := p.Transition(s, 7); err != nil {
				t.Fatal(err)
			}
			s.set(h.Slot, []float64{2}) // the last slot of the ring of 3
			if err := p.Record(s); err != nil {
				t.Fatal(err)
			}
			state := s.get(h.Pos)
			pos := Transpose(state, n, chains)
			lp, accept, energy, div := s.get(h.PosLogP), s.get(h.Accept), s.get(h.Energy), s.get(h.Diverged)
			// The ring's slot 2 holds the same iteration; slots 0 and 1 were never written.
			draws, stats := s.get(h.Draws), s.get(h.Stats)
			for i := 0; i < chains*n; i++ {
				if draws[2*n*chains+i] != state[i] || draws[i] != 0 {
					t.Fatalf("recorded draw element %d is %v, the state %v", i, draws[2*n*chains+i], state[i])
				}
			}
			for k, v := range [][]float64{lp, accept, energy, div} {
				for i := 0; i < chains; i++ {
					if got := stats[(8+k)*chains+i]; got != v[i] {
						t.Errorf("recorded statistic %d of chain %d is %v, want %v", k, i, got, v[i])
					}
				}
			}

			wantPos := append([]float64(nil), theta...)
			wantLP, wantAccept, wantEnergy, wantDiv := refTransition(t, cpu.LogDensityGrad, chains, n, wantPos, mom, invM, eps, steps, u)
			for i := 0; i < chains; i++ {
				if (div[i] != 0) != wantDiv[i] {
					t.Errorf("chain %d: diverged %v, CPU %v", i, div[i] != 0, wantDiv[i])
				}
			}
			if !wantDiv[5] {
				t.Errorf("chain 5 (step size 30) did not diverge on the CPU: the test lost its divergent chain")
			}
			for i := 0; i < chains; i += 2 {
				if wantAccept[i] == 0 {
					t.Errorf("chain %d has acceptance probability 0: the test should see accepted proposals", i)
				}
			}
			compare(t, "position", pos, wantPos, 1e-9)
			compare(t, "log density", lp, wantLP, 1e-9)
			compare(t, "acceptance", accept, wantAccept, 1e-9)
			compare(t, "energy", energy, wantEnergy, 1e-9)
		})
	}
}
