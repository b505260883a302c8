package compiler

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hmcc-dev/hmcc/dataset"
	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/dist"
	"github.com/hmcc-dev/hmcc/ir"
)

// bindSrc checks src, writes csv to a temporary data.csv and binds it. It returns the bound
// model, the CSV's path and the error.
func bindSrc(t *testing.T, src, csv string) (*ir.Model, string, error) {
	t.Helper()
	m, err := checkSrc(t, src)
	if err != nil {
		t.Fatalf("check failed:\n%s", diag.Render(err, src))
	}
	path := filepath.Join(t.TempDir(), "data.csv")
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	tab, err := dataset.Read(path)
	if err != nil {
		t.Fatalf("reading the test CSV: %v", err)
	}
	bound, err := BindData(m, TableInput(tab))
	return bound, path, err
}

func TestBindErrors(t *testing.T) {
	tests := []struct {
		name, src, csv, want string
	}{
		{"missing column with a suggestion",
			lines(`data y[N] = column "yy"`, "param mu ~ Normal(0, 1)", "y ~ Normal(mu, 1)"),
			"y,x\n1,2\n", `
t.model:1:20: error: $CSV: column "yy": no such column in the header; did you mean "y"? The columns are: "y", "x". Rename the column in the file or the data name in the model so that they match.
  data y[N] = column "yy"
                     ^^^^
`},
		{"missing column in an except list",
			lines(`data y[N] = column "target"`, `data X[N, D] = columns except "target", "zzz"`, "param mu ~ Normal(0, 1)", "y ~ Normal(mu, 1)"),
			"target,x\n1,2\n", `
t.model:2:41: error: $CSV: column "zzz": no such column in the header. The columns are: "target", "x". Rename the column in the file or the data name in the model so that they match.
  data X[N, D] = columns except "target", "zzz"
                                          ^^^^^
`},
		{"except leaves nothing",
			lines(`data y[N] = column "y"`, `data X[N, D] = columns except "y", "a"`, "param mu ~ Normal(0, 1)", "y ~ Normal(mu, 1)"),
			"y,a\n1,1\n", `
t.model:2:1: error: data X selects no columns: $CSV has only y, a
  data X[N, D] = columns except "y", "a"
  ^
`},
		{"a size bound twice to different values",
			lines(`data X[N, D] = columns "a", "b"`, `data Z[N, D] = columns "a", "b", "c"`, "param mu ~ Normal(0, 1)"),
			"a,b,c\n1,2,3\n4,5,6\n", `
t.model:2:1: error: size D is 2 (bound by X), but Z has 3 columns
  data Z[N, D] = columns "a", "b", "c"
  ^
  hint: give sizes that differ different names
`},
		{"rows and columns bound to one size",
			lines(`data y[N] = column "y"`, `data X[N, N] = columns "a", "b"`, "param mu ~ Normal(0, 1)"),
			"y,a,b\n1,2,3\n4,5,6\n7,8,9\n", `
t.model:2:1: error: size N is 3 (bound by y), but X has 2 columns
  data X[N, N] = columns "a", "b"
  ^
  hint: give sizes that differ different names
`},
		{"a literal size that does not match",
			lines(`data y[N] = column "y"`, `data X[N, 3] = columns "a", "b"`, "param mu ~ Normal(0, 1)", "y ~ Normal(mu, 1)"),
			"y,a,b\n1,1,1\n", `
t.model:2:1: error: X is declared with size 3, but X has 2 columns
  data X[N, 3] = columns "a", "b"
  ^
`},
		{"binary outcome with a 2",
			lines(`data y[N] = column "y"`, `data X[N, D] = columns "a", "b"`, "param b[D] ~ Normal(0, 1)", "y ~ BernoulliLogit(X @ b)"),
			"a,y,b\n2,1,3\n5,0,6\n1,2,1\n1,7,1\n", `
error: $CSV:4: column "y": value 2 is outside the support {0, 1} of BernoulliLogit, which the model uses for y (t.model:4:1)
`},
		{"negative value for a positive distribution",
			lines(`data y[N] = column "y"`, "param mu ~ Normal(0, 1)", "y ~ Exponential(mu)"),
			"y\n1\n\n-2\n", `
error: $CSV:4: column "y": value -2 is outside the support positive of Exponential, which the model uses for y (t.model:3:1)
`},
		{"standardize a constant column",
			lines(`data y[N] = column "y"`, `data X[N, D] = standardize(columns except "y")`, "param b[D] ~ Normal(0, 1)", "y ~ BernoulliLogit(X @ b)"),
			"y,a,b\n1,3,2\n0,5,2\n1,4,2\n", `
t.model:2:1: error: cannot standardize column "b" of $CSV: every value is 2
  data X[N, D] = standardize(columns except "y")
  ^
  hint: leave the column out: standardize(columns except "y", "b")
`},
		{"NaN cell",
			lines(`data y[N] = column "y"`, "param mu ~ Normal(0, 1)", "y ~ Normal(mu, 1)"),
			"y\n1\nNaN\n3\n", `
error: $CSV:3: column "y": "NaN" is not a number (NaN); replace it with a value or remove the row (hmcc does not impute missing values)
`},
		{"a data argument outside its domain",
			lines(`data y[N] = column "y"`, `data s[N] = column "s"`, "param mu ~ Normal(0, 1)", "y ~ Normal(mu, s)"),
			"y,s\n1,1\n2,-1\n", `
t.model:4:16: error: argument sigma of Normal must be positive, but it is -1
  y ~ Normal(mu, s)
                 ^
`},
		{"a folded constant argument outside its domain",
			lines(`data y[N] = column "y"`, "param mu ~ Normal(0, 1)", "y ~ Normal(mu, 1 - 2)"),
			"y\n1\n", `
t.model:3:16: error: argument sigma of Normal must be positive, but it is -1
  y ~ Normal(mu, 1 - 2)
                 ^^^^^
`},
		{"a count that is not a whole number",
			lines(`data y[N] = column "y"`, "param r ~ Gamma(2, 1)", "y ~ Poisson(r)"),
			"y\n1\n2.5\n", `
error: $CSV:3: column "y": value 2.5 is outside the support {0, 1, 2, …} of Poisson, which the model uses for y (t.model:3:1)
`},
		{"trials that are not whole numbers",
			lines(`data s[N] = column "s"`, `data n[N] = column "n"`, "param p ~ Beta(1, 1)", "s ~ Binomial(n, p)"),
			"s,n\n1,3\n0,-2\n", `
error: $CSV:3: column "n": value -2 is not a whole number ≥ 0, which argument n of Binomial must be (t.model:4:1)
`},
		{"more successes than trials",
			lines(`data s[N] = column "s"`, `data n[N] = column "n"`, "param a ~ Normal(0, 1)", "s ~ BinomialLogit(n, a)"),
			"s,n\n1,3\n4,3\n", `
error: $CSV:3: column "s": value 4 is more than the number of trials n = 3 of BinomialLogit on this row, which the model uses for s (t.model:4:1)
`},
		{"an observation outside uniform bounds",
			lines(`data y[N] = column "y"`, "param a ~ Normal(0, 1)", "param b ~ Normal(0, 1)", "y ~ Normal(a, 1)", "y ~ Uniform(-1, 2)"),
			"y\n1\n2.5\n", `
error: $CSV:3: column "y": value 2.5 is outside the bounds [-1, 2] of Uniform, which the model uses for y (t.model:5:1)
`},
		{"uniform bounds from data in the wrong order",
			lines(`data y[N] = column "y"`, "param a ~ Uniform(sum(y), 0)", "y ~ Normal(a, 1)"),
			"y\n1\n2.5\n", `
t.model:2:19: error: the bounds of parameter a are 3.5 and 0; the lower must be less than the upper
  param a ~ Uniform(sum(y), 0)
                    ^^^^^^^^^
`},
		{"a group that is missing",
			lines(`data y[N] = column "y"`, `data g[N] = levels "county" as J`, "param a[J] ~ Normal(0, 1)", "y ~ Normal(a[g], 1)"),
			"y,county\n1,A\n2,NA\n", `
error: $CSV:3: column "county": "NA" marks a missing value; every row needs a group: fill it in or remove the row
`},
		{"groups bound twice to different numbers",
			lines(`data y[N] = column "y"`, `data g[N] = levels "county" as J`, `data h[N] = levels "state" as J`, "param a[J] ~ Normal(0, 1)", "y ~ Normal(a[g], 1)"),
			"y,county,state\n1,A,S\n2,B,S\n", `
t.model:3:1: error: size J is 2 (bound by g), but h has 1 group
  data h[N] = levels "state" as J
  ^
  hint: give sizes that differ different names
`},
		{"a simplex of one element",
			lines(`data y[N] = column "y"`, `data g[N] = levels "g" as K`, "param w[K] ~ Dirichlet(1)", "y ~ Normal(w[g], 1)"),
			"y,g\n1,1\n2,1\n", `
t.model:3:7: error: parameter w is a simplex of 1 element; it needs at least 2
  param w[K] ~ Dirichlet(1)
        ^
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, path, err := bindSrc(t, tt.src, tt.csv)
			if err == nil {
				t.Fatalf("Bind succeeded; want\n%s", tt.want)
			}
			want := strings.ReplaceAll(strings.TrimPrefix(tt.want, "\n"), "$CSV", path)
			if got := diag.Render(err, tt.src); got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestBindValues checks sizes, the θ layout, column order and standardization on a tiny table
// whose statistics are easy by hand.
func TestBindValues(t *testing.T) {
	src := lines(
		`data y[N] = column "y"`,
		`data X[N, D] = standardize(columns except "y")`,
		`data Z[N, 2] = columns "b", "a"`,
		"param s ~ HalfNormal(1)",
		"param b[D] ~ Normal(0, s * 2)",
		"param c[3] ~ Normal(0, 1)",
		"y ~ Normal(X @ b + sum(c), s)")
	// a: 1, 2, 3 → mean 2, population sd sqrt(2/3); b: 10, 10, 40 → mean 20, sd sqrt(200)
	m, _, err := bindSrc(t, src, "a,y,b\n1,0.5,10\n2,1.5,10\n3,-1,40\n")
	if err != nil {
		t.Fatal(diag.Render(err, src))
	}
	if len(m.Sizes) != 2 || m.Sizes["N"] != 3 || m.Sizes["D"] != 2 {
		t.Errorf("Sizes = %v, want N=3 D=2", m.Sizes)
	}
	layout := [][3]any{}
	for _, p := range m.Params {
		layout = append(layout, [3]any{p.Name, p.Offset, p.Len})
	}
	wantLayout := [][3]any{{"s", 0, 1}, {"b", 1, 2}, {"c", 3, 3}}
	for i := range wantLayout {
		if i >= len(layout) || layout[i] != wantLayout[i] {
			t.Errorf("θ layout %v, want %v", layout, wantLayout)
			break
		}
	}
	if m.Dim() != 6 {
		t.Errorf("Dim = %d, want 6", m.Dim())
	}
	X, Z := m.Data[1], m.Data[2]
	if strings.Join(X.Columns, ",") != "a,b" || strings.Join(Z.Columns, ",") != "b,a" {
		t.Errorf("columns: X %v, Z %v", X.Columns, Z.Columns)
	}
	sa, sb := 0.816496580927726, 14.142135623730951 // sqrt(2/3), sqrt(200)
	wantX := []float64{-1 / sa, -10 / sb, 0, -10 / sb, 1 / sa, 20 / sb}
	for i, v := range X.Value.Data {
		if d := v - wantX[i]; d > 1e-12 || d < -1e-12 {
			t.Errorf("X[%d] = %v, want %v", i, v, wantX[i])
		}
	}
	wantZ := []float64{10, 1, 10, 2, 40, 3}
	for i, v := range Z.Value.Data {
		if v != wantZ[i] {
			t.Errorf("Z = %v, want %v", Z.Value.Data, wantZ)
			break
		}
	}
	if got := X.Value.Shape; len(got) != 2 || got[0] != 3 || got[1] != 2 {
		t.Errorf("X shape %v", got)
	}
	// s * 2 depends on a parameter and stays; the prior of c is folded to constants
	if _, ok := m.Params[1].Prior.Args[1].(*ir.Folded); ok {
		t.Errorf("s * 2 was folded although it depends on a parameter")
	}
}

// TestBindFolds checks that data-only subexpressions become constants with the right values.
func TestBindFolds(t *testing.T) {
	src := lines(
		`data y[N] = column "y"`,
		`data x[N] = column "x"`,
		"param a ~ Normal(0, 1)",
		"let scale = exp(0) * 2",
		"y ~ Normal(a * x + log(x) - 2^-1, scale + sum(x))")
	m, _, err := bindSrc(t, src, "y,x\n1,1\n2,4\n")
	if err != nil {
		t.Fatal(diag.Render(err, src))
	}
	sigma, ok := m.Terms[0].Args[1].(*ir.Folded)
	if !ok {
		t.Fatalf("sigma argument is %T, want *ir.Folded", m.Terms[0].Args[1])
	}
	if len(sigma.Value.Data) != 1 || sigma.Value.Data[0] != 2+5 {
		t.Errorf("folded sigma = %v, want [7]", sigma.Value.Data)
	}
	mu, ok := m.Terms[0].Args[0].(*ir.Binary)
	if !ok {
		t.Fatalf("mu argument is %T, want *ir.Binary", m.Terms[0].Args[0])
	}
	// (a*x + log(x)) - 2^-1: the right operand is folded to 0.5, the log(x) inside to a vector
	r, ok := mu.R.(*ir.Folded)
	if !ok || r.Value.Data[0] != 0.5 {
		t.Errorf("2^-1 folded to %#v", mu.R)
	}
	inner := mu.L.(*ir.Binary)
	lx, ok := inner.R.(*ir.Folded)
	if !ok || len(lx.Value.Data) != 2 || lx.Value.Data[0] != 0 || lx.Value.Data[1] != 1.3862943611198906 {
		t.Errorf("log(x) folded to %#v", inner.R)
	}
}

// TestBindTwoDataSets binds one checked model (radon: a grouping, so sizes N and J) to two data
// sets of different sizes: each bound model equals the one a fresh check and bind of its data
// gives, binding the second leaves the first as it was, and the checked model is unchanged.
func TestBindTwoDataSets(t *testing.T) {
	src, err := os.ReadFile("../models/radon.model")
	if err != nil {
		t.Fatal(err)
	}
	check := func() *ir.Model {
		m, err := checkSrc(t, string(src))
		if err != nil {
			t.Fatal(diag.Render(err, string(src)))
		}
		return m
	}
	full, err := os.ReadFile("../models/radon_mn.csv")
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.SplitAfter(string(full), "\n")
	small := strings.Join(rows[:1+40], "") // the header and 40 houses: fewer counties
	sets := []string{string(full), small}
	m := check()
	checked := ir.Dump(m)
	var bound []*ir.Model
	var dumps []string
	for _, csv := range sets {
		b, err := BindData(m, inputsFor(t, "radon_mn.csv", csv)...)
		if err != nil {
			t.Fatal(diag.Render(err, string(src)))
		}
		bound, dumps = append(bound, b), append(dumps, ir.Dump(b))
	}
	if bound[0].Sizes["N"] != 919 || bound[1].Sizes["N"] != 40 || bound[1].Sizes["J"] >= bound[0].Sizes["J"] {
		t.Errorf("sizes %v and %v, want N = 919 and 40, fewer counties in the second", bound[0].Sizes, bound[1].Sizes)
	}
	for i, csv := range sets {
		fresh, err := BindData(check(), inputsFor(t, "radon_mn.csv", csv)...)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ir.Dump(bound[i]), ir.Dump(fresh); got != want || got != dumps[i] {
			t.Errorf("data set %d: the model bound after another differs from a fresh bind:\n%s\nwant\n%s", i, got, want)
		}
	}
	if got := ir.Dump(m); got != checked || m.Bound() {
		t.Errorf("binding changed the checked model:\n%s\nwant\n%s", got, checked)
	}
	if _, err := BindData(bound[0], inputsFor(t, "radon_mn.csv", small)...); !diag.IsInternal(err) {
		t.Errorf("binding a bound model: got %v, want an internal error", err)
	}
	for i := range bound {
		if p := sharedPointers(m, bound[i]); p != "" {
			t.Errorf("bound model %d shares %s with the checked model", i, p)
		}
	}
	if p := sharedPointers(bound[0], bound[1]); p != "" {
		t.Errorf("the two bound models share %s", p)
	}

	// Binding only reads the checked model, so goroutines may bind it at once (go test -race).
	got := make([]string, 2*len(sets))
	var wg sync.WaitGroup
	for i := range got {
		ins := inputsFor(t, "radon_mn.csv", sets[i%len(sets)])
		wg.Add(1)
		go func() {
			defer wg.Done()
			if b, err := BindData(m, ins...); err == nil {
				got[i] = ir.Dump(b)
			}
		}()
	}
	wg.Wait()
	for i, d := range got {
		if d != dumps[i%len(sets)] {
			t.Errorf("binding at once, data set %d: got\n%s\nwant\n%s", i%len(sets), d, dumps[i%len(sets)])
		}
	}
}

// modelPointers maps every declaration, term and expression node reachable from m to a
// description. Declarations reached only through references are listed under "ref".
func modelPointers(m *ir.Model) (own, refs map[any]string) {
	own, refs = map[any]string{}, map[any]string{}
	var expr func(e ir.Expr)
	expr = func(e ir.Expr) {
		ir.Walk(e, func(x ir.Expr) bool {
			own[x] = fmt.Sprintf("%T %s", x, ir.DumpExpr(x))
			switch x := x.(type) {
			case *ir.DataRef:
				refs[x.Var] = "data " + x.Var.Name
			case *ir.Gather:
				refs[x.Index] = "data " + x.Index.Name
			case *ir.ParamRef:
				refs[x.Var] = "param " + x.Var.Name
			case *ir.LetRef:
				refs[x.Var] = "let " + x.Var.Name
			case *ir.GenRef:
				refs[x.Var] = "generate " + x.Var.Name
			case *ir.At:
				refs[x.R] = "recurrence " + x.R.Name
			case *ir.Lag:
				refs[x.R] = "recurrence " + x.R.Name
			case *ir.RecurIndex:
				refs[x.R] = "recurrence " + x.R.Name
			}
			return true
		})
	}
	for _, d := range m.Data {
		own[d] = "data " + d.Name
	}
	for _, p := range m.Params {
		own[p] = "param " + p.Name
	}
	for _, l := range m.Lets {
		own[l] = "let " + l.Name
		expr(l.Value)
	}
	for _, g := range m.Generated {
		own[g] = "generate " + g.Name
		if g.Value != nil {
			expr(g.Value)
		}
	}
	for _, term := range foldedTerms(m) {
		own[term] = "term at " + term.Pos.String()
		for _, e := range term.Exprs() {
			expr(e)
		}
	}
	return own, refs
}

// sharedPointers describes the first declaration, term or node a and b share, "" if none, or
// a reference of either that points outside its own model.
func sharedPointers(a, b *ir.Model) string {
	ownA, refsA := modelPointers(a)
	ownB, refsB := modelPointers(b)
	for p, what := range ownA {
		if _, ok := ownB[p]; ok {
			return what
		}
	}
	for _, side := range []struct {
		own, refs map[any]string
	}{{ownA, refsA}, {ownB, refsB}} {
		for p, what := range side.refs {
			if _, ok := side.own[p]; !ok {
				return "a reference to " + what + " outside its own model"
			}
		}
	}
	return ""
}

// TestCloneEveryKind copies a model with every kind of declaration and expression node, checked
// and bound: each copy dumps as its original and shares no declaration, term or node with it.
func TestCloneEveryKind(t *testing.T) {
	src := lines(`data y[N] = column "y"`, `data X[N, K] = columns "a", "b"`, `data g[N] = levels "g" as J`,
		"param mu ~ Normal(0, 1)", "param w[K] ~ Normal(0, 1)", "param u[J] ~ Normal(0, 1)", "param sigma ~ HalfNormal(1)",
		"const v = sum(transpose(X) @ y)",
		"let s = dot(w, w) + log_sum_exp(w) + mean(w) + N - 1",
		"let z[N] = recur(mu, t: 0.5 * z[t-1] + t * 0.01 + y[t])",
		"let r = -s",
		"y ~ Normal(ifelse(y, mu, z) + X @ w + u[g] + v + s + exp(y[1]) + sum(y[1:N-1]), sigma)",
		"generate y_rep[N] ~ Normal(z, sigma)",
		"generate q = r + 1", "generate q2 = 2 * q")
	m, _, err := bindSrc(t, src, "y,a,b,g\n1,0.5,1,A\n2,1,0,B\n0,2,2,A\n")
	if err != nil {
		t.Fatal(diag.Render(err, src))
	}
	checked, err := checkSrc(t, src)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, model := range []*ir.Model{checked, m} {
		own, _ := modelPointers(model)
		for p := range own {
			kinds[fmt.Sprintf("%T", p)] = true
		}
		cp := model.Clone()
		if got, want := ir.Dump(cp), ir.Dump(model); got != want {
			t.Errorf("the copy dumps as\n%s\nnot\n%s", got, want)
		}
		if p := sharedPointers(model, cp); p != "" {
			t.Errorf("the copy shares %s", p)
		}
		if cp.Bound() != model.Bound() {
			t.Errorf("the copy of a model bound %v is bound %v", model.Bound(), cp.Bound())
		}
	}
	for _, k := range []string{"DataVar", "ParamVar", "LetVar", "GenVar", "Term",
		"Const", "DataRef", "ParamRef", "LetRef", "GenRef", "Unary", "Binary", "MatVec", "Gather", "Sum", "Mean",
		"Dot", "Transpose", "Folded", "LogSumExp", "SizeVal", "Slice", "Select", "Recur", "At", "Lag", "RecurIndex"} {
		if !kinds["*ir."+k] {
			t.Errorf("the model has no %s; give it one, so that copying it is tested", k)
		}
	}
}

// TestBindBoundsInternal: a bound without one value cannot come from a checked model (the checker
// makes bounds data-only scalars), so bindBounds reports it as an internal error, which exits 1
// and asks to be reported, not as a diagnostic of the user's model (exit 2).
func TestBindBoundsInternal(t *testing.T) {
	uniform, ok := dist.Lookup("Uniform")
	if !ok {
		t.Fatal("no Uniform")
	}
	sp := ir.NewSpan(diag.Pos{File: "t.model", Line: 1, Col: 1}, diag.Pos{File: "t.model", Line: 1, Col: 5})
	unbound := &ir.DataVar{Name: "lo"}
	vector := ir.NewFolded(sp, &ir.Tensor{Shape: []int{2}, Data: []float64{0, 1}}, ir.Shape{{Size: 2}})
	for _, lo := range []ir.Expr{ir.NewDataRef(sp, unbound), vector} {
		p := &ir.ParamVar{Name: "a", Prior: &ir.Term{Dist: uniform, Args: []ir.Expr{lo, ir.NewConst(sp, 2)}}}
		err := bindBounds(p, ir.Sizes{})
		var d *diag.Error
		if !diag.IsInternal(err) || errors.As(err, &d) || !strings.Contains(err.Error(), "internal error: the bound of a has") {
			t.Errorf("bound %s: got %#v, want an internal error", ir.DumpExpr(lo), err)
		}
	}
	p := &ir.ParamVar{Name: "a", Prior: &ir.Term{Dist: uniform, Args: []ir.Expr{ir.NewConst(sp, 2), ir.NewConst(sp, 1)}}}
	var d *diag.Error
	if err := bindBounds(p, ir.Sizes{}); !errors.As(err, &d) {
		t.Errorf("bounds in the wrong order: got %#v, want a diagnostic", err)
	}
}
