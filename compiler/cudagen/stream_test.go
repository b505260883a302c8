package cudagen

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/compiler/cudagen/cudagentest"
	"github.com/hmcc-dev/hmcc/runtime"
)

// streamed is the chunked shim target with its draws streamed back through a SlotStream, as
// runtime/gpu's Target has them: each slot's copy is queued when its record is, and the flush
// drains the ring. The copies are asynchronous in the way that matters: with lazy set a copy
// reads the slot only when it is waited for (as late as a real copy may run), so a slot recorded
// again before its copy was waited for would come back with the wrong iteration's draws.
type streamed struct {
	chunked
	st      *SlotStream
	lazy    bool
	queued  map[int]bool
	host    map[int][2][]float64
	records int
	// cancel, when set, is called after the cancelAt-th recorded transition (an interrupt).
	cancel   func()
	cancelAt int
}

func newStreamed(g chunked, lazy bool) *streamed {
	s := &streamed{chunked: g, lazy: lazy, queued: map[int]bool{}, host: map[int][2][]float64{}}
	s.st = NewSlotStream(s, g.ring)
	return s
}

func (g *streamed) CopySlot(s int) error {
	if g.lazy {
		g.queued[s] = true
		return nil
	}
	g.copyNow(s)
	return nil
}

func (g *streamed) copyNow(s int) {
	c, n := g.chains, g.dim
	draws, stats := g.s.get(g.p.HMC.Draws), g.s.get(g.p.HMC.Stats)
	g.host[s] = [2][]float64{draws[s*n*c : (s+1)*n*c], stats[4*s*c : 4*(s+1)*c]}
}

func (g *streamed) WaitSlot(s int) ([]float64, []float64, error) {
	if g.queued[s] {
		g.copyNow(s)
		delete(g.queued, s)
	}
	h, ok := g.host[s]
	if !ok {
		return nil, nil, fmt.Errorf("slot %d was never copied", s)
	}
	delete(g.host, s)
	return h[0], h[1], nil
}

func (g *streamed) TransitionRecord(in runtime.TransitionIn, slot int) error {
	if err := g.chunked.TransitionRecord(in, slot); err != nil {
		return err
	}
	g.records++
	if g.cancel != nil && g.records == g.cancelAt {
		g.cancel()
	}
	return g.st.Recorded(slot)
}

func (g *streamed) Flush(int) (*runtime.Recorded, error) {
	return nil, fmt.Errorf("the sampler flushed the whole chunk of a target that streams its slots")
}

// FlushSlots is runtime.SlotFlusher's: the drain, one iteration at a time, in order.
func (g *streamed) FlushSlots(k int, emit func(r *runtime.Recorded) error) error {
	c, n := g.chains, g.dim
	return g.st.Drain(k, func(_ int, draws, stats []float64) error {
		row := func(q int) []float64 { return append([]float64(nil), stats[q*c:(q+1)*c]...) }
		div := make([]bool, c)
		for i, v := range row(3) {
			div[i] = v != 0
		}
		return emit(&runtime.Recorded{Position: [][]float64{Transpose(draws, n, c)}, LogP: [][]float64{nanToInf(row(0))},
			Accept: [][]float64{row(1)}, Energy: [][]float64{row(2)}, Diverged: [][]bool{div}})
	})
}

// TestShimStreamedDraws runs the sampler on the host shim with its draws streamed back from a
// ring of 7 slots (SlotStream, copies lazy or eager) and requires the draw rows, in order, to be
// those of the same run bringing each iteration back as it ends (no ring): 17 draws (two full
// rings and a ring partly full at the end), and a run interrupted after its 10th transition
// (the ring partly full at the interrupt: the 10 draws, nothing lost, nothing more). The kernels
// are the same, so the rows must be equal bit for bit.
func TestShimStreamedDraws(t *testing.T) {
	m := cudagentest.Load(t, "../../models/eight_schools.model", "../../models/eight_schools.csv")
	const chains, ring = 5, 7
	p, err := Generate(m, Float64)
	if err != nil {
		t.Fatal(err)
	}
	p.SetDrawChunk(ring)
	exe := buildShim(t, p, "c")
	cfg := runtime.Config{Warmup: 20, Draws: 17, Seed: 9, TargetAccept: 0.8, PathLength: 1, MaxSteps: 32, Sampler: "chees"}
	sample := func(dev runtime.Target, ctx context.Context) (*drawSink, *runtime.Result) {
		sink := &drawSink{}
		res, err := runtime.Sample(ctx, dev, cfg, sink)
		if err != nil {
			t.Fatal(err)
		}
		return sink, res
	}
	target := func() *shimTarget {
		return &shimTarget{s: startShim(t, exe, p, chains, 4, 64), p: p, chains: chains, dim: p.Dim, ring: ring}
	}
	want, _ := sample(target(), context.Background())
	if len(want.draws) != cfg.Draws {
		t.Fatalf("reference run: %d draws, want %d", len(want.draws), cfg.Draws)
	}
	for _, lazy := range []bool{false, true} {
		for _, interruptAt := range []int{0, 10} {
			t.Run(fmt.Sprintf("lazy=%v/interrupt=%d", lazy, interruptAt), func(t *testing.T) {
				g := newStreamed(chunked{target()}, lazy)
				ctx := context.Background()
				n := cfg.Draws
				if interruptAt > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithCancel(ctx)
					defer cancel()
					g.cancel, g.cancelAt, n = cancel, interruptAt, interruptAt
				}
				got, res := sample(g, ctx)
				if len(got.draws) != n || res.DrawsDone != n {
					t.Fatalf("%d draws written (DrawsDone %d), want %d", len(got.draws), res.DrawsDone, n)
				}
				if g.st.Pending() != 0 || len(g.queued) != 0 || len(g.host) != 0 {
					t.Fatalf("after the run: %d slots recorded and not drained, %d copies never waited for, %d never handed over",
						g.st.Pending(), len(g.queued), len(g.host))
				}
				for it := 0; it < n; it++ {
					for i, v := range got.draws[it] {
						if math.Float64bits(v) != math.Float64bits(want.draws[it][i]) {
							t.Fatalf("draw %d, value %d: %.17g, want %.17g (rows out of order or lost)", it, i, v, want.draws[it][i])
						}
					}
					for c, s := range got.stats[it] {
						if s != want.stats[it][c] {
							t.Fatalf("draw %d chain %d: statistics %+v, want %+v", it, c, s, want.stats[it][c])
						}
					}
				}
			})
		}
	}
}

// fakeCopier is a device ring whose copies run when waited for.
type fakeCopier struct {
	ring    []float64 // one value per slot: the iteration recorded there
	pending map[int]bool
}

func (f *fakeCopier) CopySlot(s int) error { f.pending[s] = true; return nil }
func (f *fakeCopier) WaitSlot(s int) ([]float64, []float64, error) {
	if !f.pending[s] {
		return nil, nil, fmt.Errorf("slot %d waited for without a copy", s)
	}
	delete(f.pending, s)
	return []float64{f.ring[s]}, nil, nil
}

// TestSlotStreamOrder: the drain hands the slots over in the order they were recorded, a partly
// full ring too, and refuses what would lose or overwrite draws: a slot recorded out of order
// (its copy may be in flight, or the drain would skip one), and a drain of fewer slots than were
// recorded.
func TestSlotStreamOrder(t *testing.T) {
	f := &fakeCopier{ring: make([]float64, 4), pending: map[int]bool{}}
	st := NewSlotStream(f, 4)
	var got []float64
	emit := func(_ int, d, _ []float64) error { got = append(got, d[0]); return nil }
	iter := 0
	record := func(s int) error {
		f.ring[s] = float64(iter)
		iter++
		return st.Recorded(s)
	}
	for _, k := range []int{4, 2, 4, 1} { // full, partly full, full, one
		for s := 0; s < k; s++ {
			if err := record(s); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.Drain(k, emit); err != nil {
			t.Fatal(err)
		}
	}
	for i, v := range got {
		if v != float64(i) {
			t.Fatalf("drained iterations %v, want 0 … %d in order", got, iter-1)
		}
	}
	if len(got) != iter || len(f.pending) != 0 {
		t.Fatalf("%d of %d iterations handed over, %d copies not waited for", len(got), iter, len(f.pending))
	}
	if err := record(1); err == nil || !strings.Contains(err.Error(), "slot 1 recorded after 0") {
		t.Errorf("slot 1 recorded first: error %v", err)
	}
	if err := record(0); err != nil {
		t.Fatal(err)
	}
	if err := record(0); err == nil {
		t.Error("slot 0 recorded again before the drain: no error")
	}
	if err := record(1); err != nil {
		t.Fatal(err)
	}
	if err := st.Drain(1, emit); err == nil || !strings.Contains(err.Error(), "draining 1 of the 2") {
		t.Errorf("a drain of 1 of 2 recorded slots: error %v", err)
	}
}
