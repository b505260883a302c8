package autodiff

import (
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"time"
)

// team is a fixed set of goroutines that run one job after another together with the caller:
// Parallel's fork and join. It exists because starting a goroutine per evaluation cost a run on
// two threads about 100 µs per evaluation before the second goroutine ran (measured on the 2-core
// VM, German credit, 64 chains: evaluations of about 350 µs a worker, docs/performance.md), the
// time for an idle thread to be woken on an idle vCPU. The members stay and spin briefly
// between jobs, so the next job, which comes within microseconds during a trajectory, starts at
// once; after spinFor without a job a member parks on a channel and costs nothing.
type team struct {
	mu      sync.Mutex // one job at a time
	size    int        // goroutines running a job, the caller included
	spin    bool       // members spin before parking (only when each can have a processor)
	started bool
	gen     atomic.Uint64 // counts jobs; a member runs the job when it changes
	job     func(member int)
	left    atomic.Int32 // members still running the current job
	members []sleeper
	caller  sleeper
	stop    chan struct{}
}

// spinFor is how long a goroutine waits actively for work (or for the others to finish) before
// it parks: several times the wake-up latency it avoids, so that parking after a longer gap
// adds a small fraction of that gap.
const spinFor = 500 * time.Microsecond

func newTeam(size int) *team {
	return &team{
		size: size,
		// Spinning goroutines beyond the processors would take turns with the ones working.
		spin:    size <= goruntime.GOMAXPROCS(0),
		members: make([]sleeper, size-1),
		stop:    make(chan struct{}),
	}
}

// run calls job(0) on the calling goroutine and job(1) … job(size−1) on the members, and returns
// when all have returned.
func (t *team) run(job func(member int)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.started {
		t.started = true
		for i := range t.members {
			t.members[i].ch = make(chan struct{}, 1)
			go t.member(i)
		}
		t.caller.ch = make(chan struct{}, 1)
	}
	t.job = job
	t.left.Store(int32(len(t.members)))
	t.gen.Add(1)
	for i := range t.members {
		t.members[i].wake()
	}
	job(0)
	t.caller.wait(t.spin, func() bool { return t.left.Load() == 0 }, nil)
	// The job holds the caller's buffers (Parallel's: the Parallel itself, which must not stay
	// reachable from its team, or the cleanup that closes the team never runs): drop it.
	t.job = nil
}

// close ends the members; it runs when the Parallel that owns the team is collected.
func (t *team) close() { close(t.stop) }

func (t *team) member(i int) {
	var seen uint64
	for {
		if !t.members[i].wait(t.spin, func() bool { return t.gen.Load() != seen }, t.stop) {
			return
		}
		seen = t.gen.Load()
		t.job(i + 1)
		if t.left.Add(-1) == 0 {
			t.caller.wake()
		}
	}
}

// sleeper is one goroutine's way to wait for a condition that another goroutine makes true and
// then calls wake: the waiter spins, then marks itself parked and blocks on ch. Exactly one of
// the two sides clears parked (a compare-and-swap), and only the waker that clears it sends, so
// no wake-up is lost and none is left over.
type sleeper struct {
	parked atomic.Bool
	ch     chan struct{}
}

// wait returns true once ready() holds, or false if stop is closed first.
func (s *sleeper) wait(spin bool, ready func() bool, stop <-chan struct{}) bool {
	if spin {
		start := time.Now()
		for i := 1; ; i++ {
			if ready() {
				return true
			}
			if i%64 == 0 && time.Since(start) > spinFor {
				break
			}
			goruntime.Gosched() // let the processor's other goroutines (the signal watcher, GC) run
		}
	}
	for {
		s.parked.Store(true)
		if ready() {
			if !s.parked.CompareAndSwap(true, false) {
				<-s.ch // a waker saw us parked and is sending: take its token
			}
			return true
		}
		select {
		case <-s.ch:
			// Check again: the wake may be a late one, meant for an earlier wait. A member that
			// finished the last job can be descheduled between counting itself done and waking
			// the caller; meanwhile the caller, having seen the count reach zero while spinning,
			// starts the next job and parks, and the late wake finds it parked. Returning on it
			// ended a job before its members had (a hang two jobs later, seen under load).
		case <-stop:
			return false
		}
	}
}

// wake releases the waiter if it has parked; called after making its condition true.
func (s *sleeper) wake() {
	if s.parked.CompareAndSwap(true, false) {
		s.ch <- struct{}{}
	}
}
