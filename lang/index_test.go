package lang

import (
	"testing"

	"github.com/hmcc-dev/hmcc/diag"
)

// TestParseIndexing parses slices with size arithmetic, elements, comparisons, an indexed
// likelihood and a recurrence, and checks the tree through Dump.
func TestParseIndexing(t *testing.T) {
	src := `let err[N] = recur(y[1] - mu, t: y[t] - phi * err[t-1])
let c = ifelse(x >= 0, beta[K+1], -1) + (a != b)
y[3:N] ~ Normal(b[1] * y[2:N-1] + y[1:N - 2*K], s)
`
	m, err := Parse("t.model", src)
	if err != nil {
		t.Fatal(diag.Render(err, src))
	}
	want := `1:1 (let err [N] (recur (- (index y 1) mu) t (- (index y t) (* phi (index err (- t 1))))))
2:1 (let c (+ (ifelse (>= x 0) (index beta (+ K 1)) (neg 1)) (!= a b)))
3:1 (~ (slice y 3 N) (Normal (+ (* (index b 1) (slice y 2 (- N 1))) (slice y 1 (- N (* 2 K)))) s))
`
	if got := Dump(m); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestComparisonsDoNotChain: a < b < c is a syntax error pointing at the second comparison.
func TestComparisonsDoNotChain(t *testing.T) {
	src := "let c = a < b < d\n"
	_, err := Parse("t.model", src)
	if err == nil {
		t.Fatal("a < b < d parsed")
	}
	want := "t.model:1:15: error: syntax: unexpected \"<\"\n  let c = a < b < d\n                ^\n"
	if got := diag.Render(err, src); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
