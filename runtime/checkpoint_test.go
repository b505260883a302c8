package runtime

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
)

// snapshotSink records every draw, and keeps the snapshot offered after iteration keepAt (a
// killed process's last checkpoint) or the one offered when the run stops (an interrupt's).
type snapshotSink struct {
	*memorySink
	keepAt int // keep the snapshot after this many iterations; 0: the stopping one
	cancel func()
	stopAt int // cancel after this many draws (0: never)
	kept   *Snapshot
	offers int
}

func (s *snapshotSink) Draw(iter int, stats []Stats, theta []float64) error {
	if s.stopAt > 0 && iter == s.stopAt-1 {
		s.cancel()
	}
	return s.memorySink.Draw(iter, stats, theta)
}

func (s *snapshotSink) Checkpoint(iters int, stopping bool, snapshot func() (*Snapshot, error)) error {
	s.offers++
	if (s.keepAt == 0 && stopping) || (s.keepAt > 0 && iters == s.keepAt) {
		snap, err := snapshot()
		if err != nil {
			return err
		}
		// Through JSON, as a checkpoint file holds it: the state must survive the round trip.
		b, err := json.Marshal(snap)
		if err != nil {
			return err
		}
		s.kept = new(Snapshot)
		return json.Unmarshal(b, s.kept)
	}
	return nil
}

// A run stopped after some post-warmup iterations and resumed from its snapshot makes, from
// there on, bitwise the draws and statistics of the run that never stopped, for every sampler
// and both metric forms; so does a run resumed from an earlier snapshot (a process killed after
// its last checkpoint), which repeats the iterations after it.
func TestResumeFromSnapshotIsBitwise(t *testing.T) {
	const chains, warmup, draws = 4, 150, 60
	scales := []float64{1, 3, 0.5}
	for _, sampler := range Samplers {
		for _, metric := range []string{"diag", "dense"} {
			t.Run(sampler+"/"+metric, func(t *testing.T) {
				cfg := Config{Warmup: warmup, Draws: draws, Seed: 7, TargetAccept: 0.8, PathLength: 2, Sampler: sampler, Metric: metric}
				whole := newMemorySink(chains, len(scales), draws)
				want, err := Sample(context.Background(), &gaussian{chains: chains, scales: scales}, cfg, whole)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range []struct {
					name           string
					stopAt, keepAt int
				}{{"interrupted", 23, 0}, {"killed", 0, 17}} {
					ctx, cancel := context.WithCancel(context.Background())
					first := &snapshotSink{memorySink: newMemorySink(chains, len(scales), draws), cancel: cancel, stopAt: c.stopAt, keepAt: c.keepAt}
					if _, err := Sample(ctx, &gaussian{chains: chains, scales: scales}, cfg, first); err != nil {
						t.Fatal(err)
					}
					cancel()
					if first.kept == nil {
						t.Fatalf("%s: no snapshot kept (%d offered)", c.name, first.offers)
					}
					from := first.kept.Iters
					rest := newMemorySink(chains, len(scales), draws)
					resumed := cfg
					resumed.Resume = first.kept
					got, err := Sample(context.Background(), &gaussian{chains: chains, scales: scales}, resumed, rest)
					if err != nil {
						t.Fatal(err)
					}
					if rest.adapted {
						t.Errorf("%s: the resumed run reported a new adaptation", c.name)
					}
					for i := range scales {
						for ch := 0; ch < chains; ch++ {
							for it := from; it < draws; it++ {
								if a, b := whole.draws[i][ch][it], rest.draws[i][ch][it]; a != b {
									t.Fatalf("%s from %d: coordinate %d chain %d iteration %d: %v, uninterrupted %v", c.name, from, i, ch, it, b, a)
								}
							}
						}
					}
					if !reflect.DeepEqual(whole.stats[from:], rest.stats) {
						t.Errorf("%s from %d: the statistics differ from the uninterrupted run's", c.name, from)
					}
					if got.DrawsDone != draws || !reflect.DeepEqual(got.Divergences, want.Divergences) || got.TrajectoryLength != want.TrajectoryLength ||
						!reflect.DeepEqual(got.StepSizes, want.StepSizes) || !reflect.DeepEqual(got.DenseInvMetric, want.DenseInvMetric) ||
						!reflect.DeepEqual(got.MaxTreeDepthHits, want.MaxTreeDepthHits) || got.Gradients != want.Gradients {
						t.Errorf("%s: the resumed Result differs:\n got %+v\nwant %+v", c.name, got, want)
					}
				}
			})
		}
	}
}

// A snapshot of another run's shape is refused, not half applied.
func TestResumeRefusesAnotherShape(t *testing.T) {
	cfg := Config{Warmup: 30, Draws: 10, Seed: 1, TargetAccept: 0.8, PathLength: 1}
	ctx, cancel := context.WithCancel(context.Background())
	s := &snapshotSink{memorySink: newMemorySink(2, 1, 10), cancel: cancel, stopAt: 5}
	if _, err := Sample(ctx, &gaussian{chains: 2, scales: []float64{1}}, cfg, s); err != nil {
		t.Fatal(err)
	}
	cfg.Resume = s.kept
	if _, err := Sample(context.Background(), &gaussian{chains: 3, scales: []float64{1}}, cfg, newMemorySink(3, 1, 10)); err == nil {
		t.Error("a snapshot of 2 chains resumed a run of 3")
	}
}
