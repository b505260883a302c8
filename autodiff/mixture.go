package autodiff

import (
	"fmt"
	"math"

	"github.com/hmcc-dev/hmcc/dist"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// orderedKernel is Stan's ordered transform of each chain's K coordinates, [R,K] → [R,K]:
// y₁ = x₁, yₖ = yₖ₋₁ + exp(xₖ), as ir.Constraint.ConstrainAll computes it.
type orderedKernel struct{}

func (orderedKernel) name() string                                  { return "Ordered" }
func (orderedKernel) shape(in []tensor.Shape) (tensor.Shape, error) { return in[0].Clone(), nil }
func (orderedKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	x, o := in[0].Float64s(), out.Float64s()
	K := in[0].Shape()[1]
	for r := 0; r < in[0].Shape()[0]; r++ {
		xr, yr := x[r*K:(r+1)*K], o[r*K:(r+1)*K]
		for k, v := range xr {
			if k == 0 {
				yr[0] = v
				continue
			}
			yr[k] = yr[k-1] + math.Exp(v)
		}
	}
}

// backward: yₖ depends on x₁ with slope 1 and on xⱼ (2 ≤ j ≤ k) with slope exp(xⱼ), so
// ∂/∂xⱼ = exp(xⱼ) Σ_{k ≥ j} gₖ and ∂/∂x₁ = Σₖ gₖ: one pass from the end.
func (orderedKernel) backward(_ int, in []*tensor.Dense, _, g, dst *tensor.Dense) {
	x, gd, d := in[0].Float64s(), g.Float64s(), dst.Float64s()
	K := in[0].Shape()[1]
	for r := 0; r < in[0].Shape()[0]; r++ {
		xr, gr, dr := x[r*K:(r+1)*K], gd[r*K:(r+1)*K], d[r*K:(r+1)*K]
		tail := 0.0
		for k := K - 1; k >= 0; k-- {
			tail += gr[k]
			if k == 0 {
				dr[0] = tail
				continue
			}
			dr[k] = tail * math.Exp(xr[k])
		}
	}
}

// orderedLogJacobianKernel is the ordered transform's log-Jacobian per chain, Σ_{k ≥ 2} xₖ:
// [R,K] → [R,1].
type orderedLogJacobianKernel struct{}

func (orderedLogJacobianKernel) name() string { return "OrderedLogJacobian" }
func (orderedLogJacobianKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	return tensor.Shape{in[0][0], 1}, nil
}
func (orderedLogJacobianKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	x, o := in[0].Float64s(), out.Float64s()
	K := in[0].Shape()[1]
	for r := range o {
		s := 0.0
		for _, v := range x[r*K+1 : (r+1)*K] {
			s += v
		}
		o[r] = s
	}
}
func (orderedLogJacobianKernel) backward(_ int, in []*tensor.Dense, _, g, dst *tensor.Dense) {
	gd, d := g.Float64s(), dst.Float64s()
	K := in[0].Shape()[1]
	for i := range d {
		if i%K == 0 {
			d[i] = 0
		} else {
			d[i] = gd[i/K]
		}
	}
}

// rowLogSumExpKernel is each chain's log Σ exp(xₖ), [R,K] → [R,1], computed around the maximum
// so that it neither overflows nor loses the small terms; its gradient is the softmax.
type rowLogSumExpKernel struct{}

func (rowLogSumExpKernel) name() string { return "LogSumExp" }
func (rowLogSumExpKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	return tensor.Shape{in[0][0], 1}, nil
}
func (rowLogSumExpKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	x, o := in[0].Float64s(), out.Float64s()
	K := in[0].Shape()[1]
	for r := range o {
		o[r] = dist.LogSumExp(x[r*K : (r+1)*K])
	}
}
func (rowLogSumExpKernel) backward(_ int, in []*tensor.Dense, out, g, dst *tensor.Dense) {
	x, o, gd, d := in[0].Float64s(), out.Float64s(), g.Float64s(), dst.Float64s()
	K := in[0].Shape()[1]
	for i, v := range x {
		r := i / K
		if math.IsInf(o[r], -1) {
			d[i] = 0
			continue
		}
		d[i] = gd[r] * math.Exp(v-o[r])
	}
}

// LogSumExp adds log Σ exp of each chain's elements: x is [C or 1, K], the result [C or 1, 1].
func (b *Builder) LogSumExp(x *G.Node) (*G.Node, error) { return b.apply(rowLogSumExpKernel{}, x) }

// Mixture adds the term x ~ Mixture(w, d(args...)): x is [1 or C, N] (data shared by every chain
// or an expression per chain), w is [1 or C, K], and each argument [1 or C, 1 or K], one value per
// component. Every element adds log Σₖ wₖ d(xᵢ | argsₖ), fused into one kernel with its gradient.
func (b *Builder) Mixture(d *dist.Dist, x, w *G.Node, args ...*G.Node) error {
	in := append([]*G.Node{x, w}, args...)
	wrt := make([]bool, len(in))
	for i, n := range in {
		wrt[i] = b.active[n]
	}
	n, err := b.apply(&mixtureKernel{d: d, wrt: wrt}, in...)
	if err != nil {
		return err
	}
	b.terms = append(b.terms, n)
	return nil
}

// mixtureKernel is the fused log density of a finite mixture: inputs x [Rx, N], w [Rw, K] and
// the component arguments [Ra, 1 or K]; a weight [Rw, 1] is θ for two components θ and 1 − θ;
// output [R, 1] with
//
//	out[r] = Σᵢ log Σₖ w[r,k] · p(x[r,i] | args[r,k])  =  Σᵢ LSEₖ(log wₖ + ℓᵢₖ).
//
// With the responsibilities ρᵢₖ = exp(log wₖ + ℓᵢₖ − LSEᵢ), the gradient is
// ∂/∂wₖ = Σᵢ ρᵢₖ / wₖ, ∂/∂argⱼₖ = Σᵢ ρᵢₖ ∂ℓᵢₖ/∂argⱼ and ∂/∂xᵢ = Σₖ ρᵢₖ ∂ℓᵢₖ/∂x, all
// accumulated in the forward pass so that each backward op is one scaling pass.
type mixtureKernel struct {
	d         *dist.Dist
	wrt       []bool
	pointwise bool        // one value per element of x, [R, N], not their sum (Builder.MixturePointwise)
	partial   [][]float64 // per input, shaped like the broadcast [R, N] (x) or [R, K] (the rest), only where wrt
	lp        []float64   // scratch: log wₖ + ℓᵢₖ for one element
	dl        [][]float64 // scratch: the partial derivatives of ℓᵢₖ, per component
	p, dp     []float64   // scratch: one component's arguments and partials
}

func (k *mixtureKernel) name() string { return "Mixture" + k.d.Name }
func (k *mixtureKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	R := 1
	for _, s := range in {
		if len(s) != 2 {
			return nil, fmt.Errorf("autodiff: mixture input of shape %v", s)
		}
		R = max(R, s[0])
	}
	K := in[1][1]
	if K == 1 { // a scalar weight θ: two components, θ and 1 − θ
		K = 2
	}
	for i, s := range in {
		if s[0] != 1 && s[0] != R {
			return nil, fmt.Errorf("autodiff: mixture input %d of shape %v for %d chains", i, s, R)
		}
		if i >= 2 && s[1] != 1 && s[1] != K {
			return nil, fmt.Errorf("autodiff: mixture argument of shape %v for %d components", s, K)
		}
	}
	if k.pointwise {
		return tensor.Shape{R, in[0][1]}, nil
	}
	return tensor.Shape{R, 1}, nil
}

func (k *mixtureKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	xs, ws := in[0].Shape(), in[1].Shape()
	R, N, K := out.Shape()[0], xs[1], ws[1]
	scalarW := K == 1 // θ weighs two components θ and 1 − θ (Stan's log_mix)
	if scalarW {
		K = 2
	}
	nargs := len(in) - 2
	if k.lp == nil {
		k.lp, k.p, k.dp = make([]float64, K), make([]float64, nargs), make([]float64, nargs+1)
		k.dl = make([][]float64, K)
		for c := range k.dl {
			k.dl[c] = make([]float64, nargs+1)
		}
		k.partial = make([][]float64, len(in))
		for i := range in {
			if k.wrt[i] {
				if i == 0 {
					k.partial[i] = make([]float64, R*N)
				} else if i == 1 && scalarW {
					k.partial[i] = make([]float64, R)
				} else {
					k.partial[i] = make([]float64, R*K)
				}
			}
		}
	}
	x, w := in[0].Float64s(), in[1].Float64s()
	args := make([][]float64, nargs)
	argStride := make([]int, nargs) // row stride
	argCol := make([]int, nargs)    // column stride: 0 for a scalar argument
	for j := range args {
		s := in[2+j].Shape()
		args[j] = in[2+j].Float64s()
		if s[0] > 1 {
			argStride[j] = s[1]
		}
		if s[1] > 1 {
			argCol[j] = 1
		}
	}
	xStride, wStride := 0, 0
	if xs[0] > 1 {
		xStride = N
	}
	if ws[0] > 1 {
		wStride = ws[1]
	}
	wr := make([]float64, K)
	for _, p := range k.partial {
		if p != nil {
			zero(p)
		}
	}
	o := out.Float64s()
	wantGrad := false
	for _, b := range k.wrt {
		wantGrad = wantGrad || b
	}
	for r := 0; r < R; r++ {
		if scalarW {
			wr[0], wr[1] = w[r*wStride], 1-w[r*wStride]
		} else {
			copy(wr, w[r*wStride:r*wStride+K])
		}
		acc := 0.0
		for i := 0; i < N; i++ {
			xi := x[r*xStride+i]
			for c := 0; c < K; c++ {
				for j := range args {
					k.p[j] = args[j][r*argStride[j]+c*argCol[j]]
				}
				var dl []float64
				if wantGrad {
					dl = k.dl[c]
				}
				k.lp[c] = math.Log(wr[c]) + k.d.LogDensity(xi, k.p, dl)
			}
			lse := dist.LogSumExp(k.lp)
			acc += lse
			if k.pointwise {
				o[r*N+i] = lse
			}
			if !wantGrad || math.IsInf(lse, 0) || math.IsNaN(lse) {
				continue
			}
			for c := 0; c < K; c++ {
				rho := math.Exp(k.lp[c] - lse)
				if rho == 0 {
					continue
				}
				if p := k.partial[0]; p != nil {
					p[r*N+i] += rho * k.dl[c][0]
				}
				if p := k.partial[1]; p != nil {
					switch {
					case !scalarW:
						p[r*K+c] += rho / wr[c]
					case c == 0:
						p[r] += rho / wr[0]
					default:
						p[r] -= rho / wr[1]
					}
				}
				for j := range args {
					if p := k.partial[2+j]; p != nil {
						p[r*K+c] += rho * k.dl[c][1+j]
					}
				}
			}
		}
		if !k.pointwise {
			o[r] = acc
		}
	}
}

func (k *mixtureKernel) backward(i int, in []*tensor.Dense, out, g, dst *tensor.Dense) {
	gd, d, pi := g.Float64s(), dst.Float64s(), k.partial[i]
	R := out.Shape()[0]
	s := in[i].Shape()
	W := len(pi) / R // N for x, K for the rest
	zero(d)
	rs, cs := 0, 0
	if s[0] > 1 {
		rs = s[1]
	}
	if s[1] > 1 {
		cs = 1
	}
	for r := 0; r < R; r++ {
		for c := 0; c < W; c++ {
			d[r*rs+c*cs] += gd[r] * pi[r*W+c]
		}
	}
}

// MixtureOf adds the term x ~ Mixture(w, d₁(args₁...), …, d_K(args_K...)) with components
// written out one by one: each component's arguments are [1 or C, 1 or N] (a scalar or one
// value per element of x), and w is [1 or C, K], or [1 or C, 1] for θ and 1 − θ when K = 2.
func (b *Builder) MixtureOf(dists []*dist.Dist, x, w *G.Node, args [][]*G.Node) error {
	in := []*G.Node{x, w}
	nargs := make([]int, len(dists))
	for k, a := range args {
		in = append(in, a...)
		nargs[k] = len(a)
	}
	wrt := make([]bool, len(in))
	for i, n := range in {
		wrt[i] = b.active[n]
	}
	n, err := b.apply(&mixtureOfKernel{dists: dists, nargs: nargs, wrt: wrt}, in...)
	if err != nil {
		return err
	}
	b.terms = append(b.terms, n)
	return nil
}

// mixtureOfKernel is mixtureKernel for components written out one by one, each with its own
// distribution and arguments per element of x: out[r] = Σᵢ LSEₖ(log wₖ + ℓₖ(xᵢ | argsₖᵢ)). The
// partial derivatives of the arguments are kept per element, [R, N], and the backward op adds
// them up over whatever the argument was broadcast along, as densityKernel's does.
type mixtureOfKernel struct {
	dists     []*dist.Dist
	nargs     []int
	wrt       []bool
	pointwise bool // one value per element of x, [R, N], not their sum (Builder.MixtureOfPointwise)
	partial   [][]float64
	lp        []float64
	dl        [][]float64
	p         [][]float64
}

func (k *mixtureOfKernel) name() string { return "MixtureOf" }
func (k *mixtureOfKernel) shape(in []tensor.Shape) (tensor.Shape, error) {
	R := 1
	for _, s := range in {
		if len(s) != 2 {
			return nil, fmt.Errorf("autodiff: mixture input of shape %v", s)
		}
		R = max(R, s[0])
	}
	N := in[0][1]
	for i, s := range in {
		if s[0] != 1 && s[0] != R {
			return nil, fmt.Errorf("autodiff: mixture input %d of shape %v for %d chains", i, s, R)
		}
		if i >= 2 && s[1] != 1 && s[1] != N {
			return nil, fmt.Errorf("autodiff: mixture argument of shape %v for %d elements", s, N)
		}
	}
	if K := in[1][1]; K != len(k.dists) && !(K == 1 && len(k.dists) == 2) {
		return nil, fmt.Errorf("autodiff: %d weights for %d components", K, len(k.dists))
	}
	if k.pointwise {
		return tensor.Shape{R, N}, nil
	}
	return tensor.Shape{R, 1}, nil
}

func (k *mixtureOfKernel) forward(in []*tensor.Dense, out *tensor.Dense) {
	xs, ws := in[0].Shape(), in[1].Shape()
	R, N, K := out.Shape()[0], xs[1], len(k.dists)
	scalarW := ws[1] == 1 && K == 2
	if k.lp == nil {
		k.lp = make([]float64, K)
		k.dl, k.p = make([][]float64, K), make([][]float64, K)
		for c := range k.dists {
			k.dl[c], k.p[c] = make([]float64, k.nargs[c]+1), make([]float64, k.nargs[c])
		}
		k.partial = make([][]float64, len(in))
		for i := range in {
			switch {
			case !k.wrt[i]:
			case i == 1:
				k.partial[i] = make([]float64, R*ws[1])
			default:
				k.partial[i] = make([]float64, R*N)
			}
		}
	}
	for _, p := range k.partial {
		if p != nil {
			zero(p)
		}
	}
	lays := make([]layout, len(in))
	vals := make([][]float64, len(in))
	for i, t := range in {
		lays[i], vals[i] = layoutOf(t.Shape()), t.Float64s()
	}
	wantGrad := false
	for _, b := range k.wrt {
		wantGrad = wantGrad || b
	}
	wr := make([]float64, K)
	o := out.Float64s()
	for r := 0; r < R; r++ {
		w := vals[1][r*lays[1].rs:]
		if scalarW {
			wr[0], wr[1] = w[0], 1-w[0]
		} else {
			for c := range wr {
				wr[c] = w[c*lays[1].cs]
			}
		}
		acc := 0.0
		for i := 0; i < N; i++ {
			xi := vals[0][r*lays[0].rs+i*lays[0].cs]
			base := 2
			for c, d := range k.dists {
				for j := range k.p[c] {
					l := lays[base+j]
					k.p[c][j] = vals[base+j][r*l.rs+i*l.cs]
				}
				var dl []float64
				if wantGrad {
					dl = k.dl[c]
				}
				k.lp[c] = math.Log(wr[c]) + d.LogDensity(xi, k.p[c], dl)
				base += k.nargs[c]
			}
			lse := dist.LogSumExp(k.lp)
			acc += lse
			if k.pointwise {
				o[r*N+i] = lse
			}
			if !wantGrad || math.IsInf(lse, 0) || math.IsNaN(lse) {
				continue
			}
			base = 2
			for c := range k.dists {
				rho := math.Exp(k.lp[c] - lse)
				if rho != 0 {
					if p := k.partial[0]; p != nil {
						p[r*N+i] += rho * k.dl[c][0]
					}
					if p := k.partial[1]; p != nil {
						switch {
						case !scalarW:
							p[r*K+c] += rho / wr[c]
						case c == 0:
							p[r] += rho / wr[0]
						default:
							p[r] -= rho / wr[1]
						}
					}
					for j := 0; j < k.nargs[c]; j++ {
						if p := k.partial[base+j]; p != nil {
							p[r*N+i] = rho * k.dl[c][1+j]
						}
					}
				}
				base += k.nargs[c]
			}
		}
		if !k.pointwise {
			o[r] = acc
		}
	}
}

func (k *mixtureOfKernel) backward(i int, in []*tensor.Dense, out, g, dst *tensor.Dense) {
	gd, d, pi := g.Float64s(), dst.Float64s(), k.partial[i]
	R := out.Shape()[0]
	W := len(pi) / R
	l := layoutOf(in[i].Shape())
	zero(d)
	for r := 0; r < R; r++ {
		for c := 0; c < W; c++ {
			d[r*l.rs+c*l.cs] += gd[r] * pi[r*W+c]
		}
	}
}
