package runtime

import (
	"context"
	"testing"
)

// TestNUTSOnChunkedTarget: NUTS builds its trees through LogDensityGrad and never records into a
// chunked target's ring, so on such a target (the GPU's) it must still hand the sink every draw
// itself, never call the target's transitions, and recover the Gaussian. Before the fix the
// sampler put every target with a ring in chunked mode whatever the kernel, and a NUTS run wrote
// zero draws (DrawsDone 0).
func TestNUTSOnChunkedTarget(t *testing.T) {
	scales := []float64{0.5, 2, 10}
	d := &hostChunked{hostDevice: hostDevice{gaussian: gaussian{chains: 4, scales: scales}}, chunk: 7, slots: make([]Recorded, 7)}
	const draws = 400
	sink := newMemorySink(4, len(scales), draws)
	res, err := Sample(context.Background(), d, Config{Warmup: 300, Draws: draws, Seed: 5, TargetAccept: 0.8,
		MaxTreeDepth: 10, Sampler: "nuts"}, sink)
	if err != nil {
		t.Fatal(err)
	}
	if res.DrawsDone != draws || len(sink.stats) != draws {
		t.Fatalf("NUTS on a chunked target: %d draws done, %d at the sink; want %d", res.DrawsDone, len(sink.stats), draws)
	}
	if d.runs != 0 || d.records != 0 || d.sets != 0 {
		t.Errorf("NUTS used the target's transitions: %d SetState, %d Transition, %d TransitionRecord", d.sets, d.runs, d.records)
	}
	for it, st := range sink.stats {
		for c, s := range st {
			if s.NLeapfrog < 1 || s.TreeDepth < 1 {
				t.Fatalf("draw %d chain %d: not a NUTS iteration: %+v", it, c, s)
			}
		}
	}
	checkGaussianMoments(t, sink.draws, scales)
}
