package dist

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/diag"
)

// relTol is the relative tolerance for known values.
const relTol = 1e-12

func TestDigamma(t *testing.T) {
	for _, c := range digammaValues {
		if got := digamma(c.x); math.Abs(got-c.want) > 1e-13*math.Abs(c.want) {
			t.Errorf("digamma(%v) = %.17g, want %.17g", c.x, got, c.want)
		}
	}
	// At the positive root only absolute accuracy is meaningful.
	if got := digamma(1.4616321449683622); math.Abs(got) > 1e-15 {
		t.Errorf("digamma at its root = %v", got)
	}
	// Consistency with the recurrence across the switch to the series.
	for _, x := range []float64{8.5, 9, 9.75, 10, 10.25, 33} {
		if got, want := digamma(x+1), digamma(x)+1/x; math.Abs(got-want) > 4e-16*math.Abs(want) {
			t.Errorf("digamma(%v+1) = %.17g, digamma(x)+1/x = %.17g", x, got, want)
		}
	}
	if !math.IsNaN(digamma(-1)) || !math.IsInf(digamma(0), -1) || !math.IsInf(digamma(math.Inf(1)), 1) {
		t.Error("digamma special cases")
	}
}

func TestKnownValues(t *testing.T) {
	seen := map[string]int{}
	for _, tc := range knownValues {
		dst, ok := Lookup(tc.name)
		if !ok {
			t.Fatalf("Lookup(%q) failed", tc.name)
		}
		seen[tc.name]++
		got := dst.LogDensity(tc.x, tc.p, nil)
		if !(got == tc.want || math.Abs(got-tc.want) <= relTol*math.Abs(tc.want)) {
			t.Errorf("%s(%v) at x=%v: got %.17g, want %.17g (rel err %.3g)",
				tc.name, tc.p, tc.x, got, tc.want, math.Abs(got-tc.want)/math.Abs(tc.want))
		}
		// The value must not depend on whether derivatives are requested,
		// and the derivatives must be finite even at extreme points.
		d := make([]float64, 1+len(tc.p))
		if got2 := dst.LogDensity(tc.x, tc.p, d); got2 != got {
			t.Errorf("%s(%v) at x=%v: %v with derivatives, %v without", tc.name, tc.p, tc.x, got2, got)
		}
		for i, v := range d {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("%s(%v) at x=%v: derivative %d is %v", tc.name, tc.p, tc.x, i, v)
			}
		}
	}
	for _, tc := range vectorKnownValues {
		seen[tc.name]++
	}
	for _, n := range Names() {
		if seen[n] < 3 {
			t.Errorf("%s has %d known values, want at least 3", n, seen[n])
		}
	}
}

// draw returns a random value inside dom, spread over a range where the
// densities are well behaved.
func draw(r *rand.Rand, dom Domain) float64 {
	switch dom {
	case Real:
		return 3 * r.NormFloat64()
	case Positive:
		return math.Exp(5*r.Float64() - 2.5) // [0.08, 12]
	case Binary:
		return float64(r.IntN(2))
	case UnitInterval, Probability:
		return 0.02 + 0.96*r.Float64()
	case Count:
		return float64(r.IntN(40))
	}
	panic("draw: unsupported domain " + dom.String())
}

// checkGradient compares every partial derivative of dst at (x, p) with a
// central finite difference.
func checkGradient(t *testing.T, dst *Dist, x float64, p []float64) {
	t.Helper()
	n := 1 + len(p)
	args := append([]float64{x}, p...)
	doms := []Domain{dst.Support}
	for _, pr := range dst.Params {
		doms = append(doms, pr.Domain)
	}
	eval := func(a []float64) float64 { return dst.LogDensity(a[0], a[1:], nil) }
	d := make([]float64, n)
	f := dst.LogDensity(x, p, d)
	if math.IsInf(f, 0) || math.IsNaN(f) {
		t.Fatalf("%s(%v) at x=%v: log density %v inside the support", dst.Name, p, x, f)
	}
	for i := range n {
		if (i == 0 && dst.Discrete) || doms[i] == Count {
			if d[i] != 0 {
				t.Errorf("%s(%v) at x=%v: ∂/∂%s = %v for an integer argument, want 0", dst.Name, p, x, argName(dst, i), d[i])
			}
			continue
		}
		// Step 1e-6 relative to the argument (so positive arguments stay
		// positive), or absolute 1e-6 for small real arguments.
		scale := math.Abs(args[i])
		switch doms[i] {
		case Positive:
		case UnitInterval, Probability: // the distance to the nearer end, or 1 at an end
			if scale = min(scale, 1-scale); scale == 0 {
				scale = 1
			}
		default:
			scale = max(scale, 1)
		}
		h := 1e-6 * scale
		a := slices.Clone(args)
		var fd, tol float64
		// 1e-6 relative, with a floor for derivatives that are (nearly) zero:
		// a function of size |f| varying on the scale of the argument has
		// derivatives of size about |f|/scale.
		tol = 1e-6*math.Abs(d[i]) + 1e-8*(1+math.Abs(f))/scale
		if doms[i] == Probability && (args[i] == 0 || args[i] == 1) {
			// At an end of [0, 1] only a one-sided difference stays inside; its error is
			// about h/2 times the second derivative, which is at most a few times |∂/∂p|.
			h = 1e-8
			if args[i] == 1 {
				h = -h
			}
			a[i] = args[i] + h
			fd = (eval(a) - f) / h
			tol += 1e-6 * (1 + math.Abs(d[i]))
		} else {
			a[i] = args[i] + h
			fp := eval(a)
			a[i] = args[i] - h
			fm := eval(a)
			fd = (fp - fm) / (2 * h)
		}
		if !(math.Abs(fd-d[i]) <= tol) {
			t.Errorf("%s(%v) at x=%v: ∂/∂%s = %.12g, finite difference %.12g (diff %.3g, tol %.3g)",
				dst.Name, p, x, argName(dst, i), d[i], fd, math.Abs(fd-d[i]), tol)
		}
	}
}

func argName(dst *Dist, i int) string {
	if i == 0 {
		return "x"
	}
	return dst.Params[i-1].Name
}

func TestGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(20240611, 1))
	for _, name := range Names() {
		dst, _ := Lookup(name)
		if dst.Vector {
			continue // TestDirichlet
		}
		for range 300 {
			p := make([]float64, len(dst.Params))
			for i, pr := range dst.Params {
				p[i] = draw(r, pr.Domain)
			}
			var x float64
			switch {
			case dst.Support == Between: // Uniform(lower, upper)
				p[1] = p[0] + math.Exp(2*r.NormFloat64())
				x = p[0] + (p[1]-p[0])*r.Float64()
			case dst.Support == Count && dst.Params[0].Domain == Count: // x ≤ n
				x = float64(r.IntN(int(p[0]) + 1))
			default:
				x = draw(r, dst.Support)
			}
			if dst.Support == Real && len(p) > 1 {
				// Centre real variates near the location parameter, scaled.
				x = p[len(p)-2] + x*p[len(p)-1]
			}
			checkGradient(t, dst, x, p)
		}
	}
	// StudentT with large ν, where the normalising constant uses a series.
	st, _ := Lookup("StudentT")
	for range 300 {
		nu := math.Exp(math.Log(20) + r.Float64()*(math.Log(1e5)-math.Log(20)))
		checkGradient(t, st, 3*r.NormFloat64(), []float64{nu, r.NormFloat64(), draw(r, Positive)})
	}
	// Tails and boundary regions.
	for _, c := range []struct {
		name string
		x    float64
		p    []float64
	}{
		{"BernoulliLogit", 1, []float64{35}},
		{"BernoulliLogit", 0, []float64{-35}},
		{"BernoulliLogit", 1, []float64{-35}},
		{"Cauchy", 1e6, []float64{0, 1}},
		{"Cauchy", -1e6, []float64{2, 0.5}},
		{"HalfCauchy", 1e5, []float64{0.3}},
		{"HalfCauchy", 1e-4, []float64{2}},
		{"StudentT", 1e4, []float64{3, 0, 1}},
		{"StudentT", 2, []float64{0.01, 0, 1}},
		{"StudentT", 2, []float64{99.99, 0, 1}},
		{"StudentT", 2, []float64{100, 0, 1}},
		{"StudentT", 2, []float64{1e3, 0, 1}},
		{"Gamma", 1e-3, []float64{0.05, 2}},
		{"Gamma", 80, []float64{200, 3}},
		{"LogNormal", 1e-4, []float64{0, 2}},
		{"HalfNormal", 1e-3, []float64{0.5}},
		{"Exponential", 1e-3, []float64{50}},
		{"Beta", 1e-6, []float64{0.3, 2}},
		{"Beta", 0.999, []float64{200, 0.7}},
		{"Bernoulli", 0, []float64{0}},
		{"Bernoulli", 1, []float64{1}},
		{"Binomial", 0, []float64{12, 0}},
		{"Binomial", 12, []float64{12, 1}},
		{"Binomial", 300, []float64{1000, 0.3}},
		{"BinomialLogit", 5, []float64{5, 40}},
		{"BinomialLogit", 0, []float64{5, -40}},
		{"BinomialLogit", 0, []float64{5, 40}},
		{"Poisson", 0, []float64{1e-4}},
		{"Poisson", 200, []float64{180}},
		{"PoissonLog", 0, []float64{-30}},
		{"PoissonLog", 150, []float64{5}},
		{"NegBinomial2", 0, []float64{0.01, 5}},
		{"NegBinomial2", 64, []float64{50, 3}},
		{"NegBinomial2", 65, []float64{50, 3}},
		{"NegBinomial2", 500, []float64{400, 1e3}},
		{"NegBinomial2", 3, []float64{2, 1e5}},
		{"Laplace", 1e6, []float64{0, 1}},
		{"Logistic", 700, []float64{0, 1}},
		{"Logistic", -50, []float64{2, 0.5}},
		{"InverseGamma", 1e-3, []float64{2, 0.01}},
		{"Weibull", 1e-3, []float64{0.5, 2}},
		{"Weibull", 30, []float64{8, 20}},
		{"HalfStudentT", 1e4, []float64{3, 1}},
		{"HalfStudentT", 1e-4, []float64{50, 2}},
	} {
		dst, _ := Lookup(c.name)
		checkGradient(t, dst, c.x, c.p)
	}
}

// TestStudentTSeriesContinuity checks that the two evaluations of the
// Student-t normalising constant agree where they meet.
func TestStudentTSeriesContinuity(t *testing.T) {
	nu := float64(studentTSeriesMin)
	c1, dc1 := studentTConst(math.Nextafter(nu, 0))
	c2, dc2 := studentTConst(nu)
	if math.Abs(c1-c2) > 1e-14 {
		t.Errorf("c jumps at ν=%v: %.17g vs %.17g", nu, c1, c2)
	}
	if math.Abs(dc1-dc2) > 1e-12*math.Abs(dc2) {
		t.Errorf("c′ jumps at ν=%v: %.17g vs %.17g", nu, dc1, dc2)
	}
}

// zeroBoundary lists the distributions whose density is finite at x = 0 and
// that accept it, although their Support is Positive.
var zeroBoundary = map[string]bool{"HalfNormal": true, "HalfCauchy": true, "Exponential": true, "HalfStudentT": true}

// invalid returns values outside dom.
func invalid(dom Domain) []float64 {
	nan, inf := math.NaN(), math.Inf(1)
	switch dom {
	case Real:
		return []float64{nan, inf, -inf}
	case Positive:
		return []float64{0, -1, -1e-300, math.Copysign(0, -1), nan, inf, -inf}
	case Binary:
		return []float64{0.5, -1, 2, 1e-300, nan, inf}
	case UnitInterval:
		return []float64{0, 1, -0.5, 1.5, nan, inf}
	case Probability:
		return []float64{-1e-300, math.Nextafter(1, 2), -0.5, nan, inf}
	case Count:
		return []float64{0.5, -1, 1e-300, 1 << 54, nan, inf}
	case Between:
		return []float64{-1.0001, 2.0001, nan, inf, -inf} // outside validParams' [-1, 2]
	}
	panic("invalid: unsupported domain " + dom.String())
}

// valid returns a value inside dom.
func valid(dom Domain) float64 {
	switch dom {
	case Real:
		return 0.4
	case Positive:
		return 1.7
	case Binary:
		return 1
	case UnitInterval, Probability:
		return 0.3
	case Count:
		return 3
	case Between:
		return 0.4
	}
	panic("valid: unsupported domain " + dom.String())
}

// validParams returns parameters inside every domain; Uniform's bounds are [-1, 2] and Binomial's n
// is 5.
func validParams(dst *Dist) []float64 {
	if dst.Support == Between {
		return []float64{-1, 2}
	}
	p := make([]float64, len(dst.Params))
	for i, pr := range dst.Params {
		p[i] = valid(pr.Domain)
		if pr.Domain == Count {
			p[i] = 5
		}
	}
	return p
}

func TestOutsideSupport(t *testing.T) {
	check := func(dst *Dist, x float64, p []float64) {
		t.Helper()
		d := make([]float64, 1+len(p))
		for i := range d {
			d[i] = 7
		}
		if got := dst.LogDensity(x, p, d); !math.IsInf(got, -1) {
			t.Errorf("%s(%v) at x=%v: got %v, want -Inf", dst.Name, p, x, got)
		}
		for i, v := range d {
			if v != 0 {
				t.Errorf("%s(%v) at x=%v: derivative %d = %v, want 0", dst.Name, p, x, i, v)
			}
		}
		if got := dst.LogDensity(x, p, nil); !math.IsInf(got, -1) {
			t.Errorf("%s(%v) at x=%v without derivatives: got %v, want -Inf", dst.Name, p, x, got)
		}
	}
	for _, name := range Names() {
		dst, _ := Lookup(name)
		if dst.Vector {
			continue // TestDirichlet
		}
		p := validParams(dst)
		x := valid(dst.Support)
		if got := dst.LogDensity(x, p, nil); math.IsInf(got, 0) || math.IsNaN(got) {
			t.Fatalf("%s(%v) at x=%v: got %v at a valid point", name, p, x, got)
		}
		for _, bad := range invalid(dst.Support) {
			if bad == 0 && zeroBoundary[name] {
				continue
			}
			check(dst, bad, p)
		}
		for i, pr := range dst.Params {
			for _, bad := range invalid(pr.Domain) {
				q := slices.Clone(p)
				q[i] = bad
				check(dst, x, q)
			}
		}
	}
	// Supports bounded by a parameter, and impossible outcomes at p = 0 or 1.
	for _, c := range []struct {
		name string
		x    float64
		p    []float64
	}{
		{"Binomial", 6, []float64{5, 0.3}},
		{"BinomialLogit", 6, []float64{5, 0.3}},
		{"Binomial", 1, []float64{5, 0}},
		{"Binomial", 4, []float64{5, 1}},
		{"Bernoulli", 1, []float64{0}},
		{"Bernoulli", 0, []float64{1}},
		{"Uniform", 0.5, []float64{1, 1}},
		{"Uniform", 0.5, []float64{2, 1}},
	} {
		dst, _ := Lookup(c.name)
		check(dst, c.x, c.p)
	}
	// The x = 0 boundary: finite where the density is, -Inf otherwise.
	for _, name := range Names() {
		dst, _ := Lookup(name)
		if dst.Support != Positive {
			continue
		}
		p := validParams(dst)
		got := dst.LogDensity(0, p, nil)
		if zeroBoundary[name] != !math.IsInf(got, -1) {
			t.Errorf("%s(%v) at x=0: got %v", name, p, got)
		}
	}
}

func TestDomain(t *testing.T) {
	for _, c := range []struct {
		d     Domain
		s     string
		in    []float64
		notIn []float64
	}{
		{Real, "real", []float64{0, -1e308, 1e308, 5e-324}, []float64{math.NaN(), math.Inf(1), math.Inf(-1)}},
		{Positive, "positive", []float64{5e-324, 1, 1e308}, []float64{0, -1, math.NaN(), math.Inf(1)}},
		{NonNegative, "non-negative", []float64{0, 5e-324, 1e308}, []float64{-5e-324, -1, math.NaN(), math.Inf(1)}},
		{UnitInterval, "(0, 1)", []float64{5e-324, 0.5, math.Nextafter(1, 0)}, []float64{0, 1, -0.5, 2, math.NaN()}},
		{Binary, "{0, 1}", []float64{0, 1}, []float64{0.5, -1, 2, math.NaN(), math.Inf(1)}},
		{Probability, "[0, 1]", []float64{0, 0.5, 1}, []float64{-5e-324, math.Nextafter(1, 2), math.NaN()}},
		{Count, "{0, 1, 2, …}", []float64{0, 1, 7, 1 << 53}, []float64{-1, 0.5, 5e-324, 1<<53 + 2, math.NaN(), math.Inf(1)}},
		{Between, "[lower, upper]", []float64{0, -1e308}, []float64{math.NaN(), math.Inf(1)}},
	} {
		if got := c.d.String(); got != c.s {
			t.Errorf("Domain(%d).String() = %q, want %q", int(c.d), got, c.s)
		}
		for _, x := range c.in {
			if !c.d.Contains(x) {
				t.Errorf("%s.Contains(%v) = false", c.s, x)
			}
		}
		for _, x := range c.notIn {
			if c.d.Contains(x) {
				t.Errorf("%s.Contains(%v) = true", c.s, x)
			}
		}
	}
}

func TestRegistry(t *testing.T) {
	want := []string{"Bernoulli", "BernoulliLogit", "Beta", "Binomial", "BinomialLogit", "Cauchy", "Dirichlet",
		"Exponential", "Gamma", "HalfCauchy", "HalfNormal", "HalfStudentT", "InverseGamma", "Laplace",
		"LogNormal", "Logistic", "NegBinomial2", "Normal", "Poisson", "PoissonLog", "StudentT", "Uniform", "Weibull"}
	got := Names()
	if !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	got[0] = "mutated"
	if Names()[0] != want[0] {
		t.Error("Names() exposes the registry's slice")
	}
	for _, name := range want {
		dst, ok := Lookup(name)
		if !ok || dst.Name != name {
			t.Fatalf("Lookup(%q) = %v, %v", name, dst, ok)
		}
		if dst.Doc == "" || strings.Contains(dst.Doc, "\n") || !strings.HasPrefix(dst.Doc, name+"(") {
			t.Errorf("%s: Doc %q must be one line starting with %q", name, dst.Doc, name+"(")
		}
		if dst.Formula == "" || strings.Contains(dst.Formula, "\n") {
			t.Errorf("%s: Formula %q must be one non-empty line", name, dst.Formula)
		}
		if dst.Discrete != dst.Support.Integer() {
			t.Errorf("%s: Discrete = %v with support %v", name, dst.Discrete, dst.Support)
		}
		if (dst.LogDensity == nil) != dst.Vector || (dst.VectorLogDensity == nil) != !dst.Vector {
			t.Errorf("%s: LogDensity and VectorLogDensity do not match Vector = %v", name, dst.Vector)
		}
		seen := map[string]bool{}
		for _, pr := range dst.Params {
			if pr.Name == "" || seen[pr.Name] {
				t.Errorf("%s: bad or duplicate parameter name %q", name, pr.Name)
			}
			seen[pr.Name] = true
			if pr.Domain != Real && pr.Domain != Positive && pr.Domain != Probability && pr.Domain != Count {
				t.Errorf("%s: parameter %s has domain %v", name, pr.Name, pr.Domain)
			}
		}
	}
	for _, name := range []string{"normal", "Wishart", "", "Normal "} {
		if _, ok := Lookup(name); ok {
			t.Errorf("Lookup(%q) succeeded", name)
		}
	}
	params := func(name string) []string {
		dst, _ := Lookup(name)
		var ps []string
		for _, pr := range dst.Params {
			ps = append(ps, pr.Name+":"+pr.Domain.String())
		}
		return ps
	}
	for name, ps := range map[string][]string{
		"Normal":         {"mu:real", "sigma:positive"},
		"Gamma":          {"shape:positive", "rate:positive"},
		"BernoulliLogit": {"logit:real"},
		"HalfNormal":     {"sigma:positive"},
		"HalfCauchy":     {"scale:positive"},
		"Exponential":    {"rate:positive"},
		"LogNormal":      {"mu:real", "sigma:positive"},
		"Cauchy":         {"loc:real", "scale:positive"},
		"StudentT":       {"nu:positive", "mu:real", "sigma:positive"},
		"Beta":           {"alpha:positive", "beta:positive"},
		"Uniform":        {"lower:real", "upper:real"},
		"Bernoulli":      {"p:[0, 1]"},
		"Binomial":       {"n:{0, 1, 2, …}", "p:[0, 1]"},
		"BinomialLogit":  {"n:{0, 1, 2, …}", "logit:real"},
		"Poisson":        {"rate:positive"},
		"PoissonLog":     {"log_rate:real"},
		"NegBinomial2":   {"mu:positive", "phi:positive"},
		"Laplace":        {"mu:real", "sigma:positive"},
		"Logistic":       {"mu:real", "sigma:positive"},
		"InverseGamma":   {"shape:positive", "scale:positive"},
		"Weibull":        {"shape:positive", "scale:positive"},
		"HalfStudentT":   {"nu:positive", "sigma:positive"},
		"Dirichlet":      {"alpha:positive"},
	} {
		if got := params(name); !slices.Equal(got, ps) {
			t.Errorf("%s params = %v, want %v", name, got, ps)
		}
	}
}

// TestSuggest: the "did you mean" of a misspelt distribution name, diag.Suggest over Names (the
// one Suggest for every kind of name).
func TestSuggest(t *testing.T) {
	for in, want := range map[string]string{
		"Normla":         "Normal",
		"gamma":          "Gamma",
		"Gama":           "Gamma",
		"normal":         "Normal",
		"NORMAL":         "Normal",
		"studentt":       "StudentT",
		"Student":        "StudentT",
		"HalfNorml":      "HalfNormal",
		"HalfCauhcy":     "HalfCauchy",
		"Exponental":     "Exponential",
		"lognormal":      "LogNormal",
		"BernoulliLogti": "BernoulliLogit",
		"Cauchy":         "Cauchy",
		"Bernouli":       "Bernoulli",
		"Poison":         "Poisson",
		"Dirichlet":      "Dirichlet",
		"Wishart":        "",
		"Gammmmma":       "Gamma", // 3 edits in 8 letters are allowed
		"Gammmmmmmma":    "",
		"":               "",
	} {
		if got := diag.Suggest(in, Names()); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
}
