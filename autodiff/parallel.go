package autodiff

import (
	"errors"
	"fmt"
	goruntime "runtime"
)

// Parallel splits a batch of chains across several programs, each compiled for its own share of
// the chains with its own graph and buffers, and evaluates them on separate goroutines. Chains
// are independent, so the results are the same for any split.
type Parallel struct {
	parts  []*Program
	starts []int // first chain of each part
	chains int
	dim    int
	// team evaluates the parts on at most as many goroutines as NewParallelWorkers allows (one
	// per part by default); its members outlive a call, see team.
	team *team
	errs []error // each part's error in the current call
	// call is the current LogDensityGradAround's arguments, which work reads on the team's
	// goroutines, and work is p.runParts, bound once: a call that made a closure over its
	// arguments for the team allocated it on every evaluation.
	call struct {
		theta, logp, grad []float64
		before, after     func(lo, hi int)
	}
	work func(member int)
}

// NewParallel combines programs over consecutive blocks of chains, evaluated on one goroutine
// per block.
func NewParallel(parts []*Program) (*Parallel, error) {
	return NewParallelWorkers(parts, 0)
}

// NewParallelWorkers is NewParallel evaluated on at most workers goroutines (0: one per block).
// The goroutines stay between evaluations and end when the Parallel is collected.
func NewParallelWorkers(parts []*Program, workers int) (*Parallel, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("internal error: no programs to combine")
	}
	p := &Parallel{parts: parts, dim: parts[0].Dim(), errs: make([]error, len(parts))}
	for _, q := range parts {
		if q.Dim() != p.dim {
			return nil, fmt.Errorf("internal error: programs of different dimensions")
		}
		p.starts = append(p.starts, p.chains)
		p.chains += q.Chains()
	}
	if workers <= 0 || workers > len(parts) {
		workers = len(parts)
	}
	p.setTeam(workers)
	p.work = p.runParts
	return p, nil
}

// setTeam gives p a team of size goroutines whose members end when p is collected.
func (p *Parallel) setTeam(size int) {
	p.team = newTeam(size)
	goruntime.AddCleanup(p, (*team).close, p.team)
}

// blockChains is the most chains evaluated as one batch by one goroutine (Blocks).
const blockChains = 8

// Blocks returns the sizes of the batches that chains are evaluated in: ⌈chains/8⌉ blocks, as
// even as possible. It depends on the chain count only, never on the number of threads or cores:
// a matrix product's rounding depends on the batch's shape (BLAS kernels block and vectorise by
// it), so batches that followed the thread count made the draws depend on it. Threads only
// schedule the blocks, so up to 8 chains run on one core.
func Blocks(chains int) []int {
	return Split(chains, (chains+blockChains-1)/blockChains)
}

// Split returns how many chains each of n workers takes: as even as possible, larger first.
func Split(chains, n int) []int {
	n = max(1, min(n, chains))
	out := make([]int, n)
	for i := range out {
		out[i] = chains / n
		if i < chains%n {
			out[i]++
		}
	}
	return out
}

func (p *Parallel) Chains() int { return p.chains }
func (p *Parallel) Dim() int    { return p.dim }

// LogDensityGrad evaluates every part concurrently on its rows of theta.
func (p *Parallel) LogDensityGrad(theta, logp, grad []float64) error {
	return p.LogDensityGradAround(theta, logp, grad, nil, nil)
}

// LogDensityGradAround is LogDensityGrad with per-chain work fused around each part's
// evaluation: before(lo, hi) runs for the part's chains [lo, hi) just before the part is
// evaluated and after(lo, hi) just after, on the goroutine that evaluates it (either may be nil).
// A sampler moves its per-chain updates (a leapfrog step's kicks and drift) here, so that they
// run on the workers beside the gradient instead of serially on the caller's goroutine between
// evaluations: with 64 chains they were the largest serial part of a two-thread run. before and
// after must touch only their chains' rows; each chain's arithmetic is then the same whichever
// worker runs it. One call at a time: the call's arguments are kept in p for the workers.
func (p *Parallel) LogDensityGradAround(theta, logp, grad []float64, before, after func(lo, hi int)) error {
	if len(p.parts) == 1 {
		return p.part(0, theta, logp, grad, before, after)
	}
	p.call.theta, p.call.logp, p.call.grad, p.call.before, p.call.after = theta, logp, grad, before, after
	p.team.run(p.work)
	p.call.theta, p.call.logp, p.call.grad, p.call.before, p.call.after = nil, nil, nil, nil, nil
	return errors.Join(p.errs...)
}

// runParts is team member w's share of the current call: parts w, w+n, w+2n, … for a team of n.
// Which parts a member takes is fixed, so who runs them changes no result. The calling goroutine
// is member 0.
func (p *Parallel) runParts(w int) {
	c := &p.call
	for i := w; i < len(p.parts); i += p.team.size {
		p.errs[i] = p.part(i, c.theta, c.logp, c.grad, c.before, c.after)
	}
}

// part evaluates part i on its rows, with before and after around it.
func (p *Parallel) part(i int, theta, logp, grad []float64, before, after func(lo, hi int)) error {
	q := p.parts[i]
	a, b := p.starts[i], p.starts[i]+q.Chains()
	if before != nil {
		before(a, b)
	}
	err := q.LogDensityGrad(theta[a*p.dim:b*p.dim], logp[a:b], grad[a*p.dim:b*p.dim])
	if after != nil && err == nil {
		after(a, b)
	}
	return err
}
