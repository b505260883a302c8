package runtime

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

// hostWarmup is a WarmupTarget over any Target that keeps its chains to itself, as the GPU
// backend does: it runs the CPU kernel's transition with the momenta and uniforms it is handed,
// holds each transition's starts, proposals and end momenta as the device does, and reduces them
// with the CPU warmup's own functions (CheesGradient, HarmonicMean, Moments). It counts what
// crosses its interface; its log density is the wrapped target's.
type hostWarmup struct {
	Target
	state *State
	inv   []float64
	// the last warmup transition's starts, proposals, end momenta and acceptance probabilities
	prev, prop, mom, accept []float64
	moments                 *Moments
	// what crossed: warmup and sampling transitions, position transfers
	warmups, transitions, positions int
}

func newHostWarmup(t Target) *hostWarmup {
	c, n := t.Chains(), t.Dim()
	return &hostWarmup{Target: t, prev: make([]float64, c*n), prop: make([]float64, c*n), mom: make([]float64, c*n),
		accept: make([]float64, c)}
}

func (d *hostWarmup) SetState(theta, invMetric []float64) (err error) {
	d.inv = slices.Clone(invMetric)
	d.state, err = NewState(d.Target, theta)
	return err
}

// run is the CPU kernel's transition (Transition), keeping the proposals and end momenta.
func (d *hostWarmup) run(in TransitionIn, out *TransitionOut) error {
	k := newHMCKernel(newEvaluator(d.Target), uniformJitter)
	copy(k.info.Momentum, in.Momentum)
	if err := k.transition(d.state, &Tuning{StepSize: in.StepSize, Metric: Metric{Diag: d.inv}}, in.Steps,
		func(i int) float64 { return in.Uniform[i] }); err != nil {
		return err
	}
	for i, st := range k.info.Stats {
		out.Accept[i], out.Energy[i], out.LogP[i], out.Diverged[i] = st.AcceptStat, st.Energy, st.LogP, st.Divergent
	}
	copy(d.prop, k.info.Proposal)
	copy(d.mom, k.info.Momentum)
	copy(d.accept, out.Accept)
	if out.Position != nil {
		copy(out.Position, d.state.Pos)
	}
	return nil
}

func (d *hostWarmup) Transition(in TransitionIn, out *TransitionOut) error {
	d.transitions++
	return d.run(in, out)
}

func (d *hostWarmup) WarmupTransition(in TransitionIn, out *TransitionOut) error {
	if out.Position != nil {
		return fmt.Errorf("a warmup transition was asked for positions")
	}
	d.warmups++
	copy(d.prev, d.state.Pos)
	return d.run(in, out)
}

func (d *hostWarmup) ReduceWarmup(good []bool, jitter, length float64, chees, moments, dense bool) (AdaptStats, error) {
	st := AdaptStats{Gradient: math.NaN(), HarmonicMean: math.NaN()}
	if chees {
		st.Gradient = CheesGradient(d.prev, d.prop, d.mom, d.accept, good, d.inv, jitter, length)
		st.HarmonicMean = HarmonicMean(d.accept, good)
		for i, g := range good {
			if g {
				st.AcceptSum += d.accept[i]
				st.Good++
			}
		}
	}
	if moments {
		if d.moments == nil || (d.moments.CoMoments() != nil) != dense {
			return st, fmt.Errorf("moments added before they were started (dense %v)", dense)
		}
		d.moments.Add(d.state.Pos, good)
	}
	return st, nil
}

func (d *hostWarmup) Moments(dense, reset bool) (n float64, mean, m2, cov []float64, err error) {
	if d.moments != nil {
		n, mean, m2, cov = d.moments.N(), d.moments.Mean(), d.moments.M2(), d.moments.CoMoments()
	}
	if reset {
		d.moments = NewMoments(d.Dim(), dense)
	}
	return n, mean, m2, cov, nil
}

func (d *hostWarmup) Positions(theta []float64) error {
	d.positions++
	copy(theta, d.state.Pos)
	return nil
}

// warmupRun is what a run's tuning and draws came to.
type warmupRun struct {
	res  *Result
	sink *memorySink
}

func sampleWith(t *testing.T, target Target, cfg Config) warmupRun {
	t.Helper()
	sink := newMemorySink(target.Chains(), target.Dim(), cfg.Draws)
	res, err := Sample(context.Background(), target, cfg, sink)
	if err != nil {
		t.Fatal(err)
	}
	return warmupRun{res, sink}
}

// sameTuning reports the first way two runs' warmups differ, or "".
func sameTuning(got, want *Result) string {
	switch {
	case !slices.Equal(got.StepSizes, want.StepSizes):
		return fmt.Sprintf("step sizes %v, want %v", got.StepSizes, want.StepSizes)
	case !slices.Equal(got.InvMetric, want.InvMetric):
		return fmt.Sprintf("inverse metric %v, want %v", got.InvMetric, want.InvMetric)
	case !slices.Equal(got.DenseInvMetric, want.DenseInvMetric):
		return fmt.Sprintf("dense inverse metric %v, want %v", got.DenseInvMetric, want.DenseInvMetric)
	case got.TrajectoryLength != want.TrajectoryLength:
		return fmt.Sprintf("trajectory length %v, want %v", got.TrajectoryLength, want.TrajectoryLength)
	case fmt.Sprint(got.Relocations) != fmt.Sprint(want.Relocations):
		return fmt.Sprintf("relocations %v, want %v", got.Relocations, want.Relocations)
	case fmt.Sprint(got.MetricTrials) != fmt.Sprint(want.MetricTrials):
		return fmt.Sprintf("metric trials %v, want %v", got.MetricTrials, want.MetricTrials)
	case got.WarmupDivergence != want.WarmupDivergence:
		return fmt.Sprintf("%d warmup divergences, want %d", got.WarmupDivergence, want.WarmupDivergence)
	}
	return ""
}

// TestDeviceWarmupEqualsHostWarmup: warmup on a WarmupTarget, which reduces the adaptation's
// statistics itself and hands back no position per iteration, tunes exactly as warmup on the
// host does (step sizes, metric, trajectory length, moved chains, bit for bit, because the fake
// device reduces with the CPU's own functions in the CPU's order), and the draws that follow are
// the same. Every warmup transition runs on the device, and positions cross only at the end of
// each metric window, when stray chains are moved, and once at the end — not per iteration.
// A dense metric, which the device does not take, moves the rest of warmup to the host.
func TestDeviceWarmupEqualsHostWarmup(t *testing.T) {
	scales := []float64{0.01, 1, 30}
	strayInit := func(chains int) []float64 {
		init := make([]float64, chains*len(scales))
		for i := range init {
			init[i] = 0.5 * scales[i%len(scales)]
		}
		for _, c := range []int{2, 7, 11} { // far out in the first coordinate
			init[c*len(scales)] = 1e4 * scales[0]
		}
		return init
	}
	// spreadInit starts chains 0 … far−1 far out, chain c at (c+1)·dist scales
	spreadInit := func(chains, far int, dist float64) []float64 {
		init := make([]float64, chains*len(scales))
		for i := range init {
			init[i] = 0.5 * scales[i%len(scales)]
		}
		for c := 0; c < far; c++ {
			init[c*len(scales)] = dist * float64(c+1) * scales[0]
		}
		return init
	}
	cases := []struct {
		name   string
		target func() Target
		cfg    Config
		// hostAfter: the metric turns dense, so only the iterations up to the first window's
		// end run on the device
		hostAfter bool
	}{
		{name: "chees/gaussian", target: func() Target { return &gaussian{chains: 8, scales: []float64{0.5, 2, 10}} },
			cfg: Config{Sampler: "chees", Warmup: 300, Draws: 50, Seed: 4, TargetAccept: 0.8, PathLength: 1, MaxSteps: 1024}},
		{name: "hmc/gaussian", target: func() Target { return &gaussian{chains: 8, scales: []float64{0.5, 2, 10}} },
			cfg: Config{Sampler: "hmc", Warmup: 300, Draws: 50, Seed: 4, TargetAccept: 0.8, PathLength: 2, MaxSteps: 1024}},
		{name: "chees/strays", target: func() Target { return &studentT{chains: 16, scales: scales} },
			cfg: Config{Sampler: "chees", Warmup: 400, Draws: 50, Seed: 3, TargetAccept: 0.8, PathLength: 1, MaxSteps: 1024, Init: strayInit(16)}},
		{name: "hmc/strays", target: func() Target { return &studentT{chains: 16, scales: scales} },
			cfg: Config{Sampler: "hmc", Warmup: 400, Draws: 50, Seed: 3, TargetAccept: 0.8, PathLength: 1, MaxSteps: 1024, Init: strayInit(16)}},
		// most chains start far out, spread so that they come in (or are found stray) one group
		// at a time: chains are moved in metric windows too (iterations 100 and 125), where the
		// moved positions join the metric's moments
		{name: "chees/late strays", target: func() Target { return &studentT{chains: 16, scales: scales} },
			cfg: Config{Sampler: "chees", Warmup: 400, Draws: 50, Seed: 3, TargetAccept: 0.8, PathLength: 1, MaxSteps: 1024, Init: spreadInit(16, 10, 1e3)}},
		{name: "hmc/late strays", target: func() Target { return &studentT{chains: 16, scales: scales} },
			cfg: Config{Sampler: "hmc", Warmup: 400, Draws: 50, Seed: 3, TargetAccept: 0.8, PathLength: 1, MaxSteps: 1024, Init: spreadInit(16, 9, 1e4)}},
		{name: "chees/auto", target: func() Target { return &gaussian{chains: 8, scales: []float64{0.5, 2, 10}} },
			cfg: Config{Sampler: "chees", Metric: "auto", Warmup: 300, Draws: 50, Seed: 4, TargetAccept: 0.8, PathLength: 1, MaxSteps: 1024}},
		{name: "chees/dense", target: func() Target { return &gaussian{chains: 8, scales: []float64{0.5, 2, 10}} },
			cfg:       Config{Sampler: "chees", Metric: "dense", Warmup: 300, Draws: 50, Seed: 4, TargetAccept: 0.8, PathLength: 1, MaxSteps: 1024},
			hostAfter: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := sampleWith(t, tc.target(), tc.cfg)
			dev := newHostWarmup(tc.target())
			got := sampleWith(t, dev, tc.cfg)
			if d := sameTuning(got.res, want.res); d != "" {
				t.Fatalf("device warmup: %s", d)
			}
			if !sameDraws(got.sink.draws, want.sink.draws) {
				t.Errorf("the draws after a device warmup differ from the host's")
			}
			w := newWindows(tc.cfg.Warmup)
			switch {
			case tc.hostAfter:
				if dev.warmups != w.ends[0] {
					t.Errorf("%d warmup transitions on the device, want those up to the first window's end, %d", dev.warmups, w.ends[0])
				}
			case dev.warmups != tc.cfg.Warmup:
				t.Errorf("%d warmup transitions on the device, want all %d", dev.warmups, tc.cfg.Warmup)
			}
			// Positions cross at each window's end and each relocation (once when both come
			// after the same iteration), and once at the end.
			at := map[int]bool{}
			for _, e := range w.ends {
				at[e] = true
			}
			for _, r := range want.res.Relocations {
				at[r.Iter] = true
			}
			pulls := len(at) + 1
			if tc.hostAfter {
				pulls = 1
			}
			if dev.positions != pulls {
				t.Errorf("positions crossed %d times, want %d (window ends %v, relocations %v)", dev.positions, pulls, w.ends, want.res.Relocations)
			}
			if strings.Contains(tc.name, "stray") && len(want.res.Relocations) == 0 {
				t.Errorf("no chain was moved: the case does not exercise relocation")
			}
			if strings.Contains(tc.name, "late") {
				for _, r := range want.res.Relocations {
					if r.Iter > w.initBuffer {
						return
					}
				}
				t.Errorf("relocations %v: none in a metric window", want.res.Relocations)
			}
		})
	}
}

// TestDeviceWarmupNeedsHostPositions: a run that saves warmup draws, or decides warmup's length
// (--warmup auto, which reads every position), warms up on the host and still runs sampling
// on the device.
func TestDeviceWarmupNeedsHostPositions(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		sink func() Sink
	}{
		{"warmup auto", Config{Sampler: "chees", Warmup: 300, WarmupAuto: true, Draws: 20, Seed: 2, TargetAccept: 0.8, PathLength: 1, MaxSteps: 256}, nil},
		{"saved warmup", Config{Sampler: "chees", Warmup: 100, Draws: 20, Seed: 2, TargetAccept: 0.8, PathLength: 1, MaxSteps: 256},
			func() Sink { return &warmupRows{memorySink: newMemorySink(8, 3, 20)} }},
		{"watched warmup", Config{Sampler: "chees", Warmup: 100, Draws: 20, Seed: 2, TargetAccept: 0.8, PathLength: 1, MaxSteps: 256},
			func() Sink { return &warmupRows{memorySink: newMemorySink(8, 3, 20), statsOnly: true} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dev := newHostWarmup(&gaussian{chains: 8, scales: []float64{0.5, 2, 10}})
			var sink Sink = newMemorySink(8, 3, tc.cfg.Draws)
			if tc.sink != nil {
				sink = tc.sink()
			}
			if _, err := Sample(context.Background(), dev, tc.cfg, sink); err != nil {
				t.Fatal(err)
			}
			rows, _ := sink.(*warmupRows)
			onDevice := rows != nil && rows.statsOnly
			if (dev.warmups > 0) != onDevice {
				t.Errorf("%d warmup transitions on the device, want them there: %v", dev.warmups, onDevice)
			}
			if dev.transitions != tc.cfg.Draws {
				t.Errorf("%d sampling transitions on the device, want %d", dev.transitions, tc.cfg.Draws)
			}
			if rows != nil && rows.rows != tc.cfg.Warmup {
				t.Errorf("%d warmup rows, want %d", rows.rows, tc.cfg.Warmup)
			}
		})
	}
}

// warmupRows is a WarmupSink; with statsOnly it says it reads only the statistics, and is
// handed no positions.
type warmupRows struct {
	*memorySink
	statsOnly bool
	rows      int
}

func (w *warmupRows) WantsWarmupPositions() bool { return !w.statsOnly }

func (w *warmupRows) WarmupDraw(_ int, stats []Stats, theta []float64) error {
	if (theta == nil) != w.statsOnly || len(stats) != w.chains {
		return fmt.Errorf("warmup row with %d positions and %d statistics", len(theta), len(stats))
	}
	w.rows++
	return nil
}

// TestDeviceWarmupInterrupted: a run stopped during a device warmup ends cleanly, and the
// chains' positions are brought back once (the host's copy lags the device's until then).
func TestDeviceWarmupInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dev := newHostWarmup(&gaussian{chains: 8, scales: []float64{0.5, 2, 10}})
	cfg := Config{Sampler: "chees", Warmup: 300, Draws: 20, Seed: 4, TargetAccept: 0.8, PathLength: 1, MaxSteps: 1024,
		Progress: func(phase string, done, _ int) {
			if phase == "warmup" && done == 90 { // inside the first metric window
				cancel()
			}
		}}
	sink := newMemorySink(8, 3, cfg.Draws)
	res, err := Sample(ctx, dev, cfg, sink)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || res.WarmupDone != 90 || res.DrawsDone != 0 {
		t.Fatalf("interrupted %v after %d warmup iterations and %d draws, want 90 and 0", res.Interrupted, res.WarmupDone, res.DrawsDone)
	}
	if dev.warmups != 90 || dev.positions != 1 {
		t.Errorf("%d warmup transitions on the device and %d position transfers, want 90 and 1", dev.warmups, dev.positions)
	}
}
