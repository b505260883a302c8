package compiler

import (
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/hmcc-dev/hmcc/internal/closedform"
	"github.com/hmcc-dev/hmcc/ir"
)

// TestMixtureLogDensity checks the fused mixture kernel, the ordered transform with its
// log-Jacobian, both forms of log_sum_exp and an observed expression of data against a reference
// written out by hand, for several chains at once: the log density to 1e-12 and every gradient
// coordinate against a central difference of the reference.
//
//	mixture:  log Σₖ wₖ normal_lpdf(yᵢ | μₖ, s)         (Stan's log_mix)
//	ordered:  μ₁ = x₁, μₖ = μₖ₋₁ + exp(xₖ), log |J| = Σₖ₌₂ xₖ  (Stan Reference Manual, ordered vector)
func TestMixtureLogDensity(t *testing.T) {
	src := lines(
		`data y[N] = column "y"`,
		`data x[N] = column "x"`,
		"param w[3] ~ Dirichlet(2)",
		"param mu[3] ~ Ordered(Normal(0, 5))",
		"param s ~ HalfNormal(1)",
		"param a ~ Normal(0, 1)",
		"let b = log_sum_exp(mu) + log_sum_exp(a, x)",
		"y ~ Mixture(w, Normal(mu, s))",
		"log(x + 2) ~ Normal(a + 0.1 * b, 1)")
	dir := t.TempDir()
	modelPath, csvPath := dir+"/m.model", dir+"/d.csv"
	if err := os.WriteFile(modelPath, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(csvPath, []byte("y,x\n1.5,0\n-0.5,1\n3,2\n0.25,-1\n-2,0.5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ys, xs := []float64{1.5, -0.5, 3, 0.25, -2}, []float64{0, 1, 2, -1, 0.5}
	lse := func(v ...float64) float64 {
		m := math.Inf(-1)
		for _, x := range v {
			m = math.Max(m, x)
		}
		s := 0.0
		for _, x := range v {
			s += math.Exp(x - m)
		}
		return m + math.Log(s)
	}
	simplex := ir.Constraint{Kind: ir.Simplex}
	ref := func(th []float64) float64 {
		w := make([]float64, 3)
		lp := simplex.ConstrainAll(th[0:2], w)
		// Dirichlet(2, 2, 2): lgamma(6) − 3 lgamma(2) + Σ log wₖ
		lg6, _ := math.Lgamma(6)
		lp += lg6 + math.Log(w[0]) + math.Log(w[1]) + math.Log(w[2])
		mu := []float64{th[2], th[2] + math.Exp(th[3]), th[2] + math.Exp(th[3]) + math.Exp(th[4])}
		lp += th[3] + th[4]
		for _, m := range mu {
			lp += closedform.Normal(m, 0, 5)
		}
		s, a := math.Exp(th[5]), th[6]
		lp += math.Log(2) + closedform.Normal(s, 0, 1) + th[5]
		lp += closedform.Normal(a, 0, 1)
		for i, y := range ys {
			lp += lse(math.Log(w[0])+closedform.Normal(y, mu[0], s), math.Log(w[1])+closedform.Normal(y, mu[1], s),
				math.Log(w[2])+closedform.Normal(y, mu[2], s))
			b := lse(mu...) + lse(a, xs[i])
			lp += closedform.Normal(math.Log(xs[i]+2), a+0.1*b, 1)
		}
		return lp
	}
	const chains = 3
	m, prog := compile(t, modelPath, csvPath, chains)
	dim := m.Dim()
	if dim != 7 {
		t.Fatalf("dim %d, want 7", dim)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	matchReference(t, prog, chains, dim, rng, m.CoordinateNames(), ref)
	// The reference evaluator (used for the pointwise log-likelihood and the messages) agrees.
	theta := randomTheta(rng, 1, dim, 1)
	out := make([]float64, naturalLen(m))
	env := constrainedEnv(m, theta, out)
	total := 0.0
	for _, p := range m.Params {
		v, err := p.Prior.LogDensity(env)
		if err != nil {
			t.Fatal(err)
		}
		total += v + p.Constraint.ConstrainAll(theta[p.Offset:p.Offset+p.Len], make([]float64, m.Sizes.Len(p.Shape)))
	}
	for _, term := range m.Terms {
		v, err := term.LogDensity(env)
		if err != nil {
			t.Fatal(err)
		}
		total += v
	}
	if want := ref(theta); !relClose(total, want, 1e-12) {
		t.Errorf("ir evaluation %.15g, reference %.15g", total, want)
	}
}

// TestOrderedUnconstrain round-trips an ordered vector and refuses one that does not increase.
func TestOrderedUnconstrain(t *testing.T) {
	c := ir.Constraint{Kind: ir.Ordered}
	y := []float64{-1.5, 0.25, 3}
	x := make([]float64, 3)
	if err := c.UnconstrainAll(y, x); err != nil {
		t.Fatal(err)
	}
	back := make([]float64, 3)
	if lj := c.ConstrainAll(x, back); math.Abs(lj-(x[1]+x[2])) > 1e-15 {
		t.Errorf("log-Jacobian %v, want %v", lj, x[1]+x[2])
	}
	for i := range y {
		if math.Abs(back[i]-y[i]) > 1e-14 {
			t.Errorf("round trip %v, want %v", back, y)
		}
	}
	if err := c.UnconstrainAll([]float64{1, 1}, x); err == nil || err.Error() != "element 2 is 1, not more than element 1 (1); an ordered vector increases" {
		t.Errorf("got %v", err)
	}
}

// TestMixtureScalarWeight: Mixture(θ, Normal(mu, sigma)) with a scalar θ is Stan's
// log_mix(θ, normal_lpdf(y | μ₁, σ₁), normal_lpdf(y | μ₂, σ₂)) (posteriordb's low_dim_gauss_mix),
// checked with its gradient against a hand-written reference over a batch of chains.
func TestMixtureScalarWeight(t *testing.T) {
	src := lines(
		`data y[N] = column "y"`,
		"param theta ~ Beta(5, 5)",
		"param mu[2] ~ Ordered(Normal(0, 2))",
		"param sigma[2] ~ HalfNormal(2)",
		"y ~ Mixture(theta, Normal(mu, sigma))")
	dir := t.TempDir()
	modelPath, csvPath := dir+"/m.model", dir+"/d.csv"
	os.WriteFile(modelPath, []byte(src), 0o644)
	os.WriteFile(csvPath, []byte("y\n1.5\n-0.5\n3\n0.25\n-2\n"), 0o644)
	ys := []float64{1.5, -0.5, 3, 0.25, -2}
	ref := func(th []float64) float64 {
		theta := 1 / (1 + math.Exp(-th[0]))
		lb, _ := math.Lgamma(10)
		l5, _ := math.Lgamma(5)
		lp := lb - 2*l5 + 4*math.Log(theta) + 4*math.Log(1-theta) + math.Log(theta) + math.Log(1-theta)
		mu := []float64{th[1], th[1] + math.Exp(th[2])}
		lp += th[2] + closedform.Normal(mu[0], 0, 2) + closedform.Normal(mu[1], 0, 2)
		s := []float64{math.Exp(th[3]), math.Exp(th[4])}
		for _, v := range s {
			lp += math.Log(2) + closedform.Normal(v, 0, 2)
		}
		lp += th[3] + th[4]
		for _, y := range ys {
			a, b := math.Log(theta)+closedform.Normal(y, mu[0], s[0]), math.Log(1-theta)+closedform.Normal(y, mu[1], s[1])
			m := math.Max(a, b)
			lp += m + math.Log(math.Exp(a-m)+math.Exp(b-m))
		}
		return lp
	}
	const chains = 4
	m, prog := compile(t, modelPath, csvPath, chains)
	dim := m.Dim()
	rng := rand.New(rand.NewPCG(11, 11))
	matchReference(t, prog, chains, dim, rng, nil, ref)
	// the pointwise log-likelihood sums to the likelihood term
	th := randomTheta(rng, 1, dim, 1)
	ll := make([]float64, len(LogLikNames(m)))
	if err := LogLik(m, th, ll); err != nil {
		t.Fatal(err)
	}
	env := constrainedEnv(m, th, make([]float64, naturalLen(m)))
	want, _ := m.Terms[0].LogDensity(env)
	sum := 0.0
	for _, v := range ll {
		sum += v
	}
	if len(ll) != 5 || !relClose(sum, want, 1e-12) {
		t.Errorf("log_lik %v sums to %v, the term is %v", ll, sum, want)
	}
}

// checkAgainstReference compiles src with the CSV text for a batch of chains and compares the
// log density (1e-12) and every gradient coordinate (central differences of ref) at random points.
func checkAgainstReference(t *testing.T, src, csv string, ref func([]float64) float64) {
	t.Helper()
	dir := t.TempDir()
	modelPath, csvPath := dir+"/m.model", dir+"/d.csv"
	os.WriteFile(modelPath, []byte(src), 0o644)
	os.WriteFile(csvPath, []byte(csv), 0o644)
	const chains = 3
	m, prog := compile(t, modelPath, csvPath, chains)
	dim := m.Dim()
	rng := rand.New(rand.NewPCG(13, uint64(dim)))
	matchReference(t, prog, chains, dim, rng, nil, ref)
	// the reference evaluator's pointwise log-likelihood adds up to the likelihood
	th := randomTheta(rng, 1, dim, 1)
	env := constrainedEnv(m, th, make([]float64, naturalLen(m)))
	for _, term := range m.Terms {
		pw, err := term.Pointwise(env)
		if err != nil {
			t.Fatal(err)
		}
		sum := 0.0
		for _, v := range pw {
			sum += v
		}
		full := ref(th)
		for _, p := range m.Params {
			v, _ := p.Prior.LogDensity(env)
			full -= v + p.Constraint.ConstrainAll(th[p.Offset:p.Offset+p.Len], make([]float64, m.Sizes.Len(p.Shape)))
		}
		if len(m.Terms) == 1 && !relClose(sum, full, 1e-12) {
			t.Errorf("pointwise log-likelihood sums to %.15g, the reference's likelihood is %.15g", sum, full)
		}
	}
}

// TestMixtureOfComponents: components written out one by one, each its own distribution with
// arguments per observation (Stan's log_mix of K densities), with a vector of weights and with
// one weight θ.
func TestMixtureOfComponents(t *testing.T) {
	ys, xs := []float64{1.5, -0.5, 3, 0.25, -2}, []float64{0, 1, 2, -1, 0.5}
	csv := "y,x\n1.5,0\n-0.5,1\n3,2\n0.25,-1\n-2,0.5\n"
	studentT := func(y, nu, mu, sigma float64) float64 {
		a, _ := math.Lgamma((nu + 1) / 2)
		b, _ := math.Lgamma(nu / 2)
		z := (y - mu) / sigma
		return a - b - 0.5*math.Log(nu*math.Pi) - math.Log(sigma) - (nu+1)/2*math.Log1p(z*z/nu)
	}
	laplace := func(y, mu, sigma float64) float64 { return -math.Log(2*sigma) - math.Abs(y-mu)/sigma }
	lse := func(v ...float64) float64 {
		m := math.Inf(-1)
		for _, x := range v {
			m = math.Max(m, x)
		}
		s := 0.0
		for _, x := range v {
			s += math.Exp(x - m)
		}
		return m + math.Log(s)
	}
	simplex := ir.Constraint{Kind: ir.Simplex}
	t.Run("vector weights", func(t *testing.T) {
		src := lines(`data y[N] = column "y"`, `data x[N] = column "x"`, "param w[3] ~ Dirichlet(2)",
			"param a ~ Normal(0, 1)", "param b ~ Normal(0, 1)", "param s ~ HalfNormal(1)",
			"y ~ Mixture(w, Normal(a + b * x, s), StudentT(3, a, 2 * s), Laplace(b, 1))")
		checkAgainstReference(t, src, csv, func(th []float64) float64 {
			w := make([]float64, 3)
			lp := simplex.ConstrainAll(th[0:2], w)
			lg6, _ := math.Lgamma(6)
			lp += lg6 + math.Log(w[0]) + math.Log(w[1]) + math.Log(w[2])
			a, b, s := th[2], th[3], math.Exp(th[4])
			lp += closedform.Normal(a, 0, 1) + closedform.Normal(b, 0, 1) + math.Log(2) + closedform.Normal(s, 0, 1) + th[4]
			for i, y := range ys {
				lp += lse(math.Log(w[0])+closedform.Normal(y, a+b*xs[i], s), math.Log(w[1])+studentT(y, 3, a, 2*s), math.Log(w[2])+laplace(y, b, 1))
			}
			return lp
		})
	})
	t.Run("one weight", func(t *testing.T) {
		src := lines(`data y[N] = column "y"`, `data x[N] = column "x"`, "param theta ~ Beta(2, 2)",
			"param a ~ Normal(0, 1)", "param s ~ HalfNormal(1)",
			"y ~ Mixture(theta, Normal(a * x, s), Normal(-a, 1))")
		checkAgainstReference(t, src, csv, func(th []float64) float64 {
			theta := 1 / (1 + math.Exp(-th[0]))
			l4, _ := math.Lgamma(4)
			lp := l4 + math.Log(theta) + math.Log(1-theta) + math.Log(theta) + math.Log(1-theta)
			a, s := th[1], math.Exp(th[2])
			lp += closedform.Normal(a, 0, 1) + math.Log(2) + closedform.Normal(s, 0, 1) + th[2]
			for i, y := range ys {
				lp += lse(math.Log(theta)+closedform.Normal(y, a*xs[i], s), math.Log(1-theta)+closedform.Normal(y, -a, 1))
			}
			return lp
		})
	})
}
