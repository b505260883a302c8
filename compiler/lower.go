package compiler

import (
	"github.com/hmcc-dev/hmcc/autodiff"
	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/dist"
	"github.com/hmcc-dev/hmcc/ir"
)

// Lower builds the log density of a bound model as one gorgonia graph for a batch of chains:
// θ is [chains × dim] and every data product is one matrix product for all chains. The gradient
// is gorgonia's symbolic derivative of that graph.
func Lower(m *ir.Model, chains int) (*autodiff.Program, error) {
	return LowerWith(m, chains, Options{})
}

// Options choose how a model is evaluated without changing what is evaluated.
type Options struct {
	// Float32Products computes the matrix products (X @ w) in float32 (--precision float32):
	// rounding of about 1e-7 relative in each product, every other step in float64.
	Float32Products bool
}

// LowerWith is Lower with options.
func LowerWith(m *ir.Model, chains int, opt Options) (*autodiff.Program, error) {
	if !m.Bound() {
		return nil, diag.Internalf("lowering a model with no data bound")
	}
	l, err := newLowering(m, chains, opt)
	if err != nil {
		return nil, err
	}
	for _, p := range m.Params {
		if err := l.term(p.Prior); err != nil {
			return nil, err
		}
	}
	for _, t := range m.Terms {
		if err := l.term(t); err != nil {
			return nil, err
		}
	}
	return l.b.Compile()
}

// LowerParallel lowers the model once per block of chains (autodiff.Blocks: fixed by the chain
// count, so the draws never depend on the thread count), each with its own graph and buffers,
// and evaluates the blocks on at most `threads` goroutines.
func LowerParallel(m *ir.Model, chains, threads int) (*autodiff.Parallel, error) {
	return LowerParallelWith(m, chains, threads, Options{})
}

// LowerParallelWith is LowerParallel with options.
func LowerParallelWith(m *ir.Model, chains, threads int, opt Options) (*autodiff.Parallel, error) {
	var parts []*autodiff.Program
	for _, n := range autodiff.Blocks(chains) {
		p, err := LowerWith(m, n, opt)
		if err != nil {
			return nil, err
		}
		parts = append(parts, p)
	}
	return autodiff.NewParallelWorkers(parts, threads)
}

type lowering struct {
	b      *autodiff.Builder
	params map[*ir.ParamVar]autodiff.Node
	data   map[*ir.DataVar]autodiff.Node
	lets   map[*ir.LetVar]autodiff.Node
	gens   map[*ir.GenVar]autodiff.Node // generated quantities (outputs.go)
	sizes  ir.Sizes
	// lastDraw is the latest draw of a generated quantity: the next one is chained after it,
	// so the draws consume their stream in the order ir.Eval's Generate made them.
	lastDraw autodiff.Node
}

// newLowering starts the graph of a bound model for a batch of chains: every parameter
// constrained from its coordinates of θ, its log-Jacobian a term of the log density.
func newLowering(m *ir.Model, chains int, opt Options) (*lowering, error) {
	l := &lowering{b: autodiff.NewBuilder(chains, m.Dim()), params: map[*ir.ParamVar]autodiff.Node{},
		data: map[*ir.DataVar]autodiff.Node{}, lets: map[*ir.LetVar]autodiff.Node{},
		gens: map[*ir.GenVar]autodiff.Node{}, sizes: m.Sizes}
	if opt.Float32Products {
		l.b.SingleProducts()
	}
	for _, p := range m.Params {
		n, err := l.b.Param(p.Offset, p.Len, p.Constraint)
		if err != nil {
			return nil, err
		}
		l.params[p] = n
	}
	return l, nil
}

// termNodes are a term's lowered operands: the variate, the arguments or, for a mixture, the
// weights and the components' distributions and arguments.
type termNodes struct {
	x, w  autodiff.Node
	args  []autodiff.Node
	dists []*dist.Dist
	cargs [][]autodiff.Node
}

// termNodes lowers a term's variate and arguments; a matrix (a parameter's prior Normal(M, s)
// with M a matrix of data or of parameters) is read flattened, as the parameter is.
func (l *lowering) termNodes(t *ir.Term) (*termNodes, error) {
	x, err := l.flat(t.Variate)
	if err != nil {
		return nil, err
	}
	tn := &termNodes{x: x, args: make([]autodiff.Node, len(t.Args))}
	for i, a := range t.Args {
		if tn.args[i], err = l.flat(a); err != nil {
			return nil, err
		}
	}
	if t.Weights == nil {
		return tn, nil
	}
	if tn.w, err = l.flat(t.Weights); err != nil {
		return nil, err
	}
	if t.Components != nil {
		tn.dists = make([]*dist.Dist, len(t.Components))
		tn.cargs = make([][]autodiff.Node, len(t.Components))
		for k, c := range t.Components {
			tn.dists[k] = c.Dist
			for _, a := range c.Args {
				n, err := l.flat(a)
				if err != nil {
					return nil, err
				}
				tn.cargs[k] = append(tn.cargs[k], n)
			}
		}
	}
	return tn, nil
}

// term adds t's log density to the log density.
func (l *lowering) term(t *ir.Term) error {
	if t.Dist.Multi != nil {
		return l.multiTerm(t) // lower_matrix.go
	}
	tn, err := l.termNodes(t)
	if err != nil {
		return err
	}
	switch {
	case t.Weights != nil && t.Components != nil:
		return l.b.MixtureOf(tn.dists, tn.x, tn.w, tn.cargs)
	case t.Weights != nil:
		return l.b.Mixture(t.Dist, tn.x, tn.w, tn.args...)
	}
	return l.b.LogDensity(t.Dist, tn.x, tn.args...)
}

// pointwise lowers t's log density per element of its variate (the pointwise log-likelihood),
// a node of its own outside the log density.
func (l *lowering) pointwise(t *ir.Term) (autodiff.Node, error) {
	if t.Dist.Multi != nil {
		return l.multiPointwise(t) // lower_matrix.go
	}
	tn, err := l.termNodes(t)
	if err != nil {
		return nil, err
	}
	switch {
	case t.Weights != nil && t.Components != nil:
		return l.b.MixtureOfPointwise(tn.dists, tn.x, tn.w, tn.cargs)
	case t.Weights != nil:
		return l.b.MixturePointwise(t.Dist, tn.x, tn.w, tn.args...)
	}
	return l.b.Pointwise(t.Dist, tn.x, tn.args...)
}

// generated lowers a generated quantity once: its expression, or a draw from its distribution
// chained after the previous draw.
func (l *lowering) generated(g *ir.GenVar) (autodiff.Node, error) {
	if n, ok := l.gens[g]; ok {
		return n, nil
	}
	if g.Term == nil {
		n, err := l.expr(g.Value)
		if err != nil {
			return nil, err
		}
		l.gens[g] = n
		return n, nil
	}
	multi := g.Term.Dist.Multi != nil
	args := make([]autodiff.Node, len(g.Term.Args))
	for i, a := range g.Term.Args {
		var err error
		if multi { // a matrix argument flattened, as the multivariate densities read it
			args[i], err = l.flat(a)
		} else {
			args[i], err = l.expr(a)
		}
		if err != nil {
			return nil, err
		}
	}
	var n autodiff.Node
	var err error
	if multi {
		s := l.sizes.Resolve(g.Shape)
		n, err = l.b.DrawMulti(g.Term.Dist, s[len(s)-1], l.sizes.Len(g.Shape), l.lastDraw, args...)
	} else {
		n, err = l.b.Draw(g.Term.Dist, l.sizes.Len(g.Shape), l.lastDraw, args...)
	}
	if err != nil {
		return nil, err
	}
	l.lastDraw = n
	l.gens[g] = n
	return n, nil
}

// constant places a data value in the graph: a vector becomes one row [1, K] shared by all
// chains, a matrix keeps its shape for @.
func (l *lowering) constant(t *ir.Tensor) autodiff.Node {
	switch len(t.Shape) {
	case 2:
		return l.b.Constant(t.Shape[0], t.Shape[1], t.Data)
	default:
		return l.b.Constant(1, len(t.Data), t.Data)
	}
}

func (l *lowering) expr(e ir.Expr) (autodiff.Node, error) {
	switch e.(type) {
	case *ir.Const, *ir.Folded, *ir.DataRef, *ir.LetRef:
	default:
		if !e.DependsOnParams() {
			// Bind folds every data-only subexpression; one that reaches here unfolded (a
			// model lowered by hand in a test) is computed now, once, not in the graph.
			v, err := ir.Eval(e, ir.NewEnv(l.sizes, nil))
			if err != nil {
				return nil, diag.Internalf("evaluating data: %w", err)
			}
			return l.constant(v), nil
		}
	}
	if n, ok, err := l.lowerIndexed(e); ok {
		return n, err
	}
	switch e := e.(type) {
	case *ir.Const:
		return l.b.Constant(1, 1, []float64{e.Value}), nil
	case *ir.Folded:
		return l.constant(e.Value), nil
	case *ir.DataRef:
		if n, ok := l.data[e.Var]; ok {
			return n, nil
		}
		n := l.constant(e.Var.Value)
		l.data[e.Var] = n
		return n, nil
	case *ir.ParamRef:
		return l.params[e.Var], nil
	case *ir.LetRef:
		if n, ok := l.lets[e.Var]; ok {
			return n, nil
		}
		n, err := l.expr(e.Var.Value)
		if err != nil {
			return nil, err
		}
		l.lets[e.Var] = n
		return n, nil
	case *ir.GenRef:
		return l.generated(e.Var)
	case *ir.Unary:
		x, err := l.expr(e.X)
		if err != nil {
			return nil, err
		}
		return l.b.Unary(e.Func, x)
	case *ir.Binary:
		// a matrix operand is read flattened, as every matrix of parameters is (a data matrix
		// is placed [rows, cols] only for M @ v)
		operand := l.expr
		if len(e.Shape()) == 2 {
			operand = l.flat
		}
		a, err := operand(e.L)
		if err != nil {
			return nil, err
		}
		b, err := operand(e.R)
		if err != nil {
			return nil, err
		}
		return l.b.Binary(e.Op, a, b)
	case *ir.MatVec:
		m, err := l.expr(e.M)
		if err != nil {
			return nil, err
		}
		v, err := l.expr(e.V)
		if err != nil {
			return nil, err
		}
		return l.b.MatVec(m, v)
	case *ir.Gather:
		x, err := l.expr(e.X)
		if err != nil {
			return nil, err
		}
		idx := make([]int, len(e.Index.Value.Data))
		for i, g := range e.Index.Value.Data {
			idx[i] = int(g) - 1
		}
		return l.b.Gather(x, idx)
	case *ir.Sum:
		x, err := l.expr(e.X)
		if err != nil {
			return nil, err
		}
		return l.b.Sum(x)
	case *ir.Mean:
		x, err := l.expr(e.X)
		if err != nil {
			return nil, err
		}
		return l.b.Mean(x)
	case *ir.LogSumExp:
		x, err := l.expr(e.X)
		if err != nil {
			return nil, err
		}
		return l.b.LogSumExp(x)
	case *ir.MatFunc:
		return l.matFunc(e) // lower_matrix.go
	case *ir.Dot:
		a, err := l.expr(e.A)
		if err != nil {
			return nil, err
		}
		b, err := l.expr(e.B)
		if err != nil {
			return nil, err
		}
		return l.b.Dot(a, b)
	}
	return nil, diag.Internalf("cannot lower %T", e)
}
