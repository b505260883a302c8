// Package runtime runs Hamiltonian Monte Carlo for many chains at once against a batched
// log-density target, adapts the step size and mass matrix during warmup, and reports draws.
package runtime

import "github.com/hmcc-dev/hmcc/runtime/rng"

// Target is a log density over an unconstrained space, evaluated for a batch of chains at once.
// theta and grad are chains×dim, row-major; logp has one entry per chain. A chain whose density
// cannot be evaluated gets -Inf or NaN; the sampler treats that as a divergence.
type Target interface {
	Chains() int
	Dim() int
	LogDensityGrad(theta, logp, grad []float64) error
}

// TrajectoryTarget is a Target that can also run whole HMC transitions where it keeps the chains'
// state — the GPU backend — so that positions, momenta and gradients stay there for the whole
// trajectory and only per-chain results and the draw cross to the host. The fixed-length kernels
// (hmc and chees) use it for every post-warmup transition; warmup, which adapts the metric from
// every position (and ChEES's trajectory length from proposals and end momenta), steps through
// LogDensityGrad unless the target is also a WarmupTarget, which reduces those where it keeps
// them.
type TrajectoryTarget interface {
	Target
	// SetState makes theta (chains×dim) every chain's current position, evaluating its log density
	// and gradient there, and invMetric (dim) the diagonal inverse metric.
	SetState(theta, invMetric []float64) error
	// Transition runs one transition for every chain from its current state: in.Steps[i] leapfrog
	// steps of size in.StepSize[i] from momentum in.Momentum, a divergence when the energy error
	// exceeds 1000 or anything is non-finite, then acceptance when in.Uniform[i] is below the
	// acceptance probability; the chain's current state is the result.
	Transition(in TransitionIn, out *TransitionOut) error
}

// TransitionIn is what the host draws and tunes for one transition; slices are chain-major.
type TransitionIn struct {
	Momentum []float64 // chains×dim
	StepSize []float64 // per chain
	Steps    []int     // leapfrog steps per chain, at least 1
	Uniform  []float64 // per chain, in [0, 1)
	// Drawn, for a DeviceDrawer, replaces Momentum and Uniform (which are then not read): the
	// target draws them itself from the streams it names.
	Drawn *DrawAddress
}

// DrawAddress names a transition's random numbers: iteration Iter of the run's streams under
// Key, for the batch's chains FirstChain, FirstChain+1, … (global chain ids).
type DrawAddress struct {
	Key        rng.Key
	Iter       uint32
	FirstChain uint32
}

// DeviceDrawer is a TrajectoryTarget that draws each transition's momenta and Metropolis
// uniforms itself, where it keeps the chains (the GPU: no host RNG per step, nothing drawn
// crosses the bus), the numbers the host would draw: chain i's momentum is Streams.Momentum's
// (rng.Key.Normals of stream (FirstChain+i, Iter, rng.Momentum) over the square root of the
// diagonal inverse metric) and its uniform Streams.Accept's. When DrawsOnDevice reports true
// the sampler fills TransitionIn.Drawn instead of Momentum and Uniform.
type DeviceDrawer interface {
	TrajectoryTarget
	DrawsOnDevice() bool
}

// TransitionOut receives a transition's results: per chain the acceptance probability (0 when
// diverged), the energy of the state kept, its log density and whether the trajectory diverged;
// and, when Position is not nil, every chain's position (chains×dim).
type TransitionOut struct {
	Accept, Energy, LogP []float64
	Diverged             []bool
	Position             []float64
}

// ChunkedTarget is a TrajectoryTarget that can also keep a chunk of iterations' draws and
// statistics where it runs and hand them back together, so that the draws cross to the host a
// chunk at a time and never accumulate on the device. The sampler records one iteration per
// slot, 0 … ChunkSize()−1, and flushes when the chunk is full, at the last draw, and when it is
// interrupted.
type ChunkedTarget interface {
	TrajectoryTarget
	ChunkSize() int
	// TransitionRecord runs Transition's work and keeps its results in slot.
	TransitionRecord(in TransitionIn, slot int) error
	// Flush returns the first k slots.
	Flush(k int) (*Recorded, error)
}

// SlotFlusher is a ChunkedTarget that can also hand the first k slots back one at a time, in
// order, so that the host holds one iteration's draws at a time instead of a whole chunk's (at
// 16,384 chains × 64 slots the chunk is hundreds of megabytes): emit gets each slot as a
// Recorded of one iteration, valid only during the call. The sampler prefers it to Flush.
type SlotFlusher interface {
	FlushSlots(k int, emit func(r *Recorded) error) error
}

// Recorded is a flushed chunk: for iteration k of the chunk, Position[k] is chains×dim and the
// statistics have one entry per chain.
type Recorded struct {
	Position             [][]float64
	LogP, Accept, Energy [][]float64
	Diverged             [][]bool
}

// WarmupTarget is a TrajectoryTarget that also runs warmup where it keeps the chains: it reduces
// the adaptation's statistics over the chains there (runtime/gpu's adapt.go), so that a warmup
// iteration brings back per-chain scalars and four numbers instead of every chain's position,
// proposal and momentum. The hmc and chees samplers use it (devicewarmup.go) unless the run
// saves warmup draws or ends warmup on its own (Config.WarmupAuto), which read every position.
type WarmupTarget interface {
	TrajectoryTarget
	// WarmupTransition is Transition keeping every chain's start position for ReduceWarmup;
	// out.Position is nil: no position crosses.
	WarmupTransition(in TransitionIn, out *TransitionOut) error
	// ReduceWarmup reduces the last WarmupTransition over the chains good marks (markGood's).
	// With chees: ChEES's gradient (CheesGradient of the iteration's jitter and integration
	// time length, under the diagonal inverse metric of the last SetState) and the harmonic mean
	// acceptance (HarmonicMean); with moments: the good chains' current positions join the
	// running moments, with the co-moments when dense (at most denseMaxDim coordinates).
	ReduceWarmup(good []bool, jitter, length float64, chees, moments, dense bool) (AdaptStats, error)
	// Moments returns the running moments (the count, and per coordinate the mean and the sum
	// of squared deviations; with dense the dim×dim co-moments, lower triangle, as Moments
	// gives them) and, with reset, starts them again from nothing.
	Moments(dense, reset bool) (n float64, mean, m2, cov []float64, err error)
	// Positions brings every chain's current position back into theta (chains×dim).
	Positions(theta []float64) error
}

// AdaptStats is one warmup iteration's statistics reduced where the chains are: Gradient is
// CheesGradient's value (NaN when no chain's trajectory counts), HarmonicMean the good chains'
// harmonic mean acceptance (NaN when none is good), AcceptSum their acceptance sum and Good how
// many there are.
type AdaptStats struct {
	Gradient, HarmonicMean, AcceptSum, Good float64
}
