package runtime

import (
	"context"
	"math"
)

// transition runs one HMC trajectory for every chain in lockstep and applies the Metropolis
// correction; chain i takes steps[i] leapfrog steps of size stepSize[i] and is frozen once done.
// A chain whose energy error exceeds 1000 or becomes non-finite is marked divergent, frozen for
// the rest of the trajectory, and rejected.
func (s *sampler) transition(steps []int, stats []Stats) error {
	if s.device != nil {
		return s.deviceTransition(steps, stats)
	}
	c, n := s.c, s.n
	maxSteps := 0
	for _, l := range steps {
		maxSteps = max(maxSteps, l)
	}
	h0 := make([]float64, c)
	for i := 0; i < c; i++ {
		p := s.mom[i*n : (i+1)*n]
		s.drawMomentum(p)
		h0[i] = -s.logp[i] + s.kinetic(p)
	}
	x, g, lp := s.scratchPos, s.scratchGrd, s.scratchLP
	copy(x, s.pos)
	copy(g, s.grad)
	copy(lp, s.logp)
	diverged := make([]bool, c)
	for l := 0; l < maxSteps; l++ {
		for i := 0; i < c; i++ {
			if diverged[i] || l >= steps[i] {
				s.masked++
			}
		}
		for i := 0; i < c; i++ {
			if diverged[i] || l >= steps[i] {
				continue
			}
			eps := s.stepSize[i]
			if s.chol != nil {
				for j := i * n; j < (i+1)*n; j++ {
					s.mom[j] += 0.5 * eps * g[j]
				}
				s.velocity(s.mom[i*n:(i+1)*n], s.vel)
				for j, v := range s.vel {
					x[i*n+j] += eps * v
				}
				continue
			}
			for j := i * n; j < (i+1)*n; j++ {
				s.mom[j] += 0.5 * eps * g[j]
				x[j] += eps * s.invMetric[j-i*n] * s.mom[j]
			}
		}
		if err := s.eval(x, lp, g); err != nil {
			return err
		}
		for i := 0; i < c; i++ {
			if diverged[i] || l >= steps[i] {
				continue
			}
			eps := s.stepSize[i]
			p := s.mom[i*n : (i+1)*n]
			for j := range p {
				p[j] += 0.5 * eps * g[i*n+j]
			}
			h := -lp[i] + s.kinetic(p)
			if math.IsNaN(h) || math.IsInf(h, 0) || h-h0[i] > 1000 || !finiteRow(g[i*n:(i+1)*n]) {
				diverged[i] = true
			}
		}
	}
	for i := 0; i < c; i++ {
		st := Stats{StepSize: s.stepSize[i], NLeapfrog: steps[i], TreeDepth: treeDepth(steps[i])}
		accept := 0.0
		h := math.Inf(1)
		if !diverged[i] {
			h = -lp[i] + s.kinetic(s.mom[i*n:(i+1)*n])
			accept = math.Min(1, math.Exp(h0[i]-h))
		}
		st.AcceptStat = accept
		st.Divergent = diverged[i]
		if !diverged[i] && s.rng.Float64() < accept {
			copy(s.pos[i*n:(i+1)*n], x[i*n:(i+1)*n])
			copy(s.grad[i*n:(i+1)*n], g[i*n:(i+1)*n])
			s.logp[i] = lp[i]
			st.Energy = h
		} else {
			st.Energy = h0[i]
		}
		st.LogP = s.logp[i]
		stats[i] = st
	}
	return nil
}

// deviceTransition is transition run by a TrajectoryTarget: the host draws the momenta and the
// Metropolis uniforms from the same generator, the device integrates, and the kept positions come
// back as the draw.
func (s *sampler) deviceTransition(steps []int, stats []Stats) error {
	c, n := s.c, s.n
	if !s.deviceSynced {
		if err := s.device.SetState(s.pos, s.invMetric); err != nil {
			return err
		}
		s.grads += int64(c)
		s.deviceIn = TransitionIn{Momentum: make([]float64, c*n), StepSize: make([]float64, c), Uniform: make([]float64, c)}
		s.deviceOut = TransitionOut{Accept: make([]float64, c), Energy: make([]float64, c), LogP: make([]float64, c),
			Diverged: make([]bool, c), Position: s.pos}
		s.deviceSynced = true
	}
	in, out := &s.deviceIn, &s.deviceOut
	for j := range in.Momentum {
		in.Momentum[j] = s.rng.NormFloat64() / math.Sqrt(s.invMetric[j%n])
	}
	for i := range in.Uniform {
		in.Uniform[i] = s.rng.Float64()
	}
	copy(in.StepSize, s.stepSize)
	in.Steps = steps
	if s.chunked != nil {
		// Recorded where it runs; the statistics come with the flush (flushChunk).
		if err := s.chunked.TransitionRecord(*in, len(s.pendingSteps)); err != nil {
			return err
		}
		s.pendingSteps = append(s.pendingSteps, append([]int(nil), steps...))
		s.countDeviceGradients(steps)
		return nil
	}
	if err := s.device.Transition(*in, out); err != nil {
		return err
	}
	s.countDeviceGradients(steps)
	s.deviceStats(stats, steps, out)
	return nil
}

// deviceStats turns a device transition's results into each chain's statistics and keeps the log
// densities of the states the chains now hold.
func (s *sampler) deviceStats(stats []Stats, steps []int, out *TransitionOut) {
	copy(s.logp, out.LogP)
	for i := range stats {
		stats[i] = Stats{LogP: out.LogP[i], AcceptStat: out.Accept[i], StepSize: s.stepSize[i], TreeDepth: treeDepth(steps[i]),
			NLeapfrog: steps[i], Divergent: out.Diverged[i], Energy: out.Energy[i]}
	}
}

// countDeviceGradients books a device transition's gradients: every chain is evaluated for as
// many steps as the longest trajectory, the extra ones masked.
func (s *sampler) countDeviceGradients(steps []int) {
	maxSteps := 0
	for _, l := range steps {
		maxSteps = max(maxSteps, l)
	}
	for _, l := range steps {
		s.grads += int64(maxSteps)
		s.masked += int64(maxSteps - l)
	}
}

// chunkFull reports whether recorded iterations fill the device's chunk.
func (s *sampler) chunkFull() bool {
	return s.chunked != nil && len(s.pendingSteps) >= s.chunked.ChunkSize()
}

// flushChunk brings back the recorded iterations and calls emit for each, in order, with its
// statistics and positions.
func (s *sampler) flushChunk(stats []Stats, emit func(stats []Stats, pos []float64) error) error {
	if s.chunked == nil || len(s.pendingSteps) == 0 {
		return nil
	}
	rec, err := s.chunked.Flush(len(s.pendingSteps))
	if err != nil {
		return err
	}
	for k, steps := range s.pendingSteps {
		s.deviceStats(stats, steps, &TransitionOut{Accept: rec.Accept[k], Energy: rec.Energy[k], LogP: rec.LogP[k], Diverged: rec.Diverged[k]})
		copy(s.pos, rec.Position[k])
		if err := emit(stats, s.pos); err != nil {
			return err
		}
	}
	s.pendingSteps = s.pendingSteps[:0]
	return nil
}

// treeDepth reports the depth a NUTS tree would need for this many leapfrog steps
// (2^depth >= steps), so that tooling reading treedepth__ sees a comparable number.
func treeDepth(steps int) int {
	d := 0
	for (1 << d) < steps {
		d++
	}
	return d
}

// initStepSize applies Stan's heuristic to every chain at once: each chain doubles or halves its
// step size until its one-step acceptance crosses 0.8. Trial steps do not move the chains.
func (s *sampler) initStepSize(stats []Stats) error {
	const target = 0.8
	pos := append([]float64(nil), s.pos...)
	grad := append([]float64(nil), s.grad...)
	logp := append([]float64(nil), s.logp...)
	restore := func() {
		copy(s.pos, pos)
		copy(s.grad, grad)
		copy(s.logp, logp)
	}
	defer restore()
	ones := make([]int, s.c)
	for i := range ones {
		ones[i] = 1
	}
	if err := s.transition(ones, stats); err != nil {
		return err
	}
	dir := make([]float64, s.c)
	done := make([]bool, s.c)
	for i, st := range stats {
		dir[i] = 1
		if st.AcceptStat < target {
			dir[i] = -1
		}
	}
	for round := 0; round < 50; round++ {
		active := false
		for i := range s.stepSize {
			if done[i] {
				continue
			}
			next := s.stepSize[i] * math.Pow(2, dir[i])
			if next < 1e-12 || next > 1e7 {
				done[i] = true
				continue
			}
			s.stepSize[i] = next
			active = true
		}
		if !active {
			return nil
		}
		restore()
		if err := s.transition(ones, stats); err != nil {
			return err
		}
		for i, st := range stats {
			if !done[i] && ((dir[i] > 0 && st.AcceptStat < target) || (dir[i] < 0 && st.AcceptStat > target)) {
				done[i] = true
			}
		}
	}
	return nil
}

// warmupMaxSteps caps trajectories before the metric is known: with an identity metric the step
// size is set by the narrowest coordinate and full-length paths would cost thousands of
// gradients per iteration while the adaptation is still far from its final values.
const warmupMaxSteps = 128

// drawSteps draws this iteration's integration time, uniform on (0, 2·PathLength] and shared by
// all chains so their trajectories stay about equally long, and converts it to each chain's
// number of leapfrog steps: at least 1 and at most cap.
func (s *sampler) drawSteps(cfg *Config, cap int, steps []int) {
	t := (1 - s.rng.Float64()) * 2 * cfg.PathLength
	for i, eps := range s.stepSize {
		l := math.Ceil(t / eps)
		steps[i] = int(min(max(l, 1), float64(cap)))
	}
}

// sampleHMC runs jittered-length HMC: per-chain dual averaging of the step size, pooled
// diagonal metric over Stan's windows.
func sampleHMC(ctx context.Context, t Target, cfg Config, sink Sink) (*Result, error) {
	s := newSampler(t, cfg.Seed)
	res := &Result{Divergences: make([]int, s.c)}
	if err := s.initialise(cfg.Init); err != nil {
		return nil, err
	}
	steps := make([]int, s.c)
	advance := func(warmup bool, stats []Stats) error {
		limit := cfg.MaxSteps
		if warmup {
			limit = min(limit, warmupMaxSteps)
		}
		s.drawSteps(&cfg, limit, steps)
		return s.transition(steps, stats)
	}
	return s.run(ctx, cfg, sink, res, advance, newAdaptation(cfg))
}
