package cudagen

import (
	"fmt"
	"sort"
	"strings"
)

// platform adapts the source to its two compilers: NVRTC for the device, and the host C compiler
// in the tests, where hmcc_shim.h (included first, defining HMCC_HOST) supplies the CUDA built-ins.
// The kernels are extern "C" so that NVRTC keeps their names unmangled for cuModuleGetFunction.
const platform = `#ifndef HMCC_HOST
#define HMCC_KERNEL extern "C" __global__
#define HMCC_DEVICE static __device__ __forceinline__
#define HMCC_INF __longlong_as_double(0x7ff0000000000000LL)
#define HMCC_NAN __longlong_as_double(0x7ff8000000000000LL)
#endif
/* Offsets into per-chain buffers are 64-bit: row * C + c passes 2^31 at 16384 chains × 131072
   rows, or in the draws ring at 64 slots × 2048 coordinates × 16384 chains. Every kernel indexes
   element row of its chain c through HMCC_AT, so no product of a row and C is taken in int. */
typedef long long hmcc_idx;
#define HMCC_AT(row) ((hmcc_idx)(row) * C + c)
/* Per-chain sums across block rows are deterministic: each block row y of a kernel writes its
   partial sum to slot s of the partial buffer, row s * HMCC_ROWS + y, and the kernel's _reduce
   kernel adds the rows' partials in the order y = 0, 1, ... (no atomic adds, whose order varies
   between runs). A launch has at most HMCC_ROWS block rows, and a kernel over at most
   HMCC_MIN_CHUNK elements one (it adds directly). */
#define HMCC_ROWS 64
#define HMCC_MIN_CHUNK 8
`

// precisions maps each precision to the C type and the math functions of that type. Keeping the
// float functions explicit (expf, not exp) matters on the device, where exp(float) in C++ would
// resolve to the float overload anyway but a host C compiler would silently promote to double.
var precisions = map[Precision]string{
	Float64: `typedef double real;
#define hexp exp
#define hlog log
#define hlog1p log1p
#define hsqrt sqrt
#define hlgamma lgamma
#define hfabs fabs
#define hpow pow
`,
	Float32: `typedef float real;
#define hexp expf
#define hlog logf
#define hlog1p log1pf
#define hsqrt sqrtf
#define hlgamma lgammaf
#define hfabs fabsf
#define hpow powf
`,
}

// helpers are the scalar functions the kernels share. Each mirrors the Go code it names, operation
// for operation, so that the float64 kernels agree with the CPU executor to rounding.
const helpers = `#define HMCC_LOG_PI ((real)1.144729885849400174143427351353058711647)
#define HMCC_HALF_LOG_2PI ((real)0.9189385332046727417803297364056176398614)
#define HMCC_LOG_2_OVER_PI ((real)-0.4515827052894548647261952298948821435718)
#define HMCC_HALF_LOG_2_OVER_PI ((real)-0.2257913526447274323630976149474410717859)

HMCC_DEVICE int hmcc_min(int a, int b) { return a < b ? a : b; }
HMCC_DEVICE real hmcc_max0(real a) { return a > 0 ? a : 0; }
/* x - x is 0 exactly when x is finite (inf - inf and NaN - NaN are NaN); written out so that
   neither compiler needs a classification function from its math library */
HMCC_DEVICE int hmcc_is_real(real x) { return x - x == 0; }
HMCC_DEVICE int hmcc_is_positive(real x) { return x - x == 0 && x > 0; }
HMCC_DEVICE int hmcc_is_nonnegative(real x) { return x - x == 0 && x >= 0; }
HMCC_DEVICE int hmcc_is_binary(real x) { return x == 0 || x == 1; }

/* the log density outside the support: -inf, with zero partial derivatives (dist.outside) */
HMCC_DEVICE real hmcc_outside(real *d, int n) {
  for (int i = 0; i < n; i++) d[i] = 0;
  return (real)-HMCC_INF;
}

/* ir.Softplus: log(1 + e^x) without overflow */
HMCC_DEVICE real hmcc_softplus(real x) {
  if (x > 0) return x + hlog1p(hexp(-x));
  return hlog1p(hexp(x));
}

/* ir.InvLogit: 1/(1 + e^-x) from e^-|x| */
HMCC_DEVICE real hmcc_inv_logit(real x) {
  if (x >= 0) return 1 / (1 + hexp(-x));
  real e = hexp(x);
  return e / (1 + e);
}

/* dist.log1pSquare: l = log(1 + z^2), r = 2z/(1 + z^2), q = z^2/(1 + z^2) without overflow */
HMCC_DEVICE real hmcc_log1p_square(real z, real *r, real *q) {
  real a = hfabs(z);
  if (a <= 1) {
    real z2 = z * z;
    *r = 2 * z / (1 + z2);
    *q = z2 / (1 + z2);
    return hlog1p(z2);
  }
  real w = 1 / (a * a);
  *r = 2 / (z + 1 / z);
  *q = 1 / (1 + w);
  return 2 * hlog(a) + hlog1p(w);
}

/* dist.stirlingCorrection and its derivative: Stirling's series for lgamma, x >= 10 */
HMCC_DEVICE real hmcc_stirling(real x) {
  real y = 1 / (x * x);
  return ((real)(1.0/12) - y*((real)(1.0/360) - y*((real)(1.0/1260) - y*((real)(1.0/1680) - y*((real)(1.0/1188) - y*((real)(691.0/360360) - y*(real)(1.0/156))))))) / x;
}
HMCC_DEVICE real hmcc_stirling_deriv(real x) {
  real y = 1 / (x * x);
  return -y * ((real)(1.0/12) - y*((real)(1.0/120) - y*((real)(1.0/252) - y*((real)(1.0/240) - y*((real)(1.0/132) - y*((real)(691.0/32760) - y*(real)(1.0/12)))))));
}

/* dist.digamma: recurrence up to x >= 10, then the asymptotic series */
HMCC_DEVICE real hmcc_digamma(real x) {
  if (x != x || x < 0) return (real)HMCC_NAN;
  if (x == 0) return (real)-HMCC_INF;
  if (x - x != 0) return x; /* +inf */
  real shift = 0;
  for (; x < 10; x++) shift += 1 / x;
  return hlog(x) - (real)0.5 / x + hmcc_stirling_deriv(x) - shift;
}
`

// distC is the device function of one distribution: hmcc_lpdf_<Name>(x, params..., d) returns
// the log density and writes ∂/∂x and ∂/∂param into d, as dist's LogDensity does.
type distC struct {
	params int
	src    string
}

// distributions holds the CUDA C of every distribution the GPU backend supports, each a
// transcription of the Go function in dist/densities.go that the comment names, keyed by the
// row's name (the device function is hmcc_lpdf_<Name>). Generate lowers a distribution whose row
// is marked dist.OnGPU and that is here, and reports any other as unsupported; TestGPUCoverage
// fails when the marks and this table disagree.
var distributions = map[string]distC{
	"Normal": {2, `/* dist.normalLogDensity */
HMCC_DEVICE real hmcc_lpdf_Normal(real x, real mu, real sigma, real *d) {
  if (!hmcc_is_real(x) || !hmcc_is_real(mu) || !hmcc_is_positive(sigma)) return hmcc_outside(d, 3);
  real z = (x - mu) / sigma;
  d[0] = -z / sigma;
  d[1] = z / sigma;
  d[2] = (z * z - 1) / sigma;
  return -HMCC_HALF_LOG_2PI - hlog(sigma) - (real)0.5 * z * z;
}
`},
	"Gamma": {2, `/* dist.gammaLogDensity: shape alpha, rate beta */
HMCC_DEVICE real hmcc_lpdf_Gamma(real x, real alpha, real beta, real *d) {
  if (!hmcc_is_positive(x) || !hmcc_is_positive(alpha) || !hmcc_is_positive(beta)) return hmcc_outside(d, 3);
  real logx = hlog(x), logbeta = hlog(beta);
  d[0] = (alpha - 1) / x - beta;
  d[1] = logbeta - hmcc_digamma(alpha) + logx;
  d[2] = alpha / beta - x;
  return alpha * logbeta - hlgamma(alpha) + (alpha - 1) * logx - beta * x;
}
`},
	"BernoulliLogit": {1, `/* dist.bernoulliLogitLogDensity: one exp serves the softplus and the sigmoid */
HMCC_DEVICE real hmcc_lpdf_BernoulliLogit(real x, real l, real *d) {
  if (!hmcc_is_binary(x) || !hmcc_is_real(l)) return hmcc_outside(d, 2);
  real s = x == 0 ? -l : l; /* log-odds of the observed outcome */
  real e = hexp(-hfabs(l));
  real signeg = s >= 0 ? e / (1 + e) : 1 / (1 + e); /* sigma(-s) */
  d[0] = 0;
  d[1] = x == 1 ? signeg : -signeg;
  return -(hmcc_max0(-s) + hlog1p(e));
}
`},
	"HalfNormal": {1, `/* dist.halfNormalLogDensity */
HMCC_DEVICE real hmcc_lpdf_HalfNormal(real x, real sigma, real *d) {
  if (!hmcc_is_nonnegative(x) || !hmcc_is_positive(sigma)) return hmcc_outside(d, 2);
  real z = x / sigma;
  d[0] = -z / sigma;
  d[1] = (z * z - 1) / sigma;
  return HMCC_HALF_LOG_2_OVER_PI - hlog(sigma) - (real)0.5 * z * z;
}
`},
	"HalfCauchy": {1, `/* dist.halfCauchyLogDensity */
HMCC_DEVICE real hmcc_lpdf_HalfCauchy(real x, real s, real *d) {
  if (!hmcc_is_nonnegative(x) || !hmcc_is_positive(s)) return hmcc_outside(d, 2);
  real r, q;
  real l = hmcc_log1p_square(x / s, &r, &q);
  d[0] = -r / s;
  d[1] = (2 * q - 1) / s;
  return HMCC_LOG_2_OVER_PI - hlog(s) - l;
}
`},
	"Exponential": {1, `/* dist.exponentialLogDensity: rate lambda */
HMCC_DEVICE real hmcc_lpdf_Exponential(real x, real lambda, real *d) {
  if (!hmcc_is_nonnegative(x) || !hmcc_is_positive(lambda)) return hmcc_outside(d, 2);
  d[0] = -lambda;
  d[1] = 1 / lambda - x;
  return hlog(lambda) - lambda * x;
}
`},
	"LogNormal": {2, `/* dist.logNormalLogDensity */
HMCC_DEVICE real hmcc_lpdf_LogNormal(real x, real mu, real sigma, real *d) {
  if (!hmcc_is_positive(x) || !hmcc_is_real(mu) || !hmcc_is_positive(sigma)) return hmcc_outside(d, 3);
  real logx = hlog(x);
  real z = (logx - mu) / sigma;
  d[0] = -(1 + z / sigma) / x;
  d[1] = z / sigma;
  d[2] = (z * z - 1) / sigma;
  return -HMCC_HALF_LOG_2PI - hlog(sigma) - logx - (real)0.5 * z * z;
}
`},
	"Cauchy": {2, `/* dist.cauchyLogDensity */
HMCC_DEVICE real hmcc_lpdf_Cauchy(real x, real mu, real s, real *d) {
  if (!hmcc_is_real(x) || !hmcc_is_real(mu) || !hmcc_is_positive(s)) return hmcc_outside(d, 3);
  real r, q;
  real l = hmcc_log1p_square((x - mu) / s, &r, &q);
  d[0] = -r / s;
  d[1] = r / s;
  d[2] = (2 * q - 1) / s;
  return -HMCC_LOG_PI - hlog(s) - l;
}
`},
	"StudentT": {3, `/* dist.studentTConst: the normalising constant and its derivative in nu */
HMCC_DEVICE real hmcc_student_t_const(real nu, real *dc) {
  if (nu < 20) {
    *dc = (real)0.5 * (hmcc_digamma((nu + 1) / 2) - hmcc_digamma(nu / 2)) - (real)0.5 / nu;
    return hlgamma((nu + 1) / 2) - hlgamma(nu / 2) - (real)0.5 * (hlog(nu) + HMCC_LOG_PI);
  }
  real a = nu / 2;
  real u = hlog1p(1 / (2 * a));
  real f = a * u - (real)0.5 + hmcc_stirling(a + (real)0.5) - hmcc_stirling(a);
  real df = u - 1 / (2 * a + 1) + hmcc_stirling_deriv(a + (real)0.5) - hmcc_stirling_deriv(a);
  *dc = (real)0.5 * df;
  return f - HMCC_HALF_LOG_2PI;
}

/* dist.studentTLogDensity */
HMCC_DEVICE real hmcc_lpdf_StudentT(real x, real nu, real mu, real sigma, real *d) {
  if (!hmcc_is_real(x) || !hmcc_is_positive(nu) || !hmcc_is_real(mu) || !hmcc_is_positive(sigma)) return hmcc_outside(d, 4);
  real z = (x - mu) / sigma;
  real sqrtnu = hsqrt(nu);
  real r, q, dc;
  real l = hmcc_log1p_square(z / sqrtnu, &r, &q);
  real c = hmcc_student_t_const(nu, &dc);
  real g = (nu + 1) / 2 * r / sqrtnu;
  d[0] = -g / sigma;
  d[1] = dc - (real)0.5 * l + (nu + 1) / (2 * nu) * q;
  d[2] = g / sigma;
  d[3] = ((nu + 1) * q - 1) / sigma;
  return c - hlog(sigma) - (nu + 1) / 2 * l;
}
`},
}

// SupportedDistributions lists the distributions with a CUDA kernel, sorted.
func SupportedDistributions() []string {
	var out []string
	for n := range distributions {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// header is everything before the kernels: platform, precision, helpers and the device functions
// of the distributions the model uses.
func (g *gen) header() string {
	var b strings.Builder
	fmt.Fprintf(&b, "/* Generated by hmcc from %s (%s). Do not edit. */\n", g.m.File, g.prec)
	b.WriteString(platform)
	b.WriteString(precisions[g.prec])
	b.WriteString(helpers)
	var used []string
	for n := range g.dists {
		used = append(used, n)
	}
	sort.Strings(used)
	for _, n := range used {
		b.WriteString("\n")
		b.WriteString(distributions[n].src)
	}
	return b.String()
}
