package compiler

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/ir"
)

// StanDroppedConstant returns C, the sum over every ~ statement of the model (the priors, then
// the likelihood terms) of the summands of its log density that Stan's `~` drops because they
// involve no parameter (dist.StanDropped). hmcc's log density (fully normalised, with the
// Jacobian of the constraining transforms) minus C is lp__ in Stan's convention: what Stan writes
// for the same model and draw. C depends on the data only, so samplers, which use differences
// of the log density and its gradient, are unaffected by it. An error says which statement's
// distribution has no rule.
func StanDroppedConstant(m *ir.Model) (float64, error) {
	terms := make([]*ir.Term, 0, len(m.Params)+len(m.Terms))
	for _, p := range m.Params {
		terms = append(terms, p.Prior)
	}
	terms = append(terms, m.Terms...)
	// The variates and arguments at θ = 0, computed by the compiled graph: the dropped
	// summands involve only the values that do not vary with θ.
	var exprs []ir.Expr
	for _, t := range terms {
		exprs = append(append(exprs, t.Variate), t.Args...)
	}
	at0, err := valuesAt(m, exprs, make([]float64, m.Dim()))
	if err != nil {
		return 0, err
	}
	vals := at0[0]
	total := 0.0
	for _, t := range terms {
		c, err := termDropped(m, t, vals[:1+len(t.Args)])
		vals = vals[1+len(t.Args):]
		if err != nil {
			return 0, err
		}
		total += c
	}
	if math.IsNaN(total) || math.IsInf(total, 0) {
		return 0, fmt.Errorf("the constants Stan's ~ statements drop are not finite (%v)", total)
	}
	return total, nil
}

// termDropped is t's share of StanDroppedConstant; vals are its variate's and then its
// arguments' values at θ = 0.
func termDropped(m *ir.Model, t *ir.Term, vals [][]float64) (float64, error) {
	if t.Weights != nil {
		// Stan writes a mixture as target += log_mix(...) or log_sum_exp(...), which keep every
		// constant of the component densities: nothing is dropped.
		return 0, nil
	}
	for _, v := range vals {
		if v == nil {
			return 0, diag.InternalAt(t.Pos, "the arguments of %s cannot be computed", t.Dist.Name)
		}
	}
	x := &ir.Tensor{Data: vals[0]}
	vx := varies(m, t.Variate)
	args := make([]*ir.Tensor, len(t.Args))
	vp := make([]bool, len(t.Args))
	n := len(x.Data)
	for i, a := range t.Args {
		args[i] = &ir.Tensor{Data: vals[1+i]}
		vp[i] = varies(m, a)
		n = max(n, len(args[i].Data))
	}
	noRule := fmt.Errorf("%s: %s has no rule for the constants Stan's ~ drops", t.Pos, t.Dist.Name)
	if t.Dist.Multi != nil {
		vpv := make([][]float64, len(args))
		for i, a := range args {
			vpv[i] = a.Data
		}
		s := m.Sizes.Resolve(t.Variate.Shape())
		return t.Dist.StanDroppedMulti(x.Data, s[len(s)-1], vpv, vx, vp), nil
	}
	if t.Dist.Vector {
		vpv := make([][]float64, len(args))
		for i, a := range args {
			vpv[i] = make([]float64, len(x.Data))
			for j := range vpv[i] {
				vpv[i][j] = a.Data[j%len(a.Data)]
			}
		}
		c, ok := t.Dist.StanDroppedVector(x.Data, vpv, vx, vp)
		if !ok {
			return 0, noRule
		}
		return c, nil
	}
	p := make([]float64, len(args))
	total := 0.0
	for j := 0; j < n; j++ {
		for i, a := range args {
			p[i] = a.Data[j%len(a.Data)]
		}
		c, ok := t.Dist.StanDropped(x.Data[j%len(x.Data)], p, vx, vp)
		if !ok {
			return 0, noRule
		}
		total += c
	}
	return total, nil
}

// varies reports whether e involves a parameter, as Stan's type system decides whether an
// argument is a var: any reference to a parameter, directly or through a let, makes it one.
// An expression kind this walk does not know is probed instead: evaluated at two random points,
// it varies if its value changes.
func varies(m *ir.Model, e ir.Expr) bool {
	switch e := e.(type) {
	case *ir.Const, *ir.Folded, *ir.DataRef:
		return false
	case *ir.ParamRef:
		return true
	case *ir.LetRef:
		return varies(m, e.Var.Value)
	case *ir.GenRef:
		return e.Var.Value != nil && varies(m, e.Var.Value)
	case *ir.Unary:
		return varies(m, e.X)
	case *ir.Binary:
		return varies(m, e.L) || varies(m, e.R)
	case *ir.MatVec:
		return varies(m, e.M) || varies(m, e.V)
	case *ir.Gather:
		return varies(m, e.X)
	case *ir.Sum:
		return varies(m, e.X)
	case *ir.Mean:
		return varies(m, e.X)
	case *ir.Dot:
		return varies(m, e.A) || varies(m, e.B)
	case *ir.Transpose:
		return varies(m, e.X)
	case *ir.MatFunc:
		for _, a := range e.Args {
			if varies(m, a) {
				return true
			}
		}
		return false
	}
	return probeVaries(m, e)
}

func probeVaries(m *ir.Model, e ir.Expr) bool {
	rng := rand.New(rand.NewPCG(1, 2))
	var thetas [2][]float64
	for k := range thetas {
		thetas[k] = make([]float64, m.Dim())
		for i := range thetas[k] {
			thetas[k][i] = rng.Float64()*2 - 1
		}
	}
	at, err := valuesAt(m, []ir.Expr{e}, thetas[0], thetas[1])
	if err != nil || at[0][0] == nil {
		return true // cannot tell: keep its summands, as for a parameter
	}
	vals := [2][]float64{at[0][0], at[1][0]}
	for i := range vals[0] {
		if vals[0][i] != vals[1][i] && !(math.IsNaN(vals[0][i]) && math.IsNaN(vals[1][i])) {
			return true
		}
	}
	return false
}
