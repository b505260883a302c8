package autodiff

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hmcc-dev/hmcc/dist"
)

// TestPointwiseSumsToTerm checks the pointwise densities against the fused terms of the log
// density, per chain: the generic loop, the fast Normal and Gamma paths, Bernoulli-logit's own
// kernel and both mixtures must give the same sum (to 1e-12 relative, the order of the
// additions being the same but the fast paths computing log σ once).
func TestPointwiseSumsToTerm(t *testing.T) {
	must := mustFor(t)
	normal, gamma, bern, studentT := lookup(t, "Normal"), lookup(t, "Gamma"), lookup(t, "BernoulliLogit"), lookup(t, "StudentT")
	const C = 3
	b := NewBuilder(C, 4)
	mu := must(b.Param(0, 1, unconstrained))
	s := must(b.Param(1, 1, positive))
	l := must(b.Param(2, 2, unconstrained))
	w := must(b.Param(3, 1, unit))
	y := b.Constant(1, 4, []float64{0.3, -1.2, 2.5, 0.9})
	pos := b.Constant(1, 4, []float64{0.3, 1.2, 2.5, 0.9})
	z := b.Constant(1, 2, []float64{1, 0})
	type pair struct {
		name      string
		term      func() error
		pointwise func() (Node, error)
	}
	cases := []pair{
		{"Normal", func() error { return b.LogDensity(normal, y, mu, s) }, func() (Node, error) { return b.Pointwise(normal, y, mu, s) }},
		{"Gamma", func() error { return b.LogDensity(gamma, pos, s, s) }, func() (Node, error) { return b.Pointwise(gamma, pos, s, s) }},
		{"StudentT", func() error { return b.LogDensity(studentT, y, s, mu, s) }, func() (Node, error) { return b.Pointwise(studentT, y, s, mu, s) }},
		{"BernoulliLogit", func() error { return b.LogDensity(bern, z, l) }, func() (Node, error) { return b.Pointwise(bern, z, l) }},
		{"Mixture", func() error { return b.Mixture(normal, y, w, mu, s) }, func() (Node, error) { return b.MixturePointwise(normal, y, w, mu, s) }},
		{"MixtureOf", func() error {
			return b.MixtureOf([]*dist.Dist{normal, studentT}, y, w, [][]Node{{mu, s}, {s, mu, s}})
		}, func() (Node, error) {
			return b.MixtureOfPointwise([]*dist.Dist{normal, studentT}, y, w, [][]Node{{mu, s}, {s, mu, s}})
		}},
	}
	var outs []Node
	for _, c := range cases {
		if err := c.term(); err != nil {
			t.Fatal(err)
		}
		outs = append(outs, b.terms[len(b.terms)-1], must(c.pointwise()))
	}
	f, err := b.CompileForward(outs)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	theta := make([]float64, C*4)
	for i := range theta {
		theta[i] = 2*rng.Float64() - 1
	}
	if err := f.Eval(theta, nil); err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		term, rows, cols := f.Output(2 * i)
		pw, prow, pcols := f.Output(2*i + 1)
		if rows != C || cols != 1 || prow != C {
			t.Fatalf("%s: term [%d,%d], pointwise [%d,%d]", c.name, rows, cols, prow, pcols)
		}
		for r := 0; r < C; r++ {
			sum := 0.0
			for _, v := range pw[r*pcols : (r+1)*pcols] {
				sum += v
			}
			if math.Abs(sum-term[r]) > 1e-12*math.Abs(term[r]) {
				t.Errorf("%s chain %d: pointwise values sum to %v, the term is %v", c.name, r, sum, term[r])
			}
		}
	}
}

// TestDrawsFollowTheirChain checks that chained draws use each chain's stream in the order they
// were chained, element by element (arguments broadcast per element and per chain), whatever
// order the outputs are asked in.
func TestDrawsFollowTheirChain(t *testing.T) {
	must := mustFor(t)
	normal, poisson := lookup(t, "Normal"), lookup(t, "Poisson")
	const C = 2
	b := NewBuilder(C, 1)
	mu := must(b.Param(0, 1, unconstrained))
	sd := b.Constant(1, 3, []float64{1, 2, 3})
	first := must(b.Draw(normal, 3, nil, mu, sd))
	lam := b.Constant(1, 1, []float64{4})
	second := must(b.Draw(poisson, 2, first, lam))
	f, err := b.CompileForward([]Node{second, first})
	if err != nil {
		t.Fatal(err)
	}
	theta := []float64{0.5, -2}
	rngs := []*rand.Rand{rand.New(rand.NewPCG(1, 1)), rand.New(rand.NewPCG(1, 2))}
	if err := f.Eval(theta, rngs); err != nil {
		t.Fatal(err)
	}
	if err := f.Eval(theta, nil); err == nil {
		t.Error("a graph that draws evaluated without random sources")
	}
	a, _, _ := f.Output(1)
	p, _, _ := f.Output(0)
	for r := 0; r < C; r++ {
		ref := rand.New(rand.NewPCG(1, uint64(r+1)))
		for j := 0; j < 3; j++ {
			if want := normal.Rand(ref, []float64{theta[r], float64(j + 1)}); a[r*3+j] != want {
				t.Errorf("chain %d: Normal draw %d = %v, want %v", r, j, a[r*3+j], want)
			}
		}
		for j := 0; j < 2; j++ {
			if want := poisson.Rand(ref, []float64{4}); p[r*2+j] != want {
				t.Errorf("chain %d: Poisson draw %d = %v, want %v", r, j, p[r*2+j], want)
			}
		}
	}
}
