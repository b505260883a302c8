package autodiff

import (
	"fmt"
	"math"

	"github.com/hmcc-dev/hmcc/autodiff/linalg"
	"github.com/hmcc-dev/hmcc/autodiff/vmath"
	"github.com/hmcc-dev/hmcc/dist"
	"github.com/hmcc-dev/hmcc/ir"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gorgonia.org/tensor"
)

// layout describes how a [rows, cols] input is read when broadcast to an output [R, K]: element
// (r, c) of the output reads input index r*rs + c*cs.
type layout struct{ rs, cs int }

func layoutOf(s tensor.Shape) layout {
	l := layout{}
	if s[0] > 1 {
		l.rs = s[1]
	}
	if s[1] > 1 {
		l.cs = 1
	}
	return l
}

// broadcastShape returns [max rows, max cols] and checks every input is 1 or the maximum on each axis.
func broadcastShape(in []tensor.Shape) (tensor.Shape, error) {
	r, k := 1, 1
	for _, s := range in {
		if len(s) != 2 {
			return nil, fmt.Errorf("autodiff: want a matrix, got shape %v", s)
		}
		r, k = max(r, s[0]), max(k, s[1])
	}
	for _, s := range in {
		if (s[0] != 1 && s[0] != r) || (s[1] != 1 && s[1] != k) {
			return nil, fmt.Errorf("autodiff: shape %v does not broadcast to [%d %d]", s, r, k)
		}
	}
	return tensor.Shape{r, k}, nil
}

func zero(d []float64) {
	for i := range d {
		d[i] = 0
	}
}

// binaryKernel applies an elementwise operator with broadcasting.
type binaryKernel struct{ op *ir.BinaryOp }

func (k binaryKernel) name() string { return "Binary" + k.op.Symbol }
func (k binaryKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	return broadcastShape(in)
}
func (k binaryKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	a, b, o := in[0].Float64s(), in[1].Float64s(), out.Float64s()
	la, lb := layoutOf(in[0].Shape()), layoutOf(in[1].Shape())
	R, K := out.Shape()[0], out.Shape()[1]
	// The four arithmetic operators without the per-element indirect call: these loops run over
	// every observation of a hierarchical model's linear predictor.
	switch k.op.Symbol {
	case "+":
		for r := 0; r < R; r++ {
			ar, br, or := a[r*la.rs:], b[r*lb.rs:], o[r*K:(r+1)*K]
			for c := range or {
				or[c] = ar[c*la.cs] + br[c*lb.cs]
			}
		}
	case "-":
		for r := 0; r < R; r++ {
			ar, br, or := a[r*la.rs:], b[r*lb.rs:], o[r*K:(r+1)*K]
			for c := range or {
				or[c] = ar[c*la.cs] - br[c*lb.cs]
			}
		}
	case "*":
		for r := 0; r < R; r++ {
			ar, br, or := a[r*la.rs:], b[r*lb.rs:], o[r*K:(r+1)*K]
			for c := range or {
				or[c] = ar[c*la.cs] * br[c*lb.cs]
			}
		}
	case "/":
		for r := 0; r < R; r++ {
			ar, br, or := a[r*la.rs:], b[r*lb.rs:], o[r*K:(r+1)*K]
			for c := range or {
				or[c] = ar[c*la.cs] / br[c*lb.cs]
			}
		}
	default:
		for r := 0; r < R; r++ {
			for c := 0; c < K; c++ {
				o[r*K+c] = k.op.F(a[r*la.rs+c*la.cs], b[r*lb.rs+c*lb.cs])
			}
		}
	}
}
func (k binaryKernel) backward(i int, in []*tensor.Dense, out, g, dst *tensor.Dense) {
	a, b, o, gd, d := in[0].Float64s(), in[1].Float64s(), out.Float64s(), g.Float64s(), dst.Float64s()
	la, lb := layoutOf(in[0].Shape()), layoutOf(in[1].Shape())
	ld := la
	partial := k.op.DA
	if i == 1 {
		ld, partial = lb, k.op.DB
	}
	R, K := out.Shape()[0], out.Shape()[1]
	// factor, when not nil, is the operand the partial derivative equals (for *: the other one);
	// sign is the constant partial of + and −.
	var factor []float64
	var lf layout
	sign := 0.0
	switch {
	case k.op.Symbol == "+":
		sign = 1
	case k.op.Symbol == "-" && i == 0:
		sign = 1
	case k.op.Symbol == "-":
		sign = -1
	case k.op.Symbol == "*" && i == 0:
		factor, lf = b, lb
	case k.op.Symbol == "*":
		factor, lf = a, la
	}
	full := ld.rs == K && ld.cs == 1 && len(d) == R*K // no broadcasting: assign, don't accumulate
	if !full {
		zero(d)
	}
	switch {
	case sign != 0 && full:
		for j, v := range gd[:R*K] {
			d[j] = sign * v
		}
	case sign != 0:
		for r := 0; r < R; r++ {
			gr, dr := gd[r*K:(r+1)*K], d[r*ld.rs:]
			for c, v := range gr {
				dr[c*ld.cs] += sign * v
			}
		}
	case factor != nil:
		for r := 0; r < R; r++ {
			gr, dr, fr := gd[r*K:(r+1)*K], d[r*ld.rs:], factor[r*lf.rs:]
			if full {
				for c, v := range gr {
					dr[c] = v * fr[c*lf.cs]
				}
				continue
			}
			for c, v := range gr {
				dr[c*ld.cs] += v * fr[c*lf.cs]
			}
		}
	default:
		if full {
			zero(d)
		}
		for r := 0; r < R; r++ {
			for c := 0; c < K; c++ {
				j := r*K + c
				d[r*ld.rs+c*ld.cs] += gd[j] * partial(a[r*la.rs+c*la.cs], b[r*lb.rs+c*lb.cs], o[j])
			}
		}
	}
}

// unaryKernel applies an elementwise function; vec, when set, is its slice-at-a-time form from
// vectorFuncs, looked up once when the graph is built rather than on every evaluation.
type unaryKernel struct {
	f   *ir.UnaryFunc
	vec func(dst, x []float64)
}

func newUnaryKernel(f *ir.UnaryFunc) unaryKernel { return unaryKernel{f: f, vec: vectorFuncs[f.Name]} }

func (k unaryKernel) name() string                                  { return k.f.Name }
func (k unaryKernel) shape(in []tensor.Shape) (tensor.Shape, error) { return in[0].Clone(), nil }
func (k unaryKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	x, o := in[0].Float64s(), out.Float64s()
	if k.vec != nil {
		k.vec(o, x)
		return
	}
	for i, v := range x {
		o[i] = k.f.F(v)
	}
}
func (k unaryKernel) backward(_ int, in []*tensor.Dense, out, g, dst *tensor.Dense) {
	x, o, gd, d := in[0].Float64s(), out.Float64s(), g.Float64s(), dst.Float64s()
	if k.f.Name == "softplus" {
		// d softplus(x)/dx = σ(x) = e^{x − softplus(x)}: one vector exp instead of a scalar
		// logistic per element, accurate at both ends (x − softplus(x) → 0⁻ or → x).
		for i, v := range x {
			d[i] = v - o[i]
		}
		vmath.Exp(d, d)
		for i := range d {
			d[i] *= gd[i]
		}
		return
	}
	for i, v := range x {
		d[i] = gd[i] * k.f.D(v, o[i])
	}
}

// vectorFuncs are the elementwise functions evaluated a slice at a time by package vmath (SIMD
// where available); they compute what ir.Funcs' scalar definitions do to within a few ulp.
var vectorFuncs = map[string]func(dst, x []float64){
	"exp": vmath.Exp, "log": vmath.Log, "log1p": vmath.Log1p, "softplus": vmath.Softplus, "lgamma": vmath.Lgamma,
}

// transformKernel maps unconstrained coordinates to a parameter's support.
type transformKernel struct{ c ir.Constraint }

func (k transformKernel) name() string                                  { return "Constrain" }
func (k transformKernel) shape(in []tensor.Shape) (tensor.Shape, error) { return in[0].Clone(), nil }
func (k transformKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	x, o := in[0].Float64s(), out.Float64s()
	if k.c.Kind == ir.LowerBound { // lo + e^x, the exponentials a slice at a time
		vmath.Exp(o, x)
		for i := range o {
			o[i] += k.c.Lo
		}
		return
	}
	for i, v := range x {
		o[i] = k.c.Constrain(v)
	}
}
func (k transformKernel) backward(_ int, in []*tensor.Dense, _, g, dst *tensor.Dense) {
	x, gd, d := in[0].Float64s(), g.Float64s(), dst.Float64s()
	if k.c.Kind == ir.LowerBound { // dy/dx = e^x
		vmath.Exp(d, x)
		for i := range d {
			d[i] *= gd[i]
		}
		return
	}
	for i, v := range x {
		d[i] = gd[i] * k.c.Deriv(v)
	}
}

// logJacobianKernel sums the log-Jacobian of a transform over a parameter's elements: [C,K] → [C,1].
type logJacobianKernel struct{ c ir.Constraint }

func (k logJacobianKernel) name() string { return "LogJacobian" }
func (k logJacobianKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	return tensor.Shape{in[0][0], 1}, nil
}
func (k logJacobianKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	x, o := in[0].Float64s(), out.Float64s()
	K := in[0].Shape()[1]
	for r := range o {
		s := 0.0
		for _, v := range x[r*K : (r+1)*K] {
			s += k.c.LogJacobian(v)
		}
		o[r] = s
	}
}
func (k logJacobianKernel) backward(_ int, in []*tensor.Dense, _, g, dst *tensor.Dense) {
	x, gd, d := in[0].Float64s(), g.Float64s(), dst.Float64s()
	K := in[0].Shape()[1]
	for i, v := range x {
		d[i] = gd[i/K] * k.c.DLogJacobian(v)
	}
}

// sliceKernel takes columns [off, off+n) of θ: one parameter out of the packed vector.
type sliceKernel struct{ off, n int }

func (k sliceKernel) name() string { return fmt.Sprintf("Slice[%d:%d]", k.off, k.off+k.n) }
func (k sliceKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	if k.off+k.n > in[0][1] {
		return nil, fmt.Errorf("autodiff: slice [%d:%d] of %v", k.off, k.off+k.n, in[0])
	}
	return tensor.Shape{in[0][0], k.n}, nil
}
func (k sliceKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	x, o := in[0].Float64s(), out.Float64s()
	W := in[0].Shape()[1]
	for r := 0; r < in[0].Shape()[0]; r++ {
		copy(o[r*k.n:(r+1)*k.n], x[r*W+k.off:r*W+k.off+k.n])
	}
}
func (k sliceKernel) backward(_ int, in []*tensor.Dense, _, g, dst *tensor.Dense) {
	gd, d := g.Float64s(), dst.Float64s()
	zero(d)
	W := in[0].Shape()[1]
	for r := 0; r < in[0].Shape()[0]; r++ {
		copy(d[r*W+k.off:r*W+k.off+k.n], gd[r*k.n:(r+1)*k.n])
	}
}

// gemm computes c = alpha·op(a)·op(b) + beta·c on row-major matrices: gonum's pure-Go BLAS
// (linalg's default, taken before linalg_ops.go's init points linalg.Gemm back here) unless
// OpenBLAS is linked in (blas_openblas.go).
var gemm = linalg.Gemm

// matVecKernel multiplies a data matrix M [N,D] by every chain's vector V [B,D], giving [B,N]:
// one matrix product for the whole batch. With single set, the products run in float32
// (--precision float32): M is converted once, the vectors and incoming gradients on every call,
// and the results widened back, so everything around the product stays float64.
type matVecKernel struct{ single *singleScratch }

// singleScratch holds the float32 copies a single-precision product works on.
type singleScratch struct {
	m, v, out, g []float32
	mFixed       bool // m was converted from a constant matrix and is reused
}

func (matVecKernel) name() string { return "MatVec" }
func (matVecKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	m, v := in[0], in[1]
	if m[1] != v[1] {
		return nil, fmt.Errorf("autodiff: matrix %v times vectors %v", m, v)
	}
	return tensor.Shape{v[0], m[0]}, nil
}
func (k matVecKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	N, D, B := in[0].Shape()[0], in[0].Shape()[1], in[1].Shape()[0]
	if s := k.single; s != nil {
		m := s.matrix(in[0].Float64s())
		s.v = narrow(s.v, in[1].Float64s())
		s.out = grow(s.out, B*N)
		gemm32(false, true, B, N, D, s.v, D, m, D, s.out, N)
		widen(out.Float64s(), s.out)
		return
	}
	gemm(false, true, B, N, D, 1, in[1].Float64s(), D, in[0].Float64s(), D, 0, out.Float64s(), N)
}
func (k matVecKernel) backward(i int, in []*tensor.Dense, _, g, dst *tensor.Dense) {
	N, D, B := in[0].Shape()[0], in[0].Shape()[1], in[1].Shape()[0]
	if i == 1 {
		if s := k.single; s != nil {
			m := s.matrix(in[0].Float64s())
			s.g = narrow(s.g, g.Float64s())
			s.out = grow(s.out, B*D)
			gemm32(false, false, B, D, N, s.g, N, m, D, s.out, D)
			widen(dst.Float64s(), s.out)
			return
		}
		gemm(false, false, B, D, N, 1, g.Float64s(), N, in[0].Float64s(), D, 0, dst.Float64s(), D)
		return
	}
	// d/dM = gᵀ V summed over chains; only reached if a matrix depended on parameters.
	gemm(true, false, N, D, B, 1, g.Float64s(), N, in[1].Float64s(), D, 0, dst.Float64s(), D)
}

// matrix returns M in float32, converted once when M is data (the builder marks that by
// mFixed) and on every call otherwise.
func (s *singleScratch) matrix(m []float64) []float32 {
	if s.mFixed && len(s.m) == len(m) {
		return s.m
	}
	s.m = narrow(s.m, m)
	return s.m
}

func grow(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}

func narrow(dst []float32, x []float64) []float32 {
	dst = grow(dst, len(x))
	for i, v := range x {
		dst[i] = float32(v)
	}
	return dst
}

func widen(dst []float64, x []float32) {
	for i, v := range x {
		dst[i] = float64(v)
	}
}

// gemm32 is c = op(a)·op(b) in float32, gonum's pure-Go BLAS unless OpenBLAS is linked in.
var gemm32 = func(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	ta, tb := blas.NoTrans, blas.NoTrans
	if transA {
		ta = blas.Trans
	}
	if transB {
		tb = blas.Trans
	}
	blas32.Implementation().Sgemm(ta, tb, m, n, k, 1, a, lda, b, ldb, 0, c, ldc)
}

// rowSumKernel sums each chain's elements: [B,K] → [B,1]. With mean set it divides by K, so
// mean(x) is one pass and its gradient g/K per element, with no constant node for 1/K.
type rowSumKernel struct{ mean bool }

func (k rowSumKernel) name() string {
	if k.mean {
		return "Mean"
	}
	return "Sum"
}
func (rowSumKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	return tensor.Shape{in[0][0], 1}, nil
}

func (k rowSumKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	x, o := in[0].Float64s(), out.Float64s()
	K := in[0].Shape()[1]
	for r := range o {
		s := 0.0
		for _, v := range x[r*K : (r+1)*K] {
			s += v
		}
		if k.mean {
			s /= float64(K) // divided, not multiplied by 1/K, so mean of equal values is exact
		}
		o[r] = s
	}
}
func (k rowSumKernel) backward(_ int, in []*tensor.Dense, _, g, dst *tensor.Dense) {
	gd, d := g.Float64s(), dst.Float64s()
	K := in[0].Shape()[1]
	if k.mean {
		for i := range d {
			d[i] = gd[i/K] / float64(K)
		}
		return
	}
	for i := range d {
		d[i] = gd[i/K]
	}
}

// rowDotKernel is each chain's inner product of two vectors: [A,K]·[B,K] → [max(A,B),1], where a
// side shared by every chain is [1,K]. The gradient for one side is g times the other side; a
// shared side's gradient (a vector of data, only asked for if it became active) adds up the chains.
type rowDotKernel struct{}

func (rowDotKernel) name() string { return "Dot" }
func (rowDotKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	a, b := in[0], in[1]
	if a[1] != b[1] || (a[0] != b[0] && a[0] != 1 && b[0] != 1) {
		return nil, fmt.Errorf("autodiff: dot of %v and %v", a, b)
	}
	return tensor.Shape{max(a[0], b[0]), 1}, nil
}
func (rowDotKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	a, b, o := in[0].Float64s(), in[1].Float64s(), out.Float64s()
	K := in[0].Shape()[1]
	as, bs := rowStride(in[0], K), rowStride(in[1], K)
	for r := range o {
		ar, br := a[r*as:r*as+K], b[r*bs:r*bs+K]
		s := 0.0
		for j, v := range ar {
			s += v * br[j]
		}
		o[r] = s
	}
}
func (rowDotKernel) backward(i int, in []*tensor.Dense, out, g, dst *tensor.Dense) {
	other := in[1-i]
	gd, d, x := g.Float64s(), dst.Float64s(), other.Float64s()
	K := in[0].Shape()[1]
	xs, ds := rowStride(other, K), rowStride(dst, K)
	if ds == 0 {
		zero(d)
	}
	for r := range out.Shape()[0] {
		dr, xr := d[r*ds:r*ds+K], x[r*xs:r*xs+K]
		if ds == 0 {
			for j, v := range xr {
				dr[j] += gd[r] * v
			}
			continue
		}
		for j, v := range xr {
			dr[j] = gd[r] * v
		}
	}
}

// rowStride is the distance between chains' rows of t: K, or 0 when one row is shared.
func rowStride(t *tensor.Dense, K int) int {
	if t.Shape()[0] == 1 {
		return 0
	}
	return K
}

// gatherKernel picks elements by group for every chain: [R,J] → [R,N] with
// out[r, i] = x[r, idx[i]] (idx 0-based, shared by all chains). Its gradient is the scatter-add
// d x[r, j] = Σ_{i : idx[i] = j} g[r, i], one pass over the rows of each chain.
type gatherKernel struct{ idx []int }

func (gatherKernel) name() string { return "Gather" }
func (k gatherKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	J := in[0][1]
	for _, j := range k.idx {
		if j < 0 || j >= J {
			return nil, fmt.Errorf("autodiff: gather index %d outside a vector of %d", j, J)
		}
	}
	return tensor.Shape{in[0][0], len(k.idx)}, nil
}
func (k gatherKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	x, o := in[0].Float64s(), out.Float64s()
	J, N := in[0].Shape()[1], len(k.idx)
	for r := 0; r < in[0].Shape()[0]; r++ {
		xr, or := x[r*J:(r+1)*J], o[r*N:(r+1)*N]
		for i, j := range k.idx {
			or[i] = xr[j]
		}
	}
}
func (k gatherKernel) backward(_ int, in []*tensor.Dense, _, g, dst *tensor.Dense) {
	gd, d := g.Float64s(), dst.Float64s()
	J, N := in[0].Shape()[1], len(k.idx)
	zero(d)
	for r := 0; r < in[0].Shape()[0]; r++ {
		dr, gr := d[r*J:(r+1)*J], gd[r*N:(r+1)*N]
		for i, j := range k.idx {
			dr[j] += gr[i]
		}
	}
}

// densityKernel is a fused log density: it evaluates x ~ Dist(args) elementwise with
// broadcasting, sums per chain into [R,1], and keeps the partial derivatives it computed on the
// way so the backward ops are one scaling pass each.
type densityKernel struct {
	d         *dist.Dist
	fast      fastKernel // fastDensities[d.Fast], or nil
	pointwise bool       // one value per element, [R,K], not their sum (Builder.Pointwise)
	wrt       []bool
	partial   [][]float64 // per input, [R*K], only where wrt
	shapes    []tensor.Shape
	lays      []layout
	vals      [][]float64
	args      []float64 // one element's arguments
	partials  []float64 // one element's partial derivatives
}

func (k *densityKernel) name() string { return k.d.Name }
func (k *densityKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	s, err := broadcastShape(in)
	if err != nil {
		return nil, err
	}
	if k.pointwise {
		return s, nil
	}
	return tensor.Shape{s[0], 1}, nil
}
func (k *densityKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	if k.vals == nil { // scratch kept between calls: this runs once per leapfrog step
		k.shapes, k.lays, k.vals = make([]tensor.Shape, len(in)), make([]layout, len(in)), make([][]float64, len(in))
		k.args, k.partials = make([]float64, len(in)-1), make([]float64, len(in))
	}
	shapes, lays, vals := k.shapes, k.lays, k.vals
	for i, t := range in {
		shapes[i], lays[i], vals[i] = t.Shape(), layoutOf(t.Shape()), t.Float64s()
	}
	bs, _ := broadcastShape(shapes)
	R, K := bs[0], bs[1]
	if k.partial == nil {
		k.partial = make([][]float64, len(in))
		for i := range in {
			if k.wrt[i] {
				k.partial[i] = make([]float64, R*K)
			}
		}
	}
	o := out.Float64s()
	if k.pointwise { // the registry's density per element, as ir.Term.Pointwise computes it
		p := k.args
		for r := 0; r < R; r++ {
			for c := 0; c < K; c++ {
				for i := 1; i < len(in); i++ {
					p[i-1] = vals[i][r*lays[i].rs+c*lays[i].cs]
				}
				o[r*K+c] = k.d.LogDensity(vals[0][r*lays[0].rs+c*lays[0].cs], p, nil)
			}
		}
		return
	}
	if k.fast != nil && k.fast(vals, lays, k.partial, R, K, o) {
		return
	}
	p, d := k.args, k.partials
	for r := 0; r < R; r++ {
		acc := 0.0
		for c := 0; c < K; c++ {
			for i := 1; i < len(in); i++ {
				p[i-1] = vals[i][r*lays[i].rs+c*lays[i].cs]
			}
			acc += k.d.LogDensity(vals[0][r*lays[0].rs+c*lays[0].cs], p, d)
			j := r*K + c
			for i, pi := range k.partial {
				if pi != nil {
					pi[j] = d[i]
				}
			}
		}
		o[r] = acc
	}
}

// bernoulliRows is the Bernoulli-logit kernel in use: the vectorised C one where cgo is available
// (bernoulli_cgo.go), otherwise bernoulliLogitRows.
var bernoulliRows = bernoulliLogitRows

// bernoulliLogitRows is the Bernoulli-logit likelihood of observed outcomes y (one row shared by
// all chains, already checked to be 0 or 1 when the data were bound) given logits l (one row per
// chain): out[r] = Σ_c y·l − softplus(l), and, when dl is not nil, dl = y − σ(l). It computes
// what dist's BernoulliLogit does, term for term (a test holds them equal), without the per-element
// indirect call and argument slices of the generic path: this loop is most of the time of a
// logistic regression.
func bernoulliLogitRows(y, l, dl, out []float64, K int) {
	for r := range out {
		lr := l[r*K : (r+1)*K]
		var dr []float64
		if dl != nil {
			dr = dl[r*K : (r+1)*K]
		}
		acc := 0.0
		for c, lv := range lr {
			s := lv // log-odds of the observed outcome
			if y[c] == 0 {
				s = -lv
			}
			e := math.Exp(-math.Abs(lv))
			acc -= max(-s, 0) + math.Log1p(e)
			if dr != nil {
				sig := 1 / (1 + e) // σ(−s): e/(1+e) when s ≥ 0, 1/(1+e) otherwise
				if s >= 0 {
					sig = e / (1 + e)
				}
				if y[c] == 0 {
					sig = -sig
				}
				dr[c] = sig
			}
		}
		out[r] = acc
	}
}

func (k *densityKernel) backward(i int, in []*tensor.Dense, out, g, dst *tensor.Dense) {
	gd, d, pi := g.Float64s(), dst.Float64s(), k.partial[i]
	l := layoutOf(in[i].Shape())
	R := out.Shape()[0]
	K := len(pi) / R
	if l.rs == K && l.cs == 1 && len(d) == R*K { // the input has the full shape: no accumulation
		for r := 0; r < R; r++ {
			gr, row, pr := gd[r], d[r*K:(r+1)*K], pi[r*K:(r+1)*K]
			for c := range row {
				row[c] = gr * pr[c]
			}
		}
		return
	}
	zero(d)
	for r := 0; r < R; r++ {
		for c := 0; c < K; c++ {
			d[r*l.rs+c*l.cs] += gd[r] * pi[r*K+c]
		}
	}
}

// simplexKernel is the stick-breaking transform of each chain's K − 1 coordinates to a simplex
// of K values, [R,K−1] → [R,K], as ir.Constraint.ConstrainAll computes it:
// z_k = logistic(x_k − log(K − 1 − k)), y_k = r_k z_k, r_{k+1} = r_k − y_k, y_{K−1} = r_{K−1}.
type simplexKernel struct{ r []float64 } // scratch: the stick left before each break

func (*simplexKernel) name() string { return "Simplex" }
func (*simplexKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	return tensor.Shape{in[0][0], in[0][1] + 1}, nil
}
func (k *simplexKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	x, o := in[0].Float64s(), out.Float64s()
	n := in[0].Shape()[1]
	for row := 0; row < in[0].Shape()[0]; row++ {
		xr, yr := x[row*n:(row+1)*n], o[row*(n+1):(row+1)*(n+1)]
		r := 1.0
		for j, v := range xr {
			z := ir.InvLogit(v - math.Log(float64(n-j)))
			yr[j] = r * z
			r -= yr[j]
		}
		yr[n] = r
	}
}

// backward runs the breaks in reverse: with gr the adjoint of the stick r_{k+1},
// ∂/∂z_k = (g_k − gr) r_k, the adjoint of r_k is g_k z_k + gr (1 − z_k), and
// ∂/∂x_k = ∂/∂z_k · z_k (1 − z_k).
func (k *simplexKernel) backward(_ int, in []*tensor.Dense, _, g, dst *tensor.Dense) {
	x, gd, d := in[0].Float64s(), g.Float64s(), dst.Float64s()
	n := in[0].Shape()[1]
	if len(k.r) < n {
		k.r = make([]float64, n)
	}
	for row := 0; row < in[0].Shape()[0]; row++ {
		xr, gr, dr := x[row*n:(row+1)*n], gd[row*(n+1):(row+1)*(n+1)], d[row*n:(row+1)*n]
		r := 1.0
		for j, v := range xr {
			k.r[j] = r
			r *= 1 - ir.InvLogit(v-math.Log(float64(n-j)))
		}
		adj := gr[n]
		for j := n - 1; j >= 0; j-- {
			z := ir.InvLogit(xr[j] - math.Log(float64(n-j)))
			dr[j] = (gr[j] - adj) * k.r[j] * z * (1 - z)
			adj = gr[j]*z + adj*(1-z)
		}
	}
}

// simplexLogJacobianKernel sums the stick-breaking log-Jacobian per chain, [R,K−1] → [R,1]:
// Σ_k log z_k + log(1 − z_k) + log r_k, whose derivative in x_j is 1 − 2 z_j − (K − 2 − j) z_j
// (the stick r_k shrinks by the factor 1 − z_j at every later break).
type simplexLogJacobianKernel struct{}

func (simplexLogJacobianKernel) name() string { return "SimplexLogJacobian" }
func (simplexLogJacobianKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	return tensor.Shape{in[0][0], 1}, nil
}
func (simplexLogJacobianKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	x, o := in[0].Float64s(), out.Float64s()
	n := in[0].Shape()[1]
	for row := range o {
		lj, r := 0.0, 1.0
		for j, v := range x[row*n : (row+1)*n] {
			u := v - math.Log(float64(n-j))
			z := ir.InvLogit(u)
			lj += -ir.Softplus(-u) - ir.Softplus(u) + math.Log(r)
			r *= 1 - z
		}
		o[row] = lj
	}
}
func (simplexLogJacobianKernel) backward(_ int, in []*tensor.Dense, _, g, dst *tensor.Dense) {
	x, gd, d := in[0].Float64s(), g.Float64s(), dst.Float64s()
	n := in[0].Shape()[1]
	for i, v := range x {
		j := i % n
		z := ir.InvLogit(v - math.Log(float64(n-j)))
		d[i] = gd[i/n] * (1 - 2*z - float64(n-1-j)*z)
	}
}

// vectorDensityKernel is the log density of a distribution of vectors (dist.Dist.Vector,
// Dirichlet): for every chain the variate's row [K] and each argument's row (a scalar or [K],
// shared by all chains or per chain) give one value, [R,1]. It keeps the partial derivatives, as
// densityKernel does.
type vectorDensityKernel struct {
	d       *dist.Dist
	wrt     []bool
	partial [][]float64 // per input, [R*K], only where wrt
	rows    [][]float64 // scratch: one row of each input, broadcast to K
	drows   [][]float64 // scratch: the partial derivatives of one row
	args    [][]float64 // rows[1:] as the distribution's parameters
	dargs   [][]float64 // drows[1:]
	shapes  []tensor.Shape
}

func (k *vectorDensityKernel) name() string { return k.d.Name }
func (k *vectorDensityKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	s, err := broadcastShape(in)
	if err != nil {
		return nil, err
	}
	return tensor.Shape{s[0], 1}, nil
}
func (k *vectorDensityKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	if k.shapes == nil { // scratch kept between calls, as densityKernel's
		k.shapes = make([]tensor.Shape, len(in))
	}
	shapes := k.shapes
	for i, t := range in {
		shapes[i] = t.Shape()
	}
	bs, _ := broadcastShape(shapes)
	R, K := bs[0], bs[1]
	if k.rows == nil {
		k.rows, k.drows = make([][]float64, len(in)), make([][]float64, len(in))
		k.partial = make([][]float64, len(in))
		for i := range in {
			k.rows[i], k.drows[i] = make([]float64, K), make([]float64, K)
			if k.wrt[i] {
				k.partial[i] = make([]float64, R*K)
			}
		}
		k.args, k.dargs = k.rows[1:], k.drows[1:]
	}
	o := out.Float64s()
	for r := 0; r < R; r++ {
		for i, t := range in {
			l, v := layoutOf(shapes[i]), t.Float64s()
			for c := 0; c < K; c++ {
				k.rows[i][c] = v[r*l.rs+c*l.cs]
			}
		}
		o[r] = k.d.VectorLogDensity(k.rows[0], k.args, k.drows[0], k.dargs)
		for i, p := range k.partial {
			if p != nil {
				copy(p[r*K:(r+1)*K], k.drows[i])
			}
		}
	}
}
func (k *vectorDensityKernel) backward(i int, in []*tensor.Dense, out, g, dst *tensor.Dense) {
	gd, d, pi := g.Float64s(), dst.Float64s(), k.partial[i]
	l := layoutOf(in[i].Shape())
	R := out.Shape()[0]
	K := len(pi) / R
	zero(d)
	for r := 0; r < R; r++ {
		for c := 0; c < K; c++ {
			d[r*l.rs+c*l.cs] += gd[r] * pi[r*K+c]
		}
	}
}
