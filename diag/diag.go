// Package diag holds source positions and the one diagnostic type every stage reports through:
// "file:line:col: error: message" (or "warning: message"), the source line, and a caret under the
// span.
package diag

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Pos is a position in a model file. Line and Col are 1-based; Line 0 means unknown.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	default:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	}
}

// Error is one user-facing problem at a place in the source. A warning is the same thing about
// a model that works but is likely to sample badly; it is rendered the same way, with
// "warning:" in place of "error:".
type Error struct {
	Pos     Pos
	End     Pos // end of the span (exclusive); zero means a single caret
	Kind    Kind
	Msg     string
	Hint    string // what to do about it; may be empty
	Warning bool
}

// Kind names what an Error reports, one per message (stanc3's Semantic_error constructors): the
// stage that finds a problem builds it with one constructor per kind, span first, so the kinds a
// stage can report are a closed list that tests can walk (each needs a golden file). A kind is a
// lower-case snake_case word, the base name of the golden file that shows it.
type Kind string

// New builds an error of a kind at a span. Stages call it from their constructors, one per kind,
// not at the site of each error.
func New(kind Kind, pos, end Pos, format string, args ...any) *Error {
	return &Error{Pos: pos, End: end, Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// NewWarning is New for a warning.
func NewWarning(kind Kind, pos, end Pos, format string, args ...any) *Error {
	return &Error{Pos: pos, End: end, Kind: kind, Msg: fmt.Sprintf(format, args...), Warning: true}
}

func (e *Error) Error() string {
	if e.Warning {
		return e.Pos.String() + ": warning: " + e.Msg
	}
	return e.Pos.String() + ": error: " + e.Msg
}

// WithHint returns e with a suggestion attached.
func (e *Error) WithHint(format string, args ...any) *Error {
	e.Hint = fmt.Sprintf(format, args...)
	return e
}

// List collects errors from one stage so several can be shown at once.
type List []*Error

// MaxErrors caps how many errors one run shows; later ones are usually consequences of earlier ones.
const MaxErrors = 10

func (l *List) Add(e *Error) { *l = append(*l, e) }

// Err returns nil when the list is empty, otherwise the list sorted by position.
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i].Pos, l[j].Pos
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return l
}

func (l List) Error() string {
	msgs := make([]string, 0, len(l))
	for _, e := range l {
		msgs = append(msgs, e.Error())
	}
	return strings.Join(msgs, "\n")
}

// Render formats err for a person: each diagnostic with its source line and caret. src is the model
// text the positions refer to (may be empty). Errors that are not diagnostics print as they are.
func Render(err error, src string) string {
	var list List
	switch e := err.(type) {
	case List:
		list = e
	case *Error:
		list = List{e}
	default:
		return "error: " + err.Error() + "\n"
	}
	lines := strings.Split(src, "\n")
	var b strings.Builder
	for i, e := range list {
		if i == MaxErrors {
			what := "warnings"
			for _, rest := range list[i:] {
				if !rest.Warning {
					what = "errors"
				}
			}
			fmt.Fprintf(&b, "... and %d more %s\n", len(list)-MaxErrors, what)
			break
		}
		b.WriteString(e.Error())
		b.WriteByte('\n')
		if e.Pos.Line >= 1 && e.Pos.Line <= len(lines) {
			line := strings.TrimRight(lines[e.Pos.Line-1], "\r")
			fmt.Fprintf(&b, "  %s\n", line)
			width := 1
			if e.End.Line == e.Pos.Line && e.End.Col > e.Pos.Col {
				width = e.End.Col - e.Pos.Col
			}
			pad := caretPad(line, e.Pos.Col-1)
			fmt.Fprintf(&b, "  %s%s\n", pad, strings.Repeat("^", width))
		}
		if e.Hint != "" {
			fmt.Fprintf(&b, "  hint: %s\n", e.Hint)
		}
	}
	return b.String()
}

// caretPad reproduces the tabs of the source line so the caret lines up under any tab width.
func caretPad(line string, n int) string {
	var b strings.Builder
	for i, r := range []rune(line) {
		if i >= n {
			break
		}
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
	}
	for i := len([]rune(line)); i < n; i++ {
		b.WriteByte(' ')
	}
	return b.String()
}

// CheckWithin reports, as an error, the first way err fails to be a diagnostic about src: not a
// *Error or a non-empty List, a nil entry, a position or end outside src (1 ≤ line ≤ lines+1,
// 1 ≤ col ≤ that line's length in bytes + 1), a message that is not UTF-8 for UTF-8 source, or an
// empty rendering. The fuzz targets hold every error the parser and checker return to it.
func CheckWithin(err error, src string) error {
	var list List
	var one *Error
	switch {
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = List{one}
	default:
		return fmt.Errorf("error %T is not a diagnostic: %v", err, err)
	}
	if len(list) == 0 {
		return errors.New("empty diag.List as an error")
	}
	lines := strings.Split(src, "\n")
	valid := func(p Pos) bool {
		if p.Line < 1 || p.Line > len(lines)+1 || p.Col < 1 {
			return false
		}
		return p.Line > len(lines) || p.Col <= len(lines[p.Line-1])+1
	}
	for _, e := range list {
		switch {
		case e == nil:
			return errors.New("nil *diag.Error in a list")
		case !valid(e.Pos):
			return fmt.Errorf("position %d:%d outside the source (%d lines): %v", e.Pos.Line, e.Pos.Col, len(lines), e)
		case e.End != (Pos{}) && !valid(e.End):
			return fmt.Errorf("end %d:%d outside the source (%d lines): %v", e.End.Line, e.End.Col, len(lines), e)
		case !utf8.ValidString(e.Msg) && utf8.ValidString(src):
			return fmt.Errorf("message is not UTF-8: %q", e.Msg)
		}
	}
	if Render(err, src) == "" {
		return errors.New("empty rendering")
	}
	return nil
}

// CheckKinds reports, as an error, the first error or warning in err (a *Error or a List) that
// has no Kind: every stage builds its errors and warnings with one constructor per kind.
func CheckKinds(err error) error {
	var list List
	var one *Error
	switch {
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = List{one}
	}
	for _, e := range list {
		if e != nil && e.Kind == "" {
			return fmt.Errorf("%v has no kind (build it with its kind's constructor)", e)
		}
	}
	return nil
}
