package runtime

import (
	"context"
	"time"
)

// plan is a sampler put together: the kernel warmup runs, the kernel sampling runs (built from
// the adapted tuning: the same kernel, or one that runs on the target's device), and warmup's
// adaptation.
type plan struct {
	warmup   Kernel
	sampling func(tu *Tuning) Kernel
	adapt    *adaptation
	// learnsLength says the adaptation learns the integration time (ChEES), which Result reports.
	learnsLength bool
}

// onDeviceWarmup has warmup run k's transitions where t keeps the chains when it can
// (deviceWarmupFor).
func (p *plan) onDeviceWarmup(t Target, k *hmcKernel, cfg Config, sink Sink, tu *Tuning) {
	if dw := deviceWarmupFor(t, k, cfg, sink, tu); dw != nil {
		p.warmup, p.adapt.dev = dw, dw
	}
}

// run is the loop every sampler shares: warmup (a transition, then the adaptation's update),
// the adapted tuning to the sink, then the post-warmup draws. It stops at an iteration boundary
// when ctx is cancelled.
func run(ctx context.Context, cfg Config, sink Sink, ev *evaluator, r *Streams, st *State, tu *Tuning, p plan, res *Result) (*Result, error) {
	warmupSink, _ := sink.(WarmupSink)
	checkpointSink, _ := sink.(CheckpointSink)
	// A resumed run (Sample restored its snapshot; cfg.Warmup is 0) goes straight on sampling.
	resumed := cfg.Resume != nil
	start := time.Now()
	if !resumed {
		if err := p.adapt.init(r, st, tu); err != nil {
			return nil, err
		}
	}
	// With Config.WarmupAuto the adaptation may shorten its schedule as it goes.
	for it := 0; it < len(p.adapt.sched); it++ {
		if ctx.Err() != nil {
			res.Interrupted = true
			break
		}
		info, err := p.warmup.Step(r, st, tu)
		if err != nil {
			return nil, err
		}
		for _, s := range info.Stats {
			if s.Divergent {
				res.WarmupDivergence++
			}
		}
		if warmupSink != nil { // before the update, so the row shows the step size it used
			pos := st.Pos
			if p.adapt.dev.running() {
				pos = nil // on the device; the sink said it does not read them
			}
			if err := warmupSink.WarmupDraw(it, info.Stats, pos); err != nil {
				return nil, err
			}
		}
		if err := p.adapt.update(r, it, st, info, tu); err != nil {
			return nil, err
		}
		res.WarmupDone = it + 1
		if cfg.Progress != nil {
			cfg.Progress("warmup", it+1, len(p.adapt.sched))
		}
	}
	if p.adapt.dev != nil { // sampling starts, and a snapshot is taken, from the host's state
		if err := p.adapt.dev.pull(st, true); err != nil {
			return nil, err
		}
	}
	if !resumed {
		p.adapt.final(cfg.Warmup > 0 && !res.Interrupted, tu)
		if p.adapt.settle != nil {
			res.WarmupChecks = p.adapt.settle.checks
			res.WarmupSettled = p.adapt.settle.settleAt >= 0
		}
		if p.learnsLength {
			res.TrajectoryLength = tu.Length
		}
		res.Relocations = p.adapt.moved
		res.MetricTrials = p.adapt.denseTrials
		res.WarmupTime = time.Since(start)
		res.StepSizes = append([]float64(nil), tu.StepSize...)
		res.InvMetric = append([]float64(nil), tu.Metric.Diag...)
		if tu.Metric.Chol != nil {
			res.DenseInvMetric = append([]float64(nil), tu.Metric.Dense...)
		}
	}
	sampled := !res.Interrupted // warmup ran to its end: sampling's state is a snapshot's
	var before time.Duration    // sampling time before a resume
	if resumed {
		before = cfg.Resume.SamplingTime
	}
	total := cfg.Draws // grows when cfg.More asks for another round
	if resumed {
		total = cfg.Resume.total(cfg) // the rounds asked for before the stop
	}
	// checkpoint offers the sink the state after res.DrawsDone iterations (CheckpointSink).
	checkpoint := func(stopping bool) error {
		if checkpointSink == nil {
			return nil
		}
		return checkpointSink.Checkpoint(res.DrawsDone, stopping, func() (*Snapshot, error) {
			return snapshot(ev, st, tu, res, total, before+time.Since(start))
		})
	}
	if ls, ok := sink.(WarmupLengthSink); ok && !res.Interrupted && !resumed {
		if err := ls.WarmupLength(res.WarmupDone); err != nil {
			return nil, err
		}
	}
	if !res.Interrupted && !resumed {
		adapted := res.InvMetric
		if res.DenseInvMetric != nil { // the sink writes the metric sampling uses, all of it
			adapted = res.DenseInvMetric
		}
		if err := sink.Adapted(res.StepSizes, adapted); err != nil {
			return nil, err
		}
	}
	k := p.sampling(tu)
	// A run stopped after the last draw of a round but before More judged it (the checkpoint
	// of that draw is taken first) asks now, as the uninterrupted run did then.
	if resumed && res.DrawsDone == total && cfg.More != nil && ctx.Err() == nil {
		total += max(cfg.More(res.DrawsDone), 0)
	}
	emit := func(stats []Stats, pos []float64) error {
		for c, s := range stats {
			if s.Divergent {
				res.Divergences[c]++
			}
			if res.MaxTreeDepthHits != nil && s.TreeDepth >= cfg.MaxTreeDepth {
				res.MaxTreeDepthHits[c]++
			}
		}
		if err := sink.Draw(res.DrawsDone, stats, pos); err != nil {
			return err
		}
		res.DrawsDone++
		if cfg.Progress != nil {
			cfg.Progress("sampling", res.DrawsDone, total)
		}
		return nil
	}
	// A kernel that keeps iterations where it runs hands them back when its store is full, at
	// the last draw and when interrupted.
	flush := func() error {
		if d, ok := k.(deferring); ok {
			return d.Flush(st, tu, emit)
		}
		return nil
	}
	start = time.Now()
	for it := res.DrawsDone; it < total && !res.Interrupted; it++ {
		if ctx.Err() != nil {
			res.Interrupted = true
			break
		}
		info, err := k.Step(r, st, tu)
		if err != nil {
			return nil, err
		}
		// A sink's failure returns the result so far with it: warmup's tuning (and what
		// ChEES learned) still describes the draws the sink kept.
		if !info.Deferred {
			if err := emit(info.Stats, st.Pos); err != nil {
				return res, err
			}
			if err := checkpoint(false); err != nil {
				return res, err
			}
		} else if d := k.(deferring); d.Full() || it == total-1 || ctx.Err() != nil {
			if err := flush(); err != nil {
				return res, err
			}
			if err := checkpoint(false); err != nil {
				return res, err
			}
		}
		if it == total-1 && cfg.More != nil && ctx.Err() == nil {
			total += max(cfg.More(res.DrawsDone), 0)
		}
	}
	// Draws recorded on the device before an interruption are still the user's.
	if err := flush(); err != nil {
		return res, err
	}
	if res.Interrupted && sampled {
		if err := checkpoint(true); err != nil {
			return res, err
		}
	}
	res.SamplingTime = before + time.Since(start)
	res.Gradients = ev.grads
	if ev.grads > 0 {
		res.MaskedFraction = float64(ev.masked) / float64(ev.grads)
	}
	return res, nil
}
