package cudagen

import (
	"math/rand/v2"
	"testing"

	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/compiler/cudagen/cudagentest"
)

// TestShimTransition runs the device-resident HMC transition on the host shim and compares the
// accepted state, log density, acceptance probability, energy and divergence flag of every chain
// with runtime's transition on the CPU executor, given the same momentum, step sizes, step counts
// and uniforms. The chains take different numbers of steps (so some wait, frozen, for others),
// one chain's step size is large enough to diverge, and the uniforms make some chains accept and
// others reject. float64 agrees to 1e-9; float32, the GPU's default, to 1e-3 relative
// (cudagentest.Mismatches, floor 1% of the vector's scale: up to seven leapfrog steps of float32
// rounding), with θ, the momenta and the metric given as float32 holds them.
func TestShimTransition(t *testing.T) {
	for _, c := range bundled {
		if c.name != "sparse_logistic_german_credit" && c.name != "eight_schools" && c.name != "groups" {
			continue // kidiq's density at θ near 0 (far from its posterior) rejects every step
		}
		for _, prec := range []Precision{Float64, Float32} {
			t.Run(c.name+"/"+prec.String(), func(t *testing.T) { testShimTransition(t, c.model, c.data, prec) })
		}
	}
}

func testShimTransition(t *testing.T, model, data string, prec Precision) {
	const chains = 6
	m := cudagentest.Load(t, model, data)
	p, err := Generate(m, prec)
	if err != nil {
		t.Fatal(err)
	}
	n := p.Dim
	p.SetDrawChunk(3)
	s := startShim(t, buildShim(t, p, "c"), p, chains, 4, 7)
	rng := rand.New(rand.NewPCG(3, uint64(n)))
	theta := cudagentest.NearMode(rng, chains*n)
	mom := make([]float64, chains*n)
	for i := range mom {
		mom[i] = rng.NormFloat64()
	}
	invM := cudagentest.RandomInvMetric(rng, n)
	if prec == Float32 { // the inputs as the float32 buffers hold them
		for _, v := range [][]float64{theta, mom, invM} {
			for i := range v {
				v[i] = float64(float32(v[i]))
			}
		}
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
	_, dry, _, _ := cudagentest.CPUTransition(t, cpu, append([]float64(nil), theta...),
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
	wantLP, wantAccept, wantEnergy, wantDiv := cudagentest.CPUTransition(t, cpu, wantPos, mom, invM, eps, steps, u)
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
	if prec == Float32 {
		for _, v := range []struct {
			what      string
			got, want []float64
		}{{"position", pos, wantPos}, {"log density", lp, wantLP}, {"acceptance", accept, wantAccept}, {"energy", energy, wantEnergy}} {
			for _, b := range cudagentest.Mismatches(v.got, v.want, 1e-3, 1e-2) {
				t.Error(v.what + b)
			}
		}
		return
	}
	compare(t, "position", pos, wantPos, 1e-9)
	compare(t, "log density", lp, wantLP, 1e-9)
	compare(t, "acceptance", accept, wantAccept, 1e-9)
	compare(t, "energy", energy, wantEnergy, 1e-9)
}
