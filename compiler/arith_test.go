package compiler

import (
	"math"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/ir"
)

// arithModel uses const, transpose, mean and dot with data and parameters on either side, and a
// data-only let, in priors and in the likelihood.
var arithModel = lines(
	`data y[N] = column "y"`,
	`data x[N] = column "x"`,
	`data X[N, K] = columns "a", "b"`,
	"const Xt = transpose(X)",
	"const xbar = mean(x)",
	"let xc = exp(x - xbar) / 2", // data only: folded, never in the graph
	"param w[N] ~ Normal(0, 1)",
	"param g[K] ~ Normal(Xt @ w / 10, 1)",
	"param beta[K] ~ Normal(mean(g), 2)",
	"param alpha ~ Normal(0, 2)",
	"param s ~ HalfNormal(1)",
	"y ~ Normal(alpha + X @ beta + dot(beta, g) * xc + mean(w) + dot(x * 2, w) / 10, s + dot(xc, xc) / 50)")

const arithCSV = "y,x,a,b\n" +
	"1.2,0.5,1,0\n" +
	"-0.3,1.5,0,1\n" +
	"0.8,-1,2,-1\n" +
	"2.1,0.2,-0.5,0.5\n" +
	"0.4,3,1,1\n"

// TestArithmeticEndToEnd compiles mean, dot, transpose and const and checks the log density
// against the reference evaluator and the gradient against finite differences.
func TestArithmeticEndToEnd(t *testing.T) {
	const chains = 3
	m, prog := compileSrc(t, arithModel, arithCSV, chains)
	checkCompiled(t, m, prog, chains, 1, 13)
}

// TestDataOnlyComputedOnce checks that consts and data-only lets are values after binding, so
// the gradient graph never recomputes them: the graph has no exp (only xc uses one) and no
// transpose, and the folded values are right.
func TestDataOnlyComputedOnce(t *testing.T) {
	m, prog := compileSrc(t, arithModel, arithCSV, 2)
	lets := map[string]*ir.LetVar{}
	for _, l := range m.Lets {
		lets[l.Name] = l
	}
	for _, name := range []string{"Xt", "xbar", "xc"} {
		l := lets[name]
		if l == nil {
			t.Fatalf("no let %s", name)
		}
		if _, ok := l.Value.(*ir.Folded); !ok {
			t.Errorf("%s is %s after binding, want a folded value", name, ir.DumpExpr(l.Value))
		}
		if l.Reported {
			t.Errorf("%s is reported, but it depends on no parameter", name)
		}
	}
	// ops are labelled name#id in the DOT
	dot := prog.Dot()
	for _, op := range []string{"exp#", "Transpose#"} {
		if strings.Contains(dot, op) {
			t.Errorf("the gradient graph computes %s; data-only values must be folded", op)
		}
	}
	if !strings.Contains(dot, "Dot#") || !strings.Contains(dot, "Mean#") {
		t.Error("the graph has no Dot or Mean op; are ops still labelled name#id?")
	}
	// inside an expression of parameters, a data-only operand of dot is folded too: x * 2
	var inner bool
	for _, term := range m.Terms {
		for _, a := range term.Args {
			ir.Walk(a, func(e ir.Expr) bool {
				if d, ok := e.(*ir.Dot); ok {
					if _, ok := d.A.(*ir.Folded); ok {
						inner = true
					}
					if _, ok := d.B.(*ir.Folded); ok {
						inner = true
					}
				}
				return true
			})
		}
	}
	if !inner {
		t.Error("dot(x * 2, w) has no folded operand")
	}
	if t.Failed() {
		return
	}
	if !lets["Xt"].Const || !lets["xbar"].Const || lets["xc"].Const {
		t.Error("Const marks the wrong lets")
	}
	xt := lets["Xt"].Value.(*ir.Folded).Value
	if want := []float64{1, 0, 2, -0.5, 1, 0, 1, -1, 0.5, 1}; len(xt.Shape) != 2 || xt.Shape[0] != 2 || !slicesEqual(xt.Data, want) {
		t.Errorf("Xt = %v %v, want [2 5] %v", xt.Shape, xt.Data, want)
	}
	if got := lets["xbar"].Value.(*ir.Folded).Value.Data[0]; math.Abs(got-0.84) > 1e-15 {
		t.Errorf("xbar = %v, want 0.84", got)
	}
}
