// Package compiler turns a parsed model into the typed IR (Check), binds it to data (Bind), and
// lowers it into a batched gorgonia graph with its symbolic gradient (Lower).
package compiler

import (
	"math"
	"sort"

	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/dist"
	"github.com/hmcc-dev/hmcc/ir"
	"github.com/hmcc-dev/hmcc/lang"
)

type symbolKind int

const (
	symData symbolKind = iota
	symParam
	symLet
	symGen
)

type symbol struct {
	kind     symbolKind
	poisoned bool // a let whose value had errors: uses are not reported again
	data     *ir.DataVar
	param    *ir.ParamVar
	let      *ir.LetVar
	gen      *ir.GenVar
	pos      diag.Pos
}

type checker struct {
	m     *ir.Model
	scope map[string]*symbol
	sizes map[string]diag.Pos // size symbols bound by data declarations
	errs  diag.List
	// internal is a failure of the checker itself, returned in place of errs.
	internal error
	// inGenerate is set while a generate statement is checked: only there may generated
	// quantities be read.
	inGenerate bool
	// rec is the recurrence whose step is being checked (index.go), or nil.
	rec *recurScope
	// scalarSizes are scalars read with value "K": they may be used as sizes. usedSizes records
	// the size names shapes use, so that such a scalar is bound as (or checked against) a size.
	scalarSizes map[string]bool
	usedSizes   map[string]bool
}

// Check resolves names, infers and checks shapes, picks each parameter's constraint from its
// prior's support, and returns the IR. All errors found are returned together, sorted.
func Check(m *lang.Model) (*ir.Model, error) {
	c := &checker{m: &ir.Model{File: m.File}, scope: map[string]*symbol{}, sizes: map[string]diag.Pos{}}
	// Size symbols are bound by data wherever it is declared, so collect them first. A scalar
	// read with value "K" may be used as a size too (Stan's int K in the data block).
	scalarSizes := map[string]bool{}
	for _, s := range m.Stmts {
		if d, ok := s.(*lang.DataDecl); ok {
			for _, dim := range d.Dims {
				if dim.Name != "" {
					if _, seen := c.sizes[dim.Name]; !seen {
						c.sizes[dim.Name] = dim.Pos
					}
				}
			}
			if n := d.Source.LevelsSize; n != "" {
				if _, seen := c.sizes[n]; !seen {
					c.sizes[n] = d.Source.LevelsSizePos
				}
			}
			if len(d.Dims) == 0 && d.Source.Kind == lang.SourceValue {
				scalarSizes[d.Name] = true
			}
		}
	}
	c.scalarSizes = scalarSizes
	for _, s := range m.Stmts {
		switch s := s.(type) {
		case *lang.DataDecl:
			c.data(s)
		case *lang.ParamDecl:
			c.param(s)
		case *lang.LetDecl:
			c.let(s)
		case *lang.ConstDecl:
			c.constDecl(s)
		case *lang.SampleStmt:
			c.sample(s)
		case *lang.GenerateDecl:
			c.generate(s)
		}
	}
	if len(c.m.Params) == 0 && len(c.errs) == 0 {
		c.errs.Add(errNoParameters(m.File))
	}
	if c.internal != nil {
		return nil, c.internal
	}
	if err := c.errs.Err(); err != nil {
		return nil, err
	}
	markUsed(c.m)
	for _, d := range c.m.Data {
		d.IsSize = c.scalarSizes[d.Name] && c.usedSizes[d.Name]
		d.Used = d.Used || d.IsSize // it gives a shape its size
	}
	return c.m, nil
}

// add records an error built by one of the constructors in errors_check.go.
func (c *checker) add(e *diag.Error) {
	c.errs.Add(e)
}

func (c *checker) declare(name string, pos diag.Pos, s *symbol) bool {
	if prev, ok := c.scope[name]; ok {
		c.add(errAlreadyDeclared(pos, endOf(pos, name), name, prev.pos.Line))
		return false
	}
	if _, ok := ir.Funcs[name]; ok || reductions[name] {
		c.add(errFunctionName(pos, endOf(pos, name), name))
		return false
	}
	s.pos = pos
	c.scope[name] = s
	return true
}

func endOf(p diag.Pos, text string) diag.Pos {
	p.Col += len([]rune(text))
	return p
}

func (c *checker) dims(dims []lang.Dim) (ir.Shape, bool) {
	shape := make(ir.Shape, 0, len(dims))
	ok := true
	for _, d := range dims {
		if d.Name == "" {
			if d.Size <= 0 || d.Size > math.MaxInt32 { // the parser gives -1 for digits beyond int
				c.add(errSizeNotPositive(d.Pos, d.Pos))
				ok = false
			}
			shape = append(shape, ir.Dim{Size: d.Size})
			continue
		}
		if c.usedSizes == nil {
			c.usedSizes = map[string]bool{}
		}
		c.usedSizes[d.Name] = true
		if c.scalarSizes[d.Name] {
			shape = append(shape, ir.Dim{Name: d.Name})
			continue
		}
		if _, bound := c.sizes[d.Name]; !bound {
			c.add(errSizeNotBound(d.Pos, endOf(d.Pos, d.Name), d.Name, sortedKeys(c.sizes)))
			ok = false
		}
		shape = append(shape, ir.Dim{Name: d.Name})
	}
	return shape, ok
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (c *checker) data(s *lang.DataDecl) {
	shape, _ := c.dims(s.Dims)
	src := s.Source
	switch {
	case src.Kind == lang.SourceLevels && len(shape) != 1:
		c.add(errLevelsOneSize(s.Pos, s.End, s.Name))
	case src.Kind == lang.SourceLevels && src.LevelsSize == "":
		c.add(errLevelsWithoutSize(src.Pos, src.End, s.Name, src.Names[0]))
	case src.Kind == lang.SourceLevels && shape[0].Name == src.LevelsSize:
		c.add(errLevelsSizeIsRows(src.LevelsSizePos, endOf(src.LevelsSizePos, src.LevelsSize), src.LevelsSize, s.Name))
	case src.Kind == lang.SourceLevels:
	case src.Kind == lang.SourceValue && len(shape) > 2:
		c.add(errValueRank(s.Pos, s.End, s.Name))
	case src.Kind == lang.SourceValue:
	case src.Kind == lang.SourceColumn && len(shape) != 1:
		c.add(errColumnOneSize(s.Pos, s.End, s.Name))
	case src.Kind != lang.SourceColumn && len(shape) != 2:
		c.add(errColumnsTwoSizes(s.Pos, s.End, s.Name))
	}
	v := &ir.DataVar{Name: s.Name, Pos: s.Pos, NamePos: s.NamePos, Shape: shape, Source: ir.Source{
		Kind: ir.SourceKind(src.Kind), Names: src.Names, NamePos: src.NamePos, Standardize: src.Standardize,
		LevelsSize: src.LevelsSize, Table: src.Table, TablePos: src.TablePos}}
	if c.declare(s.Name, s.NamePos, &symbol{kind: symData, data: v}) {
		c.m.Data = append(c.m.Data, v)
	}
}

func (c *checker) param(s *lang.ParamDecl) {
	shape, _ := c.dims(s.Dims)
	if len(shape) > 2 {
		c.add(errParamMatrix(s.Pos, s.End, s.Name))
	}
	p := &ir.ParamVar{Name: s.Name, Pos: s.NamePos, Shape: shape}
	if md, ok := dist.LookupMulti(s.Prior.Name); ok { // matrix.go
		poisoned := !c.multiPrior(s, p, md)
		if c.declare(s.Name, s.NamePos, &symbol{kind: symParam, poisoned: poisoned, param: p}) && !poisoned {
			c.m.Params = append(c.m.Params, p)
		}
		return
	}
	prior, ordered := c.orderedPrior(s, shape)
	if prior == nil {
		c.declare(s.Name, s.NamePos, &symbol{kind: symParam, poisoned: true, param: p})
		return
	}
	if prior.Name == "Mixture" {
		c.add(errMixturePrior(prior.Pos, prior.NameEnd, s.Name))
		c.declare(s.Name, s.NamePos, &symbol{kind: symParam, poisoned: true, param: p})
		return
	}
	term, d := c.distCall(prior, shape, false)
	if d != nil && ordered {
		p.Constraint = c.orderedConstraint(s, prior, d, shape)
		d = nil // the constraint is set
	}
	if d != nil {
		if d.Discrete {
			c.add(errDiscretePrior(s.Prior.Pos, s.Prior.NameEnd, s.Name, d.Name))
		} else if d.Vector && len(shape) != 1 {
			c.add(errVectorPriorOnScalar(s.Prior.Pos, s.Prior.NameEnd, s.Name, d.Name, shape))
		} else if d.Support == dist.Between {
			if term != nil {
				p.Constraint = c.boundsConstraint(s, term)
			}
		} else if con, err := ir.ConstraintFor(d.Support); err != nil {
			// Every continuous support has a constraint and discrete priors are reported above.
			c.internal = diag.InternalAt(s.Prior.Pos, "parameter %s: %w", s.Name, err)
		} else {
			p.Constraint = con
		}
	}
	if term != nil {
		term.Variate = ir.NewParamRef(ir.NewSpan(s.NamePos, endOf(s.NamePos, s.Name)), p)
		p.Prior = term
	}
	// Declare after the prior so a parameter cannot appear in its own prior.
	if c.declare(s.Name, s.NamePos, &symbol{kind: symParam, param: p}) {
		c.m.Params = append(c.m.Params, p)
	}
}

// boundsConstraint is the interval transform of a parameter whose prior's support is bounded
// by its first two arguments (Uniform(lower, upper)). The bounds must be scalars that do not
// depend on parameters; constant bounds are known now, bounds computed from data once the data
// are bound (Bind sets them).
func (c *checker) boundsConstraint(s *lang.ParamDecl, term *ir.Term) ir.Constraint {
	con := ir.Constraint{Kind: ir.Interval, Lo: math.NaN(), Hi: math.NaN()}
	for i, a := range term.Args[:2] {
		start, end := a.Span()
		name := term.Dist.Params[i].Name
		switch {
		case a.DependsOnParams():
			c.add(errBoundDependsOnParams(start, end, name, s.Name, term.Dist.Name))
			return con
		case len(a.Shape()) != 0:
			c.add(errBoundNotScalar(start, end, name, s.Name, a.Shape()))
			return con
		}
	}
	lo, errLo := ir.Eval(term.Args[0], ir.NewEnv(nil, nil))
	hi, errHi := ir.Eval(term.Args[1], ir.NewEnv(nil, nil))
	if errLo != nil || errHi != nil {
		return con // data bounds: Bind evaluates them
	}
	con.Lo, con.Hi = lo.Data[0], hi.Data[0]
	if !(con.Lo < con.Hi) {
		start, _ := term.Args[0].Span()
		_, end := term.Args[1].Span()
		c.add(errBoundsOrder(start, end, s.Name, con.Lo, con.Hi))
	}
	return con
}

func (c *checker) let(s *lang.LetDecl) {
	var e ir.Expr
	if r, ok := s.Value.(*lang.Recur); ok {
		e = c.recur(s, r)
	} else {
		e = c.expr(s.Value)
		if shape, ok := c.dims(s.Dims); e != nil && ok && len(s.Dims) > 0 && !e.Shape().Equal(shape) {
			start, end := s.Value.Span()
			c.add(errLetShapeMismatch(start, end, s.Name, shape, e.Shape()))
			e = nil
		}
	}
	if e == nil {
		c.declare(s.Name, s.NamePos, &symbol{kind: symLet, poisoned: true, let: &ir.LetVar{Name: s.Name, Pos: s.NamePos, Value: ir.NewConst(ir.NewSpan(s.Pos, s.End), 0)}})
		return
	}
	if len(e.Shape()) > 1 && !e.DependsOnParams() { // a matrix of parameters is reported like a vector
		start, end := s.Value.Span()
		c.add(errLetMatrix(start, end, s.Name, true))
	}
	v := &ir.LetVar{Name: s.Name, Pos: s.NamePos, Value: e, Reported: e.DependsOnParams()}
	if c.declare(s.Name, s.NamePos, &symbol{kind: symLet, let: v}) {
		c.m.Lets = append(c.m.Lets, v)
	}
}

// constDecl checks const NAME = expr: a value of numbers and data only, computed once when the
// data are bound. It may be a matrix (const Xt = transpose(X)), which a let of data may not.
func (c *checker) constDecl(s *lang.ConstDecl) {
	e := c.expr(s.Value)
	if e != nil && e.DependsOnParams() {
		start, end := s.Value.Span()
		what := "parameters"
		ir.Walk(e, func(x ir.Expr) bool {
			switch r := x.(type) {
			case *ir.ParamRef:
				start, end = r.Span()
				what = "the parameter " + r.Var.Name
			case *ir.LetRef:
				if r.DependsOnParams() {
					start, end = r.Span()
					what = "the let " + r.Var.Name + ", which depends on parameters"
				}
			default:
				return true
			}
			return false
		})
		c.add(errConstDependsOnParams(start, end, s.Name, what))
		e = nil
	}
	if e == nil {
		c.declare(s.Name, s.NamePos, &symbol{kind: symLet, poisoned: true, let: &ir.LetVar{Name: s.Name, Pos: s.NamePos, Value: ir.NewConst(ir.NewSpan(s.Pos, s.End), 0)}})
		return
	}
	v := &ir.LetVar{Name: s.Name, Pos: s.NamePos, Value: e, Const: true}
	if c.declare(s.Name, s.NamePos, &symbol{kind: symLet, let: v}) {
		c.m.Lets = append(c.m.Lets, v)
	}
}

// generate checks a generated quantity: generate NAME[sizes] ~ Dist(args), whose sizes default
// to the shape of its arguments, or generate NAME[sizes] = expr, whose sizes must be the
// expression's if given.
func (c *checker) generate(s *lang.GenerateDecl) {
	c.inGenerate = true
	defer func() { c.inGenerate = false }()
	shape, ok := c.dims(s.Dims)
	var md *dist.Dist
	if s.Dist != nil {
		md, _ = dist.LookupMulti(s.Dist.Name)
	}
	if len(shape) > 1 && s.Dist != nil && md == nil {
		c.add(errGeneratedMatrixShape(s.Pos, s.End, s.Name, s.Dist.Name))
		ok = false
	}
	g := &ir.GenVar{Name: s.Name, Pos: s.NamePos, Shape: shape}
	if s.Dist != nil && (s.Dist.Name == "Mixture" || s.Dist.Name == "Ordered") {
		c.add(errGenerateNotDrawable(s.Dist.Pos, s.Dist.NameEnd, s.Dist.Name, s.Name))
		ok = false
	} else if md != nil {
		ok = c.generateMulti(s, g, md) && ok
	} else if s.Dist != nil {
		term, d := c.distCall(s.Dist, shape, len(s.Dims) == 0)
		if term == nil || d == nil {
			ok = false
		} else {
			g.Term = term
			if len(s.Dims) == 0 {
				for _, a := range term.Args {
					if len(a.Shape()) != 0 {
						g.Shape = a.Shape()
						break
					}
				}
			}
			if d.Vector && len(g.Shape) != 1 {
				c.add(errGeneratedVectorWithoutSize(s.Pos, s.End, s.Name, d.Name))
				ok = false
			}
		}
	} else {
		e := c.expr(s.Value)
		switch {
		case e == nil:
			ok = false
		case len(s.Dims) > 0 && !e.Shape().Equal(shape):
			start, end := s.Value.Span()
			c.add(errGeneratedShapeMismatch(start, end, s.Name, shape, e.Shape()))
			ok = false
		default:
			g.Value, g.Shape = e, e.Shape()
		}
	}
	if !ok {
		c.declare(s.Name, s.NamePos, &symbol{kind: symLet, poisoned: true, let: &ir.LetVar{Name: s.Name, Pos: s.NamePos, Value: ir.NewConst(ir.NewSpan(s.Pos, s.End), 0)}})
		return
	}
	if c.declare(s.Name, s.NamePos, &symbol{kind: symGen, gen: g}) {
		c.m.Generated = append(c.m.Generated, g)
	}
}

func (c *checker) sample(s *lang.SampleStmt) {
	if s.Target == "" {
		c.sampleExpr(s)
		return
	}
	sym, ok := c.scope[s.Target]
	if !ok {
		c.add(errObservedNotDeclared(s.Pos, s.TargetEnd, s.Target, sortedKeys(c.scope)))
		c.distCall(s.Dist, nil, false)
		return
	}
	switch sym.kind {
	case symParam:
		c.add(errObservedParameter(s.Pos, s.TargetEnd, s.Target, s.Dist.Name))
		return
	case symLet:
		kind := "let"
		if sym.let.Const {
			kind = "const"
		}
		c.add(errObservedLet(s.Pos, s.TargetEnd, s.Target, kind))
		return
	case symGen:
		c.add(errObservedGenerated(s.Pos, s.TargetEnd, s.Target, s.Dist.Name))
		return
	}
	v := sym.data
	v.Used = true
	if _, multi := dist.LookupMulti(s.Dist.Name); len(v.Shape) > 1 && !multi {
		c.add(errObservedMatrix(s.Pos, s.TargetEnd, s.Target))
		return
	}
	c.observe(s, ir.NewDataRef(ir.NewSpan(s.Pos, s.TargetEnd), v))
}

// observe checks the distribution of an observed variate and adds the likelihood term.
func (c *checker) observe(s *lang.SampleStmt, variate ir.Expr) {
	var term *ir.Term
	var d *dist.Dist
	if md, ok := dist.LookupMulti(s.Dist.Name); ok {
		start, end := variate.Span()
		if term = c.multiCall(s.Dist, md, variate.Shape(), "the variate", start, end, false); term != nil {
			term.Variate = variate
			term.Pos, term.End = s.Pos, s.End
			c.m.Terms = append(c.m.Terms, term)
		}
		return
	}
	if s.Dist.Name == "Mixture" {
		term, d = c.mixture(s.Dist, variate.Shape())
	} else {
		term, d = c.distCall(s.Dist, variate.Shape(), false)
	}
	if d != nil && d.Vector {
		c.add(errVectorLikelihood(s.Dist.Pos, s.Dist.NameEnd, d.Name))
		return
	}
	if term != nil {
		term.Variate = variate
		term.Pos, term.End = s.Pos, s.End
		c.m.Terms = append(c.m.Terms, term)
	}
}

// distCall checks Dist(args) for a variate of the given shape. With infer, a variate of no
// given shape takes the shape of its first argument that is not a scalar.
func (c *checker) distCall(call *lang.DistCall, variate ir.Shape, infer bool) (*ir.Term, *dist.Dist) {
	d, ok := dist.Lookup(call.Name)
	if !ok {
		c.add(errUnknownDistribution(call.Pos, call.NameEnd, call.Name))
		for _, a := range call.Args {
			c.expr(a)
		}
		return nil, nil
	}
	if len(call.Args) != len(d.Params) {
		c.add(errDistributionArity(call.Pos, call.End, d, len(call.Args)))
		return nil, d
	}
	term := &ir.Term{Pos: call.Pos, End: call.End, Dist: d}
	ok = true
	for i, a := range call.Args {
		e := c.expr(a)
		if e == nil {
			ok = false
			continue
		}
		start, end := a.Span()
		if infer && len(variate) == 0 && len(e.Shape()) == 1 {
			variate = e.Shape()
		}
		if sh := e.Shape(); len(sh) != 0 && !sh.Equal(variate) {
			c.add(errArgumentShape(start, end, d.Params[i].Name, d.Name, sh, variate))
			ok = false
		}
		if !c.integerArgIsData(d, i, e, start, end) {
			ok = false
		}
		term.Args = append(term.Args, e)
	}
	if !ok {
		return nil, d
	}
	return term, d
}

func (c *checker) expr(e lang.Expr) ir.Expr {
	start, end := e.Span()
	sp := ir.NewSpan(start, end)
	switch e := e.(type) {
	case *lang.Number:
		if math.IsInf(e.Value, 0) {
			c.add(errNumberTooLarge(start, end, e.Text))
			return nil
		}
		return ir.NewConst(sp, e.Value)
	case *lang.Ident:
		if c.rec != nil && e.Name == c.rec.index {
			return ir.NewRecurIndex(sp, c.rec.r)
		}
		if c.rec != nil && e.Name == c.rec.let {
			c.selfOutsideIndex(e)
			return nil
		}
		sym, ok := c.scope[e.Name]
		if !ok {
			if v := c.sizeValue(e, sp); v != nil {
				return v
			}
			c.add(errNotDeclared(start, end, e.Name, sortedKeys(c.scope)))
			return nil
		}
		if sym.poisoned {
			return nil // its declaration was reported already
		}
		switch sym.kind {
		case symData:
			sym.data.Used = true
			return ir.NewDataRef(sp, sym.data)
		case symParam:
			return ir.NewParamRef(sp, sym.param)
		case symGen:
			if !c.inGenerate {
				c.add(errGeneratedUsedInModel(start, end, e.Name))
				return nil
			}
			return ir.NewGenRef(sp, sym.gen)
		default:
			return ir.NewLetRef(sp, sym.let)
		}
	case *lang.Call:
		return c.call(e, sp)
	case *lang.Index:
		return c.index(e, sp)
	case *lang.Recur:
		c.add(errRecurNotLet(start, end))
		return nil
	case *lang.Unary:
		x := c.expr(e.X)
		if x == nil {
			return nil
		}
		return ir.NewUnary(sp, ir.Negate, x) // a matrix too, element by element
	case *lang.Binary:
		l, r := c.expr(e.L), c.expr(e.R)
		if l == nil || r == nil {
			return nil
		}
		if e.Op == "@" {
			return c.matvec(e, sp, l, r)
		}
		// element by element: operands of one shape (vectors or matrices), or a scalar and
		// anything (docs/language.md, "Matrices")
		ls, rs := l.Shape(), r.Shape()
		shape := ls
		switch {
		case len(ls) == 0:
			shape = rs
		case len(rs) == 0:
		case !ls.Equal(rs):
			err := errElementwiseShapes(e.OpPos, endOf(e.OpPos, e.Op), e.Op, ls, rs)
			if len(ls) == 2 || len(rs) == 2 {
				err.WithHint("element by element a matrix goes with a matrix of its shape or a scalar; take a row M[i, ] or a column M[, j] to combine it with a vector, or multiply with @")
			}
			c.add(err)
			return nil
		}
		return ir.NewBinary(sp, ir.BinaryOps[e.Op], l, r, shape)
	}
	return nil
}

// index checks a[g]: a is a vector with one element per group of g, a grouping declared with
// levels; the result has g's shape, one element per row.
func (c *checker) index(e *lang.Index, sp ir.Span) ir.Expr {
	if e.Matrix || e.Index == nil {
		return c.matIndex(e, sp) // matrix.go
	}
	var g *ir.DataVar
	if id, ok := e.Index.(*lang.Ident); ok && e.Hi == nil {
		if sym, ok := c.scope[id.Name]; ok && sym.kind == symData && sym.data.Source.Kind == ir.FromLevels {
			g = sym.data
		}
	}
	if g == nil || (c.rec != nil && e.Name == c.rec.let) {
		return c.indexed(e, sp) // an element, a slice, or a vector at t in a recurrence
	}
	g.Used = true
	x := c.expr(&lang.Ident{Pos: e.Pos, End: e.NameEnd, Name: e.Name})
	if x == nil {
		return nil
	}
	J := ir.Dim{Name: g.Source.LevelsSize}
	if sh := x.Shape(); len(sh) != 1 || sh[0] != J {
		c.add(errIndexWrongSize(e.Pos, e.NameEnd, e.Name, sh, len(sh), g.Name, J))
		return nil
	}
	return ir.NewGather(sp, x, g)
}

// elementwise reports an error when a matrix is used where only scalars and vectors work.
func (c *checker) elementwise(x ir.Expr, op string) bool {
	if len(x.Shape()) > 1 {
		start, end := x.Span()
		c.add(errMatrixElementwise(start, end, op))
		return false
	}
	return true
}

// matvec checks M @ v: M a data matrix [A, B], v a vector [B]; the result is a vector [A].
func (c *checker) matvec(e *lang.Binary, sp ir.Span, l, r ir.Expr) ir.Expr {
	ls, rs := l.Shape(), r.Shape()
	switch {
	case len(ls) != 2:
		start, end := l.Span()
		c.add(errMatvecLeftNotMatrix(start, end, ls))
		return nil
	case len(rs) != 1 && len(rs) != 2:
		start, end := r.Span()
		c.add(errMatvecRightNotVector(start, end, rs))
		return nil
	case l.DependsOnParams() || len(rs) == 2:
		return c.matmul(e, sp, l, r) // matrix.go
	case rs[0] != ls[1]:
		c.add(errMatvecShapes(e.OpPos, endOf(e.OpPos, "@"), ls, rs, ls[1]))
		return nil
	}
	return ir.NewMatVec(sp, l, r)
}

// reductions are the functions that are not elementwise: they change the shape of their
// arguments, so the checker handles each apart (reduction below).
// Their rows, with what the backends need to know, are ir.Reductions.
var reductions = func() map[string]bool {
	m := map[string]bool{}
	for n := range ir.Reductions {
		m[n] = true
	}
	return m
}()

// funcNames lists every function a model may call, for hints.
func funcNames() []string {
	names := append(sortedKeys(ir.Funcs), sortedKeys(reductions)...)
	sort.Strings(names)
	return names
}

func (c *checker) call(e *lang.Call, sp ir.Span) ir.Expr {
	start, _ := e.Span()
	nameEnd := endOf(start, e.Func)
	if k, ok := ir.MatFuncNames[e.Func]; ok {
		return c.matCall(e, sp, k) // matrix.go
	}
	if reductions[e.Func] {
		return c.reduction(e, sp, nameEnd)
	}
	f, ok := ir.Funcs[e.Func]
	if !ok {
		c.add(errUnknownFunction(start, nameEnd, e.Func, funcNames()))
		for _, a := range e.Args {
			c.expr(a)
		}
		return nil
	}
	if len(e.Args) != 1 {
		c.add(errFunctionArity(start, nameEnd, e.Func, len(e.Args)))
		return nil
	}
	x := c.expr(e.Args[0])
	if x == nil {
		return nil
	}
	return ir.NewUnary(sp, f, x) // a matrix too, element by element
}

// callArgs checks a call's arguments when it takes exactly want of them (words says how many,
// for the message): nil after reporting a wrong count, or when an argument did not check (every
// argument is checked either way, so its own errors are reported too).
func (c *checker) callArgs(e *lang.Call, start, nameEnd diag.Pos, want int, words string) []ir.Expr {
	if len(e.Args) != want {
		c.add(errReductionArity(start, nameEnd, e.Func, words, len(e.Args)))
		for _, a := range e.Args {
			c.expr(a)
		}
		return nil
	}
	args := make([]ir.Expr, len(e.Args))
	for i, a := range e.Args {
		if args[i] = c.expr(a); args[i] == nil {
			return nil
		}
	}
	return args
}

// reduction checks sum(x), mean(x) and dot(a, b), which reduce vectors to a scalar, and
// transpose(M), which swaps a matrix's axes.
func (c *checker) reduction(e *lang.Call, sp ir.Span, nameEnd diag.Pos) ir.Expr {
	start, _ := e.Span()
	want, words := 1, "one argument"
	switch e.Func {
	case "dot":
		want, words = 2, "two arguments"
	case "ifelse":
		want, words = 3, "three arguments"
	}
	if e.Func == "log_sum_exp" && len(e.Args) != 1 && len(e.Args) != 2 {
		c.add(errLogSumExpArity(start, nameEnd, len(e.Args)))
		for _, a := range e.Args {
			c.expr(a)
		}
		return nil
	}
	if e.Func == "log_sum_exp" {
		want = len(e.Args)
	}
	args := c.callArgs(e, start, nameEnd, want, words)
	if args == nil {
		return nil
	}
	switch e.Func {
	case "ifelse":
		return c.ifelse(e, sp, args)
	case "log_sum_exp":
		for _, a := range args {
			if !c.elementwise(a, "log_sum_exp") {
				return nil
			}
		}
		if len(args) == 1 {
			return ir.NewLogSumExp(sp, args[0])
		}
		ls, rs := args[0].Shape(), args[1].Shape()
		shape := ls
		switch {
		case len(ls) == 0:
			shape = rs
		case len(rs) == 0:
		case !ls.Equal(rs):
			c.add(errLogSumExpShapes(start, nameEnd, ls, rs))
			return nil
		}
		return ir.NewBinary(sp, ir.LogSumExp2, args[0], args[1], shape)
	case "transpose":
		if sh := args[0].Shape(); len(sh) != 2 {
			as, ae := args[0].Span()
			c.add(errTransposeShape(as, ae, sh, len(sh)))
			return nil
		}
		if args[0].DependsOnParams() {
			sh := args[0].Shape()
			return ir.NewMatFunc(sp, ir.MatTranspose, args, ir.Shape{sh[1], sh[0]})
		}
		return ir.NewTranspose(sp, args[0])
	case "dot":
		if !c.elementwise(args[0], "dot") || !c.elementwise(args[1], "dot") {
			return nil
		}
		if as, bs := args[0].Shape(), args[1].Shape(); !as.Equal(bs) {
			c.add(errDotShapes(start, nameEnd, as, bs))
			return nil
		}
		return ir.NewDot(sp, args[0], args[1])
	}
	if !c.elementwise(args[0], e.Func) {
		return nil
	}
	if e.Func == "mean" {
		return ir.NewMean(sp, args[0])
	}
	return ir.NewSum(sp, args[0])
}

// integerArgIsData reports whether argument i of d, checked as e at start..end, may stand there:
// a whole-number argument (Binomial's n, say) must not depend on parameters, since the log
// density has no derivative in it. Otherwise it says so and returns false.
func (c *checker) integerArgIsData(d *dist.Dist, i int, e ir.Expr, start, end diag.Pos) bool {
	if !d.Params[i].Domain.Integer() || !e.DependsOnParams() {
		return true
	}
	c.add(errIntegerArgDependsOnParams(start, end, d.Params[i].Name, d.Name))
	return false
}
