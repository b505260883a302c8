//go:build cgo && amd64 && !hmcc_purego

package vmath

// AVX2 loops over libmvec's four-wide exp, log, log1p and expm1 (glibc ≥ 2.35), called by their
// vector-ABI names so that no -ffast-math is needed: the compiler keeps IEEE semantics for
// everything around them, and NaN and ±Inf flow through as libmvec defines them. Chosen at init
// with __builtin_cpu_supports; without AVX2 the portable Go loops stay in place.

/*
#cgo CFLAGS: -O2
#cgo LDFLAGS: -lmvec -lm
#include <immintrin.h>
#include <math.h>

__m256d _ZGVdN4v_exp(__m256d);
__m256d _ZGVdN4v_log(__m256d);
__m256d _ZGVdN4v_log1p(__m256d);

static int have_avx2(void) {
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

#define MAP(name, vfn, sfn) \
__attribute__((target("avx2,fma"))) static void name(double *dst, const double *x, long n) { \
	long i = 0; \
	for (; i + 4 <= n; i += 4) _mm256_storeu_pd(dst + i, vfn(_mm256_loadu_pd(x + i))); \
	for (; i < n; i++) dst[i] = sfn(x[i]); \
}
MAP(vexp, _ZGVdN4v_exp, exp)
MAP(vlog, _ZGVdN4v_log, log)
MAP(vlog1p, _ZGVdN4v_log1p, log1p)

// softplus(x) = max(x, 0) + log1p(exp(-|x|)).
__attribute__((target("avx2,fma"))) static __m256d softplus4(__m256d x) {
	__m256d sign = _mm256_set1_pd(-0.0);
	__m256d negabs = _mm256_or_pd(x, sign);
	__m256d t = _ZGVdN4v_log1p(_ZGVdN4v_exp(negabs));
	return _mm256_add_pd(_mm256_max_pd(x, _mm256_setzero_pd()), t);
}
static double softplus1(double x) { return fmax(x, 0) + log1p(exp(-fabs(x))); }
MAP(vsoftplus, softplus4, softplus1)

// lgamma for 0 < x < +Inf: shift x up by 16 with Γ(x+16) = Γ(x)·x(x+1)…(x+15) where x < 16, then
// the Stirling series (z − ½) log z − z + ½ log 2π + Σ B₂ₖ/(2k(2k−1) z^{2k−1}) to k = 6; at
// z ≥ 16 the first omitted term is below 1e-17. The product stays below 31¹⁶ ≈ 7e23 and above the
// smallest normal double for every normal x. Other lanes are left for the caller to recompute.
__attribute__((target("avx2,fma"))) static __m256d lgamma4(__m256d x) {
	__m256d sixteen = _mm256_set1_pd(16.0), one = _mm256_set1_pd(1.0);
	__m256d small = _mm256_cmp_pd(x, sixteen, _CMP_LT_OQ);
	__m256d p = one, t = x;
	for (int k = 0; k < 16; k++) {
		p = _mm256_mul_pd(p, t);
		t = _mm256_add_pd(t, one);
	}
	__m256d z = _mm256_blendv_pd(x, t, small);
	__m256d logp = _mm256_blendv_pd(_mm256_setzero_pd(), _ZGVdN4v_log(_mm256_blendv_pd(one, p, small)), small);
	__m256d r = _mm256_div_pd(one, z), r2 = _mm256_mul_pd(r, r);
	// B2/2, B4/12, B6/30, B8/56, B10/90, B12/132 by Horner in 1/z².
	__m256d s = _mm256_set1_pd(-691.0 / 360360.0);
	s = _mm256_fmadd_pd(s, r2, _mm256_set1_pd(1.0 / 1188.0));
	s = _mm256_fmadd_pd(s, r2, _mm256_set1_pd(-1.0 / 1680.0));
	s = _mm256_fmadd_pd(s, r2, _mm256_set1_pd(1.0 / 1260.0));
	s = _mm256_fmadd_pd(s, r2, _mm256_set1_pd(-1.0 / 360.0));
	s = _mm256_fmadd_pd(s, r2, _mm256_set1_pd(1.0 / 12.0));
	s = _mm256_mul_pd(s, r);
	__m256d lz = _ZGVdN4v_log(z);
	__m256d st = _mm256_fmadd_pd(_mm256_sub_pd(z, _mm256_set1_pd(0.5)), lz,
		_mm256_sub_pd(_mm256_set1_pd(0.91893853320467274178), z)); // ½ log 2π
	return _mm256_sub_pd(_mm256_add_pd(st, s), logp);
}
static double lgamma1(double x) { return lgamma(x); }
MAP(vlgamma, lgamma4, lgamma1)
*/
import "C"

import (
	"math"
	"unsafe"
)

func init() {
	if C.have_avx2() == 0 {
		return
	}
	Kernels = "avx2+libmvec"
	expImpl = native(func(d, x *C.double, n C.long) { C.vexp(d, x, n) })
	logImpl = native(func(d, x *C.double, n C.long) { C.vlog(d, x, n) })
	log1pImpl = native(func(d, x *C.double, n C.long) { C.vlog1p(d, x, n) })
	softplusImpl = native(func(d, x *C.double, n C.long) { C.vsoftplus(d, x, n) })
	vl := native(func(d, x *C.double, n C.long) { C.vlgamma(d, x, n) })
	lgammaImpl = func(dst, x []float64) {
		vl(dst, x)
		// The vector series covers 0 < x < +Inf and subnormal-free products; redo the rest.
		for i, v := range x {
			if !(v >= minNormalShift && v < math.Inf(1)) {
				dst[i], _ = math.Lgamma(v)
			}
		}
	}
}

// minNormalShift is the smallest x whose shifted product x(x+1)…(x+15) stays a normal double.
const minNormalShift = 0x1p-1000

func native(f func(d, x *C.double, n C.long)) func(dst, x []float64) {
	return func(dst, x []float64) {
		if len(x) == 0 {
			return
		}
		f((*C.double)(unsafe.Pointer(&dst[0])), (*C.double)(unsafe.Pointer(&x[0])), C.long(len(x)))
	}
}
