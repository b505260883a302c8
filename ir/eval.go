package ir

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/dist"
)

// Env supplies parameter values on the constrained scale for one chain, and caches lets and
// generated quantities.
type Env struct {
	Sizes  Sizes
	Params map[*ParamVar][]float64
	// Rand is the source of generate NAME ~ Dist(args) draws; nil where nothing is drawn.
	Rand *rand.Rand
	lets map[*LetVar]*Tensor
	gens map[*GenVar]*Tensor
	// recur holds the recurrences being evaluated (recur.go).
	recur map[*Recur]*recurFrame
}

// NewEnv returns an environment; params may be nil for data-only evaluation.
func NewEnv(sizes Sizes, params map[*ParamVar][]float64) *Env {
	return &Env{Sizes: sizes, Params: params, lets: map[*LetVar]*Tensor{}, gens: map[*GenVar]*Tensor{}}
}

// Generate computes a generated quantity once per environment: its expression, or a draw from
// its distribution for every element (scalar arguments broadcast) using env.Rand. A draw with
// arguments outside the distribution's domains is NaN. It is the reference the compiled draws
// (autodiff's Draw ops) are tested against, stream use included.
func (g *GenVar) Generate(env *Env) (*Tensor, error) {
	if t, ok := env.gens[g]; ok {
		return t, nil
	}
	if g.Term == nil {
		t, err := Eval(g.Value, env)
		if err != nil {
			return nil, err
		}
		env.gens[g] = t
		return t, nil
	}
	if env.Rand == nil {
		return nil, diag.Internalf("%s is drawn, but there is no random source", g.Name)
	}
	args := make([]*Tensor, len(g.Term.Args))
	for i, a := range g.Term.Args {
		var err error
		if args[i], err = Eval(a, env); err != nil {
			return nil, err
		}
	}
	out := NewTensor(env.Sizes.Resolve(g.Shape)...)
	if m := g.Term.Dist.Multi; m != nil { // vectors of K (the rows of a matrix) or one K×K matrix
		K := out.Shape[len(out.Shape)-1]
		size := K
		if m.VariateRank == 2 {
			size = K * K
		}
		p := make([][]float64, len(args))
		for i, a := range args {
			p[i] = a.Data
		}
		for j := 0; j < len(out.Data); j += size {
			x := out.Data[j : j+size]
			if !m.Sample(env.Rand, K, p, x) {
				for i := range x {
					x[i] = math.NaN()
				}
			}
		}
		env.gens[g] = out
		return out, nil
	}
	if g.Term.Dist.Vector { // one draw of the whole vector; scalar arguments fill it
		vp := make([][]float64, len(args))
		for i, a := range args {
			vp[i] = make([]float64, len(out.Data))
			for j := range vp[i] {
				vp[i][j] = a.Data[j%len(a.Data)]
			}
		}
		g.Term.Dist.VectorRand(env.Rand, vp, out.Data)
		env.gens[g] = out
		return out, nil
	}
	p := make([]float64, len(args))
	for j := range out.Data {
		for i, a := range args {
			p[i] = a.Data[j%len(a.Data)]
		}
		out.Data[j] = g.Term.Dist.Rand(env.Rand, p)
	}
	env.gens[g] = out
	return out, nil
}

// Eval computes e for one chain. It is the reference semantics of the language: the lowering to
// a batched graph must agree with it, and data-only subexpressions are folded with it. Nothing
// that depends on the parameters is computed with it outside the tests: the log density and the
// reported quantities (compiler.CompileOutputs) are the graph's, held to Eval by the tests.
func Eval(e Expr, env *Env) (*Tensor, error) {
	switch e := e.(type) {
	case *Const:
		return Scalar(e.Value), nil
	case *Folded:
		return e.Value, nil
	case *DataRef:
		if e.Var.Value == nil {
			return nil, fmt.Errorf("data %s is not bound", e.Var.Name)
		}
		return e.Var.Value, nil
	case *ParamRef:
		v, ok := env.Params[e.Var]
		if !ok {
			return nil, fmt.Errorf("parameter %s has no value", e.Var.Name)
		}
		return &Tensor{Shape: env.Sizes.Resolve(e.Var.Shape), Data: v}, nil
	case *LetRef:
		if t, ok := env.lets[e.Var]; ok {
			return t, nil
		}
		t, err := Eval(e.Var.Value, env)
		if err != nil {
			return nil, err
		}
		env.lets[e.Var] = t
		return t, nil
	case *GenRef:
		return e.Var.Generate(env)
	case *Unary:
		x, err := Eval(e.X, env)
		if err != nil {
			return nil, err
		}
		out := &Tensor{Shape: x.Shape, Data: make([]float64, len(x.Data))}
		for i, v := range x.Data {
			out.Data[i] = e.Func.F(v)
		}
		return out, nil
	case *Binary:
		l, err := Eval(e.L, env)
		if err != nil {
			return nil, err
		}
		r, err := Eval(e.R, env)
		if err != nil {
			return nil, err
		}
		shape := l.Shape
		if len(l.Data) == 1 && len(r.Data) != 1 {
			shape = r.Shape
		}
		n := max(len(l.Data), len(r.Data))
		out := &Tensor{Shape: shape, Data: make([]float64, n)}
		for i := range out.Data {
			out.Data[i] = e.Op.F(l.Data[i%len(l.Data)], r.Data[i%len(r.Data)])
		}
		return out, nil
	case *MatVec:
		m, err := Eval(e.M, env)
		if err != nil {
			return nil, err
		}
		v, err := Eval(e.V, env)
		if err != nil {
			return nil, err
		}
		rows, cols := m.Shape[0], m.Shape[1]
		out := NewTensor(rows)
		for i := 0; i < rows; i++ {
			s := 0.0
			for j := 0; j < cols; j++ {
				s += m.Data[i*cols+j] * v.Data[j]
			}
			out.Data[i] = s
		}
		return out, nil
	case *Gather:
		x, err := Eval(e.X, env)
		if err != nil {
			return nil, err
		}
		if e.Index.Value == nil {
			return nil, fmt.Errorf("data %s is not bound", e.Index.Name)
		}
		idx := e.Index.Value.Data
		out := NewTensor(len(idx))
		for i, g := range idx {
			k := int(g) - 1
			if k < 0 || k >= len(x.Data) {
				return nil, fmt.Errorf("group %v of %s is outside 1…%d", g, e.Index.Name, len(x.Data))
			}
			out.Data[i] = x.Data[k]
		}
		return out, nil
	case *LogSumExp:
		t, err := Eval(e.X, env)
		if err != nil {
			return nil, err
		}
		return Scalar(dist.LogSumExp(t.Data)), nil
	case *Sum:
		return reduce(e.X, env, false)
	case *Mean:
		return reduce(e.X, env, true)
	case *Dot:
		a, err := Eval(e.A, env)
		if err != nil {
			return nil, err
		}
		b, err := Eval(e.B, env)
		if err != nil {
			return nil, err
		}
		if len(a.Data) != len(b.Data) {
			return nil, fmt.Errorf("dot of %d and %d elements", len(a.Data), len(b.Data))
		}
		s := 0.0
		for i, v := range a.Data {
			s += v * b.Data[i]
		}
		return Scalar(s), nil
	case *Transpose:
		x, err := Eval(e.X, env)
		if err != nil {
			return nil, err
		}
		if len(x.Shape) != 2 {
			return nil, fmt.Errorf("transpose of shape %v", x.Shape)
		}
		rows, cols := x.Shape[0], x.Shape[1]
		out := NewTensor(cols, rows)
		for r := 0; r < rows; r++ {
			for c := 0; c < cols; c++ {
				out.Data[c*rows+r] = x.Data[r*cols+c]
			}
		}
		return out, nil
	case *SizeVal:
		for _, t := range e.A.Terms {
			if _, ok := env.Sizes[t.Sym]; !ok {
				return nil, fmt.Errorf("size %s is not bound", t.Sym) // before the data are loaded
			}
		}
		return Scalar(float64(e.A.Resolve(env.Sizes))), nil
	case *Slice:
		x, err := Eval(e.X, env)
		if err != nil {
			return nil, err
		}
		first, count, err := e.Range(env.Sizes, len(x.Data))
		if err != nil {
			return nil, err
		}
		if e.Elem {
			return Scalar(x.Data[first]), nil
		}
		return &Tensor{Shape: []int{count}, Data: append([]float64(nil), x.Data[first:first+count]...)}, nil
	case *Select:
		c, err := Eval(e.C, env)
		if err != nil {
			return nil, err
		}
		a, err := Eval(e.A, env)
		if err != nil {
			return nil, err
		}
		b, err := Eval(e.B, env)
		if err != nil {
			return nil, err
		}
		out := NewTensor(env.Sizes.Resolve(e.shp)...)
		for i := range out.Data {
			if c.Data[i%len(c.Data)] != 0 {
				out.Data[i] = a.Data[i%len(a.Data)]
			} else {
				out.Data[i] = b.Data[i%len(b.Data)]
			}
		}
		return out, nil
	case *MatFunc:
		return evalMatFunc(e, env)
	case *Recur:
		return evalRecur(e, env)
	case *At, *Lag, *RecurIndex:
		return evalInStep(e, env)
	}
	return nil, fmt.Errorf("ir: cannot evaluate %T", e)
}

// LogDensity evaluates the term's log density for one chain by broadcasting scalars over the
// variate's elements.
func (t *Term) LogDensity(env *Env) (float64, error) {
	if t.Weights != nil {
		lp, err := t.Pointwise(env)
		total := 0.0
		for _, v := range lp {
			total += v
		}
		return total, err
	}
	x, err := Eval(t.Variate, env)
	if err != nil {
		return 0, err
	}
	args := make([]*Tensor, len(t.Args))
	n := len(x.Data)
	for i, a := range t.Args {
		if args[i], err = Eval(a, env); err != nil {
			return 0, err
		}
		n = max(n, len(args[i].Data))
	}
	if t.Dist.Multi != nil {
		vp := make([][]float64, len(args))
		for i, a := range args {
			vp[i] = a.Data
		}
		return t.Dist.Multi.LogDensity(x.Data, MultiK(x), vp, nil, nil), nil
	}
	if t.Dist.Vector { // one density of the whole vector; scalar arguments fill it
		vp := make([][]float64, len(args))
		for i, a := range args {
			vp[i] = make([]float64, len(x.Data))
			for j := range vp[i] {
				vp[i][j] = a.Data[j%len(a.Data)]
			}
		}
		return t.Dist.VectorLogDensity(x.Data, vp, nil, nil), nil
	}
	p := make([]float64, len(args))
	total := 0.0
	for j := 0; j < n; j++ {
		for i, a := range args {
			p[i] = a.Data[j%len(a.Data)]
		}
		total += t.Dist.LogDensity(x.Data[j%len(x.Data)], p, nil)
	}
	return total, nil
}

// reduce evaluates x and returns its sum, or its mean.
func reduce(x Expr, env *Env, mean bool) (*Tensor, error) {
	t, err := Eval(x, env)
	if err != nil {
		return nil, err
	}
	s := 0.0
	for _, v := range t.Data {
		s += v
	}
	if mean {
		s /= float64(len(t.Data))
	}
	return Scalar(s), nil
}

// MultiK is the K of a multivariate variate: its last axis (K of a vector [K], of the rows of a
// matrix [N, K] and of a K×K matrix).
func MultiK(x *Tensor) int {
	if len(x.Shape) == 0 {
		return 1
	}
	return x.Shape[len(x.Shape)-1]
}
