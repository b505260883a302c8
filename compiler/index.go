package compiler

import (
	"math"

	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/ir"
	"github.com/hmcc-dev/hmcc/lang"
)

// This file checks element indexing (beta[1]), slices (y[2:N-1]), sizes used as values,
// ifelse, and recurrences (let x[N] = recur(init, t: step)).

// recurScope is the recurrence whose step is being checked.
type recurScope struct {
	let   string // the let it defines: name[t-k] reads its past
	index string // the index variable, t
	r     *ir.Recur
}

// affine reads an index written with whole numbers, sizes, + - and multiplication by a whole
// number. With t, the recurrence's index may appear once, with coefficient 1; tcoef says whether
// it did. ok is false (and nothing reported) when e is not of that form.
func (c *checker) affine(e lang.Expr, t string) (a ir.Affine, tcoef int, ok bool) {
	switch e := e.(type) {
	case *lang.Number:
		if e.Value != math.Trunc(e.Value) || math.Abs(e.Value) > 1e9 {
			return a, 0, false
		}
		return ir.AffineConst(int(e.Value)), 0, true
	case *lang.Ident:
		if t != "" && e.Name == t {
			return a, 1, true
		}
		if _, declared := c.scope[e.Name]; declared {
			return a, 0, false
		}
		if _, isSize := c.sizes[e.Name]; isSize {
			return ir.AffineSize(e.Name), 0, true
		}
		return a, 0, false
	case *lang.Unary:
		x, tc, ok := c.affine(e.X, t)
		return x.Scale(-1), -tc, ok
	case *lang.Binary:
		l, lt, okl := c.affine(e.L, t)
		r, rt, okr := c.affine(e.R, t)
		if !okl || !okr {
			return a, 0, false
		}
		switch e.Op {
		case "+":
			return l.Add(r, 1), lt + rt, true
		case "-":
			return l.Add(r, -1), lt - rt, true
		case "*":
			switch {
			case l.IsConst() && lt == 0:
				return r.Scale(l.Const), rt * l.Const, true
			case r.IsConst() && rt == 0:
				return l.Scale(r.Const), lt * r.Const, true
			}
		}
	}
	return a, 0, false
}

// undeclaredIn returns the first name in an index that is neither declared nor a size.
func (c *checker) undeclaredIn(e lang.Expr) *lang.Ident {
	switch e := e.(type) {
	case *lang.Ident:
		if _, isSize := c.sizes[e.Name]; c.scope[e.Name] == nil && !isSize {
			return e
		}
	case *lang.Unary:
		return c.undeclaredIn(e.X)
	case *lang.Binary:
		if id := c.undeclaredIn(e.L); id != nil {
			return id
		}
		return c.undeclaredIn(e.R)
	}
	return nil
}

// sizeValue is a size, or an expression of sizes alone, used as a number: const n = N.
func (c *checker) sizeValue(e *lang.Ident, sp ir.Span) ir.Expr {
	if _, isSize := c.sizes[e.Name]; !isSize {
		return nil
	}
	return ir.NewSizeVal(sp, ir.AffineSize(e.Name))
}

// indexed checks name[i] and name[lo:hi] where i is not a grouping: an element or a slice of a
// vector, or inside a recurrence's step a vector (or the recurrence itself) at t + offset.
func (c *checker) indexed(e *lang.Index, sp ir.Span) ir.Expr {
	t := ""
	if c.rec != nil {
		t = c.rec.index
	}
	lo, lot, okLo := c.affine(e.Index, t)
	hi, hit, okHi := lo, lot, true
	if e.Hi != nil {
		hi, hit, okHi = c.affine(e.Hi, t)
	}
	if !okLo || !okHi || (e.Hi != nil && (lot != 0 || hit != 0)) || lot < 0 || lot > 1 {
		bad := e.Index
		if okLo && e.Hi != nil {
			bad = e.Hi
		}
		start, end := bad.Span()
		if lot != 0 || hit != 0 {
			c.add(errRecurIndexForm(start, end, e.Name, t))
			return nil
		}
		if id := c.undeclaredIn(bad); id != nil && c.rec == nil {
			if diag.SuggestNames(id.Name, sortedKeys(c.scope)) == "" {
				start, end := id.Span()
				c.add(errIndexVariableOutsideRecur(start, end, id.Name, e.Name))
				return nil
			}
		}
		if c.expr(bad) == nil {
			return nil
		}
		c.add(errIndexNotGrouping(start, end, e.Name, t))
		return nil
	}
	if c.rec != nil && e.Name == c.rec.let {
		return c.lag(e, sp, lo, lot)
	}
	x := c.expr(&lang.Ident{Pos: e.Pos, End: e.NameEnd, Name: e.Name})
	if x == nil {
		return nil
	}
	if sh := x.Shape(); len(sh) != 1 {
		what := "a scalar"
		if len(sh) > 1 {
			what = "a matrix"
		}
		c.add(errIndexNotVector(e.Pos, e.NameEnd, e.Name, what))
		return nil
	}
	if lot == 1 {
		return ir.NewAt(sp, x, lo, c.rec.r)
	}
	// Bounds known now are checked now; those with sizes when the data are bound (Bind).
	if n := x.Shape()[0]; n.Name == "" && lo.IsConst() && hi.IsConst() {
		if s := ir.NewSlice(sp, x, lo, hi, e.Hi == nil); !c.inRange(s, e, ir.Sizes{}, n.Size) {
			return nil
		}
	} else if lo.IsConst() && lo.Const < 1 {
		start, end := e.Index.Span()
		c.add(errIndexBeforeFirst(start, end, lo.Const, e.Name))
		return nil
	}
	return ir.NewSlice(sp, x, lo, hi, e.Hi == nil)
}

// inRange reports, with a located error, a slice or element outside a vector of n elements.
func (c *checker) inRange(s *ir.Slice, e *lang.Index, z ir.Sizes, n int) bool {
	if err := sliceRangeError(s, e.Name, z, n); err != nil {
		c.errs.Add(err)
		return false
	}
	return true
}

// sliceRangeError is the located error for a slice or element outside a vector of n elements,
// or nil; the checker calls it for bounds it knows, Bind for bounds with sizes.
func sliceRangeError(s *ir.Slice, name string, z ir.Sizes, n int) *diag.Error {
	lo, hi := s.Lo.Resolve(z), s.Hi.Resolve(z)
	start, end := s.Span()
	switch {
	case s.Elem && (lo < 1 || lo > n):
		return errElementOutOfRange(start, end, lo, name, n)
	case !s.Elem && (lo < 1 || hi > n):
		return errSliceOutOfRange(start, end, lo, hi, name, n)
	case !s.Elem && hi < lo:
		return errSliceEmpty(start, end, lo, hi, name)
	}
	return nil
}

// lag checks name[t-k] inside the step of name's own recurrence.
func (c *checker) lag(e *lang.Index, sp ir.Span, off ir.Affine, tcoef int) ir.Expr {
	start, end := e.Index.Span()
	switch {
	case e.Hi != nil || tcoef != 1:
		c.add(errRecurSelfUnindexed(start, end, e.Name, c.rec.index))
		return nil
	case !off.IsConst():
		c.add(errRecurLagNotNumber(start, end, e.Name, c.rec.index+signed(off), c.rec.index))
		return nil
	case off.Const >= 0:
		c.add(errRecurFuture(start, end, e.Name, c.rec.index+signed(off), c.rec.index))
		return nil
	}
	if sh := c.rec.r.Init.Shape(); len(sh) == 0 || sh[0].Name == "" {
		k := 1
		if len(sh) == 1 {
			k = sh[0].Size
		}
		if -off.Const > k {
			c.errs.Add(lagTooFar(c.rec.r, ir.NewLag(sp, -off.Const, c.rec.r), k))
			return nil
		}
	}
	return ir.NewLag(sp, -off.Const, c.rec.r)
}

// lagTooFar is the error for a step reading further back than the first values reach.
func lagTooFar(r *ir.Recur, x *ir.Lag, k int) *diag.Error {
	start, end := x.Span()
	return errRecurLagTooFar(start, end, r.Name, x.K, k)
}

func signed(a ir.Affine) string {
	s := a.String()
	if s != "" && s[0] != '-' {
		s = "+" + s
	}
	if s == "+0" {
		return ""
	}
	return s
}

// recur checks let NAME[N] = recur(init, t: step).
func (c *checker) recur(s *lang.LetDecl, e *lang.Recur) ir.Expr {
	sp := ir.NewSpan(e.Pos, e.End)
	shape, ok := c.dims(s.Dims)
	if !ok {
		return nil
	}
	if len(shape) != 1 {
		c.add(errRecurWithoutLength(s.NamePos, endOf(s.NamePos, s.Name), s.Name))
		return nil
	}
	init := c.expr(e.Init)
	if init == nil {
		return nil
	}
	if sh := init.Shape(); len(sh) > 1 {
		start, end := e.Init.Span()
		c.add(errRecurInitMatrix(start, end, s.Name, sh))
		return nil
	}
	if _, taken := c.scope[e.Var]; taken {
		c.add(errRecurIndexDeclared(e.VarPos, endOf(e.VarPos, e.Var), e.Var, s.Name))
		return nil
	}
	if _, isSize := c.sizes[e.Var]; isSize {
		c.add(errRecurIndexSize(e.VarPos, endOf(e.VarPos, e.Var), e.Var, s.Name))
		return nil
	}
	r := ir.NewRecur(sp, s.Name, shape)
	r.Init = init
	r.Dep = init.DependsOnParams()
	// A step reading the recurrence itself depends on the parameters when the rest of it does:
	// check it once assuming not, and again if it turns out to.
	c.rec = &recurScope{let: s.Name, index: e.Var, r: r}
	step := c.expr(e.Step)
	c.rec = nil
	if step == nil {
		return nil
	}
	if sh := step.Shape(); len(sh) != 0 {
		start, end := e.Step.Span()
		c.add(errRecurStepVector(start, end, s.Name, e.Var, sh))
		return nil
	}
	r.Step = step
	r.Dep = r.Dep || step.DependsOnParams()
	return r
}

// selfOutsideIndex reports a recurrence's own name used without an index in its step.
func (c *checker) selfOutsideIndex(e *lang.Ident) {
	c.add(errRecurSelfUnindexed(e.Pos, e.End, e.Name, c.rec.index))
}

// ifelse checks ifelse(c, a, b): elementwise, scalars broadcast.
func (c *checker) ifelse(e *lang.Call, sp ir.Span, args []ir.Expr) ir.Expr {
	var shape ir.Shape
	for i, a := range args {
		if !c.elementwise(a, "ifelse") {
			return nil
		}
		sh := a.Shape()
		switch {
		case len(sh) == 0:
		case len(shape) == 0:
			shape = sh
		case !shape.Equal(sh):
			start, end := e.Args[i].Span()
			c.add(errIfelseShapes(start, end, sh, shape))
			return nil
		}
	}
	return ir.NewSelect(sp, args[0], args[1], args[2], shape)
}

// checkIndices reports, once the data have bound the sizes, every element, slice or recurrence
// whose indices fall outside its vector, pointing at the source.
func checkIndices(m *ir.Model) error {
	var errs diag.List
	visit := func(e ir.Expr) {
		ir.Walk(e, func(x ir.Expr) bool {
			switch x := x.(type) {
			case *ir.Slice:
				if err := sliceRangeError(x, exprName(x.X), m.Sizes, m.Sizes.Len(x.X.Shape())); err != nil {
					errs.Add(err)
				}
			case *ir.Recur:
				if err := recurRangeError(x, m.Sizes); err != nil {
					errs.Add(err)
				}
			}
			return true
		})
	}
	for _, l := range m.Lets {
		visit(l.Value)
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
	return errs.Err()
}

// recurRangeError checks a recurrence's first values against its length and every vector its
// step reads at t + offset, for t over the steps, against that vector's length.
func recurRangeError(r *ir.Recur, z ir.Sizes) *diag.Error {
	n := z.Len(r.Shape())
	k := z.Len(r.Init.Shape())
	if k > n {
		start, end := r.Init.Span()
		return errRecurTooManyFirst(start, end, r.Name, n, k)
	}
	var err *diag.Error
	ir.Walk(r.Step, func(x ir.Expr) bool {
		if err != nil {
			return false
		}
		switch x := x.(type) {
		case *ir.At:
			off, m := x.Off.Resolve(z), z.Len(x.X.Shape())
			first, last := k+1+off, n+off
			if k < n && (first < 1 || last > m) {
				start, end := x.Span()
				bad := first
				if last > m {
					bad = last
				}
				err = errRecurReadsOutside(start, end, r.Name, exprName(x.X), bad, off, m, k, n)
			}
		case *ir.Lag:
			if x.K > k {
				err = lagTooFar(r, x, k)
			}
		}
		return true
	})
	return err
}

// exprName names the vector an index reads, for messages.
func exprName(e ir.Expr) string {
	switch e := e.(type) {
	case *ir.DataRef:
		return e.Var.Name
	case *ir.ParamRef:
		return e.Var.Name
	case *ir.LetRef:
		return e.Var.Name
	case *ir.GenRef:
		return e.Var.Name
	}
	return "the vector"
}
