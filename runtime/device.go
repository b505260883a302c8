package runtime

// deviceKernel is the fixed-length kernel run by a TrajectoryTarget (the GPU backend): the host
// draws the steps, and the momenta and Metropolis uniforms from the same streams as hmcKernel
// (or, for a DeviceDrawer, the target draws those itself from the same streams), the target
// integrates where it keeps the chains, and only the results and the draw cross back. The chains'
// gradients stay on the device: State.Grad is not kept up to date.
type deviceKernel struct {
	host   *hmcKernel // the step rule, and the counters
	dev    TrajectoryTarget
	synced bool // whether dev holds the state
	in     TransitionIn
	out    TransitionOut
	info   Info
	// chunked, when the device can record iterations, holds the steps of the iterations recorded
	// since the last flush (one entry per slot in use).
	chunked ChunkedTarget
	pending [][]int
	// drawn: the target draws the momenta and uniforms (DeviceDrawer), from addr.
	drawn bool
	addr  DrawAddress
	// warmup, during a device warmup (devicewarmup.go), runs WarmupTransition: no position
	// comes back and the start positions stay for the reduction.
	warmup WarmupTarget
}

// onDevice returns the kernel that runs k's transitions on t when t can (a TrajectoryTarget and a
// diagonal metric, which is all the device kernels take), and k itself otherwise.
func (k *hmcKernel) onDevice(t Target, tu *Tuning) Kernel {
	dt, ok := t.(TrajectoryTarget)
	if !ok || tu.Metric.Chol != nil {
		return k
	}
	d := &deviceKernel{host: k, dev: dt, info: Info{Stats: make([]Stats, k.ev.c)}}
	if dd, ok := dt.(DeviceDrawer); ok && dd.DrawsOnDevice() {
		d.drawn = true
	}
	if ct, ok := dt.(ChunkedTarget); ok && ct.ChunkSize() > 1 {
		d.chunked = ct // and keep a chunk of draws there before bringing them back
	}
	return d
}

func (d *deviceKernel) Step(r *Streams, s *State, tu *Tuning) (*Info, error) {
	n := d.host.ev.n
	if !d.synced {
		if err := d.sync(s, tu); err != nil {
			return nil, err
		}
	}
	it := uint32(s.Iter)
	s.Iter++
	d.host.drawSteps(r, it, s, tu, d.in.Steps)
	in, out := &d.in, &d.out
	if d.drawn {
		d.addr = DrawAddress{Key: r.Key(), Iter: it, FirstChain: r.Chain(0)}
		in.Drawn = &d.addr
	} else {
		for i := range in.Uniform {
			r.Momentum(&tu.Metric, i, it, in.Momentum[i*n:(i+1)*n])
			in.Uniform[i] = r.Accept(i, it)
		}
	}
	copy(in.StepSize, tu.StepSize)
	d.count(in.Steps)
	if d.chunked != nil {
		// Recorded where it runs; the statistics come with the flush.
		if err := d.chunked.TransitionRecord(*in, len(d.pending)); err != nil {
			return nil, err
		}
		d.pending = append(d.pending, append([]int(nil), in.Steps...))
		d.info.Deferred = true
		return &d.info, nil
	}
	if d.warmup != nil {
		out.Position = nil // s.Pos now lags the device (deviceWarmup.pull)
		if err := d.warmup.WarmupTransition(*in, out); err != nil {
			return nil, err
		}
	} else {
		out.Position = s.Pos
		if err := d.dev.Transition(*in, out); err != nil {
			return nil, err
		}
	}
	d.stats(s, tu, in.Steps, out)
	return &d.info, nil
}

// sync makes s's positions and tu's diagonal metric the device's.
func (d *deviceKernel) sync(s *State, tu *Tuning) error {
	c, n := d.host.ev.c, d.host.ev.n
	if err := d.dev.SetState(s.Pos, tu.Metric.Diag); err != nil {
		return err
	}
	d.host.ev.grads += int64(c)
	if d.in.StepSize == nil {
		d.in = TransitionIn{Momentum: make([]float64, c*n), StepSize: make([]float64, c), Uniform: make([]float64, c), Steps: make([]int, c)}
		d.out = TransitionOut{Accept: make([]float64, c), Energy: make([]float64, c), LogP: make([]float64, c), Diverged: make([]bool, c)}
	}
	d.synced = true
	return nil
}

// stats turns a device transition's results into each chain's statistics and keeps the log
// densities of the states the chains now hold.
func (d *deviceKernel) stats(s *State, tu *Tuning, steps []int, out *TransitionOut) {
	copy(s.LogP, out.LogP)
	for i := range d.info.Stats {
		d.info.Stats[i] = Stats{LogP: out.LogP[i], AcceptStat: out.Accept[i], StepSize: tu.StepSize[i], TreeDepth: treeDepth(steps[i]),
			NLeapfrog: steps[i], Divergent: out.Diverged[i], Energy: out.Energy[i]}
	}
}

// count books a device transition's gradients: every chain is evaluated for as many steps as the
// longest trajectory, the extra ones masked.
func (d *deviceKernel) count(steps []int) {
	maxSteps := 0
	for _, l := range steps {
		maxSteps = max(maxSteps, l)
	}
	for _, l := range steps {
		d.host.ev.grads += int64(maxSteps)
		d.host.ev.masked += int64(maxSteps - l)
	}
}

// Full reports whether recorded iterations fill the device's chunk.
func (d *deviceKernel) Full() bool {
	return d.chunked != nil && len(d.pending) >= d.chunked.ChunkSize()
}

// Flush brings back the recorded iterations and calls emit for each, in order, with its
// statistics and positions.
func (d *deviceKernel) Flush(s *State, tu *Tuning, emit func(stats []Stats, pos []float64) error) error {
	if d.chunked == nil || len(d.pending) == 0 {
		return nil
	}
	if sf, ok := d.chunked.(SlotFlusher); ok {
		k := 0
		err := sf.FlushSlots(len(d.pending), func(r *Recorded) error {
			d.stats(s, tu, d.pending[k], &TransitionOut{Accept: r.Accept[0], Energy: r.Energy[0], LogP: r.LogP[0], Diverged: r.Diverged[0]})
			k++
			copy(s.Pos, r.Position[0])
			return emit(d.info.Stats, s.Pos)
		})
		d.pending = d.pending[:0]
		return err
	}
	rec, err := d.chunked.Flush(len(d.pending))
	if err != nil {
		return err
	}
	for k, steps := range d.pending {
		d.stats(s, tu, steps, &TransitionOut{Accept: rec.Accept[k], Energy: rec.Energy[k], LogP: rec.LogP[k], Diverged: rec.Diverged[k]})
		copy(s.Pos, rec.Position[k])
		if err := emit(d.info.Stats, s.Pos); err != nil {
			return err
		}
	}
	d.pending = d.pending[:0]
	return nil
}
