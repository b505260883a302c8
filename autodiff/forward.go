package autodiff

import (
	"fmt"
	"math/rand/v2"

	"github.com/hmcc-dev/hmcc/dist"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Forward evaluates chosen nodes of a graph for a batch of chains, with no gradient: the
// reported quantities of a model (its lets, generated quantities and pointwise log-likelihood)
// computed by the same ops that compute its log density. Only the ancestors of the chosen nodes
// are evaluated. A Forward is not safe for concurrent use: its ops own their buffers.
type Forward struct {
	chains, dim int
	theta       *tensor.Dense
	steps       []step
	vals        []G.Value
	outs        []int // index into vals of each chosen node
	src         *drawSource
}

// drawSource is the random source of the draw ops of one graph: one stream per chain, set for
// each evaluation.
type drawSource struct{ rngs []*rand.Rand }

// CompileForward returns the executor of outs; no gradient is built.
func (b *Builder) CompileForward(outs []*G.Node) (*Forward, error) {
	sorted, err := G.Sort(b.g)
	if err != nil {
		return nil, fmt.Errorf("internal error: %w", err)
	}
	for i, j := 0, len(sorted)-1; i < j; i, j = i+1, j-1 { // leaves first
		sorted[i], sorted[j] = sorted[j], sorted[i]
	}
	need := map[*G.Node]bool{}
	var mark func(n *G.Node) error
	mark = func(n *G.Node) error {
		if need[n] {
			return nil
		}
		need[n] = true
		if n.Op() == nil {
			return nil
		}
		ins, err := orderedArgs(b.g, n)
		if err != nil {
			return err
		}
		for _, c := range ins {
			if err := mark(c); err != nil {
				return err
			}
		}
		return nil
	}
	for _, n := range outs {
		if err := mark(n); err != nil {
			return nil, err
		}
	}
	f := &Forward{chains: b.chains, dim: b.dim}
	f.theta = tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(b.chains, b.dim))
	index := map[*G.Node]int{}
	for _, n := range sorted {
		if !need[n] {
			continue
		}
		i := len(f.vals)
		index[n] = i
		s := step{}
		var v G.Value
		switch {
		case n == b.theta:
			v = f.theta
		case n.Op() == nil:
			v = n.Value()
		default:
			s.op = n.Op()
			if op, ok := s.op.(*fusedOp); ok {
				switch op.k.(type) {
				case *drawKernel, *multiDrawKernel:
					f.src = b.draws // this program draws: Eval needs the streams
				}
			}
			_, args, err := argPositions(b.g, n, index)
			if err != nil {
				return nil, err
			}
			s.args = args
		}
		f.vals = append(f.vals, v)
		f.steps = append(f.steps, s)
	}
	for _, n := range outs {
		f.outs = append(f.outs, index[n])
	}
	return f, nil
}

// Eval evaluates the chosen nodes at theta (chains × dim, row-major). rngs, one per chain, are
// the streams of the draw ops; nil when the chosen nodes need no draw.
func (f *Forward) Eval(theta []float64, rngs []*rand.Rand) error {
	if f.src != nil {
		if len(rngs) != f.chains {
			return fmt.Errorf("internal error: %d random sources for %d chains", len(rngs), f.chains)
		}
		f.src.rngs = rngs
		defer func() { f.src.rngs = nil }()
	}
	copy(f.theta.Float64s(), theta)
	in := make([]G.Value, 0, 8)
	for i, s := range f.steps {
		if s.op == nil {
			continue
		}
		in = in[:0]
		for _, j := range s.args {
			in = append(in, f.vals[j])
		}
		v, err := s.op.Do(in...)
		if err != nil {
			return fmt.Errorf("internal error evaluating %v: %w", s.op, err)
		}
		f.vals[i] = v
	}
	return nil
}

// Output returns the value of chosen node i after Eval, [rows × cols] row-major with rows 1
// (shared by every chain) or the chain count. The slice is the op's buffer: copy it.
func (f *Forward) Output(i int) (data []float64, rows, cols int) {
	t := f.vals[f.outs[i]].(*tensor.Dense)
	s := t.Shape()
	return t.Float64s(), s[0], s[1]
}

// Pointwise adds the log density of each element of x ~ d(args...), with broadcasting: the
// pointwise log-likelihood, [C or 1, K]. A distribution of vectors has one value per chain. It
// is not a term of the log density and has no gradient.
func (b *Builder) Pointwise(d *dist.Dist, x *G.Node, args ...*G.Node) (*G.Node, error) {
	in := append([]*G.Node{x}, args...)
	wrt := make([]bool, len(in))
	if d.Vector {
		return b.apply(&vectorDensityKernel{d: d, wrt: wrt}, in...)
	}
	return b.apply(&densityKernel{d: d, wrt: wrt, pointwise: true}, in...)
}

// MixturePointwise is Mixture's log density per element of x, [C or 1, N], with no gradient.
func (b *Builder) MixturePointwise(d *dist.Dist, x, w *G.Node, args ...*G.Node) (*G.Node, error) {
	in := append([]*G.Node{x, w}, args...)
	return b.apply(&mixtureKernel{d: d, wrt: make([]bool, len(in)), pointwise: true}, in...)
}

// MixtureOfPointwise is MixtureOf's log density per element of x, [C or 1, N], with no gradient.
func (b *Builder) MixtureOfPointwise(dists []*dist.Dist, x, w *G.Node, args [][]*G.Node) (*G.Node, error) {
	in := []*G.Node{x, w}
	nargs := make([]int, len(dists))
	for k, a := range args {
		in = append(in, a...)
		nargs[k] = len(a)
	}
	return b.apply(&mixtureOfKernel{dists: dists, nargs: nargs, wrt: make([]bool, len(in)), pointwise: true}, in...)
}

// Draw adds n draws from d(args...) per chain, [C, n], each chain from its own stream (set by
// Forward.Eval): element j from the arguments' element j, scalars broadcast, drawn in element
// order; a distribution of vectors draws the whole row at once. after, when not nil, is the
// draw op that must consume the streams first: draws happen in the order they are chained, so
// they do not depend on how the graph is sorted. A draw has no gradient.
func (b *Builder) Draw(d *dist.Dist, n int, after *G.Node, args ...*G.Node) (*G.Node, error) {
	if b.draws == nil {
		b.draws = &drawSource{}
	}
	k := &drawKernel{d: d, n: n, chains: b.chains, src: b.draws, nargs: len(args)}
	in := append([]*G.Node(nil), args...)
	if after != nil {
		in = append(in, after)
	}
	if len(in) == 0 { // an op needs an input: θ, which the draw does not read
		in = append(in, b.theta)
	}
	return b.apply(k, in...)
}

// drawKernel draws from a distribution for every chain; in[:nargs] are its arguments [C or 1,
// 1 or n], the rest only order it.
type drawKernel struct {
	d      *dist.Dist
	n      int
	chains int
	nargs  int
	src    *drawSource
	p      []float64
	vp     [][]float64
}

func (k *drawKernel) name() string { return "Draw" + k.d.Name }
func (k *drawKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	for _, s := range in[:k.nargs] {
		if len(s) != 2 || (s[0] != 1 && s[0] != k.chains) || (s[1] != 1 && s[1] != k.n) {
			return nil, fmt.Errorf("autodiff: draw argument of shape %v for %d chains of %d values", s, k.chains, k.n)
		}
	}
	return tensor.Shape{k.chains, k.n}, nil
}
func (k *drawKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	o := out.Float64s()
	if k.p == nil {
		k.p, k.vp = make([]float64, k.nargs), make([][]float64, k.nargs)
		for i := range k.vp {
			k.vp[i] = make([]float64, k.n)
		}
	}
	for r := 0; r < k.chains; r++ {
		rng := k.src.rngs[r]
		row := o[r*k.n : (r+1)*k.n]
		if k.d.Vector {
			for i := range k.vp {
				l, v := layoutOf(in[i].Shape()), in[i].Float64s()
				for j := range k.vp[i] {
					k.vp[i][j] = v[r*l.rs+j*l.cs]
				}
			}
			k.d.VectorRand(rng, k.vp, row)
			continue
		}
		for j := range row {
			for i := range k.p {
				l, v := layoutOf(in[i].Shape()), in[i].Float64s()
				k.p[i] = v[r*l.rs+j*l.cs]
			}
			row[j] = k.d.Rand(rng, k.p)
		}
	}
}
func (k *drawKernel) backward(int, []*tensor.Dense, *tensor.Dense, *tensor.Dense, *tensor.Dense) {
	panic("internal error: a draw has no gradient")
}
