package autodiff

import (
	"errors"
	"fmt"
	"sync"
)

// Parallel splits a batch of chains across several programs, each compiled for its own share of
// the chains with its own graph and buffers, and evaluates them on separate goroutines. Chains
// are independent, so the results are the same for any split.
type Parallel struct {
	parts  []*Program
	starts []int // first chain of each part
	chains int
	dim    int
	// workers bounds the goroutines evaluating parts at once (0: one per part). Parts are
	// assigned to workers statically, so which worker evaluates a part never changes a result.
	workers int
}

// NewParallel combines programs over consecutive blocks of chains.
func NewParallel(parts []*Program) (*Parallel, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("internal error: no programs to combine")
	}
	p := &Parallel{parts: parts, dim: parts[0].Dim()}
	for _, q := range parts {
		if q.Dim() != p.dim {
			return nil, fmt.Errorf("internal error: programs of different dimensions")
		}
		p.starts = append(p.starts, p.chains)
		p.chains += q.Chains()
	}
	return p, nil
}

// NewParallelWorkers is NewParallel evaluated on at most workers goroutines.
func NewParallelWorkers(parts []*Program, workers int) (*Parallel, error) {
	p, err := NewParallel(parts)
	if err != nil {
		return nil, err
	}
	p.workers = workers
	return p, nil
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
// worker runs it.
func (p *Parallel) LogDensityGradAround(theta, logp, grad []float64, before, after func(lo, hi int)) error {
	part := func(i int) error {
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
	if len(p.parts) == 1 {
		return part(0)
	}
	// The calling goroutine does the first worker's share itself rather than wait idle for it:
	// one goroutine fewer to start and wake per evaluation. Which parts a worker takes is fixed,
	// so who runs them changes no result.
	var wg sync.WaitGroup
	errs := make([]error, len(p.parts))
	if p.workers > 0 && p.workers < len(p.parts) {
		share := func(w int) {
			for i := w; i < len(p.parts); i += p.workers {
				errs[i] = part(i)
			}
		}
		for w := 1; w < p.workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				share(w)
			}()
		}
		share(0)
		wg.Wait()
		return errors.Join(errs...)
	}
	for i := 1; i < len(p.parts); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = part(i)
		}()
	}
	errs[0] = part(0)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
