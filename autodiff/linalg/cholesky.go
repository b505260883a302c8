package linalg

import (
	"fmt"
	"math"
)

// at returns chain c's n values of a batch x: x[c·n : (c+1)·n] when x holds one value per chain,
// x[:n] when it holds one value shared by every chain.
func at(x []float64, n, c int) []float64 {
	if len(x) == n {
		return x
	}
	return x[c*n : (c+1)*n]
}

// checkBatch panics unless x holds one value of n numbers or C of them: a shape error is a bug
// in the caller (the op wrappers check shapes when the graph is built).
func checkBatch(what string, x []float64, n, C int) {
	if len(x) != n && len(x) != C*n {
		panic(fmt.Sprintf("linalg: %s has %d values, want %d or %d×%d", what, len(x), n, C, n))
	}
}

// Cholesky factors each chain's K×K matrix a (its lower triangle read) into the lower-triangular
// l with a = l lᵀ; l's upper triangle is zeroed. Where a chain's matrix is not positive definite
// (or not finite) ok[c] is false and its l is all NaN, which every density of this package turns
// into a log density of −Inf. l and ok hold one value per chain; ok may be nil.
func Cholesky(C, K int, a, l []float64, ok []bool) {
	if haveLAPACK && K >= lapackMinK {
		CholeskyLAPACK(C, K, a, l, ok)
		return
	}
	choleskyGo(C, K, a, l, ok)
}

// lapackMinK and lapackRevMinK are the sizes from which Cholesky and CholeskyRev go through
// OpenBLAS (where cgo is on): below them one cgo call per chain costs more than the pure-Go loops
// (BenchmarkCholesky, BenchmarkCholeskyRev; docs in the report of issue 15).
const (
	lapackMinK    = 16
	lapackRevMinK = 10
)

// choleskyGo is Cholesky's pure-Go path.
func choleskyGo(C, K int, a, l []float64, ok []bool) {
	n := K * K
	checkBatch("Cholesky input", a, n, C)
	checkBatch("Cholesky output", l, n, C)
	for c := 0; c < C; c++ {
		good := cholesky1(K, at(a, n, c), at(l, n, c))
		if ok != nil {
			ok[c] = good
		}
	}
}

func cholesky1(K int, a, l []float64) bool {
	for j := 0; j < K; j++ {
		lj := l[j*K : j*K+K]
		s := a[j*K+j]
		for _, v := range lj[:j] {
			s -= v * v
		}
		if !(s > 0) || math.IsInf(s, 0) {
			for i := range l {
				l[i] = math.NaN()
			}
			return false
		}
		d := math.Sqrt(s)
		lj[j] = d
		for k := j + 1; k < K; k++ {
			lj[k] = 0
		}
		for i := j + 1; i < K; i++ {
			li := l[i*K : i*K+K]
			s := a[i*K+j]
			for k, v := range lj[:j] {
				s -= li[k] * v
			}
			li[j] = s / d
		}
	}
	return true
}

// CholeskyRev adds to ga (lower triangle) the reverse mode of Cholesky: given l and the adjoint
// gl of its lower triangle, with P = Φ(lᵀ gl) (Φ: the lower triangle with its diagonal halved),
// the adjoint of a symmetric a is l⁻ᵀ P l⁻¹ symmetrised (Murray 2016, "Differentiation of the
// Cholesky decomposition", eq. 10): B = l⁻ᵀ (P + Pᵀ) l⁻¹, and an off-diagonal entry of a's lower
// triangle, which stands for both symmetric copies, gets Bᵢⱼ, a diagonal entry Bᵢᵢ/2. Chains whose
// l is not finite (failed factorisations) get nothing. s may be nil.
func CholeskyRev(C, K int, l, gl, ga []float64, sc *Scratch) {
	if haveLAPACK && K >= lapackRevMinK {
		CholeskyRevLAPACK(C, K, l, gl, ga, sc)
		return
	}
	choleskyRevGo(C, K, l, gl, ga, sc)
}

// choleskyRevGo is CholeskyRev's pure-Go path.
func choleskyRevGo(C, K int, l, gl, ga []float64, sc *Scratch) {
	n := K * K
	checkBatch("Cholesky factor", l, n, C)
	checkBatch("Cholesky adjoint", gl, n, C)
	checkBatch("Cholesky input gradient", ga, n, C)
	work := sc.get(2 * n)
	s, t := work[:n], work[n:2*n]
	for c := 0; c < C; c++ {
		lc, g, d := at(l, n, c), at(gl, n, c), at(ga, n, c)
		if !finite(lc) {
			continue
		}
		// s = P + Pᵀ with P = Φ(lᵀ g): Pᵢⱼ = Σ_{k≥i} lₖᵢ gₖⱼ for i ≥ j, accumulated a row of g at
		// a time (contiguous); the diagonal of P + Pᵀ is 2 · Pᵢᵢ/2.
		zeroAll(s)
		for k := 0; k < K; k++ {
			lk, gk := lc[k*K:k*K+k+1], g[k*K:k*K+K]
			for i, v := range lk {
				if v == 0 {
					continue
				}
				si := s[i*K : i*K+i+1]
				for j := range si {
					si[j] += v * gk[j]
				}
			}
		}
		for i := 0; i < K; i++ {
			for j := 0; j < i; j++ {
				s[j*K+i] = s[i*K+j]
			}
		}
		solveLowerT(K, K, lc, s) // s ← l⁻ᵀ S, which is (S l⁻¹)ᵀ since S is symmetric
		transpose(K, K, s, t)    // t ← S l⁻¹
		solveLowerT(K, K, lc, t) // t ← l⁻ᵀ S l⁻¹
		for i := 0; i < K; i++ {
			for j := 0; j < i; j++ {
				d[i*K+j] += t[i*K+j]
			}
			d[i*K+i] += t[i*K+i] / 2
		}
	}
}

func finite(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// solveLower overwrites the K×M matrix b with l⁻¹ b (forward substitution, row at a time).
func solveLower(K, M int, l, b []float64) {
	for i := 0; i < K; i++ {
		bi := b[i*M : i*M+M]
		li := l[i*K : i*K+K]
		for k, v := range li[:i] {
			if v == 0 {
				continue
			}
			bk := b[k*M : k*M+M]
			for m := range bi {
				bi[m] -= v * bk[m]
			}
		}
		inv := 1 / li[i]
		for m := range bi {
			bi[m] *= inv
		}
	}
}

// solveLowerT overwrites the K×M matrix b with l⁻ᵀ b (back substitution, row at a time).
func solveLowerT(K, M int, l, b []float64) {
	for i := K - 1; i >= 0; i-- {
		bi := b[i*M : i*M+M]
		for k := i + 1; k < K; k++ {
			v := l[k*K+i]
			if v == 0 {
				continue
			}
			bk := b[k*M : k*M+M]
			for m := range bi {
				bi[m] -= v * bk[m]
			}
		}
		inv := 1 / l[i*K+i]
		for m := range bi {
			bi[m] *= inv
		}
	}
}

// transpose writes the R×K matrix a's transpose into t (K×R).
func transpose(R, K int, a, t []float64) {
	for i := 0; i < R; i++ {
		for j := 0; j < K; j++ {
			t[j*R+i] = a[i*K+j]
		}
	}
}

// Transpose writes each chain's R×K matrix a transposed into t (K×R per chain).
func Transpose(C, R, K int, a, t []float64) {
	n := R * K
	checkBatch("Transpose input", a, n, C)
	checkBatch("Transpose output", t, n, C)
	for c := 0; c < C; c++ {
		transpose(R, K, at(a, n, c), at(t, n, c))
	}
}

// TransposeRev adds the transpose of each chain's adjoint gt (K×R) into ga (R×K).
func TransposeRev(C, R, K int, gt, ga []float64) {
	n := R * K
	for c := 0; c < C; c++ {
		g, d := at(gt, n, c), at(ga, n, c)
		for i := 0; i < R; i++ {
			for j := 0; j < K; j++ {
				d[i*K+j] += g[j*R+i]
			}
		}
	}
}

// Scratch is working memory reused between calls; the zero value and nil are ready to use (nil
// allocates on every call). A Scratch must not be shared between goroutines.
type Scratch struct{ buf []float64 }

// get returns n values of scratch, which callers must initialise.
func (s *Scratch) get(n int) []float64 {
	if s == nil {
		return make([]float64, n)
	}
	if cap(s.buf) < n {
		s.buf = make([]float64, n)
	}
	return s.buf[:n]
}

// SolveLower writes x = l⁻¹ b for each chain: l is K×K lower triangular, b and x are K×M.
func SolveLower(C, K, M int, l, b, x []float64) { solveEach(C, K, M, l, b, x, solveLower) }

// SolveLowerRev adds the reverse mode of SolveLower: with W = l⁻ᵀ gx, gb += W and
// gl += −lower(W xᵀ). gl or gb may be nil when that gradient is not wanted; sc may be nil.
func SolveLowerRev(C, K, M int, l, x, gx, gl, gb []float64, sc *Scratch) {
	solveEachRev(C, K, M, l, x, gx, gl, gb, sc, solveLowerT, func(w, xc, glc []float64) { subOuterLower(K, M, w, xc, glc) })
}

// SolveLowerT writes x = l⁻ᵀ b for each chain: l is K×K lower triangular, b and x are K×M.
func SolveLowerT(C, K, M int, l, b, x []float64) { solveEach(C, K, M, l, b, x, solveLowerT) }

// SolveLowerTRev adds the reverse mode of SolveLowerT: with W = l⁻¹ gx, gb += W and
// gl += −lower(x Wᵀ).
func SolveLowerTRev(C, K, M int, l, x, gx, gl, gb []float64, sc *Scratch) {
	solveEachRev(C, K, M, l, x, gx, gl, gb, sc, solveLower, func(w, xc, glc []float64) { subOuterLower(K, M, xc, w, glc) })
}

// solveEach applies one chain's in-place triangular solve to every chain of the batch.
func solveEach(C, K, M int, l, b, x []float64, solve func(K, M int, l, x []float64)) {
	checkBatch("triangular factor", l, K*K, C)
	checkBatch("right-hand side", b, K*M, C)
	checkBatch("solution", x, K*M, C)
	for c := 0; c < C; c++ {
		xc := at(x, K*M, c)
		copy(xc, at(b, K*M, c))
		solve(K, M, at(l, K*K, c), xc)
	}
}

// solveEachRev is the reverse mode shared by both solves: W = adjoint(gx) (the other
// solve), gb += W, and gl gets the outer product of W and x in the order the solve needs.
func solveEachRev(C, K, M int, l, x, gx, gl, gb []float64, sc *Scratch, adjoint func(K, M int, l, x []float64), outer func(w, xc, glc []float64)) {
	w := sc.get(K * M)
	for c := 0; c < C; c++ {
		copy(w, at(gx, K*M, c))
		adjoint(K, M, at(l, K*K, c), w)
		if gb != nil {
			addTo(at(gb, K*M, c), w)
		}
		if gl != nil {
			outer(w, at(x, K*M, c), at(gl, K*K, c))
		}
	}
}

func addTo(dst, x []float64) {
	for i, v := range x {
		dst[i] += v
	}
}

// subOuterLower subtracts the lower triangle of a bᵀ (a, b: K×M) from g (K×K).
func subOuterLower(K, M int, a, b, g []float64) {
	for i := 0; i < K; i++ {
		ai := a[i*M : i*M+M]
		for j := 0; j <= i; j++ {
			bj := b[j*M : j*M+M]
			s := 0.0
			for m, v := range ai {
				s += v * bj[m]
			}
			g[i*K+j] -= s
		}
	}
}

// LogDetCholesky writes out[c] = log det(l lᵀ) = 2 Σᵢ log lᵢᵢ for each chain (NaN where a
// diagonal entry is negative, −Inf where one is zero).
func LogDetCholesky(C, K int, l, out []float64) {
	for c := 0; c < C; c++ {
		lc := at(l, K*K, c)
		s := 0.0
		for i := 0; i < K; i++ {
			s += math.Log(lc[i*K+i])
		}
		out[c] = 2 * s
	}
}

// LogDetCholeskyRev adds the reverse mode of LogDetCholesky: gl[i,i] += 2 g[c] / l[i,i].
func LogDetCholeskyRev(C, K int, l, g, gl []float64) {
	for c := 0; c < C; c++ {
		lc, d := at(l, K*K, c), at(gl, K*K, c)
		for i := 0; i < K; i++ {
			d[i*K+i] += 2 * g[c] / lc[i*K+i]
		}
	}
}
