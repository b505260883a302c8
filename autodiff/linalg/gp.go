package linalg

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// Gemm computes c = alpha·op(a)·op(b) + beta·c on row-major matrices. It is gonum's pure-Go BLAS;
// package autodiff points it at its own product (OpenBLAS where cgo is on), so every product of a
// model goes through one implementation.
var Gemm = func(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	ta, tb := blas.NoTrans, blas.NoTrans
	if transA {
		ta = blas.Trans
	}
	if transB {
		tb = blas.Trans
	}
	blas64.Implementation().Dgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// GPExpQuadCov writes for each chain the N×N exponentiated-quadratic covariance of N points of D
// coordinates (D = 1: N scalars), Stan's gp_exp_quad_cov (cov_exp_quad before Stan 2.20):
//
//	outᵢⱼ = α² exp(−|xᵢ − xⱼ|² / (2ρ²)),  outᵢᵢ = α².
//
// x (N·D, row-major) and alpha and rho (one value each) are shared or per chain; out is C·N·N.
func GPExpQuadCov(C, N, D int, x, alpha, rho, out []float64) {
	checkBatch("gp_exp_quad_cov points", x, N*D, C)
	checkBatch("gp_exp_quad_cov alpha", alpha, 1, C)
	checkBatch("gp_exp_quad_cov rho", rho, 1, C)
	for c := 0; c < C; c++ {
		xc, o := at(x, N*D, c), at(out, N*N, c)
		a, r := at(alpha, 1, c)[0], at(rho, 1, c)[0]
		s2, k := a*a, -0.5/(r*r)
		for i := 0; i < N; i++ {
			o[i*N+i] = s2
			for j := 0; j < i; j++ {
				v := s2 * math.Exp(sqDist(xc[i*D:i*D+D], xc[j*D:j*D+D])*k)
				o[i*N+j], o[j*N+i] = v, v
			}
		}
	}
}

func sqDist(a, b []float64) float64 {
	s := 0.0
	for d, v := range a {
		e := v - b[d]
		s += e * e
	}
	return s
}

// GPExpQuadCovRev adds the reverse mode of GPExpQuadCov given its output out and the adjoint
// gout (C·N·N): ∂/∂α = Σ gᵢⱼ 2 outᵢⱼ/α, ∂/∂ρ = Σ gᵢⱼ outᵢⱼ |xᵢ − xⱼ|²/ρ³ and
// ∂/∂xᵢ = Σⱼ (gᵢⱼ + gⱼᵢ) outᵢⱼ (xⱼ − xᵢ)/ρ². gx, galpha or grho may be nil.
func GPExpQuadCovRev(C, N, D int, x, alpha, rho, out, gout, gx, galpha, grho []float64) {
	for c := 0; c < C; c++ {
		xc, o, g := at(x, N*D, c), at(out, N*N, c), at(gout, N*N, c)
		a, r := at(alpha, 1, c)[0], at(rho, 1, c)[0]
		var ga, gr, dx []float64
		if galpha != nil {
			ga = at(galpha, 1, c)
		}
		if grho != nil {
			gr = at(grho, 1, c)
		}
		if gx != nil {
			dx = at(gx, N*D, c)
		}
		sa, sr, ir2 := 0.0, 0.0, 1/(r*r)
		for i := 0; i < N; i++ {
			sa += g[i*N+i] * o[i*N+i]
			for j := 0; j < i; j++ {
				gij := (g[i*N+j] + g[j*N+i]) * o[i*N+j]
				sa += gij
				if gr != nil {
					sr += gij * sqDist(xc[i*D:i*D+D], xc[j*D:j*D+D])
				}
				if dx != nil {
					f := gij * ir2
					for d := 0; d < D; d++ {
						e := f * (xc[j*D+d] - xc[i*D+d])
						dx[i*D+d] += e
						dx[j*D+d] -= e
					}
				}
			}
		}
		if ga != nil {
			ga[0] += 2 * sa / a
		}
		if gr != nil {
			gr[0] += sr * ir2 / r
		}
	}
}

// AddDiag writes out = a + diag(d) for each chain's N×N matrix a: d has dn values (1: the same
// value on the whole diagonal; N: one per row), shared or per chain.
func AddDiag(C, N, dn int, a, d, out []float64) {
	checkBatch("add_diag matrix", a, N*N, C)
	checkBatch("add_diag diagonal", d, dn, C)
	for c := 0; c < C; c++ {
		ac, dc, o := at(a, N*N, c), at(d, dn, c), at(out, N*N, c)
		copy(o, ac)
		for i := 0; i < N; i++ {
			o[i*N+i] += dc[i%dn]
		}
	}
}

// AddDiagRev adds the reverse mode of AddDiag: ga += gout, gd += gout's diagonal (summed when d is
// one value). ga or gd may be nil.
func AddDiagRev(C, N, dn int, gout, ga, gd []float64) {
	for c := 0; c < C; c++ {
		g := at(gout, N*N, c)
		if ga != nil {
			addTo(at(ga, N*N, c), g)
		}
		if gd != nil {
			d := at(gd, dn, c)
			for i := 0; i < N; i++ {
				d[i%dn] += g[i*N+i]
			}
		}
	}
}

// DiagPreMultiply writes out = diag(v) m for each chain: v has K values, m is K×M.
func DiagPreMultiply(C, K, M int, v, m, out []float64) {
	checkBatch("diag_pre_multiply vector", v, K, C)
	checkBatch("diag_pre_multiply matrix", m, K*M, C)
	for c := 0; c < C; c++ {
		vc, mc, o := at(v, K, c), at(m, K*M, c), at(out, K*M, c)
		for i := 0; i < K; i++ {
			for j := 0; j < M; j++ {
				o[i*M+j] = vc[i] * mc[i*M+j]
			}
		}
	}
}

// DiagPreMultiplyRev adds the reverse mode of DiagPreMultiply: gv[i] += Σⱼ gᵢⱼ mᵢⱼ and
// gm[i,j] += gᵢⱼ vᵢ. gv or gm may be nil.
func DiagPreMultiplyRev(C, K, M int, v, m, gout, gv, gm []float64) {
	for c := 0; c < C; c++ {
		vc, mc, g := at(v, K, c), at(m, K*M, c), at(gout, K*M, c)
		for i := 0; i < K; i++ {
			s := 0.0
			for j := 0; j < M; j++ {
				s += g[i*M+j] * mc[i*M+j]
				if gm != nil {
					at(gm, K*M, c)[i*M+j] += g[i*M+j] * vc[i]
				}
			}
			if gv != nil {
				at(gv, K, c)[i] += s
			}
		}
	}
}

// MatMul writes out = a b for each chain: a is R×K, b is K×M, out R×M. When a is shared by every
// chain and b is a vector (M = 1), the whole batch is one product, outs = bs aᵀ ([C,K]·[K,R]).
func MatMul(C, R, K, M int, a, b, out []float64) {
	checkBatch("matrix product left side", a, R*K, C)
	checkBatch("matrix product right side", b, K*M, C)
	checkBatch("matrix product result", out, R*M, C)
	if M == 1 && len(a) == R*K && len(b) == C*K && C > 1 {
		Gemm(false, true, C, R, K, 1, b, K, a, K, 0, out, R)
		return
	}
	for c := 0; c < C; c++ {
		Gemm(false, false, R, M, K, 1, at(a, R*K, c), K, at(b, K*M, c), M, 0, at(out, R*M, c), M)
	}
}

// MatMulRev adds the reverse mode of MatMul: ga += gout bᵀ, gb += aᵀ gout. ga or gb may be nil;
// a shared side's gradient sums over the chains.
func MatMulRev(C, R, K, M int, a, b, gout, ga, gb []float64) {
	if M == 1 && len(a) == R*K && len(b) == C*K && C > 1 {
		if gb != nil { // gbs += gouts a ([C,R]·[R,K])
			Gemm(false, false, C, K, R, 1, gout, R, a, K, 1, gb, K)
		}
		if ga != nil { // ga += goutsᵀ bs ([R,C]·[C,K])
			Gemm(true, false, R, K, C, 1, gout, R, b, K, 1, ga, K)
		}
		return
	}
	for c := 0; c < C; c++ {
		g := at(gout, R*M, c)
		if ga != nil {
			Gemm(false, true, R, K, M, 1, g, M, at(b, K*M, c), M, 1, at(ga, R*K, c), K)
		}
		if gb != nil {
			Gemm(true, false, K, M, R, 1, at(a, R*K, c), K, g, M, 1, at(gb, K*M, c), M)
		}
	}
}
