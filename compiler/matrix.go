package compiler

import (
	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/dist"
	"github.com/hmcc-dev/hmcc/ir"
	"github.com/hmcc-dev/hmcc/lang"
)

// The checker's rules for matrices (docs/language.md, "Matrices"): products with @, transpose,
// diag_pre_multiply, add_diag, gp_exp_quad_cov, cholesky_decompose, rows, columns and elements
// of a matrix, and the distributions of vectors and matrices (MultiNormal, MultiNormalCholesky,
// LKJCorrCholesky), whose shapes follow rules of their own.

func isSquare(s ir.Shape) bool { return len(s) == 2 && s[0] == s[1] }

// matmul checks l @ r when it is not a data matrix times a vector (matvec): [K, M] @ [M, J] is
// [K, J] and [K, M] @ [M] is [K], for matrices of parameters as well as data.
func (c *checker) matmul(e *lang.Binary, sp ir.Span, l, r ir.Expr) ir.Expr {
	ls, rs := l.Shape(), r.Shape()
	if rs[0] != ls[1] {
		c.add(errMatmulShapes(e.OpPos, endOf(e.OpPos, "@"), ls, rs, ls[1]))
		return nil
	}
	shape := ir.Shape{ls[0]}
	if len(rs) == 2 {
		shape = ir.Shape{ls[0], rs[1]}
	}
	return ir.NewMatFunc(sp, ir.MatMul, []ir.Expr{l, r}, shape)
}

// matCall checks the matrix functions of ir.MatFuncNames.
func (c *checker) matCall(e *lang.Call, sp ir.Span, k ir.MatKind) ir.Expr {
	start, _ := e.Span()
	nameEnd := endOf(start, e.Func)
	want := map[ir.MatKind]int{ir.DiagPreMultiply: 2, ir.AddDiag: 2, ir.GPExpQuadCov: 3, ir.CholeskyDecompose: 1}[k]
	words := map[int]string{1: "one argument", 2: "two arguments", 3: "three arguments"}[want]
	args := c.callArgs(e, start, nameEnd, want, words)
	if args == nil {
		return nil
	}
	bad := func(i int, name, want string) ir.Expr {
		as, ae := args[i].Span()
		c.add(errMatrixArgShape(as, ae, name, e.Func, args[i].Shape(), want))
		return nil
	}
	switch k {
	case ir.DiagPreMultiply: // diag_pre_multiply(v [K], M [K, J])
		v, m := args[0].Shape(), args[1].Shape()
		if len(m) != 2 {
			return bad(1, "M", "a matrix [K, J]")
		}
		if len(v) != 1 || v[0] != m[0] {
			return bad(0, "v", "a vector with one element per row of M, "+ir.Shape{m[0]}.String())
		}
		return ir.NewMatFunc(sp, k, args, m)
	case ir.AddDiag: // add_diag(M [K, K], d scalar or [K])
		m, d := args[0].Shape(), args[1].Shape()
		if !isSquare(m) {
			as, ae := args[0].Span()
			c.add(errNotSquare(as, ae, "the first argument of add_diag", m, false))
			return nil
		}
		if len(d) > 1 || len(d) == 1 && d[0] != m[0] {
			return bad(1, "d", "a scalar or a vector "+ir.Shape{m[0]}.String())
		}
		return ir.NewMatFunc(sp, k, args, m)
	case ir.GPExpQuadCov: // gp_exp_quad_cov(x [N] data, alpha, rho)
		x := args[0].Shape()
		if len(x) != 1 {
			return bad(0, "x", "a vector [N] of inputs")
		}
		if args[0].DependsOnParams() {
			as, ae := args[0].Span()
			c.add(errMatrixArgShape(as, ae, "x", e.Func, x, "data (inputs that do not depend on parameters)"))
			return nil
		}
		for i, n := range []string{"alpha", "rho"} {
			if len(args[1+i].Shape()) != 0 {
				return bad(1+i, n, "a scalar")
			}
		}
		return ir.NewMatFunc(sp, k, args, ir.Shape{x[0], x[0]})
	case ir.CholeskyDecompose:
		m := args[0].Shape()
		if !isSquare(m) {
			as, ae := args[0].Span()
			c.add(errNotSquare(as, ae, "the argument of cholesky_decompose", m, true))
			return nil
		}
		return ir.NewMatFunc(sp, k, args, m)
	}
	return nil
}

// matIndex checks M[i, j], M[i, ], M[, j], M[i, g] and M[g, j] (with a comma), and the empty
// M[] (without).
func (c *checker) matIndex(e *lang.Index, sp ir.Span) ir.Expr {
	if !e.Matrix {
		c.add(errMatrixIndex(e.Pos, e.End, e.Name+"[] has no index"))
		return nil
	}
	x := c.expr(&lang.Ident{Pos: e.Pos, End: e.NameEnd, Name: e.Name})
	if x == nil {
		return nil
	}
	sh := x.Shape()
	if len(sh) != 2 {
		c.add(errMatrixIndex(e.Pos, e.NameEnd, e.Name+" has shape "+sh.String()+"; [i, j] indexes a matrix"))
		return nil
	}
	if e.Hi != nil {
		start, end := e.Hi.Span()
		c.add(errMatrixIndex(start, end, "a matrix index cannot be a slice"))
		return nil
	}
	if e.Index == nil && e.Col == nil {
		c.add(errMatrixIndex(e.Pos, e.End, e.Name+"[, ] selects everything; write "+e.Name))
		return nil
	}
	// part reads one side: a grouping, a fixed index, or nothing (the whole axis).
	type part struct {
		all   bool
		group *ir.DataVar
		at    ir.Affine
	}
	read := func(x lang.Expr, axis int) (part, bool) {
		if x == nil {
			return part{all: true}, true
		}
		if id, ok := x.(*lang.Ident); ok {
			if sym, ok := c.scope[id.Name]; ok && sym.kind == symData && sym.data.Source.Kind == ir.FromLevels {
				sym.data.Used = true
				return part{group: sym.data}, true
			}
		}
		a, t, ok := c.affine(x, "")
		start, end := x.Span()
		if !ok || t != 0 {
			if c.expr(x) != nil {
				c.add(errMatrixIndex(start, end, "an index of a matrix is a whole number, a size, or a grouping declared with levels"))
			}
			return part{}, false
		}
		if a.IsConst() {
			n := sh[axis]
			if a.Const < 1 || n.Name == "" && a.Const > n.Size {
				what := [2]string{"row", "column"}[axis]
				c.add(errMatrixIndexRange(start, end, what, a.Const, e.Name, n.Size))
				return part{}, false
			}
		}
		return part{at: a}, true
	}
	r, okR := read(e.Index, 0)
	col, okC := read(e.Col, 1)
	if !okR || !okC {
		return nil
	}
	args := []ir.Expr{x}
	var f *ir.MatFunc
	switch {
	case r.group != nil && col.group != nil, r.group != nil && col.all, r.all && col.group != nil:
		c.add(errMatrixIndex(e.Pos, e.End, "a grouping selects one element per row of the data: give the other index as a number"))
		return nil
	case r.group != nil:
		if J := (ir.Dim{Name: r.group.Source.LevelsSize}); sh[0] != J {
			c.add(errMatrixIndex(e.Pos, e.NameEnd, e.Name+" has shape "+sh.String()+", but "+r.group.Name+" has "+J.String()+" groups; "+e.Name+"["+r.group.Name+", j] needs "+J.String()+" rows"))
			return nil
		}
		f = ir.NewMatFunc(sp, ir.MatColGroup, args, r.group.Shape)
		f.Col, f.Group = col.at, r.group
	case col.group != nil:
		if J := (ir.Dim{Name: col.group.Source.LevelsSize}); sh[1] != J {
			c.add(errMatrixIndex(e.Pos, e.NameEnd, e.Name+" has shape "+sh.String()+", but "+col.group.Name+" has "+J.String()+" groups; "+e.Name+"[i, "+col.group.Name+"] needs "+J.String()+" columns"))
			return nil
		}
		f = ir.NewMatFunc(sp, ir.MatRowGroup, args, col.group.Shape)
		f.Row, f.Group = r.at, col.group
	case r.all:
		f = ir.NewMatFunc(sp, ir.MatCol, args, ir.Shape{sh[0]})
		f.Col = col.at
	case col.all:
		f = ir.NewMatFunc(sp, ir.MatRow, args, ir.Shape{sh[1]})
		f.Row = r.at
	default:
		f = ir.NewMatFunc(sp, ir.MatElem, args, nil)
		f.Row, f.Col = r.at, col.at
	}
	return f
}

// multiCall checks a distribution of vectors or matrices (dist.Multi) for a variate of the
// given shape, named what in messages: a vector [K] or the rows of a matrix [N, K] for
// MultiNormal and MultiNormalCholesky, a K×K matrix for LKJCorrCholesky. at..atEnd is where the
// variate is written.
func (c *checker) multiCall(call *lang.DistCall, d *dist.Dist, variate ir.Shape, what string, at, atEnd diag.Pos, param bool) *ir.Term {
	if len(call.Args) != len(d.Params) {
		c.add(errDistributionArity(call.Pos, call.End, d, len(call.Args)))
		return nil
	}
	var K ir.Dim
	switch {
	case d.Multi.VariateRank == 2 && !isSquare(variate):
		if param {
			c.add(errLKJShape(at, atEnd, what, variate))
		} else {
			c.add(errMultiShape(at, atEnd, what, d.Name, variate, "a square matrix [K, K]"))
		}
		for _, a := range call.Args {
			c.expr(a)
		}
		return nil
	case d.Multi.VariateRank == 1 && len(variate) != 1 && len(variate) != 2:
		c.add(errMultiShape(at, atEnd, what, d.Name, variate, "a vector [K] or a matrix [N, K] whose rows are the vectors"))
		for _, a := range call.Args {
			c.expr(a)
		}
		return nil
	}
	K = variate[len(variate)-1]
	term := &ir.Term{Pos: call.Pos, End: call.End, Dist: d}
	ok := true
	for i, a := range call.Args {
		e := c.expr(a)
		if e == nil {
			ok = false
			continue
		}
		start, end := a.Span()
		sh := e.Shape()
		name := "argument " + d.Params[i].Name
		switch d.Multi.ParamRanks[i] {
		case 0:
			if len(sh) != 0 {
				c.add(errMultiShape(start, end, name, d.Name, sh, "a scalar"))
				ok = false
			}
		case 1:
			if len(sh) > 1 || len(sh) == 1 && sh[0] != K {
				c.add(errMultiShape(start, end, name, d.Name, sh, "a scalar or a vector "+ir.Shape{K}.String()+", one element per element of the variate"))
				ok = false
			}
		case 2:
			switch {
			case !isSquare(sh):
				c.add(errNotSquare(start, end, name+" of "+d.Name, sh, true))
				ok = false
			case sh[0] != K:
				c.add(errMultiShape(start, end, name, d.Name, sh, ir.Shape{K, K}.String()+", one row and column per element of the variate"))
				ok = false
			}
		}
		term.Args = append(term.Args, e)
	}
	if !ok {
		return nil
	}
	return term
}

// multiPrior checks param NAME[sizes] ~ D(args) for a distribution of vectors or matrices and
// sets the parameter's prior and constraint (LKJCorrCholesky's support is the Cholesky factors
// of correlation matrices; the others' the real numbers).
func (c *checker) multiPrior(s *lang.ParamDecl, p *ir.ParamVar, d *dist.Dist) bool {
	term := c.multiCall(s.Prior, d, p.Shape, s.Name, s.Pos, s.End, true)
	if term == nil {
		return false
	}
	con, err := ir.ConstraintFor(d.Support)
	if err != nil {
		c.internal = diag.InternalAt(s.Prior.Pos, "parameter %s: %w", s.Name, err)
		return false
	}
	p.Constraint = con
	term.Variate = ir.NewParamRef(ir.NewSpan(s.NamePos, endOf(s.NamePos, s.Name)), p)
	p.Prior = term
	return true
}

// generateMulti checks generate NAME[sizes] ~ D(args) for a distribution of vectors or matrices
// and sets g's term and shape: the sizes as declared, or else, for MultiNormal and
// MultiNormalCholesky, one vector [K] whose K is the covariance's (or the mean's); the K×K
// matrices of LKJCorrCholesky need their sizes written.
func (c *checker) generateMulti(s *lang.GenerateDecl, g *ir.GenVar, d *dist.Dist) bool {
	what := "generated " + s.Name
	variate := g.Shape
	if len(s.Dims) == 0 {
		if d.Multi.VariateRank == 2 || len(s.Dist.Args) != len(d.Params) {
			if d.Multi.VariateRank == 2 {
				c.add(errGeneratedMultiWithoutSize(s.Pos, s.End, s.Name, d.Name))
			} else {
				c.add(errDistributionArity(s.Dist.Pos, s.Dist.End, d, len(s.Dist.Args)))
			}
			for _, a := range s.Dist.Args {
				c.expr(a)
			}
			return false
		}
		// K from the arguments: the mean's length where it is a vector, else the covariance's
		// rows; multiCall then checks them against it (a bad argument is reported there once).
		var K *ir.Dim
		for i, r := range d.Multi.ParamRanks {
			if r == 0 {
				continue
			}
			e := c.quietExpr(s.Dist.Args[i])
			if e == nil {
				continue
			}
			if sh := e.Shape(); len(sh) >= 1 && K == nil {
				K = &sh[0]
			}
		}
		variate = ir.Shape{{Size: 1}}
		if K != nil {
			variate = ir.Shape{*K}
		}
	}
	term := c.multiCall(s.Dist, d, variate, what, s.Pos, s.End, false)
	if term == nil {
		return false
	}
	g.Term, g.Shape = term, variate
	return true
}

// quietExpr checks e without reporting its errors (they are reported when it is checked again):
// nil where it has any.
func (c *checker) quietExpr(e lang.Expr) ir.Expr {
	n := len(c.errs)
	x := c.expr(e)
	if len(c.errs) > n {
		c.errs = c.errs[:n]
		return nil
	}
	return x
}
