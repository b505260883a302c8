// Package autodiff holds hmcc's differentiable gorgonia ops and the executor that evaluates a
// log-density graph and the gradient gorgonia derives from it.
//
// Every value in a graph is a 2-D float64 tensor [rows, cols]. For a batch of C chains a
// per-chain quantity of K elements is [C, K]; data and constants shared by all chains are
// [1, K] and broadcast over rows; a per-chain scalar is [C, 1]. Ops own their output buffers, so
// an evaluation after the first allocates only in gorgonia's own gradient-accumulation adds.
package autodiff

import (
	"fmt"
	"hash"
	"hash/fnv"
	"sync/atomic"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// kernel is the numerical core of a differentiable op.
type kernel interface {
	name() string
	// shape returns the output shape for the given input shapes, or an error.
	shape(in []tensor.Shape) (tensor.Shape, error)
	// forward writes the output into out.
	forward(in []*tensor.Dense, out *tensor.Dense)
	// backward writes d(sum g·out)/d(in[i]) into dst, which has the shape of in[i].
	backward(i int, in []*tensor.Dense, out, g, dst *tensor.Dense)
}

var opCounter atomic.Uint64

// fusedOp adapts a kernel to gorgonia's Op and SDOp interfaces. wrt marks the inputs the
// gradient flows to (those that depend on the parameters); data inputs get none.
type fusedOp struct {
	k      kernel
	wrt    []bool
	id     uint64
	out    *tensor.Dense
	inputs G.Nodes // recorded so the executor knows the argument order
}

func newFused(k kernel, wrt []bool) *fusedOp {
	return &fusedOp{k: k, wrt: wrt, id: opCounter.Add(1)}
}

func matrixType(n int, scalarOut bool) hm.Type {
	a := hm.TypeVariable('a')
	t := G.TensorType{Dims: 2, Of: a}
	ts := make([]hm.Type, 0, n+1)
	for i := 0; i < n; i++ {
		ts = append(ts, t)
	}
	if scalarOut {
		ts = append(ts, a)
	} else {
		ts = append(ts, t)
	}
	return hm.NewFnType(ts...)
}

func shapesOf(in []G.DimSizer) ([]tensor.Shape, error) {
	out := make([]tensor.Shape, len(in))
	for i, d := range in {
		s, ok := d.(tensor.Shape)
		if !ok {
			return nil, fmt.Errorf("autodiff: input %d has no concrete shape", i)
		}
		out[i] = s
	}
	return out, nil
}

func (op *fusedOp) Arity() int    { return len(op.wrt) }
func (op *fusedOp) Type() hm.Type { return matrixType(len(op.wrt), false) }
func (op *fusedOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := shapesOf(in)
	if err != nil {
		return nil, err
	}
	return op.k.shape(s)
}
func (op *fusedOp) ReturnsPtr() bool      { return false }
func (op *fusedOp) CallsExtern() bool     { return false }
func (op *fusedOp) OverwritesInput() int  { return -1 }
func (op *fusedOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op *fusedOp) Hashcode() uint32      { return hashString(op.String()) }
func (op *fusedOp) String() string        { return fmt.Sprintf("%s#%d", op.k.name(), op.id) }

func (op *fusedOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseInputs(vals)
	if err != nil {
		return nil, err
	}
	if op.out == nil {
		shapes := make([]tensor.Shape, len(in))
		for i, t := range in {
			shapes[i] = t.Shape()
		}
		s, err := op.k.shape(shapes)
		if err != nil {
			return nil, err
		}
		op.out = tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(s...))
	}
	op.k.forward(in, op.out)
	return op.out, nil
}

func (op *fusedOp) DiffWRT(n int) []bool { return op.wrt }

func (op *fusedOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	grads := make(G.Nodes, len(inputs))
	for i := range inputs {
		if !op.wrt[i] {
			continue
		}
		b := &backOp{fwd: op, i: i, id: opCounter.Add(1)}
		args := append(append(G.Nodes{}, inputs...), output, grad)
		b.inputs = args
		n, err := G.ApplyOp(b, args...)
		if err != nil {
			return nil, err
		}
		grads[i] = n
	}
	return grads, nil
}

// backOp computes the gradient of a fusedOp with respect to its input i. Its arguments are the
// forward inputs, the forward output and the upstream gradient.
type backOp struct {
	fwd    *fusedOp
	i      int
	id     uint64
	out    *tensor.Dense
	inputs G.Nodes
}

func (op *backOp) Arity() int { return len(op.fwd.wrt) + 2 }
func (op *backOp) Type() hm.Type {
	return matrixType(len(op.fwd.wrt)+2, false)
}
func (op *backOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	s, err := shapesOf(in)
	if err != nil {
		return nil, err
	}
	return s[op.i].Clone(), nil
}
func (op *backOp) ReturnsPtr() bool      { return false }
func (op *backOp) CallsExtern() bool     { return false }
func (op *backOp) OverwritesInput() int  { return -1 }
func (op *backOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op *backOp) Hashcode() uint32      { return hashString(op.String()) }
func (op *backOp) String() string {
	return fmt.Sprintf("d%s/d%d#%d", op.fwd.k.name(), op.i, op.id)
}

func (op *backOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseInputs(vals)
	if err != nil {
		return nil, err
	}
	n := len(op.fwd.wrt)
	if op.out == nil {
		op.out = tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(in[op.i].Shape()...))
	}
	op.fwd.k.backward(op.i, in[:n], in[n], in[n+1], op.out)
	return op.out, nil
}

func denseInputs(vals []G.Value) ([]*tensor.Dense, error) {
	in := make([]*tensor.Dense, len(vals))
	for i, v := range vals {
		d, ok := v.(*tensor.Dense)
		if !ok {
			return nil, fmt.Errorf("autodiff: input %d is %T, want a float64 matrix", i, v)
		}
		in[i] = d
	}
	return in, nil
}

func hashString(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}

// chainSumOp turns the per-chain log densities [C,1] into the scalar cost gorgonia
// differentiates. Chains are independent, so d cost/d θ[c] is chain c's gradient.
type chainSumOp struct {
	id     uint64
	out    G.F64
	inputs G.Nodes
}

func (op *chainSumOp) Arity() int    { return 1 }
func (op *chainSumOp) Type() hm.Type { return matrixType(1, true) }
func (op *chainSumOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.ScalarShape(), nil
}
func (op *chainSumOp) ReturnsPtr() bool      { return false }
func (op *chainSumOp) CallsExtern() bool     { return false }
func (op *chainSumOp) OverwritesInput() int  { return -1 }
func (op *chainSumOp) WriteHash(h hash.Hash) { fmt.Fprint(h, op.String()) }
func (op *chainSumOp) Hashcode() uint32      { return hashString(op.String()) }
func (op *chainSumOp) String() string        { return fmt.Sprintf("ChainSum#%d", op.id) }
func (op *chainSumOp) Do(vals ...G.Value) (G.Value, error) {
	d, ok := vals[0].(*tensor.Dense)
	if !ok {
		return nil, fmt.Errorf("autodiff: ChainSum input is %T", vals[0])
	}
	s := 0.0
	for _, v := range d.Float64s() {
		s += v
	}
	op.out = G.F64(s)
	return &op.out, nil
}
func (op *chainSumOp) DiffWRT(int) []bool { return []bool{true} }
func (op *chainSumOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	b := &fillOp{id: opCounter.Add(1), shape: inputs[0].Shape()}
	b.inputs = G.Nodes{grad}
	n, err := G.ApplyOp(b, grad)
	return G.Nodes{n}, err
}

// fillOp broadcasts the scalar upstream gradient of ChainSum to every chain.
type fillOp struct {
	id     uint64
	shape  tensor.Shape
	out    *tensor.Dense
	inputs G.Nodes
}

func (op *fillOp) Arity() int { return 1 }
func (op *fillOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, G.TensorType{Dims: 2, Of: a})
}
func (op *fillOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.shape.Clone(), nil }
func (op *fillOp) ReturnsPtr() bool                               { return false }
func (op *fillOp) CallsExtern() bool                              { return false }
func (op *fillOp) OverwritesInput() int                           { return -1 }
func (op *fillOp) WriteHash(h hash.Hash)                          { fmt.Fprint(h, op.String()) }
func (op *fillOp) Hashcode() uint32                               { return hashString(op.String()) }
func (op *fillOp) String() string                                 { return fmt.Sprintf("Fill#%d", op.id) }
func (op *fillOp) Do(vals ...G.Value) (G.Value, error) {
	g, err := scalarValue(vals[0])
	if err != nil {
		return nil, err
	}
	if op.out == nil {
		op.out = tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(op.shape...))
	}
	d := op.out.Float64s()
	for i := range d {
		d[i] = g
	}
	return op.out, nil
}

func scalarValue(v G.Value) (float64, error) {
	switch s := v.(type) {
	case *G.F64:
		return float64(*s), nil
	}
	if d, ok := v.Data().(float64); ok {
		return d, nil
	}
	return 0, fmt.Errorf("autodiff: want a float64 scalar, got %T", v)
}
