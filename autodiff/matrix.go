package autodiff

import (
	"fmt"
	"math"

	"github.com/hmcc-dev/hmcc/dist"
	"github.com/hmcc-dev/hmcc/ir"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Matrices in a graph are flattened: a K×J matrix per chain is a row of K·J values, row-major,
// so a batch is [C, K·J] and a data matrix shared by every chain [1, K·J]. The kernels here run
// one chain at a time through the one implementation of each value (ir.MatForward, the dist
// rows' Multi densities) and write their reverse mode by hand. The compiler lowers rows,
// columns, elements and the pointwise log-likelihood with them; products, Cholesky factors and
// the multivariate densities go to the batched kernels of linalg_ops.go (the compiler's tests hold
// both to ir.Eval and to finite differences). MatFunc and MultiDensity accept every kind.

// MatDims is a matrix operand's per-chain [rows, cols]; a vector [n] is [n, 1], a scalar [1, 1].
type MatDims [2]int

// MatFunc applies a matrix operation (ir.MatKind) to flattened operands of the given per-chain
// dims, giving a [C or 1, out rows·cols] node.
func (b *Builder) MatFunc(k ir.MatKind, ix ir.MatIndices, dims []MatDims, out MatDims, in ...*G.Node) (*G.Node, error) {
	return b.apply(&matKernel{kind: k, ix: ix, dims: dims, out: out}, in...)
}

type matKernel struct {
	kind ir.MatKind
	ix   ir.MatIndices
	dims []MatDims
	out  MatDims
	args []*ir.Tensor // scratch views of one chain's operands
	res  *ir.Tensor
	work []float64
}

func (k *matKernel) name() string { return "Mat" + k.kind.String() }
func (k *matKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	rows := 1
	for i, s := range in {
		if s[1] != k.dims[i][0]*k.dims[i][1] {
			return nil, fmt.Errorf("autodiff: %s operand %d has %d values per chain, want %v", k.name(), i, s[1], k.dims[i])
		}
		rows = max(rows, s[0])
	}
	return tensor.Shape{rows, k.out[0] * k.out[1]}, nil
}

// view points the scratch tensors at chain r's operands.
func (k *matKernel) view(in []*tensor.Dense, r int) {
	if k.args == nil {
		k.args = make([]*ir.Tensor, len(in))
		for i, d := range k.dims {
			k.args[i] = &ir.Tensor{Shape: []int{d[0], d[1]}}
		}
		k.res = &ir.Tensor{Shape: []int{k.out[0], k.out[1]}}
	}
	for i, t := range in {
		n := k.dims[i][0] * k.dims[i][1]
		off := r * n
		if t.Shape()[0] == 1 {
			off = 0
		}
		k.args[i].Data = t.Float64s()[off : off+n]
	}
}

func (k *matKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	n := k.out[0] * k.out[1]
	o := out.Float64s()
	for r := 0; r < out.Shape()[0]; r++ {
		k.view(in, r)
		k.res.Data = o[r*n : (r+1)*n]
		if err := ir.MatForward(k.kind, k.ix, k.args, k.res); err != nil {
			for i := range k.res.Data {
				k.res.Data[i] = math.NaN() // indices were checked when the data were bound
			}
		}
	}
}

func (k *matKernel) backward(i int, in []*tensor.Dense, out, g, dst *tensor.Dense) {
	d := dst.Float64s()
	zero(d)
	n := k.out[0] * k.out[1]
	ni := k.dims[i][0] * k.dims[i][1]
	o, gd := out.Float64s(), g.Float64s()
	for r := 0; r < out.Shape()[0]; r++ {
		k.view(in, r)
		off := r * ni
		if dst.Shape()[0] == 1 {
			off = 0 // an operand shared by every chain gathers every chain's gradient
		}
		k.grad(i, o[r*n:(r+1)*n], gd[r*n:(r+1)*n], d[off:off+ni])
	}
}

// grad adds chain's gradient of Σ g∘out with respect to operand i into d.
func (k *matKernel) grad(i int, out, g, d []float64) {
	a := k.args
	switch k.kind {
	case ir.MatMul: // out = A B, A [K, M], B [M, J]
		K, M, J := k.dims[0][0], k.dims[0][1], k.dims[1][1]
		A, B := a[0].Data, a[1].Data
		for x := 0; x < K; x++ {
			for y := 0; y < J; y++ {
				gv := g[x*J+y]
				if gv == 0 {
					continue
				}
				for m := 0; m < M; m++ {
					if i == 0 {
						d[x*M+m] += gv * B[m*J+y]
					} else {
						d[m*J+y] += A[x*M+m] * gv
					}
				}
			}
		}
	case ir.MatTranspose:
		R, C := k.dims[0][0], k.dims[0][1]
		for x := 0; x < R; x++ {
			for y := 0; y < C; y++ {
				d[x*C+y] += g[y*R+x]
			}
		}
	case ir.DiagPreMultiply: // out = v_x M_xy
		K, J := k.dims[1][0], k.dims[1][1]
		v, M := a[0].Data, a[1].Data
		for x := 0; x < K; x++ {
			for y := 0; y < J; y++ {
				if i == 0 {
					d[x%len(d)] += g[x*J+y] * M[x*J+y]
				} else {
					d[x*J+y] += v[x%len(v)] * g[x*J+y]
				}
			}
		}
	case ir.AddDiag:
		K := k.dims[0][0]
		if i == 0 {
			for x := range g {
				d[x] += g[x]
			}
			return
		}
		for x := 0; x < K; x++ {
			d[x%len(d)] += g[x*K+x]
		}
	case ir.GPExpQuadCov: // out = α² exp(−(x_i − x_j)²/(2ρ²)); x is data
		if i == 0 {
			return
		}
		alpha, rho := a[1].Data[0], a[2].Data[0]
		x := a[0].Data
		N := len(x)
		s := 0.0
		for p := 0; p < N; p++ {
			for q := 0; q < N; q++ {
				v := g[p*N+q] * out[p*N+q]
				if i == 1 {
					s += v * 2 / alpha
				} else {
					dx := x[p] - x[q]
					s += v * dx * dx / (rho * rho * rho)
				}
			}
		}
		d[0] += s
	case ir.CholeskyDecompose:
		K := k.dims[0][0]
		if len(k.work) < 3*K*K {
			k.work = make([]float64, 3*K*K)
		}
		ds := k.work[2*K*K : 3*K*K]
		ir.CholeskyBackward(out, g, K, ds, k.work[:2*K*K])
		for x := range ds {
			d[x] += ds[x]
		}
	case ir.MatRow:
		C := k.dims[0][1]
		row := k.ix.Row - 1
		for y := 0; y < C; y++ {
			d[row*C+y] += g[y]
		}
	case ir.MatCol:
		R, C := k.dims[0][0], k.dims[0][1]
		col := k.ix.Col - 1
		for x := 0; x < R; x++ {
			d[x*C+col] += g[x]
		}
	case ir.MatElem:
		C := k.dims[0][1]
		d[(k.ix.Row-1)*C+k.ix.Col-1] += g[0]
	case ir.MatRowGroup:
		C := k.dims[0][1]
		row := k.ix.Row - 1
		for n, grp := range k.ix.Group {
			d[row*C+grp-1] += g[n]
		}
	case ir.MatColGroup:
		C := k.dims[0][1]
		col := k.ix.Col - 1
		for n, grp := range k.ix.Group {
			d[(grp-1)*C+col] += g[n]
		}
	}
}

// MultiDensity adds x ~ d(args...) for a distribution of vectors or matrices (dist.Dist.Multi)
// to the log density: x is [C or 1, n·K] (n rows of K, or one K×K matrix), each argument
// [C or 1, its values].
func (b *Builder) MultiDensity(d *dist.Dist, K int, x *G.Node, args ...*G.Node) error {
	n, err := b.apply(&multiKernel{d: d, K: K}, append([]*G.Node{x}, args...)...)
	if err != nil {
		return err
	}
	b.terms = append(b.terms, n)
	return nil
}

// MultiPointwise is MultiDensity's value per row of K of x ([C or 1, n]; one value for a
// K×K variate), with no gradient: the pointwise log-likelihood.
func (b *Builder) MultiPointwise(d *dist.Dist, K int, x *G.Node, args ...*G.Node) (*G.Node, error) {
	return b.apply(&multiKernel{d: d, K: K, pointwise: true}, append([]*G.Node{x}, args...)...)
}

type multiKernel struct {
	d         *dist.Dist
	K         int
	pointwise bool
	p, dp     [][]float64
	dx        []float64
}

func (k *multiKernel) name() string { return k.d.Name }
func (k *multiKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	rows := 1
	for _, s := range in {
		rows = max(rows, s[0])
	}
	cols := 1
	if k.pointwise && k.d.Multi.VariateRank == 1 {
		cols = in[0][1] / k.K
	}
	return tensor.Shape{rows, cols}, nil
}

func rowOf(t *tensor.Dense, r int) []float64 {
	n := t.Shape()[1]
	if t.Shape()[0] == 1 {
		r = 0
	}
	return t.Float64s()[r*n : (r+1)*n]
}

func (k *multiKernel) params(in []*tensor.Dense, r int) {
	if k.p == nil {
		k.p = make([][]float64, len(in)-1)
		k.dp = make([][]float64, len(in)-1)
		for i := range k.dp {
			k.dp[i] = make([]float64, in[1+i].Shape()[1])
		}
		k.dx = make([]float64, in[0].Shape()[1])
	}
	for i := range k.p {
		k.p[i] = rowOf(in[1+i], r)
	}
}

func (k *multiKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	o := out.Float64s()
	cols := out.Shape()[1]
	for r := 0; r < out.Shape()[0]; r++ {
		k.params(in, r)
		x := rowOf(in[0], r)
		if cols == 1 {
			o[r] = k.d.Multi.LogDensity(x, k.K, k.p, nil, nil)
			continue
		}
		for j := 0; j < cols; j++ {
			o[r*cols+j] = k.d.Multi.LogDensity(x[j*k.K:(j+1)*k.K], k.K, k.p, nil, nil)
		}
	}
}

func (k *multiKernel) backward(i int, in []*tensor.Dense, out, g, dst *tensor.Dense) {
	d := dst.Float64s()
	zero(d)
	gd := g.Float64s()
	ni := dst.Shape()[1]
	for r := 0; r < out.Shape()[0]; r++ {
		k.params(in, r)
		k.d.Multi.LogDensity(rowOf(in[0], r), k.K, k.p, k.dx, k.dp)
		src := k.dx
		if i > 0 {
			src = k.dp[i-1]
		}
		off := r * ni
		if dst.Shape()[0] == 1 {
			off = 0
		}
		for j := 0; j < ni; j++ {
			d[off+j] += gd[r] * src[j]
		}
	}
}

// DrawMulti adds n values per chain, [C, n], drawn from a distribution of vectors or matrices
// (dist.Multi): n/K vectors of K (MultiNormal, MultiNormalCholesky; each row of an [N, K]
// variate one vector) or one K×K matrix (LKJCorrCholesky), row-major, each chain from its own
// stream in that order. Its arguments are [C or 1, len] (a matrix flattened); after orders it
// among the draws as for Draw. Arguments outside the parameters' domains give NaN draws.
func (b *Builder) DrawMulti(d *dist.Dist, K, n int, after *G.Node, args ...*G.Node) (*G.Node, error) {
	if d.Multi == nil {
		return nil, fmt.Errorf("internal error: %s is not a distribution of vectors or matrices", d.Name)
	}
	size := K
	if d.Multi.VariateRank == 2 {
		size = K * K
	}
	if K < 1 || n%size != 0 {
		return nil, fmt.Errorf("internal error: %d values of %s draws of %d", n, d.Name, size)
	}
	if b.draws == nil {
		b.draws = &drawSource{}
	}
	k := &multiDrawKernel{d: d, K: K, size: size, n: n, chains: b.chains, src: b.draws, nargs: len(args)}
	in := append([]*G.Node(nil), args...)
	if after != nil {
		in = append(in, after)
	}
	if len(in) == 0 {
		in = append(in, b.theta)
	}
	return b.apply(k, in...)
}

type multiDrawKernel struct {
	d                  *dist.Dist
	K, size, n, chains int
	nargs              int
	src                *drawSource
	p                  [][]float64
}

func (k *multiDrawKernel) name() string { return "Draw" + k.d.Name }
func (k *multiDrawKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	for _, s := range in[:k.nargs] {
		if len(s) != 2 || (s[0] != 1 && s[0] != k.chains) {
			return nil, fmt.Errorf("autodiff: draw argument of shape %v for %d chains", s, k.chains)
		}
	}
	return tensor.Shape{k.chains, k.n}, nil
}
func (k *multiDrawKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	o := out.Float64s()
	if k.p == nil {
		k.p = make([][]float64, k.nargs)
	}
	for r := 0; r < k.chains; r++ {
		for i := range k.p {
			k.p[i] = rowOf(in[i], r)
		}
		rng := k.src.rngs[r]
		row := o[r*k.n : (r+1)*k.n]
		for j := 0; j < k.n; j += k.size {
			x := row[j : j+k.size]
			if !k.d.Multi.Sample(rng, k.K, k.p, x) {
				for i := range x {
					x[i] = math.NaN()
				}
			}
		}
	}
}
func (k *multiDrawKernel) backward(int, []*tensor.Dense, *tensor.Dense, *tensor.Dense, *tensor.Dense) {
	panic("internal error: a draw has no gradient")
}
