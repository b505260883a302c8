// Package compiler turns a parsed model into the typed IR (Check), binds it to data (Bind), and
// lowers it into a batched gorgonia graph with its symbolic gradient (Lower).
package compiler

import (
	"math"
	"sort"
	"strings"

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
		c.errs.Add(&diag.Error{Pos: diag.Pos{File: m.File, Line: 1, Col: 1}, Msg: "the model has no parameters",
			Hint: `declare at least one, e.g. param mu ~ Normal(0, 1)`})
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

func (c *checker) errorf(pos, end diag.Pos, format string, args ...any) *diag.Error {
	e := diag.Errorf(pos, end, format, args...)
	c.errs.Add(e)
	return e
}

func (c *checker) declare(name string, pos diag.Pos, s *symbol) bool {
	if prev, ok := c.scope[name]; ok {
		c.errorf(pos, endOf(pos, name), "%s is already declared at line %d", name, prev.pos.Line).
			WithHint("give each data, param and let its own name")
		return false
	}
	if _, ok := ir.Funcs[name]; ok || reductions[name] {
		c.errorf(pos, endOf(pos, name), "%s is the name of a function", name).WithHint("choose another name")
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
				c.errorf(d.Pos, d.Pos, "a size must be a whole number from 1 to %d", math.MaxInt32)
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
			e := c.errorf(d.Pos, endOf(d.Pos, d.Name), "size %s is not bound by any data declaration", d.Name)
			if s := diag.Suggest(d.Name, sortedKeys(c.sizes)); s != "" {
				e.WithHint("did you mean %s?", s)
			} else {
				e.WithHint("sizes are named by data, as in data y[N] = column \"y\"")
			}
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
		c.errorf(s.Pos, s.End, "data %s takes one column of groups, so it needs one size, as in %s[N]", s.Name, s.Name)
	case src.Kind == lang.SourceLevels && src.LevelsSize == "":
		c.errorf(src.Pos, src.End, "data %s: name the number of groups", s.Name).
			WithHint(`write levels "%s" as J; J is then the size of per-group parameters, as in param a[J]`, src.Names[0])
	case src.Kind == lang.SourceLevels && shape[0].Name == src.LevelsSize:
		c.errorf(src.LevelsSizePos, endOf(src.LevelsSizePos, src.LevelsSize), "%s already names the rows of %s; give the number of groups its own name", src.LevelsSize, s.Name)
	case src.Kind == lang.SourceLevels:
	case src.Kind == lang.SourceValue && len(shape) > 2:
		c.errorf(s.Pos, s.End, "data %s: a value is a scalar, a vector or a matrix, so it takes at most two sizes", s.Name)
	case src.Kind == lang.SourceValue:
	case src.Kind == lang.SourceColumn && len(shape) != 1:
		c.errorf(s.Pos, s.End, "data %s takes one column, so it needs one size, as in %s[N]", s.Name, s.Name)
	case src.Kind != lang.SourceColumn && len(shape) != 2:
		c.errorf(s.Pos, s.End, "data %s takes several columns, so it needs two sizes, as in %s[N, D]", s.Name, s.Name)
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
	if len(shape) > 1 {
		c.errorf(s.Pos, s.End, "parameter %s: only scalars and vectors are supported for now", s.Name)
	}
	p := &ir.ParamVar{Name: s.Name, Pos: s.NamePos, Shape: shape}
	prior, ordered := c.orderedPrior(s, shape)
	if prior == nil {
		c.declare(s.Name, s.NamePos, &symbol{kind: symParam, poisoned: true, param: p})
		return
	}
	if prior.Name == "Mixture" {
		c.errorf(prior.Pos, prior.NameEnd, "Mixture can only be observed (a likelihood), not the prior of parameter %s", s.Name).
			WithHint("for a prior with several modes, mix in the likelihood of data, or use a Dirichlet weight and component parameters")
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
			c.errorf(s.Prior.Pos, s.Prior.NameEnd, "parameter %s cannot have the discrete prior %s", s.Name, d.Name).
				WithHint("HMC needs continuous parameters; use a continuous distribution")
		} else if d.Vector && len(shape) != 1 {
			c.errorf(s.Prior.Pos, s.Prior.NameEnd, "parameter %s: %s is a distribution of vectors, but %s has shape %s", s.Name, d.Name, s.Name, shape).
				WithHint("declare it with one size, as in param %s[K] ~ %s(...)", s.Name, d.Name)
		} else if d.Support == dist.Between {
			if term != nil {
				p.Constraint = c.boundsConstraint(s, term)
			}
		} else if con, err := ir.ConstraintFor(d.Support); err != nil {
			c.errorf(s.Prior.Pos, s.Prior.NameEnd, "parameter %s: %v", s.Name, err)
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
			c.errorf(start, end, "the %s bound of parameter %s depends on parameters", name, s.Name).
				WithHint("bounds of a %s prior must be numbers or data; for a bound that is a parameter, sample on (0, 1) with Beta and scale it in a let", term.Dist.Name)
			return con
		case len(a.Shape()) != 0:
			c.errorf(start, end, "the %s bound of parameter %s has shape %s; bounds must be scalars", name, s.Name, a.Shape())
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
		c.errorf(start, end, "the bounds of parameter %s are %g and %g; the lower must be less than the upper", s.Name, con.Lo, con.Hi)
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
			c.errorf(start, end, "let %s is declared with shape %s, but its value has shape %s", s.Name, shape, e.Shape())
			e = nil
		}
	}
	if e == nil {
		c.declare(s.Name, s.NamePos, &symbol{kind: symLet, poisoned: true, let: &ir.LetVar{Name: s.Name, Pos: s.NamePos, Value: ir.NewConst(ir.NewSpan(s.Pos, s.End), 0)}})
		return
	}
	if len(e.Shape()) > 1 {
		start, end := s.Value.Span()
		err := c.errorf(start, end, "let %s would be a matrix; only scalars and vectors can be named for now", s.Name)
		if !e.DependsOnParams() {
			err.WithHint("a matrix of data can be named with const %s = ...", s.Name)
		}
	}
	v := &ir.LetVar{Name: s.Name, Pos: s.NamePos, Value: e, Reported: e.DependsOnParams()}
	if c.declare(s.Name, s.NamePos, &symbol{kind: symLet, let: v}) {
		c.m.Lets = append(c.m.Lets, v)
	}
}

// constDecl checks const NAME = expr: a value of numbers and data only, computed once when the
// data are bound. It may be a matrix (const Xt = transpose(X)), which a let may not.
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
		c.errorf(start, end, "const %s depends on %s; a const is computed once, from numbers and data", s.Name, what).
			WithHint("use let %s = ... for a value that depends on parameters", s.Name)
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
	if len(shape) > 1 {
		c.errorf(s.Pos, s.End, "generated %s: only scalars and vectors are supported for now", s.Name)
		ok = false
	}
	g := &ir.GenVar{Name: s.Name, Pos: s.NamePos, Shape: shape}
	if s.Dist != nil && (s.Dist.Name == "Mixture" || s.Dist.Name == "Ordered") {
		c.errorf(s.Dist.Pos, s.Dist.NameEnd, "%s cannot be drawn by generate yet", s.Dist.Name).
			WithHint("%s is for %s for now; compute what you need with generate %s = expression", s.Dist.Name, map[string]string{"Mixture": "likelihoods", "Ordered": "priors"}[s.Dist.Name], s.Name)
		ok = false
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
				c.errorf(s.Pos, s.End, "generated %s: %s draws vectors; give its size, as in generate %s[K] ~ %s(...)", s.Name, d.Name, s.Name, d.Name)
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
			c.errorf(start, end, "generated %s is declared with shape %s, but its value has shape %s", s.Name, shape, e.Shape())
			ok = false
		case len(e.Shape()) > 1:
			start, end := s.Value.Span()
			c.errorf(start, end, "generated %s would be a matrix; only scalars and vectors can be generated for now", s.Name)
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
		e := c.errorf(s.Pos, s.TargetEnd, "%s is not declared", s.Target)
		if sug := diag.SuggestNames(s.Target, sortedKeys(c.scope)); sug != "" {
			e.WithHint("did you mean %s?", sug)
		} else {
			e.WithHint(`declare the observed data first, e.g. data %s[N] = column "%s"`, s.Target, s.Target)
		}
		c.distCall(s.Dist, nil, false)
		return
	}
	switch sym.kind {
	case symParam:
		c.errorf(s.Pos, s.TargetEnd, "%s is a parameter; its prior belongs in its declaration", s.Target).
			WithHint("write param %s ~ %s(...)", s.Target, s.Dist.Name)
		return
	case symLet:
		kind := "let"
		if sym.let.Const {
			kind = "const"
		}
		c.errorf(s.Pos, s.TargetEnd, "%s is a %s; only data can be observed with ~", s.Target, kind)
		return
	case symGen:
		c.errorf(s.Pos, s.TargetEnd, "%s is generated; only data can be observed with ~", s.Target).
			WithHint("write generate %s ~ %s(...) to draw it", s.Target, s.Dist.Name)
		return
	}
	v := sym.data
	v.Used = true
	if len(v.Shape) > 1 {
		c.errorf(s.Pos, s.TargetEnd, "%s is a matrix; an observed outcome must be a vector", s.Target)
		return
	}
	c.observe(s, ir.NewDataRef(ir.NewSpan(s.Pos, s.TargetEnd), v))
}

// observe checks the distribution of an observed variate and adds the likelihood term.
func (c *checker) observe(s *lang.SampleStmt, variate ir.Expr) {
	var term *ir.Term
	var d *dist.Dist
	if s.Dist.Name == "Mixture" {
		term, d = c.mixture(s.Dist, variate.Shape())
	} else {
		term, d = c.distCall(s.Dist, variate.Shape(), false)
	}
	if d != nil && d.Vector {
		c.errorf(s.Dist.Pos, s.Dist.NameEnd, "%s can only be the prior of a parameter for now, not a likelihood", d.Name)
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
		e := c.errorf(call.Pos, call.NameEnd, "unknown distribution %s", call.Name)
		if s := dist.Suggest(call.Name); s != "" {
			e.WithHint("did you mean %s?", s)
		} else {
			e.WithHint("known distributions: %s", strings.Join(dist.Names(), ", "))
		}
		for _, a := range call.Args {
			c.expr(a)
		}
		return nil, nil
	}
	if len(call.Args) != len(d.Params) {
		names := make([]string, len(d.Params))
		for i, p := range d.Params {
			names[i] = p.Name
		}
		c.errorf(call.Pos, call.End, "%s takes %d arguments (%s), got %d", d.Name, len(d.Params),
			strings.Join(names, ", "), len(call.Args))
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
			c.errorf(start, end, "argument %s of %s has shape %s, but the variate has shape %s",
				d.Params[i].Name, d.Name, sh, shapeOrScalar(variate))
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

func shapeOrScalar(s ir.Shape) string { return s.String() }

func (c *checker) expr(e lang.Expr) ir.Expr {
	start, end := e.Span()
	sp := ir.NewSpan(start, end)
	switch e := e.(type) {
	case *lang.Number:
		if math.IsInf(e.Value, 0) {
			c.errorf(start, end, "the number %s is too large for a 64-bit float", e.Text).
				WithHint("the largest is about 1.8e308")
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
			err := c.errorf(start, end, "%s is not declared", e.Name)
			if s := diag.SuggestNames(e.Name, sortedKeys(c.scope)); s != "" {
				err.WithHint("did you mean %s?", s)
			} else {
				err.WithHint("names must be declared (data, param or let) before they are used")
			}
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
				c.errorf(start, end, "%s is generated after sampling; only generate statements can use it", e.Name).
					WithHint("to use it in the model, make it a let")
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
		c.errorf(start, end, "recur can only be the whole value of a let, as in let x[N] = recur(x1, t: x[t-1] + 1)")
		return nil
	case *lang.Unary:
		x := c.expr(e.X)
		if x == nil {
			return nil
		}
		if !c.elementwise(x, "-") {
			return nil
		}
		return ir.NewUnary(sp, ir.Negate, x)
	case *lang.Binary:
		l, r := c.expr(e.L), c.expr(e.R)
		if l == nil || r == nil {
			return nil
		}
		if e.Op == "@" {
			return c.matvec(e, sp, l, r)
		}
		if !c.elementwise(l, e.Op) || !c.elementwise(r, e.Op) {
			return nil
		}
		ls, rs := l.Shape(), r.Shape()
		shape := ls
		switch {
		case len(ls) == 0:
			shape = rs
		case len(rs) == 0:
		case !ls.Equal(rs):
			c.errorf(e.OpPos, endOf(e.OpPos, e.Op), "shapes do not match for %s: left is %s, right is %s", e.Op, ls, rs)
			return nil
		}
		return ir.NewBinary(sp, ir.BinaryOps[e.Op], l, r, shape)
	}
	return nil
}

// index checks a[g]: a is a vector with one element per group of g, a grouping declared with
// levels; the result has g's shape, one element per row.
func (c *checker) index(e *lang.Index, sp ir.Span) ir.Expr {
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
		err := c.errorf(e.Pos, e.NameEnd, "%s has shape %s, but %s has %s groups; indexing by %s needs a vector [%s]", e.Name, sh, g.Name, J, g.Name, J)
		if len(sh) <= 1 {
			err.WithHint("declare %s with one element per group, as in param %s[%s]", e.Name, e.Name, J)
		}
		return nil
	}
	return ir.NewGather(sp, x, g)
}

// elementwise reports an error when a matrix is used where only scalars and vectors work.
func (c *checker) elementwise(x ir.Expr, op string) bool {
	if len(x.Shape()) > 1 {
		start, end := x.Span()
		c.errorf(start, end, "a matrix cannot be used with %s; multiply it by a vector with @", op)
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
		c.errorf(start, end, "the left side of @ must be a data matrix, but it has shape %s", ls)
		return nil
	case l.DependsOnParams():
		start, end := l.Span()
		c.errorf(start, end, "the matrix on the left of @ must be data; matrices of parameters are not supported yet")
		return nil
	case len(rs) != 1:
		start, end := r.Span()
		c.errorf(start, end, "the right side of @ must be a vector, but it has shape %s", rs)
		return nil
	case rs[0] != ls[1]:
		c.errorf(e.OpPos, endOf(e.OpPos, "@"), "shapes do not match for @: the matrix is %s, the vector is %s (its length must equal the matrix's column count %s)", ls, rs, ls[1])
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
	if reductions[e.Func] {
		return c.reduction(e, sp, nameEnd)
	}
	f, ok := ir.Funcs[e.Func]
	if !ok {
		err := c.errorf(start, nameEnd, "unknown function %s", e.Func)
		if _, isDist := dist.Lookup(e.Func); isDist {
			err.WithHint("%s is a distribution; use it after ~", e.Func)
		} else if s := diag.Suggest(e.Func, funcNames()); s != "" {
			err.WithHint("did you mean %s?", s)
		} else {
			err.WithHint("functions: %s", strings.Join(funcNames(), ", "))
		}
		for _, a := range e.Args {
			c.expr(a)
		}
		return nil
	}
	if len(e.Args) != 1 {
		c.errorf(start, nameEnd, "%s takes one argument, got %d", e.Func, len(e.Args))
		return nil
	}
	x := c.expr(e.Args[0])
	if x == nil || !c.elementwise(x, e.Func) {
		return nil
	}
	return ir.NewUnary(sp, f, x)
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
		c.errorf(start, nameEnd, "log_sum_exp takes one vector or two arguments, got %d", len(e.Args)).
			WithHint("log_sum_exp(v) is log Σ exp(vₖ); log_sum_exp(a, b) is log(exp(a) + exp(b)), elementwise")
		for _, a := range e.Args {
			c.expr(a)
		}
		return nil
	}
	if e.Func == "log_sum_exp" {
		want = len(e.Args)
	}
	if len(e.Args) != want {
		c.errorf(start, nameEnd, "%s takes %s, got %d", e.Func, words, len(e.Args))
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
			c.errorf(start, nameEnd, "shapes do not match for log_sum_exp: the first is %s, the second is %s", ls, rs).
				WithHint("log_sum_exp(a, b) works element by element: give two vectors of one length, or a scalar")
			return nil
		}
		return ir.NewBinary(sp, ir.LogSumExp2, args[0], args[1], shape)
	case "transpose":
		if sh := args[0].Shape(); len(sh) != 2 {
			as, ae := args[0].Span()
			err := c.errorf(as, ae, "transpose takes a matrix, but its argument has shape %s", sh)
			if len(sh) == 1 {
				err.WithHint("a vector needs no transpose: dot(a, b) is the product of a transposed and b")
			}
			return nil
		}
		return ir.NewTranspose(sp, args[0])
	case "dot":
		if !c.elementwise(args[0], "dot") || !c.elementwise(args[1], "dot") {
			return nil
		}
		if as, bs := args[0].Shape(), args[1].Shape(); !as.Equal(bs) {
			c.errorf(start, nameEnd, "shapes do not match for dot: the first is %s, the second is %s", as, bs).
				WithHint("dot multiplies two vectors of the same length element by element and adds the products")
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
	c.errorf(start, end, "argument %s of %s must be data (a whole number), but it depends on parameters", d.Params[i].Name, d.Name).
		WithHint("the log density is not differentiable in %s; give it a data column or a number", d.Params[i].Name)
	return false
}
