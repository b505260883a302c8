package cudagen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hmcc-dev/hmcc/compiler/cudagen/cudagentest"
	"github.com/hmcc-dev/hmcc/runtime"
)

// eps is float64's unit roundoff.
const eps = 0x1p-53

// adaptIter is one warmup iteration's inputs to the adaptation kernels, chain-major.
type adaptIter struct {
	pos, prop, mom, accept []float64
	good                   []bool
	jitter, length         float64
	prevHeld               []float64 // the start positions as the device saved them (runAdapt)
}

// adaptResult is what the device reduced: ChEES's four numbers after each iteration, then the
// running moments after the last.
type adaptResult struct {
	out              [][]float64
	n, mean, m2, cov []float64
}

// runAdapt runs the adaptation kernels on the shim over the iterations: each sets the chains'
// start positions (Pos, saved by SavePrev), then the transition's results (Theta, Mom, Accept,
// Pos) as a transition would leave them, and the good chains, then ChEES and AddMoments. It
// returns the device's numbers and the inputs as the device holds them (rounded to float32 in
// float32 mode), for the CPU reference.
func runAdapt(t *testing.T, s *shim, p *Program, chains int, invM []float64, iters []adaptIter, dense bool) (adaptResult, []adaptIter, []float64) {
	n, h, a := p.Dim, p.HMC, p.Adapt
	s.set(h.InvMetric, invM)
	if err := p.ResetMoments(s); err != nil {
		t.Fatal(err)
	}
	var res adaptResult
	var held []adaptIter
	prev := iters[0].pos
	for k, it := range iters {
		// the start: the previous iteration's accepted positions
		s.set(h.Pos, Transpose(prev, chains, n))
		if err := p.SavePrev(s); err != nil {
			t.Fatal(err)
		}
		hp := Transpose(s.get(a.Prev), n, chains)
		s.set(p.Theta, Transpose(it.prop, chains, n))
		s.set(h.Mom, Transpose(it.mom, chains, n))
		s.set(h.Accept, it.accept)
		s.set(h.Pos, Transpose(it.pos, chains, n))
		good := make([]float64, chains)
		for i, g := range it.good {
			if g {
				good[i] = 1
			}
		}
		s.set(a.Good, good)
		s.set(a.Params, []float64{it.jitter, it.length})
		if err := p.ChEES(s); err != nil {
			t.Fatal(err)
		}
		if err := p.AddMoments(s, dense); err != nil {
			t.Fatal(err)
		}
		res.out = append(res.out, s.get(a.Out))
		held = append(held, adaptIter{pos: Transpose(s.get(h.Pos), n, chains), prop: Transpose(s.get(p.Theta), n, chains),
			mom: Transpose(s.get(h.Mom), n, chains), accept: s.get(h.Accept), good: it.good, jitter: it.jitter, length: it.length})
		held[k].prevHeld = hp
		prev = it.pos
	}
	res.n, res.mean, res.m2, res.cov = s.get(a.N), s.get(a.Mean), s.get(a.M2), s.get(a.Cov)
	return res, held, s.get(h.InvMetric)
}

// randomIters draws warmup iterations: positions around a shifted centre (|mean|/sd about 3
// in places, so the moments' cancellation is exercised), proposals, momenta, acceptance
// probabilities of every kind (1, 0 for a divergence, below ChEES's 1e-4 cut, in between) and
// about one stray chain in ten.
func randomIters(r *rand.Rand, chains, n, count int) []adaptIter {
	var out []adaptIter
	for k := 0; k < count; k++ {
		it := adaptIter{pos: make([]float64, chains*n), prop: make([]float64, chains*n), mom: make([]float64, chains*n),
			accept: make([]float64, chains), good: make([]bool, chains), jitter: r.Float64(), length: 0.1 + 2*r.Float64()}
		for i := range it.pos {
			j := i % n
			centre := 3 * math.Sin(float64(j))
			it.pos[i] = centre + (0.5+float64(j%3))*r.NormFloat64()
			it.prop[i] = centre + r.NormFloat64()
			it.mom[i] = r.NormFloat64()
		}
		for i := range it.accept {
			switch r.IntN(8) {
			case 0:
				it.accept[i] = 1
			case 1:
				it.accept[i] = 0
			case 2:
				it.accept[i] = 5e-5
			default:
				it.accept[i] = r.Float64()
			}
			it.good[i] = r.IntN(10) != 0
		}
		out = append(out, it)
	}
	return out
}

// TestShimAdaptation holds warmup's adaptation statistics reduced on the device (adapt.go) to the
// CPU warmup's own code (runtime.CheesGradient, HarmonicMean and Moments, which run cheesGradient,
// harmonicMean and welford), fed the values the device holds, in both precisions, over five
// iterations at 150 chains (groups of 64, 64 and 22) with stray chains, diverged and barely
// accepting ones. The tolerances are the forward error bounds of the summations, with a
// margin: a sum of n terms computed in any order is within γ_n·Σ|terms| of the exact sum
// (γ_n ≈ n·u, u = 2⁻⁵³; Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., §4.2),
// so two orders differ by at most 2γ_n·Σ|terms|:
//   - the ChEES gradient, a ratio of sums over the chains of terms each made of sums over the
//     coordinates: within 64·(C+D)·u·M, M = T·Σ a·(dProp + dPrev)·Σ|v·vel|·jitter / Σ a, the
//     sum of the magnitudes the cancellation (dProp − dPrev, signed terms) acts on;
//   - the harmonic mean, a sum of positive terms: within 4·C·u relative;
//   - the moments after N positions (Chan, Golub & LeVeque 1983: the updating and pairwise
//     algorithms' relative error in the sum of squares is bounded by N·κ·u with κ = √(1 + mean²/var)):
//     mean within 8·N·u·(|mean| + sd), M2 within 8·N·κ·u·M2, the co-moment (j, k) within
//     8·N·κ_j·κ_k·u·√(M2_j·M2_k).
//
// Last, the same run with 3 threads per block and blocks and threads in reverse order gives every
// number bit for bit: the reduction's order depends on the number of chains only.
func TestShimAdaptation(t *testing.T) {
	for _, c := range bundled {
		if c.name != "sparse_logistic_german_credit" && c.name != "eight_schools" {
			continue
		}
		for _, prec := range []Precision{Float64, Float32} {
			t.Run(c.name+"/"+prec.String(), func(t *testing.T) { testShimAdaptation(t, c.model, c.data, prec) })
		}
	}
}

func testShimAdaptation(t *testing.T, model, data string, prec Precision) {
	const chains, iterations = 150, 5
	m := cudagentest.Load(t, model, data)
	p, err := Generate(m, prec)
	if err != nil {
		t.Fatal(err)
	}
	n := p.Dim
	exe := buildShim(t, p, "c")
	r := rand.New(rand.NewPCG(11, uint64(n)))
	invM := make([]float64, n)
	for i := range invM {
		invM[i] = 0.3 + 2*r.Float64()
	}
	iters := randomIters(r, chains, n, iterations)
	dev, held, heldInvM := runAdapt(t, startShim(t, exe, p, chains, 32, 7), p, chains, invM, iters, true)

	cpu := runtime.NewMoments(n, true)
	for k, it := range held {
		out := dev.out[k]
		want := runtime.CheesGradient(it.prevHeld, it.prop, it.mom, it.accept, it.good, heldInvM, it.jitter, it.length)
		scale := cheesScale(it, heldInvM)
		if bound := 64 * float64(chains+n) * eps * scale; !(math.Abs(out[0]-want) <= bound) {
			t.Errorf("iteration %d: ChEES gradient %.17g, want %.17g (difference %.3g, bound %.3g)", k, out[0], want, out[0]-want, bound)
		}
		hm := runtime.HarmonicMean(it.accept, it.good)
		if math.Abs(out[1]-hm) > 4*chains*eps*hm {
			t.Errorf("iteration %d: harmonic mean acceptance %.17g, want %.17g", k, out[1], hm)
		}
		good := 0
		for _, g := range it.good {
			if g {
				good++
			}
		}
		if out[3] != float64(good) {
			t.Errorf("iteration %d: %g good chains, want %d", k, out[3], good)
		}
		cpu.Add(it.pos, it.good)
	}
	N := cpu.N()
	mean, m2, cov := cpu.Mean(), cpu.M2(), cpu.CoMoments()
	kappa := make([]float64, n)
	for j := 0; j < n; j++ {
		if dev.n[j] != N {
			t.Fatalf("coordinate %d: %g positions in the moments, want %g", j, dev.n[j], N)
		}
		sd := math.Sqrt(m2[j] / N)
		kappa[j] = math.Sqrt(1 + mean[j]*mean[j]/(sd*sd))
		if d := math.Abs(dev.mean[j] - mean[j]); d > 8*N*eps*(math.Abs(mean[j])+sd) {
			t.Errorf("mean[%d] = %.17g, want %.17g", j, dev.mean[j], mean[j])
		}
		if d := math.Abs(dev.m2[j] - m2[j]); d > 8*N*kappa[j]*eps*m2[j] {
			t.Errorf("M2[%d] = %.17g, want %.17g", j, dev.m2[j], m2[j])
		}
	}
	for j := 0; j < n; j++ {
		for k := 0; k <= j; k++ {
			got, want := dev.cov[j*n+k], cov[j*n+k]
			if d := math.Abs(got - want); d > 8*N*kappa[j]*kappa[k]*eps*math.Sqrt(m2[j]*m2[k]) {
				t.Errorf("co-moment [%d,%d] = %.17g, want %.17g", j, k, got, want)
			}
		}
	}

	// The order of the reduction does not depend on the block or the order blocks run.
	s := startShim(t, exe, p, chains, 3, 7)
	fmt.Fprintf(s.in, "order 1\n")
	again, _, _ := runAdapt(t, s, p, chains, invM, iters, true)
	same := func(what string, a, b []float64) {
		for i := range a {
			if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
				t.Errorf("%s[%d]: %.17g with 32 threads a block, %.17g with 3 in reverse order", what, i, a[i], b[i])
				return
			}
		}
	}
	for k := range dev.out {
		same(fmt.Sprintf("iteration %d out", k), dev.out[k], again.out[k])
	}
	same("mean", dev.mean, again.mean)
	same("M2", dev.m2, again.m2)
	same("co-moments", dev.cov, again.cov)
}

// cheesScale is M of TestShimAdaptation's ChEES bound, computed from the inputs (the means taken
// as zero: a magnitude, not an estimate).
func cheesScale(it adaptIter, invM []float64) float64 {
	n := len(invM)
	var num, used float64
	for i, acc := range it.accept {
		if !it.good[i] || acc <= 1e-4 {
			continue
		}
		var d, dot float64
		for j := 0; j < n; j++ {
			s := math.Sqrt(invM[j])
			u, v := it.prevHeld[i*n+j]/s, it.prop[i*n+j]/s
			d += u*u + v*v
			dot += math.Abs(v * invM[j] * it.mom[i*n+j] / s)
		}
		num += acc * d * dot * it.jitter
		used += acc
	}
	if used == 0 {
		return 0
	}
	return num / used * it.length
}

// TestShimAdaptationNoGoodChains: with every chain stray (or none accepting) ChEES's gradient
// and the harmonic mean are NaN, as runtime's are, which the adaptation discards, and the moments
// are left as they were.
func TestShimAdaptationNoGoodChains(t *testing.T) {
	const chains = 70
	m := cudagentest.Load(t, "../../models/eight_schools.model", "../../models/eight_schools.csv")
	p, err := Generate(m, Float64)
	if err != nil {
		t.Fatal(err)
	}
	n := p.Dim
	r := rand.New(rand.NewPCG(5, 6))
	iters := randomIters(r, chains, n, 2)
	for i := range iters[1].good {
		iters[1].good[i] = false
	}
	invM := make([]float64, n)
	for i := range invM {
		invM[i] = 1
	}
	dev, held, _ := runAdapt(t, startShim(t, buildShim(t, p, "c"), p, chains, 32, 7), p, chains, invM, iters, false)
	if !math.IsNaN(dev.out[1][0]) || !math.IsNaN(dev.out[1][1]) || dev.out[1][3] != 0 {
		t.Errorf("no good chain: gradient %g, harmonic mean %g, %g good chains; want NaN, NaN, 0", dev.out[1][0], dev.out[1][1], dev.out[1][3])
	}
	if g := runtime.CheesGradient(held[1].prevHeld, held[1].prop, held[1].mom, held[1].accept, held[1].good, invM, 0.5, 1); !math.IsNaN(g) {
		t.Errorf("runtime.CheesGradient with no good chain = %g, want NaN", g)
	}
	cpu := runtime.NewMoments(n, false)
	cpu.Add(held[0].pos, held[0].good)
	if dev.n[0] != cpu.N() {
		t.Errorf("moments after an iteration with no good chain count %g positions, want %g", dev.n[0], cpu.N())
	}
}
