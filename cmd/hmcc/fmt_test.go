package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	messyModel     = "param mu~Normal(0,5) # prior\nparam sigma ~ HalfNormal( 1 )\n\n\ny ~ Normal(mu,sigma)\n"
	canonicalModel = "param mu    ~ Normal(0, 5)  # prior\nparam sigma ~ HalfNormal(1)\n\ny ~ Normal(mu, sigma)\n"
)

func writeModel(t *testing.T, dir, name, src string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(src), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func readModel(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFmtPrints(t *testing.T) {
	dir := t.TempDir()
	messy := writeModel(t, dir, "messy.model", messyModel, 0o644)
	code, out, errOut := hmcc(t, "fmt", messy)
	if code != 0 || out != canonicalModel || errOut != "" {
		t.Fatalf("exit %d, stdout\n%s\nstderr\n%s", code, out, errOut)
	}
	if got := readModel(t, messy); got != messyModel {
		t.Errorf("hmcc fmt without -w changed the file:\n%s", got)
	}
}

func TestFmtCheck(t *testing.T) {
	dir := t.TempDir()
	messy := writeModel(t, dir, "messy.model", messyModel, 0o644)
	clean := writeModel(t, dir, "clean.model", canonicalModel, 0o644)
	code, out, errOut := hmcc(t, "fmt", "--check", clean, messy)
	if code != 1 || out != messy+"\n" || errOut != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 1 and the messy file's name", code, out, errOut)
	}
	if got := readModel(t, messy); got != messyModel {
		t.Errorf("--check changed the file:\n%s", got)
	}
	code, out, errOut = hmcc(t, "fmt", "--check", clean)
	if code != 0 || out != "" || errOut != "" {
		t.Fatalf("canonical file: exit %d, stdout %q, stderr %q; want 0 and nothing", code, out, errOut)
	}
	// The bundled models are canonical, as CI checks with this command.
	models, _ := filepath.Glob("../../models/*.model")
	if code, out, errOut = hmcc(t, append([]string{"fmt", "--check"}, models...)...); code != 0 || out != "" {
		t.Fatalf("bundled models: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestFmtWrite(t *testing.T) {
	dir := t.TempDir()
	messy := writeModel(t, dir, "messy.model", messyModel, 0o600)
	clean := writeModel(t, dir, "clean.model", canonicalModel, 0o644)
	before, err := os.Stat(clean)
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := hmcc(t, "fmt", "-w", messy, clean)
	if code != 0 || out != "" || errOut != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if got := readModel(t, messy); got != canonicalModel {
		t.Errorf("-w wrote\n%s\nwant\n%s", got, canonicalModel)
	}
	if info, err := os.Stat(messy); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("-w changed the mode: %v %v", info.Mode(), err)
	}
	if after, err := os.Stat(clean); err != nil || !os.SameFile(before, after) || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("-w replaced a file that was already canonical")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("-w left files behind: %v", entries)
	}
}

func TestFmtSyntaxError(t *testing.T) {
	dir := t.TempDir()
	bad := writeModel(t, dir, "bad.model", "param mu ~ Normal(0, 5)\nlet x = 1 $ 2\n", 0o644)
	code, out, errOut := hmcc(t, "fmt", "-w", bad)
	want := bad + ":2:11: error: syntax: unexpected character \"$\"\n  let x = 1 $ 2\n            ^\n"
	if code != 2 || out != "" || errOut != want {
		t.Fatalf("exit %d, stdout %q, stderr\n%s\nwant\n%s", code, out, errOut, want)
	}
	if got := readModel(t, bad); !strings.HasPrefix(got, "param mu ~ Normal(0, 5)\n") {
		t.Errorf("a file with a syntax error was rewritten:\n%s", got)
	}
	if code, _, errOut = hmcc(t, "fmt", "--check", "-w", bad); code != 2 || !strings.Contains(errOut, "can't be used together") {
		t.Errorf("--check -w: exit %d, stderr %q", code, errOut)
	}
}
