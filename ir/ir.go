// Package ir is hmcc's typed intermediate representation: declarations with resolved names and
// checked shapes, expressions that know whether they depend on parameters, constraints with their
// transforms, and a reference evaluator. The compiler builds it from the AST and lowers it to a graph.
package ir

import (
	"fmt"
	"strings"

	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/dist"
)

// Dim is one axis size: a size symbol bound by data (N), or a literal.
type Dim struct {
	Name string // "" for a literal
	Size int
}

func (d Dim) String() string {
	switch {
	case d.Name == "":
		return fmt.Sprint(d.Size)
	case d.Size == 0:
		return d.Name
	}
	return fmt.Sprintf("%s%+d", d.Name, d.Size) // an affine size from a slice: N-1
}

// Shape is the per-chain shape of a value: empty for a scalar, one Dim for a vector, two for a matrix.
type Shape []Dim

func (s Shape) String() string {
	if len(s) == 0 {
		return "scalar"
	}
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = d.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// Equal compares shapes symbolically.
func (s Shape) Equal(t Shape) bool {
	if len(s) != len(t) {
		return false
	}
	for i := range s {
		if s[i] != t[i] {
			return false
		}
	}
	return true
}

// Sizes maps size symbols to the values the data bound them to.
type Sizes map[string]int

// Resolve returns the concrete extents of s.
func (z Sizes) Resolve(s Shape) []int {
	out := make([]int, len(s))
	for i, d := range s {
		out[i] = z.dimValue(d)
	}
	return out
}

// Len is the number of elements of s once resolved.
func (z Sizes) Len(s Shape) int {
	n := 1
	for _, e := range z.Resolve(s) {
		n *= e
	}
	return n
}

// Model is a model in one of two states. compiler.Check returns a checked model: names
// resolved, shapes symbolic, no data. compiler.BindData returns a bound copy of it, the checked
// model itself unchanged: Sizes set, every data declaration's Value, every parameter's place in
// θ, bounds computed from data in the constraints, data-only subexpressions folded. Bound tells
// them apart; the lowering and code generation take bound models only.
type Model struct {
	File   string
	Data   []*DataVar
	Params []*ParamVar
	Lets   []*LetVar
	Terms  []*Term // likelihood terms, in source order
	// Generated are the quantities computed for every saved draw, outside the gradient.
	Generated []*GenVar
	// Sizes are the values of the size symbols, in a bound model; nil in a checked one.
	Sizes Sizes
}

// Bound reports whether m is bound to data (see Model).
func (m *Model) Bound() bool { return m.Sizes != nil }

// GenVar is a generated quantity. generate NAME ~ Dist(args) sets Term (its Variate is nil: the
// value is drawn); generate NAME = expr sets Value.
type GenVar struct {
	Name  string
	Pos   diag.Pos
	Shape Shape
	Value Expr
	Term  *Term
}

// Source says which CSV columns a data variable takes.
type Source struct {
	Kind        SourceKind
	Names       []string
	NamePos     []diag.Pos
	Standardize bool
	// LevelsSize is the size symbol a FromLevels source binds to its number of groups.
	LevelsSize string
	// Table is the data file named by from "name" ("" for the first file given).
	Table    string
	TablePos diag.Pos
}

// KindWord names the source kind as a model writes it.
func (s Source) KindWord() string {
	return [...]string{"column", "columns", "columns except", "levels", "value"}[s.Kind]
}

// SourceKind mirrors the three ways to name columns.
type SourceKind int

const (
	FromColumn SourceKind = iota
	FromColumns
	FromColumnsExcept
	FromLevels // a grouping column: each row's group as an index 1 … J
	FromValue  // a named value of a JSON data file: a scalar, vector or matrix
)

// DataVar is a data declaration; Value, Columns and Labels are set in a bound model.
type DataVar struct {
	Name    string
	Pos     diag.Pos
	NamePos diag.Pos // where the name is written, for diagnostics about the name
	Shape   Shape
	Source  Source
	Value   *Tensor
	// Columns lists the CSV columns the value came from, in order (set when bound).
	Columns []string
	// Used records whether the model's output depends on it: a likelihood, a prior, a reported
	// let or a generated quantity reads it, directly or through lets (set by the checker, before
	// binding folds the references away).
	Used bool
	// Labels names the groups of a FromLevels variable: Labels[k-1] is group k (set when bound).
	Labels []string
	// IsSize marks a scalar read with value "K" whose name the model also uses as a size
	// (param mu[K]): binding sets the size to the value, which must be a whole number ≥ 1.
	IsSize bool
}

// ParamVar is a parameter: its prior, its constraint, and where it sits in the packed vector θ.
type ParamVar struct {
	Name       string
	Pos        diag.Pos
	Shape      Shape
	Prior      *Term
	Constraint Constraint // bounds read from data (Uniform(lo, hi)) are set in a bound model
	Offset     int        // first coordinate in θ (in a bound model)
	Len        int        // number of coordinates (in a bound model)
}

// LetVar is a deterministic quantity. Reported ones depend on parameters and appear in output.
// Const marks one declared with const: data-only by construction, possibly a matrix, folded
// when the data are bound like every data-only let.
type LetVar struct {
	Name     string
	Pos      diag.Pos
	Value    Expr
	Reported bool
	Const    bool
	// Used is DataVar.Used for a let: whether the output depends on it.
	Used bool
}

// Term is one log-density term: Variate ~ Dist(Args...).
type Term struct {
	Pos, End diag.Pos
	Dist     *dist.Dist
	Variate  Expr
	Args     []Expr
	// Weights, when set, makes the term a mixture, Variate ~ Mixture(Weights, Dist(Args...)):
	// Weights is a vector [K] and each argument a scalar or a vector [K], one value per
	// component; every element x of the variate adds log Σₖ Weightsₖ Dist(x | Argsₖ).
	Weights Expr
	// Components, when set, are a mixture's components written out one by one,
	// Mixture(Weights, Dist₁(...), …, Dist_K(...)): each has its Dist and Args (scalars or one
	// value per element of the variate) and no variate; Dist is then the first's and Args nil.
	Components []*Term
}

// Exprs returns every expression the term reads: its variate (none for a generated draw's
// term), a mixture's weights, its arguments and those of the components a mixture writes out.
// Walkers over a model's terms take them from here, so that no kind of term is left out.
func (t *Term) Exprs() []Expr {
	var out []Expr
	if t.Variate != nil {
		out = append(out, t.Variate)
	}
	if t.Weights != nil {
		out = append(out, t.Weights)
	}
	out = append(out, t.Args...)
	for _, c := range t.Components {
		out = append(out, c.Args...)
	}
	return out
}

// DensityTerms returns every term of the model that has a distribution: the likelihood terms,
// each parameter's prior and each generate NAME ~ Dist draw, in that order.
func (m *Model) DensityTerms() []*Term {
	terms := append([]*Term(nil), m.Terms...)
	for _, p := range m.Params {
		terms = append(terms, p.Prior)
	}
	for _, g := range m.Generated {
		if g.Term != nil {
			terms = append(terms, g.Term)
		}
	}
	return terms
}

// Expr is a typed expression.
type Expr interface {
	Shape() Shape
	// DependsOnParams is false for data-only subexpressions, which are computed once at load time.
	DependsOnParams() bool
	Span() (diag.Pos, diag.Pos)
}

// Span is the source range of an expression.
type Span struct{ Start, End diag.Pos }

type span = Span

func (s Span) Span() (diag.Pos, diag.Pos) { return s.Start, s.End }

// Const is a numeric literal.
type Const struct {
	span
	Value float64
}

// DataRef reads a data variable.
type DataRef struct {
	span
	Var *DataVar
}

// ParamRef reads a parameter on its constrained (natural) scale.
type ParamRef struct {
	span
	Var *ParamVar
}

// LetRef reads a let.
type LetRef struct {
	span
	Var *LetVar
	// letFacts are Var.Value's, taken when the reference is made, so that a chain of lets
	// (let b = -a, let c = -b, ...) is walked once, not once per reference: asking each link
	// again made checking a long chain quadratic (issue 12). Folding at binding keeps both (it
	// replaces a data-only value by its value, of the same shape).
	letFacts
}

type letFacts struct {
	known bool // false where the let had no value yet: ask it each time
	shp   Shape
	deps  bool
}

func factsOf(v *LetVar) letFacts {
	if v.Value == nil {
		return letFacts{}
	}
	return letFacts{true, v.Value.Shape(), v.Value.DependsOnParams()}
}

func (e *LetRef) shape() Shape {
	if e.known {
		return e.shp
	}
	return e.Var.Value.Shape()
}

func (e *LetRef) dependsOnParams() bool {
	if e.known {
		return e.deps
	}
	return e.Var.Value.DependsOnParams()
}

// GenRef reads a generated quantity; only other generated quantities may.
type GenRef struct {
	span
	Var *GenVar
}

// Unary applies an elementwise function.
type Unary struct {
	span
	Func *UnaryFunc
	X    Expr
}

// Binary applies an elementwise operator with broadcasting of scalars.
type Binary struct {
	span
	Op   *BinaryOp
	L, R Expr
	shp  Shape
}

// MatVec multiplies a data matrix [A, B] by a vector [B].
type MatVec struct {
	span
	M, V Expr
}

// Gather picks, for every element of a grouping, the element of X its group names:
// X[Index[i]] for each i (1-based groups). X is a vector with one element per group.
type Gather struct {
	span
	X     Expr
	Index *DataVar
}

// Sum adds the elements of a vector.
type Sum struct {
	span
	X Expr
}

// Mean averages the elements of a vector.
type Mean struct {
	span
	X Expr
}

// Dot is the inner product of two vectors of the same shape.
type Dot struct {
	span
	A, B Expr
}

// Transpose swaps the axes of a matrix [A, B], giving [B, A]. Matrices are data, so it is
// always folded when the data are bound.
type Transpose struct {
	span
	X Expr
}

// Folded is a data-only subexpression replaced by its value when data was bound.
type Folded struct {
	span
	Value *Tensor
	shp   Shape
}

// NewSpan makes the position part of an expression.
func NewSpan(start, end diag.Pos) Span { return Span{start, end} }

func NewConst(s span, v float64) *Const                            { return &Const{s, v} }
func NewDataRef(s span, v *DataVar) *DataRef                       { return &DataRef{s, v} }
func NewParamRef(s span, v *ParamVar) *ParamRef                    { return &ParamRef{s, v} }
func NewLetRef(s span, v *LetVar) *LetRef                          { return &LetRef{s, v, factsOf(v)} }
func NewGenRef(s span, v *GenVar) *GenRef                          { return &GenRef{s, v} }
func NewUnary(s span, f *UnaryFunc, x Expr) *Unary                 { return &Unary{s, f, x} }
func NewMatVec(s span, m, v Expr) *MatVec                          { return &MatVec{s, m, v} }
func NewSum(s span, x Expr) *Sum                                   { return &Sum{s, x} }
func NewMean(s span, x Expr) *Mean                                 { return &Mean{s, x} }
func NewDot(s span, a, b Expr) *Dot                                { return &Dot{s, a, b} }
func NewTranspose(s span, x Expr) *Transpose                       { return &Transpose{s, x} }
func NewGather(s span, x Expr, index *DataVar) *Gather             { return &Gather{s, x, index} }
func NewFolded(s span, v *Tensor, shp Shape) *Folded               { return &Folded{s, v, shp} }
func NewBinary(s span, op *BinaryOp, l, r Expr, shp Shape) *Binary { return &Binary{s, op, l, r, shp} }

func (e *Const) Shape() Shape    { return nil }
func (e *DataRef) Shape() Shape  { return e.Var.Shape }
func (e *ParamRef) Shape() Shape { return e.Var.Shape }
func (e *LetRef) Shape() Shape   { return e.shape() }
func (e *GenRef) Shape() Shape   { return e.Var.Shape }
func (e *Unary) Shape() Shape    { return e.X.Shape() }
func (e *Binary) Shape() Shape   { return e.shp }
func (e *MatVec) Shape() Shape   { return Shape{e.M.Shape()[0]} }
func (e *Sum) Shape() Shape      { return nil }
func (e *Mean) Shape() Shape     { return nil }
func (e *Dot) Shape() Shape      { return nil }
func (e *Transpose) Shape() Shape {
	s := e.X.Shape()
	return Shape{s[1], s[0]}
}
func (e *Gather) Shape() Shape { return e.Index.Shape }
func (e *Folded) Shape() Shape { return e.shp }

func (e *Const) DependsOnParams() bool     { return false }
func (e *DataRef) DependsOnParams() bool   { return false }
func (e *ParamRef) DependsOnParams() bool  { return true }
func (e *LetRef) DependsOnParams() bool    { return e.dependsOnParams() }
func (e *GenRef) DependsOnParams() bool    { return true } // drawn per draw: never folded
func (e *Unary) DependsOnParams() bool     { return e.X.DependsOnParams() }
func (e *Binary) DependsOnParams() bool    { return e.L.DependsOnParams() || e.R.DependsOnParams() }
func (e *MatVec) DependsOnParams() bool    { return e.M.DependsOnParams() || e.V.DependsOnParams() }
func (e *Sum) DependsOnParams() bool       { return e.X.DependsOnParams() }
func (e *Mean) DependsOnParams() bool      { return e.X.DependsOnParams() }
func (e *Dot) DependsOnParams() bool       { return e.A.DependsOnParams() || e.B.DependsOnParams() }
func (e *Transpose) DependsOnParams() bool { return e.X.DependsOnParams() }
func (e *Gather) DependsOnParams() bool    { return e.X.DependsOnParams() }
func (e *Folded) DependsOnParams() bool    { return false }

// Tensor is a dense row-major array of float64 with a concrete shape.
type Tensor struct {
	Shape []int
	Data  []float64
}

// NewTensor allocates a zero tensor.
func NewTensor(shape ...int) *Tensor {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return &Tensor{Shape: append([]int(nil), shape...), Data: make([]float64, n)}
}

// Scalar wraps one number.
func Scalar(v float64) *Tensor { return &Tensor{Data: []float64{v}} }

// Dim returns the number of coordinates of θ.
func (m *Model) Dim() int {
	n := 0
	for _, p := range m.Params {
		n += p.Len
	}
	return n
}

// CoordinateNames names each coordinate of θ CmdStan-style: tau, lambda.1, … (1-based). A
// simplex of K elements has K − 1 coordinates, named theta.1 … theta.K−1.
func (m *Model) CoordinateNames() []string {
	var out []string
	for _, p := range m.Params {
		out = append(out, ElementNames(p.Name, m.Sizes.Resolve(p.Shape))[:p.Len]...)
	}
	return out
}

// ParamNames names each parameter's elements on the natural scale, in declaration order: the
// parameters' output columns.
func (m *Model) ParamNames() []string {
	var out []string
	for _, p := range m.Params {
		out = append(out, ElementNames(p.Name, m.Sizes.Resolve(p.Shape))...)
	}
	return out
}

// ElementNames names the elements of an array in row-major order, CmdStan-style.
func ElementNames(name string, shape []int) []string {
	if len(shape) == 0 {
		return []string{name}
	}
	n := 1
	for _, s := range shape {
		n *= s
	}
	out := make([]string, 0, n)
	idx := make([]int, len(shape))
	for k := 0; k < n; k++ {
		var b strings.Builder
		b.WriteString(name)
		for _, i := range idx {
			fmt.Fprintf(&b, ".%d", i+1)
		}
		out = append(out, b.String())
		for d := len(shape) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out
}

// Children returns the operands of e, in source order. A reference to a let is a leaf: its value
// is reached through Var.Value, so a let used twice is not walked twice by accident.
func Children(e Expr) []Expr {
	switch e := e.(type) {
	case *Unary:
		return []Expr{e.X}
	case *Binary:
		return []Expr{e.L, e.R}
	case *MatVec:
		return []Expr{e.M, e.V}
	case *Gather:
		return []Expr{e.X}
	case *Sum:
		return []Expr{e.X}
	case *Mean:
		return []Expr{e.X}
	case *Dot:
		return []Expr{e.A, e.B}
	case *LogSumExp:
		return []Expr{e.X}
	case *Transpose:
		return []Expr{e.X}
	case *Slice:
		return []Expr{e.X}
	case *Select:
		return []Expr{e.C, e.A, e.B}
	case *Recur:
		return []Expr{e.Init, e.Step}
	case *At:
		return []Expr{e.X}
	}
	return nil
}

// Walk calls f on e and, while f returns true, on its children, depth first in source order.
func Walk(e Expr, f func(Expr) bool) {
	if !f(e) {
		return
	}
	for _, c := range Children(e) {
		Walk(c, f)
	}
}
