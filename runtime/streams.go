package runtime

import (
	"math"

	"github.com/hmcc-dev/hmcc/runtime/rng"
)

// Streams addresses every random number a batch of chains draws (package rng): row i of the
// batch is global chain First+i, and each draw is named by (seed, global chain, iteration,
// purpose), so a chain's draws do not depend on the chains beside it, on threads, or on where
// a run was split into shards or resumed. The iteration is State.Iter before the transition
// (one count over warmup and sampling). What each purpose is used for:
//
//   - Init: chain g's starting point at attempt a (the first, or a redraw after a point without
//     a finite density or gradient) is dim uniforms of stream (g, a, Init), mapped to (−2, 2).
//   - Momentum: iteration t's momentum is exactly Key.Normals(z, g, t, Momentum) of length dim,
//     scaled by the metric (z/√diag, or L⁻ᵀz for a dense one). Device kernels draw the same.
//   - Accept: the Metropolis uniform of iteration t is rng.Uniform of the first 64 bits of
//     stream (g, t, Accept); NUTS draws its multinomial choices in order from that stream.
//   - Trajectory: NUTS's subtree directions, in order from stream (g, t, Trajectory).
//   - Adapt: the step-size heuristic run before iteration t (at the start of warmup, and after
//     each metric window, where --metric auto's two trials reuse the same numbers so that both
//     candidates are judged on common random numbers) draws momenta and uniforms in order from
//     stream (g, t, Adapt).
//   - Population streams (PopulationChain) are shared by the batch: hmc's jittered integration
//     time of iteration t (Jitter) and warmup's relocation of stray chains after iteration t
//     (Adapt).
type Streams struct {
	key   rng.Key
	first uint32
	pop   uint32
	draw  rng.Stream // scratch for the population's draws
}

// NewStreams returns the streams of a batch of chains whose first row is global chain first,
// under seed.
func NewStreams(seed uint64, first int) *Streams {
	return &Streams{key: rng.KeyOf(seed), first: uint32(first), pop: PopulationChain(first)}
}

// PopulationChain is the chain value of the population streams of a batch whose first row is
// global chain first: rng.Population − first. Two shards (two batches with different first
// chains) therefore never share a population stream, and no chain id a run can have (fewer
// than 2³¹) collides with one.
func PopulationChain(first int) uint32 { return rng.Population - uint32(first) }

// Key is the Philox key of the run's seed.
func (r *Streams) Key() rng.Key { return r.key }

// Chain is the global chain id of row i.
func (r *Streams) Chain(i int) uint32 { return r.first + uint32(i) }

// Population is the chain value of the batch's population streams.
func (r *Streams) Population() uint32 { return r.pop }

// firstUniform is rng.Uniform of the first 64 bits of stream (chain, t, p).
func firstUniform(k rng.Key, chain, t uint32, p rng.Purpose) float64 {
	b := k.Block(chain, t, p, 0)
	return rng.Uniform(uint64(b[0])<<32 | uint64(b[1]))
}

// Momentum fills p with row i's momentum at iteration t under metric m.
func (r *Streams) Momentum(m *Metric, i int, t uint32, p []float64) {
	r.key.Normals(p, r.Chain(i), t, rng.Momentum)
	m.scaleMomentum(p)
}

// Accept is row i's Metropolis uniform at iteration t, in (0, 1).
func (r *Streams) Accept(i int, t uint32) float64 {
	return firstUniform(r.key, r.Chain(i), t, rng.Accept)
}

// reset positions s at the start of row i's stream (t, p).
func (r *Streams) reset(s *rng.Stream, i int, t uint32, p rng.Purpose) {
	s.Reset(r.key, r.Chain(i), t, p)
}

// population positions the scratch stream at the batch's population stream (t, p).
func (r *Streams) population(t uint32, p rng.Purpose) *rng.Stream {
	r.draw.Reset(r.key, r.pop, t, p)
	return &r.draw
}

// uniform is the stream's next number in (0, 1).
func uniform(s *rng.Stream) float64 { return rng.Uniform(s.Uint64()) }

// normals fills dst with standard normals drawn in order from s (Box–Muller on pairs of
// uniforms; the second of the last pair is dropped when len(dst) is odd).
func normals(s *rng.Stream, dst []float64) {
	for j := 0; j < len(dst); j += 2 {
		u1, u2 := uniform(s), uniform(s)
		rad := math.Sqrt(-2 * math.Log(u1))
		sn, cs := math.Sincos(2 * math.Pi * u2)
		dst[j] = rad * cs
		if j+1 < len(dst) {
			dst[j+1] = rad * sn
		}
	}
}
