// Package lang reads hmcc's model language: the grammar (participle), the AST, and Parse.
// It is the only package that imports participle.
package lang

import "github.com/hmcc-dev/hmcc/diag"

// Model is a parsed .model file.
type Model struct {
	File  string
	Stmts []Stmt
}

// Stmt is one of *DataDecl, *ParamDecl, *LetDecl, *ConstDecl, *GenerateDecl, *SampleStmt.
type Stmt interface {
	Span() (diag.Pos, diag.Pos)
	stmt()
}

// Dim is one size in a declared shape: a size symbol (N) or a literal size (3).
type Dim struct {
	Pos  diag.Pos
	Name string // "" when Size is a literal
	Size int
}

// SourceKind says how a data declaration selects CSV columns.
type SourceKind int

const (
	SourceColumn        SourceKind = iota // column "c"
	SourceColumns                         // columns "a", "b"
	SourceColumnsExcept                   // columns except "c", ...
	SourceLevels                          // levels "g" as J
	SourceValue                           // value "X": a named value of a JSON data file, any shape
)

// Source is the right-hand side of a data declaration.
type Source struct {
	Pos, End    diag.Pos
	Kind        SourceKind
	Names       []string
	NamePos     []diag.Pos
	Standardize bool
	// LevelsSize names the number of groups of a levels source (J in levels "g" as J); "" when
	// the source has no "as".
	LevelsSize    string
	LevelsSizePos diag.Pos
	// Table names the data file the source reads (from "counties": the file counties.csv or
	// counties.json given on the command line); "" for the first data file.
	Table    string
	TablePos diag.Pos
}

// DataDecl binds CSV columns to a name: data X[N, D] = standardize(columns except "target").
type DataDecl struct {
	Pos, End diag.Pos
	NamePos  diag.Pos
	Name     string
	Dims     []Dim
	Source   Source
}

// ParamDecl declares a parameter and its prior: param beta[D] ~ Normal(0, 1).
type ParamDecl struct {
	Pos, End diag.Pos
	NamePos  diag.Pos
	Name     string
	Dims     []Dim
	Prior    *DistCall
}

// LetDecl names a deterministic quantity: let w = tau * lambda * beta. Dims, optional, state
// its shape; a recurrence (let x[N] = recur(...)) needs them.
type LetDecl struct {
	Pos, End diag.Pos
	NamePos  diag.Pos
	Name     string
	Dims     []Dim
	Value    Expr
}

// ConstDecl names a value computed from numbers and data only, once, when the data are bound:
// const Xt = transpose(X). Unlike a let it may not depend on parameters (the checker says so),
// and it may be a matrix.
type ConstDecl struct {
	Pos, End diag.Pos
	NamePos  diag.Pos
	Name     string
	Value    Expr
}

// GenerateDecl is a quantity computed for every saved draw, after sampling and outside the
// gradient: generate y_rep[N] ~ Normal(mu, sigma) draws from a distribution, generate d = expr
// computes a value. Exactly one of Dist and Value is set; Dims may be empty.
type GenerateDecl struct {
	Pos, End diag.Pos
	NamePos  diag.Pos
	Name     string
	Dims     []Dim
	Dist     *DistCall
	Value    Expr
}

// SampleStmt states that observed data follow a distribution: y ~ BernoulliLogit(X @ w), or
// that an expression of data does: log(earn) ~ Normal(mu, sigma). Variate is the left side;
// Target names it when it is a plain name ("" otherwise).
type SampleStmt struct {
	Pos, End  diag.Pos
	Target    string
	TargetEnd diag.Pos
	Variate   Expr
	Dist      *DistCall
}

// DistCall is a distribution applied to arguments, as in ~ Gamma(0.5, 0.5).
type DistCall struct {
	Pos, End diag.Pos
	Name     string
	NameEnd  diag.Pos
	Args     []Expr
}

func (s *DataDecl) Span() (diag.Pos, diag.Pos)     { return s.Pos, s.End }
func (s *ParamDecl) Span() (diag.Pos, diag.Pos)    { return s.Pos, s.End }
func (s *LetDecl) Span() (diag.Pos, diag.Pos)      { return s.Pos, s.End }
func (s *ConstDecl) Span() (diag.Pos, diag.Pos)    { return s.Pos, s.End }
func (s *SampleStmt) Span() (diag.Pos, diag.Pos)   { return s.Pos, s.End }
func (s *GenerateDecl) Span() (diag.Pos, diag.Pos) { return s.Pos, s.End }
func (*DataDecl) stmt()                            {}
func (*ParamDecl) stmt()                           {}
func (*LetDecl) stmt()                             {}
func (*ConstDecl) stmt()                           {}
func (*SampleStmt) stmt()                          {}
func (*GenerateDecl) stmt()                        {}

// Expr is one of *Number, *Ident, *Call, *Index, *Recur, *Unary, *Binary.
type Expr interface {
	Span() (diag.Pos, diag.Pos)
	expr()
}

// Number is a numeric literal.
type Number struct {
	Pos, End diag.Pos
	Value    float64
	Text     string
}

// Ident refers to data, a parameter or a let.
type Ident struct {
	Pos, End diag.Pos
	Name     string
}

// Call applies a named function: exp(x), sum(v).
type Call struct {
	Pos, End diag.Pos
	Func     string
	Args     []Expr
}

// Index gathers the elements of a vector by a grouping (a[county]), takes one element
// (beta[1]), or with Hi a slice (y[2:N], from Index to Hi inclusive, 1-based).
type Index struct {
	Pos, End diag.Pos
	Name     string
	NameEnd  diag.Pos
	Index    Expr
	Hi       Expr // nil unless a slice
	// Matrix marks an index with a comma, of a matrix: M[i, j] is an element, M[i, ] row i
	// (Col nil), M[, j] column j (Index nil), M[i, g] with g a grouping the elements M[i, g[n]].
	Matrix bool
	Col    Expr
}

// Recur is a quantity defined by its own past, recur(init, t: step): its first elements are
// init (a scalar or a vector of k values), and element t after them is step, in which t is the
// index and NAME[t-1] … NAME[t-k] the earlier elements of the let being defined.
type Recur struct {
	Pos, End diag.Pos
	Init     Expr
	Var      string
	VarPos   diag.Pos
	Step     Expr
}

// Unary is a prefix operator; only "-" exists.
type Unary struct {
	Pos, End diag.Pos
	Op       string
	X        Expr
}

// Binary is an infix operator: + - * / ^ @, or a comparison < <= > >= == != (1 when true, 0
// when false).
type Binary struct {
	Pos, End diag.Pos
	Op       string
	OpPos    diag.Pos
	L, R     Expr
}

func (e *Number) Span() (diag.Pos, diag.Pos) { return e.Pos, e.End }
func (e *Ident) Span() (diag.Pos, diag.Pos)  { return e.Pos, e.End }
func (e *Call) Span() (diag.Pos, diag.Pos)   { return e.Pos, e.End }
func (e *Index) Span() (diag.Pos, diag.Pos)  { return e.Pos, e.End }
func (e *Unary) Span() (diag.Pos, diag.Pos)  { return e.Pos, e.End }
func (e *Recur) Span() (diag.Pos, diag.Pos)  { return e.Pos, e.End }
func (*Recur) expr()                         {}
func (e *Binary) Span() (diag.Pos, diag.Pos) { return e.Pos, e.End }
func (*Number) expr()                        {}
func (*Ident) expr()                         {}
func (*Call) expr()                          {}
func (*Index) expr()                         {}
func (*Unary) expr()                         {}
func (*Binary) expr()                        {}
