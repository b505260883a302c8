//go:build cgo && !hmcc_purego

package linalg

// OpenBLAS's LAPACK (Debian's libopenblas-dev exports dpotrf_ and cblas_dtrsm; there is no
// LAPACKE header, so the Fortran symbol is declared here). A row-major lower factor is LAPACK's
// column-major upper one, so dpotrf is asked for 'U'. One cgo call handles the whole batch.

/*
#cgo LDFLAGS: -lopenblas
#include <string.h>
#include <cblas.h>
void openblas_set_num_threads(int num_threads);
void dpotrf_(char *uplo, int *n, double *a, int *lda, int *info);
void dpotri_(char *uplo, int *n, double *a, int *lda, int *info);

// inv = (l l^T)^-1 from the row-major lower factor l (LAPACK's column-major upper one), both
// triangles filled.
static int spd_inverse(int K, const double *l, double *inv) {
	char uplo = 'U';
	int n = K, info = 0;
	memcpy(inv, l, sizeof(double) * K * K);
	dpotri_(&uplo, &n, inv, &n, &info);
	for (int i = 0; i < K; i++)
		for (int j = 0; j < i; j++)
			inv[j * K + i] = inv[i * K + j];
	return info;
}

static void chol_batch(int C, int K, const double *a, int sa, double *l, int *ok) {
	char uplo = 'U';
	for (int c = 0; c < C; c++) {
		double *lc = l + (long)c * K * K;
		memcpy(lc, a + (long)c * sa, sizeof(double) * K * K);
		int n = K, info = 0;
		dpotrf_(&uplo, &n, lc, &n, &info);
		ok[c] = info == 0;
		for (int i = 0; i < K; i++)
			for (int j = i + 1; j < K; j++)
				lc[i * K + j] = 0;
	}
}

// Cholesky's reverse mode for one chain (see CholeskyRev): s = P + P^T with P = Phi(l^T g), then
// l^-T s l^-1 by two triangular solves, added into ga's lower triangle (diagonal halved).
static void cholrev(int K, const double *l, const double *g, double *ga, double *s) {
	cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, K, K, 1.0, l, K, g, K, 0.0, s, K);
	for (int i = 0; i < K; i++)
		for (int j = 0; j < i; j++)
			s[j * K + i] = s[i * K + j];
	cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, K, K, 1.0, l, K, s, K);
	cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasNoTrans, CblasNonUnit, K, K, 1.0, l, K, s, K);
	for (int i = 0; i < K; i++) {
		for (int j = 0; j < i; j++)
			ga[i * K + j] += s[i * K + j];
		ga[i * K + i] += s[i * K + i] / 2;
	}
}
*/
import "C"

import (
	"math"
	"unsafe"
)

// haveLAPACK reports whether CholeskyLAPACK runs OpenBLAS's dpotrf; without cgo it is Cholesky.
const haveLAPACK = true

func init() { C.openblas_set_num_threads(1) }

// CholeskyLAPACK is Cholesky through OpenBLAS's dpotrf, one cgo call for the batch. Cholesky uses
// it from lapackMinK up, where it measured faster (BenchmarkCholesky).
func CholeskyLAPACK(C_, K int, a, l []float64, ok []bool) {
	n := K * K
	checkBatch("Cholesky input", a, n, C_)
	checkBatch("Cholesky output", l, n, C_)
	if K == 0 || C_ == 0 {
		return
	}
	sa := n
	if len(a) == n {
		sa = 0
	}
	flags := make([]C.int, C_)
	C.chol_batch(C.int(C_), C.int(K), (*C.double)(unsafe.Pointer(&a[0])), C.int(sa),
		(*C.double)(unsafe.Pointer(&l[0])), &flags[0])
	for c, f := range flags {
		if f != 0 && !finite(l[c*n:(c+1)*n]) {
			f = 0 // dpotrf passes NaN through (its test is ajj ≤ 0); Cholesky refuses it
		}
		if f == 0 {
			lc := l[c*n : (c+1)*n]
			for i := range lc {
				lc[i] = math.NaN()
			}
		}
		if ok != nil {
			ok[c] = f != 0
		}
	}
}

// spdInverse writes (l lᵀ)⁻¹ for one K×K factor: OpenBLAS's dpotri from lapackMinK up, the two
// triangular solves below.
func spdInverse(K int, l, inv []float64) {
	if K < lapackMinK {
		spdInverseGo(K, l, inv)
		return
	}
	C.spd_inverse(C.int(K), (*C.double)(unsafe.Pointer(&l[0])), (*C.double)(unsafe.Pointer(&inv[0])))
}

// cholesky1Fast is cholesky1 through dpotrf from lapackMinK up.
func cholesky1Fast(K int, a, l []float64) bool {
	if K < lapackMinK {
		return cholesky1(K, a, l)
	}
	ok := []bool{false}
	CholeskyLAPACK(1, K, a, l, ok)
	return ok[0]
}

// CholeskyRevLAPACK is CholeskyRev through OpenBLAS (a gemm for lᵀ g, two trsm for the
// sandwich), one cgo call per chain. CholeskyRev uses it from lapackRevMinK up.
func CholeskyRevLAPACK(C_, K int, l, gl, ga []float64, sc *Scratch) {
	n := K * K
	checkBatch("Cholesky factor", l, n, C_)
	checkBatch("Cholesky adjoint", gl, n, C_)
	checkBatch("Cholesky input gradient", ga, n, C_)
	if K == 0 {
		return
	}
	s := sc.get(n)
	for c := 0; c < C_; c++ {
		lc, g, d := at(l, n, c), at(gl, n, c), at(ga, n, c)
		if !finite(lc) {
			continue
		}
		C.cholrev(C.int(K), (*C.double)(unsafe.Pointer(&lc[0])), (*C.double)(unsafe.Pointer(&g[0])),
			(*C.double)(unsafe.Pointer(&d[0])), (*C.double)(unsafe.Pointer(&s[0])))
	}
}
