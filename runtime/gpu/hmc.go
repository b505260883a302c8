//go:build hmcc_cuda

package gpu

import (
	"fmt"
	"math"

	"github.com/hmcc-dev/hmcc/compiler/cudagen"
	"github.com/hmcc-dev/hmcc/runtime"
	"github.com/hmcc-dev/hmcc/runtime/rng"
)

// The device-resident HMC transition: the chains' state (position, gradient, log density,
// momentum) stays on the device for the whole trajectory, and only what the host draws (momentum,
// uniforms), the per-chain tuning (step sizes, step counts) and the iteration's results cross the
// bus. This is cudagen's Transition, which the host shim test holds to the CPU kernel's transition
// (runtime.Transition). Target implements runtime.ChunkedTarget with it, so the hmc and chees
// samplers' fixed-length kernel runs on the device after warmup (runtime/device.go) and brings the
// draws back a chunk at a time.

// TransitionIn and TransitionOut are runtime's: what the host supplies for one iteration and what
// comes back, chain-major.
type (
	TransitionIn  = runtime.TransitionIn
	TransitionOut = runtime.TransitionOut
)

var _ runtime.TrajectoryTarget = (*Target)(nil)

// SetState makes theta every chain's current state and invMetric the metric (runtime.TrajectoryTarget).
func (t *Target) SetState(theta, invMetric []float64) error {
	if err := t.SetInvMetric(invMetric); err != nil {
		return err
	}
	return t.SetPosition(theta)
}

// SetPosition evaluates the log density at theta (chains×dim) and makes it every chain's current
// state.
func (t *Target) SetPosition(theta []float64) error {
	if len(theta) != t.chains*t.dim {
		return fmt.Errorf("internal error: %d values for %d chains × %d", len(theta), t.chains, t.dim)
	}
	transpose(t.theta, theta, t.chains, t.dim)
	return t.do(func() error {
		if err := t.upload(t.prog.Theta, t.theta); err != nil {
			return err
		}
		if err := t.prog.Eval(t); err != nil {
			return err
		}
		return t.prog.Commit(t)
	})
}

// SetInvMetric uploads the diagonal inverse metric the chains share (all ones until set).
func (t *Target) SetInvMetric(invMetric []float64) error {
	if len(invMetric) != t.dim {
		return fmt.Errorf("internal error: inverse metric of %d values for dimension %d", len(invMetric), t.dim)
	}
	return t.do(func() error { return t.upload(t.prog.HMC.InvMetric, invMetric) })
}

// Transition runs one HMC transition for every chain on the device and downloads its results.
func (t *Target) Transition(in TransitionIn, out *TransitionOut) error {
	c, n, h := t.chains, t.dim, t.prog.HMC
	div := make([]float64, c)
	err := t.transition(in, func() error {
		for _, d := range []struct {
			buf int
			v   []float64
		}{{h.Accept, out.Accept}, {h.Energy, out.Energy}, {h.PosLogP, out.LogP}, {h.Diverged, div}} {
			if err := t.download(d.buf, d.v); err != nil {
				return err
			}
		}
		if out.Position != nil {
			return t.download(h.Pos, t.theta)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, d := range div {
		out.Diverged[i] = d != 0
		if math.IsNaN(out.LogP[i]) {
			out.LogP[i] = math.Inf(-1)
		}
	}
	if out.Position != nil {
		transpose(out.Position, t.theta, n, c)
	}
	return nil
}

var _ runtime.DeviceDrawer = (*Target)(nil)

// DrawsOnDevice reports that the target draws every transition's momenta and Metropolis
// uniforms inside the kernels (runtime.DeviceDrawer): the sampler sends TransitionIn.Drawn, no
// host RNG runs per step and no momentum crosses the bus.
func (t *Target) DrawsOnDevice() bool { return true }

// TransitionDrawn is Transition with every chain's momentum and Metropolis uniform drawn inside
// the kernels from runtime/rng's streams of the run's key at iteration iter, chain chain0+c for
// the batch's chain c (cudagen's Draw: Key.Normals(…, rng.Momentum) over the square root of the
// inverse metric, and cudagen.DrawnUniform), which the host can reproduce. in.Momentum and
// in.Uniform are ignored.
func (t *Target) TransitionDrawn(key rng.Key, iter, chain0 uint32, in TransitionIn, out *TransitionOut) error {
	in.Drawn = &runtime.DrawAddress{Key: key, Iter: iter, FirstChain: chain0}
	return t.Transition(in, out)
}

// transition uploads the inputs, runs the transition and then `after`, all on the context's
// thread. With in.Drawn set the device draws the momenta and uniforms.
func (t *Target) transition(in TransitionIn, after func() error) error {
	c, n := t.chains, t.dim
	drawn := in.Drawn != nil
	if !drawn && (len(in.Momentum) != c*n || len(in.Uniform) != c) || len(in.StepSize) != c || len(in.Steps) != c {
		return fmt.Errorf("internal error: transition inputs do not match %d chains × %d", c, n)
	}
	maxSteps := 0
	steps := make([]float64, c)
	for i, s := range in.Steps {
		if s < 1 {
			return fmt.Errorf("internal error: chain %d has %d leapfrog steps", i, s)
		}
		steps[i] = float64(s)
		maxSteps = max(maxSteps, s)
	}
	h := t.prog.HMC
	inputs := []struct {
		buf int
		v   []float64
	}{{h.StepSize, in.StepSize}, {h.Steps, steps}}
	if drawn {
		inputs = append(inputs, struct {
			buf int
			v   []float64
		}{h.RNG, cudagen.CounterWords(in.Drawn.Key, in.Drawn.Iter, in.Drawn.FirstChain)})
	} else {
		if len(t.mom) != c*n {
			t.mom = make([]float64, c*n)
		}
		mom := t.mom
		transpose(mom, in.Momentum, c, n)
		inputs = append(inputs, struct {
			buf int
			v   []float64
		}{h.Mom, mom}, struct {
			buf int
			v   []float64
		}{h.Uniform, in.Uniform})
	}
	return t.do(func() error {
		for _, u := range inputs {
			if err := t.upload(u.buf, u.v); err != nil {
				return err
			}
		}
		if drawn {
			if err := t.prog.Draw(t); err != nil {
				return err
			}
		}
		if err := t.prog.Transition(t, maxSteps); err != nil {
			return err
		}
		return after()
	})
}

// TransitionRecord runs one transition and records its draw and statistics in slot `slot` of
// the ring on the device (0 ≤ slot < Options.DrawChunk; slots in order from 0 after each flush),
// and queues the slot's copy to host memory, which runs while the next iterations do (stream.go):
// FlushSlots (or Flush) hands the recorded iterations over.
func (t *Target) TransitionRecord(in TransitionIn, slot int) error {
	if slot < 0 || slot >= t.chunk {
		return fmt.Errorf("internal error: slot %d of a ring of %d", slot, t.chunk)
	}
	return t.transition(in, func() error {
		if err := t.upload(t.prog.HMC.Slot, []float64{float64(slot)}); err != nil {
			return err
		}
		if err := t.prog.Record(t); err != nil {
			return err
		}
		return t.slots.Recorded(slot)
	})
}

// Recorded is runtime's: a chunk of iterations flushed from the device; for iteration k of the
// chunk, Position[k] is chains×dim and the statistics are per chain.
type Recorded = runtime.Recorded

var _ runtime.ChunkedTarget = (*Target)(nil)

// ChunkSize is how many iterations the ring on the device holds (Options.DrawChunk).
func (t *Target) ChunkSize() int { return t.chunk }

var _ runtime.SlotFlusher = (*Target)(nil)

// FlushSlots hands the first k slots of the ring (every slot recorded since the last flush) to
// emit one at a time, in order, from the host buffers their copies went to while later
// iterations ran: the host converts one iteration's draws (chains × dim) at a time, in buffers
// kept between calls, and no copy of the ring runs at the flush.
func (t *Target) FlushSlots(k int, emit func(r *Recorded) error) error {
	if k < 0 || k > t.chunk {
		return fmt.Errorf("internal error: flushing %d of a ring of %d", k, t.chunk)
	}
	c, n := t.chains, t.dim
	if len(t.slot.Position) == 0 {
		t.slot = Recorded{Position: [][]float64{make([]float64, c*n)}, LogP: [][]float64{make([]float64, c)},
			Accept: [][]float64{make([]float64, c)}, Energy: [][]float64{make([]float64, c)}, Diverged: [][]bool{make([]bool, c)}}
	}
	r := &t.slot
	return t.slots.Drain(k, func(_ int, draws, st []float64) error {
		transpose(r.Position[0], draws, n, c)
		copy(r.LogP[0], st[:c])
		copy(r.Accept[0], st[c:2*c])
		copy(r.Energy[0], st[2*c:3*c])
		for i, v := range r.LogP[0] {
			if math.IsNaN(v) {
				r.LogP[0][i] = math.Inf(-1)
			}
		}
		for i, v := range st[3*c : 4*c] {
			r.Diverged[0][i] = v != 0
		}
		return emit(r)
	})
}

// Flush hands the first k slots back together (FlushSlots, kept).
func (t *Target) Flush(k int) (*Recorded, error) {
	out := &Recorded{}
	err := t.FlushSlots(k, func(r *Recorded) error {
		out.Position = append(out.Position, append([]float64(nil), r.Position[0]...))
		out.LogP = append(out.LogP, append([]float64(nil), r.LogP[0]...))
		out.Accept = append(out.Accept, append([]float64(nil), r.Accept[0]...))
		out.Energy = append(out.Energy, append([]float64(nil), r.Energy[0]...))
		out.Diverged = append(out.Diverged, append([]bool(nil), r.Diverged[0]...))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
