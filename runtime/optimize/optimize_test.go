package optimize

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// gaussian is a target N(mu, sigma) with known moments: log p(θ) = −½(θ−μ)ᵀP(θ−μ), P = Σ⁻¹.
type gaussian struct {
	mu    []float64
	sigma *mat.SymDense
	prec  *mat.SymDense
}

func newGaussian(t *testing.T, d int, seed uint64) *gaussian {
	rng := rand.New(rand.NewPCG(seed, 1))
	A := mat.NewDense(d, d, nil)
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			A.Set(i, j, rng.NormFloat64())
		}
	}
	s := mat.NewSymDense(d, nil)
	s.SymOuterK(1, A) // A Aᵀ
	for i := 0; i < d; i++ {
		s.SetSym(i, i, s.At(i, i)+0.5)
	}
	var ch mat.Cholesky
	if !ch.Factorize(s) {
		t.Fatal("test covariance not positive definite")
	}
	prec := mat.NewSymDense(d, nil)
	if err := ch.InverseTo(prec); err != nil {
		t.Fatal(err)
	}
	mu := make([]float64, d)
	for i := range mu {
		mu[i] = 3 * rng.NormFloat64()
	}
	return &gaussian{mu, s, prec}
}

func (g *gaussian) logp(theta, grad []float64) (float64, error) {
	d := len(theta)
	lp := 0.0
	for i := 0; i < d; i++ {
		gi := 0.0
		for j := 0; j < d; j++ {
			gi -= g.prec.At(i, j) * (theta[j] - g.mu[j])
		}
		grad[i] = gi
		lp += 0.5 * gi * (theta[i] - g.mu[i])
	}
	return lp, nil
}

func TestModeOfGaussian(t *testing.T) {
	g := newGaussian(t, 6, 1)
	m, err := FindMode(g.logp, make([]float64, 6), Settings{})
	if err != nil {
		t.Fatal(err)
	}
	if !m.Converged {
		t.Errorf("not converged: %s", m.Status)
	}
	for i := range g.mu {
		if math.Abs(m.Theta[i]-g.mu[i]) > 1e-6 {
			t.Errorf("mode[%d] = %v, want %v", i, m.Theta[i], g.mu[i])
		}
	}
}

// The mode of log p on θ = log σ with and without the log-Jacobian θ, for σ ~ Gamma(a, b):
// the density of σ has its mode at (a − 1)/b, that of log σ at a/b (the Jacobian adds a to the shape).
func TestModeWithAndWithoutJacobian(t *testing.T) {
	a, b := 3.0, 2.0
	for _, jac := range []bool{false, true} {
		f := func(theta, grad []float64) (float64, error) {
			s := math.Exp(theta[0])
			lp := (a-1)*theta[0] - b*s
			grad[0] = (a - 1) - b*s
			if jac {
				lp += theta[0]
				grad[0]++
			}
			return lp, nil
		}
		m, err := FindMode(f, []float64{1.5}, Settings{})
		if err != nil {
			t.Fatal(err)
		}
		want := (a - 1) / b
		if jac {
			want = a / b
		}
		if got := math.Exp(m.Theta[0]); math.Abs(got-want) > 1e-6 {
			t.Errorf("jacobian=%v: mode σ = %v, want %v", jac, got, want)
		}
	}
}

func TestNoModeIsAnError(t *testing.T) {
	cases := map[string]LogDensity{
		// log p = θ: increases for ever.
		"linear": func(theta, grad []float64) (float64, error) { grad[0] = 1; return theta[0], nil },
		// A scale shrinking onto one datum: log p → +Inf as θ = log σ → −∞.
		"collapse": func(theta, grad []float64) (float64, error) {
			grad[0] = -1
			return -theta[0], nil
		},
	}
	for name, f := range cases {
		_, err := FindMode(f, []float64{0.3}, Settings{})
		if !errors.Is(err, ErrNoMode) {
			t.Errorf("%s: err = %v, want ErrNoMode", name, err)
		}
	}
}

func TestHessianMatchesAnalytic(t *testing.T) {
	// log p = sin(x) y² + exp(x/2): H = [[−sin(x) y² + exp(x/2)/4, 2 cos(x) y], [·, 2 sin(x)]].
	f := func(th, g []float64) (float64, error) {
		x, y := th[0], th[1]
		g[0] = math.Cos(x)*y*y + math.Exp(x/2)/2
		g[1] = 2 * math.Sin(x) * y
		return math.Sin(x)*y*y + math.Exp(x/2), nil
	}
	x, y := 0.7, -1.3
	H, err := Hessian(f, []float64{x, y})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float64{{-math.Sin(x)*y*y + math.Exp(x/2)/4, 2 * math.Cos(x) * y}, {2 * math.Cos(x) * y, 2 * math.Sin(x)}}
	for i := 0; i < 2; i++ {
		for j := 0; j < 2; j++ {
			if math.Abs(H.At(i, j)-want[i][j]) > 1e-7 {
				t.Errorf("H[%d][%d] = %v, want %v", i, j, H.At(i, j), want[i][j])
			}
		}
	}
}

func TestLaplaceOfGaussian(t *testing.T) {
	d := 4
	g := newGaussian(t, d, 2)
	m, err := FindMode(g.logp, make([]float64, d), Settings{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLaplace(g.logp, m.Theta)
	if err != nil {
		t.Fatal(err)
	}
	// For a Gaussian the Laplace approximation is exact: its covariance is Σ up to rounding.
	c := l.Covariance()
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			if math.Abs(c.At(i, j)-g.sigma.At(i, j)) > 1e-6*(1+math.Abs(g.sigma.At(i, j))) {
				t.Errorf("cov[%d][%d] = %v, want %v", i, j, c.At(i, j), g.sigma.At(i, j))
			}
		}
	}
	// Draws: sample mean within 4 standard errors √(Σᵢᵢ/N), sample covariance within 4 standard
	// errors √((ΣᵢᵢΣⱼⱼ + Σᵢⱼ²)/N) (the normal-theory variance of a sample covariance), and log q
	// equal to the normal density of the draw.
	const N = 20000
	rng := rand.New(rand.NewPCG(3, 4))
	draws := make([][]float64, N)
	var sigmaChol mat.Cholesky
	sigmaChol.Factorize(g.sigma)
	for k := range draws {
		draws[k] = make([]float64, d)
		lq := l.Draw(rng, draws[k])
		if k < 5 {
			if want := normalLogPdf(draws[k], g.mu, &sigmaChol); math.Abs(lq-want) > 1e-6 {
				t.Errorf("log q = %v, want %v", lq, want)
			}
		}
	}
	checkMoments(t, draws, g.mu, g.sigma, 4)
}

func normalLogPdf(x, mu []float64, ch *mat.Cholesky) float64 {
	d := len(x)
	r := mat.NewVecDense(d, nil)
	for i := range x {
		r.SetVec(i, x[i]-mu[i])
	}
	var s mat.VecDense
	if err := ch.SolveVecTo(&s, r); err != nil {
		panic(err)
	}
	return -0.5 * (mat.Dot(r, &s) + ch.LogDet() + float64(d)*math.Log(2*math.Pi))
}

func checkMoments(t *testing.T, draws [][]float64, mu []float64, sigma *mat.SymDense, z float64) {
	t.Helper()
	N, d := float64(len(draws)), len(mu)
	mean := make([]float64, d)
	for _, x := range draws {
		for i := range x {
			mean[i] += x[i] / N
		}
	}
	for i := range mu {
		if se := math.Sqrt(sigma.At(i, i) / N); math.Abs(mean[i]-mu[i]) > z*se {
			t.Errorf("mean[%d] = %v, want %v ± %v", i, mean[i], mu[i], z*se)
		}
	}
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			c := 0.0
			for _, x := range draws {
				c += (x[i] - mean[i]) * (x[j] - mean[j]) / (N - 1)
			}
			sij := sigma.At(i, j)
			se := math.Sqrt((sigma.At(i, i)*sigma.At(j, j) + sij*sij) / N)
			if math.Abs(c-sij) > z*se {
				t.Errorf("cov[%d][%d] = %v, want %v ± %v", i, j, c, sij, z*se)
			}
		}
	}
}

func TestLaplaceAtSaddleFails(t *testing.T) {
	f := func(th, g []float64) (float64, error) {
		g[0], g[1] = -2*th[0], 2*th[1]
		return -th[0]*th[0] + th[1]*th[1], nil
	}
	if _, err := NewLaplace(f, []float64{0, 0}); !errors.Is(err, ErrNotNegativeDefinite) {
		t.Errorf("saddle: err = %v, want ErrNotNegativeDefinite", err)
	}
	// Nearly flat in y: log p = −x² − 1e-14 y², curvature 1e-14 of x's.
	flat := func(th, g []float64) (float64, error) {
		g[0], g[1] = -2*th[0], -2e-14*th[1]
		return -th[0]*th[0] - 1e-14*th[1]*th[1], nil
	}
	if _, err := NewLaplace(flat, []float64{0, 0}); !errors.Is(err, ErrNotNegativeDefinite) {
		t.Errorf("flat: err = %v, want ErrNotNegativeDefinite", err)
	}
}

// The compact form Σ = Λ + βγβᵀ must equal the inverse BFGS recursion H ← (I − ρsyᵀ)H(I − ρysᵀ) +
// ρssᵀ (ρ = 1/yᵀs) applied to H₀ = Λ for each pair in order (Nocedal and Wright 2006, eq. 6.17),
// and log q of a draw must be the normal density with that mean and covariance.
func TestCompactInverseHessian(t *testing.T) {
	for _, tc := range []struct{ d, m int }{{7, 3}, {3, 3}, {5, 1}, {4, 0}} {
		rng := rand.New(rand.NewPCG(uint64(tc.d), uint64(tc.m)))
		g := newGaussian(t, tc.d, uint64(10+tc.d))
		alpha := make([]float64, tc.d)
		for i := range alpha {
			alpha[i] = 0.5 + rng.Float64()
		}
		var S, Y [][]float64
		for k := 0; k < tc.m; k++ { // y = P s for a quadratic: sᵀy > 0
			s := make([]float64, tc.d)
			for i := range s {
				s[i] = rng.NormFloat64()
			}
			y := make([]float64, tc.d)
			for i := range y {
				for j := range s {
					y[i] += g.prec.At(i, j) * s[j]
				}
			}
			S, Y = append(S, s), append(Y, y)
		}
		x := make([]float64, tc.d)
		grad := make([]float64, tc.d)
		for i := range x {
			x[i], grad[i] = rng.NormFloat64(), rng.NormFloat64()
		}
		n, err := newNormal(x, grad, append([]float64(nil), alpha...), S, Y)
		if err != nil {
			t.Fatal(err)
		}
		H := mat.NewDense(tc.d, tc.d, nil)
		for i := range alpha {
			H.Set(i, i, alpha[i])
		}
		for k := range S {
			rho := 1 / dot(S[k], Y[k])
			V := mat.NewDense(tc.d, tc.d, nil)
			for i := 0; i < tc.d; i++ {
				for j := 0; j < tc.d; j++ {
					v := -rho * S[k][i] * Y[k][j]
					if i == j {
						v++
					}
					V.Set(i, j, v)
				}
			}
			var t0, t1 mat.Dense
			t0.Mul(V, H)
			t1.Mul(&t0, V.T())
			for i := 0; i < tc.d; i++ {
				for j := 0; j < tc.d; j++ {
					t1.Set(i, j, t1.At(i, j)+rho*S[k][i]*S[k][j])
				}
			}
			H = &t1
		}
		cov := n.Covariance()
		for i := 0; i < tc.d; i++ {
			mi := x[i]
			for j := 0; j < tc.d; j++ {
				if math.Abs(cov.At(i, j)-H.At(i, j)) > 1e-9*(1+math.Abs(H.At(i, j))) {
					t.Errorf("d=%d m=%d: Σ[%d][%d] = %v, BFGS gives %v", tc.d, tc.m, i, j, cov.At(i, j), H.At(i, j))
				}
				mi += H.At(i, j) * grad[j]
			}
			if math.Abs(n.Mean[i]-mi) > 1e-9*(1+math.Abs(mi)) {
				t.Errorf("d=%d m=%d: mean[%d] = %v, want %v", tc.d, tc.m, i, n.Mean[i], mi)
			}
		}
		var ch mat.Cholesky
		if !ch.Factorize(cov) {
			t.Fatal("Σ not positive definite")
		}
		draw := make([]float64, tc.d)
		for k := 0; k < 3; k++ {
			lq := n.Draw(rng, draw)
			if want := normalLogPdf(draw, n.Mean, &ch); math.Abs(lq-want) > 1e-8 {
				t.Errorf("d=%d m=%d: log q = %v, want %v", tc.d, tc.m, lq, want)
			}
		}
	}
}

func TestUpdateAlphaIsSecantIn1D(t *testing.T) {
	alpha := []float64{1}
	updateAlpha(alpha, []float64{0.5}, []float64{2})
	if math.Abs(alpha[0]-0.25) > 1e-15 {
		t.Errorf("α = %v, want s/y = 0.25", alpha[0])
	}
}

func TestPathfinderOnGaussian(t *testing.T) {
	d := 5
	g := newGaussian(t, d, 5)
	rng := rand.New(rand.NewPCG(7, 8))
	// With a history of 2D pairs L-BFGS learns the whole Hessian of a quadratic,
	// and with 1000 ELBO draws the noise of the ELBO no longer hides the difference between late
	// iterates: each path's chosen approximation is then close to the target in KL (measured with 2000 ELBO draws: at
	// most 0.024 over 5 targets × 4 paths; with Stan's 25 ELBO draws and history 5, up to 0.35,
	// a noisier but still useful choice).
	res, err := Pathfinder(g.logp, d, 4000, PathfinderSettings{Draws: 1000, ELBODraws: 1000, Settings: Settings{History: 2 * d}}, rng)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Paths) != 4 || len(res.Draws) != 4000 {
		t.Fatalf("%d paths, %d draws", len(res.Paths), len(res.Draws))
	}
	for p, path := range res.Paths {
		if kl := gaussKL(path.Approx, g); kl > 0.05 {
			t.Errorf("path %d: KL(q ‖ p) = %v, want < 0.05", p+1, kl)
		}
	}
	// Importance weights of a close approximation have a light tail.
	if !(res.ParetoK < 0.7) {
		t.Errorf("k̂ = %v, want < 0.7 on a Gaussian target", res.ParetoK)
	}
	// Resampled draws: moments within 6 standard errors, 4 inflated by 1.5 for the duplicates
	// that resampling with replacement makes (4000 from 4000 pooled draws).
	checkMoments(t, res.Draws, g.mu, g.sigma, 6)
}

// PSIS's k̂ on weights whose tail is exactly generalized Pareto with shape k: draws of
// GPD(k, σ = 1) by inversion, w = ((1 − U)^(−k) − 1)/k. Exceedances of a GPD over any threshold
// are GPD with the same k (Pickands 1975; Vehtari et al. 2024, sec. 3), so k̂ estimates k; with
// S = 100,000 the tail has M = 949 draws and k̂'s standard error is about (1 + k)/√M ≤ 0.06.
func TestParetoKOnGeneralizedPareto(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, k := range []float64{0.2, 0.5, 0.9} {
		lw := make([]float64, 100000)
		for i := range lw {
			lw[i] = math.Log(gpdQuantile(rng.Float64(), k, 1))
		}
		w, khat := PSIS(lw)
		if se := (1 + k) / math.Sqrt(949); math.Abs(khat-k) > 3*se {
			t.Errorf("k = %v: k̂ = %v, want within %v", k, khat, 3*se)
		}
		sum, mx := 0.0, 0.0
		for _, v := range w {
			sum += v
			mx = math.Max(mx, v)
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("weights sum to %v", sum)
		}
	}
	// Light tails: equal weights have no tail at all; normal log weights (log-normal weights,
	// whose tail is in the Gumbel domain, k = 0) give k̂ near 0.
	if _, k := PSIS(make([]float64, 1000)); !math.IsInf(k, -1) {
		t.Errorf("equal weights: k̂ = %v, want -Inf", k)
	}
}

// gaussKL is KL(q ‖ p) between the approximation q = N(m, S) and the target p = N(μ, Σ):
// ½[tr(Σ⁻¹S) + (μ − m)ᵀΣ⁻¹(μ − m) − D + log|Σ| − log|S|].
func gaussKL(q *Normal, p *gaussian) float64 {
	d := len(p.mu)
	S := q.Covariance()
	var PS mat.Dense
	PS.Mul(p.prec, S)
	tr, quad := 0.0, 0.0
	for i := 0; i < d; i++ {
		tr += PS.At(i, i)
		for j := 0; j < d; j++ {
			quad += (p.mu[i] - q.Mean[i]) * p.prec.At(i, j) * (p.mu[j] - q.Mean[j])
		}
	}
	var cs, cp mat.Cholesky
	cs.Factorize(S)
	cp.Factorize(p.sigma)
	return 0.5 * (tr + quad - float64(d) + cp.LogDet() - cs.LogDet())
}

// A batched evaluation changes how log p is computed, not what is drawn: with a batch that
// evaluates point by point, Pathfinder's draws are the same, bit for bit.
func TestPathfinderBatchSameDraws(t *testing.T) {
	g := newGaussian(t, 3, 9)
	calls := 0
	batch := func(points [][]float64, lps []float64) error {
		calls++
		grad := make([]float64, 3)
		for i, x := range points {
			lps[i], _ = g.logp(x, grad)
		}
		return nil
	}
	a, err := Pathfinder(g.logp, 3, 200, PathfinderSettings{Draws: 200}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Pathfinder(g.logp, 3, 200, PathfinderSettings{Draws: 200, Batch: batch}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if calls == 0 {
		t.Fatal("the batch was never called")
	}
	for i := range a.Draws {
		for j := range a.Draws[i] {
			if a.Draws[i][j] != b.Draws[i][j] || a.LogP[i] != b.LogP[i] {
				t.Fatalf("draw %d differs: %v vs %v", i, a.Draws[i], b.Draws[i])
			}
		}
	}
}

// A path stops ELBOPatience iterations after its best ELBO (or at L-BFGS's own convergence
// before that). On this Gaussian the ELBO dips for a few iterations before L-BFGS has learned the
// curvature (best at 5, then nothing better until 25): a patience of 3 stops there with a poor
// approximation, which is why the default is 10; with it the chosen approximation is the whole
// path's.
func TestPathfinderStopsWhenTheELBOPeaks(t *testing.T) {
	const d = 10
	g := newGaussian(t, d, 11)
	init := make([]float64, d)
	for i := range init {
		init[i] = 2
	}
	run := func(patience int) *Path {
		s := PathfinderSettings{Draws: 10, ELBODraws: 1000, Settings: Settings{History: 2 * d}, ELBOPatience: patience}
		p, err := SinglePath(g.logp, init, s, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	full, short, def := run(-1), run(3), run(0)
	if short.Iterations != short.Iteration+3 || short.Iterations >= full.Iterations {
		t.Errorf("patience 3: stopped at iteration %d with the best at %d; the whole path has %d", short.Iterations, short.Iteration, full.Iterations)
	}
	if def.Iterations > def.Iteration+10 || def.Iterations > full.Iterations {
		t.Errorf("default patience: stopped at iteration %d with the best at %d; the whole path has %d", def.Iterations, def.Iteration, full.Iterations)
	}
	if kd, kf := gaussKL(def.Approx, g), gaussKL(full.Approx, g); kd > kf+0.05 {
		t.Errorf("KL(q ‖ p) %v with the default early stop against %v for the whole path", kd, kf)
	}
}

// Starting points must differ: resampling without replacement gives n different draws even when
// one weight dominates (as a large Pareto k-hat makes it), and picks heavy draws first.
func TestWithoutReplacementGivesDistinctDraws(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	w := make([]float64, 400)
	w[7] = 1e6 // one dominant draw
	for i := 100; i < 110; i++ {
		w[i] = 1
	}
	// the rest weigh nothing: once the ten weighted draws are taken, the others come uniformly
	got := withoutReplacement(w, 16, rng)
	seen := map[int]bool{}
	for _, i := range got {
		if seen[i] {
			t.Fatalf("index %d drawn twice: %v", i, got)
		}
		seen[i] = true
	}
	if got[0] != 7 {
		t.Errorf("first draw %d, want the dominant 7", got[0])
	}
	for i := 100; i < 110; i++ {
		if !seen[i] {
			t.Errorf("weighted draw %d not among the first 11: %v", i, got)
		}
	}
	for _, i := range got[:11] {
		if i != 7 && (i < 100 || i >= 110) {
			t.Errorf("a weightless draw (%d) came before the weighted ones ran out: %v", i, got)
		}
	}
}
