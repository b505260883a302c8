//go:build race

package autodiff

// raceEnabled is true in the race detector's build, whose instrumentation changes what allocates:
// the allocation counts compared in TestParallelAddsNoAllocations differ by one or two there.
const raceEnabled = true
