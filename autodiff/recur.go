package autodiff

import (
	"fmt"

	"github.com/hmcc-dev/hmcc/ir"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// RecurOp is the kind of one instruction of a recurrence's step.
type RecurOp int

const (
	RecurConst  RecurOp = iota // Val
	RecurInput                 // input In, a value per chain [R or 1, 1]
	RecurAt                    // input In, a vector, at element t + Off (0-based t)
	RecurLag                   // the recurrence's own element t − K
	RecurIndex                 // t, 1-based, as a number
	RecurUnary                 // Unary(A)
	RecurBinary                // Binary(A, B)
	RecurSelect                // A if C ≠ 0, else B
)

// RecurInstr is one instruction of a step; operands A, B, C are earlier instructions.
type RecurInstr struct {
	Op      RecurOp
	Val     float64
	In      int
	Off     int
	K       int
	Unary   *ir.UnaryFunc
	Binary  *ir.BinaryOp
	A, B, C int
}

// Recur adds x[0:k] = init, x[t] = step(t) for t = k … n−1 (0-based), for every chain at once.
// init is [C or 1, k]; inputs are the step's other operands, numbers [C or 1, 1] and vectors
// [C or 1, m]; the step is a tape whose last instruction is the value. The result is
// [C or 1, n]. The whole recurrence is one fused op: a forward sweep over t and, for the
// gradient, one backward sweep of the adjoint recursion.
func (b *Builder) Recur(n int, step []RecurInstr, init *G.Node, inputs ...*G.Node) (*G.Node, error) {
	if len(step) == 0 {
		return nil, fmt.Errorf("internal error: a recurrence with an empty step")
	}
	k := &recurKernel{n: n, step: append([]RecurInstr(nil), step...)}
	wrt := make([]bool, len(inputs))
	for i, in := range inputs {
		wrt[i] = b.active[in]
	}
	k.plan(wrt)
	return b.apply(k, append([]*G.Node{init}, inputs...)...)
}

// plan marks the instructions whose adjoints matter: those that depend on an input the gradient
// flows to or on the recurrence's own past (wrt[i] for input i). The backward sweep skips the
// others, so a data column or a constant exponent costs nothing there; x^2 with a constant 2 is
// marked square and computed as x·x.
func (k *recurKernel) plan(wrt []bool) {
	k.active = make([]bool, len(k.step))
	k.square = make([]bool, len(k.step))
	for j, ins := range k.step {
		switch ins.Op {
		case RecurInput, RecurAt:
			k.active[j] = ins.In < len(wrt) && wrt[ins.In]
		case RecurLag:
			k.active[j] = true
		case RecurUnary:
			k.active[j] = k.active[ins.A]
		case RecurBinary:
			k.active[j] = k.active[ins.A] || k.active[ins.B]
			b := k.step[ins.B]
			k.square[j] = ins.Binary.Symbol == "^" && b.Op == RecurConst && b.Val == 2
		case RecurSelect:
			k.active[j] = k.active[ins.A] || k.active[ins.B]
		}
	}
}

// recurKernel evaluates a recurrence; in[0] is its first values, in[1+i] its step's input i.
//
// Forward, for t = k … n−1 and each instruction j of the step, the values of every chain are
// computed together and kept (vals), so the backward sweep needs no recomputation. Backward
// runs t from n−1 down to k: the adjoint of x[t] (its upstream gradient plus what later steps
// added through lags) is pushed back through the step's instructions, which adds to the inputs'
// adjoints and to the adjoints of x[t−K]; the first values take the adjoints of x[0:k]. One
// sweep serves every input: the backward op of each input copies its share.
type recurKernel struct {
	n    int
	step []RecurInstr
	// active and square are set by plan; nil (as in a kernel built by hand) means every
	// instruction is active and none is squared.
	active, square []bool

	vals  []float64   // [(t*len(step) + j)*R + r]
	adj   []float64   // [len(step)*R], one step's adjoints
	adjX  []float64   // [R*n] adjoints of the recurrence
	adjIn [][]float64 // per input, its shape
	data  [][]float64 // the inputs' values, set by forward
	lays  []layout    // the inputs' layouts, set by forward
	fwd   uint64      // forward evaluations so far
	swept uint64      // the forward evaluation the adjoints belong to
}

func (k *recurKernel) name() string { return "Recur" }

func (k *recurKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	R := 1
	for _, s := range in {
		if len(s) != 2 {
			return nil, fmt.Errorf("autodiff: recurrence input of shape %v", s)
		}
		if s[0] > 1 {
			if R > 1 && s[0] != R {
				return nil, fmt.Errorf("autodiff: recurrence inputs for %d and %d chains", R, s[0])
			}
			R = s[0]
		}
	}
	kk := in[0][1]
	if kk > k.n {
		return nil, fmt.Errorf("autodiff: %d first values for a recurrence of %d", kk, k.n)
	}
	for _, ins := range k.step {
		switch ins.Op {
		case RecurInput, RecurAt:
			if ins.In < 0 || ins.In+1 >= len(in) {
				return nil, fmt.Errorf("autodiff: recurrence input %d of %d", ins.In, len(in)-1)
			}
		}
		if ins.Op == RecurAt {
			m := in[ins.In+1][1]
			if kk+ins.Off < 0 || k.n-1+ins.Off >= m {
				return nil, fmt.Errorf("autodiff: recurrence reads elements %d…%d of a vector of %d", kk+ins.Off, k.n-1+ins.Off, m)
			}
		}
		if ins.Op == RecurLag && (ins.K < 1 || ins.K > kk) {
			return nil, fmt.Errorf("autodiff: recurrence lag %d with %d first values", ins.K, kk)
		}
	}
	return tensor.Shape{R, k.n}, nil
}

func (k *recurKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	k.fwd++
	R, n, M := out.Shape()[0], k.n, len(k.step)
	if len(k.vals) != n*M*R {
		k.vals = make([]float64, n*M*R)
	}
	o := out.Float64s()
	init, li := in[0].Float64s(), layoutOf(in[0].Shape())
	kk := in[0].Shape()[1]
	for r := 0; r < R; r++ {
		for j := 0; j < kk; j++ {
			o[r*n+j] = init[r*li.rs+j*li.cs]
		}
	}
	if len(k.data) != len(in) { // kept between calls: this runs once per leapfrog step
		k.data, k.lays = make([][]float64, len(in)), make([]layout, len(in))
	}
	data, lays := k.data, k.lays
	for i, t := range in {
		data[i], lays[i] = t.Float64s(), layoutOf(t.Shape())
	}
	for t := kk; t < n; t++ {
		base := t * M * R
		for j := range k.step {
			ins := &k.step[j]
			v := k.vals[base+j*R : base+(j+1)*R]
			switch ins.Op {
			case RecurConst:
				for r := range v {
					v[r] = ins.Val
				}
			case RecurInput:
				x, l := data[ins.In+1], lays[ins.In+1]
				for r := range v {
					v[r] = x[r*l.rs]
				}
			case RecurAt:
				x, l := data[ins.In+1], lays[ins.In+1]
				c := (t + ins.Off) * l.cs
				for r := range v {
					v[r] = x[r*l.rs+c]
				}
			case RecurLag:
				for r := range v {
					v[r] = o[r*n+t-ins.K]
				}
			case RecurIndex:
				for r := range v {
					v[r] = float64(t + 1)
				}
			case RecurUnary:
				a := k.vals[base+ins.A*R : base+(ins.A+1)*R]
				for r := range v {
					v[r] = ins.Unary.F(a[r])
				}
			case RecurBinary:
				a := k.vals[base+ins.A*R : base+(ins.A+1)*R]
				b := k.vals[base+ins.B*R : base+(ins.B+1)*R]
				switch ins.Binary.Symbol { // the common operators without the indirect call
				case "^":
					if k.square != nil && k.square[j] {
						for r := range v {
							v[r] = a[r] * a[r]
						}
						break
					}
					for r := range v {
						v[r] = ins.Binary.F(a[r], b[r])
					}
				case "+":
					for r := range v {
						v[r] = a[r] + b[r]
					}
				case "-":
					for r := range v {
						v[r] = a[r] - b[r]
					}
				case "*":
					for r := range v {
						v[r] = a[r] * b[r]
					}
				default:
					for r := range v {
						v[r] = ins.Binary.F(a[r], b[r])
					}
				}
			case RecurSelect:
				a := k.vals[base+ins.A*R : base+(ins.A+1)*R]
				b := k.vals[base+ins.B*R : base+(ins.B+1)*R]
				c := k.vals[base+ins.C*R : base+(ins.C+1)*R]
				for r := range v {
					if c[r] != 0 {
						v[r] = a[r]
					} else {
						v[r] = b[r]
					}
				}
			}
		}
		root := k.vals[base+(M-1)*R : base+M*R]
		for r, x := range root {
			o[r*n+t] = x
		}
	}
}

// sweep computes the adjoints of every input for the upstream gradient g.
func (k *recurKernel) sweep(in []*tensor.Dense, g *tensor.Dense) {
	R, n, M := g.Shape()[0], k.n, len(k.step)
	gd := g.Float64s()
	if len(k.adjX) != R*n {
		k.adjX, k.adj = make([]float64, R*n), make([]float64, M*R)
	}
	if k.adjIn == nil {
		k.adjIn = make([][]float64, len(in))
		for i, t := range in {
			k.adjIn[i] = make([]float64, len(t.Float64s()))
		}
	}
	copy(k.adjX, gd)
	for _, a := range k.adjIn {
		zero(a)
	}
	lays := k.lays // forward set them for these inputs
	kk := in[0].Shape()[1]
	adj := k.adj
	for t := n - 1; t >= kk; t-- {
		base := t * M * R
		zero(adj)
		root := adj[(M-1)*R : M*R]
		for r := range root {
			root[r] = k.adjX[r*n+t]
		}
		for j := M - 1; j >= 0; j-- {
			if k.active != nil && !k.active[j] {
				continue
			}
			ins := &k.step[j]
			a := adj[j*R : (j+1)*R]
			switch ins.Op {
			case RecurInput:
				d, l := k.adjIn[ins.In+1], lays[ins.In+1]
				for r, v := range a {
					d[r*l.rs] += v
				}
			case RecurAt:
				d, l := k.adjIn[ins.In+1], lays[ins.In+1]
				c := (t + ins.Off) * l.cs
				for r, v := range a {
					d[r*l.rs+c] += v
				}
			case RecurLag:
				for r, v := range a {
					k.adjX[r*n+t-ins.K] += v
				}
			case RecurUnary:
				x := k.vals[base+ins.A*R : base+(ins.A+1)*R]
				y := k.vals[base+j*R : base+(j+1)*R]
				da := adj[ins.A*R : (ins.A+1)*R]
				for r, v := range a {
					da[r] += v * ins.Unary.D(x[r], y[r])
				}
			case RecurBinary:
				x := k.vals[base+ins.A*R : base+(ins.A+1)*R]
				z := k.vals[base+ins.B*R : base+(ins.B+1)*R]
				y := k.vals[base+j*R : base+(j+1)*R]
				da, db := adj[ins.A*R:(ins.A+1)*R], adj[ins.B*R:(ins.B+1)*R]
				switch ins.Binary.Symbol {
				case "+":
					for r, v := range a {
						da[r] += v
						db[r] += v
					}
				case "-":
					for r, v := range a {
						da[r] += v
						db[r] -= v
					}
				case "*":
					for r, v := range a {
						da[r] += v * z[r]
						db[r] += v * x[r]
					}
				case "^":
					if k.square != nil && k.square[j] {
						for r, v := range a {
							da[r] += 2 * v * x[r]
						}
						break
					}
					fallthrough
				default:
					if ins.Binary.Comparison() {
						break // flat: no gradient
					}
					for r, v := range a {
						da[r] += v * ins.Binary.DA(x[r], z[r], y[r])
						db[r] += v * ins.Binary.DB(x[r], z[r], y[r])
					}
				}
			case RecurSelect:
				c := k.vals[base+ins.C*R : base+(ins.C+1)*R]
				da, db := adj[ins.A*R:(ins.A+1)*R], adj[ins.B*R:(ins.B+1)*R]
				for r, v := range a {
					if c[r] != 0 {
						da[r] += v
					} else {
						db[r] += v
					}
				}
			}
		}
	}
	d, l := k.adjIn[0], lays[0]
	for r := 0; r < R; r++ {
		for j := 0; j < kk; j++ {
			d[r*l.rs+j*l.cs] += k.adjX[r*n+j]
		}
	}
	k.swept = k.fwd
}

func (k *recurKernel) backward(i int, in []*tensor.Dense, _, g, dst *tensor.Dense) {
	if k.swept != k.fwd || k.adjIn == nil {
		k.sweep(in, g)
	}
	copy(dst.Float64s(), k.adjIn[i])
}

// Select adds ifelse(c, a, b): a where c ≠ 0 and b elsewhere, elementwise with broadcasting.
func (b *Builder) Select(c, x, y *G.Node) (*G.Node, error) {
	return b.apply(selectKernel{}, c, x, y)
}

// Slice takes count elements of x from first (0-based) for every chain: x is [C or 1, m], the
// result [C or 1, count]. It is a gather of consecutive elements; its gradient scatters back.
func (b *Builder) Slice(x *G.Node, first, count int) (*G.Node, error) {
	idx := make([]int, count)
	for i := range idx {
		idx[i] = first + i
	}
	return b.Gather(x, idx)
}

// selectKernel is ifelse(c, a, b); the condition gets no gradient (it is flat where defined).
type selectKernel struct{}

func (selectKernel) name() string { return "Select" }
func (selectKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	return broadcastShape(in)
}
func (selectKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	c, a, b, o := in[0].Float64s(), in[1].Float64s(), in[2].Float64s(), out.Float64s()
	lc, la, lb := layoutOf(in[0].Shape()), layoutOf(in[1].Shape()), layoutOf(in[2].Shape())
	R, K := out.Shape()[0], out.Shape()[1]
	for r := 0; r < R; r++ {
		for j := 0; j < K; j++ {
			if c[r*lc.rs+j*lc.cs] != 0 {
				o[r*K+j] = a[r*la.rs+j*la.cs]
			} else {
				o[r*K+j] = b[r*lb.rs+j*lb.cs]
			}
		}
	}
}
func (selectKernel) backward(i int, in []*tensor.Dense, out, g, dst *tensor.Dense) {
	d := dst.Float64s()
	zero(d)
	if i == 0 {
		return
	}
	c, gd := in[0].Float64s(), g.Float64s()
	lc, ld := layoutOf(in[0].Shape()), layoutOf(in[i].Shape())
	R, K := out.Shape()[0], out.Shape()[1]
	for r := 0; r < R; r++ {
		for j := 0; j < K; j++ {
			if (c[r*lc.rs+j*lc.cs] != 0) == (i == 1) {
				d[r*ld.rs+j*ld.cs] += gd[r*K+j]
			}
		}
	}
}
