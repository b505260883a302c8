package runtime_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc"
	"github.com/hmcc-dev/hmcc/compiler"
	"github.com/hmcc-dev/hmcc/runtime"
	"gonum.org/v1/gonum/stat/distuv"
)

// Simulation-based calibration (Talts, Betancourt, Simpson, Vehtari & Gelman 2018): draw
// parameters from the prior, data from the model, sample the posterior, and record the rank of
// the true value among the posterior draws. For a correct sampler the ranks are uniform. Each
// sampler is checked on two small models with a chi-square test of the rank histogram at a fixed
// seed. HMCC_SBC_REPS raises the replication count (bench/sbc.sh runs the long version).

type sbcModel struct {
	name   string
	source string
	// simulate draws the parameters from the prior (keyed by output name) and a data CSV.
	simulate func(rng *rand.Rand) (map[string]float64, string)
}

var sbcModels = []sbcModel{
	{
		name: "normal",
		source: `data y[N] = column "y"
param mu    ~ Normal(0, 1)
param sigma ~ HalfNormal(1)
y ~ Normal(mu, sigma)
`,
		simulate: func(rng *rand.Rand) (map[string]float64, string) {
			mu := rng.NormFloat64()
			sigma := math.Abs(rng.NormFloat64())
			var b strings.Builder
			b.WriteString("y\n")
			for i := 0; i < 10; i++ {
				fmt.Fprintf(&b, "%.17g\n", mu+sigma*rng.NormFloat64())
			}
			return map[string]float64{"mu": mu, "sigma": sigma}, b.String()
		},
	},
	{
		name: "hierarchical",
		source: `data y[J]     = column "y"
data sigma[J] = column "sigma"
param mu           ~ Normal(0, 2)
param tau          ~ HalfNormal(1)
param theta_raw[J] ~ Normal(0, 1)
let theta = mu + tau * theta_raw
y ~ Normal(theta, sigma)
`,
		simulate: func(rng *rand.Rand) (map[string]float64, string) {
			mu := 2 * rng.NormFloat64()
			tau := math.Abs(rng.NormFloat64())
			truth := map[string]float64{"mu": mu, "tau": tau}
			var b strings.Builder
			b.WriteString("y,sigma\n")
			for j := 0; j < 4; j++ {
				raw := rng.NormFloat64()
				sigma := 0.5 + float64(j)*0.5
				truth["theta."+strconv.Itoa(j+1)] = mu + tau*raw
				fmt.Fprintf(&b, "%.17g,%g\n", mu+tau*raw+sigma*rng.NormFloat64(), sigma)
			}
			return truth, b.String()
		},
	},
}

// rankSink keeps every draw of the quantities SBC ranks.
type rankSink struct {
	outputs func(theta []float64) map[string]float64
	dim     int
	draws   map[string][]float64
}

func (s *rankSink) Adapted([]float64, []float64) error { return nil }
func (s *rankSink) Draw(_ int, _ []runtime.Stats, theta []float64) error {
	for c := 0; c < len(theta)/s.dim; c++ {
		for k, v := range s.outputs(theta[c*s.dim : (c+1)*s.dim]) {
			s.draws[k] = append(s.draws[k], v)
		}
	}
	return nil
}

func TestSBC(t *testing.T) {
	reps := 120
	if v, err := strconv.Atoi(os.Getenv("HMCC_SBC_REPS")); err == nil {
		reps = v
	}
	if testing.Short() {
		reps = 40
	}
	const (
		chains, warmup, draws = 4, 150, 100
		thin                  = 4 // keep every chain's every 4th draw: 100 ranked draws, nearly independent
		bins                  = 10
	)
	for _, sampler := range runtime.Samplers {
		for _, sm := range sbcModels {
			t.Run(sampler+"/"+sm.name, func(t *testing.T) {
				runSBC(t, sm, rand.New(rand.NewPCG(2018, 1)), reps, chains, thin, bins,
					runtime.Config{Sampler: sampler, Warmup: warmup, Draws: draws, TargetAccept: 0.8, PathLength: 2})
			})
		}
	}
}

// runSBC checks sm by SBC: reps replications, each with parameters and data from sm.simulate
// (rng) and chains chains sampled under cfg with seed rep+1 (sampleModel); the rank of each true
// value among every chain's draws thinned to one in thin, and checkRanks over bins bins.
func runSBC(t *testing.T, sm sbcModel, rng *rand.Rand, reps, chains, thin, bins int, cfg runtime.Config) {
	t.Helper()
	ranks := map[string][]int{}
	for rep := 0; rep < reps; rep++ {
		truth, csv := sm.simulate(rng)
		cfg.Seed = uint64(rep + 1)
		draws := sampleModel(t, sm.source, csv, cfg, chains)
		for name, v := range truth {
			// rankSink stores the draws iteration by iteration, chains interleaved
			// (x[iter*chains+c]): thin each chain, rank them all.
			x, ok := draws[name]
			if !ok {
				t.Fatalf("no output %s", name)
			}
			r := 0
			for i := 0; i < len(x); i++ {
				if (i/chains)%thin == 0 && x[i] < v {
					r++
				}
			}
			ranks[name] = append(ranks[name], r)
		}
	}
	checkRanks(t, ranks, reps, chains*cfg.Draws/thin, bins)
}

// checkRanks fails the test when a quantity's SBC ranks (values 0..L over reps replications) are
// not uniform by a chi-square test of their histogram in bins bins at p < 0.001.
func checkRanks(t *testing.T, ranks map[string][]int, reps, L, bins int) {
	t.Helper()
	names := make([]string, 0, len(ranks))
	for n := range ranks {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		counts := make([]float64, bins)
		for _, r := range ranks[name] {
			counts[min(r*bins/(L+1), bins-1)]++
		}
		// The bins hold (L+1)/bins rank values each (101 values into 10 bins: the
		// last holds 11), so the expected counts are proportional to their widths.
		stat := 0.0
		for b := range counts {
			lo, hi := (b*(L+1)+bins-1)/bins, ((b+1)*(L+1)+bins-1)/bins
			if b == bins-1 {
				hi = L + 1
			}
			expected := float64(reps) * float64(hi-lo) / float64(L+1)
			stat += (counts[b] - expected) * (counts[b] - expected) / expected
		}
		p := 1 - distuv.ChiSquared{K: float64(bins - 1)}.CDF(stat)
		t.Logf("%s: χ² = %.1f, p = %.3f, histogram %v", name, stat, p, counts)
		if p < 0.001 {
			t.Errorf("%s: rank histogram is not uniform (χ² = %.1f on %d df, p = %.2g): %v", name, stat, bins-1, p, counts)
		}
	}
}

// SBC of the default start and warmup a run may use: every chain from a Pathfinder draw
// (hmcc.Config.InitPathfinder) and --warmup auto, through the library as hmcc run does, for
// each sampler; every chain's draws, thinned, are ranked. Pathfinder's draws come from an
// approximation that can be too narrow, so a start that biased the draws (chains that never left
// it) would show here as ranks piled in the middle. HMCC_SBC_REPS raises the replications.
func TestSBCPathfinderStartsAutoWarmup(t *testing.T) {
	reps := 40
	if v, err := strconv.Atoi(os.Getenv("HMCC_SBC_REPS")); err == nil {
		reps = v
	}
	if testing.Short() {
		reps = 20
	}
	const (
		chains, draws = 4, 100
		thin          = 4
		bins          = 10
	)
	for _, sampler := range runtime.Samplers {
		for _, sm := range sbcModels {
			t.Run(sampler+"/"+sm.name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(2022, 1))
				ranks := map[string][]int{}
				for rep := 0; rep < reps; rep++ {
					truth, csv := sm.simulate(rng)
					m, err := hmcc.Compile("sbc.model", sm.source, hmcc.CSV("sbc.csv", strings.NewReader(csv)))
					if err != nil {
						t.Fatal(err)
					}
					fit, err := m.Sample(context.Background(), hmcc.Target{Chains: chains, Threads: 1},
						hmcc.Config{Sampler: sampler, WarmupAuto: true, Draws: draws, Seed: uint64(rep + 1), PathLength: 2, InitPathfinder: true})
					if err != nil {
						t.Fatal(err)
					}
					for name, v := range truth {
						x, err := fit.Draws(name)
						if err != nil {
							t.Fatal(err)
						}
						r := 0
						for _, chain := range x {
							for i := 0; i < len(chain); i += thin {
								if chain[i] < v {
									r++
								}
							}
						}
						ranks[name] = append(ranks[name], r)
					}
					fit.Close()
				}
				checkRanks(t, ranks, reps, chains*draws/thin, bins)
			})
		}
	}
}

// sampleModel compiles the model for the CSV and returns every post-warmup draw of each output.
func sampleModel(t *testing.T, source, csv string, cfg runtime.Config, chains int) map[string][]float64 {
	t.Helper()
	cm, err := hmcc.Compile("sbc.model", source, hmcc.CSV("sbc.csv", strings.NewReader(csv)))
	if err != nil {
		t.Fatal(err)
	}
	m := cm.IR()
	prog, err := compiler.Lower(m, chains)
	if err != nil {
		t.Fatal(err)
	}
	names := compiler.OutputNames(m)
	values := make([]float64, len(names))
	sink := &rankSink{dim: m.Dim(), draws: map[string][]float64{}, outputs: func(theta []float64) map[string]float64 {
		if err := compiler.Outputs(m, theta, values); err != nil {
			t.Fatal(err)
		}
		out := make(map[string]float64, len(names))
		for i, n := range names {
			out[n] = values[i]
		}
		return out
	}}
	if _, err := runtime.Sample(context.Background(), prog, cfg, sink); err != nil {
		t.Fatal(err)
	}
	return sink.draws
}
