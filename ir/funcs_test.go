package ir

import (
	"math"
	"sort"
	"testing"
)

func TestFuncsDerivatives(t *testing.T) {
	points := map[string][]float64{
		"exp":       {-3, -0.5, 0, 0.7, 4},
		"log":       {0.01, 0.3, 1, 2.5, 100},
		"log1p":     {-0.9, -0.2, 0, 1, 50},
		"sqrt":      {0.01, 0.5, 1, 9, 1e4},
		"inv_logit": {-30, -2, 0, 0.4, 3, 30},
		"softplus":  {-40, -3, 0, 0.8, 5, 40},
		"lgamma":    {0.1, 0.5, 1, 2, 3.7, 20, -0.5, -2.5},
	}
	names := make([]string, 0, len(Funcs))
	for n := range Funcs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f := Funcs[n]
		if f.Name != n {
			t.Errorf("Funcs[%q].Name = %q", n, f.Name)
		}
		pts, ok := points[n]
		if !ok {
			t.Errorf("function %s has no test points; add some", n)
			continue
		}
		for _, x := range pts {
			checkUnaryDeriv(t, f, x)
		}
	}
	for _, x := range []float64{-2, 0, 3.5} {
		checkUnaryDeriv(t, Negate, x)
		if Negate.F(x) != -x {
			t.Errorf("neg(%v) = %v", x, Negate.F(x))
		}
	}
}

func checkUnaryDeriv(t *testing.T, f *UnaryFunc, x float64) {
	t.Helper()
	h := 1e-6 * math.Max(1, math.Abs(x))
	if f.Name == "log" || f.Name == "sqrt" || f.Name == "log1p" {
		h = 1e-4 * math.Min(1, math.Abs(x-map[string]float64{"log": 0, "sqrt": 0, "log1p": -1}[f.Name]))
	}
	fd := centralDiff(f.F, x, h)
	d := f.D(x, f.F(x))
	if math.Abs(fd-d) > 1e-6*math.Max(1, math.Abs(d)) {
		t.Errorf("%s'(%v) = %v, finite difference %v", f.Name, x, d, fd)
	}
}

func TestFuncsValues(t *testing.T) {
	tests := []struct {
		f       string
		x, want float64
	}{
		{"exp", 1, math.E},
		{"log", math.E, 1},
		{"log1p", 1e-20, 1e-20}, // log(1 + x) would round to 0
		{"sqrt", 6.25, 2.5},
		{"inv_logit", 0, 0.5},
		{"inv_logit", math.Log(3), 0.75},
		{"inv_logit", -800, 0}, // no 0/0 or overflow in the tail
		{"inv_logit", 800, 1},
		{"inv_logit", -40, math.Exp(-40) / (1 + math.Exp(-40))},
		{"softplus", 0, math.Ln2},
		{"softplus", 800, 800},
		{"softplus", -800, 0},
		{"softplus", -40, 4.248354255291589e-18}, // log1p(e^-40), kept to full relative precision
		{"lgamma", 5, math.Log(24)},
		{"lgamma", 0.5, 0.5 * math.Log(math.Pi)},
	}
	for _, tt := range tests {
		got := Funcs[tt.f].F(tt.x)
		if math.Abs(got-tt.want) > 1e-14*math.Abs(tt.want) && got != tt.want {
			t.Errorf("%s(%v) = %v, want %v", tt.f, tt.x, got, tt.want)
		}
	}
}

func TestBinaryOpsDerivatives(t *testing.T) {
	pairs := map[string][][2]float64{
		"+": {{1, 2}, {-3.5, 0.25}},
		"-": {{1, 2}, {-3.5, 0.25}},
		"*": {{1.5, -2}, {0, 3}, {-0.7, 0.4}},
		"/": {{1, 2}, {-3, 0.5}, {2, -7}},
		"^": {{2, 3}, {0.5, -1.5}, {3, 0.5}, {1.7, 2.2}, {-2, 3}, {4, 0}},
		// comparisons are flat away from where they switch
		"<": {{1, 2}, {3, -1}}, "<=": {{1, 2}, {3, -1}}, ">": {{1, 2}, {3, -1}},
		">=": {{1, 2}, {3, -1}}, "==": {{1, 2}, {2.5, 2.5}}, "!=": {{1, 2}, {2.5, 2.5}},
	}
	for sym, op := range BinaryOps {
		if op.Symbol != sym {
			t.Errorf("BinaryOps[%q].Symbol = %q", sym, op.Symbol)
		}
		ps, ok := pairs[sym]
		if !ok {
			t.Errorf("operator %s has no test points; add some", sym)
			continue
		}
		for _, p := range ps {
			a, b := p[0], p[1]
			y := op.F(a, b)
			h := 1e-6
			fa := centralDiff(func(a float64) float64 { return op.F(a, b) }, a, h)
			if da := op.DA(a, b, y); math.Abs(fa-da) > 1e-6*math.Max(1, math.Abs(da)) {
				t.Errorf("d(%v %s %v)/da = %v, finite difference %v", a, sym, b, da, fa)
			}
			if sym == "^" && a < 0 {
				continue // a negative base has no derivative in the exponent
			}
			fb := centralDiff(func(b float64) float64 { return op.F(a, b) }, b, h)
			if db := op.DB(a, b, y); math.Abs(fb-db) > 1e-6*math.Max(1, math.Abs(db)) {
				t.Errorf("d(%v %s %v)/db = %v, finite difference %v", a, sym, b, db, fb)
			}
		}
	}
	// values
	for _, tt := range []struct {
		op      string
		a, b, y float64
	}{{"+", 2, 3, 5}, {"-", 2, 3, -1}, {"*", 2, 3, 6}, {"/", 3, 2, 1.5}, {"^", 2, -1, 0.5}, {"^", 9, 0.5, 3},
		{"<", 1, 2, 1}, {"<", 2, 2, 0}, {"<=", 2, 2, 1}, {"<=", 3, 2, 0}, {">", 3, 2, 1}, {">", 2, 2, 0},
		{">=", 2, 2, 1}, {">=", 1, 2, 0}, {"==", 2, 2, 1}, {"==", 1, 2, 0}, {"!=", 1, 2, 1}, {"!=", 2, 2, 0}} {
		if got := BinaryOps[tt.op].F(tt.a, tt.b); got != tt.y {
			t.Errorf("%v %s %v = %v, want %v", tt.a, tt.op, tt.b, got, tt.y)
		}
	}
	// x^0 is 1 everywhere, so its derivative in x is 0 even at x = 0
	if d := BinaryOps["^"].DA(0, 0, 1); d != 0 {
		t.Errorf("d(0^0)/da = %v, want 0", d)
	}
}
