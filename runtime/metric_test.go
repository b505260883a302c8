package runtime

import (
	"context"
	"math"
	"testing"
)

// The dense metric's pieces against their definitions on a fixed 3×3 Σ: the momentum's
// covariance is Σ⁻¹ (checked through Σ p being a standard draw under L⁻¹, i.e. whiten(Σ p) has
// identity covariance), whiten inverts L, and the kinetic energy is ½ pᵀΣp.
func TestDenseMetricPieces(t *testing.T) {
	sigma := []float64{4, 1.8, -0.6, 1.8, 1, -0.2, -0.6, -0.2, 0.5}
	s := newFixture(&gaussian{chains: 1, scales: []float64{1, 1, 1}}, 9)
	m := &s.tu.Metric
	if !m.setDense(sigma) {
		t.Fatal("Σ is positive definite")
	}
	// L Lᵀ = Σ.
	for i := 0; i < 3; i++ {
		for k := 0; k < 3; k++ {
			v := 0.0
			for j := 0; j < 3; j++ {
				v += m.Chol[i*3+j] * m.Chol[k*3+j]
			}
			if math.Abs(v-sigma[i*3+k]) > 1e-12 {
				t.Errorf("(L Lᵀ)[%d,%d] = %g, want %g", i, k, v, sigma[i*3+k])
			}
		}
	}
	p := []float64{0.3, -1.2, 2}
	want := 0.0
	for i := 0; i < 3; i++ {
		for k := 0; k < 3; k++ {
			want += 0.5 * p[i] * sigma[i*3+k] * p[k]
		}
	}
	if got := s.kinetic(p); math.Abs(got-want) > 1e-12 {
		t.Errorf("kinetic %g, want %g", got, want)
	}
	// Σ p = L Lᵀ p; whiten gives Lᵀ p back.
	v, w := make([]float64, 3), make([]float64, 3)
	m.velocity(p, v)
	m.whiten(v, w)
	for i := 0; i < 3; i++ {
		lt := 0.0
		for k := 0; k < 3; k++ {
			lt += m.Chol[k*3+i] * p[k]
		}
		if math.Abs(w[i]-lt) > 1e-12 {
			t.Errorf("whiten(Σp)[%d] = %g, want (Lᵀp) %g", i, w[i], lt)
		}
	}
	// Momenta: Lᵀ p must be standard normal, so its sample covariance is near I.
	const draws = 200000
	var cov [3][3]float64
	for d := 0; d < draws; d++ {
		s.r.Momentum(m, 0, uint32(d), p)
		m.velocity(p, v)
		m.whiten(v, w)
		for i := 0; i < 3; i++ {
			for k := 0; k < 3; k++ {
				cov[i][k] += w[i] * w[k] / draws
			}
		}
	}
	for i := 0; i < 3; i++ {
		for k := 0; k < 3; k++ {
			want := 0.0
			if i == k {
				want = 1
			}
			// sd of a product-moment estimate is at most √2/√draws ≈ 0.003
			if math.Abs(cov[i][k]-want) > 0.015 {
				t.Errorf("cov(Lᵀp)[%d,%d] = %.4f, want %g", i, k, cov[i][k], want)
			}
		}
	}
	if m.setDense([]float64{1, 2, 0, 2, 1, 0, 0, 0, 1}) {
		t.Error("an indefinite Σ was accepted")
	}
}

// Every sampler with a dense metric recovers a strongly correlated Gaussian (ρ = 0.99, where a
// diagonal metric needs ~10× longer trajectories), and the learned Σ approaches the truth.
func TestDenseMetricSamplers(t *testing.T) {
	const chains, draws = 8, 600
	for _, sampler := range Samplers {
		for _, metric := range []string{"dense", "auto"} {
			t.Run(sampler+"/"+metric, func(t *testing.T) {
				target := &correlated{chains: chains, rho: 0.99}
				sink := newMemorySink(chains, 2, draws)
				res, err := Sample(context.Background(), target, Config{Sampler: sampler, Metric: metric, Warmup: 600, Draws: draws,
					Seed: 11, TargetAccept: 0.8, PathLength: 1, MaxSteps: 1024, MaxTreeDepth: 10}, sink)
				if err != nil {
					t.Fatal(err)
				}
				if res.DenseInvMetric == nil {
					t.Fatalf("ended with a diagonal metric (trials %v)", res.MetricTrials)
				}
				for i, want := range []float64{1, 0.99, 0.99, 1} {
					if math.Abs(res.DenseInvMetric[i]-want) > 0.25 {
						t.Errorf("Σ[%d] = %g, want about %g", i, res.DenseInvMetric[i], want)
					}
				}
				x, y := sink.draws[0], sink.draws[1]
				within4MCSE(t, "E[x]", x, 0)
				within4MCSE(t, "E[y]", y, 0)
				within4MCSE(t, "E[x²]", product(x, x), 1)
				within4MCSE(t, "E[y²]", product(y, y), 1)
				within4MCSE(t, "E[xy]", product(x, y), 0.99)
			})
		}
	}
}

// auto keeps the diagonal metric where the posterior has no correlations to learn.
func TestAutoMetricKeepsDiagonalForIndependentCoordinates(t *testing.T) {
	scales := []float64{0.01, 1, 30}
	res, err := Sample(context.Background(), &gaussian{chains: 8, scales: scales}, Config{Sampler: "chees", Metric: "auto",
		Warmup: 500, Draws: 50, Seed: 2, TargetAccept: 0.8, PathLength: 1}, newMemorySink(8, 3, 50))
	if err != nil {
		t.Fatal(err)
	}
	if res.DenseInvMetric != nil || len(res.MetricTrials) == 0 {
		t.Errorf("dense %v, trials %v", res.DenseInvMetric != nil, res.MetricTrials)
	}
}
