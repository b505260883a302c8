package lang

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
	"github.com/hmcc-dev/hmcc/diag"
)

// Parse reads a model from src; file names the source in positions. A syntax error is a
// *diag.Error pointing at the offending token.
func Parse(file, src string) (*Model, error) {
	if err := nestingError(file, src); err != nil {
		return nil, err
	}
	tree, err := parser.ParseString(file, src)
	if err != nil {
		return nil, syntaxError(file, src, err)
	}
	m := &Model{File: file}
	for _, s := range tree.Stmts {
		m.Stmts = append(m.Stmts, convertStmt(s))
	}
	return m, nil
}

func syntaxError(file, src string, err error) error {
	var perr participle.Error
	if errors.As(err, &perr) {
		p := pos(perr.Position())
		if p.File == "" {
			p.File = file
		}
		msg := "syntax: " + readableGrammar(perr.Message())
		var unexpected *participle.UnexpectedTokenError
		var lexErr *lexer.Error
		switch {
		case errors.As(err, &unexpected) && unexpected.Unexpected.EOF():
			// Point just past the last token rather than at an empty line after it.
			if last, ok := endOfLastToken(file, src); ok {
				p = last
			}
			return errUnexpectedEOF(p, expectedPart(msg))
		case errors.As(err, &unexpected):
			end := p
			end.Col += len([]rune(unexpected.Unexpected.Value))
			return errUnexpectedToken(p, end, unexpected.Unexpected.Value, expectedPart(msg))
		case errors.As(err, &lexErr) && lexErr.Pos.Offset < len(src):
			r, _ := utf8.DecodeRuneInString(src[lexErr.Pos.Offset:])
			return errUnexpectedChar(p, diag.Pos{File: p.File, Line: p.Line, Col: p.Col + 1}, r)
		}
		return errSyntax(p, msg)
	}
	return errSyntax(diag.Pos{File: file}, err.Error())
}

// greekNames spells the Greek letters models are written with in mathematics.
var greekNames = map[rune]string{
	'α': "alpha", 'β': "beta", 'γ': "gamma", 'δ': "delta", 'ε': "epsilon", 'ζ': "zeta", 'η': "eta", 'θ': "theta",
	'ι': "iota", 'κ': "kappa", 'λ': "lambda", 'μ': "mu", 'ν': "nu", 'ξ': "xi", 'π': "pi", 'ρ': "rho", 'σ': "sigma",
	'τ': "tau", 'υ': "upsilon", 'φ': "phi", 'χ': "chi", 'ψ': "psi", 'ω': "omega", 'Σ': "Sigma", 'Ω': "Omega",
}

// quoteToken quotes a token for a message; a string literal is shown as written.
func quoteToken(v string) string {
	if strings.HasPrefix(v, `"`) {
		return v
	}
	return strconv.Quote(v)
}

// grammarNames translates the grammar's struct names, which participle puts in "expected ..."
// messages, into words a model author knows.
var grammarNames = map[string]string{
	"GExpr": "expression", "GTerm": "expression", "GUnary": "expression", "GPower": "expression",
	"GPrimary": "expression", "GOpTerm": "operator", "GOpUnary": "operator",
	"GCall": "distribution", "GName": "name", "GIndex": "expression", "GIndexPart": "index", "GRecur": "recurrence", "GCompare": "comparison", "GLevels": "levels", "GDims": "sizes", "GDim": "size",
	"GSource": "column selection", "GColumns": "column selection", "GString": "quoted column name",
	"GStmt": "statement",
}

var grammarName = regexp.MustCompile(`\bG[A-Z][A-Za-z]*\b`)

func readableGrammar(msg string) string {
	return grammarName.ReplaceAllStringFunc(msg, func(n string) string {
		if r, ok := grammarNames[n]; ok {
			return r
		}
		return n
	})
}

// expectedPart returns the " (expected ...)" suffix of a participle message, or "".
func expectedPart(msg string) string {
	if i := strings.LastIndex(msg, " (expected "); i >= 0 {
		return msg[i:]
	}
	return ""
}

// endOfLastToken returns the position just after the last token that is not a comment or
// whitespace.
func endOfLastToken(file, src string) (diag.Pos, bool) {
	lex, err := modelLexer.LexString(file, src)
	if err != nil {
		return diag.Pos{}, false
	}
	sym := modelLexer.Symbols()
	var last lexer.Token
	found := false
	for {
		tok, err := lex.Next()
		if err != nil || tok.EOF() {
			break
		}
		if tok.Type == sym["Whitespace"] || tok.Type == sym["Comment"] {
			continue
		}
		last, found = tok, true
	}
	if !found {
		return diag.Pos{}, false
	}
	p := pos(last.Pos)
	if p.File == "" {
		p.File = file
	}
	p.Col += utf8.RuneCountInString(last.Value)
	return p, true
}

func pos(p lexer.Position) diag.Pos { return diag.Pos{File: p.Filename, Line: p.Line, Col: p.Column} }

func convertStmt(s gStmt) Stmt {
	switch s := s.(type) {
	case *gData:
		return &DataDecl{Pos: pos(s.Pos), End: pos(s.EndPos), NamePos: pos(s.Name.Pos), Name: s.Name.Value, Dims: convertDims(s.Dims), Source: convertSource(s.Source)}
	case *gParam:
		return &ParamDecl{Pos: pos(s.Pos), End: pos(s.EndPos), NamePos: pos(s.Name.Pos), Name: s.Name.Value, Dims: convertDims(s.Dims), Prior: convertCall(s.Prior)}
	case *gLet:
		return &LetDecl{Pos: pos(s.Pos), End: pos(s.EndPos), NamePos: pos(s.Name.Pos), Name: s.Name.Value, Dims: convertDims(s.Dims), Value: convertExpr(s.Value)}
	case *gConst:
		return &ConstDecl{Pos: pos(s.Pos), End: pos(s.EndPos), NamePos: pos(s.Name.Pos), Name: s.Name.Value, Value: convertExpr(s.Value)}
	case *gGenerate:
		g := &GenerateDecl{Pos: pos(s.Pos), End: pos(s.EndPos), NamePos: pos(s.Name.Pos), Name: s.Name.Value, Dims: convertDims(s.Dims)}
		if s.Dist != nil {
			g.Dist = convertCall(s.Dist)
		} else {
			g.Value = convertExpr(s.Value)
		}
		return g
	case *gSample:
		v := convertExpr(s.Target)
		st := &SampleStmt{Pos: pos(s.Pos), End: pos(s.EndPos), Variate: v, Dist: convertCall(s.Dist)}
		_, st.TargetEnd = v.Span()
		if id, ok := v.(*Ident); ok {
			st.Target = id.Name
		}
		return st
	}
	panic("lang: unknown statement type") // unreachable: the union lists every statement type
}

func convertDims(d *gDims) []Dim {
	if d == nil {
		return nil
	}
	dims := make([]Dim, 0, len(d.Dims))
	for _, g := range d.Dims {
		dim := Dim{Pos: pos(g.Pos), Name: g.Name}
		if g.Name == "" {
			n, err := strconv.Atoi(g.Size)
			if err != nil {
				n = -1 // the checker reports sizes that are not whole numbers
			}
			dim.Size = n
		}
		dims = append(dims, dim)
	}
	return dims
}

func convertSource(g *gSource) Source {
	cols := g.Plain
	src := Source{Pos: pos(g.Pos), End: pos(g.EndPos)}
	if g.From != nil {
		src.Table, src.TablePos = unquote(g.From.Value), pos(g.From.Pos)
	}
	if g.Value != nil {
		src.Kind = SourceValue
		src.Names = []string{unquote(g.Value.Value)}
		src.NamePos = []diag.Pos{pos(g.Value.Pos)}
		return src
	}
	if g.Levels != nil {
		src.Kind = SourceLevels
		src.Names = []string{unquote(g.Levels.Column.Value)}
		src.NamePos = []diag.Pos{pos(g.Levels.Column.Pos)}
		if g.Levels.Size != nil {
			src.LevelsSize, src.LevelsSizePos = g.Levels.Size.Value, pos(g.Levels.Size.Pos)
		}
		return src
	}
	if g.Std != nil {
		cols, src.Standardize = g.Std, true
	}
	var names []gString
	switch {
	case cols.Column != nil:
		src.Kind, names = SourceColumn, []gString{*cols.Column}
	case cols.Except != nil:
		src.Kind, names = SourceColumnsExcept, cols.Except
	default:
		src.Kind, names = SourceColumns, cols.Columns
	}
	for _, n := range names {
		src.Names = append(src.Names, unquote(n.Value))
		src.NamePos = append(src.NamePos, pos(n.Pos))
	}
	return src
}

// unquote returns a string literal's text.
func unquote(lit string) string {
	v, err := strconv.Unquote(lit)
	if err != nil {
		v = lit[1 : len(lit)-1]
	}
	return v
}

func convertCall(g *gCall) *DistCall {
	c := &DistCall{Pos: pos(g.Pos), End: pos(g.EndPos), Name: g.Name.Value, NameEnd: pos(g.Name.EndPos)}
	for _, a := range g.Args {
		c.Args = append(c.Args, convertExpr(a))
	}
	return c
}

func convertExpr(g *gExpr) Expr {
	e := convertSum(g.Left, g.Rest)
	if c := g.Cmp; c != nil {
		start, _ := e.Span()
		e = &Binary{Pos: start, End: pos(c.EndPos), Op: c.Op, OpPos: pos(c.Pos), L: e, R: convertSum(c.Right, c.Rest)}
	}
	return e
}

func convertSum(left *gTerm, rest []*gOpTerm) Expr {
	e := convertTerm(left)
	for _, r := range rest {
		start, _ := e.Span()
		e = &Binary{Pos: start, End: pos(r.EndPos), Op: r.Op, OpPos: pos(r.Pos), L: e, R: convertTerm(r.Right)}
	}
	return e
}

func convertIndex(name *gName, part *gIndexPart, start diag.Pos) *Index {
	ix := &Index{Pos: start, End: pos(part.EndPos), Name: name.Value, NameEnd: pos(name.EndPos), Index: convertExpr(part.Index)}
	if part.Hi != nil {
		ix.Hi = convertExpr(part.Hi)
	}
	return ix
}

func convertTerm(g *gTerm) Expr {
	e := convertUnary(g.Left)
	for _, r := range g.Rest {
		start, _ := e.Span()
		e = &Binary{Pos: start, End: pos(r.EndPos), Op: r.Op, OpPos: pos(r.Pos), L: e, R: convertUnary(r.Right)}
	}
	return e
}

func convertUnary(g *gUnary) Expr {
	if g.Neg != nil {
		return &Unary{Pos: pos(g.Pos), End: pos(g.EndPos), Op: "-", X: convertUnary(g.Neg)}
	}
	base := convertPrimary(g.Power.Base)
	if g.Power.Exp == nil {
		return base
	}
	return &Binary{Pos: pos(g.Power.Pos), End: pos(g.Power.EndPos), Op: "^", OpPos: pos(g.Power.Base.EndPos), L: base, R: convertUnary(g.Power.Exp)}
}

func convertPrimary(g *gPrimary) Expr {
	p, end := pos(g.Pos), pos(g.EndPos)
	switch {
	case g.Number != "":
		// The lexer only admits well-formed numbers; an overflow gives ±Inf, which the checker reports.
		v, _ := strconv.ParseFloat(g.Number, 64)
		return &Number{Pos: p, End: end, Value: v, Text: g.Number}
	case g.Call != nil:
		c := &Call{Pos: p, End: end, Func: g.Call.Name.Value}
		for _, a := range g.Call.Args {
			c.Args = append(c.Args, convertExpr(a))
		}
		return c
	case g.Recur != nil:
		return &Recur{Pos: p, End: end, Init: convertExpr(g.Recur.Init), Var: g.Recur.Var.Value, VarPos: pos(g.Recur.Var.Pos), Step: convertExpr(g.Recur.Step)}
	case g.Index != nil:
		ix := convertIndex(g.Index.Name, g.Index.Part, p)
		ix.End = end
		return ix
	case g.Ident != "":
		return &Ident{Pos: p, End: end, Name: g.Ident}
	default:
		return convertExpr(g.Sub)
	}
}
