package compiler

import (
	"strconv"
	"strings"

	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/dist"
	"github.com/hmcc-dev/hmcc/ir"
)

// Thresholds of the prior warnings. They are deliberately loose: a warning should point at a
// prior that is almost certainly a placeholder for "flat", not second-guess a considered choice
// such as Normal(0, 100) for a test score.
const (
	// wideScale is the scale from which a location-scale prior is reported as very wide.
	wideScale = 1e4
	// wideRange is the width from which a Uniform prior is reported as very wide.
	wideRange = 1e4
	// vagueGamma is the value at or below which both arguments of Gamma(ε, ε) or
	// InverseGamma(ε, ε) make the prior nearly improper.
	vagueGamma = 0.01
)

// Warnings looks for things in a checked model (bound or not) that are allowed but usually a
// mistake or a cause of poor sampling: very wide or nearly improper priors, data that nothing
// uses, and centred hierarchies that make funnels. They are returned sorted by position and do
// not stop anything; hmcc check prints them.
func Warnings(m *ir.Model) diag.List {
	var ws diag.List
	sizes := m.Sizes
	for _, p := range m.Params {
		if w := widePrior(p, sizes); w != nil {
			ws.Add(w)
		}
	}
	for _, d := range m.Data {
		if !d.Used {
			ws.Add(warnUnusedData(d.NamePos, endOf(d.NamePos, d.Name), d.Name))
		}
	}
	for _, l := range m.Lets {
		if !l.Used && !l.Reported {
			kind := "let"
			if l.Const {
				kind = "const"
			}
			ws.Add(warnUnusedLet(l.Pos, endOf(l.Pos, l.Name), kind, l.Name))
		}
	}
	for _, t := range m.Terms {
		if _, isData := t.Variate.(*ir.DataRef); !isData && t.Variate.DependsOnParams() {
			start, end := t.Variate.Span()
			ws.Add(warnObservedParameters(start, end, source(t.Variate)))
		}
	}
	inLikelihood := likelihoodParams(m)
	for _, p := range m.Params {
		if inLikelihood[p] {
			if w := centred(p); w != nil {
				ws.Add(w)
			}
		}
	}
	if ws.Err() == nil { // Err sorts the list
		return nil
	}
	return ws
}

// value returns a scalar argument's value when it depends on neither parameters nor unbound data.
func value(e ir.Expr, sizes ir.Sizes) (float64, bool) {
	if e.DependsOnParams() || len(e.Shape()) != 0 {
		return 0, false
	}
	v, err := ir.Eval(e, ir.NewEnv(sizes, nil))
	if err != nil || len(v.Data) != 1 {
		return 0, false // data not bound yet
	}
	return v.Data[0], true
}

// widePrior reports a prior that is so wide it says nothing: a location-scale prior with a huge
// scale, an Exponential with a tiny rate, a Uniform over a huge range, or Gamma(ε, ε).
func widePrior(p *ir.ParamVar, sizes ir.Sizes) *diag.Error {
	t := p.Prior
	d := t.Dist
	arg := func(i int) (float64, bool) { return value(t.Args[i], sizes) }
	span := func(i int) (diag.Pos, diag.Pos) { return t.Args[i].Span() }
	if d.LocScale != nil {
		i := d.LocScale.Scale
		if s, ok := arg(i); ok && s >= wideScale {
			start, end := span(i)
			return warnWideScale(start, end, p.Name, d.Name, d.Params[i].Name, s)
		}
	}
	switch d.Vague {
	case dist.VagueRate:
		if r, ok := arg(0); ok && r <= 1/wideScale {
			start, end := span(0)
			return warnWideRate(start, end, p.Name, d.Name, d.Params[0].Name, r)
		}
	case dist.VagueRange:
		lo, okLo := arg(0)
		hi, okHi := arg(1)
		if okLo && okHi && hi-lo >= wideRange {
			start, _ := span(0)
			_, end := span(1)
			return warnWideRange(start, end, p.Name, d.Name, lo, hi)
		}
	case dist.VagueEpsilon:
		a, okA := arg(0)
		b, okB := arg(1)
		if okA && okB && a <= vagueGamma && b <= vagueGamma {
			return warnVagueEpsilon(t.Pos, t.End, p.Name, d.Name, a, b)
		}
	}
	return nil
}

// markUsed sets Used on the data and lets that the model's output depends on: those read,
// directly or through lets, by a likelihood, a prior, a reported let or a generated quantity.
// Data read only by an unused const is as unused as data read by nothing. Check calls it while
// the references are still there; binding folds data-only expressions into values.
func markUsed(m *ir.Model) {
	for _, d := range m.Data {
		d.Used = false
	}
	var visit func(e ir.Expr)
	visit = func(e ir.Expr) {
		ir.Walk(e, func(x ir.Expr) bool {
			switch x := x.(type) {
			case *ir.DataRef:
				x.Var.Used = true
			case *ir.Gather:
				x.Index.Used = true
			case *ir.MatFunc:
				if x.Group != nil {
					x.Group.Used = true
				}
			case *ir.LetRef:
				if !x.Var.Used {
					x.Var.Used = true
					visit(x.Var.Value)
				}
			}
			return true
		})
	}
	for _, l := range m.Lets {
		if l.Reported {
			visit(l.Value)
		}
	}
	for _, g := range m.Generated {
		if g.Term == nil {
			visit(g.Value)
		}
	}
	for _, t := range m.DensityTerms() {
		for _, e := range t.Exprs() {
			visit(e)
		}
	}
}

// likelihoodParams returns the parameters that some likelihood term reads, directly or through
// lets.
func likelihoodParams(m *ir.Model) map[*ir.ParamVar]bool {
	used := map[*ir.ParamVar]bool{}
	seen := map[*ir.LetVar]bool{}
	var visit func(e ir.Expr)
	visit = func(e ir.Expr) {
		ir.Walk(e, func(x ir.Expr) bool {
			switch x := x.(type) {
			case *ir.ParamRef:
				used[x.Var] = true
			case *ir.LetRef:
				if !seen[x.Var] {
					seen[x.Var] = true
					visit(x.Var.Value)
				}
			}
			return true
		})
	}
	for _, t := range m.Terms {
		for _, a := range t.Args {
			visit(a)
		}
		if t.Weights != nil {
			visit(t.Weights)
		}
		for _, c := range t.Components {
			for _, a := range c.Args {
				visit(a)
			}
		}
	}
	return used
}

// centred reports a vector parameter whose prior's scale is a parameter: a[J] ~ Normal(mu,
// sigma). When the data say little about each a[j], the posterior of (a, sigma) is a funnel whose
// neck HMC cannot enter with one step size (divergent transitions); a = mu + sigma * a_raw with
// a_raw ~ Normal(0, 1) samples the same model without it (Betancourt & Girolami 2015).
func centred(p *ir.ParamVar) *diag.Error {
	t := p.Prior
	ls := t.Dist.LocScale
	if !ls.Centrable() || len(p.Shape) != 1 {
		return nil
	}
	scale := t.Args[ls.Scale]
	if !scale.DependsOnParams() {
		return nil
	}
	raw := p.Name + "_raw"
	value := operand(scale) + " * " + raw
	if loc := operand(t.Args[ls.Loc]); loc != "0" {
		value = loc + " + " + value
	}
	what := "its scale depends on parameters"
	if _, ok := scale.(*ir.ParamRef); ok {
		what = "its scale " + source(scale) + " is a parameter"
	}
	return warnCentred(t.Pos, t.End, p.Name, what, raw, p.Shape, standardForm(t), value)
}

// standardForm is the family of a centrable prior with location 0 and scale 1 and its other
// arguments as written: Normal(0, 1), StudentT(nu, 0, 1).
func standardForm(t *ir.Term) string {
	args := make([]string, len(t.Args))
	for i, a := range t.Args {
		switch i {
		case t.Dist.LocScale.Loc:
			args[i] = "0"
		case t.Dist.LocScale.Scale:
			args[i] = "1"
		default:
			args[i] = source(a)
		}
	}
	return t.Dist.Name + "(" + strings.Join(args, ", ") + ")"
}

// source writes an argument in the model language, so a hint can show the rewritten statement.
// Operands that are themselves operations are parenthesised; the result is not always minimal,
// but always reads the same as the model.
func source(e ir.Expr) string {
	switch e := e.(type) {
	case *ir.Const:
		return strconv.FormatFloat(e.Value, 'g', -1, 64)
	case *ir.ParamRef:
		return e.Var.Name
	case *ir.DataRef:
		return e.Var.Name
	case *ir.LetRef:
		return e.Var.Name
	case *ir.Unary:
		if e.Func == ir.Negate {
			return "-" + operand(e.X)
		}
		return e.Func.Name + "(" + source(e.X) + ")"
	case *ir.Binary:
		if e.Op == ir.LogSumExp2 {
			return "log_sum_exp(" + source(e.L) + ", " + source(e.R) + ")"
		}
		return operand(e.L) + " " + e.Op.Symbol + " " + operand(e.R)
	case *ir.MatVec:
		return operand(e.M) + " @ " + operand(e.V)
	case *ir.Gather:
		return source(e.X) + "[" + e.Index.Name + "]"
	case *ir.Sum:
		return "sum(" + source(e.X) + ")"
	case *ir.Mean:
		return "mean(" + source(e.X) + ")"
	case *ir.Dot:
		return "dot(" + source(e.A) + ", " + source(e.B) + ")"
	case *ir.LogSumExp:
		return "log_sum_exp(" + source(e.X) + ")"
	case *ir.Transpose:
		return "transpose(" + source(e.X) + ")"
	}
	return "…" // a folded value: only after binding, and warnings name the model's own text
}

// operand is source with parentheses around an operation.
func operand(e ir.Expr) string {
	switch e.(type) {
	case *ir.Binary, *ir.MatVec, *ir.Unary:
		if u, ok := e.(*ir.Unary); ok && u.Func != ir.Negate {
			return source(e) // a call needs none
		}
		return "(" + source(e) + ")"
	}
	return source(e)
}
