package autodiff

import (
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Every member runs every job exactly once, and run returns only after all have finished: both
// with spinning members and with members that always park (more members than processors), and
// with gaps between jobs longer than spinFor, so that parked members must be woken.
func TestTeamRunsEachJobOnEveryMember(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int
		gap  time.Duration
	}{
		{"spinning", 2, 0},
		{"parked after a gap", 2, 2 * spinFor},
		{"more members than processors", goruntime.GOMAXPROCS(0) + 3, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tm := newTeam(tc.size)
			defer tm.close()
			if tc.size > goruntime.GOMAXPROCS(0) && tm.spin {
				t.Fatal("a team larger than GOMAXPROCS spins")
			}
			counts := make([]atomic.Int64, tc.size)
			var done atomic.Int64
			const jobs = 300
			for j := range jobs {
				tm.run(func(m int) {
					counts[m].Add(1)
					if m != 0 {
						time.Sleep(time.Duration(j%3) * 10 * time.Microsecond) // members finish after the caller
					}
					done.Add(1)
				})
				if got := done.Load(); got != int64((j+1)*tc.size) {
					t.Fatalf("job %d: run returned after %d member-jobs, want %d", j, got, (j+1)*tc.size)
				}
				if tc.gap > 0 && j%50 == 0 {
					time.Sleep(tc.gap)
				}
			}
			for m := range counts {
				if c := counts[m].Load(); c != jobs {
					t.Errorf("member %d ran %d jobs, want %d", m, c, jobs)
				}
			}
		})
	}
}

// A Parallel's members end when it is collected: without it, every compiled model would leave
// goroutines behind.
func TestTeamEndsWithItsParallel(t *testing.T) {
	before := goruntime.NumGoroutine()
	for range 20 {
		p := &Parallel{}
		p.setTeam(3)
		p.team.run(func(int) {})
	}
	deadline := time.Now().Add(10 * time.Second)
	for goruntime.NumGoroutine() > before+2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines before, %d after the Parallels were dropped", before, goruntime.NumGoroutine())
		}
		goruntime.GC()
		time.Sleep(20 * time.Millisecond)
	}
}

// A wake whose condition does not hold (a late one, from a member that counted itself done in
// the previous job and was descheduled before waking the caller) must not end the wait.
func TestSleeperIgnoresALateWake(t *testing.T) {
	s := sleeper{ch: make(chan struct{}, 1)}
	var ready atomic.Bool
	done := make(chan bool, 1)
	go func() { done <- s.wait(false, ready.Load, nil) }()
	for !s.parked.Load() {
		goruntime.Gosched()
	}
	s.wake() // the late wake: the condition is still false
	select {
	case <-done:
		t.Fatal("wait returned on a wake whose condition was false")
	case <-time.After(100 * time.Millisecond):
	}
	for !s.parked.Load() { // parked again after the late wake
		goruntime.Gosched()
	}
	ready.Store(true)
	s.wake()
	select {
	case ok := <-done:
		if !ok {
			t.Fatal("wait reported a stop")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("wait did not return after its condition held and it was woken")
	}
}

// BenchmarkForkJoin times one evaluation's fork and join on two goroutines the way the samplers
// use it: each does a fixed share of arithmetic (a worker's share of an evaluation, calibrated
// from a timed probe to a few hundred µs; it comes out longer when the probe ran fast), and the
// caller does a twentieth of that serially between evaluations. "goroutine per job" is how
// Parallel forked before the team: a go statement per evaluation, whose goroutine starts only when
// an idle thread has been woken. The difference per op is that wake-up (docs/performance.md, "Two
// cores"); run it on an otherwise idle machine:
//
//	go test -run XXX -bench ForkJoin -benchtime 2000x ./autodiff/
func BenchmarkForkJoin(b *testing.B) {
	if goruntime.GOMAXPROCS(0) < 2 {
		b.Skip("needs two processors")
	}
	work := func(iters int) float64 {
		s := 0.0
		for i := range iters {
			s += float64(i%7) * 1.0000001
		}
		return s
	}
	// calibrate: iterations for about 350 µs by a timed probe
	const probe = 1 << 22
	sink := work(probe) // warm up, then time
	start := time.Now()
	sink += work(probe)
	share := int(float64(probe) * float64(350*time.Microsecond) / float64(time.Since(start)))
	var result atomic.Uint64
	b.Run("goroutine per job", func(b *testing.B) {
		for range b.N {
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				result.Add(uint64(work(share)))
			}()
			result.Add(uint64(work(share)))
			wg.Wait()
			work(share / 20) // the caller's serial part between evaluations
		}
	})
	b.Run("team", func(b *testing.B) {
		tm := newTeam(2)
		defer tm.close()
		for range b.N {
			tm.run(func(int) { result.Add(uint64(work(share))) })
			work(share / 20)
		}
	})
	_ = sink
}
