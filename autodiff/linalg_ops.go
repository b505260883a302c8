package autodiff

import (
	"fmt"

	"github.com/hmcc-dev/hmcc/autodiff/linalg"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The matrix ops of correlated hierarchies and Gaussian processes: package linalg's batched
// kernels as differentiable graph nodes. A K×K matrix per chain is a [C, K·K] node (row-major),
// one shared by every chain [1, K·K]; the sizes the flat layout cannot carry (K, N, D, M) are
// given when the node is built and checked against the inputs' shapes.

func init() {
	// Every matrix product of a model goes through the same gemm (OpenBLAS where cgo is on).
	linalg.Gemm = func(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
		gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	}
}

// laBatchRows returns the rows of the output for inputs of these shapes (the largest, 1 or C) and
// checks that each input has cols[i] columns and 1 or that many rows.
func laBatchRows(name string, in []tensor.Shape, cols []int) (int, error) {
	R := 1
	for _, s := range in {
		if len(s) != 2 {
			return 0, fmt.Errorf("autodiff: %s input of shape %v", name, s)
		}
		R = max(R, s[0])
	}
	for i, s := range in {
		if s[1] != cols[i] || (s[0] != 1 && s[0] != R) {
			return 0, fmt.Errorf("autodiff: %s input %d has shape %v, want [1 or %d, %d]", name, i, s, R, cols[i])
		}
	}
	return R, nil
}

// laRows is the number of chains a batch of outputs covers.
func laRows(t *tensor.Dense) int { return t.Shape()[0] }

// laScalePartials writes into dst (the shape of an input: R or 1 rows of n) the gradient of
// Σ_r g[r]·out[r] from per-chain partial derivatives p (R rows of n).
func laScalePartials(g, p, dst []float64, R, n int) {
	if len(dst) == R*n {
		for r := 0; r < R; r++ {
			for i := 0; i < n; i++ {
				dst[r*n+i] = g[r] * p[r*n+i]
			}
		}
		return
	}
	zero(dst)
	for r := 0; r < R; r++ {
		for i := 0; i < n; i++ {
			dst[i] += g[r] * p[r*n+i]
		}
	}
}

// laCholeskyKernel factors [R, K·K] symmetric matrices (lower triangles read) into [R, K·K] lower
// Cholesky factors; a chain whose matrix is not positive definite gets NaN, which the densities
// downstream turn into a log density of −Inf.
type laCholeskyKernel struct {
	K  int
	sc linalg.Scratch
}

func (k *laCholeskyKernel) name() string { return fmt.Sprintf("Cholesky%d", k.K) }
func (k *laCholeskyKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	R, err := laBatchRows("cholesky_decompose", in, []int{k.K * k.K})
	return tensor.Shape{R, k.K * k.K}, err
}
func (k *laCholeskyKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	linalg.Cholesky(laRows(out), k.K, in[0].Float64s(), out.Float64s(), nil)
}
func (k *laCholeskyKernel) backward(_ int, in []*tensor.Dense, out, g, dst *tensor.Dense) {
	d := dst.Float64s()
	zero(d)
	linalg.CholeskyRev(laRows(out), k.K, out.Float64s(), g.Float64s(), d, &k.sc)
}

// Cholesky adds cholesky_decompose of K×K matrices a [C or 1, K·K].
func (b *Builder) Cholesky(a *G.Node, K int) (*G.Node, error) {
	return b.apply(&laCholeskyKernel{K: K}, a)
}

// laSolveKernel is l⁻¹ x (or l⁻ᵀ x with trans) for l [R, K·K] and x [R, K·M].
type laSolveKernel struct {
	K, M  int
	trans bool
	sc    linalg.Scratch
}

func (k *laSolveKernel) name() string {
	if k.trans {
		return "SolveLowerT"
	}
	return "SolveLower"
}
func (k *laSolveKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	R, err := laBatchRows(k.name(), in, []int{k.K * k.K, k.K * k.M})
	return tensor.Shape{R, k.K * k.M}, err
}
func (k *laSolveKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	f := linalg.SolveLower
	if k.trans {
		f = linalg.SolveLowerT
	}
	f(laRows(out), k.K, k.M, in[0].Float64s(), in[1].Float64s(), out.Float64s())
}
func (k *laSolveKernel) backward(i int, in []*tensor.Dense, out, g, dst *tensor.Dense) {
	f := linalg.SolveLowerRev
	if k.trans {
		f = linalg.SolveLowerTRev
	}
	d := dst.Float64s()
	zero(d)
	var gl, gb []float64
	if i == 0 {
		gl = d
	} else {
		gb = d
	}
	f(laRows(out), k.K, k.M, in[0].Float64s(), out.Float64s(), g.Float64s(), gl, gb, &k.sc)
}

// SolveLower adds l⁻¹ x (mdivide_left_tri_low) for lower-triangular l [C or 1, K·K] and
// x [C or 1, K·M].
func (b *Builder) SolveLower(l, x *G.Node, K, M int) (*G.Node, error) {
	return b.apply(&laSolveKernel{K: K, M: M}, l, x)
}

// SolveLowerT adds l⁻ᵀ x for lower-triangular l [C or 1, K·K] and x [C or 1, K·M].
func (b *Builder) SolveLowerT(l, x *G.Node, K, M int) (*G.Node, error) {
	return b.apply(&laSolveKernel{K: K, M: M, trans: true}, l, x)
}

// laLogDetKernel is log det(l lᵀ) per chain, [R, K·K] → [R, 1].
type laLogDetKernel struct{ K int }

func (k laLogDetKernel) name() string { return "LogDetCholesky" }
func (k laLogDetKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	R, err := laBatchRows(k.name(), in, []int{k.K * k.K})
	return tensor.Shape{R, 1}, err
}
func (k laLogDetKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	linalg.LogDetCholesky(laRows(out), k.K, in[0].Float64s(), out.Float64s())
}
func (k laLogDetKernel) backward(_ int, in []*tensor.Dense, out, g, dst *tensor.Dense) {
	d := dst.Float64s()
	zero(d)
	linalg.LogDetCholeskyRev(laRows(out), k.K, in[0].Float64s(), g.Float64s(), d)
}

// LogDetCholesky adds log det(l lᵀ) = 2 Σ log lᵢᵢ of Cholesky factors l [C or 1, K·K], [C or 1, 1].
func (b *Builder) LogDetCholesky(l *G.Node, K int) (*G.Node, error) {
	return b.apply(laLogDetKernel{K: K}, l)
}

// laMvnKernel is Σₙ log N(yₙ | μₙ, Σ) per chain, [R, 1], with Σ given by its Cholesky factor or
// (cov) itself; inputs y [R, N·K], μ [R, K or N·K], and the K×K matrix. It keeps the partials of
// the inputs the gradient flows to, as the other fused densities do.
type laMvnKernel struct {
	K, N, muRows int
	cov          bool
	wrt          []bool
	partial      [][]float64
	sc           linalg.Scratch
}

func (k *laMvnKernel) name() string {
	if k.cov {
		return "MultiNormal"
	}
	return "MultiNormalCholesky"
}
func (k *laMvnKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) == 3 && len(in[0]) == 2 && len(in[1]) == 2 {
		k.N = in[0][1] / max(k.K, 1)
		k.muRows = in[1][1] / max(k.K, 1)
		if k.muRows != 1 {
			k.muRows = k.N
		}
	}
	if k.K < 1 || k.N < 1 {
		return nil, fmt.Errorf("autodiff: %s of size %d with a variate of shape %v", k.name(), k.K, in[0])
	}
	R, err := laBatchRows(k.name(), in, []int{k.N * k.K, k.muRows * k.K, k.K * k.K})
	return tensor.Shape{R, 1}, err
}
func (k *laMvnKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	R := laRows(out)
	sizes := []int{k.N * k.K, k.muRows * k.K, k.K * k.K}
	if k.partial == nil {
		k.partial = make([][]float64, 3)
		for i := range k.partial {
			if k.wrt[i] {
				k.partial[i] = make([]float64, R*sizes[i])
			}
		}
	}
	f := linalg.MultiNormalCholesky
	if k.cov {
		f = linalg.MultiNormal
	}
	f(R, k.K, k.N, k.muRows, in[0].Float64s(), in[1].Float64s(), in[2].Float64s(), out.Float64s(),
		k.partial[0], k.partial[1], k.partial[2], &k.sc)
}
func (k *laMvnKernel) backward(i int, in []*tensor.Dense, out, g, dst *tensor.Dense) {
	R := laRows(out)
	laScalePartials(g.Float64s(), k.partial[i], dst.Float64s(), R, len(k.partial[i])/R)
}

// MultiNormalCholesky adds the term y ~ MultiNormalCholesky(mu, l): y is [C or 1, N·K] (N vectors
// of K, row after row), mu [C or 1, K] (one mean) or [C or 1, N·K] (one per row of y), l the
// lower-triangular factor [C or 1, K·K].
func (b *Builder) MultiNormalCholesky(y, mu, l *G.Node, K int) error {
	return b.mvn(y, mu, l, K, false)
}

// MultiNormal adds the term y ~ MultiNormal(mu, sigma), shaped as MultiNormalCholesky's with the
// covariance sigma [C or 1, K·K] (its lower triangle read) in place of its factor.
func (b *Builder) MultiNormal(y, mu, sigma *G.Node, K int) error {
	return b.mvn(y, mu, sigma, K, true)
}

func (b *Builder) mvn(y, mu, m *G.Node, K int, cov bool) error {
	in := []*G.Node{y, mu, m}
	wrt := make([]bool, 3)
	for i, n := range in {
		wrt[i] = b.active[n]
	}
	n, err := b.apply(&laMvnKernel{K: K, cov: cov, wrt: wrt}, in...)
	if err != nil {
		return err
	}
	b.terms = append(b.terms, n)
	return nil
}

// laLkjKernel is lkj_corr_cholesky_lpdf(l | η) per chain: l [R, K·K], η [R, 1] → [R, 1].
type laLkjKernel struct {
	K       int
	wrt     []bool
	partial [][]float64
}

func (k *laLkjKernel) name() string { return "LKJCorrCholesky" }
func (k *laLkjKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	R, err := laBatchRows(k.name(), in, []int{k.K * k.K, 1})
	return tensor.Shape{R, 1}, err
}
func (k *laLkjKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	R := laRows(out)
	if k.partial == nil {
		k.partial = make([][]float64, 2)
		for i, n := range []int{k.K * k.K, 1} {
			if k.wrt[i] {
				k.partial[i] = make([]float64, R*n)
			}
		}
	}
	linalg.LKJCorrCholesky(R, k.K, in[0].Float64s(), in[1].Float64s(), out.Float64s(), k.partial[0], k.partial[1])
}
func (k *laLkjKernel) backward(i int, in []*tensor.Dense, out, g, dst *tensor.Dense) {
	R := laRows(out)
	laScalePartials(g.Float64s(), k.partial[i], dst.Float64s(), R, len(k.partial[i])/R)
}

// LKJCorrCholesky adds the term l ~ LKJCorrCholesky(eta): l [C or 1, K·K], eta [C or 1, 1].
func (b *Builder) LKJCorrCholesky(l, eta *G.Node, K int) error {
	n, err := b.apply(&laLkjKernel{K: K, wrt: []bool{b.active[l], b.active[eta]}}, l, eta)
	if err != nil {
		return err
	}
	b.terms = append(b.terms, n)
	return nil
}

// laCorrShared is the transform's forward pass shared by the factor's node and the
// log-Jacobian's: whichever runs first computes both, the other finds the same u and copies.
type laCorrShared struct {
	u, l, lj []float64
	valid    bool
}

func (s *laCorrShared) compute(R, K int, u []float64) {
	if s.valid && len(s.u) == len(u) {
		same := true
		for i, v := range u {
			if v != s.u[i] {
				same = false
				break
			}
		}
		if same {
			return
		}
	}
	if len(s.l) != R*K*K {
		s.l, s.lj = make([]float64, R*K*K), make([]float64, R)
	}
	s.u = append(s.u[:0], u...)
	linalg.CorrCholesky(R, K, u, s.l, s.lj)
	s.valid = true
}

// laCorrCholeskyKernel is Stan's cholesky_corr_constrain, [R, K(K−1)/2] → [R, K·K].
type laCorrCholeskyKernel struct {
	K      int
	shared *laCorrShared
	sc     linalg.Scratch
}

func (k *laCorrCholeskyKernel) name() string { return "CorrCholesky" }
func (k *laCorrCholeskyKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	R, err := laBatchRows(k.name(), in, []int{linalg.NumCorrFree(k.K)})
	return tensor.Shape{R, k.K * k.K}, err
}
func (k *laCorrCholeskyKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	k.shared.compute(laRows(out), k.K, in[0].Float64s())
	copy(out.Float64s(), k.shared.l)
}
func (k *laCorrCholeskyKernel) backward(_ int, in []*tensor.Dense, out, g, dst *tensor.Dense) {
	d := dst.Float64s()
	zero(d)
	linalg.CorrCholeskyRev(laRows(out), k.K, in[0].Float64s(), g.Float64s(), nil, d, &k.sc)
}

// laCorrCholeskyLogJacobianKernel is that transform's log-Jacobian, [R, K(K−1)/2] → [R, 1].
type laCorrCholeskyLogJacobianKernel struct {
	K      int
	shared *laCorrShared
	sc     linalg.Scratch
}

func (k *laCorrCholeskyLogJacobianKernel) name() string { return "CorrCholeskyLogJacobian" }
func (k *laCorrCholeskyLogJacobianKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	R, err := laBatchRows(k.name(), in, []int{linalg.NumCorrFree(k.K)})
	return tensor.Shape{R, 1}, err
}
func (k *laCorrCholeskyLogJacobianKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	k.shared.compute(laRows(out), k.K, in[0].Float64s())
	copy(out.Float64s(), k.shared.lj)
}
func (k *laCorrCholeskyLogJacobianKernel) backward(_ int, in []*tensor.Dense, out, g, dst *tensor.Dense) {
	d := dst.Float64s()
	zero(d)
	linalg.CorrCholeskyRev(laRows(out), k.K, in[0].Float64s(), nil, g.Float64s(), d, &k.sc)
}

// CorrCholeskyParam takes coordinates [off, off + K(K−1)/2) of θ, maps them to the Cholesky
// factor of a K×K correlation matrix [C, K·K] (Stan's cholesky_corr_constrain) and adds the
// transform's log-Jacobian to the log density, as Param does for the scalar constraints.
func (b *Builder) CorrCholeskyParam(off, K int) (*G.Node, error) {
	x, err := b.apply(sliceKernel{off, linalg.NumCorrFree(K)}, b.theta)
	if err != nil {
		return nil, err
	}
	return b.CorrCholesky(x, K)
}

// CorrCholesky maps unconstrained values x [C, K(K−1)/2] to the Cholesky factor of a correlation
// matrix [C, K·K] and adds the log-Jacobian to the log density.
func (b *Builder) CorrCholesky(x *G.Node, K int) (*G.Node, error) {
	shared := &laCorrShared{}
	lj, err := b.apply(&laCorrCholeskyLogJacobianKernel{K: K, shared: shared}, x)
	if err != nil {
		return nil, err
	}
	b.terms = append(b.terms, lj)
	return b.apply(&laCorrCholeskyKernel{K: K, shared: shared}, x)
}

// laGpKernel is gp_exp_quad_cov(x, α, ρ): x [R, N·D], α and ρ [R, 1] → [R, N·N].
type laGpKernel struct{ N, D int }

func (k laGpKernel) name() string { return "GPExpQuadCov" }
func (k laGpKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	R, err := laBatchRows(k.name(), in, []int{k.N * k.D, 1, 1})
	return tensor.Shape{R, k.N * k.N}, err
}
func (k laGpKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	linalg.GPExpQuadCov(laRows(out), k.N, k.D, in[0].Float64s(), in[1].Float64s(), in[2].Float64s(), out.Float64s())
}
func (k laGpKernel) backward(i int, in []*tensor.Dense, out, g, dst *tensor.Dense) {
	d := dst.Float64s()
	zero(d)
	gs := make([][]float64, 3)
	gs[i] = d
	linalg.GPExpQuadCovRev(laRows(out), k.N, k.D, in[0].Float64s(), in[1].Float64s(), in[2].Float64s(),
		out.Float64s(), g.Float64s(), gs[0], gs[1], gs[2])
}

// GPExpQuadCov adds the N×N exponentiated-quadratic covariance of N points of D coordinates
// x [C or 1, N·D] with magnitude alpha and length-scale rho [C or 1, 1]: [C or 1, N·N].
func (b *Builder) GPExpQuadCov(x, alpha, rho *G.Node, N, D int) (*G.Node, error) {
	return b.apply(laGpKernel{N: N, D: D}, x, alpha, rho)
}

// laAddDiagKernel is a + diag(d): a [R, N·N], d [R, 1 or N] → [R, N·N].
type laAddDiagKernel struct{ N, dn int }

func (k *laAddDiagKernel) name() string { return "AddDiag" }
func (k *laAddDiagKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	if len(in) == 2 && len(in[1]) == 2 {
		k.dn = in[1][1]
	}
	if k.dn != 1 && k.dn != k.N {
		return nil, fmt.Errorf("autodiff: add_diag of a %d×%d matrix and %d values", k.N, k.N, k.dn)
	}
	R, err := laBatchRows(k.name(), in, []int{k.N * k.N, k.dn})
	return tensor.Shape{R, k.N * k.N}, err
}
func (k *laAddDiagKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	linalg.AddDiag(laRows(out), k.N, k.dn, in[0].Float64s(), in[1].Float64s(), out.Float64s())
}
func (k *laAddDiagKernel) backward(i int, in []*tensor.Dense, out, g, dst *tensor.Dense) {
	d := dst.Float64s()
	zero(d)
	if i == 0 {
		linalg.AddDiagRev(laRows(out), k.N, k.dn, g.Float64s(), d, nil)
		return
	}
	linalg.AddDiagRev(laRows(out), k.N, k.dn, g.Float64s(), nil, d)
}

// AddDiag adds a + diag(d) for N×N matrices a [C or 1, N·N] and d [C or 1, 1] (one value for the
// whole diagonal) or [C or 1, N].
func (b *Builder) AddDiag(a, d *G.Node, N int) (*G.Node, error) {
	return b.apply(&laAddDiagKernel{N: N}, a, d)
}

// laDiagPreKernel is diag(v) m: v [R, K], m [R, K·M] → [R, K·M].
type laDiagPreKernel struct{ K, M int }

func (k laDiagPreKernel) name() string { return "DiagPreMultiply" }
func (k laDiagPreKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	R, err := laBatchRows(k.name(), in, []int{k.K, k.K * k.M})
	return tensor.Shape{R, k.K * k.M}, err
}
func (k laDiagPreKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	linalg.DiagPreMultiply(laRows(out), k.K, k.M, in[0].Float64s(), in[1].Float64s(), out.Float64s())
}
func (k laDiagPreKernel) backward(i int, in []*tensor.Dense, out, g, dst *tensor.Dense) {
	d := dst.Float64s()
	zero(d)
	gs := make([][]float64, 2)
	gs[i] = d
	linalg.DiagPreMultiplyRev(laRows(out), k.K, k.M, in[0].Float64s(), in[1].Float64s(), g.Float64s(), gs[0], gs[1])
}

// DiagPreMultiply adds diag(v) m for v [C or 1, K] and K×M matrices m [C or 1, K·M].
func (b *Builder) DiagPreMultiply(v, m *G.Node, K, M int) (*G.Node, error) {
	return b.apply(laDiagPreKernel{K: K, M: M}, v, m)
}

// laMatMulKernel is a x: a [R, Ra·K], x [R, K·M] → [R, Ra·M].
type laMatMulKernel struct{ R, K, M int }

func (k laMatMulKernel) name() string { return "MatMul" }
func (k laMatMulKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	R, err := laBatchRows(k.name(), in, []int{k.R * k.K, k.K * k.M})
	return tensor.Shape{R, k.R * k.M}, err
}
func (k laMatMulKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	linalg.MatMul(laRows(out), k.R, k.K, k.M, in[0].Float64s(), in[1].Float64s(), out.Float64s())
}
func (k laMatMulKernel) backward(i int, in []*tensor.Dense, out, g, dst *tensor.Dense) {
	d := dst.Float64s()
	zero(d)
	gs := make([][]float64, 2)
	gs[i] = d
	linalg.MatMulRev(laRows(out), k.R, k.K, k.M, in[0].Float64s(), in[1].Float64s(), g.Float64s(), gs[0], gs[1])
}

// MatMul adds the product of R×K matrices a [C or 1, R·K] and K×M matrices x [C or 1, K·M]:
// [C or 1, R·M]. With M = 1 it is a matrix-vector product; a shared a times per-chain vectors is
// one gemm for the whole batch.
func (b *Builder) MatMul(a, x *G.Node, R, K, M int) (*G.Node, error) {
	return b.apply(laMatMulKernel{R: R, K: K, M: M}, a, x)
}

// laTransposeKernel is aᵀ: [R, Ra·K] → [R, K·Ra].
type laTransposeKernel struct{ R, K int }

func (k laTransposeKernel) name() string { return "Transpose" }
func (k laTransposeKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	R, err := laBatchRows(k.name(), in, []int{k.R * k.K})
	return tensor.Shape{R, k.R * k.K}, err
}
func (k laTransposeKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	linalg.Transpose(laRows(out), k.R, k.K, in[0].Float64s(), out.Float64s())
}
func (k laTransposeKernel) backward(_ int, in []*tensor.Dense, out, g, dst *tensor.Dense) {
	d := dst.Float64s()
	zero(d)
	linalg.TransposeRev(laRows(out), k.R, k.K, g.Float64s(), d)
}

// Transpose adds the transpose of R×K matrices a [C or 1, R·K]: [C or 1, K·R].
func (b *Builder) Transpose(a *G.Node, R, K int) (*G.Node, error) {
	return b.apply(laTransposeKernel{R: R, K: K}, a)
}
