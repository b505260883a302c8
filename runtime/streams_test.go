package runtime

import (
	"testing"

	"github.com/hmcc-dev/hmcc/runtime/rng"
)

// A chain's transitions depend on its global id, the seed and the tuning only: global chain 5
// run alone (a batch whose first chain is 5) takes bitwise the same steps, with the same
// statistics, as row 5 of a batch of 8 chains under the same fixed tuning, for every kernel and
// for diagonal and dense metrics. The population stream (hmc's shared integration time) is the
// batch's, so the lone chain is given the batch's.
func TestChainDrawsDoNotDependOnItsBatch(t *testing.T) {
	scales := []float64{0.5, 1, 3}
	dense := []float64{0.3, 0.1, 0, 0.1, 1, 0.2, 0, 0.2, 5}
	const seed, g = 11, 5
	for _, kernel := range []string{"hmc", "chees", "nuts"} {
		for _, metric := range []string{"diag", "dense"} {
			t.Run(kernel+"/"+metric, func(t *testing.T) {
				batch := newFixture(&gaussian{chains: 8, scales: scales}, seed)
				alone := newFixture(&gaussian{chains: 1, scales: scales}, seed)
				alone.r = NewStreams(seed, g)
				alone.r.pop = batch.r.pop
				var ks [2]Kernel
				for j, f := range []*fixture{batch, alone} {
					if err := initialise(f.ev, f.r, f.st, nil); err != nil {
						t.Fatal(err)
					}
					for i := range f.tu.StepSize {
						f.tu.StepSize[i] = 0.4
					}
					f.tu.Length = 2
					if metric == "dense" && !f.tu.Metric.setDense(dense) {
						t.Fatal("dense metric refused")
					}
					switch kernel {
					case "hmc":
						ks[j] = newHMCKernel(f.ev, uniformJitter)
					case "chees":
						ks[j] = newHMCKernel(f.ev, haltonJitter)
					case "nuts":
						ks[j] = newNUTS(f.ev, 10)
					}
				}
				n := len(scales)
				row := func(f *fixture, i int) []float64 { return f.st.Pos[i*n : (i+1)*n] }
				if !equalRows(row(batch, g), row(alone, 0)) {
					t.Fatalf("starts differ: %v in the batch, %v alone", row(batch, g), row(alone, 0))
				}
				moved := 0
				for it := 0; it < 60; it++ {
					before := append([]float64(nil), row(alone, 0)...)
					ib, err := ks[0].Step(batch.r, batch.st, batch.tu)
					if err != nil {
						t.Fatal(err)
					}
					ia, err := ks[1].Step(alone.r, alone.st, alone.tu)
					if err != nil {
						t.Fatal(err)
					}
					if ib.Stats[g] != ia.Stats[0] || !equalRows(row(batch, g), row(alone, 0)) {
						t.Fatalf("iteration %d: batch row %d %+v at %v, alone %+v at %v", it, g, ib.Stats[g], row(batch, g), ia.Stats[0], row(alone, 0))
					}
					if !equalRows(before, row(alone, 0)) {
						moved++
					}
				}
				// Neighbours differ from the chain (each draws its own numbers) and it moves.
				if equalRows(row(batch, g-1), row(batch, g)) || moved < 30 {
					t.Errorf("chain %d moved %d of 60 times; its neighbour is at %v, it at %v", g, moved, row(batch, g-1), row(batch, g))
				}
			})
		}
	}
}

func equalRows(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Momenta are the rng package's normals of (global chain, iteration, Momentum), scaled by the
// metric: what a device kernel reproduces.
func TestMomentumIsAddressedNormals(t *testing.T) {
	r := NewStreams(7, 3)
	m := unitMetric(3)
	copy(m.Diag, []float64{4, 1, 0.25})
	p, z := make([]float64, 3), make([]float64, 3)
	r.Momentum(&m, 2, 9, p)
	rng.KeyOf(7).Normals(z, 5, 9, rng.Momentum)
	for j := range p {
		if want := z[j] / []float64{2, 1, 0.5}[j]; p[j] != want {
			t.Errorf("p[%d] = %g, want %g", j, p[j], want)
		}
	}
	if PopulationChain(0) != rng.Population || PopulationChain(4) == PopulationChain(0) {
		t.Error("population streams of shards starting at chains 0 and 4 should be Population and apart")
	}
}
