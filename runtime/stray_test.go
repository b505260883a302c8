package runtime

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestMarkGoodFlagsChainsFarBelowTheMedian(t *testing.T) {
	good := make([]bool, 6)
	markGood([]float64{-3, -5, -2, -500, math.NaN(), -4 - strayGap(4) + 0.5}, 4, good)
	want := []bool{true, true, true, false, false, true}
	if !slices.Equal(good, want) {
		t.Errorf("good = %v, want %v", good, want)
	}
	// With too few chains there is no population to compare with.
	good = make([]bool, 3)
	markGood([]float64{0, -1, -1e6}, 1, good)
	if strays(good) != 0 {
		t.Errorf("3 chains: %d strays", strays(good))
	}
}

// studentT is independent Student-t coordinates with 5 degrees of freedom: far out in its tails
// the gradient falls off like 1/x, so a chain started there drifts in only slowly.
type studentT struct {
	chains int
	scales []float64
}

func (g *studentT) Chains() int { return g.chains }
func (g *studentT) Dim() int    { return len(g.scales) }
func (g *studentT) LogDensityGrad(theta, logp, grad []float64) error {
	const nu = 5
	n := len(g.scales)
	for c := 0; c < g.chains; c++ {
		lp := 0.0
		for i, s := range g.scales {
			x := theta[c*n+i]
			u := 1 + x*x/(nu*s*s)
			lp -= (nu + 1) / 2 * math.Log(u)
			grad[c*n+i] = -(nu + 1) * x / (nu * s * s * u)
		}
		logp[c] = lp
	}
	return nil
}

// Chains started ten thousand scales out are moved onto the others during warmup, said in
// Result.Relocations, and every sampler still learns the posterior's variances and draws from it.
func TestStrayChainsAreMovedInWarmup(t *testing.T) {
	scales := []float64{0.01, 1, 30}
	const chains, draws = 16, 400
	for _, sampler := range Samplers {
		t.Run(sampler, func(t *testing.T) {
			init := make([]float64, chains*len(scales))
			for i := range init {
				init[i] = 0.5 * scales[i%len(scales)]
			}
			for _, c := range []int{2, 7, 11} { // far out in the first coordinate
				init[c*len(scales)] = 1e4 * scales[0]
			}
			sink := newMemorySink(chains, len(scales), draws)
			res, err := Sample(context.Background(), &studentT{chains: chains, scales: scales},
				Config{Sampler: sampler, Warmup: 500, Draws: draws, Seed: 3, TargetAccept: 0.8, PathLength: 1, Init: init}, sink)
			if err != nil {
				t.Fatal(err)
			}
			var moved []int
			for _, r := range res.Relocations {
				moved = append(moved, r.Chains...)
			}
			// NUTS's long trajectories often bring the far chains in on their own within the 25
			// iterations before the first check (seeds 1 to 3 move none), so only hmc and chees
			// are held to moving them; every sampler is held to what follows.
			for _, c := range moved {
				if !slices.Contains([]int{3, 8, 12}, c) {
					t.Errorf("chain %d, started in the posterior, was moved: %v", c, res.Relocations)
				}
			}
			if len(moved) < 2 && sampler != "nuts" {
				t.Errorf("moved %v, want at least two of the far chains 3, 8, 12", res.Relocations)
			}
			// A t(5) has variance 5/3 s².
			sd := make([]float64, len(scales))
			for i, s := range scales {
				sd[i] = s * math.Sqrt(5.0/3)
				if r := res.InvMetric[i] / (sd[i] * sd[i]); r < 0.5 || r > 2 {
					t.Errorf("inverse metric %d = %g, want about %g", i, res.InvMetric[i], sd[i]*sd[i])
				}
			}
			checkGaussianMoments(t, sink.draws, sd)
		})
	}
}

// TestMedianSelectsAsSortWould: median (quickselect) gives the sorted middle value, or the mean
// of the two, on random inputs with ties, infinities and every length up to 40, bit for bit.
func TestMedianSelectsAsSortWould(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 2000; trial++ {
		n := 1 + trial%40
		v := make([]float64, n)
		for i := range v {
			switch r.IntN(6) {
			case 0:
				v[i] = math.Inf(-1)
			case 1:
				v[i] = float64(r.IntN(3)) // ties
			default:
				v[i] = r.NormFloat64() * 100
			}
		}
		sorted := slices.Clone(v)
		slices.Sort(sorted)
		want := sorted[n/2]
		if n%2 == 0 {
			want = 0.5 * (sorted[n/2-1] + sorted[n/2])
		}
		got := median(slices.Clone(v))
		if math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Fatalf("median(%v) = %v, sorting gives %v", v, got, want)
		}
	}
}

// BenchmarkMarkGood is markGood at a GPU run's 16,384 chains, which it runs every warmup
// iteration: go test -run XXX -bench MarkGood ./runtime/
func BenchmarkMarkGood(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	logp := make([]float64, 16384)
	for i := range logp {
		logp[i] = -50 + 5*r.NormFloat64()
	}
	good := make([]bool, len(logp))
	for b.Loop() {
		markGood(logp, 49, good)
	}
}
