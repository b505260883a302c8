package compiler

import (
	"github.com/hmcc-dev/hmcc/dist"
	"github.com/hmcc-dev/hmcc/ir"
	"github.com/hmcc-dev/hmcc/lang"
)

// sampleExpr checks an observed expression, log(earn) ~ Normal(mu, sigma). An expression of data
// needs no Jacobian: the data are fixed, so the density of log(earn) and that of earn differ by
// a constant. One that involves parameters is allowed but warned about (Warnings).
func (c *checker) sampleExpr(s *lang.SampleStmt) {
	e := c.expr(s.Variate)
	if e == nil {
		if s.Dist.Name != "Mixture" {
			c.distCall(s.Dist, nil, false)
		}
		return
	}
	if len(e.Shape()) > 1 {
		start, end := s.Variate.Span()
		c.add(errObservedExpressionMatrix(start, end, e.Shape()))
		return
	}
	c.observe(s, e)
}

// orderedPrior unwraps param mu[K] ~ Ordered(Normal(0, 5)) into the prior it holds; ordered is
// true when it did. It returns nil after reporting a malformed Ordered(...).
func (c *checker) orderedPrior(s *lang.ParamDecl, shape ir.Shape) (prior *lang.DistCall, ordered bool) {
	if s.Prior.Name != "Ordered" {
		return s.Prior, false
	}
	var inner *lang.Call
	if len(s.Prior.Args) == 1 {
		inner, _ = s.Prior.Args[0].(*lang.Call)
	}
	if inner == nil {
		c.add(errOrderedArity(s.Prior.Pos, s.Prior.End, s.Name))
		return nil, false
	}
	if _, ok := dist.Lookup(inner.Func); !ok {
		start, _ := inner.Span()
		c.add(errOrderedNotDistribution(start, endOf(start, inner.Func), inner.Func, s.Name))
		return nil, false
	}
	start, end := inner.Span()
	return &lang.DistCall{Pos: start, End: end, Name: inner.Func, NameEnd: endOf(start, inner.Func), Args: inner.Args}, true
}

// orderedConstraint is the constraint of an Ordered(...) parameter: a vector on the real line
// whose elements increase.
func (c *checker) orderedConstraint(s *lang.ParamDecl, prior *lang.DistCall, d *dist.Dist, shape ir.Shape) ir.Constraint {
	switch {
	case len(shape) != 1:
		c.add(errOrderedScalar(s.Pos, s.End, s.Name, shape, d.Name))
	case d.Support != dist.Real || d.Vector:
		c.add(errOrderedSupport(prior.Pos, prior.NameEnd, d.Name, d.Support))
	}
	return ir.Constraint{Kind: ir.Ordered}
}

// mixture checks y ~ Mixture(w, Dist(args)): w is a vector [K] of weights (a simplex, usually a
// Dirichlet parameter) or a scalar θ, which weighs two components θ and 1 − θ (Stan's log_mix),
// and each argument of the component distribution is a scalar or a vector [K], one value per
// component. Every element of y has the density Σₖ wₖ Dist(y | argsₖ).
func (c *checker) mixture(call *lang.DistCall, variate ir.Shape) (*ir.Term, *dist.Dist) {
	if len(call.Args) > 2 {
		return c.mixtureOf(call, variate)
	}
	if len(call.Args) != 2 {
		c.add(errMixtureArity(call.Pos, call.End, len(call.Args)))
		for _, a := range call.Args {
			if _, isCall := a.(*lang.Call); !isCall {
				c.expr(a)
			}
		}
		return nil, nil
	}
	w := c.expr(call.Args[0])
	comp, _ := call.Args[1].(*lang.Call)
	var d *dist.Dist
	if comp != nil {
		d, _ = dist.Lookup(comp.Func)
	}
	if d == nil {
		start, end := call.Args[1].Span()
		c.add(errMixtureComponent(start, end))
		return nil, nil
	}
	if w == nil {
		return nil, nil
	}
	if sh := w.Shape(); len(sh) > 1 {
		start, end := call.Args[0].Span()
		c.add(errMixtureWeightsShape(start, end, sh))
		return nil, nil
	}
	start, _ := comp.Span()
	nameEnd := endOf(start, comp.Func)
	if d.Vector {
		c.add(errMixtureVectorComponent(start, nameEnd, d.Name))
		return nil, nil
	}
	if len(comp.Args) != len(d.Params) {
		c.add(errMixtureComponentArity(start, nameEnd, d, len(comp.Args)))
		return nil, nil
	}
	exprs := make([]ir.Expr, len(comp.Args))
	for i, a := range comp.Args {
		exprs[i] = c.expr(a)
	}
	K := w.Shape()
	if len(K) == 0 { // Stan's log_mix(θ, ·, ·): weights θ and 1 − θ for two components
		K = ir.Shape{{Size: 2}}
		for _, e := range exprs {
			if e != nil && len(e.Shape()) == 1 {
				K = e.Shape() // a named size is checked to be 2 when the data are bound
				break
			}
		}
	}
	term := &ir.Term{Pos: call.Pos, End: call.End, Dist: d, Weights: w}
	ok := true
	for i, a := range comp.Args {
		e := exprs[i]
		if e == nil {
			ok = false
			continue
		}
		as, ae := a.Span()
		if sh := e.Shape(); len(sh) != 0 && !sh.Equal(K) {
			c.add(errMixtureArgumentShape(as, ae, d.Params[i].Name, d.Name, sh, K, lang.DumpExpr(call.Args[0])))
			ok = false
		}
		if !c.integerArgIsData(d, i, e, as, ae) {
			ok = false
		}
		term.Args = append(term.Args, e)
	}
	if !ok {
		return nil, d
	}
	return term, d
}

// mixtureOf checks y ~ Mixture(w, Dist₁(args₁), …, Dist_K(args_K)), the components written out
// one by one (Stan's log_mix with K densities): each may be a different distribution, and each
// argument is a scalar or has the variate's shape, one value per observation. w is a vector [K]
// or, for two components, a scalar θ (weights θ and 1 − θ).
func (c *checker) mixtureOf(call *lang.DistCall, variate ir.Shape) (*ir.Term, *dist.Dist) {
	w := c.expr(call.Args[0])
	term := &ir.Term{Pos: call.Pos, End: call.End, Weights: w}
	ok := w != nil
	K := len(call.Args) - 1
	for i, a := range call.Args[1:] {
		comp, _ := a.(*lang.Call)
		var d *dist.Dist
		if comp != nil {
			d, _ = dist.Lookup(comp.Func)
		}
		if d == nil {
			start, end := a.Span()
			c.add(errMixtureOfNotDistribution(start, end, i+2))
			ok = false
			continue
		}
		start, _ := comp.Span()
		nameEnd := endOf(start, comp.Func)
		if d.Vector {
			c.add(errMixtureVectorComponent(start, nameEnd, d.Name))
			ok = false
			continue
		}
		if len(comp.Args) != len(d.Params) {
			c.add(errMixtureComponentArity(start, nameEnd, d, len(comp.Args)))
			ok = false
			continue
		}
		_, end := comp.Span()
		ct := &ir.Term{Pos: start, End: end, Dist: d}
		for j, arg := range comp.Args {
			e := c.expr(arg)
			if e == nil {
				ok = false
				continue
			}
			as, ae := arg.Span()
			if sh := e.Shape(); len(sh) != 0 && !sh.Equal(variate) {
				c.add(errMixtureOfArgumentShape(as, ae, d.Params[j].Name, d.Name, sh, variate))
				ok = false
			}
			if !c.integerArgIsData(d, j, e, as, ae) {
				ok = false
			}
			ct.Args = append(ct.Args, e)
		}
		term.Components = append(term.Components, ct)
	}
	if w != nil {
		start, end := call.Args[0].Span()
		switch sh := w.Shape(); {
		case len(sh) == 0 && K != 2:
			c.add(errMixtureOfOneWeight(start, end, K))
			ok = false
		case len(sh) > 1:
			c.add(errMixtureWeightsShape(start, end, sh))
			ok = false
		case len(sh) == 1 && sh[0].Name == "" && sh[0].Size != K:
			c.add(errMixtureOfWeightCount(start, end, K, sh))
			ok = false
		}
	}
	if !ok || len(term.Components) == 0 {
		return nil, nil
	}
	term.Dist = term.Components[0].Dist
	return term, term.Dist
}
