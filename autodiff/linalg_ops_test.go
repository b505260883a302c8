package autodiff

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hmcc-dev/hmcc/autodiff/linalg"
)

// linalgGraph builds a log density that uses every matrix op: a correlated hierarchy
// (LKJ prior on a CPC-transformed factor, diag_pre_multiply, a product with standard-normal z,
// MultiNormalCholesky of the transposed product) and a GP (gp_exp_quad_cov, add_diag, MultiNormal,
// Cholesky, log-det and both triangular solves). It returns the dimension of θ.
func linalgGraph(t *testing.T, b *Builder) {
	must := mustFor(t)
	normal := lookup(t, "Normal")
	const K, J, N = 3, 4, 5
	zero, one := b.Constant(1, 1, []float64{0}), b.Constant(1, 1, []float64{1})
	L := must(b.CorrCholeskyParam(0, K))
	if err := b.LKJCorrCholesky(L, b.Constant(1, 1, []float64{2}), K); err != nil {
		t.Fatal(err)
	}
	sig := must(b.Param(3, K, positive))
	Ls := must(b.DiagPreMultiply(sig, L, K, K))
	z := must(b.Param(6, K*J, unconstrained))
	if err := b.LogDensity(normal, z, zero, one); err != nil {
		t.Fatal(err)
	}
	beta := must(b.MatMul(Ls, z, K, K, J))    // K×J
	rows := must(b.Transpose(beta, K, J))     // J rows of K
	mu := must(b.Param(18, K, unconstrained)) // one mean
	if err := b.MultiNormalCholesky(rows, mu, Ls, K); err != nil {
		t.Fatal(err)
	}
	v := must(b.SolveLowerT(Ls, mu, K, 1))
	if err := b.LogDensity(normal, v, zero, one); err != nil {
		t.Fatal(err)
	}
	x := b.Constant(1, N, []float64{-1.5, -0.2, 0.4, 1.1, 2.3})
	alpha := must(b.Param(21, 1, positive))
	rho := must(b.Param(22, 1, positive))
	cov := must(b.AddDiag(must(b.GPExpQuadCov(x, alpha, rho, N, 1)), b.Constant(1, 1, []float64{0.1}), N))
	f := must(b.Param(23, N, unconstrained))
	if err := b.MultiNormal(f, b.Constant(1, N, make([]float64, N)), cov, N); err != nil {
		t.Fatal(err)
	}
	Lg := must(b.Cholesky(cov, N))
	w := must(b.SolveLower(Lg, f, N, 1))
	if err := b.LogDensity(normal, w, zero, one); err != nil {
		t.Fatal(err)
	}
	b.terms = append(b.terms, must(b.LogDetCholesky(Lg, N)))
}

const linalgDim = 28

// TestLinalgOpsInGraph: the gradient gorgonia assembles from the matrix ops' backward ops
// matches central differences of the program's own log density, for every coordinate of every
// chain, and the log density matches the same terms computed with package linalg directly.
func TestLinalgOpsInGraph(t *testing.T) {
	const C = 3
	b := NewBuilder(C, linalgDim)
	linalgGraph(t, b)
	prog, err := b.Compile()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 9))
	theta := make([]float64, C*linalgDim)
	for i := range theta {
		theta[i] = 0.7 * rng.NormFloat64()
	}
	lp, g := make([]float64, C), make([]float64, C*linalgDim)
	if err := prog.LogDensityGrad(theta, lp, g); err != nil {
		t.Fatal(err)
	}
	for c := 0; c < C; c++ {
		if want := linalgReference(theta[c*linalgDim : (c+1)*linalgDim]); math.Abs(lp[c]-want) > 1e-10*math.Max(1, math.Abs(want)) {
			t.Errorf("chain %d: log density %.15g, computed directly %.15g", c, lp[c], want)
		}
	}
	lpPlus, lpMinus, scratch := make([]float64, C), make([]float64, C), make([]float64, C*linalgDim)
	for i := range theta {
		c := i / linalgDim
		v := theta[i]
		central := func(h float64) float64 {
			theta[i] = v + h
			if err := prog.LogDensityGrad(theta, lpPlus, scratch); err != nil {
				t.Fatal(err)
			}
			theta[i] = v - h
			if err := prog.LogDensityGrad(theta, lpMinus, scratch); err != nil {
				t.Fatal(err)
			}
			theta[i] = v
			return (lpPlus[c] - lpMinus[c]) / (2 * h)
		}
		fd := (4*central(5e-4) - central(1e-3)) / 3
		if math.Abs(g[i]-fd) > 1e-6*math.Max(1, math.Abs(fd)) {
			t.Errorf("chain %d coordinate %d: gradient %.10g, finite difference %.10g", c, i%linalgDim, g[i], fd)
		}
	}
}

// linalgReference is linalgGraph's log density for one chain, from package linalg's functions
// and the Normal density written out.
func linalgReference(th []float64) float64 {
	const K, J, N = 3, 4, 5
	normal := func(x float64) float64 { return -0.5*x*x - 0.5*math.Log(2*math.Pi) }
	out := make([]float64, 1)
	lp := 0.0
	L, lj := make([]float64, K*K), make([]float64, 1)
	linalg.CorrCholesky(1, K, th[0:3], L, lj)
	lp += lj[0]
	linalg.LKJCorrCholesky(1, K, L, []float64{2}, out, nil, nil)
	lp += out[0]
	sig := make([]float64, K)
	for i := range sig {
		sig[i] = math.Exp(th[3+i])
		lp += th[3+i] // log-Jacobian of exp
	}
	Ls := make([]float64, K*K)
	linalg.DiagPreMultiply(1, K, K, sig, L, Ls)
	z := th[6 : 6+K*J]
	for _, v := range z {
		lp += normal(v)
	}
	beta, rows := make([]float64, K*J), make([]float64, K*J)
	linalg.MatMul(1, K, K, J, Ls, z, beta)
	linalg.Transpose(1, K, J, beta, rows)
	mu := th[18:21]
	linalg.MultiNormalCholesky(1, K, J, 1, rows, mu, Ls, out, nil, nil, nil, nil)
	lp += out[0]
	v := make([]float64, K)
	linalg.SolveLowerT(1, K, 1, Ls, mu, v)
	for _, x := range v {
		lp += normal(x)
	}
	alpha, rho := math.Exp(th[21]), math.Exp(th[22])
	lp += th[21] + th[22]
	x := []float64{-1.5, -0.2, 0.4, 1.1, 2.3}
	cov := make([]float64, N*N)
	linalg.GPExpQuadCov(1, N, 1, x, []float64{alpha}, []float64{rho}, cov)
	linalg.AddDiag(1, N, 1, cov, []float64{0.1}, cov)
	f := th[23:28]
	linalg.MultiNormal(1, N, 1, 1, f, make([]float64, N), cov, out, nil, nil, nil, nil)
	lp += out[0]
	Lg, w := make([]float64, N*N), make([]float64, N)
	linalg.Cholesky(1, N, cov, Lg, nil)
	linalg.SolveLower(1, N, 1, Lg, f, w)
	for _, x := range w {
		lp += normal(x)
	}
	linalg.LogDetCholesky(1, N, Lg, out)
	return lp + out[0]
}

// TestLinalgOpsShapeErrors: sizes that do not fit the inputs are refused when the graph is built.
func TestLinalgOpsShapeErrors(t *testing.T) {
	b := NewBuilder(2, 6)
	x := b.theta
	if _, err := b.Cholesky(x, 2); err == nil {
		t.Error("Cholesky of 2×2 matrices accepted a [2 6] input")
	}
	if err := b.MultiNormalCholesky(x, b.Constant(1, 2, []float64{0, 0}), b.Constant(1, 4, []float64{1, 0, 0, 1}), 4); err == nil {
		t.Error("MultiNormalCholesky accepted a variate of 6 values for K = 4")
	}
	if _, err := b.AddDiag(b.Constant(1, 4, []float64{1, 0, 0, 1}), b.Constant(1, 3, []float64{1, 2, 3}), 2); err == nil {
		t.Error("add_diag accepted 3 values for a 2×2 matrix")
	}
}

// TestLinalgOpsFailingChain: a chain whose covariance is not positive definite gets a log
// density of −Inf from Cholesky → MultiNormalCholesky and from MultiNormal, the other chains
// their finite values, and nothing panics.
func TestLinalgOpsFailingChain(t *testing.T) {
	const C, K = 3, 2
	for _, viaFactor := range []bool{true, false} {
		b := NewBuilder(C, 4)
		must := mustFor(t)
		s := must(b.Param(0, 4, unconstrained)) // Σ = [[θ0, θ1], [θ2, θ3]] (lower triangle read)
		y := b.Constant(1, K, []float64{0.3, -0.2})
		mu := b.Constant(1, K, []float64{0, 0})
		var err error
		if viaFactor {
			err = b.MultiNormalCholesky(y, mu, must(b.Cholesky(s, K)), K)
		} else {
			err = b.MultiNormal(y, mu, s, K)
		}
		if err != nil {
			t.Fatal(err)
		}
		prog, err := b.Compile()
		if err != nil {
			t.Fatal(err)
		}
		theta := []float64{
			2, 0, 0.5, 1, // positive definite
			1, 0, 3, 1, // 1 − 9 < 0: not
			1.5, 0, -0.2, 0.8,
		}
		lp, g := make([]float64, C), make([]float64, C*4)
		if err := prog.LogDensityGrad(theta, lp, g); err != nil {
			t.Fatal(err)
		}
		if math.IsInf(lp[0], 0) || !math.IsInf(lp[1], -1) || math.IsInf(lp[2], 0) {
			t.Errorf("factor %v: log densities %v, want finite, −Inf, finite", viaFactor, lp)
		}
	}
}

// TestCorrCholeskySharedForward: the factor and log-Jacobian nodes share one forward pass; new
// θ, and θ back again, give the directly computed values every time (nothing stale).
func TestCorrCholeskySharedForward(t *testing.T) {
	const C, K = 2, 4
	m := linalg.NumCorrFree(K)
	b := NewBuilder(C, m)
	L, err := b.CorrCholeskyParam(0, K)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.LKJCorrCholesky(L, b.Constant(1, 1, []float64{1.5}), K); err != nil {
		t.Fatal(err)
	}
	prog, err := b.Compile()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	th1, th2 := make([]float64, C*m), make([]float64, C*m)
	for i := range th1 {
		th1[i], th2[i] = rng.NormFloat64(), rng.NormFloat64()
	}
	lp, g := make([]float64, C), make([]float64, C*m)
	for _, th := range [][]float64{th1, th2, th1, th1} {
		if err := prog.LogDensityGrad(th, lp, g); err != nil {
			t.Fatal(err)
		}
		l, lj, lkj := make([]float64, C*K*K), make([]float64, C), make([]float64, C)
		linalg.CorrCholesky(C, K, th, l, lj)
		linalg.LKJCorrCholesky(C, K, l, []float64{1.5}, lkj, nil, nil)
		for c := range lp {
			if want := lj[c] + lkj[c]; math.Abs(lp[c]-want) > 1e-12*math.Max(1, math.Abs(want)) {
				t.Fatalf("chain %d: %.15g, want %.15g", c, lp[c], want)
			}
		}
	}
}
