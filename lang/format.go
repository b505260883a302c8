package lang

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
	"github.com/hmcc-dev/hmcc/diag"
)

// Format prints a model canonically; it is what hmcc fmt writes. The rules (docs/language.md,
// "Formatting"):
//
//   - one statement per line; single spaces around ~, = and the binary operators other than ^
//     (x^2, as in mathematics), after commas and nowhere else;
//   - parentheses only where precedence or associativity needs them: the AST does not record
//     the author's, so the printer derives them from the tree, which is what makes the output
//     canonical and guarantees it parses to the same tree;
//   - numbers, sizes and quoted column names as written;
//   - a run of statements of one kind (data, param, let, const, generate, or a likelihood) not
//     separated by a blank line or by a statement of another kind has its ~ or = in one column;
//     comment lines inside a run do not break it;
//   - comments stay where they are: a full-line comment on its own line, a trailing comment
//     after its statement; the trailing comments of consecutive lines start in one column, two
//     spaces after the longest of those lines; a comment inside a statement that spanned lines
//     moves to its own line just before that statement;
//   - one blank line wherever the author left one or more, none at the start or the end, and a
//     newline after the last line.
//
// A syntax error is Parse's *diag.Error.
func Format(src []byte, filename string) ([]byte, error) {
	text := string(src)
	m, err := Parse(filename, text)
	if err != nil {
		return nil, err
	}
	toks, err := significantTokens(filename, text)
	if err != nil {
		return nil, err // unreachable: Parse has lexed the same text
	}
	lines, err := layout(m, toks)
	if err != nil {
		return nil, err
	}
	return render(lines), nil
}

// token is a lexed token other than whitespace. Parse elides comments, so Format lexes the
// source a second time to find them; positions match because both runs use modelLexer.
type token struct {
	pos     diag.Pos
	text    string
	comment bool
}

func significantTokens(file, src string) ([]token, error) {
	lex, err := modelLexer.LexString(file, src)
	if err != nil {
		return nil, err
	}
	sym := modelLexer.Symbols()
	var toks []token
	for {
		t, err := lex.Next()
		if err != nil {
			return nil, err
		}
		if t.EOF() {
			return toks, nil
		}
		if t.Type == sym["Whitespace"] {
			continue
		}
		toks = append(toks, token{pos: lexPos(t.Pos), text: t.Value, comment: t.Type == sym["Comment"]})
	}
}

// lexPos is a position without its file name, so lexer and AST positions compare equal.
func lexPos(p lexer.Position) diag.Pos { return diag.Pos{Line: p.Line, Col: p.Column} }

func key(p diag.Pos) diag.Pos { return diag.Pos{Line: p.Line, Col: p.Col} }

// line is one output line: a full-line comment (stmt == "") or a statement split at its ~ or =
// so that runs can be aligned.
type line struct {
	blankBefore bool
	comment     string // a full-line comment
	kind        string // statement kind; "" for a comment line
	head, op    string // "param beta[D]", "~"
	rest        string // "Normal(0, 1)"
	trailing    string // a trailing comment, or ""
}

// layout assigns the comments to statements and prints every statement's parts.
func layout(m *Model, toks []token) ([]line, error) {
	p := printer{text: map[diag.Pos]string{}}
	for _, t := range toks {
		p.text[t.pos] = t.text
	}
	// starts[i] is the index in toks of statement i's first token.
	starts := make([]int, len(m.Stmts))
	ti := 0
	for i, s := range m.Stmts {
		start, _ := s.Span()
		for ti < len(toks) && toks[ti].pos != key(start) {
			ti++
		}
		if ti == len(toks) {
			return nil, diag.Internalf("lang: no token at the start %d:%d of a statement", start.Line, start.Col)
		}
		starts[i] = ti
	}

	var lines []line
	lastLine := 0 // source line of the last thing printed, 0 before the first
	// add appends l, which starts on source line first (0: right after the previous line) and
	// ends on line last; a gap of blank lines before it becomes one.
	add := func(l line, first, last int) {
		l.blankBefore = lastLine > 0 && first > lastLine+1
		lines = append(lines, l)
		lastLine = last
	}
	// Comments before the first statement (or in a file without statements).
	firstStmt := len(toks)
	if len(starts) > 0 {
		firstStmt = starts[0]
	}
	for _, t := range toks[:firstStmt] {
		add(line{comment: t.text}, t.pos.Line, t.pos.Line)
	}
	for i, s := range m.Stmts {
		end := len(toks)
		if i+1 < len(starts) {
			end = starts[i+1]
		}
		span := toks[starts[i]:end]
		lastCode := 0
		for j, t := range span {
			if !t.comment {
				lastCode = j
			}
		}
		l, err := p.stmt(s)
		if err != nil {
			return nil, err
		}
		first, last := span[0].pos.Line, span[lastCode].pos.Line
		// Comments inside a statement that spanned lines go on their own lines before it,
		// with no blank line between them and it.
		for _, t := range span[:lastCode] {
			if t.comment {
				add(line{comment: t.text}, first, first)
				first = 0
			}
		}
		after := span[lastCode+1:]
		if len(after) > 0 && after[0].pos.Line == last {
			l.trailing = after[0].text
			after = after[1:]
		}
		add(l, first, last)
		for _, t := range after {
			add(line{comment: t.text}, t.pos.Line, t.pos.Line)
		}
	}
	return lines, nil
}

// render aligns the runs and joins the lines.
func render(lines []line) []byte {
	// Align ~ and = within each run of statements of one kind.
	for i := 0; i < len(lines); {
		if lines[i].kind == "" {
			i++
			continue
		}
		j, width := i, 0
		for k := i; k < len(lines) && (k == i || !lines[k].blankBefore); k++ {
			if lines[k].kind == "" {
				continue
			}
			if lines[k].kind != lines[i].kind {
				break
			}
			j = k + 1
			width = max(width, utf8.RuneCountInString(lines[k].head))
		}
		for k := i; k < j; k++ {
			if lines[k].kind != "" {
				lines[k].head += strings.Repeat(" ", width-utf8.RuneCountInString(lines[k].head))
			}
		}
		i = j
	}
	code := make([]string, len(lines))
	for i, l := range lines {
		if l.kind == "" {
			code[i] = trimComment(l.comment)
		} else {
			code[i] = l.head + " " + l.op + " " + l.rest
		}
	}
	// Start the trailing comments of consecutive lines in one column.
	for i := 0; i < len(lines); {
		if lines[i].trailing == "" {
			i++
			continue
		}
		j, width := i, 0
		for ; j < len(lines) && lines[j].trailing != "" && (j == i || !lines[j].blankBefore); j++ {
			width = max(width, utf8.RuneCountInString(code[j]))
		}
		for k := i; k < j; k++ {
			code[k] += strings.Repeat(" ", width-utf8.RuneCountInString(code[k])+2) + trimComment(lines[k].trailing)
		}
		i = j
	}
	var b strings.Builder
	for i, l := range lines {
		if l.blankBefore {
			b.WriteByte('\n')
		}
		b.WriteString(code[i])
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// trimComment drops trailing white space, including the \r of a CRLF file.
func trimComment(c string) string { return strings.TrimRight(c, " \t\r") }

// printer prints AST nodes; text maps a token's position to its text as written, for the
// numbers, sizes and column names that the AST holds converted.
type printer struct {
	text map[diag.Pos]string
	// tight is set inside an index's brackets, where + and - take no spaces: y[t-1], y[2:N-1].
	tight bool
}

func (p *printer) stmt(s Stmt) (line, error) {
	var err error
	l := line{}
	switch s := s.(type) {
	case *DataDecl:
		l.kind, l.head, l.op = "data", "data "+s.Name+p.dims(s.Dims), "="
		l.rest, err = p.source(s.Source)
	case *ParamDecl:
		l.kind, l.head, l.op = "param", "param "+s.Name+p.dims(s.Dims), "~"
		l.rest, err = p.call(s.Prior.Name, s.Prior.Args)
	case *LetDecl:
		l.kind, l.head, l.op = "let", "let "+s.Name+p.dims(s.Dims), "="
		l.rest, err = p.expr(s.Value, precTop)
	case *ConstDecl:
		l.kind, l.head, l.op = "const", "const "+s.Name, "="
		l.rest, err = p.expr(s.Value, precTop)
	case *GenerateDecl:
		l.kind, l.head = "generate", "generate "+s.Name+p.dims(s.Dims)
		if s.Dist != nil {
			l.op = "~"
			l.rest, err = p.call(s.Dist.Name, s.Dist.Args)
		} else {
			l.op = "="
			l.rest, err = p.expr(s.Value, precTop)
		}
	case *SampleStmt:
		l.kind, l.op = "sample", "~"
		// The grammar takes any expression that begins with a name before ~; parentheses
		// around a comparison would begin the statement with "(", which none may.
		if l.head, err = p.expr(s.Variate, precTop); err == nil {
			l.rest, err = p.call(s.Dist.Name, s.Dist.Args)
		}
	default:
		// A statement kind added to the grammar but not here: refuse rather than drop it.
		return l, diag.Internalf("lang: Format does not know the statement %T", s)
	}
	return l, err
}

func (p *printer) dims(dims []Dim) string {
	if len(dims) == 0 {
		return ""
	}
	parts := make([]string, len(dims))
	for i, d := range dims {
		switch t, ok := p.text[key(d.Pos)]; {
		case d.Name != "":
			parts[i] = d.Name
		case ok:
			parts[i] = t // as written: "3.0" converts to no whole number and must stay
		default:
			parts[i] = strconv.Itoa(d.Size)
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func (p *printer) source(s Source) (string, error) {
	quoted := make([]string, len(s.Names))
	for i, n := range s.Names {
		quoted[i] = strconv.Quote(n)
		if i < len(s.NamePos) {
			if t, ok := p.text[key(s.NamePos[i])]; ok {
				quoted[i] = t // keep the author's escapes
			}
		}
	}
	var src string
	switch s.Kind {
	case SourceColumn:
		src = "column " + quoted[0]
	case SourceColumns:
		src = "columns " + strings.Join(quoted, ", ")
	case SourceColumnsExcept:
		src = "columns except " + strings.Join(quoted, ", ")
	case SourceLevels:
		src = "levels " + quoted[0]
		if s.LevelsSize != "" {
			src += " as " + s.LevelsSize
		}
	case SourceValue:
		src = "value " + quoted[0]
	default:
		return "", diag.Internalf("lang: Format does not know the data source kind %d", s.Kind)
	}
	if s.Standardize {
		src = "standardize(" + src + ")"
	}
	if s.Table != "" {
		table := strconv.Quote(s.Table)
		if t, ok := p.text[key(s.TablePos)]; ok {
			table = t
		}
		src += " from " + table
	}
	return src, nil
}

func (p *printer) call(name string, args []Expr) (string, error) {
	parts := make([]string, len(args))
	for i, a := range args {
		var err error
		if parts[i], err = p.expr(a, precTop); err != nil {
			return "", err
		}
	}
	return name + "(" + strings.Join(parts, ", ") + ")", nil
}

// Binding strength, loosest first, as the grammar (grammar.go) nests its rules: gExpr's
// comparison, its sum (+ -), gTerm (* / @), gUnary (-), gPower (^), gPrimary. precTop admits
// any expression.
const (
	precCmp = iota + 1
	precAdd
	precMul
	precUnary
	precPower
	precPrimary

	precTop = precCmp
)

func prec(e Expr) int {
	switch e := e.(type) {
	case *Binary:
		switch e.Op {
		case "<", "<=", ">", ">=", "==", "!=":
			return precCmp
		case "+", "-":
			return precAdd
		case "*", "/", "@":
			return precMul
		case "^":
			return precPower
		}
	case *Unary:
		return precUnary
	}
	return precPrimary
}

// expr prints e where the grammar admits only expressions binding at least as tightly as min,
// adding parentheses otherwise.
func (p *printer) expr(e Expr, min int) (string, error) {
	s, err := p.bare(e)
	if err != nil {
		return "", err
	}
	if prec(e) < min {
		s = "(" + s + ")"
	}
	return s, nil
}

func (p *printer) bare(e Expr) (string, error) {
	switch e := e.(type) {
	case *Number:
		return e.Text, nil
	case *Ident:
		return e.Name, nil
	case *Call:
		return p.call(e.Func, e.Args)
	case *Index:
		tight := p.tight
		p.tight = true
		defer func() { p.tight = tight }()
		if e.Matrix || e.Index == nil {
			return p.matrixIndex(e)
		}
		i, err := p.expr(e.Index, precTop)
		if err != nil || e.Hi == nil {
			return e.Name + "[" + i + "]", err
		}
		hi, err := p.expr(e.Hi, precTop)
		return e.Name + "[" + i + ":" + hi + "]", err
	case *Recur:
		tight := p.tight
		p.tight = false // a recurrence inside brackets is an error the checker reports; print it plainly
		defer func() { p.tight = tight }()
		init, err := p.expr(e.Init, precTop)
		if err != nil {
			return "", err
		}
		step, err := p.expr(e.Step, precTop)
		return "recur(" + init + ", " + e.Var + ": " + step + ")", err
	case *Unary:
		if e.Op != "-" {
			break
		}
		x, err := p.expr(e.X, precUnary)
		return "-" + x, err
	case *Binary:
		// Each side's minimum is the grammar rule that reads it: + - and * / @ are left
		// associative (their right operand binds tighter), ^ is right associative with a
		// primary base and a unary exponent (2^-1).
		var lmin, rmin int
		switch prec(e) {
		case precCmp: // a comparison does not chain: both sides are sums
			lmin, rmin = precAdd, precAdd
		case precAdd:
			lmin, rmin = precAdd, precMul
		case precMul:
			lmin, rmin = precMul, precUnary
		case precPower:
			lmin, rmin = precPrimary, precUnary
		default:
			return "", diag.Internalf("lang: Format does not know the operator %q", e.Op)
		}
		l, err := p.expr(e.L, lmin)
		if err != nil {
			return "", err
		}
		r, err := p.expr(e.R, rmin)
		if err != nil {
			return "", err
		}
		if e.Op == "^" || (p.tight && (e.Op == "+" || e.Op == "-")) {
			return l + e.Op + r, nil
		}
		return l + " " + e.Op + " " + r, nil
	}
	return "", diag.Internalf("lang: Format does not know the expression %T", e)
}

// matrixIndex prints M[i, j], M[i, ] or M[, j] (and the empty M[], which the checker reports).
func (p *printer) matrixIndex(e *Index) (string, error) {
	var i, j string
	var err error
	if e.Index != nil {
		if i, err = p.expr(e.Index, precTop); err != nil {
			return "", err
		}
	}
	if e.Hi != nil {
		hi, err := p.expr(e.Hi, precTop)
		if err != nil {
			return "", err
		}
		i += ":" + hi
	}
	if !e.Matrix {
		return e.Name + "[" + i + "]", nil
	}
	if e.Col != nil {
		if j, err = p.expr(e.Col, precTop); err != nil {
			return "", err
		}
	}
	switch {
	case e.Index == nil && e.Col == nil:
		return e.Name + "[,]", nil
	case e.Index == nil:
		return e.Name + "[, " + j + "]", nil
	case e.Col == nil:
		return e.Name + "[" + i + ", ]", nil
	}
	return e.Name + "[" + i + ", " + j + "]", nil
}
