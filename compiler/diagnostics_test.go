package compiler

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
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
	text, _ := diagnoseErr(name, src)
	return text
}

// diagnoseErr is diagnose that also returns the diagnostics it rendered.
func diagnoseErr(name, src string) (string, error) {
	m, err := lang.Parse(name, src)
	if err != nil {
		return diag.Render(err, src), err
	}
	im, err := Check(m)
	if err != nil {
		return diag.Render(err, src), err
	}
	if ws := Warnings(im); ws != nil {
		return diag.Render(ws, src), ws
	}
	return "", nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// goldenInputs reads the data files of the golden case NAME.model: NAME.csv, NAME.json, then the
// files of the folder NAME.d in name order (several data files, which from "name" tells apart by
// base name), each a CSV table or a JSON file as hmcc run reads them. The first is the file a
// data declaration without from reads. None at all means the model is bound to no data file.
func goldenInputs(t *testing.T, path string) []Input {
	stem := strings.TrimSuffix(path, ".model")
	var paths []string
	for _, p := range []string{stem + ".csv", stem + ".json"} {
		if fileExists(p) {
			paths = append(paths, p)
		}
	}
	more, _ := filepath.Glob(filepath.Join(stem+".d", "*"))
	sort.Strings(more)
	var inputs []Input
	for _, p := range append(paths, more...) {
		in := Input{Name: InputName(p)}
		var err error
		if dataset.IsJSON(p) {
			in.JSON, err = dataset.ReadJSON(p)
		} else {
			in.Table, err = dataset.Read(p)
		}
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, in)
	}
	return inputs
}

// diagnoseBoundErr renders what hmcc prints when a model that checks cleanly fails to bind to
// its data files (goldenInputs): the errors found once the data are read and the sizes known,
// in the model (a diagnostic) or in a data file (a *dataset.Error naming file, line and column).
func diagnoseBoundErr(t *testing.T, name, src string, inputs []Input) (string, error) {
	m, err := Check(mustParse(t, name, src))
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckInputNames(inputs); err != nil {
		return diag.Render(err, src), err
	}
	if _, err := BindData(m, inputs...); err != nil {
		return diag.Render(err, src), err
	}
	return "", nil
}

func mustParse(t *testing.T, name, src string) *lang.Model {
	m, err := lang.Parse(name, src)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestDiagnosticsGolden renders every model in testdata/diagnostics, one per message kind, and
// (for a model that checks cleanly, errors found when it is bound to its data files: NAME.csv,
// NAME.json, NAME.d/*, or none; see goldenInputs) compares the text with NAME.golden, exactly as the user sees it: position, message, source
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
			got, _ := golden(t, path)
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

// golden renders a model of testdata/diagnostics as TestDiagnosticsGolden does: the syntax or
// checker errors, else the warnings, else the errors of binding it to its data files
// (goldenInputs). It returns the text and the diagnostics behind it.
func golden(t *testing.T, path string) (string, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, derr := diagnoseErr(filepath.Base(path), string(src))
	if got == "" {
		got, derr = diagnoseBoundErr(t, filepath.Base(path), string(src), goldenInputs(t, path))
	}
	return got, derr
}

// unreachableKinds lists the kinds no model can produce today, with the reason, so that
// TestEveryKindHasGolden can insist on a golden file for all the others.
var unreachableKinds = map[diag.Kind]string{
	kindMatvecLeftParams:  "parameters and lets are never matrices",
	lang.KindSyntax:       "participle reports every syntax error as an unexpected token or character",
	kindStandardizeScalar: "standardize reads a column or columns, and a JSON column is a vector",
	kindDataValue:         "every data declaration is read from a file whose value or column errorAt can name",
}

// declaredKinds reads the constants of type diag.Kind from the files that declare the kinds of
// the parser and the compiler: every kind an error or a warning can have.
func declaredKinds(t *testing.T) map[diag.Kind]string {
	files, _ := filepath.Glob("errors*.go")
	files = append(files, filepath.Join("..", "lang", "errors.go"))
	kinds := map[diag.Kind]string{}
	fset := token.NewFileSet()
	for _, file := range files {
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			v, ok := n.(*ast.ValueSpec)
			if !ok || v.Type == nil {
				return true
			}
			if sel, ok := v.Type.(*ast.SelectorExpr); !ok || sel.Sel.Name != "Kind" {
				return true
			}
			for i, name := range v.Names {
				lit, ok := v.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Fatalf("%s: kind %s is not a string literal", file, name.Name)
				}
				k, _ := strconv.Unquote(lit.Value)
				if prev, dup := kinds[diag.Kind(k)]; dup {
					t.Errorf("kinds %s and %s are both %q", prev, name.Name, k)
				}
				kinds[diag.Kind(k)] = name.Name
			}
			return true
		})
	}
	return kinds
}

// TestEveryKindHasGolden requires every kind of error and warning (the diag.Kind constants of
// errors*.go and lang/errors.go) to be shown by some model in testdata/diagnostics, and every
// error and warning those models cause to have a kind, so a new kind cannot be added without its
// golden test.
func TestEveryKindHasGolden(t *testing.T) {
	declared := declaredKinds(t)
	if len(declared) < 90 {
		t.Fatalf("found only %d kinds; have the constructors moved?", len(declared))
	}
	models, _ := filepath.Glob("testdata/diagnostics/*.model")
	shown := map[diag.Kind][]string{}
	for _, path := range models {
		_, err := golden(t, path)
		var list diag.List
		var one *diag.Error
		var data *dataset.Error
		switch {
		case errors.As(err, &list):
		case errors.As(err, &one):
			list = diag.List{one}
		case errors.As(err, &data): // Bind's errors about a value in a data file (errors_data.go)
			list = diag.List{{Kind: data.Kind, Msg: data.Msg}}
		default:
			t.Errorf("%s: %v is not a diagnostic", path, err)
		}
		for _, e := range list {
			switch {
			case e.Kind == "":
				t.Errorf("%s: error without a kind: %v", path, e)
			case e.Kind != "":
				if _, ok := declared[e.Kind]; !ok {
					t.Errorf("%s: kind %q is not declared in errors*.go or lang/errors.go", path, e.Kind)
				}
				shown[e.Kind] = append(shown[e.Kind], filepath.Base(path))
			}
		}
	}
	for k, name := range declared {
		_, unreachable := unreachableKinds[k]
		switch {
		case unreachable && len(shown[k]) > 0:
			t.Errorf("kind %s (%s) is listed as unreachable, but %v show it", k, name, shown[k])
		case unreachable:
		case len(shown[k]) == 0:
			t.Errorf("no model in testdata/diagnostics shows kind %s (%s); add %s.model and its golden", k, name, k)
		}
	}
}
