package compiler

import (
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/diag"
	"github.com/hmcc-dev/hmcc/dist"
	"github.com/hmcc-dev/hmcc/ir"
	"github.com/hmcc-dev/hmcc/lang"
)

// checkSrc parses and checks src, failing the test on a syntax error.
func checkSrc(t *testing.T, src string) (*ir.Model, error) {
	t.Helper()
	m, err := lang.Parse("t.model", src)
	if err != nil {
		t.Fatalf("syntax error in test model:\n%s", diag.Render(err, src))
	}
	return Check(m)
}

// lines joins source lines with a final newline.
func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

const header = `data y[N] = column "y"`
const matrix = `data X[N, D] = columns "a", "b"`

func TestCheckErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"undeclared name suggests the closest",
			lines(header, "param mu ~ Normal(0, 1)", "y ~ Normal(mus, 1)"), `
t.model:3:12: error: mus is not declared
  y ~ Normal(mus, 1)
             ^^^
  hint: did you mean mu?
`},
		{"undeclared name with nothing close",
			lines(header, "param mu ~ Normal(0, 1)", "y ~ Normal(mu, sigma_obs)"), `
t.model:3:16: error: sigma_obs is not declared
  y ~ Normal(mu, sigma_obs)
                 ^^^^^^^^^
  hint: names must be declared (data, param or let) before they are used
`},
		{"a parameter cannot appear in its own prior",
			lines(header, "param x ~ Normal(x, 1)"), `
t.model:2:18: error: x is not declared
  param x ~ Normal(x, 1)
                   ^
  hint: names must be declared (data, param or let) before they are used
`},
		{"an element past the end of a vector of known length",
			lines(header, "param b[3] ~ Normal(0, 1)", "y ~ Normal(b[4] * N, 1)"), `
t.model:3:12: error: index 4 is outside b, which has 3 elements
  y ~ Normal(b[4] * N, 1)
             ^^^^
  hint: elements are numbered from 1 to 3
`},
		{"unknown distribution suggests the closest",
			lines(header, "param mu ~ Normal(0, 1)", "y ~ Normall(mu, 1)"), `
t.model:3:5: error: unknown distribution Normall
  y ~ Normall(mu, 1)
      ^^^^^^^
  hint: did you mean Normal?
`},
		{"unknown distribution in a prior, by case",
			lines(header, "param s ~ halfcauchy(1)", "y ~ Normal(0, s)"), `
t.model:2:11: error: unknown distribution halfcauchy
  param s ~ halfcauchy(1)
            ^^^^^^^^^^
  hint: did you mean HalfCauchy?
`},
		{"unknown distribution with nothing close lists them all",
			lines(header, "param mu ~ Normal(0, 1)", "y ~ Zipf(mu)"), `
t.model:3:5: error: unknown distribution Zipf
  y ~ Zipf(mu)
      ^^^^
  hint: known distributions: ` + strings.Join(dist.Names(), ", ") + `
`},
		{"trials that depend on a parameter",
			lines(header, "param k ~ Gamma(2, 1)", "y ~ Binomial(k * 2, 0.5)"), `
t.model:3:14: error: argument n of Binomial must be data (a whole number), but it depends on parameters
  y ~ Binomial(k * 2, 0.5)
               ^^^^^
  hint: the log density is not differentiable in n; give it a data column or a number
`},
		{"uniform bounds that depend on a parameter",
			lines(header, "param k ~ Gamma(2, 1)", "param u ~ Uniform(0, k)", "y ~ Normal(u, 1)"), `
t.model:3:22: error: the upper bound of parameter u depends on parameters
  param u ~ Uniform(0, k)
                       ^
  hint: bounds of a Uniform prior must be numbers or data; for a bound that is a parameter, sample on (0, 1) with Beta and scale it in a let
`},
		{"constant uniform bounds in the wrong order",
			lines(header, "param u ~ Uniform(1, -1)", "y ~ Normal(u, 1)"), `
t.model:2:19: error: the bounds of parameter u are 1 and -1; the lower must be less than the upper
  param u ~ Uniform(1, -1)
                    ^^^^^
`},
		{"levels without a size for the groups",
			lines(header, `data g[N] = levels "county"`, "param a ~ Normal(0, 1)", "y ~ Normal(a, 1)"), `
t.model:2:13: error: data g: name the number of groups
  data g[N] = levels "county"
              ^^^^^^^^^^^^^^^
  hint: write levels "county" as J; J is then the size of per-group parameters, as in param a[J]
`},
		{"levels sized like the rows",
			lines(header, `data g[N] = levels "county" as N`, "param a ~ Normal(0, 1)", "y ~ Normal(a, 1)"), `
t.model:2:32: error: N already names the rows of g; give the number of groups its own name
  data g[N] = levels "county" as N
                                 ^
`},
		{"indexing by something that is not a grouping",
			lines(header, `data x[N] = column "x"`, "param a[N] ~ Normal(0, 1)", "y ~ Normal(a[x], 1)"), `
t.model:4:14: error: a can only be indexed by a grouping, a whole number or an expression of sizes
  y ~ Normal(a[x], 1)
               ^
  hint: write a[1], a[2:N] or a[N-1]; for one element per row by group, declare data g[N] = levels "column" as J and write a[g]
`},
		{"a per-group vector of the wrong size",
			lines(header, `data g[N] = levels "county" as J`, "param a ~ Normal(0, 1)", "y ~ Normal(a[g], 1)"), `
t.model:4:12: error: a has shape scalar, but g has J groups; indexing by g needs a vector [J]
  y ~ Normal(a[g], 1)
             ^
  hint: declare a with one element per group, as in param a[J]
`},
		{"indexing an undeclared name",
			lines(header, `data g[N] = levels "county" as J`, "param alpha[J] ~ Normal(0, 1)", "y ~ Normal(alpah[g], 1)"), `
t.model:4:12: error: alpah is not declared
  y ~ Normal(alpah[g], 1)
             ^^^^^
  hint: did you mean alpha?
`},
		{"a generated quantity used in the model",
			lines(header, "param mu ~ Normal(0, 1)", "generate z ~ Normal(mu, 1)", "y ~ Normal(mu + z, 1)"), `
t.model:4:17: error: z is generated after sampling; only generate statements can use it
  y ~ Normal(mu + z, 1)
                  ^
  hint: to use it in the model, make it a let
`},
		{"a generated quantity observed",
			lines(header, "param mu ~ Normal(0, 1)", "generate z ~ Normal(mu, 1)", "z ~ Normal(mu, 1)"), `
t.model:4:1: error: z is generated; only data can be observed with ~
  z ~ Normal(mu, 1)
  ^
  hint: write generate z ~ Normal(...) to draw it
`},
		{"a generated value of another size",
			lines(header, "param mu ~ Normal(0, 1)", "generate z[N] = mu * 2", "y ~ Normal(mu, 1)"), `
t.model:3:17: error: generated z is declared with shape [N], but its value has shape scalar
  generate z[N] = mu * 2
                  ^^^^^^
`},
		{"a generated draw with a vector argument of another size",
			lines(header, `data X[N, K] = columns "a", "b"`, "param w[K] ~ Normal(0, 1)", "generate z[K] ~ Normal(X @ w, 1)", "y ~ Normal(X @ w, 1)"), `
t.model:4:24: error: argument mu of Normal has shape [N], but the variate has shape [K]
  generate z[K] ~ Normal(X @ w, 1)
                         ^^^^^
`},
		{"a scalar with a Dirichlet prior",
			lines(header, "param w ~ Dirichlet(1)", "y ~ Normal(w, 1)"), `
t.model:2:11: error: parameter w: Dirichlet is a distribution of vectors, but w has shape scalar
  param w ~ Dirichlet(1)
            ^^^^^^^^^
  hint: declare it with one size, as in param w[K] ~ Dirichlet(...)
`},
		{"a Dirichlet likelihood",
			lines(header, "param a ~ Gamma(1, 1)", "y ~ Dirichlet(a)"), `
t.model:3:5: error: Dirichlet can only be the prior of a parameter for now, not a likelihood
  y ~ Dirichlet(a)
      ^^^^^^^^^
`},
		{"a Dirichlet draw without a size",
			lines(header, "param a ~ Gamma(1, 1)", "y ~ Normal(a, 1)", "generate w ~ Dirichlet(a)"), `
t.model:4:1: error: generated w: Dirichlet draws vectors; give its size, as in generate w[K] ~ Dirichlet(...)
  generate w ~ Dirichlet(a)
  ^^^^^^^^^^^^^^^^^^^^^^^^^
`},
		{"too many arguments",
			lines(header, "param mu ~ Normal(0, 1, 2)", "y ~ Normal(mu, 1)"), `
t.model:2:12: error: Normal takes 2 arguments (mu, sigma), got 3
  param mu ~ Normal(0, 1, 2)
             ^^^^^^^^^^^^^^^
`},
		{"too few arguments",
			lines(header, "param mu ~ Normal(0, 1)", "y ~ StudentT(3, mu)"), `
t.model:3:5: error: StudentT takes 3 arguments (nu, mu, sigma), got 2
  y ~ StudentT(3, mu)
      ^^^^^^^^^^^^^^^
`},
		{"shape mismatch names both shapes",
			lines(header, matrix, "param b[D] ~ Normal(0, 1)", "param c[N] ~ Normal(0, 1)", "let w = b + c", "y ~ Normal(X @ w, 1)"), `
t.model:5:11: error: shapes do not match for +: left is [D], right is [N]
  let w = b + c
            ^
`}, // and no second error from using the broken let w
		{"argument shape differs from the variate",
			lines(header, matrix, "param b[D] ~ Normal(0, 1)", "y ~ Normal(b, 1)"), `
t.model:4:12: error: argument mu of Normal has shape [D], but the variate has shape [N]
  y ~ Normal(b, 1)
             ^
`},
		{"vector argument for a scalar parameter",
			lines(header, "param m[N] ~ Normal(0, 1)", "param s ~ Normal(y, 1)"), `
t.model:3:18: error: argument mu of Normal has shape [N], but the variate has shape scalar
  param s ~ Normal(y, 1)
                   ^
`},
		{"@ with a vector on the left",
			lines(header, "param b[N] ~ Normal(0, 1)", "let z = b @ b", "y ~ Normal(z, 1)"), `
t.model:3:9: error: the left side of @ must be a matrix, but it has shape [N]
  let z = b @ b
          ^
`},
		{"@ with a scalar on the right",
			lines(header, matrix, "param b ~ Normal(0, 1)", "y ~ Normal(X @ b, 1)"), `
t.model:4:16: error: the right side of @ must be a vector or a matrix, but it has shape scalar
  y ~ Normal(X @ b, 1)
                 ^
`},
		{"@ with the wrong vector length",
			lines(header, matrix, "param b[N] ~ Normal(0, 1)", "y ~ Normal(X @ b, 1)"), `
t.model:4:14: error: shapes do not match for @: the matrix is [N, D], the vector is [N] (its length must equal the matrix's column count D)
  y ~ Normal(X @ b, 1)
               ^
`},
		{"a matrix and a vector in elementwise arithmetic",
			lines(header, matrix, "param b[D] ~ Normal(0, 1)", "y ~ Normal((X + y) @ b, 1)"), `
t.model:4:15: error: shapes do not match for +: left is [N, D], right is [N]
  y ~ Normal((X + y) @ b, 1)
                ^
  hint: element by element a matrix goes with a matrix of its shape or a scalar; take a row M[i, ] or a column M[, j] to combine it with a vector, or multiply with @
`},
		{"a let cannot be a matrix",
			lines(header, matrix, "param b[D] ~ Normal(0, 1)", "let M = X", "y ~ Normal(X @ b, 1)"), `
t.model:4:9: error: let M would be a matrix of data; a let names a matrix only when it depends on parameters
  let M = X
          ^
  hint: a matrix of data can be named with const M = ...
`},
		{"size not bound by data, with a suggestion",
			lines(header, matrix, "param b[DD] ~ Normal(0, 1)"), `
t.model:3:9: error: size DD is not bound by any data declaration
  param b[DD] ~ Normal(0, 1)
          ^^
  hint: did you mean D?
`},
		{"size not bound by data",
			lines(header, "param b[K] ~ Normal(0, 1)"), `
t.model:2:9: error: size K is not bound by any data declaration
  param b[K] ~ Normal(0, 1)
          ^
  hint: sizes are named by data, as in data y[N] = column "y"
`},
		{"zero size",
			lines(header, "param b[0] ~ Normal(0, 1)"), `
t.model:2:9: error: a size must be a whole number from 1 to 2147483647
  param b[0] ~ Normal(0, 1)
          ^
`},
		{"fractional size",
			lines(header, "param b[2.5] ~ Normal(0, 1)"), `
t.model:2:9: error: a size must be a whole number from 1 to 2147483647
  param b[2.5] ~ Normal(0, 1)
          ^
`},
		{"duplicate data after param",
			lines(header, "param sigma ~ HalfNormal(1)", `data sigma[N] = column "s"`, "y ~ Normal(0, sigma)"), `
t.model:3:6: error: sigma is already declared at line 2
  data sigma[N] = column "s"
       ^^^^^
  hint: give each data, param and let its own name
`},
		{"duplicate let",
			lines(header, "param mu ~ Normal(0, 1)", "let mu = 2", "y ~ Normal(mu, 1)"), `
t.model:3:5: error: mu is already declared at line 2
  let mu = 2
      ^^
  hint: give each data, param and let its own name
`},
		{"a function name cannot be declared",
			lines(header, "param exp ~ Normal(0, 1)", "let sum = 1"), `
t.model:2:7: error: exp is the name of a function
  param exp ~ Normal(0, 1)
        ^^^
  hint: choose another name
t.model:3:5: error: sum is the name of a function
  let sum = 1
      ^^^
  hint: choose another name
`},
		{"param as a likelihood target",
			lines(header, "param mu ~ Normal(0, 1)", "mu ~ Normal(0, 2)"), `
t.model:3:1: error: mu is a parameter; its prior belongs in its declaration
  mu ~ Normal(0, 2)
  ^^
  hint: write param mu ~ Normal(...)
`},
		{"let as a likelihood target",
			lines(header, "param mu ~ Normal(0, 1)", "let z = mu", "z ~ Normal(0, 1)"), `
t.model:4:1: error: z is a let; only data can be observed with ~
  z ~ Normal(0, 1)
  ^
`},
		{"undeclared likelihood target",
			lines(header, "param mu ~ Normal(0, 1)", "obs ~ Normal(mu, 1)"), `
t.model:3:1: error: obs is not declared
  obs ~ Normal(mu, 1)
  ^^^
  hint: declare the observed data first, e.g. data obs[N] = column "obs"
`},
		{"misspelt likelihood target",
			lines(header, "param mu ~ Normal(0, 1)", "yy ~ Normal(mu, 1)"), `
t.model:3:1: error: yy is not declared
  yy ~ Normal(mu, 1)
  ^^
  hint: did you mean y?
`},
		{"matrix as a likelihood target",
			lines(matrix, "param mu ~ Normal(0, 1)", "X ~ Normal(mu, 1)"), `
t.model:3:1: error: X is a matrix; an observed outcome must be a vector
  X ~ Normal(mu, 1)
  ^
`},
		{"discrete prior",
			lines(header, matrix, "param b[D] ~ BernoulliLogit(0)", "y ~ BernoulliLogit(X @ b)"), `
t.model:3:14: error: parameter b cannot have the discrete prior BernoulliLogit
  param b[D] ~ BernoulliLogit(0)
               ^^^^^^^^^^^^^^
  hint: HMC needs continuous parameters; use a continuous distribution
`},
		{"parameter of three sizes",
			lines(header, "param B[N, N, 2] ~ Normal(0, 1)"), `
t.model:2:1: error: parameter B: only scalars, vectors and matrices are supported
  param B[N, N, 2] ~ Normal(0, 1)
  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
`},
		{"unknown function suggests the closest",
			lines(header, "param mu ~ Normal(0, 1)", "y ~ Normal(expp(mu), 1)"), `
t.model:3:12: error: unknown function expp
  y ~ Normal(expp(mu), 1)
             ^^^^
  hint: did you mean exp?
`},
		{"a distribution used as a function",
			lines(header, "param mu ~ Normal(0, 1)", "y ~ Normal(Normal(mu), 1)"), `
t.model:3:12: error: unknown function Normal
  y ~ Normal(Normal(mu), 1)
             ^^^^^^
  hint: Normal is a distribution; use it after ~
`},
		{"unknown function with nothing close lists them",
			lines(header, "param mu ~ Normal(0, 1)", "y ~ Normal(logistic_curve(mu), 1)"), `
t.model:3:12: error: unknown function logistic_curve
  y ~ Normal(logistic_curve(mu), 1)
             ^^^^^^^^^^^^^^
  hint: functions: add_diag, cholesky_decompose, diag_pre_multiply, dot, exp, gp_exp_quad_cov, ifelse, inv_logit, lgamma, log, log1p, log_sum_exp, mean, softplus, sqrt, sum, transpose
`},
		{"function arity",
			lines(header, "param mu ~ Normal(0, 1)", "y ~ Normal(exp(mu, mu) + sum(), 1)"), `
t.model:3:12: error: exp takes one argument, got 2
  y ~ Normal(exp(mu, mu) + sum(), 1)
             ^^^
t.model:3:26: error: sum takes one argument, got 0
  y ~ Normal(exp(mu, mu) + sum(), 1)
                           ^^^
`},
		{"data with the wrong number of sizes",
			lines(`data y[N, D] = column "y"`, `data X[N] = columns "a"`, "param mu ~ Normal(0, 1)"), `
t.model:1:1: error: data y takes one column, so it needs one size, as in y[N]
  data y[N, D] = column "y"
  ^^^^^^^^^^^^^^^^^^^^^^^^^
t.model:2:1: error: data X takes several columns, so it needs two sizes, as in X[N, D]
  data X[N] = columns "a"
  ^^^^^^^^^^^^^^^^^^^^^^^
`},
		{"number too large",
			lines(header, "param mu ~ Normal(0, 1)", "y ~ Normal(mu, 1e999)"), `
t.model:3:16: error: the number 1e999 is too large for a 64-bit float
  y ~ Normal(mu, 1e999)
                 ^^^^^
  hint: the largest is about 1.8e308
`},
		{"no parameters",
			lines(header, "y ~ Normal(0, 1)"), `
t.model:1:1: error: the model has no parameters
  data y[N] = column "y"
  ^
  hint: declare at least one, e.g. param mu ~ Normal(0, 1)
`},
		// The duplicate on line 2 is found after its prior's error, yet it is shown first: errors
		// are sorted by line, then column.
		{"several errors sorted by position",
			lines(`data mu[N] = column "y"`, "param mu ~ Nrml(0, 1)", "let z = q + 1", "mu ~ Normal(z, scale)"), `
t.model:2:7: error: mu is already declared at line 1
  param mu ~ Nrml(0, 1)
        ^^
  hint: give each data, param and let its own name
t.model:2:12: error: unknown distribution Nrml
  param mu ~ Nrml(0, 1)
             ^^^^
  hint: did you mean Normal?
t.model:3:9: error: q is not declared
  let z = q + 1
          ^
  hint: names must be declared (data, param or let) before they are used
t.model:4:16: error: scale is not declared
  mu ~ Normal(z, scale)
                 ^^^^^
  hint: names must be declared (data, param or let) before they are used
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := checkSrc(t, tt.src)
			if err == nil {
				t.Fatalf("Check succeeded; want\n%s", tt.want)
			}
			if m != nil {
				t.Errorf("Check returned a model together with an error")
			}
			want := strings.TrimPrefix(tt.want, "\n")
			if got := diag.Render(err, tt.src); got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestCheckErrorCap shows at most diag.MaxErrors diagnostics and counts the rest.
func TestCheckErrorCap(t *testing.T) {
	src := header + "\nparam mu ~ Normal(0, 1)\n"
	for i := 0; i < 13; i++ {
		src += "let v" + string(rune('a'+i)) + " = undefined_" + string(rune('a'+i)) + "\n"
	}
	_, err := checkSrc(t, src)
	list, ok := err.(diag.List)
	if !ok || len(list) != 13 {
		t.Fatalf("want 13 errors in a diag.List, got %T %v", err, err)
	}
	out := diag.Render(err, src)
	if n := strings.Count(out, ": error: "); n != diag.MaxErrors {
		t.Errorf("rendered %d errors, want %d", n, diag.MaxErrors)
	}
	if !strings.HasSuffix(out, "\n... and 3 more errors\n") {
		t.Errorf("rendered output does not end with the count of the rest:\n%s", out)
	}
	if !strings.Contains(out, "t.model:12:10: error: undefined_j is not declared") || strings.Contains(out, "undefined_k") {
		t.Errorf("the first ten errors are not the ones shown:\n%s", out)
	}
}

// TestCheckModel checks what Check builds for a valid model: constraints from prior supports,
// reported lets, used data.
func TestCheckModel(t *testing.T) {
	src := lines(
		`data y[N] = column "y"`,
		`data X[N, D] = standardize(columns except "y")`,
		`data unused[N] = column "u"`,
		"param tau ~ Gamma(0.5, 0.5)",
		"param p ~ HalfNormal(1)",
		"param b[D] ~ Normal(0, 1)",
		"param q ~ Exponential(1)",
		"let w = tau * b",
		"let two = 1 + 1",
		"y ~ BernoulliLogit(X @ w + p * q)")
	m, err := checkSrc(t, src)
	if err != nil {
		t.Fatal(diag.Render(err, src))
	}
	type pinfo struct {
		name  string
		shape string
		con   ir.Constraint
	}
	want := []pinfo{
		{"tau", "scalar", ir.Constraint{Kind: ir.LowerBound}},
		{"p", "scalar", ir.Constraint{Kind: ir.LowerBound}},
		{"b", "[D]", ir.Constraint{Kind: ir.Unconstrained}},
		{"q", "scalar", ir.Constraint{Kind: ir.LowerBound}},
	}
	if len(m.Params) != len(want) {
		t.Fatalf("%d params, want %d", len(m.Params), len(want))
	}
	for i, p := range m.Params {
		got := pinfo{p.Name, p.Shape.String(), p.Constraint}
		if got != want[i] {
			t.Errorf("param %d = %+v, want %+v", i, got, want[i])
		}
		if p.Prior == nil || p.Prior.Variate == nil {
			t.Errorf("param %s has no prior term", p.Name)
		}
	}
	if len(m.Lets) != 2 || m.Lets[0].Name != "w" || !m.Lets[0].Reported || m.Lets[1].Name != "two" || m.Lets[1].Reported {
		t.Errorf("lets: want w reported and two not")
	}
	used := map[string]bool{}
	for _, d := range m.Data {
		used[d.Name] = d.Used
	}
	if !used["y"] || !used["X"] || used["unused"] {
		t.Errorf("Used = %v, want y and X only", used)
	}
	if len(m.Terms) != 1 || m.Terms[0].Dist.Name != "BernoulliLogit" {
		t.Fatalf("terms: %+v", m.Terms)
	}
	if got := m.Terms[0].Args[0].Shape().String(); got != "[N]" {
		t.Errorf("logit shape %s, want [N]", got)
	}
}
