package main

import (
	"os"
	"strings"
	"testing"
)

// TestCheckDump prints each stage of the radon model with hmcc check --dump: the parse tree and
// the bound IR must be the compiler's golden files, and the graph a Graphviz digraph.
func TestCheckDump(t *testing.T) {
	golden := func(name string) string {
		b, err := os.ReadFile("../../compiler/testdata/dump/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	model, data := "../../models/radon.model", "../../models/radon_mn.csv"
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"check", model, "--dump", "ast"}, golden("radon.ast")},
		{[]string{"check", model, "--dump", "ir"}, golden("radon.ir")},
		{[]string{"check", model, data, "--dump", "ir"}, golden("radon.bound.ir")},
	} {
		code, out, errs := hmcc(t, c.args...)
		if code != 0 || out != c.want {
			t.Errorf("hmcc %s: exit %d, %s\n%s\nwant\n%s", strings.Join(c.args, " "), code, errs, out, c.want)
		}
	}
	code, out, errs := hmcc(t, "check", model, data, "--dump", "graph")
	if code != 0 || !strings.HasPrefix(out, "digraph") || !strings.Contains(out, "Gather") {
		t.Errorf("--dump graph: exit %d, %s\n%.200s", code, errs, out)
	}
	if code, _, errs := hmcc(t, "check", model, "--dump", "graph"); code != 2 || !strings.Contains(errs, "--dump graph needs the data file") {
		t.Errorf("--dump graph without data: exit %d, %s", code, errs)
	}
}
