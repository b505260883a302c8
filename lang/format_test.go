package lang

import (
	"errors"
	"go/ast"
	goparser "go/parser"
	gotoken "go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/diag"
)

func TestFormat(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"empty", "", ""},
		{"only blank lines", "\n\n  \n", ""},
		{"spacing and trailing newline", "param  mu~Normal( 0,5 )", "param mu ~ Normal(0, 5)\n"},
		{
			"one statement per line",
			"data y[N]=column \"y\" param mu ~ Normal(0, 1) y ~ Normal(mu, 1)\n",
			"data y[N] = column \"y\"\nparam mu ~ Normal(0, 1)\ny ~ Normal(mu, 1)\n",
		},
		{
			"a statement over several lines is joined",
			"y ~ Normal(\n  mu,\n  sigma\n)\n",
			"y ~ Normal(mu, sigma)\n",
		},
		{
			"runs of one kind align; a blank line or another kind ends a run",
			"data y[N] = column \"y\"\ndata X[N, K] = columns \"a\", \"b\"\nparam alpha ~ Normal(0, 1)\nparam beta[K] ~ Normal(0, 1)\n\nparam sigma ~ HalfNormal(1)\nparam s ~ HalfNormal(1)\n",
			"data y[N]    = column \"y\"\ndata X[N, K] = columns \"a\", \"b\"\nparam alpha   ~ Normal(0, 1)\nparam beta[K] ~ Normal(0, 1)\n\nparam sigma ~ HalfNormal(1)\nparam s     ~ HalfNormal(1)\n",
		},
		{
			"likelihoods, lets and generates align among themselves",
			"deaths ~ Poisson(r)\ntwins ~ Poisson(r)\nlet a = 1\nlet bb = 2\ngenerate y_rep ~ Normal(0, 1)\ngenerate d = sum(y)\n",
			"deaths ~ Poisson(r)\ntwins  ~ Poisson(r)\nlet a  = 1\nlet bb = 2\ngenerate y_rep ~ Normal(0, 1)\ngenerate d     = sum(y)\n",
		},
		{
			"a comment line does not break a run",
			"param a ~ Normal(0, 1)\n# the scale\nparam sigma ~ HalfNormal(1)\n",
			"param a     ~ Normal(0, 1)\n# the scale\nparam sigma ~ HalfNormal(1)\n",
		},
		{
			"blank lines: one kept wherever there were any, none at the ends",
			"\n\n# head\n\n\n\nlet a = 1\nlet b = 2\n\n\n",
			"# head\n\nlet a = 1\nlet b = 2\n",
		},
		{
			"trailing comments of consecutive lines share a column",
			"let a = 1 # one\nlet bbb = 1 + 2      # two\nlet c = 3\nlet d = 4 #four   \r\n",
			"let a   = 1      # one\nlet bbb = 1 + 2  # two\nlet c   = 3\nlet d   = 4  #four\n",
		},
		{
			"comments inside a statement move before it; a trailing one stays",
			"\nlet a = 1\n\nlet w = a + # first part\n  b # second part\n# after\n",
			"let a = 1\n\n# first part\nlet w = a + b  # second part\n# after\n",
		},
		{
			"numbers, sizes and column names as written",
			"data X[N, 03] = standardize(columns except \"a\\x41\", \"b\")\nlet x = 1.50e+3 + .5 - 2.\n",
			"data X[N, 03] = standardize(columns except \"a\\x41\", \"b\")\nlet x = 1.50e+3 + .5 - 2.\n",
		},
		{
			"levels",
			"data g[N]=levels \"county\"   as J\ndata h[N] = levels \"x\"\n",
			"data g[N] = levels \"county\" as J\ndata h[N] = levels \"x\"\n",
		},
		{
			"redundant parentheses go",
			"let x = ((a)) + (b * c) - (d ^ e) + f((g)) + h[(i + j)] + (-k)\n",
			"let x = a + b * c - d^e + f(g) + h[i+j] + -k\n",
		},
		{
			"needed parentheses stay: precedence",
			"let x = (a + b) * (c - d) @ -(e / f) ^ 2\n",
			"let x = (a + b) * (c - d) @ -(e / f)^2\n",
		},
		{
			"needed parentheses stay: left associativity",
			"let x = a - (b - c) - (d + e) / (f / g) * (h * i)\n",
			"let x = a - (b - c) - (d + e) / (f / g) * (h * i)\n",
		},
		{
			"power: right associative, unary exponent, unary base",
			"let x = (a ^ b) ^ c + a ^ (b ^ c) + (-a) ^ 2 + -(a ^ 2) + 2 ^ (-1) + - - a\n",
			"let x = (a^b)^c + a^b^c + (-a)^2 + -a^2 + 2^-1 + --a\n",
		},
		{
			"matrix indices: element, row, column, by group; parameters of two sizes",
			"param z[ K,J ]~Normal(0,1)\nlet a = z[1,] + z[ , 2 ] + z[(1) ,g] + z[K-1, 2] + m[]\n",
			"param z[K, J] ~ Normal(0, 1)\nlet a = z[1, ] + z[, 2] + z[1, g] + z[K-1, 2] + m[]\n",
		},
		{
			"const, and calls with no arguments",
			"const Xt=transpose( X )\nconst k = f()\n",
			"const Xt = transpose(X)\nconst k  = f()\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Format([]byte(tc.src), "t.model")
			if err != nil {
				t.Fatal(diag.Render(err, tc.src))
			}
			if string(got) != tc.want {
				t.Errorf("Format(%q)\ngot\n%s\nwant\n%s", tc.src, got, tc.want)
			}
			checkFormat(t, tc.src)
		})
	}
}

func TestFormatSyntaxError(t *testing.T) {
	_, err := Format([]byte("param tau ~ Gamma(0.5,\n"), "t.model")
	var d *diag.Error
	if !errors.As(err, &d) || d.Pos.File != "t.model" || d.Pos.Line != 1 {
		t.Fatalf("got %v, want a diagnostic at t.model:1", err)
	}
}

// TestFormatShippedModels holds the bundled models canonical.
func TestFormatShippedModels(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("..", "models", "*.model"))
	if len(paths) == 0 {
		t.Fatal("no models")
	}
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Format(src, p)
		if err != nil {
			t.Fatal(diag.Render(err, string(src)))
		}
		if string(got) != string(src) {
			t.Errorf("%s is not canonical; hmcc fmt makes it\n%s", p, got)
		}
		checkFormat(t, string(src))
	}
}

// TestFormatDocExamples formats every model in docs/language.md: idempotent, same tree.
func TestFormatDocExamples(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "language.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```model[^\n]*\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	if len(blocks) < 5 {
		t.Fatalf("found %d model examples; the doc has more", len(blocks))
	}
	for _, b := range blocks {
		checkFormat(t, b[1])
	}
	// The Formatting section shows a model and what hmcc fmt makes of it.
	_, section, ok := strings.Cut(string(doc), "\n## Formatting\n")
	if !ok {
		t.Fatal("docs/language.md has no Formatting section")
	}
	pair := regexp.MustCompile("(?s)```model\n(.*?)```").FindAllStringSubmatch(section, 2)
	if len(pair) != 2 {
		t.Fatalf("the Formatting section has %d model blocks, want a model and its formatted form", len(pair))
	}
	if got, err := Format([]byte(pair[0][1]), "example.model"); err != nil || string(got) != pair[1][1] {
		t.Errorf("the Formatting section's example formats as\n%s(%v)\nthe doc says\n%s", got, err, pair[1][1])
	}
}

// checkFormat checks, for a source that parses, that Format succeeds, keeps every comment in
// order, is idempotent and gives a source that parses to the same tree, positions aside.
func checkFormat(t *testing.T, src string) {
	t.Helper()
	orig, err := Parse("f.model", src)
	if err != nil {
		return
	}
	once, err := Format([]byte(src), "f.model")
	if err != nil {
		t.Fatalf("Format fails on a model that parses: %v\n%q", err, src)
	}
	again, err := Parse("f.model", string(once))
	if err != nil {
		t.Fatalf("formatted source does not parse: %s\nsource %q\nformatted %q", diag.Render(err, string(once)), src, once)
	}
	stripPositions(reflect.ValueOf(orig))
	stripPositions(reflect.ValueOf(again))
	if !reflect.DeepEqual(orig, again) {
		t.Fatalf("formatting changed the tree\nsource %q\nformatted %q\nbefore\n%s\nafter\n%s", src, once, Dump(orig), Dump(again))
	}
	twice, err := Format(once, "f.model")
	if err != nil || string(twice) != string(once) {
		t.Fatalf("Format is not idempotent (%v)\nsource %q\nonce  %q\ntwice %q", err, src, once, twice)
	}
	if got, want := comments(t, string(once)), comments(t, src); !reflect.DeepEqual(got, want) {
		t.Fatalf("comments changed\nsource %q\nformatted %q\ngot %q\nwant %q", src, once, got, want)
	}
}

// comments lists a source's comments in order, without trailing white space.
func comments(t *testing.T, src string) []string {
	t.Helper()
	toks, err := significantTokens("f.model", src)
	if err != nil {
		t.Fatal(err)
	}
	var cs []string
	for _, tok := range toks {
		if tok.comment {
			cs = append(cs, trimComment(tok.text))
		}
	}
	return cs
}

// TestFormatKnowsEveryNode reads ast.go and format.go: every statement and expression type
// (a type with a stmt() or expr() method) and every data source kind must be named in the
// printer, so a node added to the language fails here before Format meets it in a model.
func TestFormatKnowsEveryNode(t *testing.T) {
	fset := gotoken.NewFileSet()
	astFile, err := goparser.ParseFile(fset, "ast.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmtFile, err := goparser.ParseFile(fset, "format.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var nodes []string
	for _, d := range astFile.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil || (d.Name.Name != "stmt" && d.Name.Name != "expr") {
				continue
			}
			recv := d.Recv.List[0].Type
			if star, ok := recv.(*ast.StarExpr); ok {
				recv = star.X
			}
			nodes = append(nodes, recv.(*ast.Ident).Name)
		case *ast.GenDecl:
			for _, s := range d.Specs {
				if v, ok := s.(*ast.ValueSpec); ok && len(v.Names) > 0 && strings.HasPrefix(v.Names[0].Name, "Source") {
					nodes = append(nodes, v.Names[0].Name)
				}
			}
		}
	}
	if len(nodes) < 10 {
		t.Fatalf("found only %v in ast.go", nodes)
	}
	handled := map[string]bool{}
	ast.Inspect(fmtFile, func(n ast.Node) bool {
		if c, ok := n.(*ast.CaseClause); ok {
			for _, e := range c.List {
				if star, ok := e.(*ast.StarExpr); ok {
					e = star.X
				}
				if id, ok := e.(*ast.Ident); ok {
					handled[id.Name] = true
				}
			}
		}
		return true
	})
	for _, n := range nodes {
		if !handled[n] {
			t.Errorf("Format has no case for %s (ast.go)", n)
		}
	}
}

// FuzzFormat formats arbitrary text: for every input that parses, Format succeeds, keeps the
// comments, is idempotent and preserves the tree.
func FuzzFormat(f *testing.F) {
	seedWithModels(f)
	for _, s := range []string{
		"",
		"let w = -x^2^-1 @ (a + b) / 2e-3 # c\n",
		"let x = (a - (b - c)) * -(d) ^ (e ^ f)\n",
		"data X[N, 3] = standardize(columns except \"a\", \"b\") # x\n\n\n# y\nparam b ~ N(0,\n# inside\n1)",
		"const k = f() let a = k y ~ N(a, 1)\r\n#end\r\n",
		"data g[N] = levels \"g\" as J\ngenerate y_rep[N] ~ Normal(a[g], 1) generate d = sum(y)",
		"let x[N]=recur( (a) ,t : x[t - 1]*y[t+(K-1)]) # r\ny[ 2 : N ] ~ N(b[(1)] <= -c, (d>=e) == f)\n",
		"let z = a[2*(N-1) - -1] + b[x - (y - 1)] + c[(N)]\n",
		"param L[K, K] ~ LKJCorrCholesky(2)\nlet ab = diag_pre_multiply(tau, L) @ z[,g] + m[1 ,] + m[, ] + m[1:2, 3]\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		checkFormat(t, src)
	})
}
