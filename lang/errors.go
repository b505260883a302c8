package lang

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/hmcc-dev/hmcc/diag"
)

// The kinds of syntax error Parse reports, one constructor each, span first (as the compiler's
// in compiler/errors.go). Each is shown by a golden file in compiler/testdata/diagnostics.
const (
	KindSyntax          diag.Kind = "syntax_other"
	KindUnexpectedEOF   diag.Kind = "syntax_end_of_file"
	KindUnexpectedChar  diag.Kind = "syntax_character"
	KindUnexpectedToken diag.Kind = "syntax_error"
	KindTooDeep         diag.Kind = "syntax_too_deep"
)

// Kinds lists every kind of error Parse reports, for the test that each has a golden file.
var Kinds = []diag.Kind{KindSyntax, KindUnexpectedEOF, KindUnexpectedChar, KindUnexpectedToken, KindTooDeep}

// errSyntax is a syntax error the parser describes in its own words (msg, already readable).
func errSyntax(pos diag.Pos, msg string) *diag.Error {
	return diag.New(KindSyntax, pos, diag.Pos{}, "%s", msg)
}

// errUnexpectedEOF: the model ends inside a statement; expected is ` (expected ...)` or "".
func errUnexpectedEOF(pos diag.Pos, expected string) *diag.Error {
	return diag.New(KindUnexpectedEOF, pos, diag.Pos{}, "syntax: unexpected end of file%s", expected)
}

// errUnexpectedToken: a token that cannot stand here; expected is ` (expected ...)` or "".
func errUnexpectedToken(pos, end diag.Pos, token, expected string) *diag.Error {
	return diag.New(KindUnexpectedToken, pos, end, "syntax: unexpected %s%s", quoteToken(token), expected)
}

// errUnexpectedChar: a character no token starts with; a non-ASCII letter gets a hint, with the
// spelling of a Greek letter.
func errUnexpectedChar(pos, end diag.Pos, r rune) *diag.Error {
	e := diag.New(KindUnexpectedChar, pos, end, "syntax: unexpected character %q", string(r))
	if r >= utf8.RuneSelf && unicode.IsLetter(r) {
		e.Hint = "names are ASCII: letters a-z and A-Z, digits and _"
		if name, ok := greekNames[r]; ok {
			e.Hint += fmt.Sprintf(" (write %s for %c)", name, r)
		}
	}
	return e
}

// errTooDeep: an expression nests deeper than MaxNesting; pos is the token that goes past it.
func errTooDeep(pos, end diag.Pos) *diag.Error {
	e := diag.New(KindTooDeep, pos, end, "syntax: expression too deep: past %d levels of brackets, calls and chained operators here", MaxNesting)
	e.Hint = "split it into smaller parts with let statements (a long sum of terms is often one vector expression: sum(...), or X @ w)"
	return e
}
