package lang

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/diag"
)

// exprDepth is the depth of e's tree: how deep the checker, binder and lowering recurse.
func exprDepth(e Expr) int {
	var kids []Expr
	switch e := e.(type) {
	case *Call:
		kids = e.Args
	case *Index:
		kids = []Expr{e.Index, e.Hi}
	case *Recur:
		kids = []Expr{e.Init, e.Step}
	case *Unary:
		kids = []Expr{e.X}
	case *Binary:
		kids = []Expr{e.L, e.R}
	}
	d := 0
	for _, k := range kids {
		if k != nil {
			d = max(d, exprDepth(k))
		}
	}
	return 1 + d
}

// nestings build `let z = ...` whose expression is k levels deep, each in one way that makes
// the parser and every later stage recurse.
var nestings = map[string]func(k int) string{
	"brackets":  func(k int) string { return strings.Repeat("(", k) + "0" + strings.Repeat(")", k) },
	"calls":     func(k int) string { return strings.Repeat("exp(", k) + "0" + strings.Repeat(")", k) },
	"indexes":   func(k int) string { return strings.Repeat("a[", k) + "1" + strings.Repeat("]", k) },
	"slices":    func(k int) string { return strings.Repeat("a[1:", k) + "2" + strings.Repeat("]", k) },
	"recur":     func(k int) string { return strings.Repeat("recur(0, t: ", k) + "t" + strings.Repeat(")", k) },
	"negations": func(k int) string { return strings.Repeat("-", k) + "1" },
	"powers":    func(k int) string { return "2" + strings.Repeat("^2", k) },
	"sum":       func(k int) string { return "1" + strings.Repeat(" + 1", k) },
	"products":  func(k int) string { return "1" + strings.Repeat(" * x / y @ z", k/3) + strings.Repeat(" * x", k%3) },
	"mixed": func(k int) string {
		return strings.Repeat("-(", k/2) + strings.Repeat("-", k%2) + "x" + strings.Repeat(")", k/2)
	},
}

// TestNestingBounded: an expression up to MaxNesting deep parses, and its tree is no deeper than
// that (so the recursion of every later stage is bounded by a constant, whatever the input); one
// level more is refused before the parser runs, at the token that goes past the bound, also when
// the input goes on far deeper (the fuzzers' runs of repeated bytes: thousands of brackets took
// seconds to parse, issue 12).
func TestNestingBounded(t *testing.T) {
	for name, build := range nestings {
		t.Run(name, func(t *testing.T) {
			m, err := Parse(file, "let z = "+build(MaxNesting)+"\n")
			if err != nil {
				t.Fatalf("%d levels: %v", MaxNesting, err)
			}
			if d := exprDepth(m.Stmts[0].(*LetDecl).Value); d > MaxNesting+1 {
				t.Errorf("%d levels accepted as a tree %d deep", MaxNesting, d)
			}
			for _, k := range []int{MaxNesting + 1, 50 * MaxNesting} {
				_, err := Parse(file, "let z = "+build(k)+"\n")
				var de *diag.Error
				if !errors.As(err, &de) || de.Kind != KindTooDeep {
					t.Fatalf("%d levels: got %v, want a %s error", k, err, KindTooDeep)
				}
				checkDiagnostic(t, err, "let z = "+build(k)+"\n")
			}
		})
	}
}

// TestNestingCountsPerArgument: the depth is counted within one argument and one statement, so
// long argument lists and many statements are not refused.
func TestNestingCountsPerArgument(t *testing.T) {
	many := make([]string, 3*MaxNesting)
	for i := range many {
		many[i] = fmt.Sprintf("a%d * b - c", i)
	}
	var stmts strings.Builder
	for i := 0; i < MaxNesting/2; i++ { // 5 operators each: 640 in all
		fmt.Fprintf(&stmts, "let z%d = a - b - c - d\ny ~ Normal(mu - 1, s - 2)\n", i)
	}
	for name, src := range map[string]string{
		"arguments":  "let z = f(" + strings.Join(many, ", ") + ")\n",
		"slices":     "let z = y[" + strings.Repeat("1 - 1 + ", (MaxNesting-2)/2) + "1 : " + strings.Repeat("2 - 1 + ", (MaxNesting-2)/2) + "1]\n",
		"statements": stmts.String(),
	} {
		if _, err := Parse(file, src); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestNestingErrorPosition: the error points at the token that goes one level past the bound.
func TestNestingErrorPosition(t *testing.T) {
	src := "data y[N] = column \"y\"\nlet z =\n" + strings.Repeat("(", MaxNesting) + "\n  ((0))" + strings.Repeat(")", MaxNesting) + "\n"
	_, err := Parse(file, src)
	var de *diag.Error
	if !errors.As(err, &de) || de.Kind != KindTooDeep {
		t.Fatalf("got %v, want a %s error", err, KindTooDeep)
	}
	if want := at(4, 3); de.Pos != want {
		t.Errorf("at %v, want %v", de.Pos, want)
	}
}
