package lang

import (
	"github.com/alecthomas/participle/v2/lexer"
)

// MaxNesting bounds how deeply one expression may nest: brackets, calls and indexes, plus the
// operators that make a chain (a - b - c is two levels deep: every later stage walks such a chain
// as a tree of that depth). The parser, the checker, the binder and the lowering all recurse
// over that depth, and each level of participle's recursive descent costs tens of
// microseconds and some kilobytes of stack that every garbage collection then scans: a few
// thousand unclosed brackets took seconds to parse (the FuzzCheck stalls of issue 12), and
// deeper input only grows worse. No model needs more than a few dozen levels; a long formula
// splits into lets.
const MaxNesting = 256

// nestingError reports the first token at which an expression of src nests deeper than
// MaxNesting, or nil. It runs before the parser so that the parser's work is bounded too; a
// lexical error is left to the parser, which reports it.
//
// The depth it counts bounds the depth of the syntax tree from above: an opening bracket adds
// one level until its closing bracket; an operator (binary or unary, comparisons included) adds
// one until the end of its bracket's current argument (a comma or colon) or of the statement
// (a keyword or a ~ outside brackets).
func nestingError(file, src string) error {
	lex, err := modelLexer.LexString(file, src)
	if err != nil {
		return nil
	}
	sym := modelLexer.Symbols()
	skip := map[lexer.TokenType]bool{sym["Whitespace"]: true, sym["Comment"]: true}
	punct, cmp, ident := sym["Punct"], sym["Cmp"], sym["Ident"]
	var open []int // the depth before each open bracket
	depth := 0
	for {
		tok, err := lex.Next()
		if err != nil || tok.EOF() {
			return nil
		}
		if skip[tok.Type] {
			continue
		}
		switch {
		case tok.Type == ident && len(open) == 0 && statementKeyword[tok.Value]:
			depth = 0
		case tok.Type == punct:
			switch tok.Value {
			case "(", "[":
				open = append(open, depth)
				depth++
			case ")", "]":
				if n := len(open); n > 0 {
					depth, open = open[n-1], open[:n-1]
				}
			case ",", ":":
				if n := len(open); n > 0 {
					depth = open[n-1] + 1
				}
			case "~", "=":
				if len(open) == 0 {
					depth = 0
				}
			default: // + - * / ^ @
				depth++
			}
		case tok.Type == cmp:
			depth++
		}
		if depth > MaxNesting {
			p := pos(tok.Pos)
			if p.File == "" {
				p.File = file
			}
			end := p
			end.Col += len(tok.Value)
			return errTooDeep(p, end)
		}
	}
}

// statementKeyword holds the words that start a statement.
var statementKeyword = map[string]bool{"data": true, "param": true, "let": true, "const": true, "generate": true}
