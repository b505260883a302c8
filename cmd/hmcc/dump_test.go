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

// TestCheckListsGroups: hmcc check with data names each grouping's groups by number, unless the
// data already number them.
func TestCheckListsGroups(t *testing.T) {
	dir := t.TempDir()
	model, data := dir+"/t.model", dir+"/t.csv"
	src := "data y[N] = column \"y\"\ndata county[N] = levels \"county\" as J\nparam a[J] ~ Normal(0, 1)\ny ~ Normal(a[county], 1)\n"
	if err := os.WriteFile(model, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(data, []byte("y,county\n1,STEARNS\n2,AITKIN\n3,ANOKA\n4,B\n5,C\n6,D\n7,E\n8,F\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := hmcc(t, "check", model, data)
	want := "8 groups (J): 1 = AITKIN, 2 = ANOKA, 3 = B, 4 = C, 5 = D, 6 = E, …, 8 = STEARNS\n"
	if code != 0 || !strings.HasSuffix(out, want) {
		t.Errorf("exit %d, %s\n%s\nwant it to end with %s", code, errs, out, want)
	}
	code, out, _ = hmcc(t, "check", "../../models/radon.model", "../../models/radon_mn.csv")
	if code != 0 || !strings.HasSuffix(out, "85 groups (J): numbered as in the data\n") {
		t.Errorf("radon: exit %d\n%s", code, out)
	}
}
