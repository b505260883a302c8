package diagnostics

import "math"

// qnorm is the standard normal quantile function, Wichura's algorithm AS 241
// (PPND16), as used by R's qnorm.
func qnorm(p float64) float64 {
	switch {
	case math.IsNaN(p) || p < 0 || p > 1:
		return math.NaN()
	case p == 0:
		return math.Inf(-1)
	case p == 1:
		return math.Inf(1)
	}
	q := p - 0.5
	if math.Abs(q) <= 0.425 {
		r := 0.180625 - q*q
		return q * (((((((r*2509.0809287301226727+
			33430.575583588128105)*r+67265.770927008700853)*r+
			45921.953931549871457)*r+13731.693765509461125)*r+
			1971.5909503065514427)*r+133.14166789178437745)*r +
			3.387132872796366608) /
			(((((((r*5226.495278852545925+
				28729.085735721942674)*r+39307.89580009271061)*r+
				21213.794301586595867)*r+5394.1960214247511077)*r+
				687.1870074920579083)*r+42.313330701600911252)*r + 1)
	}
	r := p
	if q > 0 {
		r = 1 - p
	}
	r = math.Sqrt(-math.Log(r))
	var val float64
	if r <= 5 {
		r -= 1.6
		val = (((((((r*7.7454501427834140764e-4+
			0.0227238449892691845833)*r+0.24178072517745061177)*
			r+1.27045825245236838258)*r+
			3.64784832476320460504)*r+5.7694972214606914055)*
			r+4.6303378461565452959)*r +
			1.42343711074968357734) /
			(((((((r*
				1.05075007164441684324e-9+5.475938084995344946e-4)*
				r+0.0151986665636164571966)*r+
				0.14810397642748007459)*r+0.68976733498510000455)*
				r+1.6763848301838038494)*r+
				2.05319162663775882187)*r + 1)
	} else {
		r -= 5
		val = (((((((r*2.01033439929228813265e-7+
			2.71155556874348757815e-5)*r+
			0.0012426609473880784386)*r+0.026532189526576123093)*
			r+0.29656057182850489123)*r+
			1.7848265399172913358)*r+5.4637849111641143699)*
			r + 6.6579046435011037772) /
			(((((((r*
				2.04426310338993978564e-15+1.4215117583164458887e-7)*
				r+1.8463183175100546818e-5)*r+
				7.868691311456132591e-4)*r+0.0148753612908506148525)*
				r+0.13692988092273580531)*r+
				0.59983220655588793769)*r + 1)
	}
	if q < 0 {
		val = -val
	}
	return val
}

// pbeta is the regularised incomplete beta function I_x(a, b), evaluated by
// the continued fraction (modified Lentz), using the symmetry
// I_x(a, b) = 1 - I_{1-x}(b, a) where it converges faster.
func pbeta(x, a, b float64) float64 {
	switch {
	case math.IsNaN(x) || math.IsNaN(a) || math.IsNaN(b) || a <= 0 || b <= 0:
		return math.NaN()
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	lfront := a*math.Log(x) + b*math.Log1p(-x) - lbeta(a, b)
	if x < (a+1)/(a+b+2) {
		return math.Exp(lfront) * betacf(x, a, b) / a
	}
	return 1 - math.Exp(lfront)*betacf(1-x, b, a)/b
}

// betacf evaluates the continued fraction of the incomplete beta function.
func betacf(x, a, b float64) float64 {
	const (
		tiny    = 1e-300
		eps     = 1e-16
		maxIter = 100000
	)
	qab, qap, qam := a+b, a+1, a-1
	c := 1.0
	d := 1 - qab*x/qap
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	for m := 1; m <= maxIter; m++ {
		fm := float64(m)
		m2 := 2 * fm
		aa := fm * (b - fm) * x / ((qam + m2) * (a + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		h *= d * c
		aa = -(a + fm) * (qab + fm) * x / ((a + m2) * (qap + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < eps {
			break
		}
	}
	return h
}

// qbeta is the quantile function of the Beta(a, b) distribution, found by
// bisection on pbeta to full double precision (the interval is halved until
// it cannot shrink further).
func qbeta(p, a, b float64) float64 {
	switch {
	case math.IsNaN(p) || math.IsNaN(a) || math.IsNaN(b) || p < 0 || p > 1 || a <= 0 || b <= 0:
		return math.NaN()
	case p == 0:
		return 0
	case p == 1:
		return 1
	}
	lo, hi := 0.0, 1.0
	for i := 0; i < 2000; i++ {
		mid := lo + (hi-lo)/2
		if mid <= lo || mid >= hi {
			break
		}
		if pbeta(mid, a, b) < p {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + (hi-lo)/2
}

// lgammacor is the Stirling series remainder lgamma(x) - ((x-0.5)*log(x) - x
// + log(sqrt(2*pi))), accurate to double precision for x >= 10.
func lgammacor(x float64) float64 {
	x2 := 1 / (x * x)
	return (1.0/12 + x2*(-1.0/360+x2*(1.0/1260+x2*(-1.0/1680+x2*(1.0/1188+
		x2*(-691.0/360360+x2*(1.0/156))))))) / x
}

// lbeta is log(Beta(a, b)), computed like R's lbeta to avoid the
// cancellation of lgamma(a) + lgamma(b) - lgamma(a + b) for large arguments.
func lbeta(a, b float64) float64 {
	p, q := math.Min(a, b), math.Max(a, b)
	const lnSqrt2Pi = 0.918938533204672741780329736406
	switch {
	case p >= 10:
		corr := lgammacor(p) + lgammacor(q) - lgammacor(p+q)
		return -0.5*math.Log(q) + lnSqrt2Pi + corr + (p-0.5)*math.Log(p/(p+q)) + q*math.Log1p(-p/(p+q))
	case q >= 10:
		corr := lgammacor(q) - lgammacor(p+q)
		lgp, _ := math.Lgamma(p)
		return lgp + corr + p - p*math.Log(p+q) + (q-0.5)*math.Log1p(-p/(p+q))
	default:
		lgp, _ := math.Lgamma(p)
		lgq, _ := math.Lgamma(q)
		lgpq, _ := math.Lgamma(p + q)
		return lgp + lgq - lgpq
	}
}
