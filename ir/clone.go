package ir

import "fmt"

// Clone returns a deep copy of m: new declarations, terms and expression nodes, with every
// reference (DataRef, Gather's index, a recurrence's At, Lag and RecurIndex) pointing into the
// copy, and a node shared by two places in m shared by the same two places in the copy. The
// copy can be changed, as binding changes it, without touching m. What no stage changes in
// place is shared: tensors, shapes, sources, affine indices, distributions and functions.
func (m *Model) Clone() *Model {
	c := &cloner{
		data:   map[*DataVar]*DataVar{},
		params: map[*ParamVar]*ParamVar{},
		lets:   map[*LetVar]*LetVar{},
		gens:   map[*GenVar]*GenVar{},
		nodes:  map[Expr]Expr{},
	}
	out := &Model{File: m.File}
	if m.Sizes != nil {
		out.Sizes = Sizes{}
		for k, v := range m.Sizes {
			out.Sizes[k] = v
		}
	}
	// Every declaration first, so that expressions can refer to any of them.
	for _, d := range m.Data {
		cp := *d
		c.data[d] = &cp
		out.Data = append(out.Data, &cp)
	}
	for _, p := range m.Params {
		cp := *p
		c.params[p] = &cp
		out.Params = append(out.Params, &cp)
	}
	for _, l := range m.Lets {
		cp := *l
		c.lets[l] = &cp
		out.Lets = append(out.Lets, &cp)
	}
	for _, g := range m.Generated {
		cp := *g
		c.gens[g] = &cp
		out.Generated = append(out.Generated, &cp)
	}
	for _, p := range out.Params {
		p.Prior = c.term(p.Prior)
	}
	for _, l := range out.Lets {
		l.Value = c.expr(l.Value)
	}
	for _, t := range m.Terms {
		out.Terms = append(out.Terms, c.term(t))
	}
	for _, g := range out.Generated {
		g.Value = c.expr(g.Value)
		g.Term = c.term(g.Term)
	}
	return out
}

// cloner maps each declaration and node of the model being copied to its copy.
type cloner struct {
	data   map[*DataVar]*DataVar
	params map[*ParamVar]*ParamVar
	lets   map[*LetVar]*LetVar
	gens   map[*GenVar]*GenVar
	nodes  map[Expr]Expr
}

func (c *cloner) term(t *Term) *Term {
	if t == nil {
		return nil
	}
	cp := *t
	cp.Variate = c.expr(t.Variate)
	cp.Weights = c.expr(t.Weights)
	cp.Args = c.exprs(t.Args)
	if t.Components != nil {
		cp.Components = make([]*Term, len(t.Components))
		for i, k := range t.Components {
			cp.Components[i] = c.term(k)
		}
	}
	return &cp
}

func (c *cloner) exprs(es []Expr) []Expr {
	if es == nil {
		return nil
	}
	out := make([]Expr, len(es))
	for i, e := range es {
		out[i] = c.expr(e)
	}
	return out
}

func (c *cloner) dataVar(d *DataVar) *DataVar {
	if cp, ok := c.data[d]; ok {
		return cp
	}
	panic(fmt.Sprintf("internal error: ir.Clone: data %s is not declared in the model", d.Name))
}

func (c *cloner) recur(r *Recur) *Recur {
	return c.expr(r).(*Recur)
}

// expr copies e; nil stays nil.
func (c *cloner) expr(e Expr) Expr {
	if e == nil {
		return nil
	}
	if cp, ok := c.nodes[e]; ok {
		return cp
	}
	var out Expr
	switch e := e.(type) {
	case *Const:
		cp := *e
		out = &cp
	case *Folded:
		cp := *e
		out = &cp
	case *SizeVal:
		cp := *e
		out = &cp
	case *DataRef:
		out = &DataRef{e.span, c.dataVar(e.Var)}
	case *ParamRef:
		p, ok := c.params[e.Var]
		if !ok {
			panic(fmt.Sprintf("internal error: ir.Clone: parameter %s is not declared in the model", e.Var.Name))
		}
		out = &ParamRef{e.span, p}
	case *LetRef:
		l, ok := c.lets[e.Var]
		if !ok {
			panic(fmt.Sprintf("internal error: ir.Clone: let %s is not declared in the model", e.Var.Name))
		}
		out = &LetRef{e.span, l, e.letFacts}
	case *GenRef:
		g, ok := c.gens[e.Var]
		if !ok {
			panic(fmt.Sprintf("internal error: ir.Clone: generated quantity %s is not declared in the model", e.Var.Name))
		}
		out = &GenRef{e.span, g}
	case *Unary:
		out = &Unary{e.span, e.Func, c.expr(e.X)}
	case *Binary:
		out = &Binary{e.span, e.Op, c.expr(e.L), c.expr(e.R), e.shp}
	case *MatVec:
		out = &MatVec{e.span, c.expr(e.M), c.expr(e.V)}
	case *Gather:
		out = &Gather{e.span, c.expr(e.X), c.dataVar(e.Index)}
	case *Sum:
		out = &Sum{e.span, c.expr(e.X)}
	case *Mean:
		out = &Mean{e.span, c.expr(e.X)}
	case *Dot:
		out = &Dot{e.span, c.expr(e.A), c.expr(e.B)}
	case *Transpose:
		out = &Transpose{e.span, c.expr(e.X)}
	case *LogSumExp:
		out = &LogSumExp{e.span, c.expr(e.X)}
	case *Slice:
		out = &Slice{e.span, c.expr(e.X), e.Lo, e.Hi, e.Elem}
	case *Select:
		out = &Select{e.span, c.expr(e.C), c.expr(e.A), c.expr(e.B), e.shp}
	case *Recur:
		// The step refers back to the recurrence: record the copy before copying the step.
		cp := *e
		c.nodes[e] = &cp
		cp.Init = c.expr(e.Init)
		cp.Step = c.expr(e.Step)
		return &cp
	case *At:
		out = &At{e.span, c.expr(e.X), e.Off, c.recur(e.R)}
	case *Lag:
		out = &Lag{e.span, e.K, c.recur(e.R)}
	case *RecurIndex:
		out = &RecurIndex{e.span, c.recur(e.R)}
	default:
		panic(fmt.Sprintf("internal error: ir.Clone: no case for %T", e))
	}
	c.nodes[e] = out
	return out
}
