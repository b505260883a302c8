// Package vmath evaluates transcendental functions over whole slices: exp, log, log1p, softplus
// and lgamma, the functions the fused log densities and transforms spend their time in.
//
// Where cgo is available on amd64 and the CPU has AVX2, the work goes to glibc's vector math
// library (libmvec: four doubles per call, at most 4 ulp from the correctly rounded result) and,
// for lgamma, to a vector Stirling series of our own built on libmvec's log (vmath_amd64.go).
// Everywhere else, and for the lanes the vector code does not cover (lgamma at x ≤ 0, NaN,
// ±Inf), the portable loops below compute with Go's math package. Both are tested against math
// over the whole range of doubles, extremes included.
package vmath

import "math"

// Kernels names the implementation in use: "avx2+libmvec" or "go".
var Kernels = "go"

// The slice functions in use; the native file replaces them at init when it can.
var (
	expImpl      = expGo
	logImpl      = logGo
	log1pImpl    = log1pGo
	softplusImpl = softplusGo
	lgammaImpl   = lgammaGo
)

// Exp sets dst[i] = e^x[i]. dst and x may be the same slice; dst must be at least as long as x.
func Exp(dst, x []float64) { expImpl(dst[:len(x)], x) }

// Log sets dst[i] = log x[i] (NaN for x < 0, -Inf at 0).
func Log(dst, x []float64) { logImpl(dst[:len(x)], x) }

// Log1p sets dst[i] = log(1 + x[i]), accurate for small x.
func Log1p(dst, x []float64) { log1pImpl(dst[:len(x)], x) }

// Softplus sets dst[i] = log(1 + e^x[i]) without overflow for large x or loss of precision for
// very negative x.
func Softplus(dst, x []float64) { softplusImpl(dst[:len(x)], x) }

// Lgamma sets dst[i] = log|Γ(x[i])|.
func Lgamma(dst, x []float64) { lgammaImpl(dst[:len(x)], x) }

func expGo(dst, x []float64) {
	for i, v := range x {
		dst[i] = exp(v)
	}
}

func logGo(dst, x []float64) {
	for i, v := range x {
		dst[i] = log(v)
	}
}

// exp is math.Exp made right at the top of the range: Go's amd64 math.Exp returns +Inf from about
// 709.46 although e^x is finite up to 709.78 (libmvec gets these right). There it computes
// e^x = 2·e^{x−ln2Hi}·e^{−ln2Lo} with ln 2 split as in fdlibm: x − ln2Hi is exact (ln2Hi has 32
// significant bits), and e^{−ln2Lo} = 1 − ln2Lo to double precision.
func exp(x float64) float64 {
	if x > 709 {
		return 2 * (math.Exp(x-ln2Hi) * (1 - ln2Lo))
	}
	return math.Exp(x)
}

// ln2Hi + ln2Lo = ln 2 (fdlibm's split).
const (
	ln2Hi = 6.93147180369123816490e-01
	ln2Lo = 1.90821492927058770002e-10
)

// log is math.Log made right for subnormal x, where Go's amd64 math.Log is off by up to 35 (it
// returns about −709 for 5e-324, whose log is −744.44): log x = log(x·2⁵⁴) − 54 ln 2 exactly.
func log(x float64) float64 {
	if x > 0 && x < 0x1p-1022 {
		return math.Log(x*0x1p54) - 54*math.Ln2
	}
	return math.Log(x)
}

func log1pGo(dst, x []float64) {
	for i, v := range x {
		dst[i] = math.Log1p(v)
	}
}

func softplusGo(dst, x []float64) {
	for i, v := range x {
		dst[i] = softplus(v)
	}
}

// softplus is max(x, 0) + log1p(e^{−|x|}): the exponent is never positive, so nothing overflows.
func softplus(x float64) float64 {
	return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x)))
}

func lgammaGo(dst, x []float64) {
	for i, v := range x {
		dst[i], _ = math.Lgamma(v)
	}
}
