package runtime

import "testing"

// fixture is a batch of chains with what a kernel reads, for the tests that drive kernels
// directly: the target with its counters, the random streams, the state and the tuning (unit step
// sizes and metric until the test sets them).
type fixture struct {
	ev  *evaluator
	r   *Streams
	st  *State
	tu  *Tuning
	vel []float64
}

func newFixture(t Target, seed uint64) *fixture {
	c, n := t.Chains(), t.Dim()
	f := &fixture{ev: newEvaluator(t), r: NewStreams(seed, 0), st: newState(c, n),
		tu: &Tuning{StepSize: make([]float64, c), Metric: unitMetric(n), MaxSteps: 1024}, vel: make([]float64, n)}
	for i := range f.tu.StepSize {
		f.tu.StepSize[i] = 1
	}
	return f
}

// initialised is newFixture with the chains initialised as Sample does (init, or uniform(-2, 2)).
func initialised(t testing.TB, target Target, init []float64, seed uint64) *fixture {
	t.Helper()
	f := newFixture(target, seed)
	if err := initialise(f.ev, f.r, f.st, init); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) kinetic(p []float64) float64 { return f.tu.Metric.kinetic(p, f.vel) }
