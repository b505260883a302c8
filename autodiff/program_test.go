package autodiff

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/dist"
	"github.com/hmcc-dev/hmcc/internal/closedform"
	"github.com/hmcc-dev/hmcc/ir"
)

func lookup(t *testing.T, name string) *dist.Dist {
	t.Helper()
	d, ok := dist.Lookup(name)
	if !ok {
		t.Fatalf("no distribution %s", name)
	}
	return d
}

var (
	unconstrained = ir.Constraint{Kind: ir.Unconstrained}
	positive      = ir.Constraint{Kind: ir.LowerBound}
	unit          = ir.Constraint{Kind: ir.Interval, Lo: 0, Hi: 1}
	interval      = ir.Constraint{Kind: ir.Interval, Lo: -3, Hi: 5}
)

func logistic(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// graphCase is a small graph and the same log density computed by hand for one chain.
type graphCase struct {
	name  string
	dim   int
	build func(t *testing.T, b *Builder)
	ref   func(th []float64) float64
}

// mustFor returns a function that unwraps a builder result, failing t on an error.
func mustFor(t *testing.T) func(Node, error) Node {
	return func(n Node, err error) Node {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
}

func graphCases(t *testing.T) []graphCase {
	normal, gamma, bern := lookup(t, "Normal"), lookup(t, "Gamma"), lookup(t, "BernoulliLogit")
	add, sub, mul, div, pow := ir.BinaryOps["+"], ir.BinaryOps["-"], ir.BinaryOps["*"], ir.BinaryOps["/"], ir.BinaryOps["^"]
	y := []float64{0.3, -1.2, 2.5, 0.9}
	sig := []float64{0.5, 1, 2, 1.5}
	M := []float64{ // [5, 3]
		1, 0, 2,
		-1, 3, 0.5,
		0.2, 0.2, -0.7,
		4, -2, 1,
		0, 1, 0,
	}
	ybin := []float64{1, 0, 0, 1, 1}
	return []graphCase{
		{
			// a [C,1] times a constant row [1,K] gives [C,K]; a vector param [C,K] minus it; a
			// constant [1,K] on the left of a [C,1]; a [1,1] constant divisor.
			name: "broadcasting",
			dim:  5,
			build: func(t *testing.T, b *Builder) {
				must := mustFor(t)
				a := must(b.Param(0, 1, unconstrained))
				v := must(b.Param(1, 4, positive))
				w := b.Constant(1, 4, []float64{1, -2, 3, 0.5})
				z1 := must(b.Binary(mul, a, w))                                             // [C,1]*[1,K]
				z2 := must(b.Binary(sub, v, z1))                                            // [C,K]-[C,K]
				z3 := must(b.Binary(div, z2, b.Constant(1, 1, []float64{2})))               // [C,K]/[1,1]
				z4 := must(b.Binary(add, b.Constant(1, 4, []float64{0, 0.1, 0.2, 0.3}), a)) // [1,K]+[C,1]
				z5 := must(b.Binary(sub, a, z3))                                            // [C,1]-[C,K]
				mu := must(b.Binary(add, z5, z4))
				if err := b.LogDensity(normal, b.Constant(1, 4, y), mu, b.Constant(1, 4, sig)); err != nil {
					t.Fatal(err)
				}
			},
			ref: func(th []float64) float64 {
				a := th[0]
				w := []float64{1, -2, 3, 0.5}
				lp := 0.0
				for k := 0; k < 4; k++ {
					v := math.Exp(th[1+k])
					lp += th[1+k] // log-Jacobian of exp
					z3 := (v - a*w[k]) / 2
					mu := (a - z3) + (0.1*float64(k) + a)
					lp += closedform.Normal(y[k], mu, sig[k])
				}
				return lp
			},
		},
		{
			// priors on params, a param used in several places, x ⊙ x, and a per-chain scale [C,1]
			name: "priors and reuse",
			dim:  4,
			build: func(t *testing.T, b *Builder) {
				must := mustFor(t)
				s := must(b.Param(0, 1, positive))
				v := must(b.Param(1, 3, unconstrained))
				if err := b.LogDensity(gamma, s, b.Constant(1, 1, []float64{2}), b.Constant(1, 1, []float64{0.5})); err != nil {
					t.Fatal(err)
				}
				if err := b.LogDensity(normal, v, b.Constant(1, 1, []float64{0}), s); err != nil {
					t.Fatal(err)
				}
				sq := must(b.Binary(mul, v, v))
				if err := b.LogDensity(normal, b.Constant(1, 3, []float64{1, 2, 0.5}), sq, s); err != nil {
					t.Fatal(err)
				}
			},
			ref: func(th []float64) float64 {
				s := math.Exp(th[0])
				lp := th[0] + closedform.Gamma(s, 2, 0.5)
				obs := []float64{1, 2, 0.5}
				for k := 0; k < 3; k++ {
					v := th[1+k]
					lp += closedform.Normal(v, 0, s) + closedform.Normal(obs[k], v*v, s)
				}
				return lp
			},
		},
		{
			// a data matrix times every chain's vector, then a sum and a logistic likelihood
			name: "matvec and sum",
			dim:  4,
			build: func(t *testing.T, b *Builder) {
				must := mustFor(t)
				beta := must(b.Param(0, 3, unconstrained))
				c := must(b.Param(3, 1, interval))
				eta := must(b.MatVec(b.Constant(5, 3, M), beta))
				eta = must(b.Binary(add, eta, c))
				if err := b.LogDensity(bern, b.Constant(1, 5, ybin), eta); err != nil {
					t.Fatal(err)
				}
				total := must(b.Sum(beta))
				if err := b.LogDensity(normal, b.Constant(1, 1, []float64{0.7}), total, b.Constant(1, 1, []float64{2})); err != nil {
					t.Fatal(err)
				}
			},
			ref: func(th []float64) float64 {
				u := logistic(th[3])
				c := -3 + 8*u
				lp := math.Log(8 * u * (1 - u))
				for i := 0; i < 5; i++ {
					eta := c
					for j := 0; j < 3; j++ {
						eta += M[i*3+j] * th[j]
					}
					lp += closedform.BernoulliLogit(ybin[i], eta)
				}
				return lp + closedform.Normal(0.7, th[0]+th[1]+th[2], 2)
			},
		},
		{
			// mean of a per-chain vector, dot of two per-chain vectors, dot of a per-chain
			// vector with a data row [1,K] on either side, and mean of a per-chain scalar [C,1]
			name: "mean and dot",
			dim:  7,
			build: func(t *testing.T, b *Builder) {
				must := mustFor(t)
				u := must(b.Param(0, 3, unconstrained))
				v := must(b.Param(3, 3, positive))
				s := must(b.Param(6, 1, unconstrained))
				w := b.Constant(1, 3, []float64{0.5, -1, 2})
				m := must(b.Mean(u))
				uv := must(b.Dot(u, v))
				wu := must(b.Dot(w, u))
				vw := must(b.Dot(v, w))
				ms := must(b.Mean(s))
				mu := must(b.Binary(add, must(b.Binary(mul, m, uv)), must(b.Binary(sub, wu, vw))))
				mu = must(b.Binary(add, mu, ms))
				if err := b.LogDensity(normal, b.Constant(1, 2, []float64{0.3, -0.4}), mu, b.Constant(1, 1, []float64{2})); err != nil {
					t.Fatal(err)
				}
			},
			ref: func(th []float64) float64 {
				w := []float64{0.5, -1, 2}
				lp := th[3] + th[4] + th[5]
				m, uv, wu, vw := 0.0, 0.0, 0.0, 0.0
				for k := 0; k < 3; k++ {
					v := math.Exp(th[3+k])
					m += th[k] / 3
					uv += th[k] * v
					wu += w[k] * th[k]
					vw += v * w[k]
				}
				mu := m*uv + (wu - vw) + th[6]
				return lp + closedform.Normal(0.3, mu, 2) + closedform.Normal(-0.4, mu, 2)
			},
		},
		{
			// every unary function and ^, on values kept in their domains
			name: "unary functions",
			dim:  3,
			build: func(t *testing.T, b *Builder) {
				must := mustFor(t)
				p := must(b.Param(0, 2, positive))
				q := must(b.Param(2, 1, unit))
				f := func(name string, x Node) Node { return must(b.Unary(ir.Funcs[name], x)) }
				e1 := must(b.Binary(add, f("log", p), f("sqrt", p)))
				e2 := must(b.Binary(add, f("lgamma", must(b.Binary(add, p, b.Constant(1, 1, []float64{0.5})))), f("log1p", p)))
				e3 := must(b.Binary(mul, f("softplus", must(b.Unary(ir.Negate, p))), f("inv_logit", q)))
				e4 := must(b.Binary(pow, p, must(b.Binary(add, q, b.Constant(1, 1, []float64{1})))))
				e5 := f("exp", must(b.Binary(mul, q, b.Constant(1, 1, []float64{-1}))))
				mu := must(b.Binary(add, must(b.Binary(add, e1, e2)), must(b.Binary(sub, e3, e4))))
				mu = must(b.Binary(add, mu, e5))
				if err := b.LogDensity(normal, b.Constant(1, 2, []float64{1, -1}), mu, b.Constant(1, 1, []float64{3})); err != nil {
					t.Fatal(err)
				}
			},
			ref: func(th []float64) float64 {
				u := logistic(th[2])
				lp := th[0] + th[1] + math.Log(u*(1-u))
				obs := []float64{1, -1}
				for k := 0; k < 2; k++ {
					p := math.Exp(th[k])
					lg, _ := math.Lgamma(p + 0.5)
					mu := math.Log(p) + math.Sqrt(p) + lg + math.Log1p(p) +
						math.Log1p(math.Exp(-p))*logistic(u) - math.Pow(p, u+1) + math.Exp(-u)
					lp += closedform.Normal(obs[k], mu, 3)
				}
				return lp
			},
		},
		{
			// a[g] with groups repeated and one group (index 3) never used: the gradient of the
			// gather is a scatter-add, so a[2], used three times, gets three contributions, and a
			// gathered value used twice (mean and, squared, the scale) gets both.
			name: "gather",
			dim:  5,
			build: func(t *testing.T, b *Builder) {
				must := mustFor(t)
				a := must(b.Param(0, 4, unconstrained))
				s := must(b.Param(4, 1, positive))
				if err := b.LogDensity(normal, a, b.Constant(1, 1, []float64{0}), b.Constant(1, 1, []float64{1})); err != nil {
					t.Fatal(err)
				}
				ga := must(b.Gather(a, []int{2, 0, 2, 1, 2, 0}))
				scale := must(b.Binary(add, s, must(b.Binary(mul, ga, ga))))
				obs := b.Constant(1, 6, []float64{0.5, -1, 2, 0.1, 1.5, -0.3})
				if err := b.LogDensity(normal, obs, ga, scale); err != nil {
					t.Fatal(err)
				}
			},
			ref: func(th []float64) float64 {
				lp := th[4]
				for k := 0; k < 4; k++ {
					lp += closedform.Normal(th[k], 0, 1)
				}
				s := math.Exp(th[4])
				obs := []float64{0.5, -1, 2, 0.1, 1.5, -0.3}
				for i, g := range []int{2, 0, 2, 1, 2, 0} {
					lp += closedform.Normal(obs[i], th[g], s+th[g]*th[g])
				}
				return lp
			},
		},
	}
}

func TestGraphValuesAndGradients(t *testing.T) {
	const chains = 3
	for _, gc := range graphCases(t) {
		t.Run(gc.name, func(t *testing.T) {
			b := NewBuilder(chains, gc.dim)
			gc.build(t, b)
			prog, err := b.Compile()
			if err != nil {
				t.Fatal(err)
			}
			if prog.Chains() != chains || prog.Dim() != gc.dim {
				t.Fatalf("Chains %d Dim %d", prog.Chains(), prog.Dim())
			}
			rng := rand.New(rand.NewPCG(3, uint64(gc.dim)))
			lp, g := make([]float64, chains), make([]float64, chains*gc.dim)
			lp2, g2 := make([]float64, chains), make([]float64, chains*gc.dim)
			for point := 0; point < 3; point++ {
				theta := make([]float64, chains*gc.dim)
				for i := range theta {
					theta[i] = 0.8 * rng.NormFloat64()
				}
				if err := prog.LogDensityGrad(theta, lp, g); err != nil {
					t.Fatal(err)
				}
				for c := 0; c < chains; c++ {
					want := gc.ref(theta[c*gc.dim : (c+1)*gc.dim])
					if math.Abs(lp[c]-want) > 1e-12*math.Max(1, math.Abs(want)) {
						t.Errorf("point %d chain %d: log density %.15g, want %.15g", point, c, lp[c], want)
					}
				}
				// gradient: central differences of the reference, one coordinate of one chain at a time
				for c := 0; c < chains; c++ {
					row := append([]float64(nil), theta[c*gc.dim:(c+1)*gc.dim]...)
					for k := range row {
						x, h := row[k], 1e-6
						row[k] = x + h
						up := gc.ref(row)
						row[k] = x - h
						down := gc.ref(row)
						row[k] = x
						fd := (up - down) / (2 * h)
						got := g[c*gc.dim+k]
						if math.Abs(got-fd) > 1e-6*math.Max(1, math.Abs(fd)) {
							t.Errorf("point %d chain %d coordinate %d: gradient %.10g, finite difference %.10g", point, c, k, got, fd)
						}
					}
				}
				// the same θ again gives the same numbers bit for bit (buffers are reused, not accumulated)
				if err := prog.LogDensityGrad(theta, lp2, g2); err != nil {
					t.Fatal(err)
				}
				for i := range lp {
					if lp2[i] != lp[i] {
						t.Errorf("second evaluation: log density %v, first %v", lp2[i], lp[i])
					}
				}
				for i := range g {
					if g2[i] != g[i] {
						t.Errorf("second evaluation: gradient[%d] %v, first %v", i, g2[i], g[i])
					}
				}
			}
		})
	}
}

// TestProgramStateBetweenCalls evaluates θ1, θ2, θ1: the last call must repeat the first exactly
// and the middle one must differ in every chain.
func TestProgramStateBetweenCalls(t *testing.T) {
	const chains = 2
	for _, gc := range graphCases(t) {
		t.Run(gc.name, func(t *testing.T) {
			b := NewBuilder(chains, gc.dim)
			gc.build(t, b)
			prog, err := b.Compile()
			if err != nil {
				t.Fatal(err)
			}
			n := chains * gc.dim
			th1, th2 := make([]float64, n), make([]float64, n)
			for i := range th1 {
				th1[i] = 0.1 * float64(i%5)
				th2[i] = th1[i] - 0.3
			}
			eval := func(th []float64) ([]float64, []float64) {
				lp, g := make([]float64, chains), make([]float64, n)
				if err := prog.LogDensityGrad(th, lp, g); err != nil {
					t.Fatal(err)
				}
				return lp, g
			}
			lpA, gA := eval(th1)
			lpB, gB := eval(th2)
			lpC, gC := eval(th1)
			for c := 0; c < chains; c++ {
				if lpB[c] == lpA[c] {
					t.Errorf("chain %d: changing θ did not change the log density (%v)", c, lpA[c])
				}
				if lpC[c] != lpA[c] {
					t.Errorf("chain %d: log density %v, then %v at the same θ", c, lpA[c], lpC[c])
				}
			}
			same := true
			for i := range gA {
				same = same && gA[i] == gB[i]
				if gC[i] != gA[i] {
					t.Errorf("gradient[%d]: %v, then %v at the same θ", i, gA[i], gC[i])
				}
			}
			if same {
				t.Errorf("changing θ did not change the gradient")
			}
		})
	}
}

func TestBuilderErrors(t *testing.T) {
	normal := lookup(t, "Normal")
	b := NewBuilder(2, 3)
	if _, err := b.Compile(); err == nil || err.Error() != "internal error: the model has no log-density terms" {
		t.Errorf("empty graph: %v", err)
	}
	if _, err := b.Param(2, 2, unconstrained); err == nil || !strings.Contains(err.Error(), "slice [2:4]") {
		t.Errorf("slice past θ: %v", err)
	}
	if _, err := b.Binary(ir.BinaryOps["+"], b.Constant(1, 3, []float64{1, 2, 3}), b.Constant(1, 4, []float64{1, 2, 3, 4})); err == nil ||
		!strings.Contains(err.Error(), "does not broadcast") {
		t.Errorf("[1,3] + [1,4]: %v", err)
	}
	if _, err := b.MatVec(b.Constant(2, 2, []float64{1, 2, 3, 4}), b.Constant(1, 3, []float64{1, 2, 3})); err == nil {
		t.Errorf("[2,2] @ [1,3] built")
	}
	// a log density that does not depend on θ cannot be sampled
	if err := b.LogDensity(normal, b.Constant(1, 1, []float64{0}), b.Constant(1, 1, []float64{0}), b.Constant(1, 1, []float64{1})); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Compile(); err == nil || err.Error() != "internal error: the log density does not depend on the parameters" {
		t.Errorf("constant log density: %v", err)
	}
	// Active tracks dependence on θ
	p, err := b.Param(0, 1, positive)
	if err != nil {
		t.Fatal(err)
	}
	c := b.Constant(1, 1, []float64{1})
	must := mustFor(t)
	if !b.Active(p) || b.Active(c) || !b.Active(must(b.Binary(ir.BinaryOps["*"], c, p))) {
		t.Errorf("Active is wrong")
	}
}

// TestConstantTermsCount checks that a term with no parameters still adds its value.
func TestConstantTermsCount(t *testing.T) {
	normal := lookup(t, "Normal")
	b := NewBuilder(2, 1)
	must := mustFor(t)
	x := must(b.Param(0, 1, unconstrained))
	if err := b.LogDensity(normal, x, b.Constant(1, 1, []float64{0}), b.Constant(1, 1, []float64{1})); err != nil {
		t.Fatal(err)
	}
	if err := b.LogDensity(normal, b.Constant(1, 2, []float64{1, 2}), b.Constant(1, 1, []float64{0}), b.Constant(1, 1, []float64{2})); err != nil {
		t.Fatal(err)
	}
	prog, err := b.Compile()
	if err != nil {
		t.Fatal(err)
	}
	lp, g := make([]float64, 2), make([]float64, 2)
	if err := prog.LogDensityGrad([]float64{0.5, -2}, lp, g); err != nil {
		t.Fatal(err)
	}
	k := closedform.Normal(1, 0, 2) + closedform.Normal(2, 0, 2)
	for c, x := range []float64{0.5, -2} {
		if want := closedform.Normal(x, 0, 1) + k; math.Abs(lp[c]-want) > 1e-14 {
			t.Errorf("chain %d: %v, want %v", c, lp[c], want)
		}
		if g[c] != -x {
			t.Errorf("chain %d: gradient %v, want %v", c, g[c], -x)
		}
	}
}

// TestNaNIsMinusInf: a log density that is NaN (here log of a negative number) is reported as −∞.
func TestNaNIsMinusInf(t *testing.T) {
	normal := lookup(t, "Normal")
	b := NewBuilder(2, 1)
	must := mustFor(t)
	x := must(b.Param(0, 1, unconstrained))
	lx := must(b.Unary(ir.Funcs["log"], x))
	if err := b.LogDensity(normal, b.Constant(1, 1, []float64{0}), lx, b.Constant(1, 1, []float64{1})); err != nil {
		t.Fatal(err)
	}
	prog, err := b.Compile()
	if err != nil {
		t.Fatal(err)
	}
	lp, g := make([]float64, 2), make([]float64, 2)
	if err := prog.LogDensityGrad([]float64{-1, math.E}, lp, g); err != nil {
		t.Fatal(err)
	}
	if !math.IsInf(lp[0], -1) {
		t.Errorf("log(-1): log density %v, want -Inf", lp[0])
	}
	if want := closedform.Normal(0, 1, 1); math.Abs(lp[1]-want) > 1e-15 {
		t.Errorf("other chain: %v, want %v", lp[1], want)
	}
}

// The Bernoulli-logit fast path must agree with the registry's density and derivative term by
// term, including in the tails.
func TestBernoulliLogitRowsMatchesRegistry(t *testing.T) {
	d, _ := dist.Lookup("BernoulliLogit")
	y := []float64{0, 1, 1, 0, 1, 0}
	l := []float64{-745, -40, -1e-9, 0, 3.5, 36, 700, 1, -1, 0.25, -0.25, 19}
	K := len(y)
	out := make([]float64, 2)
	dl := make([]float64, len(l))
	bernoulliLogitRows(y, l, dl, out, K)
	der := make([]float64, 2)
	for r := 0; r < 2; r++ {
		want := 0.0
		for c := 0; c < K; c++ {
			want += d.LogDensity(y[c], []float64{l[r*K+c]}, der)
			if dl[r*K+c] != der[1] {
				t.Errorf("row %d col %d: derivative %v, registry %v", r, c, dl[r*K+c], der[1])
			}
		}
		if out[r] != want {
			t.Errorf("row %d: %v, registry %v", r, out[r], want)
		}
	}
}

// The kernel in use (vectorised C where cgo is on) must agree with the pure-Go one.
func TestBernoulliKernelInUseMatchesGo(t *testing.T) {
	t.Logf("native vectorised kernel: %v", nativeBernoulli)
	rng := rand.New(rand.NewPCG(5, 6))
	const R, K = 3, 1001
	y := make([]float64, K)
	l := make([]float64, R*K)
	for i := range y {
		y[i] = float64(rng.IntN(2))
	}
	for i := range l {
		l[i] = rng.NormFloat64() * 10
	}
	l[0], l[1], l[2], l[3] = 0, -745, 700, 1e-12
	want, got := make([]float64, R), make([]float64, R)
	wantD, gotD := make([]float64, R*K), make([]float64, R*K)
	bernoulliLogitRows(y, l, wantD, want, K)
	bernoulliRows(y, l, gotD, got, K)
	for r := range want {
		if math.Abs(got[r]-want[r]) > 1e-13*math.Abs(want[r]) {
			t.Errorf("row %d: %.17g, Go kernel %.17g", r, got[r], want[r])
		}
	}
	for i := range wantD {
		if math.Abs(gotD[i]-wantD[i]) > 1e-15+1e-13*math.Abs(wantD[i]) {
			t.Fatalf("derivative %d: %.17g, Go kernel %.17g", i, gotD[i], wantD[i])
		}
	}
	noD := make([]float64, R)
	bernoulliRows(y, l, nil, noD, K)
	for r := range noD {
		if math.Abs(noD[r]-want[r]) > 1e-13*math.Abs(want[r]) {
			t.Errorf("row %d without derivatives: %.17g, want %.17g", r, noD[r], want[r])
		}
	}
	nan := append([]float64(nil), l...)
	nan[K+5] = math.NaN()
	bernoulliRows(y, nan, gotD, got, K)
	if !math.IsNaN(got[1]) || math.IsNaN(got[0]) || math.IsNaN(got[2]) {
		t.Errorf("a NaN logit must make its row, and only its row, NaN: %v", got)
	}
}

func TestGatherOutOfRange(t *testing.T) {
	b := NewBuilder(2, 3)
	a, err := b.Param(0, 3, unconstrained)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Gather(a, []int{0, 3}); err == nil || !strings.Contains(err.Error(), "gather index 3 outside a vector of 3") {
		t.Errorf("Gather out of range: err = %v", err)
	}
}
