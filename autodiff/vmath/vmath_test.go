package vmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// inputs covers the doubles a function must handle: signed zeros, subnormals, values spread
// log-uniformly over every exponent of both signs, integers and half-integers (lgamma's exact
// points and poles), the overflow and underflow edges of exp, and ±Inf and NaN.
func inputs() []float64 {
	xs := []float64{0, math.Copysign(0, -1), math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64,
		0x1p-1022, math.MaxFloat64, -math.MaxFloat64, math.Inf(1), math.Inf(-1), math.NaN(),
		709.78, 709.79, -708.39, -745.13, -745.14, 1e-300, 36.8, -36.8, 1, 2, 0.5, -0.5, -1, -2.5}
	for k := -30; k <= 30; k++ {
		xs = append(xs, float64(k), float64(k)+0.5, float64(k)*1e-3)
	}
	r := rand.New(rand.NewPCG(7, 11))
	for range 20000 {
		v := math.Ldexp(1+r.Float64(), r.IntN(2100)-1074)
		if r.IntN(2) == 0 {
			v = -v
		}
		xs = append(xs, v, r.Float64()*1500-750, r.Float64()*40-20)
	}
	return xs
}

// ulps is the distance between a and b in units in the last place (0 for equal values, equal
// infinities and two NaNs; huge when only one is NaN or the signs differ).
func ulps(a, b float64) float64 {
	if a == b || math.IsNaN(a) && math.IsNaN(b) {
		return 0
	}
	if math.IsNaN(a) || math.IsNaN(b) || math.IsInf(a, 0) || math.IsInf(b, 0) || math.Signbit(a) != math.Signbit(b) {
		return math.Inf(1)
	}
	ua, ub := math.Float64bits(math.Abs(a)), math.Float64bits(math.Abs(b))
	if ua > ub {
		return float64(ua - ub)
	}
	return float64(ub - ua)
}

// TestAgainstMath holds every function, in the implementation this build uses and in the portable
// one, to Go's math package: exp, log and log1p within libmvec's documented 4 ulp, softplus
// within 8 (two 4-ulp steps), and lgamma within 1e-13 absolute or relative, whichever is larger
// (its shifted series cancels near the zeros at 1 and 2, where only the absolute error means
// anything to a log density).
func TestAgainstMath(t *testing.T) {
	xs := inputs()
	lg := func(x float64) float64 { v, _ := math.Lgamma(x); return v }
	cases := []struct {
		name      string
		f, portab func(dst, x []float64)
		ref       func(float64) float64
		ok        func(got, want float64) bool
	}{
		{"exp", Exp, expGo, refExp, within(4)},
		{"log", Log, logGo, refLog, within(4)},
		{"log1p", Log1p, log1pGo, math.Log1p, within(4)},
		{"softplus", Softplus, softplusGo, softplusRef, within(8)},
		{"lgamma", Lgamma, lgammaGo, lg, func(got, want float64) bool {
			if ulps(got, want) == 0 {
				return true
			}
			return math.Abs(got-want) <= 1e-13*math.Max(1, math.Abs(want))
		}},
	}
	t.Logf("kernels in use: %s", Kernels)
	for _, c := range cases {
		for impl, f := range map[string]func(dst, x []float64){"in use": c.f, "portable": c.portab} {
			got := make([]float64, len(xs))
			f(got, xs)
			bad := 0
			for i, x := range xs {
				if want := c.ref(x); !c.ok(got[i], want) {
					if bad < 5 {
						t.Errorf("%s (%s): f(%v) = %v, want %v", c.name, impl, x, got[i], want)
					}
					bad++
				}
			}
			if bad > 0 {
				t.Errorf("%s (%s): %d of %d inputs out of tolerance", c.name, impl, bad, len(xs))
			}
		}
	}
}

func within(n float64) func(got, want float64) bool {
	return func(got, want float64) bool {
		// Results below the smallest normal carry fewer significant bits; compare absolutely.
		if math.Abs(want) < 0x1p-1022 && math.Abs(got) < 0x1p-1022 {
			return math.Abs(got-want) <= n*math.SmallestNonzeroFloat64*(1<<10)
		}
		return ulps(got, want) <= n
	}
}

// refExp and refLog are Go's math.Exp and math.Log with their amd64 faults at the edges of the
// range worked around through exact powers of two: e^x = e^{x−8·ln2Hi}·(1 − 8·ln2Lo)·2⁸ above
// 709 and log x = log(x·2⁶⁰) − 60 ln 2 for subnormal x (other multiples than the
// implementation's, so the two are not the same computation).
func refExp(x float64) float64 {
	if x > 709 {
		return math.Ldexp(math.Exp(x-8*ln2Hi)*(1-8*ln2Lo), 8)
	}
	return math.Exp(x)
}

func refLog(x float64) float64 {
	if x > 0 && x < 0x1p-1022 {
		return math.Log(x*0x1p60) - 60*math.Ln2
	}
	return math.Log(x)
}

// softplusRef is log(1 + e^x) written independently: log1p(e^x) below 0, x + log1p(e^−x) above.
func softplusRef(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

// TestLengthsAndAliasing: every length around the vector width, and dst aliasing x.
func TestLengthsAndAliasing(t *testing.T) {
	for n := 0; n <= 9; n++ {
		x := make([]float64, n)
		for i := range x {
			x[i] = 0.3 + float64(i)
		}
		want := make([]float64, n)
		expGo(want, x)
		Exp(x, x)
		for i := range x {
			if ulps(x[i], want[i]) > 4 {
				t.Errorf("n=%d: exp in place [%d] = %v, want %v", n, i, x[i], want[i])
			}
		}
	}
}

func BenchmarkFunctions(b *testing.B) {
	x := make([]float64, 1024)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range x {
		x[i] = r.Float64()*20 - 5
	}
	pos := make([]float64, len(x))
	for i := range x {
		pos[i] = math.Abs(x[i]) + 0.1
	}
	dst := make([]float64, len(x))
	for _, c := range []struct {
		name       string
		in         []float64
		vec, portb func(dst, x []float64)
	}{
		{"exp", x, Exp, expGo}, {"log", pos, Log, logGo}, {"log1p", pos, Log1p, log1pGo},
		{"softplus", x, Softplus, softplusGo}, {"lgamma", pos, Lgamma, lgammaGo},
	} {
		for _, impl := range []struct {
			name string
			f    func(dst, x []float64)
		}{{Kernels, c.vec}, {"go", c.portb}} {
			b.Run(c.name+"/"+impl.name, func(b *testing.B) {
				b.SetBytes(int64(8 * len(c.in)))
				for b.Loop() {
					impl.f(dst, c.in)
				}
			})
		}
	}
}
