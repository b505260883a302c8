package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestDataFiles runs the command line on several tables and on JSON data: the bundled two-table
// model checks, and each mistake exits 2 with a message that says where and what.
func TestDataFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string { return writeIn(t, dir, name, text) }
	code, out, errs := hmcc(t, "check", "../../models/radon_uranium.model", "../../models/radon_mn.csv", "../../models/radon_counties.csv")
	if code != 0 || !strings.Contains(out, "data  u          [J]") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	es := write("es.model", "data J = value \"J\"\ndata y[J] = value \"y\"\ndata sigma[J] = column \"sigma\"\nparam mu ~ Normal(0, 5)\nparam tau ~ HalfCauchy(5)\nparam eta[J] ~ Normal(0, 1)\ny ~ Normal(mu + tau * eta, sigma)\n")
	js := write("es.json", `{"J": 3, "y": [28, 8, -3], "sigma": [15, 10, 16]}`)
	code, out, errs = hmcc(t, "logdensity", es, js, "--json")
	if code != 0 || !strings.Contains(out, `"coordinates":["mu","tau","eta.1","eta.2","eta.3"]`) {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no file of that name", []string{"check", "../../models/radon_uranium.model", "../../models/radon_mn.csv"},
			`radon_uranium.model:8:49: error: data u reads the data file "radon_counties", but no data file of that name was given (given: "radon_mn")`},
		{"two files of one name", []string{"check", "../../models/radon.model", "../../models/radon_mn.csv", write("radon_mn.json", "{}")},
			`has the same name "radon_mn" as ../../models/radon_mn.csv`},
		{"JSON that is not valid", []string{"check", es, write("bad.json", "{\"J\": 3,\n \"y\": [1, 2,]}")},
			"bad.json:2: is not valid JSON: invalid character ']'"},
		{"a size that disagrees", []string{"check", es, write("j2.json", `{"J": 2, "y": [28, 8, -3], "sigma": [15, 10, 16]}`)},
			"es.model:2:1: error: size J is 2 (bound by J), but y has 3 elements"},
		{"a missing value in JSON", []string{"check", es, write("na.json", `{"J": 3, "y": [28, null, -3], "sigma": [15, 10, 16]}`)},
			`na.json: column "y": element 2 is null, a missing value; hmcc does not impute missing values`},
		{"an observed expression that is not finite", []string{"check", write("lg.model", "data y[N] = column \"y\"\nparam mu ~ Normal(0, 5)\nlog(y) ~ Normal(mu, 1)\n"), write("neg.csv", "y\n0.5\n-1\n")},
			"lg.model:3:1: error: the observed expression is NaN at element 2; an observed value must be a finite number"},
		{"a log_lik name clash", []string{"run", write("ll.model", "data y[N] = column \"y\"\nparam log_lik ~ Normal(0, 5)\ny ~ Normal(log_lik, 1)\n"), write("y.csv", "y\n1\n2\n"), "--log-lik", "--output-dir", filepath.Join(dir, "o"), "--quiet"},
			"--log-lik writes columns named log_lik.1, log_lik.2, …, but the model already has a quantity named log_lik"},
	}
	for _, c := range cases {
		code, out, errs := hmcc(t, c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%s: exit %d, stderr\n%s\nwant %q (stdout %s)", c.name, code, errs, c.want, out)
		}
	}
}
