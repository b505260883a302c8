package lang

import (
	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The grammar is written as participle-annotated structs; Parse converts the parse tree into the
// AST in ast.go, which later stages use. Precedence, loosest first: + -, then * / @, then unary -,
// then ^ (right associative, so -x^2 is -(x^2) and 2^-1 is allowed).

var modelLexer = lexer.MustSimple([]lexer.SimpleRule{
	{Name: "Comment", Pattern: `#[^\n]*`},
	{Name: "String", Pattern: `"(\\.|[^"\\\n])*"`},
	{Name: "Number", Pattern: `(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?`},
	{Name: "Ident", Pattern: `[A-Za-z_][A-Za-z0-9_]*`},
	{Name: "Cmp", Pattern: `<=|>=|==|!=|<|>`},
	{Name: "Punct", Pattern: `[-+*/^@()\[\],=~:]`},
	{Name: "Whitespace", Pattern: `[ \t\r\n]+`},
})

type gModel struct {
	Stmts []gStmt `parser:"@@*"`
}

type gStmt interface{ gstmt() }

type gData struct {
	Pos    lexer.Position
	Name   *gName   `parser:"'data' @@"`
	Dims   *gDims   `parser:"@@?"`
	Source *gSource `parser:"'=' @@"`
	EndPos lexer.Position
}

type gParam struct {
	Pos    lexer.Position
	Name   *gName `parser:"'param' @@"`
	Dims   *gDims `parser:"@@?"`
	Prior  *gCall `parser:"'~' @@"`
	EndPos lexer.Position
}

type gLet struct {
	Pos    lexer.Position
	Name   *gName `parser:"'let' @@"`
	Dims   *gDims `parser:"@@?"`
	Value  *gExpr `parser:"'=' @@"`
	EndPos lexer.Position
}

// gConst is a data-only value computed once: const Xt = transpose(X).
type gConst struct {
	Pos    lexer.Position
	Name   *gName `parser:"'const' @@"`
	Value  *gExpr `parser:"'=' @@"`
	EndPos lexer.Position
}

// gGenerate is a generated quantity: generate y_rep[N] ~ Normal(mu, sigma), or = expr.
type gGenerate struct {
	Pos    lexer.Position
	Name   *gName `parser:"'generate' @@"`
	Dims   *gDims `parser:"@@?"`
	Dist   *gCall `parser:"( '~' @@"`
	Value  *gExpr `parser:"| '=' @@ )"`
	EndPos lexer.Position
}

// gSample observes data: y ~ Normal(mu, sigma), or an expression of data, log(y) ~ ....
type gSample struct {
	Pos    lexer.Position
	Target *gExpr `parser:"(?= Ident) @@ '~'"`
	Dist   *gCall `parser:"@@"`
	EndPos lexer.Position
}

func (*gData) gstmt()     {}
func (*gParam) gstmt()    {}
func (*gLet) gstmt()      {}
func (*gConst) gstmt()    {}
func (*gSample) gstmt()   {}
func (*gGenerate) gstmt() {}

type gName struct {
	Pos    lexer.Position
	Value  string `parser:"@Ident"`
	EndPos lexer.Position
}

type gDims struct {
	Dims []*gDim `parser:"'[' @@ (',' @@)* ']'"`
}

type gDim struct {
	Pos  lexer.Position
	Name string `parser:"( @Ident"`
	Size string `parser:"| @Number )"`
}

type gSource struct {
	Pos    lexer.Position
	Levels *gLevels  `parser:"( @@"`
	Std    *gColumns `parser:"| 'standardize' '(' @@ ')'"`
	Value  *gString  `parser:"| 'value' @@"`
	Plain  *gColumns `parser:"| @@ )"`
	From   *gString  `parser:"( 'from' @@ )?"`
	EndPos lexer.Position
}

// gLevels reads a grouping column: levels "county" as J.
type gLevels struct {
	Column *gString `parser:"'levels' @@"`
	Size   *gName   `parser:"( 'as' @@ )?"`
}

type gColumns struct {
	Pos     lexer.Position
	Column  *gString  `parser:"( 'column' @@"`
	Except  []gString `parser:"| 'columns' 'except' @@ (',' @@)*"`
	Columns []gString `parser:"| 'columns' @@ (',' @@)* )"`
	EndPos  lexer.Position
}

type gString struct {
	Pos   lexer.Position
	Value string `parser:"@String"`
}

type gExpr struct {
	Pos    lexer.Position
	Left   *gTerm     `parser:"@@"`
	Rest   []*gOpTerm `parser:"@@*"`
	Cmp    *gCompare  `parser:"@@?"`
	EndPos lexer.Position
}

// gCompare is the loosest level: a comparison of two sums, giving 1 or 0. It does not chain
// (a < b < c is a syntax error), so its right side is a sum, not an expression.
type gCompare struct {
	Pos    lexer.Position
	Op     string     `parser:"@('<=' | '>=' | '==' | '!=' | '<' | '>')"`
	Right  *gTerm     `parser:"@@"`
	Rest   []*gOpTerm `parser:"@@*"`
	EndPos lexer.Position
}

type gOpTerm struct {
	Pos    lexer.Position
	Op     string `parser:"@('+' | '-')"`
	Right  *gTerm `parser:"@@"`
	EndPos lexer.Position
}

type gTerm struct {
	Pos    lexer.Position
	Left   *gUnary     `parser:"@@"`
	Rest   []*gOpUnary `parser:"@@*"`
	EndPos lexer.Position
}

type gOpUnary struct {
	Pos    lexer.Position
	Op     string  `parser:"@('*' | '/' | '@')"`
	Right  *gUnary `parser:"@@"`
	EndPos lexer.Position
}

type gUnary struct {
	Pos    lexer.Position
	Neg    *gUnary `parser:"( '-' @@"`
	Power  *gPower `parser:"| @@ )"`
	EndPos lexer.Position
}

type gPower struct {
	Pos    lexer.Position
	Base   *gPrimary `parser:"@@"`
	Exp    *gUnary   `parser:"( '^' @@ )?"`
	EndPos lexer.Position
}

type gPrimary struct {
	Pos    lexer.Position
	Number string  `parser:"( @Number"`
	Recur  *gRecur `parser:"| @@"`
	Call   *gCall  `parser:"| @@"`
	Index  *gIndex `parser:"| @@"`
	Ident  string  `parser:"| @Ident"`
	Sub    *gExpr  `parser:"| '(' @@ ')' )"`
	EndPos lexer.Position
}

// gIndex gathers a vector's elements by a grouping (a[county]), takes one element (beta[1]) or
// a slice (y[2:N]).
type gIndex struct {
	Name *gName      `parser:"@@"`
	Part *gIndexPart `parser:"@@"`
}

// gIndexPart is the bracket after a name: [i] or [lo:hi] of a vector, or with a comma the
// element [i, j], the row [i, ] or the column [, j] of a matrix.
type gIndexPart struct {
	Pos    lexer.Position
	Index  *gExpr `parser:"'[' ( @@"`
	Hi     *gExpr `parser:"( ':' @@ )? )?"`
	Comma  bool   `parser:"( @','"`
	Col    *gExpr `parser:"@@? )? ']'"`
	EndPos lexer.Position
}

// gRecur is a quantity defined by its own past: recur(init, t: step).
type gRecur struct {
	Pos    lexer.Position
	Init   *gExpr `parser:"'recur' '(' @@ ','"`
	Var    *gName `parser:"@@ ':'"`
	Step   *gExpr `parser:"@@ ')'"`
	EndPos lexer.Position
}

type gCall struct {
	Pos    lexer.Position
	Name   *gName   `parser:"@@ '('"`
	Args   []*gExpr `parser:"( @@ ( ',' @@ )* )? ')'"`
	EndPos lexer.Position
}

var parser = participle.MustBuild[gModel](
	participle.Lexer(modelLexer),
	participle.Elide("Whitespace", "Comment"),
	participle.Union[gStmt](&gData{}, &gParam{}, &gLet{}, &gConst{}, &gGenerate{}, &gSample{}),
	participle.UseLookahead(3),
)
