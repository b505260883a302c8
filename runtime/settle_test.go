package runtime

import (
	"context"
	"fmt"
	"math"
	"testing"
)

// lengthSink is a memorySink that also records the warmup length it is told.
type lengthSink struct {
	*memorySink
	warmup int
}

func (s *lengthSink) WarmupLength(n int) error { s.warmup = n; return nil }

// On a badly scaled Gaussian, --warmup auto settles before the cap for every sampler (the
// chains mix within the first windows once the metric has the scales), says so, tells the
// sink the length it used, and the draws still have the target's moments.
func TestWarmupAutoSettlesOnAGaussian(t *testing.T) {
	scales := []float64{0.01, 1, 30, 5, 0.3}
	const chains, draws, limit = 16, 400, 1000
	for _, sampler := range Samplers {
		t.Run(sampler, func(t *testing.T) {
			sink := &lengthSink{memorySink: newMemorySink(chains, len(scales), draws)}
			res, err := Sample(context.Background(), &gaussian{chains: chains, scales: scales},
				Config{Warmup: limit, WarmupAuto: true, Draws: draws, Seed: 3, TargetAccept: 0.8, PathLength: 3, Sampler: sampler}, sink)
			if err != nil {
				t.Fatal(err)
			}
			if !res.WarmupSettled || res.WarmupDone >= limit || sink.warmup != res.WarmupDone {
				t.Fatalf("settled %v after %d of %d iterations (sink told %d); checks %+v", res.WarmupSettled, res.WarmupDone, limit, sink.warmup, res.WarmupChecks)
			}
			last := res.WarmupChecks[len(res.WarmupChecks)-1]
			if !last.Settled || last.Iter+newWindows(limit).termBuffer != res.WarmupDone || last.Rhat > settleRhat {
				t.Errorf("the last check %+v does not account for a warmup of %d", last, res.WarmupDone)
			}
			checkGaussianMoments(t, sink.draws, scales)
		})
	}
}

// twoModes is a mixture of N(-20, 1) and N(20, 1) in every coordinate: chains started in
// different modes never meet, so the chains never agree and auto warmup must run to its cap.
type twoModes struct{ chains, dim int }

func (g *twoModes) Chains() int { return g.chains }
func (g *twoModes) Dim() int    { return g.dim }
func (g *twoModes) LogDensityGrad(theta, logp, grad []float64) error {
	for c := 0; c < g.chains; c++ {
		lp := 0.0
		for i := 0; i < g.dim; i++ {
			x := theta[c*g.dim+i]
			a, b := -0.5*(x+20)*(x+20), -0.5*(x-20)*(x-20)
			m := math.Max(a, b)
			lse := m + math.Log(math.Exp(a-m)+math.Exp(b-m))
			lp += lse
			grad[c*g.dim+i] = (-(x+20)*math.Exp(a-m) - (x-20)*math.Exp(b-m)) / math.Exp(lse-m)
		}
		logp[c] = lp
	}
	return nil
}

func TestWarmupAutoRunsToTheCapWhenChainsDisagree(t *testing.T) {
	const chains, dim, limit = 8, 2, 300
	init := make([]float64, chains*dim)
	for c := 0; c < chains; c++ {
		for i := 0; i < dim; i++ {
			init[c*dim+i] = 20 * float64(2*(c%2)-1)
		}
	}
	for _, sampler := range Samplers {
		sink := &lengthSink{memorySink: newMemorySink(chains, dim, 10)}
		res, err := Sample(context.Background(), &twoModes{chains, dim},
			Config{Warmup: limit, WarmupAuto: true, Draws: 10, Seed: 1, TargetAccept: 0.8, PathLength: 1, Sampler: sampler, Init: init}, sink)
		if err != nil {
			t.Fatal(err)
		}
		if res.WarmupSettled || res.WarmupDone != limit || sink.warmup != limit || len(res.WarmupChecks) == 0 {
			t.Errorf("%s: settled %v, %d warmup iterations (sink told %d), checks %+v; want the cap %d", sampler, res.WarmupSettled, res.WarmupDone, sink.warmup, res.WarmupChecks, limit)
		}
		for _, c := range res.WarmupChecks {
			if c.Rhat < 1.5 { // rank-normalised R-hat of two fully separated halves is about 1.7
				t.Errorf("%s: window R-hat %g for chains in two modes 40 sds apart", sampler, c.Rhat)
			}
		}
	}
}

func TestTruncateAfterMakesTheWindowTheLast(t *testing.T) {
	sched := newSchedule(1000)
	it := 149 // the second window ends here
	if !sched[it].endsWindow || sched[it].lastWindow {
		t.Fatalf("iteration %d: %+v", it, sched[it])
	}
	got := truncateAfter(sched, it, 50)
	if len(got) != 200 || !got[it].lastWindow {
		t.Fatalf("%d iterations, last window %v; want 200, true", len(got), got[it].lastWindow)
	}
	for k := it + 1; k < len(got); k++ {
		if got[k].slow || got[k].endsWindow || got[k].relocate || got[k].initBuffer {
			t.Errorf("iteration %d after the last window: %+v", k, got[k])
		}
	}
}

// --warmup auto's windows double up to autoWindow, then repeat, so that adaptation is judged
// every autoWindow iterations: for a cap of 1000, windows end at 100, 150, 250, 450, 650 and 950
// (the last stretched to the terminal buffer as Stan stretches its last).
func TestAutoWindowsStopDoubling(t *testing.T) {
	w := newWindowsUpTo(1000, autoWindow)
	want := []int{100, 150, 250, 450, 650, 950}
	if fmt.Sprint(w.ends) != fmt.Sprint(want) {
		t.Errorf("window ends %v, want %v", w.ends, want)
	}
}

// Rounds (Config.More, --target-ess) continue the same chains: 100 draws then rounds of 30 and
// 20 are exactly a run of 150 draws, on the CPU and on a device that records iterations and
// hands them back in chunks (flushed at the end of each round, before the next is asked for).
func TestRoundsContinueTheChains(t *testing.T) {
	scales := []float64{0.5, 2, 10}
	cfg := Config{Warmup: 200, Draws: 150, Seed: 9, TargetAccept: 0.8, PathLength: 3, MaxSteps: 1024, Sampler: "chees"}
	want := newMemorySink(4, len(scales), cfg.Draws)
	if _, err := Sample(context.Background(), &gaussian{chains: 4, scales: scales}, cfg, want); err != nil {
		t.Fatal(err)
	}
	for _, target := range []Target{&gaussian{chains: 4, scales: scales},
		&hostChunked{hostDevice: hostDevice{gaussian: gaussian{chains: 4, scales: scales}}, chunk: 7, slots: make([]Recorded, 7)}} {
		rounds := []int{30, 20, 0}
		var asked []int
		cfg := cfg
		cfg.Draws = 100
		got := newMemorySink(4, len(scales), 150)
		cfg.More = func(done int) int {
			if len(got.stats) != done {
				t.Errorf("asked after %d draws with %d handed to the sink", done, len(got.stats))
			}
			asked = append(asked, done)
			n := rounds[0]
			rounds = rounds[1:]
			return n
		}
		res, err := Sample(context.Background(), target, cfg, got)
		if err != nil {
			t.Fatal(err)
		}
		if res.DrawsDone != 150 || fmt.Sprint(asked) != "[100 130 150]" || !sameDraws(got.draws, want.draws) {
			t.Errorf("%T: %d draws, asked after %v, same draws as one run of 150: %v", target, res.DrawsDone, asked, sameDraws(got.draws, want.draws))
		}
	}
}
