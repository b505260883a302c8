package runtime

import (
	"math"

	"github.com/hmcc-dev/hmcc/runtime/rng"
)

// The No-U-Turn sampler as Stan runs it (base_nuts.hpp, Stan 2.21+; Betancourt 2017, "A
// Conceptual Introduction to Hamiltonian Monte Carlo"), batched across chains.
//
// Each iteration a chain grows a trajectory by doubling: it picks a direction at random and
// integrates a new subtree of 2^depth leapfrog steps from that end of the trajectory. The new
// state is drawn multinomially over all states, with weights exp(H0 − H): within a subtree each
// state is chosen in proportion to its weight, and when a finished subtree joins the tree its
// choice replaces the tree's with probability min(1, w_subtree/w_tree) (biased progressive
// sampling, which favours states far from the start). Growth stops at a U-turn, a divergence or
// the maximum depth.
//
// The target evaluates every chain at once, so chains cannot recurse independently. Instead each
// chain runs the tree building as an explicit state machine (nutsChain) and, on every tick, each
// chain whose tree is still growing takes exactly one leapfrog step in its own direction with its
// own step size. Chains that have finished wait, frozen, until the slowest chain is done; their
// rows are evaluated anyway and counted as masked work.
//
// Recursion in Stan checks every aligned block of 2, 4, 8, … states for a U-turn as soon as it
// is complete. Iteratively that is a binary counter: each new leapfrog state is pushed onto a
// stack as a block of size 1 and, while the two blocks on top have the same size, they are
// merged and the merged block is checked. The stack never holds more than depth+1 blocks, and
// each block only needs the momenta at its two ends and the sum of its momenta.

// nutsBlock is a complete, checked block of consecutive states of the subtree being built that
// still waits for its sibling. "beg" and "end" are in build order (beg is nearer the old tree).
type nutsBlock struct {
	size       int
	pBeg, pEnd []float64 // momentum at the first and last state built
	rho        []float64 // sum of the momenta of all its states
}

// nutsEdge is one end of a chain's trajectory, from which the next subtree in that direction
// starts integrating.
type nutsEdge struct {
	pos, p, grad []float64
}

// nutsChain is one chain's tree-building state for the current iteration.
type nutsChain struct {
	h0        float64 // Hamiltonian at the start of the iteration
	depth     int     // completed doublings: Stan's treedepth__
	nLeapfrog int
	sumAccept float64 // Σ min(1, exp(H0 − H)) over every leapfrog state, Stan's accept_stat__ numerator
	divergent bool
	done      bool

	// The tree built so far.
	logW     float64   // log Σ exp(H0 − H) over its states
	rho      []float64 // Σ p over its states
	fwd, bck nutsEdge
	// Its multinomial sample, which becomes the chain's next state.
	samplePos, sampleGrad []float64
	sampleLogP, sampleH   float64

	// The subtree being built.
	dir     float64 // +1 forward in time, −1 backward
	leaves  int     // states built so far; the subtree is complete at 1<<depth
	logWSub float64
	subPos  []float64 // the subtree's own sample, chosen in proportion to weight
	subGrad []float64
	subLogP float64
	subH    float64
	stack   []nutsBlock // pre-allocated; the first top entries are live
	top     int

	// The iteration's random streams: subtree directions, and the multinomial choices.
	dirs, choices rng.Stream
}

func newNUTSChain(n, maxDepth int) *nutsChain {
	vec := func() []float64 { return make([]float64, n) }
	ch := &nutsChain{rho: vec(),
		fwd:       nutsEdge{pos: vec(), p: vec(), grad: vec()},
		bck:       nutsEdge{pos: vec(), p: vec(), grad: vec()},
		samplePos: vec(), sampleGrad: vec(), subPos: vec(), subGrad: vec(),
		stack: make([]nutsBlock, maxDepth+1)}
	for i := range ch.stack {
		ch.stack[i] = nutsBlock{pBeg: vec(), pEnd: vec(), rho: vec()}
	}
	return ch
}

// nutsKernel is the NUTS kernel: x, p, g and lp are the leapfrog integrators of all chains
// (chains×dim rows), each at its own chain's trajectory frontier. m, streams and stepSize are the
// current call's (Step sets them); everything else is scratch reused by every call.
type nutsKernel struct {
	ev       *evaluator
	maxDepth int
	chains   []*nutsChain
	x, p, g  []float64
	lp       []float64
	eps      []float64 // each chain's signed step size of the current leapfrog step
	active   []bool
	vel, r   []float64 // one row's velocity Σp, and the summed momenta of a U-turn check
	info     Info

	m        *Metric
	streams  *Streams
	stepSize []float64
}

func newNUTS(ev *evaluator, maxDepth int) *nutsKernel {
	c, n := ev.c, ev.n
	u := &nutsKernel{ev: ev, maxDepth: maxDepth, chains: make([]*nutsChain, c),
		x: make([]float64, c*n), p: make([]float64, c*n), g: make([]float64, c*n),
		lp: make([]float64, c), eps: make([]float64, c), active: make([]bool, c),
		vel: make([]float64, n), r: make([]float64, n), info: Info{Stats: make([]Stats, c)}}
	for i := range u.chains {
		u.chains[i] = newNUTSChain(n, maxDepth)
	}
	return u
}

// noUTurn is Stan's generalised criterion for a block whose momentum sum is u+v (v may be nil)
// and whose end momenta are pA and pB: both end velocities M⁻¹p must still point along the sum.
func (k *nutsKernel) noUTurn(pA, pB, u, v []float64) bool {
	a, b := 0.0, 0.0
	if k.m.Chol != nil {
		// (Σ pA)·r = pA·(Σ r), Σ symmetric: one product with the summed momenta.
		r := k.r[:len(u)]
		copy(r, u)
		if v != nil {
			for j := range r {
				r[j] += v[j]
			}
		}
		k.m.velocity(r, k.vel)
		for j, w := range k.vel {
			a += pA[j] * w
			b += pB[j] * w
		}
		return a > 0 && b > 0
	}
	for j, r := range u {
		if v != nil {
			r += v[j]
		}
		a += k.m.Diag[j] * pA[j] * r
		b += k.m.Diag[j] * pB[j] * r
	}
	return a > 0 && b > 0
}

// joinable applies the three checks Stan makes when block r is appended to block l (l built
// first): the whole, and each half extended by the neighbouring state of the other half. The
// extended checks catch U-turns that happen across the boundary between the halves, which the
// check of the whole misses for some trajectories (Stan 2.21+).
func (k *nutsKernel) joinable(lBeg, lEnd, lRho, rBeg, rEnd, rRho []float64) bool {
	return k.noUTurn(lBeg, rEnd, lRho, rRho) &&
		k.noUTurn(lBeg, rBeg, lRho, rBeg) &&
		k.noUTurn(lEnd, rEnd, rRho, lEnd)
}

func logAddExp(a, b float64) float64 {
	if math.IsInf(a, -1) {
		return b
	}
	if math.IsInf(b, -1) {
		return a
	}
	if a < b {
		a, b = b, a
	}
	return a + math.Log1p(math.Exp(b-a))
}

// begin starts chain i's iteration it: fresh momentum, a tree of the current state alone, and
// the first subtree's direction.
func (u *nutsKernel) begin(s *State, i int, it uint32) {
	n, ch := u.ev.n, u.chains[i]
	pos, grad := s.Pos[i*n:(i+1)*n], s.Grad[i*n:(i+1)*n]
	p := u.p[i*n : (i+1)*n]
	u.streams.Momentum(u.m, i, it, p)
	u.streams.reset(&ch.dirs, i, it, rng.Trajectory)
	u.streams.reset(&ch.choices, i, it, rng.Accept)
	ch.h0 = -s.LogP[i] + u.m.kinetic(p, u.vel)
	ch.depth, ch.nLeapfrog, ch.sumAccept, ch.divergent, ch.done = 0, 0, 0, false, false
	ch.logW = 0 // the initial state's weight is exp(H0 − H0)
	copy(ch.rho, p)
	for _, e := range []*nutsEdge{&ch.fwd, &ch.bck} {
		copy(e.pos, pos)
		copy(e.p, p)
		copy(e.grad, grad)
	}
	copy(ch.samplePos, pos)
	copy(ch.sampleGrad, grad)
	ch.sampleLogP, ch.sampleH = s.LogP[i], ch.h0
	u.startSubtree(i)
}

// startSubtree picks a direction at random and loads that end of the trajectory into the
// chain's integrator row.
func (u *nutsKernel) startSubtree(i int) {
	n, ch := u.ev.n, u.chains[i]
	edge := &ch.bck
	ch.dir = -1
	if uniform(&ch.dirs) > 0.5 {
		edge, ch.dir = &ch.fwd, 1
	}
	copy(u.x[i*n:(i+1)*n], edge.pos)
	copy(u.p[i*n:(i+1)*n], edge.p)
	copy(u.g[i*n:(i+1)*n], edge.grad)
	ch.leaves, ch.logWSub, ch.top = 0, math.Inf(-1), 0
}

// finish ends chain i's tree and parks its integrator row on a finite point, so that the
// evaluations it sits through while the other chains finish cannot fail.
func (u *nutsKernel) finish(i int) {
	n := u.ev.n
	u.chains[i].done = true
	copy(u.x[i*n:(i+1)*n], u.chains[i].samplePos)
}

// leaf processes the state chain i's integrator has just reached (position, gradient and log
// density evaluated, momentum fully updated).
func (u *nutsKernel) leaf(i int) {
	n, ch := u.ev.n, u.chains[i]
	x, p, g := u.x[i*n:(i+1)*n], u.p[i*n:(i+1)*n], u.g[i*n:(i+1)*n]
	h := -u.lp[i] + u.m.kinetic(p, u.vel)
	if math.IsNaN(h) || math.IsInf(h, 0) || !finiteRow(g) || !finiteRow(x) {
		h = math.Inf(1)
	}
	ch.nLeapfrog++
	ch.sumAccept += math.Min(1, math.Exp(ch.h0-h))
	if h-ch.h0 > 1000 {
		// A divergent subtree is discarded whole; the tree keeps what it had.
		ch.divergent = true
		u.finish(i)
		return
	}
	// Within the subtree: replace its sample with this state with probability w/Σw, which
	// leaves each state chosen in proportion to its weight.
	lw := ch.h0 - h
	ch.logWSub = logAddExp(ch.logWSub, lw)
	if pr := math.Exp(lw - ch.logWSub); pr >= 1 || uniform(&ch.choices) < pr {
		copy(ch.subPos, x)
		copy(ch.subGrad, g)
		ch.subLogP, ch.subH = u.lp[i], h
	}
	// Push the state as a block of one and merge equal-sized blocks, checking each merge.
	b := &ch.stack[ch.top]
	b.size = 1
	copy(b.pBeg, p)
	copy(b.pEnd, p)
	copy(b.rho, p)
	ch.top++
	ch.leaves++
	for ch.top >= 2 && ch.stack[ch.top-2].size == ch.stack[ch.top-1].size {
		l, r := &ch.stack[ch.top-2], &ch.stack[ch.top-1]
		if !u.joinable(l.pBeg, l.pEnd, l.rho, r.pBeg, r.pEnd, r.rho) {
			u.finish(i) // a U-turn inside the subtree invalidates all of it
			return
		}
		for j := range l.rho {
			l.rho[j] += r.rho[j]
		}
		l.pEnd, r.pEnd = r.pEnd, l.pEnd // swap buffers rather than copy
		l.size *= 2
		ch.top--
	}
	if ch.leaves < 1<<ch.depth {
		return
	}
	u.mergeSubtree(i)
}

// mergeSubtree joins chain i's completed subtree to its tree and decides whether to go on.
func (u *nutsKernel) mergeSubtree(i int) {
	n, ch := u.ev.n, u.chains[i]
	sub := &ch.stack[0]
	// The old tree as the block built first: its far end is the one away from the subtree.
	near, far := &ch.fwd, &ch.bck
	if ch.dir < 0 {
		near, far = far, near
	}
	uturn := !u.joinable(far.p, near.p, ch.rho, sub.pBeg, sub.pEnd, sub.rho)
	copy(near.pos, u.x[i*n:(i+1)*n])
	copy(near.p, u.p[i*n:(i+1)*n])
	copy(near.grad, u.g[i*n:(i+1)*n])
	ch.depth++
	// Biased progressive sampling: move to the subtree's sample with probability
	// min(1, w_subtree/w_tree), favouring states far from the start. (Stan draws only when the
	// ratio is at most 1; so do we, to consume the same random numbers.)
	if ch.logWSub > ch.logW || uniform(&ch.choices) < math.Exp(ch.logWSub-ch.logW) {
		copy(ch.samplePos, ch.subPos)
		copy(ch.sampleGrad, ch.subGrad)
		ch.sampleLogP, ch.sampleH = ch.subLogP, ch.subH
	}
	ch.logW = logAddExp(ch.logW, ch.logWSub)
	for j := range ch.rho {
		ch.rho[j] += sub.rho[j]
	}
	if uturn || ch.depth >= u.maxDepth {
		u.finish(i)
		return
	}
	u.startSubtree(i)
}

// Step runs one NUTS iteration for every chain in lockstep and moves each chain to its
// multinomial sample.
func (u *nutsKernel) Step(r *Streams, s *State, tu *Tuning) (*Info, error) {
	n := u.ev.n
	u.m, u.streams, u.stepSize = &tu.Metric, r, tu.StepSize
	defer func() { u.m, u.streams, u.stepSize = nil, nil, nil }()
	it := uint32(s.Iter)
	s.Iter++
	for i := range u.chains {
		u.begin(s, i, it)
	}
	for {
		any := false
		for i, ch := range u.chains {
			u.active[i] = !ch.done
			u.eps[i] = ch.dir * u.stepSize[i]
			any = any || !ch.done
		}
		if !any {
			break
		}
		if err := leapfrog(u.ev, u.m, u.eps, u.active, u.x, u.p, u.g, u.lp, u.vel); err != nil {
			return nil, err
		}
		for i, on := range u.active {
			if on {
				u.leaf(i)
			}
		}
	}
	for i, ch := range u.chains {
		copy(s.Pos[i*n:(i+1)*n], ch.samplePos)
		copy(s.Grad[i*n:(i+1)*n], ch.sampleGrad)
		s.LogP[i] = ch.sampleLogP
		u.info.Stats[i] = Stats{LogP: ch.sampleLogP, StepSize: u.stepSize[i],
			AcceptStat: ch.sumAccept / float64(ch.nLeapfrog), TreeDepth: ch.depth,
			NLeapfrog: ch.nLeapfrog, Divergent: ch.divergent, Energy: ch.sampleH}
	}
	return &u.info, nil
}
