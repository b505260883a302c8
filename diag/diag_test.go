package diag

import (
	"errors"
	"strings"
	"testing"
)

func TestSuggest(t *testing.T) {
	names := []string{"mu_a", "sigma_a", "b", "sigma_y", "y"}
	for _, c := range []struct{ name, one, all string }{
		{"sigma", "sigma_a", "sigma_a or sigma_y"}, // two at distance 2: both shown
		{"sigma_yy", "sigma_y", "sigma_y"},
		{"Mu_a", "mu_a", "mu_a"},          // case is ignored
		{"x", "", ""},                     // one letter away from y, but as long as the name itself
		{"tau", "", ""},                   // nothing close
		{"simga_a", "sigma_a", "sigma_a"}, // a transposition is one edit
		{"sgma_yy", "sigma_y", "sigma_y"}, // a longer name may be further off: 2 edits
		{"", "", ""},
	} {
		if got := Suggest(c.name, names); got != c.one {
			t.Errorf("Suggest(%q) = %q, want %q", c.name, got, c.one)
		}
		if got := SuggestNames(c.name, names); got != c.all {
			t.Errorf("SuggestNames(%q) = %q, want %q", c.name, got, c.all)
		}
	}
	if got := SuggestNames("ab", []string{"aa", "bb", "cb", "ax"}); got != "aa, bb, cb or ax" {
		t.Errorf("four at distance 1: %q", got)
	}
	// The limit grows with the name: 2 edits up to 6 letters, 3 from 7, 4 from 10.
	long := []string{"floor_measure"}
	if got := Suggest("flor_mesure", long); got != "floor_measure" {
		t.Errorf("2 edits in 11 letters: %q", got)
	}
	if got := Suggest("flr_msure", long); got != "" { // 4 edits in 9 letters, where 3 are allowed
		t.Errorf("4 edits in 9 letters found %q", got)
	}
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"kitten", "sitting", 3}, {"flaw", "lawn", 2}, {"σ", "s", 1}, {"abc", "abc", 0},
		{"abc", "", 3}, {"", "ab", 2}, {"normla", "normal", 1}, {"ca", "abc", 3}, {"gamma", "gamma", 0}} {
		if got := editDistance(c.a, c.b); got != c.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
	}
}

// TestRenderWarnings: a warning renders like an error with "warning:", and the count of those
// beyond MaxErrors says warnings when only warnings are left and errors otherwise.
func TestRenderWarnings(t *testing.T) {
	src := "param mu ~ Normal(0, 1e6)\n"
	w := NewWarning("w", Pos{File: "m.model", Line: 1, Col: 22}, Pos{File: "m.model", Line: 1, Col: 25}, "the prior of %s is very wide", "mu").WithHint("narrow it")
	want := "m.model:1:22: warning: the prior of mu is very wide\n  param mu ~ Normal(0, 1e6)\n                       ^^^\n  hint: narrow it\n"
	if got := Render(w, src); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	var l List
	for i := 0; i < MaxErrors+2; i++ {
		l.Add(NewWarning("w", Pos{File: "m.model", Line: 1, Col: 1}, Pos{}, "w%d", i))
	}
	if got := Render(l, src); !strings.HasSuffix(got, "\n... and 2 more warnings\n") {
		t.Errorf("warnings only: %q", got[len(got)-40:])
	}
	l[len(l)-1] = New("k", Pos{File: "m.model", Line: 1, Col: 1}, Pos{}, "e")
	if got := Render(l, src); !strings.HasSuffix(got, "\n... and 2 more errors\n") {
		t.Errorf("an error among them: %q", got[len(got)-40:])
	}
}

func TestCheckWithin(t *testing.T) {
	src := "param mu ~ Normal(0, 1)\ny ~ Normal(mu, 1)\n"
	at := func(line, col int) *Error {
		return &Error{Pos: Pos{File: "m", Line: line, Col: col}, Kind: "k", Msg: "x"}
	}
	for _, c := range []struct {
		name string
		err  error
		ok   bool
	}{
		{"inside", at(2, 5), true},
		{"end of file", at(3, 1), true},
		{"a list", List{at(1, 1), at(2, 18)}, true},
		{"column past the line", at(1, 25), false},
		{"line past the file", at(5, 1), false}, // the source has 3 lines (the last empty); one past it is allowed
		{"line 0", at(0, 1), false},
		{"empty list", List{}, false},
		{"not a diagnostic", errors.New("plain"), false},
		{"bad end", &Error{Pos: Pos{Line: 1, Col: 1}, End: Pos{Line: 9, Col: 1}, Kind: "k", Msg: "x"}, false},
	} {
		if got := CheckWithin(c.err, src); (got == nil) != c.ok {
			t.Errorf("%s: CheckWithin = %v, want ok=%v", c.name, got, c.ok)
		}
	}
}

func TestCheckKinds(t *testing.T) {
	p := Pos{File: "m", Line: 1, Col: 1}
	for _, c := range []struct {
		name string
		err  error
		ok   bool
	}{
		{"with a kind", New("k", p, Pos{}, "x"), true},
		{"without", &Error{Pos: p, Msg: "x"}, false},
		{"one of a list without", List{New("k", p, Pos{}, "x"), &Error{Pos: p, Msg: "y"}}, false},
		{"a warning with a kind", NewWarning("w", p, Pos{}, "x"), true},
		{"a warning without", &Error{Pos: p, Msg: "x", Warning: true}, false},
	} {
		if got := CheckKinds(c.err); (got == nil) != c.ok {
			t.Errorf("%s: CheckKinds = %v, want ok=%v", c.name, got, c.ok)
		}
	}
}
