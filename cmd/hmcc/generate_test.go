package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunWritesGenerated runs a model with generated quantities: their columns follow the
// parameters and lets, the same seed reproduces every draw, and the chains' draws differ.
func TestRunWritesGenerated(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "g.model")
	src := "data y[N] = column \"y\"\nparam mu ~ Normal(0, 5)\nparam sigma ~ HalfNormal(2)\n" +
		"y ~ Normal(mu, sigma)\ngenerate y_rep[N] ~ Normal(mu, sigma)\ngenerate d = y_rep - y\n"
	if err := os.WriteFile(model, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(out string) []string {
		code, stdout, stderr := hmcc(t, "run", model, "../../models/eight_schools.csv", "--chains", "2", "--warmup", "100",
			"--draws", "50", "--seed", "3", "--output-dir", out, "--quiet")
		if code != 0 {
			t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
		}
		var chains []string
		for c := 1; c <= 2; c++ {
			b, err := os.ReadFile(filepath.Join(out, "output_"+string(rune('0'+c))+".csv"))
			if err != nil {
				t.Fatal(err)
			}
			var rows []string
			for _, l := range strings.Split(string(b), "\n") {
				if l != "" && !strings.HasPrefix(l, "#") {
					rows = append(rows, l)
				}
			}
			chains = append(chains, strings.Join(rows, "\n"))
		}
		return chains
	}
	a, b := run(filepath.Join(dir, "a")), run(filepath.Join(dir, "b"))
	header := strings.SplitN(a[0], "\n", 2)[0]
	if !strings.HasSuffix(header, ",mu,sigma,y_rep.1,y_rep.2,y_rep.3,y_rep.4,y_rep.5,y_rep.6,y_rep.7,y_rep.8,d.1,d.2,d.3,d.4,d.5,d.6,d.7,d.8") {
		t.Errorf("header %s", header)
	}
	if a[0] != b[0] || a[1] != b[1] {
		t.Error("the same seed gave different draws")
	}
	if strings.SplitN(a[0], "\n", 3)[1] == strings.SplitN(a[1], "\n", 3)[1] {
		t.Error("both chains drew the same first row")
	}
}
