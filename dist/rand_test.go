package dist

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestRandMoments draws from every distribution and compares the sample mean and variance with
// the distribution's, within five Monte Carlo standard errors (the variance's estimated from the
// sample's fourth central moment). Where the moments do not exist (Cauchy, HalfCauchy) it
// compares the probabilities of falling below the median and the upper quartile instead. The
// moments are the textbook ones (e.g. the Stan Functions Reference and Johnson, Kotz &
// Balakrishnan, Continuous Univariate Distributions): Gamma α/β and α/β², Beta α/(α+β) and
// αβ/((α+β)²(α+β+1)), half-normal σ√(2/π) and σ²(1 − 2/π), log-normal e^(μ+σ²/2) and
// (e^σ² − 1)e^(2μ+σ²), Student-t σ²ν/(ν − 2), negative binomial μ + μ²/φ, Laplace 2σ²,
// logistic s²π²/3, inverse gamma β/(α−1) and β²/((α−1)²(α−2)), Weibull σΓ(1+1/k) and
// σ²(Γ(1+2/k) − Γ(1+1/k)²), half-Student-t 2σ√(ν/π)Γ((ν+1)/2)/((ν−1)Γ(ν/2)).
func TestRandMoments(t *testing.T) {
	gamma := func(x float64) float64 { return math.Gamma(x) }
	lg := func(x float64) float64 { v, _ := math.Lgamma(x); return v }
	sig := func(l float64) float64 { return 1 / (1 + math.Exp(-l)) }
	halfTMean := 2 * 2 * math.Sqrt(6/math.Pi) * math.Exp(lg(3.5)-lg(3)) / 5
	cases := []struct {
		name      string
		p         []float64
		mean, v   float64
		quantiles [][2]float64 // {x, P(X ≤ x)} when the moments do not exist
	}{
		{"Normal", []float64{1.5, 2}, 1.5, 4, nil},
		{"Gamma", []float64{2.5, 1.5}, 2.5 / 1.5, 2.5 / 2.25, nil},
		{"Gamma", []float64{0.3, 2}, 0.15, 0.075, nil},
		{"BernoulliLogit", []float64{0.7}, sig(0.7), sig(0.7) * (1 - sig(0.7)), nil},
		{"HalfNormal", []float64{2}, 2 * math.Sqrt(2/math.Pi), 4 * (1 - 2/math.Pi), nil},
		{"HalfCauchy", []float64{1.5}, 0, 0, [][2]float64{{1.5, 0.5}, {1.5 * math.Tan(3*math.Pi/8), 0.75}}},
		{"Exponential", []float64{0.5}, 2, 4, nil},
		{"LogNormal", []float64{0.3, 0.5}, math.Exp(0.3 + 0.125), (math.Exp(0.25) - 1) * math.Exp(0.6+0.25), nil},
		{"Cauchy", []float64{1, 2}, 0, 0, [][2]float64{{1, 0.5}, {3, 0.75}}},
		{"StudentT", []float64{6, 1, 2}, 1, 4 * 6.0 / 4, nil},
		{"Beta", []float64{2, 5}, 2.0 / 7, 10.0 / (49 * 8), nil},
		{"Uniform", []float64{-1, 3}, 1, 16.0 / 12, nil},
		{"Bernoulli", []float64{0.3}, 0.3, 0.21, nil},
		{"Binomial", []float64{12, 0.35}, 12 * 0.35, 12 * 0.35 * 0.65, nil},
		{"Binomial", []float64{0, 0.35}, 0, 0, nil},
		{"BinomialLogit", []float64{12, -0.4}, 12 * sig(-0.4), 12 * sig(-0.4) * (1 - sig(-0.4)), nil},
		{"Poisson", []float64{3.5}, 3.5, 3.5, nil},
		{"Poisson", []float64{60}, 60, 60, nil},
		{"PoissonLog", []float64{math.Log(3.5)}, 3.5, 3.5, nil},
		{"NegBinomial2", []float64{4, 2.5}, 4, 4 + 16/2.5, nil},
		{"Laplace", []float64{1, 2}, 1, 8, nil},
		{"Logistic", []float64{1, 2}, 1, 4 * math.Pi * math.Pi / 3, nil},
		{"InverseGamma", []float64{5, 2}, 0.5, 4.0 / (16 * 3), nil},
		{"Weibull", []float64{1.5, 2}, 2 * gamma(1+1/1.5), 4 * (gamma(1+2/1.5) - gamma(1+1/1.5)*gamma(1+1/1.5)), nil},
		{"HalfStudentT", []float64{6, 2}, halfTMean, 4*6.0/4 - halfTMean*halfTMean, nil},
	}
	const n = 100000
	r := rand.New(rand.NewPCG(7, 11))
	seen := map[string]bool{}
	for _, c := range cases {
		d, ok := Lookup(c.name)
		if !ok {
			t.Fatalf("no %s", c.name)
		}
		seen[c.name] = true
		x := make([]float64, n)
		for i := range x {
			x[i] = d.Rand(r, c.p)
			if d.LogDensity(x[i], c.p, nil) == math.Inf(-1) && !(c.name == "Uniform" || d.Support == Positive && x[i] == 0) {
				t.Fatalf("%s(%v) drew %v, outside its support", c.name, c.p, x[i])
			}
		}
		if c.quantiles != nil {
			for _, q := range c.quantiles {
				below := 0
				for _, v := range x {
					if v <= q[0] {
						below++
					}
				}
				f := float64(below) / n
				if se := math.Sqrt(q[1] * (1 - q[1]) / n); math.Abs(f-q[1]) > 5*se {
					t.Errorf("%s(%v): P(X ≤ %v) = %v in the sample, want %v (se %.2g)", c.name, c.p, q[0], f, q[1], se)
				}
			}
			continue
		}
		mean, m2, m4 := 0.0, 0.0, 0.0
		for _, v := range x {
			mean += v
		}
		mean /= n
		for _, v := range x {
			dv := (v - mean) * (v - mean)
			m2 += dv
			m4 += dv * dv
		}
		m2 /= n - 1
		m4 /= n
		seMean, seVar := math.Sqrt(c.v/n), math.Sqrt(math.Max(m4-m2*m2, 0)/n)
		if math.Abs(mean-c.mean) > 5*seMean+1e-15 {
			t.Errorf("%s(%v): sample mean %.5g, want %.5g (se %.2g)", c.name, c.p, mean, c.mean, seMean)
		}
		if math.Abs(m2-c.v) > 5*seVar+1e-15 {
			t.Errorf("%s(%v): sample variance %.5g, want %.5g (se %.2g)", c.name, c.p, m2, c.v, seVar)
		}
	}
	for _, name := range Names() {
		if d, _ := Lookup(name); !seen[name] && !d.Vector {
			t.Errorf("%s has no sampler test", name)
		}
	}
}

// TestRandMatchesMass compares the frequencies of a discrete sampler's outcomes with the mass
// function LogDensity computes, outcome by outcome, within five binomial standard errors.
func TestRandMatchesMass(t *testing.T) {
	const n = 100000
	r := rand.New(rand.NewPCG(3, 5))
	for _, c := range []struct {
		name string
		p    []float64
	}{
		{"Binomial", []float64{9, 0.3}},
		{"BinomialLogit", []float64{9, 1.1}},
		{"Poisson", []float64{2.2}},
		{"PoissonLog", []float64{0.4}},
		{"NegBinomial2", []float64{3, 0.8}},
		{"Bernoulli", []float64{0.65}},
		{"BernoulliLogit", []float64{-1.2}},
	} {
		d, _ := Lookup(c.name)
		count := map[float64]int{}
		for range n {
			count[d.Rand(r, c.p)]++
		}
		for k := 0.0; k <= 30; k++ {
			pmf := math.Exp(d.LogDensity(k, c.p, nil))
			f := float64(count[k]) / n
			if se := math.Sqrt(pmf * (1 - pmf) / n); math.Abs(f-pmf) > 5*se+1e-4 {
				t.Errorf("%s(%v): frequency of %v is %.5f, mass %.5f", c.name, c.p, k, f, pmf)
			}
		}
	}
}

func TestRandOutsideDomain(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, c := range []struct {
		name string
		p    []float64
	}{
		{"Normal", []float64{0, -1}}, {"Binomial", []float64{2.5, 0.5}}, {"Uniform", []float64{1, 0}},
		{"Poisson", []float64{math.NaN()}}, {"Bernoulli", []float64{1.5}},
	} {
		d, _ := Lookup(c.name)
		if v := d.Rand(r, c.p); !math.IsNaN(v) {
			t.Errorf("%s(%v) drew %v, want NaN", c.name, c.p, v)
		}
	}
}
