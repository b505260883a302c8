package runtime

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/hmcc-dev/hmcc/runtime/rng"
)

// hostDevice is a TrajectoryTarget that keeps its state to itself, as the GPU backend does, and
// runs the CPU kernel's transition (Transition) there with the draws it is handed. It counts what
// crosses its interface so the test can check that sampling never steps through LogDensityGrad.
type hostDevice struct {
	gaussian
	state                  *State
	inv                    []float64
	evals, sets, runs      int
	evalsAtFirstTransition int
}

func (d *hostDevice) LogDensityGrad(theta, logp, grad []float64) error {
	d.evals++
	return d.gaussian.LogDensityGrad(theta, logp, grad)
}

func (d *hostDevice) SetState(theta, invMetric []float64) error {
	d.sets++
	d.inv = append([]float64(nil), invMetric...)
	s, err := NewState(&d.gaussian, theta)
	d.state = s
	return err
}

func (d *hostDevice) Transition(in TransitionIn, out *TransitionOut) error {
	if d.runs == 0 {
		d.evalsAtFirstTransition = d.evals
	}
	d.runs++
	return Transition(&d.gaussian, d.state, Metric{Diag: d.inv}, in, out)
}

// hostDrawer is hostDevice drawing the momenta and uniforms itself (DeviceDrawer), from runtime/rng
// directly as the GPU kernels do: Key.Normals of stream (chain, iteration, Momentum) over the
// square root of the inverse metric, and rng.Uniform of block 0 of (chain, iteration, Accept).
type hostDrawer struct {
	hostDevice
	drawn int
}

func (d *hostDrawer) DrawsOnDevice() bool { return true }

func (d *hostDrawer) Transition(in TransitionIn, out *TransitionOut) error {
	if in.Drawn == nil {
		return fmt.Errorf("a DeviceDrawer was handed host-drawn momenta")
	}
	c, n := d.chains, d.Dim()
	in.Momentum, in.Uniform = make([]float64, c*n), make([]float64, c)
	for i := 0; i < c; i++ {
		chain := in.Drawn.FirstChain + uint32(i)
		p := in.Momentum[i*n : (i+1)*n]
		in.Drawn.Key.Normals(p, chain, in.Drawn.Iter, rng.Momentum)
		for j := range p {
			p[j] /= math.Sqrt(d.inv[j])
		}
		b := in.Drawn.Key.Block(chain, in.Drawn.Iter, rng.Accept, 0)
		in.Uniform[i] = rng.Uniform(uint64(b[0])<<32 | uint64(b[1]))
	}
	d.drawn++
	return d.hostDevice.Transition(in, out)
}

// TestDeviceKernelEqualsCPUKernel: the device kernel draws the steps, momenta and uniforms from
// the run's generator as the CPU kernel does, so on a target whose device runs the CPU kernel's
// transition, a run without divergences (where the CPU kernel draws no uniform) gives bitwise
// the draws and statistics of the same run on the CPU.
func TestDeviceKernelEqualsCPUKernel(t *testing.T) {
	scales := []float64{0.5, 2, 10}
	for _, sampler := range []string{"hmc", "chees"} {
		t.Run(sampler, func(t *testing.T) {
			cfg := Config{Warmup: 200, Draws: 150, Seed: 4, TargetAccept: 0.8, PathLength: 2, MaxSteps: 1024, Sampler: sampler}
			want := newMemorySink(4, len(scales), cfg.Draws)
			res, err := Sample(context.Background(), &gaussian{chains: 4, scales: scales}, cfg, want)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range res.Divergences {
				if d != 0 {
					t.Fatalf("divergences %v: the CPU kernel drew fewer uniforms, pick another seed", res.Divergences)
				}
			}
			for _, drawer := range []bool{false, true} {
				dev := &hostDevice{gaussian: gaussian{chains: 4, scales: scales}}
				var target Target = dev
				hd := &hostDrawer{}
				if drawer { // the target draws the momenta and uniforms from the streams
					hd.hostDevice = *dev
					dev, target = &hd.hostDevice, hd
				}
				got := newMemorySink(4, len(scales), cfg.Draws)
				if _, err := Sample(context.Background(), target, cfg, got); err != nil {
					t.Fatal(err)
				}
				if dev.runs != cfg.Draws || drawer && hd.drawn != cfg.Draws {
					t.Fatalf("drawer %v: %d device transitions (%d drawn there), want %d", drawer, dev.runs, hd.drawn, cfg.Draws)
				}
				if !sameDraws(got.draws, want.draws) {
					t.Errorf("drawer %v: device draws differ from the CPU kernel's", drawer)
				}
				for it := range want.stats {
					for c := range want.stats[it] {
						if got.stats[it][c] != want.stats[it][c] {
							t.Fatalf("drawer %v: draw %d chain %d: stats %+v, want %+v", drawer, it, c, got.stats[it][c], want.stats[it][c])
						}
					}
				}
			}
		})
	}
}

// TestTrajectoryTargetRunsSampling: with a target that runs whole transitions, hmc and chees
// hand it every post-warmup transition (one SetState, then one Transition per draw and no
// LogDensityGrad), and the draws still recover a badly scaled Gaussian within Monte Carlo error.
func TestTrajectoryTargetRunsSampling(t *testing.T) {
	scales := []float64{0.01, 1, 30, 5, 0.3}
	for _, sampler := range []string{"hmc", "chees"} {
		t.Run(sampler, func(t *testing.T) {
			dev := &hostDevice{gaussian: gaussian{chains: 8, scales: scales}}
			const draws = 500
			sink := newMemorySink(8, len(scales), draws)
			res, err := Sample(context.Background(), dev, Config{Warmup: 500, Draws: draws, Seed: 3, TargetAccept: 0.8,
				PathLength: 3, MaxSteps: 1024, Sampler: sampler}, sink)
			if err != nil {
				t.Fatal(err)
			}
			if dev.sets != 1 || dev.runs != draws {
				t.Errorf("SetState %d times and Transition %d times, want 1 and %d", dev.sets, dev.runs, draws)
			}
			if dev.evals != dev.evalsAtFirstTransition {
				t.Errorf("LogDensityGrad was called %d times during sampling", dev.evals-dev.evalsAtFirstTransition)
			}
			if res.DrawsDone != draws {
				t.Fatalf("%d draws", res.DrawsDone)
			}
			for it, st := range sink.stats {
				for c, s := range st {
					if s.NLeapfrog < 1 || s.AcceptStat < 0 || s.AcceptStat > 1 || math.IsInf(s.LogP, 0) {
						t.Fatalf("draw %d chain %d: implausible statistics %+v", it, c, s)
					}
				}
			}
			checkGaussianMoments(t, sink.draws, scales)
		})
	}
}

// hostChunked records iterations in slots and hands them back on Flush, as the GPU's ring does.
type hostChunked struct {
	hostDevice
	chunk    int
	slots    []Recorded
	records  int
	onRecord func(n int) // called after each recorded iteration
}

func (d *hostChunked) ChunkSize() int { return d.chunk }

func (d *hostChunked) TransitionRecord(in TransitionIn, slot int) error {
	c := d.chains
	out := TransitionOut{Accept: make([]float64, c), Energy: make([]float64, c), LogP: make([]float64, c),
		Diverged: make([]bool, c), Position: make([]float64, c*d.Dim())}
	if err := d.Transition(in, &out); err != nil {
		return err
	}
	if slot >= d.chunk {
		return fmt.Errorf("slot %d of a ring of %d", slot, d.chunk)
	}
	d.slots[slot] = Recorded{Position: [][]float64{out.Position}, LogP: [][]float64{out.LogP}, Accept: [][]float64{out.Accept},
		Energy: [][]float64{out.Energy}, Diverged: [][]bool{out.Diverged}}
	d.records++
	if d.onRecord != nil {
		d.onRecord(d.records)
	}
	return nil
}

func (d *hostChunked) Flush(k int) (*Recorded, error) {
	r := &Recorded{}
	for _, s := range d.slots[:k] {
		r.Position, r.LogP = append(r.Position, s.Position[0]), append(r.LogP, s.LogP[0])
		r.Accept, r.Energy, r.Diverged = append(r.Accept, s.Accept[0]), append(r.Energy, s.Energy[0]), append(r.Diverged, s.Diverged[0])
	}
	return r, nil
}

// hostSlots is hostChunked handing its slots back one at a time (SlotFlusher); Flush must not be
// used then.
type hostSlots struct {
	hostChunked
	slotCalls int
}

func (d *hostSlots) Flush(int) (*Recorded, error) {
	return nil, fmt.Errorf("Flush called on a SlotFlusher")
}

func (d *hostSlots) FlushSlots(k int, emit func(*Recorded) error) error {
	for _, s := range d.hostChunked.slots[:k] {
		d.slotCalls++
		if err := emit(&s); err != nil {
			return err
		}
	}
	return nil
}

// TestChunkedDrawsEqualUnchunked: recording iterations on the device and flushing them seven at a
// time (the last chunk partial) gives exactly the draws and statistics of bringing each back as
// it is made, because the host draws the same momenta and uniforms in the same order.
func TestChunkedDrawsEqualUnchunked(t *testing.T) {
	scales := []float64{0.5, 2, 10}
	cfg := Config{Warmup: 200, Draws: 150, Seed: 9, TargetAccept: 0.8, PathLength: 3, MaxSteps: 1024, Sampler: "chees"}
	plain := &hostDevice{gaussian: gaussian{chains: 4, scales: scales}}
	want := newMemorySink(4, len(scales), cfg.Draws)
	if _, err := Sample(context.Background(), plain, cfg, want); err != nil {
		t.Fatal(err)
	}
	for _, slots := range []bool{false, true} {
		chunked := &hostChunked{hostDevice: hostDevice{gaussian: gaussian{chains: 4, scales: scales}}, chunk: 7, slots: make([]Recorded, 7)}
		var target ChunkedTarget = chunked
		sf := &hostSlots{}
		if slots { // one slot at a time (SlotFlusher)
			sf.hostChunked = *chunked
			chunked, target = &sf.hostChunked, sf
		}
		got := newMemorySink(4, len(scales), cfg.Draws)
		res, err := Sample(context.Background(), target, cfg, got)
		if err != nil {
			t.Fatal(err)
		}
		if res.DrawsDone != cfg.Draws || chunked.records != cfg.Draws || chunked.runs != cfg.Draws {
			t.Fatalf("slots %v: %d draws, %d recorded, %d transitions; want %d", slots, res.DrawsDone, chunked.records, chunked.runs, cfg.Draws)
		}
		if slots && sf.slotCalls != cfg.Draws {
			t.Errorf("%d slots flushed one at a time, want %d", sf.slotCalls, cfg.Draws)
		}
		if !sameDraws(got.draws, want.draws) {
			t.Errorf("slots %v: chunked draws differ from per-iteration draws", slots)
		}
		for it := range want.stats {
			for c := range want.stats[it] {
				if got.stats[it][c] != want.stats[it][c] {
					t.Fatalf("slots %v: draw %d chain %d: stats %+v, want %+v", slots, it, c, got.stats[it][c], want.stats[it][c])
				}
			}
		}
	}
}

// TestChunkedInterruptKeepsRecordedDraws: an interruption in the middle of a chunk still hands
// the sink every iteration the device recorded.
func TestChunkedInterruptKeepsRecordedDraws(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := &hostChunked{hostDevice: hostDevice{gaussian: gaussian{chains: 2, scales: []float64{1, 3}}}, chunk: 7, slots: make([]Recorded, 7)}
	d.onRecord = func(n int) {
		if n == 10 {
			cancel()
		}
	}
	sink := newMemorySink(2, 2, 100)
	res, err := Sample(ctx, d, Config{Warmup: 50, Draws: 100, Seed: 1, TargetAccept: 0.8, PathLength: 2, MaxSteps: 256, Sampler: "hmc"}, sink)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || res.DrawsDone != 10 || len(sink.stats) != 10 {
		t.Errorf("interrupted %v after %d draws (%d at the sink), want 10", res.Interrupted, res.DrawsDone, len(sink.stats))
	}
}
