package plots

import (
	"math"
	"reflect"
	"strconv"
	"testing"
)

// A positive parameter's density panel starts at its bound, 0; an unbounded one extends below.
func TestBoundedDensity(t *testing.T) {
	xs := make([]float64, 400)
	for i := range xs {
		xs[i] = -math.Log(1 - (float64(i)+0.5)/400) // exponential(1) quantiles
	}
	chains := [][]float64{xs[:200], xs[200:]}
	p, err := densityPlot("x", "x", chains, []string{"chain 1", "chain 2"}, 0, math.Inf(1))
	if err != nil {
		t.Fatal(err)
	}
	if p.X.Min != 0 {
		t.Errorf("bounded density starts at %v, want 0", p.X.Min)
	}
	if p, _ := densityPlot("x", "x", chains, []string{"chain 1", "chain 2"}, math.Inf(-1), math.Inf(1)); p.X.Min >= 0 {
		t.Errorf("unbounded density starts at %v, want below 0", p.X.Min)
	}
	if lo, hi := parseBounds("tau:0:inf;p:0:1").of("p.3"); lo != 0 || hi != 1 {
		t.Errorf("bounds of p.3: %v, %v", lo, hi)
	}
	if lo, _ := parseBounds("tau:0:inf").of("mu"); !math.IsInf(lo, -1) {
		t.Errorf("mu has no bound, got %v", lo)
	}
}

// --vars picks columns, a vector's name picks its elements, and by default the first plotCap
// model columns with a note on the rest; a misspelt name gets a suggestion.
func TestSelectQuantities(t *testing.T) {
	cols := []string{"lp__", "accept_stat__", "mu", "theta.1", "theta.2"}
	for _, c := range []struct {
		vars []string
		want []string
	}{
		{nil, []string{"mu", "theta.1", "theta.2"}},
		{[]string{"theta", " mu", "theta.1", ""}, []string{"theta.1", "theta.2", "mu"}},
		{[]string{"lp__"}, []string{"lp__"}},
	} {
		got, note, err := selectQuantities(cols, c.vars)
		if err != nil || note != "" || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: %v, %q, %v; want %v", c.vars, got, note, err, c.want)
		}
	}
	if _, _, err := selectQuantities(cols, []string{"thetta"}); !IsInputError(err) || err.Error() != `--vars: no quantity "thetta"; did you mean "theta"?` {
		t.Errorf("misspelt: %v", err)
	}
	if _, _, err := selectQuantities(cols, []string{" "}); !IsInputError(err) || err.Error() != "--vars names no quantity" {
		t.Errorf("blank: %v", err)
	}
	var many []string
	for i := 1; i <= plotCap+2; i++ {
		many = append(many, "b."+strconv.Itoa(i))
	}
	got, note, _ := selectQuantities(many, nil)
	if want := "note: plotted the first 12 of 14 quantities; pick others with --vars, e.g. --vars b.13,b.14 (--vars b takes every b.N)"; len(got) != plotCap || note != want {
		t.Errorf("%d quantities, note %q; want %d and %q", len(got), note, plotCap, want)
	}
}

// --out is a file when it has an image extension and is not a directory; --format must agree.
func TestTarget(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		out, format, want string
		single            bool
	}{
		{"", "", "png", false}, {"", "svg", "svg", false}, {"a/all.SVG", "", "svg", true},
		{"all.png", "png", "png", true}, {"plots.d", "", "png", false}, {dir, "svg", "svg", false},
	} {
		f, single, err := Target(c.out, c.format)
		if err != nil || f != c.want || single != c.single {
			t.Errorf("Target(%q, %q) = %q, %v, %v; want %q, %v", c.out, c.format, f, single, err, c.want, c.single)
		}
	}
	for _, c := range [][2]string{{"", "pdf"}, {"x.png", "svg"}, {"x.pdf", ""}} {
		if _, _, err := Target(c[0], c[1]); !IsInputError(err) {
			t.Errorf("Target(%q, %q): %v, want an input error", c[0], c[1], err)
		}
	}
}

func TestPlotFileName(t *testing.T) {
	used := map[string]bool{}
	for _, c := range [][2]string{{"theta.1", "theta.1"}, {"a b/c", "a_b_c"}, {"a_b_c", "a_b_c_2"}, {"a?b!c", "a_b_c_3"}} {
		if got := plotFileName(c[0], used); got != c[1] {
			t.Errorf("plotFileName(%q) = %q, want %q", c[0], got, c[1])
		}
	}
}
