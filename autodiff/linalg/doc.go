// Package linalg holds hmcc's batched matrix kernels for correlated hierarchies and Gaussian
// processes, each with its value and its analytic reverse mode (vector-Jacobian product).
//
// # Layout
//
// Every function handles a batch of C chains in one call. A per-chain value of n numbers (a K×K
// matrix has n = K·K, row-major) is a slice of C·n numbers, chain c at [c·n, (c+1)·n); a value
// shared by every chain (data) is a slice of exactly n numbers. This is package autodiff's [C, n]
// and [1, n] tensor layout, so the op wrappers pass their tensors' backing slices through.
//
// Symmetric matrix inputs (a covariance to factor, Σ of MultiNormal) are read from their lower
// triangle only, as LAPACK's dpotrf reads them; their gradients are put on the lower triangle (an
// off-diagonal entry gets the derivative for moving both of its symmetric copies) and the upper
// triangle's are zero. Lower-triangular inputs (Cholesky factors) are read and differentiated on
// the lower triangle only.
//
// # Reverse mode
//
// A function F has a partner FRev that adds the vector-Jacobian product of an upstream adjoint
// into gradient buffers: it accumulates (+=), so a shared input's gradient sums over the chains
// and the caller zeroes the buffers. The log densities (MultiNormalCholesky, MultiNormal,
// LKJCorrCholesky) instead return per-chain partial derivatives, as package autodiff's fused
// densities keep them for their backward pass.
//
// # Failure
//
// A matrix that is not positive definite (Cholesky), a Cholesky factor with a diagonal entry
// that is not positive, or a shape parameter η ≤ 0 gives that chain a log density of −Inf (and
// zero partials), never a panic: the samplers treat it as a divergent point. Shapes that do not
// fit are programming errors and panic.
//
// # BLAS and LAPACK
//
// Everything has a pure-Go path (CGO_ENABLED=0 and the hmcc_purego tag use nothing else). Where
// cgo is on, OpenBLAS takes over where BenchmarkCholesky and BenchmarkCholeskyRev measured it
// faster at 64 chains: dpotrf for Cholesky (and MultiNormal's factor, with dpotri for Σ⁻¹) from
// K = 16, gemm and trsm for Cholesky's reverse from K = 10; below that one cgo call per chain
// costs more than the loops. Matrix products go through Gemm, which package autodiff points at
// its own product (OpenBLAS with cgo).
//
// # Functions
//
//	Cholesky, CholeskyRev                    A = L Lᵀ (Murray 2016's symmetric adjoint)
//	SolveLower, SolveLowerRev                L X = B by forward substitution
//	SolveLowerT, SolveLowerTRev              Lᵀ X = B by back substitution
//	LogDetCholesky, LogDetCholeskyRev        log det(L Lᵀ) = 2 Σ log Lᵢᵢ
//	MultiNormalCholesky                      Σₙ log N(yₙ | μₙ, L Lᵀ) and its partials in y, μ, L
//	MultiNormal                              Σₙ log N(yₙ | μₙ, Σ) and its partials in y, μ, Σ
//	LKJCorrCholesky                          Stan's lkj_corr_cholesky_lpdf(L | η), partials in L, η
//	CorrCholesky, CorrCholeskyRev            Stan's cholesky_corr_constrain with its log-Jacobian
//	CorrCholeskyFree                         its inverse (cholesky_corr_free), for initial values
//	GPExpQuadCov, GPExpQuadCovRev            gp_exp_quad_cov(x, α, ρ) for N scalars or N points
//	AddDiag, AddDiagRev                      A + diag(d)
//	DiagPreMultiply, DiagPreMultiplyRev      diag(v) M
//	MatMul, MatMulRev                        A B (a matrix-vector product when B has one column)
//	Transpose                                Aᵀ (its reverse is Transpose of the adjoint)
//
// Values are checked against Stan's own functions (testdata/stan_values.txt, written by
// bench/stan/linalg_values.R) and every reverse mode against central finite differences.
package linalg
