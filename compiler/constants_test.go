package compiler

import (
	"math"
	"strings"
	"testing"

	"github.com/hmcc-dev/hmcc/diag"
)

// TestCheckConstantsMatchesBind: every constant argument Bind rejects, CheckConstants (hmcc check
// without data) rejects with the same rendered message; arguments that need data are left alone.
func TestCheckConstantsMatchesBind(t *testing.T) {
	for _, src := range []string{
		lines(header, "param mu ~ Normal(0, -1)", "y ~ Normal(mu, 1)"),
		lines(header, "param g ~ Gamma(0, 1)", "y ~ Normal(g, 1)"),
		lines(header, "param mu ~ Normal(0, 1/0)", "y ~ Normal(mu, 1)"),
		lines(header, "param mu ~ Normal(0, 1)", "y ~ Normal(mu, 1 - 2)"),
		lines(header, "param mu ~ Normal(0, 1)", "param p ~ Beta(1, -2)", "y ~ Normal(mu, p)"),
		lines(header, "param mu ~ Normal(0, 1)", "y ~ Normal(mu, 0/0)"),
		// inside a mixture's components, written out
		lines(header, "param mu ~ Normal(0, 1)", "y ~ Mixture(0.3, Normal(mu, -1), Normal(mu, 1))"),
	} {
		m, err := checkSrc(t, src)
		if err != nil {
			t.Fatalf("check:\n%s", diag.Render(err, src))
		}
		got := CheckConstants(m)
		_, _, want := bindSrc(t, src, "y\n1\n2\n")
		if got == nil || want == nil || diag.Render(got, src) != diag.Render(want, src) {
			t.Errorf("%s\nCheckConstants: %v\nBind: %v", src, got, want)
		}
	}
	// An argument from data or sizes cannot be judged without data.
	m, err := checkSrc(t, lines(header, `data s[N] = column "s"`, "param mu ~ Normal(0, 1)", "y ~ Normal(mu, s)"))
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckConstants(m); err != nil {
		t.Errorf("a data scale was judged without data: %v", err)
	}
}

// TestStandardizeHugeValues: a column of ±1e300 (whose squares overflow) standardises to what the
// same column in units 1e300 times larger gives, not to zeros; a constant column is an error.
func TestStandardizeHugeValues(t *testing.T) {
	huge, small := []float64{1e300, -1e300, 3e300, 2e300}, []float64{1, -1, 3, 2}
	if err := standardize(huge); err != nil {
		t.Fatal(err)
	}
	if err := standardize(small); err != nil {
		t.Fatal(err)
	}
	for i := range huge {
		if math.Abs(huge[i]-small[i]) > 1e-12 || math.Abs(small[i]) < 0.1 {
			t.Errorf("standardize(±1e300)[%d] = %g, of ±1: %g", i, huge[i], small[i])
		}
	}
	if err := standardize([]float64{0.1, 0.1, 0.1}); err == nil || err.Error() != "every value is 0.1" {
		t.Errorf("constant column: %v", err)
	}
}

// TestRelCloseRejectsInfinityMismatch: the helper the log-density tests compare with must not
// pass a finite value against an expected −Inf (|x + Inf| ≤ tol·Inf holds in floating point).
func TestRelCloseRejectsInfinityMismatch(t *testing.T) {
	for _, c := range []struct {
		got, want float64
		ok        bool
	}{
		{-1e3, math.Inf(-1), false}, {math.Inf(-1), -1e3, false}, {math.Inf(-1), math.Inf(-1), true},
		{math.Inf(1), math.Inf(-1), false}, {0, math.NaN(), false}, {math.NaN(), math.NaN(), true},
		{1 + 1e-10, 1, true}, {1.1, 1, false},
	} {
		if got := relClose(c.got, c.want, 1e-9); got != c.ok {
			t.Errorf("relClose(%g, %g) = %v, want %v", c.got, c.want, got, c.ok)
		}
	}
}

// TestIndicesCheckedInEveryTerm: a size-dependent index out of range is a located bind-time
// error wherever it stands, a mixture's weights and the components it writes out included.
func TestIndicesCheckedInEveryTerm(t *testing.T) {
	for _, c := range []struct{ stmt, want string }{
		{"y ~ Normal(mu[N], 1)", "index 3 is outside mu, which has 2 elements"},
		{"y ~ Mixture(0.5, Normal(mu[N], 1), Normal(mu[1], 1))", "index 3 is outside mu, which has 2 elements"},
		{"y ~ Mixture(w[N], Normal(mu[1], 1), Normal(mu[2], 1))", "index 3 is outside w, which has 2 elements"},
	} {
		src := lines(header, "param mu[2] ~ Normal(0, 1)", "param w[2] ~ Dirichlet(1)", c.stmt)
		_, _, err := bindSrc(t, src, "y\n1\n2\n3\n")
		if err == nil || !strings.Contains(diag.Render(err, src), c.want) {
			t.Errorf("%s: got %v, want an error naming %q", c.stmt, err, c.want)
		}
	}
}
