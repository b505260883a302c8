//go:build hmcc_cuda

package gpu

import (
	"fmt"
	"unsafe"

	"github.com/hmcc-dev/hmcc/compiler/cudagen"
	"gorgonia.org/cu"
)

// The ring's slots come back while the next iterations run (cudagen.SlotStream, which holds the
// order and is tested on the host shim): TransitionRecord queues each slot's copy into a
// page-locked host buffer of its own on a non-blocking stream, behind an event recorded after the
// slot's record kernel, so the copy engine moves slot s while the kernels of iterations s+1, …
// run on the default stream (a non-blocking stream does not synchronise with it). The flush
// waits for each slot's event and hands the draws to the CSV writers from host memory; no copy
// runs at the flush but the last slot's. Host memory: one page-locked buffer per slot of the ring,
// chains × dim values in the kernels' precision and 4 × chains doubles each (German credit's 49
// coordinates at 16,384 chains in float32: 3.7 MB a slot, 240 MB for the 64 slots of hmcc-gpu).

// slotCopies is the device side of the stream: the copy stream, two events per slot and the host
// buffers, created when the first slot is copied.
type slotCopies struct {
	stream           cu.Stream
	ready            bool
	recorded, copied []cu.Event
	host             []pinned
	draws, stats     []float64 // one slot as float64, handed to the drain's emit
}

// deviceCopier is cudagen.SlotCopier for the Target: CopySlot runs on the context's thread
// (TransitionRecord calls it there), WaitSlot moves itself there.
type deviceCopier struct{ t *Target }

var _ cudagen.SlotCopier = deviceCopier{}

// slotBytes is the size of a slot's draws (padded to 8 bytes, where its statistics start) and
// of its statistics.
func (t *Target) slotBytes() (draws, stats int64) {
	draws = int64(t.elem) * int64(t.dim) * int64(t.chains)
	return (draws + 7) / 8 * 8, 8 * 4 * int64(t.chains)
}

func (d deviceCopier) CopySlot(s int) error {
	t := d.t
	c := &t.copies
	if !c.ready {
		var err error
		if c.stream, err = cu.MakeStream(cu.NonBlocking); err != nil {
			return fmt.Errorf("gpu: creating the copy stream: %w", err)
		}
		c.ready = true
		c.recorded, c.copied, c.host = make([]cu.Event, t.chunk), make([]cu.Event, t.chunk), make([]pinned, t.chunk)
		for i := 0; i < t.chunk; i++ {
			if c.recorded[i], err = cu.MakeEvent(cu.DisableTiming); err != nil {
				return fmt.Errorf("gpu: creating an event: %w", err)
			}
			if c.copied[i], err = cu.MakeEvent(cu.DisableTiming); err != nil {
				return fmt.Errorf("gpu: creating an event: %w", err)
			}
		}
		c.draws, c.stats = make([]float64, t.dim*t.chains), make([]float64, 4*t.chains)
	}
	db, sb := t.slotBytes()
	if err := c.host[s].grow(int(db + sb)); err != nil {
		return err
	}
	h := t.prog.HMC
	// The copy waits for the record kernel (queued on the default stream before this call) and
	// nothing else.
	if err := c.recorded[s].Record(cu.Stream{}); err != nil {
		return fmt.Errorf("gpu: recording slot %d's event: %w", s, err)
	}
	if err := c.stream.Wait(c.recorded[s], 0); err != nil {
		return fmt.Errorf("gpu: the copy stream waiting for slot %d: %w", s, err)
	}
	n := int64(t.dim) * int64(t.chains)
	src := t.bufs[h.Draws] + cu.DevicePtr(int64(t.elem)*int64(s)*n)
	if err := cu.MemcpyDtoHAsync(c.host[s].p, src, int64(t.elem)*n, c.stream); err != nil {
		return fmt.Errorf("gpu: copying slot %d's draws: %w", s, err)
	}
	src = t.bufs[h.Stats] + cu.DevicePtr(sb*int64(s))
	if err := cu.MemcpyDtoHAsync(unsafe.Add(c.host[s].p, db), src, sb, c.stream); err != nil {
		return fmt.Errorf("gpu: copying slot %d's statistics: %w", s, err)
	}
	if err := c.copied[s].Record(c.stream); err != nil {
		return fmt.Errorf("gpu: recording slot %d's copy: %w", s, err)
	}
	return nil
}

func (d deviceCopier) WaitSlot(s int) (draws, stats []float64, err error) {
	t := d.t
	c := &t.copies
	err = t.do(func() error {
		if !c.ready || s >= len(c.copied) {
			return fmt.Errorf("internal error: slot %d waited for before it was copied", s)
		}
		if err := c.copied[s].Synchronize(); err != nil {
			return fmt.Errorf("gpu: waiting for slot %d's copy: %w", s, err)
		}
		db, _ := t.slotBytes()
		n := t.dim * t.chains
		if t.elem == 8 {
			copy(c.draws, c.host[s].f64(n))
		} else {
			for i, x := range c.host[s].f32(n) {
				c.draws[i] = float64(x)
			}
		}
		copy(c.stats, unsafe.Slice((*float64)(unsafe.Add(c.host[s].p, db)), 4*t.chains))
		return nil
	})
	return c.draws, c.stats, err
}

// free releases the stream, the events and the host buffers; on the context's thread.
func (c *slotCopies) free() {
	if !c.ready {
		return
	}
	for i := range c.recorded {
		cu.DestroyEvent(&c.recorded[i])
		cu.DestroyEvent(&c.copied[i])
		c.host[i].free()
	}
	c.stream.Destroy()
	c.ready = false
}
