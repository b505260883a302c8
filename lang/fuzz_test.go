package lang

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hmcc-dev/hmcc/diag"
)

// FuzzParse parses arbitrary text: Parse must not panic, a failure must be a diagnostic whose
// positions lie inside the source, and rendering it must not panic.
func FuzzParse(f *testing.F) {
	seedWithModels(f)
	for _, s := range []string{
		"",
		"data y[N] = column \"y\"\nparam mu ~ Normal(0, 1)\ny ~ Normal(mu, 1)\n",
		"data X[N, 3] = standardize(columns except \"a\", \"b\")\n",
		"let w = -x^2^-1 @ (a + b) / 2e-3\n",
		"param tau ~ Gamma(0.5, 0.5\n",
		"param x[ ~ Normal(0, 1)",
		"data y = column \"unterminated\n",
		"let x = 1 $ 2\n",
		"let é = 1\n\tparam\t\"x\" ~",
		"\r\n\r\nlet x = 1e999999\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		m, err := Parse("f.model", src)
		if err == nil {
			if m == nil {
				t.Fatal("nil model without an error")
			}
			return
		}
		checkDiagnostic(t, err, src)
		if diag.Render(err, src) == "" {
			t.Fatal("empty rendering")
		}
	})
}

// checkDiagnostic fails unless err is a *diag.Error or a diag.List whose positions lie within src:
// 1 ≤ line ≤ lines+1 and 1 ≤ col ≤ length of that line in bytes + 1.
func checkDiagnostic(t *testing.T, err error, src string) {
	t.Helper()
	var list diag.List
	var one *diag.Error
	switch {
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = diag.List{one}
	default:
		t.Fatalf("error %T is not a diagnostic: %v", err, err)
	}
	if len(list) == 0 {
		t.Fatal("empty diag.List as an error")
	}
	lines := strings.Split(src, "\n")
	valid := func(p diag.Pos) bool {
		if p.Line < 1 || p.Line > len(lines)+1 || p.Col < 1 {
			return false
		}
		return p.Line > len(lines) || p.Col <= len(lines[p.Line-1])+1
	}
	for _, e := range list {
		if e == nil {
			t.Fatal("nil *diag.Error in a list")
		}
		if !valid(e.Pos) {
			t.Fatalf("position %d:%d outside the source (%d lines): %v\n%q", e.Pos.Line, e.Pos.Col, len(lines), e, src)
		}
		if e.End != (diag.Pos{}) && !valid(e.End) {
			t.Fatalf("end %d:%d outside the source (%d lines): %v\n%q", e.End.Line, e.End.Col, len(lines), e, src)
		}
		if !utf8.ValidString(e.Msg) && utf8.ValidString(src) {
			t.Fatalf("message is not UTF-8: %q", e.Msg)
		}
	}
}

// seedWithModels adds every bundled model to a fuzz target's corpus.
func seedWithModels(f *testing.F) {
	models, _ := filepath.Glob(filepath.Join("..", "models", "*.model"))
	for _, p := range models {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
}
