package compiler

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/dataset"
	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/lang"
)

// diagnose renders what hmcc check prints on stderr for a model without data: the syntax error,
// the checker's errors, or else its warnings ("" for a clean model).
func diagnose(name, src string) string {
	m, err := lang.Parse(name, src)
	if err != nil {
		return diag.Render(err, src)
	}
	im, err := Check(m)
	if err != nil {
		return diag.Render(err, src)
	}
	if ws := Warnings(im); ws != nil {
		return diag.Render(ws, src)
	}
	return ""
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// diagnoseBound renders what hmcc prints when a model that checks cleanly fails to bind to the
// data beside it (NAME.csv): the errors found once the sizes are known.
func diagnoseBound(t *testing.T, name, src, data string) string {
	m, err := Check(mustParse(t, name, src))
	if err != nil {
		t.Fatal(err)
	}
	tab, err := dataset.Read(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := Bind(m, tab); err != nil {
		return diag.Render(err, src)
	}
	return ""
}

func mustParse(t *testing.T, name, src string) *lang.Model {
	m, err := lang.Parse(name, src)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestDiagnosticsGolden renders every model in testdata/diagnostics, one per message kind, and
// (for a model that checks, with NAME.csv beside it, errors found when the data are bound)
// compares the text with NAME.golden, exactly as the user sees it: position, message, source
// line, caret and hint. HMCC_UPDATE_GOLDEN=1 rewrites the golden files; review the diff.
func TestDiagnosticsGolden(t *testing.T) {
	models, _ := filepath.Glob("testdata/diagnostics/*.model")
	if len(models) == 0 {
		t.Fatal("no models in testdata/diagnostics")
	}
	update := os.Getenv("HMCC_UPDATE_GOLDEN") == "1"
	for _, path := range models {
		name := strings.TrimSuffix(filepath.Base(path), ".model")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got := diagnose(filepath.Base(path), string(src))
			if data := strings.TrimSuffix(path, ".model") + ".csv"; got == "" && fileExists(data) {
				got = diagnoseBound(t, filepath.Base(path), string(src), data)
			}
			if got == "" {
				t.Fatalf("%s has no error and no warning; each file here should show one kind", path)
			}
			golden := strings.TrimSuffix(path, ".model") + ".golden"
			if update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (HMCC_UPDATE_GOLDEN=1 writes it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs (HMCC_UPDATE_GOLDEN=1 rewrites it)\ngot\n%s\nwant\n%s", golden, got, want)
			}
		})
	}
}

// unreachable lists the checker messages that no model can produce today, with the reason, so
// that TestEveryMessageHasGolden can insist on a golden file for all the others.
var unreachable = map[string]string{
	"the matrix on the left of @ must be data; matrices of parameters are not supported yet": "parameters and lets are never matrices",
	"parameter %s: %v": "every continuous support has a constraint; discrete priors are reported before",
}

// TestEveryMessageHasGolden reads the format strings of the checker's errors (c.errorf) and the
// warnings (diag.Warnf) from the source and requires each to appear in some golden file, so a new
// message kind cannot be added without its golden test.
func TestEveryMessageHasGolden(t *testing.T) {
	var formats []string
	fset := token.NewFileSet()
	for _, file := range []string{"check.go", "warn.go", "index.go", "mixture.go"} {
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok || (sel.Sel.Name != "errorf" && sel.Sel.Name != "Warnf" && sel.Sel.Name != "Errorf") || len(n.Args) < 3 {
					return true
				}
				if lit, ok := n.Args[2].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					s, _ := strconv.Unquote(lit.Value)
					formats = append(formats, s)
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "Msg" {
					if lit, ok := n.Value.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						s, _ := strconv.Unquote(lit.Value)
						formats = append(formats, s)
					}
				}
			}
			return true
		})
	}
	if len(formats) < 40 {
		t.Fatalf("found only %d message formats; has the checker's way of reporting changed?", len(formats))
	}
	goldens, _ := filepath.Glob("testdata/diagnostics/*.golden")
	var text strings.Builder
	for _, g := range goldens {
		b, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		text.Write(b)
	}
	all := text.String()
	verb := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)
	for _, f := range formats {
		if _, ok := unreachable[f]; ok {
			continue
		}
		parts := verb.Split(f, -1)
		for i, p := range parts {
			parts[i] = regexp.QuoteMeta(p)
		}
		re := regexp.MustCompile(`(?m): (error|warning): ` + strings.Join(parts, `.+`) + `$`)
		if !re.MatchString(all) {
			t.Errorf("no golden file in testdata/diagnostics shows the message %q; add a model that causes it", f)
		}
	}
}
