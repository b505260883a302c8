//go:build cgo && amd64 && !hmcc_purego

package autodiff

// The Bernoulli-logit rows in C, so that GCC vectorises the loop and calls glibc's vector math
// library (libmvec: exp and log1p eight doubles at a time under AVX-512, four under AVX2, two
// under SSE2, picked at load time by target_clones). -ffast-math is what makes glibc declare the
// vector variants; the kernel needs none of the IEEE corner cases it gives up: outcomes are 0 or
// 1 and a NaN logit still makes the row's sum NaN, which the sampler treats as a divergence.
// libmvec's exp and log1p are accurate to 4 ulp; the tests hold the result to the pure-Go kernel
// within 1e-13.

/*
#cgo CFLAGS: -O3 -ffast-math -fopenmp-simd
#cgo LDFLAGS: -lmvec -lm
#include <math.h>

__attribute__((target_clones("avx512f", "avx2", "default")))
static double row_grad(const double *restrict y, const double *restrict l, double *restrict dl, long K) {
	double acc = 0;
	#pragma omp simd reduction(+:acc)
	for (long c = 0; c < K; c++) {
		double lv = l[c];
		double s = y[c] != 0 ? lv : -lv;
		double e = exp(-fabs(lv));
		acc -= fmax(-s, 0.0) + log1p(e);
		double inv = 1.0 / (1.0 + e);
		double sig = s >= 0 ? e * inv : inv;
		dl[c] = y[c] != 0 ? sig : -sig;
	}
	return acc;
}

__attribute__((target_clones("avx512f", "avx2", "default")))
static double row(const double *restrict y, const double *restrict l, long K) {
	double acc = 0;
	#pragma omp simd reduction(+:acc)
	for (long c = 0; c < K; c++) {
		double lv = l[c];
		double s = y[c] != 0 ? lv : -lv;
		acc -= fmax(-s, 0.0) + log1p(exp(-fabs(lv)));
	}
	return acc;
}

static void rows(const double *y, const double *l, double *dl, double *out, long R, long K) {
	for (long r = 0; r < R; r++) {
		out[r] = dl ? row_grad(y, l + r * K, dl + r * K, K) : row(y, l + r * K, K);
	}
}
*/
import "C"

import "unsafe"

func init() { bernoulliRows = bernoulliLogitRowsC }

// nativeBernoulli reports that the vectorised C kernel is in use.
const nativeBernoulli = true

func bernoulliLogitRowsC(y, l, dl, out []float64, K int) {
	if len(out) == 0 || K == 0 {
		return
	}
	var dp *C.double
	if dl != nil {
		dp = (*C.double)(unsafe.Pointer(&dl[0]))
	}
	C.rows((*C.double)(unsafe.Pointer(&y[0])), (*C.double)(unsafe.Pointer(&l[0])), dp,
		(*C.double)(unsafe.Pointer(&out[0])), C.long(len(out)), C.long(K))
}
