package autodiff

import (
	"fmt"
	"math"

	"github.com/hmcc-dev/hmcc/dist"
	"github.com/hmcc-dev/hmcc/ir"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Builder assembles a batched log-density graph for C chains over a packed parameter matrix θ [C, n].
type Builder struct {
	g      *G.ExprGraph
	theta  *G.Node
	chains int
	dim    int
	active map[*G.Node]bool // depends on θ
	names  int
	terms  []*G.Node

	singleProducts bool        // matrix products in float32
	draws          *drawSource // the streams of Draw's ops, when there are any
}

// NewBuilder starts a graph for chains × dim parameters.
func NewBuilder(chains, dim int) *Builder {
	g := G.NewGraph()
	theta := G.NewMatrix(g, tensor.Float64, G.WithShape(chains, dim), G.WithName("theta"))
	return &Builder{g: g, theta: theta, chains: chains, dim: dim, active: map[*G.Node]bool{theta: true}}
}

// Node is a value in the graph under construction.
type Node = *G.Node

func (b *Builder) apply(k kernel, in ...*G.Node) (*G.Node, error) {
	wrt := make([]bool, len(in))
	any := false
	for i, n := range in {
		wrt[i] = b.active[n]
		any = any || wrt[i]
	}
	op := newFused(k, wrt)
	op.inputs = in
	n, err := G.ApplyOp(op, in...)
	if err != nil {
		return nil, fmt.Errorf("internal error building %s: %w", k.name(), err)
	}
	b.active[n] = any
	return n, nil
}

// Constant adds a [rows, cols] value shared by every chain.
func (b *Builder) Constant(rows, cols int, data []float64) *G.Node {
	b.names++
	t := tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(append([]float64(nil), data...)))
	return G.NewMatrix(b.g, tensor.Float64, G.WithShape(rows, cols), G.WithValue(t), G.WithName(fmt.Sprintf("data%d", b.names)))
}

// Param takes coordinates [off, off+n) of θ and maps them through the constraint, returning the
// constrained value and adding its log-Jacobian to the log density.
func (b *Builder) Param(off, n int, c ir.Constraint) (*G.Node, error) {
	x, err := b.apply(sliceKernel{off, n}, b.theta)
	if err != nil {
		return nil, err
	}
	if c.Kind == ir.Unconstrained {
		return x, nil
	}
	if c.Kind == ir.Ordered {
		lj, err := b.apply(orderedLogJacobianKernel{}, x)
		if err != nil {
			return nil, err
		}
		b.terms = append(b.terms, lj)
		return b.apply(orderedKernel{}, x)
	}
	if c.Kind == ir.CorrCholesky { // n = K(K−1)/2 coordinates make K·K values (linalg_ops.go)
		K := 1
		for K*(K-1)/2 < n {
			K++
		}
		return b.CorrCholesky(x, K)
	}
	if c.Kind == ir.Simplex { // n coordinates make n + 1 values
		lj, err := b.apply(simplexLogJacobianKernel{}, x)
		if err != nil {
			return nil, err
		}
		b.terms = append(b.terms, lj)
		return b.apply(&simplexKernel{}, x)
	}
	lj, err := b.apply(logJacobianKernel{c}, x)
	if err != nil {
		return nil, err
	}
	b.terms = append(b.terms, lj)
	return b.apply(transformKernel{c}, x)
}

func (b *Builder) Unary(f *ir.UnaryFunc, x *G.Node) (*G.Node, error) {
	return b.apply(newUnaryKernel(f), x)
}
func (b *Builder) Binary(op *ir.BinaryOp, l, r *G.Node) (*G.Node, error) {
	return b.apply(binaryKernel{op}, l, r)
}
func (b *Builder) MatVec(m, v *G.Node) (*G.Node, error) {
	k := matVecKernel{}
	if b.singleProducts {
		k.single = &singleScratch{mFixed: !b.active[m]}
	}
	return b.apply(k, m, v)
}

// SingleProducts makes the matrix products added after it run in float32 (--precision float32):
// about twice the arithmetic rate of float64 and half the memory traffic, for rounding of about
// 1e-7 relative in each product's result. Sums, densities and the sampler stay float64.
func (b *Builder) SingleProducts()                { b.singleProducts = true }
func (b *Builder) Sum(x *G.Node) (*G.Node, error) { return b.apply(rowSumKernel{}, x) }

// Mean averages each chain's elements: x is [C or 1, K], the result [C or 1, 1].
func (b *Builder) Mean(x *G.Node) (*G.Node, error) { return b.apply(rowSumKernel{mean: true}, x) }

// Dot is each chain's inner product of x and y, both [C or 1, K]; the result is [C or 1, 1].
func (b *Builder) Dot(x, y *G.Node) (*G.Node, error) { return b.apply(rowDotKernel{}, x, y) }

// Gather picks x's elements by group for every chain: x is [C or 1, J], idx holds 0-based groups
// in 0 … J−1, and the result is [C or 1, len(idx)]; its gradient is a scatter-add.
func (b *Builder) Gather(x *G.Node, idx []int) (*G.Node, error) {
	return b.apply(gatherKernel{idx: append([]int(nil), idx...)}, x)
}

// Active reports whether n depends on the parameters.
func (b *Builder) Active(n *G.Node) bool { return b.active[n] }

// LogDensity adds the term x ~ d(args...) to the log density.
func (b *Builder) LogDensity(d *dist.Dist, x *G.Node, args ...*G.Node) error {
	in := append([]*G.Node{x}, args...)
	wrt := make([]bool, len(in))
	for i, n := range in {
		wrt[i] = b.active[n]
	}
	var k kernel = &densityKernel{d: d, wrt: wrt, fast: fastDensities[d.Fast]}
	if d.Vector {
		k = &vectorDensityKernel{d: d, wrt: wrt}
	}
	n, err := b.apply(k, in...)
	if err != nil {
		return err
	}
	b.terms = append(b.terms, n)
	return nil
}

// Compile sums the terms, asks gorgonia for the gradient with respect to θ, and returns an
// executable Program.
func (b *Builder) Compile() (*Program, error) {
	if len(b.terms) == 0 {
		return nil, fmt.Errorf("internal error: the model has no log-density terms")
	}
	lp := b.terms[0]
	var err error
	for _, t := range b.terms[1:] {
		if lp, err = b.Binary(ir.BinaryOps["+"], lp, t); err != nil {
			return nil, err
		}
	}
	if !b.active[lp] {
		return nil, fmt.Errorf("internal error: the log density does not depend on the parameters")
	}
	sumOp := &chainSumOp{id: opCounter.Add(1), inputs: G.Nodes{lp}}
	cost, err := G.ApplyOp(sumOp, lp)
	if err != nil {
		return nil, fmt.Errorf("internal error: %w", err)
	}
	grads, err := G.Grad(cost, b.theta)
	if err != nil {
		return nil, fmt.Errorf("internal error: symbolic gradient: %w", err)
	}
	return newProgram(b, lp, grads[0])
}

// Program evaluates the log density of every chain and its gradient with respect to θ. It walks
// the graph's nodes in topological order and calls each op directly, so nothing is reallocated
// between calls except in gorgonia's own gradient additions.
type Program struct {
	chains, dim int
	theta       *tensor.Dense
	steps       []step
	lpIndex     int
	gradIndex   int
	vals        []G.Value
	graph       *G.ExprGraph
}

type step struct {
	op   G.Op
	args []int
	// into, when set, is a buffer the op writes its result into (UsePreallocDo) instead of
	// allocating: gorgonia's own additions that accumulate gradients would otherwise allocate a
	// chains-sized tensor per evaluation (1.7 MB per German credit gradient at 1024 chains).
	into *tensor.Dense
}

func newProgram(b *Builder, lp, grad *G.Node) (*Program, error) {
	sorted, err := G.Sort(b.g)
	if err != nil {
		return nil, fmt.Errorf("internal error: %w", err)
	}
	// G.Sort puts the root first; evaluation goes from the leaves.
	for i, j := 0, len(sorted)-1; i < j; i, j = i+1, j-1 {
		sorted[i], sorted[j] = sorted[j], sorted[i]
	}
	p := &Program{chains: b.chains, dim: b.dim, graph: b.g, lpIndex: -1, gradIndex: -1}
	p.theta = tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(b.chains, b.dim))
	index := make(map[*G.Node]int, len(sorted))
	p.vals = make([]G.Value, len(sorted))
	for i, n := range sorted {
		index[n] = i
		switch {
		case n == b.theta:
			p.vals[i] = p.theta
		case n.Op() == nil:
			p.vals[i] = n.Value()
		}
		if n == lp {
			p.lpIndex = i
		}
		if n == grad {
			p.gradIndex = i
		}
	}
	for _, n := range sorted {
		op := n.Op()
		s := step{op: op}
		if op != nil {
			if _, isConst := n.Value().(G.Value); isConst && len(argsOf(b.g, n)) == 0 {
				// constants carry their value and are not recomputed
				s.op = nil
			}
		}
		if s.op != nil {
			ins, args, err := argPositions(b.g, n, index)
			if err != nil {
				return nil, err
			}
			s.args = args
			s.into = preallocFor(n, ins)
		}
		p.steps = append(p.steps, s)
	}
	for i, n := range sorted {
		if p.steps[i].op == nil && p.vals[i] == nil {
			p.vals[i] = n.Value()
		}
	}
	if p.lpIndex < 0 || p.gradIndex < 0 {
		return nil, fmt.Errorf("internal error: outputs missing from the sorted graph")
	}
	return p, nil
}

// preallocFor returns an output buffer for a gorgonia op that can write into one, when its
// arguments have its shape (the elementwise gradient additions); nil otherwise.
func preallocFor(n *G.Node, ins []*G.Node) *tensor.Dense {
	switch n.Op().(type) {
	case *fusedOp, *backOp, *chainSumOp, *fillOp:
		return nil // ours keep their own buffers
	}
	if _, ok := n.Op().(G.UsePreallocDoer); !ok || n.Dtype() != tensor.Float64 {
		return nil
	}
	for _, in := range ins {
		if !in.Shape().Eq(n.Shape()) {
			return nil
		}
	}
	return tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(n.Shape().Clone()...))
}

func argsOf(g *G.ExprGraph, n *G.Node) []*G.Node {
	var out []*G.Node
	it := g.From(n.ID())
	for it.Next() {
		out = append(out, it.Node().(*G.Node))
	}
	return out
}

// argPositions is n's arguments in order with their positions in a program's steps (index), which
// are computed before n since the steps are in topological order.
func argPositions(g *G.ExprGraph, n *G.Node, index map[*G.Node]int) ([]*G.Node, []int, error) {
	ins, err := orderedArgs(g, n)
	if err != nil {
		return nil, nil, err
	}
	pos := make([]int, len(ins))
	for i, c := range ins {
		j, ok := index[c]
		if !ok {
			return nil, nil, fmt.Errorf("internal error: argument %v of %v is not in the graph", c, n)
		}
		pos[i] = j
	}
	return ins, pos, nil
}

// orderedArgs returns a node's arguments in order. Our ops record them; the only gorgonia ops in
// the graph are the additions that accumulate gradients, which are commutative.
func orderedArgs(g *G.ExprGraph, n *G.Node) ([]*G.Node, error) {
	switch op := n.Op().(type) {
	case *fusedOp:
		return op.inputs, nil
	case *backOp:
		return op.inputs, nil
	case *chainSumOp:
		return op.inputs, nil
	case *fillOp:
		return op.inputs, nil
	}
	args := argsOf(g, n)
	if n.Op().Arity() == 2 && len(args) == 1 {
		args = append(args, args[0]) // x + x: one edge, two arguments
	}
	if len(args) != n.Op().Arity() {
		return nil, fmt.Errorf("internal error: op %v has %d arguments, want %d", n.Op(), len(args), n.Op().Arity())
	}
	return args, nil
}

// Chains is the batch size C.
func (p *Program) Chains() int { return p.chains }

// Dim is the number of unconstrained coordinates n.
func (p *Program) Dim() int { return p.dim }

// LogDensityGrad evaluates every chain at theta (C×n, row-major), writing the log densities into
// logp (C) and the gradients into grad (C×n). Non-finite results are returned as they are: the
// sampler treats them as divergences.
func (p *Program) LogDensityGrad(theta, logp, grad []float64) error {
	copy(p.theta.Float64s(), theta)
	in := make([]G.Value, 0, 8)
	for i, s := range p.steps {
		if s.op == nil {
			continue
		}
		in = in[:0]
		for _, j := range s.args {
			in = append(in, p.vals[j])
		}
		var v G.Value
		var err error
		if s.into != nil {
			v, err = s.op.(G.UsePreallocDoer).UsePreallocDo(s.into, in...)
		} else {
			v, err = s.op.Do(in...)
		}
		if err != nil {
			return fmt.Errorf("internal error evaluating %v: %w", s.op, err)
		}
		p.vals[i] = v
	}
	lp := p.vals[p.lpIndex].(*tensor.Dense).Float64s()
	copy(logp, lp)
	g, ok := p.vals[p.gradIndex].(*tensor.Dense)
	if !ok {
		return fmt.Errorf("internal error: gradient is %T", p.vals[p.gradIndex])
	}
	copy(grad, g.Float64s())
	for c := range logp {
		if math.IsNaN(logp[c]) {
			logp[c] = math.Inf(-1)
		}
	}
	return nil
}

// Dot renders the graph in Graphviz DOT for --dump graph.
func (p *Program) Dot() string { return p.graph.ToDot() }
