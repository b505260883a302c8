package cudagen

import "fmt"

// Draws streamed back while the next iterations run. Each post-warmup iteration is recorded in a
// slot of the ring on the device (Record); as soon as the record is queued, the slot's copy to
// page-locked host memory is queued on a stream of its own (SlotCopier.CopySlot), behind the
// record and ahead of nothing else, so the copy engine moves slot s while the compute engine runs
// iterations s+1, s+2, … When the ring is full, at the last draw and when the run is interrupted,
// the sampler drains the ring (SlotStream.Drain): each slot's copy has long finished except the
// last one's, and the draws go to the CSV writers straight from host memory, one slot at a time,
// in the order they were recorded. The ring is free again only after the drain, so a slot is
// never recorded while its previous copy is in flight.
//
// SlotStream is the bookkeeping, kept apart from CUDA so that it is tested on the CPU and on the
// host shim (stream_test.go); runtime/gpu's Target implements SlotCopier with cuMemcpyDtoHAsync
// on a non-blocking stream and events.

// SlotCopier moves recorded ring slots to host memory asynchronously.
type SlotCopier interface {
	// CopySlot queues the copy of ring slot s (Dim rows of draws and 4 rows of statistics, every
	// chain's) into host buffer s, after the work already queued (slot s's record), and returns
	// without waiting for it.
	CopySlot(s int) error
	// WaitSlot waits for the copy into host buffer s to finish and returns its draws (Dim × C,
	// coordinate-major) and statistics (4 × C: log density, acceptance, energy, divergence),
	// valid until slot s is copied again.
	WaitSlot(s int) (draws, stats []float64, err error)
}

// SlotStream orders the copies of a ring of slots: slots are recorded 0, 1, … and drained
// together, in order, before the ring is used again.
type SlotStream struct {
	copier SlotCopier
	ring   int
	next   int // slots recorded since the last drain: the next one to record
}

// NewSlotStream streams a ring of `ring` slots through copier.
func NewSlotStream(copier SlotCopier, ring int) *SlotStream {
	return &SlotStream{copier: copier, ring: ring}
}

// Recorded says slot s's record is queued; its copy is queued behind it. Slots must be recorded
// in order from 0 after each drain: any other slot would be one whose copy is in flight or one
// the drain would skip.
func (st *SlotStream) Recorded(s int) error {
	if s != st.next || s >= st.ring {
		return fmt.Errorf("internal error: slot %d recorded after %d of a ring of %d", s, st.next, st.ring)
	}
	if err := st.copier.CopySlot(s); err != nil {
		return err
	}
	st.next++
	return nil
}

// Pending is how many recorded slots await the drain.
func (st *SlotStream) Pending() int { return st.next }

// Drain waits for the copies of the k recorded slots and hands each to emit in the order they
// were recorded; k must be every slot recorded since the last drain (a drain of fewer would lose
// draws). Afterwards the ring is free. When emit fails the rest are not handed over, but the ring
// is still freed: their copies have been waited for.
func (st *SlotStream) Drain(k int, emit func(s int, draws, stats []float64) error) error {
	if k != st.next {
		return fmt.Errorf("internal error: draining %d of the %d recorded slots", k, st.next)
	}
	st.next = 0
	var first error
	for s := 0; s < k; s++ {
		draws, stats, err := st.copier.WaitSlot(s)
		if err == nil && first == nil {
			err = emit(s, draws, stats)
		}
		if err != nil && first == nil {
			first = err
		}
	}
	return first
}
