package lang

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/diag"
)

const file = "t.model"

// at is a position in the test file.
func at(line, col int) diag.Pos { return diag.Pos{File: file, Line: line, Col: col} }

// Shorthands for position-free expected trees (see stripPositions).
func id(name string) *Ident              { return &Ident{Name: name} }
func num(text string, v float64) *Number { return &Number{Value: v, Text: text} }
func neg(x Expr) *Unary                  { return &Unary{Op: "-", X: x} }
func bin(op string, l, r Expr) *Binary {
	return &Binary{Op: op, L: l, R: r}
}
func call(f string, args ...Expr) *Call { return &Call{Func: f, Args: args} }

var posType = reflect.TypeOf(diag.Pos{})

// stripPositions zeroes every diag.Pos reachable from v, so trees can be compared on structure.
func stripPositions(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			stripPositions(v.Elem())
		}
	case reflect.Struct:
		if v.Type() == posType {
			v.Set(reflect.Zero(posType))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Field(i).CanSet() {
				stripPositions(v.Field(i))
			}
		}
	case reflect.Slice:
		if v.Type().Elem() == posType {
			v.Set(reflect.Zero(v.Type())) // NamePos lists
			return
		}
		for i := 0; i < v.Len(); i++ {
			stripPositions(v.Index(i))
		}
	}
}

// dump renders a tree with its dynamic types so a mismatch is readable.
func dump(t *testing.T, v any) string {
	t.Helper()
	var walk func(v reflect.Value) any
	walk = func(v reflect.Value) any {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if v.IsNil() {
				return nil
			}
			inner := walk(v.Elem())
			if m, ok := inner.(map[string]any); ok && v.Kind() == reflect.Pointer {
				m["_type"] = v.Elem().Type().Name()
			}
			return inner
		case reflect.Struct:
			m := map[string]any{}
			for i := 0; i < v.NumField(); i++ {
				if v.Type().Field(i).IsExported() {
					m[v.Type().Field(i).Name] = walk(v.Field(i))
				}
			}
			return m
		case reflect.Slice:
			if v.IsNil() {
				return nil
			}
			out := make([]any, v.Len())
			for i := range out {
				out[i] = walk(v.Index(i))
			}
			return out
		}
		return v.Interface()
	}
	b, err := json.MarshalIndent(walk(reflect.ValueOf(v)), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustParse(t *testing.T, src string) *Model {
	t.Helper()
	m, err := Parse(file, src)
	if err != nil {
		t.Fatalf("Parse(%q): %s", src, diag.Render(err, src))
	}
	return m
}

// TestParseExactPositions compares whole statements, positions included.
func TestParseExactPositions(t *testing.T) {
	tests := []struct {
		src  string
		want []Stmt
	}{
		{
			// unary minus binds looser than ^: -x^2 is -(x^2)
			src: "let a = -x^2\n",
			want: []Stmt{&LetDecl{Pos: at(1, 1), End: at(1, 13), NamePos: at(1, 5), Name: "a",
				Value: &Unary{Pos: at(1, 9), End: at(1, 13), Op: "-",
					X: &Binary{Pos: at(1, 10), End: at(1, 13), Op: "^", OpPos: at(1, 11),
						L: &Ident{Pos: at(1, 10), End: at(1, 11), Name: "x"},
						R: &Number{Pos: at(1, 12), End: at(1, 13), Value: 2, Text: "2"}}}}},
		},
		{
			// const is its own statement, not a let: the checker forbids parameters in it
			src: "const Xt = transpose(X)\n",
			want: []Stmt{&ConstDecl{Pos: at(1, 1), End: at(1, 24), NamePos: at(1, 7), Name: "Xt",
				Value: &Call{Pos: at(1, 12), End: at(1, 24), Func: "transpose",
					Args: []Expr{&Ident{Pos: at(1, 22), End: at(1, 23), Name: "X"}}}}},
		},
		{
			// left associative: (a - b) - c; the outer span starts at a
			src: "let d = a - b - c\n",
			want: []Stmt{&LetDecl{Pos: at(1, 1), End: at(1, 18), NamePos: at(1, 5), Name: "d",
				Value: &Binary{Pos: at(1, 9), End: at(1, 18), Op: "-", OpPos: at(1, 15),
					L: &Binary{Pos: at(1, 9), End: at(1, 14), Op: "-", OpPos: at(1, 11),
						L: &Ident{Pos: at(1, 9), End: at(1, 10), Name: "a"},
						R: &Ident{Pos: at(1, 13), End: at(1, 14), Name: "b"}},
					R: &Ident{Pos: at(1, 17), End: at(1, 18), Name: "c"}}}},
		},
		{
			src: `data X[N, 3] = standardize(columns except "t", "u")` + "\n",
			want: []Stmt{&DataDecl{Pos: at(1, 1), End: at(1, 52), NamePos: at(1, 6), Name: "X",
				Dims: []Dim{{Pos: at(1, 8), Name: "N"}, {Pos: at(1, 11), Size: 3}},
				Source: Source{Pos: at(1, 16), End: at(1, 52), Kind: SourceColumnsExcept,
					Names: []string{"t", "u"}, NamePos: []diag.Pos{at(1, 43), at(1, 48)}, Standardize: true}}},
		},
		{
			src: "# header comment\nparam beta[D] ~ Normal(0, 1)\n\n  y ~ BernoulliLogit(X @ w) # trailing\n",
			want: []Stmt{
				&ParamDecl{Pos: at(2, 1), End: at(2, 29), NamePos: at(2, 7), Name: "beta",
					Dims: []Dim{{Pos: at(2, 12), Name: "D"}},
					Prior: &DistCall{Pos: at(2, 17), End: at(2, 29), Name: "Normal", NameEnd: at(2, 23),
						Args: []Expr{
							&Number{Pos: at(2, 24), End: at(2, 25), Value: 0, Text: "0"},
							&Number{Pos: at(2, 27), End: at(2, 28), Value: 1, Text: "1"}}}},
				&SampleStmt{Pos: at(4, 3), End: at(4, 28), Target: "y", TargetEnd: at(4, 4), Variate: &Ident{Pos: at(4, 3), End: at(4, 4), Name: "y"},
					Dist: &DistCall{Pos: at(4, 7), End: at(4, 28), Name: "BernoulliLogit", NameEnd: at(4, 21),
						Args: []Expr{&Binary{Pos: at(4, 22), End: at(4, 27), Op: "@", OpPos: at(4, 24),
							L: &Ident{Pos: at(4, 22), End: at(4, 23), Name: "X"},
							R: &Ident{Pos: at(4, 26), End: at(4, 27), Name: "w"}}}}},
			},
		},
		{
			// a call's span covers its parentheses; a column name with non-ASCII letters counts runes
			src: `data size[N] = column "größe"` + "\nlet s = sum(size)\n",
			want: []Stmt{
				&DataDecl{Pos: at(1, 1), End: at(1, 30), NamePos: at(1, 6), Name: "size",
					Dims:   []Dim{{Pos: at(1, 11), Name: "N"}},
					Source: Source{Pos: at(1, 16), End: at(1, 30), Kind: SourceColumn, Names: []string{"größe"}, NamePos: []diag.Pos{at(1, 23)}}},
				&LetDecl{Pos: at(2, 1), End: at(2, 18), NamePos: at(2, 5), Name: "s",
					Value: &Call{Pos: at(2, 9), End: at(2, 18), Func: "sum",
						Args: []Expr{&Ident{Pos: at(2, 13), End: at(2, 17), Name: "size"}}}},
			},
		},
	}
	for _, tt := range tests {
		m := mustParse(t, tt.src)
		if m.File != file {
			t.Errorf("%q: File = %q", tt.src, m.File)
		}
		if !reflect.DeepEqual(m.Stmts, tt.want) {
			t.Errorf("Parse(%q)\n got %s\nwant %s", tt.src, dump(t, m.Stmts), dump(t, tt.want))
		}
	}
}

// TestParseStructure compares expression trees without positions: precedence, associativity,
// literals and calls.
func TestParseStructure(t *testing.T) {
	tests := []struct {
		expr string
		want Expr
	}{
		{"-x^2", neg(bin("^", id("x"), num("2", 2)))},
		{"a - b - c", bin("-", bin("-", id("a"), id("b")), id("c"))},
		{"a - (b - c)", bin("-", id("a"), bin("-", id("b"), id("c")))},
		{"a / b / c", bin("/", bin("/", id("a"), id("b")), id("c"))},
		{"2^-1", bin("^", num("2", 2), neg(num("1", 1)))},
		{"2^3^2", bin("^", num("2", 2), bin("^", num("3", 3), num("2", 2)))}, // right associative
		{"(2^3)^2", bin("^", bin("^", num("2", 2), num("3", 3)), num("2", 2))},
		{"a * b @ c", bin("@", bin("*", id("a"), id("b")), id("c"))}, // * and @ share a level, left to right
		{"X @ b * c", bin("*", bin("@", id("X"), id("b")), id("c"))},
		{"a + b * c", bin("+", id("a"), bin("*", id("b"), id("c")))},
		{"a * b + c", bin("+", bin("*", id("a"), id("b")), id("c"))},
		{"a + X @ b", bin("+", id("a"), bin("@", id("X"), id("b")))},
		{"-a * b", bin("*", neg(id("a")), id("b"))},
		{"a * -b", bin("*", id("a"), neg(id("b")))},
		{"- -a", neg(neg(id("a")))},
		{"-2^2", neg(bin("^", num("2", 2), num("2", 2)))},
		{"a - -b", bin("-", id("a"), neg(id("b")))},
		{"1.5e3 + .5 + 2E-2 + 7.", bin("+", bin("+", bin("+", num("1.5e3", 1500), num(".5", 0.5)), num("2E-2", 0.02)), num("7.", 7))},
		{"exp(-x) * sum(v)", bin("*", call("exp", neg(id("x"))), call("sum", id("v")))},
		{"f(a, b + c)", call("f", id("a"), bin("+", id("b"), id("c")))},
		{"g()", &Call{Func: "g"}},
		{"tau * lambda * beta", bin("*", bin("*", id("tau"), id("lambda")), id("beta"))},
		{"a[county] + b * x", bin("+", &Index{Name: "a", Index: id("county")}, bin("*", id("b"), id("x")))},
		{"-a[g]^2", neg(bin("^", &Index{Name: "a", Index: id("g")}, num("2", 2)))},
		{"exp(a[g + 1])", call("exp", &Index{Name: "a", Index: bin("+", id("g"), num("1", 1))})},
	}
	for _, tt := range tests {
		src := "let v = " + tt.expr + "\n"
		m := mustParse(t, src)
		if len(m.Stmts) != 1 {
			t.Fatalf("%q: %d statements", tt.expr, len(m.Stmts))
		}
		let, ok := m.Stmts[0].(*LetDecl)
		if !ok {
			t.Fatalf("%q: got %T", tt.expr, m.Stmts[0])
		}
		got := let.Value
		stripPositions(reflect.ValueOf(&got))
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s\n got %s\nwant %s", tt.expr, dump(t, got), dump(t, tt.want))
		}
	}
}

func TestParseSources(t *testing.T) {
	tests := []struct {
		src  string
		want Source
	}{
		{`data y[N] = column "y"`, Source{Kind: SourceColumn, Names: []string{"y"}}},
		{`data y[N] = standardize(column "y")`, Source{Kind: SourceColumn, Names: []string{"y"}, Standardize: true}},
		{`data X[N, D] = columns "a", "b", "c"`, Source{Kind: SourceColumns, Names: []string{"a", "b", "c"}}},
		{`data X[N, D] = standardize(columns "a", "b")`, Source{Kind: SourceColumns, Names: []string{"a", "b"}, Standardize: true}},
		{`data X[N, D] = columns except "target"`, Source{Kind: SourceColumnsExcept, Names: []string{"target"}}},
		{`data X[N, D] = standardize(columns except "target", "id")`, Source{Kind: SourceColumnsExcept, Names: []string{"target", "id"}, Standardize: true}},
		// escapes inside the quotes are decoded
		{`data y[N] = column "a \"q\" b"`, Source{Kind: SourceColumn, Names: []string{`a "q" b`}}},
		{`data g[N] = levels "county" as J`, Source{Kind: SourceLevels, Names: []string{"county"}, LevelsSize: "J"}},
		{`data g[N] = levels "county"`, Source{Kind: SourceLevels, Names: []string{"county"}}},
	}
	for _, tt := range tests {
		m := mustParse(t, tt.src)
		d, ok := m.Stmts[0].(*DataDecl)
		if !ok {
			t.Fatalf("%q: got %T", tt.src, m.Stmts[0])
		}
		if len(d.Source.NamePos) != len(d.Source.Names) {
			t.Errorf("%q: %d names but %d positions", tt.src, len(d.Source.Names), len(d.Source.NamePos))
		}
		got := d.Source
		stripPositions(reflect.ValueOf(&got))
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q\n got %+v\nwant %+v", tt.src, got, tt.want)
		}
	}
}

func TestParseNumbers(t *testing.T) {
	m := mustParse(t, "let a = 1e999\nlet b = 0.1\nlet c = 1e-400\n")
	vals := []float64{math.Inf(1), 0.1, 0}
	for i, s := range m.Stmts {
		n := s.(*LetDecl).Value.(*Number)
		if n.Value != vals[i] {
			t.Errorf("%s: got %v, want %v", n.Text, n.Value, vals[i])
		}
	}
}

func TestParseDims(t *testing.T) {
	m := mustParse(t, "param a ~ Normal(0, 1)\nparam b[3] ~ Normal(0, 1)\ndata X[N, 2] = columns \"x\", \"z\"\n")
	var got [][]Dim
	for _, s := range m.Stmts {
		switch s := s.(type) {
		case *ParamDecl:
			got = append(got, s.Dims)
		case *DataDecl:
			got = append(got, s.Dims)
		}
	}
	want := [][]Dim{nil, {{Pos: at(2, 9), Size: 3}}, {{Pos: at(3, 8), Name: "N"}, {Pos: at(3, 11), Size: 2}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestParseEmpty(t *testing.T) {
	for _, src := range []string{"", "\n\n", "# only a comment\n   # another\n"} {
		m := mustParse(t, src)
		if len(m.Stmts) != 0 {
			t.Errorf("%q: %d statements", src, len(m.Stmts))
		}
	}
}

// TestParseShippedModels parses every model in models/ and checks the statement kinds in order.
func TestParseShippedModels(t *testing.T) {
	want := map[string]string{
		"eight_schools.model":    "data data param param param let sample",
		"kidiq.model":            "data data param param param sample",
		"sparse_logistic.model":  "data data param param param let sample",
		"radon.model":            "data data data param param param param param sample",
		"radon_slopes.model":     "data data data param param param param param param param let sample",
		"radon_uranium.model":    "data data data data param param param param param param let sample",
		"normal_mixture.model":   "data param param param sample",
		"poisson_exposure.model": "data data data param param sample",
		"ar2.model":              "data param param param sample",
		"arma11.model":           "data param param param param let sample",
		"garch11.model":          "data const param param param param let sample",
		"wide_regression.model":  "data data param param param sample",
		"poly_regression.model":  "data data param param param sample",
		"radon_correlated.model": "data data data param param param param param let sample",
		"gp_poisson.model":       "data data param param param param let sample",
		"mvn.model":              "data param param param let sample",
	}
	paths, err := filepath.Glob("../models/*.model")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != len(want) {
		t.Errorf("found models %v, want %d", paths, len(want))
	}
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse(filepath.Base(p), string(src))
		if err != nil {
			t.Errorf("%s: %s", p, diag.Render(err, string(src)))
			continue
		}
		var kinds []string
		for _, s := range m.Stmts {
			kinds = append(kinds, map[reflect.Type]string{
				reflect.TypeOf(&DataDecl{}): "data", reflect.TypeOf(&ParamDecl{}): "param",
				reflect.TypeOf(&LetDecl{}): "let", reflect.TypeOf(&ConstDecl{}): "const", reflect.TypeOf(&SampleStmt{}): "sample",
				reflect.TypeOf(&GenerateDecl{}): "generate"}[reflect.TypeOf(s)])
		}
		if got := strings.Join(kinds, " "); got != want[filepath.Base(p)] {
			t.Errorf("%s: statements %q, want %q", p, got, want[filepath.Base(p)])
		}
	}
}

// TestSyntaxErrors renders each syntax error as the user sees it.
func TestSyntaxErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"let a = 1 +\n", `
t.model:1:12: error: syntax: unexpected end of file (expected expression)
  let a = 1 +
             ^
`},
		{"param mu ~ Normal(0, 1)\nparam x ~ Normal(0, 1\n\n# trailing comment\n", `
t.model:2:22: error: syntax: unexpected end of file (expected ")")
  param x ~ Normal(0, 1
                       ^
`},
		{"data y[N] = column y\n", `
t.model:1:20: error: syntax: unexpected "y" (expected quoted column name)
  data y[N] = column y
                     ^
`},
		{"let a = 2 $ 3\n", `
t.model:1:11: error: syntax: unexpected character "$"
  let a = 2 $ 3
            ^
`},
		{"let a = 1 2\n", `
t.model:1:11: error: syntax: unexpected "2"
  let a = 1 2
            ^
`},
		{"data y[N] = column \"y\" \"z\"\n", `
t.model:1:24: error: syntax: unexpected "z"
  data y[N] = column "y" "z"
                         ^^^
`},
		{"data X[N D] = columns \"a\"\n", `
t.model:1:10: error: syntax: unexpected "D" (expected "]")
  data X[N D] = columns "a"
           ^
`},
		// tabs are kept in the caret line so the caret lines up at any tab width
		{"\tlet a =\t(1 +\n\t\t2))\n", `
t.model:2:5: error: syntax: unexpected ")"
  		2))
  		  ^
`},
		// columns count runes, not bytes
		{"data g[N] = column \"größe\" 3.25\n", `
t.model:1:28: error: syntax: unexpected "3.25"
  data g[N] = column "größe" 3.25
                             ^^^^
`},
		// identifiers are ASCII
		{"let größe = 1\n", `
t.model:1:7: error: syntax: unexpected character "ö"
  let größe = 1
        ^
  hint: names are ASCII: letters a-z and A-Z, digits and _
`},
		{"param σ ~ HalfNormal(1)\n", `
t.model:1:7: error: syntax: unexpected character "σ"
  param σ ~ HalfNormal(1)
        ^
  hint: names are ASCII: letters a-z and A-Z, digits and _ (write sigma for σ)
`},
	}
	for _, tt := range tests {
		_, err := Parse(file, tt.src)
		if err == nil {
			t.Errorf("Parse(%q) succeeded", tt.src)
			continue
		}
		if _, ok := err.(*diag.Error); !ok {
			t.Errorf("Parse(%q): error is %T, want *diag.Error", tt.src, err)
		}
		want := strings.TrimPrefix(tt.want, "\n")
		if got := diag.Render(err, tt.src); got != want {
			t.Errorf("Parse(%q) rendered\n%s\nwant\n%s", tt.src, got, want)
		}
	}
}

func TestParseGenerate(t *testing.T) {
	m := mustParse(t, "generate y_rep[N] ~ Normal(mu, sigma)\ngenerate d = y_rep - 1\ngenerate z ~ Poisson(3)\n")
	if len(m.Stmts) != 3 {
		t.Fatalf("%d statements", len(m.Stmts))
	}
	g0, ok0 := m.Stmts[0].(*GenerateDecl)
	g1, ok1 := m.Stmts[1].(*GenerateDecl)
	g2, ok2 := m.Stmts[2].(*GenerateDecl)
	if !ok0 || !ok1 || !ok2 {
		t.Fatalf("statements %T %T %T", m.Stmts[0], m.Stmts[1], m.Stmts[2])
	}
	if g0.Name != "y_rep" || len(g0.Dims) != 1 || g0.Dims[0].Name != "N" || g0.Dist == nil || g0.Dist.Name != "Normal" || g0.Value != nil {
		t.Errorf("generate ~: %+v", g0)
	}
	if g0.Pos != at(1, 1) || g0.NamePos != at(1, 10) {
		t.Errorf("generate positions %v %v", g0.Pos, g0.NamePos)
	}
	v := g1.Value
	stripPositions(reflect.ValueOf(&v))
	if g1.Name != "d" || g1.Dist != nil || !reflect.DeepEqual(v, bin("-", id("y_rep"), num("1", 1))) {
		t.Errorf("generate =: %+v", g1)
	}
	if g2.Name != "z" || len(g2.Dims) != 0 || g2.Dist.Name != "Poisson" {
		t.Errorf("generate without sizes: %+v", g2)
	}
}

// TestDumpConst: hmcc check --dump ast shows a const as its own statement.
func TestDumpConst(t *testing.T) {
	m := mustParse(t, "const Xt = transpose(X)\nconst c = mean(x) * 2\n")
	want := "1:1 (const Xt (transpose X))\n2:1 (const c (* (mean x) 2))\n"
	if got := Dump(m); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
