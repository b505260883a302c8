package compiler

import (
	"math"
	"testing"
)

// Eight schools: Stan's ~ drops, for mu ~ normal(0, 5), −½ log 2π − log 5; for the half-Cauchy
// tau, log(2/π) − log 5 (hmcc's half adds the log 2); for each theta_raw ~ normal(0, 1),
// −½ log 2π; and for each y_j ~ normal(theta_j, sigma_j) with sigma data, −½ log 2π − log σ_j.
// The issue that asked for Stan's lp__ measured the difference on one draw: hmcc −49.097, Stan
// −9.835.
func TestStanDroppedConstantEightSchools(t *testing.T) {
	m, _ := compile(t, "../models/eight_schools.model", "../models/eight_schools.csv", 1)
	got, err := StanDroppedConstant(m)
	if err != nil {
		t.Fatal(err)
	}
	h := 0.5 * math.Log(2*math.Pi)
	want := -h - math.Log(5) + math.Log(2/math.Pi) - math.Log(5) - 8*h
	for _, s := range []float64{15, 10, 16, 11, 9, 11, 10, 18} { // sigma, models/eight_schools.csv
		want += -h - math.Log(s)
	}
	if math.Abs(got-want) > 1e-12 {
		t.Errorf("dropped constant %.15g, want %.15g", got, want)
	}
	if math.Abs(got-(-49.097+9.835)) > 2e-3 {
		t.Errorf("dropped constant %.4f, the issue's draw differed by %.3f", got, -49.097+9.835)
	}
}

// kidiq: sigma is a parameter, so each kid_score ~ normal(…, sigma) drops only −½ log 2π, and
// sigma ~ exponential(0.1) drops log 0.1.
func TestStanDroppedConstantParameterScale(t *testing.T) {
	m, _ := compile(t, "../models/kidiq.model", "../models/kidiq.csv", 1)
	got, err := StanDroppedConstant(m)
	if err != nil {
		t.Fatal(err)
	}
	h := 0.5 * math.Log(2*math.Pi)
	n := float64(m.Sizes["N"])
	want := (-h - math.Log(100)) + 2*(-h-math.Log(10)) + math.Log(0.1) - n*h
	if n < 400 || math.Abs(got-want) > 1e-9 {
		t.Errorf("N = %v: dropped constant %.15g, want %.15g", n, got, want)
	}
}

// TestStanDroppedConstantMixture: Stan writes a mixture with target += (log_mix, log_sum_exp),
// which drops no constant, so the mixture likelihood adds nothing to the dropped constant, where
// the same data under y ~ Normal(mu[1], sigma[1]) drops −½log(2π) per observation.
func TestStanDroppedConstantMixture(t *testing.T) {
	priors := "data y[N] = column \"y\"\nparam w[2] ~ Dirichlet(2)\nparam mu[2] ~ Ordered(Normal(0, 5))\nparam sigma[2] ~ HalfNormal(2)\n"
	csv := "y\n-1.5\n0.3\n2.2\n1.9\n-0.7\n"
	dropped := func(likelihood string) float64 {
		m, _ := compileSrc(t, priors+likelihood+"\n", csv, 1)
		c, err := StanDroppedConstant(m)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	normal := dropped("y ~ Normal(mu[1], sigma[1])")
	h := 0.5 * math.Log(2*math.Pi)
	for _, mix := range []string{"y ~ Mixture(w, Normal(mu, sigma))", "y ~ Mixture(w, Normal(mu[1], sigma[1]), Normal(mu[2], sigma[2]))"} {
		if got := dropped(mix); math.Abs(normal-got-(-5*h)) > 1e-12 {
			t.Errorf("%s: dropped %.15g; the normal likelihood's %.15g less 5 × ½log(2π) would be %.15g", mix, got, normal, normal+5*h)
		}
	}
}
