package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// poissonGamma writes a model with a Gamma(3, 2) prior on a Poisson rate and ten counts (the
// library's optimize_test.go checks Optimize and Pathfinder on it against the conjugate posterior).
func poissonGamma(t *testing.T) (model, data string) {
	dir := t.TempDir()
	model = filepath.Join(dir, "pg.model")
	data = filepath.Join(dir, "pg.csv")
	src := "data y[N] = column \"y\"\nparam lambda ~ Gamma(3, 2)\ny ~ Poisson(lambda)\n"
	rows := "y\n3\n7\n5\n4\n6\n5\n2\n8\n5\n5\n"
	if err := os.WriteFile(model, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(data, []byte(rows), 0o644); err != nil {
		t.Fatal(err)
	}
	return model, data
}

// A density without a maximum (one datum, a scale free to shrink onto it: log p → +Inf) and
// bad input are user errors, exit 2, with a message and no panic.
func TestOptimizeBadInputExits2(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "spike.model")
	data := filepath.Join(dir, "one.csv")
	os.WriteFile(model, []byte("data y[N] = column \"y\"\nparam mu ~ Normal(0, 10)\nparam sigma ~ Exponential(1)\ny ~ Normal(mu, sigma)\n"), 0o644)
	os.WriteFile(data, []byte("y\n1.5\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"optimize", model, data}, "no mode"},
		{[]string{"optimize", filepath.Join(dir, "missing.model"), data}, "missing.model"},
		{[]string{"pathfinder", filepath.Join(dir, "missing.model"), data}, "missing.model"},
		{[]string{"pathfinder", "../../models/kidiq.model", data}, `column "kid_score": no such column`},
		{[]string{"optimize", model, data, "--laplace", "-1"}, "cannot be negative"},
		{[]string{"pathfinder", model, data, "--paths", "0"}, "at least 1"},
	} {
		args := append(c.args, "--output-dir", filepath.Join(dir, "out"), "--overwrite")
		code, stdout, stderr := hmcc(t, args...)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Contains(stderr, "goroutine") {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q (stdout %q)", c.args, code, stderr, c.want, stdout)
		}
	}
	// An earlier run's file is not replaced without --overwrite.
	model2, data2 := poissonGamma(t)
	out := filepath.Join(dir, "twice")
	if code, _, stderr := hmcc(t, "optimize", model2, data2, "--output-dir", out); code != 0 {
		t.Fatal(stderr)
	}
	if code, _, stderr := hmcc(t, "optimize", model2, data2, "--output-dir", out); code != 2 || !strings.Contains(stderr, "--overwrite") {
		t.Errorf("second run: exit %d, %q", code, stderr)
	}
}

// hmcc optimize --laplace and hmcc pathfinder print their report and write their files (the
// library's tests check the numbers).
func TestOptimizePathfinderCLI(t *testing.T) {
	model, data := poissonGamma(t)
	out := filepath.Join(t.TempDir(), "o")
	for _, c := range []struct {
		args  []string
		wrote string
	}{
		{[]string{"optimize", model, data, "--laplace", "50"}, "wrote optimize.csv and laplace.csv to " + out},
		{[]string{"pathfinder", model, data, "--draws", "100"}, "wrote pathfinder.csv to " + out},
	} {
		code, stdout, stderr := hmcc(t, append(c.args, "--output-dir", out)...)
		if code != 0 || !strings.Contains(stdout, c.wrote) || !strings.Contains(stdout, "lambda") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", c.args, code, stdout, stderr)
		}
	}
	for _, f := range []string{"optimize.csv", "laplace.csv", "pathfinder.csv"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
}
