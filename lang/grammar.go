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
	{Name: "Punct", Pattern: `[-+*/^@()\[\],=~]`},
	{Name: "Whitespace", Pattern: `[ \t\r\n]+`},
})

type gModel struct {
	Stmts []gStmt `@@*`
}

type gStmt interface{ gstmt() }

type gData struct {
	Pos    lexer.Position
	Name   *gName   `"data" @@`
	Dims   *gDims   `@@?`
	Source *gSource `"=" @@`
	EndPos lexer.Position
}

type gParam struct {
	Pos    lexer.Position
	Name   *gName `"param" @@`
	Dims   *gDims `@@?`
	Prior  *gCall `"~" @@`
	EndPos lexer.Position
}

type gLet struct {
	Pos    lexer.Position
	Name   *gName `"let" @@`
	Value  *gExpr `"=" @@`
	EndPos lexer.Position
}

type gSample struct {
	Pos    lexer.Position
	Target *gName `@@ "~"`
	Dist   *gCall `@@`
	EndPos lexer.Position
}

func (*gData) gstmt()   {}
func (*gParam) gstmt()  {}
func (*gLet) gstmt()    {}
func (*gSample) gstmt() {}

type gName struct {
	Pos    lexer.Position
	Value  string `@Ident`
	EndPos lexer.Position
}

type gDims struct {
	Dims []*gDim `"[" @@ ("," @@)* "]"`
}

type gDim struct {
	Pos  lexer.Position
	Name string `( @Ident`
	Size string `| @Number )`
}

type gSource struct {
	Pos    lexer.Position
	Std    *gColumns `( "standardize" "(" @@ ")"`
	Plain  *gColumns `| @@ )`
	EndPos lexer.Position
}

type gColumns struct {
	Pos     lexer.Position
	Column  *gString  `( "column" @@`
	Except  []gString `| "columns" "except" @@ ("," @@)*`
	Columns []gString `| "columns" @@ ("," @@)* )`
	EndPos  lexer.Position
}

type gString struct {
	Pos   lexer.Position
	Value string `@String`
}

type gExpr struct {
	Pos    lexer.Position
	Left   *gTerm     `@@`
	Rest   []*gOpTerm `@@*`
	EndPos lexer.Position
}

type gOpTerm struct {
	Pos    lexer.Position
	Op     string `@("+" | "-")`
	Right  *gTerm `@@`
	EndPos lexer.Position
}

type gTerm struct {
	Pos    lexer.Position
	Left   *gUnary     `@@`
	Rest   []*gOpUnary `@@*`
	EndPos lexer.Position
}

type gOpUnary struct {
	Pos    lexer.Position
	Op     string  `@("*" | "/" | "@")`
	Right  *gUnary `@@`
	EndPos lexer.Position
}

type gUnary struct {
	Pos    lexer.Position
	Neg    *gUnary `( "-" @@`
	Power  *gPower `| @@ )`
	EndPos lexer.Position
}

type gPower struct {
	Pos    lexer.Position
	Base   *gPrimary `@@`
	Exp    *gUnary   `( "^" @@ )?`
	EndPos lexer.Position
}

type gPrimary struct {
	Pos    lexer.Position
	Number string `( @Number`
	Call   *gCall `| @@`
	Ident  string `| @Ident`
	Sub    *gExpr `| "(" @@ ")" )`
	EndPos lexer.Position
}

type gCall struct {
	Pos    lexer.Position
	Name   *gName   `@@ "("`
	Args   []*gExpr `( @@ ( "," @@ )* )? ")"`
	EndPos lexer.Position
}

var parser = participle.MustBuild[gModel](
	participle.Lexer(modelLexer),
	participle.Elide("Whitespace", "Comment"),
	participle.Union[gStmt](&gData{}, &gParam{}, &gLet{}, &gSample{}),
	participle.UseLookahead(3),
)
